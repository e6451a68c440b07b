/* `paleosim net transformer ...`: writes a transformer net file (workloads/net_gen.h) from a
 * preset and/or sizes, and prints its layer and parameter counts. */
#include <stdio.h>
#include <string.h>

#include "output/output_file.h"
#include "sim/cli_common.h"
#include "sim/trace_cli.h"
#include "workloads/net.h"
#include "workloads/net_gen.h"

#define CMD "net"

/* The generator options, in the order they are applied (a preset first). */
static const char *const option_keys[] = {"layers", "hidden", "heads", "kv-heads", "ffn", "seq", "vocab",
                                          "batch", "positions", "norm", "act", "attention", "tied", "bias",
                                          "dropout", "name", NULL};
#define N_OPTIONS 16

typedef struct {
  char *preset, *output;
  char *values[N_OPTIONS];
  gboolean flash;
} NetArgs;

static gboolean build_spec(const NetArgs *a, PaleoTransformerSpec *spec, GError **error)
{
  if (a->preset && !paleo_transformer_preset(a->preset, spec)) {
    g_autofree char *list = g_strjoinv(", ", (char **)paleo_transformer_preset_names());
    return paleo_cli_bad_value(error, "--preset %s is unknown (known: %s)", a->preset, list);
  }
  for (int i = 0; option_keys[i]; i++)
    if (a->values[i] && !paleo_transformer_spec_set(spec, option_keys[i], a->values[i], error))
      return FALSE;
  if (a->flash)
    spec->flash = TRUE;
  return paleo_transformer_spec_validate(spec, error);
}

static int run(const NetArgs *a)
{
  g_autoptr(GError) error = NULL;
  PaleoTransformerSpec spec;
  paleo_transformer_spec_init(&spec);
  if (!build_spec(a, &spec, &error)) {
    paleo_transformer_spec_clear(&spec);
    return paleo_cli_fail(CMD, error);
  }
  g_autofree char *json = paleo_transformer_json(&spec);
  paleo_transformer_spec_clear(&spec);
  g_autoptr(PaleoNet) net = paleo_net_load_data(json, -1, a->output ? a->output : "<stdout>", 0, &error);
  if (!net)
    return paleo_cli_fail(CMD, error);
  if (!a->output || !strcmp(a->output, "-")) {
    fputs(json, stdout);
    return PALEO_EXIT_OK;
  }
  if (!paleo_output_file_write_text(a->output, "output", json, &error))
    return paleo_trace_cli_fail(CMD, error); /* a directory, device...: 2; a failed write: 1 */
  printf("wrote %s: %s, %u layers, %" G_GINT64_FORMAT " parameters\n", a->output, net->name, net->layers->len,
         net->params);
  return PALEO_EXIT_OK;
}

int paleo_cmd_net(int argc, char **argv)
{
  NetArgs a = {0};
  GOptionEntry entries[] = {
    {"preset", 'p', 0, G_OPTION_ARG_STRING, &a.preset,
     "Start from a preset: gpt2, gpt2-xl, gpt3-1.3b, gpt3-175b, bert-base, bert-large, llama2-7b, llama2-70b, "
     "llama3-8b", "NAME"},
    {"layers", 'L', 0, G_OPTION_ARG_STRING, &a.values[0], "Transformer layers", "L"},
    {"hidden", 'H', 0, G_OPTION_ARG_STRING, &a.values[1], "Hidden size", "H"},
    {"heads", 'A', 0, G_OPTION_ARG_STRING, &a.values[2], "Attention heads", "A"},
    {"kv-heads", 0, 0, G_OPTION_ARG_STRING, &a.values[3], "Key/value heads (grouped-query attention; default A)", "G"},
    {"ffn", 'F', 0, G_OPTION_ARG_STRING, &a.values[4], "Feed-forward size (default 4 H)", "F"},
    {"seq", 'S', 0, G_OPTION_ARG_STRING, &a.values[5], "Sequence length (default 2048)", "S"},
    {"vocab", 'V', 0, G_OPTION_ARG_STRING, &a.values[6], "Vocabulary (default 51200)", "V"},
    {"batch", 'b', 0, G_OPTION_ARG_STRING, &a.values[7], "The file's batch (default 8; scenarios set their own)", "B"},
    {"positions", 0, 0, G_OPTION_ARG_STRING, &a.values[8], "Learned position rows (default S; 0 = rotary)", "N"},
    {"norm", 0, 0, G_OPTION_ARG_STRING, &a.values[9], "layernorm (default) or rmsnorm", "NORM"},
    {"act", 0, 0, G_OPTION_ARG_STRING, &a.values[10], "gelu (default) or swiglu", "ACT"},
    {"attention", 0, 0, G_OPTION_ARG_STRING, &a.values[11], "causal (default) or bidirectional", "KIND"},
    {"tied", 0, 0, G_OPTION_ARG_STRING, &a.values[12], "Output layer reuses the embedding table: true (default) or false",
     "BOOL"},
    {"bias", 0, 0, G_OPTION_ARG_STRING, &a.values[13], "Linear layers have biases: true (default) or false", "BOOL"},
    {"dropout", 0, 0, G_OPTION_ARG_STRING, &a.values[14], "Hidden and attention dropout (default 0)", "P"},
    {"name", 0, 0, G_OPTION_ARG_STRING, &a.values[15], "The net's name", "NAME"},
    {"flash", 0, 0, G_OPTION_ARG_NONE, &a.flash, "Attention as one fused (FlashAttention) kernel", NULL},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "Net file to write (default: standard output)", "FILE.json"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("transformer - write a transformer net file");
  g_option_context_set_summary(ctx, "Defaults follow GPT-2/3: F = 4H, V = 51200, S = 2048, LayerNorm, GELU, "
                                    "causal attention, tied output layer, biases, learned positions. Options "
                                    "given after --preset override it.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  int rc;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    rc = paleo_cli_fail(CMD, error);
  else if (argc != 2 || strcmp(argv[1], "transformer"))
    rc = paleo_cli_failf(CMD, "expected the generator name 'transformer' (paleosim net transformer --layers L "
                              "--hidden H --heads A ... -o FILE.json)");
  else
    rc = run(&a);
  g_free(a.preset);
  g_free(a.output);
  for (int i = 0; i < N_OPTIONS; i++)
    g_free(a.values[i]);
  return rc;
}

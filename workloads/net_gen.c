/* The transformer net generator and its presets (see net_gen.h). */
#include "workloads/net_gen.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "hardware/catalog.h"

#define SPEC_PREFIX "transformer:"

void paleo_transformer_spec_init(PaleoTransformerSpec *s)
{
  *s = (PaleoTransformerSpec){.name = g_strdup("transformer"), .seq = 2048, .vocab = 51200, .batch = 8,
                              .causal = TRUE, .tied = TRUE, .bias = TRUE, .positions = -1};
}

void paleo_transformer_spec_clear(PaleoTransformerSpec *s)
{
  g_clear_pointer(&s->name, g_free);
}

static gboolean invalid(GError **error, const char *key, const char *value, const char *expected)
{
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "transformer option %s = '%s': expected %s", key,
              value, expected);
  return FALSE;
}

static gboolean parse_size(const char *key, const char *value, int64_t lo, int64_t *out, GError **error)
{
  char *end = NULL;
  errno = 0;
  long long v = strtoll(value, &end, 10);
  if (errno || !end || end == value || *end || v < lo || v > G_MAXINT32)
    return invalid(error, key, value, lo ? "a positive integer" : "an integer >= 0");
  *out = v;
  return TRUE;
}

static gboolean parse_flag(const char *key, const char *value, const char *yes, const char *no, gboolean *out,
                           GError **error)
{
  if (!g_ascii_strcasecmp(value, yes) || !g_ascii_strcasecmp(value, no)) {
    *out = !g_ascii_strcasecmp(value, yes);
    return TRUE;
  }
  g_autofree char *expected = g_strdup_printf("%s or %s", yes, no);
  return invalid(error, key, value, expected);
}

/* The integer options: name and field. */
static int64_t *size_field(PaleoTransformerSpec *s, const char *key, int64_t *lo)
{
  static const struct {
    const char *key;
    gsize offset;
    int64_t lo;
  } sizes[] = {
    {"layers", G_STRUCT_OFFSET(PaleoTransformerSpec, layers), 1},
    {"hidden", G_STRUCT_OFFSET(PaleoTransformerSpec, hidden), 1},
    {"heads", G_STRUCT_OFFSET(PaleoTransformerSpec, heads), 1},
    {"kv-heads", G_STRUCT_OFFSET(PaleoTransformerSpec, kv_heads), 1},
    {"ffn", G_STRUCT_OFFSET(PaleoTransformerSpec, ffn), 1},
    {"seq", G_STRUCT_OFFSET(PaleoTransformerSpec, seq), 1},
    {"vocab", G_STRUCT_OFFSET(PaleoTransformerSpec, vocab), 1},
    {"batch", G_STRUCT_OFFSET(PaleoTransformerSpec, batch), 1},
    {"positions", G_STRUCT_OFFSET(PaleoTransformerSpec, positions), 0},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++)
    if (!strcmp(key, sizes[i].key)) {
      *lo = sizes[i].lo;
      return (int64_t *)(void *)((char *)s + sizes[i].offset);
    }
  return NULL;
}

gboolean paleo_transformer_spec_set(PaleoTransformerSpec *s, const char *key, const char *value, GError **error)
{
  int64_t lo = 0, *size = size_field(s, key, &lo);
  if (size)
    return parse_size(key, value, lo, size, error);
  if (!strcmp(key, "norm"))
    return parse_flag(key, value, "rmsnorm", "layernorm", &s->rmsnorm, error);
  if (!strcmp(key, "act"))
    return parse_flag(key, value, "swiglu", "gelu", &s->swiglu, error);
  if (!strcmp(key, "attention"))
    return parse_flag(key, value, "causal", "bidirectional", &s->causal, error);
  if (!strcmp(key, "flash"))
    return parse_flag(key, value, "true", "false", &s->flash, error);
  if (!strcmp(key, "tied"))
    return parse_flag(key, value, "true", "false", &s->tied, error);
  if (!strcmp(key, "bias"))
    return parse_flag(key, value, "true", "false", &s->bias, error);
  if (!strcmp(key, "dropout")) {
    char *end = NULL;
    double v = g_ascii_strtod(value, &end);
    if (!end || end == value || *end || !(v >= 0 && v < 1))
      return invalid(error, key, value, "a number in [0, 1)");
    s->dropout = v;
    return TRUE;
  }
  if (!strcmp(key, "name") && *value) {
    g_free(s->name);
    s->name = g_strdup(value);
    return TRUE;
  }
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
              "unknown transformer option '%s' (known: layers, hidden, heads, kv-heads, ffn, seq, vocab, batch, "
              "positions, norm, act, attention, flash, tied, bias, dropout, name)", key);
  return FALSE;
}

static int64_t kv_heads(const PaleoTransformerSpec *s)
{
  return s->kv_heads ? s->kv_heads : s->heads;
}

static int64_t ffn(const PaleoTransformerSpec *s)
{
  return s->ffn ? s->ffn : 4 * s->hidden;
}

static int64_t positions(const PaleoTransformerSpec *s)
{
  return s->positions >= 0 ? s->positions : s->seq;
}

gboolean paleo_transformer_spec_validate(const PaleoTransformerSpec *s, GError **error)
{
  const char *missing = !s->layers ? "layers" : !s->hidden ? "hidden" : !s->heads ? "heads" : NULL;
  if (missing) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "transformer: --%s is required (a positive integer)", missing);
    return FALSE;
  }
  if (s->hidden % s->heads || s->heads % kv_heads(s)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "transformer: hidden %" G_GINT64_FORMAT " must be a multiple of heads %" G_GINT64_FORMAT
                ", and heads a multiple of kv-heads %" G_GINT64_FORMAT, s->hidden, s->heads, kv_heads(s));
    return FALSE;
  }
  return TRUE;
}

/* ---- writing ---- */

typedef struct {
  JsonBuilder *b;
  const PaleoTransformerSpec *s;
} Writer;

/* Opens layer `name` of `type` with its parents; the caller adds keys and closes it. */
static void layer_begin(Writer *w, const char *name, const char *type, const char *p1, const char *p2)
{
  json_builder_set_member_name(w->b, name);
  json_builder_begin_object(w->b);
  json_builder_set_member_name(w->b, "type");
  json_builder_add_string_value(w->b, type);
  json_builder_set_member_name(w->b, "parents");
  json_builder_begin_array(w->b);
  json_builder_add_string_value(w->b, p1);
  if (p2)
    json_builder_add_string_value(w->b, p2);
  json_builder_end_array(w->b);
}

static void key_int(Writer *w, const char *key, int64_t v)
{
  json_builder_set_member_name(w->b, key);
  json_builder_add_int_value(w->b, v);
}

static void key_string(Writer *w, const char *key, const char *v)
{
  json_builder_set_member_name(w->b, key);
  json_builder_add_string_value(w->b, v);
}

static void key_bool(Writer *w, const char *key, gboolean v)
{
  json_builder_set_member_name(w->b, key);
  json_builder_add_boolean_value(w->b, v);
}

static void key_double(Writer *w, const char *key, double v)
{
  json_builder_set_member_name(w->b, key);
  json_builder_add_double_value(w->b, v);
}

static void simple(Writer *w, const char *name, const char *type, const char *parent)
{
  layer_begin(w, name, type, parent, NULL);
  json_builder_end_object(w->b);
}

static void matmul(Writer *w, const char *name, const char *parent, int64_t outputs, const char *tp)
{
  layer_begin(w, name, "MatMul", parent, NULL);
  key_int(w, "num_outputs", outputs);
  if (!w->s->bias)
    key_bool(w, "bias", FALSE);
  if (tp)
    key_string(w, "tensor_parallel", tp);
  json_builder_end_object(w->b);
}

static void residual(Writer *w, const char *name, const char *a, const char *b)
{
  layer_begin(w, name, "Residual", a, b);
  if (w->s->dropout > 0)
    key_double(w, "dropout", w->s->dropout);
  json_builder_end_object(w->b);
}

static const char *norm_type(const Writer *w)
{
  return w->s->rmsnorm ? "RMSNorm" : "LayerNorm";
}

static void attention_layer(Writer *w, const char *name, const char *parent)
{
  const PaleoTransformerSpec *s = w->s;
  layer_begin(w, name, "Attention", parent, NULL);
  key_int(w, "heads", s->heads);
  if (kv_heads(s) != s->heads)
    key_int(w, "kv_heads", kv_heads(s));
  key_bool(w, "causal", s->causal);
  key_string(w, "fused", s->flash ? "flash" : "none");
  if (s->dropout > 0)
    key_double(w, "dropout", s->dropout);
  json_builder_end_object(w->b);
}

/* Layer i after `input`; returns its output layer's name (owned). */
static char *transformer_layer(Writer *w, int64_t i, const char *input)
{
  const PaleoTransformerSpec *s = w->s;
  int64_t d = s->hidden / s->heads;
  g_autofree char *p = g_strdup_printf("layer%" G_GINT64_FORMAT "/", i);
#define N(x) g_autofree char *x = g_strconcat(p, #x, NULL)
  N(ln1);
  N(qkv);
  N(attention);
  N(proj);
  N(residual1);
  N(ln2);
  N(fc1);
  N(act);
  N(fc2);
  N(residual2);
#undef N
  const char *attn_in = input;
  if (!s->post_norm) {
    simple(w, ln1, norm_type(w), input);
    attn_in = ln1;
  }
  matmul(w, qkv, attn_in, (s->heads + 2 * kv_heads(s)) * d, "column");
  attention_layer(w, attention, qkv);
  matmul(w, proj, attention, s->hidden, "row");
  residual(w, residual1, proj, input);
  const char *mlp_in = residual1;
  if (s->post_norm) {
    simple(w, ln1, norm_type(w), residual1);
    mlp_in = ln1;
  } else {
    simple(w, ln2, norm_type(w), residual1);
    mlp_in = ln2;
  }
  matmul(w, fc1, mlp_in, (s->swiglu ? 2 : 1) * ffn(s), "column");
  simple(w, act, s->swiglu ? "SwiGLU" : "GELU", fc1);
  matmul(w, fc2, act, s->hidden, "row");
  residual(w, residual2, fc2, s->post_norm ? ln1 : residual1);
  if (!s->post_norm)
    return g_strdup(residual2);
  simple(w, ln2, norm_type(w), residual2);
  return g_strdup(ln2);
}

static void input_and_embedding(Writer *w)
{
  const PaleoTransformerSpec *s = w->s;
  json_builder_set_member_name(w->b, "data");
  json_builder_begin_object(w->b);
  key_string(w, "type", "Input");
  json_builder_set_member_name(w->b, "tensor");
  json_builder_begin_array(w->b);
  json_builder_add_int_value(w->b, s->batch);
  json_builder_add_int_value(w->b, s->seq);
  json_builder_end_array(w->b);
  json_builder_set_member_name(w->b, "parents");
  json_builder_begin_array(w->b);
  json_builder_end_array(w->b);
  json_builder_end_object(w->b);
  layer_begin(w, "embed", "Embedding", "data", NULL);
  key_int(w, "vocab", s->vocab);
  key_int(w, "hidden", s->hidden);
  if (positions(s))
    key_int(w, "positions", positions(s));
  json_builder_end_object(w->b);
}

/* From the last layer's output to the loss; BERT's masked-LM head first. */
static void head(Writer *w, const char *last)
{
  const PaleoTransformerSpec *s = w->s;
  const char *in = last;
  if (s->post_norm) {
    matmul(w, "mlm/dense", last, s->hidden, NULL);
    simple(w, "mlm/act", "GELU", "mlm/dense");
    simple(w, "mlm/norm", norm_type(w), "mlm/act");
    in = "mlm/norm";
  } else {
    simple(w, "final_norm", norm_type(w), last);
    in = "final_norm";
  }
  layer_begin(w, "logits", "MatMul", in, NULL);
  key_int(w, "num_outputs", s->vocab);
  key_bool(w, "bias", s->post_norm); /* BERT's decoder has a bias, GPT's output layer none */
  key_string(w, "tensor_parallel", "column");
  if (s->tied)
    key_string(w, "tied", "embed");
  json_builder_end_object(w->b);
  simple(w, "loss", "CrossEntropy", "logits");
}

char *paleo_transformer_json(const PaleoTransformerSpec *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  Writer w = {b, s};
  json_builder_begin_object(b);
  key_string(&w, "name", s->name);
  json_builder_set_member_name(b, "layers");
  json_builder_begin_object(b);
  input_and_embedding(&w);
  g_autofree char *last = g_strdup("embed");
  if (s->post_norm) {
    simple(&w, "embed_norm", norm_type(&w), "embed");
    g_free(last);
    last = g_strdup("embed_norm");
  }
  for (int64_t i = 0; i < s->layers; i++) {
    char *next = transformer_layer(&w, i, last);
    g_free(last);
    last = next;
  }
  head(&w, last);
  json_builder_end_object(b);
  json_builder_end_object(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 1);
  char *text = json_generator_to_data(gen, NULL);
  char *with_newline = g_strconcat(text, "\n", NULL);
  g_free(text);
  return with_newline;
}

/* ---- presets ---- */

typedef struct {
  const char *name;
  int64_t layers, hidden, heads, kv_heads, ffn, seq, vocab;
  const char *family; /* gpt2, gpt3, bert, llama */
  const char *source;
} Preset;

/* Sizes from the models' papers and released configurations. */
static const Preset presets[] = {
  {"gpt2", 12, 768, 12, 0, 0, 1024, 50257, "gpt2", "Radford et al. 2019; HF gpt2 config (124M)"},
  {"gpt2-xl", 48, 1600, 25, 0, 0, 1024, 50257, "gpt2", "Radford et al. 2019; HF gpt2-xl config (1.5B)"},
  {"gpt3-1.3b", 24, 2048, 16, 0, 0, 2048, 51200, "gpt3", "Brown et al. 2020 Table 2.1 (GPT-3 XL), 128-wide heads as Megatron runs it"},
  {"gpt3-175b", 96, 12288, 96, 0, 0, 2048, 51200, "gpt3", "Brown et al. 2020 Table 2.1; Narayanan et al. SC21 (V = 51200)"},
  {"bert-base", 12, 768, 12, 0, 0, 512, 30522, "bert", "Devlin et al. 2019 (BERT-Base, 110M)"},
  {"bert-large", 24, 1024, 16, 0, 0, 512, 30522, "bert", "Devlin et al. 2019 (BERT-Large, 340M)"},
  {"llama2-7b", 32, 4096, 32, 0, 11008, 4096, 32000, "llama", "Touvron et al. 2023 (Llama 2); HF Llama-2-7b config"},
  {"llama2-70b", 80, 8192, 64, 8, 28672, 4096, 32000, "llama", "Touvron et al. 2023 (Llama 2); HF Llama-2-70b config"},
  {"llama3-8b", 32, 4096, 32, 8, 14336, 8192, 128256, "llama", "Meta Llama 3 model card; HF Meta-Llama-3-8B config"},
};

static const char *const preset_names[] = {"gpt2", "gpt2-xl", "gpt3-1.3b", "gpt3-175b", "bert-base",
                                           "bert-large", "llama2-7b", "llama2-70b", "llama3-8b", NULL};

const char *const *paleo_transformer_preset_names(void)
{
  return preset_names;
}

gboolean paleo_transformer_preset(const char *name, PaleoTransformerSpec *s)
{
  for (gsize i = 0; i < G_N_ELEMENTS(presets); i++) {
    const Preset *p = &presets[i];
    if (g_ascii_strcasecmp(name, p->name))
      continue;
    paleo_transformer_spec_clear(s);
    paleo_transformer_spec_init(s);
    g_free(s->name);
    s->name = g_strdup(p->name);
    s->layers = p->layers, s->hidden = p->hidden, s->heads = p->heads, s->kv_heads = p->kv_heads;
    s->ffn = p->ffn, s->seq = p->seq, s->vocab = p->vocab;
    if (!strcmp(p->family, "gpt2") || !strcmp(p->family, "gpt3"))
      s->dropout = 0.1; /* GPT-2's and GPT-3's hidden and attention dropout (Megatron's defaults too) */
    if (!strcmp(p->family, "bert")) {
      s->causal = FALSE;
      s->post_norm = TRUE;
      s->positions = p->seq + 2; /* learned positions and BERT's two token types */
      s->dropout = 0.1;
    } else if (!strcmp(p->family, "llama")) {
      s->rmsnorm = s->swiglu = TRUE;
      s->tied = s->bias = FALSE;
      s->positions = 0; /* rotary */
    }
    return TRUE;
  }
  return FALSE;
}

/* ---- generator specs ---- */

gboolean paleo_transformer_spec_is(const char *text)
{
  return text && g_str_has_prefix(text, SPEC_PREFIX);
}

gboolean paleo_transformer_spec_parse(const char *text, PaleoTransformerSpec *s, GError **error)
{
  g_return_val_if_fail(paleo_transformer_spec_is(text), FALSE);
  g_auto(GStrv) items = g_strsplit(text + strlen(SPEC_PREFIX), ":", -1);
  for (char **it = items; *it; it++) {
    if (!**it)
      continue;
    char *eq = strchr(*it, '=');
    if (!eq) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "%s: '%s' is not key=value (a generator spec is transformer:key=value:key=value...)", text, *it);
      return FALSE;
    }
    *eq = '\0';
    if (!strcmp(*it, "preset")) {
      if (!paleo_transformer_preset(eq + 1, s)) {
        g_autofree char *list = g_strjoinv(", ", (char **)preset_names);
        g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "%s: unknown preset '%s' (known: %s)",
                    text, eq + 1, list);
        return FALSE;
      }
    } else if (!paleo_transformer_spec_set(s, *it, eq + 1, error)) {
      g_prefix_error(error, "%s: ", text);
      return FALSE;
    }
  }
  if (!paleo_transformer_spec_validate(s, error)) {
    g_prefix_error(error, "%s: ", text);
    return FALSE;
  }
  return TRUE;
}

PaleoNet *paleo_transformer_load(const char *text, int64_t batch, GError **error)
{
  PaleoTransformerSpec s;
  paleo_transformer_spec_init(&s);
  if (!paleo_transformer_spec_parse(text, &s, error)) {
    paleo_transformer_spec_clear(&s);
    return NULL;
  }
  g_autofree char *json = paleo_transformer_json(&s);
  paleo_transformer_spec_clear(&s);
  return paleo_net_load_data(json, -1, text, batch, error);
}

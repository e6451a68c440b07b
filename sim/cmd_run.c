/* `paleosim run SCENARIO [--set section.key=value]... [--format table|json]
 *  [--trace FILE] [--trace-level L] [--trace-format F] [--keys]`: simulate a scenario and
 * print where the time goes. */
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "workloads/collective.h"

int paleo_cmd_run(int argc, char **argv);

static void on_signal(int sig)
{
  (void)sig;
  paleo_run_request_stop();
}

static void install_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static void print_table(const PaleoScenario *sc, const PaleoRunSummary *s)
{
  printf("scenario          %s: %s, %u x %s, %s, %s fidelity\n", sc->name, sc->workload.net, s->workers, sc->cluster.device,
         paleo_collective_names[sc->training.collective], paleo_fidelity_names[sc->training.fidelity]);
  printf("iterations        %u (batch %" G_GINT64_FORMAT " per worker, %u gradient bucket%s)\n", s->iterations,
         s->batch_per_worker, s->buckets, s->buckets == 1 ? "" : "s");
  printf("iteration time    mean %.3f ms   p50 %.3f ms   p99 %.3f ms\n", s->iteration_mean_ms, s->iteration_p50_ms,
         s->iteration_p99_ms);
  printf("throughput        %.1f samples/s\n", s->throughput_samples_per_s);
  printf("speed-up          %.2f x against one worker (%.3f ms per iteration)\n", s->speedup, s->one_worker_ms);
  printf("time per worker   compute %.3f ms   exposed communication %.3f ms   waiting %.3f ms   (per iteration)\n",
         s->compute_ms, s->comm_exposed_ms, s->wait_ms);
  printf("overlap           %.1f %% of %.3f ms communication hidden under compute\n", 100 * s->overlap_fraction,
         s->comm_ms);
  if (s->links->len) {
    printf("busiest links     utilization\n");
    for (guint i = 0; i < s->links->len && i < 5; i++) {
      const PaleoRunLink *l = &g_array_index(s->links, PaleoRunLink, i);
      printf("  %-24s %6.1f %%\n", l->name, 100 * l->utilization);
    }
  }
  printf("simulation        %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " flows, %.3f s wall\n", s->events, s->flows,
         s->wall_s);
}

static void print_json(const PaleoScenario *sc, const PaleoRunSummary *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, sc->name);
  json_builder_set_member_name(b, "workers");
  json_builder_add_int_value(b, s->workers);
  json_builder_set_member_name(b, "iterations");
  json_builder_add_int_value(b, s->iterations);
  json_builder_set_member_name(b, "iteration_ms");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "mean");
  json_builder_add_double_value(b, s->iteration_mean_ms);
  json_builder_set_member_name(b, "p50");
  json_builder_add_double_value(b, s->iteration_p50_ms);
  json_builder_set_member_name(b, "p99");
  json_builder_add_double_value(b, s->iteration_p99_ms);
  json_builder_end_object(b);
  const struct {
    const char *key;
    double value;
  } nums[] = {
    {"throughput_samples_per_s", s->throughput_samples_per_s}, {"speedup", s->speedup},
    {"one_worker_ms", s->one_worker_ms}, {"compute_ms", s->compute_ms}, {"comm_ms", s->comm_ms},
    {"comm_exposed_ms", s->comm_exposed_ms}, {"wait_ms", s->wait_ms}, {"overlap_fraction", s->overlap_fraction},
    {"wall_s", s->wall_s},
  };
  for (guint i = 0; i < G_N_ELEMENTS(nums); i++) {
    json_builder_set_member_name(b, nums[i].key);
    json_builder_add_double_value(b, nums[i].value);
  }
  json_builder_set_member_name(b, "events");
  json_builder_add_int_value(b, (gint64)s->events);
  json_builder_set_member_name(b, "flows");
  json_builder_add_int_value(b, (gint64)s->flows);
  json_builder_set_member_name(b, "interrupted");
  json_builder_add_boolean_value(b, s->interrupted);
  json_builder_set_member_name(b, "links");
  json_builder_begin_array(b);
  for (guint i = 0; i < s->links->len; i++) {
    const PaleoRunLink *l = &g_array_index(s->links, PaleoRunLink, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, l->name);
    json_builder_set_member_name(b, "utilization");
    json_builder_add_double_value(b, l->utilization);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  printf("%s\n", text);
}

static int exit_code(const GError *e)
{
  if (e->domain == PALEO_SCENARIO_ERROR || (e->domain == PALEO_OUTPUT_ERROR && e->code == PALEO_OUTPUT_ERROR_FORMAT))
    return PALEO_EXIT_USAGE;
  return PALEO_EXIT_FAILURE;
}

int paleo_cmd_run(int argc, char **argv)
{
  g_auto(GStrv) sets = NULL;
  g_autofree char *format = NULL, *trace = NULL, *trace_level = NULL, *trace_format = NULL;
  gboolean keys = FALSE, keys_md = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, "override a scenario key (repeatable)", "SECTION.KEY=VALUE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format, "output format: table (default) or json", "FORMAT"},
    {"trace", 't', 0, G_OPTION_ARG_FILENAME, &trace, "write a trace (.db SQLite, .h5 HDF5) = --set output.trace=FILE", "FILE"},
    {"trace-level", 0, 0, G_OPTION_ARG_STRING, &trace_level, "iterations|tasks|flows|all", "LEVEL"},
    {"trace-format", 0, 0, G_OPTION_ARG_STRING, &trace_format, "sqlite|hdf5 (default: from the extension)", "FORMAT"},
    {"keys", 0, 0, G_OPTION_ARG_NONE, &keys, "list every scenario key with type, unit, default and meaning", NULL},
    {"keys-markdown", 0, 0, G_OPTION_ARG_NONE, &keys_md, "the same as a Markdown table", NULL},
    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &quiet, "no progress line on stderr", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - simulate synchronous data-parallel training");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "SCENARIO is a path or a shipped name (configs/scenarios: default, "
                                        "inception_v3_k40, nin_k20x, alexnet_k80).\n");
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return paleo_cli_fail("run", error);
  if (keys || keys_md) {
    paleo_scenario_print_keys(stdout, keys_md);
    return PALEO_EXIT_OK;
  }
  if (argc != 2)
    return paleo_cli_failf("run", "expected one SCENARIO (see 'paleosim run --help')");
  gboolean json = FALSE;
  if (format && !(json = !g_ascii_strcasecmp(format, "json")) && g_ascii_strcasecmp(format, "table"))
    return paleo_cli_failf("run", "--format '%s': expected table or json", format);
  GPtrArray *ov = g_ptr_array_new_with_free_func(g_free);
  for (char **s = sets; s && *s; s++)
    g_ptr_array_add(ov, g_strdup(*s));
  if (trace)
    g_ptr_array_add(ov, g_strconcat("output.trace=", trace, NULL));
  if (trace_level)
    g_ptr_array_add(ov, g_strconcat("output.trace_level=", trace_level, NULL));
  if (trace_format)
    g_ptr_array_add(ov, g_strconcat("output.trace_format=", trace_format, NULL));
  g_ptr_array_add(ov, NULL);
  g_autofree char *path = paleo_scenario_resolve_path(argv[1]);
  g_autoptr(PaleoScenario) sc = paleo_scenario_load(path, (char **)ov->pdata, &error);
  g_ptr_array_free(ov, TRUE);
  if (!sc)
    return paleo_cli_fail("run", error);
  install_signals();
  PaleoRunOptions opt = {.progress = !quiet};
  PaleoRunSummary summary;
  gboolean ok = paleo_run_scenario(sc, &opt, &summary, &error);
  if (ok || summary.iterations) {
    if (json)
      print_json(sc, &summary);
    else
      print_table(sc, &summary);
  }
  gboolean interrupted = summary.interrupted;
  paleo_run_summary_clear(&summary);
  if (!ok) {
    fprintf(stderr, "paleosim run: %s\n", error->message);
    return exit_code(error);
  }
  if (interrupted) {
    fprintf(stderr, "paleosim run: interrupted; the summary covers the completed iterations\n");
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

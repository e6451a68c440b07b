/* `paleosim run SCENARIO [--set section.key=value]... [--format table|json|csv]
 *  [--hardware FILE]... [--trace FILE] [--trace-level L] [--trace-format F] [--keys]`:
 * simulate a scenario and print where the time goes. */
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "sim/cli_common.h"
#include "sim/result_row.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/summary_print.h"

int paleo_cmd_run(int argc, char **argv);

typedef enum { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV } Format;

/* The summary in the chosen format on stdout; FALSE when stdout fails. */
static gboolean print_summary(Format format, const PaleoScenario *sc, const PaleoRunSummary *summary)
{
  if (format == FORMAT_TABLE) {
    paleo_summary_print_table(stdout, sc, summary);
  } else if (format == FORMAT_JSON) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    paleo_summary_add_json(b, sc, summary);
    json_builder_end_object(b);
    paleo_summary_write_json(stdout, b);
  } else {
    g_autoptr(JsonObject) run = paleo_summary_json(sc, summary);
    g_autoptr(JsonObject) row = paleo_row_flatten(run);
    g_autoptr(JsonObject) columns = paleo_summary_prototype_row(sc);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GList) members = json_object_get_members(columns);
    for (GList *m = members; m; m = m->next)
      g_ptr_array_add(names, m->data);
    g_autoptr(GString) csv = g_string_new(NULL);
    paleo_row_csv_header(csv, names);
    paleo_row_csv_line(csv, names, row);
    fputs(csv->str, stdout);
  }
  return fflush(stdout) == 0 && !ferror(stdout);
}

int paleo_cmd_run(int argc, char **argv)
{
  g_auto(GStrv) sets = NULL, hardware = NULL;
  g_autofree char *format = NULL, *trace = NULL, *trace_level = NULL, *trace_format = NULL;
  gboolean keys = FALSE, keys_md = FALSE, quiet = FALSE, allow_oom = FALSE;
  GOptionEntry entries[] = {
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, "override a scenario key (repeatable)", "SECTION.KEY=VALUE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format, "output format: table (default), json or csv (one row: the columns of a sweep)", "FORMAT"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &hardware, "extra device/link catalog (repeatable)", "FILE"},
    {"trace", 't', 0, G_OPTION_ARG_FILENAME, &trace, "write a trace (.db SQLite, .h5 HDF5) = --set output.trace=FILE", "FILE"},
    {"trace-level", 0, 0, G_OPTION_ARG_STRING, &trace_level, "iterations|tasks|flows|all", "LEVEL"},
    {"trace-format", 0, 0, G_OPTION_ARG_STRING, &trace_format, "sqlite|hdf5 (default: from the extension)", "FORMAT"},
    {"keys", 0, 0, G_OPTION_ARG_NONE, &keys, "list every scenario key with type, unit, default and meaning", NULL},
    {"keys-markdown", 0, 0, G_OPTION_ARG_NONE, &keys_md, "the same as a Markdown table", NULL},
    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &quiet, "no progress line on stderr", NULL},
    {"allow-oom", 0, 0, G_OPTION_ARG_NONE, &allow_oom, "run even when the devices' memory cannot hold the configuration "
     "(paleosim memory SCENARIO shows the breakdown)", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - simulate data-parallel training (sync, async-ps, ssp, backup)");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "SCENARIO is a path or a shipped name (configs/scenarios: default, "
                                        "inception_v3_k40, nin_k20x, alexnet_k80, stragglers).\n");
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return paleo_cli_fail("run", error);
  if (keys || keys_md) {
    paleo_scenario_print_keys(stdout, keys_md);
    return PALEO_EXIT_OK;
  }
  if (argc != 2)
    return paleo_cli_failf("run", "expected one SCENARIO (see 'paleosim run --help')");
  Format fmt = FORMAT_TABLE;
  if (format && !g_ascii_strcasecmp(format, "json"))
    fmt = FORMAT_JSON;
  else if (format && !g_ascii_strcasecmp(format, "csv"))
    fmt = FORMAT_CSV;
  else if (format && g_ascii_strcasecmp(format, "table"))
    return paleo_cli_failf("run", "--format '%s': expected table, json or csv", format);
  g_autoptr(PaleoCatalog) catalog = paleo_cli_catalog(hardware, &error);
  if (!catalog)
    return paleo_cli_fail("run", error);
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
  paleo_summary_catch_stop_signals();
  PaleoRunOptions opt = {.progress = !quiet, .catalog = catalog, .allow_oom = allow_oom};
  PaleoRunSummary summary;
  gboolean ok = paleo_run_scenario(sc, &opt, &summary, &error);
  gboolean printed = !(ok || summary.iterations) || print_summary(fmt, sc, &summary);
  gboolean interrupted = summary.interrupted;
  paleo_run_summary_clear(&summary);
  if (!printed) {
    fprintf(stderr, "paleosim run: cannot write the summary to standard output\n");
    return PALEO_EXIT_FAILURE;
  }
  if (!ok) {
    fprintf(stderr, "paleosim run: %s\n", error->message);
    return paleo_summary_exit_code(error);
  }
  if (interrupted) {
    fprintf(stderr, "paleosim run: interrupted; the summary covers the completed iterations\n");
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

/* `paleosim analyze TRACE`: stragglers, communication/compute overlap and link contention
 * of a recorded run (SQLite or HDF5 trace), as a table, JSON or CSV. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output/analyze.h"
#include "output/output_file.h"
#include "output/timeline.h"
#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/trace_cli.h"

typedef struct {
  char *format;
  int top;
  char *table;
  char *output;
  char *iterations;
} AnalyzeArgs;

static void analyze_args_clear(AnalyzeArgs *a)
{
  g_free(a->format);
  g_free(a->table);
  g_free(a->output);
  g_free(a->iterations);
}

static gboolean check_args(const AnalyzeArgs *a, PaleoReportFormat *format, GError **error)
{
  if (!paleo_report_format_parse(a->format ? a->format : "table", format)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--format '%s': expected table, json or csv", a->format);
    return FALSE;
  }
  if (a->top < 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--top %d: expected a row count >= 0 (0 = all)", a->top);
    return FALSE;
  }
  if (!a->table)
    return TRUE;
  for (guint i = 0; paleo_analysis_table_names[i]; i++)
    if (!strcmp(a->table, paleo_analysis_table_names[i]))
      return TRUE;
  g_autofree char *names = g_strjoinv(", ", (char **)paleo_analysis_table_names);
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--table '%s': expected one of %s", a->table, names);
  return FALSE;
}

/* The report on stdout, or through a partial file renamed onto `path`. */
static gboolean write_text(const char *path, const char *text, GError **error)
{
  if (!path) {
    fputs(text, stdout);
    return TRUE;
  }
  return paleo_output_file_write_text(path, "output", text, error);
}

int paleo_cmd_analyze(int argc, char **argv)
{
  AnalyzeArgs a = {.top = 10};
  GOptionEntry entries[] = {
    {"format", 'f', 0, G_OPTION_ARG_STRING, &a.format, "table (default), json or csv", "FMT"},
    {"top", 'n', 0, G_OPTION_ARG_INT, &a.top, "at most N rows per list, worst first (default 10, 0 = all)", "N"},
    {"table", 't', 0, G_OPTION_ARG_STRING, &a.table, "only this table (table/csv): stragglers, iterations, overlap, links, workers, staleness, staleness_histogram or critical_path", "NAME"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "write the report to FILE instead of stdout", "FILE"},
    {"iterations", 'i', 0, G_OPTION_ARG_STRING, &a.iterations, "critical path of these iterations only: N or A-B (default all)", "RANGE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GError) error = NULL;
  PaleoReportFormat format = PALEO_REPORT_TABLE;
  if (!paleo_trace_cli_parse(&argc, &argv, "TRACE - stragglers, overlap and link contention of a run",
                             "TRACE is a paleosim trace (.db or .h5). Links need trace level 'all', "
                             "overlap needs 'flows'.", entries, &error) ||
      !check_args(&a, &format, &error)) {
    analyze_args_clear(&a);
    return paleo_trace_cli_fail("analyze", error);
  }
  g_autoptr(PaleoAnalysis) analysis = paleo_analysis_new();
  if (a.iterations) {
    g_autoptr(GArray) ranges = paleo_range_list_parse(a.iterations, "--iterations", &error);
    if (!ranges || ranges->len != 1) {
      if (!error)
        g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--iterations '%s': expected one iteration N or one range A-B", a.iterations);
      analyze_args_clear(&a);
      return paleo_trace_cli_fail("analyze", error);
    }
    const PaleoRange *r = &g_array_index(ranges, PaleoRange, 0);
    paleo_analysis_set_iterations(analysis, (uint32_t)r->lo, (uint32_t)r->hi);
  }
  g_autofree char *status = NULL;
  int rc = PALEO_EXIT_OK;
  if ((!a.output || paleo_output_target_check(a.output, "output", &error)) &&
      paleo_trace_replay(argv[1], paleo_analysis_sink(analysis), &status, &error)) {
    g_autoptr(PaleoAnalysisReport) report = paleo_analysis_report(analysis, status);
    g_autofree char *text = paleo_analysis_report_format(report, format, (guint)a.top, a.table);
    if (!write_text(a.output, text, &error))
      rc = paleo_trace_cli_fail("analyze", error);
  } else {
    rc = paleo_trace_cli_fail("analyze", error);
  }
  analyze_args_clear(&a);
  return rc;
}

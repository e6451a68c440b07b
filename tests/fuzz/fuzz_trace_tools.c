/* Every trace-reading tool on one trace file (see fuzz_trace_tools.h). */
#include "fuzz_trace_tools.h"

#include <glib.h>

#include "fuzz_common.h"
#include "output/analyze.h"
#include "output/chrome_export.h"
#include "output/timeline.h"
#include "output/trace_io.h"

static void analyze(const char *path)
{
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  g_autofree char *status = NULL;
  if (!paleo_trace_replay(path, paleo_analysis_sink(a), &status, NULL))
    return;
  g_autoptr(PaleoAnalysisReport) r = paleo_analysis_report(a, status);
  const PaleoReportFormat formats[] = {PALEO_REPORT_TABLE, PALEO_REPORT_JSON, PALEO_REPORT_CSV};
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
    g_free(paleo_analysis_report_format(r, formats[i], 3, NULL));
}

static void export(const char *path)
{
  g_autofree char *out = fuzz_path("export.json");
  g_autoptr(PaleoChromeExport) x = paleo_chrome_export_new(out, NULL);
  g_autofree char *status = NULL;
  if (x && paleo_trace_replay(path, paleo_chrome_export_sink(x), &status, NULL))
    paleo_chrome_export_finish(x, status, NULL);
}

static void timeline(const char *path)
{
  g_autoptr(PaleoTimelineScan) scan = paleo_timeline_scan_new();
  if (!paleo_trace_replay(path, paleo_timeline_scan_sink(scan), NULL, NULL))
    return;
  g_autofree char *out = fuzz_path("timeline.svg");
  PaleoTimelineOptions o = {.output_path = out, .format = PALEO_TIMELINE_SVG, .width_px = 300,
                            .links = TRUE, .max_links = 4};
  g_autoptr(PaleoTimeline) t = paleo_timeline_new(scan, &o, NULL);
  if (t && paleo_trace_replay(path, paleo_timeline_sink(t), NULL, NULL))
    paleo_timeline_finish(t, NULL);
}

static void convert(const char *path, const char *name)
{
  PaleoTraceLevel level;
  if (!paleo_trace_file_level(path, &level, NULL))
    return;
  g_autofree char *out = fuzz_path(name);
  g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(out, NULL, level, 1, NULL);
  g_autofree char *status = NULL;
  if (sink && paleo_trace_replay(path, sink, &status, NULL))
    paleo_trace_sink_close(sink, status, NULL);
}

void fuzz_trace_tools(const char *path, const char *converted_name)
{
  analyze(path);
  export(path);
  timeline(path);
  convert(path, converted_name);
}

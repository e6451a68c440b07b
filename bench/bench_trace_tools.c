/* paleosim-bench-trace-tools [WORKERS ITERATIONS LAYERS]: records per second through the
 * trace tools (analysis, timeline PNG at 1600 px, Chrome export) on a generated
 * data-parallel trace streamed straight into each sink, how many rectangles the timeline
 * hands to cairo, and the analysis end to end from an SQLite and an HDF5 file (reader
 * included). Default: 1024 workers x 10 iterations x 50 layers (fwd + bwd + update:
 * 1.04 M tasks, 10 k flows). Files go to $TMPDIR and are removed. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/analyze.h"
#include "output/chrome_export.h"
#include "output/timeline.h"
#include "output/trace_io.h"

typedef struct {
  guint workers, iterations, layers;
} Shape;

/* 1 ms forward + 2 ms backward per layer; worker 7 runs 20 % slower; ring flows of 5 ms
 * after the barrier; update 1 ms. Streams records per table in replay order per worker. */
static guint64 feed(PaleoTraceSink *sink, const Shape *s)
{
  const PaleoTraceSinkOps *o = sink->ops;
  const uint64_t fwd = 1000000, bwd = 2000000, comm = 5000000, update = 1000000;
  guint64 n = 0;
  PaleoRunMeta meta = {"bench", "", 1, "bench", 0};
  if (o->begin)
    o->begin(sink, &meta, NULL);
  for (guint w = 0; w < s->workers; w++) {
    PaleoEntityRecord e = {w, PALEO_ENTITY_WORKER, -1, (int32_t)w, "gpu"};
    if (o->entity)
      o->entity(sink, &e, NULL);
  }
  for (guint l = 0; l < s->layers; l++) { /* tasks name them: a reader checks */
    PaleoLayerRecord layer = {l, "layer", "Convolution"};
    if (o->layer)
      o->layer(sink, &layer, NULL);
  }
  uint64_t step = (uint64_t)(1.2 * s->layers * (fwd + bwd)) + comm + update;
  for (int table = 0; table < 3; table++)
    for (guint it = 0; it < s->iterations; it++)
      for (guint w = 0; w < s->workers; w++) {
        uint64_t start = it * step, at = start;
        double f = w == 7 ? 1.2 : 1.0;
        uint64_t barrier = start + step - comm - update;
        if (table == 0) {
          PaleoIterationRecord r = {w, it, start, start + step,
                                    barrier - start - (uint64_t)(f * s->layers * (fwd + bwd)), f};
          o->iteration(sink, &r, NULL);
          n++;
        } else if (table == 1 && o->task) {
          for (guint l = 0; l < 2 * s->layers; l++, n++) {
            uint64_t d = (uint64_t)(f * (l < s->layers ? fwd : bwd));
            PaleoTaskRecord r = {w, it, l % s->layers, l < s->layers ? PALEO_PHASE_FWD : PALEO_PHASE_BWD, at, at + d,
                                 PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0};
            o->task(sink, &r, NULL);
            at += d;
          }
          PaleoTaskRecord u = {w, it, UINT32_MAX, PALEO_PHASE_UPDATE, barrier + comm, barrier + comm + update,
                             PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0};
          o->task(sink, &u, NULL);
          n++;
        } else if (table == 2 && o->flow) {
          PaleoFlowRecord r = {n, w, (w + 1) % s->workers, 1 << 20, "ring", -1, it, barrier, barrier + comm};
          o->flow(sink, &r, NULL);
          n++;
        }
      }
  return n;
}

static void report(const char *what, guint64 records, double seconds)
{
  printf("%-22s %10" G_GUINT64_FORMAT " records  %7.3f s  %6.2f M records/s\n", what, records,
         seconds, records / seconds / 1e6);
}

/* Writes the trace to a file, then times `analyze` reading it back. */
static void analyze_file(const Shape *s, const char *name)
{
  g_autofree char *path = g_build_filename(g_get_tmp_dir(), name, NULL);
  g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_FLOWS, 0, NULL);
  guint64 n = feed(sink, s);
  paleo_trace_sink_close(sink, "complete", NULL);
  g_autoptr(GTimer) timer = g_timer_new();
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  g_autofree char *status = NULL;
  g_autoptr(GError) error = NULL;
  if (!paleo_trace_replay(path, paleo_analysis_sink(a), &status, &error))
    printf("  replay failed: %s\n", error->message);
  g_autoptr(PaleoAnalysisReport) r = paleo_analysis_report(a, status);
  g_autofree char *what = g_strdup_printf("analyze %s", name);
  report(what, n, g_timer_elapsed(timer, NULL));
  g_remove(path);
}

int main(int argc, char **argv)
{
  Shape s = {1024, 10, 50};
  if (argc == 4)
    s = (Shape){(guint)atoi(argv[1]), (guint)atoi(argv[2]), (guint)atoi(argv[3])};
  g_autofree char *png = g_build_filename(g_get_tmp_dir(), "paleosim-bench-timeline.png", NULL);
  g_autofree char *json = g_build_filename(g_get_tmp_dir(), "paleosim-bench-chrome.json", NULL);

  g_autoptr(GTimer) timer = g_timer_new();
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  guint64 n = feed(paleo_analysis_sink(a), &s);
  g_autoptr(PaleoAnalysisReport) r = paleo_analysis_report(a, "complete");
  report("analyze", n, g_timer_elapsed(timer, NULL));
  printf("  straggler: worker %u, lag %.3f ms\n",
         g_array_index(r->stragglers, PaleoStraggler, 0).worker,
         g_array_index(r->stragglers, PaleoStraggler, 0).lag_ms);

  g_timer_start(timer);
  g_autoptr(PaleoTimelineScan) scan = paleo_timeline_scan_new();
  feed(paleo_timeline_scan_sink(scan), &s);
  report("timeline scan pass", n, g_timer_elapsed(timer, NULL));
  g_timer_start(timer);
  PaleoTimelineOptions o = {.output_path = png, .format = PALEO_TIMELINE_PNG, .width_px = 1600,
                            .height_px = 4000};
  g_autoptr(PaleoTimeline) t = paleo_timeline_new(scan, &o, NULL);
  feed(paleo_timeline_sink(t), &s);
  paleo_timeline_finish(t, NULL);
  report("timeline draw (PNG)", n, g_timer_elapsed(timer, NULL));
  PaleoTimelineInfo info;
  paleo_timeline_info(t, &info);
  printf("  %" G_GUINT64_FORMAT " records in the window -> %" G_GUINT64_FORMAT
         " cairo rectangles (%dx%d)\n", info.records_drawn, info.rects_drawn, info.width_px,
         info.height_px);

  g_timer_start(timer);
  g_autoptr(PaleoChromeExport) x = paleo_chrome_export_new(json, NULL);
  feed(paleo_chrome_export_sink(x), &s);
  paleo_chrome_export_finish(x, "complete", NULL);
  report("chrome export", n, g_timer_elapsed(timer, NULL));
  analyze_file(&s, "paleosim-bench.db");
  analyze_file(&s, "paleosim-bench.h5");
  g_remove(png);
  g_remove(json);
  g_clear_pointer(&t, paleo_timeline_free);
  paleo_timeline_release_fonts();
  return 0;
}

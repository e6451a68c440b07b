/* `paleosim timeline TRACE -o FILE.png|svg|pdf`: a recorded run drawn as a timeline (one
 * lane per worker, compute and communication streams, optional link-utilization lanes).
 * Reads the trace twice: once for its extent and lanes, once to draw. */
#include <stdio.h>

#include "output/output_file.h"
#include "output/timeline.h"
#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/trace_cli.h"

typedef struct {
  char *output, *workers, *iterations, *from, *to;
  gboolean links;
  int max_links, width, height;
  GArray *worker_ranges, *iteration_ranges;
} TimelineArgs;

static void timeline_args_clear(TimelineArgs *a)
{
  g_free(a->output);
  g_free(a->workers);
  g_free(a->iterations);
  g_free(a->from);
  g_free(a->to);
  if (a->worker_ranges)
    g_array_free(a->worker_ranges, TRUE);
  if (a->iteration_ranges)
    g_array_free(a->iteration_ranges, TRUE);
}

/* Turns the option strings into timeline options (errors are bad input). */
static gboolean resolve_options(TimelineArgs *a, PaleoTimelineOptions *o, GError **error)
{
  if (!a->output) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "missing -o FILE.png|svg|pdf");
    return FALSE;
  }
  if (a->width < 0 || a->height < 0 || a->max_links < 0) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--width, --height and --max-links take positive numbers");
    return FALSE;
  }
  *o = (PaleoTimelineOptions){.output_path = a->output, .width_px = a->width,
                              .height_px = a->height, .links = a->links,
                              .max_links = (guint)a->max_links};
  if (!paleo_timeline_format_from_path(a->output, &o->format, error))
    return FALSE;
  if (a->workers && !(a->worker_ranges = paleo_range_list_parse(a->workers, "--workers", error)))
    return FALSE;
  if (a->iterations &&
      !(a->iteration_ranges = paleo_range_list_parse(a->iterations, "--iterations", error)))
    return FALSE;
  o->workers = a->worker_ranges;
  o->iterations = a->iteration_ranges;
  if (a->from && !paleo_time_parse_ns(a->from, "--from", &o->from_ns, error))
    return FALSE;
  if (a->to && !paleo_time_parse_ns(a->to, "--to", &o->to_ns, error))
    return FALSE;
  o->has_from = a->from != NULL;
  o->has_to = a->to != NULL;
  if (o->has_from && o->has_to && o->from_ns >= o->to_ns) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--from %s is not before --to %s", a->from, a->to);
    return FALSE;
  }
  return TRUE;
}

/* Pass 1 (scan), pass 2 (draw), write. */
static gboolean draw(const char *trace, const PaleoTimelineOptions *o, GError **error)
{
  g_autoptr(PaleoTimelineScan) scan = paleo_timeline_scan_new();
  g_autofree char *status = NULL;
  if (!paleo_output_target_check(o->output_path, "output", error) ||
      !paleo_trace_replay(trace, paleo_timeline_scan_sink(scan), &status, error))
    return FALSE;
  g_autoptr(PaleoTimeline) t = paleo_timeline_new(scan, o, error);
  if (!t)
    return FALSE;
  g_autofree char *status_again = NULL;
  if (!paleo_trace_replay(trace, paleo_timeline_sink(t), &status_again, error) ||
      !paleo_timeline_finish(t, error))
    return FALSE; /* freeing t abandons its partial file */
  PaleoTimelineInfo info;
  paleo_timeline_info(t, &info);
  printf("%s: %dx%d, %u worker lanes, %u link lanes, %" G_GUINT64_FORMAT " records in the "
         "window drawn as %" G_GUINT64_FORMAT " rectangles\n", o->output_path, info.width_px,
         info.height_px, info.n_lanes, info.n_link_lanes, info.records_drawn, info.rects_drawn);
  return TRUE;
}

int paleo_cmd_timeline(int argc, char **argv)
{
  TimelineArgs a = {0};
  GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "the picture: FILE.png, FILE.svg or FILE.pdf", "FILE"},
    {"workers", 'w', 0, G_OPTION_ARG_STRING, &a.workers, "worker ranks to show, e.g. 0:7 or 0,4,8:11 (default all; A-B is the same here)", "LIST"},
    {"iterations", 'i', 0, G_OPTION_ARG_STRING, &a.iterations, "iterations to show, e.g. 2-3 (window = their span)", "LIST"},
    {"from", 0, 0, G_OPTION_ARG_STRING, &a.from, "window start with unit: ns, us, ms or s (e.g. 1.5ms)", "T"},
    {"to", 0, 0, G_OPTION_ARG_STRING, &a.to, "window end with unit", "T"},
    {"links", 'l', 0, G_OPTION_ARG_NONE, &a.links, "add link-utilization lanes (needs trace level 'all')", NULL},
    {"max-links", 0, 0, G_OPTION_ARG_INT, &a.max_links, "with --links: the N most used links (default 16)", "N"},
    {"width", 0, 0, G_OPTION_ARG_INT, &a.width, "image width in pixels (default 1600)", "W"},
    {"height", 0, 0, G_OPTION_ARG_INT, &a.height, "image height in pixels (default: from the lane count)", "H"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GError) error = NULL;
  PaleoTimelineOptions o;
  int rc = PALEO_EXIT_OK;
  if (!paleo_trace_cli_parse(&argc, &argv, "TRACE -o FILE.png|svg|pdf - draw a run's timeline",
                             "TRACE is a paleosim trace (.db or .h5). Colours: forward, backward, "
                             "update, communication, waiting.", entries, &error) ||
      !resolve_options(&a, &o, &error) || !draw(argv[1], &o, &error))
    rc = paleo_trace_cli_fail("timeline", error);
  timeline_args_clear(&a);
  paleo_timeline_release_fonts();
  return rc;
}

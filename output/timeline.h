/* `paleosim timeline`: a trace replayed into a picture (PNG, SVG or PDF, with cairo). One
 * lane per worker (device) with a sub-lane per stream: compute (tasks coloured by pass over
 * a "waiting" background for the iteration, labelled "mbN" by micro-batch where the span is
 * wide enough), communication (collectives: the task graph's comm tasks, or without them
 * the flows the worker sends or receives) and, when the trace has transfers, p2p (the
 * transfers it sends). Dashed lines mark where iterations start; lane labels name the
 * worker and its pipeline stage. With more workers than fit readably (10 pixels a lane),
 * each lane aggregates consecutive workers and the title says so. Optional
 * link-utilization lanes, a time axis with units, a legend and a title naming the scenario
 * and the window actually drawn. Two passes over the trace: a scan sink learns the extent, workers,
 * iterations and busiest links; the drawing sink then draws at pixel resolution: per
 * sub-lane a pending span absorbs same-coloured spans that touch it at pixel resolution
 * (raster output) or are narrower than a pixel (vector output), so a wide task is one
 * rectangle and a million sub-pixel tasks are a few hundred. */
#ifndef PALEO_TIMELINE_H
#define PALEO_TIMELINE_H

#include <glib.h>
#include <stdint.h>

#include "engine/trace.h"

typedef struct {
  uint32_t lo, hi; /* inclusive */
} PaleoRange;

/* Parses "3", "0:7" (or "0-7": every id of the range) or "0,2,5:7" into PaleoRange items; `option` names the option in the
 * error (PALEO_OUTPUT_ERROR_FORMAT). */
GArray *paleo_range_list_parse(const char *text, const char *option, GError **error);
gboolean paleo_range_list_contains(const GArray *ranges, uint32_t value);
/* Parses a time with a unit suffix: "250ns", "1.5us", "12ms", "2s" (OUT: *ns_out). */
gboolean paleo_time_parse_ns(const char *text, const char *option, uint64_t *ns_out,
                             GError **error);

typedef enum {
  PALEO_TIMELINE_PNG,
  PALEO_TIMELINE_SVG,
  PALEO_TIMELINE_PDF,
} PaleoTimelineFormat;

/* The format named by a file's extension (.png, .svg, .pdf). */
gboolean paleo_timeline_format_from_path(const char *path, PaleoTimelineFormat *format_out,
                                         GError **error);

typedef struct {
  const char *output_path;
  PaleoTimelineFormat format;
  int width_px, height_px;     /* 0: 1600 wide; height from the lane count (≤ 4000) */
  const GArray *workers;       /* PaleoRange; NULL = every worker */
  const GArray *iterations;    /* PaleoRange; NULL = every iteration */
  gboolean has_from, has_to;   /* window edges, else from the iterations / the trace */
  uint64_t from_ns, to_ns;
  gboolean links;              /* add link-utilization lanes */
  guint max_links;             /* most-used links shown; 0 = 16 */
} PaleoTimelineOptions;

/* Pass 1: what the trace holds. */
typedef struct PaleoTimelineScan PaleoTimelineScan;
PaleoTimelineScan *paleo_timeline_scan_new(void);
void paleo_timeline_scan_free(PaleoTimelineScan *scan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTimelineScan, paleo_timeline_scan_free)
PaleoTraceSink *paleo_timeline_scan_sink(PaleoTimelineScan *scan);

/* Pass 2 (the scan must outlive the timeline): resolves the lanes and the time window from
 * the scan and the options (a selection
 * matching nothing, an empty window or a size too small is PALEO_OUTPUT_ERROR_FORMAT; an
 * unwritable output PALEO_OUTPUT_ERROR_IO), opens the output and draws the frame. */
typedef struct PaleoTimeline PaleoTimeline;
PaleoTimeline *paleo_timeline_new(const PaleoTimelineScan *scan,
                                  const PaleoTimelineOptions *options, GError **error);
void paleo_timeline_free(PaleoTimeline *timeline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTimeline, paleo_timeline_free)
PaleoTraceSink *paleo_timeline_sink(PaleoTimeline *timeline);
/* Draws what is pending, the link lanes, axis and legend, and writes the file. */
gboolean paleo_timeline_finish(PaleoTimeline *timeline, GError **error);

/* Geometry and figures, for tests and the command's summary. */
typedef struct {
  uint32_t worker;               /* the lane's first worker */
  uint32_t last_worker;          /* its last (aggregated lanes hold several) */
  double compute_y0, compute_y1; /* pixel rows of the compute stream's sub-lane */
  double comm_y0, comm_y1;       /* pixel rows of the communication (collectives) sub-lane */
  double p2p_y0, p2p_y1;         /* point-to-point transfers; = comm rows when the trace has none */
} PaleoTimelineLane;

typedef struct {
  int width_px, height_px;
  double plot_x0, plot_x1;       /* pixel columns of the time window */
  uint64_t from_ns, to_ns;       /* the window */
  guint n_lanes;                 /* worker lanes */
  guint workers_per_lane;        /* > 1: lanes aggregate workers (more than fit readably) */
  guint n_link_lanes;
  guint64 records_drawn;         /* records at least partly inside the window */
  guint64 rects_drawn;           /* rectangles given to cairo for them */
} PaleoTimelineInfo;

void paleo_timeline_info(const PaleoTimeline *timeline, PaleoTimelineInfo *info_out);
void paleo_timeline_lane(const PaleoTimeline *timeline, guint lane, PaleoTimelineLane *out);

/* Releases cairo's and fontconfig's process-wide font caches. Call once, at exit, after
 * every timeline is freed (no cairo text may be drawn afterwards); it only matters to leak
 * checkers. */
void paleo_timeline_release_fonts(void);

/* The fill colours (r, g, b in [0, 1]) of the legend entries. */
typedef enum {
  PALEO_TIMELINE_FORWARD,
  PALEO_TIMELINE_BACKWARD,
  PALEO_TIMELINE_UPDATE,
  PALEO_TIMELINE_COMMUNICATION,
  PALEO_TIMELINE_WAITING,
  PALEO_TIMELINE_BUSY,           /* iteration time outside waiting, when no tasks were recorded */
  PALEO_TIMELINE_LINK,           /* link utilization */
  PALEO_TIMELINE_N_COLOURS,
} PaleoTimelineColour;
void paleo_timeline_colour(PaleoTimelineColour colour, double rgb_out[3]);

#endif

/* The timeline's drawing pass: lane layout and time window from the scan, the drawing sink
 * (pixel-resolution span coalescing per sub-lane, per-pixel-column link utilization), and
 * the frame (title, legend, lane labels, time axis). */
#include "output/timeline.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/entity_map.h"
#include "output/output_file.h"
#include "output/timeline_int.h"
#include "output/trace_io.h"

#define DEFAULT_WIDTH_PX 1600
#define MAX_AUTO_HEIGHT_PX 4000
#define DEFAULT_LANE_PX 30.0
#define MIN_LANE_PX 3.0
#define READABLE_LANE_PX 10.0 /* below this, lanes aggregate workers instead */
#define LEFT_PX 96
#define RIGHT_PX 24
#define TITLE_PX 30
#define LEGEND_PX 26
#define AXIS_PX 48
#define LINK_LANE_RATIO 0.75
#define DEFAULT_MAX_LINKS 16
#define MAX_AXIS_TICKS 64

static const double palette[PALEO_TIMELINE_N_COLOURS][3] = {
  [PALEO_TIMELINE_FORWARD] = {0.25, 0.5, 0.85},
  [PALEO_TIMELINE_BACKWARD] = {0.95, 0.55, 0.15},
  [PALEO_TIMELINE_UPDATE] = {0.3, 0.7, 0.3},
  [PALEO_TIMELINE_COMMUNICATION] = {0.6, 0.35, 0.75},
  [PALEO_TIMELINE_WAITING] = {0.95, 0.75, 0.75},
  [PALEO_TIMELINE_BUSY] = {0.55, 0.55, 0.55},
  [PALEO_TIMELINE_LINK] = {0.2, 0.6, 0.6},
};

static const char *const colour_labels[PALEO_TIMELINE_N_COLOURS] = {
  "forward", "backward", "update", "communication", "waiting", "busy (no task records)",
  "link utilization",
};

void paleo_timeline_colour(PaleoTimelineColour colour, double rgb_out[3])
{
  g_assert(colour < PALEO_TIMELINE_N_COLOURS);
  memcpy(rgb_out, palette[colour], sizeof palette[colour]);
}

typedef struct {
  gboolean active;
  double x0, x1;
  PaleoTimelineColour colour;
  int label;                  /* micro-batch + 1 to print inside the span, 0 none */
} Pending;

/* Sub-lanes of a worker lane: one per stream. */
enum { SUB_COMPUTE, SUB_COMM, SUB_P2P, SUBLANES };

typedef struct {
  uint32_t link;
  char *name;                 /* owned */
  double y0, y1;              /* pixel rows */
  double *column_util;        /* per pixel column: Σ utilization · covered fraction */
} LinkLane;

typedef enum { KIND_NONE, KIND_ITERATION, KIND_TASK, KIND_FLOW, KIND_COMM_TASK } RecordKind;

struct PaleoTimeline {
  PaleoTraceSink base;        /* first: the timeline is its own drawing sink */
  PaleoTimelineFormat format;
  GArray *iterations;         /* owned copy of the selection, NULL = all */
  gboolean has_tasks;
  PaleoOutputFile *out;       /* the partial file; NULL once finished */
  FILE *file;                 /* its stream (owned by out) */
  int write_errno;            /* the first failed write's reason, 0 when none */
  cairo_surface_t *surface;
  cairo_t *cr;
  int width_px, height_px;
  int plot_x0, plot_x1;
  uint64_t from_ns, to_ns;
  double px_per_ns;
  PaleoIdMap lane_ids;        /* shown rank -> slot in lane_of_slot; absent: not shown */
  GArray *lane_of_slot;       /* guint: the lane index of each shown rank */
  GArray *lanes;              /* PaleoTimelineLane */
  guint per_lane;             /* workers per lane (> 1: aggregated) */
  gboolean comm_tasks;        /* draw the task graph's comm tasks (not flows) */
  gboolean has_p2p;           /* a third sub-lane for transfers */
  gboolean label_micro_batches;
  Pending *pending;           /* SUBLANES per lane */
  RecordKind current_kind;
  PaleoEntityMap *entities;
  PaleoIdMap link_lane_ids;   /* link id -> its lane (slot = index in link_lanes) */
  GArray *link_lanes;         /* LinkLane */
  guint64 records_drawn, rects_drawn;
  const PaleoTimelineScan *scan; /* not owned: must outlive the timeline's drawing */
};

static PaleoTimeline *from_sink(PaleoTraceSink *sink)
{
  return (PaleoTimeline *)sink;
}

/* ---- spans at pixel resolution ---- */

static void set_colour(cairo_t *cr, PaleoTimelineColour colour)
{
  cairo_set_source_rgb(cr, palette[colour][0], palette[colour][1], palette[colour][2]);
}

static void fill_rect(PaleoTimeline *t, double x0, double x1, double y0, double y1,
                      PaleoTimelineColour colour)
{
  double w = MAX(x1 - x0, 1.0);
  x0 = MIN(x0, t->plot_x1 - w);
  set_colour(t->cr, colour);
  cairo_rectangle(t->cr, x0, y0, w, y1 - y0);
  cairo_fill(t->cr);
  t->rects_drawn++;
}

static void sublane_rows(const PaleoTimeline *t, guint sublane, double *y0, double *y1)
{
  const PaleoTimelineLane *lane = &g_array_index(t->lanes, PaleoTimelineLane, sublane / SUBLANES);
  switch (sublane % SUBLANES) {
  case SUB_COMPUTE: *y0 = lane->compute_y0, *y1 = lane->compute_y1; break;
  case SUB_COMM: *y0 = lane->comm_y0, *y1 = lane->comm_y1; break;
  default: *y0 = lane->p2p_y0, *y1 = lane->p2p_y1; break;
  }
}

static double text_width(cairo_t *cr, double size, const char *text);

/* "mbN" centred in a span wide and tall enough for it. */
static void draw_label(PaleoTimeline *t, const Pending *p, double y0, double y1)
{
  double size = MIN(10, (y1 - y0) * 0.75);
  if (!p->label || size < 7)
    return;
  char text[16];
  g_snprintf(text, sizeof text, "mb%d", p->label - 1);
  double w = text_width(t->cr, size, text);
  if (w + 4 > p->x1 - p->x0)
    return;
  cairo_set_source_rgb(t->cr, 1, 1, 1);
  cairo_move_to(t->cr, (p->x0 + p->x1 - w) / 2, (y0 + y1) / 2 + size * 0.35);
  cairo_show_text(t->cr, text);
}

static void flush(PaleoTimeline *t, guint sublane)
{
  Pending *p = &t->pending[sublane];
  if (!p->active)
    return;
  double y0, y1;
  sublane_rows(t, sublane, &y0, &y1);
  fill_rect(t, p->x0, p->x1, y0, y1, p->colour);
  draw_label(t, p, y0, y1);
  p->active = FALSE;
}

static void flush_all(PaleoTimeline *t)
{
  for (guint i = 0; i < SUBLANES * t->lanes->len; i++)
    flush(t, i);
}

/* Adds [x0, x1) in `colour` to a sub-lane: merged into the pending span when the same colour
 * touches it at pixel resolution and (raster output, or either is narrower than a pixel);
 * dropped when sub-pixel and inside the pixel columns the pending span covers; else the
 * pending span is drawn and this one becomes pending. */
static void span_add_labelled(PaleoTimeline *t, guint sublane, double x0, double x1, PaleoTimelineColour colour,
                              int label)
{
  Pending *p = &t->pending[sublane];
  gboolean raster = t->format == PALEO_TIMELINE_PNG;
  if (p->active) {
    gboolean sub_pixel = x1 - x0 < 1.0 || p->x1 - p->x0 < 1.0;
    gboolean touches = x0 <= ceil(p->x1) && x1 >= floor(p->x0);
    if (colour == p->colour && label == p->label && touches && (raster || sub_pixel)) {
      p->x0 = MIN(p->x0, x0);
      p->x1 = MAX(p->x1, x1);
      return;
    }
    if (x1 - x0 < 1.0 && x0 >= floor(p->x0) && x1 <= ceil(p->x1))
      return;
    flush(t, sublane);
  }
  *p = (Pending){TRUE, x0, x1, colour, label};
}

static void span_add(PaleoTimeline *t, guint sublane, double x0, double x1, PaleoTimelineColour colour)
{
  span_add_labelled(t, sublane, x0, x1, colour, 0);
}

static void enter_kind(PaleoTimeline *t, RecordKind kind)
{
  if (kind != t->current_kind)
    flush_all(t);
  t->current_kind = kind;
}

/* Clips [start, end] to the window; FALSE when outside. Zero-length records at an instant
 * inside the window are kept. OUT: pixel columns. */
static gboolean clip(const PaleoTimeline *t, uint64_t start_ns, uint64_t end_ns, double *x0,
                     double *x1)
{
  if (end_ns < start_ns || start_ns > t->to_ns || end_ns < t->from_ns)
    return FALSE;
  if (end_ns == t->from_ns && start_ns < end_ns)
    return FALSE;
  if (start_ns == t->to_ns && start_ns < end_ns)
    return FALSE;
  uint64_t a = MAX(start_ns, t->from_ns), b = MIN(end_ns, t->to_ns);
  *x0 = t->plot_x0 + (double)(a - t->from_ns) * t->px_per_ns;
  *x1 = t->plot_x0 + (double)(b - t->from_ns) * t->px_per_ns;
  return TRUE;
}

static int lane_of(const PaleoTimeline *t, uint32_t worker)
{
  guint slot;
  return paleo_id_map_lookup(&t->lane_ids, worker, &slot) ? (int)g_array_index(t->lane_of_slot, guint, slot) : -1;
}

static guint sub(int lane, guint stream)
{
  return (guint)lane * SUBLANES + stream;
}

static gboolean iteration_shown(const PaleoTimeline *t, uint32_t iteration)
{
  return !t->iterations || paleo_range_list_contains(t->iterations, iteration);
}

/* ---- the drawing sink ---- */

static gboolean draw_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  (void)error;
  paleo_entity_map_add(from_sink(sink)->entities, rec);
  return TRUE;
}

static gboolean draw_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec,
                               GError **error)
{
  (void)error;
  PaleoTimeline *t = from_sink(sink);
  enter_kind(t, KIND_ITERATION);
  int lane = lane_of(t, rec->worker);
  double x0, x1, xw, unused;
  if (lane < 0 || !iteration_shown(t, rec->iteration) || !clip(t, rec->start_ns, rec->end_ns, &x0, &x1))
    return TRUE;
  t->records_drawn++;
  if (t->has_tasks) { /* tasks will cover the busy part */
    span_add(t, sub(lane, SUB_COMPUTE), x0, x1, PALEO_TIMELINE_WAITING);
    return TRUE;
  }
  uint64_t busy_end = rec->end_ns - MIN(rec->wait_ns, rec->end_ns - rec->start_ns);
  if (clip(t, rec->start_ns, busy_end, &unused, &xw) && busy_end > rec->start_ns)
    span_add(t, sub(lane, SUB_COMPUTE), x0, xw, PALEO_TIMELINE_BUSY);
  if (clip(t, busy_end, rec->end_ns, &xw, &unused) && rec->end_ns > busy_end)
    span_add(t, sub(lane, SUB_COMPUTE), xw, x1, PALEO_TIMELINE_WAITING);
  return TRUE;
}

static gboolean draw_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  (void)error;
  static const PaleoTimelineColour by_phase[] = {
    [PALEO_PHASE_FWD] = PALEO_TIMELINE_FORWARD,
    [PALEO_PHASE_BWD] = PALEO_TIMELINE_BACKWARD,
    [PALEO_PHASE_UPDATE] = PALEO_TIMELINE_UPDATE,
  };
  PaleoTimeline *t = from_sink(sink);
  enter_kind(t, KIND_TASK);
  int lane = lane_of(t, rec->worker);
  double x0, x1;
  if (lane < 0 || !iteration_shown(t, rec->iteration) || !clip(t, rec->start_ns, rec->end_ns, &x0, &x1))
    return TRUE;
  g_assert(rec->phase <= PALEO_PHASE_UPDATE);
  t->records_drawn++;
  int label = t->label_micro_batches && rec->phase != PALEO_PHASE_UPDATE ? (int)rec->micro_batch + 1 : 0;
  span_add_labelled(t, sub(lane, SUB_COMPUTE), x0, x1, by_phase[rec->phase], label);
  return TRUE;
}

/* A collective part on the worker's comm sub-lane, a transfer on its p2p sub-lane. */
static gboolean draw_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  (void)error;
  PaleoTimeline *t = from_sink(sink);
  enter_kind(t, KIND_COMM_TASK);
  int lane = lane_of(t, rec->worker);
  double x0, x1;
  if (lane < 0 || !iteration_shown(t, rec->iteration) || !clip(t, rec->start_ns, rec->end_ns, &x0, &x1))
    return TRUE;
  t->records_drawn++;
  span_add(t, sub(lane, rec->kind == PALEO_TASK_TRANSFER ? SUB_P2P : SUB_COMM), x0, x1, PALEO_TIMELINE_COMMUNICATION);
  return TRUE;
}

/* Draws a flow on the communication sub-lane of each shown worker an endpoint stands for. */
static void flow_endpoint(PaleoTimeline *t, uint32_t node, double x0, double x1,
                          int skip_lane)
{
  guint n = 0;
  const uint32_t *ranks = paleo_entity_map_node_workers(t->entities, node, &n);
  for (guint i = 0; i < n; i++) {
    int lane = lane_of(t, ranks[i]);
    if (lane >= 0 && lane != skip_lane)
      span_add(t, sub(lane, SUB_COMM), x0, x1, PALEO_TIMELINE_COMMUNICATION);
  }
}

static gboolean draw_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  (void)error;
  PaleoTimeline *t = from_sink(sink);
  enter_kind(t, KIND_FLOW);
  double x0, x1;
  if (t->comm_tasks || !iteration_shown(t, rec->iteration) || !clip(t, rec->start_ns, rec->end_ns, &x0, &x1))
    return TRUE; /* with comm tasks, those show the communication streams */
  t->records_drawn++;
  flow_endpoint(t, rec->src, x0, x1, -1);
  if (rec->dst != rec->src) {
    guint n = 0; /* a worker both sending and receiving gets the flow once */
    const uint32_t *src_ranks = paleo_entity_map_node_workers(t->entities, rec->src, &n);
    flow_endpoint(t, rec->dst, x0, x1, n == 1 ? lane_of(t, src_ranks[0]) : -1);
  }
  return TRUE;
}

static gboolean draw_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec,
                                GError **error)
{
  (void)error;
  PaleoTimeline *t = from_sink(sink);
  guint lane;
  double x0, x1;
  if (!paleo_id_map_lookup(&t->link_lane_ids, rec->link, &lane) || rec->end_ns <= rec->start_ns || !clip(t, rec->start_ns, rec->end_ns, &x0, &x1))
    return TRUE;
  t->records_drawn++;
  LinkLane *l = &g_array_index(t->link_lanes, LinkLane, lane);
  x0 -= t->plot_x0;
  x1 -= t->plot_x0;
  int ncol = t->plot_x1 - t->plot_x0;
  for (int c = (int)floor(x0); c < ncol && c < (int)ceil(x1); c++)
    l->column_util[c] += rec->utilization * (MIN(x1, c + 1.0) - MAX(x0, (double)c));
  return TRUE;
}

static void draw_free_sink(PaleoTraceSink *sink)
{
  paleo_timeline_free(from_sink(sink));
}

static const PaleoTraceSinkOps draw_ops = {
  .name = "timeline",
  .entity = draw_entity,
  .task = draw_task,
  .flow = draw_flow,
  .iteration = draw_iteration,
  .link_usage = draw_link_usage,
  .comm_task = draw_comm_task,
  .free = draw_free_sink,
};

/* ---- lanes and window ---- */

/* How many lanes fit readably: the height given, else the automatic maximum. */
static guint readable_lanes(const PaleoTimelineOptions *o)
{
  int fixed_px = TITLE_PX + LEGEND_PX + AXIS_PX;
  int height = o->height_px > 0 ? o->height_px : MAX_AUTO_HEIGHT_PX;
  return (guint)MAX(1, (height - fixed_px) / READABLE_LANE_PX);
}

static int compare_u32(const void *x, const void *y)
{
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return (a > b) - (a < b);
}

/* Lanes for the selected workers in ascending rank: one each, or runs of consecutive
 * selected ranks aggregated when more than fit readably. */
static gboolean select_lanes(PaleoTimeline *t, const PaleoTimelineScan *scan,
                             const PaleoTimelineOptions *o, GError **error)
{
  const GArray *workers = o->workers;
  g_autoptr(GArray) ranks = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), scan->workers->len);
  g_array_append_vals(ranks, scan->workers->data, scan->workers->len);
  g_array_sort(ranks, compare_u32);
  guint shown = 0;
  for (guint i = 0; i < ranks->len; i++)
    shown += !workers || paleo_range_list_contains(workers, g_array_index(ranks, uint32_t, i));
  guint fit = readable_lanes(o) - (o->links ? MIN(readable_lanes(o) / 2, o->max_links ? o->max_links : 16) : 0);
  t->per_lane = shown > fit ? (shown + fit - 1) / fit : 1;
  guint k = 0;
  for (guint i = 0; i < ranks->len; i++) {
    uint32_t r = g_array_index(ranks, uint32_t, i);
    if (workers && !paleo_range_list_contains(workers, r))
      continue;
    if (k++ % t->per_lane == 0) {
      PaleoTimelineLane lane = {.worker = r};
      g_array_append_val(t->lanes, lane);
    }
    g_array_index(t->lanes, PaleoTimelineLane, t->lanes->len - 1).last_worker = r;
    guint lane_index = t->lanes->len - 1;
    paleo_id_map_insert(&t->lane_ids, r, NULL);
    g_array_append_val(t->lane_of_slot, lane_index);
  }
  if (t->lanes->len == 0) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "--workers selects none of the trace's %u workers (ranks %u-%u)", ranks->len,
                ranks->len ? g_array_index(ranks, uint32_t, 0) : 0,
                ranks->len ? g_array_index(ranks, uint32_t, ranks->len - 1) : 0);
    return FALSE;
  }
  return TRUE;
}

static gboolean select_window(PaleoTimeline *t, const PaleoTimelineScan *scan,
                              const PaleoTimelineOptions *o, GError **error)
{
  if (!scan->any_time) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "the trace holds no timed records: nothing to draw");
    return FALSE;
  }
  t->from_ns = scan->first_ns;
  t->to_ns = scan->last_ns;
  if (o->iterations) {
    gboolean any = FALSE;
    uint32_t lowest = G_MAXUINT32, highest = 0;
    for (guint i = 0; i < scan->iterations->len; i++) {
      const PaleoScanIteration *it = &g_array_index(scan->iterations, PaleoScanIteration, i);
      lowest = MIN(lowest, it->iteration);
      highest = MAX(highest, it->iteration);
      if (!paleo_range_list_contains(o->iterations, it->iteration))
        continue;
      t->from_ns = any ? MIN(t->from_ns, it->start_ns) : it->start_ns;
      t->to_ns = any ? MAX(t->to_ns, it->end_ns) : it->end_ns;
      any = TRUE;
    }
    if (!any) {
      g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                  "--iterations selects none of the trace's %u iterations (%u-%u)",
                  scan->iterations->len, scan->iterations->len ? lowest : 0, highest);
      return FALSE;
    }
  }
  if (o->has_from)
    t->from_ns = o->from_ns;
  if (o->has_to)
    t->to_ns = o->to_ns;
  if (!o->has_from && !o->has_to && t->to_ns == t->from_ns)
    t->to_ns = t->from_ns + 1; /* a trace of one instant */
  if (t->to_ns <= t->from_ns) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "empty time window: from %" G_GUINT64_FORMAT " ns is not before to %"
                G_GUINT64_FORMAT " ns (check --from/--to)", t->from_ns, t->to_ns);
    return FALSE;
  }
  return TRUE;
}

static int compare_links_by_use(const void *x, const void *y)
{
  const PaleoScanLink *a = *(const PaleoScanLink *const *)x, *b = *(const PaleoScanLink *const *)y;
  if (a->util_ns != b->util_ns)
    return a->util_ns < b->util_ns ? 1 : -1;
  return (a->id > b->id) - (a->id < b->id);
}

/* The busiest links (Σ utilization · time over the whole trace), most used first. */
static void select_links(PaleoTimeline *t, const PaleoTimelineScan *scan, guint max_links)
{
  g_autoptr(GPtrArray) used = g_ptr_array_new();
  for (guint i = 0; i < scan->links->len; i++)
    if (g_array_index(scan->links, PaleoScanLink, i).util_ns > 0)
      g_ptr_array_add(used, &g_array_index(scan->links, PaleoScanLink, i));
  qsort(used->pdata, used->len, sizeof(gpointer), compare_links_by_use);
  for (guint i = 0; i < MIN(used->len, max_links); i++) {
    const PaleoScanLink *sl = g_ptr_array_index(used, i);
    LinkLane lane = {.link = sl->id,
                     .name = sl->name ? g_strdup(sl->name) : g_strdup_printf("link %u", sl->id)};
    paleo_id_map_insert(&t->link_lane_ids, sl->id, NULL);
    g_array_append_val(t->link_lanes, lane);
  }
}

static gboolean layout(PaleoTimeline *t, const PaleoTimelineOptions *o, GError **error)
{
  const int fixed_px = TITLE_PX + LEGEND_PX + AXIS_PX;
  double units = t->lanes->len + LINK_LANE_RATIO * t->link_lanes->len;
  double lane_px = DEFAULT_LANE_PX;
  t->width_px = o->width_px > 0 ? o->width_px : DEFAULT_WIDTH_PX;
  if (o->height_px > 0) {
    lane_px = (o->height_px - fixed_px) / units;
    t->height_px = o->height_px;
  } else {
    lane_px = MAX(MIN_LANE_PX, MIN(lane_px, (MAX_AUTO_HEIGHT_PX - fixed_px) / units));
    t->height_px = fixed_px + (int)ceil(lane_px * units);
  }
  if (t->width_px < LEFT_PX + RIGHT_PX + 64 || lane_px < MIN_LANE_PX || t->width_px > 32767 ||
      t->height_px > 32767) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "image size %dx%d cannot hold %u worker and %u link lanes (width %d-32767, "
                "at least %.0f pixels per lane)", t->width_px, t->height_px, t->lanes->len,
                t->link_lanes->len, LEFT_PX + RIGHT_PX + 64, MIN_LANE_PX);
    return FALSE;
  }
  t->plot_x0 = LEFT_PX;
  t->plot_x1 = t->width_px - RIGHT_PX;
  t->px_per_ns = (t->plot_x1 - t->plot_x0) / (double)(t->to_ns - t->from_ns);
  double y = TITLE_PX + LEGEND_PX;
  for (guint i = 0; i < t->lanes->len; i++, y += lane_px) {
    PaleoTimelineLane *lane = &g_array_index(t->lanes, PaleoTimelineLane, i);
    lane->compute_y0 = round(y + 0.1 * lane_px);
    lane->compute_y1 = MAX(lane->compute_y0 + 1, round(y + 0.52 * lane_px));
    lane->comm_y0 = MAX(lane->compute_y1, round(y + 0.58 * lane_px));
    lane->comm_y1 = MAX(lane->comm_y0 + 1, round(y + 0.9 * lane_px));
    lane->p2p_y0 = lane->comm_y0;
    lane->p2p_y1 = lane->comm_y1;
    if (t->has_p2p) { /* three streams: compute, comm, p2p */
      lane->compute_y1 = MAX(lane->compute_y0 + 1, round(y + 0.45 * lane_px));
      lane->comm_y0 = MAX(lane->compute_y1, round(y + 0.5 * lane_px));
      lane->comm_y1 = MAX(lane->comm_y0 + 1, round(y + 0.68 * lane_px));
      lane->p2p_y0 = MAX(lane->comm_y1, round(y + 0.72 * lane_px));
      lane->p2p_y1 = MAX(lane->p2p_y0 + 1, round(y + 0.9 * lane_px));
    }
  }
  for (guint i = 0; i < t->link_lanes->len; i++, y += LINK_LANE_RATIO * lane_px) {
    LinkLane *l = &g_array_index(t->link_lanes, LinkLane, i);
    l->y0 = round(y + 0.1 * LINK_LANE_RATIO * lane_px);
    l->y1 = MAX(l->y0 + 1, round(y + 0.9 * LINK_LANE_RATIO * lane_px));
    l->column_util = g_new0(double, t->plot_x1 - t->plot_x0);
  }
  return TRUE;
}

/* ---- the frame ---- */

static void text_at(cairo_t *cr, double x, double y, double size, const char *text)
{
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text);
}

static double text_width(cairo_t *cr, double size, const char *text)
{
  cairo_text_extents_t ext;
  cairo_set_font_size(cr, size);
  cairo_text_extents(cr, text, &ext);
  return ext.x_advance;
}

static char *ranges_text(const GArray *ranges)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < ranges->len; i++) {
    const PaleoRange *r = &g_array_index(ranges, PaleoRange, i);
    g_string_append_printf(s, i ? ",%u" : "%u", r->lo);
    if (r->hi != r->lo)
      g_string_append_printf(s, "-%u", r->hi);
  }
  return g_string_free(s, FALSE);
}

/* "12.5 ms" with a unit that fits the window. */
static char *time_text(uint64_t ns, uint64_t span_ns)
{
  if (span_ns >= 10000000000ULL)
    return g_strdup_printf("%.3f s", ns / 1e9);
  if (span_ns >= 10000000)
    return g_strdup_printf("%.3f ms", ns / 1e6);
  if (span_ns >= 10000)
    return g_strdup_printf("%.3f us", ns / 1e3);
  return g_strdup_printf("%" G_GUINT64_FORMAT " ns", ns);
}

static void draw_title(PaleoTimeline *t, const PaleoTimelineScan *scan)
{
  g_autofree char *iters = t->iterations ? ranges_text(t->iterations) : NULL;
  guint workers = paleo_id_map_size(&t->lane_ids);
  g_autofree char *from = time_text(t->from_ns, t->to_ns - t->from_ns);
  g_autofree char *to = time_text(t->to_ns, t->to_ns - t->from_ns);
  g_autofree char *grouped = t->per_lane > 1 ? g_strdup_printf(" (each lane aggregates %u workers)", t->per_lane)
                                             : g_strdup("");
  g_autofree char *title = g_strdup_printf(
    "%s: %u worker%s%s, %s%s, window %s to %s", scan->scenario_name[0] ? scan->scenario_name : "(unnamed scenario)",
    workers, workers == 1 ? "" : "s", grouped, iters ? "iterations " : "all iterations", iters ? iters : "", from, to);
  cairo_select_font_face(t->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_source_rgb(t->cr, 0, 0, 0);
  text_at(t->cr, 8, 20, 14, title);
  cairo_select_font_face(t->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

static void draw_legend(PaleoTimeline *t)
{
  double x = t->plot_x0, y = TITLE_PX + 4;
  for (guint c = 0; c < PALEO_TIMELINE_N_COLOURS; c++) {
    if ((c == PALEO_TIMELINE_BUSY && t->has_tasks) ||
        (c == PALEO_TIMELINE_LINK && t->link_lanes->len == 0))
      continue;
    set_colour(t->cr, c);
    cairo_rectangle(t->cr, x, y, 12, 12);
    cairo_fill(t->cr);
    cairo_set_source_rgb(t->cr, 0.1, 0.1, 0.1);
    text_at(t->cr, x + 17, y + 10.5, 11, colour_labels[c]);
    x += 17 + text_width(t->cr, 11, colour_labels[c]) + 18;
  }
}

static void draw_lane_labels(PaleoTimeline *t)
{
  cairo_set_line_width(t->cr, 1);
  for (guint i = 0; i < t->lanes->len; i++) {
    const PaleoTimelineLane *lane = &g_array_index(t->lanes, PaleoTimelineLane, i);
    double h = lane->comm_y1 - lane->compute_y0;
    cairo_set_source_rgb(t->cr, 0.2, 0.2, 0.2);
    if (h >= 8) {
      guint slot = 0;
      uint32_t stage = paleo_id_map_lookup(&t->scan->worker_ids, lane->worker, &slot)
                         ? g_array_index(t->scan->stage_of, uint32_t, slot) : 0;
      g_autofree char *label = lane->last_worker != lane->worker
                                 ? g_strdup_printf("workers %u-%u", lane->worker, lane->last_worker)
                                 : stage ? g_strdup_printf("w%u stage %u", lane->worker, stage)
                                         : g_strdup_printf("worker %u", lane->worker);
      text_at(t->cr, 8, (lane->compute_y0 + lane->comm_y1) / 2 + 4, MIN(11, h * 0.6), label);
    }
  }
  for (guint i = 0; i < t->link_lanes->len; i++) {
    const LinkLane *l = &g_array_index(t->link_lanes, LinkLane, i);
    if (l->y1 - l->y0 < 7)
      continue;
    glong chars = g_utf8_strlen(l->name, -1);
    g_autofree char *label = g_utf8_substring(l->name, 0, MIN(chars, 14)); /* whole characters */
    cairo_set_source_rgb(t->cr, 0.2, 0.2, 0.2);
    text_at(t->cr, 8, (l->y0 + l->y1) / 2 + 4, MIN(10, (l->y1 - l->y0) * 0.7), label);
    cairo_set_source_rgb(t->cr, 0.8, 0.8, 0.8); /* baseline: 0 % utilization */
    cairo_move_to(t->cr, t->plot_x0, l->y1 + 0.5);
    cairo_line_to(t->cr, t->plot_x1, l->y1 + 0.5);
    cairo_stroke(t->cr);
  }
}

/* Dashed lines where iterations start inside the window, numbered at the top. */
static void draw_iteration_marks(PaleoTimeline *t, const PaleoTimelineScan *scan)
{
  if (!t->lanes->len)
    return;
  double top = g_array_index(t->lanes, PaleoTimelineLane, 0).compute_y0 - 2;
  double bottom = g_array_index(t->lanes, PaleoTimelineLane, t->lanes->len - 1).p2p_y1 + 2;
  static const double dash[] = {3, 3};
  cairo_save(t->cr);
  cairo_set_dash(t->cr, dash, 2, 0);
  cairo_set_line_width(t->cr, 1);
  for (guint i = 0; i < scan->iterations->len; i++) {
    const PaleoScanIteration *it = &g_array_index(scan->iterations, PaleoScanIteration, i);
    if (it->start_ns < t->from_ns || it->start_ns > t->to_ns || !iteration_shown(t, it->iteration))
      continue;
    double x = round(t->plot_x0 + (double)(it->start_ns - t->from_ns) * t->px_per_ns) + 0.5;
    cairo_set_source_rgb(t->cr, 0.45, 0.45, 0.45);
    cairo_move_to(t->cr, x, top);
    cairo_line_to(t->cr, x, bottom);
    cairo_stroke(t->cr);
    char label[24];
    g_snprintf(label, sizeof label, "it %u", it->iteration);
    text_at(t->cr, x + 2, top + 8, 8, label);
  }
  cairo_restore(t->cr);
}

/* A step of 1, 2 or 5 × 10^k at least `raw`. */
static double nice_step(double raw)
{
  double base = pow(10, floor(log10(raw)));
  for (double m = 1; m <= 10; m = m < 2 ? 2 : m < 5 ? 5 : 10)
    if (m * base >= raw)
      return m * base;
  return 10 * base;
}

static void draw_axis(PaleoTimeline *t)
{
  static const struct { const char *name; double ns; double below; } units[] = {
    {"ns", 1, 1e4}, {"us", 1e3, 1e7}, {"ms", 1e6, 1e10}, {"s", 1e9, INFINITY},
  };
  double span_ns = (double)(t->to_ns - t->from_ns);
  guint u = 0;
  while (span_ns >= units[u].below)
    u++;
  double step = nice_step(span_ns / units[u].ns / 8); /* in the unit */
  int decimals = MAX(0, (int)-floor(log10(step) + 1e-9));
  double y = t->height_px - AXIS_PX + 6;
  cairo_set_source_rgb(t->cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(t->cr, 1);
  cairo_move_to(t->cr, t->plot_x0, y + 0.5);
  cairo_line_to(t->cr, t->plot_x1, y + 0.5);
  cairo_stroke(t->cr);
  double from_u = t->from_ns / units[u].ns, to_u = t->to_ns / units[u].ns;
  /* Ticks k0, k0 + 1, ... (about 8 of them). A window of a few ns at 2^63 ns lies beyond a
   * double's precision: k + 1 == k there, so the count is capped and no progress ends it. */
  double k0 = ceil(from_u / step - 1e-9);
  for (int i = 0; i < MAX_AXIS_TICKS && k0 + i != k0 + i - 1 && (k0 + i) * step <= to_u + 1e-9 * step; i++) {
    double k = k0 + i;
    double tick = k == 0 ? 0.0 : k * step; /* no "-0" */
    double x = round(t->plot_x0 + (tick - from_u) * units[u].ns * t->px_per_ns) + 0.5;
    cairo_move_to(t->cr, x, y);
    cairo_line_to(t->cr, x, y + 5);
    cairo_stroke(t->cr);
    g_autofree char *label = g_strdup_printf("%.*f", decimals, tick);
    text_at(t->cr, x - text_width(t->cr, 10, label) / 2, y + 17, 10, label);
  }
  g_autofree char *title = g_strdup_printf("time (%s)", units[u].name);
  text_at(t->cr, (t->plot_x0 + t->plot_x1 - text_width(t->cr, 11, title)) / 2, y + 34, 11, title);
}

static void draw_link_lanes(PaleoTimeline *t)
{
  int ncol = t->plot_x1 - t->plot_x0;
  for (guint i = 0; i < t->link_lanes->len; i++) {
    const LinkLane *l = &g_array_index(t->link_lanes, LinkLane, i);
    double h = l->y1 - l->y0;
    int run_start = 0;
    for (int c = 1; c <= ncol; c++) { /* one rectangle per run of equal bar heights */
      double run_h = round(MIN(1.0, l->column_util[run_start]) * h);
      if (c < ncol && round(MIN(1.0, l->column_util[c]) * h) == run_h)
        continue;
      if (run_h > 0)
        fill_rect(t, t->plot_x0 + run_start, t->plot_x0 + c, l->y1 - run_h, l->y1,
                  PALEO_TIMELINE_LINK);
      run_start = c;
    }
  }
}

/* ---- output ---- */

/* cairo's writer; a failed write keeps the system's reason for the message. */
static cairo_status_t write_to_file(void *closure, const unsigned char *data, unsigned int length)
{
  PaleoTimeline *t = closure;
  errno = 0;
  if (fwrite(data, 1, length, t->file) == length)
    return CAIRO_STATUS_SUCCESS;
  if (!t->write_errno)
    t->write_errno = errno ? errno : EIO;
  return CAIRO_STATUS_WRITE_ERROR;
}

static gboolean open_surface(PaleoTimeline *t, const char *path, GError **error)
{
  t->out = paleo_output_file_open(path, "output", error);
  if (!t->out)
    return FALSE;
  t->file = paleo_output_file_stream(t->out);
  if (!t->file) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot write '%s': %s",
                paleo_output_file_partial(t->out), g_strerror(errno));
    return FALSE;
  }
  if (t->format == PALEO_TIMELINE_PNG)
    t->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, t->width_px, t->height_px);
  else if (t->format == PALEO_TIMELINE_SVG)
    t->surface = cairo_svg_surface_create_for_stream(write_to_file, t, t->width_px,
                                                     t->height_px);
  else
    t->surface = cairo_pdf_surface_create_for_stream(write_to_file, t, t->width_px,
                                                     t->height_px);
  if (cairo_surface_status(t->surface) != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot draw '%s': %s", path,
                cairo_status_to_string(cairo_surface_status(t->surface)));
    return FALSE;
  }
  t->cr = cairo_create(t->surface);
  cairo_set_source_rgb(t->cr, 1, 1, 1);
  cairo_paint(t->cr);
  return TRUE;
}

PaleoTimeline *paleo_timeline_new(const PaleoTimelineScan *scan,
                                  const PaleoTimelineOptions *o, GError **error)
{
  PaleoTimeline *t = g_new0(PaleoTimeline, 1);
  t->base.ops = &draw_ops;
  t->base.level = PALEO_TRACE_LEVEL_ALL;
  t->format = o->format;
  t->has_tasks = scan->n_tasks > 0;
  t->comm_tasks = scan->n_comm_tasks > 0;
  t->has_p2p = scan->n_transfers > 0;
  t->label_micro_batches = scan->max_micro_batch > 0;
  t->scan = scan;
  paleo_id_map_init(&t->lane_ids);
  t->lane_of_slot = g_array_new(FALSE, FALSE, sizeof(guint));
  t->lanes = g_array_new(FALSE, TRUE, sizeof(PaleoTimelineLane));
  paleo_id_map_init(&t->link_lane_ids);
  t->link_lanes = g_array_new(FALSE, TRUE, sizeof(LinkLane));
  t->entities = paleo_entity_map_new();
  if (o->iterations) {
    t->iterations = g_array_sized_new(FALSE, FALSE, sizeof(PaleoRange), o->iterations->len);
    g_array_append_vals(t->iterations, o->iterations->data, o->iterations->len);
  }
  if (o->links)
    select_links(t, scan, o->max_links ? o->max_links : DEFAULT_MAX_LINKS);
  if (!select_lanes(t, scan, o, error) || !select_window(t, scan, o, error) ||
      !layout(t, o, error) || !open_surface(t, o->output_path, error)) {
    paleo_timeline_free(t);
    return NULL;
  }
  t->pending = g_new0(Pending, SUBLANES * t->lanes->len);
  draw_title(t, scan);
  draw_legend(t);
  draw_lane_labels(t);
  draw_axis(t);
  return t;
}

PaleoTraceSink *paleo_timeline_sink(PaleoTimeline *timeline)
{
  return &timeline->base;
}

gboolean paleo_timeline_finish(PaleoTimeline *t, GError **error)
{
  g_assert(t->file);
  flush_all(t);
  draw_link_lanes(t);
  draw_iteration_marks(t, t->scan);
  cairo_destroy(t->cr);
  t->cr = NULL;
  cairo_status_t status = t->format == PALEO_TIMELINE_PNG
                            ? cairo_surface_write_to_png_stream(t->surface, write_to_file, t)
                            : (cairo_surface_finish(t->surface), cairo_surface_status(t->surface));
  t->file = NULL;
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot write '%s': %s",
                paleo_output_file_path(t->out),
                t->write_errno ? g_strerror(t->write_errno) : cairo_status_to_string(status));
    g_clear_pointer(&t->out, paleo_output_file_free);
    return FALSE;
  }
  gboolean ok = paleo_output_file_commit(t->out, error);
  g_clear_pointer(&t->out, paleo_output_file_free);
  return ok;
}

void paleo_timeline_free(PaleoTimeline *t)
{
  if (!t)
    return;
  if (t->cr)
    cairo_destroy(t->cr);
  if (t->surface)
    cairo_surface_destroy(t->surface);
  paleo_output_file_free(t->out); /* not finished: removes the partial file */
  for (guint i = 0; i < t->link_lanes->len; i++) {
    g_free(g_array_index(t->link_lanes, LinkLane, i).name);
    g_free(g_array_index(t->link_lanes, LinkLane, i).column_util);
  }
  g_array_free(t->link_lanes, TRUE);
  paleo_id_map_clear(&t->link_lane_ids);
  g_array_free(t->lanes, TRUE);
  paleo_id_map_clear(&t->lane_ids);
  g_array_free(t->lane_of_slot, TRUE);
  if (t->iterations)
    g_array_free(t->iterations, TRUE);
  paleo_entity_map_free(t->entities);
  g_free(t->pending);
  g_free(t);
}

void paleo_timeline_info(const PaleoTimeline *t, PaleoTimelineInfo *info)
{
  *info = (PaleoTimelineInfo){
    .width_px = t->width_px, .height_px = t->height_px,
    .plot_x0 = t->plot_x0, .plot_x1 = t->plot_x1,
    .from_ns = t->from_ns, .to_ns = t->to_ns,
    .n_lanes = t->lanes->len, .workers_per_lane = t->per_lane, .n_link_lanes = t->link_lanes->len,
    .records_drawn = t->records_drawn, .rects_drawn = t->rects_drawn,
  };
}

void paleo_timeline_lane(const PaleoTimeline *t, guint lane, PaleoTimelineLane *out)
{
  g_assert(lane < t->lanes->len);
  *out = g_array_index(t->lanes, PaleoTimelineLane, lane);
}

void paleo_timeline_release_fonts(void)
{
  cairo_debug_reset_static_data();
  FcFini();
}

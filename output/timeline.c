/* Timeline option parsing (ranges, times, formats) and the first-pass scan sink. */
#include "output/timeline.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "output/timeline_int.h"
#include "output/trace_io.h"

/* ---- option parsing ---- */

static gboolean parse_uint32(const char *text, uint32_t *out)
{
  guint64 value = 0;
  if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;
  *out = (uint32_t)value;
  return TRUE;
}

/* "N", or "LO:HI" (the tool's spelling of every integer LO..HI) and "LO-HI" (the same here:
 * a selection of ids, where doubling would make no sense). */
static gboolean parse_range(const char *item, PaleoRange *out)
{
  const char *dash = strpbrk(item, "-:");
  if (!dash)
    return parse_uint32(item, &out->lo) && (out->hi = out->lo, TRUE);
  g_autofree char *lo = g_strndup(item, (gsize)(dash - item));
  return parse_uint32(lo, &out->lo) && parse_uint32(dash + 1, &out->hi) && out->lo <= out->hi;
}

GArray *paleo_range_list_parse(const char *text, const char *option, GError **error)
{
  GArray *ranges = g_array_new(FALSE, FALSE, sizeof(PaleoRange));
  g_auto(GStrv) items = g_strsplit(text ? text : "", ",", -1);
  for (guint i = 0; items[i]; i++) {
    PaleoRange r;
    if (!parse_range(g_strstrip(items[i]), &r)) {
      g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                  "%s '%s': expected a number, a range LO:HI (or LO-HI) with LO <= HI, or a "
                  "comma-separated list of them (e.g. 0:7 or 0,2,5:7)", option, text);
      g_array_free(ranges, TRUE);
      return NULL;
    }
    g_array_append_val(ranges, r);
  }
  if (ranges->len == 0) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "%s '%s': empty range", option, text);
    g_array_free(ranges, TRUE);
    return NULL;
  }
  return ranges;
}

gboolean paleo_range_list_contains(const GArray *ranges, uint32_t value)
{
  for (guint i = 0; i < ranges->len; i++) {
    const PaleoRange *r = &g_array_index(ranges, PaleoRange, i);
    if (value >= r->lo && value <= r->hi)
      return TRUE;
  }
  return FALSE;
}

gboolean paleo_time_parse_ns(const char *text, const char *option, uint64_t *ns_out,
                             GError **error)
{
  static const struct { const char *suffix; double ns; } units[] = {
    {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
  };
  char *end = NULL;
  errno = 0;
  double value = text ? g_ascii_strtod(text, &end) : 0.0;
  if (text && end != text && errno == 0 && isfinite(value) && value >= 0)
    for (guint i = 0; i < G_N_ELEMENTS(units); i++)
      if (!strcmp(end, units[i].suffix) && value * units[i].ns < 1.8e19) {
        *ns_out = (uint64_t)llround(value * units[i].ns);
        return TRUE;
      }
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
              "%s '%s': expected a non-negative time with a unit, e.g. 250ns, 1.5us, 12ms, 2s",
              option, text ? text : "");
  return FALSE;
}

gboolean paleo_timeline_format_from_path(const char *path, PaleoTimelineFormat *format_out,
                                         GError **error)
{
  static const struct { const char *ext; PaleoTimelineFormat format; } formats[] = {
    {".png", PALEO_TIMELINE_PNG}, {".svg", PALEO_TIMELINE_SVG}, {".pdf", PALEO_TIMELINE_PDF},
  };
  g_autofree char *lower = g_ascii_strdown(path ? path : "", -1);
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
    if (g_str_has_suffix(lower, formats[i].ext)) {
      *format_out = formats[i].format;
      return TRUE;
    }
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
              "output '%s': expected a file name ending in .png, .svg or .pdf",
              path ? path : "");
  return FALSE;
}

/* ---- the scan sink ---- */

static PaleoTimelineScan *from_sink(PaleoTraceSink *sink)
{
  return (PaleoTimelineScan *)sink;
}

static void see_time(PaleoTimelineScan *s, uint64_t start_ns, uint64_t end_ns)
{
  s->first_ns = s->any_time ? MIN(s->first_ns, start_ns) : start_ns;
  s->last_ns = s->any_time ? MAX(s->last_ns, end_ns) : end_ns;
  s->any_time = TRUE;
}

/* The worker's slot in workers and stage_of. */
static guint see_worker(PaleoTimelineScan *s, uint32_t rank)
{
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&s->worker_ids, rank, &added);
  if (added) {
    uint32_t stage = 0;
    g_array_append_val(s->workers, rank);
    g_array_append_val(s->stage_of, stage);
  }
  return slot;
}

static PaleoScanLink *scan_link(PaleoTimelineScan *s, uint32_t id)
{
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&s->link_ids, id, &added);
  if (added) {
    PaleoScanLink l = {.id = id};
    g_array_append_val(s->links, l);
  }
  return &g_array_index(s->links, PaleoScanLink, slot);
}

static gboolean scan_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  (void)error;
  PaleoTimelineScan *s = from_sink(sink);
  g_free(s->scenario_name);
  s->scenario_name = g_strdup(meta->scenario_name ? meta->scenario_name : "");
  return TRUE;
}

static gboolean scan_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  (void)error;
  if (rec->kind == PALEO_ENTITY_WORKER && rec->worker >= 0)
    see_worker(from_sink(sink), (uint32_t)rec->worker);
  return TRUE;
}

static gboolean scan_link_record(PaleoTraceSink *sink, const PaleoLinkRecord *rec,
                                 GError **error)
{
  (void)error;
  PaleoScanLink *l = scan_link(from_sink(sink), rec->id);
  l->known = TRUE;
  g_free(l->name);
  l->name = g_strdup(rec->name);
  return TRUE;
}

static gboolean scan_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec,
                               GError **error)
{
  (void)error;
  PaleoTimelineScan *s = from_sink(sink);
  see_worker(s, rec->worker);
  see_time(s, rec->start_ns, rec->end_ns);
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&s->iteration_ids, rec->iteration, &added);
  if (added) {
    PaleoScanIteration first = {rec->iteration, rec->start_ns, rec->end_ns};
    g_array_append_val(s->iterations, first);
  }
  PaleoScanIteration *it = &g_array_index(s->iterations, PaleoScanIteration, slot);
  it->start_ns = MIN(it->start_ns, rec->start_ns);
  it->end_ns = MAX(it->end_ns, rec->end_ns);
  return TRUE;
}

static gboolean scan_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  (void)error;
  PaleoTimelineScan *s = from_sink(sink);
  guint slot = see_worker(s, rec->worker);
  see_time(s, rec->start_ns, rec->end_ns);
  s->n_tasks++;
  s->max_micro_batch = MAX(s->max_micro_batch, rec->micro_batch);
  g_array_index(s->stage_of, uint32_t, slot) = rec->stage;
  return TRUE;
}

static gboolean scan_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  (void)error;
  PaleoTimelineScan *s = from_sink(sink);
  see_worker(s, rec->worker);
  see_time(s, rec->start_ns, rec->end_ns);
  s->n_comm_tasks++;
  s->n_transfers += rec->kind == PALEO_TASK_TRANSFER;
  return TRUE;
}

static gboolean scan_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  (void)error;
  see_time(from_sink(sink), rec->start_ns, rec->end_ns);
  return TRUE;
}

static gboolean scan_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec,
                                GError **error)
{
  (void)error;
  PaleoTimelineScan *s = from_sink(sink);
  see_time(s, rec->start_ns, rec->end_ns);
  if (rec->end_ns > rec->start_ns)
    scan_link(s, rec->link)->util_ns += rec->utilization * (double)(rec->end_ns - rec->start_ns);
  return TRUE;
}

static void scan_free_sink(PaleoTraceSink *sink)
{
  paleo_timeline_scan_free(from_sink(sink));
}

static const PaleoTraceSinkOps scan_ops = {
  .name = "timeline-scan",
  .begin = scan_begin,
  .entity = scan_entity,
  .link = scan_link_record,
  .task = scan_task,
  .flow = scan_flow,
  .iteration = scan_iteration,
  .link_usage = scan_link_usage,
  .comm_task = scan_comm_task,
  .free = scan_free_sink,
};

PaleoTimelineScan *paleo_timeline_scan_new(void)
{
  PaleoTimelineScan *s = g_new0(PaleoTimelineScan, 1);
  s->base.ops = &scan_ops;
  s->base.level = PALEO_TRACE_LEVEL_ALL;
  s->scenario_name = g_strdup("");
  paleo_id_map_init(&s->worker_ids);
  s->workers = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  paleo_id_map_init(&s->iteration_ids);
  s->iterations = g_array_new(FALSE, TRUE, sizeof(PaleoScanIteration));
  paleo_id_map_init(&s->link_ids);
  s->links = g_array_new(FALSE, TRUE, sizeof(PaleoScanLink));
  s->stage_of = g_array_new(FALSE, TRUE, sizeof(uint32_t));
  return s;
}

void paleo_timeline_scan_free(PaleoTimelineScan *s)
{
  if (!s)
    return;
  g_free(s->scenario_name);
  paleo_id_map_clear(&s->worker_ids);
  g_array_free(s->workers, TRUE);
  paleo_id_map_clear(&s->iteration_ids);
  g_array_free(s->iterations, TRUE);
  paleo_id_map_clear(&s->link_ids);
  for (guint i = 0; i < s->links->len; i++)
    g_free(g_array_index(s->links, PaleoScanLink, i).name);
  g_array_free(s->links, TRUE);
  g_array_free(s->stage_of, TRUE);
  g_free(s);
}

PaleoTraceSink *paleo_timeline_scan_sink(PaleoTimelineScan *scan)
{
  return &scan->base;
}

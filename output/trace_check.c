/* The trace checker: a sink between a trace reader and the tool it feeds, which lets a
 * record through only when every id it holds names a row of the trace's own tables (a
 * worker rank of the entity table, a link of the link table, a layer of the layer table,
 * a host or endpoint of the entity table; a task of the task graph for its dependency
 * edges), the tables' own ids are unique, enumerations in range, numbers finite and strings
 * UTF-8. The tools behind it may then index by these ids without
 * fear; values with no table (iteration numbers, staleness) they keep in sparse maps. */
#include "output/trace_int.h"

#include <math.h>
#include <stdarg.h>

#include "output/id_map.h"
#include "output/trace_io.h"

struct PaleoTraceCheck {
  PaleoTraceSink base;        /* first: the check is a sink */
  PaleoTraceSinkOps ops;      /* the inner sink's tables, plus the ones ids are checked against */
  PaleoTraceSink *inner;      /* not owned */
  char *path;
  PaleoIdMap entities, ranks, links, layers;
  GArray *hosts;              /* uint32_t host ids named by entities, checked once all are read */
  gboolean entities_done;
  GArray *task_ids;           /* uint64_t ids of task and comm_task rows (8 bytes a task) */
  gboolean task_ids_sorted;   /* sorted and checked unique (at the first task_dep, the end) */
};

static int compare_u64(const void *x, const void *y)
{
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

static PaleoTraceCheck *from_sink(PaleoTraceSink *sink)
{
  return (PaleoTraceCheck *)sink;
}

static gboolean bad(const PaleoTraceCheck *c, const char *table, GError **error, const char *fmt, ...)
  G_GNUC_PRINTF(4, 5);
static gboolean bad(const PaleoTraceCheck *c, const char *table, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "trace '%s': table %s: %s",
              c->path, table, msg);
  return FALSE;
}

static gboolean check_text(const PaleoTraceCheck *c, const char *table, const char *column,
                           const char *text, GError **error)
{
  if (!text || g_utf8_validate(text, -1, NULL))
    return TRUE;
  return bad(c, table, error, "%s is not valid UTF-8", column);
}

/* A measure that must be a finite number >= 0. */
static gboolean check_number(const PaleoTraceCheck *c, const char *table, const char *column,
                             double value, GError **error)
{
  if (isfinite(value) && value >= 0)
    return TRUE;
  return bad(c, table, error, "%s %g is not a finite number >= 0", column, value);
}

/* Inserts a table's own id; an error when the table already had it. */
static gboolean check_unique(PaleoTraceCheck *c, PaleoIdMap *ids, const char *table,
                             const char *column, uint32_t id, GError **error)
{
  gboolean added = FALSE;
  paleo_id_map_insert(ids, id, &added);
  return added ? TRUE : bad(c, table, error, "%s %u appears twice", column, id);
}

static gboolean check_ref(const PaleoTraceCheck *c, const PaleoIdMap *ids, const char *table,
                          const char *column, uint32_t id, const char *target, GError **error)
{
  if (paleo_id_map_lookup(ids, id, NULL))
    return TRUE;
  return bad(c, table, error, "%s %u is not %s", column, id, target);
}

/* Once the entity table is complete (the first record of another table, or the end): the
 * hosts entities named must be entities. */
static gboolean entities_complete(PaleoTraceCheck *c, GError **error)
{
  if (c->entities_done)
    return TRUE;
  c->entities_done = TRUE;
  for (guint i = 0; i < c->hosts->len; i++) {
    uint32_t host = g_array_index(c->hosts, uint32_t, i);
    if (!check_ref(c, &c->entities, "entity", "host", host, "an entity id", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean on_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (!check_text(c, "run", "scenario_name", meta->scenario_name, error) ||
      !check_text(c, "run", "scenario_text", meta->scenario_text, error) ||
      !check_text(c, "run", "version", meta->version, error))
    return FALSE;
  return !c->inner->ops->begin || c->inner->ops->begin(c->inner, meta, error);
}

static gboolean on_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (c->entities_done)
    return bad(c, "entity", error, "entity %u comes after other tables", rec->id);
  if (!check_unique(c, &c->entities, "entity", "id", rec->id, error) ||
      !check_text(c, "entity", "name", rec->name, error))
    return FALSE;
  if (rec->host < -1 || rec->worker < -1)
    return bad(c, "entity", error, "entity %u: %s %d is neither an id nor -1 (none)", rec->id,
               rec->host < -1 ? "host" : "worker", rec->host < -1 ? rec->host : rec->worker);
  if (rec->host >= 0) {
    uint32_t host = (uint32_t)rec->host;
    g_array_append_val(c->hosts, host);
  }
  if (rec->worker >= 0 && !check_unique(c, &c->ranks, "entity", "worker rank",
                                        (uint32_t)rec->worker, error))
    return FALSE;
  return !c->inner->ops->entity || c->inner->ops->entity(c->inner, rec, error);
}

static gboolean on_link(PaleoTraceSink *sink, const PaleoLinkRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (!entities_complete(c, error) || !check_unique(c, &c->links, "link", "id", rec->id, error) ||
      !check_ref(c, &c->entities, "link", "src", rec->src, "an entity id", error) ||
      !check_ref(c, &c->entities, "link", "dst", rec->dst, "an entity id", error) ||
      !check_number(c, "link", "bw_bytes_per_s", rec->bw_bytes_per_s, error) ||
      !check_text(c, "link", "name", rec->name, error))
    return FALSE;
  return !c->inner->ops->link || c->inner->ops->link(c->inner, rec, error);
}

static gboolean on_layer(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (!entities_complete(c, error) ||
      !check_unique(c, &c->layers, "layer", "id", rec->index, error) ||
      !check_text(c, "layer", "name", rec->name, error) ||
      !check_text(c, "layer", "type", rec->type, error))
    return FALSE;
  return !c->inner->ops->layer || c->inner->ops->layer(c->inner, rec, error);
}

static gboolean check_rank(PaleoTraceCheck *c, const char *table, uint32_t worker, GError **error)
{
  return entities_complete(c, error) &&
         check_ref(c, &c->ranks, table, "worker", worker, "a worker rank of the entity table", error);
}

/* Sorts the task ids and checks they are unique (tasks and comm tasks share one id space). */
static gboolean task_ids_ready(PaleoTraceCheck *c, GError **error)
{
  if (c->task_ids_sorted)
    return TRUE;
  g_array_sort(c->task_ids, compare_u64);
  c->task_ids_sorted = TRUE;
  const uint64_t *ids = (const uint64_t *)(void *)c->task_ids->data;
  for (guint i = 1; i < c->task_ids->len; i++)
    if (ids[i] == ids[i - 1])
      return bad(c, "task", error, "task id %" G_GUINT64_FORMAT " appears twice (task and comm_task ids are one "
                 "id space)", ids[i]);
  return TRUE;
}

static void add_task_id(PaleoTraceCheck *c, uint64_t id)
{
  g_array_append_val(c->task_ids, id);
  c->task_ids_sorted = FALSE;
}

static gboolean task_id_known(const PaleoTraceCheck *c, uint64_t id)
{
  const uint64_t *ids = (const uint64_t *)(void *)c->task_ids->data;
  guint lo = 0, hi = c->task_ids->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (ids[mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < c->task_ids->len && ids[lo] == id;
}

static gboolean check_enums(PaleoTraceCheck *c, const char *table, PaleoPhase phase, PaleoStreamKind stream,
                            GError **error)
{
  if (!paleo_trace_phase_name(phase))
    return bad(c, table, error, "phase %d is not 0 (fwd), 1 (bwd) or 2 (update)", (int)phase);
  if ((guint)stream >= PALEO_STREAM_KINDS)
    return bad(c, table, error, "stream %d is not 0 (compute), 1 (comm) or 2 (p2p)", (int)stream);
  return TRUE;
}

static gboolean on_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  return check_rank(c, "iteration", rec->worker, error) &&
         check_number(c, "iteration", "slowdown", rec->slowdown, error) &&
         c->inner->ops->iteration(c->inner, rec, error);
}

static gboolean on_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (!check_rank(c, "task", rec->worker, error))
    return FALSE;
  if (rec->layer != UINT32_MAX &&
      !check_ref(c, &c->layers, "task", "layer", rec->layer, "in the layer table", error))
    return FALSE;
  if (!check_enums(c, "task", rec->phase, rec->stream, error))
    return FALSE;
  if (rec->id != PALEO_TASK_ID_NONE)
    add_task_id(c, rec->id);
  return c->inner->ops->task(c->inner, rec, error);
}

static gboolean on_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (!check_rank(c, "comm_task", rec->worker, error) || !check_enums(c, "comm_task", rec->phase, rec->stream, error) ||
      !check_text(c, "comm_task", "collective", rec->collective, error))
    return FALSE;
  if (rec->kind != PALEO_TASK_TRANSFER && rec->kind != PALEO_TASK_COLLECTIVE)
    return bad(c, "comm_task", error, "kind %d is not 1 (transfer) or 2 (collective)", (int)rec->kind);
  if (rec->id == PALEO_TASK_ID_NONE)
    return bad(c, "comm_task", error, "id %" G_GUINT64_FORMAT " is not a task id", rec->id);
  if (rec->bucket < -1)
    return bad(c, "comm_task", error, "bucket %d is neither a bucket nor -1 (none)", rec->bucket);
  if (rec->peer < -1)
    return bad(c, "comm_task", error, "peer %d is neither a worker rank nor -1 (none)", rec->peer);
  if (rec->peer >= 0 &&
      !check_ref(c, &c->ranks, "comm_task", "peer", (uint32_t)rec->peer, "a worker rank of the entity table", error))
    return FALSE;
  add_task_id(c, rec->id);
  return c->inner->ops->comm_task(c->inner, rec, error);
}

static gboolean on_task_dep(PaleoTraceSink *sink, const PaleoTaskDepRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  if (!task_ids_ready(c, error))
    return FALSE;
  if (!task_id_known(c, rec->task))
    return bad(c, "task_dep", error, "task %" G_GUINT64_FORMAT " is not the id of a task or comm_task", rec->task);
  if (!task_id_known(c, rec->dep))
    return bad(c, "task_dep", error, "dep %" G_GUINT64_FORMAT " is not the id of a task or comm_task", rec->dep);
  return c->inner->ops->task_dep(c->inner, rec, error);
}

static gboolean on_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  return entities_complete(c, error) &&
         check_ref(c, &c->entities, "flow", "src", rec->src, "an entity id", error) &&
         check_ref(c, &c->entities, "flow", "dst", rec->dst, "an entity id", error) &&
         check_text(c, "flow", "collective", rec->collective, error) &&
         c->inner->ops->flow(c->inner, rec, error);
}

static gboolean on_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  return entities_complete(c, error) &&
         check_ref(c, &c->links, "link_usage", "link", rec->link, "in the link table", error) &&
         check_number(c, "link_usage", "utilization", rec->utilization, error) &&
         c->inner->ops->link_usage(c->inner, rec, error);
}

static gboolean on_ps_update(PaleoTraceSink *sink, const PaleoPsUpdateRecord *rec, GError **error)
{
  PaleoTraceCheck *c = from_sink(sink);
  return check_rank(c, "ps_update", rec->worker, error) &&
         c->inner->ops->ps_update(c->inner, rec, error);
}

PaleoTraceCheck *paleo_trace_check_new(const char *path, PaleoTraceSink *inner)
{
  g_return_val_if_fail(path && inner && inner->ops, NULL);
  PaleoTraceCheck *c = g_new0(PaleoTraceCheck, 1);
  const PaleoTraceSinkOps *in = inner->ops;
  c->ops = (PaleoTraceSinkOps){
    .name = "check",
    .begin = on_begin,
    .entity = on_entity,
    .link = on_link,
    .layer = on_layer,
    .iteration = in->iteration ? on_iteration : NULL,
    .task = in->task ? on_task : NULL,
    .flow = in->flow ? on_flow : NULL,
    .link_usage = in->link_usage ? on_link_usage : NULL,
    .ps_update = in->ps_update ? on_ps_update : NULL,
    .comm_task = in->comm_task ? on_comm_task : NULL,
    .task_dep = in->task_dep ? on_task_dep : NULL,
  };
  c->base.ops = &c->ops;
  c->base.level = inner->level;
  c->inner = inner;
  c->path = g_strdup(path);
  paleo_id_map_init(&c->entities);
  paleo_id_map_init(&c->ranks);
  paleo_id_map_init(&c->links);
  paleo_id_map_init(&c->layers);
  c->hosts = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  c->task_ids = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  c->task_ids_sorted = TRUE;
  return c;
}

PaleoTraceSink *paleo_trace_check_sink(PaleoTraceCheck *c)
{
  return &c->base;
}

gboolean paleo_trace_check_finish(PaleoTraceCheck *c, GError **error)
{
  return entities_complete(c, error) && task_ids_ready(c, error);
}

void paleo_trace_check_free(PaleoTraceCheck *c)
{
  if (!c)
    return;
  paleo_id_map_clear(&c->entities);
  paleo_id_map_clear(&c->ranks);
  paleo_id_map_clear(&c->links);
  paleo_id_map_clear(&c->layers);
  g_array_free(c->hosts, TRUE);
  g_array_free(c->task_ids, TRUE);
  g_free(c->path);
  g_free(c);
}

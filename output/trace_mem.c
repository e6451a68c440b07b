/* In-memory trace sink (see trace_mem.h): arrays of records, strings interned in a
 * GStringChunk, replay back into another sink, and field-by-field comparison. */
#include "output/trace_mem.h"

#include <inttypes.h>
#include <string.h>

static PaleoTraceMem *mem_of(PaleoTraceSink *sink)
{
  return (PaleoTraceMem *)sink;
}

static const char *intern(PaleoTraceMem *mem, const char *s)
{
  return s ? g_string_chunk_insert_const(mem->strings, s) : NULL;
}

static gboolean mem_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  mem->began = TRUE;
  mem->meta = *meta;
  mem->meta.scenario_name = intern(mem, meta->scenario_name);
  mem->meta.scenario_text = intern(mem, meta->scenario_text);
  mem->meta.version = intern(mem, meta->version);
  return TRUE;
}

static gboolean mem_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  PaleoEntityRecord copy = *rec;
  copy.name = intern(mem, rec->name);
  g_array_append_val(mem->entities, copy);
  return TRUE;
}

static gboolean mem_link(PaleoTraceSink *sink, const PaleoLinkRecord *rec, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  PaleoLinkRecord copy = *rec;
  copy.name = intern(mem, rec->name);
  g_array_append_val(mem->links, copy);
  return TRUE;
}

static gboolean mem_layer(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  PaleoLayerRecord copy = *rec;
  copy.name = intern(mem, rec->name);
  copy.type = intern(mem, rec->type);
  g_array_append_val(mem->layers, copy);
  return TRUE;
}

static gboolean mem_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  (void)error;
  g_array_append_vals(mem_of(sink)->tasks, rec, 1);
  return TRUE;
}

static gboolean mem_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  PaleoFlowRecord copy = *rec;
  copy.collective = intern(mem, rec->collective);
  g_array_append_val(mem->flows, copy);
  return TRUE;
}

static gboolean mem_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec, GError **error)
{
  (void)error;
  g_array_append_vals(mem_of(sink)->iterations, rec, 1);
  return TRUE;
}

static gboolean mem_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec, GError **error)
{
  (void)error;
  g_array_append_vals(mem_of(sink)->link_usage, rec, 1);
  return TRUE;
}

static gboolean mem_ps_update(PaleoTraceSink *sink, const PaleoPsUpdateRecord *rec, GError **error)
{
  (void)error;
  g_array_append_vals(mem_of(sink)->ps_updates, rec, 1);
  return TRUE;
}

static gboolean mem_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  PaleoCommTaskRecord copy = *rec;
  copy.collective = intern(mem, rec->collective);
  g_array_append_val(mem->comm_tasks, copy);
  return TRUE;
}

static gboolean mem_task_dep(PaleoTraceSink *sink, const PaleoTaskDepRecord *rec, GError **error)
{
  (void)error;
  g_array_append_vals(mem_of(sink)->task_deps, rec, 1);
  return TRUE;
}

static gboolean mem_close(PaleoTraceSink *sink, const char *status, GError **error)
{
  (void)error;
  PaleoTraceMem *mem = mem_of(sink);
  g_free(mem->status);
  mem->status = g_strdup(status);
  return TRUE;
}

static void mem_free(PaleoTraceSink *sink)
{
  paleo_trace_mem_free(mem_of(sink));
}

static const PaleoTraceSinkOps mem_ops = {
  .name = "memory",
  .begin = mem_begin,
  .entity = mem_entity,
  .link = mem_link,
  .layer = mem_layer,
  .task = mem_task,
  .flow = mem_flow,
  .iteration = mem_iteration,
  .link_usage = mem_link_usage,
  .ps_update = mem_ps_update,
  .comm_task = mem_comm_task,
  .task_dep = mem_task_dep,
  .close = mem_close,
  .free = mem_free,
};

PaleoTraceMem *paleo_trace_mem_new(PaleoTraceLevel level)
{
  PaleoTraceMem *mem = g_new0(PaleoTraceMem, 1);
  mem->base.ops = &mem_ops;
  mem->base.level = level;
  mem->entities = g_array_new(FALSE, FALSE, sizeof(PaleoEntityRecord));
  mem->links = g_array_new(FALSE, FALSE, sizeof(PaleoLinkRecord));
  mem->layers = g_array_new(FALSE, FALSE, sizeof(PaleoLayerRecord));
  mem->tasks = g_array_new(FALSE, FALSE, sizeof(PaleoTaskRecord));
  mem->flows = g_array_new(FALSE, FALSE, sizeof(PaleoFlowRecord));
  mem->iterations = g_array_new(FALSE, FALSE, sizeof(PaleoIterationRecord));
  mem->link_usage = g_array_new(FALSE, FALSE, sizeof(PaleoLinkUsageRecord));
  mem->ps_updates = g_array_new(FALSE, FALSE, sizeof(PaleoPsUpdateRecord));
  mem->comm_tasks = g_array_new(FALSE, FALSE, sizeof(PaleoCommTaskRecord));
  mem->task_deps = g_array_new(FALSE, FALSE, sizeof(PaleoTaskDepRecord));
  mem->strings = g_string_chunk_new(4096);
  return mem;
}

void paleo_trace_mem_free(PaleoTraceMem *mem)
{
  if (!mem)
    return;
  GArray *arrays[] = {mem->entities, mem->links, mem->layers, mem->tasks, mem->flows,
                      mem->iterations, mem->link_usage, mem->ps_updates, mem->comm_tasks, mem->task_deps};
  for (size_t i = 0; i < G_N_ELEMENTS(arrays); i++)
    g_array_unref(arrays[i]);
  g_string_chunk_free(mem->strings);
  g_free(mem->status);
  g_free(mem);
}

/* Calls sink->ops->CB on every record (of TYPE) in ARRAY when that callback is set. */
#define REPLAY_TABLE(sink, cb, array, type)                                     \
  do {                                                                          \
    if ((sink)->ops->cb)                                                        \
      for (guint i_ = 0; i_ < (array)->len; i_++)                               \
        if (!(sink)->ops->cb((sink), &g_array_index((array), type, i_), error)) \
          return FALSE;                                                         \
  } while (0)

gboolean paleo_trace_mem_replay(const PaleoTraceMem *mem, PaleoTraceSink *sink, GError **error)
{
  g_return_val_if_fail(mem && sink && sink->ops, FALSE);
  if (mem->began && sink->ops->begin && !sink->ops->begin(sink, &mem->meta, error))
    return FALSE;
  REPLAY_TABLE(sink, entity, mem->entities, PaleoEntityRecord);
  REPLAY_TABLE(sink, link, mem->links, PaleoLinkRecord);
  REPLAY_TABLE(sink, layer, mem->layers, PaleoLayerRecord);
  REPLAY_TABLE(sink, iteration, mem->iterations, PaleoIterationRecord);
  REPLAY_TABLE(sink, task, mem->tasks, PaleoTaskRecord);
  REPLAY_TABLE(sink, flow, mem->flows, PaleoFlowRecord);
  REPLAY_TABLE(sink, link_usage, mem->link_usage, PaleoLinkUsageRecord);
  REPLAY_TABLE(sink, ps_update, mem->ps_updates, PaleoPsUpdateRecord);
  REPLAY_TABLE(sink, comm_task, mem->comm_tasks, PaleoCommTaskRecord);
  REPLAY_TABLE(sink, task_dep, mem->task_deps, PaleoTaskDepRecord);
  return TRUE;
}

/* ---- comparison: one equality and one printer per record type ---- */

static gboolean entity_eq(const void *x, const void *y)
{
  const PaleoEntityRecord *a = x, *b = y;
  return a->id == b->id && a->kind == b->kind && a->host == b->host && a->worker == b->worker &&
         !g_strcmp0(a->name, b->name);
}

static char *entity_str(const void *x)
{
  const PaleoEntityRecord *a = x;
  return g_strdup_printf("{id %u kind %d host %d worker %d name %s}", a->id, (int)a->kind,
                         a->host, a->worker, a->name);
}

static gboolean link_eq(const void *x, const void *y)
{
  const PaleoLinkRecord *a = x, *b = y;
  return a->id == b->id && a->src == b->src && a->dst == b->dst &&
         a->bw_bytes_per_s == b->bw_bytes_per_s && a->latency_ns == b->latency_ns &&
         !g_strcmp0(a->name, b->name);
}

static char *link_str(const void *x)
{
  const PaleoLinkRecord *a = x;
  return g_strdup_printf("{id %u %u->%u bw %.17g B/s latency %" PRIu64 " ns name %s}", a->id,
                         a->src, a->dst, a->bw_bytes_per_s, a->latency_ns, a->name);
}

static gboolean layer_eq(const void *x, const void *y)
{
  const PaleoLayerRecord *a = x, *b = y;
  return a->index == b->index && !g_strcmp0(a->name, b->name) && !g_strcmp0(a->type, b->type);
}

static char *layer_str(const void *x)
{
  const PaleoLayerRecord *a = x;
  return g_strdup_printf("{index %u name %s type %s}", a->index, a->name, a->type);
}

static gboolean task_eq(const void *x, const void *y)
{
  const PaleoTaskRecord *a = x, *b = y;
  return a->worker == b->worker && a->iteration == b->iteration && a->layer == b->layer &&
         a->phase == b->phase && a->start_ns == b->start_ns && a->end_ns == b->end_ns && a->id == b->id &&
         a->stream == b->stream && a->micro_batch == b->micro_batch && a->stage == b->stage;
}

static char *task_str(const void *x)
{
  const PaleoTaskRecord *a = x;
  return g_strdup_printf("{worker %u iteration %u layer %u phase %d %" PRIu64 "-%" PRIu64 " ns id %" PRIu64
                         " stream %d micro-batch %u stage %u}",
                         a->worker, a->iteration, a->layer, (int)a->phase, a->start_ns, a->end_ns, a->id,
                         (int)a->stream, a->micro_batch, a->stage);
}

static gboolean comm_task_eq(const void *x, const void *y)
{
  const PaleoCommTaskRecord *a = x, *b = y;
  return a->id == b->id && a->worker == b->worker && a->iteration == b->iteration && a->kind == b->kind &&
         a->stream == b->stream && !g_strcmp0(a->collective, b->collective) && a->bucket == b->bucket &&
         a->micro_batch == b->micro_batch && a->stage == b->stage && a->phase == b->phase && a->peer == b->peer &&
         a->bytes == b->bytes && a->instance == b->instance && a->start_ns == b->start_ns && a->end_ns == b->end_ns;
}

static char *comm_task_str(const void *x)
{
  const PaleoCommTaskRecord *a = x;
  return g_strdup_printf("{id %" PRIu64 " worker %u iteration %u kind %d %s bucket %d peer %d %" PRIu64
                         " B %" PRIu64 "-%" PRIu64 " ns}",
                         a->id, a->worker, a->iteration, (int)a->kind, a->collective, a->bucket, a->peer, a->bytes,
                         a->start_ns, a->end_ns);
}

static gboolean task_dep_eq(const void *x, const void *y)
{
  const PaleoTaskDepRecord *a = x, *b = y;
  return a->task == b->task && a->dep == b->dep;
}

static char *task_dep_str(const void *x)
{
  const PaleoTaskDepRecord *a = x;
  return g_strdup_printf("{task %" PRIu64 " dep %" PRIu64 "}", a->task, a->dep);
}

static gboolean flow_eq(const void *x, const void *y)
{
  const PaleoFlowRecord *a = x, *b = y;
  return a->id == b->id && a->src == b->src && a->dst == b->dst && a->bytes == b->bytes &&
         !g_strcmp0(a->collective, b->collective) && a->bucket == b->bucket &&
         a->iteration == b->iteration && a->start_ns == b->start_ns && a->end_ns == b->end_ns;
}

static char *flow_str(const void *x)
{
  const PaleoFlowRecord *a = x;
  return g_strdup_printf("{id %" PRIu64 " %u->%u %" PRIu64 " B %s bucket %d iteration %u %" PRIu64
                         "-%" PRIu64 " ns}",
                         a->id, a->src, a->dst, a->bytes, a->collective, a->bucket, a->iteration,
                         a->start_ns, a->end_ns);
}

static gboolean iteration_eq(const void *x, const void *y)
{
  const PaleoIterationRecord *a = x, *b = y;
  return a->worker == b->worker && a->iteration == b->iteration && a->start_ns == b->start_ns &&
         a->end_ns == b->end_ns && a->wait_ns == b->wait_ns && a->slowdown == b->slowdown;
}

static char *iteration_str(const void *x)
{
  const PaleoIterationRecord *a = x;
  return g_strdup_printf("{worker %u iteration %u %" PRIu64 "-%" PRIu64 " ns wait %" PRIu64
                         " ns slowdown %.17g}",
                         a->worker, a->iteration, a->start_ns, a->end_ns, a->wait_ns, a->slowdown);
}

static gboolean link_usage_eq(const void *x, const void *y)
{
  const PaleoLinkUsageRecord *a = x, *b = y;
  return a->link == b->link && a->start_ns == b->start_ns && a->end_ns == b->end_ns &&
         a->flows == b->flows && a->utilization == b->utilization;
}

static char *link_usage_str(const void *x)
{
  const PaleoLinkUsageRecord *a = x;
  return g_strdup_printf("{link %u %" PRIu64 "-%" PRIu64 " ns flows %u utilization %.17g}", a->link,
                         a->start_ns, a->end_ns, a->flows, a->utilization);
}

static gboolean ps_update_eq(const void *x, const void *y)
{
  const PaleoPsUpdateRecord *a = x, *b = y;
  return a->server == b->server && a->worker == b->worker && a->iteration == b->iteration &&
         a->staleness == b->staleness && a->time_ns == b->time_ns;
}

static char *ps_update_str(const void *x)
{
  const PaleoPsUpdateRecord *a = x;
  return g_strdup_printf("{server %u worker %u iteration %u staleness %u at %" PRIu64 " ns}",
                         a->server, a->worker, a->iteration, a->staleness, a->time_ns);
}

typedef struct {
  const char *table;
  gboolean (*eq)(const void *a, const void *b);
  char *(*str)(const void *a);
} TableCmp;

/* NULL when equal, otherwise a description of the first difference. */
static char *table_diff(const TableCmp *cmp, const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return g_strdup_printf("table %s: %u rows vs %u rows", cmp->table, a->len, b->len);
  guint size = g_array_get_element_size((GArray *)a);
  for (guint i = 0; i < a->len; i++) {
    const void *ra = a->data + (gsize)i * size, *rb = b->data + (gsize)i * size;
    if (!cmp->eq(ra, rb)) {
      g_autofree char *sa = cmp->str(ra), *sb = cmp->str(rb);
      return g_strdup_printf("table %s row %u: %s vs %s", cmp->table, i, sa, sb);
    }
  }
  return NULL;
}

static char *meta_diff(const PaleoTraceMem *a, const PaleoTraceMem *b)
{
  if (a->began != b->began)
    return g_strdup_printf("run: begun %d vs %d", a->began, b->began);
  const PaleoRunMeta *x = &a->meta, *y = &b->meta;
  if (g_strcmp0(x->scenario_name, y->scenario_name) || g_strcmp0(x->scenario_text, y->scenario_text) ||
      g_strcmp0(x->version, y->version) || x->seed != y->seed || x->start_unix_s != y->start_unix_s)
    return g_strdup_printf("run metadata: name %s seed %" PRIu64 " version %s start %" PRId64
                           " vs name %s seed %" PRIu64 " version %s start %" PRId64
                           " (or scenario text differs)",
                           x->scenario_name, x->seed, x->version, x->start_unix_s,
                           y->scenario_name, y->seed, y->version, y->start_unix_s);
  if (g_strcmp0(a->status, b->status))
    return g_strdup_printf("run status: %s vs %s", a->status, b->status);
  return NULL;
}

gboolean paleo_trace_mem_equal(const PaleoTraceMem *a, const PaleoTraceMem *b, char **diff_out)
{
  const TableCmp cmps[] = {
    {"entity", entity_eq, entity_str},       {"link", link_eq, link_str},
    {"layer", layer_eq, layer_str},          {"iteration", iteration_eq, iteration_str},
    {"task", task_eq, task_str},             {"flow", flow_eq, flow_str},
    {"link_usage", link_usage_eq, link_usage_str}, {"ps_update", ps_update_eq, ps_update_str},
    {"comm_task", comm_task_eq, comm_task_str}, {"task_dep", task_dep_eq, task_dep_str},
  };
  const GArray *ta[] = {a->entities, a->links, a->layers, a->iterations, a->tasks, a->flows,
                        a->link_usage, a->ps_updates, a->comm_tasks, a->task_deps};
  const GArray *tb[] = {b->entities, b->links, b->layers, b->iterations, b->tasks, b->flows,
                        b->link_usage, b->ps_updates, b->comm_tasks, b->task_deps};
  char *diff = meta_diff(a, b);
  for (size_t i = 0; !diff && i < G_N_ELEMENTS(cmps); i++)
    diff = table_diff(&cmps[i], ta[i], tb[i]);
  if (diff_out)
    *diff_out = diff;
  else
    g_free(diff);
  return diff == NULL;
}

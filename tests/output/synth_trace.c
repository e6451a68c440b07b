/* Synthetic traces for the trace-tool tests (see synth_trace.h). */
#include "synth_trace.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "output/trace_io.h"

SynthTrace *synth_new(const char *scenario_name)
{
  SynthTrace *t = g_new0(SynthTrace, 1);
  t->scenario_name = g_strdup(scenario_name);
  t->entities = g_array_new(FALSE, TRUE, sizeof(PaleoEntityRecord));
  t->links = g_array_new(FALSE, TRUE, sizeof(PaleoLinkRecord));
  t->layers = g_array_new(FALSE, TRUE, sizeof(PaleoLayerRecord));
  t->iterations = g_array_new(FALSE, TRUE, sizeof(PaleoIterationRecord));
  t->tasks = g_array_new(FALSE, TRUE, sizeof(PaleoTaskRecord));
  t->flows = g_array_new(FALSE, TRUE, sizeof(PaleoFlowRecord));
  t->usage = g_array_new(FALSE, TRUE, sizeof(PaleoLinkUsageRecord));
  t->updates = g_array_new(FALSE, TRUE, sizeof(PaleoPsUpdateRecord));
  return t;
}

void synth_free(SynthTrace *t)
{
  g_free(t->scenario_name);
  GArray *tables[] = {t->entities, t->links,  t->layers, t->iterations,
                      t->tasks,    t->flows,  t->usage,  t->updates};
  for (guint i = 0; i < G_N_ELEMENTS(tables); i++)
    g_array_free(tables[i], TRUE);
  g_free(t);
}

void synth_entity(SynthTrace *t, uint32_t id, PaleoEntityKind kind, int32_t host, int32_t worker,
                  const char *name)
{
  PaleoEntityRecord r = {id, kind, host, worker, name};
  g_array_append_val(t->entities, r);
}

void synth_link(SynthTrace *t, uint32_t id, uint32_t src, uint32_t dst, double bw_bytes_per_s,
                const char *name)
{
  PaleoLinkRecord r = {id, src, dst, bw_bytes_per_s, 1000, name};
  g_array_append_val(t->links, r);
}

void synth_iteration(SynthTrace *t, uint32_t worker, uint32_t iteration, uint64_t start_ns,
                     uint64_t end_ns, uint64_t wait_ns)
{
  synth_iteration_slowed(t, worker, iteration, start_ns, end_ns, wait_ns, 1.0);
}

void synth_iteration_slowed(SynthTrace *t, uint32_t worker, uint32_t iteration,
                            uint64_t start_ns, uint64_t end_ns, uint64_t wait_ns, double slowdown)
{
  PaleoIterationRecord r = {worker, iteration, start_ns, end_ns, wait_ns, slowdown};
  g_array_append_val(t->iterations, r);
}

void synth_ps_update(SynthTrace *t, uint32_t server, uint32_t worker, uint32_t iteration,
                     uint32_t staleness, uint64_t time_ns)
{
  PaleoPsUpdateRecord r = {server, worker, iteration, staleness, time_ns};
  g_array_append_val(t->updates, r);
}

void synth_task(SynthTrace *t, uint32_t worker, uint32_t iteration, uint32_t layer,
                PaleoPhase phase, uint64_t start_ns, uint64_t end_ns)
{
  PaleoTaskRecord r = {worker, iteration, layer, phase, start_ns, end_ns, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0};
  g_array_append_val(t->tasks, r);
}

void synth_flow(SynthTrace *t, uint32_t src, uint32_t dst, uint32_t iteration, uint64_t start_ns,
                uint64_t end_ns)
{
  PaleoFlowRecord r = {t->flows->len, src, dst, 1u << 20, "ring", -1, iteration, start_ns, end_ns};
  g_array_append_val(t->flows, r);
}

void synth_usage(SynthTrace *t, uint32_t link, uint64_t start_ns, uint64_t end_ns, uint32_t flows,
                 double utilization)
{
  PaleoLinkUsageRecord r = {link, start_ns, end_ns, flows, utilization};
  g_array_append_val(t->usage, r);
}

static const char *const layer_names[] = {"conv1/conv", "conv2/conv", "fc/inner", "fc2/inner"};

SynthTrace *synth_data_parallel(const SynthDataParallel *s)
{
  SynthTrace *t = synth_new("synthetic data-parallel");
  guint hosts = (s->workers + s->per_host - 1) / s->per_host;
  for (guint w = 0; w < s->workers; w++)
    synth_entity(t, w, PALEO_ENTITY_WORKER, 100 + w / s->per_host, w, "gpu");
  for (guint h = 0; h < hosts; h++) {
    synth_entity(t, 100 + h, PALEO_ENTITY_HOST, -1, -1, "host");
    synth_link(t, h, 100 + h, 200, 10e9, "uplink");
  }
  synth_entity(t, 200, PALEO_ENTITY_SWITCH, -1, -1, "switch");
  for (guint l = 0; l < s->layers; l++) {
    PaleoLayerRecord r = {l, layer_names[l % G_N_ELEMENTS(layer_names)], "conv"};
    g_array_append_val(t->layers, r);
  }
  uint64_t start = 0;
  for (guint it = 0; it < s->iterations; it++) {
    g_autofree uint64_t *compute_end = g_new0(uint64_t, s->workers);
    uint64_t barrier = start;
    for (guint w = 0; w < s->workers; w++) {
      double f = (int)w == s->slow_worker ? s->slow_factor : 1.0;
      uint64_t fwd = (uint64_t)(s->fwd_ns * f), bwd = (uint64_t)(s->bwd_ns * f), at = start;
      for (guint l = 0; l < s->layers; l++, at += fwd)
        if (s->with_tasks)
          synth_task(t, w, it, l, PALEO_PHASE_FWD, at, at + fwd);
      for (guint l = s->layers; l-- > 0; at += bwd)
        if (s->with_tasks)
          synth_task(t, w, it, l, PALEO_PHASE_BWD, at, at + bwd);
      compute_end[w] = at;
      barrier = MAX(barrier, at);
    }
    uint64_t end = barrier + s->comm_ns + s->update_ns;
    for (guint w = 0; w < s->workers; w++) {
      double slowdown = (int)w == s->slow_worker ? s->slow_factor : 1.0;
      synth_iteration_slowed(t, w, it, start, end, barrier - compute_end[w], slowdown);
      synth_flow(t, w, (w + 1) % s->workers, it, barrier, barrier + s->comm_ns);
      if (s->with_tasks)
        synth_task(t, w, it, UINT32_MAX, PALEO_PHASE_UPDATE, end - s->update_ns, end);
    }
    for (guint h = 0; h < hosts; h++)
      synth_usage(t, h, barrier, barrier + s->comm_ns, 1, 0.5);
    start = end;
  }
  return t;
}

/* ---- replay in the reader's order ---- */

static uint64_t task_start(const void *r) { return ((const PaleoTaskRecord *)r)->start_ns; }
static uint64_t flow_start(const void *r) { return ((const PaleoFlowRecord *)r)->start_ns; }
static uint64_t iteration_start(const void *r) { return ((const PaleoIterationRecord *)r)->start_ns; }
static uint64_t usage_start(const void *r) { return ((const PaleoLinkUsageRecord *)r)->start_ns; }
static uint64_t update_time(const void *r) { return ((const PaleoPsUpdateRecord *)r)->time_ns; }

typedef uint64_t (*StartOf)(const void *record);

typedef struct {
  const GArray *records;
  StartOf start_of;
} SortCtx;

/* Orders record indices by (start time, insertion index): a stable sort. */
static int by_start_then_index(gconstpointer a, gconstpointer b, gpointer data)
{
  const SortCtx *ctx = data;
  guint i = *(const guint *)a, j = *(const guint *)b;
  gsize size = g_array_get_element_size((GArray *)ctx->records);
  uint64_t si = ctx->start_of(ctx->records->data + i * size);
  uint64_t sj = ctx->start_of(ctx->records->data + j * size);
  if (si != sj)
    return si < sj ? -1 : 1;
  return (i > j) - (i < j);
}

static GArray *sorted_copy(const GArray *a, StartOf start_of)
{
  gsize size = g_array_get_element_size((GArray *)a);
  g_autofree guint *order = g_new(guint, a->len + 1);
  for (guint i = 0; i < a->len; i++)
    order[i] = i;
  SortCtx ctx = {a, start_of};
  g_qsort_with_data(order, (gint)a->len, sizeof(guint), by_start_then_index, &ctx);
  GArray *copy = g_array_sized_new(FALSE, FALSE, (guint)size, a->len);
  for (guint i = 0; i < a->len; i++)
    g_array_append_vals(copy, a->data + order[i] * size, 1);
  return copy;
}

#define REPLAY_TABLE(arr, type, op)                                   \
  for (guint i = 0; o->op && i < (arr)->len; i++)                      \
    assert_true(o->op(sink, &g_array_index((arr), type, i), &error))

void synth_replay(const SynthTrace *t, PaleoTraceSink *sink)
{
  const PaleoTraceSinkOps *o = sink->ops;
  g_autoptr(GError) error = NULL;
  PaleoRunMeta meta = {t->scenario_name, "[run]\n", 42, "test", 1700000000};
  if (o->begin)
    assert_true(o->begin(sink, &meta, &error));
  g_autoptr(GArray) iterations = sorted_copy(t->iterations, iteration_start);
  g_autoptr(GArray) tasks = sorted_copy(t->tasks, task_start);
  g_autoptr(GArray) flows = sorted_copy(t->flows, flow_start);
  g_autoptr(GArray) usage = sorted_copy(t->usage, usage_start);
  g_autoptr(GArray) updates = sorted_copy(t->updates, update_time);
  REPLAY_TABLE(t->entities, PaleoEntityRecord, entity);
  REPLAY_TABLE(t->links, PaleoLinkRecord, link);
  REPLAY_TABLE(t->layers, PaleoLayerRecord, layer);
  REPLAY_TABLE(iterations, PaleoIterationRecord, iteration);
  REPLAY_TABLE(tasks, PaleoTaskRecord, task);
  REPLAY_TABLE(flows, PaleoFlowRecord, flow);
  REPLAY_TABLE(usage, PaleoLinkUsageRecord, link_usage);
  REPLAY_TABLE(updates, PaleoPsUpdateRecord, ps_update);
}

void synth_write_file(const SynthTrace *t, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, 1, &error);
  if (!sink)
    fail_msg("open %s: %s", path, error->message);
  synth_replay(t, sink);
  assert_true(paleo_trace_sink_close(sink, "complete", &error));
}

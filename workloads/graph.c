/* The step task graph as data: building, checking, and the contention-free critical
 * path (see graph.h). */
#include "workloads/graph.h"

#include "hardware/catalog.h"

typedef struct {
  guint task, dep;
} Edge;

PaleoStepGraph *paleo_step_graph_new(uint32_t devices, uint32_t stages, uint32_t micro_batches)
{
  g_assert(devices >= 1 && stages >= 1 && micro_batches >= 1);
  PaleoStepGraph *g = g_new0(PaleoStepGraph, 1);
  g->devices = devices;
  g->stages = stages;
  g->micro_batches = micro_batches;
  g->stage_of = g_new0(uint32_t, devices);
  g->tasks = g_array_new(FALSE, FALSE, sizeof(PaleoTask));
  g->streams = g_array_new(FALSE, FALSE, sizeof(PaleoGraphStream));
  g->collectives = g_array_new(FALSE, FALSE, sizeof(PaleoGraphCollective));
  g->edges = g_array_new(FALSE, FALSE, sizeof(Edge));
  return g;
}

void paleo_step_graph_free(PaleoStepGraph *g)
{
  if (!g)
    return;
  for (guint i = 0; i < g->streams->len; i++)
    g_array_free(g_array_index(g->streams, PaleoGraphStream, i).order, TRUE);
  for (guint i = 0; i < g->collectives->len; i++)
    g_free(g_array_index(g->collectives, PaleoGraphCollective, i).local);
  g_array_free(g->tasks, TRUE);
  g_array_free(g->streams, TRUE);
  g_array_free(g->collectives, TRUE);
  g_array_free(g->edges, TRUE);
  g_free(g->stage_of);
  g_free(g->dep_start);
  g_free(g->deps);
  g_free(g->succ_start);
  g_free(g->succs);
  g_free(g->stream_pos);
  g_free(g);
}

uint32_t paleo_step_graph_add_stream(PaleoStepGraph *g, uint32_t device, PaleoStreamKind kind)
{
  g_assert(!g->final && device < g->devices && kind < PALEO_STREAM_KINDS);
  PaleoGraphStream s = {device, kind, g_array_new(FALSE, FALSE, sizeof(guint32))};
  g_array_append_val(g->streams, s);
  return g->streams->len - 1;
}

uint32_t paleo_step_graph_add_collective(PaleoStepGraph *g, PaleoCollectiveKind kind, PaleoCollectiveOp op,
                                         uint64_t bytes, int32_t bucket, gboolean across_replicas,
                                         const uint32_t *local, guint n_local)
{
  g_assert(!g->final && n_local >= 1);
  PaleoGraphCollective c = {kind, op, bytes, bucket, across_replicas, 1, n_local,
                            g_memdup2(local, n_local * sizeof(uint32_t))};
  g_array_append_val(g->collectives, c);
  return g->collectives->len - 1;
}

void paleo_step_graph_mirror(PaleoStepGraph *g, uint32_t coll, uint32_t ranks)
{
  g_assert(!g->final && coll < g->collectives->len && ranks >= 1);
  g_array_index(g->collectives, PaleoGraphCollective, coll).mirrored = ranks;
}

uint32_t paleo_step_graph_add_task(PaleoStepGraph *g, const PaleoTask *task)
{
  g_assert(!g->final && task->stream < g->streams->len);
  guint32 id = g->tasks->len;
  g_array_append_val(g->tasks, *task);
  g_array_append_val(g_array_index(g->streams, PaleoGraphStream, task->stream).order, id);
  return id;
}

void paleo_step_graph_add_dep(PaleoStepGraph *g, uint32_t task, uint32_t dep)
{
  g_assert(!g->final && task < g->tasks->len && dep < g->tasks->len && task != dep);
  Edge e = {task, dep};
  g_array_append_val(g->edges, e);
}

/* CSR of (key -> value) pairs, values in edge order. */
static void build_csr(const GArray *edges, guint n, gboolean by_task, guint **start_out, guint **vals_out)
{
  guint *start = g_new0(guint, n + 1), *vals = g_new(guint, MAX(edges->len, 1));
  for (guint i = 0; i < edges->len; i++) {
    const Edge *e = &g_array_index(edges, Edge, i);
    start[(by_task ? e->task : e->dep) + 1]++;
  }
  for (guint i = 0; i < n; i++)
    start[i + 1] += start[i];
  g_autofree guint *fill = g_memdup2(start, (n + 1) * sizeof(guint));
  for (guint i = 0; i < edges->len; i++) {
    const Edge *e = &g_array_index(edges, Edge, i);
    vals[fill[by_task ? e->task : e->dep]++] = by_task ? e->dep : e->task;
  }
  *start_out = start;
  *vals_out = vals;
}

/* Kahn's algorithm over dependencies plus stream orders; FALSE on a cycle. */
static gboolean acyclic(const PaleoStepGraph *g)
{
  guint n = g->tasks->len, done = 0;
  g_autofree guint *indeg = g_new0(guint, n);
  g_autofree guint *queue = g_new(guint, MAX(n, 1));
  guint head = 0, tail = 0;
  for (guint t = 0; t < n; t++)
    indeg[t] = g->dep_start[t + 1] - g->dep_start[t] + (g->stream_pos[t] > 0);
  for (guint t = 0; t < n; t++)
    if (!indeg[t])
      queue[tail++] = t;
  while (head < tail) {
    guint t = queue[head++];
    done++;
    const PaleoGraphStream *s = paleo_step_graph_stream(g, paleo_step_graph_task(g, t)->stream);
    guint pos = g->stream_pos[t];
    if (pos + 1 < s->order->len && --indeg[g_array_index(s->order, guint32, pos + 1)] == 0)
      queue[tail++] = g_array_index(s->order, guint32, pos + 1);
    for (guint k = g->succ_start[t]; k < g->succ_start[t + 1]; k++)
      if (--indeg[g->succs[k]] == 0)
        queue[tail++] = g->succs[k];
  }
  return done == n;
}

gboolean paleo_step_graph_finalize(PaleoStepGraph *g, GError **error)
{
  g_assert(!g->final);
  guint n = g->tasks->len;
  g->stream_pos = g_new0(guint, MAX(n, 1));
  for (guint s = 0; s < g->streams->len; s++) {
    const PaleoGraphStream *st = paleo_step_graph_stream(g, s);
    for (guint p = 0; p < st->order->len; p++) {
      guint t = g_array_index(st->order, guint32, p);
      g->stream_pos[t] = p;
      g_assert(paleo_step_graph_task(g, t)->device == st->device);
    }
  }
  build_csr(g->edges, n, TRUE, &g->dep_start, &g->deps);
  build_csr(g->edges, n, FALSE, &g->succ_start, &g->succs);
  g->final = TRUE;
  if (!acyclic(g)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "the step's schedule contradicts its dependencies (a cycle through stream orders)");
    return FALSE;
  }
  return TRUE;
}

uint64_t paleo_step_graph_critical_ns(const PaleoStepGraph *g, uint64_t (*comm_ns)(const PaleoTask *, void *),
                                      void *user_data)
{
  g_assert(g->final);
  guint n = g->tasks->len;
  g_autofree uint64_t *finish = g_new0(uint64_t, MAX(n, 1));
  g_autofree guint *indeg = g_new0(guint, MAX(n, 1));
  g_autofree guint *queue = g_new(guint, MAX(n, 1));
  guint head = 0, tail = 0;
  uint64_t longest = 0;
  for (guint t = 0; t < n; t++) {
    indeg[t] = g->dep_start[t + 1] - g->dep_start[t] + (g->stream_pos[t] > 0);
    if (!indeg[t])
      queue[tail++] = t;
  }
  while (head < tail) {
    guint t = queue[head++];
    const PaleoTask *task = paleo_step_graph_task(g, t);
    uint64_t start = 0;
    for (guint k = g->dep_start[t]; k < g->dep_start[t + 1]; k++)
      start = MAX(start, finish[g->deps[k]]);
    const PaleoGraphStream *s = paleo_step_graph_stream(g, task->stream);
    guint pos = g->stream_pos[t];
    if (pos > 0)
      start = MAX(start, finish[g_array_index(s->order, guint32, pos - 1)]);
    uint64_t d = task->kind == PALEO_TASK_COMPUTE ? task->cost_ns : comm_ns ? comm_ns(task, user_data) : 0;
    finish[t] = start + d;
    longest = MAX(longest, finish[t]);
    if (pos + 1 < s->order->len && --indeg[g_array_index(s->order, guint32, pos + 1)] == 0)
      queue[tail++] = g_array_index(s->order, guint32, pos + 1);
    for (guint k = g->succ_start[t]; k < g->succ_start[t + 1]; k++)
      if (--indeg[g->succs[k]] == 0)
        queue[tail++] = g->succs[k];
  }
  return longest;
}

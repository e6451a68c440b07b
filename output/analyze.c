/* The analysis sink: accumulates per-worker, per-(worker, iteration) and per-link state and
 * a staleness histogram from replayed records, and derives stragglers, overlap, contention,
 * per-worker slowdown and staleness statistics (definitions in analyze.h). */
#include "output/analyze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/critical_path.h"
#include "output/entity_map.h"
#include "output/id_map.h"
#include "output/interval_set.h"

#define NS_PER_MS 1e6

typedef struct {
  uint32_t iteration;      /* its number */
  uint64_t start_ns, end_ns, wait_ns;
  uint64_t compute_end_ns; /* end of the last forward/backward task */
  gboolean has_iteration, has_task;
} WorkerIteration;

typedef struct {
  uint32_t rank;
  PaleoIdMap iteration_ids;     /* iteration number -> index in iterations */
  GArray *iterations;           /* WorkerIteration, first seen first */
  PaleoIntervalSet compute;     /* union of task intervals */
  PaleoIntervalSet comm;        /* union of flow intervals */
  guint64 n_iterations;         /* iteration records */
  double sum_slowdown;          /* Σ their slowdown */
  uint64_t wait_ns;             /* Σ their wait */
} WorkerState;

typedef struct {
  uint32_t id;
  gboolean known;
  char *name;                   /* owned */
  double sum_util_ns;           /* Σ utilization · duration */
  double sum_flows_util_ns;     /* Σ flows · utilization · duration */
  double sum_flows_ns;          /* Σ flows · duration over busy time */
  uint64_t busy_ns, contended_ns;
} LinkState;

/* Ids come from the trace (checked against its tables by the reader, but of any size), so
 * every per-id table is an id map plus a dense array in first-seen order. */
struct PaleoAnalysis {
  PaleoTraceSink base;          /* first: the analysis is its own sink */
  char *scenario_name, *version, *closed_status;
  uint64_t seed;
  gboolean any_time;
  uint64_t first_ns, last_ns;
  guint64 n_iteration_records, n_tasks, n_flows, n_link_usage, n_ps_updates;
  PaleoIdMap staleness_ids;     /* staleness value -> index in staleness */
  GArray *staleness;            /* PaleoStalenessBin */
  PaleoEntityMap *entities;
  PaleoIdMap worker_ids;        /* rank -> index in workers */
  GPtrArray *workers;           /* WorkerState* */
  PaleoIdMap link_ids;          /* link id -> index in links */
  GArray *links;                /* LinkState */
  PaleoIdMap iteration_ids;     /* every iteration number seen -> index in iteration_numbers */
  GArray *iteration_numbers;    /* uint32_t */
  PaleoPathCollector *paths;    /* records of the iterations whose critical path is wanted */
  guint64 n_task_deps;
};

static PaleoAnalysis *from_sink(PaleoTraceSink *sink)
{
  return (PaleoAnalysis *)sink;
}

static void worker_state_free(gpointer data)
{
  WorkerState *w = data;
  paleo_id_map_clear(&w->iteration_ids);
  g_array_free(w->iterations, TRUE);
  paleo_interval_set_clear(&w->compute);
  paleo_interval_set_clear(&w->comm);
  g_free(w);
}

static WorkerState *worker_state(PaleoAnalysis *a, uint32_t rank)
{
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&a->worker_ids, rank, &added);
  if (!added)
    return g_ptr_array_index(a->workers, slot);
  WorkerState *w = g_new0(WorkerState, 1);
  w->rank = rank;
  paleo_id_map_init(&w->iteration_ids);
  w->iterations = g_array_new(FALSE, TRUE, sizeof(WorkerIteration));
  paleo_interval_set_init(&w->compute);
  paleo_interval_set_init(&w->comm);
  g_ptr_array_add(a->workers, w);
  return w;
}

/* A worker's record of iteration `number`, or NULL. */
static const WorkerIteration *find_iteration(const WorkerState *w, uint32_t number)
{
  guint slot;
  if (!paleo_id_map_lookup(&w->iteration_ids, number, &slot))
    return NULL;
  return &g_array_index(w->iterations, WorkerIteration, slot);
}

static WorkerIteration *worker_iteration(PaleoAnalysis *a, uint32_t rank, uint32_t number)
{
  WorkerState *w = worker_state(a, rank);
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&w->iteration_ids, number, &added);
  if (added) {
    WorkerIteration wi = {.iteration = number};
    g_array_append_val(w->iterations, wi);
    paleo_id_map_insert(&a->iteration_ids, number, &added);
    if (added)
      g_array_append_val(a->iteration_numbers, number);
  }
  return &g_array_index(w->iterations, WorkerIteration, slot);
}

static LinkState *link_state(PaleoAnalysis *a, uint32_t link)
{
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&a->link_ids, link, &added);
  if (added) {
    LinkState l = {.id = link};
    g_array_append_val(a->links, l);
  }
  return &g_array_index(a->links, LinkState, slot);
}

static void see_time(PaleoAnalysis *a, uint64_t start_ns, uint64_t end_ns)
{
  if (!a->any_time) {
    a->first_ns = start_ns;
    a->last_ns = end_ns;
    a->any_time = TRUE;
    return;
  }
  a->first_ns = MIN(a->first_ns, start_ns);
  a->last_ns = MAX(a->last_ns, end_ns);
}

static gboolean on_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  g_free(a->scenario_name);
  g_free(a->version);
  a->scenario_name = g_strdup(meta->scenario_name ? meta->scenario_name : "");
  a->version = g_strdup(meta->version ? meta->version : "");
  a->seed = meta->seed;
  return TRUE;
}

static gboolean on_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  (void)error;
  paleo_entity_map_add(from_sink(sink)->entities, rec);
  return TRUE;
}

static gboolean on_link(PaleoTraceSink *sink, const PaleoLinkRecord *rec, GError **error)
{
  (void)error;
  LinkState *l = link_state(from_sink(sink), rec->id);
  l->known = TRUE;
  g_free(l->name);
  l->name = g_strdup(rec->name);
  return TRUE;
}

static gboolean on_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec,
                             GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  WorkerIteration *wi = worker_iteration(a, rec->worker, rec->iteration);
  wi->start_ns = rec->start_ns;
  wi->end_ns = rec->end_ns;
  wi->wait_ns = rec->wait_ns;
  wi->has_iteration = TRUE;
  WorkerState *w = worker_state(a, rec->worker);
  w->n_iterations++;
  w->sum_slowdown += rec->slowdown;
  w->wait_ns += rec->wait_ns;
  a->n_iteration_records++;
  see_time(a, rec->start_ns, rec->end_ns);
  paleo_path_collector_iteration(a->paths, rec);
  return TRUE;
}

static gboolean on_layer(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error)
{
  (void)error;
  paleo_path_collector_layer(from_sink(sink)->paths, rec);
  return TRUE;
}

static gboolean on_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  (void)error;
  paleo_path_collector_comm_task(from_sink(sink)->paths, rec);
  return TRUE;
}

static gboolean on_task_dep(PaleoTraceSink *sink, const PaleoTaskDepRecord *rec, GError **error)
{
  (void)error;
  paleo_path_collector_dep(from_sink(sink)->paths, rec);
  from_sink(sink)->n_task_deps++;
  return TRUE;
}

static gboolean on_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  WorkerIteration *wi = worker_iteration(a, rec->worker, rec->iteration);
  if (rec->phase != PALEO_PHASE_UPDATE) {
    wi->compute_end_ns = wi->has_task ? MAX(wi->compute_end_ns, rec->end_ns) : rec->end_ns;
    wi->has_task = TRUE;
  }
  paleo_interval_set_add(&worker_state(a, rec->worker)->compute, rec->start_ns, rec->end_ns);
  paleo_path_collector_task(a->paths, rec);
  a->n_tasks++;
  see_time(a, rec->start_ns, rec->end_ns);
  return TRUE;
}

/* Adds a flow interval to the communication union of every worker an endpoint stands for. */
static void add_comm(PaleoAnalysis *a, uint32_t node, uint64_t start_ns, uint64_t end_ns)
{
  guint n = 0;
  const uint32_t *ranks = paleo_entity_map_node_workers(a->entities, node, &n);
  for (guint i = 0; i < n; i++)
    paleo_interval_set_add(&worker_state(a, ranks[i])->comm, start_ns, end_ns);
}

static gboolean on_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  add_comm(a, rec->src, rec->start_ns, rec->end_ns);
  if (rec->dst != rec->src)
    add_comm(a, rec->dst, rec->start_ns, rec->end_ns);
  a->n_flows++;
  see_time(a, rec->start_ns, rec->end_ns);
  return TRUE;
}

static gboolean on_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec,
                              GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  LinkState *l = link_state(a, rec->link);
  uint64_t dur_ns = rec->end_ns > rec->start_ns ? rec->end_ns - rec->start_ns : 0;
  double util_ns = rec->utilization * (double)dur_ns;
  l->sum_util_ns += util_ns;
  l->sum_flows_util_ns += (double)rec->flows * util_ns;
  if (rec->flows >= 1) {
    l->busy_ns += dur_ns;
    l->sum_flows_ns += (double)rec->flows * (double)dur_ns;
  }
  if (rec->flows >= 2)
    l->contended_ns += dur_ns;
  a->n_link_usage++;
  see_time(a, rec->start_ns, rec->end_ns);
  return TRUE;
}

static gboolean on_ps_update(PaleoTraceSink *sink, const PaleoPsUpdateRecord *rec,
                             GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&a->staleness_ids, rec->staleness, &added);
  if (added) {
    PaleoStalenessBin bin = {rec->staleness, 0};
    g_array_append_val(a->staleness, bin);
  }
  g_array_index(a->staleness, PaleoStalenessBin, slot).updates++;
  a->n_ps_updates++;
  see_time(a, rec->time_ns, rec->time_ns);
  return TRUE;
}

static gboolean on_close(PaleoTraceSink *sink, const char *status, GError **error)
{
  (void)error;
  PaleoAnalysis *a = from_sink(sink);
  g_free(a->closed_status);
  a->closed_status = g_strdup(status);
  return TRUE;
}

static void on_free(PaleoTraceSink *sink)
{
  paleo_analysis_free(from_sink(sink));
}

static const PaleoTraceSinkOps analysis_ops = {
  .name = "analysis",
  .begin = on_begin,
  .entity = on_entity,
  .link = on_link,
  .task = on_task,
  .flow = on_flow,
  .iteration = on_iteration,
  .link_usage = on_link_usage,
  .ps_update = on_ps_update,
  .layer = on_layer,
  .comm_task = on_comm_task,
  .task_dep = on_task_dep,
  .close = on_close,
  .free = on_free,
};

PaleoAnalysis *paleo_analysis_new(void)
{
  PaleoAnalysis *a = g_new0(PaleoAnalysis, 1);
  a->base.ops = &analysis_ops;
  a->base.level = PALEO_TRACE_LEVEL_ALL;
  a->scenario_name = g_strdup("");
  a->version = g_strdup("");
  a->entities = paleo_entity_map_new();
  paleo_id_map_init(&a->worker_ids);
  a->workers = g_ptr_array_new_with_free_func(worker_state_free);
  paleo_id_map_init(&a->link_ids);
  a->links = g_array_new(FALSE, TRUE, sizeof(LinkState));
  paleo_id_map_init(&a->iteration_ids);
  a->iteration_numbers = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  paleo_id_map_init(&a->staleness_ids);
  a->staleness = g_array_new(FALSE, TRUE, sizeof(PaleoStalenessBin));
  a->paths = paleo_path_collector_new(0, G_MAXUINT32);
  return a;
}

void paleo_analysis_set_iterations(PaleoAnalysis *a, uint32_t first, uint32_t last)
{
  paleo_path_collector_free(a->paths);
  a->paths = paleo_path_collector_new(first, last);
}

void paleo_analysis_free(PaleoAnalysis *a)
{
  if (!a)
    return;
  g_free(a->scenario_name);
  g_free(a->version);
  g_free(a->closed_status);
  paleo_path_collector_free(a->paths);
  paleo_entity_map_free(a->entities);
  paleo_id_map_clear(&a->worker_ids);
  g_ptr_array_free(a->workers, TRUE);
  paleo_id_map_clear(&a->link_ids);
  for (guint i = 0; i < a->links->len; i++)
    g_free(g_array_index(a->links, LinkState, i).name);
  g_array_free(a->links, TRUE);
  paleo_id_map_clear(&a->iteration_ids);
  g_array_free(a->iteration_numbers, TRUE);
  paleo_id_map_clear(&a->staleness_ids);
  g_array_free(a->staleness, TRUE);
  g_free(a);
}

PaleoTraceSink *paleo_analysis_sink(PaleoAnalysis *analysis)
{
  return &analysis->base;
}

/* ---- stragglers ---- */

/* The worker's own time for its part of an iteration (see analyze.h). */
static uint64_t work_ns(const WorkerIteration *wi)
{
  uint64_t ready_ns = wi->has_task ? wi->compute_end_ns
                                   : wi->end_ns - MIN(wi->wait_ns, wi->end_ns - wi->start_ns);
  return ready_ns > wi->start_ns ? ready_ns - wi->start_ns : 0;
}

static int compare_u64(const void *x, const void *y)
{
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

static int compare_worker_ranks(const void *x, const void *y)
{
  const WorkerState *a = *(const WorkerState *const *)x, *b = *(const WorkerState *const *)y;
  return (a->rank > b->rank) - (a->rank < b->rank);
}

static double median_ns(GArray *values)
{
  qsort(values->data, values->len, sizeof(uint64_t), compare_u64);
  guint n = values->len;
  uint64_t lo = g_array_index(values, uint64_t, (n - 1) / 2);
  uint64_t hi = g_array_index(values, uint64_t, n / 2);
  return ((double)lo + (double)hi) / 2.0;
}

/* Worker states in ascending rank (the reports' tie-break order); g_free the result. */
static const WorkerState **workers_by_rank(const PaleoAnalysis *a)
{
  const WorkerState **order = g_new(const WorkerState *, a->workers->len + 1);
  for (guint i = 0; i < a->workers->len; i++)
    order[i] = g_ptr_array_index(a->workers, i);
  qsort(order, a->workers->len, sizeof *order, compare_worker_ranks);
  return order;
}

/* Per-iteration figures for iteration `it`; FALSE when no worker recorded it. Charges the
 * others' waiting to the straggler in `charges` (PaleoStraggler, one per entry of `order`). */
static gboolean iteration_lag(const WorkerState **order, guint n, uint32_t it, GArray *scratch,
                              GArray *charges, PaleoIterationLag *out)
{
  g_array_set_size(scratch, 0);
  uint64_t slowest_work = 0, wait_total = 0, slowest_wait = 0;
  guint slowest = 0;
  for (guint k = 0; k < n; k++) {
    const WorkerIteration *wi = find_iteration(order[k], it);
    if (!wi || !wi->has_iteration)
      continue;
    uint64_t work = work_ns(wi);
    if (scratch->len == 0 || work > slowest_work) {
      slowest_work = work;
      slowest = k;
      slowest_wait = wi->wait_ns;
    }
    wait_total += wi->wait_ns;
    g_array_append_val(scratch, work);
  }
  if (scratch->len == 0)
    return FALSE;
  double median = median_ns(scratch);
  *out = (PaleoIterationLag){
    .iteration = it, .slowest_worker = order[slowest]->rank, .n_workers = scratch->len,
    .work_ms = (double)slowest_work / NS_PER_MS, .median_work_ms = median / NS_PER_MS,
    .lag_ms = ((double)slowest_work - median) / NS_PER_MS,
    .wait_ms = (double)wait_total / NS_PER_MS,
  };
  if (out->lag_ms > 0) {
    PaleoStraggler *s = &g_array_index(charges, PaleoStraggler, slowest);
    s->caused_wait_ms += (double)(wait_total - slowest_wait) / NS_PER_MS;
    s->lag_ms += out->lag_ms; /* summed here, averaged by the caller */
    s->slowest_iterations++;
  }
  return TRUE;
}

static int compare_stragglers(const void *x, const void *y)
{
  const PaleoStraggler *a = x, *b = y;
  if (a->caused_wait_ms != b->caused_wait_ms)
    return a->caused_wait_ms < b->caused_wait_ms ? 1 : -1;
  if (a->lag_ms != b->lag_ms)
    return a->lag_ms < b->lag_ms ? 1 : -1;
  return (a->worker > b->worker) - (a->worker < b->worker);
}

static int compare_iteration_lags(const void *x, const void *y)
{
  const PaleoIterationLag *a = x, *b = y;
  if (a->lag_ms != b->lag_ms)
    return a->lag_ms < b->lag_ms ? 1 : -1;
  return (a->iteration > b->iteration) - (a->iteration < b->iteration);
}

static void report_stragglers(const PaleoAnalysis *a, PaleoAnalysisReport *r)
{
  g_autofree const WorkerState **order = workers_by_rank(a);
  guint n = a->workers->len;
  GArray *scratch = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  GArray *charges = g_array_new(FALSE, TRUE, sizeof(PaleoStraggler));
  g_array_set_size(charges, n);
  for (guint i = 0; i < a->iteration_numbers->len; i++) {
    PaleoIterationLag lag;
    if (iteration_lag(order, n, g_array_index(a->iteration_numbers, uint32_t, i), scratch,
                      charges, &lag))
      g_array_append_val(r->iterations, lag);
  }
  uint64_t total_wait_ns = 0;
  for (guint k = 0; k < n; k++) {
    PaleoStraggler s = g_array_index(charges, PaleoStraggler, k);
    for (guint it = 0; it < order[k]->iterations->len; it++)
      total_wait_ns += g_array_index(order[k]->iterations, WorkerIteration, it).wait_ns;
    if (s.slowest_iterations == 0)
      continue;
    s.worker = order[k]->rank;
    s.lag_ms /= s.slowest_iterations;
    g_array_append_val(r->stragglers, s);
  }
  r->total_wait_ms = (double)total_wait_ns / NS_PER_MS;
  g_array_sort(r->stragglers, compare_stragglers);
  g_array_sort(r->iterations, compare_iteration_lags);
  g_array_free(scratch, TRUE);
  g_array_free(charges, TRUE);
}

/* ---- overlap ---- */

static void overlap_finish(PaleoOverlap *o, uint64_t comm_ns, uint64_t hidden_ns)
{
  o->comm_ms = (double)comm_ns / NS_PER_MS;
  o->hidden_ms = (double)hidden_ns / NS_PER_MS;
  o->exposed_ms = (double)(comm_ns - hidden_ns) / NS_PER_MS;
  o->hidden_fraction = comm_ns ? (double)hidden_ns / (double)comm_ns : 0.0;
}

static int compare_overlaps(const void *x, const void *y)
{
  const PaleoOverlap *a = x, *b = y;
  if (a->exposed_ms != b->exposed_ms)
    return a->exposed_ms < b->exposed_ms ? 1 : -1;
  return (a->worker > b->worker) - (a->worker < b->worker);
}

static void report_overlap(const PaleoAnalysis *a, PaleoAnalysisReport *r)
{
  uint64_t comm_total = 0, hidden_total = 0;
  for (guint i = 0; i < a->workers->len; i++) {
    const WorkerState *w = g_ptr_array_index(a->workers, i);
    uint64_t comm = paleo_interval_set_total_ns(&w->comm);
    uint64_t hidden = paleo_interval_set_overlap_ns(&w->comm, &w->compute);
    PaleoOverlap o = {.worker = w->rank};
    overlap_finish(&o, comm, hidden);
    g_array_append_val(r->overlap_workers, o);
    comm_total += comm;
    hidden_total += hidden;
  }
  r->overlap.worker = G_MAXUINT32;
  overlap_finish(&r->overlap, comm_total, hidden_total);
  g_array_sort(r->overlap_workers, compare_overlaps);
}

/* ---- contention ---- */

static int compare_links(const void *x, const void *y)
{
  const PaleoLinkContention *a = x, *b = y;
  if (a->contended_fraction != b->contended_fraction)
    return a->contended_fraction < b->contended_fraction ? 1 : -1;
  if (a->mean_slowdown != b->mean_slowdown)
    return a->mean_slowdown < b->mean_slowdown ? 1 : -1;
  if (a->utilization != b->utilization)
    return a->utilization < b->utilization ? 1 : -1;
  return (a->link > b->link) - (a->link < b->link);
}

static double link_mean_slowdown(const LinkState *l)
{
  if (l->sum_util_ns > 0)
    return l->sum_flows_util_ns / l->sum_util_ns;
  if (l->busy_ns > 0)
    return l->sum_flows_ns / (double)l->busy_ns;
  return 1.0;
}

static void report_links(const PaleoAnalysis *a, PaleoAnalysisReport *r)
{
  double span_ns = (double)(r->last_ns - r->first_ns);
  for (guint i = 0; i < a->links->len; i++) {
    const LinkState *l = &g_array_index(a->links, LinkState, i);
    if (!l->known && l->busy_ns == 0 && l->sum_util_ns == 0)
      continue;
    PaleoLinkContention c = {
      .link = l->id,
      .name = l->name ? g_strdup(l->name) : g_strdup_printf("link %u", l->id),
      .utilization = span_ns > 0 ? l->sum_util_ns / span_ns : 0.0,
      .contended_fraction = span_ns > 0 ? (double)l->contended_ns / span_ns : 0.0,
      .mean_slowdown = link_mean_slowdown(l),
      .busy_ms = (double)l->busy_ns / NS_PER_MS,
      .contended_ms = (double)l->contended_ns / NS_PER_MS,
    };
    g_array_append_val(r->links, c);
  }
  g_array_sort(r->links, compare_links);
}

/* ---- workers ---- */

static int compare_workers(const void *x, const void *y)
{
  const PaleoWorkerSummary *a = x, *b = y;
  gboolean na = isnan(a->mean_slowdown), nb = isnan(b->mean_slowdown);
  if (na != nb)
    return na ? -1 : 1;
  if (!na && a->mean_slowdown != b->mean_slowdown)
    return a->mean_slowdown < b->mean_slowdown ? 1 : -1;
  if (a->iterations != b->iterations)
    return a->iterations < b->iterations ? -1 : 1;
  return (a->worker > b->worker) - (a->worker < b->worker);
}

/* Every worker rank the trace names (entity records and records of workers), and its
 * figures (no iterations: mean slowdown NAN). */
static void report_workers(const PaleoAnalysis *a, PaleoAnalysisReport *r)
{
  PaleoIdMap seen;
  paleo_id_map_init(&seen);
  guint n_entity = paleo_entity_map_n_workers(a->entities);
  for (guint i = 0; i < n_entity + a->workers->len; i++) {
    const WorkerState *w = i < n_entity ? NULL : g_ptr_array_index(a->workers, i - n_entity);
    uint32_t rank = w ? w->rank : paleo_entity_map_worker_rank(a->entities, i);
    gboolean added = FALSE;
    paleo_id_map_insert(&seen, rank, &added);
    guint slot;
    if (!added)
      continue;
    if (!w && paleo_id_map_lookup(&a->worker_ids, rank, &slot))
      w = g_ptr_array_index(a->workers, slot);
    guint64 n = w ? w->n_iterations : 0;
    PaleoWorkerSummary s = {
      .worker = rank,
      .iterations = n,
      .mean_slowdown = n ? w->sum_slowdown / (double)n : NAN,
      .wait_ms = w ? (double)w->wait_ns / NS_PER_MS : 0.0,
    };
    g_array_append_val(r->workers, s);
  }
  r->n_workers = paleo_id_map_size(&seen);
  paleo_id_map_clear(&seen);
  g_array_sort(r->workers, compare_workers);
}

/* ---- staleness ---- */

static int compare_bins(const void *x, const void *y)
{
  const PaleoStalenessBin *a = x, *b = y;
  return (a->staleness > b->staleness) - (a->staleness < b->staleness);
}

/* The smallest staleness whose cumulative count reaches rank ceil(q·n) (at least 1), over
 * bins in ascending staleness. */
static uint32_t staleness_percentile(const GArray *bins, guint64 n, double q)
{
  guint64 rank = MAX((guint64)ceil(q * (double)n), 1), seen = 0;
  for (guint i = 0; i < bins->len; i++) {
    const PaleoStalenessBin *bin = &g_array_index(bins, PaleoStalenessBin, i);
    seen += bin->updates;
    if (seen >= rank)
      return bin->staleness;
  }
  g_assert_not_reached();
  return 0;
}

static void report_staleness(const PaleoAnalysis *a, PaleoAnalysisReport *r)
{
  PaleoStalenessSummary *s = &r->staleness;
  s->histogram = g_array_sized_new(FALSE, TRUE, sizeof(PaleoStalenessBin), a->staleness->len);
  g_array_append_vals(s->histogram, a->staleness->data, a->staleness->len);
  g_array_sort(s->histogram, compare_bins);
  s->updates = a->n_ps_updates;
  if (s->updates == 0)
    return;
  double sum = 0;
  for (guint i = 0; i < s->histogram->len; i++) {
    const PaleoStalenessBin *bin = &g_array_index(s->histogram, PaleoStalenessBin, i);
    sum += (double)bin->staleness * (double)bin->updates;
    s->max = bin->staleness;
  }
  s->mean = sum / (double)s->updates;
  s->p50 = staleness_percentile(s->histogram, s->updates, 0.50);
  s->p99 = staleness_percentile(s->histogram, s->updates, 0.99);
}

static void clear_link_contention(gpointer data)
{
  g_free(((PaleoLinkContention *)data)->name);
}

PaleoAnalysisReport *paleo_analysis_report(const PaleoAnalysis *a, const char *status)
{
  PaleoAnalysisReport *r = g_new0(PaleoAnalysisReport, 1);
  r->scenario_name = g_strdup(a->scenario_name);
  r->version = g_strdup(a->version);
  r->status = g_strdup(status ? status : a->closed_status ? a->closed_status : "unknown");
  r->seed = a->seed;
  r->first_ns = a->any_time ? a->first_ns : 0;
  r->last_ns = a->any_time ? a->last_ns : 0;
  r->n_iteration_records = a->n_iteration_records;
  r->n_tasks = a->n_tasks;
  r->n_flows = a->n_flows;
  r->n_link_usage = a->n_link_usage;
  r->n_ps_updates = a->n_ps_updates;
  r->stragglers = g_array_new(FALSE, TRUE, sizeof(PaleoStraggler));
  r->iterations = g_array_new(FALSE, TRUE, sizeof(PaleoIterationLag));
  r->overlap_workers = g_array_new(FALSE, TRUE, sizeof(PaleoOverlap));
  r->links = g_array_new(FALSE, TRUE, sizeof(PaleoLinkContention));
  g_array_set_clear_func(r->links, clear_link_contention);
  r->workers = g_array_new(FALSE, TRUE, sizeof(PaleoWorkerSummary));
  report_stragglers(a, r);
  report_overlap(a, r);
  report_links(a, r);
  report_workers(a, r);
  report_staleness(a, r);
  r->critical_paths = paleo_critical_paths(a->paths);
  r->task_graph = a->n_task_deps > 0;
  return r;
}

void paleo_analysis_report_free(PaleoAnalysisReport *r)
{
  if (!r)
    return;
  g_free(r->scenario_name);
  g_free(r->version);
  g_free(r->status);
  g_array_free(r->stragglers, TRUE);
  g_array_free(r->iterations, TRUE);
  g_array_free(r->overlap_workers, TRUE);
  g_array_free(r->links, TRUE);
  g_array_free(r->workers, TRUE);
  g_array_free(r->staleness.histogram, TRUE);
  paleo_critical_paths_free(r->critical_paths);
  g_free(r);
}

/* Synchronous data-parallel training on the engine.
 *
 * Each worker is an entity with a compute stream and a communication stream. Compute:
 * the forward pass (one event; every layer's task is recorded with its own times), the
 * backward pass in segments that end where a gradient bucket is complete (bucket 0 holds
 * the last layers), then the update. Communication: buckets are reduced one after
 * another, in order, each as one collective over all workers; a worker enters bucket b's
 * collective once its backward produced the bucket and its part in bucket b-1 is done.
 * The update waits for the worker's part in every bucket; that is the only barrier.
 *
 * Fidelity flow: the collective's message pattern runs through the network model, each
 * message a flow started when the dependency cursor allows it. Fidelity analytical: the
 * collective is one event of its closed-form time, starting when every worker entered it
 * and the previous bucket's collective ended.
 *
 * Accounting per worker: compute (its own tasks), comm (time with one of its messages in
 * flight; analytical: the collective's duration), hidden (comm during backward), exposed
 * (comm after backward, before the update), wait (after backward with nothing in flight:
 * blocked on other workers).
 *
 * Stragglers: each iteration draws the worker's compute factor (workloads/straggler.h)
 * and every compute run is stretched by the worker's pauses. A failed worker does
 * nothing more and sends nothing more, so the others block at the next collective: the
 * queue drains before the target and the caller reports the stall. */
#include "workloads/train.h"

#include <math.h>
#include <string.h>

#include "workloads/train_int.h"

enum { EV_START, EV_FWD_DONE, EV_BWD_DONE, EV_UPDATE_DONE, EV_COLLECTIVE_DONE, EV_MESSAGE_DONE, EV_FAIL };

typedef struct Sync Sync;

typedef struct {
  Sync *sync;
  uint32_t rank;
  double factor;          /* compute factor of this iteration */
  uint64_t iter_compute, iter_nominal; /* compute of this iteration: actual, at factor 1 */
  uint64_t iter_comm, iter_hidden;     /* comm of this iteration: all, under backward */
  gboolean failed;
  uint32_t iteration;
  guint produced;         /* buckets whose backward is done (this iteration) */
  guint released;         /* buckets whose collective the worker entered */
  guint comm_done;        /* buckets whose collective is done for the worker */
  gboolean bwd_done;
  gboolean updating;      /* the update of this iteration has started */
  PaleoTime iter_start, bwd_end;
  uint64_t iter_wait;     /* wait of the current iteration */
  uint32_t inflight;      /* own messages in flight */
  PaleoTime busy_since;
  uint64_t iter_exposed;  /* exposed comm of the current iteration */
} Worker;

/* One collective (iteration, bucket) in flow fidelity. */
typedef struct {
  Sync *sync;
  uint32_t iteration;
  guint bucket;
  const PaleoSchedule *schedule;
  PaleoCollectiveCursor *cursor;
  uint32_t entered;       /* workers released */
  PaleoTime *msg_start;   /* per message */
} Instance;

typedef struct FlowCtx {
  Instance *inst;
  guint msg;
  struct FlowCtx *next_free;
} FlowCtx;

/* One collective in analytical fidelity; two slots (iteration parity) suffice because
 * every analytical collective is a global barrier. */
typedef struct {
  uint32_t iteration;
  uint32_t entered;
  gboolean started, done;
  PaleoTime start;
} Slot;

struct Sync {
  PaleoTrainer base;
  PaleoNetwork *network;
  const PaleoTrainCosts *costs;
  PaleoTrainConfig cfg;
  uint32_t *node_of;      /* participant -> topology node (flow) */
  Worker *workers;
  uint32_t coordinator;   /* entity for analytical collectives */
  uint32_t first_entity;  /* entity id of worker 0 */
  guint n_buckets;
  guint *bucket_first;    /* lowest layer of each bucket */
  uint64_t *bucket_bytes;
  uint64_t fwd_ns;        /* unscaled sums */
  uint64_t *seg_ns;       /* per backward segment (= bucket, or one when no buckets) */
  guint n_segments;
  /* flow fidelity */
  PaleoSchedule **schedules; /* [bucket * phases + phase] */
  guint phases;
  GPtrArray *instances;   /* per iteration: Instance *[n_buckets] (NULL once freed) */
  uint32_t *iter_live;    /* per iteration: instances completed and freed */
  GArray *ready;
  FlowCtx *ctx_pool;      /* free list */
  /* analytical */
  Slot *slots;            /* [2][n_buckets] */
  uint64_t *bucket_ns;    /* closed-form time per bucket (iteration-independent) */
  /* global progress */
  uint32_t *finished;     /* per iteration: workers done */
};

/* ---- small helpers ---- */

static PaleoTime now_ns(Sync *s)
{
  return paleo_engine_now(s->base.engine);
}

static gboolean tracing(Sync *s, PaleoTraceLevel level)
{
  return paleo_trainer_tracing(&s->base, level);
}

/* Runs `nominal_ns` of the worker's compute from now, for layers lo..hi of `phase`
 * (update: lo = hi = UINT32_MAX), and schedules `kind` at its end. */
static void compute(Sync *s, Worker *w, PaleoPhase phase, guint lo, guint hi, uint64_t nominal_ns, uint32_t kind,
                    uint64_t arg)
{
  PaleoTime now = now_ns(s);
  PaleoTime end = paleo_trainer_compute_end(&s->base, w->rank, w->factor, now, nominal_ns);
  s->base.stats.stretched_ns[w->rank] += end - now;
  s->base.stats.nominal_ns[w->rank] += nominal_ns;
  w->iter_compute += end - now;
  w->iter_nominal += nominal_ns;
  if (phase != PALEO_PHASE_UPDATE)
    paleo_trainer_trace_layers(&s->base, w->rank, w->iteration, w->factor, phase, lo, hi, now, end);
  else if (tracing(s, PALEO_TRACE_LEVEL_TASKS)) {
    PaleoTaskRecord r = {w->rank, w->iteration, UINT32_MAX, PALEO_PHASE_UPDATE, now, end};
    paleo_trainer_trace(&s->base, s->base.sink->ops->task(s->base.sink, &r, &s->base.trace_error));
  }
  paleo_engine_schedule(s->base.engine, end, s->first_entity + w->rank, kind, arg, NULL);
}

/* ---- communication accounting ---- */

static void comm_begin(Sync *s, uint32_t rank)
{
  Worker *w = &s->workers[rank];
  if (w->inflight++ == 0)
    w->busy_since = now_ns(s);
}

static void comm_end(Sync *s, uint32_t rank)
{
  Worker *w = &s->workers[rank];
  g_assert(w->inflight > 0);
  if (--w->inflight)
    return;
  PaleoTime now = now_ns(s), from = w->busy_since;
  uint64_t exposed = 0;
  if (w->bwd_done)
    exposed = now - MAX(from, w->bwd_end);
  w->iter_comm += now - from;
  w->iter_hidden += now - from - exposed;
  w->iter_exposed += exposed;
}

/* ---- compute stream ---- */

static void start_iteration(Sync *s, Worker *w)
{
  w->iter_start = now_ns(s);
  w->produced = w->released = w->comm_done = 0;
  w->bwd_done = w->updating = FALSE;
  w->iter_exposed = w->iter_wait = 0;
  w->iter_compute = w->iter_nominal = w->iter_comm = w->iter_hidden = 0;
  w->factor = paleo_trainer_draw_factor(&s->base, w->rank);
  compute(s, w, PALEO_PHASE_FWD, 0, s->costs->n_layers - 1, s->fwd_ns, EV_FWD_DONE, 0);
}

/* Backward segment `seg` covers layers [first(seg), first(seg - 1) - 1], walked down. */
static void start_segment(Sync *s, Worker *w, guint seg)
{
  guint lo = s->n_buckets ? s->bucket_first[seg] : 0;
  guint hi = seg == 0 ? s->costs->n_layers - 1 : s->bucket_first[seg - 1] - 1;
  compute(s, w, PALEO_PHASE_BWD, lo, hi, s->seg_ns[seg], EV_BWD_DONE, seg);
}

static void start_update(Sync *s, Worker *w)
{
  PaleoTime now = now_ns(s);
  uint64_t idle = now - w->bwd_end;
  g_assert(!w->updating && idle >= w->iter_exposed);
  w->updating = TRUE;
  w->iter_wait = idle - w->iter_exposed;
  compute(s, w, PALEO_PHASE_UPDATE, UINT32_MAX, UINT32_MAX, s->costs->update_ns, EV_UPDATE_DONE, 0);
}

static void finish_iteration(Sync *s, Worker *w)
{
  PaleoTime now = now_ns(s);
  double slowdown = w->iter_nominal ? (double)w->iter_compute / (double)w->iter_nominal : 1.0;
  paleo_trainer_trace_iteration(&s->base, w->rank, w->iteration, w->iter_start, now, w->iter_wait, slowdown);
  PaleoTrainStats *st = &s->base.stats;
  st->worker_iterations[w->rank]++;
  st->compute_ns[w->rank] += w->iter_compute;
  st->comm_ns[w->rank] += w->iter_comm;
  st->hidden_ns[w->rank] += w->iter_hidden;
  st->exposed_ns[w->rank] += w->iter_exposed;
  st->wait_ns[w->rank] += w->iter_wait;
  st->iteration_end_ns[w->iteration] = MAX(st->iteration_end_ns[w->iteration], now);
  if (++s->finished[w->iteration] == s->cfg.workers) {
    st->iterations_done = st->updates = w->iteration + 1;
    st->makespan_ns = st->iteration_end_ns[w->iteration];
    if (st->iterations_done == s->cfg.iterations)
      paleo_trainer_complete(&s->base, FALSE);
  }
  if (++w->iteration < s->cfg.iterations)
    start_iteration(s, w);
}

/* ---- communication stream ---- */

static void try_release(Sync *s, Worker *w);

/* The worker's part of bucket `bucket` is complete. */
static void bucket_done(Sync *s, Worker *w)
{
  if (w->failed)
    return;
  w->comm_done++;
  try_release(s, w);
  if (w->comm_done == s->n_buckets && w->bwd_done && !w->updating)
    start_update(s, w);
}

/* Flow fidelity. */

static Instance *instance_get(Sync *s, uint32_t iteration, guint bucket)
{
  while (s->instances->len <= iteration)
    g_ptr_array_add(s->instances, g_new0(Instance *, s->n_buckets));
  Instance **row = g_ptr_array_index(s->instances, iteration);
  g_assert(row); /* rows go once all their buckets are done */
  if (row[bucket])
    return row[bucket];
  Instance *in = g_new0(Instance, 1);
  in->sync = s;
  in->iteration = iteration;
  in->bucket = bucket;
  in->schedule = s->schedules[bucket * s->phases + iteration % s->phases];
  in->cursor = paleo_cursor_new(in->schedule);
  in->msg_start = g_new0(PaleoTime, paleo_schedule_n_messages(in->schedule));
  row[bucket] = in;
  /* Dedicated parameter servers are always ready; their sends appear in s->ready and go
   * out with the caller's next start_flows. */
  for (uint32_t node = s->cfg.workers; node < in->schedule->n_nodes; node++)
    paleo_cursor_release(in->cursor, node, s->ready);
  return in;
}

static void instance_free_if_done(Sync *s, Instance *in)
{
  if (in->entered < s->cfg.workers || !paleo_cursor_done(in->cursor))
    return;
  Instance **row = g_ptr_array_index(s->instances, in->iteration);
  row[in->bucket] = NULL;
  s->base.stats.collectives++;
  if (++s->iter_live[in->iteration] == s->n_buckets) {
    g_free(row);
    g_ptr_array_index(s->instances, in->iteration) = NULL;
  }
  paleo_cursor_free(in->cursor);
  g_free(in->msg_start);
  g_free(in);
}

static void flow_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data);

static void start_flows(Sync *s, Instance *in)
{
  for (guint i = 0; i < s->ready->len; i++) {
    guint mi = g_array_index(s->ready, guint, i);
    const PaleoMessage *m = paleo_schedule_message(in->schedule, mi);
    if (m->src < s->cfg.workers && s->workers[m->src].failed)
      continue; /* never sent: the collective cannot finish */
    FlowCtx *ctx = s->ctx_pool;
    if (ctx)
      s->ctx_pool = ctx->next_free;
    else
      ctx = g_new(FlowCtx, 1);
    ctx->inst = in;
    ctx->msg = mi;
    in->msg_start[mi] = now_ns(s);
    if (m->src < s->cfg.workers)
      comm_begin(s, m->src);
    if (m->dst < s->cfg.workers)
      comm_begin(s, m->dst);
    s->base.stats.flows++;
    paleo_network_start_flow(s->network, s->node_of[m->src], s->node_of[m->dst], m->bytes, flow_done, ctx);
  }
  g_array_set_size(s->ready, 0);
}

static void trace_flow(Sync *s, Instance *in, const PaleoMessage *m, const PaleoFlowInfo *flow, PaleoTime start)
{
  PaleoFlowRecord r = {flow->id, flow->src, flow->dst, m->bytes, paleo_collective_names[s->cfg.collective],
                       (int32_t)in->bucket, in->iteration, start, flow->end_ns};
  paleo_trainer_trace(&s->base, s->base.sink->ops->flow(s->base.sink, &r, &s->base.trace_error));
}

/* A message of a flow-fidelity collective has arrived (after its software cost). */
static void message_done(Sync *s, FlowCtx *ctx)
{
  Instance *in = ctx->inst;
  guint mi = ctx->msg;
  ctx->next_free = s->ctx_pool;
  s->ctx_pool = ctx;
  const PaleoMessage *m = paleo_schedule_message(in->schedule, mi);
  uint32_t N = s->cfg.workers;
  if (m->src < N)
    comm_end(s, m->src);
  if (m->dst < N)
    comm_end(s, m->dst);
  paleo_cursor_complete(in->cursor, mi, s->ready);
  start_flows(s, in);
  /* A participant whose last message this was is done with the bucket. */
  uint32_t ends[2] = {m->src, m->dst};
  for (guint e = 0; e < 2; e++)
    if (ends[e] < N && paleo_cursor_node_done(in->cursor, ends[e]))
      bucket_done(s, &s->workers[ends[e]]);
  instance_free_if_done(s, in);
}

static void flow_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data)
{
  (void)net;
  FlowCtx *ctx = user_data;
  Instance *in = ctx->inst;
  Sync *s = in->sync;
  paleo_trainer_active(&s->base);
  if (tracing(s, PALEO_TRACE_LEVEL_FLOWS))
    trace_flow(s, in, paleo_schedule_message(in->schedule, ctx->msg), flow, in->msg_start[ctx->msg]);
  uint64_t software = paleo_collective_message_ns(s->cfg.collective, s->cfg.ps_message_ns);
  if (software)
    paleo_engine_schedule(s->base.engine, flow->end_ns + software, s->coordinator, EV_MESSAGE_DONE, 0, ctx);
  else
    message_done(s, ctx);
}

static void release_flow(Sync *s, Worker *w, guint bucket)
{
  Instance *in = instance_get(s, w->iteration, bucket);
  in->entered++;
  gboolean done = paleo_cursor_release(in->cursor, w->rank, s->ready);
  start_flows(s, in);
  if (done)
    bucket_done(s, w);
  instance_free_if_done(s, in);
}

/* Analytical fidelity. */

static Slot *slot_get(Sync *s, uint32_t iteration, guint bucket)
{
  Slot *sl = &s->slots[(iteration % 2) * s->n_buckets + bucket];
  if (sl->iteration != iteration) {
    g_assert(sl->done || sl->entered == 0);
    *sl = (Slot){.iteration = iteration};
  }
  return sl;
}

/* Starts the collective when every worker entered it and the previous one ended. */
static void maybe_start_slot(Sync *s, uint32_t iteration, guint bucket)
{
  Slot *sl = slot_get(s, iteration, bucket);
  if (sl->started || sl->entered < s->cfg.workers)
    return;
  if (bucket > 0 && !slot_get(s, iteration, bucket - 1)->done)
    return;
  sl->started = TRUE;
  sl->start = now_ns(s);
  for (uint32_t r = 0; r < s->cfg.workers; r++)
    comm_begin(s, r);
  paleo_engine_schedule(s->base.engine, now_ns(s) + s->bucket_ns[bucket], s->coordinator, EV_COLLECTIVE_DONE,
                        ((uint64_t)iteration << 32) | bucket, NULL);
}

static void release_analytical(Sync *s, Worker *w, guint bucket)
{
  slot_get(s, w->iteration, bucket)->entered++;
  maybe_start_slot(s, w->iteration, bucket);
}

static void collective_done_analytical(Sync *s, uint32_t iteration, guint bucket)
{
  Slot *sl = slot_get(s, iteration, bucket);
  sl->done = TRUE;
  s->base.stats.collectives++;
  for (uint32_t r = 0; r < s->cfg.workers; r++)
    comm_end(s, r);
  for (uint32_t r = 0; r < s->cfg.workers; r++)
    bucket_done(s, &s->workers[r]);
  if (bucket + 1 < s->n_buckets)
    maybe_start_slot(s, iteration, bucket + 1);
}

/* Enters the next buckets the worker has produced, one at a time (sequential stream). */
static void try_release(Sync *s, Worker *w)
{
  while (w->released < w->produced && w->comm_done == w->released) {
    guint b = w->released++;
    if (s->cfg.fidelity == PALEO_FIDELITY_FLOW)
      release_flow(s, w, b);
    else
      release_analytical(s, w, b);
  }
}

/* ---- event handlers ---- */

static void worker_init(PaleoEngine *engine, uint32_t entity, void *state)
{
  Worker *w = state;
  paleo_engine_schedule(engine, 0, entity, EV_START, 0, NULL);
  uint64_t fail = w->sync->base.stragglers->fail_at_ns[w->rank];
  if (fail != PALEO_NEVER_NS)
    paleo_engine_schedule(engine, fail, entity, EV_FAIL, 0, NULL);
}

static void fail_worker(Sync *s, Worker *w)
{
  if (s->base.stats.complete || w->iteration == s->cfg.iterations)
    return; /* it had finished its work */
  w->failed = TRUE;
  s->base.stats.failed_at_ns[w->rank] = now_ns(s);
}

static void worker_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  Worker *w = state;
  Sync *s = w->sync;
  if (w->failed)
    return;
  if (ev->kind != EV_FAIL)
    paleo_trainer_active(&s->base);
  switch (ev->kind) {
  case EV_FAIL: fail_worker(s, w); break;
  case EV_START: start_iteration(s, w); break;
  case EV_FWD_DONE: start_segment(s, w, 0); break;
  case EV_BWD_DONE:
    if (s->n_buckets)
      w->produced = (guint)ev->arg + 1;
    if (ev->arg + 1 < s->n_segments) {
      start_segment(s, w, (guint)ev->arg + 1);
      try_release(s, w);
      break;
    }
    w->bwd_done = TRUE;
    w->bwd_end = now_ns(s);
    try_release(s, w);
    if (w->comm_done == s->n_buckets && !w->updating)
      start_update(s, w);
    break;
  case EV_UPDATE_DONE: finish_iteration(s, w); break;
  default: g_assert_not_reached();
  }
}

static void coordinator_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  paleo_trainer_active(state);
  if (ev->kind == EV_MESSAGE_DONE) {
    message_done(state, ev->data);
    return;
  }
  g_assert(ev->kind == EV_COLLECTIVE_DONE);
  collective_done_analytical(state, (uint32_t)(ev->arg >> 32), (guint)(ev->arg & 0xffffffffu));
}

static const PaleoEntityClass worker_class = {"sync-worker", worker_init, worker_handle, NULL};
static const PaleoEntityClass coordinator_class = {"sync-collectives", NULL, coordinator_handle, NULL};

/* ---- construction ---- */

static void build_buckets(Sync *s)
{
  GArray *first = g_array_new(FALSE, FALSE, sizeof(guint));
  GArray *bytes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  paleo_train_buckets(s->costs, s->cfg.overlap, s->cfg.bucket_bytes, first, bytes);
  s->n_buckets = first->len;
  s->bucket_first = (guint *)g_array_free(first, FALSE);
  s->bucket_bytes = (uint64_t *)g_array_free(bytes, FALSE);
  s->n_segments = MAX(s->n_buckets, 1);
  s->seg_ns = g_new0(uint64_t, s->n_segments);
  for (guint i = 0; i < s->costs->n_layers; i++) {
    s->fwd_ns += s->costs->fwd_ns[i];
    guint seg = 0;
    while (s->n_buckets && seg + 1 < s->n_buckets && i < s->bucket_first[seg])
      seg++;
    s->seg_ns[seg] += s->costs->bwd_ns[i];
  }
}

static PaleoCollectiveSpec bucket_spec(const Sync *s, guint bucket, uint32_t phase)
{
  return (PaleoCollectiveSpec){.kind = s->cfg.collective, .workers = s->cfg.workers, .bytes = s->bucket_bytes[bucket],
                               .ps_servers = s->cfg.ps_servers, .ps_dedicated = s->cfg.ps_dedicated,
                               .gpus_per_host = s->cfg.gpus_per_host, .iteration = phase};
}

static void setup_flow(Sync *s, const PaleoTrainConfig *c)
{
  guint h = paleo_collective_log2_ceil(c->workers + 1) - 1; /* floor(log2 N) */
  s->phases = c->collective == PALEO_COLLECTIVE_BUTTERFLY_MIXING ? MAX(h, 1) : 1;
  s->schedules = g_new0(PaleoSchedule *, (gsize)s->n_buckets * s->phases);
  for (guint b = 0; b < s->n_buckets; b++)
    for (guint p = 0; p < s->phases; p++) {
      PaleoCollectiveSpec spec = bucket_spec(s, b, p);
      s->schedules[b * s->phases + p] = paleo_schedule_new(&spec);
    }
  guint servers = c->collective == PALEO_COLLECTIVE_PS && c->ps_dedicated ? c->ps_servers : 0;
  s->node_of = g_new(uint32_t, c->workers + servers);
  memcpy(s->node_of, c->worker_nodes, c->workers * sizeof(uint32_t));
  if (servers)
    memcpy(s->node_of + c->workers, c->server_nodes, servers * sizeof(uint32_t));
  s->instances = g_ptr_array_new();
  s->iter_live = g_new0(uint32_t, c->iterations);
  s->ready = g_array_new(FALSE, FALSE, sizeof(guint));
}

static void setup_analytical(Sync *s)
{
  s->slots = g_new0(Slot, 2 * (gsize)s->n_buckets);
  for (guint i = 0; i < 2 * s->n_buckets; i++)
    s->slots[i].iteration = G_MAXUINT32;
  s->bucket_ns = g_new0(uint64_t, s->n_buckets);
  for (guint b = 0; b < s->n_buckets; b++) {
    PaleoCollectiveSpec spec = bucket_spec(s, b, 0);
    s->bucket_ns[b] = paleo_collective_time_ns(&spec, &s->cfg.links) +
                      paleo_collective_overhead_ns(&spec, s->cfg.ps_message_ns);
  }
}

static void sync_free(PaleoTrainer *t)
{
  Sync *s = (Sync *)t;
  if (s->schedules)
    for (guint i = 0; i < s->n_buckets * s->phases; i++)
      paleo_schedule_free(s->schedules[i]);
  g_free(s->schedules);
  if (s->instances) {
    for (guint i = 0; i < s->instances->len; i++) {
      Instance **row = g_ptr_array_index(s->instances, i);
      for (guint b = 0; row && b < s->n_buckets; b++)
        if (row[b]) {
          paleo_cursor_free(row[b]->cursor);
          g_free(row[b]->msg_start);
          g_free(row[b]);
        }
      g_free(row);
    }
    g_ptr_array_free(s->instances, TRUE);
  }
  while (s->ctx_pool) {
    FlowCtx *next = s->ctx_pool->next_free;
    g_free(s->ctx_pool);
    s->ctx_pool = next;
  }
  if (s->ready)
    g_array_free(s->ready, TRUE);
  g_free(s->iter_live);
  g_free(s->node_of);
  g_free(s->slots);
  g_free(s->bucket_ns);
  g_free(s->bucket_first);
  g_free(s->bucket_bytes);
  g_free(s->seg_ns);
  g_free(s->workers);
  g_free(s->finished);
}

PaleoTrainer *paleo_train_sync_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                   const PaleoTrainConfig *config)
{
  g_assert(config->workers >= 1 && config->iterations >= 1 && costs->n_layers >= 1);
  g_assert(config->fidelity == PALEO_FIDELITY_ANALYTICAL || (network && config->worker_nodes));
  Sync *s = g_new0(Sync, 1);
  paleo_trainer_init(&s->base, "sync", engine, costs, config);
  s->base.free = sync_free;
  s->network = network;
  s->costs = costs;
  s->cfg = *config;
  /* the pointers are not kept */
  s->cfg.worker_nodes = s->cfg.server_nodes = NULL;
  s->cfg.sink = NULL;
  s->base.stats.gradients_per_update = config->workers;
  s->finished = g_new0(uint32_t, config->iterations);
  build_buckets(s);
  s->base.stats.n_buckets = s->n_buckets;
  if (config->fidelity == PALEO_FIDELITY_FLOW)
    setup_flow(s, config);
  else
    setup_analytical(s);
  s->workers = g_new0(Worker, config->workers);
  s->coordinator = paleo_engine_add_entity(engine, &coordinator_class, s);
  for (uint32_t r = 0; r < config->workers; r++) {
    Worker *w = &s->workers[r];
    w->sync = s;
    w->rank = r;
    uint32_t id = paleo_engine_add_entity(engine, &worker_class, w);
    if (r == 0)
      s->first_entity = id;
    g_assert(id == s->first_entity + r);
  }
  return &s->base;
}

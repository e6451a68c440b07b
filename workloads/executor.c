/* The task-graph executor (see executor.h): runs, streams, collectives and transfers in
 * both fidelities, accounting, tracing and failures; and the "sync" strategy built on it. */
#include "workloads/executor.h"

#include <string.h>

#include "hardware/timing.h"
#include "workloads/train_int.h"

/* Invariants of the hot path, checked in the sanitizer build (PALEO_CHECKS). */
#ifdef PALEO_CHECKS
#define PALEO_CHECK(x) g_assert(x)
#else
#define PALEO_CHECK(x) ((void)0)
#endif

enum { EV_START, EV_RUN_DONE, EV_FAIL, EV_COLLECTIVE_DONE, EV_TRANSFER_DONE, EV_MESSAGE_DONE };
enum { SLOT_WAITING, SLOT_RUNNING, SLOT_DONE };

typedef struct Exec Exec;

/* A run: consecutive tasks of one stream executed as one unit (see executor.h). */
typedef struct {
  PaleoTaskKind kind;
  PaleoPhase pass;
  uint32_t local, stream;
  guint first, last;        /* positions in the stream's order */
  uint64_t nominal_ns;      /* compute: sum of the tasks' costs */
  uint32_t n_deps;          /* runs of the same iteration that must complete first */
  guint succ_start, n_succ; /* into Exec.succs: the stream successor first, then dependents */
  gboolean stream_first, stream_last;
  int opens_mb, closes_mb;  /* micro-batch this run starts / finishes on its device, -1 none */
  uint32_t coll;            /* collective runs: the collective */
  uint32_t member;          /* collective runs: its local device's index in the group */
} Run;

/* Per replica and run: progress of the iteration it is in. */
typedef struct {
  uint32_t iteration;
  uint16_t pending;
  uint8_t state;
} Slot;

typedef struct {
  Exec *x;
  uint32_t rank, replica, local;
  gboolean failed;
  uint32_t iteration;       /* of the compute stream */
  guint run;                /* compute run in progress */
  int in_flight;
  double factor;
  PaleoAccount acct;
  PaleoTime iter_start, run_start;
  uint64_t pass_busy;       /* this iteration: fwd/bwd compute */
  PaleoTime pass_lo, pass_hi;
} Device;

/* One collective instance: (collective, iteration, group). */
typedef struct {
  Exec *x;
  uint32_t coll, iteration, group;
  uint32_t n;               /* participants */
  gboolean across;          /* the collective's group spans the replicas */
  guint n_local;            /* the group's local devices */
  const uint32_t *local;
  uint32_t entered;
  uint32_t done_count;
  const PaleoSchedule *schedule;   /* flow */
  PaleoCollectiveCursor *cursor;   /* flow */
  PaleoTime *entered_at;           /* tracing: per participant */
  uint64_t key;
} Inst;

/* A message in flight (flow fidelity). */
typedef struct FlowCtx {
  Inst *inst;
  PaleoMessage msg;
  struct FlowCtx *next_free;
} FlowCtx;

typedef struct Xfer {
  Exec *x;
  uint32_t replica, run, iteration;
  PaleoTime start;
  struct Xfer *next_free;
} Xfer;

struct Exec {
  PaleoTrainer base;
  PaleoTime now;            /* the clock at the event being handled */
  PaleoNetwork *network;
  PaleoTrainConfig cfg;
  PaleoStepGraph *g;
  uint32_t D, R, T;         /* devices per replica, replicas, template tasks */
  Run *runs;
  guint n_runs;
  guint *succs;
  guint *run_of_task;
  guint *stream_first_run;  /* per stream: its first run (G_MAXUINT when empty) */
  guint *compute_first;     /* per local device: first run of its compute stream */
  guint *coll_run_start;    /* per collective: into coll_runs */
  guint *coll_runs;         /* per collective and group member (in group order): its run */
  Slot *slots;              /* [replica * n_runs + run] */
  Device *devices;
  uint32_t coordinator, first_entity;
  uint32_t *node_of;        /* flow: per worker its node, then the dedicated servers' */
  PaleoSchedule **schedules; /* flow: [coll * phases + phase] (owned by schedule_cache) */
  GHashTable *schedule_cache; /* flow: spec text -> PaleoSchedule, one per distinct spec */
  guint phases;
  guint8 *closed;           /* per collective: runs as one closed-form event (analytical fidelity,
                               or a group inside one host spanning no replicas: see executor.h) */
  uint64_t *coll_ns;        /* per collective: its closed form (closed ones) */
  GHashTable *insts;        /* key -> Inst* (lookup only) */
  Inst **last_inst;         /* per collective: the instance looked up last (a cache) */
  PaleoMessageList ready;
  FlowCtx *ctx_pool;         /* free list */
  GPtrArray *ctx_all;        /* every FlowCtx allocated, free or in flight (an interrupted
                                run leaves some in flight): freed with the executor */
  Xfer *xfer_pool;
  GPtrArray *xfers;         /* every Xfer allocated */
  uint32_t *finished;       /* per iteration: workers done */
  PaleoTime *win_lo, *win_hi; /* per iteration: fwd/bwd window */
};

/* The engine's clock, set once per event by the handlers. */
static inline PaleoTime now_ns(const Exec *x)
{
  return x->now;
}

/* Every handler starts here: the clock, and the trainer did something now (its last such
 * time is where a stall began). */
static inline void set_now(Exec *x, PaleoTime now, gboolean active)
{
  x->now = now;
  if (active)
    x->base.stats.last_active_ns = now;
}

static gboolean tracing(Exec *x, PaleoTraceLevel level)
{
  return paleo_trainer_tracing(&x->base, level);
}

static const PaleoTask *task_at(const Exec *x, const Run *r, guint pos)
{
  const PaleoGraphStream *s = paleo_step_graph_stream(x->g, r->stream);
  return paleo_step_graph_task(x->g, g_array_index(s->order, guint32, pos));
}

static guint task_id_at(const Exec *x, const Run *r, guint pos)
{
  return g_array_index(paleo_step_graph_stream(x->g, r->stream)->order, guint32, pos);
}

static Device *device_of(Exec *x, uint32_t replica, uint32_t local)
{
  return &x->devices[replica * x->D + local];
}

static uint64_t instance_id(const Exec *x, uint32_t replica, uint32_t iteration, guint task)
{
  return ((uint64_t)iteration * x->R + replica) * x->T + task;
}

/* ---- tracing ---- */

/* Dependency records of task `t` of (replica, iteration): its stream predecessor (the
 * previous iteration's last task for a stream's first) and its graph dependencies. */
static void trace_deps(Exec *x, uint32_t replica, uint32_t iteration, guint t)
{
  if (!x->base.sink || !x->base.sink->ops->task_dep || !tracing(x, PALEO_TRACE_LEVEL_TASKS))
    return;
  const PaleoTask *task = paleo_step_graph_task(x->g, t);
  const PaleoGraphStream *s = paleo_step_graph_stream(x->g, task->stream);
  guint pos = x->g->stream_pos[t];
  uint64_t id = instance_id(x, replica, iteration, t);
  if (pos > 0 || iteration > 0) {
    guint prev = g_array_index(s->order, guint32, pos ? pos - 1 : s->order->len - 1);
    PaleoTaskDepRecord r = {id, instance_id(x, replica, pos ? iteration : iteration - 1, prev)};
    paleo_trainer_trace(&x->base, x->base.sink->ops->task_dep(x->base.sink, &r, &x->base.trace_error));
  }
  for (guint k = x->g->dep_start[t]; k < x->g->dep_start[t + 1] && x->base.sink; k++) {
    PaleoTaskDepRecord r = {id, instance_id(x, replica, iteration, x->g->deps[k])};
    paleo_trainer_trace(&x->base, x->base.sink->ops->task_dep(x->base.sink, &r, &x->base.trace_error));
  }
}

/* The compute tasks of a run started at `start` (each with its own times, as the
 * cumulative nominal work reaches it). */
static void trace_run(Exec *x, Device *d, const Run *r, uint32_t iteration, PaleoTime start, PaleoTime end)
{
  if (!tracing(x, PALEO_TRACE_LEVEL_TASKS))
    return;
  uint64_t cum = 0;
  for (guint pos = r->first; pos <= r->last && x->base.sink; pos++) {
    const PaleoTask *t = task_at(x, r, pos);
    guint tid = task_id_at(x, r, pos);
    PaleoTime a = start, b = end;
    if (t->pass != PALEO_PHASE_UPDATE &&
        !paleo_trainer_task_span(&x->base, d->rank, d->factor, start, end, &cum, t->cost_ns, &a, &b))
      return;
    PaleoTaskRecord rec = {d->rank, iteration, t->layer == PALEO_GRAPH_NONE ? UINT32_MAX : t->layer, t->pass, a, b,
                           instance_id(x, d->replica, iteration, tid), PALEO_STREAM_COMPUTE, t->micro_batch, t->stage};
    paleo_trainer_trace(&x->base, x->base.sink->ops->task(x->base.sink, &rec, &x->base.trace_error));
    trace_deps(x, d->replica, iteration, tid);
  }
}

static void trace_comm_task(Exec *x, uint32_t replica, uint32_t iteration, guint tid, uint32_t rank, PaleoTime start,
                            uint64_t instance)
{
  if (!x->base.sink || !x->base.sink->ops->comm_task || !tracing(x, PALEO_TRACE_LEVEL_TASKS))
    return;
  const PaleoTask *t = paleo_step_graph_task(x->g, tid);
  const PaleoGraphCollective *c = t->kind == PALEO_TASK_COLLECTIVE ? paleo_step_graph_collective(x->g, t->collective)
                                                                  : NULL;
  PaleoCommTaskRecord rec = {instance_id(x, replica, iteration, tid), rank, iteration, t->kind,
                             paleo_step_graph_stream(x->g, t->stream)->kind,
                             c ? paleo_collective_label(c->kind, c->op) : "transfer", c ? c->bucket : -1, t->micro_batch,
                             t->stage, t->pass, c ? -1 : (int32_t)(replica * x->D + t->peer), t->bytes,
                             c ? instance : UINT64_MAX, start, now_ns(x)};
  paleo_trainer_trace(&x->base, x->base.sink->ops->comm_task(x->base.sink, &rec, &x->base.trace_error));
  trace_deps(x, replica, iteration, tid);
}

/* ---- runs: readiness ---- */

static void start_run(Exec *x, uint32_t replica, guint run, uint32_t iteration);

/* One dependency of (replica, run) in `iteration` is complete. */
static void notify(Exec *x, uint32_t replica, guint run, uint32_t iteration)
{
  Slot *sl = &x->slots[(gsize)replica * x->n_runs + run];
  if (sl->iteration != iteration) {
    const Run *r = &x->runs[run];
    PALEO_CHECK(sl->iteration == G_MAXUINT32 || (sl->iteration < iteration && sl->state == SLOT_DONE));
    sl->iteration = iteration;
    sl->pending = r->n_deps + (r->stream_first && iteration > 0);
    sl->state = SLOT_WAITING;
  }
  PALEO_CHECK(sl->pending > 0 && sl->state == SLOT_WAITING);
  if (--sl->pending == 0) {
    sl->state = SLOT_RUNNING;
    start_run(x, replica, run, iteration);
  }
}

static void begin_iteration(Exec *x, Device *d);
static void end_iteration(Exec *x, Device *d);

/* (replica, run) of `iteration` completed: its stream successor, then its dependents. */
static void complete_run(Exec *x, uint32_t replica, guint run, uint32_t iteration)
{
  Slot *sl = &x->slots[(gsize)replica * x->n_runs + run];
  PALEO_CHECK(sl->iteration == iteration && sl->state == SLOT_RUNNING);
  sl->state = SLOT_DONE;
  const Run *r = &x->runs[run];
  guint k = 0;
  if (!r->stream_last && x->runs[run + 1].n_deps == 1) { /* a chain: the successor waits on this run only */
    k = 1;
    x->slots[(gsize)replica * x->n_runs + run + 1] = (Slot){iteration, 0, SLOT_RUNNING};
    start_run(x, replica, run + 1, iteration);
  }
  for (; k < r->n_succ; k++)
    notify(x, replica, x->succs[r->succ_start + k], iteration);
  if (!r->stream_last)
    return;
  if (r->kind == PALEO_TASK_COMPUTE) { /* the worker's iteration ends with its compute stream */
    Device *d = device_of(x, replica, r->local);
    end_iteration(x, d);
    if (d->iteration < x->cfg.iterations) {
      begin_iteration(x, d);
      notify(x, replica, x->compute_first[r->local], d->iteration);
    }
  } else if (iteration + 1 < x->cfg.iterations)
    notify(x, replica, x->stream_first_run[r->stream], iteration + 1);
}

/* ---- compute ---- */

static void start_compute(Exec *x, uint32_t replica, guint run, uint32_t iteration)
{
  const Run *r = &x->runs[run];
  Device *d = device_of(x, replica, r->local);
  if (d->failed)
    return;
  PALEO_CHECK(iteration == d->iteration);
  PaleoTime now = now_ns(x);
  PaleoTime end = paleo_trainer_compute_end(&x->base, d->rank, d->factor, now, r->nominal_ns);
  d->acct.compute += end - now; /* into stats.stretched_ns / nominal_ns when the iteration ends */
  d->acct.nominal += r->nominal_ns;
  paleo_account_compute_start(&d->acct, now);
  if (r->opens_mb >= 0 && ++d->in_flight > (int)x->base.stats.peak_in_flight[d->rank])
    x->base.stats.peak_in_flight[d->rank] = (uint32_t)d->in_flight;
  d->run = run;
  d->run_start = now;
  if (x->base.sink)
    trace_run(x, d, r, iteration, now, end);
  paleo_engine_schedule(x->base.engine, end, x->first_entity + d->rank, EV_RUN_DONE, run, NULL);
}

static void compute_done(Exec *x, Device *d, guint run)
{
  PALEO_CHECK(run == d->run);
  const Run *r = &x->runs[run];
  PaleoTime now = now_ns(x);
  paleo_account_compute_stop(&d->acct, now);
  if (r->closes_mb >= 0)
    d->in_flight--;
  if (r->pass != PALEO_PHASE_UPDATE) { /* runs of a worker come in time order */
    d->pass_busy += now - d->run_start;
    if (d->pass_lo == PALEO_TIME_MAX)
      d->pass_lo = d->run_start;
    d->pass_hi = now;
  }
  complete_run(x, d->replica, run, d->iteration);
}

static void begin_iteration(Exec *x, Device *d)
{
  d->iter_start = now_ns(x);
  paleo_account_new_iteration(&d->acct);
  d->pass_busy = 0;
  d->pass_lo = PALEO_TIME_MAX;
  d->pass_hi = 0;
  d->factor = paleo_trainer_draw_factor(&x->base, d->rank);
}

static void global_iteration_done(Exec *x, uint32_t i)
{
  PaleoTrainStats *st = &x->base.stats;
  st->iterations_done = st->updates = i + 1;
  st->makespan_ns = st->iteration_end_ns[i];
  if (x->win_hi[i] > x->win_lo[i])
    st->window_ns += x->win_hi[i] - x->win_lo[i];
  if (st->iterations_done == x->cfg.iterations)
    paleo_trainer_complete(&x->base, FALSE);
}

/* Compute begun in the iteration into stats.stretched_ns and nominal_ns (at its end, or
 * when the run ends midway). */
static void add_begun_compute(PaleoTrainStats *st, Device *d)
{
  st->stretched_ns[d->rank] += d->acct.compute;
  st->nominal_ns[d->rank] += d->acct.nominal;
}

static void end_iteration(Exec *x, Device *d)
{
  PaleoTime now = now_ns(x);
  PaleoAccount *a = &d->acct;
  uint64_t span = now - d->iter_start, busy = MIN(span, a->compute + a->exposed);
  uint64_t wait = span - busy;
  double slowdown = a->nominal ? (double)a->compute / (double)a->nominal : 1.0;
  paleo_trainer_trace_iteration(&x->base, d->rank, d->iteration, d->iter_start, now, wait, slowdown);
  PaleoTrainStats *st = &x->base.stats;
  uint32_t i = d->iteration;
  st->worker_iterations[d->rank]++;
  add_begun_compute(st, d);
  st->compute_ns[d->rank] += a->compute;
  st->comm_ns[d->rank] += a->comm;
  st->hidden_ns[d->rank] += a->hidden;
  st->exposed_ns[d->rank] += a->exposed;
  st->wait_ns[d->rank] += wait;
  st->pass_busy_ns[d->rank] += d->pass_busy;
  st->iteration_end_ns[i] = MAX(st->iteration_end_ns[i], now);
  x->win_lo[i] = MIN(x->win_lo[i], d->pass_lo);
  x->win_hi[i] = MAX(x->win_hi[i], d->pass_hi);
  d->iteration++;
  a->compute = a->nominal = 0; /* counted */
  if (++x->finished[i] == x->cfg.workers)
    global_iteration_done(x, i);
}

/* ---- collectives ---- */

static inline void participant(const Exec *x, const Inst *in, uint32_t p, uint32_t *replica, uint32_t *local)
{
  (void)x;
  if (in->n_local == 1) { /* the common case: one device of every replica */
    *replica = in->across ? p : in->group;
    *local = in->local[0];
    return;
  }
  *replica = in->across ? p / in->n_local : in->group;
  *local = in->local[p % in->n_local];
}

static inline uint32_t rank_of(const Exec *x, const Inst *in, uint32_t p)
{
  uint32_t replica, local;
  participant(x, in, p, &replica, &local);
  return replica * x->D + local;
}

/* The participant's run: the collective's task on its local device. */
static inline guint participant_run(const Exec *x, const Inst *in, uint32_t p)
{
  return x->coll_runs[x->coll_run_start[in->coll] + (in->n_local == 1 ? 0 : p % in->n_local)];
}

static void inst_free(Exec *x, Inst *in)
{
  if (x->last_inst[in->coll] == in)
    x->last_inst[in->coll] = NULL;
  g_hash_table_remove(x->insts, &in->key);
  paleo_cursor_free(in->cursor);
  g_free(in->entered_at);
  g_free(in);
}

/* Participant p's part of the collective is complete. */
static void participant_done(Exec *x, Inst *in, uint32_t p)
{
  uint32_t replica, local;
  participant(x, in, p, &replica, &local);
  Device *d = device_of(x, replica, local);
  if (d->failed)
    return;
  guint run = participant_run(x, in, p);
  if (in->entered_at)
    trace_comm_task(x, replica, in->iteration, task_id_at(x, &x->runs[run], x->runs[run].first), d->rank,
                    in->entered_at[p], in->key);
  complete_run(x, replica, run, in->iteration);
}

static Inst *inst_get(Exec *x, uint32_t coll, uint32_t iteration, uint32_t group)
{
  const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, coll);
  /* one key space for every collective: group is 0 for one across the replicas, else the
   * replica (a multiplier of 1 for the former once made their keys collide) */
  uint64_t key = ((uint64_t)iteration * x->g->collectives->len + coll) * x->R + group;
  Inst *in = x->last_inst[coll];
  if (in && in->key == key)
    return in;
  in = g_hash_table_lookup(x->insts, &key);
  if (in) {
    x->last_inst[coll] = in;
    return in;
  }
  in = g_new0(Inst, 1);
  x->last_inst[coll] = in;
  in->across = c->across_replicas;
  in->n_local = c->n_local;
  in->local = c->local;
  in->x = x;
  in->coll = coll;
  in->iteration = iteration;
  in->group = group;
  in->key = key;
  in->n = c->n_local * (c->across_replicas ? x->R : 1);
  if (tracing(x, PALEO_TRACE_LEVEL_TASKS))
    in->entered_at = g_new0(PaleoTime, in->n);
  g_hash_table_insert(x->insts, &in->key, in);
  if (x->closed[coll])
    return in;
  in->schedule = x->schedules[coll * x->phases + iteration % x->phases];
  in->cursor = paleo_cursor_new(in->schedule);
  /* Dedicated parameter servers are always ready; their sends go out with the caller's
   * next start_flows. */
  for (uint32_t node = in->n; node < in->schedule->n_nodes; node++)
    paleo_cursor_release(in->cursor, node, &x->ready);
  return in;
}

static void flow_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data);

static uint32_t node_of_participant(const Exec *x, const Inst *in, uint32_t p)
{
  return p < in->n ? x->node_of[rank_of(x, in, p)] : x->node_of[x->cfg.workers + (p - in->n)];
}

static void start_flows(Exec *x, Inst *in)
{
  for (guint i = 0; i < x->ready.n; i++) {
    const PaleoMessage *m = &x->ready.v[i];
    Device *src = m->src < in->n ? &x->devices[rank_of(x, in, m->src)] : NULL;
    Device *dst = m->dst < in->n ? &x->devices[rank_of(x, in, m->dst)] : NULL;
    if (src && src->failed)
      continue; /* never sent: the collective cannot finish */
    FlowCtx *ctx = x->ctx_pool;
    if (ctx)
      x->ctx_pool = ctx->next_free;
    else
      g_ptr_array_add(x->ctx_all, ctx = g_new(FlowCtx, 1));
    *ctx = (FlowCtx){in, *m, NULL};
    if (src)
      paleo_account_comm_begin(&src->acct, now_ns(x));
    if (dst)
      paleo_account_comm_begin(&dst->acct, now_ns(x));
    x->base.stats.flows++;
    paleo_network_start_flow(x->network, node_of_participant(x, in, m->src), node_of_participant(x, in, m->dst),
                             m->bytes, flow_done, ctx);
  }
  x->ready.n = 0;
}

static void inst_free_if_done(Exec *x, Inst *in)
{
  if (in->entered < in->n || !paleo_cursor_done(in->cursor))
    return;
  x->base.stats.collectives++;
  inst_free(x, in);
}

/* A message of a flow-fidelity collective has arrived (after its software cost). */
static void message_done(Exec *x, FlowCtx *ctx)
{
  Inst *in = ctx->inst;
  PaleoMessage m = ctx->msg;
  uint32_t ends[2] = {m.src, m.dst};
  ctx->next_free = x->ctx_pool;
  x->ctx_pool = ctx;
  for (guint e = 0; e < 2; e++)
    if (ends[e] < in->n)
      paleo_account_comm_end(&x->devices[rank_of(x, in, ends[e])].acct, now_ns(x));
  paleo_cursor_complete(in->cursor, &m, &x->ready);
  start_flows(x, in);
  for (guint e = 0; e < 2; e++)
    if (ends[e] < in->n && paleo_cursor_node_done(in->cursor, ends[e]))
      participant_done(x, in, ends[e]);
  inst_free_if_done(x, in);
}

/* The flow is delivered; a message to or from a parameter server then pays its software
 * cost (paleo_collective_message_ns) before it counts as arrived. */
static void flow_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data)
{
  (void)net;
  FlowCtx *ctx = user_data;
  Inst *in = ctx->inst;
  Exec *x = in->x;
  set_now(x, paleo_engine_now(x->base.engine), TRUE);
  const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, in->coll);
  paleo_trainer_trace_flow(&x->base, flow, ctx->msg.bytes, paleo_collective_label(c->kind, c->op), c->bucket,
                           in->iteration, flow->start_ns);
  uint64_t software = paleo_collective_message_ns(c->kind, x->cfg.ps_message_ns);
  if (software)
    paleo_engine_schedule(x->base.engine, flow->end_ns + software, x->coordinator, EV_MESSAGE_DONE, 0, ctx);
  else
    message_done(x, ctx);
}

static void enter_flow(Exec *x, Inst *in, uint32_t p)
{
  in->entered++;
  gboolean done = paleo_cursor_release(in->cursor, p, &x->ready);
  start_flows(x, in);
  if (done)
    participant_done(x, in, p);
  inst_free_if_done(x, in);
}

static void enter_analytical(Exec *x, Inst *in)
{
  if (++in->entered < in->n)
    return;
  if (in->n_local == 1 && in->across) { /* one device of every replica: a stride */
    Device *d = &x->devices[in->local[0]];
    for (uint32_t p = 0; p < in->n; p++, d += x->D)
      paleo_account_comm_begin(&d->acct, now_ns(x));
  } else
    for (uint32_t p = 0; p < in->n; p++)
      paleo_account_comm_begin(&x->devices[rank_of(x, in, p)].acct, now_ns(x));
  paleo_engine_schedule(x->base.engine, now_ns(x) + x->coll_ns[in->coll], x->coordinator, EV_COLLECTIVE_DONE, 0, in);
}

/* Every participant completes (each one's accounting and streams are its own, so one pass
 * gives what "all comm ends, then all continue" gives). A group of one device per replica
 * (data-parallel reduction) takes the short way: one run, a stride through the devices. */
static void collective_done_analytical(Exec *x, Inst *in)
{
  x->base.stats.collectives++;
  if (in->n_local != 1 || !in->across || in->entered_at) {
    for (uint32_t p = 0; p < in->n; p++) {
      paleo_account_comm_end(&x->devices[rank_of(x, in, p)].acct, now_ns(x));
      participant_done(x, in, p);
    }
  } else {
    guint run = participant_run(x, in, 0);
    Device *d = &x->devices[in->local[0]];
    for (uint32_t p = 0; p < in->n; p++, d += x->D) {
      paleo_account_comm_end(&d->acct, now_ns(x));
      if (!d->failed)
        complete_run(x, p, run, in->iteration);
    }
  }
  inst_free(x, in);
}

static void start_collective(Exec *x, uint32_t replica, guint run, uint32_t iteration)
{
  const Run *r = &x->runs[run];
  const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, r->coll);
  if (device_of(x, replica, r->local)->failed)
    return;
  Inst *in = inst_get(x, r->coll, iteration, c->across_replicas ? 0 : replica);
  uint32_t p = c->across_replicas ? replica * c->n_local + r->member : r->member;
  if (in->entered_at)
    in->entered_at[p] = now_ns(x);
  if (!x->closed[r->coll])
    enter_flow(x, in, p);
  else
    enter_analytical(x, in);
}

/* ---- transfers ---- */

static void transfer_complete(Exec *x, Xfer *xf)
{
  const Run *r = &x->runs[xf->run];
  const PaleoTask *t = task_at(x, r, r->first);
  Device *src = device_of(x, xf->replica, t->device), *dst = device_of(x, xf->replica, t->peer);
  paleo_account_comm_end(&src->acct, now_ns(x));
  paleo_account_comm_end(&dst->acct, now_ns(x));
  trace_comm_task(x, xf->replica, xf->iteration, task_id_at(x, r, r->first), src->rank, xf->start, UINT64_MAX);
  uint32_t replica = xf->replica, iteration = xf->iteration;
  guint run = xf->run;
  xf->next_free = x->xfer_pool;
  x->xfer_pool = xf;
  complete_run(x, replica, run, iteration);
}

static void transfer_flow_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data)
{
  (void)net;
  Xfer *xf = user_data;
  Exec *x = xf->x;
  set_now(x, paleo_engine_now(x->base.engine), TRUE);
  paleo_trainer_trace_flow(&x->base, flow, flow->bytes, "transfer", -1, xf->iteration, xf->start);
  transfer_complete(x, xf);
}

/* Analytical transfer time: the intra-host link inside a host, else the network link. */
static uint64_t transfer_ns(const Exec *x, uint32_t src, uint32_t dst, uint64_t bytes)
{
  uint32_t G = MAX(x->cfg.gpus_per_host, 1), lanes = MAX(x->cfg.lanes, 1);
  src *= lanes;
  dst *= lanes;
  const PaleoCollectiveLinks *l = &x->cfg.links;
  gboolean local = src / G == dst / G && l->intra_link;
  const PaleoLink *link = local ? l->intra_link : l->link;
  uint64_t alpha = l->latency ? paleo_timing_ms_to_ns(link->latency_us / 1e3) : 0;
  return paleo_collective_transfer_ns(l, link, bytes) + alpha;
}

static void start_transfer(Exec *x, uint32_t replica, guint run, uint32_t iteration)
{
  const Run *r = &x->runs[run];
  const PaleoTask *t = task_at(x, r, r->first);
  Device *src = device_of(x, replica, t->device), *dst = device_of(x, replica, t->peer);
  if (src->failed)
    return;
  Xfer *xf = x->xfer_pool;
  if (xf)
    x->xfer_pool = xf->next_free;
  else {
    xf = g_new(Xfer, 1);
    g_ptr_array_add(x->xfers, xf);
  }
  *xf = (Xfer){x, replica, run, iteration, now_ns(x), NULL};
  paleo_account_comm_begin(&src->acct, now_ns(x));
  paleo_account_comm_begin(&dst->acct, now_ns(x));
  if (x->cfg.fidelity == PALEO_FIDELITY_FLOW) {
    x->base.stats.flows++;
    paleo_network_start_flow(x->network, x->node_of[src->rank], x->node_of[dst->rank], t->bytes, transfer_flow_done, xf);
  } else
    paleo_engine_schedule(x->base.engine, now_ns(x) + transfer_ns(x, src->rank, dst->rank, t->bytes), x->coordinator,
                          EV_TRANSFER_DONE, 0, xf);
}

static void start_run(Exec *x, uint32_t replica, guint run, uint32_t iteration)
{
  switch (x->runs[run].kind) {
  case PALEO_TASK_COMPUTE: start_compute(x, replica, run, iteration); break;
  case PALEO_TASK_COLLECTIVE: start_collective(x, replica, run, iteration); break;
  case PALEO_TASK_TRANSFER: start_transfer(x, replica, run, iteration); break;
  default: g_assert_not_reached();
  }
}

/* ---- event handlers ---- */

static void worker_init(PaleoEngine *engine, uint32_t entity, void *state)
{
  Device *d = state;
  paleo_engine_schedule(engine, 0, entity, EV_START, 0, NULL);
  paleo_trainer_schedule_failure(&d->x->base, d->rank, entity, EV_FAIL);
}

/* Iteration 0: the worker's streams whose first runs wait on nothing start. */
static void start_worker(Exec *x, Device *d)
{
  begin_iteration(x, d);
  for (guint s = 0; s < x->g->streams->len; s++) {
    guint run = x->stream_first_run[s];
    if (run == G_MAXUINT || x->runs[run].local != d->local || x->runs[run].n_deps)
      continue;
    Slot *sl = &x->slots[(gsize)d->replica * x->n_runs + run];
    *sl = (Slot){0, 0, SLOT_RUNNING};
    start_run(x, d->replica, run, 0);
  }
}

static void fail_worker(Exec *x, Device *d)
{
  if (x->base.stats.complete || d->iteration == x->cfg.iterations)
    return; /* it had finished its work */
  d->failed = TRUE;
  paleo_trainer_fail(&x->base, d->rank);
}

static void worker_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  Device *d = state;
  Exec *x = d->x;
  if (d->failed)
    return;
  set_now(x, ev->time, ev->kind != EV_FAIL);
  switch (ev->kind) {
  case EV_FAIL: fail_worker(x, d); break;
  case EV_START: start_worker(x, d); break;
  case EV_RUN_DONE: compute_done(x, d, (guint)ev->arg); break;
  default: g_assert_not_reached();
  }
}

static void coordinator_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  Exec *x = state;
  set_now(x, ev->time, TRUE);
  if (ev->kind == EV_COLLECTIVE_DONE)
    collective_done_analytical(x, ev->data);
  else if (ev->kind == EV_MESSAGE_DONE)
    message_done(x, ev->data);
  else
    transfer_complete(x, ev->data);
}

/* The run is over: compute begun in an unfinished iteration counts too. */
static void worker_finish(PaleoEngine *engine, uint32_t entity, void *state)
{
  (void)engine;
  (void)entity;
  Device *d = state;
  add_begun_compute(&d->x->base.stats, d);
  d->acct.compute = d->acct.nominal = 0;
}

static const PaleoEntityClass worker_class = {"graph-worker", worker_init, worker_handle, worker_finish};
static const PaleoEntityClass coordinator_class = {"graph-collectives", NULL, coordinator_handle, NULL};

/* ---- construction: runs ---- */

static gboolean has_deps(const PaleoStepGraph *g, guint t)
{
  return g->dep_start[t + 1] > g->dep_start[t];
}

static gboolean has_succs(const PaleoStepGraph *g, guint t)
{
  return g->succ_start[t + 1] > g->succ_start[t];
}

/* Task `b` continues the run that ends with task `a` (same stream, consecutive). */
static gboolean fuses(const PaleoStepGraph *g, guint a, guint b)
{
  const PaleoTask *ta = paleo_step_graph_task(g, a), *tb = paleo_step_graph_task(g, b);
  return ta->kind == PALEO_TASK_COMPUTE && tb->kind == PALEO_TASK_COMPUTE && ta->pass == tb->pass &&
         ta->micro_batch == tb->micro_batch && tb->pass != PALEO_PHASE_UPDATE && !has_succs(g, a) && !has_deps(g, b);
}

/* The micro-batches whose first forward / last backward task on the device is in the run. */
static void mark_micro_batches(Exec *x, guint run, guint8 *seen_fwd, guint8 *seen_bwd)
{
  Run *r = &x->runs[run];
  const PaleoTask *t = task_at(x, r, r->first);
  if (r->kind != PALEO_TASK_COMPUTE || t->pass == PALEO_PHASE_UPDATE)
    return;
  guint k = r->local * x->g->micro_batches + t->micro_batch;
  if (t->pass == PALEO_PHASE_FWD && !seen_fwd[k]) {
    seen_fwd[k] = 1;
    r->opens_mb = (int)t->micro_batch;
  }
  if (t->pass == PALEO_PHASE_BWD)
    seen_bwd[k] = 1; /* the last backward run of the micro-batch closes it (set below) */
}

static void build_runs(Exec *x)
{
  const PaleoStepGraph *g = x->g;
  GArray *runs = g_array_new(FALSE, TRUE, sizeof(Run));
  x->run_of_task = g_new(guint, MAX(x->T, 1));
  x->stream_first_run = g_new(guint, g->streams->len);
  for (guint s = 0; s < g->streams->len; s++) {
    const PaleoGraphStream *st = paleo_step_graph_stream(g, s);
    x->stream_first_run[s] = st->order->len ? runs->len : G_MAXUINT;
    for (guint p = 0; p < st->order->len; p++) {
      guint t = g_array_index(st->order, guint32, p);
      const PaleoTask *task = paleo_step_graph_task(g, t);
      if (p == 0 || !fuses(g, g_array_index(st->order, guint32, p - 1), t)) {
        Run r = {.kind = task->kind, .pass = task->pass, .local = st->device, .stream = s, .first = p,
                 .stream_first = p == 0, .opens_mb = -1, .closes_mb = -1};
        g_array_append_val(runs, r);
      }
      Run *r = &g_array_index(runs, Run, runs->len - 1);
      r->last = p;
      r->stream_last = p + 1 == st->order->len;
      if (task->kind == PALEO_TASK_COMPUTE)
        r->nominal_ns += task->cost_ns;
      x->run_of_task[t] = runs->len - 1;
    }
  }
  x->n_runs = runs->len;
  x->runs = (Run *)g_array_free(runs, FALSE);
}

/* Dependency counts and successor lists between runs (deduplicated; the stream successor
 * first, then dependents in edge order). */
static void link_runs(Exec *x)
{
  const PaleoStepGraph *g = x->g;
  GArray *succs = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint run = 0; run < x->n_runs; run++) {
    Run *r = &x->runs[run];
    r->succ_start = succs->len;
    if (!r->stream_last) {
      guint next = run + 1;
      g_array_append_val(succs, next);
    }
    guint last = task_id_at(x, r, r->last);
    for (guint k = g->succ_start[last]; k < g->succ_start[last + 1]; k++) {
      guint q = x->run_of_task[g->succs[k]];
      gboolean dup = FALSE;
      for (guint j = r->succ_start; j < succs->len && !dup; j++)
        dup = g_array_index(succs, guint, j) == q;
      if (!dup) {
        g_array_append_val(succs, q);
        x->runs[q].n_deps++;
      }
    }
    r->n_succ = succs->len - r->succ_start;
    if (!r->stream_last)
      x->runs[run + 1].n_deps++;
  }
  for (guint run = 0; run < x->n_runs; run++)
    g_assert(x->runs[run].n_deps < G_MAXUINT16); /* Slot.pending */
  x->succs = (guint *)g_array_free(succs, FALSE);
}

static void map_collective_runs(Exec *x)
{
  const PaleoStepGraph *g = x->g;
  guint n = g->collectives->len, total = 0;
  x->coll_run_start = g_new(guint, n + 1);
  for (guint k = 0; k < n; k++) {
    x->coll_run_start[k] = total;
    total += paleo_step_graph_collective(g, k)->n_local;
  }
  x->coll_run_start[n] = total;
  x->coll_runs = g_new(guint, MAX(total, 1));
  for (guint run = 0; run < x->n_runs; run++) {
    const Run *r = &x->runs[run];
    if (r->kind != PALEO_TASK_COLLECTIVE)
      continue;
    const PaleoTask *t = task_at(x, r, r->first);
    const PaleoGraphCollective *c = paleo_step_graph_collective(g, t->collective);
    for (guint i = 0; i < c->n_local; i++)
      if (c->local[i] == r->local) {
        x->coll_runs[x->coll_run_start[t->collective] + i] = run;
        x->runs[run].coll = t->collective;
        x->runs[run].member = i;
      }
  }
}

static void mark_runs(Exec *x)
{
  guint n = x->D * x->g->micro_batches;
  g_autofree guint8 *seen_fwd = g_new0(guint8, n), *seen_bwd = g_new0(guint8, n);
  g_autofree int *last_bwd_run = g_new(int, n);
  for (guint k = 0; k < n; k++)
    last_bwd_run[k] = -1;
  x->compute_first = g_new0(guint, x->D);
  for (guint run = 0; run < x->n_runs; run++) {
    Run *r = &x->runs[run];
    mark_micro_batches(x, run, seen_fwd, seen_bwd);
    const PaleoTask *t = task_at(x, r, r->first);
    if (r->kind == PALEO_TASK_COMPUTE && t->pass == PALEO_PHASE_BWD)
      last_bwd_run[r->local * x->g->micro_batches + t->micro_batch] = (int)run;
    if (r->stream_first && paleo_step_graph_stream(x->g, r->stream)->kind == PALEO_STREAM_COMPUTE)
      x->compute_first[r->local] = run;
  }
  for (guint k = 0; k < n; k++)
    if (last_bwd_run[k] >= 0)
      x->runs[last_bwd_run[k]].closes_mb = (int)(k % x->g->micro_batches);
}

/* ---- construction: collectives ---- */

/* The real ranks of a collective's participants, in participant order: the same local
 * devices of every replica (copies included) or this replica's, each standing for its lanes
 * (the mirrored ones all of them, the others their first). */
static GArray *real_ranks(const Exec *x, uint32_t coll)
{
  const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, coll);
  uint32_t lanes = MAX(x->cfg.lanes, 1), copies = MAX(x->cfg.replica_copies, 1);
  uint32_t replicas = c->across_replicas ? x->R * copies : 1, mirrored = MAX(c->mirrored, 1);
  GArray *ranks = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t r = 0; r < replicas; r++)
    for (guint i = 0; i < c->n_local; i++)
      for (uint32_t k = 0; k < mirrored; k++) {
        uint32_t rank = (r * x->D + c->local[i]) * lanes + k;
        g_array_append_val(ranks, rank);
      }
  return ranks;
}

/* Participants per host of a group (hierarchical collectives): how many leading
 * participants share participant 0's host, when every host holds as many in a row. */
static uint32_t group_gpus_per_host(const Exec *x, const GArray *ranks)
{
  uint32_t G = MAX(x->cfg.gpus_per_host, 1), n = ranks->len, k = 1;
  const uint32_t *rk = (const uint32_t *)(const void *)ranks->data;
  while (k < n && rk[k] / G == rk[0] / G)
    k++;
  if (n % k)
    return 1;
  for (uint32_t p = 0; p < n; p++)
    if (rk[p] / G != rk[p - p % k] / G)
      return 1;
  return k;
}

static PaleoCollectiveSpec coll_spec(const Exec *x, uint32_t coll, uint32_t phase)
{
  const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, coll);
  g_autoptr(GArray) ranks = real_ranks(x, coll);
  return (PaleoCollectiveSpec){.kind = c->kind, .op = c->op, .workers = ranks->len, .bytes = c->bytes,
                               .ps_servers = x->cfg.ps_servers, .ps_dedicated = x->cfg.ps_dedicated,
                               .gpus_per_host = group_gpus_per_host(x, ranks), .iteration = phase};
}

/* A group of this replica's devices that all share one host (tensor parallelism inside a
 * node): its traffic stays on the host's links. */
static gboolean inside_one_host(const Exec *x, uint32_t coll)
{
  const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, coll);
  if (c->across_replicas)
    return FALSE;
  g_autoptr(GArray) ranks = real_ranks(x, coll);
  uint32_t G = MAX(x->cfg.gpus_per_host, 1);
  const uint32_t *rk = (const uint32_t *)(const void *)ranks->data;
  for (guint i = 1; i < ranks->len; i++)
    if (rk[i] / G != rk[0] / G) /* this replica's ranks share hosts as every replica's do when D x lanes and G divide */
      return FALSE;
  uint32_t per_replica = x->D * MAX(x->cfg.lanes, 1);
  return ranks->len > 1 && (per_replica % G == 0 || G % per_replica == 0);
}

/* The closed form of a collective: over the intra-host link for a group inside one host. */
static uint64_t closed_form_ns(const Exec *x, uint32_t coll, const PaleoTrainConfig *c)
{
  PaleoCollectiveSpec spec = coll_spec(x, coll, 0);
  PaleoCollectiveLinks host = c->links;
  if (inside_one_host(x, coll) && c->links.intra_link)
    host.link = c->links.intra_link;
  return paleo_collective_time_ns(&spec, &host) + paleo_collective_overhead_ns(&spec, c->ps_message_ns);
}

/* The schedule cache's key: specs with equal keys build equal schedules. */
static char *spec_key(const PaleoCollectiveSpec *spec)
{
  return g_strdup_printf("%d/%d/%u/%" G_GUINT64_FORMAT "/%u/%u/%d/%u", spec->kind, spec->op, spec->workers,
                         spec->bytes, spec->gpus_per_host, spec->ps_servers, spec->ps_dedicated, spec->iteration);
}

/* One schedule per distinct spec (a step has many collectives of one shape). */
static PaleoSchedule *cached_schedule(Exec *x, const PaleoCollectiveSpec *spec)
{
  g_autofree char *key = spec_key(spec);
  PaleoSchedule *s = g_hash_table_lookup(x->schedule_cache, key);
  if (!s) {
    s = paleo_schedule_new(spec);
    g_hash_table_insert(x->schedule_cache, g_steal_pointer(&key), s);
  }
  return s;
}

static guint flow_phases(uint32_t replicas, PaleoCollectiveKind kind)
{
  guint h = paleo_collective_log2_ceil(replicas + 1) - 1; /* floor(log2 replicas) */
  return kind == PALEO_COLLECTIVE_BUTTERFLY_MIXING ? MAX(h, 1) : 1;
}

/* ---- memory of flow fidelity's collectives, before anything is built ---- */

#define ROUTE_HOPS_BOUND 8 /* GPU -> NIC -> leaf -> spine -> core -> spine -> leaf -> NIC -> GPU */

/* One instance of `s` at its widest: a cursor, and one step's messages in flight (each a
 * FlowCtx and a network flow). */
static double instance_bytes(const PaleoSchedule *s)
{
  double per_message = sizeof(FlowCtx) + paleo_network_flow_bytes(ROUTE_HOPS_BOUND);
  return (double)paleo_cursor_start_bytes(s) + (double)paleo_schedule_widest_step(s) * per_message;
}

double paleo_executor_flow_memory(const PaleoStepGraph *graph, const PaleoTrainConfig *config, uint64_t *in_flight)
{
  Exec x = {.cfg = *config, .g = (PaleoStepGraph *)graph, .D = graph->devices, .R = config->workers / graph->devices};
  x.cfg.lanes = x.cfg.replica_copies = 1;
  guint phases = flow_phases(x.R, config->collective);
  g_autoptr(GHashTable) built = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  /* per local device: the largest instance of its collectives across replicas [2d] and of
   * those inside a replica [2d + 1] (one instance per replica) */
  g_autofree double *largest = g_new0(double, 2 * (gsize)x.D);
  g_autofree uint64_t *widest = g_new0(uint64_t, 2 * (gsize)x.D);
  double schedules = 0;
  for (guint k = 0; k < graph->collectives->len; k++) {
    if (inside_one_host(&x, k))
      continue;
    const PaleoGraphCollective *c = paleo_step_graph_collective(x.g, k);
    gsize slot = 2 * (gsize)c->local[0] + !c->across_replicas;
    for (guint p = 0; p < phases; p++) {
      PaleoCollectiveSpec spec = coll_spec(&x, k, p);
      g_autoptr(PaleoSchedule) s = paleo_schedule_new(&spec); /* O(steps): no message is stored */
      largest[slot] = MAX(largest[slot], instance_bytes(s));
      widest[slot] = MAX(widest[slot], paleo_schedule_widest_step(s));
      if (g_hash_table_add(built, spec_key(&spec))) /* else the cache's schedule */
        schedules += (double)paleo_schedule_bytes(s);
    }
  }
  /* A device's collectives of one stream run one after another, and none ends before
   * every participant entered it: at most two instances of a stream live at once. */
  double instances = 0;
  *in_flight = 0;
  for (uint32_t d = 0; d < x.D; d++) {
    instances += 2 * (largest[2 * d] + (double)x.R * largest[2 * d + 1]);
    *in_flight += 2 * (widest[2 * d] + (uint64_t)x.R * widest[2 * d + 1]);
  }
  return schedules + instances;
}

static void setup_collectives(Exec *x, const PaleoTrainConfig *c)
{
  guint n = x->g->collectives->len;
  gboolean flow = c->fidelity == PALEO_FIDELITY_FLOW;
  x->insts = g_hash_table_new(g_int64_hash, g_int64_equal);
  x->last_inst = g_new0(Inst *, MAX(n, 1));
  x->closed = g_new(guint8, MAX(n, 1));
  x->coll_ns = g_new0(uint64_t, MAX(n, 1));
  for (guint k = 0; k < n; k++) {
    x->closed[k] = !flow || inside_one_host(x, k);
    if (x->closed[k])
      x->coll_ns[k] = closed_form_ns(x, k, c);
  }
  if (!flow)
    return;
  x->phases = flow_phases(x->R, c->collective);
  x->schedules = g_new0(PaleoSchedule *, MAX((gsize)n * x->phases, 1));
  x->schedule_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)paleo_schedule_free);
  for (guint k = 0; k < n; k++)
    for (guint p = 0; p < x->phases && !x->closed[k]; p++) {
      PaleoCollectiveSpec spec = coll_spec(x, k, p);
      x->schedules[k * x->phases + p] = cached_schedule(x, &spec);
    }
  guint servers = c->collective == PALEO_COLLECTIVE_PS && c->ps_dedicated ? c->ps_servers : 0;
  x->node_of = g_new(uint32_t, c->workers + servers);
  memcpy(x->node_of, c->worker_nodes, c->workers * sizeof(uint32_t));
  if (servers)
    memcpy(x->node_of + c->workers, c->server_nodes, servers * sizeof(uint32_t));

}

static void exec_free(PaleoTrainer *t)
{
  Exec *x = (Exec *)t;
  if (x->insts) {
    GList *all = g_hash_table_get_values(x->insts);
    for (GList *l = all; l; l = l->next) {
      Inst *in = l->data;
      paleo_cursor_free(in->cursor);
      g_free(in->entered_at);
      g_free(in);
    }
    g_list_free(all);
    g_hash_table_destroy(x->insts);
  }
  g_free(x->last_inst);
  g_free(x->schedules);
  if (x->schedule_cache)
    g_hash_table_destroy(x->schedule_cache);
  g_free(x->closed);
  if (x->ctx_all)
    g_ptr_array_free(x->ctx_all, TRUE);
  g_ptr_array_free(x->xfers, TRUE);
  paleo_message_list_clear(&x->ready);
  g_free(x->coll_ns);
  g_free(x->node_of);
  g_free(x->runs);
  g_free(x->succs);
  g_free(x->run_of_task);
  g_free(x->stream_first_run);
  g_free(x->compute_first);
  g_free(x->coll_run_start);
  g_free(x->coll_runs);
  g_free(x->slots);
  g_free(x->devices);
  g_free(x->finished);
  g_free(x->win_lo);
  g_free(x->win_hi);
  g_free(x->base.stats.stage_of);
  g_free(x->base.stats.pass_busy_ns);
  g_free(x->base.stats.peak_in_flight);
  paleo_step_graph_free(x->g);
}

static void setup_stats(Exec *x)
{
  PaleoTrainStats *st = &x->base.stats;
  st->gradients_per_update = x->R * MAX(x->cfg.replica_copies, 1);
  st->stages = x->g->stages;
  st->devices_per_replica = x->D;
  st->stage_of = g_new(uint32_t, x->cfg.workers);
  st->pass_busy_ns = g_new0(uint64_t, x->cfg.workers);
  st->peak_in_flight = g_new0(uint32_t, x->cfg.workers);
  for (uint32_t w = 0; w < x->cfg.workers; w++)
    st->stage_of[w] = x->g->stage_of[w % x->D];
  for (guint k = 0; k < x->g->collectives->len; k++) { /* worker 0's gradient reductions */
    const PaleoGraphCollective *c = paleo_step_graph_collective(x->g, k);
    if (c->across_replicas && c->bucket >= 0 && c->local[0] == 0 && c->op != PALEO_OP_ALL_GATHER)
      st->n_buckets++;
  }
}

PaleoTrainer *paleo_executor_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                 const PaleoTrainConfig *config, PaleoStepGraph *graph)
{
  g_assert(graph->final && config->workers % graph->devices == 0 && config->iterations >= 1);
  g_assert(config->fidelity == PALEO_FIDELITY_ANALYTICAL || (network && config->worker_nodes));
  Exec *x = g_new0(Exec, 1);
  paleo_trainer_init(&x->base, "sync", engine, costs, config);
  x->base.free = exec_free;
  x->network = network;
  x->cfg = *config;
  x->cfg.worker_nodes = x->cfg.server_nodes = NULL; /* the pointers are not kept */
  x->cfg.stage_first = NULL;
  x->cfg.net = NULL;
  x->cfg.sink = NULL;
  x->g = graph;
  x->D = graph->devices;
  x->R = config->workers / graph->devices;
  x->T = paleo_step_graph_n_tasks(graph);
  x->finished = g_new0(uint32_t, config->iterations);
  x->win_lo = g_new(PaleoTime, config->iterations);
  x->win_hi = g_new0(PaleoTime, config->iterations);
  for (uint32_t i = 0; i < config->iterations; i++)
    x->win_lo[i] = PALEO_TIME_MAX;
  x->xfers = g_ptr_array_new_with_free_func(g_free);
  build_runs(x);
  x->ctx_all = g_ptr_array_new_with_free_func(g_free);
  link_runs(x);
  mark_runs(x);
  map_collective_runs(x);
  x->slots = g_new(Slot, (gsize)x->R * MAX(x->n_runs, 1));
  for (gsize i = 0; i < (gsize)x->R * x->n_runs; i++)
    x->slots[i] = (Slot){G_MAXUINT32, 0, SLOT_DONE};
  x->devices = g_new0(Device, config->workers);
  setup_collectives(x, config);
  setup_stats(x);
  x->coordinator = paleo_engine_add_entity(engine, &coordinator_class, x);
  for (uint32_t w = 0; w < config->workers; w++) {
    Device *d = &x->devices[w];
    *d = (Device){.x = x, .rank = w, .replica = w / x->D, .local = w % x->D};
    uint32_t id = paleo_engine_add_entity(engine, &worker_class, d);
    if (w == 0)
      x->first_entity = id;
    g_assert(id == x->first_entity + w);
  }
  return &x->base;
}

/* ---- the sync strategy: plan, then execute ---- */

PaleoTrainer *paleo_train_sync_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                   const PaleoTrainConfig *config)
{
  PaleoPlan plan = {.stages = MAX(config->stages, 1), .micro_batches = MAX(config->micro_batches, 1),
                    .schedule = config->schedule, .stage_first = config->stage_first,
                    .split_blocks = config->split_blocks, .splits = MAX(config->splits, 1),
                    .tensor = MAX(config->tensor, 1), .sequence_parallel = config->sequence_parallel,
                    .tensor_lanes = config->lanes > 1,
                    .virtual_stages = MAX(config->virtual_stages, 1), .zero = config->zero,
                    .recompute = config->recompute, .collective = config->collective, .overlap = config->overlap,
                    .bucket_bytes = config->bucket_bytes};
  plan.replicas = config->workers / (plan.stages * paleo_plan_devices_per_stage(&plan)) * MAX(config->replica_copies, 1);
  g_autoptr(GError) error = NULL;
  PaleoStepGraph *g = paleo_plan_step(config->net, costs, &plan, &error);
  if (!g)
    g_error("planning the step failed on validated input: %s", error->message);
  return paleo_executor_new(engine, network, costs, config, g);
}

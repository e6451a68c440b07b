/* Parameter-server training strategies on the engine: async-ps, ssp and backup.
 *
 * Every worker runs the same loop: compute forward and backward (one compute run,
 * stretched by its straggler factor and pauses), push the gradient to the k servers
 * (shard j: bytes [j S / k, (j+1) S / k)), then wait for the k fresh weight shards; the
 * iteration ends when the last shard is back. Workers do not update weights themselves.
 *
 * Servers apply updates one at a time in arrival order (a FIFO: start = max(arrival, end
 * of the previous update)), each taking the cost model's update time x shard / S, and
 * then send the fresh shard to the worker(s).
 *
 * async-ps: no barrier. A server applying worker w's push records its staleness: the
 * updates it applied since the version w's weights carry (w's pull after its previous
 * push). The update of a worker counts once every shard applied it, with the largest
 * shard staleness. The run ends at workers x iterations updates (the engine is stopped
 * there), so updates/s is a steady-state rate whatever the stragglers do.
 * ssp (bound s): as async-ps, but a worker whose finished-iteration count c exceeds that
 * of the slowest live worker by more than s waits before starting iteration c.
 * backup (b): global iterations. The update of iteration e takes the first workers - b
 * complete gradients (all shards arrived); then the servers apply it and send the weights
 * to every live worker. Later gradients of e are dropped and workers still computing e
 * are cancelled (their gradient counts as dropped too).
 *
 * A worker's completed iterations (stats.worker_iterations) are the gradients it
 * contributed to the model: applied (async-ps, ssp) or taken into an update (backup).
 *
 * Messages: in flow fidelity each is a network flow (worker node <-> server node). In
 * analytical fidelity each direction of a server's NIC is a FIFO: a message holds it for
 * shard / B_ps, and arrives at max(now + S / B_link, end of its turn in the FIFO) + alpha
 * (a worker's k shard messages share its NIC, hence S / B_link). So a burst of N pushes
 * to one server takes N shard / B_ps, as in sync's closed form, and a server saturates.
 * A message between a worker and a server on the same node is instant.
 *
 * Failures: a failed worker stops computing and receives nothing more; messages already
 * sent complete. async-ps and ssp go on without it (ssp's slowest excludes it); backup
 * stalls once fewer than workers - b live workers remain.
 *
 * Accounting per worker and iteration, the executor's (train_int.h PaleoAccount): compute,
 * comm (time with one of its messages in flight; exposed, as no worker computes while its
 * messages fly), wait = iteration time - compute - comm (server queues, the ssp bound,
 * backup's wait for the other gradients); added to the statistics when the iteration
 * ends, so they cover finished iterations only. Failures, flow and task records go through
 * the same trainer helpers as the task-graph executor's. */
#include "workloads/train.h"

#include <string.h>

#include "workloads/train_int.h"

typedef enum { MODE_ASYNC, MODE_SSP, MODE_BACKUP } Mode;

enum { EV_START, EV_COMPUTE_DONE, EV_FAIL, EV_ARRIVE, EV_APPLY_DONE };

typedef struct Ps Ps;

typedef struct {
  Ps *ps;
  uint32_t rank;
  uint32_t iteration;        /* in progress; async/ssp: = iterations finished */
  double factor;
  gboolean failed, computing, waiting;
  PaleoTime iter_start, compute_start, compute_end;
  PaleoEventHandle compute_ev;
  PaleoAccount acct;         /* this iteration's compute and communication (train_int.h) */
  guint pulls_left;          /* shards of this iteration still to come back */
  guint applied;             /* async/ssp: shards that applied this iteration's push */
  uint32_t staleness;        /* async/ssp: this update's, max over shards */
  uint32_t *version;         /* per shard: the version of the weights it holds */
  guint arrived;             /* backup: shards of this iteration's gradient at the servers */
} Worker;

typedef struct {
  Ps *ps;
  uint32_t index;
  uint64_t bytes, apply_ns;
  uint32_t version;          /* updates applied */
  PaleoTime free_at;         /* end of the last update queued */
  uint64_t nic_ns;           /* analytical: shard / B_ps */
  PaleoTime nic_free_at[2];  /* analytical: end of the FIFO turns, [0] in (push), [1] out */
} Server;

typedef struct Msg {
  Ps *ps;
  gboolean push;
  uint32_t worker, server, iteration, version;
  PaleoTime start;
  struct Msg *next_free;
} Msg;

struct Ps {
  PaleoTrainer base;
  Mode mode;
  PaleoNetwork *network;
  PaleoTrainConfig cfg;
  uint32_t k;
  Worker *workers;
  Server *servers;
  uint32_t first_worker, first_server; /* entity ids */
  uint32_t *worker_node, *server_node; /* flow */
  uint64_t fwd_ns, bwd_ns;   /* nominal compute sums */
  uint64_t worker_nic_ns, alpha_ns; /* analytical: S / B_link, alpha */
  Msg *pool;                 /* free messages */
  GPtrArray *msgs;           /* every message allocated (some may be in flight at the end) */
  uint64_t target;           /* async/ssp: updates to apply */
  uint32_t live;             /* workers not failed */
  /* ssp */
  GArray *at_clock;          /* uint32_t: live workers per finished-iteration count */
  uint32_t min_clock;
  /* backup */
  uint32_t epoch;            /* the iteration gradients are gathered for */
  uint32_t gathered;         /* complete gradients of epoch */
  uint32_t need;             /* workers - b */
  uint32_t *contributed;     /* per worker: 1 + the last epoch it contributed to (0 = none) */
  uint32_t *pending;         /* per iteration: live workers still to receive its weights */
};

/* ---- helpers ---- */

static PaleoTime now_ns(Ps *ps)
{
  return paleo_engine_now(ps->base.engine);
}

static gboolean async_mode(const Ps *ps)
{
  return ps->mode != MODE_BACKUP;
}

static void comm_begin(Ps *ps, Worker *w)
{
  paleo_account_comm_begin(&w->acct, now_ns(ps));
}

static void comm_end(Ps *ps, Worker *w)
{
  paleo_account_comm_end(&w->acct, now_ns(ps));
}

static Msg *msg_new(Ps *ps, gboolean push, uint32_t worker, uint32_t server, uint32_t iteration, uint32_t version)
{
  Msg *m = ps->pool;
  if (m)
    ps->pool = m->next_free;
  else {
    m = g_new(Msg, 1);
    g_ptr_array_add(ps->msgs, m);
  }
  *m = (Msg){ps, push, worker, server, iteration, version, now_ns(ps), NULL};
  return m;
}

static void msg_free(Ps *ps, Msg *m)
{
  m->next_free = ps->pool;
  ps->pool = m;
}

/* ---- messages ---- */

static void arrive(Ps *ps, Msg *m);

static void flow_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data)
{
  (void)net;
  Msg *m = user_data;
  Ps *ps = m->ps;
  paleo_trainer_active(&ps->base);
  if (paleo_trainer_tracing(&ps->base, PALEO_TRACE_LEVEL_FLOWS)) {
    PaleoFlowRecord r = {flow->id, flow->src, flow->dst, flow->bytes, m->push ? "ps-push" : "ps-pull", -1,
                         m->iteration, m->start, flow->end_ns};
    paleo_trainer_trace(&ps->base, ps->base.sink->ops->flow(ps->base.sink, &r, &ps->base.trace_error));
  }
  uint64_t software = paleo_collective_message_ns(PALEO_COLLECTIVE_PS, ps->cfg.ps_message_ns);
  if (!software) {
    arrive(ps, m);
    return;
  }
  uint32_t to = m->push ? ps->first_server + m->server : ps->first_worker + m->worker;
  paleo_engine_schedule(ps->base.engine, flow->end_ns + software, to, EV_ARRIVE, 0, m);
}

static void send(Ps *ps, Msg *m)
{
  Worker *w = &ps->workers[m->worker];
  Server *srv = &ps->servers[m->server];
  comm_begin(ps, w);
  gboolean flow = ps->cfg.fidelity == PALEO_FIDELITY_FLOW;
  uint32_t wn = flow ? ps->worker_node[m->worker] : 0, sn = flow ? ps->server_node[m->server] : 1;
  uint32_t to = m->push ? ps->first_server + m->server : ps->first_worker + m->worker;
  if (!srv->bytes || (!ps->cfg.ps_dedicated && m->server == m->worker) || (flow && wn == sn)) {
    paleo_engine_schedule(ps->base.engine, now_ns(ps), to, EV_ARRIVE, 0, m); /* same node */
    return;
  }
  if (flow) {
    ps->base.stats.flows++;
    paleo_network_start_flow(ps->network, m->push ? wn : sn, m->push ? sn : wn, srv->bytes, flow_done, m);
    return;
  }
  PaleoTime now = now_ns(ps), *fifo = &srv->nic_free_at[m->push ? 0 : 1];
  *fifo = MAX(now, *fifo) + srv->nic_ns;
  PaleoTime at = MAX(now + ps->worker_nic_ns, *fifo) + ps->alpha_ns;
  paleo_engine_schedule(ps->base.engine, at, to, EV_ARRIVE, 0, m);
}

/* ---- compute ---- */

static void start_compute(Ps *ps, Worker *w)
{
  w->factor = paleo_trainer_draw_factor(&ps->base, w->rank);
  w->computing = TRUE;
  w->compute_start = now_ns(ps);
  paleo_account_compute_start(&w->acct, w->compute_start);
  w->compute_end = paleo_trainer_compute_end(&ps->base, w->rank, w->factor, w->compute_start, ps->fwd_ns + ps->bwd_ns);
  ps->base.stats.stretched_ns[w->rank] += w->compute_end - w->compute_start; /* less what a cancel cuts */
  ps->base.stats.nominal_ns[w->rank] += ps->fwd_ns + ps->bwd_ns;
  w->compute_ev = paleo_engine_schedule(ps->base.engine, w->compute_end, ps->first_worker + w->rank, EV_COMPUTE_DONE,
                                        0, NULL);
}

/* Accounts the compute run up to `until` (its end, or now when cancelled). */
static void stop_compute(Ps *ps, Worker *w, PaleoTime until)
{
  uint64_t ran = until - w->compute_start, planned = w->compute_end - w->compute_start;
  uint64_t full = ps->fwd_ns + ps->bwd_ns, nominal = full;
  if (planned && ran < planned)
    nominal = (uint64_t)((double)full * (double)ran / (double)planned);
  w->computing = FALSE;
  paleo_account_compute_stop(&w->acct, until);
  w->acct.compute += ran;
  w->acct.nominal += nominal;
  ps->base.stats.stretched_ns[w->rank] -= planned - ran;
  ps->base.stats.nominal_ns[w->rank] -= full - nominal;
  guint last = ps->base.costs->n_layers - 1;
  PaleoTime bwd_start = paleo_trainer_compute_end(&ps->base, w->rank, w->factor, w->compute_start, ps->fwd_ns);
  paleo_trainer_trace_layers(&ps->base, w->rank, w->iteration, w->factor, PALEO_PHASE_FWD, 0, last, w->compute_start,
                             until);
  if (bwd_start < until)
    paleo_trainer_trace_layers(&ps->base, w->rank, w->iteration, w->factor, PALEO_PHASE_BWD, 0, last, bwd_start, until);
}

static void cancel_compute(Ps *ps, Worker *w)
{
  if (!w->computing)
    return;
  paleo_engine_cancel(ps->base.engine, w->compute_ev);
  stop_compute(ps, w, now_ns(ps));
}

/* ---- ssp clocks ---- */

static uint32_t *clock_slot(Ps *ps, uint32_t clock)
{
  if (ps->at_clock->len <= clock)
    g_array_set_size(ps->at_clock, clock + 1);
  return &g_array_index(ps->at_clock, uint32_t, clock);
}

static gboolean may_start(Ps *ps, const Worker *w)
{
  return ps->mode != MODE_SSP || w->iteration <= ps->min_clock + ps->cfg.ssp_bound;
}

static void wake_waiters(Ps *ps)
{
  for (uint32_t r = 0; r < ps->cfg.workers; r++) {
    Worker *w = &ps->workers[r];
    if (w->waiting && may_start(ps, w)) {
      w->waiting = FALSE;
      start_compute(ps, w);
    }
  }
}

/* Moves a worker out of clock `from` (and into `to` unless it failed). */
static void clock_move(Ps *ps, uint32_t from, gboolean failed)
{
  if (ps->mode != MODE_SSP)
    return;
  (*clock_slot(ps, from))--;
  if (!failed)
    (*clock_slot(ps, from + 1))++;
  uint32_t old_min = ps->min_clock;
  while (ps->live && ps->min_clock < ps->at_clock->len && !*clock_slot(ps, ps->min_clock))
    ps->min_clock++;
  if (ps->min_clock != old_min)
    wake_waiters(ps);
}

/* ---- worker iterations ---- */

static void begin_iteration(Ps *ps, Worker *w)
{
  w->iter_start = now_ns(ps);
  paleo_account_new_iteration(&w->acct);
  w->pulls_left = ps->k;
  w->applied = w->arrived = 0;
  w->staleness = 0;
  if (may_start(ps, w))
    start_compute(ps, w);
  else
    w->waiting = TRUE;
}

static void compute_done(Ps *ps, Worker *w)
{
  stop_compute(ps, w, now_ns(ps));
  for (uint32_t j = 0; j < ps->k; j++)
    send(ps, msg_new(ps, TRUE, w->rank, j, w->iteration, 0));
}

/* backup: one more live worker has the weights of iteration e (or will never need them). */
static void weights_delivered(Ps *ps, uint32_t e)
{
  PaleoTrainStats *st = &ps->base.stats;
  g_assert(ps->pending[e] > 0);
  if (--ps->pending[e] || e + 1 <= st->iterations_done)
    return;
  st->iteration_end_ns[e] = now_ns(ps);
  st->iterations_done = e + 1;
  st->makespan_ns = now_ns(ps);
  if (e + 1 == ps->cfg.iterations)
    paleo_trainer_complete(&ps->base, FALSE);
}

static void finish_iteration(Ps *ps, Worker *w)
{
  PaleoTrainStats *st = &ps->base.stats;
  PaleoTime now = now_ns(ps);
  uint64_t duration = now - w->iter_start;
  const PaleoAccount *a = &w->acct;
  uint64_t wait = duration - MIN(duration, a->compute + a->comm);
  st->wait_ns[w->rank] += wait;
  st->compute_ns[w->rank] += a->compute;
  st->comm_ns[w->rank] += a->comm;
  st->hidden_ns[w->rank] += a->hidden;
  st->exposed_ns[w->rank] += a->exposed;
  double slowdown = a->nominal ? (double)a->compute / (double)a->nominal : 1.0;
  paleo_trainer_trace_iteration(&ps->base, w->rank, w->iteration, w->iter_start, now, wait, slowdown);
  uint32_t done = w->iteration++;
  if (async_mode(ps)) {
    g_array_append_val(st->worker_iteration_ns, duration);
    clock_move(ps, done, FALSE);
  } else {
    weights_delivered(ps, done);
    if (w->iteration == ps->cfg.iterations)
      return;
  }
  begin_iteration(ps, w);
}

/* Backup: weights of iteration `iteration` reach a worker that is still in an earlier
 * one (its pulls were slower than others' whole iterations): it abandons the earlier
 * iterations. */
static void catch_up(Ps *ps, Worker *w, uint32_t iteration)
{
  cancel_compute(ps, w);
  for (uint32_t e = w->iteration; e < iteration; e++)
    weights_delivered(ps, e);
  w->iteration = iteration;
  w->iter_start = now_ns(ps);
  paleo_account_new_iteration(&w->acct);
  w->pulls_left = ps->k;
}

static void pull_arrived(Ps *ps, Worker *w, Msg *m)
{
  if (w->failed || m->iteration < w->iteration)
    return;
  if (m->iteration > w->iteration)
    catch_up(ps, w, m->iteration);
  w->version[m->server] = m->version;
  if (--w->pulls_left == 0)
    finish_iteration(ps, w);
}

/* ---- servers ---- */

/* Queues an update on the server; it ends with EV_APPLY_DONE carrying `m` (NULL: backup). */
static void queue_apply(Ps *ps, Server *srv, Msg *m)
{
  PaleoTime start = MAX(now_ns(ps), srv->free_at);
  srv->free_at = start + srv->apply_ns;
  paleo_engine_schedule(ps->base.engine, srv->free_at, ps->first_server + srv->index, EV_APPLY_DONE, 0, m);
}

static void count_update(Ps *ps, Worker *w)
{
  PaleoTrainStats *st = &ps->base.stats;
  if (st->staleness->len <= w->staleness)
    g_array_set_size(st->staleness, w->staleness + 1);
  g_array_index(st->staleness, uint64_t, w->staleness)++;
  st->worker_iterations[w->rank]++;
  st->makespan_ns = now_ns(ps); /* the last update so far (an interrupted run ends here) */
  if (++st->updates == ps->target)
    paleo_trainer_complete(&ps->base, TRUE);
}

/* async/ssp: the server applied worker m->worker's push. */
static void applied_async(Ps *ps, Server *srv, Msg *m)
{
  Worker *w = &ps->workers[m->worker];
  uint32_t staleness = srv->version - w->version[srv->index];
  srv->version++;
  if (ps->base.sink) {
    PaleoPsUpdateRecord r = {srv->index, w->rank, m->iteration, staleness, now_ns(ps)};
    paleo_trainer_trace(&ps->base, ps->base.sink->ops->ps_update(ps->base.sink, &r, &ps->base.trace_error));
  }
  w->staleness = MAX(w->staleness, staleness);
  if (++w->applied == ps->k)
    count_update(ps, w);
  if (w->failed || ps->base.stats.complete) {
    msg_free(ps, m);
    return;
  }
  m->push = FALSE;
  m->version = srv->version;
  m->start = now_ns(ps);
  send(ps, m);
}

/* backup: the first `need` complete gradients of the epoch are in; the update goes. */
static void close_epoch(Ps *ps)
{
  uint32_t e = ps->epoch;
  for (uint32_t r = 0; r < ps->cfg.workers; r++) {
    Worker *w = &ps->workers[r];
    if (w->failed || ps->contributed[r] == e + 1)
      continue;
    ps->base.stats.dropped_gradients++;
    if (w->iteration == e)
      cancel_compute(ps, w);
  }
  ps->pending[e] = ps->live;
  ps->base.stats.updates++;
  ps->epoch++;
  ps->gathered = 0;
  for (uint32_t j = 0; j < ps->k; j++)
    queue_apply(ps, &ps->servers[j], NULL);
}

static void push_arrived_backup(Ps *ps, Msg *m)
{
  Worker *w = &ps->workers[m->worker];
  if (m->iteration == ps->epoch && !w->failed && ++w->arrived == ps->k) {
    ps->contributed[w->rank] = m->iteration + 1;
    ps->base.stats.worker_iterations[w->rank]++; /* every gathered gradient goes into the update */
    if (++ps->gathered == ps->need)
      close_epoch(ps);
  }
  msg_free(ps, m);
}

/* backup: server `srv` applied the update of epoch - 1 (FIFO order keeps them in turn). */
static void applied_backup(Ps *ps, Server *srv)
{
  srv->version++;
  uint32_t e = srv->version - 1;
  for (uint32_t r = 0; r < ps->cfg.workers; r++)
    if (!ps->workers[r].failed)
      send(ps, msg_new(ps, FALSE, r, srv->index, e, srv->version));
}

static void arrive(Ps *ps, Msg *m)
{
  Worker *w = &ps->workers[m->worker];
  comm_end(ps, w);
  if (m->push) {
    if (async_mode(ps))
      queue_apply(ps, &ps->servers[m->server], m);
    else
      push_arrived_backup(ps, m);
    return;
  }
  pull_arrived(ps, w, m);
  msg_free(ps, m);
}

/* ---- failures ---- */

static void fail_worker(Ps *ps, Worker *w)
{
  if (ps->base.stats.complete || (!async_mode(ps) && w->iteration == ps->cfg.iterations))
    return; /* it had finished its work */
  cancel_compute(ps, w);
  w->failed = TRUE;
  w->waiting = FALSE;
  ps->live--;
  paleo_trainer_fail(&ps->base, w->rank);
  if (ps->mode == MODE_SSP)
    clock_move(ps, w->iteration, TRUE);
  if (ps->mode == MODE_BACKUP)
    for (uint32_t e = w->iteration; e < ps->epoch; e++)
      weights_delivered(ps, e); /* weights it will never receive */
}

/* ---- event handlers ---- */

static void worker_init(PaleoEngine *engine, uint32_t entity, void *state)
{
  Worker *w = state;
  paleo_engine_schedule(engine, 0, entity, EV_START, 0, NULL);
  paleo_trainer_schedule_failure(&w->ps->base, w->rank, entity, EV_FAIL);
}

static void worker_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  Worker *w = state;
  Ps *ps = w->ps;
  if (ev->kind != EV_FAIL)
    paleo_trainer_active(&ps->base);
  if (ev->kind == EV_ARRIVE) { /* analytical or same-node pull (comm accounting) */
    arrive(ps, ev->data);
    return;
  }
  if (w->failed)
    return;
  switch (ev->kind) {
  case EV_START: begin_iteration(ps, w); break;
  case EV_COMPUTE_DONE: compute_done(ps, w); break;
  case EV_FAIL: fail_worker(ps, w); break;
  default: g_assert_not_reached();
  }
}

static void server_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  Server *srv = state;
  Ps *ps = srv->ps;
  paleo_trainer_active(&ps->base);
  if (ev->kind == EV_ARRIVE)
    arrive(ps, ev->data);
  else if (async_mode(ps))
    applied_async(ps, srv, ev->data);
  else
    applied_backup(ps, srv);
}

static const PaleoEntityClass worker_class = {"ps-worker", worker_init, worker_handle, NULL};
static const PaleoEntityClass server_class = {"ps-server", NULL, server_handle, NULL};

/* ---- construction ---- */

static void setup_servers(Ps *ps)
{
  const PaleoTrainConfig *c = &ps->cfg;
  uint64_t S = ps->base.costs->total_grad_bytes;
  if (c->fidelity == PALEO_FIDELITY_ANALYTICAL) {
    ps->worker_nic_ns = paleo_collective_transfer_ns(&c->links, NULL, S);
    ps->alpha_ns = paleo_collective_alpha_ns(&c->links) + paleo_collective_message_ns(PALEO_COLLECTIVE_PS, c->ps_message_ns);
  }
  ps->servers = g_new0(Server, ps->k);
  for (uint32_t j = 0; j < ps->k; j++) {
    Server *srv = &ps->servers[j];
    srv->ps = ps;
    srv->index = j;
    srv->bytes = (j + 1) * S / ps->k - j * S / ps->k;
    srv->apply_ns = S ? (uint64_t)((double)ps->base.costs->update_ns * (double)srv->bytes / (double)S) : 0;
    if (c->fidelity == PALEO_FIDELITY_ANALYTICAL)
      srv->nic_ns = paleo_collective_transfer_ns(&c->links, c->ps_dedicated ? c->ps_link : NULL, srv->bytes);
    uint32_t id = paleo_engine_add_entity(ps->base.engine, &server_class, srv);
    if (j == 0)
      ps->first_server = id;
  }
}

static void setup_workers(Ps *ps, const PaleoTrainConfig *c)
{
  ps->workers = g_new0(Worker, c->workers);
  for (uint32_t r = 0; r < c->workers; r++) {
    Worker *w = &ps->workers[r];
    w->ps = ps;
    w->rank = r;
    w->version = g_new0(uint32_t, ps->k);
    uint32_t id = paleo_engine_add_entity(ps->base.engine, &worker_class, w);
    if (r == 0)
      ps->first_worker = id;
    g_assert(id == ps->first_worker + r);
  }
  if (c->fidelity != PALEO_FIDELITY_FLOW)
    return;
  ps->worker_node = g_memdup2(c->worker_nodes, c->workers * sizeof(uint32_t));
  ps->server_node = g_new(uint32_t, ps->k);
  for (uint32_t j = 0; j < ps->k; j++)
    ps->server_node[j] = c->ps_dedicated ? c->server_nodes[j] : c->worker_nodes[j];
}

static void ps_free(PaleoTrainer *t)
{
  Ps *ps = (Ps *)t;
  for (uint32_t r = 0; ps->workers && r < ps->cfg.workers; r++)
    g_free(ps->workers[r].version);
  g_free(ps->workers);
  g_free(ps->servers);
  g_free(ps->worker_node);
  g_free(ps->server_node);
  g_ptr_array_free(ps->msgs, TRUE);
  if (ps->at_clock)
    g_array_free(ps->at_clock, TRUE);
  g_free(ps->contributed);
  g_free(ps->pending);
}

static PaleoTrainer *ps_new(Mode mode, const char *name, PaleoEngine *engine, PaleoNetwork *network,
                            const PaleoTrainCosts *costs, const PaleoTrainConfig *config)
{
  g_assert(config->workers >= 1 && config->iterations >= 1 && config->ps_servers >= 1 && costs->n_layers >= 1);
  g_assert(config->fidelity == PALEO_FIDELITY_ANALYTICAL || (network && config->worker_nodes));
  g_assert(config->ps_dedicated || config->ps_servers <= config->workers);
  g_assert(mode != MODE_BACKUP || config->backup_workers < config->workers);
  Ps *ps = g_new0(Ps, 1);
  paleo_trainer_init(&ps->base, name, engine, costs, config);
  ps->base.free = ps_free;
  ps->mode = mode;
  ps->network = network;
  ps->cfg = *config;
  ps->cfg.worker_nodes = ps->cfg.server_nodes = NULL; /* not kept */
  ps->cfg.sink = NULL;
  ps->k = config->ps_servers;
  ps->msgs = g_ptr_array_new_with_free_func(g_free);
  ps->live = config->workers;
  for (guint i = 0; i < costs->n_layers; i++) {
    ps->fwd_ns += costs->fwd_ns[i];
    ps->bwd_ns += costs->bwd_ns[i];
  }
  ps->target = (uint64_t)config->workers * config->iterations;
  if (mode == MODE_SSP) {
    ps->at_clock = g_array_new(FALSE, TRUE, sizeof(uint32_t));
    *clock_slot(ps, 0) = config->workers;
  }
  if (mode == MODE_BACKUP) {
    ps->need = config->workers - config->backup_workers;
    ps->contributed = g_new0(uint32_t, config->workers);
    ps->pending = g_new0(uint32_t, config->iterations);
  }
  ps->base.stats.gradients_per_update = mode == MODE_BACKUP ? ps->need : 1;
  setup_workers(ps, config);
  setup_servers(ps);
  return &ps->base;
}

PaleoTrainer *paleo_train_async_ps_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                       const PaleoTrainConfig *config)
{
  return ps_new(MODE_ASYNC, "async-ps", engine, network, costs, config);
}

PaleoTrainer *paleo_train_ssp_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                  const PaleoTrainConfig *config)
{
  return ps_new(MODE_SSP, "ssp", engine, network, costs, config);
}

PaleoTrainer *paleo_train_backup_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                     const PaleoTrainConfig *config)
{
  return ps_new(MODE_BACKUP, "backup", engine, network, costs, config);
}

/* The flow-level network model (see network.h): flow records from chunked pools, per-link
 * lists of the flows crossing them, incremental re-solves per connected component, and
 * link accounting (bytes, busy time, usage intervals). */
#include "topology/network.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "topology/maxmin.h"

#define NONE UINT32_MAX
#define FLOW_CHUNK 1024u
#define INLINE_HOPS 6u

enum { EV_DRAIN = 1, EV_DELIVER = 2, EV_SOLVE = 3, EV_SET_BW = 4 };

typedef struct {
  uint32_t slot; /* flow */
  uint32_t hop;  /* index of this link on the flow's route */
} LinkEntry;

typedef struct {
  PaleoFlowInfo info;
  double remaining;        /* bytes still to send (flow mode) */
  PaleoTime last_ns;       /* when `remaining` was last brought up to date */
  PaleoEventHandle event;  /* the pending drain or deliver event */
  PaleoFlowDoneFn done;
  void *user_data;
  uint32_t *hops;          /* links[n_links], then pos[n_links]: index in each link's list */
  uint32_t inline_hops[2 * INLINE_HOPS];
  uint32_t active_pos;     /* index in net->active; NONE when not sending */
  uint32_t mark;           /* component search epoch */
  uint32_t next_free;      /* free-list link */
  gboolean in_use;
} Flow;

typedef struct {
  LinkEntry *entries;      /* flows sending over the link */
  uint32_t n, cap;
  uint32_t mark, local;    /* component search epoch, index in the current solve */
  gboolean dirty;
  /* State as of the last solve, valid since since_ns. */
  uint32_t n_accounted;
  double load_bytes_per_s;
  double utilization;
  PaleoTime since_ns;
  PaleoTime busy_ns;       /* closed busy time before since_ns */
  uint64_t bytes_carried;
} LinkState;

typedef struct {
  uint32_t link;
  double bw_bytes_per_s;
} BwChange;

struct PaleoNetwork {
  PaleoEngine *engine;
  PaleoTopology *topo;
  PaleoNetworkMode mode;
  uint32_t entity;
  uint64_t next_id;
  /* Flow pool: chunks of FLOW_CHUNK records with stable addresses. */
  Flow **chunks;
  uint32_t n_chunks, free_head;
  LinkState *links;
  uint32_t n_links;
  GArray *active;          /* uint32_t slots of sending flows */
  GArray *dirty;           /* uint32_t links changed since the last solve */
  gboolean solve_pending;
  PaleoTime solve_quantum_ns;  /* 0: solve at once */
  uint32_t epoch;
  GArray *route;           /* uint32_t scratch */
  GArray *bw_changes;      /* BwChange, indexed by EV_SET_BW's arg */
  /* Solve scratch. */
  GArray *comp_links, *comp_flows, *capacity, *route_start, *route_links, *rates;
  PaleoMaxMin *maxmin;
  PaleoLinkUsageFn usage_fn;
  void *usage_data;
  PaleoSolveHookFn solve_fn;
  void *solve_data;
  PaleoNetworkStats stats;
};

static void network_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev);

static const PaleoEntityClass network_class = {"network", NULL, network_handle, NULL};

/* ---- flow pool ---- */

static inline Flow *flow_at(const PaleoNetwork *net, uint32_t slot) {
  return &net->chunks[slot / FLOW_CHUNK][slot % FLOW_CHUNK];
}

static uint32_t flow_alloc(PaleoNetwork *net) {
  if (net->free_head == NONE) {
    net->chunks = g_renew(Flow *, net->chunks, net->n_chunks + 1);
    Flow *chunk = g_new0(Flow, FLOW_CHUNK);
    net->chunks[net->n_chunks] = chunk;
    uint32_t base = net->n_chunks * FLOW_CHUNK;
    for (uint32_t i = 0; i < FLOW_CHUNK; i++)
      chunk[i].next_free = i + 1 < FLOW_CHUNK ? base + i + 1 : NONE;
    net->free_head = base;
    net->n_chunks++;
  }
  uint32_t slot = net->free_head;
  Flow *f = flow_at(net, slot);
  net->free_head = f->next_free;
  f->in_use = TRUE;
  return slot;
}

static void flow_release(PaleoNetwork *net, uint32_t slot) {
  Flow *f = flow_at(net, slot);
  if (f->hops != f->inline_hops) g_free(f->hops);
  memset(f, 0, sizeof(*f));
  f->next_free = net->free_head;
  net->free_head = slot;
}

/* ---- construction ---- */

PaleoNetwork *paleo_network_new(PaleoEngine *engine, PaleoTopology *topo, PaleoNetworkMode mode) {
  PaleoNetwork *net = g_new0(PaleoNetwork, 1);
  net->engine = engine;
  net->topo = topo;
  net->mode = mode;
  net->entity = paleo_engine_add_entity(engine, &network_class, net);
  net->free_head = NONE;
  net->n_links = paleo_topology_n_links(topo);
  net->links = g_new0(LinkState, net->n_links > 0 ? net->n_links : 1);
  net->active = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->dirty = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->route = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->bw_changes = g_array_new(FALSE, FALSE, sizeof(BwChange));
  net->comp_links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->comp_flows = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->capacity = g_array_new(FALSE, FALSE, sizeof(double));
  net->route_start = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->route_links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->rates = g_array_new(FALSE, FALSE, sizeof(double));
  net->maxmin = paleo_maxmin_new();
  return net;
}

void paleo_network_free(PaleoNetwork *net) {
  if (net == NULL) return;
  for (uint32_t c = 0; c < net->n_chunks; c++) {
    for (uint32_t i = 0; i < FLOW_CHUNK; i++) {
      Flow *f = &net->chunks[c][i];
      if (f->in_use && f->hops != f->inline_hops) g_free(f->hops);
    }
    g_free(net->chunks[c]);
  }
  g_free(net->chunks);
  for (uint32_t l = 0; l < net->n_links; l++) g_free(net->links[l].entries);
  g_free(net->links);
  GArray *arrays[] = {net->active, net->dirty, net->route, net->bw_changes, net->comp_links,
                      net->comp_flows, net->capacity, net->route_start, net->route_links,
                      net->rates};
  for (guint i = 0; i < G_N_ELEMENTS(arrays); i++) g_array_free(arrays[i], TRUE);
  paleo_maxmin_free(net->maxmin);
  g_free(net);
}

PaleoNetworkMode paleo_network_mode(const PaleoNetwork *net) { return net->mode; }
PaleoTopology *paleo_network_topology(const PaleoNetwork *net) { return net->topo; }
PaleoEngine *paleo_network_engine(const PaleoNetwork *net) { return net->engine; }

void paleo_network_set_usage_hook(PaleoNetwork *net, PaleoLinkUsageFn fn, void *user_data) {
  net->usage_fn = fn;
  net->usage_data = user_data;
}

void paleo_network_set_solve_hook(PaleoNetwork *net, PaleoSolveHookFn fn, void *user_data) {
  net->solve_fn = fn;
  net->solve_data = user_data;
}

const PaleoNetworkStats *paleo_network_stats(const PaleoNetwork *net) { return &net->stats; }

uint32_t paleo_network_n_active(const PaleoNetwork *net) { return net->active->len; }

const PaleoFlowInfo *paleo_network_active_flow(const PaleoNetwork *net, uint32_t i) {
  g_assert(i < net->active->len);
  return &flow_at(net, g_array_index(net->active, uint32_t, i))->info;
}

/* ---- link lists ---- */

static void mark_dirty(PaleoNetwork *net, uint32_t l) {
  if (net->links[l].dirty) return;
  net->links[l].dirty = TRUE;
  g_array_append_val(net->dirty, l);
}

static void request_solve(PaleoNetwork *net) {
  if (net->solve_pending) return;
  net->solve_pending = TRUE;
  PaleoTime at = paleo_engine_now(net->engine), q = net->solve_quantum_ns;
  if (q > 0 && at % q) at += q - at % q;
  paleo_engine_schedule(net->engine, at, net->entity, EV_SOLVE, 0, NULL);
}

void paleo_network_set_solve_quantum(PaleoNetwork *net, PaleoTime quantum_ns) {
  net->solve_quantum_ns = quantum_ns;
}

static void link_add(PaleoNetwork *net, uint32_t slot, uint32_t hop) {
  Flow *f = flow_at(net, slot);
  LinkState *ls = &net->links[f->hops[hop]];
  if (ls->n == ls->cap) {
    ls->cap = ls->cap ? 2 * ls->cap : 4;
    ls->entries = g_renew(LinkEntry, ls->entries, ls->cap);
  }
  f->hops[f->info.n_links + hop] = ls->n;
  ls->entries[ls->n++] = (LinkEntry){slot, hop};
}

static void link_remove(PaleoNetwork *net, uint32_t slot, uint32_t hop) {
  Flow *f = flow_at(net, slot);
  LinkState *ls = &net->links[f->hops[hop]];
  uint32_t pos = f->hops[f->info.n_links + hop];
  LinkEntry moved = ls->entries[--ls->n];
  ls->entries[pos] = moved;
  Flow *g = flow_at(net, moved.slot);
  g->hops[g->info.n_links + moved.hop] = pos;
}

static void active_add(PaleoNetwork *net, uint32_t slot) {
  flow_at(net, slot)->active_pos = net->active->len;
  g_array_append_val(net->active, slot);
}

static void active_remove(PaleoNetwork *net, uint32_t slot) {
  Flow *f = flow_at(net, slot);
  uint32_t last = g_array_index(net->active, uint32_t, net->active->len - 1);
  g_array_index(net->active, uint32_t, f->active_pos) = last;
  flow_at(net, last)->active_pos = f->active_pos;
  g_array_set_size(net->active, net->active->len - 1);
  f->active_pos = NONE;
}

/* ---- timing ---- */

/* ns to send `bytes` at `rate`, rounded up so a transfer never ends before its last byte
 * (a relative slack of 4 ulps absorbs rounding in the division); saturates at 2^62 ns
 * (146 years) so absurd rates can never wrap the clock. */
static PaleoTime transfer_ns(double bytes, double rate_bytes_per_s) {
  if (bytes <= 0.0) return 0;
  double t = bytes * 1e9 / rate_bytes_per_s * (1.0 - 4.0 * DBL_EPSILON);
  return t >= 0x1p62 ? (PaleoTime)1 << 62 : (PaleoTime)ceil(t);
}

PaleoTime paleo_network_analytical_ns(PaleoNetwork *net, uint32_t src, uint32_t dst,
                                      uint64_t bytes, uint64_t flow_hash) {
  gboolean ok = paleo_topology_route(net->topo, src, dst, flow_hash, net->route);
  g_assert(ok);
  const uint32_t *links = (const uint32_t *)net->route->data;
  if (net->route->len == 0) return 0;
  return paleo_topology_path_latency_ns(net->topo, links, net->route->len) +
         transfer_ns((double)bytes,
                     paleo_topology_path_bottleneck_bytes_per_s(net->topo, links, net->route->len));
}

/* ---- flows ---- */

uint64_t paleo_network_start_flow(PaleoNetwork *net, uint32_t src, uint32_t dst, uint64_t bytes,
                                  PaleoFlowDoneFn done, void *user_data) {
  PaleoTime now = paleo_engine_now(net->engine);
  uint64_t id = net->next_id++;
  gboolean ok = paleo_topology_route(net->topo, src, dst, id, net->route);
  g_assert(ok);
  uint32_t slot = flow_alloc(net);
  Flow *f = flow_at(net, slot);
  uint32_t n = net->route->len;
  f->hops = n <= INLINE_HOPS ? f->inline_hops : g_new(uint32_t, 2 * n);
  if (n > 0) memcpy(f->hops, net->route->data, sizeof(uint32_t) * n);
  f->info = (PaleoFlowInfo){id, src, dst, bytes, now, 0, f->hops, n,
                            paleo_topology_path_latency_ns(net->topo, f->hops, n), 0.0};
  f->done = done;
  f->user_data = user_data;
  f->active_pos = NONE;
  net->stats.flows_started++;
  if (net->mode == PALEO_NET_ANALYTICAL || bytes == 0 || n == 0) {
    PaleoTime t = net->mode == PALEO_NET_ANALYTICAL
                      ? paleo_network_analytical_ns(net, src, dst, bytes, id)
                      : f->info.latency_ns;
    f->event = paleo_engine_schedule(net->engine, now + t, net->entity, EV_DELIVER, slot, NULL);
    return id;
  }
  f->remaining = (double)bytes;
  f->last_ns = now;
  for (uint32_t h = 0; h < n; h++) {
    link_add(net, slot, h);
    mark_dirty(net, f->hops[h]);
  }
  active_add(net, slot);
  request_solve(net);
  return id;
}

static void credit_links(PaleoNetwork *net, const Flow *f) {
  for (uint32_t h = 0; h < f->info.n_links; h++) net->links[f->hops[h]].bytes_carried += f->info.bytes;
}

static void deliver(PaleoNetwork *net, uint32_t slot) {
  Flow *f = flow_at(net, slot);
  f->info.end_ns = paleo_engine_now(net->engine);
  if (net->mode == PALEO_NET_ANALYTICAL) credit_links(net, f);
  net->stats.flows_delivered++;
  net->stats.bytes_delivered += f->info.bytes;
  if (f->done != NULL) f->done(net, &f->info, f->user_data);
  flow_release(net, slot);
}

/* The last byte has left the source: free the links, deliver one latency later. */
static void drain(PaleoNetwork *net, uint32_t slot) {
  Flow *f = flow_at(net, slot);
  for (uint32_t h = 0; h < f->info.n_links; h++) {
    link_remove(net, slot, h);
    mark_dirty(net, f->hops[h]);
  }
  credit_links(net, f);
  active_remove(net, slot);
  f->remaining = 0.0;
  f->info.rate_bytes_per_s = 0.0;
  request_solve(net);
  if (f->info.latency_ns == 0) {
    deliver(net, slot);
    return;
  }
  f->event = paleo_engine_schedule(net->engine, paleo_engine_now(net->engine) + f->info.latency_ns,
                                   net->entity, EV_DELIVER, slot, NULL);
}

/* ---- solving ---- */

/* Links reachable from the dirty links through shared flows, and those flows. */
static void collect_components(PaleoNetwork *net) {
  uint32_t epoch = ++net->epoch;
  GArray *cl = net->comp_links, *cf = net->comp_flows;
  g_array_set_size(cl, 0);
  g_array_set_size(cf, 0);
  for (guint i = 0; i < net->dirty->len; i++) {
    uint32_t l = g_array_index(net->dirty, uint32_t, i);
    net->links[l].dirty = FALSE;
    if (net->links[l].mark == epoch) continue;
    net->links[l].mark = epoch;
    g_array_append_val(cl, l);
  }
  g_array_set_size(net->dirty, 0);
  for (guint i = 0; i < cl->len; i++) {
    const LinkState *ls = &net->links[g_array_index(cl, uint32_t, i)];
    for (uint32_t k = 0; k < ls->n; k++) {
      Flow *f = flow_at(net, ls->entries[k].slot);
      if (f->mark == epoch) continue;
      f->mark = epoch;
      g_array_append_val(cf, ls->entries[k].slot);
      for (uint32_t h = 0; h < f->info.n_links; h++) {
        LinkState *m = &net->links[f->hops[h]];
        if (m->mark == epoch) continue;
        m->mark = epoch;
        g_array_append_val(cl, f->hops[h]);
      }
    }
  }
}

/* The component as a local max-min problem; rates land in net->rates. */
static void solve_local(PaleoNetwork *net) {
  GArray *cl = net->comp_links, *cf = net->comp_flows;
  g_array_set_size(net->capacity, cl->len);
  for (guint i = 0; i < cl->len; i++) {
    uint32_t l = g_array_index(cl, uint32_t, i);
    net->links[l].local = i;
    g_array_index(net->capacity, double, i) = paleo_topology_link(net->topo, l)->bw_bytes_per_s;
  }
  g_array_set_size(net->route_start, cf->len + 1);
  g_array_set_size(net->route_links, 0);
  for (guint i = 0; i < cf->len; i++) {
    const Flow *f = flow_at(net, g_array_index(cf, uint32_t, i));
    g_array_index(net->route_start, uint32_t, i) = net->route_links->len;
    for (uint32_t h = 0; h < f->info.n_links; h++)
      g_array_append_val(net->route_links, net->links[f->hops[h]].local);
  }
  g_array_index(net->route_start, uint32_t, cf->len) = net->route_links->len;
  g_array_set_size(net->rates, cf->len);
  paleo_maxmin_solve(net->maxmin, cl->len, (const double *)net->capacity->data, cf->len,
                     (const uint32_t *)net->route_start->data,
                     (const uint32_t *)net->route_links->data, (double *)net->rates->data);
}

/* Brings remaining bytes up to now, applies new rates and re-keys changed drain events. */
static void apply_rates(PaleoNetwork *net, PaleoTime now) {
  GArray *cf = net->comp_flows;
  for (guint i = 0; i < cf->len; i++) {
    uint32_t slot = g_array_index(cf, uint32_t, i);
    Flow *f = flow_at(net, slot);
    double rate = g_array_index(net->rates, double, i);
    if (rate == f->info.rate_bytes_per_s) continue; /* its drain event still holds */
    f->remaining -= f->info.rate_bytes_per_s * (double)(now - f->last_ns) * 1e-9;
    if (f->remaining < 0.0) f->remaining = 0.0;
    f->last_ns = now;
    f->info.rate_bytes_per_s = rate;
    PaleoTime at = now + transfer_ns(f->remaining, rate);
    if (!paleo_engine_reschedule(net->engine, f->event, at))
      f->event = paleo_engine_schedule(net->engine, at, net->entity, EV_DRAIN, slot, NULL);
    else
      net->stats.reschedules++;
  }
}

/* Closes a link's accounting interval at `now` when its flows or load changed. */
static void account_link(PaleoNetwork *net, uint32_t l, PaleoTime now) {
  LinkState *ls = &net->links[l];
  double load = 0.0;
  for (uint32_t k = 0; k < ls->n; k++) load += flow_at(net, ls->entries[k].slot)->info.rate_bytes_per_s;
  double util = load / paleo_topology_link(net->topo, l)->bw_bytes_per_s;
  if (ls->n == ls->n_accounted && load == ls->load_bytes_per_s && util == ls->utilization) return;
  if (ls->n_accounted > 0 && now > ls->since_ns) {
    ls->busy_ns += now - ls->since_ns;
    if (net->usage_fn != NULL) {
      PaleoLinkUsageRecord rec = {l, ls->since_ns, now, ls->n_accounted, ls->utilization};
      net->usage_fn(&rec, net->usage_data);
    }
  }
  ls->n_accounted = ls->n;
  ls->load_bytes_per_s = load;
  ls->utilization = util;
  ls->since_ns = now;
}

static void solve(PaleoNetwork *net) {
  PaleoTime now = paleo_engine_now(net->engine);
  net->solve_pending = FALSE;
  collect_components(net);
  solve_local(net);
  apply_rates(net, now);
  for (guint i = 0; i < net->comp_links->len; i++)
    account_link(net, g_array_index(net->comp_links, uint32_t, i), now);
  net->stats.solves++;
  net->stats.solved_flows += net->comp_flows->len;
  if (net->solve_fn != NULL) net->solve_fn(net, net->solve_data);
}

void paleo_network_flush_usage(PaleoNetwork *net) {
  PaleoTime now = paleo_engine_now(net->engine);
  for (uint32_t l = 0; l < net->n_links; l++) {
    LinkState *ls = &net->links[l];
    if (ls->n_accounted == 0 || now <= ls->since_ns) continue;
    ls->busy_ns += now - ls->since_ns;
    if (net->usage_fn != NULL) {
      PaleoLinkUsageRecord rec = {l, ls->since_ns, now, ls->n_accounted, ls->utilization};
      net->usage_fn(&rec, net->usage_data);
    }
    ls->since_ns = now;
  }
}

void paleo_network_link_stats(const PaleoNetwork *net, uint32_t link, PaleoLinkStats *out) {
  g_assert(link < net->n_links);
  const LinkState *ls = &net->links[link];
  PaleoTime now = paleo_engine_now(net->engine);
  out->bytes_carried = ls->bytes_carried;
  out->busy_ns = ls->busy_ns + (ls->n_accounted > 0 && now > ls->since_ns ? now - ls->since_ns : 0);
  out->active_flows = ls->n_accounted;
  out->load_bytes_per_s = ls->load_bytes_per_s;
}

/* ---- bandwidth changes ---- */

void paleo_network_set_link_bandwidth(PaleoNetwork *net, uint32_t link, double bw_bytes_per_s) {
  g_assert(link < net->n_links);
  paleo_topology_set_link_bandwidth(net->topo, link, bw_bytes_per_s);
  if (net->mode != PALEO_NET_FLOW) return;
  mark_dirty(net, link);
  request_solve(net);
}

void paleo_network_schedule_link_bandwidth(PaleoNetwork *net, PaleoTime at, uint32_t link,
                                           double bw_bytes_per_s) {
  g_assert(link < net->n_links && bw_bytes_per_s > 0.0 && isfinite(bw_bytes_per_s));
  BwChange change = {link, bw_bytes_per_s};
  g_array_append_val(net->bw_changes, change);
  paleo_engine_schedule(net->engine, at, net->entity, EV_SET_BW, net->bw_changes->len - 1, NULL);
}

static void network_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev) {
  (void)engine;
  (void)entity;
  PaleoNetwork *net = state;
  switch (ev->kind) {
  case EV_DRAIN: drain(net, (uint32_t)ev->arg); break;
  case EV_DELIVER: deliver(net, (uint32_t)ev->arg); break;
  case EV_SOLVE: solve(net); break;
  case EV_SET_BW: {
    const BwChange *c = &g_array_index(net->bw_changes, BwChange, ev->arg);
    paleo_network_set_link_bandwidth(net, c->link, c->bw_bytes_per_s);
    break;
  }
  default: g_assert_not_reached();
  }
}

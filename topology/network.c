/* The flow-level network model (see network.h): flow records from chunked pools, per-link
 * lists of the flows crossing them and of the flows bottlenecked at them, a route cache,
 * incremental max-min re-solves, aggregated drain and delivery events, and link
 * accounting (bytes, busy time, usage intervals) from exact load sums. */
#include "topology/network.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "topology/maxmin.h"

#define NONE UINT32_MAX
#define FLOW_CHUNK 1024u
#define INLINE_HOPS 6u
#define ROUTE_CHUNK (1u << 16)          /* route cache arena chunk, link ids */
#define ROUTE_CACHE_MAX (64u << 20)     /* link ids the cache may hold (256 MiB) */

enum { EV_DRAIN = 1, EV_DELIVER = 2, EV_SOLVE = 3, EV_SET_BW = 4, EV_BUCKET = 5 };
enum { STATE_FREE = 0, STATE_SENDING, STATE_LATENT }; /* latent: drained, not yet delivered */
enum { BUCKET_DRAIN = 0, BUCKET_DELIVER = 1 };

/* A growable array of uint32_t. */
typedef struct {
  uint32_t *v;
  uint32_t n, cap;
} Vec;

static inline void vec_push(Vec *a, uint32_t x)
{
  if (G_UNLIKELY(a->n == a->cap)) {
    a->cap = a->cap ? 2 * a->cap : 64;
    a->v = g_renew(uint32_t, a->v, a->cap);
  }
  a->v[a->n++] = x;
}

static inline void vec_reserve(Vec *a, uint32_t n)
{
  if (n > a->cap) {
    a->cap = MAX(n, 2 * a->cap);
    a->v = g_renew(uint32_t, a->v, a->cap);
  }
}

typedef struct {
  uint32_t slot; /* flow */
  uint32_t hop;  /* index of this link on the flow's route */
} LinkEntry;

typedef struct {
  PaleoFlowInfo info;
  double remaining;        /* bytes still to send (flow mode) */
  PaleoTime last_ns;       /* when `remaining` was last brought up to date */
  PaleoEventHandle event;  /* its own drain or deliver event (aggregation off) */
  PaleoFlowDoneFn done;
  void *user_data;
  uint32_t *pos;           /* per hop: index in that link's list */
  uint32_t *owned;         /* links + pos when the route is not cached, else NULL */
  uint32_t inline_pos[INLINE_HOPS];
  uint32_t bucket, bnext, bprev; /* aggregated event it waits on, and its list links */
  uint32_t bneck;          /* the link that froze it at the last solve, NONE before */
  uint32_t bneck_alone;    /* that link while it is exclusive (not in its list) */
  uint32_t route;          /* its cached route (index into net->routes), NONE */
  uint32_t bl_next, bl_prev; /* list of the flows bottlenecked at bneck */
  uint32_t active_pos;     /* index in net->active; NONE when not sending */
  uint32_t mark;           /* solve epoch: in the re-solved set */
  uint32_t next_free;      /* free-list link */
  uint8_t state;
  uint8_t fresh;           /* started since the last solve */
  uint8_t exclusive;       /* alone on its links: held by LinkState.owner, not in their lists */
} Flow;

typedef struct {
  LinkEntry *entries;      /* flows sending over the link (besides its owner) */
  uint32_t n, cap;
  uint32_t owner;          /* the exclusive flow holding it alone, NONE */
  double bw;               /* bytes/s, as the topology has it */
  PaleoRateSum bw_sum;     /* the same as an exact sum */
  uint32_t bl_head;        /* flows bottlenecked here */
  uint32_t mark, local;    /* solve epoch, index in the current solve */
  gboolean dirty;
  PaleoRateSum load;       /* exact sum of the rates of its flows */
  /* Accounting as of the last solve, valid since since_ns. */
  uint32_t n_accounted;
  PaleoRateSum load_accounted;
  double bw_accounted;     /* the link's bandwidth then */
  double utilization;
  PaleoTime since_ns;
  PaleoTime busy_ns;       /* closed busy time before since_ns */
  uint64_t bytes_carried;
} LinkState;

typedef struct {
  uint32_t link;
  double bw_bytes_per_s;
} BwChange;

/* One aggregated event: the flows draining or delivered at `time`, in joining order. */
typedef struct {
  PaleoTime time;
  PaleoEventHandle event;
  uint32_t head, tail;     /* flow slots */
  uint32_t next_free;
  uint8_t kind;
  uint8_t live;            /* scheduled, not yet run or cancelled */
} Bucket;

/* Open-addressing map from a key (never 0) to a value, linear probing. */
typedef struct {
  uint64_t *keys;
  uint32_t *values;
  uint32_t cap, used;      /* cap a power of two, 2^bits */
  uint32_t bits;
} Map;

/* A cached route: where its links sit in the arena, and its latency. */
typedef struct {
  uint32_t offset, n;
  uint64_t latency_ns;
  uint32_t bneck;          /* the link of least bandwidth (ties: least id), as of bw_epoch */
  uint32_t bw_epoch;
  double bw;               /* its bandwidth */
} CachedRoute;

struct PaleoNetwork {
  PaleoEngine *engine;
  PaleoTopology *topo;
  PaleoNetworkMode mode;
  uint32_t entity;
  uint64_t next_id;
  gboolean aggregate;
  /* Flow pool: chunks of FLOW_CHUNK records with stable addresses. */
  Flow **chunks;
  uint32_t n_chunks, free_head, in_flight;
  LinkState *links;
  uint32_t n_links;
  Vec active;              /* slots of sending flows */
  Vec fresh;               /* slots started since the last solve */
  Vec fresh_exclusive;     /* the same, alone on their links */
  Vec dirty;               /* links changed since the last solve */
  gboolean solve_pending;
  PaleoTime solve_quantum_ns;  /* 0: solve at once */
  uint32_t epoch;
  GArray *route;           /* uint32_t scratch */
  GArray *bw_changes;      /* BwChange, indexed by EV_SET_BW's arg */
  /* Route cache: (src, dst) -> CachedRoute, links in an arena of stable chunks. */
  Map route_map;
  GArray *routes;          /* CachedRoute */
  uint32_t **arena;
  uint32_t n_arena, arena_used; /* chunks, ids used in the last chunk */
  uint64_t arena_total;
  uint32_t bw_epoch;       /* bandwidth changes so far */
  /* Aggregated events. */
  Map bucket_map;          /* (time << 1 | kind) + 1 -> bucket */
  Bucket *buckets;
  uint32_t n_buckets, bucket_free;
  uint32_t last_bucket[2]; /* per kind: the bucket joined last (a cache before the map) */
  /* Solve scratch. */
  Vec set;                 /* re-solved flows */
  Vec set_links;           /* the links they cross */
  Vec route_start, route_links, bottleneck, set_count;
  GArray *residual;        /* PaleoRateSum per local link */
  GArray *rates, *level;   /* double */
  PaleoMaxMin *maxmin;
  PaleoLinkUsageFn usage_fn;
  void *usage_data;
  PaleoSolveHookFn solve_fn;
  void *solve_data;
  PaleoNetworkStats stats;
};

static void network_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev);

static const PaleoEntityClass network_class = {"network", NULL, network_handle, NULL};

/* ---- maps ---- */

static inline uint64_t mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static void map_grow(Map *m);

/* Fibonacci hashing: the top bits of key x 2^64 / phi. */
static inline uint32_t map_home(const Map *m, uint64_t key)
{
  return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - m->bits));
}

/* The value of `key`, or NONE. */
static inline uint32_t map_get(const Map *m, uint64_t key)
{
  if (!m->cap)
    return NONE;
  for (uint32_t i = map_home(m, key);; i = (i + 1) & (m->cap - 1)) {
    if (m->keys[i] == key)
      return m->values[i];
    if (m->keys[i] == 0)
      return NONE;
  }
}

static void map_put(Map *m, uint64_t key, uint32_t value)
{
  if (4 * (m->used + 1) > 3 * m->cap)
    map_grow(m);
  uint32_t i = map_home(m, key);
  while (m->keys[i] != 0 && m->keys[i] != key)
    i = (i + 1) & (m->cap - 1);
  if (m->keys[i] == 0)
    m->used++;
  m->keys[i] = key;
  m->values[i] = value;
}

static void map_grow(Map *m)
{
  Map old = *m;
  m->cap = old.cap ? 2 * old.cap : 64;
  m->bits = old.cap ? old.bits + 1 : 6;
  m->keys = g_new0(uint64_t, m->cap);
  m->values = g_new(uint32_t, m->cap);
  m->used = 0;
  for (uint32_t i = 0; i < old.cap; i++)
    if (old.keys[i])
      map_put(m, old.keys[i], old.values[i]);
  g_free(old.keys);
  g_free(old.values);
}

/* Removes `key` (present), shifting the entries of its probe run back. */
static void map_remove(Map *m, uint64_t key)
{
  uint32_t mask = m->cap - 1, i = map_home(m, key);
  while (m->keys[i] != key)
    i = (i + 1) & mask;
  for (uint32_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
    uint32_t home = map_home(m, m->keys[j]);
    if (((j - home) & mask) >= ((j - i) & mask)) { /* j's home is not in (i, j]: move it to i */
      m->keys[i] = m->keys[j];
      m->values[i] = m->values[j];
      i = j;
    }
  }
  m->keys[i] = 0;
  m->used--;
}

static void map_clear(Map *m)
{
  g_free(m->keys);
  g_free(m->values);
  *m = (Map){0};
}

/* ---- flow pool ---- */

static inline Flow *flow_at(const PaleoNetwork *net, uint32_t slot)
{
  return &net->chunks[slot / FLOW_CHUNK][slot % FLOW_CHUNK];
}

static uint32_t flow_alloc(PaleoNetwork *net)
{
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
  if (++net->in_flight > net->stats.peak_in_flight)
    net->stats.peak_in_flight = net->in_flight;
  return slot;
}

static void flow_release(PaleoNetwork *net, uint32_t slot)
{
  Flow *f = flow_at(net, slot);
  if (f->pos != f->inline_pos && !f->owned)
    g_free(f->pos);
  g_free(f->owned);
  f->owned = NULL;
  f->state = STATE_FREE;
  f->mark = 0;
  f->fresh = f->exclusive = 0;
  f->next_free = net->free_head;
  net->free_head = slot;
  net->in_flight--;
}

/* ---- construction ---- */

PaleoNetwork *paleo_network_new(PaleoEngine *engine, PaleoTopology *topo, PaleoNetworkMode mode)
{
  PaleoNetwork *net = g_new0(PaleoNetwork, 1);
  net->engine = engine;
  net->topo = topo;
  net->mode = mode;
  net->aggregate = TRUE;
  net->entity = paleo_engine_add_entity(engine, &network_class, net);
  net->free_head = NONE;
  net->bucket_free = net->last_bucket[0] = net->last_bucket[1] = NONE;
  net->n_links = paleo_topology_n_links(topo);
  net->links = g_new0(LinkState, net->n_links > 0 ? net->n_links : 1);
  for (uint32_t l = 0; l < net->n_links; l++) {
    net->links[l].bl_head = net->links[l].owner = NONE;
    net->links[l].bw = paleo_topology_link(topo, l)->bw_bytes_per_s;
    net->links[l].bw_sum = paleo_rate_sum_of(net->links[l].bw);
  }
  net->route = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  net->bw_changes = g_array_new(FALSE, FALSE, sizeof(BwChange));
  net->routes = g_array_new(FALSE, FALSE, sizeof(CachedRoute));
  net->residual = g_array_new(FALSE, FALSE, sizeof(PaleoRateSum));
  net->rates = g_array_new(FALSE, FALSE, sizeof(double));
  net->level = g_array_new(FALSE, FALSE, sizeof(double));
  net->maxmin = paleo_maxmin_new();
  return net;
}

void paleo_network_free(PaleoNetwork *net)
{
  if (net == NULL)
    return;
  for (uint32_t c = 0; c < net->n_chunks; c++) {
    for (uint32_t i = 0; i < FLOW_CHUNK; i++) {
      Flow *f = &net->chunks[c][i];
      if (f->state == STATE_FREE)
        continue;
      g_free(f->owned);
      if (f->pos != f->inline_pos && !f->owned)
        g_free(f->pos);
    }
    g_free(net->chunks[c]);
  }
  g_free(net->chunks);
  for (uint32_t l = 0; l < net->n_links; l++)
    g_free(net->links[l].entries);
  g_free(net->links);
  Vec *vecs[] = {&net->active, &net->fresh, &net->fresh_exclusive, &net->dirty, &net->set, &net->set_links, &net->route_start,
                 &net->route_links, &net->bottleneck, &net->set_count};
  for (guint i = 0; i < G_N_ELEMENTS(vecs); i++)
    g_free(vecs[i]->v);
  GArray *arrays[] = {net->route, net->bw_changes, net->routes, net->residual, net->rates, net->level};
  for (guint i = 0; i < G_N_ELEMENTS(arrays); i++)
    g_array_free(arrays[i], TRUE);
  for (uint32_t c = 0; c < net->n_arena; c++)
    g_free(net->arena[c]);
  g_free(net->arena);
  map_clear(&net->route_map);
  map_clear(&net->bucket_map);
  g_free(net->buckets);
  paleo_maxmin_free(net->maxmin);
  g_free(net);
}

PaleoNetworkMode paleo_network_mode(const PaleoNetwork *net) { return net->mode; }
PaleoTopology *paleo_network_topology(const PaleoNetwork *net) { return net->topo; }
PaleoEngine *paleo_network_engine(const PaleoNetwork *net) { return net->engine; }

void paleo_network_set_usage_hook(PaleoNetwork *net, PaleoLinkUsageFn fn, void *user_data)
{
  net->usage_fn = fn;
  net->usage_data = user_data;
}

void paleo_network_set_solve_hook(PaleoNetwork *net, PaleoSolveHookFn fn, void *user_data)
{
  net->solve_fn = fn;
  net->solve_data = user_data;
}

void paleo_network_set_aggregation(PaleoNetwork *net, gboolean on)
{
  g_assert(net->next_id == 0);
  net->aggregate = on;
}

const PaleoNetworkStats *paleo_network_stats(const PaleoNetwork *net) { return &net->stats; }

uint32_t paleo_network_n_active(const PaleoNetwork *net) { return net->active.n; }

const PaleoFlowInfo *paleo_network_active_flow(const PaleoNetwork *net, uint32_t i)
{
  g_assert(i < net->active.n);
  return &flow_at(net, net->active.v[i])->info;
}

gsize paleo_network_memory_bytes(const PaleoNetwork *net)
{
  gsize bytes = sizeof(*net) + (gsize)net->n_chunks * FLOW_CHUNK * sizeof(Flow) + net->n_links * sizeof(LinkState);
  for (uint32_t l = 0; l < net->n_links; l++)
    bytes += net->links[l].cap * sizeof(LinkEntry);
  bytes += (gsize)net->n_arena * ROUTE_CHUNK * sizeof(uint32_t) + net->routes->len * sizeof(CachedRoute);
  bytes += (gsize)net->route_map.cap * 12 + (gsize)net->bucket_map.cap * 12 + net->n_buckets * sizeof(Bucket);
  return bytes;
}

gsize paleo_network_flow_bytes(uint32_t hops)
{
  return sizeof(Flow) + (hops > INLINE_HOPS ? hops * sizeof(uint32_t) : 0) + 2 * (gsize)hops * sizeof(LinkEntry);
}

/* ---- routes ---- */

/* The route from src to dst: the one ECMP path of the pair, from the cache. Fills
 * `*links` (arena storage, or net->route when the route is too long to cache). */
static const uint32_t *route_of(PaleoNetwork *net, uint32_t src, uint32_t dst, uint32_t *n, uint64_t *latency_ns,
                                uint32_t *cached)
{
  uint64_t key = (((uint64_t)src << 32) | dst) + 1;
  uint32_t r = map_get(&net->route_map, key);
  if (r != NONE) {
    const CachedRoute *cr = &g_array_index(net->routes, CachedRoute, r);
    *n = cr->n;
    *latency_ns = cr->latency_ns;
    *cached = r;
    return &net->arena[cr->offset / ROUTE_CHUNK][cr->offset % ROUTE_CHUNK];
  }
  gboolean ok = paleo_topology_route(net->topo, src, dst, mix64(key), net->route);
  g_assert(ok);
  const uint32_t *links = (const uint32_t *)net->route->data;
  *n = net->route->len;
  *latency_ns = paleo_topology_path_latency_ns(net->topo, links, *n);
  gboolean cache = *n <= ROUTE_CHUNK / 16 && net->arena_total + *n <= ROUTE_CACHE_MAX;
  *cached = NONE;
  if (!cache)
    return links;
  if (net->n_arena == 0 || net->arena_used + *n > ROUTE_CHUNK) {
    net->arena = g_renew(uint32_t *, net->arena, net->n_arena + 1);
    net->arena[net->n_arena++] = g_new(uint32_t, ROUTE_CHUNK);
    net->arena_used = 0;
  }
  CachedRoute cr = {(net->n_arena - 1) * ROUTE_CHUNK + net->arena_used, *n, *latency_ns, NONE, net->bw_epoch - 1, 0.0};
  uint32_t *dst_links = &net->arena[net->n_arena - 1][net->arena_used];
  if (*n)
    memcpy(dst_links, links, *n * sizeof(uint32_t));
  net->arena_used += *n;
  net->arena_total += *n;
  *cached = net->routes->len;
  map_put(&net->route_map, key, net->routes->len);
  g_array_append_val(net->routes, cr);
  return dst_links;
}

/* The least bandwidth along a route and its link (ties: the least id), from the cache
 * while no bandwidth changed. */
static uint32_t route_bottleneck(PaleoNetwork *net, uint32_t route, const uint32_t *links, uint32_t n, double *bw)
{
  CachedRoute *cr = route != NONE ? &g_array_index(net->routes, CachedRoute, route) : NULL;
  if (cr && cr->bw_epoch == net->bw_epoch) {
    *bw = cr->bw;
    return cr->bneck;
  }
  uint32_t best = NONE;
  for (uint32_t h = 0; h < n; h++) {
    uint32_t l = links[h];
    if (best == NONE || net->links[l].bw < *bw || (net->links[l].bw == *bw && l < best)) {
      best = l;
      *bw = net->links[l].bw;
    }
  }
  if (cr) {
    cr->bneck = best;
    cr->bw = *bw;
    cr->bw_epoch = net->bw_epoch;
  }
  return best;
}

/* ---- link lists ---- */

static void mark_dirty(PaleoNetwork *net, uint32_t l)
{
  if (net->links[l].dirty)
    return;
  net->links[l].dirty = TRUE;
  vec_push(&net->dirty, l);
}

static void request_solve(PaleoNetwork *net)
{
  if (net->solve_pending)
    return;
  net->solve_pending = TRUE;
  PaleoTime at = paleo_engine_now(net->engine), q = net->solve_quantum_ns;
  if (q > 0 && at % q)
    at += q - at % q;
  paleo_engine_schedule(net->engine, at, net->entity, EV_SOLVE, 0, NULL);
}

void paleo_network_set_solve_quantum(PaleoNetwork *net, PaleoTime quantum_ns)
{
  net->solve_quantum_ns = quantum_ns;
}

static void link_add(PaleoNetwork *net, uint32_t slot, Flow *f, uint32_t hop)
{
  LinkState *ls = &net->links[f->info.links[hop]];
  if (ls->n == ls->cap) {
    ls->cap = ls->cap ? 2 * ls->cap : 4;
    ls->entries = g_renew(LinkEntry, ls->entries, ls->cap);
  }
  f->pos[hop] = ls->n;
  ls->entries[ls->n++] = (LinkEntry){slot, hop};
}

static void link_remove(PaleoNetwork *net, Flow *f, uint32_t hop)
{
  LinkState *ls = &net->links[f->info.links[hop]];
  uint32_t pos = f->pos[hop];
  LinkEntry moved = ls->entries[--ls->n];
  ls->entries[pos] = moved;
  flow_at(net, moved.slot)->pos[moved.hop] = pos;
}

/* The flow's place in its bottleneck link's list. */
static void bneck_set(PaleoNetwork *net, uint32_t slot, Flow *f, uint32_t link)
{
  if (f->bneck == link)
    return;
  if (f->bneck != NONE) {
    if (f->bl_prev != NONE)
      flow_at(net, f->bl_prev)->bl_next = f->bl_next;
    else
      net->links[f->bneck].bl_head = f->bl_next;
    if (f->bl_next != NONE)
      flow_at(net, f->bl_next)->bl_prev = f->bl_prev;
  }
  f->bneck = link;
  if (link == NONE)
    return;
  f->bl_prev = NONE;
  f->bl_next = net->links[link].bl_head;
  if (f->bl_next != NONE)
    flow_at(net, f->bl_next)->bl_prev = slot;
  net->links[link].bl_head = slot;
}

/* The flow leaves its links' sole possession and becomes an ordinary flow, in the state
 * the general solver would have given it: in their lists, bottlenecked at its least
 * share, or fresh when it was not solved yet. */
static void materialize(PaleoNetwork *net, uint32_t slot)
{
  Flow *f = flow_at(net, slot);
  for (uint32_t h = 0; h < f->info.n_links; h++) {
    net->links[f->info.links[h]].owner = NONE;
    link_add(net, slot, f, h);
  }
  f->exclusive = 0;
  if (f->fresh)
    vec_push(&net->fresh, slot);
  else
    bneck_set(net, slot, f, f->bneck_alone);
}

static void active_add(PaleoNetwork *net, uint32_t slot)
{
  flow_at(net, slot)->active_pos = net->active.n;
  vec_push(&net->active, slot);
  if (net->active.n > net->stats.peak_active)
    net->stats.peak_active = net->active.n;
}

static void active_remove(PaleoNetwork *net, uint32_t slot)
{
  Flow *f = flow_at(net, slot);
  uint32_t last = net->active.v[--net->active.n];
  net->active.v[f->active_pos] = last;
  flow_at(net, last)->active_pos = f->active_pos;
  f->active_pos = NONE;
}

/* ---- timing ---- */

/* ns to send `bytes` at `rate`, rounded up so a transfer never ends before its last byte
 * (a relative slack of 4 ulps absorbs rounding in the division); saturates at 2^62 ns
 * (146 years) so absurd rates can never wrap the clock. */
static PaleoTime transfer_ns(double bytes, double rate_bytes_per_s)
{
  if (bytes <= 0.0)
    return 0;
  double t = bytes * 1e9 / rate_bytes_per_s * (1.0 - 4.0 * DBL_EPSILON);
  return t >= 0x1p62 ? (PaleoTime)1 << 62 : (PaleoTime)ceil(t);
}

static PaleoTime analytical_ns(const PaleoNetwork *net, const uint32_t *links, uint32_t n, uint64_t latency_ns,
                               uint64_t bytes)
{
  if (n == 0)
    return 0;
  return latency_ns + transfer_ns((double)bytes, paleo_topology_path_bottleneck_bytes_per_s(net->topo, links, n));
}

PaleoTime paleo_network_analytical_ns(PaleoNetwork *net, uint32_t src, uint32_t dst, uint64_t bytes)
{
  uint32_t n, cached;
  uint64_t latency;
  const uint32_t *links = route_of(net, src, dst, &n, &latency, &cached);
  return analytical_ns(net, links, n, latency, bytes);
}

/* ---- events: one per flow, or aggregated per instant ---- */

static void bucket_unlink(PaleoNetwork *net, uint32_t slot, Flow *f)
{
  Bucket *b = &net->buckets[f->bucket];
  if (f->bprev != NONE)
    flow_at(net, f->bprev)->bnext = f->bnext;
  else
    b->head = f->bnext;
  if (f->bnext != NONE)
    flow_at(net, f->bnext)->bprev = f->bprev;
  else
    b->tail = f->bprev;
  (void)slot;
  f->bucket = NONE;
}

static void bucket_free(PaleoNetwork *net, uint32_t id)
{
  net->buckets[id].live = 0;
  net->buckets[id].next_free = net->bucket_free;
  net->bucket_free = id;
}

/* Takes the flow out of its aggregated event (cancelled when that leaves it empty). */
static void bucket_leave(PaleoNetwork *net, uint32_t slot, Flow *f)
{
  uint32_t id = f->bucket;
  bucket_unlink(net, slot, f);
  Bucket *b = &net->buckets[id];
  if (b->head != NONE)
    return;
  paleo_engine_cancel(net->engine, b->event);
  map_remove(&net->bucket_map, ((b->time << 1) | b->kind) + 1);
  bucket_free(net, id);
}

static void bucket_join(PaleoNetwork *net, uint32_t slot, Flow *f, PaleoTime at, uint8_t kind)
{
  uint64_t key = ((at << 1) | kind) + 1;
  uint32_t id = net->last_bucket[kind];
  if (id == NONE || !net->buckets[id].live || net->buckets[id].time != at || net->buckets[id].kind != kind)
    id = map_get(&net->bucket_map, key);
  if (id == NONE) {
    if (net->bucket_free != NONE) {
      id = net->bucket_free;
      net->bucket_free = net->buckets[id].next_free;
    } else {
      net->buckets = g_renew(Bucket, net->buckets, net->n_buckets + 1);
      id = net->n_buckets++;
    }
    Bucket *b = &net->buckets[id];
    *b = (Bucket){at, {0, 0}, NONE, NONE, NONE, kind, 1};
    b->event = paleo_engine_schedule(net->engine, at, net->entity, EV_BUCKET, id, NULL);
    map_put(&net->bucket_map, key, id);
  }
  Bucket *b = &net->buckets[id];
  net->last_bucket[kind] = id;
  f->bucket = id;
  f->bnext = NONE;
  f->bprev = b->tail;
  if (b->tail != NONE)
    flow_at(net, b->tail)->bnext = slot;
  else
    b->head = slot;
  b->tail = slot;
}

/* The flow's drain (its last byte leaves) at `at`, replacing any earlier one. */
static void schedule_drain(PaleoNetwork *net, uint32_t slot, Flow *f, PaleoTime at)
{
  if (net->aggregate) {
    if (f->bucket != NONE) {
      Bucket *b = &net->buckets[f->bucket];
      if (b->time == at)
        return;
      net->stats.reschedules++;
      uint64_t key = ((at << 1) | BUCKET_DRAIN) + 1;
      if (b->head == slot && b->tail == slot && map_get(&net->bucket_map, key) == NONE) {
        map_remove(&net->bucket_map, ((b->time << 1) | BUCKET_DRAIN) + 1); /* alone in it: move it */
        map_put(&net->bucket_map, key, f->bucket);
        b->time = at;
        paleo_engine_reschedule(net->engine, b->event, at);
        return;
      }
      bucket_leave(net, slot, f);
    }
    bucket_join(net, slot, f, at, BUCKET_DRAIN);
    return;
  }
  if (paleo_engine_reschedule(net->engine, f->event, at))
    net->stats.reschedules++;
  else
    f->event = paleo_engine_schedule(net->engine, at, net->entity, EV_DRAIN, slot, NULL);
}

static void schedule_deliver(PaleoNetwork *net, uint32_t slot, Flow *f, PaleoTime at)
{
  if (net->aggregate)
    bucket_join(net, slot, f, at, BUCKET_DELIVER);
  else
    f->event = paleo_engine_schedule(net->engine, at, net->entity, EV_DELIVER, slot, NULL);
}

/* ---- flows ---- */

uint64_t paleo_network_start_flow(PaleoNetwork *net, uint32_t src, uint32_t dst, uint64_t bytes,
                                  PaleoFlowDoneFn done, void *user_data)
{
  PaleoTime now = paleo_engine_now(net->engine);
  uint64_t id = net->next_id++;
  uint32_t n, cached;
  uint64_t latency;
  const uint32_t *links = route_of(net, src, dst, &n, &latency, &cached);
  uint32_t slot = flow_alloc(net);
  Flow *f = flow_at(net, slot);
  f->route = cached;
  if (cached == NONE) {
    f->owned = g_new(uint32_t, 2 * (gsize)MAX(n, 1));
    if (n)
      memcpy(f->owned, links, n * sizeof(uint32_t));
    links = f->owned;
    f->pos = f->owned + n;
  } else
    f->pos = n <= INLINE_HOPS ? f->inline_pos : g_new(uint32_t, n);
  f->info = (PaleoFlowInfo){id, src, dst, bytes, now, 0, links, n, latency, 0.0};
  f->done = done;
  f->user_data = user_data;
  f->active_pos = f->bucket = f->bneck = NONE;
  f->state = STATE_LATENT;
  net->stats.flows_started++;
  if (net->mode == PALEO_NET_ANALYTICAL || bytes == 0 || n == 0) {
    PaleoTime t = net->mode == PALEO_NET_ANALYTICAL ? analytical_ns(net, links, n, latency, bytes) : latency;
    schedule_deliver(net, slot, f, now + t);
    return id;
  }
  f->state = STATE_SENDING;
  f->remaining = (double)bytes;
  f->last_ns = now;
  f->fresh = 1;
  active_add(net, slot);
  request_solve(net);
  gboolean alone = TRUE;
  for (uint32_t h = 0; h < n; h++) {
    const LinkState *ls = &net->links[links[h]];
    alone &= ls->n == 0 && ls->owner == NONE;
  }
  if (alone) { /* held alone: solved at the next solve without the general machinery */
    for (uint32_t h = 0; h < n; h++) {
      net->links[links[h]].owner = slot;
      mark_dirty(net, links[h]);
    }
    f->exclusive = 1;
    vec_push(&net->fresh_exclusive, slot);
    return id;
  }
  for (uint32_t h = 0; h < n; h++) {
    uint32_t owner = net->links[links[h]].owner;
    if (owner != NONE)
      materialize(net, owner);
    link_add(net, slot, f, h);
    mark_dirty(net, links[h]);
  }
  vec_push(&net->fresh, slot);
  return id;
}

static void credit_links(PaleoNetwork *net, const Flow *f)
{
  for (uint32_t h = 0; h < f->info.n_links; h++)
    net->links[f->info.links[h]].bytes_carried += f->info.bytes;
}

static void deliver(PaleoNetwork *net, uint32_t slot)
{
  Flow *f = flow_at(net, slot);
  f->info.end_ns = paleo_engine_now(net->engine);
  if (net->mode == PALEO_NET_ANALYTICAL)
    credit_links(net, f);
  net->stats.flows_delivered++;
  net->stats.bytes_delivered += f->info.bytes;
  if (f->done != NULL)
    f->done(net, &f->info, f->user_data);
  flow_release(net, slot);
}

/* The last byte has left the source: free the links, deliver one latency later. */
static void drain(PaleoNetwork *net, uint32_t slot)
{
  Flow *f = flow_at(net, slot);
  PaleoRateSum rate = paleo_rate_sum_of(f->info.rate_bytes_per_s);
  for (uint32_t h = 0; h < f->info.n_links; h++) {
    LinkState *ls = &net->links[f->info.links[h]];
    if (f->exclusive)
      ls->owner = NONE;
    else
      link_remove(net, f, h);
    ls->load -= rate;
    mark_dirty(net, f->info.links[h]);
  }
  f->exclusive = 0;
  credit_links(net, f);
  bneck_set(net, slot, f, NONE);
  active_remove(net, slot);
  f->state = STATE_LATENT;
  f->remaining = 0.0;
  f->info.rate_bytes_per_s = 0.0;
  request_solve(net);
  if (f->info.latency_ns == 0) {
    deliver(net, slot);
    return;
  }
  schedule_deliver(net, slot, f, paleo_engine_now(net->engine) + f->info.latency_ns);
}

/* Every flow of an aggregated event, in joining order. */
static void run_bucket(PaleoNetwork *net, uint32_t id)
{
  Bucket b = net->buckets[id];
  map_remove(&net->bucket_map, ((b.time << 1) | b.kind) + 1); /* flows joining now get a new event */
  bucket_free(net, id);
  for (uint32_t slot = b.head; slot != NONE;) {
    Flow *f = flow_at(net, slot);
    uint32_t next = f->bnext;
    f->bucket = NONE;
    if (b.kind == BUCKET_DRAIN)
      drain(net, slot);
    else
      deliver(net, slot);
    slot = next;
  }
}

/* ---- solving ---- */

/* Adds a flow to the re-solved set. */
static inline void set_add(PaleoNetwork *net, uint32_t slot)
{
  Flow *f = flow_at(net, slot);
  if (f->mark == net->epoch)
    return;
  f->mark = net->epoch;
  vec_push(&net->set, slot);
}

/* Closes the re-solved set from index `from` on: every link its flows cross joins the
 * solve, and so does every flow bottlenecked at such a link. */
static void close_set(PaleoNetwork *net, uint32_t from)
{
  for (uint32_t i = from; i < net->set.n; i++) {
    const Flow *f = flow_at(net, net->set.v[i]);
    for (uint32_t h = 0; h < f->info.n_links; h++) {
      uint32_t l = f->info.links[h];
      LinkState *ls = &net->links[l];
      if (ls->mark == net->epoch)
        continue;
      ls->mark = net->epoch;
      vec_push(&net->set_links, l);
      for (uint32_t g = ls->bl_head; g != NONE; g = flow_at(net, g)->bl_next)
        set_add(net, g);
    }
  }
}

static inline PaleoRateSum capacity_of(const PaleoNetwork *net, uint32_t l)
{
  return net->links[l].bw_sum;
}

/* The seeds: new flows, flows bottlenecked at changed links, and every flow of a link
 * that is now over its capacity (its bandwidth fell). */
static void seed_set(PaleoNetwork *net)
{
  for (uint32_t i = 0; i < net->fresh.n; i++)
    set_add(net, net->fresh.v[i]);
  for (uint32_t i = 0; i < net->dirty.n; i++) {
    const LinkState *ls = &net->links[net->dirty.v[i]];
    for (uint32_t g = ls->bl_head; g != NONE; g = flow_at(net, g)->bl_next)
      set_add(net, g);
    if (ls->n && ls->load > capacity_of(net, net->dirty.v[i]))
      for (uint32_t k = 0; k < ls->n; k++)
        set_add(net, ls->entries[k].slot);
  }
}

/* Every flow of the set alone on its links among the set: each one's rate is its least
 * share, as the solver would find it (the same comparisons on the same values). */
static void solve_independent(PaleoNetwork *net)
{
  const PaleoRateSum *residual = (const PaleoRateSum *)net->residual->data;
  double *rates = (double *)net->rates->data, *level = (double *)net->level->data;
  for (uint32_t i = 0; i < net->set_links.n; i++)
    level[i] = INFINITY;
  for (uint32_t i = 0; i < net->set.n; i++) {
    uint32_t best = NONE;
    double share = INFINITY;
    for (uint32_t h = net->route_start.v[i]; h < net->route_start.v[i + 1]; h++) {
      uint32_t local = net->route_links.v[h];
      double left = paleo_rate_sum_value(residual[local]), x = left > 0.0 ? left : 0.0;
      if (best == NONE || x < share || (x == share && net->set_links.v[local] < net->set_links.v[best])) {
        best = local;
        share = x;
      }
    }
    rates[i] = share;
    net->bottleneck.v[i] = best;
    level[best] = share;
  }
}

/* The set as a local max-min problem over what the other flows leave of its links. */
static void solve_set(PaleoNetwork *net)
{
  uint32_t nl = net->set_links.n, nf = net->set.n;
  g_array_set_size(net->residual, nl);
  vec_reserve(&net->set_count, nl);
  PaleoRateSum *residual = (PaleoRateSum *)net->residual->data;
  for (uint32_t i = 0; i < nl; i++) {
    uint32_t l = net->set_links.v[i];
    net->links[l].local = i;
    residual[i] = capacity_of(net, l) - net->links[l].load;
    net->set_count.v[i] = 0;
  }
  vec_reserve(&net->route_start, nf + 1);
  net->route_links.n = 0;
  gboolean independent = TRUE;
  for (uint32_t i = 0; i < nf; i++) {
    const Flow *f = flow_at(net, net->set.v[i]);
    PaleoRateSum own = paleo_rate_sum_of(f->info.rate_bytes_per_s);
    net->route_start.v[i] = net->route_links.n;
    for (uint32_t h = 0; h < f->info.n_links; h++) {
      uint32_t local = net->links[f->info.links[h]].local;
      residual[local] += own; /* its current rate is not taken from the link's leftovers */
      independent &= ++net->set_count.v[local] == 1;
      vec_push(&net->route_links, local);
    }
  }
  net->route_start.v[nf] = net->route_links.n;
  vec_reserve(&net->bottleneck, nf);
  g_array_set_size(net->rates, nf);
  g_array_set_size(net->level, nl);
  if (independent) {
    solve_independent(net);
    return;
  }
  paleo_maxmin_solve_residual(net->maxmin, nl, residual, net->set_links.v, nf, net->route_start.v,
                              net->route_links.v, (double *)net->rates->data, net->bottleneck.v,
                              (double *)net->level->data);
}

/* Flows outside the set on links that saturated below their rates: they join the set.
 * Returns whether any did. */
static gboolean take_violators(PaleoNetwork *net)
{
  uint32_t before = net->set.n;
  const double *level = (const double *)net->level->data;
  for (uint32_t i = 0; i < net->set_links.n; i++) {
    if (isinf(level[i]))
      continue;
    const LinkState *ls = &net->links[net->set_links.v[i]];
    for (uint32_t k = 0; k < ls->n; k++) {
      const Flow *g = flow_at(net, ls->entries[k].slot);
      if (g->mark != net->epoch && g->info.rate_bytes_per_s > level[i])
        set_add(net, ls->entries[k].slot);
    }
  }
  if (net->set.n == before)
    return FALSE;
  close_set(net, before);
  return TRUE;
}

/* New rates: remaining bytes brought up to date, link loads, drain events, bottlenecks. */
static void apply_rates(PaleoNetwork *net, PaleoTime now)
{
  const double *rates = (const double *)net->rates->data;
  for (uint32_t i = 0; i < net->set.n; i++) {
    uint32_t slot = net->set.v[i];
    Flow *f = flow_at(net, slot);
    double rate = rates[i];
    bneck_set(net, slot, f, net->set_links.v[net->bottleneck.v[i]]);
    if (rate == f->info.rate_bytes_per_s && !f->fresh)
      continue; /* its drain event still holds */
    f->fresh = 0;
    f->remaining -= f->info.rate_bytes_per_s * (double)(now - f->last_ns) * 1e-9;
    if (f->remaining < 0.0)
      f->remaining = 0.0;
    f->last_ns = now;
    PaleoRateSum delta = paleo_rate_sum_of(rate) - paleo_rate_sum_of(f->info.rate_bytes_per_s);
    for (uint32_t h = 0; h < f->info.n_links; h++)
      net->links[f->info.links[h]].load += delta;
    f->info.rate_bytes_per_s = rate;
    schedule_drain(net, slot, f, now + transfer_ns(f->remaining, rate));
  }
}

/* Closes a link's accounting interval at `now` when its flows or load changed. */
static inline void account_link(PaleoNetwork *net, uint32_t l, PaleoTime now)
{
  LinkState *ls = &net->links[l];
  double bw = ls->bw;
  uint32_t n = ls->n + (ls->owner != NONE);
  if (n == ls->n_accounted && ls->load == ls->load_accounted && bw == ls->bw_accounted)
    return;
  double util = paleo_rate_sum_value(ls->load) / bw;
  if (ls->n_accounted > 0 && now > ls->since_ns) {
    ls->busy_ns += now - ls->since_ns;
    if (net->usage_fn != NULL) {
      PaleoLinkUsageRecord rec = {l, ls->since_ns, now, ls->n_accounted, ls->utilization};
      net->usage_fn(&rec, net->usage_data);
    }
  }
  ls->n_accounted = n;
  ls->load_accounted = ls->load;
  ls->bw_accounted = bw;
  ls->utilization = util;
  ls->since_ns = now;
}

/* New flows alone on their links: each gets its least share (as the general solver would
 * find it), with no other flow to move. */
static void solve_exclusive(PaleoNetwork *net, PaleoTime now)
{
  for (uint32_t i = 0; i < net->fresh_exclusive.n; i++) {
    uint32_t slot = net->fresh_exclusive.v[i];
    Flow *f = flow_at(net, slot);
    if (!f->exclusive)
      continue; /* another flow came: solved with the others */
    /* alone, its links carry nothing else: each share is the link's bandwidth exactly */
    double share = 0.0;
    f->bneck_alone = route_bottleneck(net, f->route, f->info.links, f->info.n_links, &share);
    f->fresh = 0;
    f->info.rate_bytes_per_s = share;
    PaleoRateSum rate = paleo_rate_sum_of(share);
    for (uint32_t h = 0; h < f->info.n_links; h++)
      net->links[f->info.links[h]].load += rate;
    schedule_drain(net, slot, f, now + transfer_ns(f->remaining, share));
  }
  net->stats.solved_flows += net->fresh_exclusive.n;
  net->fresh_exclusive.n = 0;
}

static void solve(PaleoNetwork *net)
{
  PaleoTime now = paleo_engine_now(net->engine);
  net->solve_pending = FALSE;
  if (++net->epoch == 0) { /* wrapped: forget every mark */
    for (uint32_t l = 0; l < net->n_links; l++)
      net->links[l].mark = 0;
    for (uint32_t i = 0; i < net->active.n; i++)
      flow_at(net, net->active.v[i])->mark = 0;
    net->epoch = 1;
  }
  solve_exclusive(net, now);
  net->set.n = net->set_links.n = 0;
  seed_set(net);
  close_set(net, 0);
  if (net->set.n) {
    do
      solve_set(net);
    while (take_violators(net));
    apply_rates(net, now);
  }
  for (uint32_t i = 0; i < net->set_links.n; i++)
    account_link(net, net->set_links.v[i], now);
  for (uint32_t i = 0; i < net->dirty.n; i++) {
    uint32_t l = net->dirty.v[i];
    net->links[l].dirty = FALSE;
    if (net->links[l].mark != net->epoch)
      account_link(net, l, now);
  }
  net->dirty.n = net->fresh.n = 0;
  net->stats.solves++;
  net->stats.solved_flows += net->set.n;
  if (net->solve_fn != NULL)
    net->solve_fn(net, net->solve_data);
}

void paleo_network_flush_usage(PaleoNetwork *net)
{
  PaleoTime now = paleo_engine_now(net->engine);
  for (uint32_t l = 0; l < net->n_links; l++) {
    LinkState *ls = &net->links[l];
    if (ls->n_accounted == 0 || now <= ls->since_ns)
      continue;
    ls->busy_ns += now - ls->since_ns;
    if (net->usage_fn != NULL) {
      PaleoLinkUsageRecord rec = {l, ls->since_ns, now, ls->n_accounted, ls->utilization};
      net->usage_fn(&rec, net->usage_data);
    }
    ls->since_ns = now;
  }
}

void paleo_network_link_stats(const PaleoNetwork *net, uint32_t link, PaleoLinkStats *out)
{
  g_assert(link < net->n_links);
  const LinkState *ls = &net->links[link];
  PaleoTime now = paleo_engine_now(net->engine);
  out->bytes_carried = ls->bytes_carried;
  out->busy_ns = ls->busy_ns + (ls->n_accounted > 0 && now > ls->since_ns ? now - ls->since_ns : 0);
  out->active_flows = ls->n_accounted;
  out->load_bytes_per_s = paleo_rate_sum_value(ls->load_accounted);
}

/* ---- bandwidth changes ---- */

void paleo_network_set_link_bandwidth(PaleoNetwork *net, uint32_t link, double bw_bytes_per_s)
{
  g_assert(link < net->n_links);
  paleo_topology_set_link_bandwidth(net->topo, link, bw_bytes_per_s);
  net->bw_epoch++;
  net->links[link].bw = bw_bytes_per_s;
  net->links[link].bw_sum = paleo_rate_sum_of(bw_bytes_per_s);
  if (net->mode != PALEO_NET_FLOW)
    return;
  if (net->links[link].owner != NONE)
    materialize(net, net->links[link].owner);
  mark_dirty(net, link);
  request_solve(net);
}

void paleo_network_schedule_link_bandwidth(PaleoNetwork *net, PaleoTime at, uint32_t link,
                                           double bw_bytes_per_s)
{
  g_assert(link < net->n_links && bw_bytes_per_s > 0.0 && isfinite(bw_bytes_per_s));
  BwChange change = {link, bw_bytes_per_s};
  g_array_append_val(net->bw_changes, change);
  paleo_engine_schedule(net->engine, at, net->entity, EV_SET_BW, net->bw_changes->len - 1, NULL);
}

static void network_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev)
{
  (void)engine;
  (void)entity;
  PaleoNetwork *net = state;
  net->stats.events++;
  switch (ev->kind) {
  case EV_DRAIN: drain(net, (uint32_t)ev->arg); break;
  case EV_DELIVER: deliver(net, (uint32_t)ev->arg); break;
  case EV_BUCKET: run_bucket(net, (uint32_t)ev->arg); break;
  case EV_SOLVE: solve(net); break;
  case EV_SET_BW: {
    const BwChange *c = &g_array_index(net->bw_changes, BwChange, ev->arg);
    paleo_network_set_link_bandwidth(net, c->link, c->bw_bytes_per_s);
    break;
  }
  default: g_assert_not_reached();
  }
}

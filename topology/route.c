/* Shortest-path routing with deterministic ECMP.
 *
 * Leaves (nodes with one neighbour: hosts on a switch, GPUs in a host) are routed through
 * that neighbour, so searches run over the core nodes only (switches, and the nodes of a
 * ring or torus). For a core destination b, a Dijkstra search over reversed links gives
 * every core node's distance to b; with at most ROUTE_CACHE_CORE_MAX core nodes the full
 * array is cached per destination (a fat-tree of 16384 hosts has ~1000 switches), above
 * that each route runs its own search that stops as soon as the source is settled.
 * A route is walked from the source: at node v the candidates are links v->u with
 * dist(u) + w = dist(v); a hash of (flow hash, v) picks one. Weights: 1 per link
 * (hops) or latency_ns * 1024 + 1 (latency, then hops; never zero, so no cycles). */
#include "topology/topology_int.h"

#include <string.h>

#define ROUTE_CACHE_CORE_MAX 4096u
#define ROUTE_CACHE_ENTRIES_MAX (4u << 20) /* cached distances, 8 bytes each */
#define DIST_INF UINT64_MAX

typedef struct {
  uint64_t dist;
  uint32_t core;
} HeapEntry;

/* Distances to one destination: a full cached array, or the scratch array with stamps. */
typedef struct {
  const uint64_t *dist;
  const uint32_t *stamp; /* NULL for a full array */
  uint32_t epoch;
} DistView;

static inline uint64_t view_dist(const DistView *view, uint32_t core) {
  if (view->stamp != NULL && view->stamp[core] != view->epoch) return DIST_INF;
  return view->dist[core];
}

static inline uint64_t link_weight(const PaleoTopology *topo, uint32_t link) {
  if (topo->metric == PALEO_ROUTE_HOPS) return 1;
  return g_array_index(topo->links, PaleoTopoLink, link).latency_ns * 1024u + 1u;
}

static inline const PaleoTopoLink *link_at(const PaleoTopology *topo, uint32_t id) {
  return &g_array_index(topo->links, PaleoTopoLink, id);
}

/* splitmix64 finaliser: a well-mixed 64-bit hash. */
static inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* The single neighbour of v, or PALEO_NONE when v has none or several. */
static uint32_t sole_neighbour(const PaleoTopology *topo, uint32_t v) {
  uint32_t nb = PALEO_NONE;
  for (uint32_t k = topo->out_start[v]; k < topo->out_start[v + 1]; k++) {
    uint32_t u = link_at(topo, topo->out_links[k])->dst;
    if (nb != PALEO_NONE && u != nb) return PALEO_NONE;
    nb = u;
  }
  for (uint32_t k = topo->in_start[v]; k < topo->in_start[v + 1]; k++) {
    uint32_t u = link_at(topo, topo->in_links[k])->src;
    if (nb != PALEO_NONE && u != nb) return PALEO_NONE;
    nb = u;
  }
  return nb;
}

void paleo_topology_route_prepare(PaleoTopology *topo) {
  uint32_t n = topo->nodes->len;
  topo->attach = g_new(uint32_t, n);
  topo->core_index = g_new(uint32_t, n);
  topo->core_nodes = g_new(uint32_t, n > 0 ? n : 1);
  topo->n_core = 0;
  for (uint32_t v = 0; v < n; v++) {
    topo->attach[v] = sole_neighbour(topo, v);
    topo->core_index[v] = PALEO_NONE;
    if (topo->attach[v] == PALEO_NONE) {
      topo->core_nodes[topo->n_core] = v;
      topo->core_index[v] = topo->n_core++;
    }
  }
  topo->dist_cache = g_new0(uint64_t *, topo->n_core > 0 ? topo->n_core : 1);
  topo->heap = g_array_new(FALSE, FALSE, sizeof(HeapEntry));
}

void paleo_topology_route_cache_clear(PaleoTopology *topo) {
  if (topo->dist_cache != NULL)
    for (uint32_t i = 0; i < topo->n_core; i++) g_clear_pointer(&topo->dist_cache[i], g_free);
  topo->cache_entries = 0;
  g_clear_pointer(&topo->scratch_dist, g_free);
  g_clear_pointer(&topo->scratch_stamp, g_free);
  if (topo->heap != NULL) g_array_set_size(topo->heap, 0);
}

void paleo_topology_set_route_metric(PaleoTopology *topo, PaleoRouteMetric metric) {
  if (topo->metric == metric) return;
  topo->metric = metric;
  paleo_topology_route_cache_clear(topo);
}

static void heap_push(GArray *heap, uint64_t dist, uint32_t core) {
  HeapEntry e = {dist, core};
  g_array_append_val(heap, e);
  HeapEntry *h = (HeapEntry *)heap->data;
  guint i = heap->len - 1;
  while (i > 0) {
    guint p = (i - 1) / 2;
    if (h[p].dist <= e.dist) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

static HeapEntry heap_pop(GArray *heap) {
  HeapEntry *h = (HeapEntry *)heap->data;
  HeapEntry top = h[0], last = h[heap->len - 1];
  guint n = heap->len - 1, i = 0;
  g_array_set_size(heap, n);
  while (n > 0) {
    guint c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1].dist < h[c].dist) c++;
    if (h[c].dist >= last.dist) break;
    h[i] = h[c];
    i = c;
  }
  if (n > 0) h[i] = last;
  return top;
}

/* Dijkstra over reversed links among core nodes towards core node `target` (node id).
 * Writes into `dist` (stamped with `stamp`/`epoch` when stamp != NULL). Stops once the
 * core index `stop` is settled (PALEO_NONE: never). */
static void search(PaleoTopology *topo, uint32_t target, uint32_t stop, uint64_t *dist,
                   uint32_t *stamp, uint32_t epoch) {
  DistView view = {dist, stamp, epoch};
  GArray *heap = topo->heap;
  g_array_set_size(heap, 0);
  uint32_t tc = topo->core_index[target];
  dist[tc] = 0;
  if (stamp != NULL) stamp[tc] = epoch;
  heap_push(heap, 0, tc);
  while (heap->len > 0) {
    HeapEntry e = heap_pop(heap);
    if (e.dist != view_dist(&view, e.core)) continue;
    if (e.core == stop) break;
    uint32_t v = topo->core_nodes[e.core];
    for (uint32_t k = topo->in_start[v]; k < topo->in_start[v + 1]; k++) {
      const PaleoTopoLink *l = link_at(topo, topo->in_links[k]);
      uint32_t uc = topo->core_index[l->src];
      if (uc == PALEO_NONE) continue;
      uint64_t nd = e.dist + link_weight(topo, topo->in_links[k]);
      if (nd < view_dist(&view, uc)) {
        dist[uc] = nd;
        if (stamp != NULL) stamp[uc] = epoch;
        heap_push(heap, nd, uc);
      }
    }
  }
}

/* Distances towards core node b, from the cache (computing it if needed) or, for large
 * cores, from a search in scratch space that stops once core node `a` is settled. */
static DistView distances_to(PaleoTopology *topo, uint32_t a, uint32_t b) {
  uint32_t bc = topo->core_index[b];
  if (topo->n_core <= ROUTE_CACHE_CORE_MAX) {
    if (topo->dist_cache[bc] == NULL) {
      if (topo->cache_entries + topo->n_core > ROUTE_CACHE_ENTRIES_MAX) { /* full: start over */
        for (uint32_t i = 0; i < topo->n_core; i++) g_clear_pointer(&topo->dist_cache[i], g_free);
        topo->cache_entries = 0;
      }
      uint64_t *dist = g_new(uint64_t, topo->n_core);
      for (uint32_t i = 0; i < topo->n_core; i++) dist[i] = DIST_INF;
      search(topo, b, PALEO_NONE, dist, NULL, 0);
      topo->dist_cache[bc] = dist;
      topo->cache_entries += topo->n_core;
    }
    return (DistView){topo->dist_cache[bc], NULL, 0};
  }
  if (topo->scratch_dist == NULL) {
    topo->scratch_dist = g_new(uint64_t, topo->n_core);
    topo->scratch_stamp = g_new0(uint32_t, topo->n_core);
    topo->scratch_epoch = 0;
  }
  if (++topo->scratch_epoch == 0) { /* wrapped: forget every stamp */
    memset(topo->scratch_stamp, 0, sizeof(uint32_t) * topo->n_core);
    topo->scratch_epoch = 1;
  }
  search(topo, b, topo->core_index[a], topo->scratch_dist, topo->scratch_stamp, topo->scratch_epoch);
  return (DistView){topo->scratch_dist, topo->scratch_stamp, topo->scratch_epoch};
}

/* Among the links v->to, those of least weight; one picked by the hash. */
static uint32_t pick_direct(const PaleoTopology *topo, uint32_t v, uint32_t to, uint64_t hash) {
  uint64_t best = DIST_INF;
  uint32_t count = 0;
  for (uint32_t k = topo->out_start[v]; k < topo->out_start[v + 1]; k++) {
    uint32_t id = topo->out_links[k];
    if (link_at(topo, id)->dst != to) continue;
    uint64_t w = link_weight(topo, id);
    if (w < best) {
      best = w;
      count = 0;
    }
    if (w == best) count++;
  }
  if (count == 0) return PALEO_NONE;
  uint32_t pick = (uint32_t)(mix64(hash ^ mix64(v)) % count);
  for (uint32_t k = topo->out_start[v]; k < topo->out_start[v + 1]; k++) {
    uint32_t id = topo->out_links[k];
    if (link_at(topo, id)->dst == to && link_weight(topo, id) == best && pick-- == 0) return id;
  }
  g_assert_not_reached();
}

/* Among the links v->u with u core and dist(u) + w == dist(v), one picked by the hash. */
static uint32_t pick_next(const PaleoTopology *topo, const DistView *view, uint32_t v,
                          uint64_t hash) {
  uint64_t dv = view_dist(view, topo->core_index[v]);
  uint32_t count = 0;
  for (int pass = 0; pass < 2; pass++) {
    uint32_t pick = pass == 0 ? 0 : (uint32_t)(mix64(hash ^ mix64(v)) % count);
    for (uint32_t k = topo->out_start[v]; k < topo->out_start[v + 1]; k++) {
      uint32_t id = topo->out_links[k];
      uint32_t uc = topo->core_index[link_at(topo, id)->dst];
      if (uc == PALEO_NONE) continue;
      uint64_t du = view_dist(view, uc);
      if (du == DIST_INF || du + link_weight(topo, id) != dv) continue;
      if (pass == 0) count++;
      else if (pick-- == 0) return id;
    }
    if (count == 0) return PALEO_NONE;
  }
  g_assert_not_reached();
}

gboolean paleo_topology_route(PaleoTopology *topo, uint32_t src, uint32_t dst,
                              uint64_t flow_hash, GArray *links_out) {
  g_assert(topo->finalized);
  g_assert(src < topo->nodes->len && dst < topo->nodes->len);
  g_array_set_size(links_out, 0);
  if (src == dst) return TRUE;
  uint32_t hop;
  /* Leaf endpoints: their single neighbour is the way in and out. */
  if (topo->attach[src] == dst || topo->attach[dst] == src) {
    hop = pick_direct(topo, src, dst, flow_hash);
    if (hop == PALEO_NONE) return FALSE;
    g_array_append_val(links_out, hop);
    return TRUE;
  }
  uint32_t a = topo->attach[src] != PALEO_NONE ? topo->attach[src] : src;
  uint32_t b = topo->attach[dst] != PALEO_NONE ? topo->attach[dst] : dst;
  if (topo->core_index[a] == PALEO_NONE || topo->core_index[b] == PALEO_NONE) return FALSE;
  if (a != src) {
    hop = pick_direct(topo, src, a, flow_hash);
    if (hop == PALEO_NONE) return FALSE;
    g_array_append_val(links_out, hop);
  }
  if (a != b) {
    DistView view = distances_to(topo, a, b);
    if (view_dist(&view, topo->core_index[a]) == DIST_INF) return FALSE;
    for (uint32_t v = a; v != b; v = link_at(topo, hop)->dst) {
      hop = pick_next(topo, &view, v, flow_hash);
      g_assert(hop != PALEO_NONE);
      g_array_append_val(links_out, hop);
    }
  }
  if (b != dst) {
    hop = pick_direct(topo, b, dst, flow_hash);
    if (hop == PALEO_NONE) return FALSE;
    g_array_append_val(links_out, hop);
  }
  return TRUE;
}

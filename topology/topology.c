/* The cluster graph: node and link storage, validation (finalize) and queries.
 * Routing lives in topology/route.c, sharing the struct through topology_int.h. */
#include "topology/topology.h"

#include <math.h>

#include "topology/topology_int.h"

G_DEFINE_QUARK(paleo-topology-error-quark, paleo_topology_error)

PaleoTopology *paleo_topology_new(void) {
  PaleoTopology *topo = g_new0(PaleoTopology, 1);
  topo->nodes = g_array_new(FALSE, TRUE, sizeof(PaleoNode));
  topo->links = g_array_new(FALSE, TRUE, sizeof(PaleoTopoLink));
  topo->workers = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  topo->ps = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  topo->metric = PALEO_ROUTE_HOPS;
  return topo;
}

void paleo_topology_free(PaleoTopology *topo) {
  if (topo == NULL) return;
  for (guint i = 0; i < topo->nodes->len; i++) g_free(g_array_index(topo->nodes, PaleoNode, i).name);
  for (guint i = 0; i < topo->links->len; i++) g_free(g_array_index(topo->links, PaleoTopoLink, i).name);
  g_array_free(topo->nodes, TRUE);
  g_array_free(topo->links, TRUE);
  g_array_free(topo->workers, TRUE);
  g_array_free(topo->ps, TRUE);
  if (topo->by_name != NULL) g_hash_table_unref(topo->by_name);
  if (topo->pair_count != NULL) g_hash_table_unref(topo->pair_count);
  g_free(topo->out_start);
  g_free(topo->out_links);
  g_free(topo->in_start);
  g_free(topo->in_links);
  g_free(topo->attach);
  g_free(topo->core_index);
  g_free(topo->core_nodes);
  paleo_topology_route_cache_clear(topo);
  g_free(topo->dist_cache);
  if (topo->heap != NULL) g_array_free(topo->heap, TRUE);
  g_free(topo);
}

uint32_t paleo_topology_add_node(PaleoTopology *topo, PaleoEntityKind kind, const char *name,
                                 int32_t host) {
  g_assert(!topo->finalized);
  g_assert(name != NULL);
  uint32_t id = topo->nodes->len;
  PaleoNode node = {g_strdup(name), kind, host, -1};
  if (kind == PALEO_ENTITY_WORKER) {
    node.rank = (int32_t)topo->workers->len;
    if (host < 0) node.host = (int32_t)id;
    g_array_append_val(topo->workers, id);
  } else if (kind == PALEO_ENTITY_PS) {
    node.rank = (int32_t)topo->ps->len;
    g_array_append_val(topo->ps, id);
  }
  g_array_append_val(topo->nodes, node);
  return id;
}

/* The number of links already added from src to dst (names parallel links "#k"). */
static uint32_t count_parallel(PaleoTopology *topo, uint32_t src, uint32_t dst) {
  if (topo->pair_count == NULL) topo->pair_count = g_hash_table_new(g_direct_hash, g_direct_equal);
  gpointer key = GSIZE_TO_POINTER((((gsize)src << 32) | dst) + 1);
  uint32_t count = GPOINTER_TO_UINT(g_hash_table_lookup(topo->pair_count, key));
  g_hash_table_insert(topo->pair_count, key, GUINT_TO_POINTER(count + 1));
  return count;
}

uint32_t paleo_topology_add_link(PaleoTopology *topo, uint32_t src, uint32_t dst,
                                 double bw_bytes_per_s, uint64_t latency_ns, const char *name) {
  g_assert(!topo->finalized);
  g_assert(src < topo->nodes->len && dst < topo->nodes->len);
  PaleoTopoLink link = {NULL, src, dst, bw_bytes_per_s, latency_ns};
  if (name != NULL) {
    link.name = g_strdup(name);
  } else {
    uint32_t k = count_parallel(topo, src, dst);
    const char *a = g_array_index(topo->nodes, PaleoNode, src).name;
    const char *b = g_array_index(topo->nodes, PaleoNode, dst).name;
    link.name = k == 0 ? g_strdup_printf("%s->%s", a, b) : g_strdup_printf("%s->%s#%u", a, b, k);
  }
  g_array_append_val(topo->links, link);
  return topo->links->len - 1;
}

uint32_t paleo_topology_add_duplex(PaleoTopology *topo, uint32_t a, uint32_t b,
                                   double bw_bytes_per_s, uint64_t latency_ns) {
  uint32_t id = paleo_topology_add_link(topo, a, b, bw_bytes_per_s, latency_ns, NULL);
  paleo_topology_add_link(topo, b, a, bw_bytes_per_s, latency_ns, NULL);
  return id;
}

void paleo_topology_keep_workers(PaleoTopology *topo, uint32_t n) {
  g_assert(!topo->finalized);
  if (n >= topo->workers->len) return;
  for (guint r = n; r < topo->workers->len; r++) {
    PaleoNode *node = &g_array_index(topo->nodes, PaleoNode, g_array_index(topo->workers, uint32_t, r));
    node->kind = PALEO_ENTITY_HOST;
    node->rank = -1;
    node->host = -1;
  }
  g_array_set_size(topo->workers, n);
}

/* Compressed adjacency: for every node, its outgoing and incoming link ids in id order. */
static void build_csr(uint32_t n_nodes, const GArray *links, gboolean outgoing, uint32_t **start_out,
                      uint32_t **ids_out) {
  uint32_t *start = g_new0(uint32_t, n_nodes + 1);
  uint32_t *ids = g_new(uint32_t, links->len > 0 ? links->len : 1);
  for (guint i = 0; i < links->len; i++) {
    const PaleoTopoLink *l = &g_array_index(links, PaleoTopoLink, i);
    start[(outgoing ? l->src : l->dst) + 1]++;
  }
  for (uint32_t v = 0; v < n_nodes; v++) start[v + 1] += start[v];
  uint32_t *fill = g_memdup2(start, sizeof(uint32_t) * n_nodes);
  for (guint i = 0; i < links->len; i++) {
    const PaleoTopoLink *l = &g_array_index(links, PaleoTopoLink, i);
    ids[fill[outgoing ? l->src : l->dst]++] = i;
  }
  g_free(fill);
  *start_out = start;
  *ids_out = ids;
}

static gboolean check_names(PaleoTopology *topo, GError **error) {
  topo->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < topo->nodes->len; i++) {
    const PaleoNode *node = &g_array_index(topo->nodes, PaleoNode, i);
    if (node->name[0] == '\0' || g_hash_table_contains(topo->by_name, node->name)) {
      g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                  "topology: node name \"%s\" is %s (node names must be unique and non-empty)",
                  node->name, node->name[0] == '\0' ? "empty" : "used twice");
      return FALSE;
    }
    g_hash_table_insert(topo->by_name, node->name, GUINT_TO_POINTER(i + 1));
  }
  return TRUE;
}

static gboolean check_links(const PaleoTopology *topo, GError **error) {
  for (guint i = 0; i < topo->links->len; i++) {
    const PaleoTopoLink *l = &g_array_index(topo->links, PaleoTopoLink, i);
    if (!(l->bw_bytes_per_s > 0.0) || !isfinite(l->bw_bytes_per_s)) {
      g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                  "topology: link %s has bandwidth %g bytes/s; expected a finite value > 0",
                  l->name, l->bw_bytes_per_s);
      return FALSE;
    }
    if (l->src == l->dst) {
      g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                  "topology: link %s joins a node to itself", l->name);
      return FALSE;
    }
  }
  return TRUE;
}

/* Marks every node reachable from `from` along (outgoing ? forward : reversed) links. */
static void reach(const PaleoTopology *topo, uint32_t from, gboolean outgoing, guint8 *seen) {
  const uint32_t *start = outgoing ? topo->out_start : topo->in_start;
  const uint32_t *ids = outgoing ? topo->out_links : topo->in_links;
  g_autofree uint32_t *queue = g_new(uint32_t, topo->nodes->len);
  uint32_t head = 0, tail = 0;
  seen[from] = 1;
  queue[tail++] = from;
  while (head < tail) {
    uint32_t v = queue[head++];
    for (uint32_t k = start[v]; k < start[v + 1]; k++) {
      const PaleoTopoLink *l = &g_array_index(topo->links, PaleoTopoLink, ids[k]);
      uint32_t u = outgoing ? l->dst : l->src;
      if (!seen[u]) {
        seen[u] = 1;
        queue[tail++] = u;
      }
    }
  }
}

static gboolean check_connected(const PaleoTopology *topo, GError **error) {
  uint32_t n = topo->nodes->len;
  uint32_t root = g_array_index(topo->workers, uint32_t, 0);
  g_autofree guint8 *fwd = g_new0(guint8, n);
  g_autofree guint8 *bwd = g_new0(guint8, n);
  reach(topo, root, TRUE, fwd);
  reach(topo, root, FALSE, bwd);
  for (uint32_t v = 0; v < n; v++) {
    const PaleoNode *node = &g_array_index(topo->nodes, PaleoNode, v);
    if (node->kind != PALEO_ENTITY_WORKER && node->kind != PALEO_ENTITY_PS) continue;
    if (!fwd[v] || !bwd[v]) {
      g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                  "topology: %s %s is disconnected: it cannot %s worker %s",
                  node->kind == PALEO_ENTITY_PS ? "parameter server" : "worker", node->name,
                  !fwd[v] ? "be reached from" : "reach",
                  g_array_index(topo->nodes, PaleoNode, root).name);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean paleo_topology_finalize(PaleoTopology *topo, GError **error) {
  g_assert(!topo->finalized);
  if (topo->workers->len == 0) {
    g_set_error(error, PALEO_TOPOLOGY_ERROR, PALEO_TOPOLOGY_ERROR_INVALID,
                "topology: no worker nodes; expected at least one");
    return FALSE;
  }
  if (!check_names(topo, error) || !check_links(topo, error)) return FALSE;
  build_csr(topo->nodes->len, topo->links, TRUE, &topo->out_start, &topo->out_links);
  build_csr(topo->nodes->len, topo->links, FALSE, &topo->in_start, &topo->in_links);
  if (!check_connected(topo, error)) return FALSE;
  paleo_topology_route_prepare(topo);
  topo->finalized = TRUE;
  return TRUE;
}

uint32_t paleo_topology_n_nodes(const PaleoTopology *topo) { return topo->nodes->len; }

const PaleoNode *paleo_topology_node(const PaleoTopology *topo, uint32_t id) {
  g_assert(id < topo->nodes->len);
  return &g_array_index(topo->nodes, PaleoNode, id);
}

uint32_t paleo_topology_n_links(const PaleoTopology *topo) { return topo->links->len; }

const PaleoTopoLink *paleo_topology_link(const PaleoTopology *topo, uint32_t id) {
  g_assert(id < topo->links->len);
  return &g_array_index(topo->links, PaleoTopoLink, id);
}

uint32_t paleo_topology_n_workers(const PaleoTopology *topo) { return topo->workers->len; }

uint32_t paleo_topology_worker_node(const PaleoTopology *topo, uint32_t rank) {
  g_assert(rank < topo->workers->len);
  return g_array_index(topo->workers, uint32_t, rank);
}

uint32_t paleo_topology_n_ps(const PaleoTopology *topo) { return topo->ps->len; }

uint32_t paleo_topology_ps_node(const PaleoTopology *topo, uint32_t index) {
  g_assert(index < topo->ps->len);
  return g_array_index(topo->ps, uint32_t, index);
}

uint32_t paleo_topology_count_kind(const PaleoTopology *topo, PaleoEntityKind kind) {
  uint32_t count = 0;
  for (guint i = 0; i < topo->nodes->len; i++)
    if (g_array_index(topo->nodes, PaleoNode, i).kind == kind) count++;
  return count;
}

int64_t paleo_topology_find_node(const PaleoTopology *topo, const char *name) {
  g_assert(topo->finalized);
  gpointer v = g_hash_table_lookup(topo->by_name, name);
  return v == NULL ? -1 : (int64_t)GPOINTER_TO_UINT(v) - 1;
}

const uint32_t *paleo_topology_out_links(const PaleoTopology *topo, uint32_t node, uint32_t *n) {
  g_assert(topo->finalized && node < topo->nodes->len);
  *n = topo->out_start[node + 1] - topo->out_start[node];
  return topo->out_links + topo->out_start[node];
}

uint64_t paleo_topology_path_latency_ns(const PaleoTopology *topo, const uint32_t *links, guint n) {
  uint64_t sum = 0;
  for (guint i = 0; i < n; i++) sum += paleo_topology_link(topo, links[i])->latency_ns;
  return sum;
}

double paleo_topology_path_bottleneck_bytes_per_s(const PaleoTopology *topo, const uint32_t *links,
                                                  guint n) {
  double bw = INFINITY;
  for (guint i = 0; i < n; i++) bw = fmin(bw, paleo_topology_link(topo, links[i])->bw_bytes_per_s);
  return bw;
}

void paleo_topology_set_link_bandwidth(PaleoTopology *topo, uint32_t link, double bw_bytes_per_s) {
  g_assert(link < topo->links->len);
  g_assert(bw_bytes_per_s > 0.0 && isfinite(bw_bytes_per_s));
  g_array_index(topo->links, PaleoTopoLink, link).bw_bytes_per_s = bw_bytes_per_s;
}

/* The cluster graph: workers (accelerators), hosts, switches and parameter-server nodes
 * joined by directed links with a bandwidth (bytes/s) and a latency (ns); a full-duplex
 * link is two directed links. Built either by hand (add nodes and links, then finalize),
 * by a named generator (topology/generators.h) or from a file (topology/topofile.h).
 *
 * Routing: shortest paths by hop count or by latency, with deterministic ECMP (a hash of
 * the flow id picks among equal-cost next hops at every node). Nodes with a single
 * neighbour (hosts on a switch, GPUs in a host) are routed through that neighbour, and
 * per-destination shortest-path distances are computed lazily over the remaining "core"
 * nodes and cached, so no all-pairs table is ever built. */
#ifndef PALEO_TOPOLOGY_H
#define PALEO_TOPOLOGY_H

#include <glib.h>
#include <stdint.h>

#include "engine/trace.h"

#define PALEO_TOPOLOGY_ERROR (paleo_topology_error_quark())
GQuark paleo_topology_error_quark(void);
typedef enum {
  PALEO_TOPOLOGY_ERROR_PARSE,   /* malformed file line or value */
  PALEO_TOPOLOGY_ERROR_INVALID, /* well-formed but meaningless: zero bandwidth, disconnected */
  PALEO_TOPOLOGY_ERROR_UNKNOWN, /* unknown generator, parameter, node or kind */
} PaleoTopologyError;

typedef enum {
  PALEO_ROUTE_HOPS = 0,    /* fewest links; ties are ECMP */
  PALEO_ROUTE_LATENCY = 1, /* least total latency, then fewest links; ties are ECMP */
} PaleoRouteMetric;

typedef struct {
  char *name;           /* "w12", "host3", "leaf0", "spine1", "ps0" (owned) */
  PaleoEntityKind kind; /* worker, host, switch or parameter server */
  int32_t host;         /* node id of the host a worker sits in; its own id when the worker
                           is a host itself; -1 for switches and hosts */
  int32_t rank;         /* worker rank (0..n_workers-1) or PS index; -1 otherwise */
} PaleoNode;

/* Accepted link figures, wherever a topology is read: a latency up to 1 s (as a scenario's
 * latency_us), a bandwidth from 1 B/s to 1 PB/s. They keep every simulated time far from
 * the 64-bit nanosecond clock's end. */
#define PALEO_TOPOLOGY_MAX_LATENCY_NS UINT64_C(1000000000)
#define PALEO_TOPOLOGY_MIN_BW_BYTES_PER_S 1.0
#define PALEO_TOPOLOGY_MAX_BW_BYTES_PER_S 1e15

typedef struct {
  char *name;            /* "host3->leaf0", "host3->leaf0#1" for a second NIC (owned) */
  uint32_t src, dst;     /* node ids */
  double bw_bytes_per_s; /* > 0 */
  uint64_t latency_ns;
} PaleoTopoLink;

typedef struct PaleoTopology PaleoTopology;

PaleoTopology *paleo_topology_new(void);
void paleo_topology_free(PaleoTopology *topo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTopology, paleo_topology_free)

/* Building (before finalize). Workers get ranks in the order they are added, parameter
 * servers PS indices likewise. `host` is a node id or -1 (a worker with host -1 is its
 * own host). Names are copied; uniqueness is checked by finalize. */
uint32_t paleo_topology_add_node(PaleoTopology *topo, PaleoEntityKind kind, const char *name,
                                 int32_t host);
/* One directed link; `name` NULL gives "src->dst" (with "#k" appended for the k-th
 * parallel link between the same pair). Bandwidth is checked by finalize. */
uint32_t paleo_topology_add_link(PaleoTopology *topo, uint32_t src, uint32_t dst,
                                 double bw_bytes_per_s, uint64_t latency_ns, const char *name);
/* Two directed links a->b and b->a; returns the id of a->b (b->a is that id + 1). */
uint32_t paleo_topology_add_duplex(PaleoTopology *topo, uint32_t a, uint32_t b,
                                   double bw_bytes_per_s, uint64_t latency_ns);
/* Validates (unique names, bandwidths > 0 and finite, at least one worker, every worker
 * and parameter server reachable from and to worker 0) and prepares routing. */
gboolean paleo_topology_finalize(PaleoTopology *topo, GError **error);
/* Demotes workers of rank >= n to hosts (a file may describe more accelerators than a
 * run uses); before finalize only. */
void paleo_topology_keep_workers(PaleoTopology *topo, uint32_t n);

/* Routing metric; may be changed at any time (clears the route cache). */
void paleo_topology_set_route_metric(PaleoTopology *topo, PaleoRouteMetric metric);

/* Queries (after finalize). */
uint32_t paleo_topology_n_nodes(const PaleoTopology *topo);
const PaleoNode *paleo_topology_node(const PaleoTopology *topo, uint32_t id);
uint32_t paleo_topology_n_links(const PaleoTopology *topo);
const PaleoTopoLink *paleo_topology_link(const PaleoTopology *topo, uint32_t id);
uint32_t paleo_topology_n_workers(const PaleoTopology *topo);
uint32_t paleo_topology_worker_node(const PaleoTopology *topo, uint32_t rank);
uint32_t paleo_topology_n_ps(const PaleoTopology *topo);
uint32_t paleo_topology_ps_node(const PaleoTopology *topo, uint32_t index);
/* Number of nodes of a kind. */
uint32_t paleo_topology_count_kind(const PaleoTopology *topo, PaleoEntityKind kind);
/* Node id by name, or -1. */
int64_t paleo_topology_find_node(const PaleoTopology *topo, const char *name);
/* Outgoing links of a node (ids in insertion order). OUT: n. */
const uint32_t *paleo_topology_out_links(const PaleoTopology *topo, uint32_t node, uint32_t *n);

/* The route from src to dst (node ids) as directed link ids, appended to `links_out`
 * (a GArray of uint32_t, cleared first). Returns FALSE when dst is unreachable.
 * Deterministic: the same (src, dst, flow_hash) always gives the same route; different
 * hashes spread over equal-cost paths. Mutates only the route cache. */
gboolean paleo_topology_route(PaleoTopology *topo, uint32_t src, uint32_t dst,
                              uint64_t flow_hash, GArray *links_out);
/* Sum of latencies and smallest bandwidth along a route (link id array). */
uint64_t paleo_topology_path_latency_ns(const PaleoTopology *topo, const uint32_t *links,
                                        guint n);
double paleo_topology_path_bottleneck_bytes_per_s(const PaleoTopology *topo,
                                                  const uint32_t *links, guint n);

/* Changes a link's bandwidth (> 0); used by the network model for degraded links. */
void paleo_topology_set_link_bandwidth(PaleoTopology *topo, uint32_t link, double bw_bytes_per_s);

#endif

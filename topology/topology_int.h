/* Internals shared by topology.c (storage, validation) and route.c (routing). */
#ifndef PALEO_TOPOLOGY_INT_H
#define PALEO_TOPOLOGY_INT_H

#include <glib.h>
#include <stdint.h>

#include "topology/topology.h"

#define PALEO_NONE UINT32_MAX

struct PaleoTopology {
  GArray *nodes;          /* PaleoNode */
  GArray *links;          /* PaleoTopoLink */
  GArray *workers;        /* uint32_t node id per rank */
  GArray *ps;             /* uint32_t node id per PS index */
  GHashTable *by_name;    /* node name -> id + 1 (after finalize) */
  GHashTable *pair_count; /* (src, dst) -> links so far, for "#k" names while building */
  gboolean finalized;
  PaleoRouteMetric metric;
  /* Compressed adjacency (after finalize). */
  uint32_t *out_start, *out_links; /* out_links[out_start[v] .. out_start[v+1]) */
  uint32_t *in_start, *in_links;
  /* Routing: a node with a single neighbour is a leaf reached through attach[v]; every
   * other node is "core" and has a dense core index. */
  uint32_t *attach;     /* neighbour of a leaf, PALEO_NONE for core nodes */
  uint32_t *core_index; /* node -> core index, PALEO_NONE for leaves */
  uint32_t *core_nodes; /* core index -> node */
  uint32_t n_core;
  uint64_t **dist_cache; /* per core destination: distances of all core nodes, or NULL */
  uint64_t cache_entries; /* sum of cached array lengths */
  /* Scratch for searches that are not cached (large cores). */
  uint64_t *scratch_dist;
  uint32_t *scratch_stamp;
  uint32_t scratch_epoch;
  GArray *heap; /* search heap entries */
};

/* route.c: classifies leaves and core nodes (called by finalize). */
void paleo_topology_route_prepare(PaleoTopology *topo);
/* route.c: frees cached distances and scratch. */
void paleo_topology_route_cache_clear(PaleoTopology *topo);

#endif

/* Network benchmark: the flow-level model under a ring all-reduce step pattern (worker i
 * sends step s+1 to i+1 once it has received step s from i-1) with 1024 and 4096
 * concurrent flows on a fat-tree, and random permutation traffic with random sizes.
 * Prints flows per second and solver re-solves per second of wall-clock time, and how
 * long the largest fat-tree takes to build and route across (target: well under 1 s). */
#include <stdio.h>

#include "engine/engine.h"
#include "engine/rng.h"
#include "topology/generators.h"
#include "topology/network.h"

typedef struct {
  PaleoTopology *topo;
  uint32_t workers, steps;
  uint64_t chunk_bytes;
  GArray *flow_step; /* uint32_t per flow id */
} Ring;

static void ring_send(PaleoNetwork *net, Ring *ring, uint32_t rank, uint32_t step);

static void ring_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data) {
  Ring *ring = user_data;
  uint32_t step = g_array_index(ring->flow_step, uint32_t, flow->id);
  uint32_t rank = (uint32_t)paleo_topology_node(ring->topo, flow->dst)->rank;
  if (step + 1 < ring->steps) ring_send(net, ring, rank, step + 1);
}

static void ring_send(PaleoNetwork *net, Ring *ring, uint32_t rank, uint32_t step) {
  uint32_t src = paleo_topology_worker_node(ring->topo, rank);
  uint32_t dst = paleo_topology_worker_node(ring->topo, (rank + 1) % ring->workers);
  uint64_t id = paleo_network_start_flow(net, src, dst, ring->chunk_bytes, ring_done, ring);
  if (ring->flow_step->len <= id) g_array_set_size(ring->flow_step, (guint)id + 1);
  g_array_index(ring->flow_step, uint32_t, id) = step;
}

static PaleoTopology *fat_tree(uint32_t workers, double oversubscription) {
  PaleoTopologyParams p;
  paleo_topology_params_init(&p);
  g_free(p.generator);
  p.generator = g_strdup("fat-tree");
  p.workers = workers;
  p.radix = 32;
  p.oversubscription = oversubscription;
  p.link_bw_bytes_per_s = 12.5e9; /* 100 Gbit/s */
  p.link_latency_ns = 1000;
  g_autoptr(GError) error = NULL;
  PaleoTopology *topo = paleo_topology_generate(&p, &error);
  if (topo == NULL) g_error("%s", error->message);
  paleo_topology_params_clear(&p);
  return topo;
}

static void report(const char *what, uint32_t workers, PaleoEngine *engine, PaleoNetwork *net,
                   gint64 t0) {
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  const PaleoNetworkStats *st = paleo_network_stats(net);
  printf("%s workers=%u flows=%" G_GUINT64_FORMAT " solves=%" G_GUINT64_FORMAT
         " mean_component_flows=%.1f sim_ms=%.3f wall_s=%.3f flows_per_s=%.0f solves_per_s=%.0f\n",
         what, workers, st->flows_delivered, st->solves,
         st->solves ? (double)st->solved_flows / (double)st->solves : 0.0,
         (double)paleo_engine_now(engine) / 1e6, wall, (double)st->flows_delivered / wall,
         (double)st->solves / wall);
}

static void bench_ring(uint32_t workers, uint32_t steps, double oversubscription) {
  g_autoptr(PaleoTopology) topo = fat_tree(workers, oversubscription);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  Ring ring = {topo, workers, steps, (uint64_t)(100e6 / workers),
               g_array_new(FALSE, FALSE, sizeof(uint32_t))};
  gint64 t0 = g_get_monotonic_time();
  for (uint32_t r = 0; r < workers; r++) ring_send(net, &ring, r, 0);
  paleo_engine_run(engine, NULL);
  char what[64];
  g_snprintf(what, sizeof(what), "ring-allreduce oversub=%g steps=%u", oversubscription, steps);
  report(what, workers, engine, net, t0);
  g_array_free(ring.flow_step, TRUE);
}

static void bench_permutation(uint32_t workers, double oversubscription) {
  g_autoptr(PaleoTopology) topo = fat_tree(workers, oversubscription);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  PaleoRng rng;
  paleo_rng_seed(&rng, 42, 0);
  g_autofree uint32_t *perm = g_new(uint32_t, workers);
  for (uint32_t i = 0; i < workers; i++) perm[i] = i;
  for (uint32_t i = workers - 1; i > 0; i--) { /* Fisher-Yates */
    uint32_t j = (uint32_t)(paleo_rng_u64(&rng) % (i + 1));
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  gint64 t0 = g_get_monotonic_time();
  for (uint32_t i = 0; i < workers; i++) {
    uint64_t bytes = 1000000 + paleo_rng_u64(&rng) % 9000000;
    paleo_network_start_flow(net, paleo_topology_worker_node(topo, i),
                             paleo_topology_worker_node(topo, perm[i]), bytes, NULL, NULL);
  }
  paleo_engine_run(engine, NULL);
  char what[64];
  g_snprintf(what, sizeof(what), "permutation oversub=%g", oversubscription);
  report(what, workers, engine, net, t0);
}

static void bench_build(uint32_t workers) {
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(PaleoTopology) topo = fat_tree(workers, 1.0);
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  paleo_topology_route(topo, paleo_topology_worker_node(topo, 0), paleo_topology_worker_node(topo, workers - 1), 7,
                       links);
  printf("build fat-tree workers=%u nodes=%u links=%u wall_s=%.3f\n", workers, paleo_topology_n_nodes(topo),
         paleo_topology_n_links(topo), (double)(g_get_monotonic_time() - t0) / 1e6);
}

int main(void) {
  bench_build(16384);
  bench_ring(1024, 16, 1.0);
  bench_ring(4096, 16, 1.0);
  bench_ring(4096, 16, 4.0);
  bench_permutation(1024, 1.0);
  bench_permutation(4096, 1.0);
  bench_permutation(4096, 4.0);
  return 0;
}

/* Tests of routing: routes are walks of minimal length (checked against a plain BFS),
 * deterministic for a flow hash, spread over equal-cost paths by ECMP, and follow the
 * latency metric when asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/rng.h"
#include "topo_test_util.h"

/* Random node pairs: the route is a walk of BFS length and repeats for the same hash. */
static void check_shortest(PaleoTopology *topo, guint pairs, uint64_t seed) {
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  g_autoptr(GArray) again = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  PaleoRng rng;
  paleo_rng_seed(&rng, seed, 0);
  uint32_t n = paleo_topology_n_nodes(topo);
  for (guint i = 0; i < pairs; i++) {
    uint32_t a = (uint32_t)(paleo_rng_u64(&rng) % n), b = (uint32_t)(paleo_rng_u64(&rng) % n);
    uint64_t hash = paleo_rng_u64(&rng);
    uint32_t hops = tt_bfs_hops(topo, a, b);
    gboolean ok = paleo_topology_route(topo, a, b, hash, links);
    assert_int_equal(ok, hops != UINT32_MAX);
    if (!ok) continue;
    assert_int_equal(links->len, hops);
    tt_assert_path(topo, (const uint32_t *)links->data, links->len, a, b);
    assert_true(paleo_topology_route(topo, a, b, hash, again));
    assert_memory_equal(links->data, again->data, sizeof(uint32_t) * links->len);
  }
}

static void test_shortest_on_every_fabric(void **state) {
  (void)state;
  const char *specs[][4] = {
      {"generator=star", "workers=9", "ps_count=2", NULL},
      {"generator=fat-tree", "workers=60", "radix=8", "ps_count=3"},
      {"generator=ring", "workers=11", NULL, NULL},
      {"generator=torus2d", "workers=30", "dims=6x5", NULL},
      {"generator=torus3d", "workers=27", NULL, NULL},
      {"generator=hierarchical", "workers=40", "gpus_per_host=4", "nics_per_host=2"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_autoptr(PaleoTopology) topo = tt_generate(NULL, specs[i][0], specs[i][1], specs[i][2], specs[i][3], NULL);
    assert_non_null(topo);
    check_shortest(topo, 400, i + 1);
  }
}

static void test_large_core_search(void **state) {
  (void)state;
  /* 80 x 60 = 4800 core nodes: above the cache limit, each route searches on its own. */
  g_autoptr(PaleoTopology) topo = tt_generate(NULL, "generator=torus2d", "workers=4800", "dims=80x60", NULL);
  assert_non_null(topo);
  check_shortest(topo, 20, 99);
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  /* (0,0) to (40,30): 40 + 30 hops either way round. */
  assert_true(paleo_topology_route(topo, paleo_topology_worker_node(topo, 0),
                                   paleo_topology_worker_node(topo, 40 + 80 * 30), 5, links));
  assert_int_equal(links->len, 70);
}

static void test_ecmp_spreads(void **state) {
  (void)state;
  /* radix 8: 4 spines. w0 (leaf0) -> w63 (leaf15) has 4 equal paths, one per spine. */
  g_autoptr(PaleoTopology) topo = tt_generate(NULL, "generator=fat-tree", "workers=64", "radix=8", NULL);
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  uint32_t per_spine[4] = {0};
  for (uint64_t h = 0; h < 4000; h++) {
    assert_true(paleo_topology_route(topo, paleo_topology_worker_node(topo, 0),
                                     paleo_topology_worker_node(topo, 63), h, links));
    assert_int_equal(links->len, 4);
    const PaleoNode *spine = paleo_topology_node(topo, paleo_topology_link(topo, g_array_index(links, uint32_t, 1))->dst);
    assert_int_equal(spine->kind, PALEO_ENTITY_SWITCH);
    per_spine[spine->name[5] - '0']++;
  }
  for (int s = 0; s < 4; s++) assert_in_range(per_spine[s], 850, 1150); /* 1000 expected */
}

static void test_ecmp_parallel_nics(void **state) {
  (void)state;
  /* Two NICs per host: flows from host0's GPUs to host1 use both NIC links. */
  g_autoptr(PaleoTopology) topo = tt_generate(NULL, "generator=hierarchical", "workers=16", "gpus_per_host=8",
                                              "nics_per_host=2", "fabric=star", NULL);
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  uint32_t seen[2] = {0, 0};
  uint32_t first = UINT32_MAX;
  for (uint64_t h = 0; h < 200; h++) {
    assert_true(paleo_topology_route(topo, paleo_topology_worker_node(topo, 1),
                                     paleo_topology_worker_node(topo, 9), h, links));
    uint32_t nic = g_array_index(links, uint32_t, 1);
    if (first == UINT32_MAX) first = nic;
    seen[nic == first ? 0 : 1]++;
  }
  assert_in_range(seen[0], 60, 140);
  assert_int_equal(seen[0] + seen[1], 200);
}

static void test_latency_metric(void **state) {
  (void)state;
  /* a->c directly costs 100 us; a->b->c costs 2 us over two hops. */
  g_autoptr(PaleoTopology) topo = tt_from_text("node a worker\nnode b switch\nnode c worker\n"
                                               "link a c 1GB/s 100us\nlink a b 1GB/s 1us\nlink b c 1GB/s 1us\n");
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  assert_true(paleo_topology_route(topo, 0, 2, 0, links));
  assert_int_equal(links->len, 1);
  assert_int_equal(paleo_topology_path_latency_ns(topo, (const uint32_t *)links->data, links->len), 100000);
  paleo_topology_set_route_metric(topo, PALEO_ROUTE_LATENCY);
  assert_true(paleo_topology_route(topo, 0, 2, 0, links));
  assert_int_equal(links->len, 2);
  assert_int_equal(paleo_topology_path_latency_ns(topo, (const uint32_t *)links->data, links->len), 2000);
  tt_assert_path(topo, (const uint32_t *)links->data, links->len, 0, 2);
}

static void test_self_route(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = tt_generate(NULL, "generator=star", "workers=3", NULL);
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  assert_true(paleo_topology_route(topo, 1, 1, 0, links));
  assert_int_equal(links->len, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shortest_on_every_fabric), cmocka_unit_test(test_large_core_search),
      cmocka_unit_test(test_ecmp_spreads),             cmocka_unit_test(test_ecmp_parallel_nics),
      cmocka_unit_test(test_latency_metric),           cmocka_unit_test(test_self_route),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

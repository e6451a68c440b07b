/* Tests of the topology generators, the topology file reader and input validation:
 * node and link counts worked out by hand, connectivity, names, error messages, and
 * build time at 16384 workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "topo_test_util.h"
#include "topology/generators.h"
#include "topology/topofile.h"

/* Every worker and PS can route to every other (a sample of pairs for big graphs). */
static void assert_connected(PaleoTopology *topo) {
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t r = 0; r < paleo_topology_n_workers(topo); r++) {
    uint32_t v = paleo_topology_worker_node(topo, r);
    g_array_append_val(ends, v);
  }
  for (uint32_t i = 0; i < paleo_topology_n_ps(topo); i++) {
    uint32_t v = paleo_topology_ps_node(topo, i);
    g_array_append_val(ends, v);
  }
  guint step = ends->len > 64 ? ends->len / 64 : 1;
  for (guint i = 0; i < ends->len; i += step)
    for (guint j = 0; j < ends->len; j += step) {
      uint32_t a = g_array_index(ends, uint32_t, i), b = g_array_index(ends, uint32_t, j);
      assert_true(paleo_topology_route(topo, a, b, i * 31 + j, links));
      tt_assert_path(topo, (const uint32_t *)links->data, links->len, a, b);
    }
}

static void check_counts(PaleoTopology *topo, uint32_t nodes, uint32_t links, uint32_t workers,
                         uint32_t switches) {
  assert_non_null(topo);
  assert_int_equal(paleo_topology_n_nodes(topo), nodes);
  assert_int_equal(paleo_topology_n_links(topo), links);
  assert_int_equal(paleo_topology_n_workers(topo), workers);
  assert_int_equal(paleo_topology_count_kind(topo, PALEO_ENTITY_SWITCH), switches);
  assert_connected(topo);
}

static void test_star(void **state) {
  (void)state;
  /* 8 workers + 1 PS on one switch: 10 nodes, 9 duplex links. */
  g_autoptr(PaleoTopology) topo = tt_generate(NULL, "generator=star", "workers=8", "ps_count=1", NULL);
  check_counts(topo, 10, 18, 8, 1);
  assert_int_equal(paleo_topology_n_ps(topo), 1);
  const PaleoNode *ps = paleo_topology_node(topo, paleo_topology_ps_node(topo, 0));
  assert_string_equal(ps->name, "ps0");
  assert_int_equal(ps->kind, PALEO_ENTITY_PS);
  const PaleoNode *w3 = paleo_topology_node(topo, paleo_topology_worker_node(topo, 3));
  assert_string_equal(w3->name, "w3");
  assert_int_equal(w3->host, paleo_topology_worker_node(topo, 3)); /* its own host */
  assert_string_equal(paleo_topology_link(topo, 0)->name, "w0->switch0");
  assert_string_equal(paleo_topology_link(topo, 1)->name, "switch0->w0");
}

static void test_fat_tree(void **state) {
  (void)state;
  /* radix 8, r = 1: 4 hosts + 4 uplinks per leaf; 64 workers -> 16 leaves, 4 spines;
   * links: 64 host duplex + 16 x 4 uplink duplex = 256 directed. */
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=fat-tree", "workers=64", "radix=8", "link_bw_bytes_per_s=1e9", NULL);
  check_counts(topo, 84, 256, 64, 20);
  int64_t leaf = paleo_topology_find_node(topo, "leaf15"), spine = paleo_topology_find_node(topo, "spine3");
  assert_true(leaf >= 0 && spine >= 0);
  assert_int_equal(paleo_topology_find_node(topo, "spine4"), -1);
  /* Uplinks carry the same bandwidth as host links at r = 1. */
  uint32_t n;
  const uint32_t *out = paleo_topology_out_links(topo, (uint32_t)spine, &n);
  assert_int_equal(n, 16);
  assert_true(paleo_topology_link(topo, out[0])->bw_bytes_per_s == 1e9);
}

static void test_fat_tree_oversubscribed(void **state) {
  (void)state;
  /* radix 8, r = 2: h = round(8*2/3) = 5 hosts, u = 3 uplinks per leaf, uplink bandwidth
   * 5 * 1e9 / (3 * 2) = 0.8333e9, so host-facing 5e9 / uplink 2.5e9 = 2. 10 workers ->
   * 2 leaves, 3 spines: 10*2 + 2*3*2 = 32 links. */
  g_autoptr(PaleoTopology) topo = tt_generate(NULL, "generator=leaf-spine", "workers=10", "radix=8",
                                              "oversubscription=2", "link_bw_bytes_per_s=1e9", NULL);
  check_counts(topo, 15, 32, 10, 5);
  uint32_t leaf = (uint32_t)paleo_topology_find_node(topo, "leaf0"), n;
  const uint32_t *out = paleo_topology_out_links(topo, leaf, &n);
  double down = 0, up = 0;
  for (uint32_t i = 0; i < n; i++) {
    const PaleoTopoLink *l = paleo_topology_link(topo, out[i]);
    if (paleo_topology_node(topo, l->dst)->kind == PALEO_ENTITY_SWITCH) up += l->bw_bytes_per_s;
    else down += l->bw_bytes_per_s;
  }
  assert_float_equal(down, 5e9, 1e-3);
  assert_float_equal(down / up, 2.0, 1e-12);
}

static void test_ring_and_tori(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) ring = tt_generate(NULL, "generator=ring", "workers=5", NULL);
  check_counts(ring, 5, 10, 5, 0);
  g_autoptr(PaleoTopology) ring2 = tt_generate(NULL, "generator=ring", "workers=2", NULL);
  check_counts(ring2, 2, 2, 2, 0); /* two nodes: one duplex link, not two */
  /* 4x4 torus: 16 nodes x 2 dimensions x 1 duplex link each = 64 directed. */
  g_autoptr(PaleoTopology) t2 = tt_generate(NULL, "generator=torus2d", "workers=16", "dims=4x4", NULL);
  check_counts(t2, 16, 64, 16, 0);
  /* Factored automatically: 12 -> 4x3; 12 x 2 duplex = 48. */
  g_autoptr(PaleoTopology) t2auto = tt_generate(NULL, "generator=torus2d", "workers=12", NULL);
  check_counts(t2auto, 12, 48, 12, 0);
  /* 2x3x4: dimension of size 2 has 12 duplex pairs, size 3: 24, size 4: 24 -> 120. */
  g_autoptr(PaleoTopology) t3 = tt_generate(NULL, "generator=torus3d", "workers=24", "dims=2x3x4", NULL);
  check_counts(t3, 24, 120, 24, 0);
  /* Worst-case hop count on a 4x4 torus is 2 + 2. */
  assert_int_equal(tt_bfs_hops(t2, paleo_topology_worker_node(t2, 0), paleo_topology_worker_node(t2, 10)), 4);
}

static void test_hierarchical(void **state) {
  (void)state;
  /* 16 GPUs, 8 per host, 2 NICs, a star fabric and one PS: 2 hosts + 16 GPUs + ps0 +
   * switch0 = 20 nodes; 16 intra duplex + 2 hosts x 2 NICs + ps 2 NICs = 22 duplex. */
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=hierarchical", "workers=16", "gpus_per_host=8", "nics_per_host=2",
                  "fabric=star", "ps_count=1", "intra_bw_bytes_per_s=150e9", NULL);
  check_counts(topo, 20, 44, 16, 1);
  const PaleoNode *w9 = paleo_topology_node(topo, paleo_topology_worker_node(topo, 9));
  assert_string_equal(paleo_topology_node(topo, (uint32_t)w9->host)->name, "host1");
  assert_true(paleo_topology_find_node(topo, "host1") == w9->host);
  assert_int_equal(paleo_topology_count_kind(topo, PALEO_ENTITY_HOST), 2);
  /* Second NIC link gets a distinct name. */
  assert_true(paleo_topology_find_node(topo, "switch0") >= 0);
  gboolean found = FALSE;
  for (uint32_t i = 0; i < paleo_topology_n_links(topo); i++)
    found |= strcmp(paleo_topology_link(topo, i)->name, "host1->switch0#1") == 0;
  assert_true(found);
  /* GPU to GPU in one host: two intra links; across hosts: 4 links. */
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  assert_true(paleo_topology_route(topo, paleo_topology_worker_node(topo, 0),
                                   paleo_topology_worker_node(topo, 7), 1, links));
  assert_int_equal(links->len, 2);
  assert_true(paleo_topology_link(topo, g_array_index(links, uint32_t, 0))->bw_bytes_per_s == 150e9);
  assert_true(paleo_topology_route(topo, paleo_topology_worker_node(topo, 0),
                                   paleo_topology_worker_node(topo, 8), 1, links));
  assert_int_equal(links->len, 4);
}

static void test_every_generator_builds(void **state) {
  (void)state;
  char path[512];
  g_snprintf(path, sizeof(path), "%s/topo-every.txt", g_getenv("PALEO_TEST_TMP"));
  assert_true(g_file_set_contents(path, "node w0 worker\nnode w1 worker\nlink w0 w1 1GB/s 1us\n", -1, NULL));
  for (const PaleoTopologyGenerator *g = paleo_topology_generators; g->name != NULL; g++) {
    PaleoTopologyParams p;
    paleo_topology_params_init(&p);
    g_free(p.generator);
    p.generator = g_strdup(g->name);
    p.workers = strcmp(g->name, "file") == 0 ? 0 : 12;
    p.file = g_strdup(path);
    p.radix = 8;
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoTopology) topo = paleo_topology_generate(&p, &error);
    if (topo == NULL) fail_msg("%s: %s", g->name, error->message);
    assert_true(paleo_topology_n_workers(topo) >= 2);
    assert_connected(topo);
    paleo_topology_params_clear(&p);
  }
}

static void test_file(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = tt_from_text(
      "# two GPUs in a host, one switch\n"
      "node host0 host\n"
      "node g0 worker host=host0   # first accelerator\n"
      "node g1 worker host=host0\n"
      "node sw switch\n"
      "node ps0 ps\n"
      "link g0 host0 300GB/s 500ns\n"
      "link g1 host0 300GB/s 0.5us\n"
      "link host0 sw 100Gbps 1us duplex\n"
      "link ps0 sw 100Gbps 1us\n"
      "link sw ps0 100Gbps 2000 simplex\n");
  assert_int_equal(paleo_topology_n_nodes(topo), 5);
  assert_int_equal(paleo_topology_n_links(topo), 9);
  assert_int_equal(paleo_topology_n_workers(topo), 2);
  const PaleoTopoLink *l = paleo_topology_link(topo, 4);
  assert_string_equal(l->name, "host0->sw");
  assert_float_equal(l->bw_bytes_per_s, 12.5e9, 1e-3);
  assert_int_equal(l->latency_ns, 1000);
  assert_int_equal(paleo_topology_link(topo, 2)->latency_ns, 500);
  assert_string_equal(paleo_topology_link(topo, 8)->name, "sw->ps0#1");
  assert_int_equal(paleo_topology_node(topo, 1)->host, 0);
}

static void test_units(void **state) {
  (void)state;
  double bw;
  guint64 ns;
  assert_true(paleo_topology_parse_bandwidth("10Gbps", &bw));
  assert_float_equal(bw, 1.25e9, 1e-6);
  assert_true(paleo_topology_parse_bandwidth("2.5e9", &bw));
  assert_float_equal(bw, 2.5e9, 1e-6);
  assert_false(paleo_topology_parse_bandwidth("0", &bw));
  assert_false(paleo_topology_parse_bandwidth("10 furlongs", &bw));
  assert_true(paleo_topology_parse_latency("1.5us", &ns));
  assert_int_equal(ns, 1500);
  assert_true(paleo_topology_parse_latency("2ms", &ns));
  assert_int_equal(ns, 2000000);
  assert_false(paleo_topology_parse_latency("-1", &ns));
  /* finding 08: latencies from 0 to 1 s (as a scenario's latency_us), bandwidths from 1 B/s
   * to 1 PB/s; beyond, simulated times would run off the 64-bit clock */
  assert_true(paleo_topology_parse_latency("1s", &ns));
  assert_int_equal(ns, 1000000000);
  assert_false(paleo_topology_parse_latency("1.5s", &ns));
  assert_false(paleo_topology_parse_latency("1e10s", &ns));
  assert_false(paleo_topology_parse_latency("9223372036854775808", &ns));
  assert_false(paleo_topology_parse_latency("nan", &ns));
  assert_true(paleo_topology_parse_bandwidth("1e15", &bw));
  assert_false(paleo_topology_parse_bandwidth("2e15", &bw));
  assert_false(paleo_topology_parse_bandwidth("1e-300", &bw));
  assert_false(paleo_topology_parse_bandwidth("0.5B/s", &bw));
}

/* The error message contains every fragment. */
static void assert_error(GError *error, int code, const char *frag1, const char *frag2) {
  assert_non_null(error);
  assert_true(error->domain == PALEO_TOPOLOGY_ERROR);
  assert_int_equal(error->code, code);
  if (strstr(error->message, frag1) == NULL || (frag2 && strstr(error->message, frag2) == NULL))
    fail_msg("message \"%s\" lacks \"%s\"/\"%s\"", error->message, frag1, frag2 ? frag2 : "");
}

static void test_bad_parameters(void **state) {
  (void)state;
  struct {
    const char *kv[4];
    int code;
    const char *frag1, *frag2;
  } cases[] = {
      {{"generator=dragonfly"}, PALEO_TOPOLOGY_ERROR_UNKNOWN, "generator", "dragonfly"},
      {{"colour=blue"}, PALEO_TOPOLOGY_ERROR_UNKNOWN, "topology.colour", NULL},
      {{"generator=ring", "radix=8"}, PALEO_TOPOLOGY_ERROR_UNKNOWN, "topology.radix", "ring"},
      {{"link_bw_bytes_per_s=0"}, PALEO_TOPOLOGY_ERROR_PARSE, "link_bw_bytes_per_s", "> 0"},
      {{"link_bw_bytes_per_s=-5"}, PALEO_TOPOLOGY_ERROR_PARSE, "link_bw_bytes_per_s", "\"-5\""},
      {{"link_bw_bytes_per_s=1e300"}, PALEO_TOPOLOGY_ERROR_PARSE, "link_bw_bytes_per_s", "1e15"},
      {{"link_latency_ns=9223372036854775808"}, PALEO_TOPOLOGY_ERROR_PARSE, "link_latency_ns", "1 s"},
      {{"workers=many"}, PALEO_TOPOLOGY_ERROR_PARSE, "topology.workers", "many"},
      {{"workers=0"}, PALEO_TOPOLOGY_ERROR_INVALID, "workers", ">= 1"},
      {{"generator=torus2d", "workers=10", "dims=4x4"}, PALEO_TOPOLOGY_ERROR_INVALID, "topology.dims", "10"},
      {{"generator=hierarchical", "fabric=hypercube"}, PALEO_TOPOLOGY_ERROR_UNKNOWN, "topology.fabric", "hypercube"},
      {{"generator=file"}, PALEO_TOPOLOGY_ERROR_INVALID, "topology.file", NULL},
      {{"generator=file", "file=/nonexistent/topo.txt"}, PALEO_TOPOLOGY_ERROR_PARSE, "/nonexistent/topo.txt", NULL},
      {{"routing=random"}, PALEO_TOPOLOGY_ERROR_PARSE, "topology.routing", NULL},
      {{"generator=fat-tree", "radix=4", "nics_per_host=3"}, PALEO_TOPOLOGY_ERROR_INVALID, "nics_per_host", NULL},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    PaleoTopology *topo = tt_generate(&error, cases[i].kv[0], cases[i].kv[1], cases[i].kv[2], NULL);
    assert_null(topo);
    assert_error(error, cases[i].code, cases[i].frag1, cases[i].frag2);
  }
}

static void test_bad_files(void **state) {
  (void)state;
  struct {
    const char *text;
    int code;
    const char *frag1, *frag2;
  } cases[] = {
      {"node a worker\nnode b worker\nlink a c 1GB/s 1us\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:3", "\"c\""},
      {"node a worker\nnode b worker\nlink a b 0 1us\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:3", "bandwidth \"0\""},
      {"node a worker\nnode b wizard\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:2", "wizard"},
      {"node a worker\nnode a worker\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:2", "twice"},
      {"node a worker\nnode b worker\nlink a b 1GB/s soon\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:3", "latency"},
      {"node a worker\nnode b worker\nlink a b 1GB/s 1us triplex\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:3", "triplex"},
      {"node a worker\nnode b worker\nnode c worker\nlink a b 1GB/s 1us\n", PALEO_TOPOLOGY_ERROR_INVALID,
       "worker c", "disconnected"},
      {"node a worker\nnode b worker\nlink a b 1GB/s 1us simplex\n", PALEO_TOPOLOGY_ERROR_INVALID, "worker b",
       "disconnected"},
      {"connect a b\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:1", "connect"},
      {"node w0 worker\nnode w1 worker\nnode s0 switch\nlink w0 s0 1GB/s 1e10s\n", PALEO_TOPOLOGY_ERROR_PARSE,
       "test:4", "latency \"1e10s\": expected 0 to 1 s"},
      {"node a worker\nnode b worker\nlink a b 1e-300 1us\n", PALEO_TOPOLOGY_ERROR_PARSE, "test:3",
       "expected 1 B/s to 1 PB/s"},
      {"node s switch\n", PALEO_TOPOLOGY_ERROR_INVALID, "no worker", NULL},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoTopology) topo = paleo_topology_new();
    gboolean ok = paleo_topology_file_parse(topo, cases[i].text, "test", &error) &&
                  paleo_topology_finalize(topo, &error);
    assert_false(ok);
    assert_error(error, cases[i].code, cases[i].frag1, cases[i].frag2);
  }
}

static void test_zero_bandwidth_builder(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = paleo_topology_new();
  uint32_t a = paleo_topology_add_node(topo, PALEO_ENTITY_WORKER, "a", -1);
  uint32_t b = paleo_topology_add_node(topo, PALEO_ENTITY_WORKER, "b", -1);
  paleo_topology_add_duplex(topo, a, b, 0.0, 10);
  g_autoptr(GError) error = NULL;
  assert_false(paleo_topology_finalize(topo, &error));
  assert_error(error, PALEO_TOPOLOGY_ERROR_INVALID, "a->b", "bandwidth 0");
}

static void test_file_worker_count(void **state) {
  (void)state;
  char path[512];
  g_snprintf(path, sizeof(path), "%s/topo-three.txt", g_getenv("PALEO_TEST_TMP"));
  assert_true(g_file_set_contents(path,
                                  "node s switch\nnode a worker\nnode b worker\nnode c worker\n"
                                  "link a s 1GB/s 1us\nlink b s 1GB/s 1us\nlink c s 1GB/s 1us\n",
                                  -1, NULL));
  g_autofree char *file_kv = g_strdup_printf("file=%s", path);
  g_autoptr(GError) error = NULL;
  PaleoTopology *none = tt_generate(&error, "generator=file", file_kv, "workers=4", NULL);
  assert_null(none);
  assert_error(error, PALEO_TOPOLOGY_ERROR_INVALID, "topology.workers = 4", "only 3");
  g_autoptr(PaleoTopology) two = tt_generate(NULL, "generator=file", file_kv, "workers=2", NULL);
  assert_int_equal(paleo_topology_n_workers(two), 2);
  assert_int_equal(paleo_topology_count_kind(two, PALEO_ENTITY_HOST), 1); /* c demoted */
  g_autoptr(PaleoTopology) all = tt_generate(NULL, "generator=file", file_kv, "workers=0", NULL);
  assert_int_equal(paleo_topology_n_workers(all), 3);
}

static void test_keyfile_group(void **state) {
  (void)state;
  g_autoptr(GKeyFile) kf = g_key_file_new();
  assert_true(g_key_file_load_from_data(kf, "[topology]\ngenerator=torus3d\nworkers=8\ndims=2x2x2\n", -1, 0, NULL));
  PaleoTopologyParams p;
  paleo_topology_params_init(&p);
  assert_true(paleo_topology_params_load_group(&p, kf, "topology", NULL));
  assert_string_equal(p.generator, "torus3d");
  assert_int_equal(p.dims[2], 2);
  g_autoptr(PaleoTopology) topo = paleo_topology_generate(&p, NULL);
  check_counts(topo, 8, 24, 8, 0); /* 3 dims x 4 pairs x 2 directions */
  paleo_topology_params_clear(&p);
}

/* The largest generators the scenario ranges allow build and route end to end (their
 * build time is a figure of paleosim-bench-network, not a test). */
static void build_and_route(const char *gen, const char *workers, const char *extra, uint32_t expect_workers) {
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoTopology) topo = tt_generate(&error, gen, workers, extra, NULL);
  if (topo == NULL) fail_msg("%s", error->message);
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  assert_true(paleo_topology_route(topo, paleo_topology_worker_node(topo, 0),
                                   paleo_topology_worker_node(topo, expect_workers - 1), 7, links));
  assert_true(links->len > 0);
  assert_int_equal(paleo_topology_n_workers(topo), expect_workers);
}

static void test_large_builds(void **state) {
  (void)state;
  build_and_route("generator=fat-tree", "workers=16384", "radix=32", 16384);
  build_and_route("generator=hierarchical", "workers=1024", "gpus_per_host=8", 1024);
  build_and_route("generator=torus3d", "workers=16384", "dims=32x32x16", 16384);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_star),          cmocka_unit_test(test_fat_tree),
      cmocka_unit_test(test_fat_tree_oversubscribed), cmocka_unit_test(test_ring_and_tori),
      cmocka_unit_test(test_hierarchical),  cmocka_unit_test(test_every_generator_builds),
      cmocka_unit_test(test_file),          cmocka_unit_test(test_units),
      cmocka_unit_test(test_bad_parameters), cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_zero_bandwidth_builder), cmocka_unit_test(test_file_worker_count),
      cmocka_unit_test(test_keyfile_group), cmocka_unit_test(test_large_builds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

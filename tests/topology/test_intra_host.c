/* The hierarchical generator's intra-host structures (topology/generators.h,
 * PaleoIntraHost): PCIe switch trees on one or two sockets, the DGX-1 NVLink hybrid
 * cube-mesh and an NVSwitch. Hand-worked route lengths, bandwidth shares in the flow model
 * (GPUs behind one switch share its uplink), the closed forms' ring bottleneck, and bad
 * parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "topo_test_util.h"
#include "topology/generators.h"

#define END(rec, id) g_array_index((rec)->end_ns, PaleoTime, (id))

static uint32_t gpu(const PaleoTopology *topo, uint32_t rank) {
  return paleo_topology_worker_node(topo, rank);
}

/* Links on the route from rank a to rank b; OUT: the smallest bandwidth on it. */
static guint route_len(PaleoTopology *topo, uint32_t a, uint32_t b, double *bottleneck) {
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  assert_true(paleo_topology_route(topo, gpu(topo, a), gpu(topo, b), 7, links));
  tt_assert_path(topo, (const uint32_t *)links->data, links->len, gpu(topo, a), gpu(topo, b));
  if (bottleneck)
    *bottleneck = paleo_topology_path_bottleneck_bytes_per_s(topo, (const uint32_t *)links->data, links->len);
  return links->len;
}

/* Finish times of flows of `bytes` between rank pairs, all started at 0. */
static void run_flows(PaleoTopology *topo, const uint32_t (*pairs)[2], guint n, uint64_t bytes, PaleoTime *end) {
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  TtRecorder rec;
  tt_recorder_init(&rec);
  for (guint i = 0; i < n; i++)
    paleo_network_start_flow(net, gpu(topo, pairs[i][0]), gpu(topo, pairs[i][1]), bytes, tt_record_done, &rec);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  for (guint i = 0; i < n; i++)
    end[i] = END(&rec, i);
  tt_recorder_clear(&rec);
}

/* 8 GPUs, 2 per PCIe switch, 1 GB/s links, no latency. */
static void test_pcie_tree_sharing(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=hierarchical", "workers=8", "gpus_per_host=8", "intra=pcie-tree",
                  "gpus_per_switch=2", "intra_bw_bytes_per_s=1e9", "intra_latency_ns=0", "fabric=star", NULL);
  assert_int_equal(paleo_topology_count_kind(topo, PALEO_ENTITY_SWITCH), 4 + 1); /* 4 PCIe + fabric star */
  assert_int_equal(route_len(topo, 0, 1, NULL), 2);  /* w0 -> pcie0 -> w1 */
  assert_int_equal(route_len(topo, 0, 2, NULL), 4);  /* w0 -> pcie0 -> host -> pcie1 -> w2 */
  /* 1e6 bytes alone at 1 GB/s: 1 ms */
  PaleoTime t[2];
  const uint32_t one[][2] = {{0, 2}};
  run_flows(topo, one, 1, 1000000, t);
  assert_int_equal(t[0], 1000000);
  /* the two GPUs of switch 0 both sending off the switch share its uplink: half each */
  const uint32_t off[][2] = {{0, 2}, {1, 3}};
  run_flows(topo, off, 2, 1000000, t);
  assert_int_equal(t[0], 2000000);
  assert_int_equal(t[1], 2000000);
  /* inside the switch they do not meet the uplink: full speed each */
  const uint32_t in[][2] = {{0, 1}, {1, 0}};
  run_flows(topo, in, 2, 1000000, t);
  assert_int_equal(t[0], 1000000);
  assert_int_equal(t[1], 1000000);
}

/* DeepBench's dual-root 8-GPU system: two sockets, two switches each, two GPUs per switch,
 * the sockets joined by a slower link (here 0.5 GB/s). */
static void test_pcie_tree_sockets(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=hierarchical", "workers=8", "gpus_per_host=8", "intra=pcie-tree",
                  "gpus_per_switch=2", "sockets=2", "intra_bw_bytes_per_s=1e9", "socket_bw_bytes_per_s=0.5e9",
                  "intra_latency_ns=0", "fabric=star", NULL);
  assert_true(paleo_topology_find_node(topo, "host0.socket1") >= 0);
  double bw = 0;
  assert_int_equal(route_len(topo, 0, 3, &bw), 4); /* same socket */
  assert_true(bw == 1e9);
  assert_int_equal(route_len(topo, 0, 4, &bw), 5); /* w0 pcie0 host socket1 pcie2 w4 */
  assert_true(bw == 0.5e9);
  /* the closed forms' ring bottleneck: the socket link */
  PaleoTopologyParams p;
  paleo_topology_params_init(&p);
  assert_true(paleo_topology_params_set(&p, "intra", "pcie-tree", NULL));
  assert_true(paleo_topology_params_set(&p, "sockets", "2", NULL));
  assert_true(paleo_topology_params_set(&p, "intra_bw_bytes_per_s", "1e9", NULL));
  assert_true(paleo_topology_params_set(&p, "socket_bw_bytes_per_s", "0.5e9", NULL));
  assert_float_equal(paleo_topology_intra_ring_bw(&p), 0.5e9, 0);
  assert_true(paleo_topology_params_set(&p, "sockets", "1", NULL));
  assert_float_equal(paleo_topology_intra_ring_bw(&p), 1e9, 0);
  paleo_topology_params_clear(&p);
}

/* DGX-1: 8 GPUs, 4 NVLinks each of intra_bw / 4 = 20 GB/s (80 GB/s per GPU). */
static void test_cube_mesh(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=hierarchical", "workers=16", "gpus_per_host=8", "intra=cube-mesh",
                  "intra_bw_bytes_per_s=80e9", "pcie_bw_bytes_per_s=16e9", "fabric=star", NULL);
  double bw = 0;
  /* consecutive ranks (and 7 -> 0) are NVLink neighbours: the ring's hops are single links */
  for (uint32_t r = 0; r < 8; r++) {
    assert_int_equal(route_len(topo, r, (r + 1) % 8, &bw), 1);
    assert_true(bw == 20e9);
  }
  /* every pair of a host within two NVLink hops, never through PCIe */
  for (uint32_t a = 0; a < 8; a++)
    for (uint32_t b = 0; b < 8; b++)
      if (a != b) {
        guint n = route_len(topo, a, b, &bw);
        assert_true(n <= 2 && bw == 20e9);
      }
  /* each GPU has 4 NVLink neighbours and one PCIe switch */
  uint32_t n_out = 0;
  paleo_topology_out_links(topo, gpu(topo, 0), &n_out);
  assert_int_equal(n_out, 5);
  /* across hosts: through the PCIe switches and the NICs */
  assert_int_equal(route_len(topo, 0, 8, &bw), 6); /* w0 pcie host0 switch0 host1 pcie w8 */
  /* a host using 4 of its 8 GPUs holds ranks 0-3, one fully connected quad */
  g_autoptr(PaleoTopology) half =
      tt_generate(NULL, "generator=hierarchical", "workers=4", "gpus_per_host=8", "intra=cube-mesh",
                  "intra_bw_bytes_per_s=80e9", "fabric=star", NULL);
  for (uint32_t a = 0; a < 4; a++)
    for (uint32_t b = 0; b < 4; b++)
      if (a != b)
        assert_int_equal(route_len(half, a, b, NULL), 1);
  PaleoTopologyParams p;
  paleo_topology_params_init(&p);
  assert_true(paleo_topology_params_set(&p, "intra", "cube-mesh", NULL));
  assert_true(paleo_topology_params_set(&p, "intra_bw_bytes_per_s", "80e9", NULL));
  assert_float_equal(paleo_topology_intra_ring_bw(&p), 20e9, 0);
  paleo_topology_params_clear(&p);
}

/* NVSwitch: every GPU one hop from a non-blocking switch; 7 GPUs sending to one share its
 * port, 7 disjoint pairs do not share anything. */
static void test_nvswitch(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=hierarchical", "workers=8", "gpus_per_host=8", "intra=nvswitch",
                  "intra_bw_bytes_per_s=1e9", "intra_latency_ns=0", "fabric=star", NULL);
  double bw = 0;
  assert_int_equal(route_len(topo, 0, 5, &bw), 2);
  assert_true(bw == 1e9);
  PaleoTime t[8];
  const uint32_t incast[][2] = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0}};
  run_flows(topo, incast, 7, 1000000, t);
  for (guint i = 0; i < 7; i++)
    assert_int_equal(t[i], 7000000);
  const uint32_t ring[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 0}};
  run_flows(topo, ring, 8, 1000000, t);
  for (guint i = 0; i < 8; i++)
    assert_int_equal(t[i], 1000000);
}

static void test_bad_intra(void **state) {
  (void)state;
  struct {
    const char *kv[4];
    const char *needle;
  } cases[] = {
    {{"generator=hierarchical", "intra=torus", NULL}, "topology.intra = \"torus\": expected direct, pcie-tree"},
    {{"generator=hierarchical", "intra=cube-mesh", "gpus_per_host=4", NULL}, "gpus_per_host = 8"},
    {{"generator=star", "intra=pcie-tree", NULL}, "topology.intra does not apply to generator star"},
    {{"generator=hierarchical", "gpus_per_switch=0", NULL}, "topology.gpus_per_switch"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    PaleoTopology *topo = tt_generate(&error, cases[i].kv[0], cases[i].kv[1], cases[i].kv[2], cases[i].kv[3], NULL);
    assert_null(topo);
    if (!strstr(error->message, cases[i].needle))
      fail_msg("case %u: '%s' lacks '%s'", i, error->message, cases[i].needle);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pcie_tree_sharing), cmocka_unit_test(test_pcie_tree_sockets),
    cmocka_unit_test(test_cube_mesh),         cmocka_unit_test(test_nvswitch),
    cmocka_unit_test(test_bad_intra),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

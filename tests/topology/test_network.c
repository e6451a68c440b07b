/* Tests of the flow-level network model driven by the engine: hand-worked completion
 * times (one flow, k flows sharing a link, staggered starts, the textbook max-min
 * example, a bandwidth change), the analytical mode, conservation of bytes, usage
 * intervals, and a property test over random flows on random topologies checking at
 * every re-solve that no link exceeds capacity and every flow is bottlenecked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>

#include "engine/rng.h"
#include "topo_test_util.h"

#define END(rec, id) g_array_index((rec)->end_ns, PaleoTime, (id))

static void run(PaleoEngine *engine) {
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
}

/* Two workers joined by one 1 GB/s link each way, no latency. */
static const char *const PAIR = "node a worker\nnode b worker\nlink a b 1GB/s 0\n";

static void test_one_flow(void **state) {
  (void)state;
  /* Star, 1 GB/s and 1 us per link: w0 -> switch -> w1 is 2 us + 1e6 B / 1e9 B/s = 1e6 ns. */
  g_autoptr(PaleoTopology) topo =
      tt_generate(NULL, "generator=star", "workers=2", "link_bw_bytes_per_s=1e9", "link_latency_ns=1000", NULL);
  for (int mode = PALEO_NET_FLOW; mode <= PALEO_NET_ANALYTICAL; mode++) {
    g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
    g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, (PaleoNetworkMode)mode);
    TtRecorder rec;
    tt_recorder_init(&rec);
    paleo_network_start_flow(net, paleo_topology_worker_node(topo, 0), paleo_topology_worker_node(topo, 1),
                             1000000, tt_record_done, &rec);
    run(engine);
    assert_int_equal(END(&rec, 0), 1002000);
    assert_int_equal(paleo_network_analytical_ns(net, paleo_topology_worker_node(topo, 0),
                                                 paleo_topology_worker_node(topo, 1), 1000000),
                     1002000);
    tt_recorder_clear(&rec);
  }
}

static void test_k_flows_share_a_link(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = tt_from_text(PAIR);
  for (uint32_t k = 1; k <= 5; k++) {
    g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
    g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
    TtRecorder rec;
    tt_recorder_init(&rec);
    for (uint32_t i = 0; i < k; i++) paleo_network_start_flow(net, 0, 1, 1000000, tt_record_done, &rec);
    run(engine);
    for (uint32_t i = 0; i < k; i++) assert_int_equal(END(&rec, i), k * 1000000ull); /* k x longer */
    assert_int_equal(paleo_network_stats(net)->solves, 2); /* one at the start, one at the end */
    tt_recorder_clear(&rec);
  }
}

static void test_staggered_start(void **state) {
  (void)state;
  /* A (1e6 B) alone for 0.5 ms sends 0.5e6 B; then A and B share 0.5 GB/s each: A's
   * remaining 0.5e6 B take 1 ms (ends 1.5 ms); B has sent 0.5e6 B by then and finishes
   * the rest alone at 1 GB/s in 0.5 ms (ends 2.0 ms). */
  g_autoptr(PaleoTopology) topo = tt_from_text(PAIR);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  TtRecorder rec;
  tt_recorder_init(&rec);
  TtStarter *st = tt_starter_new(net, tt_record_done, &rec);
  tt_start_at(st, 0, 0, 1, 1000000);
  tt_start_at(st, 500000, 0, 1, 1000000);
  run(engine);
  assert_int_equal(END(&rec, 0), 1500000);
  assert_int_equal(END(&rec, 1), 2000000);
  PaleoLinkStats ls;
  paleo_network_link_stats(net, 0, &ls);
  assert_int_equal(ls.bytes_carried, 2000000);
  assert_int_equal(ls.busy_ns, 2000000);
  assert_int_equal(ls.active_flows, 0);
  tt_starter_free(st);
  tt_recorder_clear(&rec);
}

static void test_solve_quantum(void **state) {
  (void)state;
  /* Quantum 0.3 ms. A (1e6 B) starts at 0, a multiple: solved at once, alone at 1 GB/s.
   * B (0.5e6 B) starts at 0.1 ms but waits for the solve at 0.3 ms (A has 0.7e6 B left);
   * both at 0.5 GB/s, B drains at 1.3 ms (A: 0.2e6 B left). The next solve is at 1.5 ms,
   * so A keeps 0.5 GB/s until then (0.1e6 B left) and ends alone at 1.6 ms. Exact: B at
   * 1.1 ms, A at 1.5 ms. */
  g_autoptr(PaleoTopology) topo = tt_from_text(PAIR);
  const PaleoTime quantum[] = {0, 300000};
  const PaleoTime end_a[] = {1500000, 1600000}, end_b[] = {1100000, 1300000};
  for (guint q = 0; q < 2; q++) {
    g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
    g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
    paleo_network_set_solve_quantum(net, quantum[q]);
    TtRecorder rec;
    tt_recorder_init(&rec);
    TtStarter *st = tt_starter_new(net, tt_record_done, &rec);
    tt_start_at(st, 0, 0, 1, 1000000);
    tt_start_at(st, 100000, 0, 1, 500000);
    run(engine);
    assert_int_equal(END(&rec, 0), end_a[q]);
    assert_int_equal(END(&rec, 1), end_b[q]);
    PaleoLinkStats ls;
    paleo_network_link_stats(net, 0, &ls);
    assert_int_equal(ls.bytes_carried, 1500000);
    tt_starter_free(st);
    tt_recorder_clear(&rec);
  }
}

typedef struct {
  double rates[3];
  guint solves;
} TextbookSeen;

static void textbook_hook(PaleoNetwork *net, void *user_data) {
  TextbookSeen *seen = user_data;
  if (seen->solves++ > 0) return;
  for (uint32_t i = 0; i < paleo_network_n_active(net); i++) {
    const PaleoFlowInfo *f = paleo_network_active_flow(net, i);
    seen->rates[f->id] = f->rate_bytes_per_s;
  }
}

static void test_textbook_max_min(void **state) {
  (void)state;
  /* L1 = a->b (1 GB/s), L2 = b->c (2 GB/s). f0: a->c over both, f1: a->b, f2: b->c.
   * L1 saturates first: f0 = f1 = 0.5 GB/s; f2 gets 2 - 0.5 = 1.5 GB/s.
   * 1e6 B each: f2 ends at ceil(1e6 / 1.5e9 s) = 666667 ns; f0 and f1 keep 0.5 GB/s
   * (L1 is still their bottleneck) and end at 2e6 ns. */
  g_autoptr(PaleoTopology) topo = tt_from_text("node a worker\nnode b worker\nnode c worker\n"
                                               "link a b 1GB/s 0 simplex\nlink b c 2GB/s 0 simplex\n"
                                               "link c a 1GB/s 0 simplex\n");
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  TextbookSeen seen = {{0}, 0};
  paleo_network_set_solve_hook(net, textbook_hook, &seen);
  TtRecorder rec;
  tt_recorder_init(&rec);
  paleo_network_start_flow(net, 0, 2, 1000000, tt_record_done, &rec);
  paleo_network_start_flow(net, 0, 1, 1000000, tt_record_done, &rec);
  paleo_network_start_flow(net, 1, 2, 1000000, tt_record_done, &rec);
  run(engine);
  assert_float_equal(seen.rates[0], 0.5e9, 1e-3);
  assert_float_equal(seen.rates[1], 0.5e9, 1e-3);
  assert_float_equal(seen.rates[2], 1.5e9, 1e-3);
  assert_int_equal(END(&rec, 2), 666667);
  assert_int_equal(END(&rec, 0), 2000000);
  assert_int_equal(END(&rec, 1), 2000000);
  tt_recorder_clear(&rec);
}

static void test_bandwidth_change(void **state) {
  (void)state;
  /* 1e6 B at 1 GB/s; at 0.5 ms the link drops to 0.5 GB/s: the remaining 0.5e6 B take
   * 1 ms more, ending at 1.5 ms. */
  g_autoptr(PaleoTopology) topo = tt_from_text(PAIR);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  TtRecorder rec;
  tt_recorder_init(&rec);
  paleo_network_start_flow(net, 0, 1, 1000000, tt_record_done, &rec);
  paleo_network_schedule_link_bandwidth(net, 500000, 0, 0.5e9);
  run(engine);
  assert_int_equal(END(&rec, 0), 1500000);
  assert_true(paleo_topology_link(topo, 0)->bw_bytes_per_s == 0.5e9);
  tt_recorder_clear(&rec);
}

static void test_analytical_has_no_sharing(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = tt_from_text("node a worker\nnode b worker\nlink a b 1GB/s 3us\n");
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_ANALYTICAL);
  TtRecorder rec;
  tt_recorder_init(&rec);
  for (int i = 0; i < 3; i++) paleo_network_start_flow(net, 0, 1, 1000000, tt_record_done, &rec);
  run(engine);
  for (int i = 0; i < 3; i++) assert_int_equal(END(&rec, i), 1003000);
  PaleoLinkStats ls;
  paleo_network_link_stats(net, 0, &ls);
  assert_int_equal(ls.bytes_carried, 3000000);
  tt_recorder_clear(&rec);
}

static void test_zero_bytes_and_self(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = tt_from_text("node a worker\nnode b worker\nlink a b 1GB/s 3us\n");
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  TtRecorder rec;
  tt_recorder_init(&rec);
  paleo_network_start_flow(net, 0, 1, 0, tt_record_done, &rec);       /* latency only */
  paleo_network_start_flow(net, 1, 1, 5000, tt_record_done, &rec);    /* no links: instant */
  paleo_network_start_flow(net, 0, 1, 3000, tt_record_done, &rec);    /* 3 us + 3 us */
  run(engine);
  assert_int_equal(END(&rec, 0), 3000);
  assert_int_equal(END(&rec, 1), 0);
  assert_int_equal(rec.delivered, 3);
  assert_int_equal(END(&rec, 2), 6000);
  tt_recorder_clear(&rec);
}

/* A chain: each delivery starts the next flow, as a collective built on callbacks would. */
typedef struct {
  TtRecorder rec;
  int left;
} Chain;

static void chain_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data) {
  Chain *chain = user_data;
  tt_record_done(net, flow, &chain->rec);
  if (--chain->left > 0) paleo_network_start_flow(net, flow->dst, flow->src, flow->bytes, chain_done, chain);
}

static void test_callbacks_chain(void **state) {
  (void)state;
  g_autoptr(PaleoTopology) topo = tt_from_text("node a worker\nnode b worker\nlink a b 2GB/s 1us\n");
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  Chain chain = {{0}, 4};
  tt_recorder_init(&chain.rec);
  paleo_network_start_flow(net, 0, 1, 2000000, chain_done, &chain);
  run(engine);
  /* 4 x (1 us + 2e6 B / 2e9 B/s = 1 ms) */
  assert_int_equal(END(&chain.rec, 3), 4 * 1001000);
  tt_recorder_clear(&chain.rec);
}

static void record_usage(const PaleoLinkUsageRecord *r, void *user_data) {
  g_array_append_val((GArray *)user_data, *r);
}

static void test_usage_intervals(void **state) {
  (void)state;
  /* The staggered pair: link 0 carries 1 flow on [0, 0.5 ms), 2 on [0.5, 1.5 ms), 1 on
   * [1.5, 2 ms), always saturated. */
  g_autoptr(PaleoTopology) topo = tt_from_text(PAIR);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  g_autoptr(GArray) usage = g_array_new(FALSE, FALSE, sizeof(PaleoLinkUsageRecord));
  paleo_network_set_usage_hook(net, record_usage, usage);
  TtRecorder rec;
  tt_recorder_init(&rec);
  TtStarter *st = tt_starter_new(net, tt_record_done, &rec);
  tt_start_at(st, 0, 0, 1, 1000000);
  tt_start_at(st, 500000, 0, 1, 1000000);
  run(engine);
  paleo_network_flush_usage(net);
  assert_int_equal(usage->len, 3);
  const PaleoTime bounds[] = {0, 500000, 1500000, 2000000};
  const uint32_t flows[] = {1, 2, 1};
  for (guint i = 0; i < 3; i++) {
    const PaleoLinkUsageRecord *r = &g_array_index(usage, PaleoLinkUsageRecord, i);
    assert_int_equal(r->link, 0);
    assert_int_equal(r->start_ns, bounds[i]);
    assert_int_equal(r->end_ns, bounds[i + 1]);
    assert_int_equal(r->flows, flows[i]);
    assert_float_equal(r->utilization, 1.0, 1e-12);
  }
  tt_starter_free(st);
  tt_recorder_clear(&rec);
}

/* ---- property test ---- */

typedef struct {
  const PaleoTopology *topo;
  double *load, *top; /* per link */
  guint checks;
} Checker;

/* Max-min conditions over the active flows: capacity respected; each flow crosses a
 * saturated link on which no flow has a higher rate. */
static void check_solution(PaleoNetwork *net, void *user_data) {
  Checker *c = user_data;
  uint32_t n_links = paleo_topology_n_links(c->topo);
  for (uint32_t l = 0; l < n_links; l++) c->load[l] = c->top[l] = 0.0;
  for (uint32_t i = 0; i < paleo_network_n_active(net); i++) {
    const PaleoFlowInfo *f = paleo_network_active_flow(net, i);
    assert_true(f->rate_bytes_per_s > 0.0);
    for (uint32_t h = 0; h < f->n_links; h++) {
      c->load[f->links[h]] += f->rate_bytes_per_s;
      c->top[f->links[h]] = fmax(c->top[f->links[h]], f->rate_bytes_per_s);
    }
  }
  for (uint32_t l = 0; l < n_links; l++)
    assert_true(c->load[l] <= paleo_topology_link(c->topo, l)->bw_bytes_per_s * (1 + 1e-9));
  for (uint32_t i = 0; i < paleo_network_n_active(net); i++) {
    const PaleoFlowInfo *f = paleo_network_active_flow(net, i);
    gboolean bottlenecked = FALSE;
    for (uint32_t h = 0; h < f->n_links; h++) {
      uint32_t l = f->links[h];
      bottlenecked |= c->load[l] >= paleo_topology_link(c->topo, l)->bw_bytes_per_s * (1 - 1e-9) &&
                      f->rate_bytes_per_s >= c->top[l] * (1 - 1e-9);
    }
    assert_true(bottlenecked);
  }
  c->checks++;
}

typedef struct {
  TtRecorder rec;
  GArray *link_bytes; /* uint64_t per link, from delivered flows' routes */
} Expect;

static void property_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data) {
  Expect *ex = user_data;
  tt_record_done(net, flow, &ex->rec);
  for (uint32_t h = 0; h < flow->n_links; h++) g_array_index(ex->link_bytes, uint64_t, flow->links[h]) += flow->bytes;
  PaleoTopology *topo = paleo_network_topology(net);
  double bw = paleo_topology_path_bottleneck_bytes_per_s(topo, flow->links, flow->n_links);
  double solo = flow->n_links ? (double)flow->bytes * 1e9 / bw : 0.0;
  assert_true((double)flow->end_ns >= (double)(flow->start_ns + flow->latency_ns) + solo - 1e-3);
}

static PaleoTopology *random_topology(PaleoRng *rng) {
  char bw[64], w[32];
  g_snprintf(bw, sizeof(bw), "link_bw_bytes_per_s=%g", 1e8 * (1 + 20 * paleo_rng_uniform(rng)));
  g_snprintf(w, sizeof(w), "workers=%u", 4 + (unsigned)(paleo_rng_u64(rng) % 40));
  switch (paleo_rng_u64(rng) % 5) {
  case 0: return tt_generate(NULL, "generator=star", w, bw, "ps_count=1", NULL);
  case 1: return tt_generate(NULL, "generator=fat-tree", w, bw, "radix=6", "oversubscription=2", NULL);
  case 2: return tt_generate(NULL, "generator=ring", w, bw, NULL);
  case 3: return tt_generate(NULL, "generator=torus2d", "workers=20", bw, NULL);
  default: return tt_generate(NULL, "generator=hierarchical", w, bw, "gpus_per_host=4", "fabric=star", NULL);
  }
}

/* One random scenario; returns the recorder hash. */
static uint64_t run_random(uint64_t seed) {
  PaleoRng rng;
  paleo_rng_seed(&rng, seed, 3);
  g_autoptr(PaleoTopology) topo = random_topology(&rng);
  assert_non_null(topo);
  uint32_t n_links = paleo_topology_n_links(topo), n_nodes = paleo_topology_n_workers(topo) + paleo_topology_n_ps(topo);
  g_autoptr(PaleoEngine) engine = paleo_engine_new(seed);
  g_autoptr(PaleoNetwork) net = paleo_network_new(engine, topo, PALEO_NET_FLOW);
  g_autofree double *load = g_new(double, n_links);
  g_autofree double *top = g_new(double, n_links);
  Checker checker = {topo, load, top, 0};
  paleo_network_set_solve_hook(net, check_solution, &checker);
  Expect ex;
  tt_recorder_init(&ex.rec);
  ex.link_bytes = g_array_new(FALSE, TRUE, sizeof(uint64_t));
  g_array_set_size(ex.link_bytes, n_links);
  TtStarter *st = tt_starter_new(net, property_done, &ex);
  uint32_t n_flows = 20 + (uint32_t)(paleo_rng_u64(&rng) % 150);
  uint64_t sent = 0;
  for (uint32_t i = 0; i < n_flows; i++) {
    uint32_t a = (uint32_t)(paleo_rng_u64(&rng) % n_nodes), b = (uint32_t)(paleo_rng_u64(&rng) % n_nodes);
    uint32_t src = a < paleo_topology_n_workers(topo) ? paleo_topology_worker_node(topo, a) : paleo_topology_ps_node(topo, 0);
    uint32_t dst = b < paleo_topology_n_workers(topo) ? paleo_topology_worker_node(topo, b) : paleo_topology_ps_node(topo, 0);
    uint64_t bytes = 1 + paleo_rng_u64(&rng) % 5000000;
    tt_start_at(st, paleo_rng_u64(&rng) % 3000000, src, dst, bytes);
    sent += bytes;
  }
  run(engine);
  assert_int_equal(ex.rec.delivered, n_flows);
  assert_int_equal(ex.rec.bytes, sent);
  assert_int_equal(paleo_network_stats(net)->bytes_delivered, sent);
  assert_int_equal(paleo_network_n_active(net), 0);
  assert_true(checker.checks > 0);
  for (uint32_t l = 0; l < n_links; l++) { /* every link carried exactly its flows' bytes */
    PaleoLinkStats ls;
    paleo_network_link_stats(net, l, &ls);
    assert_int_equal(ls.bytes_carried, g_array_index(ex.link_bytes, uint64_t, l));
    assert_int_equal(ls.active_flows, 0);
  }
  uint64_t hash = ex.rec.hash;
  tt_starter_free(st);
  tt_recorder_clear(&ex.rec);
  g_array_free(ex.link_bytes, TRUE);
  return hash;
}

static void test_random_property(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 30; seed++) run_random(seed);
}

static void test_determinism(void **state) {
  (void)state;
  for (uint64_t seed = 40; seed <= 44; seed++) assert_int_equal(run_random(seed), run_random(seed));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_flow),          cmocka_unit_test(test_k_flows_share_a_link),
      cmocka_unit_test(test_staggered_start),   cmocka_unit_test(test_solve_quantum),   cmocka_unit_test(test_textbook_max_min),
      cmocka_unit_test(test_bandwidth_change),  cmocka_unit_test(test_analytical_has_no_sharing),
      cmocka_unit_test(test_zero_bytes_and_self), cmocka_unit_test(test_callbacks_chain),
      cmocka_unit_test(test_usage_intervals),   cmocka_unit_test(test_random_property),
      cmocka_unit_test(test_determinism),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

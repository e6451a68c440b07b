/* Hand-worked checks of the timing primitives, all-reduce formulas and scaling rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>

#include "hardware/timing.h"

/* clock 1000 MHz (cycle 1e-6 ms), 1000 GFLOP/s, 1 GB/s (2^30 bytes per second). */
static PaleoDevice dev = {.name = "toy", .clock_mhz = 1000, .peak_gflops = 1000, .mem_gbps = 1};
/* 8 Gbit/s = 1e9 bytes/s, 10 us. */
static PaleoLink link8 = {.name = "l8", .gbps = 8, .latency_us = 10};
/* 80 Gbit/s = 1e10 bytes/s, 1 us. */
static PaleoLink link80 = {.name = "l80", .gbps = 80, .latency_us = 1};

#define EPS 1e-12

static void test_comp_and_mem(void **state)
{
  (void)state;
  assert_float_equal(paleo_timing_cycle_ms(&dev), 1e-6, EPS);
  assert_float_equal(paleo_timing_comp_ms(&dev, 0, 1), 0, 0);
  /* 2e9 flops at 1 TFLOP/s = 2 ms; at ppp 0.5 = 4 ms. */
  assert_float_equal(paleo_timing_comp_ms(&dev, 2e9, 1), 2.0, EPS);
  assert_float_equal(paleo_timing_comp_ms(&dev, 2e9, 0.5), 4.0, EPS);
  /* 10 flops = 1e-8 ms, below one cycle: floored to 1e-6 ms. */
  assert_float_equal(paleo_timing_comp_ms(&dev, 10, 1), 1e-6, EPS);
  /* 2^30 bytes at 1 GB/s (GiB as PALEO divides) = 1000 ms; ppp 0.5 -> 2000 ms. */
  assert_float_equal(paleo_timing_mem_ms(&dev, 1073741824.0, 1), 1000.0, 1e-9);
  assert_float_equal(paleo_timing_mem_ms(&dev, 1073741824.0, 0.5), 2000.0, 1e-9);
  assert_float_equal(paleo_timing_mem_ms(&dev, 1, 1), 1e-6, EPS); /* one-cycle floor */
  /* Transfer over 4 GB/s: 2^31 bytes -> 500 ms. */
  assert_float_equal(paleo_timing_transfer_ms(&dev, 2147483648.0, 4, 1), 500.0, 1e-9);
  assert_int_equal(paleo_timing_ms_to_ns(1.5), 1500000);
}

static void test_link(void **state)
{
  (void)state;
  /* t(D) = D / (gbps 1e9 / 8) / ppp: 1e9 bytes on 8 Gbit/s = 1000 ms (decimal). */
  assert_float_equal(paleo_timing_link_ms(&link8, 1e9, 1), 1000.0, 1e-9);
  assert_float_equal(paleo_timing_link_ms(&link8, 1e9, 0.72), 1000.0 / 0.72, 1e-9);
}

static void test_tree_height(void **state)
{
  (void)state;
  guint expect[] = {0, 0, 1, 2, 2, 3, 3, 3, 3, 4};
  for (guint n = 1; n < G_N_ELEMENTS(expect); n++)
    assert_int_equal(paleo_allreduce_tree_height(n), expect[n]);
  assert_int_equal(paleo_allreduce_tree_height(128), 7);
  assert_int_equal(paleo_allreduce_tree_height(129), 8);
}

static double ar(PaleoAllReduceScheme s, guint n, double bytes, gboolean latency)
{
  PaleoAllReduceParams p = {.link = &link8, .ppp_comm = 1, .latency = latency};
  return paleo_allreduce_ms(s, n, bytes, &p);
}

static void test_paleo_schemes(void **state)
{
  (void)state;
  const double s = 1e9; /* t(S) = 1000 ms */
  /* N = 5: h = 3. */
  assert_float_equal(ar(PALEO_ALLREDUCE_ONE_TO_ALL, 5, s, FALSE), 2 * 4000.0, 1e-6);
  assert_float_equal(ar(PALEO_ALLREDUCE_TREE, 5, s, FALSE), 2 * 3 * 1000.0, 1e-6);
  assert_float_equal(ar(PALEO_ALLREDUCE_BUTTERFLY, 5, s, FALSE), 3 * 1000.0, 1e-6);
  assert_float_equal(ar(PALEO_ALLREDUCE_BUTTERFLY_MIXING, 5, s, FALSE), 1000.0, 1e-6);
  /* N = 1: nothing to exchange, except PALEO's ButterflyMixing, which charges t(|w|). */
  assert_float_equal(ar(PALEO_ALLREDUCE_ONE_TO_ALL, 1, s, FALSE), 0, 0);
  assert_float_equal(ar(PALEO_ALLREDUCE_TREE, 1, s, FALSE), 0, 0);
  assert_float_equal(ar(PALEO_ALLREDUCE_BUTTERFLY, 1, s, FALSE), 0, 0);
  assert_float_equal(ar(PALEO_ALLREDUCE_BUTTERFLY_MIXING, 1, s, FALSE), 1000.0, 1e-6);
  /* With latency: alpha = 0.01 ms per step; tree at N = 5 has 6 steps. */
  assert_float_equal(ar(PALEO_ALLREDUCE_TREE, 5, s, TRUE), 6000.0 + 0.06, 1e-6);
  assert_float_equal(ar(PALEO_ALLREDUCE_ONE_TO_ALL, 5, s, TRUE), 8000.0 + 0.02, 1e-6);
}

static void test_ring(void **state)
{
  (void)state;
  /* N = 4: 2 (N-1)/N S / B = 1.5 * 1000 ms; 6 steps of 0.01 ms. */
  assert_float_equal(ar(PALEO_ALLREDUCE_RING, 4, 1e9, FALSE), 1500.0, 1e-6);
  assert_float_equal(ar(PALEO_ALLREDUCE_RING, 4, 1e9, TRUE), 1500.06, 1e-6);
  assert_float_equal(ar(PALEO_ALLREDUCE_RING, 1, 1e9, TRUE), 0, 0);
  assert_int_equal(paleo_allreduce_steps(PALEO_ALLREDUCE_RING, 4), 6);
}

static void test_hierarchical(void **state)
{
  (void)state;
  /* The leader variant (the one `run` simulates). N = 8, G = 4 per host (2 hosts), S = 1e9
   * bytes. Intra (1e10 B/s): the leader moves 4 * 3/4 S = 3e9 B = 300 ms; the leaders'
   * ring (1e9 B/s) of 2 on S: 2 * 1/2 * 1 s = 1000 ms. Latency: 2 G = 8 intra steps of
   * 0.001 ms + 2 inter steps of 0.01 ms = 0.028 ms. */
  PaleoAllReduceParams p = {.link = &link8, .ppp_comm = 1, .intra_link = &link80,
                            .workers_per_host = 4};
  assert_float_equal(paleo_allreduce_ms(PALEO_ALLREDUCE_HIERARCHICAL, 8, 1e9, &p), 1300.0, 1e-6);
  p.latency = TRUE;
  assert_float_equal(paleo_allreduce_ms(PALEO_ALLREDUCE_HIERARCHICAL, 8, 1e9, &p), 1300.028, 1e-6);
  /* One host only: the intra part alone. */
  assert_float_equal(paleo_allreduce_ms(PALEO_ALLREDUCE_HIERARCHICAL, 4, 1e9, &p), 300.008, 1e-6);
}

static void test_names(void **state)
{
  (void)state;
  PaleoAllReduceScheme s;
  assert_true(paleo_allreduce_parse("butterfly-mixing", &s));
  assert_int_equal(s, PALEO_ALLREDUCE_BUTTERFLY_MIXING);
  assert_true(paleo_allreduce_parse("TreeAllReduce", &s));
  assert_int_equal(s, PALEO_ALLREDUCE_TREE);
  assert_false(paleo_allreduce_parse("gossip", &s));
  assert_string_equal(paleo_allreduce_name(PALEO_ALLREDUCE_ONE_TO_ALL), "onetoall");
  PaleoScaling sc;
  assert_true(paleo_scaling_parse("STRONG", &sc));
  assert_int_equal(sc, PALEO_SCALING_STRONG);
  assert_false(paleo_scaling_parse("medium", &sc));
}

static void test_scaling_rules(void **state)
{
  (void)state;
  assert_int_equal(paleo_scaling_batch_per_worker(PALEO_SCALING_WEAK, 128, 8), 128);
  assert_int_equal(paleo_scaling_effective_batch(PALEO_SCALING_WEAK, 128, 8), 1024);
  /* Strong: ceil(B / N). */
  assert_int_equal(paleo_scaling_batch_per_worker(PALEO_SCALING_STRONG, 128, 3), 43);
  assert_int_equal(paleo_scaling_batch_per_worker(PALEO_SCALING_STRONG, 128, 256), 1);
  assert_int_equal(paleo_scaling_effective_batch(PALEO_SCALING_STRONG, 128, 3), 128);
  /* Weak: N T(1) / T(N) = 4 * 100 / 200 = 2; strong: T(1) / T(N) = 100 / 40 = 2.5. */
  assert_float_equal(paleo_scaling_speedup(PALEO_SCALING_WEAK, 4, 100, 200), 2.0, EPS);
  assert_float_equal(paleo_scaling_speedup(PALEO_SCALING_STRONG, 4, 100, 40), 2.5, EPS);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_comp_and_mem),   cmocka_unit_test(test_link),
    cmocka_unit_test(test_tree_height),    cmocka_unit_test(test_paleo_schemes),
    cmocka_unit_test(test_ring),           cmocka_unit_test(test_hierarchical),
    cmocka_unit_test(test_names),          cmocka_unit_test(test_scaling_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

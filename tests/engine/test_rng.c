/* Tests of the RNG streams: the documented seeding, xoshiro256** outputs, hand-worked
 * variates, determinism, stream independence and distribution means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>

#include "engine/rng.h"

#define SAMPLES 200000

/* The derivation in rng.h: x = seed ^ mix64(stream + golden). With seed = mix64(golden)
 * and stream 0, x = 0 and the state is the first four splitmix64 outputs from 0, which
 * are the published reference values. */
static void test_seed_derivation(void **state)
{
  (void)state;
  PaleoRng rng;
  paleo_rng_seed(&rng, 0xe220a8397b1dcdafULL, 0);
  assert_true(rng.s[0] == 0xe220a8397b1dcdafULL);
  assert_true(rng.s[1] == 0x6e789e6aa1b965f4ULL);
  assert_true(rng.s[2] == 0x06c45d188009454fULL);
  assert_true(rng.s[3] == 0xf88bb8a8724c81ecULL);
  /* seed 42, stream 7: computed by hand-written Python from the same formulas */
  paleo_rng_seed(&rng, 42, 7);
  assert_true(rng.s[0] == 0x6eab8625df268fbcULL);
  assert_true(rng.s[3] == 0x3ef7d517faf51d54ULL);
  assert_true(paleo_rng_u64(&rng) == 0x24bfb39aeb008c15ULL);
}

/* xoshiro256** from state {1, 2, 3, 4}: first output rotl(2 * 5, 7) * 9 = 11520; worked
 * through the state update, the next ones are 0 and 1509978240. */
static void test_xoshiro_outputs(void **state)
{
  (void)state;
  PaleoRng rng = {.s = {1, 2, 3, 4}};
  assert_true(paleo_rng_u64(&rng) == 11520);
  assert_true(paleo_rng_u64(&rng) == 0);
  assert_true(paleo_rng_u64(&rng) == 1509978240ULL);
  assert_true(paleo_rng_u64(&rng) == 1215971899390074240ULL);
}

/* State {0, 205 << 56, 0, 0} makes the next two outputs 2^63 (205 = 5^-1 mod 256), so both
 * uniforms are exactly 0.5: exponential(2) = -2 ln 0.5 = 1.386294361; Box-Muller gives
 * sqrt(-2 ln 0.5) * cos(pi) = -1.177410023, so normal(10, 2) = 7.645179955 and
 * lognormal(0, 1) = exp(-1.177410023) = 0.308075615. */
static void test_hand_worked_variates(void **state)
{
  (void)state;
  const PaleoRng half = {.s = {0, 205ULL << 56, 0, 0}};
  PaleoRng rng = half;
  assert_true(paleo_rng_uniform(&rng) == 0.5);
  rng = half;
  assert_float_equal(paleo_rng_exponential(&rng, 2.0), 1.3862943611, 1e-9);
  rng = half;
  assert_float_equal(paleo_rng_normal(&rng, 10.0, 2.0), 7.6451799550, 1e-9);
  rng = half;
  assert_float_equal(paleo_rng_lognormal(&rng, 0.0, 1.0), 0.3080756151, 1e-9);
}

static void test_determinism_and_distinct_streams(void **state)
{
  (void)state;
  PaleoRng a, b, c, d;
  paleo_rng_seed(&a, 7, 3);
  paleo_rng_seed(&b, 7, 3);
  paleo_rng_seed(&c, 7, 4);
  paleo_rng_seed(&d, 8, 3);
  int same_c = 0, same_d = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = paleo_rng_u64(&a);
    assert_true(x == paleo_rng_u64(&b));
    same_c += x == paleo_rng_u64(&c);
    same_d += x == paleo_rng_u64(&d);
  }
  assert_int_equal(same_c, 0);
  assert_int_equal(same_d, 0);
}

static double correlation(PaleoRng *x, PaleoRng *y, int n)
{
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    double u = paleo_rng_uniform(x), v = paleo_rng_uniform(y);
    sx += u;
    sy += v;
    sxx += u * u;
    syy += v * v;
    sxy += u * v;
  }
  double cov = sxy / n - (sx / n) * (sy / n);
  return cov / sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

/* Neighbouring streams (entity ids) and neighbouring seeds are uncorrelated: the standard
 * error of r is 1 / sqrt(n) = 0.0022, so 0.012 is over five of them. */
static void test_stream_independence(void **state)
{
  (void)state;
  for (uint64_t stream = 0; stream < 4; stream++) {
    PaleoRng x, y, z;
    paleo_rng_seed(&x, 1, stream);
    paleo_rng_seed(&y, 1, stream + 1);
    paleo_rng_seed(&z, 2, stream);
    assert_true(fabs(correlation(&x, &y, SAMPLES)) < 0.012);
    paleo_rng_seed(&x, 1, stream);
    assert_true(fabs(correlation(&x, &z, SAMPLES)) < 0.012);
  }
}

static void test_uniform_range_and_mean(void **state)
{
  (void)state;
  PaleoRng rng;
  paleo_rng_seed(&rng, 99, 0);
  double sum = 0;
  for (int i = 0; i < SAMPLES; i++) {
    double u = paleo_rng_uniform(&rng);
    assert_true(u >= 0.0 && u < 1.0);
    sum += u;
  }
  assert_float_equal(sum / SAMPLES, 0.5, 0.005);
}

/* Sample means within about 5 standard errors of the exact means. */
static void test_distribution_means(void **state)
{
  (void)state;
  PaleoRng rng;
  paleo_rng_seed(&rng, 2024, 11);
  double exp_sum = 0, norm_sum = 0, norm_sq = 0, logn_sum = 0;
  for (int i = 0; i < SAMPLES; i++) {
    double e = paleo_rng_exponential(&rng, 3.0);
    assert_true(e >= 0.0 && isfinite(e));
    exp_sum += e;
    double n = paleo_rng_normal(&rng, -1.0, 2.0);
    norm_sum += n;
    norm_sq += n * n;
    double l = paleo_rng_lognormal(&rng, 0.5, 0.5);
    assert_true(l > 0.0);
    logn_sum += l;
  }
  assert_float_equal(exp_sum / SAMPLES, 3.0, 3.0 * 0.012);
  double mean = norm_sum / SAMPLES;
  assert_float_equal(mean, -1.0, 0.025);
  assert_float_equal(sqrt(norm_sq / SAMPLES - mean * mean), 2.0, 0.02);
  assert_float_equal(logn_sum / SAMPLES, exp(0.5 + 0.5 * 0.5 / 2), 0.012);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_seed_derivation),
    cmocka_unit_test(test_xoshiro_outputs),
    cmocka_unit_test(test_hand_worked_variates),
    cmocka_unit_test(test_determinism_and_distinct_streams),
    cmocka_unit_test(test_stream_independence),
    cmocka_unit_test(test_uniform_range_and_mean),
    cmocka_unit_test(test_distribution_means),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

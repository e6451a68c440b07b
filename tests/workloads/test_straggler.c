/* The straggler model (workloads/straggler.h): pause-stretched compute end times worked by
 * hand, per-iteration factors (no noise, exponential and lognormal sample means against
 * their closed forms), how much randomness each draw consumes, and the per-worker streams. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "workloads/straggler.h"

/* A two-worker model with pauses of D every P ns (worker 1 exempt). */
static PaleoStragglerModel *paused_model(uint64_t P, uint64_t D)
{
  PaleoStragglerModel *m = paleo_straggler_model_new(2);
  m->pause_every_ns = P;
  m->pause_ns = D;
  m->paused[1] = FALSE;
  return m;
}

static void test_model_new_copy(void **state)
{
  (void)state;
  g_autoptr(PaleoStragglerModel) m = paleo_straggler_model_new(3);
  assert_int_equal(m->workers, 3);
  assert_int_equal(m->noise, PALEO_NOISE_NONE);
  for (uint32_t w = 0; w < 3; w++) {
    assert_true(m->factor[w] == 1.0);
    assert_true(m->noisy[w] && m->paused[w]);
    assert_true(m->fail_at_ns[w] == PALEO_NEVER_NS);
  }
  assert_false(paleo_straggler_any_failure(m));
  g_autoptr(PaleoStragglerModel) c = paleo_straggler_model_copy(m);
  c->factor[1] = 2.0;
  c->fail_at_ns[2] = 5;
  c->noisy[0] = FALSE;
  assert_true(m->factor[1] == 1.0);
  assert_true(m->fail_at_ns[2] == PALEO_NEVER_NS);
  assert_true(m->noisy[0]);
  assert_false(paleo_straggler_any_failure(m));
  assert_true(paleo_straggler_any_failure(c));
  assert_string_equal(paleo_noise_names[PALEO_NOISE_LOGNORMAL], "lognormal");
  assert_string_equal(paleo_noise_names[PALEO_NOISE_EXPONENTIAL], "exponential");
  assert_null(paleo_noise_names[PALEO_NOISE_EXPONENTIAL + 1]);
}

/* P = 10, D = 3: paused during [10, 13), [20, 23), [30, 33), ... (none before 10). */
static void test_pause_stretching(void **state)
{
  (void)state;
  g_autoptr(PaleoStragglerModel) m = paused_model(10, 3);
  /* 25 ns from 0: 0..10 runs 10, pause 10..13, 13..20 runs 7, pause 20..23, 23..30 runs 7,
   * pause 30..33, 33..34 runs the last 1 */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 0, 25), 34);
  /* 24 ns from 0: 10 + 7 + 7 ends at 30, where a pause starts: not stretched */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 0, 24), 30);
  /* no pause in the first period */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 1, 2), 3);
  assert_int_equal(paleo_straggler_end_ns(m, 0, 0, 0), 0);
  /* ends exactly where a pause starts: not stretched */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 0, 10), 10);
  assert_int_equal(paleo_straggler_end_ns(m, 0, 13, 7), 20);
  /* one ns more crosses the pause */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 13, 8), 24);
  /* starts inside a pause: waits for its end (11 -> 13), then 13..18 */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 11, 5), 18);
  /* 12 -> 13, 13..20 runs 7, pause, 23..26 runs 3 */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 12, 10), 26);
  /* starts at a pause's first ns, and zero work inside a pause starts when it ends */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 10, 1), 14);
  assert_int_equal(paleo_straggler_end_ns(m, 0, 11, 0), 13);
  /* starts at a pause's end */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 13, 1), 14);
  /* long work: 70 ns from 0 crosses the 9 pauses at 10..90: 70 + 9 x 3 */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 0, 70), 97);
  /* late start: 1000 is a pause start -> 1003, runs 7 to 1010, pause, 1013..1015 */
  assert_int_equal(paleo_straggler_end_ns(m, 0, 1000, 9), 1015);
  /* a worker the pauses do not apply to */
  assert_int_equal(paleo_straggler_end_ns(m, 1, 0, 25), 25);
  assert_int_equal(paleo_straggler_end_ns(m, 1, 11, 5), 16);
}

static void test_pause_long_run_rate(void **state)
{
  (void)state;
  /* over many periods compute is stretched by P / (P - D) = 1000 / 750 */
  g_autoptr(PaleoStragglerModel) m = paused_model(1000, 250);
  uint64_t work = 750000, end = paleo_straggler_end_ns(m, 0, 0, work);
  /* 1000 ns in the first period, 998 periods of 750 ns, 500 left: 999 pauses of 250 */
  assert_int_equal(end, 750000 + 999 * 250);
  assert_true(fabs((double)end / work - 1000.0 / 750.0) < 1e-3);
}

static void test_no_pauses(void **state)
{
  (void)state;
  g_autoptr(PaleoStragglerModel) none = paused_model(0, 0);
  assert_int_equal(paleo_straggler_end_ns(none, 0, 10, 25), 35);
  g_autoptr(PaleoStragglerModel) zero_length = paused_model(10, 0);
  assert_int_equal(paleo_straggler_end_ns(zero_length, 0, 10, 25), 35);
}

static void test_draw_without_noise(void **state)
{
  (void)state;
  g_autoptr(PaleoStragglerModel) m = paleo_straggler_model_new(2);
  m->factor[0] = 2.5;
  PaleoRng rng, before;
  paleo_straggler_rng_init(&rng, 7, 0);
  before = rng;
  for (int i = 0; i < 5; i++)
    assert_true(paleo_straggler_draw(m, 0, &rng) == 2.5);
  assert_true(paleo_straggler_draw(m, 1, &rng) == 1.0);
  assert_memory_equal(&rng, &before, sizeof(rng)); /* consumed nothing */
  /* a worker outside `noisy` keeps its exact factor whatever the noise */
  m->noise = PALEO_NOISE_LOGNORMAL;
  m->noise_sigma = 0.5;
  m->noisy[0] = FALSE;
  assert_true(paleo_straggler_draw(m, 0, &rng) == 2.5);
  m->noise = PALEO_NOISE_EXPONENTIAL;
  assert_true(paleo_straggler_draw(m, 0, &rng) == 2.5);
  assert_memory_equal(&rng, &before, sizeof(rng));
}

/* Draws n factors of worker 0 and returns their mean; `used` = u64 per draw (checked). */
static double sample_mean(const PaleoStragglerModel *m, uint64_t seed, guint n, guint used)
{
  PaleoRng rng, shadow;
  paleo_straggler_rng_init(&rng, seed, 0);
  shadow = rng;
  double sum = 0;
  for (guint i = 0; i < n; i++) {
    sum += paleo_straggler_draw(m, 0, &rng);
    for (guint k = 0; k < used; k++)
      paleo_rng_u64(&shadow);
    assert_memory_equal(&rng, &shadow, sizeof(rng));
  }
  return sum / n;
}

static void test_draw_exponential(void **state)
{
  (void)state;
  const guint n = 20000;
  g_autoptr(PaleoStragglerModel) m = paleo_straggler_model_new(1);
  m->noise = PALEO_NOISE_EXPONENTIAL;
  m->noise_mean = 0.5;
  m->factor[0] = 2.0;
  /* factor x (1 + Exp(0.5)): mean 2 x 1.5 = 3, standard deviation 2 x 0.5 = 1 */
  double se = 1.0 / sqrt(n);
  for (uint64_t seed = 1; seed <= 3; seed++) {
    double mean = sample_mean(m, seed, n, 1);
    if (fabs(mean - 3.0) > 4 * se)
      fail_msg("seed %" G_GUINT64_FORMAT ": exponential sample mean %.5f, expected 3 +- %.5f", seed, mean, 4 * se);
  }
  /* never below the fixed factor */
  PaleoRng rng;
  paleo_straggler_rng_init(&rng, 9, 0);
  for (int i = 0; i < 1000; i++)
    assert_true(paleo_straggler_draw(m, 0, &rng) >= 2.0);
}

static void test_draw_lognormal(void **state)
{
  (void)state;
  const guint n = 20000;
  const double mu = 0.2, sigma = 0.5;
  g_autoptr(PaleoStragglerModel) m = paleo_straggler_model_new(1);
  m->noise = PALEO_NOISE_LOGNORMAL;
  m->noise_mu = mu;
  m->noise_sigma = sigma;
  /* mean exp(mu + sigma^2 / 2) = exp(0.325) = 1.38403; variance (exp(sigma^2) - 1) exp(2 mu + sigma^2) */
  double expect = exp(mu + sigma * sigma / 2);
  assert_true(fabs(expect - 1.38403) < 1e-5);
  double se = sqrt((exp(sigma * sigma) - 1) * exp(2 * mu + sigma * sigma) / n);
  for (uint64_t seed = 1; seed <= 3; seed++) {
    double mean = sample_mean(m, seed, n, 2);
    if (fabs(mean - expect) > 4 * se)
      fail_msg("seed %" G_GUINT64_FORMAT ": lognormal sample mean %.5f, expected %.5f +- %.5f", seed, mean, expect,
               4 * se);
  }
  /* the fixed factor multiplies the noise: same stream, factor 3 -> exactly 3 x the draws */
  m->factor[0] = 3.0;
  g_autoptr(PaleoStragglerModel) unit = paleo_straggler_model_copy(m);
  unit->factor[0] = 1.0;
  PaleoRng a, b;
  paleo_straggler_rng_init(&a, 4, 0);
  paleo_straggler_rng_init(&b, 4, 0);
  for (int i = 0; i < 100; i++) {
    double x = paleo_straggler_draw(m, 0, &a), y = paleo_straggler_draw(unit, 0, &b);
    assert_true(fabs(x - 3.0 * y) <= 1e-12 * x);
  }
}

/* Fills out[n] with draws of `worker` under `seed`. */
static void draws(const PaleoStragglerModel *m, uint64_t seed, uint32_t worker, double *out, guint n)
{
  PaleoRng rng;
  paleo_straggler_rng_init(&rng, seed, worker);
  for (guint i = 0; i < n; i++)
    out[i] = paleo_straggler_draw(m, worker, &rng);
}

static void test_streams(void **state)
{
  (void)state;
  enum { N = 64 };
  g_autoptr(PaleoStragglerModel) m = paleo_straggler_model_new(4);
  m->noise = PALEO_NOISE_EXPONENTIAL;
  m->noise_mean = 0.3;
  double a[N], b[N], other_worker[N], other_seed[N];
  draws(m, 11, 2, a, N);
  draws(m, 11, 2, b, N);
  assert_memory_equal(a, b, sizeof(a));
  draws(m, 11, 3, other_worker, N);
  draws(m, 12, 2, other_seed, N);
  guint same_worker = 0, same_seed = 0;
  for (guint i = 0; i < N; i++) {
    same_worker += a[i] == other_worker[i];
    same_seed += a[i] == other_seed[i];
  }
  assert_int_equal(same_worker, 0);
  assert_int_equal(same_seed, 0);
  /* the stream is (seed, 2^32 + worker) */
  PaleoRng s, r;
  paleo_straggler_rng_init(&s, 11, 2);
  paleo_rng_seed(&r, 11, (UINT64_C(1) << 32) + 2);
  assert_memory_equal(&s, &r, sizeof(s));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_model_new_copy),    cmocka_unit_test(test_pause_stretching),
    cmocka_unit_test(test_pause_long_run_rate), cmocka_unit_test(test_no_pauses),
    cmocka_unit_test(test_draw_without_noise), cmocka_unit_test(test_draw_exponential),
    cmocka_unit_test(test_draw_lognormal),    cmocka_unit_test(test_streams),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

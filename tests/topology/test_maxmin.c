/* Tests of the max-min fair solver alone: textbook examples with hand-worked rates, and
 * random instances against a naive reference and the max-min optimality conditions
 * (no link above capacity; every flow crosses a saturated link where it has the
 * largest rate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib.h>
#include <math.h>

#include "engine/rng.h"
#include "topology/maxmin.h"

static void test_three_flows_two_links(void **state) {
  (void)state;
  /* L0 (capacity 1) carries f0 and f1; L1 (capacity 2) carries f0 and f2.
   * L0 saturates first at 1/2 each; f2 gets the rest of L1: 2 - 1/2 = 3/2. */
  const double cap[] = {1.0, 2.0};
  const uint32_t start[] = {0, 2, 3, 4};
  const uint32_t links[] = {0, 1, 0, 1};
  double rates[3];
  PaleoMaxMin *mm = paleo_maxmin_new();
  paleo_maxmin_solve(mm, 2, cap, 3, start, links, rates);
  assert_float_equal(rates[0], 0.5, 1e-15);
  assert_float_equal(rates[1], 0.5, 1e-15);
  assert_float_equal(rates[2], 1.5, 1e-15);
  paleo_maxmin_free(mm);
}

static void test_bottleneck_moves(void **state) {
  (void)state;
  /* L0 (10) carries f0, f1, f2; L1 (4) carries f2, f3. L1 saturates first: f2 = f3 = 2;
   * then L0 splits the remaining 8 between f0 and f1: 4 each. A linkless flow: INFINITY. */
  const double cap[] = {10.0, 4.0};
  const uint32_t start[] = {0, 1, 2, 4, 5, 5};
  const uint32_t links[] = {0, 0, 0, 1, 1};
  double rates[5];
  PaleoMaxMin *mm = paleo_maxmin_new();
  paleo_maxmin_solve(mm, 2, cap, 5, start, links, rates);
  assert_float_equal(rates[0], 4.0, 1e-12);
  assert_float_equal(rates[1], 4.0, 1e-12);
  assert_float_equal(rates[2], 2.0, 1e-12);
  assert_float_equal(rates[3], 2.0, 1e-12);
  assert_true(isinf(rates[4]));
  paleo_maxmin_free(mm);
}

/* Naive progressive filling: raise all unfrozen flows by the smallest link headroom
 * per flow; freeze the flows of links that filled. O(iterations x hops). */
static void reference_solve(uint32_t n_links, const double *cap, uint32_t n_flows,
                            const uint32_t *start, const uint32_t *links, double *rates) {
  g_autofree double *used = g_new0(double, n_links);
  g_autofree uint32_t *count = g_new0(uint32_t, n_links);
  g_autofree gboolean *frozen = g_new0(gboolean, n_flows);
  for (uint32_t f = 0; f < n_flows; f++) rates[f] = 0.0;
  for (;;) {
    for (uint32_t l = 0; l < n_links; l++) count[l] = 0;
    for (uint32_t f = 0; f < n_flows; f++)
      if (!frozen[f])
        for (uint32_t h = start[f]; h < start[f + 1]; h++) count[links[h]]++;
    double step = INFINITY;
    for (uint32_t l = 0; l < n_links; l++)
      if (count[l] > 0) step = fmin(step, (cap[l] - used[l]) / count[l]);
    if (isinf(step)) return;
    for (uint32_t f = 0; f < n_flows; f++)
      if (!frozen[f]) {
        rates[f] += step;
        for (uint32_t h = start[f]; h < start[f + 1]; h++) used[links[h]] += step;
      }
    for (uint32_t f = 0; f < n_flows; f++)
      for (uint32_t h = start[f]; !frozen[f] && h < start[f + 1]; h++)
        if (used[links[h]] >= cap[links[h]] * (1 - 1e-12)) frozen[f] = TRUE;
  }
}

static void test_random_against_reference(void **state) {
  (void)state;
  PaleoMaxMin *mm = paleo_maxmin_new();
  for (uint64_t seed = 1; seed <= 200; seed++) {
    PaleoRng rng;
    paleo_rng_seed(&rng, seed, 7);
    uint32_t n_links = 1 + (uint32_t)(paleo_rng_u64(&rng) % 12);
    uint32_t n_flows = 1 + (uint32_t)(paleo_rng_u64(&rng) % 30);
    g_autofree double *cap = g_new(double, n_links);
    for (uint32_t l = 0; l < n_links; l++) cap[l] = 1e9 * (0.5 + 10 * paleo_rng_uniform(&rng));
    g_autoptr(GArray) start = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (uint32_t f = 0; f < n_flows; f++) {
      g_array_append_val(start, links->len);
      for (uint32_t l = 0; l < n_links; l++) /* each link at most once per flow */
        if (paleo_rng_uniform(&rng) < 0.3 || (l == f % n_links)) g_array_append_val(links, l);
    }
    g_array_append_val(start, links->len);
    g_autofree double *rates = g_new(double, n_flows);
    g_autofree double *ref = g_new(double, n_flows);
    const uint32_t *s = (const uint32_t *)start->data, *k = (const uint32_t *)links->data;
    paleo_maxmin_solve(mm, n_links, cap, n_flows, s, k, rates);
    reference_solve(n_links, cap, n_flows, s, k, ref);
    g_autofree double *load = g_new0(double, n_links);
    g_autofree double *top = g_new0(double, n_links);
    for (uint32_t f = 0; f < n_flows; f++) {
      assert_float_equal(rates[f], ref[f], 1e-6 * ref[f]);
      assert_true(rates[f] > 0);
      for (uint32_t h = s[f]; h < s[f + 1]; h++) {
        load[k[h]] += rates[f];
        top[k[h]] = fmax(top[k[h]], rates[f]);
      }
    }
    for (uint32_t l = 0; l < n_links; l++) assert_true(load[l] <= cap[l] * (1 + 1e-12));
    for (uint32_t f = 0; f < n_flows; f++) { /* a bottleneck: saturated, and f is largest there */
      gboolean bottlenecked = FALSE;
      for (uint32_t h = s[f]; h < s[f + 1]; h++)
        bottlenecked |= load[k[h]] >= cap[k[h]] * (1 - 1e-12) && rates[f] >= top[k[h]] * (1 - 1e-12);
      assert_true(bottlenecked);
    }
  }
  paleo_maxmin_free(mm);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_three_flows_two_links),
      cmocka_unit_test(test_bottleneck_moves),
      cmocka_unit_test(test_random_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

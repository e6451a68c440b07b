/* Reviewer's edge cases for issue 6 (strategies, stragglers, faults). Tests marked
 * "regression" reproduce defects found in review (all fixed since: 49fa4a2, 7e524c0);
 * the others pin down edge cases that work and must keep working.
 *
 *   regression (fixed by 49fa4a2): test_incomplete_async_reports_rates
 *                   async-ps / ssp runs that end before the target (every worker failed,
 *                   or SIGINT) reported 0 updates/s and 0 throughput despite applied updates.
 *   regression (fixed by 7e524c0): test_stall_time_ignores_later_events  sync stalls at ~0 s but
 *                   stalled_at_ms is the time of a later, unrelated degrade_link event.
 *   regression (fixed by 7e524c0): test_huge_slowdown_no_crash           cluster.slowdown=1:1e15 overflows
 *                   the compute end time and the CLI aborts (SIGABRT at sim/run.c:570).
 *   regression (fixed by 7e524c0): test_tiny_degrade_factor_monotonic    degrade_link factor 1e-15 overflows
 *                   the flow's transfer time: the run is as fast as with no degradation.
 *   passes:         test_colocated_servers_bound, test_zero_gradient_net,
 *                   test_backup_all_but_one, test_ssp_slowest_fails */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/run.h"
#include "sim/scenario.h"

/* Small and fast: NiN on 4 TITAN X on a 1 Gbit/s star, flow fidelity. */
static const char *const base =
  "[workload]\nnet=nin\nbatch=32\n"
  "[cluster]\ndevice=TITAN_X\nworkers=4\nlink=ethernet\ntopology=star\n"
  "[training]\nstrategy=async-ps\nfidelity=flow\niterations=4\n";

/* Runs `base` with the NULL-terminated overrides; FALSE (and the error) when the scenario
 * or the run is refused. */
static gboolean try_run(PaleoRunSummary *out, GError **error, ...)
{
  GPtrArray *ov = g_ptr_array_new_with_free_func(g_free);
  va_list ap;
  va_start(ap, error);
  for (const char *o = va_arg(ap, const char *); o; o = va_arg(ap, const char *))
    g_ptr_array_add(ov, g_strdup(o));
  va_end(ap);
  g_ptr_array_add(ov, NULL);
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "edges.ini", (char **)ov->pdata, error);
  gboolean ok = s && paleo_run_scenario(s, NULL, out, error);
  g_ptr_array_free(ov, TRUE);
  return ok;
}

#define RUN_OK(out, ...)                                                                                             \
  do {                                                                                                               \
    g_autoptr(GError) e_ = NULL;                                                                                     \
    if (!try_run(out, &e_, __VA_ARGS__, NULL))                                                                       \
      fail_msg("%s", e_->message);                                                                                   \
  } while (0)

/* ---- defects ---- */

/* regression (fixed by 49fa4a2): every worker fails after a few updates. The updates that were applied
 * are real: updates/s and throughput must be rates over the time they took, not 0.
 * Same path as SIGINT during an async run (`paleosim run default --set
 * training.strategy=async-ps --set training.iterations=300000`, Ctrl-C: updates 129378,
 * updates_per_s 0, iterations 0 before the fix). */
static void test_incomplete_async_reports_rates(void **state)
{
  (void)state;
  const char *strategies[] = {"training.strategy=async-ps", "training.strategy=ssp"};
  for (guint i = 0; i < G_N_ELEMENTS(strategies); i++) {
    PaleoRunSummary ref, r;
    RUN_OK(&ref, strategies[i]);
    double t = 2.5 * ref.iteration_mean_ms;
    g_autofree char *fail = g_strdup_printf("stragglers.fail=0:%.3f,1:%.3f,2:%.3f,3:%.3f", t, t, t, t);
    RUN_OK(&r, strategies[i], fail);
    assert_true(r.updates > 0 && r.updates < ref.updates);
    if (!(r.updates_per_s > 0 && r.throughput_samples_per_s > 0))
      fail_msg("%s: %" G_GUINT64_FORMAT " updates applied before every worker failed at %.3f ms, but updates_per_s = "
               "%g and throughput = %g", strategies[i], r.updates, t, r.updates_per_s, r.throughput_samples_per_s);
    paleo_run_summary_clear(&ref);
    paleo_run_summary_clear(&r);
  }
}

/* regression (fixed by 7e524c0): worker 1 fails at 0 so sync stalls at the first collective (a few
 * hundred ms); a degrade_link scheduled at 100 s must not move the reported stall time.
 * CLI: paleosim run default --set stragglers.fail=3:0 --set stragglers.degrade_link=host0:0.5@100000
 * --format json  ->  "stalled_at_ms" : 100000.0. Suspected: sim/run.c:571 takes the
 * engine's clock after the queue drained, which runs on to any later event. */
static void test_stall_time_ignores_later_events(void **state)
{
  (void)state;
  PaleoRunSummary plain, late;
  RUN_OK(&plain, "training.strategy=sync", "stragglers.fail=1:0");
  RUN_OK(&late, "training.strategy=sync", "stragglers.fail=1:0", "stragglers.degrade_link=w0:0.5@100000");
  assert_true(plain.stalled && late.stalled);
  assert_true(plain.stalled_at_ms < 100000);
  if (fabs(late.stalled_at_ms - plain.stalled_at_ms) > 1e-6)
    fail_msg("stalled at %.3f ms without the later degradation, %.3f ms with it", plain.stalled_at_ms,
             late.stalled_at_ms);
  paleo_run_summary_clear(&plain);
  paleo_run_summary_clear(&late);
}

/* The paleosim CLI on a scenario file with extra --set overrides; returns the wait status. */
static int run_cli_status(const char *text, const char *set1, const char *set2, char **err_out)
{
  g_autofree char *path = g_build_filename(g_getenv("PALEO_TEST_TMP"), "edges_cli.ini", NULL);
  assert_true(g_file_set_contents(path, text, -1, NULL));
  const char *argv[] = {g_getenv("PALEOSIM_BIN"), "run", path, "--no-progress", "--set", set1, "--set", set2, NULL};
  int status = 0;
  g_autoptr(GError) error = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, err_out, &status, &error))
    fail_msg("spawn: %s", error->message);
  return status;
}

/* regression (fixed by 7e524c0): a huge fixed slowdown is accepted (only "> 0" is checked), the compute
 * end time overflows 64-bit ns, paleo_engine_schedule rejects it and the run aborts at
 * the stall assertion (sim/run.c:570), exit 134. Bad input must give exit 2 with a
 * message (or, if accepted, a clean run). CLI: paleosim run default --set
 * cluster.slowdown=3:1e11. Suspected: sim/scenario.c:365 (no upper bound on the factor),
 * workloads/train.c:109 (llround of an unbounded product), workloads/straggler.c:68-92
 * (start + work unchecked). */
static void test_huge_slowdown_no_crash(void **state)
{
  (void)state;
  g_autofree char *err = NULL;
  int status = run_cli_status(base, "training.strategy=sync", "cluster.slowdown=1:1e15", &err);
  if (WIFSIGNALED(status))
    fail_msg("paleosim died of signal %d: %s", WTERMSIG(status), err);
  assert_true(WIFEXITED(status));
  assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2);
}

/* regression (fixed by 7e524c0): a smaller bandwidth factor can only make the run slower (or be refused
 * as bad input). At 1e-15 the transfer time of a flow over the degraded link overflows
 * 64-bit ns and wraps: the run comes out as fast as with no degradation, with the link at
 * 100 % utilization. CLI: paleosim run default --set 'stragglers.degrade_link=w3->host0:1e-15@0'
 * (1e-12: 1.77e12 ms per iteration; 1e-15: 196 ms). Suspected: topology/network.c:241-244
 * (transfer_ns casts an unbounded double) and sim/scenario.c:596 (factor only > 0). */
static void test_tiny_degrade_factor_monotonic(void **state)
{
  (void)state;
  PaleoRunSummary slow, tiny;
  RUN_OK(&slow, "training.strategy=sync", "stragglers.degrade_link=w1:1e-3@0");
  g_autoptr(GError) error = NULL;
  if (!try_run(&tiny, &error, "training.strategy=sync", "stragglers.degrade_link=w1:1e-15@0", NULL)) {
    paleo_run_summary_clear(&slow); /* refused as bad input: fine */
    return;
  }
  if (!(tiny.iteration_mean_ms >= slow.iteration_mean_ms))
    fail_msg("factor 1e-3: %.3f ms per iteration; factor 1e-15: %.3f ms", slow.iteration_mean_ms,
             tiny.iteration_mean_ms);
  paleo_run_summary_clear(&slow);
  paleo_run_summary_clear(&tiny);
}

/* ---- edge cases that work ---- */

/* Colocated servers live on workers: ps_count > workers is refused, = workers works. */
static void test_colocated_servers_bound(void **state)
{
  (void)state;
  PaleoRunSummary r;
  g_autoptr(GError) error = NULL;
  assert_false(try_run(&r, &error, "cluster.ps_count=5", NULL));
  assert_non_null(strstr(error->message, "ps_count"));
  RUN_OK(&r, "cluster.ps_count=4");
  assert_int_equal(r.updates, 16);
  paleo_run_summary_clear(&r);
  RUN_OK(&r, "cluster.workers=1", "cluster.ps_count=1");
  assert_int_equal(r.updates, 4);
  assert_true(r.staleness.max == 0);
  paleo_run_summary_clear(&r);
}

/* A net without weights: nothing to push, every strategy still runs to its target. */
static void test_zero_gradient_net(void **state)
{
  (void)state;
  g_autofree char *net = g_build_filename(g_getenv("PALEO_TEST_TMP"), "edges_noweights.json", NULL);
  assert_true(g_file_set_contents(net,
                                  "{\"name\":\"noweights\",\"layers\":{"
                                  "\"data\":{\"parents\":[],\"type\":\"Input\",\"tensor\":[32,64,64,3]},"
                                  "\"pool1\":{\"parents\":[\"data\"],\"type\":\"Pooling\",\"ksize\":[1,2,2,1],"
                                  "\"strides\":[1,2,2,1],\"padding\":\"VALID\"}}}",
                                  -1, NULL));
  g_autofree char *set_net = g_strconcat("workload.net=", net, NULL);
  PaleoRunSummary r;
  RUN_OK(&r, set_net, "cluster.ps_count=4", "cluster.ps_placement=dedicated");
  assert_int_equal(r.updates, 16);
  assert_int_equal(r.flows, 0);
  assert_true(r.staleness.max == 3); /* instant messages: every worker sees the 3 others */
  paleo_run_summary_clear(&r);
  RUN_OK(&r, set_net, "training.strategy=backup", "training.backup_workers=1");
  assert_int_equal(r.updates, 4);
  assert_int_equal(r.dropped_gradients, 4);
  paleo_run_summary_clear(&r);
}

/* backup_workers = workers - 1: every update takes one gradient, 3 dropped each. */
static void test_backup_all_but_one(void **state)
{
  (void)state;
  PaleoRunSummary r;
  RUN_OK(&r, "training.strategy=backup", "training.backup_workers=3", "cluster.ps_placement=dedicated");
  assert_int_equal(r.updates, 4);
  assert_int_equal(r.iterations, 4);
  assert_int_equal(r.dropped_gradients, 12);
  assert_false(r.stalled);
  uint32_t contributed = 0;
  for (guint w = 0; w < r.workers_detail->len; w++)
    contributed += g_array_index(r.workers_detail, PaleoRunWorker, w).iterations;
  assert_int_equal(contributed, 4);
  paleo_run_summary_clear(&r);
}

/* ssp: the slowest worker fails mid-run; the others go on to the target. */
static void test_ssp_slowest_fails(void **state)
{
  (void)state;
  PaleoRunSummary ref, r;
  RUN_OK(&ref, "training.strategy=ssp", "training.ssp_bound=0", "cluster.slowdown=2:3");
  g_autofree char *fail = g_strdup_printf("stragglers.fail=2:%.3f", ref.iteration_mean_ms);
  RUN_OK(&r, "training.strategy=ssp", "training.ssp_bound=0", "cluster.slowdown=2:3", fail);
  assert_false(r.stalled);
  assert_int_equal(r.updates, 16);
  assert_true(g_array_index(r.workers_detail, PaleoRunWorker, 2).failed_at_ms > 0);
  /* the others went on: the failed one contributed fewer gradients than any of them */
  for (guint w = 0; w < 4; w++)
    if (w != 2)
      assert_true(g_array_index(r.workers_detail, PaleoRunWorker, w).iterations >
                  g_array_index(r.workers_detail, PaleoRunWorker, 2).iterations);
  paleo_run_summary_clear(&ref);
  paleo_run_summary_clear(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_incomplete_async_reports_rates),
    cmocka_unit_test(test_stall_time_ignores_later_events),
    cmocka_unit_test(test_huge_slowdown_no_crash),
    cmocka_unit_test(test_tiny_degrade_factor_monotonic),
    cmocka_unit_test(test_colocated_servers_bound),
    cmocka_unit_test(test_zero_gradient_net),
    cmocka_unit_test(test_backup_all_but_one),
    cmocka_unit_test(test_ssp_slowest_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

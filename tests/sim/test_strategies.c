/* Issue 6's answers known in advance: async-ps throughput and staleness with identical
 * workers, one slow worker under sync and async-ps, backup workers against the order
 * statistic of exponential draws (Monte Carlo), the ssp bound as a property over random
 * slowdowns and seeds (checked on the trace), parameter-server NIC saturation and
 * sharding, failures, degraded links, pauses, and determinism under a seed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/rng.h"
#include "sim/run.h"
#include "sim/scenario.h"

/* Compute-heavy on a fast network: communication is ~1 % of an iteration, the servers
 * never the bottleneck (analytical: no contention anyway). */
static const char *const compute_bound =
  "[workload]\nnet=inception_v3\nbatch=256\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=TITAN_X\nworkers=4\nlink=eth400\n"
  "[training]\nstrategy=async-ps\ncollective=ps\nfidelity=analytical\niterations=100\n";

/* Communication-heavy (alex_v2's 200 MB of gradient, batch 1) on 10 Gbit/s Ethernet with
 * dedicated servers on a star: the servers' NICs are the bottleneck. */
static const char *const comm_bound =
  "[workload]\nnet=alex_v2\nbatch=1\n"
  "[cluster]\ndevice=TITAN_X\nworkers=16\nlink=ethernet\ntopology=star\nps_placement=dedicated\n"
  "[training]\nstrategy=async-ps\ncollective=ps\nfidelity=flow\niterations=12\n";

static void run_text(const char *text, char **overrides, PaleoRunSummary *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(text, "test.ini", overrides, &error);
  if (!s)
    fail_msg("%s", error->message);
  PaleoRunOptions options = {.allow_oom = TRUE}; /* PALEO's batches: throughput, not memory, is tested */
  if (!paleo_run_scenario(s, &options, out, &error))
    fail_msg("%s", error->message);
}

static void run_with(const char *text, PaleoRunSummary *out, ...)
{
  GPtrArray *ov = g_ptr_array_new_with_free_func(g_free);
  va_list ap;
  va_start(ap, out);
  for (const char *o = va_arg(ap, const char *); o; o = va_arg(ap, const char *))
    g_ptr_array_add(ov, g_strdup(o));
  va_end(ap);
  g_ptr_array_add(ov, NULL);
  run_text(text, (char **)ov->pdata, out);
  g_ptr_array_free(ov, TRUE);
}

static gboolean close_rel(double a, double b, double rel)
{
  return fabs(a - b) <= rel * fabs(b);
}

static char *tmp_path(const char *name)
{
  return g_build_filename(g_getenv("PALEO_TEST_TMP"), name, NULL);
}

/* One integer from a SQL query on a trace. */
static int64_t query_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* ---- async-ps with identical workers ---- */

static void test_async_identical_workers(void **state)
{
  (void)state;
  PaleoRunSummary one, four;
  run_with(compute_bound, &one, "cluster.workers=1", NULL);
  g_autofree char *db = tmp_path("async_identical.db");
  g_autofree char *trace = g_strconcat("output.trace=", db, NULL);
  run_with(compute_bound, &four, trace, "output.trace_level=iterations", NULL);
  assert_string_equal(four.strategy, "async-ps");
  assert_int_equal(four.updates, 4 * 100);
  assert_true(four.has_staleness);
  /* throughput = N x one worker's within 1 % */
  assert_true(close_rel(four.updates_per_s, 4 * one.updates_per_s, 0.01));
  assert_true(close_rel(four.throughput_samples_per_s, 4 * one.throughput_samples_per_s, 0.01));
  /* staleness N - 1 in steady state: every update after each worker's first */
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(query_int(h, "SELECT COUNT(*) FROM ps_update"), 400);
  assert_int_equal(query_int(h, "SELECT COUNT(*) FROM ps_update WHERE iteration >= 1 AND staleness <> 3"), 0);
  assert_int_equal(query_int(h, "SELECT MAX(staleness) FROM ps_update WHERE iteration = 0"), 3);
  assert_true(query_int(h, "SELECT COUNT(*) FROM iteration") >= 396); /* pulls still in flight at the end */
  sqlite3_close(h);
  assert_true(four.staleness.p50 == 3 && four.staleness.max == 3);
  assert_true(four.staleness.mean > 2.9 && four.staleness.mean <= 3.0);
  for (guint w = 0; w < 4; w++) {
    const PaleoRunWorker *rw = &g_array_index(four.workers_detail, PaleoRunWorker, w);
    assert_int_equal(rw->iterations, 100);
    assert_true(fabs(rw->slowdown - 1.0) < 1e-9 && rw->failed_at_ms < 0);
  }
  paleo_run_summary_clear(&one);
  paleo_run_summary_clear(&four);
}

/* ---- one worker slowed k x ---- */

static void test_one_slow_worker(void **state)
{
  (void)state;
  const double k = 2.0;
  PaleoRunSummary sync_n, sync_s, one, async_s;
  run_with(compute_bound, &sync_n, "training.strategy=sync", "training.iterations=10", NULL);
  run_with(compute_bound, &sync_s, "training.strategy=sync", "training.iterations=10", "cluster.slowdown=2:2.0", NULL);
  /* sync: every iteration waits for the slow worker: about k x the normal one */
  assert_true(close_rel(sync_s.iteration_mean_ms, k * sync_n.iteration_mean_ms, 0.03));
  run_with(compute_bound, &one, "cluster.workers=1", NULL);
  run_with(compute_bound, &async_s, "cluster.slowdown=2:2.0", NULL);
  /* async: the others do not wait; total updates/s = (N - 1 + 1/k) / T */
  double T_s = 1.0 / one.updates_per_s;
  assert_true(close_rel(async_s.updates_per_s, (4 - 1 + 1 / k) / T_s, 0.02));
  const PaleoRunWorker *slow = &g_array_index(async_s.workers_detail, PaleoRunWorker, 2);
  const PaleoRunWorker *fast = &g_array_index(async_s.workers_detail, PaleoRunWorker, 0);
  assert_true(fabs(slow->slowdown - k) < 1e-6 && fabs(fast->slowdown - 1.0) < 1e-9);
  assert_true(close_rel((double)fast->iterations / slow->iterations, k, 0.05));
  paleo_run_summary_clear(&sync_n);
  paleo_run_summary_clear(&sync_s);
  paleo_run_summary_clear(&one);
  paleo_run_summary_clear(&async_s);
}

/* ---- backup workers: the N-th order statistic of N + b exponential draws ---- */

static void test_backup_order_statistic(void **state)
{
  (void)state;
  const guint machines = 8, b = 2, need = machines - b, I = 400;
  const double m = 0.5;
  PaleoRunSummary plain, noisy;
  run_with(compute_bound, &plain, "training.strategy=backup", "cluster.workers=8", "training.backup_workers=2",
           "training.iterations=20", NULL);
  run_with(compute_bound, &noisy, "training.strategy=backup", "cluster.workers=8", "training.backup_workers=2",
           "training.iterations=400", "stragglers.noise=exponential", "stragglers.noise_mean=0.5", NULL);
  /* without noise an iteration is compute C, push, update, pull (the server's NIC
   * serializes the burst: ~1 % here); the b gradients beyond the first N are dropped */
  assert_true(plain.dropped_gradients == 2 * 20 && plain.iteration_p99_ms < 1.02 * plain.compute_ms);
  double T0 = plain.iteration_mean_ms, C = plain.compute_ms;
  /* Monte Carlo of X_(need:machines), X ~ Exp(m): mean and its standard deviation */
  PaleoRng rng;
  paleo_rng_seed(&rng, 12345, 0);
  const guint trials = 200000;
  double sum = 0, sum2 = 0, x[8];
  for (guint t = 0; t < trials; t++) {
    for (guint i = 0; i < machines; i++)
      x[i] = paleo_rng_exponential(&rng, m);
    for (guint i = 1; i < machines; i++) /* insertion sort */
      for (guint j = i; j > 0 && x[j - 1] > x[j]; j--) {
        double tmp = x[j];
        x[j] = x[j - 1];
        x[j - 1] = tmp;
      }
    sum += x[need - 1];
    sum2 += x[need - 1] * x[need - 1];
  }
  double mc = sum / trials, sd = sqrt(sum2 / trials - mc * mc);
  double exact = m * (1.0 / 8 + 1.0 / 7 + 1.0 / 6 + 1.0 / 5 + 1.0 / 4 + 1.0 / 3);
  assert_true(fabs(mc - exact) < 4 * sd / sqrt(trials)); /* the Monte Carlo itself */
  double expected = T0 + C * mc;
  double se = C * sd * sqrt(1.0 / I + 1.0 / trials);
  if (fabs(noisy.iteration_mean_ms - expected) > 3 * se)
    fail_msg("backup mean iteration %.3f ms, expected %.3f +- %.3f ms", noisy.iteration_mean_ms, expected, 3 * se);
  /* each iteration drops the b late gradients; the updates take the first N */
  assert_int_equal(noisy.dropped_gradients, (uint64_t)b * I);
  assert_int_equal(noisy.updates, I);
  paleo_run_summary_clear(&plain);
  paleo_run_summary_clear(&noisy);
}

/* ---- analytical parameter servers agree with sync's ps closed form ---- */

/* Backup with b = 0 goes through the servers like sync with collective ps; its first
 * iteration (all pushes at once, queued at the server NIC, update, all pulls queued) is
 * sync's closed form 2 x (bytes through the busiest server NIC) / B + update. Later ones
 * are shorter: workers whose weights come back first start and push first. */
static void test_backup_matches_sync_ps(void **state)
{
  (void)state;
  const char *placements[] = {"cluster.ps_placement=colocated", "cluster.ps_placement=dedicated"};
  for (guint i = 0; i < G_N_ELEMENTS(placements); i++) {
    PaleoRunSummary sync, backup;
    run_with(comm_bound, &sync, placements[i], "training.fidelity=analytical", "workload.batch=32", "cluster.workers=4",
             "training.overlap=false", "training.strategy=sync", "training.iterations=5", NULL);
    run_with(comm_bound, &backup, placements[i], "training.fidelity=analytical", "workload.batch=32",
             "cluster.workers=4", "training.overlap=false", "training.strategy=backup", "training.iterations=5", NULL);
    assert_true(close_rel(backup.iteration_p99_ms, sync.iteration_mean_ms, 1e-3));
    assert_true(backup.iteration_p50_ms < sync.iteration_mean_ms);
    paleo_run_summary_clear(&sync);
    paleo_run_summary_clear(&backup);
  }
}

/* ---- ssp: no worker starts an iteration more than s ahead of the slowest ---- */

/* From the trace: for every worker iteration i, at the time its compute starts (its
 * first task), every other worker has finished at least i - s iterations. */
static void check_ssp_bound(const char *db, int64_t s, guint workers)
{
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  g_autofree char *sql = g_strdup_printf(
    "WITH starts AS (SELECT worker, iteration, MIN(start_ns) AS t FROM task GROUP BY worker, iteration) "
    "SELECT COUNT(*) FROM starts s, (SELECT DISTINCT worker AS v FROM iteration) o "
    "WHERE s.iteration - (SELECT COUNT(*) FROM iteration i WHERE i.worker = o.v AND i.end_ns <= s.t) > %" G_GINT64_FORMAT,
    s);
  int64_t violations = query_int(h, sql);
  int64_t starts = query_int(h, "SELECT COUNT(DISTINCT worker * 100000 + iteration) FROM task");
  assert_true(starts >= workers * 10);
  if (violations)
    fail_msg("%s: %" G_GINT64_FORMAT " iteration starts run more than %" G_GINT64_FORMAT " ahead", db, violations, s);
  sqlite3_close(h);
}

static void test_ssp_bound_property(void **state)
{
  (void)state;
  const int64_t bounds[] = {0, 1, 3};
  for (guint seed = 1; seed <= 4; seed++)
    for (guint bi = 0; bi < G_N_ELEMENTS(bounds); bi++) {
      PaleoRng rng;
      paleo_rng_seed(&rng, seed, 99);
      g_autofree char *slow = g_strdup_printf("cluster.slowdown=%u:%.3f,%u:%.3f", (guint)(paleo_rng_u64(&rng) % 3),
                                              1 + 3 * paleo_rng_uniform(&rng), 3 + (guint)(paleo_rng_u64(&rng) % 3),
                                              1 + 2 * paleo_rng_uniform(&rng));
      g_autofree char *name = g_strdup_printf("ssp_%u_%" G_GINT64_FORMAT ".db", seed, bounds[bi]);
      g_autofree char *db = tmp_path(name);
      g_autofree char *trace = g_strconcat("output.trace=", db, NULL);
      g_autofree char *bound = g_strdup_printf("training.ssp_bound=%" G_GINT64_FORMAT, bounds[bi]);
      g_autofree char *seed_kv = g_strdup_printf("training.seed=%u", seed);
      PaleoRunSummary r;
      run_with(compute_bound, &r, "training.strategy=ssp", bound, seed_kv, slow, "cluster.workers=6",
               "training.iterations=15", "stragglers.noise=lognormal", "stragglers.noise_sigma=0.6", trace,
               "output.trace_level=tasks", "cluster.link=ethernet", NULL);
      check_ssp_bound(db, bounds[bi], 6);
      paleo_run_summary_clear(&r);
    }
  /* the bound binds: s = 0 with a 3x slower worker is slower than unbounded async-ps */
  PaleoRunSummary ssp0, async;
  run_with(compute_bound, &ssp0, "training.strategy=ssp", "training.ssp_bound=0", "cluster.slowdown=1:3", NULL);
  run_with(compute_bound, &async, "cluster.slowdown=1:3", NULL);
  assert_true(ssp0.updates_per_s < 0.7 * async.updates_per_s && ssp0.wait_ms > 0);
  paleo_run_summary_clear(&ssp0);
  paleo_run_summary_clear(&async);
}

/* ---- parameter-server NIC saturation and shards (flow fidelity) ---- */

static double updates_per_s(const char *workers, const char *servers, const char *batch, const char *iterations,
                            double *top_utilization, char **top_link)
{
  PaleoRunSummary r;
  run_with(comm_bound, &r, workers, servers, batch, iterations, NULL);
  double u = r.updates_per_s;
  if (top_utilization) {
    const PaleoRunLink *l = &g_array_index(r.links, PaleoRunLink, 0);
    *top_utilization = l->utilization;
    *top_link = g_strdup(l->name);
  }
  paleo_run_summary_clear(&r);
  return u;
}

/* Each update moves S bytes in through the servers' NICs and S bytes out, and each
 * worker's NIC carries S out (push) then S in (pull). With B per NIC direction and k
 * servers: updates/s <= k B / S (servers) and <= N B / (2 S) (workers, push then pull);
 * pushes and pulls falling into phases gives at least k B / (2 S). */
static void test_ps_nic_saturation(void **state)
{
  (void)state;
  const double S = 4.0 * 50303912, B = 1.25e9; /* alex_v2's gradient; 10 Gbit/s */
  /* one server, compute ~ a third of an iteration: throughput rises with N towards the
   * server's NIC capacity B / S and its link becomes the busiest, almost always busy */
  const char *workers[] = {"cluster.workers=1", "cluster.workers=4", "cluster.workers=16", "cluster.workers=32"};
  double prev = 0, util = 0;
  for (guint i = 0; i < G_N_ELEMENTS(workers); i++) {
    g_autofree char *top = NULL;
    double u = updates_per_s(workers[i], "cluster.ps_count=1", "workload.batch=128", "training.iterations=40", &util, &top);
    assert_true(u > 1.05 * prev);
    assert_true(u <= B / S);
    if (i == G_N_ELEMENTS(workers) - 1) {
      assert_true(u >= 0.75 * B / S);
      assert_true(util > 0.75 && strstr(top, "ps0"));
    }
    prev = u;
  }
  /* k shards, 16 workers, pure communication: about k-fold until the workers' own
   * links saturate at N B / (2 S) */
  const double N = 16;
  double last = 0;
  for (guint k = 1; k <= 16; k *= 2) {
    g_autofree char *kv = g_strdup_printf("cluster.ps_count=%u", k);
    double u = updates_per_s("cluster.workers=16", kv, "workload.batch=1", "training.iterations=60", NULL, NULL);
    double lo = MIN(k * B / (2 * S), N * B / (2 * S)), hi = MIN(k * B / S, N * B / (2 * S));
    if (u < 0.97 * lo || u > 1.02 * hi)
      fail_msg("%u shards: %.3f updates/s outside [%.3f, %.3f]", k, u, lo, hi);
    if (k <= 8)
      assert_true(u > 1.5 * last);
    last = u;
  }
  assert_true(close_rel(last, N * B / (2 * S), 0.03)); /* 16 shards: the workers' links */
  /* with 4 workers the workers' links cap it already at 4 shards */
  double u4 = updates_per_s("cluster.workers=4", "cluster.ps_count=4", "workload.batch=1", "training.iterations=60", NULL, NULL);
  double u8 = updates_per_s("cluster.workers=4", "cluster.ps_count=8", "workload.batch=1", "training.iterations=60", NULL, NULL);
  assert_true(close_rel(u4, 4 * B / (2 * S), 0.03) && close_rel(u8, u4, 0.02));
}

/* ---- failures, degraded links, pauses ---- */

static void test_failures(void **state)
{
  (void)state;
  PaleoRunSummary ok, sync_f, async_f;
  run_with(compute_bound, &ok, "training.strategy=sync", "training.iterations=10", NULL);
  double fail_ms = 4.5 * ok.iteration_mean_ms;
  g_autofree char *fail = g_strdup_printf("stragglers.fail=1:%.3f", fail_ms);
  run_with(compute_bound, &sync_f, "training.strategy=sync", "training.iterations=10", fail, NULL);
  assert_true(sync_f.stalled);
  assert_int_equal(sync_f.iterations, 4);
  assert_true(fabs(g_array_index(sync_f.workers_detail, PaleoRunWorker, 1).failed_at_ms - fail_ms) < 1e-3);
  assert_true(g_array_index(sync_f.workers_detail, PaleoRunWorker, 0).failed_at_ms < 0);
  run_with(compute_bound, &async_f, fail, NULL);
  assert_false(async_f.stalled);
  assert_int_equal(async_f.updates, 4 * 100); /* the others carry on */
  const PaleoRunWorker *dead = &g_array_index(async_f.workers_detail, PaleoRunWorker, 1);
  const PaleoRunWorker *alive = &g_array_index(async_f.workers_detail, PaleoRunWorker, 0);
  assert_true(dead->iterations <= 5 && alive->iterations > 120);
  /* backup: one failure is covered by the backups; three of 8 with b = 2 stall it */
  PaleoRunSummary b1, b3;
  g_autofree char *three = g_strdup_printf("stragglers.fail=1:%.3f,2:%.3f,5:%.3f", fail_ms, fail_ms, fail_ms);
  run_with(compute_bound, &b1, "training.strategy=backup", "cluster.workers=8", "training.backup_workers=2",
           "training.iterations=10", fail, NULL);
  run_with(compute_bound, &b3, "training.strategy=backup", "cluster.workers=8", "training.backup_workers=2",
           "training.iterations=10", three, NULL);
  assert_true(!b1.stalled && b1.updates == 10);
  assert_true(b3.stalled && b3.updates == 4);
  paleo_run_summary_clear(&b1);
  paleo_run_summary_clear(&b3);
  paleo_run_summary_clear(&ok);
  paleo_run_summary_clear(&sync_f);
  paleo_run_summary_clear(&async_f);
}

static void test_degraded_link_and_pauses(void **state)
{
  (void)state;
  PaleoRunSummary base, slow_link;
  run_with(comm_bound, &base, "cluster.workers=4", "cluster.ps_count=4", NULL);
  run_with(comm_bound, &slow_link, "cluster.workers=4", "cluster.ps_count=4", "stragglers.degrade_link=w0:0.1@0", NULL);
  guint it0 = g_array_index(slow_link.workers_detail, PaleoRunWorker, 0).iterations;
  guint it1 = g_array_index(slow_link.workers_detail, PaleoRunWorker, 1).iterations;
  assert_true(it0 * 3 < it1); /* its NIC at a tenth: far fewer iterations */
  assert_true(g_array_index(base.workers_detail, PaleoRunWorker, 0).iterations + 1 >=
              g_array_index(base.workers_detail, PaleoRunWorker, 1).iterations);
  /* pauses of D every P stretch pure compute by P / (P - D) */
  PaleoRunSummary c0, cp;
  run_with(compute_bound, &c0, "training.strategy=sync", "cluster.workers=1", "training.iterations=20", NULL);
  run_with(compute_bound, &cp, "training.strategy=sync", "cluster.workers=1", "training.iterations=20",
           "stragglers.pause_every_ms=10", "stragglers.pause_ms=2.5", NULL);
  assert_true(close_rel(cp.compute_ms, c0.compute_ms * 10 / 7.5, 0.01));
  const PaleoRunWorker *w = &g_array_index(cp.workers_detail, PaleoRunWorker, 0);
  assert_true(close_rel(w->slowdown, 10 / 7.5, 0.01));
  paleo_run_summary_clear(&base);
  paleo_run_summary_clear(&slow_link);
  paleo_run_summary_clear(&c0);
  paleo_run_summary_clear(&cp);
}

/* ---- determinism ---- */

static char *trace_digest(const char *db)
{
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  GString *all = g_string_new(NULL);
  const char *tables[] = {"SELECT * FROM iteration ORDER BY rowid", "SELECT * FROM task ORDER BY rowid",
                          "SELECT * FROM ps_update ORDER BY rowid", "SELECT * FROM flow ORDER BY rowid"};
  for (guint t = 0; t < G_N_ELEMENTS(tables); t++) {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, tables[t], -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(st); c++)
        g_string_append_printf(all, "%s|", (const char *)sqlite3_column_text(st, c));
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, all->str, all->len);
  g_string_free(all, TRUE);
  return sum;
}

static void test_determinism(void **state)
{
  (void)state;
  const char *strategies[] = {"training.strategy=async-ps", "training.strategy=backup"};
  for (guint s = 0; s < G_N_ELEMENTS(strategies); s++) {
    char *digest[3];
    double mean[3];
    const char *seeds[] = {"training.seed=7", "training.seed=7", "training.seed=8"};
    for (guint i = 0; i < 3; i++) {
      g_autofree char *name = g_strdup_printf("det_%u_%u.db", s, i);
      g_autofree char *db = tmp_path(name);
      g_autofree char *trace = g_strconcat("output.trace=", db, NULL);
      PaleoRunSummary r;
      run_with(comm_bound, &r, strategies[s], seeds[i], trace, "output.trace_level=flows", "cluster.workers=6",
               "stragglers.noise=lognormal", "stragglers.noise_sigma=0.4",
               s == 1 ? "training.backup_workers=1" : "training.iterations=12", NULL);
      digest[i] = trace_digest(db);
      mean[i] = r.iteration_mean_ms;
      paleo_run_summary_clear(&r);
    }
    assert_string_equal(digest[0], digest[1]);
    assert_true(mean[0] == mean[1]);
    assert_string_not_equal(digest[0], digest[2]);
    assert_true(mean[0] != mean[2]);
    for (guint i = 0; i < 3; i++)
      g_free(digest[i]);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_async_identical_workers),
    cmocka_unit_test(test_one_slow_worker),
    cmocka_unit_test(test_backup_order_statistic),
    cmocka_unit_test(test_backup_matches_sync_ps),
    cmocka_unit_test(test_ssp_bound_property),
    cmocka_unit_test(test_ps_nic_saturation),
    cmocka_unit_test(test_failures),
    cmocka_unit_test(test_degraded_link_and_pauses),
    cmocka_unit_test(test_determinism),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

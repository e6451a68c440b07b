/* Scenario files: defaults, overrides, every class of bad input with a message naming the
 * section, key, value and expectation, and the shipped scenarios parse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "engine/trace.h"
#include "sim/scenario.h"
#include "workloads/collective.h"

static const char *base =
  "# a comment that must survive\n"
  "[workload]\nnet = alex_v2\nbatch = 128\n"
  "[cluster]\ndevice = K80\nworkers = 8\n";

static void test_defaults(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "mem.ini", NULL, &error);
  assert_non_null(s);
  assert_string_equal(s->workload.net, "alex_v2");
  assert_int_equal(s->workload.batch, 128);
  assert_string_equal(s->workload.cost_model, "paleo");
  assert_true(s->workload.ppp_comp == 1.0);
  assert_string_equal(s->cluster.device, "K80");
  assert_int_equal(s->cluster.workers, 8);
  assert_string_equal(paleo_scenario_topology(s), "star");
  assert_string_equal(s->cluster.link, "ethernet");
  assert_int_equal(paleo_scenario_hosts(s), 8);
  assert_int_equal(s->training.collective, PALEO_COLLECTIVE_RING);
  assert_int_equal(s->training.fidelity, PALEO_FIDELITY_FLOW);
  assert_true(s->training.overlap);
  assert_true(s->training.bucket_mb == 25.0);
  assert_int_equal(s->training.iterations, 10);
  assert_int_equal(s->training.seed, 1);
  assert_string_equal(s->output.trace, "");
  assert_int_equal(s->output.trace_level, PALEO_TRACE_LEVEL_TASKS);
  assert_string_equal(s->name, "mem");
  assert_true(paleo_scenario_slowdown(s, 3) == 1.0);
}

static void test_overrides(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  char *ov[] = {"training.collective=butterfly", "cluster.workers = 16", "cluster.gpus_per_host=4",
                "training.overlap=off", "cluster.slowdown=3:2.0, 5:1.5", "output.trace=run.h5",
                "training.seed=18446744073709551615", NULL};
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "mem.ini", ov, &error);
  assert_non_null(s);
  assert_int_equal(s->training.collective, PALEO_COLLECTIVE_BUTTERFLY);
  assert_int_equal(s->cluster.workers, 16);
  assert_int_equal(paleo_scenario_hosts(s), 4);
  assert_false(s->training.overlap);
  assert_true(paleo_scenario_slowdown(s, 3) == 2.0);
  assert_true(paleo_scenario_slowdown(s, 5) == 1.5);
  assert_true(paleo_scenario_slowdown(s, 4) == 1.0);
  assert_string_equal(paleo_scenario_trace_format(s), "hdf5");
  assert_true(s->training.seed == G_MAXUINT64);
  /* the kept text has the overrides and the comments */
  assert_non_null(strstr(s->text, "collective=butterfly"));
  assert_non_null(strstr(s->text, "a comment that must survive"));
  /* and parses back to the same scenario */
  g_autoptr(PaleoScenario) again = paleo_scenario_load_data(s->text, "again.ini", NULL, &error);
  assert_non_null(again);
  assert_int_equal(again->cluster.workers, 16);
}

/* Loads base + extra (+ one override) and expects failure with all `needles` in the message. */
static void expect_error(const char *extra, const char *override, int code, const char *n1, const char *n2)
{
  g_autofree char *text = g_strconcat(base, extra, NULL);
  char *ov[] = {(char *)override, NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(text, "bad.ini", override ? ov : NULL, &error);
  if (s)
    fail_msg("accepted: %s / %s", extra, override ? override : "");
  assert_true(g_error_matches(error, PALEO_SCENARIO_ERROR, code));
  if (!strstr(error->message, n1) || (n2 && !strstr(error->message, n2)))
    fail_msg("message '%s' lacks '%s' or '%s'", error->message, n1, n2 ? n2 : "");
  assert_non_null(strstr(error->message, "bad.ini"));
}

static void test_bad_input(void **state)
{
  (void)state;
  /* missing required key */
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data("[workload]\nnet = alex_v2\n", "bad.ini", NULL, &error);
  assert_null(s);
  assert_true(g_error_matches(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_MISSING));
  assert_non_null(strstr(error->message, "[workload] batch"));
  /* wrong type */
  expect_error("", "workload.batch=many", PALEO_SCENARIO_ERROR_TYPE, "[workload] batch = 'many'", "integer");
  expect_error("", "training.overlap=maybe", PALEO_SCENARIO_ERROR_TYPE, "[training] overlap", "true|false");
  expect_error("", "workload.ppp_comp=fast", PALEO_SCENARIO_ERROR_TYPE, "ppp_comp", "number");
  /* out of range, batch 0 */
  expect_error("", "workload.batch=0", PALEO_SCENARIO_ERROR_RANGE, "[workload] batch = '0'", "[1, ");
  expect_error("", "workload.ppp_comp=1.5", PALEO_SCENARIO_ERROR_RANGE, "ppp_comp", "(0, 1]");
  expect_error("", "training.iterations=-1", PALEO_SCENARIO_ERROR_RANGE, "iterations", NULL);
  expect_error("", "training.bucket_mb=0", PALEO_SCENARIO_ERROR_RANGE, "bucket_mb", NULL);
  /* unknown choice, key, section, malformed --set */
  expect_error("", "training.collective=allgather", PALEO_SCENARIO_ERROR_UNKNOWN, "[training] collective = 'allgather'",
               "ps|tree|butterfly|butterfly-mixing|ring|hierarchical");
  expect_error("", "cluster.topology=dragonfly", PALEO_SCENARIO_ERROR_UNKNOWN, "topology", "fat-tree");
  expect_error("", "training.strategy=async", PALEO_SCENARIO_ERROR_UNKNOWN, "strategy", "sync");
  expect_error("", "training.colective=ring", PALEO_SCENARIO_ERROR_UNKNOWN, "colective", NULL);
  expect_error("[training]\nbuckets = 3\n", NULL, PALEO_SCENARIO_ERROR_UNKNOWN, "[training] buckets", NULL);
  expect_error("[extra]\nx = 1\n", NULL, PALEO_SCENARIO_ERROR_UNKNOWN, "[extra]", NULL);
  expect_error("", "workers=3", PALEO_SCENARIO_ERROR_PARSE, "section.key=value", NULL);
  expect_error("[cluster\n", NULL, PALEO_SCENARIO_ERROR_PARSE, "INI", NULL);
  /* more workers than the topology has accelerators */
  expect_error("", "cluster.hosts=1", PALEO_SCENARIO_ERROR_RANGE, "[cluster] workers = '8'", "accelerators");
  expect_error("[cluster]\ntopology = torus2d\ndims = 2x3\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "workers", "accelerators");
  expect_error("[cluster]\ntopology = torus3d\ndims = 2x3\n", NULL, PALEO_SCENARIO_ERROR_TYPE, "dims", "3 positive");
  expect_error("[cluster]\ntopology = file\n", NULL, PALEO_SCENARIO_ERROR_MISSING, "topology_file", NULL);
  /* inconsistent keys */
  expect_error("[cluster]\nslowdown = 9:2\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "slowdown", "[0, 8)");
  expect_error("[cluster]\nslowdown = 3:x\n", NULL, PALEO_SCENARIO_ERROR_TYPE, "slowdown", "WORKER:FACTOR");
  expect_error("[cluster]\nslowdown = 3:2,3:1\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "slowdown", "twice");
  expect_error("[cluster]\ngpus_per_host = 3\n[training]\ncollective = hierarchical\n", NULL, PALEO_SCENARIO_ERROR_RANGE,
               "workers", "multiple of gpus_per_host");
  expect_error("[cluster]\nps_count = 9\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "ps_count", NULL);
  expect_error("[training]\nssp_bound = 2\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "ssp_bound", "strategy ssp");
  expect_error("[output]\ntrace = run.txt\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "[output] trace", ".db or .h5");
}

/* ---- training strategies and [stragglers] ---- */

static void test_strategy_keys(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  char *ssp[] = {"training.strategy=ssp", "training.ssp_bound=3", NULL};
  g_autoptr(PaleoScenario) a = paleo_scenario_load_data(base, "mem.ini", ssp, &error);
  assert_non_null(a);
  assert_string_equal(paleo_scenario_strategy(a)->name, "ssp");
  assert_int_equal(a->training.ssp_bound, 3);
  char *backup[] = {"training.strategy=backup", "training.backup_workers=7", NULL};
  g_autoptr(PaleoScenario) b = paleo_scenario_load_data(base, "mem.ini", backup, &error);
  assert_non_null(b);
  assert_string_equal(paleo_scenario_strategy(b)->name, "backup");
  assert_int_equal(b->training.backup_workers, 7);
  g_autoptr(PaleoScenario) c = paleo_scenario_load_data(base, "mem.ini", (char *[]){"training.strategy=async-ps", NULL}, &error);
  assert_non_null(c);
  assert_string_equal(paleo_scenario_strategy(c)->name, "async-ps");
  g_autoptr(PaleoScenario) d = paleo_scenario_load_data(base, "mem.ini", (char *[]){"training.strategy=ssp", NULL}, &error);
  assert_non_null(d);
  assert_int_equal(d->training.ssp_bound, 0);
  /* bad strategy parameters */
  expect_error("[training]\nstrategy = ssp\nssp_bound = -1\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "[training] ssp_bound = '-1'",
               "[0, ");
  expect_error("[training]\nstrategy = async-ps\nssp_bound = 2\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "ssp_bound",
               "applies to strategy ssp only (strategy is async-ps)");
  expect_error("[training]\nstrategy = backup\nssp_bound = 2\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "ssp_bound",
               "(strategy is backup)");
  expect_error("[training]\nbackup_workers = 1\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "backup_workers",
               "applies to strategy backup only (strategy is sync)");
  expect_error("[training]\nstrategy = ssp\nbackup_workers = 1\n", NULL, PALEO_SCENARIO_ERROR_RANGE, "backup_workers",
               "(strategy is ssp)");
  expect_error("[training]\nstrategy = backup\nbackup_workers = 8\n", NULL, PALEO_SCENARIO_ERROR_RANGE,
               "[training] backup_workers = '8'", "backup_workers < workers = 8");
  expect_error("[training]\nstrategy = backup\n", "training.backup_workers=9", PALEO_SCENARIO_ERROR_RANGE,
               "backup_workers", "at least one gradient");
  expect_error("[training]\nstrategy = backup\nbackup_workers = -1\n", NULL, PALEO_SCENARIO_ERROR_RANGE,
               "backup_workers", NULL);
  expect_error("", "training.strategy=hogwild", PALEO_SCENARIO_ERROR_UNKNOWN, "strategy", "sync|async-ps|ssp|backup");
}

static void test_stragglers_defaults(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "mem.ini", NULL, &error);
  assert_non_null(s);
  assert_int_equal(s->stragglers.noise, PALEO_NOISE_NONE);
  assert_true(s->stragglers.noise_mu == 0.0 && s->stragglers.noise_sigma == 0.1 && s->stragglers.noise_mean == 0.1);
  assert_string_equal(s->stragglers.noise_workers, "");
  assert_true(s->stragglers.pause_every_ms == 0.0 && s->stragglers.pause_ms == 0.0);
  assert_string_equal(s->stragglers.fail, "");
  assert_int_equal(s->stragglers.degrades->len, 0);
  g_autoptr(PaleoStragglerModel) m = paleo_scenario_straggler_model(s);
  assert_int_equal(m->workers, 8);
  assert_int_equal(m->noise, PALEO_NOISE_NONE);
  assert_true(m->pause_every_ns == 0 && m->pause_ns == 0);
  for (uint32_t w = 0; w < 8; w++) {
    assert_true(m->factor[w] == 1.0);
    assert_true(m->noisy[w] && m->paused[w]);
    assert_true(m->fail_at_ns[w] == PALEO_NEVER_NS);
  }
  assert_false(paleo_straggler_any_failure(m));
}

static const PaleoLinkDegrade *degrade(const PaleoScenario *s, guint i)
{
  return &g_array_index(s->stragglers.degrades, PaleoLinkDegrade, i);
}

static void check_full_model(const PaleoScenario *s)
{
  assert_int_equal(s->stragglers.noise, PALEO_NOISE_LOGNORMAL);
  assert_true(s->stragglers.noise_mu == -0.5 && s->stragglers.noise_sigma == 0.25);
  assert_int_equal(s->stragglers.degrades->len, 3);
  assert_string_equal(degrade(s, 0)->target, "w3->sw0");
  assert_true(degrade(s, 0)->factor == 0.25 && degrade(s, 0)->at_ms == 100.0);
  assert_string_equal(degrade(s, 1)->target, "host1");
  assert_true(degrade(s, 1)->factor == 0.5 && degrade(s, 1)->at_ms == 0.0);
  /* split on the last '@' and the last ':' before it */
  assert_string_equal(degrade(s, 2)->target, "a:b@c");
  assert_true(degrade(s, 2)->factor == 2.0 && degrade(s, 2)->at_ms == 1.5);
  g_autoptr(PaleoStragglerModel) m = paleo_scenario_straggler_model(s);
  assert_int_equal(m->workers, 8);
  assert_int_equal(m->noise, PALEO_NOISE_LOGNORMAL);
  assert_true(m->noise_mu == -0.5 && m->noise_sigma == 0.25);
  /* 12.5 ms every, 2.0000004 ms long: rounded to the nearest ns */
  assert_true(m->pause_every_ns == 12500000 && m->pause_ns == 2000000);
  const double factor[8] = {1, 1, 3, 1, 1, 1.5, 1, 1};
  const gboolean noisy[8] = {TRUE, FALSE, FALSE, TRUE, FALSE, FALSE, FALSE, TRUE};
  const gboolean paused[8] = {FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, TRUE, FALSE};
  const uint64_t fail[8] = {PALEO_NEVER_NS, PALEO_NEVER_NS, PALEO_NEVER_NS, PALEO_NEVER_NS,
                            50000000, PALEO_NEVER_NS, PALEO_NEVER_NS, 120250000};
  for (uint32_t w = 0; w < 8; w++) {
    if (m->factor[w] != factor[w] || m->noisy[w] != noisy[w] || m->paused[w] != paused[w] || m->fail_at_ns[w] != fail[w])
      fail_msg("worker %u: factor %g noisy %d paused %d fail %" G_GUINT64_FORMAT, w, m->factor[w], m->noisy[w],
               m->paused[w], m->fail_at_ns[w]);
  }
  assert_true(paleo_straggler_any_failure(m));
}

static void test_stragglers_keys(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  const char *extra = "[cluster]\nslowdown = 2:3, 5:1.5\n"
                      "[stragglers]\nnoise = lognormal\nnoise_mu = -0.5\nnoise_sigma = 0.25\n"
                      "noise_workers = 7, 0,3\npause_every_ms = 12.5\npause_ms = 2.0000004\npause_workers = 6\n"
                      "fail = 7:120.25, 4:50\ndegrade_link = w3->sw0:0.25@100, host1 : 0.5 @ 0 ,a:b@c:2@1.5\n";
  g_autofree char *text = g_strconcat(base, extra, NULL);
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(text, "mem.ini", NULL, &error);
  if (!s)
    fail_msg("%s", error->message);
  check_full_model(s);
  /* the same through --set overrides */
  char *ov[] = {"cluster.slowdown=2:3,5:1.5", "stragglers.noise=lognormal", "stragglers.noise_mu=-0.5",
                "stragglers.noise_sigma=0.25", "stragglers.noise_workers=0,3,7", "stragglers.pause_every_ms=12.5",
                "stragglers.pause_ms=2.0000004", "stragglers.pause_workers=6", "stragglers.fail=4:50,7:120.25",
                "stragglers.degrade_link=w3->sw0:0.25@100,host1:0.5@0,a:b@c:2@1.5", NULL};
  g_autoptr(PaleoScenario) o = paleo_scenario_load_data(base, "mem.ini", ov, &error);
  if (!o)
    fail_msg("%s", error->message);
  check_full_model(o);
  /* exponential noise on every worker */
  char *exp_ov[] = {"stragglers.noise=exponential", "stragglers.noise_mean=0.75", NULL};
  g_autoptr(PaleoScenario) e = paleo_scenario_load_data(base, "mem.ini", exp_ov, &error);
  assert_non_null(e);
  g_autoptr(PaleoStragglerModel) m = paleo_scenario_straggler_model(e);
  assert_int_equal(m->noise, PALEO_NOISE_EXPONENTIAL);
  assert_true(m->noise_mean == 0.75);
  for (uint32_t w = 0; w < 8; w++)
    assert_true(m->noisy[w]);
  /* the key reference documents the section */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  paleo_scenario_print_keys(f, FALSE);
  fclose(f);
  const char *keys[] = {"noise ", "noise_mu", "noise_sigma", "noise_mean", "noise_workers", "pause_every_ms",
                        "pause_ms", "pause_workers", "fail", "degrade_link"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    g_autofree char *line = g_strconcat("stragglers ", keys[i], NULL);
    if (!strstr(buf, line))
      fail_msg("--keys lacks '%s'", line);
  }
  assert_non_null(strstr(buf, "(none|lognormal|exponential)"));
  free(buf);
}

static void test_stragglers_bad(void **state)
{
  (void)state;
  const int R = PALEO_SCENARIO_ERROR_RANGE, T = PALEO_SCENARIO_ERROR_TYPE, U = PALEO_SCENARIO_ERROR_UNKNOWN;
  /* unknown distribution, key; the section list names stragglers */
  expect_error("", "stragglers.noise=gamma", U, "[stragglers] noise = 'gamma'", "none|lognormal|exponential");
  expect_error("", "stragglers.noise_shape=2", U, "noise_shape", NULL);
  expect_error("[straglers]\nnoise = none\n", NULL, U, "[straglers]", "training, stragglers, parallelism or output");
  /* numbers out of range or not numbers */
  expect_error("", "stragglers.noise_sigma=-0.1", R, "[stragglers] noise_sigma = '-0.1'", NULL);
  expect_error("", "stragglers.noise_mean=0", R, "[stragglers] noise_mean = '0'", "(0, ");
  expect_error("", "stragglers.noise_mean=-1", R, "noise_mean", NULL);
  expect_error("", "stragglers.noise_mu=inf", T, "noise_mu", "number");
  expect_error("", "stragglers.noise_mu=nan", T, "noise_mu", "number");
  expect_error("", "stragglers.pause_every_ms=-5", R, "pause_every_ms", NULL);
  expect_error("", "stragglers.pause_ms=-1", R, "pause_ms", NULL);
  /* pauses: D < P */
  expect_error("[stragglers]\npause_every_ms = 10\npause_ms = 10\n", NULL, R, "[stragglers] pause_ms = '10'",
               "pause_ms < pause_every_ms = 10");
  expect_error("[stragglers]\npause_every_ms = 10\npause_ms = 12\n", NULL, R, "pause_ms", "shorter than its period");
  expect_error("[stragglers]\npause_ms = 1\n", NULL, R, "pause_ms", "set pause_every_ms > 0");
  /* equal once rounded to ns */
  expect_error("[stragglers]\npause_every_ms = 0.0000014\npause_ms = 0.000001\n", NULL, R, "pause_ms", NULL);
  /* worker lists */
  expect_error("[stragglers]\nnoise_workers = 0,8\n", NULL, R, "[stragglers] noise_workers = '0,8'", "[0, 8)");
  expect_error("[stragglers]\nnoise_workers = -1\n", NULL, R, "noise_workers", "[0, 8)");
  expect_error("[stragglers]\nnoise_workers = 1,x\n", NULL, T, "noise_workers", "'x' is not a worker id");
  expect_error("[stragglers]\nnoise_workers = 2,2\n", NULL, R, "noise_workers", "worker 2 is listed twice");
  expect_error("[stragglers]\npause_workers = 9\n", NULL, R, "pause_workers", "[0, 8)");
  expect_error("", "stragglers.pause_workers=1.5", T, "pause_workers", "not a worker id");
  /* failures */
  expect_error("[stragglers]\nfail = 8:10\n", NULL, R, "[stragglers] fail = '8:10'", "[0, 8)");
  expect_error("[stragglers]\nfail = 3:10,3:20\n", NULL, R, "fail", "worker 3 is listed twice");
  expect_error("[stragglers]\nfail = 3\n", NULL, T, "fail", "WORKER:MS");
  expect_error("[stragglers]\nfail = 3:soon\n", NULL, T, "fail", "not a number");
  expect_error("[stragglers]\nfail = 3:-1\n", NULL, R, "fail", "[0, ");
  expect_error("[stragglers]\nfail = :5\n", NULL, T, "fail", "not a worker id");
  /* degraded links */
  expect_error("[stragglers]\ndegrade_link = w0:0@10\n", NULL, R, "[stragglers] degrade_link = 'w0:0@10'",
               "factor must be in [1e-06, ");
  expect_error("[stragglers]\ndegrade_link = w0:-0.5@10\n", NULL, R, "degrade_link", "factor");
  expect_error("[stragglers]\ndegrade_link = w0:0.5@-1\n", NULL, R, "degrade_link", "time (ms)");
  expect_error("[stragglers]\ndegrade_link = w0:0.5\n", NULL, T, "degrade_link", "TARGET:FACTOR@MS");
  expect_error("[stragglers]\ndegrade_link = w0@10\n", NULL, T, "degrade_link", "TARGET:FACTOR@MS");
  expect_error("[stragglers]\ndegrade_link = :0.5@10\n", NULL, T, "degrade_link", "TARGET:FACTOR@MS");
  expect_error("[stragglers]\ndegrade_link = w0:half@10\n", NULL, T, "degrade_link", "not a number");
  expect_error("[stragglers]\ndegrade_link = w0:0.5@10,w1:0.5@x\n", NULL, T, "degrade_link", "'w1:0.5@x'");
  expect_error("[training]\nfidelity = analytical\n[stragglers]\ndegrade_link = w0:0.5@10\n", NULL, R,
               "degrade_link", "needs training.fidelity = flow");
}

static void test_shipped_scenarios(void **state)
{
  (void)state;
  const char *dir = g_getenv("PALEOSIM_CONFIG_DIR");
  assert_non_null(dir);
  g_autofree char *sdir = g_build_filename(dir, "scenarios", NULL);
  g_autoptr(GDir) d = g_dir_open(sdir, 0, NULL);
  assert_non_null(d);
  guint n = 0;
  for (const char *f; (f = g_dir_read_name(d));) {
    if (!g_str_has_suffix(f, ".ini"))
      continue;
    g_autofree char *path = g_build_filename(sdir, f, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoScenario) s = paleo_scenario_load(path, NULL, &error);
    if (!s)
      fail_msg("%s", error->message);
    n++;
  }
  assert_true(n >= 4);
  g_autofree char *def = paleo_scenario_resolve_path("default");
  assert_true(g_str_has_suffix(def, "scenarios/default.ini"));
}

static void test_keys_reference(void **state)
{
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  paleo_scenario_print_keys(f, TRUE);
  fclose(f);
  const char *must[] = {"| workload | net |", "| workload | ppp_comm |", "| cluster | slowdown |", "| cluster | latency_us |",
                        "| training | bucket_mb |", "| output | trace_level |", "| cluster | ps_count |"};
  for (guint i = 0; i < G_N_ELEMENTS(must); i++)
    assert_non_null(strstr(buf, must[i]));
  free(buf);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_overrides),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_strategy_keys),
    cmocka_unit_test(test_stragglers_defaults),
    cmocka_unit_test(test_stragglers_keys),
    cmocka_unit_test(test_stragglers_bad),
    cmocka_unit_test(test_shipped_scenarios),
    cmocka_unit_test(test_keys_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

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
  assert_int_equal(s->cluster.topology, PALEO_TOPOLOGY_STAR);
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
  assert_int_equal(s->output.trace_format, PALEO_TRACE_FORMAT_HDF5);
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
    cmocka_unit_test(test_shipped_scenarios),
    cmocka_unit_test(test_keys_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

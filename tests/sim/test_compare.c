/* CLI tests of `paleosim compare` (bad strategy lists, JSON with one entry per strategy in
 * order, one table column per strategy, side-by-side values equal to `run`'s) and of the
 * strategy keys `paleosim run --format json` gained (issue 6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

/* Small and fast: analytical, 4 workers, 5 iterations, parameter servers. */
static const char *const tiny =
  "[scenario]\nname=tiny\n"
  "[workload]\nnet=alex_v2\nbatch=32\n"
  "[cluster]\ndevice=TITAN_X\nworkers=4\n"
  "[training]\ncollective=ps\nfidelity=analytical\niterations=5\n";

#include "cli_result.h"

/* The tiny scenario written to PALEO_TEST_TMP (once per process). */
static const char *tiny_path(void)
{
  static char *path;
  if (!path) {
    path = g_build_filename(g_getenv("PALEO_TEST_TMP"), "compare_tiny.ini", NULL);
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(path, tiny, -1, &error))
      fail_msg("%s", error->message);
  }
  return path;
}

static JsonNode *parse_json(const char *text)
{
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(p, text, -1, &error))
    fail_msg("not JSON (%s):\n%s", error->message, text);
  return json_node_copy(json_parser_get_root(p));
}

/* ---- bad strategy lists ---- */

static void expect_list_error(const char *list, const char *needle)
{
  Result r = run_cli("compare", tiny_path(), "--no-progress", "--strategies", list, NULL);
  if (r.status != 2 || !strstr(r.err, needle) || *r.out)
    fail_msg("--strategies '%s': exit %d, stdout '%s', stderr '%s' (wanted exit 2, nothing on stdout, '%s')", list,
             r.status, r.out, r.err, needle);
  result_clear(&r);
}

static void test_bad_lists(void **state)
{
  (void)state;
  expect_list_error("sync,gossip", "unknown strategy 'gossip'");
  expect_list_error("ssp:-1", "'ssp:-1'");
  expect_list_error("backup:x", "'backup:x'");
  expect_list_error("backup:2.5", "'backup:2.5'");
  expect_list_error("sync,ssp", "ssp needs a bound, e.g. ssp:3");
  expect_list_error("backup", "backup needs a count, e.g. backup:2");
  expect_list_error("sync,async-ps,sync", "'sync' appears twice");
  expect_list_error("ssp:3,ssp:03", "'ssp:03' appears twice");
  expect_list_error("async-ps:2", "'async-ps:2': async-ps takes no parameter");
  expect_list_error("sync,,async-ps", "empty item");
  expect_list_error("", "empty list");
  /* The scenario's own check, named by the item: backup needs backup_workers < workers. */
  expect_list_error("sync,backup:4", "backup:4: ");
  expect_list_error("backup:4", "[training] backup_workers");
}

static void test_bad_arguments(void **state)
{
  (void)state;
  Result r = run_cli("compare", tiny_path(), "--no-progress", "--format", "xml", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "--format 'xml'"));
  result_clear(&r);
  r = run_cli("compare", "--no-progress", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "expected one SCENARIO"));
  result_clear(&r);
  /* A bad --set fails before anything runs: nothing on stdout. */
  r = run_cli("compare", tiny_path(), "--no-progress", "--set", "workload.net=no_such_net", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "[workload] net"));
  assert_string_equal(r.out, "");
  result_clear(&r);
}

/* ---- JSON ---- */

static const char *const run_keys[] = {
  "scenario", "worker_count", "iterations", "iteration_ms", "throughput_samples_per_s", "speedup", "one_worker_ms",
  "compute_ms", "comm_ms", "comm_exposed_ms", "wait_ms", "overlap_fraction", "wall_s", "events", "flows",
  "interrupted", "strategy", "updates", "updates_per_s", "staleness", "dropped_gradients", "stalled",
  "stalled_at_ms", "workers", "links",
};

static void assert_run_keys(JsonObject *o)
{
  for (guint i = 0; i < G_N_ELEMENTS(run_keys); i++)
    if (!json_object_has_member(o, run_keys[i]))
      fail_msg("no key '%s'", run_keys[i]);
}

static JsonNode *compare_json(const char *list)
{
  Result r = run_cli("compare", tiny_path(), "--no-progress", "--format", "json", "--strategies", list, NULL);
  if (r.status != 0)
    fail_msg("compare --strategies %s: exit %d: %s", list, r.status, r.err);
  JsonNode *root = parse_json(r.out);
  result_clear(&r);
  return root;
}

static void test_json_entries(void **state)
{
  (void)state;
  static const char *const names[] = {"backup:1", "sync", "ssp:2", "async-ps"};
  static const char *const registry[] = {"backup", "sync", "ssp", "async-ps"};
  g_autoptr(JsonNode) root = compare_json("backup:1, sync,ssp:2,async-ps");
  JsonObject *o = json_node_get_object(root);
  assert_string_equal(json_object_get_string_member(o, "scenario"), "tiny");
  JsonArray *a = json_object_get_array_member(o, "strategies");
  assert_int_equal(json_array_get_length(a), G_N_ELEMENTS(names));
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    JsonObject *e = json_array_get_object_element(a, i);
    assert_string_equal(json_object_get_string_member(e, "name"), names[i]);
    assert_string_equal(json_object_get_string_member(e, "strategy"), registry[i]);
    assert_run_keys(e);
    assert_int_equal(json_array_get_length(json_object_get_array_member(e, "workers")), 4);
    gboolean stale = !strcmp(registry[i], "ssp") || !strcmp(registry[i], "async-ps");
    assert_int_equal(JSON_NODE_HOLDS_NULL(json_object_get_member(e, "staleness")), !stale);
  }
  /* backup:1 on 4 workers: one gradient of every update dropped. */
  JsonObject *backup = json_array_get_object_element(a, 0);
  assert_int_equal(json_object_get_int_member(backup, "dropped_gradients"),
                   json_object_get_int_member(backup, "updates"));
}

/* The default list is sync,async-ps. */
static void test_default_list(void **state)
{
  (void)state;
  Result r = run_cli("compare", tiny_path(), "--no-progress", "--format", "json", NULL);
  assert_int_equal(r.status, 0);
  g_autoptr(JsonNode) root = parse_json(r.out);
  JsonArray *a = json_object_get_array_member(json_node_get_object(root), "strategies");
  assert_int_equal(json_array_get_length(a), 2);
  assert_string_equal(json_object_get_string_member(json_array_get_object_element(a, 0), "name"), "sync");
  assert_string_equal(json_object_get_string_member(json_array_get_object_element(a, 1), "name"), "async-ps");
  result_clear(&r);
}

/* compare's numbers are run's numbers: sync under compare equals `run` of the scenario. */
static void test_matches_run(void **state)
{
  (void)state;
  g_autoptr(JsonNode) cmp = compare_json("ssp:1,sync");
  JsonObject *sync = json_array_get_object_element(
    json_object_get_array_member(json_node_get_object(cmp), "strategies"), 1);
  Result r = run_cli("run", tiny_path(), "--no-progress", "--format", "json", NULL);
  assert_int_equal(r.status, 0);
  g_autoptr(JsonNode) run = parse_json(r.out);
  JsonObject *o = json_node_get_object(run);
  assert_float_equal(json_object_get_double_member(sync, "throughput_samples_per_s"),
                     json_object_get_double_member(o, "throughput_samples_per_s"), 0);
  assert_float_equal(json_object_get_double_member(sync, "wait_ms"), json_object_get_double_member(o, "wait_ms"), 0);
  result_clear(&r);
}

/* A scenario that sets its own ssp bound still runs under every strategy. */
static void test_scenario_bound_overridden(void **state)
{
  (void)state;
  Result r = run_cli("compare", tiny_path(), "--no-progress", "--set", "training.strategy=ssp", "--set",
                     "training.ssp_bound=3", "--strategies", "sync,ssp:1", "--format", "json", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  result_clear(&r);
}

/* ---- table ---- */

static void test_table_columns(void **state)
{
  (void)state;
  Result r = run_cli("compare", tiny_path(), "--no-progress", "--strategies", "sync,async-ps,ssp:2,backup:1", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
  guint header = 0;
  while (lines[header] && !strstr(lines[header], "async-ps"))
    header++;
  assert_non_null(lines[header]);
  g_auto(GStrv) titles = g_strsplit_set(g_strstrip(lines[header]), " ", -1);
  GPtrArray *words = g_ptr_array_new();
  for (guint i = 0; titles[i]; i++)
    if (*titles[i])
      g_ptr_array_add(words, titles[i]);
  assert_int_equal(words->len, 4);
  assert_string_equal(words->pdata[0], "sync");
  assert_string_equal(words->pdata[3], "backup:1");
  g_ptr_array_free(words, TRUE);
  /* Each row: a title, then one cell per strategy; sync and backup have no staleness. */
  const char *row = strstr(r.out, "staleness max");
  assert_non_null(row);
  g_autofree char *line = g_strndup(row, strcspn(row, "\n"));
  g_auto(GStrv) cells = g_regex_split_simple("\\s{2,}", line, 0, 0);
  assert_int_equal(g_strv_length(cells), 5);
  assert_string_equal(cells[1], "-");
  assert_string_not_equal(cells[2], "-");
  assert_string_not_equal(cells[3], "-");
  assert_string_equal(cells[4], "-");
  assert_non_null(strstr(r.out, "speed-up vs sync"));
  assert_non_null(strstr(r.out, "time lost waiting"));
  result_clear(&r);
  /* No sync in the list: no speed-up row. */
  r = run_cli("compare", tiny_path(), "--no-progress", "--strategies", "async-ps", NULL);
  assert_int_equal(r.status, 0);
  assert_null(strstr(r.out, "speed-up vs sync"));
  result_clear(&r);
}

/* ---- run --format json gained the strategy keys ---- */

static void test_run_json_sync_keys(void **state)
{
  (void)state;
  Result r = run_cli("run", tiny_path(), "--no-progress", "--format", "json", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  g_autoptr(JsonNode) root = parse_json(r.out);
  JsonObject *o = json_node_get_object(root);
  assert_run_keys(o);
  assert_string_equal(json_object_get_string_member(o, "strategy"), "sync");
  assert_int_equal(json_object_get_int_member(o, "iterations"), 5);
  assert_int_equal(json_object_get_int_member(o, "updates"), 5);
  assert_int_equal(json_object_get_int_member(o, "dropped_gradients"), 0);
  assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "staleness")));
  assert_false(json_object_get_boolean_member(o, "stalled"));
  assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "stalled_at_ms")));
  /* 5 updates over the run: updates/s = 5 / (5 x mean iteration). */
  double mean_ms = json_object_get_double_member(json_object_get_object_member(o, "iteration_ms"), "mean");
  assert_float_equal(json_object_get_double_member(o, "updates_per_s"), 1000.0 / mean_ms, 1e-6 * 1000.0 / mean_ms);
  JsonArray *w = json_object_get_array_member(o, "workers");
  assert_int_equal(json_array_get_length(w), 4);
  for (guint i = 0; i < 4; i++) {
    JsonObject *e = json_array_get_object_element(w, i);
    assert_int_equal(json_object_get_int_member(e, "id"), i);
    assert_float_equal(json_object_get_double_member(e, "slowdown"), 1.0, 1e-12);
    assert_int_equal(json_object_get_int_member(e, "iterations"), 5);
    assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(e, "failed_at_ms")));
  }
  result_clear(&r);
}

/* A failed worker stalls sync: the table says when and which worker, JSON agrees. */
static void test_run_stall(void **state)
{
  (void)state;
  Result r = run_cli("run", tiny_path(), "--no-progress", "--set", "stragglers.fail=2:1500", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  assert_non_null(strstr(r.out, "failed workers stop the training (worker 2 failed at 1500.000 ms)"));
  result_clear(&r);
  r = run_cli("run", tiny_path(), "--no-progress", "--set", "stragglers.fail=2:1500", "--format", "json", NULL);
  g_autoptr(JsonNode) root = parse_json(r.out);
  JsonObject *o = json_node_get_object(root);
  assert_true(json_object_get_boolean_member(o, "stalled"));
  assert_true(json_object_get_double_member(o, "stalled_at_ms") >= 1500);
  JsonObject *w2 = json_array_get_object_element(json_object_get_array_member(o, "workers"), 2);
  assert_float_equal(json_object_get_double_member(w2, "failed_at_ms"), 1500, 1e-9);
  result_clear(&r);
}

/* More than 16 workers: the table lists only the ones that differ, and counts the rest. */
static void test_run_worker_block(void **state)
{
  (void)state;
  Result r = run_cli("run", tiny_path(), "--no-progress", "--set", "cluster.workers=20", "--set",
                     "cluster.slowdown=7:2.5", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  assert_non_null(strstr(r.out, "(19 other workers: slowdown 1, 5 iterations, not failed)"));
  assert_true(g_regex_match_simple("\\n\\s+7\\s+2\\.500\\s+5\\s+-\\n", r.out, 0, 0));
  result_clear(&r);
  r = run_cli("run", tiny_path(), "--no-progress", NULL);
  assert_int_equal(r.status, 0);
  assert_null(strstr(r.out, "other worker"));
  assert_true(g_regex_match_simple("\\n\\s+3\\s+1\\.000\\s+5\\s+-\\n", r.out, 0, 0));
  assert_non_null(strstr(r.out, ", sync, ps, analytical fidelity"));
  result_clear(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_lists),
    cmocka_unit_test(test_bad_arguments),
    cmocka_unit_test(test_json_entries),
    cmocka_unit_test(test_default_list),
    cmocka_unit_test(test_matches_run),
    cmocka_unit_test(test_scenario_bound_overridden),
    cmocka_unit_test(test_table_columns),
    cmocka_unit_test(test_run_json_sync_keys),
    cmocka_unit_test(test_run_stall),
    cmocka_unit_test(test_run_worker_block),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

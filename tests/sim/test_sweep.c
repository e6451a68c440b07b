/* paleosim sweep: each point equals a single `run` (analytical and flow fidelity), the
 * grid (product, zipped axes, explicit points), CSV and SQLite tables, resuming, refusing a
 * file that holds another sweep or is not a regular file, bad values found before any
 * point runs, invalid combinations as error rows, and SIGINT ending with a table a rerun
 * completes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_result.h"
#include "sweep_support.h"

/* Small: 4 workers on a star, parameter servers or a ring, 3 iterations. */
static const char *const tiny =
  "[scenario]\nname=tiny\n"
  "[workload]\nnet=alex_v2\nbatch=32\n"
  "[cluster]\ndevice=TITAN_X\nworkers=4\nlink=eth25\nlatency_us=2\n"
  "[training]\ncollective=ring\nfidelity=analytical\niterations=3\n";

static char *tiny_path(void)
{
  return tmp_file("sweep_tiny.ini", tiny);
}

static void expect_ok(Result *r, const char *what)
{
  if (r->status != 0)
    fail_msg("%s: exit %d\nstdout: %s\nstderr: %s", what, r->status, r->out, r->err);
}

static double db_number(sqlite3 *db, guint point, const char *column)
{
  g_autofree char *sql = g_strdup_printf("SELECT \"%s\" FROM results WHERE point = %u", column, point);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Every number of the run's JSON (flattened) equals the point's column, bit for bit. */
static void expect_same_as_run(sqlite3 *db, guint point, JsonObject *run, const char *prefix)
{
  g_autoptr(GList) members = json_object_get_members(run);
  for (GList *m = members; m; m = m->next) {
    JsonNode *n = json_object_get_member(run, m->data);
    g_autofree char *col = *prefix ? g_strdup_printf("%s_%s", prefix, (char *)m->data) : g_strdup(m->data);
    if (!strcmp(col, "wall_s") || !strcmp(col, "config"))
      continue;
    if (JSON_NODE_HOLDS_OBJECT(n)) {
      expect_same_as_run(db, point, json_node_get_object(n), col);
      continue;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) == G_TYPE_STRING)
      continue;
    double want = json_node_get_double(n), got = db_number(db, point, col);
    if (want != got)
      fail_msg("point %u, %s: sweep %.17g, run %.17g", point, col, got, want);
  }
}

static void test_points_equal_single_runs(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db_path = tmp_path("sweep_equal.db");
  Result r = run_cli("sweep", sc, "--vary", "cluster.workers=2-4", "--vary", "training.fidelity=analytical,flow",
                     "--vary", "training.collective=ring,ps", "-j", "2", "-o", db_path, NULL);
  expect_ok(&r, "sweep");
  assert_string_equal(r.out, "");
  result_clear(&r);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
  const char *workers[] = {"2", "4"}, *fidelity[] = {"analytical", "flow"}, *coll[] = {"ring", "ps"};
  guint point = 0;
  for (guint w = 0; w < 2; w++)
    for (guint f = 0; f < 2; f++)
      for (guint c = 0; c < 2; c++, point++) {
        g_autofree char *s1 = g_strdup_printf("cluster.workers=%s", workers[w]);
        g_autofree char *s2 = g_strdup_printf("training.fidelity=%s", fidelity[f]);
        g_autofree char *s3 = g_strdup_printf("training.collective=%s", coll[c]);
        Result one = run_cli("run", sc, "--set", s1, "--set", s2, "--set", s3, "--format", "json", NULL);
        expect_ok(&one, "run");
        g_autoptr(JsonObject) run = parse_object(one.out);
        expect_same_as_run(db, point, run, "");
        assert_true(db_number(db, point, "cluster.workers") == g_ascii_strtod(workers[w], NULL));
        result_clear(&one);
      }
  sqlite3_close(db);
}

/* A hardware figure as an axis: the same figures as a run on a catalog entry with it. */
static void test_hardware_axis(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db_path = tmp_path("sweep_hw.db");
  Result r = run_cli("sweep", sc, "--vary", "device.peak_gflops=3072,12288", "--vary", "link.gbps=10", "-o", db_path,
                     NULL);
  expect_ok(&r, "sweep");
  result_clear(&r);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
  const char *peaks[] = {"3072", "12288"};
  for (guint i = 0; i < 2; i++) {
    g_autofree char *text = g_strdup_printf("[device TITAN_X]\nclock_mhz=1000\npeak_gflops=%s\nmem_gbps=336.5\n"
                                            "[link eth25]\ngbps=10\n", peaks[i]);
    g_autofree char *hw = tmp_file("sweep_hw.ini", text);
    Result one = run_cli("run", sc, "--hardware", hw, "--format", "json", NULL);
    expect_ok(&one, "run");
    g_autoptr(JsonObject) run = parse_object(one.out);
    expect_same_as_run(db, i, run, "");
    assert_true(db_number(db, i, "device.peak_gflops") == g_ascii_strtod(peaks[i], NULL));
    result_clear(&one);
  }
  sqlite3_close(db);
}

static void test_grid_file(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *grid = tmp_file("sweep_grid.ini",
                                   "[zip sizes]\ncluster.workers = 2,4,8\nworkload.batch = 64,32,16\n"
                                   "[point a]\ntraining.collective = tree\n"
                                   "[point b]\ntraining.collective = ps\ncluster.ps_count = 2\n");
  Result r = run_cli("sweep", sc, "--grid", grid, "--vary", "training.seed=1:2", "--dry-run", NULL);
  expect_ok(&r, "dry run");
  /* zip (3) x points (2) x seeds (2), the last axis fastest; columns in first-named order */
  g_auto(GStrv) lines = g_strsplit(g_strstrip(r.out), "\n", -1);
  assert_int_equal(g_strv_length(lines), 12);
  assert_string_equal(lines[0], "0 cluster.workers=2 workload.batch=64 training.collective=tree training.seed=1");
  assert_string_equal(lines[3], "3 cluster.workers=2 workload.batch=64 training.collective=ps cluster.ps_count=2 "
                                "training.seed=2");
  assert_string_equal(lines[11], "11 cluster.workers=8 workload.batch=16 training.collective=ps cluster.ps_count=2 "
                                 "training.seed=2");
  result_clear(&r);
  g_autofree char *csv = tmp_path("sweep_grid.csv");
  r = run_cli("sweep", sc, "--grid", grid, "-o", csv, NULL);
  expect_ok(&r, "sweep to CSV");
  result_clear(&r);
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  g_auto(GStrv) rows = g_strsplit(g_strstrip(text), "\n", -1);
  assert_int_equal(g_strv_length(rows), 7);
  assert_true(g_str_has_prefix(rows[0], "cluster.workers,workload.batch,training.collective,cluster.ps_count,status,"
                                        "error,wall_s,scenario,worker_count,"));
  assert_true(g_str_has_prefix(rows[1], "2,64,tree,1,ok,,"));   /* ps_count: the scenario's */
  assert_true(g_str_has_prefix(rows[6], "8,16,ps,2,ok,,"));
}

static void test_bad_input(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db = tmp_path("sweep_bad.db");
  const struct {
    const char *vary, *needle;
  } cases[] = {
    {"training.collective=ring,rnig", "collective = 'rnig'"},
    {"cluster.device=TITAN_X,TITAN_Z", "unknown device 'TITAN_Z'"},
    {"cluster.workers=x", "[cluster] workers = 'x'"},
    {"cluster.wrokers=2", "'cluster.wrokers' is neither a scenario key"},
    {"device.peak_gflops=0", "peak_gflops = 0 is out of range"},
    {"device.peak=1", "has no number 'peak'"},
    {"cluster.workers=8-2", "runs backwards"},
    {"cluster.workers=", "empty list"},
    {"cluster.workers", "expected section.key=LIST"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    Result r = run_cli("sweep", sc, "--vary", cases[i].vary, "-o", db, NULL);
    if (r.status != 2 || !strstr(r.err, cases[i].needle))
      fail_msg("--vary %s: exit %d, stderr %s (wanted 2 and '%s')", cases[i].vary, r.status, r.err, cases[i].needle);
    assert_false(g_file_test(db, G_FILE_TEST_EXISTS));
    result_clear(&r);
  }
  Result r = run_cli("sweep", sc, "--vary", "cluster.workers=2", "--vary", "cluster.workers=4", "-o", db, NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "cluster.workers is varied twice"));
  result_clear(&r);
  g_autofree char *zip = tmp_file("sweep_badzip.ini", "[zip z]\ncluster.workers = 2,4\nworkload.batch = 1,2,3\n");
  r = run_cli("sweep", sc, "--grid", zip, "-o", db, NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "[zip z]: workload.batch has 3 values but cluster.workers has 2"));
  result_clear(&r);
  r = run_cli("sweep", sc, "--vary", "cluster.workers=2", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "-o RESULTS.db"));
  result_clear(&r);
  /* a directory as the results file */
  r = run_cli("sweep", sc, "--vary", "cluster.workers=2", "-o", g_getenv("PALEO_TEST_TMP"), NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "is not a regular file"));
  result_clear(&r);
}

static void test_invalid_combination_is_an_error_row(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db = tmp_path("sweep_rows.db");
  Result r = run_cli("sweep", sc, "--set", "training.strategy=backup", "--vary", "training.backup_workers=1,4", "-o",
                     db, NULL);
  expect_ok(&r, "sweep with an invalid point");
  assert_non_null(strstr(r.err, "1 point failed"));
  result_clear(&r);
  g_autoptr(GPtrArray) rows =
    table_rows(db, "SELECT point, \"training.backup_workers\", status, error IS NULL, iterations FROM results", NULL);
  assert_int_equal(rows->len, 2);
  assert_string_equal(rows->pdata[0], "point=0|training.backup_workers=1|status=ok|error IS NULL=1|iterations=3|");
  assert_string_equal(rows->pdata[1], "point=1|training.backup_workers=4|status=error|error IS NULL=0|iterations=NULL|");
}

static void sql(const char *path, const char *statement)
{
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, statement, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static void test_resume(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db = tmp_path("sweep_resume.db");
  char *args[] = {"sweep", sc, "--vary", "cluster.workers=2:5", "--vary", "training.collective=ring,tree", "-o", db,
                  NULL};
  Result r = run_cli(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], NULL);
  expect_ok(&r, "first sweep");
  result_clear(&r);
  char *no_wall[] = {"wall_s", NULL};
  g_autoptr(GPtrArray) full = table_rows(db, "SELECT * FROM results ORDER BY point", NULL);
  g_autoptr(GPtrArray) full_figures = table_rows(db, "SELECT * FROM results ORDER BY point", no_wall);
  assert_int_equal(full->len, 8);
  /* as if stopped: two points missing, one interrupted */
  sql(db, "DELETE FROM results WHERE point IN (1, 6); UPDATE results SET status = 'interrupted' WHERE point = 3");
  r = run_cli(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], NULL);
  expect_ok(&r, "resumed sweep");
  result_clear(&r);
  g_autoptr(GPtrArray) again = table_rows(db, "SELECT * FROM results ORDER BY point", NULL);
  assert_int_equal(again->len, 8);
  for (guint i = 0; i < 8; i++)
    if (i != 1 && i != 3 && i != 6) /* kept rows were not run again: even their wall time is the same */
      assert_string_equal(again->pdata[i], full->pdata[i]);
  g_autoptr(GPtrArray) figures = table_rows(db, "SELECT * FROM results ORDER BY point", no_wall);
  for (guint i = 0; i < 8; i++) /* the points run again give the same figures */
    assert_string_equal(figures->pdata[i], full_figures->pdata[i]);
  /* another sweep into the same file is refused and leaves it alone */
  r = run_cli("sweep", sc, "--vary", "cluster.workers=2:5", "-o", db, NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "holds another sweep"));
  result_clear(&r);
  g_autoptr(GPtrArray) after = table_rows(db, "SELECT * FROM results ORDER BY point", NULL);
  assert_int_equal(after->len, 8);
  g_autofree char *partial = g_strconcat(db, ".partial", NULL);
  assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
}

/* SIGINT: the sweep stops, publishes the finished rows and exits 1; a rerun completes. */
static void test_interrupt_then_resume(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db = tmp_path("sweep_sigint.db");
  g_autofree char *partial = g_strconcat(db, ".partial", NULL);
  /* points of some 40 ms each: 60 of them take over a second on two workers */
  char *argv[] = {(char *)g_getenv("PALEOSIM_BIN"), "sweep", sc, "--set", "training.fidelity=flow", "--set",
                  "training.iterations=30", "--set", "cluster.workers=16", "--vary", "training.seed=1:60", "-j", "2",
                  "-o", db, NULL};
  GPid pid;
  g_autoptr(GError) error = NULL;
  assert_true(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                            &pid, &error));
  for (guint i = 0; i < 1000 && !g_file_test(partial, G_FILE_TEST_EXISTS); i++) /* running */
    g_usleep(10000);
  g_usleep(300000);
  kill(pid, SIGINT);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 1);
  assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
  g_autoptr(GPtrArray) done = table_rows(db, "SELECT count(*) FROM results WHERE status = 'ok'", NULL);
  guint ok = (guint)g_ascii_strtoull(strchr(done->pdata[0], '=') + 1, NULL, 10);
  assert_true(ok < 60);
  Result r = run_cli(argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7], argv[8], argv[9], argv[10],
                     argv[11], argv[12], argv[13], argv[14], NULL);
  expect_ok(&r, "rerun");
  result_clear(&r);
  g_autoptr(GPtrArray) finished = table_rows(db, "SELECT count(*), min(status), max(status) FROM results", NULL);
  assert_string_equal(finished->pdata[0], "count(*)=60|min(status)=ok|max(status)=ok|");
}

/* A worker that dies mid-point (here: SIGKILL) yields an error row naming the signal; a new
 * worker takes over and the sweep completes. */
static void test_worker_crash(void **state)
{
  (void)state;
  g_autofree char *sc = tiny_path();
  g_autofree char *db = tmp_path("sweep_crash.db");
  g_autofree char *partial = g_strconcat(db, ".partial", NULL);
  char *argv[] = {(char *)g_getenv("PALEOSIM_BIN"), "sweep", sc, "--set", "training.fidelity=flow", "--set",
                  "training.iterations=30", "--set", "cluster.workers=16", "--vary", "training.seed=1:12", "-j", "1",
                  "-o", db, NULL};
  GPid pid;
  assert_true(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                            &pid, NULL));
  g_autofree char *children_file = g_strdup_printf("/proc/%d/task/%d/children", pid, pid);
  int worker = 0;
  for (guint i = 0; i < 1000 && worker <= 0; i++) { /* the worker, once forked */
    g_autofree char *children = NULL;
    if (g_file_test(partial, G_FILE_TEST_EXISTS) && g_file_get_contents(children_file, &children, NULL, NULL))
      worker = atoi(children);
    g_usleep(10000);
  }
  assert_true(worker > 0);
  g_usleep(50000); /* into its first point */
  kill(worker, SIGKILL);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  g_autoptr(GPtrArray) rows =
    table_rows(db, "SELECT count(*), sum(status = 'ok'), sum(error LIKE '%died (signal 9%') FROM results", NULL);
  assert_string_equal(rows->pdata[0],
                      "count(*)=12|sum(status = 'ok')=11|sum(error LIKE '%died (signal 9%')=1|");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_points_equal_single_runs),
    cmocka_unit_test(test_hardware_axis),
    cmocka_unit_test(test_grid_file),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_invalid_combination_is_an_error_row),
    cmocka_unit_test(test_resume),
    cmocka_unit_test(test_interrupt_then_resume),
    cmocka_unit_test(test_worker_crash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

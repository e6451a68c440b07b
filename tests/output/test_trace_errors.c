/* Trace failures: an unwritable path or a full disk is a clear I/O error (exit 1 from the
 * CLI) and never leaves a file SQLite or HDF5 cannot open; an interrupted run's trace is
 * readable and says so; bad input is a format error (exit 2). The real tools (sqlite3,
 * h5dump) open the files when installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>

#include "output/trace_io.h"
#include "output/trace_mem.h"
#include "trace_fixture.h"

static const char *const formats[] = {"e.db", "e.h5"};

static void assert_no_leftover(const char *path)
{
  g_autofree char *left = fixture_leftover(path);
  if (left)
    fail_msg("'%s' was left behind", left);
}

static void assert_absent(const char *path)
{
  assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  assert_no_leftover(path);
}

static void test_unwritable_directory_is_io_error(void **state)
{
  (void)state;
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_autofree char *dir = fixture_tmp_path("no-such-dir");
    g_autofree char *path = g_build_filename(dir, formats[i], NULL);
    g_autoptr(GError) error = NULL;
    PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, 0, &error);
    assert_null(sink);
    assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO));
    assert_non_null(strstr(error->message, path));
    assert_absent(path);
  }
}

/* The target is a directory (or any other non-regular file): refused at open, before a
 * record is written, as bad input; the directory stays. */
static void test_directory_target_is_refused(void **state)
{
  (void)state;
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_autofree char *path = fixture_tmp_path(formats[i]);
    g_mkdir_with_parents(path, 0755);
    g_autoptr(GError) error = NULL;
    PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, 0, &error);
    assert_null(sink);
    assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
    assert_non_null(strstr(error->message, "is a directory"));
    assert_true(g_file_test(path, G_FILE_TEST_IS_DIR));
    assert_no_leftover(path);
    g_rmdir(path);
  }
}

static void test_free_without_close_leaves_nothing(void **state)
{
  (void)state;
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_autofree char *path = fixture_tmp_path(formats[i]);
    g_autoptr(GError) error = NULL;
    PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, 0, &error);
    assert_true(fixture_write(sink, &error));
    paleo_trace_sink_free(sink);
    assert_absent(path);
  }
}

/* A run stopped early closes with "interrupted": the file is complete up to there. */
static void test_interrupted_trace_is_readable(void **state)
{
  (void)state;
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_autofree char *path = fixture_tmp_path(formats[i]);
    g_autoptr(GError) error = NULL;
    PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, 3, &error);
    PaleoRunMeta meta = {"cut", "[run]\n", 1, "v", 0};
    PaleoEntityRecord worker = {0, PALEO_ENTITY_WORKER, -1, 0, "w0"};
    PaleoLayerRecord layer = {0, "conv", "Convolution"};
    PaleoTaskRecord task = {0, 0, 0, PALEO_PHASE_FWD, 10, 20, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0};
    assert_true(sink->ops->begin(sink, &meta, &error));
    assert_true(sink->ops->entity(sink, &worker, &error));
    assert_true(sink->ops->layer(sink, &layer, &error));
    for (int k = 0; k < 100000; k++) /* more than one HDF5 buffer */
      assert_true(sink->ops->task(sink, &task, &error));
    if (!paleo_trace_sink_close(sink, "interrupted", &error))
      fail_msg("%s", error->message);
    paleo_trace_sink_free(sink);
    g_autoptr(PaleoTraceMem) got = fixture_read_file(path);
    assert_string_equal(got->status, "interrupted");
    assert_int_equal(got->tasks->len, 100000);
    assert_string_equal(got->meta.scenario_name, "cut");
  }
}

static void test_not_a_trace_is_format_error(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("text.db");
  assert_true(g_file_set_contents(path, "hello, not a database\n", -1, NULL));
  g_autoptr(PaleoTraceMem) mem = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  g_autoptr(GError) error = NULL;
  assert_false(paleo_trace_replay(path, &mem->base, NULL, &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
  g_clear_error(&error);
  assert_null(paleo_trace_sink_open("out.txt", NULL, PALEO_TRACE_LEVEL_ALL, 0, &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
  g_clear_error(&error);
  assert_null(paleo_trace_sink_open("out.db", "parquet", PALEO_TRACE_LEVEL_ALL, 0, &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
}

static const char *paleosim_bin(void)
{
  const char *bin = g_getenv("PALEOSIM_BIN");
  return bin && g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE) ? bin : NULL;
}

static void test_convert_bad_input_exits_2(void **state)
{
  (void)state;
  const char *bin = paleosim_bin();
  if (!bin)
    skip();
  g_autofree char *text = fixture_tmp_path("text.h5");
  g_autofree char *db = fixture_tmp_path("good.db");
  g_autofree char *out = fixture_tmp_path("out.h5");
  assert_true(g_file_set_contents(text, "plain text", -1, NULL));
  fixture_write_file(db, "complete", 0);
  char *not_trace[] = {(char *)bin, "convert", text, out, NULL};
  char *bad_ext[] = {(char *)bin, "convert", db, "out.csv", NULL};
  char *one_arg[] = {(char *)bin, "convert", db, NULL};
  char *missing[] = {(char *)bin, "convert", "/nonexistent/x.db", out, NULL};
  g_autofree char *err = NULL;
  assert_int_equal(fixture_spawn(not_trace, NULL, &err), 2);
  assert_non_null(strstr(err, "not a paleosim trace"));
  assert_int_equal(fixture_spawn(bad_ext, NULL, NULL), 2);
  assert_int_equal(fixture_spawn(one_arg, NULL, NULL), 2);
  assert_int_equal(fixture_spawn(missing, NULL, NULL), 2);
  assert_absent(out);
}

/* Disk full, made honest with a file-size limit (RLIMIT_FSIZE via `ulimit -f`, SIGXFSZ
 * ignored): writes fail with EFBIG exactly as on a full disk. Convert must exit 1 with a
 * message, leave no partial file, and leave a previous good OUT untouched. */
static void test_disk_full_exits_1_and_keeps_old_file(void **state)
{
  (void)state;
  const char *bin = paleosim_bin();
  if (!bin || !fixture_have_tool("sh"))
    skip();
  g_autofree char *src = fixture_tmp_path("full-src.db");
  fixture_write_file(src, "complete", 0);
  const char *outs[] = {"full.h5", "full.db"};
  for (size_t i = 0; i < G_N_ELEMENTS(outs); i++) {
    g_autofree char *out = fixture_tmp_path(outs[i]);
    fixture_write_file(out, "failed", 0); /* an older good trace at OUT */
    /* ~200-400 KiB: past the schema / file header, so the failure hits the bulk data */
    char *argv[] = {"sh", "-c",
                    "trap '' XFSZ; ulimit -f 400 && exec \"$0\" convert -c 0 \"$1\" \"$2\"",
                    (char *)bin, src, out, NULL};
    g_autofree char *err = NULL;
    assert_int_equal(fixture_spawn(argv, NULL, &err), 1);
    assert_non_null(strstr(err, out));
    assert_no_leftover(out);
    g_autoptr(PaleoTraceMem) old = fixture_read_file(out);
    assert_string_equal(old->status, "failed");
  }
}

static void test_sqlite3_tool_reads_trace(void **state)
{
  (void)state;
  if (!fixture_have_tool("sqlite3"))
    skip();
  g_autofree char *db = fixture_tmp_path("tool.db");
  fixture_write_file(db, "interrupted", 0);
  char *argv[] = {"sqlite3", db,
                  "PRAGMA user_version; SELECT status FROM run;"
                  " SELECT iteration, workers, span_ns, total_wait_ns FROM iteration_summary;"
                  " SELECT busy_ns FROM task_phase_totals WHERE worker = 0 AND phase = 'fwd';"
                  " SELECT worker, iterations, mean_slowdown, total_wait_ns FROM worker_summary;",
                  NULL};
  g_autofree char *out = NULL;
  assert_int_equal(fixture_spawn(argv, &out, NULL), 0);
  /* iteration 0: starts 0 and 100, ends 950 and 650, waits 120 + 300; iteration 1: 1000 to
   * 2000, waits 0 + 40; worker 0 fwd: 0-100 and 100-250; worker 0 slowdowns 1 and 4/3,
   * worker 1 2.5 and 0.875 */
  assert_string_equal(out, "3\ninterrupted\n0|2|950|420\n1|2|1000|40\n250\n"
                           "0|2|1.16666666666667|120\n1|2|1.6875|340\n");
}

static void test_h5dump_reads_trace(void **state)
{
  (void)state;
  if (!fixture_have_tool("h5dump"))
    skip();
  g_autofree char *h5 = fixture_tmp_path("tool.h5");
  fixture_write_file(h5, "complete", 6);
  char *header[] = {"h5dump", "-H", h5, NULL};
  g_autofree char *out = NULL;
  assert_int_equal(fixture_spawn(header, &out, NULL), 0);
  const char *datasets[] = {"\"entity\"", "\"link\"", "\"layer\"", "\"iteration\"", "\"task\"",
                            "\"flow\"", "\"link_usage\"", "\"ps_update\"", "\"collective\""};
  for (size_t i = 0; i < G_N_ELEMENTS(datasets); i++)
    assert_non_null(strstr(out, datasets[i]));
  char *status[] = {"h5dump", "-a", "/status", h5, NULL};
  g_autofree char *st = NULL;
  assert_int_equal(fixture_spawn(status, &st, NULL), 0);
  assert_non_null(strstr(st, "\"complete\""));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_unwritable_directory_is_io_error),
    cmocka_unit_test(test_directory_target_is_refused),
    cmocka_unit_test(test_free_without_close_leaves_nothing),
    cmocka_unit_test(test_interrupted_trace_is_readable),
    cmocka_unit_test(test_not_a_trace_is_format_error),
    cmocka_unit_test(test_convert_bad_input_exits_2),
    cmocka_unit_test(test_disk_full_exits_1_and_keeps_old_file),
    cmocka_unit_test(test_sqlite3_tool_reads_trace),
    cmocka_unit_test(test_h5dump_reads_trace),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Trace sinks and reader: what the SQLite and HDF5 sinks write is what replay returns, in
 * replay order; convert round-trips db -> h5 -> db losslessly (API and CLI); levels filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "output/trace_io.h"
#include "output/trace_mem.h"
#include "trace_fixture.h"

/* The fixture as replay must return it: written to memory, tasks sorted by start. */
static PaleoTraceMem *expected_trace(const char *status)
{
  g_autoptr(GError) error = NULL;
  PaleoTraceMem *mem = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  assert_true(fixture_write(&mem->base, &error));
  mem->status = g_strdup(status);
  return mem;
}

static void assert_equal_traces(const PaleoTraceMem *a, const PaleoTraceMem *b)
{
  g_autofree char *diff = NULL;
  if (!paleo_trace_mem_equal(a, b, &diff))
    fail_msg("traces differ: %s", diff);
}

/* The fixture's iteration slowdowns, bit for bit (4/3 needs all 17 digits). */
static void assert_fixture_slowdowns(const PaleoTraceMem *got)
{
  const double want[] = {1.0, 2.5, 4.0 / 3.0, 0.875};
  assert_int_equal(got->iterations->len, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    double have = g_array_index(got->iterations, PaleoIterationRecord, i).slowdown;
    assert_memory_equal(&have, &want[i], sizeof have);
  }
}

/* Replayed tasks come sorted by start, ties in insertion order; other tables as stored. */
static void assert_replayed_fixture(const PaleoTraceMem *got, const char *status)
{
  g_autoptr(PaleoTraceMem) want = expected_trace(status);
  assert_int_equal(got->tasks->len, FIXTURE_TASKS);
  for (guint i = 0; i < FIXTURE_TASKS; i++)
    assert_int_equal(g_array_index(got->tasks, PaleoTaskRecord, i).start_ns, fixture_sorted_task_starts[i]);
  /* worker 0's fwd at 100 was stored before worker 1's fwd at 100 */
  assert_int_equal(g_array_index(got->tasks, PaleoTaskRecord, 1).worker, 0);
  assert_int_equal(g_array_index(got->tasks, PaleoTaskRecord, 2).worker, 1);
  assert_int_equal(g_array_index(got->tasks, PaleoTaskRecord, 5).layer, UINT32_MAX);
  g_array_set_size(want->tasks, 0);
  g_array_append_vals(want->tasks, got->tasks->data, got->tasks->len);
  assert_equal_traces(want, got);
}

static void test_sqlite_writes_what_replay_reads(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("rt.db");
  fixture_write_file(path, "complete", 0);
  g_autoptr(PaleoTraceMem) got = fixture_read_file(path);
  assert_string_equal(got->status, "complete");
  assert_replayed_fixture(got, "complete");
}

static void test_hdf5_writes_what_replay_reads(void **state)
{
  (void)state;
  const int levels[] = {0, 1, 9};
  for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
    g_autofree char *path = fixture_tmp_path("rt.h5");
    fixture_write_file(path, "failed", levels[i]);
    g_autoptr(PaleoTraceMem) got = fixture_read_file(path);
    assert_string_equal(got->status, "failed");
    assert_replayed_fixture(got, "failed");
  }
}

static PaleoTraceMem *convert_api(const char *in, const char *out)
{
  g_autoptr(GError) error = NULL;
  PaleoTraceLevel level;
  assert_true(paleo_trace_file_level(in, &level, &error));
  g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(out, NULL, level, 6, &error);
  assert_non_null(sink);
  g_autofree char *status = NULL;
  assert_true(paleo_trace_replay(in, sink, &status, &error));
  assert_true(paleo_trace_sink_close(sink, status, &error));
  return fixture_read_file(out);
}

static void test_convert_round_trip_api(void **state)
{
  (void)state;
  g_autofree char *db = fixture_tmp_path("conv.db");
  g_autofree char *h5 = fixture_tmp_path("conv.h5");
  g_autofree char *db2 = fixture_tmp_path("conv2.sqlite");
  fixture_write_file(db, "interrupted", 0);
  g_autoptr(PaleoTraceMem) a = fixture_read_file(db);
  g_autoptr(PaleoTraceMem) b = convert_api(db, h5);
  g_autoptr(PaleoTraceMem) c = convert_api(h5, db2);
  assert_equal_traces(a, b);
  assert_equal_traces(a, c);
  assert_fixture_slowdowns(c);
}

static void test_convert_round_trip_cli(void **state)
{
  (void)state;
  const char *bin = g_getenv("PALEOSIM_BIN");
  if (!bin || !g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE))
    skip();
  g_autofree char *db = fixture_tmp_path("cli.db");
  g_autofree char *h5 = fixture_tmp_path("cli.h5");
  g_autofree char *db2 = fixture_tmp_path("cli2.db");
  fixture_write_file(db, "complete", 0);
  char *to_h5[] = {(char *)bin, "convert", db, h5, NULL};
  char *to_db[] = {(char *)bin, "convert", "--compression", "0", h5, db2, NULL};
  assert_int_equal(fixture_spawn(to_h5, NULL, NULL), 0);
  assert_int_equal(fixture_spawn(to_db, NULL, NULL), 0);
  g_autoptr(PaleoTraceMem) a = fixture_read_file(db);
  g_autoptr(PaleoTraceMem) b = fixture_read_file(h5);
  g_autoptr(PaleoTraceMem) c = fixture_read_file(db2);
  assert_equal_traces(a, b);
  assert_equal_traces(a, c);
  assert_fixture_slowdowns(b);
  assert_fixture_slowdowns(c);
}

/* An ITERATIONS-level sink keeps run, entities, links, layers, iterations and ps updates. */
static void test_level_filters_records(void **state)
{
  (void)state;
  const char *names[] = {"lvl.db", "lvl.h5"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *path = fixture_tmp_path(names[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ITERATIONS, 0, &error);
    assert_non_null(sink);
    assert_true(fixture_write(sink, &error));
    assert_true(paleo_trace_sink_close(sink, "complete", &error));
    g_autoptr(PaleoTraceMem) got = fixture_read_file(path);
    assert_int_equal(got->tasks->len, 0);
    assert_int_equal(got->flows->len, 0);
    assert_int_equal(got->link_usage->len, 0);
    assert_int_equal(got->iterations->len, 4);
    assert_int_equal(got->ps_updates->len, 2);
    assert_int_equal(got->entities->len, 5);
    PaleoTraceLevel level = PALEO_TRACE_LEVEL_ALL;
    assert_true(paleo_trace_file_level(path, &level, &error));
    assert_int_equal(level, PALEO_TRACE_LEVEL_ITERATIONS);
  }
}

/* The memory sink's comparison sees a one-field difference (so the round trips can fail). */
static void test_mem_equal_detects_difference(void **state)
{
  (void)state;
  g_autoptr(PaleoTraceMem) a = expected_trace("complete");
  g_autoptr(PaleoTraceMem) b = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  g_autoptr(GError) error = NULL;
  assert_true(paleo_trace_mem_replay(a, &b->base, &error));
  b->status = g_strdup("complete");
  assert_true(paleo_trace_mem_equal(a, b, NULL));
  g_array_index(b->link_usage, PaleoLinkUsageRecord, 2).utilization += 1e-12;
  g_autofree char *diff = NULL;
  assert_false(paleo_trace_mem_equal(a, b, &diff));
  assert_non_null(strstr(diff, "link_usage row 2"));
  g_array_index(b->link_usage, PaleoLinkUsageRecord, 2).utilization -= 1e-12;
  assert_true(paleo_trace_mem_equal(a, b, NULL));
  g_array_index(b->iterations, PaleoIterationRecord, 2).slowdown = nextafter(4.0 / 3.0, 2.0);
  g_autofree char *diff2 = NULL;
  assert_false(paleo_trace_mem_equal(a, b, &diff2));
  assert_non_null(strstr(diff2, "iteration row 2"));
  assert_non_null(strstr(diff2, "slowdown 1.3333333333333333} vs"));
  assert_non_null(strstr(diff2, "slowdown 1.3333333333333335}"));
}

/* A sink with only a task callback gets tasks and nothing else (NULL callbacks skipped). */
static int partial_tasks;
static gboolean count_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  (void)sink, (void)rec, (void)error;
  partial_tasks++;
  return TRUE;
}

static void test_replay_skips_null_callbacks(void **state)
{
  (void)state;
  static const PaleoTraceSinkOps ops = {.name = "tasks-only", .task = count_task};
  const char *names[] = {"null.db", "null.h5"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *path = fixture_tmp_path(names[i]);
    fixture_write_file(path, "complete", 0);
    PaleoTraceSink sink = {&ops, PALEO_TRACE_LEVEL_ALL};
    g_autoptr(GError) error = NULL;
    partial_tasks = 0;
    assert_true(paleo_trace_replay(path, &sink, NULL, &error));
    assert_int_equal(partial_tasks, FIXTURE_TASKS);
  }
}

/* Same records => identical file bytes, in both formats. */
static void test_same_records_same_bytes(void **state)
{
  (void)state;
  const char *names[][2] = {{"det1.db", "det2.db"}, {"det1.h5", "det2.h5"}};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *a = fixture_tmp_path(names[i][0]);
    g_autofree char *b = fixture_tmp_path(names[i][1]);
    fixture_write_file(a, "complete", 4);
    g_usleep(1100 * 1000); /* a timestamp in the file would now differ */
    fixture_write_file(b, "complete", 4);
    g_autofree char *da = NULL, *db = NULL;
    gsize la = 0, lb = 0;
    assert_true(g_file_get_contents(a, &da, &la, NULL));
    assert_true(g_file_get_contents(b, &db, &lb, NULL));
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sqlite_writes_what_replay_reads),
    cmocka_unit_test(test_hdf5_writes_what_replay_reads),
    cmocka_unit_test(test_convert_round_trip_api),
    cmocka_unit_test(test_convert_round_trip_cli),
    cmocka_unit_test(test_level_filters_records),
    cmocka_unit_test(test_mem_equal_detects_difference),
    cmocka_unit_test(test_replay_skips_null_callbacks),
    cmocka_unit_test(test_same_records_same_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

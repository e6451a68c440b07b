/* Traces that lie (reliability findings 01-06 and 17): every id a record holds must name a
 * row of the trace's own tables, or the read stops with a format error (exit 2) naming the
 * trace, the table and the value, in every tool (analyze, timeline, export, convert).
 * Valid but huge ids (a rank of 2e9, an iteration of 2e8) cost no memory. Corrupt HDF5
 * files are refused before libhdf5 trips over them. The bad traces are made here: SQL
 * edits of a small trace through the SQLite C API, HDF5 byte edits, and the two HDF5 files
 * of the findings (tests/data/corrupt-hdf5/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "output/analyze.h"
#include "output/critical_path.h"
#include "output/chrome_export.h"
#include "output/timeline.h"
#include "output/trace_io.h"
#include "output/trace_mem.h"
#include "trace_fixture.h"

/* The fixture trace (5 entities, 2 workers, 2 links, 2 layers, every record kind) with
 * `sql` applied. */
static char *edited_db(const char *name, const char *sql)
{
  char *path = fixture_tmp_path(name);
  fixture_write_file(path, "complete", 0);
  fixture_sql(path, sql);
  return path;
}

/* Replays `path` into each tool's sink; returns how many accepted it and keeps the last
 * error. */
typedef gboolean (*ToolRun)(const char *path, GError **error);

static gboolean run_analyze(const char *path, GError **error)
{
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  g_autofree char *status = NULL;
  if (!paleo_trace_replay(path, paleo_analysis_sink(a), &status, error))
    return FALSE;
  g_autoptr(PaleoAnalysisReport) r = paleo_analysis_report(a, status);
  g_autofree char *json = paleo_analysis_report_format(r, PALEO_REPORT_JSON, 0, NULL);
  g_autofree char *table = paleo_analysis_report_format(r, PALEO_REPORT_TABLE, 0, NULL);
  return json && table;
}

static gboolean run_timeline(const char *path, GError **error)
{
  g_autoptr(PaleoTimelineScan) scan = paleo_timeline_scan_new();
  if (!paleo_trace_replay(path, paleo_timeline_scan_sink(scan), NULL, error))
    return FALSE;
  g_autofree char *png = fixture_tmp_path("validation.png");
  PaleoTimelineOptions o = {.output_path = png, .format = PALEO_TIMELINE_PNG, .width_px = 400,
                            .links = TRUE};
  g_autoptr(PaleoTimeline) t = paleo_timeline_new(scan, &o, error);
  return t && paleo_trace_replay(path, paleo_timeline_sink(t), NULL, error) &&
         paleo_timeline_finish(t, error);
}

static gboolean run_export(const char *path, GError **error)
{
  g_autofree char *json = fixture_tmp_path("validation.json");
  g_autoptr(PaleoChromeExport) x = paleo_chrome_export_new(json, error);
  g_autofree char *status = NULL;
  return x && paleo_trace_replay(path, paleo_chrome_export_sink(x), &status, error) &&
         paleo_chrome_export_finish(x, status, error);
}

static gboolean run_convert(const char *path, GError **error)
{
  g_autofree char *out = fixture_tmp_path("validation-out.h5");
  PaleoTraceLevel level;
  if (!paleo_trace_file_level(path, &level, error))
    return FALSE;
  g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(out, NULL, level, 0, error);
  g_autofree char *status = NULL;
  return sink && paleo_trace_replay(path, sink, &status, error) &&
         paleo_trace_sink_close(sink, status, error);
}

static const struct {
  const char *name;
  ToolRun run;
} tools[] = {{"analyze", run_analyze}, {"timeline", run_timeline}, {"export", run_export},
             {"convert", run_convert}};

/* Tools that never read `table` (export draws no link usage, server updates or task graph,
 * timeline no server updates or task dependencies) may accept a trace whose only fault is
 * there. */
static gboolean reads_table(const char *tool, const char *table)
{
  gboolean usage = strstr(table, "link_usage") != NULL, updates = strstr(table, "ps_update") != NULL;
  gboolean comm = strstr(table, "comm_task") != NULL, deps = strstr(table, "task_dep") != NULL;
  if (!strcmp(tool, "export"))
    return !usage && !updates && !comm && !deps;
  if (!strcmp(tool, "timeline"))
    return !updates && !deps;
  return TRUE;
}

static void expect_refused(const char *path, const char *needle1, const char *needle2)
{
  for (size_t i = 0; i < G_N_ELEMENTS(tools); i++) {
    g_autoptr(GError) error = NULL;
    if (!reads_table(tools[i].name, needle1))
      continue;
    if (tools[i].run(path, &error))
      fail_msg("%s accepted %s (expected '%s', '%s')", tools[i].name, path, needle1, needle2);
    assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
    if (!strstr(error->message, path) || !strstr(error->message, needle1) ||
        !strstr(error->message, needle2))
      fail_msg("%s: '%s' lacks the trace, '%s' or '%s'", tools[i].name, error->message,
               needle1, needle2);
  }
}

/* Ids naming nothing, out-of-range and mistyped values, in every table (01, 02, 03). */
static void test_bad_ids_are_refused_by_every_tool(void **state)
{
  (void)state;
  static const struct {
    const char *sql, *table, *value;
  } edits[] = {
    {"UPDATE link SET id = -1 WHERE rowid = 1", "table link:", "id -1"},
    {"UPDATE iteration SET worker = 4294967295 WHERE rowid = 1", "table iteration:", "worker 4294967295"},
    {"UPDATE link_usage SET link = 4294967295 WHERE rowid = 1", "table link_usage:", "link 4294967295"},
    {"UPDATE ps_update SET worker = 7 WHERE rowid = 1", "table ps_update:", "worker 7"},
    {"UPDATE iteration SET iteration = 4294967296 WHERE rowid = 1", "table iteration:", "iteration 4294967296"},
    {"UPDATE task SET worker = 4294967295 WHERE rowid = 1", "table task:", "worker 4294967295"},
    {"UPDATE layer SET id = -2147483648 WHERE rowid = 1", "table layer:", "id -2147483648"},
    {"UPDATE task SET layer = 99 WHERE layer = 1", "table task:", "layer 99"},
    {"UPDATE entity SET host = 77 WHERE id = 0", "table entity:", "host 77"},
    {"UPDATE entity SET host = -3 WHERE id = 0", "table entity:", "host -3"},
    {"UPDATE entity SET worker = 1 WHERE id = 0", "table entity:", "worker rank 1 appears twice"},
    {"UPDATE flow SET src = 1000 WHERE rowid = 1", "table flow:", "src 1000"},
    {"UPDATE link SET dst = 9 WHERE id = 0", "table link:", "dst 9"},
    {"UPDATE link SET bw_bytes_per_s = -1 WHERE id = 0", "table link:", "bw_bytes_per_s -1"},
    {"UPDATE iteration SET slowdown = 'fast' WHERE rowid = 1", "table iteration:", "slowdown 'fast'"},
    {"UPDATE link_usage SET utilization = 9e999 WHERE rowid = 1", "table link_usage:", "utilization inf"},
    {"UPDATE task SET start_ns = -5 WHERE rowid = 1", "table task:", "start_ns -5"},
    {"UPDATE task SET end_ns = 2.5 WHERE rowid = 1", "table task:", "end_ns 2.5"},
    {"UPDATE task SET phase = 7 WHERE rowid = 1", "table task:", "phase 7"},
    {"UPDATE entity SET kind = 'gpu' WHERE id = 0", "table entity:", "kind 'gpu'"},
    {"UPDATE entity SET name = x'00ff' WHERE id = 0", "table entity:", "name (a blob)"},
    {"UPDATE run SET scenario_name = CAST(x'ff41' AS TEXT)", "table run:", "scenario_name is not valid UTF-8"},
    {"UPDATE layer SET name = CAST(x'c3' AS TEXT) WHERE id = 0", "table layer:", "name is not valid UTF-8"},
    {"UPDATE run SET trace_level = 'everything'", "table run:", "trace_level 'everything'"},
    {"UPDATE run SET status = x'00ff'", "table run:", "status (a blob) is not text"},
    {"ALTER TABLE link_usage RENAME COLUMN flows TO n", "link_usage", "no such column: flows"},
    /* the task graph (schema 3) */
    {"UPDATE comm_task SET worker = 9 WHERE id = 11", "table comm_task:", "worker 9"},
    {"UPDATE comm_task SET peer = 5 WHERE id = 11", "table comm_task:", "peer 5"},
    {"UPDATE comm_task SET peer = -7 WHERE id = 11", "table comm_task:", "peer -7"},
    {"UPDATE comm_task SET kind = 0 WHERE id = 11", "table comm_task:", "kind 0"},
    {"UPDATE comm_task SET stream = 3 WHERE id = 12", "table comm_task:", "stream 3"},
    {"UPDATE comm_task SET phase = 'bwd' WHERE id = 12", "table comm_task:", "phase 'bwd'"},
    {"UPDATE task SET stream = -1 WHERE rowid = 2", "table task:", "stream -1"},
    {"UPDATE task SET id = 0 WHERE rowid = 6", "table task:", "task id 0 appears twice"},
    {"UPDATE task_dep SET dep = 99 WHERE task = 11", "table task_dep:", "dep 99"},
    {"UPDATE task_dep SET task = 'x' WHERE task = 11", "table task_dep:", "task 'x'"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
    g_autofree char *path = edited_db("bad-id.db", edits[i].sql);
    expect_refused(path, edits[i].table, edits[i].value);
  }
}

static long max_rss_kb(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* Valid traces whose ids are huge (04): every tool reads them, in memory that follows the
 * number of records (it once followed the largest id: 7.8 GB for an iteration of 2e8). */
static void test_huge_ids_cost_no_memory(void **state)
{
  (void)state;
  static const char *const edits[] = {
    "UPDATE iteration SET iteration = 200000000 WHERE rowid = 1",
    "UPDATE task SET iteration = 4294967295 WHERE rowid = 2",
    "UPDATE entity SET worker = 2000000000 WHERE id = 1;"
    "UPDATE iteration SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE task SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE comm_task SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE comm_task SET peer = 2000000000 WHERE peer = 1;"
    "UPDATE ps_update SET worker = 2000000000 WHERE worker = 1",
    /* task ids, collective instances and iterations of the task graph */
    "UPDATE comm_task SET id = 9000000000000000000, iteration = 4000000000, instance = -5 WHERE id = 12;"
    "UPDATE task_dep SET dep = 9000000000000000000 WHERE dep = 12;"
    "UPDATE task SET id = -9000000000000000000, layer = 1 WHERE id = 0;"
    "UPDATE task_dep SET dep = -9000000000000000000 WHERE dep = 0",
    "UPDATE link SET id = 4000000000 WHERE id = 1;"
    "UPDATE link_usage SET link = 4000000000 WHERE link = 1",
    "UPDATE entity SET id = 3000000000 WHERE id = 3;"
    "UPDATE link SET dst = 3000000000 WHERE dst = 3; UPDATE link SET src = 3000000000 WHERE src = 3",
    "UPDATE entity SET id = 2147483647 WHERE id = 2;"
    "UPDATE entity SET host = 2147483647 WHERE host = 2;"
    "UPDATE link SET src = 2147483647 WHERE src = 2; UPDATE link SET dst = 2147483647 WHERE dst = 2",
    "UPDATE layer SET id = 4000000000 WHERE id = 1; UPDATE task SET layer = 4000000000 WHERE layer = 1",
    "UPDATE ps_update SET staleness = 4000000000 WHERE rowid = 1",
    /* a window of 5 ns at 9e18 ns: beyond a double's precision, the timeline's axis ticks
     * never advanced (an endless loop) */
    "UPDATE task SET start_ns = 9000000000000000000, end_ns = 9000000000000000003;"
    "UPDATE iteration SET start_ns = 9000000000000000000, end_ns = 9000000000000000005;"
    "UPDATE flow SET start_ns = 9000000000000000001, end_ns = 9000000000000000002;"
    "UPDATE link_usage SET start_ns = 9000000000000000000, end_ns = 9000000000000000004;"
    "UPDATE ps_update SET time_ns = 9000000000000000005",
  };
  long before = max_rss_kb();
  for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
    g_autofree char *path = edited_db("huge-id.db", edits[i]);
    for (size_t k = 0; k < G_N_ELEMENTS(tools); k++) {
      g_autoptr(GError) error = NULL;
      if (!tools[k].run(path, &error))
        fail_msg("%s refused '%s': %s", tools[k].name, edits[i], error->message);
    }
  }
  assert_true(max_rss_kb() - before < 200 * 1024);
}

/* A task graph that time cannot walk back through: a collective participant that entered
 * after its partner had finished, the partner depending on it (the critical-path walk
 * once went forward in time and looped for ever), and a dependency cycle. Analyze ends and
 * its path still tiles the iteration. */
static void test_critical_path_of_any_graph_ends(void **state)
{
  (void)state;
  g_autofree char *path = edited_db("cycle.db",
    "INSERT INTO comm_task VALUES (13, 0, 0, 2, 1, 'ring', 0, 0, 0, 1, NULL, 1, 7, 950, 960);"
    "INSERT INTO task_dep VALUES (13, 12); INSERT INTO task_dep VALUES (12, 13);"
    "INSERT INTO task_dep VALUES (0, 11);");
  alarm(60);
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  g_autoptr(GError) error = NULL;
  assert_true(paleo_trace_replay(path, paleo_analysis_sink(a), NULL, &error));
  g_autoptr(PaleoAnalysisReport) r = paleo_analysis_report(a, NULL);
  alarm(0);
  assert_non_null(r->critical_paths);
  assert_true(r->critical_paths->len >= 1);
  const PaleoCriticalPath *p = &g_array_index(r->critical_paths, PaleoCriticalPath, 0);
  assert_int_equal(p->compute_ns + p->comm_ns + p->wait_ns, p->end_ns - p->start_ns);
}

/* What analyze reports for a worker ranked 2e9, an iteration numbered 2e8 and a staleness
 * of 4e9: those very ids, counted once each. */
static void test_huge_ids_are_reported(void **state)
{
  (void)state;
  g_autofree char *path = edited_db("huge-report.db",
    "UPDATE entity SET worker = 2000000000 WHERE id = 1;"
    "UPDATE iteration SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE task SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE comm_task SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE comm_task SET peer = 2000000000 WHERE peer = 1;"
    "UPDATE ps_update SET worker = 2000000000 WHERE worker = 1;"
    "UPDATE iteration SET iteration = 200000000 WHERE iteration = 1;"
    "UPDATE ps_update SET staleness = 4000000000 WHERE staleness = 1");
  g_autoptr(PaleoAnalysis) a = paleo_analysis_new();
  g_autoptr(GError) error = NULL;
  assert_true(paleo_trace_replay(path, paleo_analysis_sink(a), NULL, &error));
  g_autoptr(PaleoAnalysisReport) r = paleo_analysis_report(a, NULL);
  assert_int_equal(r->n_workers, 2);
  assert_int_equal(r->workers->len, 2);
  gboolean saw_rank = FALSE, saw_iteration = FALSE;
  for (guint i = 0; i < r->workers->len; i++) {
    const PaleoWorkerSummary *w = &g_array_index(r->workers, PaleoWorkerSummary, i);
    if (w->worker == 2000000000u) {
      saw_rank = TRUE;
      assert_int_equal(w->iterations, 2);
    }
  }
  for (guint i = 0; i < r->iterations->len; i++)
    saw_iteration |= g_array_index(r->iterations, PaleoIterationLag, i).iteration == 200000000u;
  assert_true(saw_rank && saw_iteration);
  assert_int_equal(r->iterations->len, 2);
  assert_int_equal(r->staleness.max, 4000000000u);
  assert_int_equal(r->staleness.p50, 0);
}

/* An HDF5 trace written with duplicate layer ids (a reader must not trust the writer): a
 * format error in every tool, and `convert` to SQLite exits 2, not 1 (finding 17). */
static void test_hdf5_duplicate_ids_are_refused(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("dup-layer.h5");
  g_autoptr(GError) error = NULL;
  PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, 0, &error);
  PaleoRunMeta meta = {"dup", "", 1, "v", 0};
  PaleoEntityRecord w = {0, PALEO_ENTITY_WORKER, -1, 0, "w0"};
  PaleoLayerRecord layer = {0, "conv", "Convolution"};
  assert_true(sink->ops->begin(sink, &meta, &error) && sink->ops->entity(sink, &w, &error) &&
              sink->ops->layer(sink, &layer, &error) && sink->ops->layer(sink, &layer, &error));
  assert_true(paleo_trace_sink_close(sink, "complete", &error));
  paleo_trace_sink_free(sink);
  expect_refused(path, "table layer:", "id 0 appears twice");
  const char *bin = g_getenv("PALEOSIM_BIN");
  if (!bin)
    return;
  g_autofree char *out = fixture_tmp_path("dup-layer.db");
  char *argv[] = {(char *)bin, "convert", path, out, NULL};
  g_autofree char *err = NULL;
  assert_int_equal(fixture_spawn(argv, NULL, &err), 2);
  assert_non_null(strstr(err, "appears twice"));
  assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

static GByteArray *read_bytes(const char *path);
static void write_bytes(const char *path, const GByteArray *b);

static char *data_file(const char *name)
{
  const char *dir = g_getenv("PALEO_TEST_DATA");
  assert_non_null(dir);
  return g_build_filename(dir, "corrupt-hdf5", name, NULL);
}

/* The two corrupt files of findings 05 and 06 (old HDF5 format, no checksums). 05 has 8
 * flipped bytes: one in the size of a global-heap object (2^45 + 3 bytes) and some in the
 * compound type of /entity, whose member offsets then lie outside the row (libhdf5's
 * converter segfaulted). 06 claims 1.8e14 rows for /link (a 2.9 PB allocation). All are
 * refused before HDF5 reads a row; 05 again with its heap object mended, for the type. */
static void test_corrupt_hdf5_findings_are_refused(void **state)
{
  (void)state;
  g_autofree char *f05 = data_file("05-h5-corrupt-libhdf5-segv.h5");
  g_autofree char *f06 = data_file("06-h5-corrupt-huge-alloc.h5");
  expect_refused(f05, "global heap at byte 2048", "is corrupt");
  expect_refused(f06, "dataset /link", "claims 181419418583052 rows");
  g_autoptr(GByteArray) b = read_bytes(f05);
  gsize size_byte_5 = 2048 + 3248 + 8 + 5;
  assert_int_equal(b->data[size_byte_5], 0x20);
  b->data[size_byte_5] = 0;
  g_autofree char *mended = fixture_tmp_path("05-mended.h5");
  write_bytes(mended, b);
  expect_refused(mended, "dataset /entity", "does not hold the columns of a paleosim trace");
}

static GByteArray *copy_bytes(const GByteArray *b)
{
  GByteArray *copy = g_byte_array_sized_new(b->len);
  return g_byte_array_append(copy, b->data, b->len);
}

static GByteArray *read_bytes(const char *path)
{
  char *data = NULL;
  gsize len = 0;
  assert_true(g_file_get_contents(path, &data, &len, NULL));
  return g_byte_array_new_take((guint8 *)data, len);
}

static void write_bytes(const char *path, const GByteArray *b)
{
  assert_true(g_file_set_contents(path, (const char *)b->data, (gssize)b->len, NULL));
}

/* Offset of the first occurrence of `needle` in `b`, or -1. */
static gssize find_bytes(const GByteArray *b, const void *needle, gsize n)
{
  for (gsize i = 0; i + n <= b->len; i++)
    if (!memcmp(b->data + i, needle, n))
      return (gssize)i;
  return -1;
}

/* New HDF5 traces are checksummed: a flipped byte in the metadata (superblock) or in a
 * table's data (fletcher32) is a format error, never garbage; an object of the global heap
 * (the one structure without a checksum) that overruns its collection is caught by
 * paleosim's own check. */
static void test_hdf5_checksums_catch_corruption(void **state)
{
  (void)state;
  g_autofree char *good = fixture_tmp_path("sum-good.h5");
  g_autofree char *bad = fixture_tmp_path("sum-bad.h5");
  fixture_write_file(good, "complete", 0);
  g_autoptr(GByteArray) bytes = read_bytes(good);

  g_autoptr(GByteArray) super = copy_bytes(bytes);
  super->data[20] ^= 0x40; /* inside the superblock, before its checksum */
  write_bytes(bad, super);
  expect_refused(bad, bad, "open failed");

  /* the flow table's start_ns of 250 (uncompressed, little-endian) */
  static const guint8 start250[8] = {250, 0, 0, 0, 0, 0, 0, 0};
  gssize at = find_bytes(bytes, start250, sizeof start250);
  assert_true(at > 0);
  g_autoptr(GByteArray) data = copy_bytes(bytes);
  data->data[at] = 251;
  write_bytes(bad, data);
  expect_refused(bad, bad, "failed");

  static const guint8 gcol[8] = {'G', 'C', 'O', 'L', 1, 0, 0, 0};
  at = find_bytes(bytes, gcol, sizeof gcol);
  assert_true(at > 0);
  g_autoptr(GByteArray) heap = copy_bytes(bytes);
  heap->data[at + 16 + 8 + 6] = 0x7f; /* the first object's size: ~2^55 bytes */
  write_bytes(bad, heap);
  expect_refused(bad, "global heap", "is corrupt");
}

/* Byte flips anywhere in an HDF5 trace (a fixed pseudo-random sample): every read ends
 * with a record stream or an error, never a crash (run under the sanitizers too). */
static void test_hdf5_byte_flips_never_crash(void **state)
{
  (void)state;
  g_autofree char *good = fixture_tmp_path("flip-good.h5");
  g_autofree char *bad = fixture_tmp_path("flip-bad.h5");
  fixture_write_file(good, "complete", 4);
  g_autoptr(GByteArray) bytes = read_bytes(good);
  GRand *rand = g_rand_new_with_seed(10);
  for (int i = 0; i < 150; i++) {
    g_autoptr(GByteArray) b = copy_bytes(bytes);
    for (int k = g_rand_int_range(rand, 1, 5); k > 0; k--)
      b->data[g_rand_int_range(rand, 0, (gint32)b->len)] = (guint8)g_rand_int_range(rand, 0, 256);
    write_bytes(bad, b);
    g_autoptr(GError) error = NULL;
    if (!run_analyze(bad, &error))
      assert_true(error->domain == PALEO_OUTPUT_ERROR);
  }
  g_rand_free(rand);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_ids_are_refused_by_every_tool),
    cmocka_unit_test(test_huge_ids_cost_no_memory),
    cmocka_unit_test(test_huge_ids_are_reported),
    cmocka_unit_test(test_critical_path_of_any_graph_ends),
    cmocka_unit_test(test_hdf5_duplicate_ids_are_refused),
    cmocka_unit_test(test_corrupt_hdf5_findings_are_refused),
    cmocka_unit_test(test_hdf5_checksums_catch_corruption),
    cmocka_unit_test(test_hdf5_byte_flips_never_crash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

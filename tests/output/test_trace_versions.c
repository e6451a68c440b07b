/* Trace schema versions: version-1 files (written before iteration.slowdown existed) are
 * read in both formats with slowdown = 1.0 and every other field intact, by the API and by
 * the CLI tools (convert turns them into version-3 files); version-2 files (before the
 * task graph: no task labels, comm_task or task_dep) read with unlabelled tasks; a version
 * this paleosim does not know is refused with a format error naming the file and the
 * version (exit 2). Older files are made from a version-3 fixture by taking the columns,
 * compound members and tables out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <hdf5.h>
#include <sqlite3.h>
#include <string.h>

#include "output/trace_io.h"
#include "output/trace_mem.h"
#include "trace_fixture.h"

/* The fixture as a version-2 SQLite file: no task-graph columns or tables. */
static void write_sqlite_v2(const char *path)
{
  fixture_write_file(path, "complete", 0);
  fixture_sql(path,
    "ALTER TABLE task DROP COLUMN id; ALTER TABLE task DROP COLUMN stream;"
    " ALTER TABLE task DROP COLUMN micro_batch; ALTER TABLE task DROP COLUMN stage;"
    " DROP TABLE comm_task; DROP TABLE task_dep; DROP TABLE stream; DROP TABLE task_kind;"
    " UPDATE run SET schema_version = 2; PRAGMA user_version = 2;");
}

/* The fixture as a version-1 SQLite file: version 2 with the iteration table without
 * slowdown. */
static void write_sqlite_v1(const char *path)
{
  write_sqlite_v2(path);
  fixture_sql(path,
    "DROP VIEW iteration_summary; DROP VIEW worker_summary;"
    " CREATE TABLE iteration_v1 (worker INTEGER NOT NULL, iteration INTEGER NOT NULL,"
    " start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, wait_ns INTEGER NOT NULL);"
    " INSERT INTO iteration_v1 SELECT worker, iteration, start_ns, end_ns, wait_ns"
    " FROM iteration ORDER BY rowid;"
    " DROP TABLE iteration; ALTER TABLE iteration_v1 RENAME TO iteration;"
    " UPDATE run SET schema_version = 1; PRAGMA user_version = 1;");
}

typedef struct {
  uint32_t worker, iteration;
  uint64_t start_ns, end_ns, wait_ns;
} IterationV1;

static void write_int_attr(hid_t file, const char *name, int value)
{
  hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
  assert_true(attr >= 0);
  assert_true(H5Awrite(attr, H5T_NATIVE_INT, &value) >= 0);
  H5Aclose(attr);
}

typedef struct {
  uint32_t worker, iteration, layer;
  int phase;
  uint64_t start_ns, end_ns;
} TaskV2;

/* The fixture as a version-2 HDF5 file: the task dataset without the task-graph members,
 * no comm_task or task_dep datasets. */
static void write_hdf5_v2(const char *path)
{
  fixture_write_file(path, "complete", 0);
  g_autoptr(PaleoTraceMem) mem = fixture_read_file(path);
  hsize_t n = mem->tasks->len;
  g_autofree TaskV2 *rows = g_new0(TaskV2, n);
  for (hsize_t i = 0; i < n; i++) {
    const PaleoTaskRecord *r = &g_array_index(mem->tasks, PaleoTaskRecord, i);
    rows[i] = (TaskV2){r->worker, r->iteration, r->layer, (int)r->phase, r->start_ns, r->end_ns};
  }
  hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  assert_true(file >= 0);
  hid_t old = H5Dopen2(file, "task", H5P_DEFAULT);
  hid_t old_type = H5Dget_type(old);
  hid_t phase = H5Tget_member_type(old_type, (unsigned)H5Tget_member_index(old_type, "phase"));
  H5Tclose(old_type);
  H5Dclose(old);
  hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(TaskV2));
  H5Tinsert(type, "worker", HOFFSET(TaskV2, worker), H5T_NATIVE_UINT32);
  H5Tinsert(type, "iteration", HOFFSET(TaskV2, iteration), H5T_NATIVE_UINT32);
  H5Tinsert(type, "layer", HOFFSET(TaskV2, layer), H5T_NATIVE_UINT32);
  H5Tinsert(type, "phase", HOFFSET(TaskV2, phase), phase);
  H5Tinsert(type, "start_ns", HOFFSET(TaskV2, start_ns), H5T_NATIVE_UINT64);
  H5Tinsert(type, "end_ns", HOFFSET(TaskV2, end_ns), H5T_NATIVE_UINT64);
  assert_true(H5Ldelete(file, "task", H5P_DEFAULT) >= 0);
  assert_true(H5Ldelete(file, "comm_task", H5P_DEFAULT) >= 0);
  assert_true(H5Ldelete(file, "task_dep", H5P_DEFAULT) >= 0);
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t dset = H5Dcreate2(file, "task", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(dset >= 0);
  assert_true(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
  write_int_attr(file, "schema_version", 2);
  H5Dclose(dset);
  H5Sclose(space);
  H5Tclose(type);
  H5Tclose(phase);
  assert_true(H5Fclose(file) >= 0);
}

/* The fixture as a version-1 HDF5 file: version 2 with the iteration dataset without the
 * slowdown member. */
static void write_hdf5_v1(const char *path)
{
  write_hdf5_v2(path);
  g_autoptr(PaleoTraceMem) mem = fixture_read_file(path);
  hsize_t n = mem->iterations->len;
  g_autofree IterationV1 *rows = g_new0(IterationV1, n);
  for (hsize_t i = 0; i < n; i++) {
    const PaleoIterationRecord *r = &g_array_index(mem->iterations, PaleoIterationRecord, i);
    rows[i] = (IterationV1){r->worker, r->iteration, r->start_ns, r->end_ns, r->wait_ns};
  }
  hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(IterationV1));
  H5Tinsert(type, "worker", HOFFSET(IterationV1, worker), H5T_NATIVE_UINT32);
  H5Tinsert(type, "iteration", HOFFSET(IterationV1, iteration), H5T_NATIVE_UINT32);
  H5Tinsert(type, "start_ns", HOFFSET(IterationV1, start_ns), H5T_NATIVE_UINT64);
  H5Tinsert(type, "end_ns", HOFFSET(IterationV1, end_ns), H5T_NATIVE_UINT64);
  H5Tinsert(type, "wait_ns", HOFFSET(IterationV1, wait_ns), H5T_NATIVE_UINT64);
  hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  assert_true(file >= 0);
  assert_true(H5Ldelete(file, "iteration", H5P_DEFAULT) >= 0);
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t dset = H5Dcreate2(file, "iteration", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  assert_true(dset >= 0);
  assert_true(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
  write_int_attr(file, "schema_version", 1);
  H5Dclose(dset);
  H5Sclose(space);
  H5Tclose(type);
  assert_true(H5Fclose(file) >= 0);
}

/* What a version-1 file must read back as: the fixture with every slowdown 1.0. */
static PaleoTraceMem *expected_v1(void)
{
  g_autoptr(GError) error = NULL;
  PaleoTraceMem *mem = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  assert_true(fixture_write(&mem->base, &error));
  g_array_set_size(mem->tasks, 0); /* compared separately: replay sorts them */
  g_array_set_size(mem->comm_tasks, 0); /* version 1 has no task graph */
  g_array_set_size(mem->task_deps, 0);
  for (guint i = 0; i < mem->iterations->len; i++)
    g_array_index(mem->iterations, PaleoIterationRecord, i).slowdown = 1.0;
  mem->status = g_strdup("complete");
  return mem;
}

static void assert_reads_as_v1(const char *path)
{
  g_autoptr(PaleoTraceMem) got = fixture_read_file(path);
  g_autoptr(PaleoTraceMem) want = expected_v1();
  assert_int_equal(got->tasks->len, FIXTURE_TASKS);
  g_array_set_size(got->tasks, 0);
  g_autofree char *diff = NULL;
  if (!paleo_trace_mem_equal(want, got, &diff))
    fail_msg("%s: %s", path, diff);
  /* the fixture's own slowdowns are not all 1: the comparison could fail */
  g_autoptr(PaleoTraceMem) v2 = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  g_autoptr(GError) error = NULL;
  assert_true(fixture_write(&v2->base, &error));
  assert_float_equal(g_array_index(v2->iterations, PaleoIterationRecord, 1).slowdown, 2.5, 0);
}

/* What a file before version 3 cannot hold: task labels, comm tasks and dependencies. */
static void unlabel(PaleoTraceMem *mem)
{
  for (guint i = 0; i < mem->tasks->len; i++) {
    PaleoTaskRecord *t = &g_array_index(mem->tasks, PaleoTaskRecord, i);
    t->id = PALEO_TASK_ID_NONE;
    t->stream = PALEO_STREAM_COMPUTE;
    t->micro_batch = t->stage = 0;
  }
  g_array_set_size(mem->comm_tasks, 0);
  g_array_set_size(mem->task_deps, 0);
}

/* A version-2 file reads as the fixture without the task-graph records. */
static void assert_reads_as_v2(const char *path)
{
  g_autoptr(PaleoTraceMem) got = fixture_read_file(path);
  g_autofree char *v3 = fixture_tmp_path(g_str_has_suffix(path, ".h5") ? "v3.h5" : "v3.db");
  fixture_write_file(v3, "complete", 0);
  g_autoptr(PaleoTraceMem) want = fixture_read_file(v3);
  unlabel(want);
  g_autofree char *diff = NULL;
  if (!paleo_trace_mem_equal(want, got, &diff))
    fail_msg("%s: %s", path, diff);
}

static void test_sqlite_v2_reads(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("v2.db");
  write_sqlite_v2(path);
  assert_reads_as_v2(path);
}

static void test_hdf5_v2_reads(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("v2.h5");
  write_hdf5_v2(path);
  assert_reads_as_v2(path);
}

static void test_sqlite_v1_reads_with_unit_slowdown(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("v1.db");
  write_sqlite_v1(path);
  assert_reads_as_v1(path);
}

static void test_hdf5_v1_reads_with_unit_slowdown(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("v1.h5");
  write_hdf5_v1(path);
  assert_reads_as_v1(path);
}

static void assert_version_refused(const char *path, int version)
{
  g_autoptr(PaleoTraceMem) mem = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  g_autoptr(GError) error = NULL;
  assert_false(paleo_trace_replay(path, &mem->base, NULL, &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT));
  g_autofree char *says = g_strdup_printf("schema version %d", version);
  assert_non_null(strstr(error->message, path));
  assert_non_null(strstr(error->message, says));
  assert_non_null(strstr(error->message, "reads versions 1 to 3"));
}

static void test_unknown_versions_refused(void **state)
{
  (void)state;
  g_autofree char *db = fixture_tmp_path("v4.db");
  fixture_write_file(db, "complete", 0);
  fixture_sql(db, "PRAGMA user_version = 4;");
  assert_version_refused(db, 4);
  fixture_sql(db, "PRAGMA user_version = 0;");
  assert_version_refused(db, 0);
  g_autofree char *h5 = fixture_tmp_path("v4.h5");
  fixture_write_file(h5, "complete", 0);
  hid_t file = H5Fopen(h5, H5F_ACC_RDWR, H5P_DEFAULT);
  assert_true(file >= 0);
  write_int_attr(file, "schema_version", 4);
  assert_true(H5Fclose(file) >= 0);
  assert_version_refused(h5, 4);
}

static const char *paleosim_bin(void)
{
  const char *bin = g_getenv("PALEOSIM_BIN");
  return bin && g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE) ? bin : NULL;
}

/* convert v1 -> v3 keeps everything and writes slowdown 1.0; analyze reads v1 directly; a
 * version-4 file is exit code 2 with the file and version in the message. */
static void test_cli_on_old_and_future_files(void **state)
{
  (void)state;
  const char *bin = paleosim_bin();
  if (!bin)
    skip();
  g_autofree char *v1 = fixture_tmp_path("cli-v1.h5");
  g_autofree char *v2 = fixture_tmp_path("cli-v2.db");
  write_hdf5_v1(v1);
  char *convert[] = {(char *)bin, "convert", v1, v2, NULL};
  assert_int_equal(fixture_spawn(convert, NULL, NULL), 0);
  assert_reads_as_v1(v2);
  char *analyze[] = {(char *)bin, "analyze", v1, "--format", "csv", "--table", "workers", NULL};
  g_autofree char *out = NULL;
  assert_int_equal(fixture_spawn(analyze, &out, NULL), 0);
  /* two iterations each at slowdown 1; waits 120 + 0 and 300 + 40 ns */
  assert_string_equal(out, "worker,iterations,mean_slowdown,wait_ms\n"
                           "0,2,1.000000,0.000120\n1,2,1.000000,0.000340\n");
  g_autofree char *v4 = fixture_tmp_path("cli-v4.db");
  fixture_write_file(v4, "complete", 0);
  fixture_sql(v4, "PRAGMA user_version = 4;");
  char *refused[] = {(char *)bin, "analyze", v4, NULL};
  g_autofree char *err = NULL;
  assert_int_equal(fixture_spawn(refused, NULL, &err), 2);
  assert_non_null(strstr(err, v4));
  assert_non_null(strstr(err, "schema version 4"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sqlite_v2_reads),
    cmocka_unit_test(test_hdf5_v2_reads),
    cmocka_unit_test(test_sqlite_v1_reads_with_unit_slowdown),
    cmocka_unit_test(test_hdf5_v1_reads_with_unit_slowdown),
    cmocka_unit_test(test_unknown_versions_refused),
    cmocka_unit_test(test_cli_on_old_and_future_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

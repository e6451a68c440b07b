/* Trace-writing throughput: N task records (default 10 million, argv[1] to change) through
 * the SQLite sink and the HDF5 sink (uncompressed and deflate level 1), and for reference a
 * bare SQLite prepared-insert loop and a bare HDF5 chunked append loop on the same rows.
 * Prints rows/s including close (indices, flush, rename), and the replay rate of each file
 * (paleo_trace_replay into a task-counting sink). Files go to a temp dir, deleted. */
#include <glib.h>
#include <glib/gstdio.h>
#include <hdf5.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "output/trace_io.h"

/* The i-th synthetic task: 1024 workers, 50 layers, time-ordered. */
static PaleoTaskRecord task_at(uint64_t i)
{
  PaleoTaskRecord t = {
    .worker = (uint32_t)(i % 1024),
    .iteration = (uint32_t)(i / (1024 * 100)),
    .layer = (uint32_t)((i / 1024) % 50),
    .phase = (PaleoPhase)((i / (1024 * 50)) % 2),
    .start_ns = i * 10,
    .end_ns = i * 10 + 7,
  };
  return t;
}

static void die(const char *what, const char *msg)
{
  fprintf(stderr, "paleosim-bench-trace: %s: %s\n", what, msg);
  exit(1);
}

static double file_mib(const char *path)
{
  GStatBuf st;
  return g_stat(path, &st) == 0 ? st.st_size / (1024.0 * 1024.0) : 0.0;
}

static void report(const char *name, uint64_t rows, double insert_s, double total_s, const char *path)
{
  printf("%-28s %9.2f M rows/s  (inserts %6.2f s, with close %6.2f s, file %8.1f MiB)\n", name,
         rows / total_s / 1e6, insert_s, total_s, file_mib(path));
}

typedef struct {
  PaleoTraceSink base;
  uint64_t tasks;
} TaskCounter;

static gboolean count_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  (void)rec, (void)error;
  ((TaskCounter *)sink)->tasks++;
  return TRUE;
}

/* Reads the file back through the replay API and prints its rate. */
static void bench_replay(const char *path, uint64_t rows)
{
  static const PaleoTraceSinkOps ops = {.name = "count", .task = count_task};
  TaskCounter counter = {{&ops, PALEO_TRACE_LEVEL_ALL}, 0};
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time();
  if (!paleo_trace_replay(path, &counter.base, NULL, &error))
    die("replay", error->message);
  double s = (g_get_monotonic_time() - t0) / 1e6;
  if (counter.tasks != rows)
    die("replay", "wrong number of tasks read back");
  printf("%-28s %9.2f M rows/s  (%6.2f s)\n", "  replay of that file", rows / s / 1e6, s);
}

static void bench_sink(const char *name, const char *path, int compression, uint64_t rows)
{
  GError *error = NULL;
  PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, compression, &error);
  if (!sink)
    die(name, error->message);
  PaleoRunMeta meta = {"bench", "[bench]\n", 1, "bench", 0};
  gint64 t0 = g_get_monotonic_time();
  gboolean ok = sink->ops->begin(sink, &meta, &error);
  for (uint64_t i = 0; ok && i < rows; i++) {
    PaleoTaskRecord t = task_at(i);
    ok = sink->ops->task(sink, &t, &error);
  }
  gint64 t1 = g_get_monotonic_time();
  ok = ok && paleo_trace_sink_close(sink, "complete", &error);
  gint64 t2 = g_get_monotonic_time();
  if (!ok)
    die(name, error->message);
  paleo_trace_sink_free(sink);
  report(name, rows, (t1 - t0) / 1e6, (t2 - t0) / 1e6, path);
  bench_replay(path, rows);
  g_unlink(path);
}

static void sql(sqlite3 *db, const char *text)
{
  if (sqlite3_exec(db, text, NULL, NULL, NULL) != SQLITE_OK)
    die("bare sqlite", sqlite3_errmsg(db));
}

static void bench_bare_sqlite(const char *path, uint64_t rows)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK)
    die("bare sqlite", sqlite3_errmsg(db));
  sql(db, "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
          "CREATE TABLE task (worker INTEGER, iteration INTEGER, layer INTEGER, phase INTEGER,"
          " start_ns INTEGER, end_ns INTEGER); BEGIN");
  sqlite3_prepare_v2(db, "INSERT INTO task VALUES (?,?,?,?,?,?)", -1, &st, NULL);
  gint64 t0 = g_get_monotonic_time();
  for (uint64_t i = 0; i < rows; i++) {
    PaleoTaskRecord t = task_at(i);
    sqlite3_bind_int64(st, 1, t.worker);
    sqlite3_bind_int64(st, 2, t.iteration);
    sqlite3_bind_int64(st, 3, t.layer);
    sqlite3_bind_int64(st, 4, t.phase);
    sqlite3_bind_int64(st, 5, (int64_t)t.start_ns);
    sqlite3_bind_int64(st, 6, (int64_t)t.end_ns);
    if (sqlite3_step(st) != SQLITE_DONE)
      die("bare sqlite", sqlite3_errmsg(db));
    sqlite3_reset(st);
  }
  gint64 t1 = g_get_monotonic_time();
  sqlite3_finalize(st);
  sql(db, "COMMIT");
  sqlite3_close(db);
  gint64 t2 = g_get_monotonic_time();
  report("bare SQLite inserts", rows, (t1 - t0) / 1e6, (t2 - t0) / 1e6, path);
  g_unlink(path);
}

static void bench_bare_hdf5(const char *path, uint64_t rows)
{
  const hsize_t chunk = 8192, buffer_rows = chunk * 16;
  hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(PaleoTaskRecord));
  H5Tinsert(type, "worker", HOFFSET(PaleoTaskRecord, worker), H5T_NATIVE_UINT32);
  H5Tinsert(type, "iteration", HOFFSET(PaleoTaskRecord, iteration), H5T_NATIVE_UINT32);
  H5Tinsert(type, "layer", HOFFSET(PaleoTaskRecord, layer), H5T_NATIVE_UINT32);
  H5Tinsert(type, "phase", HOFFSET(PaleoTaskRecord, phase), H5T_NATIVE_INT);
  H5Tinsert(type, "start_ns", HOFFSET(PaleoTaskRecord, start_ns), H5T_NATIVE_UINT64);
  H5Tinsert(type, "end_ns", HOFFSET(PaleoTaskRecord, end_ns), H5T_NATIVE_UINT64);
  hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(1, &zero, &unlimited);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, &chunk);
  hid_t dset = H5Dcreate2(file, "task", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (dset < 0)
    die("bare hdf5", "cannot create the dataset");
  PaleoTaskRecord *buf = g_new(PaleoTaskRecord, buffer_rows);
  hsize_t written = 0, buffered = 0;
  gint64 t0 = g_get_monotonic_time();
  for (uint64_t i = 0; i <= rows; i++) {
    if (buffered == buffer_rows || (i == rows && buffered)) {
      hsize_t size = written + buffered;
      H5Dset_extent(dset, &size);
      hid_t fspace = H5Dget_space(dset), mspace = H5Screate_simple(1, &buffered, NULL);
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &written, NULL, &buffered, NULL);
      if (H5Dwrite(dset, type, mspace, fspace, H5P_DEFAULT, buf) < 0)
        die("bare hdf5", "write failed");
      H5Sclose(mspace);
      H5Sclose(fspace);
      written = size;
      buffered = 0;
    }
    if (i < rows)
      buf[buffered++] = task_at(i);
  }
  gint64 t1 = g_get_monotonic_time();
  H5Dclose(dset);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
  gint64 t2 = g_get_monotonic_time();
  g_free(buf);
  report("bare HDF5 appends", rows, (t1 - t0) / 1e6, (t2 - t0) / 1e6, path);
  g_unlink(path);
}

int main(int argc, char **argv)
{
  uint64_t rows = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 10000000;
  if (rows == 0) {
    fprintf(stderr, "usage: paleosim-bench-trace [ROWS]  (ROWS > 0, default 10000000)\n");
    return 2;
  }
  GError *error = NULL;
  char *dir = g_dir_make_tmp("paleosim-bench-trace-XXXXXX", &error);
  if (!dir)
    die("temp dir", error->message);
  char *db = g_build_filename(dir, "t.db", NULL), *h5 = g_build_filename(dir, "t.h5", NULL);
  printf("%" PRIu64 " task records (32 B each), files in %s\n", rows, dir);
  bench_bare_sqlite(db, rows);
  bench_sink("SQLite sink", db, 0, rows);
  bench_bare_hdf5(h5, rows);
  bench_sink("HDF5 sink, uncompressed", h5, 0, rows);
  bench_sink("HDF5 sink, deflate 1", h5, 1, rows);
  bench_sink("HDF5 sink, deflate 4", h5, 4, rows);
  g_rmdir(dir);
  g_free(db);
  g_free(h5);
  g_free(dir);
  return 0;
}

/* libFuzzer target: SQLite traces as a user or a bad disk could leave them, fed to every
 * trace-reading tool (analyze, export, timeline, convert). An input is an SQL script run on
 * a copy of a small valid trace (a sync run with every record kind; an async-ps run with
 * server updates when the script starts with "-- async"; a pipeline run, transfers and
 * micro-batches in its task graph, with "-- pipeline"), as the reliability findings'
 * `sqlite3 m.db "UPDATE ..."` edits did; or, when it starts with the SQLite header, a
 * database file byte for byte. Scripts cannot touch other files (ATTACH and VACUUM are
 * refused), nor run long (a progress limit) or grow large (1 MiB values). */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_trace_tools.h"
#include "sim/run.h"
#include "sim/scenario.h"

/* A small trace written by a real run, its pages shrunk to 1 KiB (as bytes in memory). */
static GBytes *make_base(const char *name, const char *strategy, const char *extra)
{
  g_autofree char *path = fuzz_path(name);
  g_autofree char *text = g_strdup_printf(
    "[workload]\nnet=alex_v2\nbatch=8\n[cluster]\ndevice=TITAN_X\nworkers=%s\ngpus_per_host=1\n"
    "topology=star\nps_count=2\n[training]\nstrategy=%s\ncollective=ring\niterations=2\n"
    "[output]\ntrace=%s\ntrace_level=all\n%s", extra ? "4" : "3", strategy, path, extra ? extra : "");
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) sc = paleo_scenario_load_data(text, "fuzz-base.ini", NULL, &error);
  PaleoRunOptions options = {.progress = FALSE};
  PaleoRunSummary summary;
  if (!sc || !paleo_run_scenario(sc, &options, &summary, &error))
    g_error("cannot write the base trace: %s", error->message);
  paleo_run_summary_clear(&summary);
  sqlite3 *db = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA page_size = 1024; VACUUM;", NULL, NULL, NULL) != SQLITE_OK)
    g_error("cannot shrink the base trace");
  sqlite3_close(db);
  char *bytes = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &bytes, &len, NULL))
    g_error("cannot read the base trace");
  return g_bytes_new_take(bytes, len);
}

/* Everything that only changes the database itself is allowed. */
static int authorize(void *user, int action, const char *a, const char *b, const char *c, const char *d)
{
  (void)user, (void)a, (void)b, (void)c, (void)d;
  return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

static int progress(void *user)
{
  (void)user;
  return 1; /* called once the step budget is spent: interrupt */
}

static gboolean allowed_script(const char *sql)
{
  g_autofree char *lower = g_ascii_strdown(sql, -1);
  return !strstr(lower, "vacuum") && !strstr(lower, "attach") && !strstr(lower, "directory");
}

static void edit(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
    sqlite3_set_authorizer(db, authorize, NULL);
    sqlite3_progress_handler(db, 2000000, progress, NULL);
    sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY", NULL, NULL, NULL);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
  }
  sqlite3_close(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_init();
  static GBytes *sync_base, *async_base, *pipeline_base;
  if (!sync_base) {
    sync_base = make_base("base-sync.db", "sync", NULL);
    async_base = make_base("base-async.db", "async-ps", NULL);
    pipeline_base = make_base("base-pipeline.db", "sync",
                              "[parallelism]\npipeline=2\nmicro_batches=2\nschedule=1f1b\n");
  }
  static const char header[16] = "SQLite format 3";
  g_autofree char *path = NULL;
  if (size >= sizeof header && !memcmp(data, header, sizeof header)) {
    path = fuzz_write("trace.db", data, size);
  } else {
    g_autofree char *sql = fuzz_text(data, size);
    if (!allowed_script(sql))
      return 0;
    GBytes *base = g_str_has_prefix(sql, "-- async")      ? async_base
                   : g_str_has_prefix(sql, "-- pipeline") ? pipeline_base
                                                          : sync_base;
    gsize len = 0;
    const guint8 *bytes = g_bytes_get_data(base, &len);
    path = fuzz_write("trace.db", bytes, len);
    edit(path, sql);
  }
  fuzz_trace_tools(path, "converted.h5");
  return 0;
}

/* SQLite trace sink and reader. The sink writes a partial file (output_file.h) with
 * prepared statements in large transactions (journal off: the partial file is discarded on
 * any failure), creates the indices at close and renames the file onto `path`, so `path` is
 * always a complete, openable database. Tables from the one schema description
 * (output/trace_schema.h), views below (both documented in output/README.md). */
#include "output/trace_int.h"
#include "output/trace_io.h"
#include "output/trace_schema.h"

#include "output/output_file.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <string.h>

typedef enum {
  T_ENTITY, T_LINK, T_LAYER, T_TASK, T_FLOW, T_ITERATION, T_LINK_USAGE, T_PS_UPDATE, T_COMM_TASK, T_TASK_DEP,
  T_COUNT
} Table;

/* Table names by Table: the schema description's (output/trace_schema.h) */
static const char *const table_names[T_COUNT] = {
  [T_ENTITY] = "entity", [T_LINK] = "link", [T_LAYER] = "layer", [T_TASK] = "task", [T_FLOW] = "flow",
  [T_ITERATION] = "iteration", [T_LINK_USAGE] = "link_usage", [T_PS_UPDATE] = "ps_update",
  [T_COMM_TASK] = "comm_task", [T_TASK_DEP] = "task_dep",
};

static const char trace_sqlite_pragmas[] =
  "PRAGMA page_size = 65536;"
  "PRAGMA journal_mode = OFF;"
  "PRAGMA synchronous = OFF;"
  "PRAGMA locking_mode = EXCLUSIVE;"
  "PRAGMA cache_size = -65536;";

/* Views, created at open after the tables (output/trace_schema.c); NULL in a table stands for
 * "none" (-1 / UINT32_MAX in records). */
static const char trace_sqlite_views[] =
  "CREATE VIEW task_named AS SELECT t.worker, t.iteration, t.layer, l.name AS layer_name,"
  " p.name AS phase, t.start_ns, t.end_ns, t.end_ns - t.start_ns AS duration_ns"
  " FROM task t JOIN phase p ON p.id = t.phase LEFT JOIN layer l ON l.id = t.layer;"
  "CREATE VIEW iteration_summary AS SELECT iteration, COUNT(*) AS workers,"
  " MIN(start_ns) AS start_ns, MAX(end_ns) AS end_ns, MAX(end_ns) - MIN(start_ns) AS span_ns,"
  " AVG(end_ns - start_ns) AS mean_duration_ns, MAX(end_ns - start_ns) AS max_duration_ns,"
  " AVG(wait_ns) AS mean_wait_ns, MAX(wait_ns) AS max_wait_ns, SUM(wait_ns) AS total_wait_ns,"
  " AVG(slowdown) AS mean_slowdown, MAX(slowdown) AS max_slowdown"
  " FROM iteration GROUP BY iteration;"
  "CREATE VIEW worker_summary AS SELECT worker, COUNT(*) AS iterations,"
  " AVG(slowdown) AS mean_slowdown, SUM(wait_ns) AS total_wait_ns"
  " FROM iteration GROUP BY worker;"
  "CREATE VIEW task_phase_totals AS SELECT t.worker, p.name AS phase, COUNT(*) AS tasks,"
  " SUM(t.end_ns - t.start_ns) AS busy_ns FROM task t JOIN phase p ON p.id = t.phase"
  " GROUP BY t.worker, t.phase;"
  "CREATE VIEW collective_summary AS SELECT collective, COUNT(*) AS flows,"
  " SUM(bytes) AS bytes, AVG(end_ns - start_ns) AS mean_duration_ns FROM flow"
  " GROUP BY collective;"
  "CREATE VIEW link_usage_summary AS SELECT u.link, k.name, COUNT(*) AS intervals,"
  " SUM(CASE WHEN u.flows > 0 THEN u.end_ns - u.start_ns ELSE 0 END) AS busy_ns,"
  " SUM(CASE WHEN u.flows > 1 THEN u.end_ns - u.start_ns ELSE 0 END) AS contended_ns,"
  " SUM((u.end_ns - u.start_ns) * u.utilization) / MAX(SUM(u.end_ns - u.start_ns), 1)"
  " AS mean_utilization FROM link_usage u LEFT JOIN link k ON k.id = u.link GROUP BY u.link;";

/* Created at close, after the bulk inserts: the replay order of each large table (task,
 * flow, link_usage, ps_update) and per-worker lookup of the small iteration table. More
 * indices cost close time on large traces; users add their own with CREATE INDEX. */
static const char trace_sqlite_indices[] =
  "CREATE INDEX task_by_start ON task (start_ns);"
  "CREATE INDEX flow_by_start ON flow (start_ns, id);"
  "CREATE INDEX iteration_by_start ON iteration (start_ns);"
  "CREATE INDEX iteration_by_worker ON iteration (worker, iteration);"
  "CREATE INDEX link_usage_by_start ON link_usage (start_ns);"
  "CREATE INDEX ps_update_by_time ON ps_update (time_ns);"
  "CREATE INDEX comm_task_by_start ON comm_task (start_ns);";

typedef struct {
  PaleoTraceSink base;
  sqlite3 *db;
  char *path;
  PaleoOutputFile *out;  /* the partial file being written; NULL once closed */
  sqlite3_stmt *insert[T_COUNT];
  guint64 pending_rows;  /* rows in the open transaction */
  gboolean failed;       /* a write failed: the partial file will be discarded */
} SqliteSink;

static SqliteSink *sqlite_of(PaleoTraceSink *sink)
{
  return (SqliteSink *)sink;
}

/* Records a failure of `what` with SQLite's message and, for an I/O error, the system's
 * reason (SQLite often leaves sqlite3_system_errno at 0 then, while errno still holds what
 * the failed write said, e.g. EFBIG); always returns FALSE. */
static gboolean sink_fail(SqliteSink *s, const char *what, GError **error)
{
  int last_errno = errno;
  s->failed = TRUE;
  int sys_errno = s->db ? sqlite3_system_errno(s->db) : 0;
  int code = s->db ? sqlite3_extended_errcode(s->db) & 0xff : SQLITE_OK;
  if (!sys_errno && (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN))
    sys_errno = last_errno;
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "trace '%s': %s failed: %s%s%s%s",
              s->path, what, s->db ? sqlite3_errmsg(s->db) : "no database",
              sys_errno ? " (" : "", sys_errno ? g_strerror(sys_errno) : "", sys_errno ? ")" : "");
  return FALSE;
}

static gboolean exec_sql(SqliteSink *s, const char *sql, const char *what, GError **error)
{
  if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sink_fail(s, what, error);
  return TRUE;
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *text)
{
  if (text)
    sqlite3_bind_text(st, col, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, col);
}

static void bind_int_or_null(sqlite3_stmt *st, int col, gboolean is_null, int64_t value)
{
  if (is_null)
    sqlite3_bind_null(st, col);
  else
    sqlite3_bind_int64(st, col, value);
}

/* Steps a bound insert, resets it, and commits every PALEO_TRACE_SQLITE_COMMIT_ROWS rows. */
static gboolean step_insert(SqliteSink *s, Table table, GError **error)
{
  sqlite3_stmt *st = s->insert[table];
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return sink_fail(s, "insert", error);
  if (++s->pending_rows >= PALEO_TRACE_SQLITE_COMMIT_ROWS) {
    s->pending_rows = 0;
    return exec_sql(s, "COMMIT; BEGIN", "commit", error);
  }
  return TRUE;
}

/* Refuses records after a failure (the producer should have stopped). */
static gboolean check_usable(SqliteSink *s, GError **error)
{
  if (!s->failed && s->db)
    return TRUE;
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO,
              "trace '%s': record after a failed write or close", s->path);
  return FALSE;
}

static gboolean sqlite_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "UPDATE run SET scenario_name = ?, scenario_text = ?, seed = ?,"
                         " version = ?, start_unix_s = ?", -1, &st, NULL) != SQLITE_OK)
    return sink_fail(s, "prepare run metadata", error);
  bind_text_or_null(st, 1, meta->scenario_name);
  bind_text_or_null(st, 2, meta->scenario_text);
  sqlite3_bind_int64(st, 3, (int64_t)meta->seed);
  bind_text_or_null(st, 4, meta->version);
  sqlite3_bind_int64(st, 5, meta->start_unix_s);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? TRUE : sink_fail(s, "write run metadata", error);
}

static gboolean sqlite_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_ENTITY];
  const char *kind = paleo_trace_entity_kind_name(rec->kind);
  g_return_val_if_fail(kind != NULL, FALSE);
  sqlite3_bind_int64(st, 1, rec->id);
  sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
  bind_int_or_null(st, 3, rec->host < 0, rec->host);
  bind_int_or_null(st, 4, rec->worker < 0, rec->worker);
  bind_text_or_null(st, 5, rec->name);
  return step_insert(s, T_ENTITY, error);
}

static gboolean sqlite_link(PaleoTraceSink *sink, const PaleoLinkRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_LINK];
  sqlite3_bind_int64(st, 1, rec->id);
  sqlite3_bind_int64(st, 2, rec->src);
  sqlite3_bind_int64(st, 3, rec->dst);
  sqlite3_bind_double(st, 4, rec->bw_bytes_per_s);
  sqlite3_bind_int64(st, 5, (int64_t)rec->latency_ns);
  bind_text_or_null(st, 6, rec->name);
  return step_insert(s, T_LINK, error);
}

static gboolean sqlite_layer(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_LAYER];
  sqlite3_bind_int64(st, 1, rec->index);
  bind_text_or_null(st, 2, rec->name);
  bind_text_or_null(st, 3, rec->type);
  return step_insert(s, T_LAYER, error);
}

static gboolean sqlite_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (sink->level < PALEO_TRACE_LEVEL_TASKS)
    return TRUE;
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_TASK];
  sqlite3_bind_int64(st, 1, rec->worker);
  sqlite3_bind_int64(st, 2, rec->iteration);
  bind_int_or_null(st, 3, rec->layer == UINT32_MAX, rec->layer);
  sqlite3_bind_int64(st, 4, rec->phase);
  sqlite3_bind_int64(st, 5, (int64_t)rec->start_ns);
  sqlite3_bind_int64(st, 6, (int64_t)rec->end_ns);
  bind_int_or_null(st, 7, rec->id == PALEO_TASK_ID_NONE, (int64_t)rec->id);
  sqlite3_bind_int64(st, 8, rec->stream);
  sqlite3_bind_int64(st, 9, rec->micro_batch);
  sqlite3_bind_int64(st, 10, rec->stage);
  return step_insert(s, T_TASK, error);
}

static gboolean sqlite_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (sink->level < PALEO_TRACE_LEVEL_TASKS)
    return TRUE;
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_COMM_TASK];
  sqlite3_bind_int64(st, 1, (int64_t)rec->id);
  sqlite3_bind_int64(st, 2, rec->worker);
  sqlite3_bind_int64(st, 3, rec->iteration);
  sqlite3_bind_int64(st, 4, rec->kind);
  sqlite3_bind_int64(st, 5, rec->stream);
  bind_text_or_null(st, 6, rec->collective);
  bind_int_or_null(st, 7, rec->bucket < 0, rec->bucket);
  sqlite3_bind_int64(st, 8, rec->micro_batch);
  sqlite3_bind_int64(st, 9, rec->stage);
  sqlite3_bind_int64(st, 10, rec->phase);
  bind_int_or_null(st, 11, rec->peer < 0, rec->peer);
  sqlite3_bind_int64(st, 12, (int64_t)rec->bytes);
  bind_int_or_null(st, 13, rec->instance == UINT64_MAX, (int64_t)rec->instance);
  sqlite3_bind_int64(st, 14, (int64_t)rec->start_ns);
  sqlite3_bind_int64(st, 15, (int64_t)rec->end_ns);
  return step_insert(s, T_COMM_TASK, error);
}

static gboolean sqlite_task_dep(PaleoTraceSink *sink, const PaleoTaskDepRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (sink->level < PALEO_TRACE_LEVEL_TASKS)
    return TRUE;
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_TASK_DEP];
  sqlite3_bind_int64(st, 1, (int64_t)rec->task);
  sqlite3_bind_int64(st, 2, (int64_t)rec->dep);
  return step_insert(s, T_TASK_DEP, error);
}

static gboolean sqlite_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (sink->level < PALEO_TRACE_LEVEL_FLOWS)
    return TRUE;
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_FLOW];
  sqlite3_bind_int64(st, 1, (int64_t)rec->id);
  sqlite3_bind_int64(st, 2, rec->src);
  sqlite3_bind_int64(st, 3, rec->dst);
  sqlite3_bind_int64(st, 4, (int64_t)rec->bytes);
  bind_text_or_null(st, 5, rec->collective);
  bind_int_or_null(st, 6, rec->bucket < 0, rec->bucket);
  sqlite3_bind_int64(st, 7, rec->iteration);
  sqlite3_bind_int64(st, 8, (int64_t)rec->start_ns);
  sqlite3_bind_int64(st, 9, (int64_t)rec->end_ns);
  return step_insert(s, T_FLOW, error);
}

static gboolean sqlite_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_ITERATION];
  sqlite3_bind_int64(st, 1, rec->worker);
  sqlite3_bind_int64(st, 2, rec->iteration);
  sqlite3_bind_int64(st, 3, (int64_t)rec->start_ns);
  sqlite3_bind_int64(st, 4, (int64_t)rec->end_ns);
  sqlite3_bind_int64(st, 5, (int64_t)rec->wait_ns);
  sqlite3_bind_double(st, 6, rec->slowdown);
  return step_insert(s, T_ITERATION, error);
}

static gboolean sqlite_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (sink->level < PALEO_TRACE_LEVEL_ALL)
    return TRUE;
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_LINK_USAGE];
  sqlite3_bind_int64(st, 1, rec->link);
  sqlite3_bind_int64(st, 2, (int64_t)rec->start_ns);
  sqlite3_bind_int64(st, 3, (int64_t)rec->end_ns);
  sqlite3_bind_int64(st, 4, rec->flows);
  sqlite3_bind_double(st, 5, rec->utilization);
  return step_insert(s, T_LINK_USAGE, error);
}

static gboolean sqlite_ps_update(PaleoTraceSink *sink, const PaleoPsUpdateRecord *rec, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  if (!check_usable(s, error))
    return FALSE;
  sqlite3_stmt *st = s->insert[T_PS_UPDATE];
  sqlite3_bind_int64(st, 1, rec->server);
  sqlite3_bind_int64(st, 2, rec->worker);
  sqlite3_bind_int64(st, 3, rec->iteration);
  sqlite3_bind_int64(st, 4, rec->staleness);
  sqlite3_bind_int64(st, 5, (int64_t)rec->time_ns);
  return step_insert(s, T_PS_UPDATE, error);
}

/* Finalizes statements and closes the database; FALSE when SQLite could not close it. */
static gboolean close_db(SqliteSink *s)
{
  for (int t = 0; t < T_COUNT; t++) {
    sqlite3_finalize(s->insert[t]);
    s->insert[t] = NULL;
  }
  int rc = s->db ? sqlite3_close(s->db) : SQLITE_OK;
  s->db = NULL;
  return rc == SQLITE_OK;
}

/* Sets the final status, builds the indices and commits. */
static gboolean finish_db(SqliteSink *s, const char *status, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "UPDATE run SET status = ?", -1, &st, NULL) != SQLITE_OK)
    return sink_fail(s, "prepare status", error);
  sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return sink_fail(s, "write status", error);
  return exec_sql(s, trace_sqlite_indices, "create indices", error) &&
         exec_sql(s, "COMMIT", "commit", error);
}

static gboolean sqlite_close(PaleoTraceSink *sink, const char *status, GError **error)
{
  SqliteSink *s = sqlite_of(sink);
  g_return_val_if_fail(status != NULL, FALSE);
  if (!s->db) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "trace '%s' closed twice", s->path);
    return FALSE;
  }
  if (s->failed) {
    close_db(s);
    g_clear_pointer(&s->out, paleo_output_file_free);
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO,
                "trace '%s' not written: an earlier write failed", s->path);
    return FALSE;
  }
  gboolean ok = finish_db(s, status, error);
  if (!close_db(s) && ok)
    ok = sink_fail(s, "close", error);
  ok = ok && paleo_output_file_commit(s->out, error);
  g_clear_pointer(&s->out, paleo_output_file_free); /* removes the partial file on failure */
  return ok;
}

static void sqlite_free(PaleoTraceSink *sink)
{
  SqliteSink *s = sqlite_of(sink);
  close_db(s);
  paleo_output_file_free(s->out); /* never closed: abandons the partial file */
  g_free(s->path);
  g_free(s);
}

static const PaleoTraceSinkOps sqlite_ops = {
  .name = "sqlite",
  .begin = sqlite_begin,
  .entity = sqlite_entity,
  .link = sqlite_link,
  .layer = sqlite_layer,
  .task = sqlite_task,
  .flow = sqlite_flow,
  .iteration = sqlite_iteration,
  .link_usage = sqlite_link_usage,
  .ps_update = sqlite_ps_update,
  .comm_task = sqlite_comm_task,
  .task_dep = sqlite_task_dep,
  .close = sqlite_close,
  .free = sqlite_free,
};

/* Creates the schema, the run row (status "running") and the insert statements. */
static gboolean create_db(SqliteSink *s, GError **error)
{
  if (sqlite3_open_v2(paleo_output_file_partial(s->out), &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return sink_fail(s, "create", error);
  g_autofree char *tables = paleo_trace_schema_sql();
  g_autofree char *setup = g_strdup_printf(
    "%s PRAGMA user_version = %d; BEGIN; %s %s"
    " INSERT INTO run (status, schema_version, trace_level) VALUES ('running', %d, '%s');",
    trace_sqlite_pragmas, PALEO_TRACE_SCHEMA_VERSION, tables, trace_sqlite_views,
    PALEO_TRACE_SCHEMA_VERSION, paleo_trace_level_name(s->base.level));
  if (!exec_sql(s, setup, "create schema", error))
    return FALSE;
  for (int t = 0; t < T_COUNT; t++) {
    g_autofree char *insert = paleo_trace_schema_insert_sql(table_names[t]);
    if (sqlite3_prepare_v2(s->db, insert, -1, &s->insert[t], NULL) != SQLITE_OK)
      return sink_fail(s, "prepare insert", error);
  }
  return TRUE;
}

PaleoTraceSink *paleo_trace_sqlite_open(const char *path, PaleoTraceLevel level, GError **error)
{
  SqliteSink *s = g_new0(SqliteSink, 1);
  s->base.ops = &sqlite_ops;
  s->base.level = level;
  s->path = g_strdup(path);
  s->out = paleo_output_file_open(path, "trace", error);
  if (!s->out || !create_db(s, error)) {
    sqlite_free(&s->base);
    return NULL;
  }
  return &s->base;
}

/* ---- reader ---- */

/* One row being read: its columns are checked for type and range as they are taken, and
 * the first problem is kept (a FORMAT error naming trace, table, column and value). */
typedef struct {
  sqlite3_stmt *st;
  const char *path;
  const char *table;
  GError *error;
} Row;

typedef gboolean (*RowReader)(Row *row, PaleoTraceSink *sink, GError **error);

static void row_bad(Row *r, int col, const char *name, const char *expected)
{
  if (r->error)
    return;
  int type = sqlite3_column_type(r->st, col);
  g_autofree char *value =
    type == SQLITE_NULL ? g_strdup("NULL")
    : type == SQLITE_BLOB ? g_strdup("(a blob)")
    : type == SQLITE_INTEGER ? g_strdup_printf("%" PRId64, (int64_t)sqlite3_column_int64(r->st, col))
    : type == SQLITE_FLOAT ? g_strdup_printf("%g", sqlite3_column_double(r->st, col))
    : g_strdup_printf("'%.40s'", (const char *)sqlite3_column_text(r->st, col));
  g_set_error(&r->error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
              "trace '%s': table %s: %s %s is not %s", r->path, r->table, name, value, expected);
}

static int64_t col_int(Row *r, int col, const char *name, int64_t min, int64_t max,
                       const char *expected)
{
  int64_t v = sqlite3_column_int64(r->st, col);
  if (sqlite3_column_type(r->st, col) != SQLITE_INTEGER || v < min || v > max) {
    row_bad(r, col, name, expected);
    return min;
  }
  return v;
}

/* Ids and counts: 0 to 2^32 - 1. */
static uint32_t col_u32(Row *r, int col, const char *name)
{
  return (uint32_t)col_int(r, col, name, 0, UINT32_MAX, "an integer from 0 to 4294967295");
}

/* Optional ids (host, worker, bucket): NULL for none, else 0 to 2^31 - 1. */
static int32_t col_id_or_none(Row *r, int col, const char *name)
{
  if (sqlite3_column_type(r->st, col) == SQLITE_NULL)
    return -1;
  return (int32_t)col_int(r, col, name, 0, INT32_MAX, "NULL or an integer from 0 to 2147483647");
}

/* Times: 0 to 2^63 - 1 ns. */
static uint64_t col_time(Row *r, int col, const char *name)
{
  return (uint64_t)col_int(r, col, name, 0, INT64_MAX, "a time in ns >= 0");
}

/* 64-bit unsigned figures stored as their int64 bit pattern (bytes, flow ids, the seed). */
static uint64_t col_u64(Row *r, int col, const char *name)
{
  return (uint64_t)col_int(r, col, name, INT64_MIN, INT64_MAX, "an integer");
}

static double col_real(Row *r, int col, const char *name)
{
  int type = sqlite3_column_type(r->st, col);
  if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) {
    row_bad(r, col, name, "a number");
    return 0;
  }
  return sqlite3_column_double(r->st, col);
}

/* Text or NULL (NULL: none). */
static const char *col_text(Row *r, int col, const char *name)
{
  int type = sqlite3_column_type(r->st, col);
  if (type != SQLITE_TEXT && type != SQLITE_NULL) {
    row_bad(r, col, name, "text");
    return NULL;
  }
  return (const char *)sqlite3_column_text(r->st, col);
}

/* TRUE when every column of the row was good; else its first problem goes to `error`. */
static gboolean row_ok(Row *r, GError **error)
{
  if (!r->error)
    return TRUE;
  g_propagate_error(error, g_steal_pointer(&r->error));
  return FALSE;
}

static gboolean read_entity(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoEntityRecord rec = {
    .id = col_u32(r, 0, "id"),
    .host = col_id_or_none(r, 2, "host"),
    .worker = col_id_or_none(r, 3, "worker"),
    .name = col_text(r, 4, "name"),
  };
  const char *kind = col_text(r, 1, "kind");
  if (!r->error && !paleo_trace_entity_kind_parse(kind, &rec.kind))
    row_bad(r, 1, "kind", "worker, host, switch or ps");
  return row_ok(r, error) && sink->ops->entity(sink, &rec, error);
}

static gboolean read_link(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoLinkRecord rec = {
    .id = col_u32(r, 0, "id"),
    .src = col_u32(r, 1, "src"),
    .dst = col_u32(r, 2, "dst"),
    .bw_bytes_per_s = col_real(r, 3, "bw_bytes_per_s"),
    .latency_ns = col_time(r, 4, "latency_ns"),
    .name = col_text(r, 5, "name"),
  };
  return row_ok(r, error) && sink->ops->link(sink, &rec, error);
}

static gboolean read_layer(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoLayerRecord rec = {
    .index = col_u32(r, 0, "id"),
    .name = col_text(r, 1, "name"),
    .type = col_text(r, 2, "type"),
  };
  return row_ok(r, error) && sink->ops->layer(sink, &rec, error);
}

static gboolean read_iteration(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoIterationRecord rec = {
    .worker = col_u32(r, 0, "worker"),
    .iteration = col_u32(r, 1, "iteration"),
    .start_ns = col_time(r, 2, "start_ns"),
    .end_ns = col_time(r, 3, "end_ns"),
    .wait_ns = col_time(r, 4, "wait_ns"),
    .slowdown = col_real(r, 5, "slowdown"),
  };
  return row_ok(r, error) && sink->ops->iteration(sink, &rec, error);
}

/* Task ids (task.id, comm_task.id, instances): 64-bit, stored as their int64 bit pattern. */
static uint64_t col_task_id(Row *r, int col, const char *name)
{
  return col_u64(r, col, name);
}

/* Optional task ids: NULL for none (PALEO_TASK_ID_NONE = UINT64_MAX). */
static uint64_t col_task_id_or_none(Row *r, int col, const char *name)
{
  if (sqlite3_column_type(r->st, col) == SQLITE_NULL)
    return PALEO_TASK_ID_NONE;
  return (uint64_t)col_int(r, col, name, INT64_MIN, INT64_MAX, "NULL or an integer");
}

static PaleoPhase col_phase(Row *r, int col)
{
  return (PaleoPhase)col_int(r, col, "phase", 0, 2, "0 (fwd), 1 (bwd) or 2 (update)");
}

static PaleoStreamKind col_stream(Row *r, int col)
{
  return (PaleoStreamKind)col_int(r, col, "stream", 0, PALEO_STREAM_KINDS - 1,
                                  "0 (compute), 1 (comm) or 2 (p2p)");
}

static gboolean read_task(Row *r, PaleoTraceSink *sink, GError **error)
{
  gboolean update = sqlite3_column_type(r->st, 2) == SQLITE_NULL;
  PaleoTaskRecord rec = {
    .worker = col_u32(r, 0, "worker"),
    .iteration = col_u32(r, 1, "iteration"),
    .layer = update ? UINT32_MAX : col_u32(r, 2, "layer"),
    .phase = col_phase(r, 3),
    .start_ns = col_time(r, 4, "start_ns"),
    .end_ns = col_time(r, 5, "end_ns"),
    .id = col_task_id_or_none(r, 6, "id"),
    .stream = col_stream(r, 7),
    .micro_batch = col_u32(r, 8, "micro_batch"),
    .stage = col_u32(r, 9, "stage"),
  };
  return row_ok(r, error) && sink->ops->task(sink, &rec, error);
}

static gboolean read_flow(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoFlowRecord rec = {
    .id = col_u64(r, 0, "id"),
    .src = col_u32(r, 1, "src"),
    .dst = col_u32(r, 2, "dst"),
    .bytes = col_u64(r, 3, "bytes"),
    .collective = col_text(r, 4, "collective"),
    .bucket = col_id_or_none(r, 5, "bucket"),
    .iteration = col_u32(r, 6, "iteration"),
    .start_ns = col_time(r, 7, "start_ns"),
    .end_ns = col_time(r, 8, "end_ns"),
  };
  return row_ok(r, error) && sink->ops->flow(sink, &rec, error);
}

static gboolean read_link_usage(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoLinkUsageRecord rec = {
    .link = col_u32(r, 0, "link"),
    .start_ns = col_time(r, 1, "start_ns"),
    .end_ns = col_time(r, 2, "end_ns"),
    .flows = col_u32(r, 3, "flows"),
    .utilization = col_real(r, 4, "utilization"),
  };
  return row_ok(r, error) && sink->ops->link_usage(sink, &rec, error);
}

static gboolean read_ps_update(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoPsUpdateRecord rec = {
    .server = col_u32(r, 0, "server"),
    .worker = col_u32(r, 1, "worker"),
    .iteration = col_u32(r, 2, "iteration"),
    .staleness = col_u32(r, 3, "staleness"),
    .time_ns = col_time(r, 4, "time_ns"),
  };
  return row_ok(r, error) && sink->ops->ps_update(sink, &rec, error);
}

static gboolean read_comm_task(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoCommTaskRecord rec = {
    .id = col_task_id(r, 0, "id"),
    .worker = col_u32(r, 1, "worker"),
    .iteration = col_u32(r, 2, "iteration"),
    .kind = (PaleoTaskKind)col_int(r, 3, "kind", PALEO_TASK_TRANSFER, PALEO_TASK_COLLECTIVE,
                                   "1 (transfer) or 2 (collective)"),
    .stream = col_stream(r, 4),
    .collective = col_text(r, 5, "collective"),
    .bucket = col_id_or_none(r, 6, "bucket"),
    .micro_batch = col_u32(r, 7, "micro_batch"),
    .stage = col_u32(r, 8, "stage"),
    .phase = col_phase(r, 9),
    .peer = col_id_or_none(r, 10, "peer"),
    .bytes = col_u64(r, 11, "bytes"),
    .instance = col_task_id_or_none(r, 12, "instance"),
    .start_ns = col_time(r, 13, "start_ns"),
    .end_ns = col_time(r, 14, "end_ns"),
  };
  return row_ok(r, error) && sink->ops->comm_task(sink, &rec, error);
}

static gboolean read_task_dep(Row *r, PaleoTraceSink *sink, GError **error)
{
  PaleoTaskDepRecord rec = {
    .task = col_task_id(r, 0, "task"),
    .dep = col_task_id(r, 1, "dep"),
  };
  return row_ok(r, error) && sink->ops->task_dep(sink, &rec, error);
}

static gboolean reader_fail(sqlite3 *db, const char *path, const char *what, GError **error)
{
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "trace '%s': %s failed: %s",
              path, what, sqlite3_errmsg(db));
  return FALSE;
}

/* Runs `sql` and hands every row of `table` to `read`. */
static gboolean query_each(sqlite3 *db, const char *path, const char *table, const char *sql,
                           RowReader read, PaleoTraceSink *sink, GError **error)
{
  Row row = {.path = path, .table = table};
  if (sqlite3_prepare_v2(db, sql, -1, &row.st, NULL) != SQLITE_OK)
    return reader_fail(db, path, sql, error);
  int rc;
  gboolean ok = TRUE;
  while (ok && (rc = sqlite3_step(row.st)) == SQLITE_ROW)
    ok = read(&row, sink, error);
  if (ok && rc != SQLITE_DONE)
    ok = reader_fail(db, path, sql, error);
  sqlite3_finalize(row.st);
  g_clear_error(&row.error);
  return ok;
}

/* Reads and checks the schema version (OUT: *version_out). */
static gboolean check_schema_version(sqlite3 *db, const char *path, int *version_out, GError **error)
{
  sqlite3_stmt *st = NULL;
  int version = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  *version_out = version;
  return paleo_trace_schema_check(path, version, "PRAGMA user_version", error);
}

/* Reads the run row: status, level, and (when sink) calls begin. */
static gboolean read_run(sqlite3 *db, const char *path, PaleoTraceSink *sink, char **status_out,
                         PaleoTraceLevel *level_out, GError **error)
{
  Row r = {.path = path, .table = "run"};
  if (sqlite3_prepare_v2(db, "SELECT scenario_name, scenario_text, seed, version, start_unix_s,"
                         " status, trace_level FROM run", -1, &r.st, NULL) != SQLITE_OK)
    return reader_fail(db, path, "read of the run table", error);
  gboolean ok = FALSE;
  PaleoTraceLevel level;
  if (sqlite3_step(r.st) != SQLITE_ROW) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace '%s': the run table is empty", path);
  } else {
    PaleoRunMeta meta = {
      .scenario_name = col_text(&r, 0, "scenario_name"),
      .scenario_text = col_text(&r, 1, "scenario_text"),
      .seed = col_u64(&r, 2, "seed"),
      .version = col_text(&r, 3, "version"),
      .start_unix_s = (int64_t)col_u64(&r, 4, "start_unix_s"),
    };
    const char *status = col_text(&r, 5, "status"), *level_name = col_text(&r, 6, "trace_level");
    if (!status)
      row_bad(&r, 5, "status", "text");
    if (!r.error && !paleo_trace_level_parse(level_name ? level_name : "", &level))
      row_bad(&r, 6, "trace_level", "iterations, tasks, flows or all");
    ok = row_ok(&r, error) && (!sink || !sink->ops->begin || sink->ops->begin(sink, &meta, error));
    if (ok && status_out)
      *status_out = g_strdup(status);
    if (ok && level_out)
      *level_out = level;
  }
  sqlite3_finalize(r.st);
  g_clear_error(&r.error);
  return ok;
}

static gboolean replay_tables(sqlite3 *db, const char *path, int version, PaleoTraceSink *sink,
                              GError **error)
{
  const PaleoTraceSinkOps *ops = sink->ops;
  /* each table in its replay order; a file older than a column reads its default
     (output/trace_schema.c), tables newer than the file are skipped */
  const struct {
    Table table;
    const char *order;
    RowReader row;
  } readers[] = {
    {T_ENTITY, "id", ops->entity ? read_entity : NULL},
    {T_LINK, "id", ops->link ? read_link : NULL},
    {T_LAYER, "id", ops->layer ? read_layer : NULL},
    {T_ITERATION, "start_ns, rowid", ops->iteration ? read_iteration : NULL},
    {T_TASK, "start_ns, rowid", ops->task ? read_task : NULL},
    {T_FLOW, "start_ns, id, rowid", ops->flow ? read_flow : NULL},
    {T_LINK_USAGE, "start_ns, rowid", ops->link_usage ? read_link_usage : NULL},
    {T_PS_UPDATE, "time_ns, rowid", ops->ps_update ? read_ps_update : NULL},
    {T_COMM_TASK, "start_ns, rowid", ops->comm_task ? read_comm_task : NULL},
    {T_TASK_DEP, "rowid", ops->task_dep ? read_task_dep : NULL},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(readers); i++) {
    if (!readers[i].row || paleo_trace_table(table_names[readers[i].table])->since > version)
      continue;
    g_autofree char *sql = paleo_trace_schema_select_sql(table_names[readers[i].table], version, readers[i].order);
    if (!query_each(db, path, table_names[readers[i].table], sql, readers[i].row, sink, error))
      return FALSE;
  }
  return TRUE;
}

gboolean paleo_trace_sqlite_replay(const char *path, PaleoTraceSink *sink, char **status_out,
                                   PaleoTraceLevel *level_out, GError **error)
{
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    reader_fail(db, path, "open", error);
    sqlite3_close(db);
    return FALSE;
  }
  g_autofree char *status = NULL;
  int version = 0;
  gboolean ok = check_schema_version(db, path, &version, error) &&
                read_run(db, path, sink, &status, level_out, error) &&
                (!sink || replay_tables(db, path, version, sink, error));
  sqlite3_close(db);
  if (ok && status_out)
    *status_out = g_steal_pointer(&status);
  return ok;
}

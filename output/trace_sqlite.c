/* SQLite trace sink and reader. The sink writes `path.partial` with prepared statements in
 * large transactions (journal off: the partial file is discarded on any failure), creates
 * the indices at close and renames the file onto `path`, so `path` is always a complete,
 * openable database. Tables from the one schema description (output/trace_schema.h), views
 * below (both documented in output/README.md). */
#include "output/trace_int.h"
#include "output/trace_io.h"
#include "output/trace_schema.h"

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
  char *partial;
  sqlite3_stmt *insert[T_COUNT];
  guint64 pending_rows;  /* rows in the open transaction */
  gboolean failed;       /* a write failed: the partial file will be discarded */
} SqliteSink;

static SqliteSink *sqlite_of(PaleoTraceSink *sink)
{
  return (SqliteSink *)sink;
}

/* Records a failure of `what` with SQLite's message; always returns FALSE. */
static gboolean sink_fail(SqliteSink *s, const char *what, GError **error)
{
  s->failed = TRUE;
  int sys_errno = s->db ? sqlite3_system_errno(s->db) : 0;
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
    paleo_trace_partial_discard(s->partial);
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO,
                "trace '%s' not written: an earlier write failed", s->path);
    return FALSE;
  }
  gboolean ok = finish_db(s, status, error);
  if (!close_db(s) && ok)
    ok = sink_fail(s, "close", error);
  if (!ok) {
    paleo_trace_partial_discard(s->partial);
    return FALSE;
  }
  return paleo_trace_partial_commit(s->partial, s->path, error);
}

static void sqlite_free(PaleoTraceSink *sink)
{
  SqliteSink *s = sqlite_of(sink);
  if (s->db) { /* never closed: abandon the partial file */
    close_db(s);
    paleo_trace_partial_discard(s->partial);
  }
  g_free(s->path);
  g_free(s->partial);
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
  if (sqlite3_open_v2(s->partial, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
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
  s->partial = paleo_trace_partial_path(path);
  if (!paleo_trace_partial_prepare(s->partial, error) || !create_db(s, error)) {
    sqlite_free(&s->base);
    return NULL;
  }
  return &s->base;
}

/* ---- reader ---- */

typedef gboolean (*RowReader)(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error);

static const char *column_text(sqlite3_stmt *st, int col)
{
  return (const char *)sqlite3_column_text(st, col);
}

static int64_t column_int_or(sqlite3_stmt *st, int col, int64_t null_value)
{
  return sqlite3_column_type(st, col) == SQLITE_NULL ? null_value : sqlite3_column_int64(st, col);
}

static gboolean read_entity(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoEntityRecord r = {
    .id = (uint32_t)sqlite3_column_int64(st, 0),
    .host = (int32_t)column_int_or(st, 2, -1),
    .worker = (int32_t)column_int_or(st, 3, -1),
    .name = column_text(st, 4),
  };
  if (!paleo_trace_entity_kind_parse(column_text(st, 1), &r.kind)) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "entity %u: kind '%s' is unknown (expected worker, host, switch or ps)", r.id,
                column_text(st, 1));
    return FALSE;
  }
  return sink->ops->entity(sink, &r, error);
}

static gboolean read_link(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoLinkRecord r = {
    .id = (uint32_t)sqlite3_column_int64(st, 0),
    .src = (uint32_t)sqlite3_column_int64(st, 1),
    .dst = (uint32_t)sqlite3_column_int64(st, 2),
    .bw_bytes_per_s = sqlite3_column_double(st, 3),
    .latency_ns = (uint64_t)sqlite3_column_int64(st, 4),
    .name = column_text(st, 5),
  };
  return sink->ops->link(sink, &r, error);
}

static gboolean read_layer(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoLayerRecord r = {
    .index = (uint32_t)sqlite3_column_int64(st, 0),
    .name = column_text(st, 1),
    .type = column_text(st, 2),
  };
  return sink->ops->layer(sink, &r, error);
}

static gboolean read_iteration(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoIterationRecord r = {
    .worker = (uint32_t)sqlite3_column_int64(st, 0),
    .iteration = (uint32_t)sqlite3_column_int64(st, 1),
    .start_ns = (uint64_t)sqlite3_column_int64(st, 2),
    .end_ns = (uint64_t)sqlite3_column_int64(st, 3),
    .wait_ns = (uint64_t)sqlite3_column_int64(st, 4),
    .slowdown = sqlite3_column_double(st, 5),
  };
  return sink->ops->iteration(sink, &r, error);
}

static gboolean read_task(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoTaskRecord r = {
    .worker = (uint32_t)sqlite3_column_int64(st, 0),
    .iteration = (uint32_t)sqlite3_column_int64(st, 1),
    .layer = (uint32_t)column_int_or(st, 2, UINT32_MAX),
    .phase = (PaleoPhase)sqlite3_column_int64(st, 3),
    .start_ns = (uint64_t)sqlite3_column_int64(st, 4),
    .end_ns = (uint64_t)sqlite3_column_int64(st, 5),
    .id = (uint64_t)column_int_or(st, 6, (int64_t)PALEO_TASK_ID_NONE),
    .stream = (PaleoStreamKind)sqlite3_column_int64(st, 7),
    .micro_batch = (uint32_t)sqlite3_column_int64(st, 8),
    .stage = (uint32_t)sqlite3_column_int64(st, 9),
  };
  if (r.stream >= PALEO_STREAM_KINDS) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "task of worker %u: stream %d is unknown (expected 0 compute, 1 comm, 2 p2p)", r.worker,
                (int)r.stream);
    return FALSE;
  }
  if (!paleo_trace_phase_name(r.phase)) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "task of worker %u: phase %d is unknown (expected 0 fwd, 1 bwd, 2 update)",
                r.worker, (int)r.phase);
    return FALSE;
  }
  return sink->ops->task(sink, &r, error);
}

static gboolean read_flow(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoFlowRecord r = {
    .id = (uint64_t)sqlite3_column_int64(st, 0),
    .src = (uint32_t)sqlite3_column_int64(st, 1),
    .dst = (uint32_t)sqlite3_column_int64(st, 2),
    .bytes = (uint64_t)sqlite3_column_int64(st, 3),
    .collective = column_text(st, 4),
    .bucket = (int32_t)column_int_or(st, 5, -1),
    .iteration = (uint32_t)sqlite3_column_int64(st, 6),
    .start_ns = (uint64_t)sqlite3_column_int64(st, 7),
    .end_ns = (uint64_t)sqlite3_column_int64(st, 8),
  };
  return sink->ops->flow(sink, &r, error);
}

static gboolean read_link_usage(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoLinkUsageRecord r = {
    .link = (uint32_t)sqlite3_column_int64(st, 0),
    .start_ns = (uint64_t)sqlite3_column_int64(st, 1),
    .end_ns = (uint64_t)sqlite3_column_int64(st, 2),
    .flows = (uint32_t)sqlite3_column_int64(st, 3),
    .utilization = sqlite3_column_double(st, 4),
  };
  return sink->ops->link_usage(sink, &r, error);
}

static gboolean read_ps_update(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoPsUpdateRecord r = {
    .server = (uint32_t)sqlite3_column_int64(st, 0),
    .worker = (uint32_t)sqlite3_column_int64(st, 1),
    .iteration = (uint32_t)sqlite3_column_int64(st, 2),
    .staleness = (uint32_t)sqlite3_column_int64(st, 3),
    .time_ns = (uint64_t)sqlite3_column_int64(st, 4),
  };
  return sink->ops->ps_update(sink, &r, error);
}

static gboolean read_comm_task(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoCommTaskRecord r = {
    .id = (uint64_t)sqlite3_column_int64(st, 0),
    .worker = (uint32_t)sqlite3_column_int64(st, 1),
    .iteration = (uint32_t)sqlite3_column_int64(st, 2),
    .kind = (PaleoTaskKind)sqlite3_column_int64(st, 3),
    .stream = (PaleoStreamKind)sqlite3_column_int64(st, 4),
    .collective = column_text(st, 5),
    .bucket = (int32_t)column_int_or(st, 6, -1),
    .micro_batch = (uint32_t)sqlite3_column_int64(st, 7),
    .stage = (uint32_t)sqlite3_column_int64(st, 8),
    .phase = (PaleoPhase)sqlite3_column_int64(st, 9),
    .peer = (int32_t)column_int_or(st, 10, -1),
    .bytes = (uint64_t)sqlite3_column_int64(st, 11),
    .instance = (uint64_t)column_int_or(st, 12, -1),
    .start_ns = (uint64_t)sqlite3_column_int64(st, 13),
    .end_ns = (uint64_t)sqlite3_column_int64(st, 14),
  };
  if (r.kind != PALEO_TASK_TRANSFER && r.kind != PALEO_TASK_COLLECTIVE) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "comm_task %" G_GUINT64_FORMAT ": kind %d is not 1 transfer or 2 collective", r.id, (int)r.kind);
    return FALSE;
  }
  if (r.stream >= PALEO_STREAM_KINDS || !paleo_trace_phase_name(r.phase)) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "comm_task %" G_GUINT64_FORMAT ": stream %d or phase %d is unknown", r.id, (int)r.stream,
                (int)r.phase);
    return FALSE;
  }
  return sink->ops->comm_task(sink, &r, error);
}

static gboolean read_task_dep(sqlite3_stmt *st, PaleoTraceSink *sink, GError **error)
{
  PaleoTaskDepRecord r = {(uint64_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1)};
  return sink->ops->task_dep(sink, &r, error);
}

static gboolean reader_fail(sqlite3 *db, const char *path, const char *what, GError **error)
{
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "trace '%s': %s failed: %s",
              path, what, sqlite3_errmsg(db));
  return FALSE;
}

/* Runs `sql` and hands every row to `row`. */
static gboolean query_each(sqlite3 *db, const char *path, const char *sql, RowReader row,
                           PaleoTraceSink *sink, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return reader_fail(db, path, sql, error);
  int rc;
  gboolean ok = TRUE;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW)
    ok = row(st, sink, error);
  if (ok && rc != SQLITE_DONE)
    ok = reader_fail(db, path, sql, error);
  sqlite3_finalize(st);
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
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT scenario_name, scenario_text, seed, version, start_unix_s,"
                         " status, trace_level FROM run", -1, &st, NULL) != SQLITE_OK)
    return reader_fail(db, path, "read of the run table", error);
  gboolean ok = FALSE;
  PaleoTraceLevel level;
  if (sqlite3_step(st) != SQLITE_ROW)
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace '%s': the run table is empty", path);
  else if (!paleo_trace_level_parse(column_text(st, 6) ? column_text(st, 6) : "", &level))
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace '%s': run.trace_level '%s' is unknown", path, column_text(st, 6));
  else {
    PaleoRunMeta meta = {
      .scenario_name = column_text(st, 0),
      .scenario_text = column_text(st, 1),
      .seed = (uint64_t)sqlite3_column_int64(st, 2),
      .version = column_text(st, 3),
      .start_unix_s = sqlite3_column_int64(st, 4),
    };
    ok = !sink || !sink->ops->begin || sink->ops->begin(sink, &meta, error);
    if (ok && status_out)
      *status_out = g_strdup(column_text(st, 5));
    if (ok && level_out)
      *level_out = level;
  }
  sqlite3_finalize(st);
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
    if (!query_each(db, path, sql, readers[i].row, sink, error))
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

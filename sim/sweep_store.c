/* Sweep results in SQLite or CSV (see sweep_store.h). */
#include "sim/sweep_store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/trace_io.h"
#include "sim/result_row.h"

#define COMMIT_EVERY_US 500000
#define SCHEMA_VERSION 1

struct PaleoSweepStore {
  char *path, *partial;
  gboolean csv;
  int lock_fd;                /* SQLite: the partial file, flock()ed */
  gboolean own_partial;       /* created by this store: removed if the file is refused */
  sqlite3 *db;
  gint64 last_commit_us;
  GPtrArray *columns;         /* names in table order */
  GHashTable *types;          /* name -> GINT_TO_POINTER(GType) of the first value */
  GHashTable *done;           /* point + 1 */
  GHashTable *rows;           /* CSV: point + 1 -> CsvLine (kept as text: small) */
};

/* A CSV row formatted when it arrived, over the columns known then (later ones are
 * padded empty). */
typedef struct {
  char *text;                 /* fields with commas, no line break */
  guint n_columns;
} CsvLine;

static void csv_line_free(gpointer p)
{
  CsvLine *l = p;
  g_free(l->text);
  g_free(l);
}

static gboolean store_fail(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean store_fail(GError **error, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, PALEO_OUTPUT_ERROR, code, msg);
  return FALSE;
}

/* A path that exists must be a regular file (not a link, directory or device). */
static gboolean regular_or_absent(const char *path, GError **error)
{
  GStatBuf st;
  if (g_lstat(path, &st) != 0 || S_ISREG(st.st_mode))
    return TRUE;
  return store_fail(error, PALEO_OUTPUT_ERROR_FORMAT,
                    "%s exists and is not a regular file (a directory, device or symbolic link): results go to a "
                    "regular file", path);
}

static GType json_type(JsonNode *n)
{
  return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
}

static const char *sql_type(GType t)
{
  return t == G_TYPE_INT64 || t == G_TYPE_BOOLEAN ? "INTEGER" : t == G_TYPE_DOUBLE ? "REAL" : "TEXT";
}

static char *quoted_name(const char *name)
{
  g_auto(GStrv) parts = g_strsplit(name, "\"", -1);
  g_autofree char *inner = g_strjoinv("\"\"", parts);
  return g_strdup_printf("\"%s\"", inner);
}

/* ---- SQLite ---- */

static gboolean exec(PaleoSweepStore *s, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return TRUE;
  store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, msg ? msg : sqlite3_errmsg(s->db));
  sqlite3_free(msg);
  return FALSE;
}

static gboolean add_column(PaleoSweepStore *s, const char *name, GType type, gboolean alter, GError **error)
{
  if (g_hash_table_contains(s->types, name))
    return TRUE;
  if (alter && s->db) {
    g_autofree char *q = quoted_name(name);
    g_autofree char *sql = g_strdup_printf("ALTER TABLE results ADD COLUMN %s %s", q, sql_type(type));
    if (!exec(s, sql, error))
      return FALSE;
  }
  g_ptr_array_add(s->columns, g_strdup(name));
  g_hash_table_insert(s->types, g_strdup(name), GINT_TO_POINTER(type));
  return TRUE;
}

static gboolean create_tables(PaleoSweepStore *s, JsonObject *columns, char *const *meta, GError **error)
{
  GString *sql = g_string_new("CREATE TABLE results (point INTEGER PRIMARY KEY");
  g_autoptr(GList) members = json_object_get_members(columns);
  for (GList *m = members; m; m = m->next) {
    g_autofree char *q = quoted_name(m->data);
    g_string_append_printf(sql, ", %s %s", q, sql_type(json_type(json_object_get_member(columns, m->data))));
  }
  g_string_append(sql, ");\nCREATE TABLE sweep (key TEXT PRIMARY KEY, value TEXT);\n");
  g_string_append_printf(sql, "PRAGMA user_version = %d;\n", SCHEMA_VERSION);
  gboolean ok = exec(s, sql->str, error);
  g_string_free(sql, TRUE);
  sqlite3_stmt *st = NULL;
  if (!ok || sqlite3_prepare_v2(s->db, "INSERT INTO sweep VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
    return ok ? store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, sqlite3_errmsg(s->db)) : FALSE;
  for (guint i = 0; ok && meta[i] && meta[i + 1]; i += 2) {
    sqlite3_bind_text(st, 1, meta[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, meta[i + 1], -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_reset(st) == SQLITE_OK;
  }
  sqlite3_finalize(st);
  return ok || store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, sqlite3_errmsg(s->db));
}

static const char *meta_value(char *const *meta, const char *key)
{
  for (guint i = 0; meta[i] && meta[i + 1]; i += 2)
    if (!strcmp(meta[i], key))
      return meta[i + 1];
  return NULL;
}

/* An existing file: the same sweep (signature), its columns and its finished points. */
static gboolean adopt(PaleoSweepStore *s, char *const *meta, GError **error)
{
  sqlite3_stmt *st = NULL;
  const char *want = meta_value(meta, "signature");
  if (sqlite3_prepare_v2(s->db, "SELECT value FROM sweep WHERE key = 'signature'", -1, &st, NULL) != SQLITE_OK)
    return store_fail(error, PALEO_OUTPUT_ERROR_FORMAT, "%s is not a paleosim sweep database (%s): write to a new "
                      "file", s->path, sqlite3_errmsg(s->db));
  gboolean same = sqlite3_step(st) == SQLITE_ROW && want &&
                  !g_strcmp0((const char *)sqlite3_column_text(st, 0), want);
  sqlite3_finalize(st);
  if (!same)
    return store_fail(error, PALEO_OUTPUT_ERROR_FORMAT, "%s holds another sweep (its scenario, --set, --hardware "
                      "or grid differ): write to a new file, or delete it to start over", s->path);
  if (sqlite3_prepare_v2(s->db, "SELECT name, type FROM pragma_table_info('results') WHERE name != 'point'", -1, &st,
                         NULL) != SQLITE_OK)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, sqlite3_errmsg(s->db));
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(st, 1);
    add_column(s, (const char *)sqlite3_column_text(st, 0),
               !g_strcmp0(type, "INTEGER") ? G_TYPE_INT64 : !g_strcmp0(type, "REAL") ? G_TYPE_DOUBLE : G_TYPE_STRING,
               FALSE, NULL);
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(s->db, "SELECT point FROM results WHERE status IN ('ok', 'error')", -1, &st, NULL) !=
      SQLITE_OK)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, sqlite3_errmsg(s->db));
  while (sqlite3_step(st) == SQLITE_ROW)
    g_hash_table_add(s->done, GSIZE_TO_POINTER((gsize)sqlite3_column_int64(st, 0) + 1));
  sqlite3_finalize(st);
  return TRUE;
}

/* Copies `from` into the open file `fd`. */
static gboolean copy_into(const char *from, int fd, const char *to, GError **error)
{
  g_autofree char *data = NULL;
  gsize n = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(from, &data, &n, &local))
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot read %s: %s", from, local->message);
  for (gsize off = 0; off < n;) {
    ssize_t w = write(fd, data + off, n - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot write %s: %s", to, g_strerror(errno));
    off += (gsize)w;
  }
  return TRUE;
}

/* PATH.partial, locked: a leftover of a killed sweep, a copy of PATH, or new. */
static gboolean open_partial(PaleoSweepStore *s, gboolean *fresh, GError **error)
{
  GStatBuf st;
  gboolean leftover = g_lstat(s->partial, &st) == 0 && st.st_size > 0;
  s->lock_fd = open(s->partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (s->lock_fd < 0)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot create %s: %s", s->partial, g_strerror(errno));
  if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "another sweep is writing %s (%s is locked)", s->path,
                      s->partial);
  if (leftover) {
    g_printerr("paleosim sweep: resuming from %s, left by a sweep that was stopped\n", s->partial);
    *fresh = FALSE;
    return TRUE;
  }
  s->own_partial = TRUE;
  if (ftruncate(s->lock_fd, 0) != 0)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot write %s: %s", s->partial, g_strerror(errno));
  *fresh = !g_file_test(s->path, G_FILE_TEST_EXISTS);
  return *fresh || copy_into(s->path, s->lock_fd, s->partial, error);
}

static gboolean open_sqlite(PaleoSweepStore *s, JsonObject *columns, char *const *meta, GError **error)
{
  gboolean fresh = TRUE;
  if (!open_partial(s, &fresh, error))
    return FALSE;
  if (sqlite3_open_v2(s->partial, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot open %s: %s", s->partial,
                      s->db ? sqlite3_errmsg(s->db) : "out of memory");
  sqlite3_busy_timeout(s->db, 5000);
  if (!(fresh ? create_tables(s, columns, meta, error) : adopt(s, meta, error)))
    return FALSE;
  g_autoptr(GList) members = json_object_get_members(columns);
  for (GList *m = members; m; m = m->next)
    if (!add_column(s, m->data, json_type(json_object_get_member(columns, m->data)), !fresh, error))
      return FALSE;
  s->last_commit_us = g_get_monotonic_time();
  return exec(s, "BEGIN", error);
}

static void bind(sqlite3_stmt *st, int i, JsonNode *v)
{
  switch (json_type(v)) {
  case G_TYPE_INT64: sqlite3_bind_int64(st, i, json_node_get_int(v)); break;
  case G_TYPE_BOOLEAN: sqlite3_bind_int(st, i, json_node_get_boolean(v)); break;
  case G_TYPE_DOUBLE: sqlite3_bind_double(st, i, json_node_get_double(v)); break;
  case G_TYPE_STRING: sqlite3_bind_text(st, i, json_node_get_string(v), -1, SQLITE_TRANSIENT); break;
  default: sqlite3_bind_null(st, i); break;
  }
}

static gboolean insert(PaleoSweepStore *s, guint point, JsonObject *row, GError **error)
{
  g_autoptr(GList) members = json_object_get_members(row);
  GString *sql = g_string_new("INSERT OR REPLACE INTO results (point");
  for (GList *m = members; m; m = m->next) {
    g_autofree char *q = quoted_name(m->data);
    g_string_append_printf(sql, ", %s", q);
  }
  g_string_append(sql, ") VALUES (?");
  for (GList *m = members; m; m = m->next)
    g_string_append(sql, ", ?");
  g_string_append(sql, ")");
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_prepare_v2(s->db, sql->str, -1, &st, NULL) == SQLITE_OK;
  g_string_free(sql, TRUE);
  if (ok) {
    sqlite3_bind_int64(st, 1, point);
    int i = 2;
    for (GList *m = members; m; m = m->next)
      bind(st, i++, json_object_get_member(row, m->data));
    ok = sqlite3_step(st) == SQLITE_DONE;
  }
  sqlite3_finalize(st);
  if (!ok)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, sqlite3_errmsg(s->db));
  gint64 now = g_get_monotonic_time();
  if (now - s->last_commit_us < COMMIT_EVERY_US)
    return TRUE;
  s->last_commit_us = now;
  return exec(s, "COMMIT; BEGIN", error);
}

/* ---- CSV ---- */

static int compare_points(gconstpointer a, gconstpointer b)
{
  gsize x = *(const gsize *)a, y = *(const gsize *)b;
  return (x > y) - (x < y);
}

static gboolean write_csv(PaleoSweepStore *s, GError **error)
{
  g_autoptr(GString) out = g_string_new(NULL);
  paleo_row_csv_header(out, s->columns);
  g_autoptr(GArray) order = g_array_new(FALSE, FALSE, sizeof(gsize));
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, s->rows);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    gsize p = GPOINTER_TO_SIZE(key);
    g_array_append_val(order, p);
  }
  g_array_sort(order, compare_points); /* rows in point order, whatever order they came in */
  for (guint i = 0; i < order->len; i++) {
    const CsvLine *l = g_hash_table_lookup(s->rows, GSIZE_TO_POINTER(g_array_index(order, gsize, i)));
    g_string_append(out, l->text);
    for (guint c = l->n_columns; c < s->columns->len; c++)
      g_string_append_c(out, ',');
    g_string_append_c(out, '\n');
  }
  g_autofree char *tmpl = g_strconcat(s->path, ".XXXXXX.partial", NULL);
  int fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot create %s: %s", tmpl, g_strerror(errno));
  gboolean ok = TRUE;
  for (gsize off = 0; ok && off < out->len;) {
    ssize_t w = write(fd, out->str + off, out->len - off);
    if (w < 0 && errno == EINTR)
      continue;
    ok = w > 0;
    off += ok ? (gsize)w : 0;
  }
  int e = errno;
  ok = ok && fsync(fd) == 0;
  ok = (close(fd) == 0) && ok;
  if (!ok || g_rename(tmpl, s->path) != 0) {
    e = ok ? errno : e;
    g_unlink(tmpl);
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot write %s: %s", s->path, g_strerror(e));
  }
  return TRUE;
}

/* ---- the store ---- */

PaleoSweepStore *paleo_sweep_store_open(const char *path, JsonObject *columns, char *const *meta, GError **error)
{
  g_autoptr(PaleoSweepStore) s = g_new0(PaleoSweepStore, 1);
  s->path = g_strdup(path);
  s->csv = g_str_has_suffix(path, ".csv") || g_str_has_suffix(path, ".CSV");
  s->partial = g_strconcat(path, ".partial", NULL);
  s->lock_fd = -1;
  s->columns = g_ptr_array_new_with_free_func(g_free);
  s->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->done = g_hash_table_new(NULL, NULL);
  s->rows = g_hash_table_new_full(NULL, NULL, NULL, csv_line_free);
  if (!regular_or_absent(path, error) || (!s->csv && !regular_or_absent(s->partial, error)))
    return NULL;
  if (s->csv) {
    g_autoptr(GList) members = json_object_get_members(columns);
    for (GList *m = members; m; m = m->next)
      add_column(s, m->data, json_type(json_object_get_member(columns, m->data)), FALSE, NULL);
    return g_steal_pointer(&s);
  }
  if (!open_sqlite(s, columns, meta, error)) {
    if (s->db)
      sqlite3_close(s->db), s->db = NULL;
    if (s->own_partial)
      g_unlink(s->partial);
    return NULL;
  }
  return g_steal_pointer(&s);
}

gboolean paleo_sweep_store_has(const PaleoSweepStore *s, guint point)
{
  return g_hash_table_contains(s->done, GSIZE_TO_POINTER((gsize)point + 1));
}

guint paleo_sweep_store_n_done(const PaleoSweepStore *s)
{
  return g_hash_table_size(s->done);
}

gboolean paleo_sweep_store_put(PaleoSweepStore *s, guint point, JsonObject *row, GError **error)
{
  g_autoptr(GList) members = json_object_get_members(row);
  for (GList *m = members; m; m = m->next) {
    GType t = json_type(json_object_get_member(row, m->data));
    if (!add_column(s, m->data, t == G_TYPE_INVALID ? G_TYPE_STRING : t, TRUE, error))
      return FALSE;
  }
  const char *status = json_object_get_string_member_with_default(row, "status", "");
  if (!strcmp(status, "ok") || !strcmp(status, "error"))
    g_hash_table_add(s->done, GSIZE_TO_POINTER((gsize)point + 1));
  if (s->csv) {
    GString *text = g_string_new(NULL);
    paleo_row_csv_line(text, s->columns, row);
    g_string_truncate(text, text->len - 1); /* the line break */
    CsvLine *l = g_new(CsvLine, 1);
    *l = (CsvLine){g_string_free(text, FALSE), s->columns->len};
    g_hash_table_replace(s->rows, GSIZE_TO_POINTER((gsize)point + 1), l);
    return TRUE;
  }
  return insert(s, point, row, error);
}

gboolean paleo_sweep_store_set_meta(PaleoSweepStore *s, const char *key, const char *value, GError **error)
{
  if (s->csv)
    return TRUE;
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO sweep VALUES (?, ?)", -1, &st, NULL) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(st) == SQLITE_DONE;
  }
  sqlite3_finalize(st);
  return ok || store_fail(error, PALEO_OUTPUT_ERROR_IO, "%s: %s", s->partial, sqlite3_errmsg(s->db));
}

gboolean paleo_sweep_store_finish(PaleoSweepStore *s, GError **error)
{
  if (s->csv)
    return write_csv(s, error);
  if (!exec(s, "COMMIT", error))
    return FALSE;
  int rc = sqlite3_close(s->db);
  s->db = NULL;
  if (rc != SQLITE_OK)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot close %s", s->partial);
  if (g_rename(s->partial, s->path) != 0)
    return store_fail(error, PALEO_OUTPUT_ERROR_IO, "cannot rename %s to %s: %s", s->partial, s->path,
                      g_strerror(errno));
  return TRUE;
}

void paleo_sweep_store_free(PaleoSweepStore *s)
{
  if (!s)
    return;
  if (s->db) { /* not finished: keep what was stored, for a rerun to resume */
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(s->db);
  }
  if (s->lock_fd >= 0)
    close(s->lock_fd);
  g_free(s->path);
  g_free(s->partial);
  g_ptr_array_unref(s->columns);
  g_hash_table_unref(s->types);
  g_hash_table_unref(s->done);
  g_hash_table_unref(s->rows);
  g_free(s);
}

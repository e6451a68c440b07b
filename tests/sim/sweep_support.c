/* Test support for the sweep, sensitivity, optimize and front-end tests (see sweep_support.h). */
#include "sweep_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

char *tmp_file(const char *name, const char *text)
{
  char *path = g_build_filename(g_getenv("PALEO_TEST_TMP"), name, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, text, -1, &error))
    fail_msg("%s", error->message);
  return path;
}

char *tmp_path(const char *name)
{
  char *path = g_build_filename(g_getenv("PALEO_TEST_TMP"), name, NULL);
  g_unlink(path);
  g_autofree char *partial = g_strconcat(path, ".partial", NULL);
  g_unlink(partial);
  return path;
}

static char *cell(sqlite3_stmt *st, int i)
{
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER: return g_strdup_printf("%lld", (long long)sqlite3_column_int64(st, i));
  case SQLITE_FLOAT: return g_strdup_printf("%.17g", sqlite3_column_double(st, i));
  case SQLITE_NULL: return g_strdup("NULL");
  default: return g_strdup((const char *)sqlite3_column_text(st, i));
  }
}

GPtrArray *table_rows(const char *db_path, const char *sql, char **skip)
{
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    fail_msg("cannot open %s", db_path);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", db_path, sqlite3_errmsg(db));
  GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
  while (sqlite3_step(st) == SQLITE_ROW) {
    GString *row = g_string_new(NULL);
    for (int i = 0; i < sqlite3_column_count(st); i++) {
      const char *name = sqlite3_column_name(st, i);
      if (skip && g_strv_contains((const char *const *)skip, name))
        continue;
      g_autofree char *v = cell(st, i);
      g_string_append_printf(row, "%s=%s|", name, v);
    }
    g_ptr_array_add(rows, g_string_free(row, FALSE));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

JsonObject *parse_object(const char *text)
{
  g_autoptr(JsonParser) p = json_parser_new();
  if (!json_parser_load_from_data(p, text, -1, NULL) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
    fail_msg("not a JSON object: %s", text);
  return json_object_ref(json_node_get_object(json_parser_get_root(p)));
}

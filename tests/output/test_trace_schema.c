/* The trace schema is one description (output/trace_schema.h): the SQLite tables a sink
 * creates and the HDF5 datasets' members are its columns, in its order, and
 * output/README.md holds its Markdown table verbatim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <hdf5.h>
#include <sqlite3.h>
#include <string.h>

#include "output/trace_schema.h"
#include "trace_fixture.h"

static void test_sqlite_tables_are_the_description(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("schema.db");
  fixture_write_file(path, "complete", 0);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  for (const PaleoTraceTable *t = paleo_trace_tables; t->name; t++) {
    g_autofree char *sql = g_strdup_printf("PRAGMA table_info(%s)", t->name);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    guint c = 0;
    for (; sqlite3_step(st) == SQLITE_ROW; c++) {
      assert_true(c < t->n_columns);
      assert_string_equal((const char *)sqlite3_column_text(st, 1), t->columns[c].name);
    }
    sqlite3_finalize(st);
    if (c != t->n_columns)
      fail_msg("table %s has %u columns, the description %u", t->name, c, t->n_columns);
  }
  sqlite3_close(db);
}

/* HDF5 keeps run metadata as root attributes and enums as enum types: every other table is a
 * dataset whose members are the columns (in the order its packed rows need; the layer index
 * is the member `index`). */
static void test_hdf5_members_are_the_description(void **state)
{
  (void)state;
  g_autofree char *path = fixture_tmp_path("schema.h5");
  fixture_write_file(path, "complete", 0);
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  assert_true(file >= 0);
  guint datasets = 0;
  for (const PaleoTraceTable *t = paleo_trace_tables; t->name; t++) {
    if (t->lookup || !strcmp(t->name, "run"))
      continue;
    hid_t d = H5Dopen2(file, t->name, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t type = H5Dget_type(d);
    assert_int_equal(H5Tget_nmembers(type), (int)t->n_columns);
    for (guint c = 0; c < t->n_columns; c++) {
      const char *want = !strcmp(t->name, "layer") && !strcmp(t->columns[c].name, "id") ? "index" : t->columns[c].name;
      if (H5Tget_member_index(type, want) < 0)
        fail_msg("dataset %s has no member %s", t->name, want);
    }
    H5Tclose(type);
    H5Dclose(d);
    datasets++;
  }
  assert_int_equal(datasets, 10);
  H5Fclose(file);
}

static void test_readme_holds_the_description(void **state)
{
  (void)state;
  g_autofree char *readme = g_build_filename(g_getenv("PALEO_TEST_DATA"), "..", "..", "output", "README.md", NULL);
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(readme, &text, NULL, NULL));
  g_autofree char *table = paleo_trace_schema_markdown();
  if (!strstr(text, table))
    fail_msg("output/README.md lacks the schema table; it should read:\n%s", table);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sqlite_tables_are_the_description),
    cmocka_unit_test(test_hdf5_members_are_the_description),
    cmocka_unit_test(test_readme_holds_the_description),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* End to end through real trace files (SQLite and HDF5) and the paleosim executable:
 * analyze (JSON/CSV/table), timeline (PNG size) and export --chrome, and their exit code 2
 * on bad input (missing file, not a trace, bad range, empty window, bad format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cairo.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "synth_trace.h"
#include "trace_fixture.h"

static const SynthDataParallel slow_worker = {
  .workers = 4, .iterations = 3, .layers = 2, .per_host = 2, .fwd_ns = 5 * MS,
  .bwd_ns = 10 * MS, .comm_ns = 10 * MS, .update_ns = 2 * MS, .slow_worker = 3,
  .slow_factor = 2.0, .with_tasks = TRUE,
};

static char *trace_file(const char *name)
{
  char *path = fixture_tmp_path(name);
  g_autoptr(SynthTrace) t = synth_data_parallel(&slow_worker);
  const uint32_t staleness[] = {3, 0, 3, 1, 3, 2}; /* mean 2, p50 2, p99 3, max 3 */
  for (guint i = 0; i < G_N_ELEMENTS(staleness); i++)
    synth_ps_update(t, i % 2, i % 4, i / 4, staleness[i], (i + 1) * MS);
  synth_write_file(t, path);
  return path;
}

/* Runs paleosim with the given arguments (NULL-terminated); OUT: stdout. */
static int paleosim(char **out, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("PALEOSIM_BIN"));
  va_list ap;
  va_start(ap, out);
  for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  g_autofree char *err = NULL;
  int rc = fixture_spawn((char **)argv->pdata, out, &err);
  if (rc == 2)
    assert_true(g_str_has_prefix(err, "paleosim ")); /* a message, not a crash */
  return rc;
}

static void check_analysis_json(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  assert_true(json_parser_load_from_data(parser, text, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonObject *s = json_array_get_object_element(json_object_get_array_member(root, "stragglers"), 0);
  assert_int_equal(json_object_get_int_member(s, "worker"), 3);
  assert_float_equal(json_object_get_double_member(s, "lag_ms"), 30.0, 1e-9);
  assert_float_equal(json_object_get_double_member(s, "caused_wait_ms"), 270.0, 1e-9);
  JsonObject *run = json_object_get_object_member(root, "run");
  assert_string_equal(json_object_get_string_member(run, "status"), "complete");
  assert_int_equal(json_object_get_int_member(run, "tasks"), 4 * 3 * 5);
  assert_int_equal(json_array_get_length(json_object_get_array_member(root, "links")), 2);
  JsonObject *w = json_array_get_object_element(json_object_get_array_member(root, "workers"), 0);
  assert_int_equal(json_object_get_int_member(w, "worker"), 3);
  assert_int_equal(json_object_get_int_member(w, "iterations"), 3);
  assert_float_equal(json_object_get_double_member(w, "mean_slowdown"), 2.0, 1e-12);
  JsonObject *st = json_object_get_object_member(root, "staleness");
  assert_int_equal(json_object_get_int_member(st, "updates"), 6);
  assert_float_equal(json_object_get_double_member(st, "mean"), 2.0, 1e-12);
  assert_int_equal(json_object_get_int_member(st, "p50"), 2);
  assert_int_equal(json_object_get_int_member(st, "p99"), 3);
  assert_int_equal(json_object_get_int_member(st, "max"), 3);
  assert_int_equal(json_array_get_length(json_object_get_array_member(st, "histogram")), 4);
}

static void test_analyze_both_formats(void **state)
{
  (void)state;
  const char *names[] = {"tools.db", "tools.h5"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *path = trace_file(names[i]);
    g_autofree char *out = NULL;
    assert_int_equal(paleosim(&out, "analyze", path, "--format", "json", NULL), 0);
    check_analysis_json(out);
  }
  g_autofree char *path = trace_file("tools-csv.db");
  g_autofree char *csv = NULL, *table = NULL;
  assert_int_equal(paleosim(&csv, "analyze", path, "-f", "csv", "--table", "stragglers", NULL), 0);
  assert_string_equal(csv, "worker,slowest_iterations,lag_ms,caused_wait_ms\n3,3,30.000000,270.000000\n");
  assert_int_equal(paleosim(&table, "analyze", path, NULL), 0);
  assert_non_null(strstr(table, "Links, most contended first"));
  assert_non_null(strstr(table, "Staleness histogram"));
}

static void test_timeline_and_export(void **state)
{
  (void)state;
  g_autofree char *trace = trace_file("tools.h5");
  g_autofree char *png = fixture_tmp_path("tools.png");
  g_autofree char *json = fixture_tmp_path("tools.json");
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", png, "--workers", "0-2", "--iterations",
                            "1-2", "--links", "--width", "640", "--height", "240", NULL), 0);
  cairo_surface_t *img = cairo_image_surface_create_from_png(png);
  assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  assert_int_equal(cairo_image_surface_get_width(img), 640);
  assert_int_equal(cairo_image_surface_get_height(img), 240);
  cairo_surface_destroy(img);
  g_autofree char *out = NULL;
  assert_int_equal(paleosim(&out, "export", trace, "--chrome", json, NULL), 0);
  assert_non_null(strstr(out, "events"));
  g_autoptr(JsonParser) parser = json_parser_new();
  assert_true(json_parser_load_from_file(parser, json, NULL));
}

static void test_bad_input_exit_2(void **state)
{
  (void)state;
  g_autofree char *trace = trace_file("tools-bad.db");
  g_autofree char *png = fixture_tmp_path("bad.png");
  g_autofree char *not_trace = fixture_tmp_path("not-a-trace.db");
  assert_true(g_file_set_contents(not_trace, "hello", -1, NULL));
  assert_int_equal(paleosim(NULL, "analyze", "/nonexistent/trace.db", NULL), 2);
  assert_int_equal(paleosim(NULL, "analyze", not_trace, NULL), 2);
  assert_int_equal(paleosim(NULL, "analyze", trace, "--format", "xml", NULL), 2);
  assert_int_equal(paleosim(NULL, "analyze", trace, "--table", "nope", NULL), 2);
  assert_int_equal(paleosim(NULL, "analyze", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", "/nonexistent/trace.db", "-o", png, NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", png, "--workers", "7-3", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", png, "--workers", "8-9", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", png, "--iterations", "40", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", png, "--from", "5ms", "--to", "2ms", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", png, "--from", "5", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, "-o", "x.gif", NULL), 2);
  assert_int_equal(paleosim(NULL, "timeline", trace, NULL), 2);
  assert_int_equal(paleosim(NULL, "export", trace, NULL), 2);
  assert_int_equal(paleosim(NULL, "export", "/nonexistent/trace.db", "--chrome", png, NULL), 2);
  assert_false(g_file_test(png, G_FILE_TEST_EXISTS)); /* no partial output left behind */
  assert_int_equal(paleosim(NULL, "export", trace, "--chrome", "/nonexistent-dir/x.json", NULL), 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_analyze_both_formats),
    cmocka_unit_test(test_timeline_and_export),
    cmocka_unit_test(test_bad_input_exit_2),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

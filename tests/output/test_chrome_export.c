/* paleosim export --chrome: the JSON parses, holds one complete event per iteration, task and
 * flow, every event sits on a named thread of a named process (its host), and complete
 * events never overlap within a thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "output/chrome_export.h"
#include "output/trace_io.h"
#include "synth_trace.h"
#include "trace_fixture.h"

static const SynthDataParallel two_hosts = {
  .workers = 4, .iterations = 2, .layers = 3, .per_host = 2, .fwd_ns = 5 * MS,
  .bwd_ns = 10 * MS, .comm_ns = 10 * MS, .update_ns = 2 * MS, .slow_worker = -1,
  .slow_factor = 1.0, .with_tasks = TRUE,
};

typedef struct {
  int64_t ts_ns, end_ns;
} Span;

static int64_t us_to_ns(JsonObject *event, const char *key)
{
  return (int64_t)llround(json_object_get_double_member(event, key) * 1000.0);
}

static int compare_spans(gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;
  return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
}

static void free_array(gpointer data)
{
  g_array_free(data, TRUE);
}

static void test_chrome_json(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_data_parallel(&two_hosts);
  synth_entity(t, 300, PALEO_ENTITY_PS, 101, -1, "ps0");
  synth_flow(t, 0, 2, 0, 1 * MS, 5 * MS); /* overlaps the next: spills to "comm 2" */
  synth_flow(t, 0, 3, 0, 2 * MS, 6 * MS);
  synth_flow(t, 300, 0, 0, 3 * MS, 4 * MS); /* from the server: its own comm thread */
  g_autofree char *path = fixture_tmp_path("trace.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoChromeExport) x = paleo_chrome_export_new(path, &error);
  assert_non_null(x);
  synth_replay(t, paleo_chrome_export_sink(x));
  assert_true(paleo_chrome_export_finish(x, "interrupted", &error));
  guint n_expected = t->iterations->len + t->tasks->len + t->flows->len;
  assert_int_equal(n_expected, 8 + 4 * 2 * 7 + 8 + 3);
  assert_int_equal(paleo_chrome_export_n_events(x), n_expected);

  g_autoptr(JsonParser) parser = json_parser_new();
  assert_true(json_parser_load_from_file(parser, path, &error));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  assert_string_equal(json_object_get_string_member(
                        json_object_get_object_member(root, "otherData"), "status"), "interrupted");
  JsonArray *events = json_object_get_array_member(root, "traceEvents");
  g_autoptr(GHashTable) thread_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) process_names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  g_autoptr(GHashTable) spans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_array);
  guint n_complete = 0;
  for (guint i = 0; i < json_array_get_length(events); i++) {
    JsonObject *e = json_array_get_object_element(events, i);
    const char *ph = json_object_get_string_member(e, "ph");
    int pid = (int)json_object_get_int_member(e, "pid");
    char *key = g_strdup_printf("%d/%" G_GINT64_FORMAT, pid, json_object_get_int_member(e, "tid"));
    const char *name = json_object_get_string_member(e, "name");
    if (!strcmp(ph, "M")) {
      JsonObject *args = json_object_get_object_member(e, "args");
      if (!strcmp(name, "thread_name"))
        g_hash_table_insert(thread_names, key, g_strdup(json_object_get_string_member(args, "name")));
      else if (!strcmp(name, "process_name"))
        g_hash_table_insert(process_names, GINT_TO_POINTER(pid),
                            g_strdup(json_object_get_string_member(args, "name")));
      if (strcmp(name, "thread_name"))
        g_free(key);
      continue;
    }
    assert_string_equal(ph, "X");
    n_complete++;
    assert_true(g_hash_table_contains(thread_names, key));    /* named before first use */
    assert_true(g_hash_table_contains(process_names, GINT_TO_POINTER(pid)));
    GArray *list = g_hash_table_lookup(spans, key);
    if (!list) {
      list = g_array_new(FALSE, FALSE, sizeof(Span));
      g_hash_table_insert(spans, g_strdup(key), list);
    }
    Span s = {us_to_ns(e, "ts"), us_to_ns(e, "ts") + us_to_ns(e, "dur")};
    g_array_append_val(list, s);
    const char *thread = g_hash_table_lookup(thread_names, key);
    if (!strcmp(json_object_get_string_member(e, "cat"), "backward") &&
        g_str_has_prefix(thread, "worker 3 ")) {
      assert_int_equal(pid, 101); /* worker 3 lives on host node 101 */
      assert_string_equal(thread, "worker 3 compute");
    }
    g_free(key);
  }
  assert_int_equal(n_complete, n_expected);
  /* threads: 4 workers x (iterations, compute, comm) + worker 0's "comm 2" + ps0's comm */
  assert_int_equal(g_hash_table_size(thread_names), 4 * 3 + 2);
  assert_int_equal(paleo_chrome_export_n_threads(x), 4 * 3 + 2);
  assert_int_equal(g_hash_table_size(process_names), 2);
  assert_string_equal(g_hash_table_lookup(process_names, GINT_TO_POINTER(100)), "host");
  GHashTableIter it;
  gpointer k, v;
  guint threads_checked = 0;
  g_hash_table_iter_init(&it, spans); /* order irrelevant: every thread is checked */
  while (g_hash_table_iter_next(&it, &k, &v)) {
    GArray *list = v;
    g_array_sort(list, compare_spans);
    for (guint i = 1; i < list->len; i++)
      assert_true(g_array_index(list, Span, i - 1).end_ns <= g_array_index(list, Span, i).ts_ns);
    threads_checked++;
  }
  assert_int_equal(threads_checked, 4 * 3 + 2);
}

/* Exact microseconds: worker 0's first backward task starts at 15 ms = 15000.000 us. */
static void test_exact_times(void **state)
{
  (void)state;
  g_autoptr(SynthTrace) t = synth_new("exact");
  synth_entity(t, 0, PALEO_ENTITY_WORKER, -1, 0, "gpu0");
  synth_task(t, 0, 0, 7, PALEO_PHASE_BWD, 15000001, 15002500);
  synth_iteration_slowed(t, 0, 0, 0, 20 * MS, 1500, 2.5);
  g_autofree char *path = fixture_tmp_path("exact.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoChromeExport) x = paleo_chrome_export_new(path, &error);
  synth_replay(t, paleo_chrome_export_sink(x));
  assert_true(paleo_chrome_export_finish(x, NULL, &error));
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(path, &text, NULL, NULL));
  assert_non_null(strstr(text, "\"name\":\"layer 7\",\"cat\":\"backward\",\"ph\":\"X\","
                               "\"ts\":15000.001,\"dur\":2.499,\"pid\":0,"));
  assert_non_null(strstr(text, "\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,"
                               "\"args\":{\"name\":\"gpu0\"}"));
  assert_non_null(strstr(text, "\"args\":{\"iteration\":0,\"wait_us\":1.500,\"slowdown\":2.5}"));
}

static void test_unwritable(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  assert_null(paleo_chrome_export_new("/nonexistent-dir/x.json", &error));
  assert_true(g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chrome_json),
    cmocka_unit_test(test_exact_times),
    cmocka_unit_test(test_unwritable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* training.aggregate (one network event per nanosecond for the flows that finish sending or
 * arrive in it) changes nothing users see: across every collective, topology kind, strategy
 * and transformer parallelism the suite's scenarios use, the run summary and every table of
 * a level-`all` trace are identical with it on and off (flow ids excepted: they number
 * flows in start order, and flows starting in the same nanosecond may start in another
 * order). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/summary_print.h"

typedef struct {
  const char *name;
  const char *scenario; /* shipped scenario name */
  const char *sets[12]; /* overrides */
} Case;

#define SMALL_ASYNC "cluster.workers=24", "cluster.ps_count=3", "cluster.ps_placement=dedicated", \
                    "cluster.topology=fat-tree", "cluster.radix=8", "stragglers.noise=lognormal", \
                    "stragglers.noise_sigma=0.2"
#define LLAMA "cluster.workers=16", "training.fidelity=flow", "training.iterations=1", "workload.batch=32"

static const Case cases[] = {
  {"hierarchical", "default", {"cluster.workers=32"}},
  {"ring", "default", {"training.collective=ring"}},
  {"tree", "default", {"training.collective=tree"}},
  {"butterfly", "default", {"training.collective=butterfly", "cluster.workers=12"}},
  {"mixing", "default", {"training.collective=butterfly-mixing", "cluster.workers=12"}},
  {"ps", "default", {"training.collective=ps", "cluster.ps_count=2"}},
  {"ps dedicated", "default", {"training.collective=ps", "cluster.ps_count=3", "cluster.ps_placement=dedicated"}},
  {"ring fat-tree", "default",
   {"training.collective=ring", "cluster.gpus_per_host=1", "cluster.topology=fat-tree", "cluster.workers=24",
    "cluster.radix=8"}},
  {"ring star", "default",
   {"training.collective=ring", "cluster.gpus_per_host=1", "cluster.topology=star", "cluster.workers=12"}},
  {"ring torus", "default",
   {"training.collective=ring", "cluster.gpus_per_host=1", "cluster.topology=torus2d", "cluster.workers=16"}},
  {"quantum", "default", {"training.solve_quantum_us=10"}},
  {"stragglers", "stragglers", {NULL}},
  {"pipeline", "pipeline", {NULL}},
  {"async-ps", "default", {"training.strategy=async-ps", "training.iterations=2", SMALL_ASYNC}},
  {"ssp", "default", {"training.strategy=ssp", "training.ssp_bound=1", "training.iterations=2", SMALL_ASYNC}},
  {"backup", "default",
   {"training.strategy=backup", "training.backup_workers=2", "training.iterations=2", "cluster.workers=16"}},
  {"fsdp", "llama2_7b_fsdp", {LLAMA}},
  {"fsdp hierarchical", "llama2_7b_fsdp", {LLAMA, "training.collective=hierarchical"}},
  {"tensor parallel", "llama2_7b_fsdp",
   {"cluster.workers=8", "cluster.gpus_per_host=4", "training.fidelity=flow", "training.iterations=1",
    "workload.batch=16", "parallelism.zero=1", "parallelism.tensor=4"}},
};

/* The summary as JSON text without what may differ: the config, and the simulator's own
 * figures (wall time, events, flows in flight at once, the network model's memory). */
static char *summary_text(const PaleoScenario *s, const PaleoRunSummary *sum)
{
  g_autoptr(JsonObject) o = paleo_summary_json(s, sum);
  const char *drop[] = {"wall_s", "events", "config", "peak_flows_in_flight", "network_bytes"};
  for (guint i = 0; i < G_N_ELEMENTS(drop); i++)
    if (json_object_has_member(o, drop[i]))
      json_object_remove_member(o, drop[i]);
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(node, o);
  return json_to_string(node, FALSE);
}

static int strcmp_ptr(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of every trace table but `run`, as sorted text lines (flow ids left out). */
static GPtrArray *trace_rows(const char *path)
{
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
  sqlite3_stmt *tables = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'run'",
                                      -1, &tables, NULL),
                   SQLITE_OK);
  while (sqlite3_step(tables) == SQLITE_ROW) {
    const char *table = (const char *)sqlite3_column_text(tables, 0);
    g_autofree char *sql = g_strdup_printf("SELECT * FROM \"%s\"", table);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    gboolean flow = !strcmp(table, "flow");
    while (sqlite3_step(q) == SQLITE_ROW) {
      GString *row = g_string_new(table);
      for (int c = flow ? 1 : 0; c < sqlite3_column_count(q); c++) {
        const char *v = (const char *)sqlite3_column_text(q, c);
        g_string_append_printf(row, "|%s", v ? v : "NULL");
      }
      g_ptr_array_add(rows, g_string_free(row, FALSE));
    }
    sqlite3_finalize(q);
  }
  sqlite3_finalize(tables);
  sqlite3_close(db);
  g_ptr_array_sort(rows, strcmp_ptr);
  return rows;
}

/* Runs the case with aggregation `on`, traced to `trace`; returns the summary text. */
static char *run_case(const Case *c, gboolean on, const char *trace)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  for (guint i = 0; i < G_N_ELEMENTS(c->sets) && c->sets[i]; i++)
    g_strv_builder_add(b, c->sets[i]);
  g_strv_builder_add(b, on ? "training.aggregate=true" : "training.aggregate=false");
  g_autofree char *t = g_strdup_printf("output.trace=%s", trace);
  g_strv_builder_add_many(b, t, "output.trace_level=all", NULL);
  g_auto(GStrv) sets = g_strv_builder_end(b);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = paleo_scenario_resolve_path(c->scenario);
  g_autoptr(PaleoScenario) s = paleo_scenario_load(path, sets, &error);
  if (!s)
    fail_msg("%s: %s", c->name, error->message);
  PaleoRunSummary sum;
  PaleoRunOptions options = {.allow_oom = TRUE};
  if (!paleo_run_scenario(s, &options, &sum, &error))
    fail_msg("%s: %s", c->name, error->message);
  assert_true(sum.flows > 0); /* flow fidelity with messages: the case tests something */
  char *text = summary_text(s, &sum);
  paleo_run_summary_clear(&sum);
  return text;
}

static void test_aggregate_on_off(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("paleosim-aggregate-XXXXXX", &error);
  assert_non_null(dir);
  for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
    const Case *c = &cases[k];
    g_autofree char *trace_on = g_build_filename(dir, "on.db", NULL);
    g_autofree char *trace_off = g_build_filename(dir, "off.db", NULL);
    g_autofree char *on = run_case(c, TRUE, trace_on);
    g_autofree char *off = run_case(c, FALSE, trace_off);
    if (strcmp(on, off))
      fail_msg("%s: summaries differ with aggregation on and off:\n%s\n%s", c->name, on, off);
    g_autoptr(GPtrArray) rows_on = trace_rows(trace_on);
    g_autoptr(GPtrArray) rows_off = trace_rows(trace_off);
    assert_true(rows_on->len > 0);
    if (rows_on->len != rows_off->len)
      fail_msg("%s: %u trace rows with aggregation, %u without", c->name, rows_on->len, rows_off->len);
    for (guint i = 0; i < rows_on->len; i++)
      if (strcmp(g_ptr_array_index(rows_on, i), g_ptr_array_index(rows_off, i)))
        fail_msg("%s: trace rows differ: '%s' with aggregation, '%s' without", c->name,
                 (char *)g_ptr_array_index(rows_on, i), (char *)g_ptr_array_index(rows_off, i));
    g_remove(trace_on);
    g_remove(trace_off);
  }
  g_rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_aggregate_on_off),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

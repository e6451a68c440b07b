/* The one description of the trace schema and what is generated from it (see
 * trace_schema.h). */
#include "output/trace_schema.h"

#include <string.h>

#include "engine/trace.h"

#define COLS(a) (a), G_N_ELEMENTS(a)
#define NN "INTEGER NOT NULL"

static const PaleoTraceColumn run_cols[] = {
  {"scenario_name", "TEXT", "", "scenario name", 1, NULL},
  {"scenario_text", "TEXT", "", "the full scenario after overrides", 1, NULL},
  {"seed", "INTEGER", "", "seed (uint64 stored as its int64 bit pattern)", 1, NULL},
  {"version", "TEXT", "", "paleosim version", 1, NULL},
  {"start_unix_s", "INTEGER", "s", "wall-clock start", 1, NULL},
  {"status", "TEXT NOT NULL", "", "`running` while being written, then `complete`, `interrupted` or `failed`", 1, NULL},
  {"schema_version", NN, "", "this schema's version", 1, NULL},
  {"trace_level", "TEXT NOT NULL", "", "iterations, tasks, flows or all", 1, NULL},
};

static const PaleoTraceColumn entity_cols[] = {
  {"id", "INTEGER PRIMARY KEY", "", "topology node", 1, NULL},
  {"kind", "TEXT NOT NULL", "", "`worker`, `host`, `switch` or `ps`", 1, NULL},
  {"host", "INTEGER", "", "host node id (NULL none)", 1, NULL},
  {"worker", "INTEGER", "", "worker rank (NULL none)", 1, NULL},
  {"name", "TEXT", "", "node name", 1, NULL},
};

static const PaleoTraceColumn link_cols[] = {
  {"id", "INTEGER PRIMARY KEY", "", "directed link", 1, NULL},
  {"src", NN, "", "node id", 1, NULL},
  {"dst", NN, "", "node id", 1, NULL},
  {"bw_bytes_per_s", "REAL NOT NULL", "B/s", "bandwidth", 1, NULL},
  {"latency_ns", NN, "ns", "latency", 1, NULL},
  {"name", "TEXT", "", "link name `a->b`", 1, NULL},
};

static const PaleoTraceColumn layer_cols[] = {
  {"id", "INTEGER PRIMARY KEY", "", "layer index (HDF5 member `index`)", 1, NULL},
  {"name", "TEXT", "", "\"block/inner\"", 1, NULL},
  {"type", "TEXT", "", "the JSON type", 1, NULL},
};

static const PaleoTraceColumn lookup_cols[] = {
  {"id", "INTEGER PRIMARY KEY", "", "the value stored in other tables", 1, NULL},
  {"name", "TEXT NOT NULL", "", "its name", 1, NULL},
};

static const PaleoTraceColumn task_cols[] = {
  {"worker", NN, "", "worker rank", 1, NULL},
  {"iteration", NN, "", "iteration number", 1, NULL},
  {"layer", "INTEGER", "", "layer.id (NULL for the update)", 1, NULL},
  {"phase", NN, "", "phase.id: the pass", 1, NULL},
  {"start_ns", NN, "ns", "start", 1, NULL},
  {"end_ns", NN, "ns", "end", 1, NULL},
  {"id", "INTEGER", "", "task instance id, unique in the run (NULL without a task graph)", 3, "NULL"},
  {"stream", NN, "", "stream.id", 3, "0"},
  {"micro_batch", NN, "", "micro-batch", 3, "0"},
  {"stage", NN, "", "pipeline stage", 3, "0"},
};

static const PaleoTraceColumn flow_cols[] = {
  {"id", NN, "", "flow id (start order)", 1, NULL},
  {"src", NN, "", "node id", 1, NULL},
  {"dst", NN, "", "node id", 1, NULL},
  {"bytes", NN, "B", "size", 1, NULL},
  {"collective", "TEXT", "", "`ring`, `ps-push`, `transfer`, ...", 1, NULL},
  {"bucket", "INTEGER", "", "gradient bucket (NULL none)", 1, NULL},
  {"iteration", NN, "", "iteration number", 1, NULL},
  {"start_ns", NN, "ns", "start", 1, NULL},
  {"end_ns", NN, "ns", "delivery", 1, NULL},
};

static const PaleoTraceColumn iteration_cols[] = {
  {"worker", NN, "", "worker rank", 1, NULL},
  {"iteration", NN, "", "iteration number", 1, NULL},
  {"start_ns", NN, "ns", "start", 1, NULL},
  {"end_ns", NN, "ns", "end", 1, NULL},
  {"wait_ns", NN, "ns", "time blocked on others (barrier, collective partners, ssp bound)", 1, NULL},
  {"slowdown", "REAL NOT NULL", "ratio", "this iteration's compute time / its nominal compute time (1 = none)", 2, "1.0"},
};

static const PaleoTraceColumn link_usage_cols[] = {
  {"link", NN, "", "link.id", 1, NULL},
  {"start_ns", NN, "ns", "start", 1, NULL},
  {"end_ns", NN, "ns", "end", 1, NULL},
  {"flows", NN, "", "concurrent flows", 1, NULL},
  {"utilization", "REAL NOT NULL", "fraction", "used / capacity, 0-1", 1, NULL},
};

static const PaleoTraceColumn ps_update_cols[] = {
  {"server", NN, "", "parameter-server shard 0..k-1", 1, NULL},
  {"worker", NN, "", "worker rank", 1, NULL},
  {"iteration", NN, "", "the worker's iteration", 1, NULL},
  {"staleness", NN, "", "updates that server applied between the worker's pull and its push", 1, NULL},
  {"time_ns", NN, "ns", "when the server finished applying it", 1, NULL},
};

static const PaleoTraceColumn comm_task_cols[] = {
  {"id", NN, "", "task instance id (shared id space with task.id)", 3, NULL},
  {"worker", NN, "", "worker rank (a transfer's sender)", 3, NULL},
  {"iteration", NN, "", "iteration number", 3, NULL},
  {"kind", NN, "", "task_kind.id: 1 transfer, 2 collective", 3, NULL},
  {"stream", NN, "", "stream.id", 3, NULL},
  {"collective", "TEXT", "", "collective kind, or `transfer`", 3, NULL},
  {"bucket", "INTEGER", "", "gradient bucket (NULL none)", 3, NULL},
  {"micro_batch", NN, "", "micro-batch", 3, NULL},
  {"stage", NN, "", "pipeline stage", 3, NULL},
  {"phase", NN, "", "phase.id: the pass it serves", 3, NULL},
  {"peer", "INTEGER", "", "transfer: receiving worker (NULL for collectives)", 3, NULL},
  {"bytes", NN, "B", "size", 3, NULL},
  {"instance", "INTEGER", "", "collective: shared by its participants (NULL for transfers)", 3, NULL},
  {"start_ns", NN, "ns", "entered (sent)", 3, NULL},
  {"end_ns", NN, "ns", "its part complete (delivered)", 3, NULL},
};

static const PaleoTraceColumn task_dep_cols[] = {
  {"task", NN, "", "task or comm_task id", 3, NULL},
  {"dep", NN, "", "the task it waited for (a dependency, or the task before it on its stream)", 3, NULL},
};

const PaleoTraceTable paleo_trace_tables[] = {
  {"run", "one row of run metadata", COLS(run_cols), 1, NULL},
  {"entity", "topology nodes", COLS(entity_cols), 1, NULL},
  {"link", "directed links between entity ids", COLS(link_cols), 1, NULL},
  {"layer", "network layers; task.layer indexes them", COLS(layer_cols), 1, NULL},
  {"phase", "pass names", COLS(lookup_cols), 1, paleo_phase_names},
  {"stream", "stream names", COLS(lookup_cols), 3, paleo_stream_kind_names},
  {"task_kind", "task kind names", COLS(lookup_cols), 3, paleo_task_kind_names},
  {"task", "compute tasks", COLS(task_cols), 1, NULL},
  {"flow", "network flows", COLS(flow_cols), 1, NULL},
  {"iteration", "one row per worker and iteration", COLS(iteration_cols), 1, NULL},
  {"link_usage", "intervals of constant load per link", COLS(link_usage_cols), 1, NULL},
  {"ps_update", "parameter-server updates (async-ps, ssp)", COLS(ps_update_cols), 1, NULL},
  {"comm_task", "transfers and collective parts of the task graph, one row per participating worker",
   COLS(comm_task_cols), 3, NULL},
  {"task_dep", "dependency edges between task ids", COLS(task_dep_cols), 3, NULL},
  {NULL, NULL, NULL, 0, 0, NULL},
};

const PaleoTraceTable *paleo_trace_table(const char *name)
{
  for (const PaleoTraceTable *t = paleo_trace_tables; t->name; t++)
    if (!strcmp(t->name, name))
      return t;
  g_assert_not_reached();
}

char *paleo_trace_schema_sql(void)
{
  GString *out = g_string_new(NULL);
  for (const PaleoTraceTable *t = paleo_trace_tables; t->name; t++) {
    g_string_append_printf(out, "CREATE TABLE %s (", t->name);
    for (guint c = 0; c < t->n_columns; c++)
      g_string_append_printf(out, "%s%s %s", c ? ", " : "", t->columns[c].name, t->columns[c].sql);
    g_string_append(out, ");");
    if (t->lookup)
      g_string_append_printf(out, "INSERT INTO %s VALUES ", t->name);
    for (guint v = 0; t->lookup && t->lookup[v]; v++)
      g_string_append_printf(out, "(%u,'%s')%s", v, t->lookup[v], t->lookup[v + 1] ? "," : ";");
  }
  return g_string_free(out, FALSE);
}

char *paleo_trace_schema_insert_sql(const char *name)
{
  const PaleoTraceTable *t = paleo_trace_table(name);
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "INSERT INTO %s VALUES (", t->name);
  for (guint c = 0; c < t->n_columns; c++)
    g_string_append(out, c ? ",?" : "?");
  g_string_append(out, ")");
  return g_string_free(out, FALSE);
}

char *paleo_trace_schema_select_sql(const char *name, int version, const char *order_by)
{
  const PaleoTraceTable *t = paleo_trace_table(name);
  GString *out = g_string_new("SELECT ");
  for (guint c = 0; c < t->n_columns; c++) {
    const PaleoTraceColumn *col = &t->columns[c];
    g_string_append_printf(out, "%s%s", c ? ", " : "", col->since > version ? col->old_default : col->name);
  }
  g_string_append_printf(out, " FROM %s ORDER BY %s", t->name, order_by);
  return g_string_free(out, FALSE);
}

char *paleo_trace_schema_units(const char *name)
{
  const PaleoTraceTable *t = paleo_trace_table(name);
  GString *out = g_string_new(NULL);
  for (guint c = 0; c < t->n_columns; c++)
    if (*t->columns[c].unit)
      g_string_append_printf(out, "%s%s: %s", out->len ? "; " : "", t->columns[c].name, t->columns[c].unit);
  return g_string_free(out, FALSE);
}

char *paleo_trace_schema_markdown(void)
{
  GString *out = g_string_new("| table | column | SQLite type | unit | meaning | since |\n|---|---|---|---|---|---|\n");
  for (const PaleoTraceTable *t = paleo_trace_tables; t->name; t++)
    for (guint c = 0; c < t->n_columns; c++) {
      const PaleoTraceColumn *col = &t->columns[c];
      g_string_append_printf(out, "| %s | %s | %s | %s | %s | %d |\n", c ? "" : t->name, col->name, col->sql, col->unit,
                             col->meaning, MAX(col->since, t->since));
    }
  return g_string_free(out, FALSE);
}

/* Rendering of a PaleoAnalysisReport: aligned text tables, CSV (the same tables, one header
 * row each, blank line between tables) and JSON (json-glib builder; keys in analyze.h's
 * README section). Text and CSV share one table model so their contents cannot drift. */
#include "output/analyze.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

const char *const paleo_analysis_table_names[] = {"stragglers", "iterations", "overlap",
                                                  "links", "workers", "staleness",
                                                  "staleness_histogram", "critical_path", NULL};

gboolean paleo_report_format_parse(const char *name, PaleoReportFormat *format_out)
{
  static const struct { const char *name; PaleoReportFormat format; } formats[] = {
    {"table", PALEO_REPORT_TABLE}, {"json", PALEO_REPORT_JSON}, {"csv", PALEO_REPORT_CSV},
  };
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
    if (name && !strcmp(name, formats[i].name)) {
      *format_out = formats[i].format;
      return TRUE;
    }
  return FALSE;
}

/* ---- the table model ---- */

typedef struct {
  const char *name;      /* one of paleo_analysis_table_names */
  char *title;           /* text output only */
  char *empty_note;      /* text output when there are no rows */
  GPtrArray *header;     /* char* column names (static strings) */
  GPtrArray *rows;       /* GPtrArray of owned char* cells */
  gboolean optional;     /* left out of the full report when it has no rows */
} TextTable;

static TextTable *table_new(const char *name, char *title, const char *empty_note,
                            const char *const *columns)
{
  TextTable *t = g_new0(TextTable, 1);
  t->name = name;
  t->title = title;
  t->empty_note = g_strdup(empty_note);
  t->header = g_ptr_array_new();
  for (guint i = 0; columns[i]; i++)
    g_ptr_array_add(t->header, (gpointer)columns[i]);
  t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  return t;
}

static void table_free(TextTable *t)
{
  g_free(t->title);
  g_free(t->empty_note);
  g_ptr_array_free(t->header, TRUE);
  g_ptr_array_free(t->rows, TRUE);
  g_free(t);
}

static GPtrArray *table_row(TextTable *t)
{
  GPtrArray *row = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(t->rows, row);
  return row;
}

static void cell_take(GPtrArray *row, char *text)
{
  g_ptr_array_add(row, text);
}

/* A number cell: `digits` decimals (more in CSV, where it is data, than in the table). */
static void cell_num(GPtrArray *row, double value, int digits)
{
  cell_take(row, g_strdup_printf("%.*f", digits, value));
}

/* A number that may be unknown (NAN): "-" in the table, an empty CSV field. */
static void cell_num_or_none(GPtrArray *row, double value, int digits, gboolean csv)
{
  if (isnan(value))
    cell_take(row, g_strdup(csv ? "" : "-"));
  else
    cell_num(row, value, digits);
}

static void cell_uint(GPtrArray *row, guint64 value)
{
  cell_take(row, g_strdup_printf("%" G_GUINT64_FORMAT, value));
}

static void table_render_text(const TextTable *t, GString *out)
{
  g_string_append_printf(out, "\n%s\n", t->title);
  if (t->rows->len == 0) {
    g_string_append_printf(out, "  (%s)\n", t->empty_note);
    return;
  }
  guint ncol = t->header->len;
  g_autofree gsize *width = g_new0(gsize, ncol);
  for (guint c = 0; c < ncol; c++)
    width[c] = strlen(g_ptr_array_index(t->header, c));
  for (guint r = 0; r < t->rows->len; r++) {
    GPtrArray *row = g_ptr_array_index(t->rows, r);
    for (guint c = 0; c < ncol; c++)
      width[c] = MAX(width[c], strlen(g_ptr_array_index(row, c)));
  }
  for (guint c = 0; c < ncol; c++) /* first column left-aligned, numbers right-aligned */
    g_string_append_printf(out, c ? "  %*s" : "  %-*s", (int)width[c],
                           (const char *)g_ptr_array_index(t->header, c));
  g_string_append_c(out, '\n');
  for (guint r = 0; r < t->rows->len; r++) {
    GPtrArray *row = g_ptr_array_index(t->rows, r);
    for (guint c = 0; c < ncol; c++)
      g_string_append_printf(out, c ? "  %*s" : "  %-*s", (int)width[c],
                             (const char *)g_ptr_array_index(row, c));
    g_string_append_c(out, '\n');
  }
}

static void csv_field(GString *out, const char *text)
{
  if (!strpbrk(text, ",\"\n\r")) {
    g_string_append(out, text);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = text; *p; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

static void csv_line(GString *out, GPtrArray *cells)
{
  for (guint c = 0; c < cells->len; c++) {
    if (c)
      g_string_append_c(out, ',');
    csv_field(out, g_ptr_array_index(cells, c));
  }
  g_string_append_c(out, '\n');
}

static void table_render_csv(const TextTable *t, GString *out)
{
  if (out->len)
    g_string_append_c(out, '\n');
  csv_line(out, t->header);
  for (guint r = 0; r < t->rows->len; r++)
    csv_line(out, g_ptr_array_index(t->rows, r));
}

/* ---- the tables ---- */

typedef struct {
  guint top;     /* rows per list, 0 = all */
  int digits;    /* decimals of numbers */
  gboolean csv;
} RenderOpts;

static guint limit(guint len, guint top)
{
  return top && top < len ? top : len;
}

static TextTable *stragglers_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  guint top = o->top;
  int digits = o->digits;
  static const char *const cols[] = {"worker", "slowest_iterations", "lag_ms",
                                     "caused_wait_ms", NULL};
  TextTable *t = table_new("stragglers",
    g_strdup_printf("Stragglers, most waiting caused first (total_wait_ms = %.*f)", digits,
                    r->total_wait_ms),
    "no straggler: in every iteration all workers needed the same time", cols);
  for (guint i = 0; i < limit(r->stragglers->len, top); i++) {
    const PaleoStraggler *s = &g_array_index(r->stragglers, PaleoStraggler, i);
    GPtrArray *row = table_row(t);
    cell_uint(row, s->worker);
    cell_uint(row, s->slowest_iterations);
    cell_num(row, s->lag_ms, digits);
    cell_num(row, s->caused_wait_ms, digits);
  }
  return t;
}

static TextTable *iterations_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  guint top = o->top;
  int digits = o->digits;
  static const char *const cols[] = {"iteration", "slowest_worker", "workers", "work_ms",
                                     "median_work_ms", "lag_ms", "wait_ms", NULL};
  TextTable *t = table_new("iterations",
    g_strdup("Iterations, largest straggler lag first"), "no iteration records", cols);
  for (guint i = 0; i < limit(r->iterations->len, top); i++) {
    const PaleoIterationLag *l = &g_array_index(r->iterations, PaleoIterationLag, i);
    GPtrArray *row = table_row(t);
    cell_uint(row, l->iteration);
    cell_uint(row, l->slowest_worker);
    cell_uint(row, l->n_workers);
    cell_num(row, l->work_ms, digits);
    cell_num(row, l->median_work_ms, digits);
    cell_num(row, l->lag_ms, digits);
    cell_num(row, l->wait_ms, digits);
  }
  return t;
}

static void overlap_row(TextTable *t, const PaleoOverlap *o, int digits)
{
  GPtrArray *row = table_row(t);
  cell_take(row, o->worker == G_MAXUINT32 ? g_strdup("all")
                                          : g_strdup_printf("%u", o->worker));
  cell_num(row, o->comm_ms, digits);
  cell_num(row, o->hidden_ms, digits);
  cell_num(row, o->exposed_ms, digits);
  cell_num(row, o->hidden_fraction, digits + 1);
}

static TextTable *overlap_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  guint top = o->top;
  int digits = o->digits;
  static const char *const cols[] = {"worker", "comm_ms", "hidden_ms", "exposed_ms",
                                     "hidden_fraction", NULL};
  TextTable *t = table_new("overlap",
    g_strdup("Overlap of communication with compute (all, then most exposed first)"),
    "no workers", cols);
  if (r->overlap_workers->len == 0)
    return t;
  overlap_row(t, &r->overlap, digits);
  for (guint i = 0; i < limit(r->overlap_workers->len, top); i++)
    overlap_row(t, &g_array_index(r->overlap_workers, PaleoOverlap, i), digits);
  return t;
}

static TextTable *links_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  guint top = o->top;
  int digits = o->digits;
  static const char *const cols[] = {"link", "utilization", "contended_fraction",
                                     "mean_slowdown", "busy_ms", "contended_ms", NULL};
  TextTable *t = table_new("links", g_strdup("Links, most contended first"),
                           "no links (link usage is recorded at trace level 'all')", cols);
  for (guint i = 0; i < limit(r->links->len, top); i++) {
    const PaleoLinkContention *c = &g_array_index(r->links, PaleoLinkContention, i);
    GPtrArray *row = table_row(t);
    cell_take(row, g_strdup(c->name));
    cell_num(row, c->utilization, digits + 1);
    cell_num(row, c->contended_fraction, digits + 1);
    cell_num(row, c->mean_slowdown, digits);
    cell_num(row, c->busy_ms, digits);
    cell_num(row, c->contended_ms, digits);
  }
  return t;
}

static TextTable *workers_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  guint top = o->top;
  int digits = o->digits;
  static const char *const cols[] = {"worker", "iterations", "mean_slowdown", "wait_ms", NULL};
  TextTable *t = table_new("workers",
    g_strdup("Workers, highest mean slowdown first (slowdown = compute time / nominal)"),
    "no workers", cols);
  for (guint i = 0; i < limit(r->workers->len, top); i++) {
    const PaleoWorkerSummary *w = &g_array_index(r->workers, PaleoWorkerSummary, i);
    GPtrArray *row = table_row(t);
    cell_uint(row, w->worker);
    cell_uint(row, w->iterations);
    cell_num_or_none(row, w->mean_slowdown, digits, o->csv);
    cell_num(row, w->wait_ms, digits);
  }
  return t;
}

static const char no_updates_note[] =
  "no parameter-server updates: only async-ps and ssp runs record them";

static TextTable *staleness_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  int digits = o->digits;
  static const char *const cols[] = {"updates", "mean", "p50", "p99", "max", NULL};
  const PaleoStalenessSummary *s = &r->staleness;
  TextTable *t = table_new("staleness",
    g_strdup("Staleness of parameter-server updates (updates applied between pull and push)"),
    no_updates_note, cols);
  t->optional = TRUE;
  if (s->updates == 0)
    return t;
  GPtrArray *row = table_row(t);
  cell_uint(row, s->updates);
  cell_num(row, s->mean, digits);
  cell_uint(row, s->p50);
  cell_uint(row, s->p99);
  cell_uint(row, s->max);
  return t;
}

static TextTable *staleness_histogram_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  int digits = o->digits;
  static const char *const cols[] = {"staleness", "updates", "fraction", NULL};
  const PaleoStalenessSummary *s = &r->staleness;
  TextTable *t = table_new("staleness_histogram", g_strdup("Staleness histogram"),
                           no_updates_note, cols);
  t->optional = TRUE;
  for (guint i = 0; i < s->histogram->len; i++) {
    const PaleoStalenessBin *b = &g_array_index(s->histogram, PaleoStalenessBin, i);
    GPtrArray *row = table_row(t);
    cell_uint(row, b->staleness);
    cell_uint(row, b->updates);
    cell_num(row, (double)b->updates / (double)s->updates, digits + 1);
  }
  return t;
}

/* The path in order, consecutive segments of one kind on one device merged: "w3 compute
 * 12.345 ms (conv1 fwd .. fc8 bwd); w3 comm 1.000 ms (ring bucket 0); ...". */
static char *path_text(const PaleoCriticalPath *p, int digits)
{
  GString *out = g_string_new(NULL);
  const GArray *segs = p->segments;
  for (guint i = 0, j; i < segs->len; i = j) {
    const PaleoPathSegment *a = &g_array_index(segs, PaleoPathSegment, i);
    uint64_t ns = 0;
    for (j = i; j < segs->len; j++) {
      const PaleoPathSegment *b = &g_array_index(segs, PaleoPathSegment, j);
      if (b->kind != a->kind || b->worker != a->worker)
        break;
      ns += b->end_ns - b->start_ns;
    }
    const PaleoPathSegment *z = &g_array_index(segs, PaleoPathSegment, j - 1);
    g_string_append_printf(out, "%sw%u %s %.*f ms (%s%s%s)", i ? "; " : "", a->worker, paleo_path_kind_names[a->kind],
                           digits, (double)ns / 1e6, a->name, j - i > 1 ? " .. " : "", j - i > 1 ? z->name : "");
  }
  return g_string_free(out, FALSE);
}

static TextTable *critical_path_table(const PaleoAnalysisReport *r, const RenderOpts *o)
{
  int digits = o->digits;
  static const char *const cols[] = {"iteration", "length_ms", "compute_ms", "comm_ms", "wait_ms", "path", NULL};
  TextTable *t = table_new("critical_path", g_strdup("Critical path per iteration (the chain of tasks and waits "
                                                     "that adds up to the iteration time)"),
                           "no iteration records", cols);
  for (guint i = 0; r->critical_paths && i < r->critical_paths->len; i++) {
    const PaleoCriticalPath *p = &g_array_index(r->critical_paths, PaleoCriticalPath, i);
    GPtrArray *row = table_row(t);
    cell_uint(row, p->iteration);
    cell_num(row, (double)(p->end_ns - p->start_ns) / 1e6, digits);
    cell_num(row, (double)p->compute_ns / 1e6, digits);
    cell_num(row, (double)p->comm_ns / 1e6, digits);
    cell_num(row, (double)p->wait_ns / 1e6, digits);
    cell_take(row, path_text(p, digits));
  }
  return t;
}

typedef TextTable *(*TableBuilder)(const PaleoAnalysisReport *r, const RenderOpts *o);

/* In the order of paleo_analysis_table_names. */
static const TableBuilder table_builders[] = {stragglers_table, iterations_table,
                                              overlap_table, links_table, workers_table,
                                              staleness_table, staleness_histogram_table,
                                              critical_path_table};
G_STATIC_ASSERT(G_N_ELEMENTS(table_builders) + 1 == G_N_ELEMENTS(paleo_analysis_table_names));

static void render_tables(const PaleoAnalysisReport *r, guint top, const char *only_table,
                          gboolean csv, GString *out)
{
  RenderOpts o = {top, csv ? 6 : 3, csv};
  /* Asynchronous traces (parameter-server updates) have no global iterations: the
   * stragglers and iterations tables compare workers per iteration number, so they are
   * shown only when asked for by name. */
  gboolean async = r->n_ps_updates > 0;
  if (async && !only_table && !csv)
    g_string_append(out, "(asynchronous run: the stragglers and iterations tables compare workers per iteration "
                         "number and are left out; --table stragglers shows them)\n");
  for (guint i = 0; i < G_N_ELEMENTS(table_builders); i++) {
    if (only_table && strcmp(only_table, paleo_analysis_table_names[i]))
      continue;
    if (async && !only_table && (table_builders[i] == stragglers_table || table_builders[i] == iterations_table))
      continue;
    /* without a task graph (schema 2, server strategies) the path only chains each
       worker's own tasks: shown when asked for */
    if (!r->task_graph && !only_table && table_builders[i] == critical_path_table)
      continue;
    TextTable *t = table_builders[i](r, &o);
    /* an optional table without rows (no staleness for sync runs) only when asked for */
    gboolean shown = only_table || !t->optional || t->rows->len > 0;
    if (shown && csv)
      table_render_csv(t, out);
    else if (shown)
      table_render_text(t, out);
    table_free(t);
  }
}

static void render_text_header(const PaleoAnalysisReport *r, GString *out)
{
  g_string_append_printf(out,
    "scenario: %s   status: %s   seed: %" G_GUINT64_FORMAT "   paleosim %s\n",
    r->scenario_name[0] ? r->scenario_name : "(unnamed)", r->status, r->seed, r->version);
  g_string_append_printf(out,
    "span: %.3f ms   workers: %u   records: %" G_GUINT64_FORMAT " iterations, %"
    G_GUINT64_FORMAT " tasks, %" G_GUINT64_FORMAT " flows, %" G_GUINT64_FORMAT
    " link-usage intervals, %" G_GUINT64_FORMAT " ps updates\n",
    (double)(r->last_ns - r->first_ns) / 1e6, r->n_workers, r->n_iteration_records,
    r->n_tasks, r->n_flows, r->n_link_usage, r->n_ps_updates);
}

/* ---- JSON ---- */

static void json_member_double(JsonBuilder *b, const char *key, double value)
{
  json_builder_set_member_name(b, key);
  json_builder_add_double_value(b, value);
}

static void json_member_int(JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name(b, key);
  json_builder_add_int_value(b, value);
}

static void json_member_string(JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name(b, key);
  json_builder_add_string_value(b, value);
}

static void json_run(JsonBuilder *b, const PaleoAnalysisReport *r)
{
  json_builder_set_member_name(b, "run");
  json_builder_begin_object(b);
  json_member_string(b, "scenario", r->scenario_name);
  json_member_string(b, "status", r->status);
  json_member_int(b, "seed", (gint64)r->seed);
  json_member_string(b, "version", r->version);
  json_member_int(b, "first_ns", (gint64)r->first_ns);
  json_member_int(b, "last_ns", (gint64)r->last_ns);
  json_member_double(b, "span_ms", (double)(r->last_ns - r->first_ns) / 1e6);
  json_member_int(b, "workers", r->n_workers);
  json_member_int(b, "iteration_records", (gint64)r->n_iteration_records);
  json_member_int(b, "tasks", (gint64)r->n_tasks);
  json_member_int(b, "flows", (gint64)r->n_flows);
  json_member_int(b, "link_usage", (gint64)r->n_link_usage);
  json_member_int(b, "ps_updates", (gint64)r->n_ps_updates);
  json_builder_end_object(b);
}

static void json_stragglers(JsonBuilder *b, const PaleoAnalysisReport *r, guint top)
{
  json_builder_set_member_name(b, "stragglers");
  json_builder_begin_array(b);
  for (guint i = 0; i < limit(r->stragglers->len, top); i++) {
    const PaleoStraggler *s = &g_array_index(r->stragglers, PaleoStraggler, i);
    json_builder_begin_object(b);
    json_member_int(b, "worker", s->worker);
    json_member_double(b, "lag_ms", s->lag_ms);
    json_member_double(b, "caused_wait_ms", s->caused_wait_ms);
    json_member_int(b, "slowest_iterations", s->slowest_iterations);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_member_double(b, "total_wait_ms", r->total_wait_ms);
  json_builder_set_member_name(b, "iterations");
  json_builder_begin_array(b);
  for (guint i = 0; i < limit(r->iterations->len, top); i++) {
    const PaleoIterationLag *l = &g_array_index(r->iterations, PaleoIterationLag, i);
    json_builder_begin_object(b);
    json_member_int(b, "iteration", l->iteration);
    json_member_int(b, "slowest_worker", l->slowest_worker);
    json_member_int(b, "workers", l->n_workers);
    json_member_double(b, "work_ms", l->work_ms);
    json_member_double(b, "median_work_ms", l->median_work_ms);
    json_member_double(b, "lag_ms", l->lag_ms);
    json_member_double(b, "wait_ms", l->wait_ms);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void json_overlap_fields(JsonBuilder *b, const PaleoOverlap *o)
{
  json_member_double(b, "comm_ms", o->comm_ms);
  json_member_double(b, "hidden_ms", o->hidden_ms);
  json_member_double(b, "exposed_ms", o->exposed_ms);
  json_member_double(b, "hidden_fraction", o->hidden_fraction);
}

static void json_overlap(JsonBuilder *b, const PaleoAnalysisReport *r, guint top)
{
  json_builder_set_member_name(b, "overlap");
  json_builder_begin_object(b);
  json_overlap_fields(b, &r->overlap);
  json_builder_set_member_name(b, "workers");
  json_builder_begin_array(b);
  for (guint i = 0; i < limit(r->overlap_workers->len, top); i++) {
    const PaleoOverlap *o = &g_array_index(r->overlap_workers, PaleoOverlap, i);
    json_builder_begin_object(b);
    json_member_int(b, "worker", o->worker);
    json_overlap_fields(b, o);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
}

static void json_links(JsonBuilder *b, const PaleoAnalysisReport *r, guint top)
{
  json_builder_set_member_name(b, "links");
  json_builder_begin_array(b);
  for (guint i = 0; i < limit(r->links->len, top); i++) {
    const PaleoLinkContention *c = &g_array_index(r->links, PaleoLinkContention, i);
    json_builder_begin_object(b);
    json_member_int(b, "link", c->link);
    json_member_string(b, "name", c->name);
    json_member_double(b, "utilization", c->utilization);
    json_member_double(b, "contended_fraction", c->contended_fraction);
    json_member_double(b, "mean_slowdown", c->mean_slowdown);
    json_member_double(b, "busy_ms", c->busy_ms);
    json_member_double(b, "contended_ms", c->contended_ms);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void json_workers(JsonBuilder *b, const PaleoAnalysisReport *r, guint top)
{
  json_builder_set_member_name(b, "workers");
  json_builder_begin_array(b);
  for (guint i = 0; i < limit(r->workers->len, top); i++) {
    const PaleoWorkerSummary *w = &g_array_index(r->workers, PaleoWorkerSummary, i);
    json_builder_begin_object(b);
    json_member_int(b, "worker", w->worker);
    json_member_int(b, "iterations", (gint64)w->iterations);
    json_builder_set_member_name(b, "mean_slowdown");
    if (isnan(w->mean_slowdown))
      json_builder_add_null_value(b);
    else
      json_builder_add_double_value(b, w->mean_slowdown);
    json_member_double(b, "wait_ms", w->wait_ms);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

/* "staleness": null without ps updates. */
static void json_staleness(JsonBuilder *b, const PaleoAnalysisReport *r)
{
  const PaleoStalenessSummary *s = &r->staleness;
  json_builder_set_member_name(b, "staleness");
  if (s->updates == 0) {
    json_builder_add_null_value(b);
    return;
  }
  json_builder_begin_object(b);
  json_member_int(b, "updates", (gint64)s->updates);
  json_member_double(b, "mean", s->mean);
  json_member_int(b, "p50", s->p50);
  json_member_int(b, "p99", s->p99);
  json_member_int(b, "max", s->max);
  json_builder_set_member_name(b, "histogram");
  json_builder_begin_array(b);
  for (guint i = 0; i < s->histogram->len; i++) {
    const PaleoStalenessBin *bin = &g_array_index(s->histogram, PaleoStalenessBin, i);
    json_builder_begin_object(b);
    json_member_int(b, "staleness", bin->staleness);
    json_member_int(b, "updates", (gint64)bin->updates);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
}

static void json_critical_paths(JsonBuilder *b, const PaleoAnalysisReport *r)
{
  json_builder_set_member_name(b, "critical_path");
  json_builder_begin_array(b);
  for (guint i = 0; r->critical_paths && i < r->critical_paths->len; i++) {
    const PaleoCriticalPath *p = &g_array_index(r->critical_paths, PaleoCriticalPath, i);
    json_builder_begin_object(b);
    json_member_int(b, "iteration", p->iteration);
    json_member_double(b, "length_ms", (double)(p->end_ns - p->start_ns) / 1e6);
    json_member_double(b, "compute_ms", (double)p->compute_ns / 1e6);
    json_member_double(b, "comm_ms", (double)p->comm_ns / 1e6);
    json_member_double(b, "wait_ms", (double)p->wait_ns / 1e6);
    json_builder_set_member_name(b, "segments");
    json_builder_begin_array(b);
    for (guint k = 0; k < p->segments->len; k++) {
      const PaleoPathSegment *s = &g_array_index(p->segments, PaleoPathSegment, k);
      json_builder_begin_object(b);
      json_member_string(b, "kind", paleo_path_kind_names[s->kind]);
      json_member_int(b, "device", s->worker);
      json_member_string(b, "name", s->name);
      json_member_double(b, "start_ms", (double)s->start_ns / 1e6);
      json_member_double(b, "end_ms", (double)s->end_ns / 1e6);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static char *render_json(const PaleoAnalysisReport *r, guint top)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_run(b, r);
  json_stragglers(b, r, top);
  json_overlap(b, r, top);
  json_links(b, r, top);
  json_workers(b, r, top);
  json_staleness(b, r);
  json_critical_paths(b, r);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_root(gen, root);
  char *text = json_generator_to_data(gen, NULL);
  char *with_newline = g_strconcat(text, "\n", NULL);
  g_free(text);
  return with_newline;
}

char *paleo_analysis_report_format(const PaleoAnalysisReport *report, PaleoReportFormat format,
                                   guint top, const char *only_table)
{
  if (format == PALEO_REPORT_JSON)
    return render_json(report, top);
  GString *out = g_string_new(NULL);
  if (format == PALEO_REPORT_TABLE)
    render_text_header(report, out);
  render_tables(report, top, only_table, format == PALEO_REPORT_CSV, out);
  return g_string_free(out, FALSE);
}

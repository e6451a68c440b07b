/* `paleosim compare SCENARIO [--strategies LIST] [--set section.key=value]...
 *  [--format table|json] [--no-progress]`: runs one scenario under several training
 * strategies (sync, async-ps, ssp:S, backup:B) and prints the results side by side. */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli_common.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/summary_print.h"
#include "sim/table.h"

int paleo_cmd_compare(int argc, char **argv);

#define DEFAULT_STRATEGIES "sync,async-ps"
#define MAX_PARAMETER 1000000000u

typedef struct {
  char *label;        /* normalized item: "sync", "ssp:3" */
  const PaleoStrategy *strategy; /* registry entry */
  int64_t parameter;  /* ssp bound or backup count; 0 for the others */
  PaleoScenario *scenario;
  PaleoRunSummary summary;
  gboolean ran;       /* summary holds a result to clear */
} Entry;

static void entry_clear(gpointer p)
{
  Entry *e = p;
  g_free(e->label);
  if (e->scenario)
    paleo_scenario_free(e->scenario);
  if (e->ran)
    paleo_run_summary_clear(&e->summary);
}

/* ---- the strategy list ---- */

static const PaleoStrategy *strategy_named(const char *name)
{
  for (const PaleoStrategy *s = paleo_strategies; s->name; s++)
    if (!strcmp(s->name, name))
      return s;
  return NULL;
}

/* "sync, async-ps, ssp:S or backup:B" from the registry. */
static char *expected_items(void)
{
  GString *out = g_string_new(NULL);
  for (const PaleoStrategy *s = paleo_strategies; s->name; s++) {
    const char *sep = !out->len ? "" : (s + 1)->name ? ", " : " or ";
    g_string_append_printf(out, "%s%s", sep, s->name);
    if (s->parameter)
      g_string_append_printf(out, ":%c", g_ascii_toupper(s->name[0]));
  }
  return g_string_free(out, FALSE);
}

static gboolean list_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean list_error(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--strategies: %s", msg);
  return FALSE;
}

/* The integer after "name:" in `item`; `what` names it in the message ("bound"). */
static gboolean parse_parameter(const char *item, const char *text, const char *what, int64_t *out,
                                GError **error)
{
  char *end = NULL;
  errno = 0;
  guint64 v = g_ascii_strtoull(text, &end, 10);
  if (!g_ascii_isdigit(*text) || *end || errno || v > MAX_PARAMETER)
    return list_error(error, "'%s': the %s '%s' is not an integer 0..%u", item, what, text, MAX_PARAMETER);
  *out = (int64_t)v;
  return TRUE;
}

/* One item: "sync", "async-ps", "ssp:S" or "backup:B". */
static gboolean parse_item(const char *item, Entry *e, GError **error)
{
  if (!*item)
    return list_error(error, "empty item (expected e.g. sync,async-ps,ssp:3,backup:2)");
  g_auto(GStrv) parts = g_strsplit(item, ":", 2);
  e->strategy = strategy_named(parts[0]);
  if (!e->strategy) {
    g_autofree char *expected = expected_items();
    return list_error(error, "unknown strategy '%s' (expected %s)", item, expected);
  }
  const PaleoStrategy *st = e->strategy;
  if (!st->parameter) {
    if (parts[1])
      return list_error(error, "'%s': %s takes no parameter", item, parts[0]);
    e->label = g_strdup(parts[0]);
    return TRUE;
  }
  if (!parts[1])
    return list_error(error, "'%s': %s needs a %s, e.g. %s:%d", item, st->name, st->parameter_what, st->name,
                      st->parameter_example);
  if (!parse_parameter(item, parts[1], st->parameter_what, &e->parameter, error))
    return FALSE;
  e->label = g_strdup_printf("%s:%" G_GINT64_FORMAT, parts[0], e->parameter);
  return TRUE;
}

/* Appends an Entry per item of `list`, in order; duplicates are errors. */
static gboolean parse_strategies(const char *list, GArray *entries, GError **error)
{
  g_auto(GStrv) items = g_strsplit(list, ",", -1);
  if (!items[0])
    return list_error(error, "empty list (expected e.g. sync,async-ps,ssp:3,backup:2)");
  for (guint i = 0; items[i]; i++) {
    const char *item = g_strstrip(items[i]);
    Entry e = {0};
    if (!parse_item(item, &e, error))
      return FALSE;
    for (guint j = 0; j < entries->len; j++)
      if (!strcmp(g_array_index(entries, Entry, j).label, e.label)) {
        g_free(e.label);
        return list_error(error, "'%s' appears twice", item);
      }
    g_array_append_val(entries, e);
  }
  return TRUE;
}

/* ---- loading and running ---- */

/* The user's overrides, then the entry's strategy keys (both bounds always set, so that a
 * scenario that sets one still loads under every strategy), and no trace. */
static gboolean load_entry(const char *path, char **sets, Entry *e, GError **error)
{
  g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func(g_free);
  for (char **s = sets; s && *s; s++)
    g_ptr_array_add(ov, g_strdup(*s));
  g_ptr_array_add(ov, g_strconcat("training.strategy=", e->strategy->name, NULL));
  for (const PaleoStrategy *s = paleo_strategies; s->name; s++) /* every parameter: its own or 0 */
    if (s->parameter)
      g_ptr_array_add(ov, g_strdup_printf("training.%s=%" G_GINT64_FORMAT, s->parameter,
                                          s == e->strategy ? e->parameter : 0));
  g_ptr_array_add(ov, g_strdup("output.trace="));
  g_ptr_array_add(ov, NULL);
  e->scenario = paleo_scenario_load(path, (char **)ov->pdata, error);
  if (!e->scenario)
    g_prefix_error(error, "%s: ", e->label);
  return e->scenario != NULL;
}

/* Runs the entries in order until one fails or a stop is requested; returns how many
 * have a summary to show (a run stopped midway counts when it completed an iteration). */
static guint run_entries(GArray *entries, gboolean progress, const PaleoCatalog *catalog, GError **error)
{
  PaleoRunOptions opt = {.progress = progress, .catalog = catalog};
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = &g_array_index(entries, Entry, i);
    if (paleo_run_stop_requested())
      return i;
    gboolean ok = paleo_run_scenario(e->scenario, &opt, &e->summary, error);
    e->ran = TRUE;
    if (!ok) {
      g_prefix_error(error, "%s: ", e->label);
      return i;
    }
    if (e->summary.interrupted)
      return e->summary.iterations ? i + 1 : i;
  }
  return entries->len;
}

/* ---- output ---- */

static const Entry *find_sync(const GArray *entries, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!strcmp(g_array_index(entries, Entry, i).strategy->name, "sync"))
      return &g_array_index(entries, Entry, i);
  return NULL;
}

typedef double (*Metric)(const PaleoRunSummary *s);

static double m_iteration(const PaleoRunSummary *s) { return s->iteration_mean_ms; }
static double m_throughput(const PaleoRunSummary *s) { return s->throughput_samples_per_s; }
static double m_updates(const PaleoRunSummary *s) { return s->updates_per_s; }
static double m_st_mean(const PaleoRunSummary *s) { return s->staleness.mean; }
static double m_st_p50(const PaleoRunSummary *s) { return s->staleness.p50; }
static double m_st_p99(const PaleoRunSummary *s) { return s->staleness.p99; }
static double m_st_max(const PaleoRunSummary *s) { return s->staleness.max; }
static double m_dropped(const PaleoRunSummary *s) { return (double)s->dropped_gradients; }
static double m_wait(const PaleoRunSummary *s) { return s->wait_ms; }
static double m_exposed(const PaleoRunSummary *s) { return s->comm_exposed_ms; }

typedef struct {
  const char *title;
  Metric metric;
  int decimals;
  gboolean staleness; /* "-" where the strategy has none */
} Row;

static const Row rows[] = {
  {"iteration time mean (ms)", m_iteration, 3, FALSE},
  {"throughput (samples/s)", m_throughput, 1, FALSE},
  {"updates/s", m_updates, 2, FALSE},
  {"staleness mean", m_st_mean, 2, TRUE},
  {"staleness p50", m_st_p50, 0, TRUE},
  {"staleness p99", m_st_p99, 0, TRUE},
  {"staleness max", m_st_max, 0, TRUE},
  {"dropped gradients", m_dropped, 0, FALSE},
  {"time lost waiting (ms/iteration)", m_wait, 3, FALSE},
  {"exposed communication (ms/iteration)", m_exposed, 3, FALSE},
};

static void add_row(PaleoTable *t, const char *title, const GArray *entries, guint n, const Row *row)
{
  paleo_table_row(t, FALSE);
  paleo_table_text(t, title);
  for (guint i = 0; i < n; i++) {
    const PaleoRunSummary *s = &g_array_index(entries, Entry, i).summary;
    g_autofree char *cell = row->staleness && !s->has_staleness
                              ? g_strdup("-")
                              : g_strdup_printf("%.*f", row->decimals, row->metric(s));
    paleo_table_text(t, cell);
  }
}

/* Speed-up in throughput against the sync column; a row only when sync is compared, and
 * "-" everywhere when sync stalled (its rate covers only the iterations before the stall). */
static void add_speedup_row(PaleoTable *t, const GArray *entries, guint n)
{
  const Entry *sync = find_sync(entries, n);
  if (!sync)
    return;
  paleo_table_row(t, TRUE);
  paleo_table_text(t, "speed-up vs sync (throughput)");
  double base = sync->summary.stalled ? 0 : sync->summary.throughput_samples_per_s;
  for (guint i = 0; i < n; i++) {
    double v = g_array_index(entries, Entry, i).summary.throughput_samples_per_s;
    g_autofree char *cell = base > 0 ? g_strdup_printf("%.2f x", v / base) : g_strdup("-");
    paleo_table_text(t, cell);
  }
}

/* A "stalled" / "interrupted" row when any run ended so. */
static void add_status_row(PaleoTable *t, const GArray *entries, guint n)
{
  gboolean any = FALSE;
  for (guint i = 0; i < n; i++) {
    const PaleoRunSummary *s = &g_array_index(entries, Entry, i).summary;
    any |= s->stalled || s->interrupted;
  }
  if (!any)
    return;
  paleo_table_row(t, FALSE);
  paleo_table_text(t, "ended");
  for (guint i = 0; i < n; i++) {
    const PaleoRunSummary *s = &g_array_index(entries, Entry, i).summary;
    g_autofree char *cell = s->stalled       ? g_strdup_printf("stalled at %.3f ms", s->stalled_at_ms)
                            : s->interrupted ? g_strdup("interrupted")
                                             : g_strdup("complete");
    paleo_table_text(t, cell);
  }
}

static gboolean print_table(const GArray *entries, guint n, GError **error)
{
  const Entry *first = &g_array_index(entries, Entry, 0);
  const PaleoScenario *sc = first->scenario;
  g_autoptr(GArray) columns = g_array_new(FALSE, FALSE, sizeof(PaleoColumn));
  PaleoColumn metric = {"metric", "", -1};
  g_array_append_val(columns, metric);
  for (guint i = 0; i < n; i++) {
    const Entry *e = &g_array_index(entries, Entry, i);
    PaleoColumn c = {e->label, e->label, 0}; /* text cells, right-aligned */
    g_array_append_val(columns, c);
  }
  g_autoptr(PaleoTable) t = paleo_table_new((const PaleoColumn *)columns->data, columns->len);
  paleo_table_meta(t, "scenario", "%s", sc->name);
  paleo_table_meta(t, "net", "%s (batch %" G_GINT64_FORMAT " per worker)", sc->workload.net,
                   first->summary.batch_per_worker);
  paleo_table_meta(t, "cluster", "%u x %s", first->summary.workers, sc->cluster.device);
  paleo_table_meta(t, "iterations", "%" G_GINT64_FORMAT, sc->training.iterations);
  for (guint r = 0; r < G_N_ELEMENTS(rows); r++)
    add_row(t, rows[r].title, entries, n, &rows[r]);
  add_status_row(t, entries, n);
  add_speedup_row(t, entries, n);
  return paleo_table_write(t, PALEO_FORMAT_TABLE, stdout, error);
}

static void print_json(const GArray *entries, guint n)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, g_array_index(entries, Entry, 0).scenario->name);
  json_builder_set_member_name(b, "strategies");
  json_builder_begin_array(b);
  for (guint i = 0; i < n; i++) {
    const Entry *e = &g_array_index(entries, Entry, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, e->label);
    paleo_summary_add_json(b, e->scenario, &e->summary);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  paleo_summary_write_json(stdout, b);
}

/* ---- the command ---- */

typedef struct {
  char **sets, **hardware;
  char *strategies, *format;
  gboolean quiet;
} Options;

static gboolean parse_options(int *argc, char ***argv, Options *o, GError **error)
{
  GOptionEntry entries[] = {
    {"strategies", 'S', 0, G_OPTION_ARG_STRING, &o->strategies,
     "comma-separated: sync, async-ps, ssp:S, backup:B (default " DEFAULT_STRATEGIES ")", "LIST"},
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &o->sets, "override a scenario key (repeatable)", "SECTION.KEY=VALUE"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->hardware, "extra device/link catalog (repeatable)", "FILE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &o->format, "output format: table (default) or json", "FORMAT"},
    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &o->quiet, "no progress line on stderr", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - run a scenario under several strategies, side by side");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
    ctx, "Each strategy runs the scenario with the --set overrides, then training.strategy, training.ssp_bound\n"
         "and training.backup_workers set from the item (0 where the item has none); no trace is written.\n"
         "Table rows: iteration time, throughput, updates/s, staleness (mean, p50, p99, max; '-' for\n"
         "strategies without), dropped gradients, time lost waiting and exposed communication per worker per\n"
         "iteration, and the throughput speed-up against sync when sync is in the list. JSON:\n"
         "{\"scenario\": ..., \"strategies\": [{\"name\": \"ssp:3\", ...the `run --format json` members...}]}.\n");
  return g_option_context_parse(ctx, argc, argv, error);
}

static void options_clear(Options *o)
{
  g_strfreev(o->sets);
  g_strfreev(o->hardware);
  g_free(o->strategies);
  g_free(o->format);
}

/* Runs and prints; the exit code. Nothing reaches stdout when any run fails. */
static int compare(const char *path, const Options *o, gboolean json, GArray *entries)
{
  g_autoptr(GError) error = NULL;
  for (guint i = 0; i < entries->len; i++)
    if (!load_entry(path, o->sets, &g_array_index(entries, Entry, i), &error))
      return paleo_cli_fail("compare", error);
  g_autoptr(PaleoCatalog) catalog = paleo_cli_catalog(o->hardware, &error);
  if (!catalog)
    return paleo_cli_fail("compare", error);
  paleo_summary_catch_stop_signals();
  guint n = run_entries(entries, !o->quiet, catalog, &error);
  if (error) {
    fprintf(stderr, "paleosim compare: %s\n", error->message);
    return paleo_summary_exit_code(error);
  }
  if (n && json)
    print_json(entries, n);
  else if (n && !print_table(entries, n, &error)) {
    fprintf(stderr, "paleosim compare: %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  if (n < entries->len || g_array_index(entries, Entry, n - 1).summary.interrupted) {
    fprintf(stderr, "paleosim compare: interrupted; %u of %u strategies shown\n", n, entries->len);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

int paleo_cmd_compare(int argc, char **argv)
{
  Options o = {0};
  g_autoptr(GError) error = NULL;
  if (!parse_options(&argc, &argv, &o, &error)) {
    options_clear(&o);
    return paleo_cli_fail("compare", error);
  }
  gboolean json = FALSE;
  int rc = PALEO_EXIT_OK;
  g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(Entry));
  g_array_set_clear_func(entries, entry_clear);
  if (argc != 2)
    rc = paleo_cli_failf("compare", "expected one SCENARIO (see 'paleosim compare --help')");
  else if (o.format && !(json = !g_ascii_strcasecmp(o.format, "json")) && g_ascii_strcasecmp(o.format, "table"))
    rc = paleo_cli_failf("compare", "--format '%s': expected table or json", o.format);
  else if (!parse_strategies(o.strategies ? o.strategies : DEFAULT_STRATEGIES, entries, &error))
    rc = paleo_cli_fail("compare", error);
  else {
    g_autofree char *path = paleo_scenario_resolve_path(argv[1]);
    rc = compare(path, &o, json, entries);
  }
  options_clear(&o);
  return rc;
}

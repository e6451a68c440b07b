/* `paleosim optimize SCENARIO --search section.key=LIST... [--objective
 *  throughput|iteration_ms|cost] [--constraint C]... [--top K] [--recheck flow|none]
 *  [--price-per-hour USD] [--dataset-samples N] [--set K=V]... [--hardware FILE]...
 *  [--format table|json|csv] [-j N]`: searches a design space. Every point of the
 * Cartesian product is scored in analytical fidelity (fast); points that fail validation
 * or a constraint are pruned; the best K are run again in flow fidelity and ranked by that
 * figure, with both figures shown and their disagreements marked. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli_common.h"
#include "sim/prune.h"
#include "sim/result_row.h"
#include "sim/summary_print.h"
#include "sim/sweep_exec.h"
#include "sim/sweep_grid.h"
#include "sim/table.h"

#define CMD "optimize"
#define DEFAULT_TOP 5
#define DEFAULT_DATASET_SAMPLES 1281167 /* ImageNet-1k training images */
#define DISAGREE_FRACTION 0.05          /* flow vs analytical: more than 5 % apart */

int paleo_cmd_optimize(int argc, char **argv);

typedef struct {
  char **search, **constraints, **sets, **hardware;
  char *objective, *recheck, *format;
  gint top, jobs;
  double price;
  gint64 dataset_samples;
  gboolean no_progress;
} Args;

/* What the objective reads from a row and which way is better. */
typedef struct {
  const char *name;
  const char *column;      /* NULL: cost, computed */
  gboolean maximize;
  const char *unit;
} Objective;

static const Objective objectives[] = {
  {"throughput", "throughput_samples_per_s", TRUE, "samples/s"},
  {"iteration_ms", "iteration_ms_mean", FALSE, "ms"},
  {"cost", NULL, FALSE, "USD per epoch"},
};

typedef struct {
  guint point;
  double analytical, flow;   /* objective values; flow NAN until rechecked */
  double cost_step, cost_epoch; /* USD; NAN unless the objective is cost */
  char *flow_error;
  guint analytical_rank;     /* 1-based among the survivors */
} Candidate;

typedef struct {
  PaleoSweepBase base;
  PaleoGrid *grid;
  const Objective *objective;
  GPtrArray *constraints;    /* of PaleoConstraint* */
  GArray *candidates;        /* of Candidate: the points that survived, best first */
  GPtrArray *pruned;         /* of char*: "point\treason" */
  double price;              /* --price-per-hour, 0: the catalog's */
  double dataset_samples;
} Search;

static void candidate_clear(gpointer p)
{
  g_free(((Candidate *)p)->flow_error);
}

static void search_clear(Search *s)
{
  paleo_sweep_base_clear(&s->base);
  paleo_grid_free(s->grid);
  if (s->constraints)
    g_ptr_array_unref(s->constraints);
  if (s->candidates)
    g_array_unref(s->candidates);
  if (s->pruned)
    g_ptr_array_unref(s->pruned);
}

/* ---- scoring ---- */

/* The device a point runs on: its own cluster.device or the base's. */
static const char *point_device(const Search *s, guint point)
{
  GPtrArray *p = paleo_grid_point(s->grid, point);
  for (guint i = 0; i < p->len; i++)
    if (g_str_has_prefix(p->pdata[i], "cluster.device="))
      return (const char *)p->pdata[i] + strlen("cluster.device=");
  return s->base.scenario->cluster.device;
}

static gboolean price_of(const Search *s, guint point, double *usd, GError **error)
{
  const char *device = point_device(s, point);
  *usd = s->price;
  if (*usd > 0)
    return TRUE;
  if (paleo_catalog_number(s->base.catalog, "device", device, "usd_per_hour", usd, error) && *usd > 0)
    return TRUE;
  g_clear_error(error);
  return paleo_cli_bad_value(error, "--objective cost: no price for device %s (set usd_per_hour in a --hardware file, or "
                     "--price-per-hour)", device);
}

/* The objective of an ok row (cost: per epoch; OUT per step too). */
static gboolean score(const Search *s, guint point, JsonObject *row, double *value, double *per_step, GError **error)
{
  *per_step = NAN;
  if (s->objective->column)
    return paleo_row_number(row, s->objective->column, value) || paleo_cli_bad_value(error, "no %s", s->objective->column);
  double usd, devices, iteration_ms, samples_per_s;
  if (!price_of(s, point, &usd, error))
    return FALSE;
  if (!paleo_row_number(row, "worker_count", &devices) || !paleo_row_number(row, "iteration_ms_mean", &iteration_ms) ||
      !paleo_row_number(row, "throughput_samples_per_s", &samples_per_s))
    return paleo_cli_bad_value(error, "a run without iteration time or throughput");
  *per_step = usd * devices * iteration_ms / 3.6e6;
  *value = samples_per_s > 0 ? usd * devices / 3600.0 / samples_per_s * s->dataset_samples : INFINITY;
  return TRUE;
}

static gboolean row_ok(JsonObject *row)
{
  return row && !g_strcmp0(json_object_get_string_member_with_default(row, "status", ""), "ok");
}

/* The first failed constraint of an ok row, or NULL. */
static char *failed_constraint(const Search *s, JsonObject *row)
{
  for (guint i = 0; i < s->constraints->len; i++) {
    char *why = NULL;
    if (!paleo_constraint_check(s->constraints->pdata[i], row, &why))
      return why;
  }
  return NULL;
}

static int better_first(gconstpointer a, gconstpointer b, gpointer data)
{
  const Objective *o = data;
  const Candidate *x = a, *y = b;
  double u = isnan(x->flow) ? x->analytical : x->flow, v = isnan(y->flow) ? y->analytical : y->flow;
  if (u != v)
    return (o->maximize ? u > v : u < v) ? -1 : 1;
  return (x->point > y->point) - (x->point < y->point); /* ties: the earlier point */
}

static gboolean collect_candidates(Search *s, GPtrArray *rows, GError **error)
{
  s->candidates = g_array_new(FALSE, TRUE, sizeof(Candidate));
  g_array_set_clear_func(s->candidates, candidate_clear);
  s->pruned = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < rows->len; i++) {
    JsonObject *row = rows->pdata[i];
    g_autofree char *why = row_ok(row) ? failed_constraint(s, row) : NULL;
    if (!row_ok(row) || why) {
      const char *reason = why ? why : row ? json_object_get_string_member_with_default(row, "error", "failed")
                                           : "not run";
      g_ptr_array_add(s->pruned, g_strdup_printf("%u\t%s", i, reason ? reason : "interrupted"));
      continue;
    }
    Candidate c = {.point = i, .flow = NAN, .cost_epoch = NAN};
    if (!score(s, i, row, &c.analytical, &c.cost_step, error))
      return FALSE;
    if (!s->objective->column)
      c.cost_epoch = c.analytical;
    g_array_append_val(s->candidates, c);
  }
  g_array_sort_with_data(s->candidates, better_first, (gpointer)s->objective);
  for (guint i = 0; i < s->candidates->len; i++)
    g_array_index(s->candidates, Candidate, i).analytical_rank = i + 1;
  return TRUE;
}

/* ---- the flow re-check of the best K ---- */

static gboolean recheck(Search *s, guint top, guint jobs, gboolean progress, GError **error)
{
  guint n = MIN(top, s->candidates->len);
  g_autoptr(GPtrArray) points = g_ptr_array_new();
  for (guint i = 0; i < n; i++)
    g_ptr_array_add(points, paleo_grid_point(s->grid, g_array_index(s->candidates, Candidate, i).point));
  char *flow[] = {"training.fidelity=flow", NULL};
  g_autoptr(GPtrArray) rows = paleo_exec_collect(&s->base, points, flow, jobs, progress, CMD " (flow)", error);
  if (!rows)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    Candidate *c = &g_array_index(s->candidates, Candidate, i);
    JsonObject *row = rows->pdata[i];
    double per_step;
    if (row_ok(row) && score(s, c->point, row, &c->flow, &per_step, error)) {
      if (!s->objective->column)
        c->cost_step = per_step, c->cost_epoch = c->flow;
    } else if (error && *error)
      return FALSE;
    else
      c->flow_error = g_strdup(row ? json_object_get_string_member_with_default(row, "error", "failed") : "not run");
  }
  /* the re-checked points ranked by their flow figure; the rest keep their place */
  g_autoptr(GArray) head = g_array_sized_new(FALSE, FALSE, sizeof(Candidate), n);
  g_array_append_vals(head, s->candidates->data, n);
  g_array_sort_with_data(head, better_first, (gpointer)s->objective);
  memcpy(s->candidates->data, head->data, n * sizeof(Candidate));
  return TRUE;
}

/* ---- output ---- */

static gboolean disagree(const Candidate *c, guint rank)
{
  return !isnan(c->flow) && (c->analytical_rank != rank ||
                             fabs(c->flow - c->analytical) > DISAGREE_FRACTION * fabs(c->analytical));
}

static char *disagreement_text(const Candidate *c, guint rank)
{
  if (c->flow_error)
    return g_strdup_printf("flow run failed: %s", c->flow_error);
  if (!disagree(c, rank))
    return g_strdup("");
  GString *t = g_string_new(NULL);
  if (c->analytical_rank != rank)
    g_string_append_printf(t, "rank %u in analytical", c->analytical_rank);
  if (fabs(c->flow - c->analytical) > DISAGREE_FRACTION * fabs(c->analytical))
    g_string_append_printf(t, "%sflow %+.1f%%", t->len ? ", " : "", 100 * (c->flow / c->analytical - 1));
  return g_string_free(t, FALSE);
}

static JsonNode *point_value(const Search *s, guint point, const char *key)
{
  GPtrArray *p = paleo_grid_point(s->grid, point);
  g_autoptr(JsonObject) row = paleo_sweep_point_error_row(&s->base, p, "");
  return json_node_copy(json_object_get_member(row, key));
}

static void add_number(JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name(b, key);
  if (isnan(v))
    json_builder_add_null_value(b);
  else
    json_builder_add_double_value(b, v);
}

static void write_json(const Search *s, guint top)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  GPtrArray *keys = paleo_grid_columns(s->grid);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "objective");
  json_builder_add_string_value(b, s->objective->name);
  json_builder_set_member_name(b, "ranked");
  json_builder_begin_array(b);
  for (guint i = 0; i < MIN(top, s->candidates->len); i++) {
    const Candidate *c = &g_array_index(s->candidates, Candidate, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "config");
    json_builder_begin_object(b);
    for (guint k = 0; k < keys->len; k++) {
      json_builder_set_member_name(b, keys->pdata[k]);
      json_builder_add_value(b, point_value(s, c->point, keys->pdata[k]));
    }
    json_builder_end_object(b);
    add_number(b, "score", isnan(c->flow) ? c->analytical : c->flow);
    add_number(b, "analytical_score", c->analytical);
    add_number(b, "flow_score", c->flow);
    if (!s->objective->column) {
      add_number(b, "cost_per_step_usd", c->cost_step);
      add_number(b, "cost_per_epoch_usd", c->cost_epoch);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "points");
  json_builder_add_int_value(b, paleo_grid_n_points(s->grid));
  json_builder_set_member_name(b, "pruned");
  json_builder_begin_array(b);
  for (guint i = 0; i < s->pruned->len; i++) {
    g_auto(GStrv) parts = g_strsplit(s->pruned->pdata[i], "\t", 2);
    guint point = (guint)g_ascii_strtoull(parts[0], NULL, 10);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "config");
    json_builder_begin_object(b);
    for (guint k = 0; k < keys->len; k++) {
      json_builder_set_member_name(b, keys->pdata[k]);
      json_builder_add_value(b, point_value(s, point, keys->pdata[k]));
    }
    json_builder_end_object(b);
    json_builder_set_member_name(b, "reason");
    json_builder_add_string_value(b, parts[1]);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  paleo_summary_add_config(b, s->base.scenario);
  json_builder_end_object(b);
  paleo_summary_write_json(stdout, b);
}

static char *value_text(JsonNode *v)
{
  return paleo_row_csv_field(v);
}

static gboolean write_table(const Search *s, guint top, gboolean rechecked, PaleoFormat format, GError **error)
{
  GPtrArray *keys = paleo_grid_columns(s->grid);
  gboolean cost = !s->objective->column, few_decimals = cost || s->objective->maximize;
  g_autoptr(GArray) cols = g_array_new(FALSE, FALSE, sizeof(PaleoColumn));
  const PaleoColumn rank = {"rank", "rank", 0};
  g_array_append_val(cols, rank);
  for (guint k = 0; k < keys->len; k++) {
    PaleoColumn c = {keys->pdata[k], keys->pdata[k], -1};
    g_array_append_val(cols, c);
  }
  const PaleoColumn figures[] = {
    {"score", s->objective->unit, few_decimals ? 2 : 3},
    {"analytical_score", "analytical", few_decimals ? 2 : 3},
    {"flow_score", "flow", few_decimals ? 2 : 3},
    {"cost_per_step_usd", "USD/step", 4},
    {"disagreement", "disagreement", -1},
  };
  for (guint i = 0; i < G_N_ELEMENTS(figures); i++)
    if (cost || i != 3)
      g_array_append_val(cols, figures[i]);
  g_autoptr(PaleoTable) t = paleo_table_new((const PaleoColumn *)(void *)cols->data, cols->len);
  paleo_table_meta(t, "scenario", "%s", s->base.scenario->name);
  paleo_table_meta(t, "objective", "%s (%s, %s is better)", s->objective->name, s->objective->unit,
                   s->objective->maximize ? "higher" : "lower");
  paleo_table_meta(t, "points", "%u searched, %u pruned, best %u re-checked in %s fidelity", paleo_grid_n_points(s->grid),
                   s->pruned->len, MIN(top, s->candidates->len), rechecked ? "flow" : "no");
  for (guint i = 0; i < MIN(top, s->candidates->len); i++) {
    const Candidate *c = &g_array_index(s->candidates, Candidate, i);
    paleo_table_row(t, FALSE);
    paleo_table_num(t, i + 1);
    for (guint k = 0; k < keys->len; k++) {
      g_autoptr(JsonNode) v = point_value(s, c->point, keys->pdata[k]);
      g_autofree char *text = value_text(v);
      paleo_table_text(t, text);
    }
    paleo_table_num(t, isnan(c->flow) ? c->analytical : c->flow);
    paleo_table_num(t, c->analytical);
    if (isnan(c->flow))
      paleo_table_empty(t);
    else
      paleo_table_num(t, c->flow);
    if (!s->objective->column)
      paleo_table_num(t, c->cost_step);
    g_autofree char *note = disagreement_text(c, i + 1);
    paleo_table_text(t, note);
  }
  if (!paleo_table_write(t, format, stdout, error))
    return FALSE;
  if (format == PALEO_FORMAT_TABLE && s->pruned->len) {
    g_auto(GStrv) first = g_strsplit(s->pruned->pdata[0], "\t", 2);
    printf("\npruned %u point%s; the first (point %s): %s\n", s->pruned->len, s->pruned->len == 1 ? "" : "s",
           first[0], first[1]);
  }
  return fflush(stdout) == 0 && !ferror(stdout);
}

/* ---- the command ---- */

static gboolean parse_args(char ***args, Args *a, GError **error)
{
  a->top = DEFAULT_TOP;
  a->dataset_samples = DEFAULT_DATASET_SAMPLES;
  g_autofree char *named = paleo_constraint_list_text();
  GOptionEntry entries[] = {
    {"search", 'S', 0, G_OPTION_ARG_STRING_ARRAY, &a->search, "a dimension: a key and its values (repeatable; the Cartesian product is searched)", "KEY=LIST"},
    {"objective", 'O', 0, G_OPTION_ARG_STRING, &a->objective, "throughput (default, higher is better), iteration_ms or cost (USD per epoch; lower is better)", "OBJ"},
    {"constraint", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &a->constraints, "prune points: a name (memory) or COLUMN<=X, COLUMN>=X, <, > on the run's results, e.g. params<=25e6 (repeatable)", "C"},
    {"top", 'k', 0, G_OPTION_ARG_INT, &a->top, "how many of the best points to re-check and show (default 5)", "K"},
    {"recheck", 0, 0, G_OPTION_ARG_STRING, &a->recheck, "flow (default): run the best K again in flow fidelity; none", "F"},
    {"price-per-hour", 0, 0, G_OPTION_ARG_DOUBLE, &a->price, "USD per device-hour for --objective cost (default: the catalog's usd_per_hour)", "USD"},
    {"dataset-samples", 0, 0, G_OPTION_ARG_INT64, &a->dataset_samples, "samples in one epoch, for cost per epoch (default 1281167, ImageNet-1k)", "N"},
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &a->sets, "override a scenario key for every point (repeatable)", "SECTION.KEY=VALUE"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->hardware, "extra device/link catalog (repeatable)", "FILE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &a->format, "table (default), json or csv", "FORMAT"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "worker processes (default: every core)", "N"},
    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &a->no_progress, "no progress line on stderr", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - search a design space for the best configurations");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autofree char *description = g_strdup_printf("LIST: as in sweep (8-512 doubles, 1:8 every integer, a,b,c).\n"
                                                 "Named constraints:\n%s", named);
  g_option_context_set_description(ctx, description);
  if (!g_option_context_parse_strv(ctx, args, error))
    return FALSE;
  if (g_strv_length(*args) != 2)
    return paleo_cli_bad_value(error, "expected one SCENARIO (see 'paleosim optimize --help')");
  if (!a->search)
    return paleo_cli_bad_value(error, "nothing to search: give at least one --search section.key=LIST");
  if (a->top < 1)
    return paleo_cli_bad_value(error, "--top %d: expected at least 1", a->top);
  if (!paleo_cli_check_jobs(a->jobs, error))
    return FALSE;
  if (!isfinite(a->price) || a->price < 0)
    return paleo_cli_bad_value(error, "--price-per-hour %g: expected a non-negative price", a->price);
  if (a->dataset_samples < 1)
    return paleo_cli_bad_value(error, "--dataset-samples %" G_GINT64_FORMAT ": expected at least 1", a->dataset_samples);
  if (a->recheck && strcmp(a->recheck, "flow") && strcmp(a->recheck, "none"))
    return paleo_cli_bad_value(error, "--recheck '%s': expected flow or none", a->recheck);
  return TRUE;
}

static void args_clear(Args *a)
{
  g_strfreev(a->search);
  g_strfreev(a->constraints);
  g_strfreev(a->sets);
  g_strfreev(a->hardware);
  g_free(a->objective);
  g_free(a->recheck);
  g_free(a->format);
}

static gboolean setup(Search *s, const Args *a, const char *scenario, GError **error)
{
  const char *objective = a->objective ? a->objective : "throughput";
  for (guint i = 0; i < G_N_ELEMENTS(objectives) && !s->objective; i++)
    if (!strcmp(objective, objectives[i].name))
      s->objective = &objectives[i];
  if (!s->objective)
    return paleo_cli_bad_value(error, "--objective '%s': expected throughput, iteration_ms or cost", objective);
  s->price = a->price;
  s->dataset_samples = (double)a->dataset_samples;
  if (!paleo_sweep_base_init(&s->base, scenario, a->sets, a->hardware, error))
    return FALSE;
  s->grid = paleo_grid_new();
  for (char **v = a->search; *v; v++)
    if (!paleo_grid_add_axis(s->grid, "--search", *v, error))
      return FALSE;
  if (!paleo_grid_expand(s->grid, error))
    return FALSE;
  GPtrArray *keys = paleo_grid_columns(s->grid);
  for (guint i = 0; i < keys->len; i++) {
    if (!strcmp(keys->pdata[i], "training.fidelity"))
      return paleo_cli_bad_value(error, "--search training.fidelity: optimize chooses the fidelity itself (analytical, then flow)");
    if (!paleo_sweep_check_key(&s->base, keys->pdata[i], error))
      return g_prefix_error(error, "--search: "), FALSE;
  }
  s->base.columns = keys;
  for (guint i = 0; i < paleo_grid_n_points(s->grid); i++) {
    GPtrArray *p = paleo_grid_point(s->grid, i);
    for (guint k = 0; k < p->len; k++) {
      const char *as = p->pdata[k], *eq = strchr(as, '=');
      g_autofree char *key = g_strndup(as, eq - as);
      if (!paleo_sweep_check_value(&s->base, key, eq + 1, error))
        return g_prefix_error(error, "--search: "), FALSE;
    }
  }
  s->constraints = g_ptr_array_new_with_free_func((GDestroyNotify)paleo_constraint_free);
  for (char **c = a->constraints; c && *c; c++) {
    PaleoConstraint *pc = paleo_constraint_parse(*c, s->base.metrics, error);
    if (pc && paleo_constraint_runs_out_of_memory(pc))
      s->base.allow_oom = TRUE;
    if (!pc)
      return FALSE;
    g_ptr_array_add(s->constraints, pc);
  }
  return TRUE;
}

static int search_main(Search *s, const Args *a, const char *scenario)
{
  g_autoptr(GError) error = NULL;
  PaleoFormat format = PALEO_FORMAT_TABLE;
  if (a->format && !paleo_format_parse(a->format, &format))
    return paleo_cli_failf(CMD, "--format '%s': expected table, json or csv", a->format);
  if (!setup(s, a, scenario, &error))
    return paleo_cli_fail(CMD, error);
  paleo_summary_catch_stop_signals();
  guint jobs = a->jobs ? (guint)a->jobs : paleo_exec_default_jobs();
  g_autoptr(GPtrArray) points = g_ptr_array_new();
  for (guint i = 0; i < paleo_grid_n_points(s->grid); i++)
    g_ptr_array_add(points, paleo_grid_point(s->grid, i));
  char *analytical[] = {"training.fidelity=analytical", NULL};
  g_autoptr(GPtrArray) rows = paleo_exec_collect(&s->base, points, analytical, jobs, !a->no_progress, CMD, &error);
  if (!rows || paleo_run_stop_requested())
    return fprintf(stderr, "paleosim " CMD ": %s\n", rows ? "interrupted" : error->message), PALEO_EXIT_FAILURE;
  if (!collect_candidates(s, rows, &error))
    return paleo_cli_fail(CMD, error);
  if (!s->candidates->len)
    fprintf(stderr, "paleosim " CMD ": every point was pruned\n");
  gboolean rechecked = !a->recheck || !strcmp(a->recheck, "flow");
  if (rechecked && !recheck(s, (guint)a->top, jobs, !a->no_progress, &error))
    return fprintf(stderr, "paleosim " CMD ": %s\n", error->message), paleo_summary_exit_code(error);
  if (paleo_run_stop_requested())
    return fprintf(stderr, "paleosim " CMD ": interrupted\n"), PALEO_EXIT_FAILURE;
  gboolean ok = format == PALEO_FORMAT_JSON
                  ? (write_json(s, (guint)a->top), fflush(stdout) == 0 && !ferror(stdout))
                  : write_table(s, (guint)a->top, rechecked, format, &error);
  if (!ok)
    return fprintf(stderr, "paleosim " CMD ": cannot write the results\n"), PALEO_EXIT_FAILURE;
  return PALEO_EXIT_OK;
}

int paleo_cmd_optimize(int argc, char **argv)
{
  Args a = {0};
  Search s = {0};
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = g_strdupv(argv);
  (void)argc;
  int rc = parse_args(&args, &a, &error) ? search_main(&s, &a, args[1]) : paleo_cli_fail(CMD, error);
  search_clear(&s);
  args_clear(&a);
  return rc;
}

/* `paleosim sensitivity SCENARIO [--spread 20%] [--inputs LIST] [--metric M] [--samples N]
 *  [--seed S] [--set K=V]... [--hardware FILE]... [--format table|json|csv] [--plot FILE]
 *  [-j N]`: how much a prediction moves when its inputs are off. One at a time, each input
 * goes down and up by the spread (a tornado table, sorted by effect, with the elasticity
 * d ln metric / d ln input); with --samples, every input is drawn at once from a
 * lognormal and the metric's p5, p50 and p95 are reported. Every run is a sweep point
 * (sweep_point.h): the same path as `paleosim run`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/rng.h"
#include "output/timeline.h"
#include "output/tornado.h"
#include "sim/cli_common.h"
#include "sim/result_row.h"
#include "sim/run.h"
#include "sim/summary_print.h"
#include "sim/sweep_exec.h"
#include "sim/table.h"

#define CMD "sensitivity"
#define DEFAULT_SPREAD "20%"
#define DEFAULT_INPUTS "device.peak_gflops,device.mem_gbps,link.gbps,link.latency_us,workload.ppp_comp," \
                       "workload.ppp_comm,workload.batch"
#define MAX_SAMPLES 1000000

int paleo_cmd_sensitivity(int argc, char **argv);

typedef struct {
  char **sets, **hardware;
  char *spread, *inputs, *metric, *format, *plot;
  gint samples, jobs;
  gint64 seed;
  gboolean no_progress;
} Args;

typedef struct {
  char *name;
  double value;               /* the input in the base scenario */
  gboolean integer;
  double min, max;            /* valid range (min excluded when min_open) */
  gboolean min_open;
  double low, high;           /* NAN: that side is out of range */
  double metric_low, metric_high; /* NAN: not run or failed */
  char *error;                /* a side's run failed: why */
  double elasticity;          /* NAN: undefined */
  double effect;              /* |metric_high - metric_low|, the base for a missing side */
  guint point_low, point_high;
  guint clamped;              /* Monte Carlo: draws moved into the range */
} Input;

static void input_clear(gpointer p)
{
  Input *in = p;
  g_free(in->name);
  g_free(in->error);
}

typedef struct {
  PaleoSweepBase base;
  GArray *inputs;             /* of Input */
  double spread;              /* fraction, (0, 1) */
  const char *metric;         /* column of the run row */
  double base_metric;
  GPtrArray *points;          /* of GPtrArray of "key=value" */
} Study;

static void study_clear(Study *s)
{
  paleo_sweep_base_clear(&s->base);
  if (s->inputs)
    g_array_unref(s->inputs);
  if (s->points)
    g_ptr_array_unref(s->points);
}

/* ---- inputs ---- */

/* "20%" or "0.2": a fraction in (0, 1). */
static gboolean parse_spread(const char *text, double *out, GError **error)
{
  char *end = NULL;
  double v = g_ascii_strtod(text, &end);
  gboolean percent = end && *end == '%' && !end[1];
  if (end == text || (*end && !percent) || !isfinite(v) || (!percent && v >= 1))
    return paleo_cli_bad_value(error, "--spread '%s': expected a percentage like 20%% or a fraction like 0.2", text);
  *out = percent ? v / 100 : v;
  if (*out <= 0 || *out >= 1)
    return paleo_cli_bad_value(error, "--spread '%s': expected more than 0%% and less than 100%%", text);
  return TRUE;
}

/* The input's value and range: a scenario number or a hardware figure. */
static gboolean resolve_input(const PaleoSweepBase *base, const char *name, Input *in, GError **error)
{
  *in = (Input){.name = g_strdup(name), .low = NAN, .high = NAN, .metric_low = NAN, .metric_high = NAN,
                .elasticity = NAN, .min = 0, .max = INFINITY, .min_open = TRUE};
  if (!paleo_sweep_check_key(base, name, error))
    return FALSE;
  const char *sk = paleo_sweep_scenario_key(name);
  if (!sk) { /* a catalog figure of an entry the scenario uses: positive */
    const char *dot = strchr(name, '.');
    g_autofree char *prefix = g_strndup(name, dot - name);
    PaleoScenarioValue v;
    const char *entry_key = !strcmp(prefix, "device") ? "cluster.device"
                            : !strcmp(prefix, "intra_host_link") ? "cluster.intra_host_link"
                            : !strcmp(prefix, "ps_link") && *base->scenario->cluster.ps_link ? "cluster.ps_link"
                                                                                             : "cluster.link";
    paleo_scenario_value(base->scenario, entry_key, &v, NULL);
    return paleo_catalog_number(base->catalog, !strcmp(prefix, "device") ? "device" : "link", v.text, dot + 1,
                                &in->value, error);
  }
  PaleoScenarioValue v;
  paleo_scenario_value(base->scenario, sk, &v, NULL);
  if (v.kind != PALEO_VALUE_INT && v.kind != PALEO_VALUE_NUMBER)
    return paleo_cli_bad_value(error, "%s is not a number a spread applies to", name);
  in->value = v.number;
  in->integer = v.kind == PALEO_VALUE_INT;
  if (v.bounded)
    in->min = v.min, in->max = v.max, in->min_open = v.min_open;
  return TRUE;
}

static gboolean in_range(const Input *in, double x)
{
  return (in->min_open ? x > in->min : x >= in->min) && x <= in->max;
}

/* The input moved by `factor`, rounded for integers (at least one step); NAN outside the
 * range. */
static double moved(const Input *in, double factor)
{
  double x = in->value * factor;
  if (in->integer) {
    x = round(x);
    if (x == in->value)
      x += factor > 1 ? 1 : -1;
  }
  return in_range(in, x) ? x : NAN;
}

static char *value_text(const Input *in, double x)
{
  if (in->integer)
    return g_strdup_printf("%.0f", x);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.17g", x));
}

static GPtrArray *assign(const Input *in, double x)
{
  GPtrArray *p = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *v = value_text(in, x);
  g_ptr_array_add(p, g_strdup_printf("%s=%s", in->name, v));
  return p;
}

/* ---- one at a time ---- */

static void plan_one_at_a_time(Study *s)
{
  g_ptr_array_add(s->points, g_ptr_array_new_with_free_func(g_free)); /* point 0: the base */
  for (guint i = 0; i < s->inputs->len; i++) {
    Input *in = &g_array_index(s->inputs, Input, i);
    if (in->value == 0)
      continue; /* a relative spread of zero is zero */
    in->low = moved(in, 1 - s->spread);
    in->high = moved(in, 1 + s->spread);
    if (!isnan(in->low))
      in->point_low = s->points->len, g_ptr_array_add(s->points, assign(in, in->low));
    if (!isnan(in->high))
      in->point_high = s->points->len, g_ptr_array_add(s->points, assign(in, in->high));
  }
}

/* The metric of a finished row; NAN (and `why`) when the run failed. */
static double row_metric(const Study *s, JsonObject *row, char **why)
{
  double m;
  if (!row)
    return NAN;
  if (g_strcmp0(json_object_get_string_member_with_default(row, "status", ""), "ok")) {
    if (why && !*why)
      *why = g_strdup(json_object_get_string_member_with_default(row, "error", "interrupted"));
    return NAN;
  }
  return paleo_row_number(row, s->metric, &m) ? m : NAN;
}

static double log_slope(double m1, double m0, double x1, double x0)
{
  if (!(m1 > 0 && m0 > 0 && x1 > 0 && x0 > 0) || x1 == x0)
    return NAN;
  return (log(m1) - log(m0)) / (log(x1) - log(x0));
}

static void evaluate(Study *s, GPtrArray *rows)
{
  for (guint i = 0; i < s->inputs->len; i++) {
    Input *in = &g_array_index(s->inputs, Input, i);
    if (!isnan(in->low))
      in->metric_low = row_metric(s, rows->pdata[in->point_low], &in->error);
    if (!isnan(in->high))
      in->metric_high = row_metric(s, rows->pdata[in->point_high], &in->error);
    gboolean lo = !isnan(in->metric_low), hi = !isnan(in->metric_high);
    in->elasticity = lo && hi ? log_slope(in->metric_high, in->metric_low, in->high, in->low)
                     : hi     ? log_slope(in->metric_high, s->base_metric, in->high, in->value)
                     : lo     ? log_slope(in->metric_low, s->base_metric, in->low, in->value)
                              : NAN;
    in->effect = fabs((hi ? in->metric_high : s->base_metric) - (lo ? in->metric_low : s->base_metric));
  }
}

static int by_effect(gconstpointer a, gconstpointer b)
{
  const Input *x = a, *y = b;
  if (x->effect != y->effect)
    return x->effect > y->effect ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* ---- Monte Carlo ---- */

/* A draw of input `in`: value x exp(sigma Z), rounded for integers, moved into the range
 * (counted in `clamped`). */
static double draw(Input *in, PaleoRng *rng, double sigma)
{
  double x = in->value * exp(paleo_rng_normal(rng, 0, sigma));
  if (in->integer)
    x = MAX(round(x), 1);
  if (in_range(in, x))
    return x;
  in->clamped++;
  if (x > in->max)
    return in->max;
  return !in->min_open ? in->min : in->integer ? in->min + 1 : nextafter(in->min, INFINITY);
}

static void plan_samples(Study *s, guint samples, guint64 seed)
{
  double sigma = log(1 + s->spread);
  g_ptr_array_add(s->points, g_ptr_array_new_with_free_func(g_free));
  for (guint k = 0; k < samples; k++) {
    PaleoRng rng;
    paleo_rng_seed(&rng, seed, k); /* one stream per sample: results do not depend on -j */
    GPtrArray *p = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < s->inputs->len; i++) {
      Input *in = &g_array_index(s->inputs, Input, i);
      double x = draw(in, &rng, sigma);
      if (in->value == 0)
        continue;
      g_autofree char *v = value_text(in, x);
      g_ptr_array_add(p, g_strdup_printf("%s=%s", in->name, v));
    }
    g_ptr_array_add(s->points, p);
  }
}

typedef struct {
  guint ok, failed;
  double mean, p5, p50, p95;
  char *first_error;
} Band;

static int double_cmp(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void band_of(const Study *s, GPtrArray *rows, Band *b)
{
  g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
  double sum = 0;
  for (guint k = 1; k < rows->len; k++) {
    double m = row_metric(s, rows->pdata[k], &b->first_error);
    if (isnan(m)) {
      b->failed++;
      continue;
    }
    g_array_append_val(v, m);
    sum += m;
  }
  b->ok = v->len;
  if (!v->len)
    return;
  g_array_sort(v, double_cmp);
  const double *d = (const double *)(void *)v->data;
  b->mean = sum / v->len;
  b->p5 = paleo_run_percentile(d, v->len, 0.05);
  b->p50 = paleo_run_percentile(d, v->len, 0.50);
  b->p95 = paleo_run_percentile(d, v->len, 0.95);
}

/* ---- output ---- */

static void add_number(JsonBuilder *b, const char *key, double v, gboolean integer)
{
  json_builder_set_member_name(b, key);
  if (isnan(v))
    json_builder_add_null_value(b);
  else if (integer)
    json_builder_add_int_value(b, (gint64)v);
  else
    json_builder_add_double_value(b, v);
}

static void write_json(const Study *s, const Band *band, gint64 seed)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "metric");
  json_builder_add_string_value(b, s->metric);
  add_number(b, "base", s->base_metric, FALSE);
  add_number(b, "spread", s->spread, FALSE);
  if (band) {
    add_number(b, "samples", band->ok, TRUE);
    add_number(b, "failed", band->failed, TRUE);
    add_number(b, "seed", (double)seed, TRUE);
    add_number(b, "mean", band->ok ? band->mean : NAN, FALSE);
    add_number(b, "p5", band->ok ? band->p5 : NAN, FALSE);
    add_number(b, "p50", band->ok ? band->p50 : NAN, FALSE);
    add_number(b, "p95", band->ok ? band->p95 : NAN, FALSE);
  }
  json_builder_set_member_name(b, "inputs");
  json_builder_begin_array(b);
  for (guint i = 0; i < s->inputs->len; i++) {
    const Input *in = &g_array_index(s->inputs, Input, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "input");
    json_builder_add_string_value(b, in->name);
    if (band) {
      add_number(b, "value", in->value, in->integer);
      add_number(b, "clamped", in->clamped, TRUE);
    } else {
      add_number(b, "low", in->low, in->integer);
      add_number(b, "high", in->high, in->integer);
      add_number(b, "metric_low", in->metric_low, FALSE);
      add_number(b, "metric_high", in->metric_high, FALSE);
      add_number(b, "elasticity", in->elasticity, FALSE);
      if (in->error) {
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, in->error);
      }
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  paleo_summary_add_config(b, s->base.scenario);
  json_builder_end_object(b);
  paleo_summary_write_json(stdout, b);
}

static const PaleoColumn tornado_columns[] = {
  {"input", "input", -1},
  {"low", "low", 3},
  {"high", "high", 3},
  {"metric_low", "metric at low", 3},
  {"metric_high", "metric at high", 3},
  {"elasticity", "elasticity", 3},
};

static void cell(PaleoTable *t, double v)
{
  if (isnan(v))
    paleo_table_empty(t);
  else
    paleo_table_num(t, v);
}

static gboolean write_tornado(const Study *s, PaleoFormat format, GError **error)
{
  g_autoptr(PaleoTable) t = paleo_table_new(tornado_columns, G_N_ELEMENTS(tornado_columns));
  paleo_table_meta(t, "scenario", "%s", s->base.scenario->name);
  paleo_table_meta(t, "metric", "%s", s->metric);
  paleo_table_meta(t, "base", "%.6g", s->base_metric);
  paleo_table_meta(t, "spread", "%g%% down and up, one input at a time", 100 * s->spread);
  for (guint i = 0; i < s->inputs->len; i++) {
    const Input *in = &g_array_index(s->inputs, Input, i);
    paleo_table_row(t, FALSE);
    paleo_table_text(t, in->name);
    cell(t, in->low);
    cell(t, in->high);
    cell(t, in->metric_low);
    cell(t, in->metric_high);
    cell(t, in->elasticity);
  }
  return paleo_table_write(t, format, stdout, error);
}

static const PaleoColumn band_columns[] = {
  {"metric", "metric", -1}, {"base", "base", 3}, {"samples", "samples", 0}, {"failed", "failed", 0},
  {"mean", "mean", 3}, {"p5", "p5", 3}, {"p50", "p50", 3}, {"p95", "p95", 3},
};

static gboolean write_band(const Study *s, const Band *band, gint64 seed, PaleoFormat format, GError **error)
{
  g_autoptr(PaleoTable) t = paleo_table_new(band_columns, G_N_ELEMENTS(band_columns));
  g_auto(GStrv) names = g_new0(char *, s->inputs->len + 1);
  for (guint i = 0; i < s->inputs->len; i++)
    names[i] = g_strdup(g_array_index(s->inputs, Input, i).name);
  g_autofree char *list = g_strjoinv(", ", names);
  paleo_table_meta(t, "scenario", "%s", s->base.scenario->name);
  paleo_table_meta(t, "inputs", "%s", list);
  paleo_table_meta(t, "draws", "lognormal, sigma ln(1 + %g) (%g%% one standard deviation), seed %" G_GINT64_FORMAT,
                   s->spread, 100 * s->spread, seed);
  paleo_table_row(t, FALSE);
  paleo_table_text(t, s->metric);
  paleo_table_num(t, s->base_metric);
  paleo_table_num(t, band->ok);
  paleo_table_num(t, band->failed);
  cell(t, band->ok ? band->mean : NAN);
  cell(t, band->ok ? band->p5 : NAN);
  cell(t, band->ok ? band->p50 : NAN);
  cell(t, band->ok ? band->p95 : NAN);
  return paleo_table_write(t, format, stdout, error);
}

static gboolean plot(const Study *s, const char *path, GError **error)
{
  g_autofree PaleoTornadoBar *bars = g_new0(PaleoTornadoBar, s->inputs->len);
  for (guint i = 0; i < s->inputs->len; i++) {
    const Input *in = &g_array_index(s->inputs, Input, i);
    bars[i] = (PaleoTornadoBar){in->name, in->metric_low, in->metric_high};
  }
  g_autofree char *title = g_strdup_printf("%s: %s, each input %g%% down and up", s->base.scenario->name, s->metric,
                                           100 * s->spread);
  return paleo_tornado_draw(path, title, s->metric, s->base_metric, bars, s->inputs->len, error);
}

/* ---- the command ---- */

static gboolean parse_args(char ***args, Args *a, GError **error)
{
  a->seed = 1;
  GOptionEntry entries[] = {
    {"spread", 0, 0, G_OPTION_ARG_STRING, &a->spread, "how far each input moves, down and up (default " DEFAULT_SPREAD "); with --samples one standard deviation", "P%"},
    {"inputs", 'i', 0, G_OPTION_ARG_STRING, &a->inputs, "comma-separated inputs (default " DEFAULT_INPUTS ", plus intra_host_link.gbps with several GPUs per host)", "LIST"},
    {"metric", 'm', 0, G_OPTION_ARG_STRING, &a->metric, "what to watch: iteration_ms (default), throughput or any number of run --format csv", "M"},
    {"samples", 0, 0, G_OPTION_ARG_INT, &a->samples, "Monte Carlo: draw every input at once N times (lognormal) and report p5, p50, p95", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &a->seed, "seed of the Monte Carlo draws (default 1)", "S"},
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &a->sets, "override a scenario key (repeatable)", "SECTION.KEY=VALUE"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->hardware, "extra device/link catalog (repeatable)", "FILE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &a->format, "table (default), json or csv", "FORMAT"},
    {"plot", 'p', 0, G_OPTION_ARG_FILENAME, &a->plot, "draw the tornado chart (.png, .svg or .pdf)", "FILE"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "worker processes (default: every core)", "N"},
    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &a->no_progress, "no progress line on stderr", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - how predictions move when their inputs are off");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx,
    "Inputs: device.peak_gflops, device.mem_gbps, link.gbps, link.latency_us (the scenario's\n"
    "cluster.latency_us), intra_host_link.gbps, ps_link.gbps, any catalog figure of an entry the\n"
    "scenario uses, and any scenario number (section.key).\n");
  if (!g_option_context_parse_strv(ctx, args, error))
    return FALSE;
  if (g_strv_length(*args) != 2)
    return paleo_cli_bad_value(error, "expected one SCENARIO (see 'paleosim sensitivity --help')");
  if (a->samples < 0 || a->samples > MAX_SAMPLES)
    return paleo_cli_bad_value(error, "--samples %d: expected 1..%d draws", a->samples, MAX_SAMPLES);
  if (!paleo_cli_check_jobs(a->jobs, error))
    return FALSE;
  if (a->seed < 0)
    return paleo_cli_bad_value(error, "--seed %" G_GINT64_FORMAT ": expected a non-negative integer", a->seed);
  if (a->plot && a->samples)
    return paleo_cli_bad_value(error, "--plot draws the one-at-a-time tornado: it does not go with --samples");
  return TRUE;
}

static void args_clear(Args *a)
{
  g_strfreev(a->sets);
  g_strfreev(a->hardware);
  g_free(a->spread);
  g_free(a->inputs);
  g_free(a->metric);
  g_free(a->format);
  g_free(a->plot);
}

static gboolean setup(Study *s, const Args *a, const char *scenario, GError **error)
{
  if (!parse_spread(a->spread ? a->spread : DEFAULT_SPREAD, &s->spread, error) ||
      !paleo_sweep_base_init(&s->base, scenario, a->sets, a->hardware, error))
    return FALSE;
  const char *metric = a->metric ? a->metric : "iteration_ms";
  s->metric = paleo_row_metric_column(s->base.metrics, metric);
  if (!s->metric)
    return paleo_cli_bad_value(error, "--metric '%s': not a number of the run's results (e.g. iteration_ms, throughput, "
                       "comm_exposed_ms, updates_per_s; `paleosim run --format csv` shows them all)", metric);
  g_autofree char *defaults = s->base.scenario->cluster.gpus_per_host > 1
                                ? g_strconcat(DEFAULT_INPUTS, ",intra_host_link.gbps", NULL)
                                : g_strdup(DEFAULT_INPUTS);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  if (!paleo_cli_expand_list(a->inputs ? a->inputs : defaults, "--inputs", names, error))
    return FALSE;
  s->inputs = g_array_new(FALSE, TRUE, sizeof(Input));
  g_array_set_clear_func(s->inputs, input_clear);
  for (guint i = 0; i < names->len; i++) {
    Input in;
    for (guint k = 0; k < s->inputs->len; k++)
      if (!strcmp(g_array_index(s->inputs, Input, k).name, names->pdata[i]))
        return paleo_cli_bad_value(error, "--inputs: %s is listed twice", (char *)names->pdata[i]);
    gboolean ok = resolve_input(&s->base, names->pdata[i], &in, error);
    g_array_append_val(s->inputs, in);
    if (!ok) {
      g_prefix_error(error, "--inputs: ");
      return FALSE;
    }
  }
  s->points = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  return TRUE;
}

static int study_main(Study *s, const Args *a, const char *scenario)
{
  g_autoptr(GError) error = NULL;
  PaleoFormat format = PALEO_FORMAT_TABLE;
  if (a->format && !paleo_format_parse(a->format, &format))
    return paleo_cli_failf(CMD, "--format '%s': expected table, json or csv", a->format);
  if (!setup(s, a, scenario, &error))
    return paleo_cli_fail(CMD, error);
  if (a->samples)
    plan_samples(s, (guint)a->samples, (guint64)a->seed);
  else
    plan_one_at_a_time(s);
  paleo_summary_catch_stop_signals();
  g_autoptr(GPtrArray) rows = paleo_exec_collect(&s->base, s->points, NULL,
                                                 a->jobs ? (guint)a->jobs : paleo_exec_default_jobs(),
                                                 !a->no_progress, CMD, &error);
  if (!rows || paleo_run_stop_requested()) {
    fprintf(stderr, "paleosim " CMD ": %s\n", rows ? "interrupted" : error->message);
    return PALEO_EXIT_FAILURE;
  }
  g_autofree char *why = NULL;
  s->base_metric = row_metric(s, rows->pdata[0], &why);
  if (isnan(s->base_metric)) {
    fprintf(stderr, "paleosim " CMD ": the base run failed: %s\n", why ? why : "no result");
    return PALEO_EXIT_FAILURE;
  }
  Band band = {0};
  if (a->samples)
    band_of(s, rows, &band);
  else {
    evaluate(s, rows);
    g_array_sort(s->inputs, by_effect);
  }
  gboolean ok = format == PALEO_FORMAT_JSON ? (write_json(s, a->samples ? &band : NULL, a->seed),
                                               fflush(stdout) == 0 && !ferror(stdout))
                : a->samples ? write_band(s, &band, a->seed, format, &error)
                             : write_tornado(s, format, &error);
  g_free(band.first_error);
  if (!ok) {
    fprintf(stderr, "paleosim " CMD ": cannot write the results: %s\n", error ? error->message : "stdout failed");
    return PALEO_EXIT_FAILURE;
  }
  gboolean drawn = !a->plot || plot(s, a->plot, &error);
  if (a->plot)
    paleo_timeline_release_fonts(); /* cairo's and fontconfig's caches, as `timeline` does */
  if (!drawn)
    return (fprintf(stderr, "paleosim " CMD ": %s\n", error->message), paleo_summary_exit_code(error));
  return PALEO_EXIT_OK;
}

int paleo_cmd_sensitivity(int argc, char **argv)
{
  Args a = {0};
  Study s = {0};
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = g_strdupv(argv);
  (void)argc;
  int rc = parse_args(&args, &a, &error) ? study_main(&s, &a, args[1]) : paleo_cli_fail(CMD, error);
  study_clear(&s);
  args_clear(&a);
  return rc;
}

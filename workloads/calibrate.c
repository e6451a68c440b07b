/* Calibration of the refined model's constants (see calibrate.h). */
#include "workloads/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One measured value and how to predict it. */
typedef struct {
  const PaleoMeasureSet *set;
  const PaleoMeasurement *row;
  guint device;            /* index into Fit.devices */
  PaleoPrecision precision;
} Item;

typedef struct {
  GArray *items;           /* of Item */
  GPtrArray *devices;      /* of PaleoDevice* copies (owned structs, borrowed strings) */
  PaleoMeasureCache *cache;
  guint evaluations;
} Fit;

static void fit_clear(Fit *f)
{
  if (f->items)
    g_array_unref(f->items);
  if (f->devices)
    g_ptr_array_unref(f->devices);
  paleo_measure_cache_free(f->cache);
}

static guint device_slot(Fit *f, const PaleoDevice *d)
{
  for (guint i = 0; i < f->devices->len; i++)
    if (!strcmp(((PaleoDevice *)g_ptr_array_index(f->devices, i))->name, d->name))
      return i;
  g_ptr_array_add(f->devices, g_memdup2(d, sizeof *d));
  return f->devices->len - 1;
}

static gboolean resolve_device(const PaleoCatalog *catalog, const PaleoMeasureSet *set, const PaleoMeasurement *row,
                               const char *device, const PaleoDevice **out, GError **error)
{
  const char *name = device ? device : row->device;
  if (!*name) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s:%u: the row names no device (give --device D)", set->path, row->line);
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  *out = paleo_catalog_device(catalog, name, &local);
  if (!*out) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN, "%s:%u: %s", set->path, row->line,
                local->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean of_arch(const PaleoDevice *d, const char *arch)
{
  return !arch || (d->arch && !g_ascii_strcasecmp(d->arch->name, arch));
}

/* Every row of `sets` (only those of generation `arch`'s devices when not NULL). */
static gboolean fit_init(Fit *f, GPtrArray *sets, const PaleoCatalog *catalog, const char *device, const char *arch,
                         GError **error)
{
  f->items = g_array_new(FALSE, FALSE, sizeof(Item));
  f->devices = g_ptr_array_new_with_free_func(g_free);
  f->cache = paleo_measure_cache_new();
  for (guint s = 0; s < sets->len; s++) {
    const PaleoMeasureSet *set = g_ptr_array_index(sets, s);
    for (guint r = 0; r < set->rows->len; r++) {
      const PaleoMeasurement *row = g_ptr_array_index(set->rows, r);
      const PaleoDevice *d = NULL;
      Item it = {set, row, 0, PALEO_PRECISION_FP32};
      if (!resolve_device(catalog, set, row, device, &d, error) ||
          !paleo_measure_precision(set, row, NULL, &it.precision, error))
        return FALSE;
      if (!of_arch(d, arch))
        continue;
      it.device = device_slot(f, d);
      g_array_append_val(f->items, it);
    }
  }
  return TRUE;
}

GPtrArray *paleo_calibrate_archs(GPtrArray *sets, const PaleoCatalog *catalog, const char *device, GError **error)
{
  Fit f = {0};
  GPtrArray *archs = g_ptr_array_new();
  gboolean ok = fit_init(&f, sets, catalog, device, NULL, error);
  for (guint i = 0; ok && i < f.devices->len; i++) {
    const PaleoArch *a = ((const PaleoDevice *)g_ptr_array_index(f.devices, i))->arch;
    if (a && !g_ptr_array_find(archs, a->name, NULL))
      g_ptr_array_add(archs, (gpointer)a->name);
  }
  fit_clear(&f);
  if (!ok) {
    g_ptr_array_unref(archs);
    return NULL;
  }
  return archs;
}

/* Mean |ln(pred / measured)| over every measured value; NAN on a prediction error. */
static double objective(Fit *f, const PaleoProfile *p, guint *values, GError **error)
{
  for (guint i = 0; i < f->devices->len; i++)
    ((PaleoDevice *)g_ptr_array_index(f->devices, i))->profile = *p,
    ((PaleoDevice *)g_ptr_array_index(f->devices, i))->blas_profile = *p;
  double sum = 0;
  guint n = 0;
  for (guint i = 0; i < f->items->len; i++) {
    const Item *it = &g_array_index(f->items, Item, i);
    double pred[PALEO_PASS_N];
    int algo[PALEO_PASS_N];
    if (!paleo_measure_predict(it->set, it->row, g_ptr_array_index(f->devices, it->device), "refined",
                               it->precision, PALEO_MEASURE_ALGO_ROW, f->cache, pred, algo, error))
      return NAN;
    for (guint v = 0; v < paleo_measure_n_values(it->set->kind); v++)
      if (isfinite(it->row->ms[v]) && pred[v] > 0 && isfinite(pred[v])) {
        sum += fabs(log(pred[v] / it->row->ms[v]));
        n++;
      }
  }
  f->evaluations++;
  if (values)
    *values = n;
  return n ? sum / n : 0;
}

static double round_sig(double v, int digits)
{
  if (v == 0 || !isfinite(v))
    return v;
  char buf[64];
  g_snprintf(buf, sizeof buf, "%.*g", digits, v);
  return g_ascii_strtod(buf, NULL);
}

/* p[k] scaled by e^(dir step), kept inside its range; FALSE when that changes nothing. */
static gboolean step_key(PaleoProfile *p, const PaleoProfileKey *k, double dir, double step)
{
  double *v = paleo_profile_field(p, k);
  double lo = k->lo_open ? k->lo + 1e-9 : k->lo;
  double x = fmin(fmax(round_sig(*v * exp(dir * step), 4), lo), k->hi);
  if (x == *v)
    return FALSE;
  *v = x;
  return TRUE;
}

/* Keeps `trial` when it beats *best; FALSE on a prediction error. */
static gboolean try_profile(Fit *f, PaleoProfile *p, const PaleoProfile *trial, double *best, gboolean *improved,
                            GError **error)
{
  double o = objective(f, trial, NULL, error);
  if (isnan(o))
    return FALSE;
  if (o < *best - 1e-12) {
    *best = o;
    *p = *trial;
    *improved = TRUE;
  }
  return TRUE;
}

/* One sweep: each fitted key stepped up, else down, by e^step while that helps. */
static gboolean sweep_keys(Fit *f, PaleoProfile *p, double step, double *best, gboolean *improved, GError **error)
{
  for (const PaleoProfileKey *k = paleo_profile_keys; k->key; k++) {
    if (!k->fitted)
      continue;
    if (*paleo_profile_field(p, k) == 0)
      *paleo_profile_field(p, k) = 1e-3;
    gboolean moved = FALSE;
    for (int dir = 1; dir >= -1 && !moved; dir -= 2) {
      PaleoProfile trial = *p;
      if (step_key(&trial, k, dir, step) && !try_profile(f, p, &trial, best, &moved, error))
        return FALSE;
    }
    *improved |= moved;
  }
  return TRUE;
}

/* Coordinate search in log space: sweeps of the fitted keys while one helps; the step
 * halves when none does, from e^0.4 down to 0.2 %. */
static gboolean search(Fit *f, PaleoProfile *p, double *best, GError **error)
{
  for (double step = 0.4; step > 0.002;) {
    gboolean improved = FALSE;
    if (!sweep_keys(f, p, step, best, &improved, error))
      return FALSE;
    if (!improved)
      step /= 2;
  }
  return TRUE;
}

gboolean paleo_calibrate_fit(GPtrArray *sets, const PaleoCatalog *catalog, const char *device, const char *arch,
                             PaleoProfile *profile, PaleoCalibrateResult *result, GError **error)
{
  g_return_val_if_fail(sets && catalog && profile && result, FALSE);
  Fit f = {0};
  memset(result, 0, sizeof *result);
  gboolean ok = fit_init(&f, sets, catalog, device, arch, error);
  for (const PaleoProfileKey *k = paleo_profile_keys; ok && k->key; k++)
    if (k->fitted)
      *paleo_profile_field(profile, k) = round_sig(paleo_profile_get(profile, k), 4);
  double best = ok ? objective(&f, profile, &result->values, error) : NAN;
  ok = ok && !isnan(best);
  if (ok && !result->values) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "no measured time to fit (%s)",
                arch ? "no row of that generation" : "every row is empty");
    ok = FALSE;
  }
  result->objective_start = best;
  ok = ok && search(&f, profile, &best, error);
  result->objective = best;
  result->evaluations = f.evaluations;
  fit_clear(&f);
  return ok;
}

char *paleo_calibrate_profile_text(const PaleoProfile *p, const char *group, const char *comment)
{
  GString *s = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(comment ? comment : "", "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l)
      g_string_append_printf(s, "# %s\n", *l);
  g_string_append_printf(s, group ? "[refined %s]\n" : "[refined]\n", group);
  for (const PaleoProfileKey *k = paleo_profile_keys; k->key; k++) {
    if (group && !k->fitted)
      continue;
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(buf, sizeof buf, "%.4g", paleo_profile_get(p, k));
    g_string_append_printf(s, "%s=%s\n", k->key, buf);
  }
  return g_string_free(s, FALSE);
}

/* ---- error summaries ---- */

typedef struct {
  GArray *paleo, *refined; /* of double, |pred / measured - 1| */
} ErrorLists;

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile (q in (0, 1]) of the values. */
static double percentile(GArray *v, double q)
{
  if (!v->len)
    return NAN;
  g_array_sort(v, cmp_double);
  guint rank = (guint)ceil(q * v->len);
  return g_array_index(v, double, rank ? rank - 1 : 0);
}

static const char *kind_name(const PaleoMeasureSet *set)
{
  return set->kind == PALEO_MEASURE_GEMM ? "gemm" : set->kind == PALEO_MEASURE_CONV ? "conv" : "layer";
}

static const char *value_pass(const PaleoMeasureSet *set, const PaleoMeasurement *row, guint v)
{
  static const char *const layer_passes[] = {"fwd", "bwd", "bwd_data", "bwd_filter", "total"};
  if (set->kind == PALEO_MEASURE_GEMM)
    return "-";
  if (set->kind == PALEO_MEASURE_LAYER)
    return layer_passes[row->pass];
  return paleo_pass_name((PaleoPass)v);
}

static guint error_row(GArray *rows, GPtrArray *lists, const char *device, const char *kind, const char *pass)
{
  for (guint i = 0; i < rows->len; i++) {
    const PaleoErrorRow *r = &g_array_index(rows, PaleoErrorRow, i);
    if (!strcmp(r->device, device) && !strcmp(r->kind, kind) && !strcmp(r->pass, pass))
      return i;
  }
  PaleoErrorRow r = {g_strdup(device), g_strdup(kind), g_strdup(pass), 0, 0, 0, 0, 0};
  g_array_append_val(rows, r);
  ErrorLists *l = g_new0(ErrorLists, 1);
  l->paleo = g_array_new(FALSE, FALSE, sizeof(double));
  l->refined = g_array_new(FALSE, FALSE, sizeof(double));
  g_ptr_array_add(lists, l);
  return rows->len - 1;
}

static void error_lists_free(gpointer p)
{
  ErrorLists *l = p;
  g_array_unref(l->paleo);
  g_array_unref(l->refined);
  g_free(l);
}

static gboolean add_item_errors(const Item *it, PaleoDevice *d, PaleoMeasureCache *cache, GArray *rows,
                                GPtrArray *lists, GError **error)
{
  double paleo[PALEO_PASS_N], refined[PALEO_PASS_N];
  int algo[PALEO_PASS_N];
  if (!paleo_measure_predict(it->set, it->row, d, "paleo", PALEO_PRECISION_FP32, PALEO_MEASURE_ALGO_ROW, cache, paleo, algo, error) ||
      !paleo_measure_predict(it->set, it->row, d, "refined", it->precision, PALEO_MEASURE_ALGO_ROW, cache, refined, algo, error))
    return FALSE;
  for (guint v = 0; v < paleo_measure_n_values(it->set->kind); v++) {
    double m = it->row->ms[v];
    if (!isfinite(m))
      continue;
    g_autofree char *kind = g_strdup_printf("%s/%s", kind_name(it->set), paleo_precision_name(it->precision));
    guint i = error_row(rows, lists, d->name, kind, value_pass(it->set, it->row, v));
    ErrorLists *l = g_ptr_array_index(lists, i);
    double pe = fabs(paleo[v] / m - 1), re = fabs(refined[v] / m - 1);
    g_array_append_val(l->paleo, pe);
    g_array_append_val(l->refined, re);
    g_array_index(rows, PaleoErrorRow, i).count++;
  }
  return TRUE;
}

GArray *paleo_calibrate_errors(GPtrArray *sets, const PaleoCatalog *catalog, const char *device,
                               const PaleoProfile *profile, GError **error)
{
  Fit f = {0};
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(PaleoErrorRow));
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func(error_lists_free);
  gboolean ok = fit_init(&f, sets, catalog, device, NULL, error);
  for (guint i = 0; ok && profile && i < f.devices->len; i++)
    ((PaleoDevice *)g_ptr_array_index(f.devices, i))->profile = *profile,
    ((PaleoDevice *)g_ptr_array_index(f.devices, i))->blas_profile = *profile;
  for (guint i = 0; ok && i < f.items->len; i++) {
    const Item *it = &g_array_index(f.items, Item, i);
    ok = add_item_errors(it, g_ptr_array_index(f.devices, it->device), f.cache, rows, lists, error);
  }
  for (guint i = 0; ok && i < rows->len; i++) {
    PaleoErrorRow *r = &g_array_index(rows, PaleoErrorRow, i);
    ErrorLists *l = g_ptr_array_index(lists, i);
    *r = (PaleoErrorRow){r->device, r->kind, r->pass, r->count, percentile(l->paleo, 0.5),
                         percentile(l->paleo, 0.9), percentile(l->refined, 0.5), percentile(l->refined, 0.9)};
  }
  fit_clear(&f);
  if (!ok) {
    paleo_error_rows_free(rows);
    return NULL;
  }
  return rows;
}

void paleo_error_rows_free(GArray *rows)
{
  if (!rows)
    return;
  for (guint i = 0; i < rows->len; i++) {
    PaleoErrorRow *r = &g_array_index(rows, PaleoErrorRow, i);
    g_free(r->device);
    g_free(r->kind);
    g_free(r->pass);
  }
  g_array_unref(rows);
}

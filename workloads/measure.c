/* Measured kernel and layer times (see measure.h): CSV reading by header names, and the
 * prediction of each row by the paleo or refined model. */
#include "workloads/measure.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hardware/config_dir.h"
#include "workloads/cost.h"
#include "workloads/net.h"

/* ---- CSV ---- */

/* Splits one CSV line into fields (double quotes group commas, "" is a quote). */
static GPtrArray *split_csv(const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
  GString *cur = g_string_new(NULL);
  gboolean quoted = FALSE;
  for (const char *c = line;; c++) {
    if (*c == '"' && quoted && c[1] == '"') {
      g_string_append_c(cur, '"');
      c++;
    } else if (*c == '"') {
      quoted = !quoted;
    } else if ((*c == ',' && !quoted) || !*c) {
      g_ptr_array_add(fields, g_strdup(g_strstrip(cur->str)));
      g_string_truncate(cur, 0);
      if (!*c)
        break;
    } else {
      g_string_append_c(cur, *c);
    }
  }
  g_string_free(cur, TRUE);
  return fields;
}

static int column(GPtrArray *header, const char *name)
{
  for (guint i = 0; i < header->len; i++)
    if (!g_ascii_strcasecmp(g_ptr_array_index(header, i), name))
      return (int)i;
  return -1;
}

static const char *const gemm_cols[] = {"m", "n", "k", "time_ms", NULL};
static const char *const conv_cols[] = {"input_w", "input_h", "input_c", "batch_n", "output_k", "filter_w_s",
                                        "filter_h_r", "pad_w", "pad_h", "stride_w", "stride_h",
                                        "fwd_time_ms", "bwd_inputs_time_ms", "bwd_params_time_ms", NULL};
static const char *const layer_cols[] = {"net", "layer", "pass", "batch", "ms", NULL};

static gboolean has_all(GPtrArray *header, const char *const *cols)
{
  for (const char *const *c = cols; *c; c++)
    if (column(header, *c) < 0)
      return FALSE;
  return TRUE;
}

/* Column indices of one kind, in its table's order. */
typedef struct {
  PaleoMeasureKind kind;
  int col[16];
  int device, precision, fwd_algorithm, a_transpose;
} Layout;

/* DeepBench files of kinds that are not single-device kernels or layers: their own message. */
static gboolean unsupported_kind(GPtrArray *header, const char *path, GError **error)
{
  if (column(header, "hidden_units") >= 0 && column(header, "timesteps") >= 0) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s:1: DeepBench recurrent-layer (RNN) rows are not supported: the kernel model costs GEMM and "
                "convolution rows (and per-layer rows); a recurrent layer's time depends on cuDNN's persistent "
                "kernels, which it does not model", path);
    return TRUE;
  }
  if (column(header, "num_gpus") >= 0 && column(header, "size_floats") >= 0) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%s:1: DeepBench all-reduce rows are not a single-device kernel: simulate them with `paleosim run` "
                "(a one-layer net whose gradient is the buffer, collective = ring; docs/accuracy.md does it for "
                "the calibration GPUs)", path);
    return TRUE;
  }
  return FALSE;
}

static gboolean detect(GPtrArray *header, const char *path, Layout *out, GError **error)
{
  const char *const *cols = NULL;
  if (unsupported_kind(header, path, error))
    return FALSE;
  if (has_all(header, conv_cols))
    out->kind = PALEO_MEASURE_CONV, cols = conv_cols;
  else if (has_all(header, gemm_cols))
    out->kind = PALEO_MEASURE_GEMM, cols = gemm_cols;
  else if (has_all(header, layer_cols))
    out->kind = PALEO_MEASURE_LAYER, cols = layer_cols;
  else {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE,
                "%s:1: unknown header: expected DeepBench GEMM columns (m,n,k,time_ms), conv columns "
                "(input_w,input_h,input_c,batch_n,output_k,filter_w_s,filter_h_r,pad_w,pad_h,stride_w,"
                "stride_h,fwd_time_ms,bwd_inputs_time_ms,bwd_params_time_ms) or net,layer,pass,batch,ms", path);
    return FALSE;
  }
  for (int i = 0; cols[i]; i++)
    out->col[i] = column(header, cols[i]);
  out->device = column(header, "device");
  out->precision = column(header, "precision");
  out->fwd_algorithm = column(header, "fwd_algorithm");
  out->a_transpose = column(header, "a_transpose");
  return TRUE;
}

/* One row being read: its fields and where it is, for messages. */
typedef struct {
  const char *path;
  guint line;
  GPtrArray *header, *fields;
} Cursor;

static const char *cell(const Cursor *c, int col)
{
  return col >= 0 && (guint)col < c->fields->len ? g_ptr_array_index(c->fields, col) : "";
}

static gboolean bad_cell(const Cursor *c, int col, const char *expect, GError **error)
{
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "%s:%u: column %s = '%s': expected %s",
              c->path, c->line, (const char *)g_ptr_array_index(c->header, col), cell(c, col), expect);
  return FALSE;
}

/* An integer >= lo. */
static gboolean read_int(const Cursor *c, int col, int64_t lo, int64_t *out, GError **error)
{
  const char *s = cell(c, col);
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod(s, &end);
  if (!*s || *end || errno || v != floor(v) || v < (double)lo || v > 1e15)
    return bad_cell(c, col, lo > 0 ? "a positive integer" : "an integer >= 0", error);
  *out = (int64_t)v;
  return TRUE;
}

/* A time in ms > 0, or NAN for an empty cell when `optional`. */
static gboolean read_ms(const Cursor *c, int col, gboolean optional, double *out, GError **error)
{
  const char *s = cell(c, col);
  char *end = NULL;
  if (!*s && optional) {
    *out = NAN;
    return TRUE;
  }
  double v = g_ascii_strtod(s, &end);
  if (!*s || *end || !isfinite(v) || v <= 0)
    return bad_cell(c, col, optional ? "a time in ms > 0 or an empty cell" : "a time in ms > 0", error);
  *out = v;
  return TRUE;
}

static gboolean read_gemm(const Cursor *c, const Layout *l, PaleoMeasurement *r, GError **error)
{
  int64_t m, n, k;
  if (!read_int(c, l->col[0], 1, &m, error) || !read_int(c, l->col[1], 1, &n, error) ||
      !read_int(c, l->col[2], 1, &k, error) || !read_ms(c, l->col[3], FALSE, &r->ms[0], error))
    return FALSE;
  r->m = (double)m, r->n = (double)n, r->k = (double)k;
  const char *ta = cell(c, l->a_transpose);
  if (*ta && g_ascii_strcasecmp(ta, "N") && g_ascii_strcasecmp(ta, "T"))
    return bad_cell(c, l->a_transpose, "N or T (or an empty cell: N)", error);
  r->transposed_a = !g_ascii_strcasecmp(ta, "T");
  return TRUE;
}

static gboolean read_conv(const Cursor *c, const Layout *l, PaleoMeasurement *r, GError **error)
{
  int64_t v[11];
  for (int i = 0; i < 11; i++) {
    gboolean pad = i == 7 || i == 8;
    if (!read_int(c, l->col[i], pad ? 0 : 1, &v[i], error))
      return FALSE;
  }
  /* w h c n k s r pad_w pad_h stride_w stride_h */
  paleo_conv_geom_init(&r->conv, v[3], v[2], v[1], v[0], v[4], v[6], v[5], v[8], v[7], v[10], v[9]);
  if (r->conv.p < 1 || r->conv.q < 1)
    return bad_cell(c, l->col[6], "a filter that fits the padded input", error);
  for (int p = 0; p < PALEO_PASS_N; p++)
    if (!read_ms(c, l->col[11 + p], TRUE, &r->ms[p], error))
      return FALSE;
  PaleoKernelAlgo a;
  r->fwd_algo = paleo_conv_algo_parse(cell(c, l->fwd_algorithm), &a) ? (int)a : -1;
  return TRUE;
}

static gboolean parse_pass(const char *s, PaleoLayerPass *out)
{
  static const char *const names[] = {"fwd", "bwd", "bwd_data", "bwd_filter", "total"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    if (!g_ascii_strcasecmp(s, names[i])) {
      *out = (PaleoLayerPass)i;
      return TRUE;
    }
  return FALSE;
}

static gboolean read_layer(const Cursor *c, const Layout *l, PaleoMeasurement *r, GError **error)
{
  if (!*cell(c, l->col[0]) || !*cell(c, l->col[1]))
    return bad_cell(c, l->col[*cell(c, l->col[0]) ? 1 : 0], "a net and a layer name", error);
  if (!parse_pass(cell(c, l->col[2]), &r->pass))
    return bad_cell(c, l->col[2], "fwd, bwd, bwd_data, bwd_filter or total", error);
  r->net = g_strdup(cell(c, l->col[0]));
  r->layer = g_strdup(cell(c, l->col[1]));
  return read_int(c, l->col[3], 1, &r->batch, error) && read_ms(c, l->col[4], FALSE, &r->ms[0], error);
}

static void measurement_free(gpointer p)
{
  PaleoMeasurement *r = p;
  g_free(r->text);
  g_free(r->device);
  g_free(r->precision);
  g_free(r->net);
  g_free(r->layer);
  g_free(r);
}

static PaleoMeasurement *read_row(const Cursor *c, const Layout *l, const char *text, GError **error)
{
  PaleoMeasurement *r = g_new0(PaleoMeasurement, 1);
  for (int p = 0; p < PALEO_PASS_N; p++)
    r->ms[p] = NAN;
  r->line = c->line;
  r->fwd_algo = -1;
  r->text = g_strdup(text);
  r->device = g_strdup(cell(c, l->device));
  r->precision = g_strdup(cell(c, l->precision));
  gboolean ok = l->kind == PALEO_MEASURE_GEMM ? read_gemm(c, l, r, error)
              : l->kind == PALEO_MEASURE_CONV ? read_conv(c, l, r, error)
                                              : read_layer(c, l, r, error);
  if (!ok) {
    measurement_free(r);
    return NULL;
  }
  return r;
}

void paleo_measure_set_free(PaleoMeasureSet *set)
{
  if (!set)
    return;
  g_free(set->path);
  g_free(set->header);
  if (set->rows)
    g_ptr_array_unref(set->rows);
  g_free(set);
}

PaleoMeasureSet *paleo_measure_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!paleo_config_read_file(path, &text, NULL, &local)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE, "%s: cannot read: %s", path, local->message);
    return NULL;
  }
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(PaleoMeasureSet) set = g_new0(PaleoMeasureSet, 1);
  set->path = g_strdup(path);
  set->rows = g_ptr_array_new_with_free_func(measurement_free);
  g_autoptr(GPtrArray) header = NULL;
  Layout layout = {0};
  for (guint i = 0; lines[i]; i++) {
    g_strchomp(lines[i]); /* CR of CRLF files */
    if (!*lines[i])
      continue;
    g_autoptr(GPtrArray) fields = split_csv(lines[i]);
    if (!header) {
      header = g_steal_pointer(&fields);
      set->header = g_strdup(lines[i]);
      if (!detect(header, path, &layout, error))
        return NULL;
      set->kind = layout.kind;
      continue;
    }
    Cursor c = {path, i + 1, header, fields};
    PaleoMeasurement *r = read_row(&c, &layout, lines[i], error);
    if (!r)
      return NULL;
    g_ptr_array_add(set->rows, r);
  }
  if (!header) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_PARSE, "%s: empty file (expected a CSV header)", path);
    return NULL;
  }
  return g_steal_pointer(&set);
}

guint paleo_measure_n_values(PaleoMeasureKind kind)
{
  return kind == PALEO_MEASURE_CONV ? PALEO_PASS_N : 1;
}

gboolean paleo_measure_precision(const PaleoMeasureSet *set, const PaleoMeasurement *row, const char *forced,
                                 PaleoPrecision *out, GError **error)
{
  const char *name = forced ? forced : *row->precision ? row->precision : "fp32";
  if (paleo_precision_parse(name, out))
    return TRUE;
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "%s:%u: precision '%s' is unknown (expected %s)",
              set->path, row->line, name, paleo_precision_names_text());
  return FALSE;
}

/* ---- predictions ---- */

/* PALEO's matmul: t_comp(2mnk) + t_mem of A, B and C (4 bytes each), ppp 1. */
static double paleo_gemm_ms(const PaleoDevice *d, double m, double n, double k)
{
  return paleo_timing_comp_ms(d, 2 * m * n * k, 1) + paleo_timing_mem_ms(d, 4 * m * k, 1) +
         paleo_timing_mem_ms(d, 4 * k * n, 1) + paleo_timing_mem_ms(d, 4 * m * n, 1);
}

/* PALEO's GEMM model of the three passes (its dummy convolutions for the backward). */
static void paleo_conv_ms(const PaleoDevice *d, const PaleoConvGeom *g, double out[PALEO_PASS_N])
{
  PaleoConvSpec fwd, data, filter;
  PaleoShape in = {g->n, g->h, g->w, g->c};
  paleo_conv_spec_init(&fwd, in, g->r, g->s, g->k, g->stride_h, g->stride_w, PALEO_PAD_EXPLICIT, g->pad_h,
                       g->pad_w);
  paleo_conv_spec_grad_data(&fwd, &data);
  paleo_conv_spec_grad_filter(&fwd, &filter);
  out[PALEO_PASS_FWD] = paleo_time_total_ms(paleo_cost_conv_gemm(&fwd, d, 1));
  out[PALEO_PASS_BWD_DATA] = paleo_time_total_ms(paleo_cost_conv_gemm(&data, d, 1));
  out[PALEO_PASS_BWD_FILTER] = paleo_time_total_ms(paleo_cost_conv_gemm(&filter, d, 1));
}

typedef struct {
  char *key;               /* net@batch */
  PaleoNet *net;
  PaleoNetCost *cost;
  PaleoProfile profile, blas_profile; /* the profiles the cost was computed with */
  const PaleoDevice *device;
  char *model;
  PaleoPrecision precision;
} CacheEntry;

struct PaleoMeasureCache {
  GHashTable *entries;     /* key -> CacheEntry* (lookup only; never iterated) */
};

static void cache_entry_free(gpointer p)
{
  CacheEntry *e = p;
  g_free(e->key);
  g_free(e->model);
  paleo_net_cost_free(e->cost);
  if (e->net)
    paleo_net_free(e->net);
  g_free(e);
}

PaleoMeasureCache *paleo_measure_cache_new(void)
{
  PaleoMeasureCache *c = g_new0(PaleoMeasureCache, 1);
  c->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, cache_entry_free);
  return c;
}

void paleo_measure_cache_free(PaleoMeasureCache *c)
{
  if (!c)
    return;
  g_hash_table_unref(c->entries);
  g_free(c);
}

static CacheEntry *cache_net(PaleoMeasureCache *c, const char *net, int64_t batch, GError **error)
{
  g_autofree char *key = g_strdup_printf("%s@%" G_GINT64_FORMAT, net, batch);
  CacheEntry *e = g_hash_table_lookup(c->entries, key);
  if (e)
    return e;
  PaleoNet *n = paleo_net_load_named(net, batch, error);
  if (!n)
    return NULL;
  e = g_new0(CacheEntry, 1);
  e->key = g_steal_pointer(&key);
  e->net = n;
  g_hash_table_insert(c->entries, e->key, e);
  return e;
}

static gboolean cost_current(const CacheEntry *e, const PaleoDevice *d, const char *model, PaleoPrecision p)
{
  return e->cost && e->device == d && !strcmp(e->model, model) && e->precision == p &&
         !memcmp(&e->profile, &d->profile, sizeof e->profile) &&
         !memcmp(&e->blas_profile, &d->blas_profile, sizeof e->blas_profile);
}

static gboolean predict_layer(const PaleoMeasureSet *set, const PaleoMeasurement *row, const PaleoDevice *d,
                              const char *model_name, PaleoPrecision precision, PaleoMeasureCache *cache,
                              double *out, GError **error)
{
  CacheEntry *e = cache_net(cache, row->net, row->batch, error);
  if (!e)
    return FALSE;
  if (!cost_current(e, d, model_name, precision)) {
    const PaleoCostModel *model = paleo_cost_model_find(model_name, error);
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    o.precision = precision;
    paleo_net_cost_free(e->cost);
    e->cost = model ? model->cost_net(e->net, d, &o, error) : NULL;
    if (!e->cost)
      return FALSE;
    e->device = d, e->profile = d->profile, e->blas_profile = d->blas_profile, e->precision = precision;
    g_free(e->model);
    e->model = g_strdup(model_name);
  }
  for (guint i = 0; i < e->net->layers->len; i++) {
    if (strcmp(paleo_net_layer(e->net, i)->name, row->layer))
      continue;
    const PaleoLayerCost *c = &e->cost->layers[i];
    double f = paleo_time_total_ms(paleo_layer_cost_fwd(c)), b = paleo_time_total_ms(paleo_layer_cost_bwd(c));
    double parts[] = {f, b, paleo_time_total_ms(c->bwd_data), paleo_time_total_ms(c->bwd_filter), f + b};
    *out = parts[row->pass];
    return TRUE;
  }
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN, "%s:%u: net %s has no layer '%s'", set->path,
              row->line, row->net, row->layer);
  return FALSE;
}

/* The algorithms a pass of a conv row may use (see PaleoMeasureAlgo). On a device with
 * matrix units, a row run with implicit GEMM ran its backward passes as implicit GEMM too:
 * DeepBench's cuDNN-7 harness (conv_bench.cu since commit 30c5115) pins BWD_DATA_ALGO_1 and
 * BWD_FILTER_ALGO_1, "the only ones tensor-op math supports", in FP32 and FP16 alike. */
static guint row_algorithms(const PaleoMeasurement *row, const PaleoDevice *d, PaleoMeasureAlgo algos, PaleoPass pass)
{
  if (algos == PALEO_MEASURE_ALGO_FASTEST || row->fwd_algo < 0)
    return paleo_conv_algos_fastest(pass);
  if (pass == PALEO_PASS_FWD || (row->fwd_algo == PALEO_ALGO_IMPLICIT_GEMM && paleo_device_has_matrix_units(d)))
    return 1u << row->fwd_algo;
  return paleo_conv_algo_family((PaleoKernelAlgo)row->fwd_algo);
}

gboolean paleo_measure_predict(const PaleoMeasureSet *set, const PaleoMeasurement *row, const PaleoDevice *d,
                               const char *model, PaleoPrecision precision, PaleoMeasureAlgo algos,
                               PaleoMeasureCache *cache, double out[PALEO_PASS_N], int algo[PALEO_PASS_N],
                               GError **error)
{
  for (int p = 0; p < PALEO_PASS_N; p++)
    out[p] = NAN, algo[p] = -1;
  gboolean refined = !g_ascii_strcasecmp(model, "refined");
  if (!refined && g_ascii_strcasecmp(model, "paleo")) {
    paleo_cost_model_find(model, error);
    return FALSE;
  }
  if (set->kind == PALEO_MEASURE_LAYER)
    return predict_layer(set, row, d, refined ? "refined" : "paleo", refined ? precision : PALEO_PRECISION_FP32,
                         cache, &out[0], error);
  if (!refined) {
    if (!paleo_cost_device_validate(d, error))
      return FALSE;
    if (set->kind == PALEO_MEASURE_GEMM)
      out[0] = paleo_gemm_ms(d, row->m, row->n, row->k);
    else
      paleo_conv_ms(d, &row->conv, out);
    return TRUE;
  }
  PaleoMath mt;
  if (!paleo_math_init(&mt, d, precision, error))
    return FALSE;
  if (set->kind == PALEO_MEASURE_GEMM) {
    out[0] = paleo_kernel_gemm_op(d, &mt, row->m, row->n, row->k, row->transposed_a).ms;
    return TRUE;
  }
  for (int p = 0; p < PALEO_PASS_N; p++) {
    PaleoConvTime t = paleo_kernel_conv_among(d, &mt, &row->conv, (PaleoPass)p, row_algorithms(row, d, algos, p));
    out[p] = t.ms;
    algo[p] = (int)t.algo;
  }
  return TRUE;
}

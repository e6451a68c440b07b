/* The `paleo` cost model per layer and per net (PALEO-MODEL.md §4-§6, §8), and the
 * registry of cost models. */
#include "workloads/cost.h"

#include <math.h>
#include <string.h>

#include "workloads/cost_int.h"

#define BYTES_FLOAT 4.0

const char *const paleo_optimizer_names[] = {"sgd", "adam", NULL};

void paleo_cost_options_init(PaleoCostOptions *options)
{
  *options = (PaleoCostOptions){.ppp_comp = 1.0, .ppp_comm = 1.0,
                                .conv_algo = PALEO_CONV_ALGO_GEMM};
}

static gboolean check_positive(const char *what, double v, GError **error)
{
  if (isfinite(v) && v > 0.0)
    return TRUE;
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
              "%s = %g is invalid (expected a positive number)", what, v);
  return FALSE;
}

gboolean paleo_cost_options_validate(const PaleoCostOptions *o, GError **error)
{
  if (!check_positive("ppp_comp", o->ppp_comp, error) ||
      !check_positive("ppp_comm", o->ppp_comm, error))
    return FALSE;
  if (o->batch < 0) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "batch = %" G_GINT64_FORMAT " is invalid (expected a positive number)", o->batch);
    return FALSE;
  }
  if (!isfinite(o->cross_device_gbytes_per_s) || o->cross_device_gbytes_per_s < 0.0) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "cross-device bandwidth = %g GB/s is invalid (expected >= 0; 0 = device memory)",
                o->cross_device_gbytes_per_s);
    return FALSE;
  }
  return TRUE;
}

gboolean paleo_cost_device_validate(const PaleoDevice *d, GError **error)
{
  const struct { const char *key; double v; } figures[] = {
    {"clock_mhz", d->clock_mhz}, {"peak_gflops", d->peak_gflops}, {"mem_gbps", d->mem_gbps}};
  for (guint i = 0; i < G_N_ELEMENTS(figures); i++) {
    if (isfinite(figures[i].v) && figures[i].v > 0.0)
      continue;
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "device %s: %s = %g is invalid (expected a positive number)", d->name,
                figures[i].key, figures[i].v);
    return FALSE;
  }
  return TRUE;
}

PaleoCompComm paleo_layer_cost_fwd(const PaleoLayerCost *c)
{
  return paleo_time_add(c->fwd, c->fetch);
}

PaleoCompComm paleo_layer_cost_bwd(const PaleoLayerCost *c)
{
  return paleo_time_add(paleo_time_add(c->bwd_data, c->bwd_filter), c->fetch);
}

/* Everything costed in one layer: its net, device and options, and the batch in use. */
typedef struct {
  const PaleoNet *net;
  const PaleoLayer *layer;
  const PaleoDevice *device;
  const PaleoCostOptions *options;
  int64_t batch;
} LayerContext;

static PaleoShape with_batch(PaleoShape s, int64_t batch)
{
  s.n = batch;
  return s;
}

static double mem_ms(const LayerContext *x, double elems)
{
  return paleo_timing_mem_ms(x->device, elems * BYTES_FLOAT, x->options->ppp_comp);
}

static double comp_ms(const LayerContext *x, double flops)
{
  return paleo_timing_comp_ms(x->device, flops, x->options->ppp_comp);
}

gboolean paleo_cost_fed_by_data(const PaleoNet *net, guint index)
{
  const PaleoLayer *l = paleo_net_layer(net, index);
  for (guint i = 0; i < l->n_parents; i++)
    if (!strcmp(paleo_net_layer(net, l->parents[i])->name, "data"))
      return TRUE;
  return FALSE;
}

static gboolean fed_by_data(const LayerContext *x)
{
  return paleo_cost_fed_by_data(x->net, (guint)(x->layer - paleo_net_layer(x->net, 0)));
}

static PaleoConvSpec layer_conv(const LayerContext *x)
{
  const PaleoLayer *l = x->layer;
  PaleoConvSpec c;
  paleo_conv_spec_init(&c, with_batch(l->input, x->batch), l->kh, l->kw, l->output.c, l->sh,
                       l->sw, l->padding, l->pad_h, l->pad_w);
  return c;
}

static PaleoCompComm gemm(const LayerContext *x, const PaleoConvSpec *c)
{
  return paleo_cost_conv_gemm(c, x->device, x->options->ppp_comp);
}

static void cost_conv(const LayerContext *x, PaleoLayerCost *out)
{
  PaleoConvSpec fwd = layer_conv(x), data, filter;
  paleo_conv_spec_grad_data(&fwd, &data);
  paleo_conv_spec_grad_filter(&fwd, &filter);
  double ppp = x->options->ppp_comp;
  gboolean one_by_one = fwd.kh == 1 && fwd.kw == 1;
  out->is_conv = TRUE;
  out->fwd_fft = paleo_cost_conv_fft(&fwd, x->device, ppp, FALSE);
  out->fwd_fft_tiling = paleo_cost_conv_fft(&fwd, x->device, ppp, TRUE);
  if (x->options->conv_algo == PALEO_CONV_ALGO_FFT && !one_by_one)
    out->fwd = out->fwd_fft;
  else if (x->options->conv_algo == PALEO_CONV_ALGO_FFT_TILING && !one_by_one)
    out->fwd = out->fwd_fft_tiling;
  else
    out->fwd = gemm(x, &fwd);
  out->fwd_flops = paleo_conv_gemm_flops(&fwd);
  if (!fed_by_data(x)) {
    out->bwd_data = gemm(x, &data);
    out->bwd_flops += paleo_conv_gemm_flops(&data);
  }
  out->bwd_filter = gemm(x, &filter);
  out->bwd_flops += paleo_conv_gemm_flops(&filter);
}

/* Deconvolution = transposed convolution T (input: this layer's output). Forward is T's
 * data gradient; backward-data is T's forward; backward-filter is the filter gradient of
 * that equivalent convolution, with its holes moved into the filter (PALEO's Deconv2D). */
static void cost_deconv(const LayerContext *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  PaleoConvSpec t, eq, filter;
  paleo_conv_spec_init(&t, with_batch(l->output, x->batch), l->kh, l->kw, l->input.c, l->sh,
                       l->sw, l->padding, l->pad_h, l->pad_w);
  paleo_conv_spec_grad_data(&t, &eq);
  paleo_conv_spec_grad_filter(&eq, &filter);
  filter.holes = eq.holes;
  filter.holes_in_input = FALSE;
  if (!fed_by_data(x)) {
    out->fwd = gemm(x, &eq);
    out->fwd_flops = paleo_conv_gemm_flops(&eq);
  }
  out->bwd_data = gemm(x, &t);
  out->bwd_filter = gemm(x, &filter);
  out->bwd_flops = paleo_conv_gemm_flops(&t) + paleo_conv_gemm_flops(&filter);
}

/* Y[a, c] = X[a, b] W[b, c]: 2abc flops, t_mem of X, W and Y. */
static PaleoCompComm matmul(const LayerContext *x, double a, double b, double c)
{
  PaleoCompComm t;
  t.comm_ms = mem_ms(x, a * b) + mem_ms(x, b * c) + mem_ms(x, a * c);
  t.comp_ms = comp_ms(x, 2 * a * b * c);
  return t;
}

static void cost_inner_product(const LayerContext *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  double n = (double)x->batch;
  double k = (double)(l->input.h * l->input.w * l->input.c);
  double m = (double)l->output.c;
  out->fwd = matmul(x, n, k, m);          /* X[N,K] W[K,M] */
  out->bwd_data = matmul(x, n, m, k);     /* dY[N,M] W^T[M,K] */
  out->bwd_filter = matmul(x, k, n, m);   /* X^T[K,N] dY[N,M] */
  out->fwd_flops = 2 * n * k * m;
  out->bwd_flops = 2 * out->fwd_flops;
}

/* Pooling and dropout: backward (data only) costs the same as forward. */
static void cost_elementwise_like(const LayerContext *x, double flops, PaleoLayerCost *out)
{
  double in = (double)paleo_shape_elems(with_batch(x->layer->input, x->batch));
  double outp = (double)paleo_shape_elems(with_batch(x->layer->output, x->batch));
  out->fwd.comm_ms = mem_ms(x, in) + mem_ms(x, outp);
  out->fwd.comp_ms = comp_ms(x, flops);
  out->fwd_flops = flops;
  out->bwd_data = out->fwd;
  out->bwd_flops = flops;
}

static void cost_pool(const LayerContext *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  double flops = 2.0 * (double)(l->kh * l->kw * l->input.c) *
                 (double)(l->output.h * l->output.w) * (double)x->batch;
  cost_elementwise_like(x, flops, out);
}

static void cost_dropout(const LayerContext *x, PaleoLayerCost *out)
{
  cost_elementwise_like(x, (double)paleo_shape_elems(with_batch(x->layer->input, x->batch)),
                        out);
}

/* PALEO's device of a layer: "name@i" runs on device i, anything else on device 0. The
 * original compares the string '0' with the integer 0, so split 0 and the unsplit layers
 * count as different devices; -1 encodes "unsplit" to keep that quirk. */
static int device_of(const PaleoLayer *l)
{
  return l->split >= 0 ? l->split : -1;
}

static int group_of(int device)
{
  return (device < 0 ? 0 : device) / 4;
}

/* ModelParallel input fetch (PALEO-MODEL.md §8): 4 |input| bytes from each parent on
 * another device; with several parents, each one in another group of 4 halves the
 * bandwidth for it and the following parents (the original's running `bandwidth /= 2`). */
static PaleoCompComm cost_fetch(const LayerContext *x, double bytes_per_element)
{
  const PaleoLayer *l = x->layer;
  double bw = x->options->cross_device_gbytes_per_s > 0 ? x->options->cross_device_gbytes_per_s
                                                       : x->device->mem_gbps;
  int self = device_of(l);
  PaleoCompComm t = {0, 0};
  for (guint i = 0; i < l->n_parents; i++) {
    const PaleoLayer *p = paleo_net_layer(x->net, l->parents[i]);
    int dev = device_of(p);
    if (dev == self)
      continue;
    if (l->n_parents > 1 && group_of(dev) != group_of(self))
      bw /= 2;
    double bytes = (double)paleo_shape_elems(with_batch(p->output, x->batch)) * bytes_per_element;
    t.comm_ms += paleo_timing_transfer_ms(x->device, bytes, bw, x->options->ppp_comm);
  }
  return t;
}

PaleoCompComm paleo_cost_layer_fetch(const PaleoNet *net, guint index, const PaleoDevice *device,
                                     const PaleoCostOptions *options, double bytes_per_element)
{
  LayerContext x = {net, paleo_net_layer(net, index), device, options,
                    options->batch > 0 ? options->batch : net->batch};
  return cost_fetch(&x, bytes_per_element);
}

void paleo_cost_layer(const PaleoNet *net, guint index, const PaleoDevice *device,
                      const PaleoCostOptions *options, PaleoLayerCost *out)
{
  g_return_if_fail(net && index < net->layers->len && device && options && out);
  LayerContext x = {net, paleo_net_layer(net, index), device, options,
                    options->batch > 0 ? options->batch : net->batch};
  memset(out, 0, sizeof *out);
  for (int p = 0; p < PALEO_PASS_N; p++)
    out->conv_algo[p] = -1;
  switch (x.layer->type) {
  case PALEO_LAYER_CONV: cost_conv(&x, out); break;
  case PALEO_LAYER_DECONV: cost_deconv(&x, out); break;
  case PALEO_LAYER_INNER_PRODUCT: cost_inner_product(&x, out); break;
  case PALEO_LAYER_POOL:
  case PALEO_LAYER_AVGPOOL: cost_pool(&x, out); break;
  case PALEO_LAYER_DROPOUT: cost_dropout(&x, out); break;
  default:
    if (paleo_cost_is_transformer(x.layer))
      paleo_cost_tfm_paleo(net, index, device, options, x.batch, out);
    break; /* Input, Softmax, Concat, Elementwise, others: PALEO costs nothing */
  }
  out->fetch = cost_fetch(&x, BYTES_FLOAT);
}

PaleoCompComm paleo_cost_update(const PaleoDevice *device, double params_bytes)
{
  double params = floor(params_bytes / 4);
  PaleoCompComm t;
  t.comp_ms = paleo_timing_comp_ms(device, 2 * params, 1.0);
  t.comm_ms = 3 * paleo_timing_mem_ms(device, params_bytes, 1.0);
  return t;
}

double paleo_cost_params_bytes(const PaleoNet *net)
{
  double bytes = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (paleo_net_layer_weighted(l))
      bytes += (double)l->params * BYTES_FLOAT;
  }
  return bytes;
}

/* The same for one device of a tensor-parallel group. */
static double device_params_bytes(const PaleoNet *net, const PaleoCostOptions *o)
{
  if (o->tensor <= 1)
    return paleo_cost_params_bytes(net);
  double bytes = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (paleo_net_layer_weighted(l))
      bytes += paleo_cost_layer_params_on_device(l, o) * BYTES_FLOAT;
  }
  return bytes;
}

static PaleoPhaseTimes phase_times(double fwd, double bwd, double update)
{
  return (PaleoPhaseTimes){fwd, bwd, update, fwd + bwd + update};
}

PaleoNetCost *paleo_cost_net(const PaleoNet *net, const PaleoDevice *device,
                             const PaleoCostOptions *options, GError **error)
{
  g_return_val_if_fail(net && device && options, NULL);
  if (!paleo_cost_options_validate(options, error) ||
      !paleo_cost_device_validate(device, error))
    return NULL;
  if (options->precision != PALEO_PRECISION_FP32) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "precision = %s is invalid for the paleo model (PALEO is FP32 only; use the refined model)",
                paleo_precision_name(options->precision));
    return NULL;
  }
  PaleoNetCost *c = g_new0(PaleoNetCost, 1);
  c->n_layers = net->layers->len;
  c->layers = g_new0(PaleoLayerCost, c->n_layers);
  c->batch = options->batch > 0 ? options->batch : net->batch;
  double fwd_lb = 0, bwd_lb = 0;
  for (guint i = 0; i < c->n_layers; i++) {
    paleo_cost_layer(net, i, device, options, &c->layers[i]);
    PaleoCompComm f = paleo_layer_cost_fwd(&c->layers[i]);
    PaleoCompComm b = paleo_layer_cost_bwd(&c->layers[i]);
    c->fwd = paleo_time_add(c->fwd, f);
    c->bwd = paleo_time_add(c->bwd, b);
    fwd_lb += paleo_time_lowerbound_ms(f);
    bwd_lb += paleo_time_lowerbound_ms(b);
  }
  c->params_bytes = device_params_bytes(net, options);
  c->bytes_per_element = BYTES_FLOAT;
  c->update = paleo_cost_update(device, c->params_bytes);
  c->serial = phase_times(paleo_time_total_ms(c->fwd), paleo_time_total_ms(c->bwd),
                          paleo_time_total_ms(c->update));
  c->pipelined = phase_times(fwd_lb, bwd_lb, paleo_time_lowerbound_ms(c->update));
  c->chosen = options->use_pipeline ? c->pipelined : c->serial;
  return c;
}

void paleo_net_cost_free(PaleoNetCost *cost)
{
  if (!cost)
    return;
  g_free(cost->layers);
  g_free(cost);
}

const PaleoCostModel paleo_cost_models[] = {
  {"paleo", "the original PALEO's analytical model, quirks included (GEMM/FFT convs, "
            "dummy-conv backward, PPP)", paleo_cost_net},
  {"refined", "per-kernel roofline with tile/wave quantisation, memory-bound layers, cuDNN-style "
              "conv algorithms, no backward holes, precisions; constants fitted on DeepBench",
   paleo_cost_net_refined},
  {NULL, NULL, NULL},
};

const PaleoCostModel *paleo_cost_model_find(const char *name, GError **error)
{
  GString *known = g_string_new(NULL);
  for (const PaleoCostModel *m = paleo_cost_models; m->name; m++) {
    if (name && !g_ascii_strcasecmp(name, m->name)) {
      g_string_free(known, TRUE);
      return m;
    }
    g_string_append_printf(known, "%s%s", known->len ? ", " : "", m->name);
  }
  g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN,
              "unknown cost model '%s' (known: %s)", name ? name : "(null)", known->str);
  g_string_free(known, TRUE);
  return NULL;
}

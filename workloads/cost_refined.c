/* The `refined` cost model per layer and per net: each layer becomes the kernels a cuDNN
 * framework launches (hardware/kernel.h). Convolutions and matrix products go through the
 * GEMM / convolution kernels (comp part); bias, activation, pooling, dropout, softmax,
 * concatenation, elementwise and normalisation layers are memory-bound kernels (comm part).
 * Backward passes cost the useful work only (no padding or stride holes). */
#include "workloads/cost.h"

#include <math.h>
#include <string.h>

#include "workloads/cost_int.h"

/* One layer being costed. */
typedef struct {
  const PaleoNet *net;
  guint index;
  const PaleoLayer *layer;
  const PaleoDevice *device;
  const PaleoMath *math;
  int64_t batch;
  double scale;          /* 1 / ppp_comp */
  double share;          /* of the layer's elements on this device (tensor / sequence parallelism) */
} Ctx;

static double elems(PaleoShape s, int64_t batch)
{
  s.n = batch;
  return (double)paleo_shape_elems(s);
}

static double memory_ms(const Ctx *x, double tensors_elems)
{
  return paleo_kernel_memory_ms(x->device, x->math, tensors_elems * x->share * x->math->bytes) * x->scale;
}

static double in_elems(const Ctx *x)
{
  return elems(x->layer->input, x->batch);
}

static double out_elems(const Ctx *x)
{
  return elems(x->layer->output, x->batch);
}

/* NHWC layer shapes to a cuDNN geometry; the output keeps PALEO's shape (SAME pads may be
 * asymmetric there), pads below zero (SAME with kernel < stride) count as none. */
static PaleoConvGeom geom(PaleoShape in, PaleoShape out, const PaleoLayer *l, int64_t batch, int64_t cin)
{
  PaleoConvGeom g;
  paleo_conv_geom_init(&g, batch, cin, in.h, in.w, out.c, l->kh, l->kw, MAX(l->pad_h, 0), MAX(l->pad_w, 0),
                       l->sh, l->sw);
  g.p = out.h;
  g.q = out.w;
  return g;
}

static double conv_pass(const Ctx *x, const PaleoConvGeom *g, PaleoPass pass, PaleoLayerCost *out)
{
  PaleoConvTime t = paleo_kernel_conv(x->device, x->math, g, pass);
  out->conv_algo[pass] = (int)t.algo;
  return t.ms * x->scale;
}

/* Memory traffic, in multiples of the output, of the ops that follow a layer's own op:
 * an elementwise op (bias add, activation) reads and writes the output forward and reads
 * the gradient and the output and writes the gradient backward; batch norm reads twice
 * (statistics, then normalise) and writes forward, and backward reads the gradient and
 * the input twice and writes the input gradient. */
#define ELEMENTWISE_FWD 2.0
#define ELEMENTWISE_BWD 3.0
#define BATCH_NORM_FWD 3.0
#define BATCH_NORM_BWD 5.0

static void add_epilogue_op(const Ctx *x, double fwd, double bwd, PaleoLayerCost *out)
{
  out->fwd.comm_ms += memory_ms(x, fwd * out_elems(x));
  out->bwd_filter.comm_ms += memory_ms(x, bwd * out_elems(x));
}

/* The layer's normalizer_fn and activation_fn as the net writes them. A weighted layer
 * without a norm has a bias: its add and the activation (if any) are costed as one
 * elementwise kernel, and a layer whose activation_fn is explicitly null or "none" and has
 * no norm has neither (DenseNet's convolutions). A norm replaces the bias. */
static void add_epilogue(const Ctx *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  gboolean weighted = l->type == PALEO_LAYER_CONV || l->type == PALEO_LAYER_DECONV ||
                      l->type == PALEO_LAYER_INNER_PRODUCT;
  if (l->batch_norm)
    add_epilogue_op(x, BATCH_NORM_FWD, BATCH_NORM_BWD, out);
  if (l->activation > 0 || (weighted && !l->batch_norm && l->activation < 0))
    add_epilogue_op(x, ELEMENTWISE_FWD, ELEMENTWISE_BWD, out);
}

static void cost_conv(const Ctx *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  PaleoConvGeom g = geom(l->input, l->output, l, x->batch, l->input.c);
  out->is_conv = TRUE;
  out->fwd.comp_ms = conv_pass(x, &g, PALEO_PASS_FWD, out);
  out->fwd_flops = paleo_conv_useful_flops(&g);
  if (!paleo_cost_fed_by_data(x->net, x->index)) {
    out->bwd_data.comp_ms = conv_pass(x, &g, PALEO_PASS_BWD_DATA, out);
    out->bwd_flops += out->fwd_flops;
  }
  out->bwd_filter.comp_ms = conv_pass(x, &g, PALEO_PASS_BWD_FILTER, out);
  out->bwd_flops += out->fwd_flops;
}

/* Transposed convolution T (input: this layer's output): forward is T's data gradient,
 * backward-data T's forward, backward-filter T's filter gradient. */
static void cost_deconv(const Ctx *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  PaleoConvGeom g = geom(l->output, l->input, l, x->batch, l->output.c);
  double flops = paleo_conv_useful_flops(&g);
  out->is_conv = TRUE;
  if (!paleo_cost_fed_by_data(x->net, x->index)) {
    out->fwd.comp_ms = conv_pass(x, &g, PALEO_PASS_BWD_DATA, out);
    out->fwd_flops = flops;
  }
  out->bwd_data.comp_ms = conv_pass(x, &g, PALEO_PASS_FWD, out);
  out->bwd_filter.comp_ms = conv_pass(x, &g, PALEO_PASS_BWD_FILTER, out);
  out->bwd_flops = 2 * flops;
}

static double gemm_ms(const Ctx *x, double m, double n, double k)
{
  return paleo_kernel_gemm(x->device, x->math, m, n, k, 1, 1, 1).ms * x->scale;
}

/* Y[N, M] = X[N, K] W[K, M]; dX = dY W^T; dW = X^T dY. */
static void cost_inner_product(const Ctx *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  double n = (double)x->batch, k = (double)(l->input.h * l->input.w * l->input.c), m = (double)l->output.c;
  out->fwd.comp_ms = gemm_ms(x, n, m, k);
  if (!paleo_cost_fed_by_data(x->net, x->index))
    out->bwd_data.comp_ms = gemm_ms(x, n, k, m);
  out->bwd_filter.comp_ms = gemm_ms(x, k, m, n);
  out->fwd_flops = 2 * n * k * m;
  out->bwd_flops = (out->bwd_data.comp_ms > 0 ? 2 : 1) * out->fwd_flops;
}

/* A memory-bound layer: forward moves `fwd` tensors' worth of elements, backward `bwd`
 * (each a multiple of the input or output size chosen by the caller). */
static void cost_streaming(const Ctx *x, double fwd_elems, double bwd_elems, PaleoLayerCost *out)
{
  out->fwd.comm_ms = memory_ms(x, fwd_elems);
  out->bwd_data.comm_ms = memory_ms(x, bwd_elems);
}

static double parents_elems(const Ctx *x)
{
  double e = 0;
  for (guint i = 0; i < x->layer->n_parents; i++)
    e += elems(paleo_net_layer(x->net, x->layer->parents[i])->output, x->batch);
  return e;
}

static gboolean named(const PaleoLayer *l, const char *type)
{
  return !g_ascii_strcasecmp(l->type_name, type);
}

/* Layers without weights, by what they stream: pooling reads the input and writes the
 * output (backward: reads input, output and its gradient, writes the input gradient);
 * dropout adds a one-byte mask; softmax reads twice (max, sum) and writes; concatenation
 * and elementwise sums copy their parents; batch norm reads twice (statistics, normalise)
 * and writes, backward reads input and gradient twice; LRN reads a window per element. */
static void cost_layer_streaming(const Ctx *x, PaleoLayerCost *out)
{
  const PaleoLayer *l = x->layer;
  double in = in_elems(x), o = out_elems(x), mask = in / x->math->bytes;
  switch (l->type) {
  case PALEO_LAYER_POOL:
  case PALEO_LAYER_AVGPOOL: cost_streaming(x, in + o, 2 * in + 2 * o, out); break;
  case PALEO_LAYER_DROPOUT: cost_streaming(x, in + o + mask, in + o + mask, out); break;
  case PALEO_LAYER_SOFTMAX: cost_streaming(x, 2 * in + o, 3 * o, out); break;
  case PALEO_LAYER_CONCAT: cost_streaming(x, parents_elems(x) + o, parents_elems(x) + o, out); break;
  case PALEO_LAYER_ELEMENTWISE: cost_streaming(x, parents_elems(x) + o, 2 * o, out); break;
  default:
    if (named(l, "BatchNorm"))
      cost_streaming(x, BATCH_NORM_FWD * in, BATCH_NORM_BWD * in, out);
    else if (named(l, "LRN"))
      cost_streaming(x, 2 * in + o, 3 * in + 2 * o, out);
    else if (named(l, "ReLU") || named(l, "Sigmoid") || named(l, "TanH") || named(l, "Scale"))
      cost_streaming(x, in + o, ELEMENTWISE_BWD * o, out);
    break; /* Input, Reshape, Accuracy and unknown types: no kernel */
  }
}

static void cost_layer(const Ctx *x, const PaleoCostOptions *options, PaleoLayerCost *out)
{
  memset(out, 0, sizeof *out);
  for (int p = 0; p < PALEO_PASS_N; p++)
    out->conv_algo[p] = -1;
  switch (x->layer->type) {
  case PALEO_LAYER_CONV: cost_conv(x, out); break;
  case PALEO_LAYER_DECONV: cost_deconv(x, out); break;
  case PALEO_LAYER_INNER_PRODUCT: cost_inner_product(x, out); break;
  default:
    if (paleo_cost_is_transformer(x->layer))
      paleo_cost_tfm_refined(x->net, x->index, x->device, x->math, options, x->batch, x->scale, out);
    else
      cost_layer_streaming(x, out);
    break;
  }
  add_epilogue(x, out);
  out->fetch = paleo_cost_layer_fetch(x->net, x->index, x->device, options, x->math->bytes);
}

/* The update on FP32 master weights, one kernel per weighted layer: SGD with momentum reads
 * weight, gradient and momentum and writes momentum and weight (5 x 4 bytes per parameter);
 * Adam reads weight, gradient and both moments and writes weight and moments (7 x 4 bytes);
 * plus the low-precision copy of the weights when the precision stores fewer bytes. Under
 * tensor parallelism, one device's share of each layer. */
static PaleoCompComm update_cost(const PaleoNet *net, const PaleoDevice *d, const PaleoMath *mt,
                                 const PaleoCostOptions *o)
{
  PaleoCompComm t = {0, 0};
  double accesses = o->optimizer == PALEO_OPTIMIZER_ADAM ? 7 : 5;
  double per_param = accesses * 4.0 + (mt->bytes < 4 ? mt->bytes : 0);
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (paleo_net_layer_weighted(l))
      t.comm_ms += paleo_kernel_memory_ms(d, mt, paleo_cost_layer_params_on_device(l, o) * per_param) / o->ppp_comp;
  }
  return t;
}

static double device_params(const PaleoNet *net, const PaleoCostOptions *o)
{
  double params = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (paleo_net_layer_weighted(l))
      params += paleo_cost_layer_params_on_device(l, o);
  }
  return params;
}

static gboolean check_options(const PaleoCostOptions *o, GError **error)
{
  if (o->use_pipeline || o->conv_algo != PALEO_CONV_ALGO_GEMM) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "the refined model chooses convolution algorithms and overlaps compute with memory "
                "per kernel itself: %s applies to the paleo model only",
                o->use_pipeline ? "use-pipeline" : "an FFT choice");
    return FALSE;
  }
  return paleo_cost_options_validate(o, error);
}

PaleoNetCost *paleo_cost_net_refined(const PaleoNet *net, const PaleoDevice *device,
                                     const PaleoCostOptions *options, GError **error)
{
  g_return_val_if_fail(net && device && options, NULL);
  PaleoMath math;
  if (!check_options(options, error) || !paleo_math_init(&math, device, options->precision, error))
    return NULL;
  PaleoNetCost *c = g_new0(PaleoNetCost, 1);
  c->n_layers = net->layers->len;
  c->layers = g_new0(PaleoLayerCost, c->n_layers);
  c->batch = options->batch > 0 ? options->batch : net->batch;
  for (guint i = 0; i < c->n_layers; i++) {
    Ctx x = {net, i, paleo_net_layer(net, i), device, &math, c->batch, 1.0 / options->ppp_comp,
             paleo_cost_tp_share(paleo_net_layer(net, i), options)};
    cost_layer(&x, options, &c->layers[i]);
    c->fwd = paleo_time_add(c->fwd, paleo_layer_cost_fwd(&c->layers[i]));
    c->bwd = paleo_time_add(c->bwd, paleo_layer_cost_bwd(&c->layers[i]));
  }
  c->bytes_per_element = math.bytes;
  c->params_bytes = device_params(net, options) * math.bytes;
  c->update = update_cost(net, device, &math, options);
  c->serial = (PaleoPhaseTimes){paleo_time_total_ms(c->fwd), paleo_time_total_ms(c->bwd),
                                paleo_time_total_ms(c->update), 0};
  c->serial.iteration_ms = c->serial.fwd_ms + c->serial.bwd_ms + c->serial.update_ms;
  c->pipelined = c->serial; /* kernels are rooflines already: nothing more to overlap */
  c->chosen = c->serial;
  return c;
}

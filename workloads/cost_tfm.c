/* Costs of the transformer layers under both cost models, per device of a tensor-parallel
 * group (options->tensor = T, sequence parallelism):
 * - what one device computes: a column MatMul 1/T of the output features, a row MatMul
 *   1/T of the input features, attention 1/T of the query heads (and of the key/value heads,
 *   or all of them when there are fewer than T), an Embedding / CrossEntropy 1/T of the
 *   vocabulary, the layers between a column and a row MatMul 1/T of the hidden units;
 *   norms, residuals and dropout are replicated, or split along the sequence with sequence
 *   parallelism. A MatMul's density scales its product (FLOPs and weight traffic).
 * - paleo: PALEO's arithmetic applied to the new layers: a product is PALEO's
 *   matmul (2abc FLOPs at the device's peak x ppp plus t_mem of its three operands, as
 *   InnerProduct), attention's two batched products the same way plus its softmax as an
 *   elementwise layer, and every other layer as PALEO costs Dropout (t_mem of its input and
 *   output plus one FLOP per element), forward and backward alike. FP32 (4 bytes).
 * - refined: the kernels a Megatron-style framework launches (hardware/kernel.h): GEMMs
 *   for the products (data and weight gradients in backward), attention either as
 *   batched GEMMs plus a fused scale-mask-softmax and a dropout kernel with its s x s
 *   scores in DRAM, or as one fused FlashAttention kernel (forward: 2 products; backward:
 *   5, the scores recomputed; causal blocks above the diagonal skipped); norms,
 *   activations, residuals, embedding gathers and the cross-entropy as memory-bound
 *   kernels moving the bytes listed at each function. */
#include "workloads/cost_int.h"

#include <math.h>

gboolean paleo_cost_is_transformer(const PaleoLayer *l)
{
  return l->type >= PALEO_LAYER_EMBEDDING;
}

static double tensor_degree(const PaleoCostOptions *o)
{
  return o->tensor > 1 ? o->tensor : 1;
}

double paleo_cost_tp_share(const PaleoLayer *l, const PaleoCostOptions *o)
{
  double T = tensor_degree(o);
  if (T <= 1)
    return 1;
  if (l->tp != PALEO_TP_NONE)
    return 1 / T;
  return o->sequence_parallel && l->output_rank == 3 ? 1 / T : 1;
}

double paleo_cost_layer_params_on_device(const PaleoLayer *l, const PaleoCostOptions *o)
{
  double T = tensor_degree(o), p = (double)l->params;
  if (T <= 1 || l->tp == PALEO_TP_NONE)
    return p;
  if (l->type == PALEO_LAYER_EMBEDDING)
    return ((double)l->vocab / T + (double)l->positions) * (double)l->num_outputs;
  return p / T;
}

/* ---- one device's geometry ---- */

typedef struct {
  double tokens;            /* rows (b s) this device handles */
  double k, n;              /* MatMul: input and output features on this device (n x density) */
  double batch, seq;        /* attention: micro-batch, sequence */
  double heads, kv_heads, head_dim; /* attention: on this device */
  double in_elems, out_elems; /* elementwise layers: on this device */
  double full_out;          /* the whole output (every rank's) */
} Geom;

static double elems(PaleoShape s, int64_t batch)
{
  s.n = batch;
  return (double)paleo_shape_elems(s);
}

static Geom geometry(const PaleoLayer *l, const PaleoCostOptions *o, int64_t batch)
{
  double T = tensor_degree(o), share = paleo_cost_tp_share(l, o);
  Geom g = {.batch = (double)batch, .seq = (double)l->input.h};
  g.tokens = (double)batch * (double)l->input.h * (double)l->input.w;
  g.k = (double)l->input.c / (l->tp == PALEO_TP_ROW ? T : 1);
  g.n = (double)l->output.c / (l->tp == PALEO_TP_COLUMN ? T : 1) * l->density;
  if (l->type == PALEO_LAYER_ATTENTION) {
    gboolean split = l->tp == PALEO_TP_SPLIT;
    g.heads = split ? ceil((double)l->heads / T) : (double)l->heads;
    g.kv_heads = split ? ceil((double)l->kv_heads / T) : (double)l->kv_heads;
    g.head_dim = (double)l->head_dim;
  }
  g.in_elems = elems(l->input, batch) * share;
  g.out_elems = elems(l->output, batch) * share;
  g.full_out = elems(l->output, batch);
  if (l->type == PALEO_LAYER_MATMUL || l->type == PALEO_LAYER_ATTENTION)
    g.tokens *= l->tp == PALEO_TP_NONE ? share : 1; /* a replicated product split along the sequence */
  return g;
}

/* Attention's products per pass: QK^T and PV, 2 b a s^2 d FLOPs each. */
static double attention_flops(const Geom *g)
{
  return 4 * g->batch * g->heads * g->seq * g->seq * g->head_dim;
}

static void set_flops(const PaleoLayer *l, const Geom *g, PaleoLayerCost *out)
{
  if (l->type == PALEO_LAYER_ATTENTION) {
    out->fwd_flops = attention_flops(g);
    out->bwd_flops = 2 * out->fwd_flops;
  } else if (l->type == PALEO_LAYER_MATMUL && l->n_parents == 1) {
    out->fwd_flops = 2 * g->tokens * g->k * g->n;
    out->bwd_flops = 2 * out->fwd_flops;
  }
}

/* ---- paleo ---- */

typedef struct {
  const PaleoDevice *device;
  double ppp;
} Paleo;

static double paleo_mem(const Paleo *p, double elems_)
{
  return paleo_timing_mem_ms(p->device, elems_ * 4.0, p->ppp);
}

/* PALEO's matmul: Y[a, c] = X[a, b] W[b, c], `batch` of them. */
static PaleoCompComm paleo_product(const Paleo *p, double a, double b, double c, double batch)
{
  PaleoCompComm t;
  t.comm_ms = batch * (paleo_mem(p, a * b) + paleo_mem(p, b * c) + paleo_mem(p, a * c));
  t.comp_ms = paleo_timing_comp_ms(p->device, batch * 2 * a * b * c, p->ppp);
  return t;
}

/* PALEO's Dropout: t_mem of input and output, one FLOP per output element. */
static PaleoCompComm paleo_elementwise(const Paleo *p, double in, double out)
{
  return (PaleoCompComm){paleo_timing_comp_ms(p->device, out, p->ppp), paleo_mem(p, in) + paleo_mem(p, out)};
}

static void paleo_attention(const Paleo *p, const Geom *g, PaleoLayerCost *out)
{
  double bh = g->batch * g->heads, s = g->seq, d = g->head_dim;
  PaleoCompComm scores = paleo_product(p, s, d, s, bh), context = paleo_product(p, s, s, d, bh);
  PaleoCompComm softmax = paleo_elementwise(p, bh * s * s, bh * s * s);
  out->fwd = paleo_time_add(paleo_time_add(scores, context), softmax);
  out->bwd_data = paleo_time_add(paleo_time_add(out->fwd, scores), context); /* 4 products, softmax */
}

void paleo_cost_tfm_paleo(const PaleoNet *net, guint index, const PaleoDevice *device,
                          const PaleoCostOptions *options, int64_t batch, PaleoLayerCost *out)
{
  const PaleoLayer *l = paleo_net_layer(net, index);
  Geom g = geometry(l, options, batch);
  Paleo p = {device, options->ppp_comp};
  if (l->type == PALEO_LAYER_MATMUL && l->n_parents == 1) {
    out->fwd = paleo_product(&p, g.tokens, g.k, g.n, 1);
    out->bwd_data = paleo_product(&p, g.tokens, g.n, g.k, 1);
    out->bwd_filter = paleo_product(&p, g.k, g.tokens, g.n, 1);
  } else if (l->type == PALEO_LAYER_MATMUL) {
    const PaleoShape *a = &paleo_net_layer(net, l->parents[0])->output;
    double m = (double)l->output.h, kk = (double)(l->transpose_a ? a->h : a->c), n = (double)l->output.c;
    out->fwd = paleo_product(&p, m, kk, n, (double)batch);
    out->bwd_data = paleo_time_add(paleo_product(&p, m, n, kk, (double)batch), paleo_product(&p, kk, m, n, (double)batch));
    out->fwd_flops = 2 * (double)batch * m * kk * n;
    out->bwd_flops = 2 * out->fwd_flops;
  } else if (l->type == PALEO_LAYER_ATTENTION) {
    paleo_attention(&p, &g, out);
  } else {
    out->fwd = paleo_elementwise(&p, g.in_elems, g.out_elems);
    out->bwd_data = out->fwd;
  }
  if (l->type != PALEO_LAYER_MATMUL || l->n_parents == 1)
    set_flops(l, &g, out);
}

/* ---- refined ---- */

typedef struct {
  const PaleoDevice *device;
  const PaleoMath *math;
  double scale;             /* 1 / ppp_comp */
  double bytes;             /* per element */
} Refined;

static double stream_ms(const Refined *r, double bytes)
{
  return paleo_kernel_memory_ms(r->device, r->math, bytes) * r->scale;
}

/* A streaming kernel over `passes` tensors of `n` elements each. */
static double passes_ms(const Refined *r, double passes, double n)
{
  return stream_ms(r, passes * n * r->bytes);
}

static double gemm_ms(const Refined *r, double m, double n, double k)
{
  return paleo_kernel_gemm(r->device, r->math, m, n, k, 1, 1, 1).ms * r->scale;
}

/* `batch` products streaming their operands (attention's scores and context). */
static double batched_ms(const Refined *r, double m, double n, double k, double batch)
{
  double bytes = batch * (m * k + k * n + m * n) * r->bytes;
  return paleo_kernel_gemm_fused(r->device, r->math, m, n, k, batch, 1, 1, bytes).ms * r->scale;
}

/* Y = X W (+ bias, added in the next elementwise kernel as Megatron fuses it): forward
 * X W, backward dX = dY W^T and dW = X^T dY, and the bias gradient reads dY once. */
static void refined_matmul(const Refined *r, const PaleoLayer *l, const Geom *g, PaleoLayerCost *out)
{
  out->fwd.comp_ms = gemm_ms(r, g->tokens, g->n, g->k);
  out->bwd_data.comp_ms = gemm_ms(r, g->tokens, g->k, g->n);
  out->bwd_filter.comp_ms = gemm_ms(r, g->k, g->n, g->tokens);
  if (l->bias && l->tied < 0)
    out->bwd_filter.comm_ms = passes_ms(r, 1, g->tokens * g->n);
}

/* A product of two activations A [N, M, K] x B [N, K, P]; backward dA and dB. */
static void refined_batched_product(const Refined *r, const PaleoNet *net, const PaleoLayer *l, int64_t batch,
                                    PaleoLayerCost *out)
{
  const PaleoShape *a = &paleo_net_layer(net, l->parents[0])->output;
  double m = (double)l->output.h, k = (double)(l->transpose_a ? a->h : a->c), p = (double)l->output.c;
  double nb = (double)batch;
  out->fwd.comp_ms = batched_ms(r, m, p, k, nb);
  out->bwd_data.comp_ms = batched_ms(r, m, k, p, nb) + batched_ms(r, k, p, m, nb);
  out->fwd_flops = 2 * nb * m * k * p;
  out->bwd_flops = 2 * out->fwd_flops;
}

/* Unfused attention (Megatron before FlashAttention): forward QK^T, the fused
 * scale-mask-softmax (reads the scores, writes the probabilities), dropout (reads them,
 * writes the result and a one-byte mask), PV; backward dV = P^T dO, dP = dO V^T, the
 * dropout and softmax gradients (3 passes of s x s: probabilities, their gradient, the
 * result), dQ = dS K and dK = dS^T Q. */
static void refined_attention(const Refined *r, const PaleoLayer *l, const Geom *g, PaleoLayerCost *out)
{
  double bh = g->batch * g->heads, s = g->seq, d = g->head_dim, scores = bh * s * s;
  double dropout = l->dropout > 0 ? stream_ms(r, scores * (2 * r->bytes + 1)) : 0;
  out->fwd.comp_ms = batched_ms(r, s, s, d, bh) + batched_ms(r, s, d, s, bh);
  out->fwd.comm_ms = passes_ms(r, 2, scores) + dropout;
  out->bwd_data.comp_ms = batched_ms(r, s, d, s, bh) + batched_ms(r, s, s, d, bh) + 2 * batched_ms(r, s, d, s, bh);
  out->bwd_data.comm_ms = passes_ms(r, 3, scores) + dropout;
}

/* FlashAttention: one kernel per pass over query tiles, streaming the keys; it reads Q, K,
 * V (and writes O and the row statistics) once: forward 2 products per key block,
 * backward 5 (reads O, dO; writes dQ, dK, dV). A causal mask skips the blocks above the
 * diagonal (keys per query: about (s + 128) / 2). */
static void refined_flash(const Refined *r, const PaleoLayer *l, const Geom *g, PaleoLayerCost *out)
{
  double bh = g->batch * g->heads, s = g->seq, d = g->head_dim;
  double keys = l->causal ? MIN(s, (s + 128) / 2) : s;
  double q = bh * s * d * r->bytes, kv = g->batch * g->kv_heads * s * d * r->bytes;
  const PaleoProfile *pr = &r->device->profile;
  out->fwd.comp_ms = paleo_kernel_gemm_fused(r->device, r->math, s, d, keys, bh, 2, pr->flash_eff, 2 * q + 2 * kv).ms *
                     r->scale;
  out->bwd_data.comp_ms =
    paleo_kernel_gemm_fused(r->device, r->math, s, d, keys, bh, 5, pr->flash_bwd_eff, 4 * q + 4 * kv).ms * r->scale;
}

/* Vocabulary-parallel embedding: forward gathers the rows into the whole output on every
 * rank (read and write b s h; a learned position row is read and added in the same kernel),
 * backward adds dY into the table's gradient rows (read dY, read-modify-write the rows). */
static void refined_embedding(const Refined *r, const PaleoLayer *l, const Geom *g, PaleoLayerCost *out)
{
  double n = g->full_out;
  out->fwd.comm_ms = passes_ms(r, l->positions ? 3 : 2, n);
  out->bwd_filter.comm_ms = passes_ms(r, 3, n);
}

/* Softmax cross-entropy on FP32 logits (Megatron upcasts them): forward reads the logits,
 * writes them as FP32, reads them twice (max, sum of exponentials) and writes the
 * probabilities; backward reads the probabilities, writes the FP32 gradient, then casts it. */
static void refined_cross_entropy(const Refined *r, const Geom *g, PaleoLayerCost *out)
{
  double n = g->in_elems;
  out->fwd.comm_ms = stream_ms(r, n * (r->bytes + 4 * 4));
  out->bwd_data.comm_ms = stream_ms(r, n * (4 * 3 + r->bytes));
}

/* Norms, activations and residuals: forward / backward passes over their tensors.
 * LayerNorm and RMSNorm read x and write y (row statistics stay on chip); backward reads dy
 * and x twice (the weight-gradient partial sums, then dx) and writes dx. GELU (its
 * MatMul's bias fused in) reads and writes; backward reads dy and x, writes dx. SwiGLU reads
 * 2F and writes F; backward reads F + 2F, writes 2F. A residual reads two and writes one;
 * its gradient passes through unchanged (no kernel) unless dropout (bias-dropout-add, one
 * kernel that also writes a one-byte mask) needs its mask applied (read dy and the mask,
 * write). */
static void refined_streaming(const Refined *r, const PaleoLayer *l, const Geom *g, PaleoLayerCost *out)
{
  double in = g->in_elems, o = g->out_elems;
  switch (l->type) {
  case PALEO_LAYER_NORM:
    out->fwd.comm_ms = passes_ms(r, 2, in);
    out->bwd_data.comm_ms = passes_ms(r, 5, in);
    break;
  case PALEO_LAYER_ACTIVATION:
    out->fwd.comm_ms = passes_ms(r, 1, in + o);
    out->bwd_data.comm_ms = passes_ms(r, 1, 2 * in + o);
    break;
  case PALEO_LAYER_RESIDUAL:
    out->fwd.comm_ms = stream_ms(r, 3 * o * r->bytes + (l->dropout > 0 ? o : 0));
    out->bwd_data.comm_ms = l->dropout > 0 ? stream_ms(r, o * (2 * r->bytes + 1)) : 0;
    break;
  default: break;
  }
}

void paleo_cost_tfm_refined(const PaleoNet *net, guint index, const PaleoDevice *device, const PaleoMath *math,
                            const PaleoCostOptions *options, int64_t batch, double scale, PaleoLayerCost *out)
{
  const PaleoLayer *l = paleo_net_layer(net, index);
  Geom g = geometry(l, options, batch);
  Refined r = {device, math, scale, math->bytes};
  switch (l->type) {
  case PALEO_LAYER_MATMUL:
    if (l->n_parents == 2) {
      refined_batched_product(&r, net, l, batch, out);
      return;
    }
    refined_matmul(&r, l, &g, out);
    break;
  case PALEO_LAYER_ATTENTION:
    if (l->flash)
      refined_flash(&r, l, &g, out);
    else
      refined_attention(&r, l, &g, out);
    break;
  case PALEO_LAYER_EMBEDDING: refined_embedding(&r, l, &g, out); break;
  case PALEO_LAYER_CROSS_ENTROPY: refined_cross_entropy(&r, &g, out); break;
  default: refined_streaming(&r, l, &g, out); break;
  }
  set_flops(l, &g, out);
}

/* FLOPs per step and memory per device of a training configuration (see footprint.h). */
#include "workloads/footprint.h"

#include <math.h>


#define GIB (1024.0 * 1024.0 * 1024.0)
#define FRAMEWORK_BYTES GIB /* CUDA context, cuBLAS workspace, NCCL buffers */

/* ---- FLOPs ---- */

double paleo_layer_model_flops(const PaleoNet *net, guint i)
{
  const PaleoLayer *l = paleo_net_layer(net, i);
  double tokens = (double)l->input.h * (double)l->input.w;
  switch (l->type) {
  case PALEO_LAYER_MATMUL:
    if (l->n_parents == 2) {
      const PaleoShape *a = &paleo_net_layer(net, l->parents[0])->output;
      double k = (double)(l->transpose_a ? a->h : a->c);
      return 2 * (double)l->output.h * k * (double)l->output.c;
    }
    return 2 * tokens * (double)l->input.c * (double)l->output.c * l->density;
  case PALEO_LAYER_ATTENTION:
    return 4 * (double)l->heads * (double)l->input.h * (double)l->input.h * (double)l->head_dim;
  case PALEO_LAYER_CONV:
    return 2 * (double)(l->output.h * l->output.w) * (double)l->output.c * (double)(l->kh * l->kw) * (double)l->cin;
  case PALEO_LAYER_INNER_PRODUCT: return 2 * (double)l->cin * (double)l->cout;
  default: return 0;
  }
}

/* The forward FLOPs recomputation runs again per sample. */
static double recomputed_flops(const PaleoNet *net, PaleoRecompute recompute)
{
  if (recompute == PALEO_RECOMPUTE_NONE)
    return 0;
  g_autofree int32_t *block = g_new(int32_t, MAX(net->layers->len, 1));
  paleo_plan_blocks(net, block);
  double f = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (recompute == PALEO_RECOMPUTE_FULL ? block[i] >= 0 : l->type == PALEO_LAYER_ATTENTION && !l->flash)
      f += paleo_layer_model_flops(net, i);
  }
  return f;
}

PaleoStepFlops paleo_step_flops(const PaleoNet *net, PaleoRecompute recompute, int64_t samples)
{
  double fwd = 0;
  for (guint i = 0; i < net->layers->len; i++)
    fwd += paleo_layer_model_flops(net, i);
  PaleoStepFlops f = {3 * fwd * (double)samples, 0};
  f.hardware = f.model + recomputed_flops(net, recompute) * (double)samples;
  return f;
}

/* ---- activations ---- */

double paleo_activation_bytes_gpt(double s, double b, double h, double a, double t, gboolean sp,
                                  PaleoRecompute recompute)
{
  double sbh = s * b * h, scores = 5 * a * s / h;
  if (recompute == PALEO_RECOMPUTE_FULL)
    return 2 * sbh / (sp ? t : 1);
  if (recompute == PALEO_RECOMPUTE_SELECTIVE)
    scores = 0;
  if (sp)
    return sbh * (34 + scores) / t;
  return sbh * (10 + 24 / t + scores / t);
}

/* The tensors one transformer block keeps for its backward, in s b h units, as
 * Korthikanti et al. count them for a GPT block and generalized to its actual shapes:
 * replicated (norm inputs, the two column products' inputs, the dropout masks), split by
 * tensor parallelism (Q, K, V, the output product's input, the activation's input and
 * output) and the attention scores (softmax output, dropout mask and output: 5 a s / h;
 * without attention dropout only the softmax output, 2 a s / h). */
typedef struct {
  double replicated, split, scores;
  gboolean flash;
} BlockTensors;

static void block_tensors(const PaleoNet *net, const int32_t *block, guint first, double bytes, BlockTensors *bt)
{
  *bt = (BlockTensors){0};
  double scale = bytes / 2, h = 0;
  for (guint i = first; i < net->layers->len && block[i] == block[first]; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    double c_in = (double)l->input.c;
    if (l->type == PALEO_LAYER_NORM) {
      h = c_in;
      bt->replicated += 2 * scale; /* its input */
    } else if (l->type == PALEO_LAYER_MATMUL && l->tp == PALEO_TP_COLUMN) {
      bt->replicated += 2 * scale; /* its (replicated) input */
    } else if (l->type == PALEO_LAYER_MATMUL && l->tp == PALEO_TP_ROW) {
      bt->split += 2 * scale * c_in; /* its split input, per h below */
    } else if (l->type == PALEO_LAYER_ATTENTION) {
      bt->split += 2 * scale * c_in; /* Q, K, V */
      bt->scores = (l->dropout > 0 ? 5 : 2) * scale * (double)l->heads * (double)l->input.h;
      bt->flash = l->flash;
    } else if (l->type == PALEO_LAYER_ACTIVATION) {
      bt->split += 2 * scale * c_in; /* its input (its output is the next product's input) */
    } else if (l->type == PALEO_LAYER_RESIDUAL && l->dropout > 0) {
      bt->replicated += 1; /* the mask, one byte */
    }
  }
  if (h > 0) { /* the split and score terms were counted per element of their own widths */
    bt->split /= h;
    bt->scores /= h;
  }
}

/* Activation bytes of one block per micro-batch on one device. */
static double block_bytes(const PaleoMemoryInput *in, const int32_t *block, guint first)
{
  const PaleoLayer *l = paleo_net_layer(in->net, first);
  double t = MAX(in->plan->tensor, 1), sbh = (double)l->input.n * (double)l->input.h * (double)l->input.c;
  gboolean sp = in->plan->sequence_parallel && t > 1;
  double scale = in->weight_bytes / 2;
  if (in->plan->recompute == PALEO_RECOMPUTE_FULL)
    return 2 * scale * sbh / (sp ? t : 1);
  BlockTensors bt;
  block_tensors(in->net, block, first, in->weight_bytes, &bt);
  double scores = bt.flash || in->plan->recompute == PALEO_RECOMPUTE_SELECTIVE ? 0 : bt.scores;
  if (sp)
    return sbh * (bt.replicated + bt.split + scores) / t;
  return sbh * (bt.replicated + bt.split / t + scores / t);
}

/* A layer outside blocks keeps its output (the cross-entropy its input as FP32): split over
 * the tensor-parallel ranks when the layer splits its output (column, split, the
 * cross-entropy's vocabulary), else whole on each (along the sequence with sequence
 * parallelism; an embedding's output is all-reduced or reduce-scattered). */
static double layer_bytes(const PaleoMemoryInput *in, guint i)
{
  const PaleoLayer *l = paleo_net_layer(in->net, i);
  double t = MAX(in->options->tensor, 1);
  gboolean split = l->tp == PALEO_TP_COLUMN || l->tp == PALEO_TP_SPLIT || l->type == PALEO_LAYER_CROSS_ENTROPY;
  double share = split || (in->options->sequence_parallel && l->output_rank == 3) ? 1 / t : 1;
  if (l->type == PALEO_LAYER_CROSS_ENTROPY)
    return (double)paleo_shape_elems(l->input) * 4 * share;
  if (l->type == PALEO_LAYER_INPUT)
    return 0;
  return (double)paleo_shape_elems(l->output) * in->weight_bytes * share;
}

/* Activation bytes of each chunk per micro-batch. */
static void chunk_activations(const PaleoMemoryInput *in, const int32_t *block, double *per_chunk)
{
  for (guint i = 0; i < in->net->layers->len; i++) {
    if (block[i] < 0)
      per_chunk[in->chunk_of[i]] += layer_bytes(in, i);
    else if (i == 0 || block[i - 1] != block[i])
      per_chunk[in->chunk_of[i]] += block_bytes(in, block, i);
  }
}

/* The stage's peak: forwards not yet backwarded, each holding its chunk's activations. */
static double peak_activations(const PaleoMemoryInput *in, uint32_t stage, const double *per_chunk, uint32_t *in_flight)
{
  g_autoptr(GArray) ops = paleo_plan_schedule(in->plan, stage);
  double now = 0, peak = 0;
  uint32_t n = 0;
  *in_flight = 0;
  for (guint k = 0; k < ops->len; k++) {
    const PaleoPlanOp *op = &g_array_index(ops, PaleoPlanOp, k);
    double a = per_chunk[op->chunk * in->plan->stages + stage];
    now += op->pass == PALEO_PHASE_FWD ? a : -a;
    n = op->pass == PALEO_PHASE_FWD ? n + 1 : n - 1;
    if (now > peak) {
      peak = now;
      *in_flight = n;
    }
  }
  return peak;
}

/* ---- parameters and the rest ---- */

/* Parameters on a device of the stage (a tied output layer on another stage than its
 * embedding holds a copy of the table). */
static double stage_params(const PaleoMemoryInput *in, uint32_t stage)
{
  double p = 0;
  uint32_t P = in->plan->stages;
  for (guint i = 0; i < in->net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(in->net, i);
    if (in->chunk_of[i] % P != stage)
      continue;
    if (l->type == PALEO_LAYER_MATMUL && l->tied >= 0 && in->chunk_of[l->tied] % P != stage)
      p += paleo_cost_layer_params_on_device(paleo_net_layer(in->net, (guint)l->tied), in->options);
    else if (paleo_net_layer_weighted(l))
      p += paleo_cost_layer_params_on_device(l, in->options);
  }
  return p;
}

/* Optimizer bytes per parameter: FP32 master weights (when the weights are narrower) and
 * the moments. */
static double optimizer_bytes(const PaleoMemoryInput *in)
{
  double master = in->weight_bytes < 4 ? 4 : 0;
  return master + (in->optimizer == PALEO_OPTIMIZER_ADAM ? 8 : 4);
}

/* The largest transient buffer of the device. */
static double transient_bytes(const PaleoMemoryInput *in, double params, guint blocks)
{
  double dp = MAX(in->data_parallel, 1), bytes = 0;
  if (in->plan->zero == 3 && blocks)
    bytes = 2 * params / blocks * in->weight_bytes; /* two gathered blocks */
  else if (dp > 1)
    bytes = 2 * MIN((double)in->plan->bucket_bytes, params * in->weight_bytes);
  for (guint i = 0; i < in->net->layers->len; i++) { /* the scores of one unfused attention layer */
    const PaleoLayer *l = paleo_net_layer(in->net, i);
    if (l->type == PALEO_LAYER_ATTENTION && !l->flash)
      bytes = MAX(bytes, (double)l->input.n * (double)l->heads * (double)l->input.h * (double)l->input.h *
                             in->weight_bytes * 2 / MAX(in->plan->tensor, 1));
  }
  return FRAMEWORK_BYTES + bytes;
}

static void stage_memory(const PaleoMemoryInput *in, uint32_t stage, const double *per_chunk, guint blocks,
                         PaleoMemory *m)
{
  double dp = MAX(in->data_parallel, 1), params = stage_params(in, stage);
  uint32_t zero = in->plan->zero;
  *m = (PaleoMemory){.stage = stage, .params = params};
  m->weights = params * in->weight_bytes / (zero >= 3 ? dp : 1);
  m->gradients = params * in->weight_bytes / (zero >= 2 ? dp : 1);
  m->optimizer = params * optimizer_bytes(in) / (zero >= 1 ? dp : 1);
  m->activations = peak_activations(in, stage, per_chunk, &m->in_flight);
  m->workspace = transient_bytes(in, params, blocks);
  m->total = m->weights + m->gradients + m->optimizer + m->activations + m->workspace;
}

void paleo_memory_estimate(const PaleoMemoryInput *in, PaleoMemory *out)
{
  guint L = in->net->layers->len;
  uint32_t chunks = paleo_plan_chunks(in->plan);
  g_autofree int32_t *block = g_new(int32_t, MAX(L, 1));
  guint blocks = paleo_plan_blocks(in->net, block);
  g_autofree double *per_chunk = g_new0(double, chunks);
  chunk_activations(in, block, per_chunk);
  for (uint32_t s = 0; s < in->plan->stages; s++) {
    PaleoMemory m;
    stage_memory(in, s, per_chunk, blocks, &m);
    if (s == 0 || m.total > out->total)
      *out = m;
  }
  out->capacity = in->capacity_gib * GIB;
  out->fits = out->capacity <= 0 || out->total <= out->capacity;
}

/* Planners: placement, stage split, micro-batch schedule, recomputation, transfers and
 * updates as one step task graph (see planner.h); the collectives are planner_comm.c's. */
#include "workloads/planner_int.h"

#include <string.h>

#include "hardware/catalog.h"

const char *const paleo_pipe_schedule_names[] = {"gpipe", "1f1b", NULL};
const char *const paleo_recompute_names[] = {"none", "selective", "full", NULL};

const PaleoPlanner paleo_planners[] = {
  {"data-parallel", "every worker runs the whole net; bucketed gradient collectives overlap backward (sync)"},
  {"model-parallel", "a net's ModelParallel blocks: replica i of a block on device i, activations as transfers"},
  {"hybrid", "model parallel inside a replica, data parallel across replicas (Krizhevsky's one weird trick)"},
  {"pipeline", "layers cut into stages, micro-batches scheduled GPipe, 1F1B or interleaved 1F1B, data (and tensor) "
               "parallel per stage"},
  {"tensor", "Megatron tensor (and sequence) parallelism: every layer split over the ranks of a group, "
             "all-reduces (or reduce-scatters and all-gathers) between them; data parallel across groups"},
  {"zero", "sharded data parallelism: ZeRO-1 optimizer state, ZeRO-2 and gradients, ZeRO-3 (FSDP) and parameters "
           "gathered per unit"},
  {NULL, NULL},
};

const PaleoPlanner *paleo_planner_for(const PaleoPlan *plan, uint32_t replicas)
{
  if (plan->stages > 1)
    return &paleo_planners[3];
  if (plan->tensor > 1)
    return &paleo_planners[4];
  if (plan->splits > 1)
    return &paleo_planners[replicas > 1 ? 2 : 1];
  if (plan->zero > 0)
    return &paleo_planners[5];
  return &paleo_planners[0];
}

gboolean paleo_plan_net_splits(const PaleoNet *net, uint32_t *out, GError **error)
{
  uint32_t k = 1;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (l->splits <= 1)
      continue;
    if (k > 1 && (uint32_t)l->splits != k) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "%s: ModelParallel blocks of %u and %d splits in one net (one width per net)", net->path, k,
                  l->splits);
      return FALSE;
    }
    k = (uint32_t)l->splits;
  }
  *out = k;
  return TRUE;
}

uint32_t paleo_plan_devices_per_stage(const PaleoPlan *plan)
{
  return MAX(MAX(plan->splits, plan->tensor_lanes ? 1 : plan->tensor), 1);
}

uint32_t paleo_plan_chunks(const PaleoPlan *plan)
{
  return MAX(plan->stages, 1) * MAX(plan->virtual_stages, 1);
}

/* ---- blocks ---- */

static gboolean has_attention(const PaleoNet *net)
{
  for (guint i = 0; net && i < net->layers->len; i++)
    if (paleo_net_layer(net, i)->type == PALEO_LAYER_ATTENTION)
      return TRUE;
  return FALSE;
}

/* Length of the "prefix/" of a layer name, 0 without one. */
static gsize prefix_len(const char *name)
{
  const char *slash = strchr(name, '/');
  return slash ? (gsize)(slash - name) + 1 : 0;
}

guint paleo_plan_blocks(const PaleoNet *net, int32_t *block_of)
{
  guint n = 0, L = net ? net->layers->len : 0;
  gboolean blocks = has_attention(net);
  for (guint i = 0; i < L; i++) {
    const char *name = paleo_net_layer(net, i)->name, *prev = i ? paleo_net_layer(net, i - 1)->name : "";
    gsize p = blocks ? prefix_len(name) : 0;
    if (!p) {
      block_of[i] = -1;
      continue;
    }
    gboolean same = i > 0 && block_of[i - 1] >= 0 && prefix_len(prev) == p && !strncmp(name, prev, p);
    block_of[i] = same ? block_of[i - 1] : (int32_t)n++;
  }
  return n;
}

/* ---- stages ---- */

static uint64_t layer_cost(const PaleoTrainCosts *c, guint i)
{
  return c->fwd_ns[i] + c->bwd_ns[i];
}

/* Layer i may start a chunk: anywhere, or only where a block begins (nets with attention). */
static void cut_points(const PaleoNet *net, guint L, guint8 *allowed)
{
  g_autofree int32_t *block = g_new(int32_t, MAX(L, 1));
  gboolean blocks = net && paleo_plan_blocks(net, block) > 0;
  for (guint i = 0; i < L; i++)
    allowed[i] = i > 0 && (!blocks || (block[i] >= 0 && block[i] != block[i - 1]));
}

/* Linear partition of the layers into P contiguous parts minimizing the largest part's
 * cost, cutting only at allowed layers (dynamic programming; ties go to the earliest cut).
 * FALSE when there are fewer places to cut than parts need. */
static gboolean balanced_cuts(const PaleoTrainCosts *c, const guint8 *allowed, uint32_t P, uint32_t *stage_of)
{
  guint L = c->n_layers;
  g_autofree uint64_t *prefix = g_new0(uint64_t, L + 1);
  for (guint i = 0; i < L; i++)
    prefix[i + 1] = prefix[i] + layer_cost(c, i);
  /* best[p * (L + 1) + i]: layers 0..i-1 in p + 1 parts; cut[...] the first layer of the last */
  g_autofree uint64_t *best = g_new(uint64_t, (gsize)P * (L + 1));
  g_autofree guint *cut = g_new0(guint, (gsize)P * (L + 1));
  for (guint i = 0; i <= L; i++)
    best[i] = prefix[i];
  for (guint p = 1; p < P; p++)
    for (guint i = 0; i <= L; i++) {
      uint64_t b = UINT64_MAX;
      guint at = p;
      for (guint j = p; j < i; j++) {
        if (!allowed[j] || best[(p - 1) * (L + 1) + j] == UINT64_MAX)
          continue;
        uint64_t v = MAX(best[(p - 1) * (L + 1) + j], prefix[i] - prefix[j]);
        if (v < b) {
          b = v;
          at = j;
        }
      }
      best[p * (L + 1) + i] = b;
      cut[p * (L + 1) + i] = at;
    }
  if (best[(P - 1) * (L + 1) + L] == UINT64_MAX)
    return FALSE;
  guint end = L;
  for (guint p = P; p-- > 0;) {
    guint first = p ? cut[p * (L + 1) + end] : 0;
    for (guint i = first; i < end; i++)
      stage_of[i] = p;
    end = first;
  }
  return TRUE;
}

/* Megatron's split: the same number of blocks per chunk, the layers before the first
 * block on the first chunk and those after the last on the last. */
static gboolean block_cuts(const PaleoNet *net, uint32_t chunks, uint32_t *chunk_of, GError **error)
{
  guint L = net->layers->len;
  g_autofree int32_t *block = g_new(int32_t, MAX(L, 1));
  guint n = paleo_plan_blocks(net, block);
  if (!n || n % chunks) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "stage_split blocks: the net's %u transformer blocks do not divide into %u chunks "
                "(pipeline x virtual_stages)", n, chunks);
    return FALSE;
  }
  guint per = n / chunks, last = 0;
  for (guint i = 0; i < L; i++) {
    if (block[i] >= 0)
      last = (guint)block[i] / per;
    chunk_of[i] = last;
  }
  return TRUE;
}

gboolean paleo_plan_stages(const PaleoNet *net, const PaleoTrainCosts *c, const PaleoPlan *plan, uint32_t *chunk_of,
                           GError **error)
{
  uint32_t chunks = paleo_plan_chunks(plan);
  if (chunks > c->n_layers) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%u pipeline chunks (stages x virtual stages) but the net has only %u layers", chunks, c->n_layers);
    return FALSE;
  }
  if (!plan->stage_first && plan->split_blocks)
    return block_cuts(net, chunks, chunk_of, error);
  if (!plan->stage_first) {
    g_autofree guint8 *allowed = g_new0(guint8, c->n_layers);
    cut_points(net, c->n_layers, allowed);
    if (balanced_cuts(c, allowed, chunks, chunk_of))
      return TRUE;
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%u pipeline chunks (stages x virtual stages) but the net has fewer places to cut (between "
                "transformer blocks)", chunks);
    return FALSE;
  }
  for (uint32_t s = 0; s + 1 < chunks; s++) {
    uint32_t f = plan->stage_first[s], prev = s ? plan->stage_first[s - 1] : 0;
    if (f <= prev || f >= c->n_layers) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "stage %u would start at layer %u: cuts must increase inside (0, %u)", s + 1, f, c->n_layers);
      return FALSE;
    }
  }
  for (guint i = 0, s = 0; i < c->n_layers; i++) {
    while (s + 1 < chunks && i >= plan->stage_first[s])
      s++;
    chunk_of[i] = s;
  }
  return TRUE;
}

/* ---- placement ---- */

gboolean paleo_plan_on_device(const Build *b, guint layer, uint32_t dev)
{
  return plan_stage_of_layer(b, layer) == dev / b->K && (b->T > 1 || b->rank_of[layer] == dev % b->K);
}

static void place_layers(Build *b)
{
  for (guint i = 0; i < b->L; i++) {
    const PaleoLayer *l = b->net ? paleo_net_layer(b->net, i) : NULL;
    b->rank_of[i] = l && l->split >= 0 && b->plan->splits > 1 ? (uint32_t)l->split : 0;
  }
  paleo_plan_blocks(b->net, b->block_of);
}

/* Compute cost of a layer on its device: fetch is modelled by transfers when K > 1. */
static uint64_t compute_ns(const Build *b, guint i, PaleoPhase pass)
{
  uint64_t t = pass == PALEO_PHASE_FWD ? b->c->fwd_ns[i] : b->c->bwd_ns[i];
  if (b->plan->splits > 1 || b->plan->stages > 1)
    t -= MIN(t, b->c->fetch_ns[i]);
  return t;
}

/* ---- schedule ---- */

static void push_op(GArray *ops, PaleoPhase pass, uint32_t mb, uint32_t chunk)
{
  PaleoPlanOp op = {pass, mb, chunk};
  g_array_append_val(ops, op);
}

/* Megatron's interleaved 1F1B: step k of a pass works on chunk (k mod P v) / P (backward:
 * counted from the last chunk) and micro-batch (k / (P v)) P + k mod P. */
static void interleaved_ops(const PaleoPlan *p, uint32_t s, GArray *ops)
{
  uint32_t P = p->stages, v = p->virtual_stages, M = p->micro_batches, total = M * v;
  uint32_t warm = M == P ? total : MIN((P - s - 1) * 2 + (v - 1) * P, total);
#define CHUNK(k, fwd) ((fwd) ? ((k) % (P * v)) / P : v - 1 - ((k) % (P * v)) / P)
#define MB(k) (((k) / (P * v)) * P + (k) % P)
  uint32_t f = 0, bk = 0;
  for (; f < warm; f++)
    push_op(ops, PALEO_PHASE_FWD, MB(f), CHUNK(f, TRUE));
  for (; f < total; f++, bk++) {
    push_op(ops, PALEO_PHASE_FWD, MB(f), CHUNK(f, TRUE));
    push_op(ops, PALEO_PHASE_BWD, MB(bk), CHUNK(bk, FALSE));
  }
  for (; bk < total; bk++)
    push_op(ops, PALEO_PHASE_BWD, MB(bk), CHUNK(bk, FALSE));
#undef CHUNK
#undef MB
}

/* The order of (pass, micro-batch, chunk) on stage s. */
static void stage_ops(const PaleoPlan *p, uint32_t s, GArray *ops)
{
  uint32_t M = p->micro_batches;
  if (MAX(p->virtual_stages, 1) > 1) {
    interleaved_ops(p, s, ops);
    return;
  }
  if (p->schedule == PALEO_PIPE_GPIPE) {
    for (uint32_t m = 0; m < M; m++)
      push_op(ops, PALEO_PHASE_FWD, m, 0);
    for (uint32_t m = M; m-- > 0;)
      push_op(ops, PALEO_PHASE_BWD, m, 0);
    return;
  }
  uint32_t warm = MIN(p->stages - 1 - s, M), f = 0, bk = 0;
  for (; f < warm; f++)
    push_op(ops, PALEO_PHASE_FWD, f, 0);
  for (; f < M; f++, bk++) {
    push_op(ops, PALEO_PHASE_FWD, f, 0);
    push_op(ops, PALEO_PHASE_BWD, bk, 0);
  }
  for (; bk < M; bk++)
    push_op(ops, PALEO_PHASE_BWD, bk, 0);
}

GArray *paleo_plan_schedule(const PaleoPlan *plan, uint32_t stage)
{
  GArray *ops = g_array_new(FALSE, FALSE, sizeof(PaleoPlanOp));
  stage_ops(plan, stage, ops);
  return ops;
}

/* ---- compute tasks ---- */

static uint32_t add_compute(Build *b, uint32_t dev, PaleoPhase pass, uint32_t mb, guint layer, uint64_t cost)
{
  PaleoTask t = {.kind = PALEO_TASK_COMPUTE, .pass = pass, .device = dev, .stream = b->compute[dev],
                 .micro_batch = mb, .stage = b->g->stage_of[dev], .layer = layer, .cost_ns = cost,
                 .peer = PALEO_GRAPH_NONE, .collective = PALEO_GRAPH_NONE};
  return paleo_step_graph_add_task(b->g, &t);
}

static gboolean recomputed_alone(const Build *b, guint i)
{
  const PaleoLayer *l = b->net ? paleo_net_layer(b->net, i) : NULL;
  return b->plan->recompute == PALEO_RECOMPUTE_SELECTIVE && l && l->type == PALEO_LAYER_ATTENTION && !l->flash;
}

/* The forward of layers first..last of the device's chunk again (recomputation). */
static void add_recompute(Build *b, uint32_t dev, uint32_t mb, uint32_t chunk, guint first, guint last)
{
  for (guint i = first; i <= last; i++)
    if (b->chunk_of[i] == chunk && paleo_plan_on_device(b, i, dev))
      add_compute(b, dev, PALEO_PHASE_FWD, mb, i, compute_ns(b, i, PALEO_PHASE_FWD));
}

/* The first layer of layer i's block. */
static guint block_first(const Build *b, guint i)
{
  while (i > 0 && b->block_of[i - 1] == b->block_of[i])
    i--;
  return i;
}

static void add_op(Build *b, uint32_t dev, const PaleoPlanOp *op)
{
  guint L = b->L;
  uint32_t chunk = op->chunk * b->P + dev / b->K, k = dev % b->K;
  gboolean full = b->plan->recompute == PALEO_RECOMPUTE_FULL;
  for (guint n = 0; n < L; n++) {
    guint i = op->pass == PALEO_PHASE_FWD ? n : L - 1 - n;
    if (b->chunk_of[i] != chunk || !paleo_plan_on_device(b, i, dev))
      continue;
    if (op->pass == PALEO_PHASE_BWD && full && b->block_of[i] >= 0 && (i + 1 == L || b->block_of[i + 1] != b->block_of[i]))
      add_recompute(b, dev, op->micro_batch, chunk, block_first(b, i), i); /* entering a block from its end */
    else if (op->pass == PALEO_PHASE_BWD && recomputed_alone(b, i))
      add_recompute(b, dev, op->micro_batch, chunk, i, i);
    guint id = add_compute(b, dev, op->pass, op->micro_batch, i, compute_ns(b, i, op->pass));
    (op->pass == PALEO_PHASE_FWD ? b->fwd_task : b->bwd_task)[plan_slot(b, k, op->micro_batch, i)] = id;
    if (op->pass == PALEO_PHASE_BWD)
      b->last_bwd[k * L + i] = id;
  }
}

/* Forward and backward tasks of every device, in each stage's schedule order. */
static void add_passes(Build *b)
{
  for (uint32_t dev = 0; dev < b->g->devices; dev++) {
    g_autoptr(GArray) ops = paleo_plan_schedule(b->plan, b->g->stage_of[dev]);
    for (guint k = 0; k < ops->len; k++)
      add_op(b, dev, &g_array_index(ops, PaleoPlanOp, k));
  }
}

/* ---- transfers ---- */

typedef struct {
  guint parent;           /* layer */
  uint32_t src, dst;      /* devices */
  guint last_consumer;    /* lowest consumer layer on dst (its backward completes the gradient) */
} Pair;

/* The parents of layer i: the net's, or the previous layer without a net (a chain). */
static const guint *parents_of(const Build *b, guint i, guint *n, guint *chain)
{
  if (b->net) {
    const PaleoLayer *l = paleo_net_layer(b->net, i);
    *n = l->n_parents;
    return l->parents;
  }
  *n = i > 0;
  *chain = i - 1;
  return chain;
}

/* The device of `layer` that works with rank k of another stage (rank k itself under
 * tensor parallelism, else the layer's own device). */
static uint32_t device_for(const Build *b, guint layer, uint32_t k)
{
  return plan_stage_of_layer(b, layer) * b->K + (b->T > 1 ? k : b->rank_of[layer]);
}

static void add_pair(Build *b, guint parent, uint32_t src, uint32_t dst, guint consumer)
{
  for (guint j = 0; j < b->pairs->len; j++) {
    const Pair *pr = &g_array_index(b->pairs, Pair, j);
    if (pr->parent == parent && pr->dst == dst)
      return;
  }
  Pair pr = {parent, src, dst, consumer};
  g_array_append_val(b->pairs, pr);
}

static void find_pairs(Build *b)
{
  uint32_t ranks = b->T > 1 ? b->ranks : 1;
  for (guint i = 0; i < b->L; i++) {
    guint n, chain;
    const guint *parents = parents_of(b, i, &n, &chain);
    for (guint j = 0; j < n; j++)
      for (uint32_t k = 0; k < ranks; k++) {
        guint p = parents[j];
        uint32_t src = device_for(b, p, k), dst = device_for(b, i, k);
        if (src != dst)
          add_pair(b, p, src, dst, i);
      }
  }
}

static gboolean consumes(const Build *b, guint layer, const Pair *pr)
{
  if (!paleo_plan_on_device(b, layer, pr->dst))
    return FALSE;
  guint n, chain;
  const guint *parents = parents_of(b, layer, &n, &chain);
  for (guint k = 0; k < n; k++)
    if (parents[k] == pr->parent)
      return TRUE;
  return FALSE;
}

static uint32_t add_transfer(Build *b, uint32_t src, uint32_t dst, PaleoPhase pass, uint32_t mb, uint64_t bytes)
{
  PaleoTask t = {.kind = PALEO_TASK_TRANSFER, .pass = pass, .device = src, .stream = b->p2p[src], .micro_batch = mb,
                 .stage = b->g->stage_of[src], .layer = PALEO_GRAPH_NONE, .bytes = bytes, .peer = dst,
                 .collective = PALEO_GRAPH_NONE};
  return paleo_step_graph_add_task(b->g, &t);
}

/* The transfers a compute task triggers, appended to its device's p2p stream in the
 * compute stream's order. Under tensor parallelism each rank moves 1/T of the tensor. */
static void transfers_after(Build *b, const PaleoTask *t, guint id)
{
  guint L = b->L;
  uint32_t T = MAX(b->T, 1);
  for (guint j = 0; j < b->pairs->len; j++) {
    const Pair *pr = &g_array_index(b->pairs, Pair, j);
    uint64_t bytes = b->c->out_bytes[pr->parent] / T;
    if (t->pass == PALEO_PHASE_FWD && t->layer == pr->parent && t->device == pr->src &&
        b->fwd_task[plan_slot(b, pr->src % b->K, t->micro_batch, pr->parent)] == id) {
      guint x = add_transfer(b, t->device, pr->dst, PALEO_PHASE_FWD, t->micro_batch, bytes);
      paleo_step_graph_add_dep(b->g, x, b->out_ready[id]);
      for (guint i = pr->parent + 1; i < L; i++)
        if (consumes(b, i, pr))
          paleo_step_graph_add_dep(b->g, b->fwd_task[plan_slot(b, pr->dst % b->K, t->micro_batch, i)], x);
    } else if (t->pass == PALEO_PHASE_BWD && t->layer == pr->last_consumer && t->device == pr->dst) {
      guint x = add_transfer(b, t->device, pr->src, PALEO_PHASE_BWD, t->micro_batch, bytes);
      for (guint i = pr->parent + 1; i < L; i++)
        if (consumes(b, i, pr))
          paleo_step_graph_add_dep(b->g, x, b->out_ready[b->bwd_task[plan_slot(b, pr->dst % b->K, t->micro_batch, i)]]);
      paleo_step_graph_add_dep(b->g, b->bwd_task[plan_slot(b, pr->src % b->K, t->micro_batch, pr->parent)], x);
    }
  }
}

static void add_transfers(Build *b)
{
  find_pairs(b);
  if (!b->pairs->len)
    return;
  for (uint32_t dev = 0; dev < b->g->devices; dev++) {
    const PaleoGraphStream *s = paleo_step_graph_stream(b->g, b->compute[dev]);
    guint n = s->order->len;
    for (guint k = 0; k < n; k++) {
      guint id = g_array_index(s->order, guint32, k);
      PaleoTask t = *paleo_step_graph_task(b->g, id);
      transfers_after(b, &t, id);
    }
  }
}

/* ---- building ---- */

static void build_clear(Build *b)
{
  g_free(b->chunk_of);
  g_free(b->rank_of);
  g_free(b->block_of);
  g_free(b->compute);
  g_free(b->comm);
  g_free(b->p2p);
  g_free(b->tp);
  g_free(b->fwd_task);
  g_free(b->bwd_task);
  g_free(b->last_bwd);
  g_free(b->out_ready);
  if (b->pairs)
    g_array_free(b->pairs, TRUE);
}

static void build_init(Build *b, const PaleoNet *net, const PaleoTrainCosts *costs, const PaleoPlan *plan)
{
  *b = (Build){.net = net, .c = costs, .plan = plan, .P = plan->stages, .K = paleo_plan_devices_per_stage(plan),
               .T = MAX(plan->tensor, 1), .M = plan->micro_batches, .v = MAX(plan->virtual_stages, 1),
               .L = costs->n_layers};
  b->ranks = plan->tensor_lanes ? 1 : b->T;
  uint32_t D = b->P * b->K;
  gsize slots = (gsize)b->K * b->M * b->L;
  b->g = paleo_step_graph_new(D, plan->stages, plan->micro_batches);
  b->chunk_of = g_new0(uint32_t, MAX(b->L, 1));
  b->rank_of = g_new0(uint32_t, MAX(b->L, 1));
  b->block_of = g_new(int32_t, MAX(b->L, 1));
  b->compute = g_new(uint32_t, D);
  b->comm = g_new(uint32_t, D);
  b->p2p = g_new(uint32_t, D);
  b->tp = g_new(uint32_t, D);
  b->fwd_task = g_new(guint, MAX(slots, 1));
  b->bwd_task = g_new(guint, MAX(slots, 1));
  b->last_bwd = g_new(guint, (gsize)b->K * MAX(b->L, 1));
  for (gsize i = 0; i < slots; i++)
    b->fwd_task[i] = b->bwd_task[i] = PALEO_GRAPH_NONE;
  b->pairs = g_array_new(FALSE, FALSE, sizeof(Pair));
  for (uint32_t d = 0; d < D; d++) {
    b->g->stage_of[d] = d / b->K;
    b->compute[d] = paleo_step_graph_add_stream(b->g, d, PALEO_STREAM_COMPUTE);
    b->comm[d] = paleo_step_graph_add_stream(b->g, d, PALEO_STREAM_COMM);
    b->p2p[d] = paleo_step_graph_add_stream(b->g, d, PALEO_STREAM_P2P);
  }
  for (uint32_t d = 0; d < D; d++) /* after the others: a plan without it keeps its stream ids */
    b->tp[d] = b->T > 1 ? paleo_step_graph_add_stream(b->g, d, PALEO_STREAM_COMM) : PALEO_GRAPH_NONE;
}

/* Every compute task's output is ready when the task ends, unless a collective follows. */
static void init_out_ready(Build *b)
{
  guint n = paleo_step_graph_n_tasks(b->g);
  b->out_ready = g_new(guint, MAX(n, 1));
  for (guint t = 0; t < n; t++)
    b->out_ready[t] = t;
}

PaleoStepGraph *paleo_plan_step(const PaleoNet *net, const PaleoTrainCosts *costs, const PaleoPlan *plan,
                                GError **error)
{
  g_assert(plan->stages >= 1 && plan->micro_batches >= 1 && plan->splits >= 1);
  g_assert(net || (plan->splits == 1 && plan->tensor <= 1));
  g_assert(plan->splits == 1 || plan->tensor <= 1);
  Build b;
  build_init(&b, net, costs, plan);
  if (!paleo_plan_stages(net, costs, plan, b.chunk_of, error)) {
    paleo_step_graph_free(b.g);
    build_clear(&b);
    return NULL;
  }
  place_layers(&b);
  add_passes(&b);
  init_out_ready(&b);
  if (b.T > 1)
    paleo_plan_tensor_collectives(&b);
  add_transfers(&b);
  paleo_plan_reductions_and_updates(&b);
  PaleoStepGraph *g = b.g;
  build_clear(&b);
  if (!paleo_step_graph_finalize(g, error)) {
    paleo_step_graph_free(g);
    return NULL;
  }
  return g;
}

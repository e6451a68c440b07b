/* The planner's collectives (see planner.h): tensor-parallel collectives around the
 * compute tasks, data-parallel gradient reduction in buckets, ZeRO's reduce-scatters and
 * parameter all-gathers, the tied embedding's all-reduce, and each device's update. */
#include "workloads/planner_int.h"

#include <string.h>

/* ---- tensor parallelism ---- */

static uint64_t tensor_bytes(const Build *b, PaleoShape s)
{
  s.n = b->c->batch;
  return (uint64_t)((double)paleo_shape_elems(s) * b->c->bytes_per_element);
}

/* The collective a compute task needs before (pre) or after it, NONE when none. */
typedef struct {
  PaleoCollectiveOp op;
  uint64_t bytes;
} TpColl;

static gboolean tp_before(const Build *b, const PaleoTask *t, TpColl *out)
{
  const PaleoLayer *l = paleo_net_layer(b->net, t->layer);
  if (!b->plan->sequence_parallel || t->kind != PALEO_TASK_COMPUTE || t->layer == PALEO_GRAPH_NONE)
    return FALSE;
  if (t->pass == PALEO_PHASE_FWD && l->tp == PALEO_TP_COLUMN) /* gather the sequence-split input */
    *out = (TpColl){PALEO_OP_ALL_GATHER, tensor_bytes(b, l->input)};
  else if (t->pass == PALEO_PHASE_BWD && (l->tp == PALEO_TP_ROW || l->type == PALEO_LAYER_EMBEDDING))
    *out = (TpColl){PALEO_OP_ALL_GATHER, tensor_bytes(b, l->output)}; /* gather the output's gradient */
  else
    return FALSE;
  return TRUE;
}

static gboolean tp_after(const Build *b, const PaleoTask *t, TpColl *out)
{
  const PaleoLayer *l = paleo_net_layer(b->net, t->layer);
  PaleoCollectiveOp reduce = b->plan->sequence_parallel ? PALEO_OP_REDUCE_SCATTER : PALEO_OP_ALL_REDUCE;
  if (t->kind != PALEO_TASK_COMPUTE || t->layer == PALEO_GRAPH_NONE)
    return FALSE;
  if (t->pass == PALEO_PHASE_FWD && (l->tp == PALEO_TP_ROW || l->type == PALEO_LAYER_EMBEDDING))
    *out = (TpColl){reduce, tensor_bytes(b, l->output)};
  else if (t->pass == PALEO_PHASE_FWD && l->type == PALEO_LAYER_CROSS_ENTROPY && l->tp == PALEO_TP_VOCAB)
    *out = (TpColl){PALEO_OP_ALL_REDUCE, (uint64_t)b->c->batch * (uint64_t)l->input.h * 3 * 4}; /* max, sum, target */
  else if (t->pass == PALEO_PHASE_BWD && l->tp == PALEO_TP_COLUMN)
    *out = (TpColl){reduce, tensor_bytes(b, l->input)}; /* the input's gradient, summed over ranks */
  else
    return FALSE;
  return TRUE;
}

/* One collective of the stage's T ranks: a task on each rank's tp stream; `before[k]` runs
 * before it on rank k, `after[k]` after it (either NONE). Returns rank 0's task. */
static guint tp_collective(Build *b, uint32_t stage, const TpColl *c, const PaleoTask *t, const guint *before,
                           const guint *after)
{
  g_autofree uint32_t *local = g_new(uint32_t, b->ranks);
  for (uint32_t k = 0; k < b->ranks; k++)
    local[k] = stage * b->K + k;
  uint32_t coll = paleo_step_graph_add_collective(b->g, PALEO_COLLECTIVE_RING, c->op, c->bytes, -1, FALSE, local,
                                                  b->ranks);
  if (b->ranks < b->T)
    paleo_step_graph_mirror(b->g, coll, b->T);
  guint first = PALEO_GRAPH_NONE;
  for (uint32_t k = 0; k < b->ranks; k++) {
    PaleoTask task = {.kind = PALEO_TASK_COLLECTIVE, .pass = t->pass, .device = local[k], .stream = b->tp[local[k]],
                      .micro_batch = t->micro_batch, .stage = stage, .layer = PALEO_GRAPH_NONE, .bytes = c->bytes,
                      .peer = PALEO_GRAPH_NONE, .collective = coll};
    guint id = paleo_step_graph_add_task(b->g, &task);
    if (before[k] != PALEO_GRAPH_NONE)
      paleo_step_graph_add_dep(b->g, id, before[k]);
    if (after[k] != PALEO_GRAPH_NONE)
      paleo_step_graph_add_dep(b->g, after[k], id);
    first = k ? first : id;
  }
  return first;
}

/* Stage s: its ranks' compute streams hold the same layers in the same order; a collective
 * goes between the compute tasks around it on every rank. */
static void tp_stage(Build *b, uint32_t stage)
{
  g_autofree const GArray **order = g_new(const GArray *, b->ranks);
  g_autofree guint *before = g_new(guint, b->ranks), *after = g_new(guint, b->ranks);
  for (uint32_t k = 0; k < b->ranks; k++)
    order[k] = paleo_step_graph_stream(b->g, b->compute[stage * b->K + k])->order;
  guint n = order[0]->len;
  for (guint pos = 0; pos < n; pos++) {
    PaleoTask task = *paleo_step_graph_task(b->g, g_array_index(order[0], guint32, pos)); /* the array grows */
    const PaleoTask *t = &task;
    TpColl c;
    if (tp_before(b, t, &c)) {
      for (uint32_t k = 0; k < b->ranks; k++) {
        before[k] = pos ? g_array_index(order[k], guint32, pos - 1) : PALEO_GRAPH_NONE;
        after[k] = g_array_index(order[k], guint32, pos);
      }
      tp_collective(b, stage, &c, t, before, after);
    }
    if (tp_after(b, t, &c)) {
      for (uint32_t k = 0; k < b->ranks; k++) {
        before[k] = g_array_index(order[k], guint32, pos);
        after[k] = pos + 1 < n ? g_array_index(order[k], guint32, pos + 1) : PALEO_GRAPH_NONE;
      }
      guint first = tp_collective(b, stage, &c, t, before, after);
      for (uint32_t k = 0; k < b->ranks; k++) /* rank k's collective task: first + k (added in order) */
        b->out_ready[before[k]] = first + k;
    }
  }
}

void paleo_plan_tensor_collectives(Build *b)
{
  for (uint32_t s = 0; s < b->P; s++)
    tp_stage(b, s);
}

/* ---- data-parallel reduction ---- */

typedef struct {
  guint first, last;  /* the bucket's lowest and highest layer on the device */
  uint64_t bytes;
} Bucket;

/* Gradient bytes of layer i on its device; a tied output layer on another stage than its
 * embedding holds a copy of the embedding's table. */
static uint64_t layer_grad_bytes(const Build *b, guint i)
{
  const PaleoLayer *l = b->net ? paleo_net_layer(b->net, i) : NULL;
  if (l && l->type == PALEO_LAYER_MATMUL && l->tied >= 0 &&
      plan_stage_of_layer(b, i) != plan_stage_of_layer(b, (guint)l->tied))
    return b->c->grad_bytes[l->tied];
  return b->c->grad_bytes[i];
}

/* Buckets of one device: walking its layers from the last, close at >= bucket_bytes (or
 * only at its first layer without overlap); layers below the last bucket join it. */
static GArray *device_buckets(const Build *b, uint32_t dev, uint64_t *dev_bytes)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(Bucket));
  uint64_t acc = 0;
  guint lowest = G_MAXUINT, top = G_MAXUINT;
  for (guint i = b->L; i-- > 0;) {
    if (!paleo_plan_on_device(b, i, dev))
      continue;
    lowest = i;
    top = top == G_MAXUINT ? i : top;
    uint64_t g = layer_grad_bytes(b, i);
    acc += g;
    *dev_bytes += g;
    if (b->plan->overlap && acc >= b->plan->bucket_bytes && acc > 0) {
      Bucket k = {i, top, acc};
      g_array_append_val(out, k);
      acc = 0;
      top = G_MAXUINT;
    }
  }
  if (acc) {
    Bucket k = {lowest, top, acc};
    g_array_append_val(out, k);
  } else if (out->len)
    g_array_index(out, Bucket, out->len - 1).first = lowest;
  return out;
}

static guint add_dp_collective(Build *b, uint32_t dev, PaleoCollectiveOp op, uint64_t bytes, int32_t bucket,
                               PaleoPhase pass, uint32_t mb)
{
  PaleoCollectiveKind kind = b->plan->collective;
  if (op != PALEO_OP_ALL_REDUCE && kind != PALEO_COLLECTIVE_HIERARCHICAL)
    kind = PALEO_COLLECTIVE_RING; /* reduce-scatter and all-gather run as rings (collective.h) */
  uint32_t coll = paleo_step_graph_add_collective(b->g, kind, op, bytes, bucket, TRUE, &dev, 1);
  PaleoTask t = {.kind = PALEO_TASK_COLLECTIVE, .pass = pass, .device = dev, .stream = b->comm[dev],
                 .micro_batch = mb, .stage = b->g->stage_of[dev], .layer = PALEO_GRAPH_NONE, .bytes = bytes,
                 .peer = PALEO_GRAPH_NONE, .collective = coll};
  return paleo_step_graph_add_task(b->g, &t);
}

/* The first forward task on the device (micro-batch 0) of any layer in [first, last]. */
static guint first_fwd(const Build *b, uint32_t dev, guint first, guint last)
{
  guint best = PALEO_GRAPH_NONE;
  for (guint i = first; i <= last; i++) {
    guint t = paleo_plan_on_device(b, i, dev) ? b->fwd_task[plan_slot(b, dev % b->K, 0, i)] : PALEO_GRAPH_NONE;
    best = t != PALEO_GRAPH_NONE && (best == PALEO_GRAPH_NONE || t < best) ? t : best;
  }
  return best;
}

/* ZeRO-1/2: each bucket's updated parameters gathered before the step's first forward that
 * needs them (the step's first tasks on the comm stream). */
static void add_param_gathers(Build *b, uint32_t dev, const GArray *buckets)
{
  for (guint k = buckets->len; k-- > 0;) { /* lowest layers first: forward order */
    const Bucket *bk = &g_array_index(buckets, Bucket, k);
    guint ag = add_dp_collective(b, dev, PALEO_OP_ALL_GATHER, bk->bytes, -1, PALEO_PHASE_FWD, 0);
    guint t = first_fwd(b, dev, bk->first, bk->last);
    if (t != PALEO_GRAPH_NONE)
      paleo_step_graph_add_dep(b->g, t, ag);
  }
}

/* Bucketed reduction of one device; returns its last collective (or NONE). */
static guint add_buckets(Build *b, uint32_t dev, uint64_t *dev_bytes)
{
  g_autoptr(GArray) buckets = device_buckets(b, dev, dev_bytes);
  if (b->plan->zero >= 1 && b->plan->zero <= 2)
    add_param_gathers(b, dev, buckets);
  PaleoCollectiveOp op = b->plan->zero >= 1 ? PALEO_OP_REDUCE_SCATTER : PALEO_OP_ALL_REDUCE;
  guint last = PALEO_GRAPH_NONE;
  for (guint k = 0; k < buckets->len; k++) {
    const Bucket *bk = &g_array_index(buckets, Bucket, k);
    last = add_dp_collective(b, dev, op, bk->bytes, (int32_t)k, PALEO_PHASE_BWD, 0);
    paleo_step_graph_add_dep(b->g, last, b->last_bwd[(dev % b->K) * b->L + bk->first]);
  }
  return last;
}

/* ---- ZeRO-3 ---- */

/* A unit's parameters on the device: a block, or the layers outside blocks (-1). */
static uint64_t unit_bytes(const Build *b, uint32_t dev, int32_t unit)
{
  uint64_t bytes = 0;
  for (guint i = 0; i < b->L; i++)
    if (b->block_of[i] == unit && paleo_plan_on_device(b, i, dev))
      bytes += layer_grad_bytes(b, i);
  return bytes;
}

typedef struct {
  PaleoCollectiveOp op;
  int32_t unit;
  uint32_t mb;
  PaleoPhase pass;
  guint anchor;      /* all-gather: the first task needing it; reduce-scatter: the last task producing it */
  guint limiter;     /* all-gather: a task that must end first (at most two units ahead), or NONE */
} UnitEvent;

/* A compute task of the device in a backward op: a backward task, or a recomputed forward. */
static gboolean in_backward(const Build *b, uint32_t dev, guint id, const PaleoTask *t)
{
  return t->pass == PALEO_PHASE_BWD || b->fwd_task[plan_slot(b, dev % b->K, t->micro_batch, t->layer)] != id;
}

/* Key of a unit's visit: (unit, micro-batch, forward or backward op). */
static gpointer visit_key(int32_t unit, uint32_t mb, gboolean backward)
{
  return GSIZE_TO_POINTER((((gsize)(unit + 1) << 24) | ((gsize)mb << 1) | (backward ? 1 : 0)) + 1);
}

/* The device's compute tasks in order: a unit's parameters are gathered where the unit is
 * first needed in each forward and backward op of a micro-batch, and its gradients
 * reduced where its last backward task of the micro-batch ends. */
static void unit_events(const Build *b, uint32_t dev, GArray *events)
{
  const GArray *order = paleo_step_graph_stream(b->g, b->compute[dev])->order;
  guint n = order->len;
  g_autoptr(GHashTable) last_bwd = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) gathered = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint pos = 0; pos < n; pos++) {
    guint id = g_array_index(order, guint32, pos);
    const PaleoTask *t = paleo_step_graph_task(b->g, id);
    if (t->layer != PALEO_GRAPH_NONE && t->pass == PALEO_PHASE_BWD)
      g_hash_table_insert(last_bwd, visit_key(b->block_of[t->layer], t->micro_batch, TRUE), GUINT_TO_POINTER(pos + 1));
  }
  g_autoptr(GArray) done = g_array_new(FALSE, FALSE, sizeof(guint)); /* the last task of each visit so far */
  for (guint pos = 0; pos < n; pos++) {
    guint id = g_array_index(order, guint32, pos);
    const PaleoTask *t = paleo_step_graph_task(b->g, id);
    if (t->layer == PALEO_GRAPH_NONE)
      continue;
    int32_t u = b->block_of[t->layer];
    gboolean backward = in_backward(b, dev, id, t);
    gpointer key = visit_key(u, t->micro_batch, backward);
    if (!g_hash_table_contains(gathered, key)) {
      g_hash_table_add(gathered, key);
      guint limiter = done->len >= 2 ? g_array_index(done, guint, done->len - 2) : PALEO_GRAPH_NONE;
      UnitEvent e = {PALEO_OP_ALL_GATHER, u, t->micro_batch, backward ? PALEO_PHASE_BWD : PALEO_PHASE_FWD, id, limiter};
      g_array_append_val(events, e);
    }
    const PaleoTask *next = pos + 1 < n ? paleo_step_graph_task(b->g, g_array_index(order, guint32, pos + 1)) : NULL;
    if (!next || next->layer == PALEO_GRAPH_NONE || b->block_of[next->layer] != u || next->micro_batch != t->micro_batch)
      g_array_append_val(done, id);
    if (GPOINTER_TO_UINT(g_hash_table_lookup(last_bwd, visit_key(u, t->micro_batch, TRUE))) == pos + 1) {
      UnitEvent e = {PALEO_OP_REDUCE_SCATTER, u, t->micro_batch, PALEO_PHASE_BWD, id, PALEO_GRAPH_NONE};
      g_array_append_val(events, e);
    }
  }
}

/* The comm stream's order: each all-gather moved before the reduce-scatter issued just
 * before it (the next unit's parameters prefetched while the last one's gradients reduce). */
static void prefetch_order(GArray *events)
{
  for (guint i = 1; i < events->len; i++) {
    UnitEvent *e = &g_array_index(events, UnitEvent, i), *p = &g_array_index(events, UnitEvent, i - 1);
    if (e->op == PALEO_OP_ALL_GATHER && p->op == PALEO_OP_REDUCE_SCATTER) {
      UnitEvent tmp = *e;
      *e = *p;
      *p = tmp;
      i++;
    }
  }
}

/* FSDP: per micro-batch, every unit gathered before its forward and again before its
 * backward, its gradients reduce-scattered after; returns the last collective. */
static guint add_zero3(Build *b, uint32_t dev, uint64_t *dev_bytes)
{
  g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(UnitEvent));
  unit_events(b, dev, events);
  prefetch_order(events);
  for (guint i = 0; i < b->L; i++)
    *dev_bytes += paleo_plan_on_device(b, i, dev) ? layer_grad_bytes(b, i) : 0;
  guint last = PALEO_GRAPH_NONE;
  for (guint i = 0; i < events->len; i++) {
    const UnitEvent *e = &g_array_index(events, UnitEvent, i);
    uint64_t bytes = unit_bytes(b, dev, e->unit);
    if (!bytes)
      continue;
    guint c = add_dp_collective(b, dev, e->op, bytes, e->op == PALEO_OP_REDUCE_SCATTER ? e->unit + 1 : -1, e->pass, e->mb);
    if (e->op == PALEO_OP_ALL_GATHER) {
      paleo_step_graph_add_dep(b->g, e->anchor, c);
      if (e->limiter != PALEO_GRAPH_NONE)
        paleo_step_graph_add_dep(b->g, c, e->limiter);
    } else {
      paleo_step_graph_add_dep(b->g, c, e->anchor);
      last = c;
    }
  }
  return last;
}

/* ---- the tied embedding, updates ---- */

/* On the device holding an Embedding whose tied output layer is on another stage: the two
 * copies' gradients all-reduced between the two stages (rank k with rank k) once both are
 * complete, on the devices' p2p streams. Sets tied[] for both devices. */
static void add_tied_allreduce(Build *b, uint32_t dev, guint *tied)
{
  for (guint i = 0; b->net && i < b->L; i++) {
    const PaleoLayer *l = paleo_net_layer(b->net, i);
    if (l->type != PALEO_LAYER_MATMUL || l->tied < 0 || !paleo_plan_on_device(b, (guint)l->tied, dev) ||
        plan_stage_of_layer(b, i) == plan_stage_of_layer(b, (guint)l->tied))
      continue;
    uint32_t pair[2] = {dev, plan_stage_of_layer(b, i) * b->K + dev % b->K};
    guint layer[2] = {(guint)l->tied, i};
    uint64_t bytes = b->c->grad_bytes[l->tied];
    uint32_t coll = paleo_step_graph_add_collective(b->g, PALEO_COLLECTIVE_RING, PALEO_OP_ALL_REDUCE, bytes, -1,
                                                    FALSE, pair, 2);
    for (guint k = 0; k < 2; k++) {
      PaleoTask t = {.kind = PALEO_TASK_COLLECTIVE, .pass = PALEO_PHASE_BWD, .device = pair[k],
                     .stream = b->p2p[pair[k]], .stage = b->g->stage_of[pair[k]], .layer = PALEO_GRAPH_NONE,
                     .bytes = bytes, .peer = PALEO_GRAPH_NONE, .collective = coll};
      tied[pair[k]] = paleo_step_graph_add_task(b->g, &t);
      paleo_step_graph_add_dep(b->g, tied[pair[k]], b->last_bwd[(pair[k] % b->K) * b->L + layer[k]]);
    }
  }
}

void paleo_plan_reductions_and_updates(Build *b)
{
  uint32_t D = b->g->devices;
  g_autofree guint *tied = g_new(guint, D);
  for (uint32_t dev = 0; dev < D; dev++)
    tied[dev] = PALEO_GRAPH_NONE;
  uint64_t total = b->c->total_grad_bytes;
  double shards = b->plan->zero >= 1 ? MAX(b->plan->replicas, 1) : 1;
  for (uint32_t dev = 0; dev < D; dev++) {
    uint64_t mine = 0;
    guint last = b->plan->zero == 3 ? add_zero3(b, dev, &mine) : add_buckets(b, dev, &mine);
    add_tied_allreduce(b, dev, tied);
    uint64_t upd = mine == total && shards == 1
                     ? b->c->update_ns
                     : (uint64_t)((double)b->c->update_ns * (double)mine / (double)MAX(total, 1) / shards);
    PaleoTask t = {.kind = PALEO_TASK_COMPUTE, .pass = PALEO_PHASE_UPDATE, .device = dev, .stream = b->compute[dev],
                   .stage = b->g->stage_of[dev], .layer = PALEO_GRAPH_NONE, .cost_ns = upd, .peer = PALEO_GRAPH_NONE,
                   .collective = PALEO_GRAPH_NONE};
    guint u = paleo_step_graph_add_task(b->g, &t);
    if (last != PALEO_GRAPH_NONE)
      paleo_step_graph_add_dep(b->g, u, last);
    if (tied[dev] != PALEO_GRAPH_NONE)
      paleo_step_graph_add_dep(b->g, u, tied[dev]);
  }
}

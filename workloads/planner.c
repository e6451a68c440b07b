/* Planners: placement, stage split, micro-batch schedule, transfers, bucketed data-parallel
 * reduction and updates as one step task graph (see planner.h). */
#include "workloads/planner.h"

#include <string.h>

#include "hardware/catalog.h"

const char *const paleo_pipe_schedule_names[] = {"gpipe", "1f1b", NULL};

const PaleoPlanner paleo_planners[] = {
  {"data-parallel", "every worker runs the whole net; bucketed gradient collectives overlap backward (sync)"},
  {"model-parallel", "a net's ModelParallel blocks: replica i of a block on device i, activations as transfers"},
  {"hybrid", "model parallel inside a replica, data parallel across replicas (Krizhevsky's one weird trick)"},
  {"pipeline", "layers cut into stages, micro-batches scheduled GPipe or 1F1B, data parallel per stage"},
  {NULL, NULL},
};

const PaleoPlanner *paleo_planner_for(const PaleoPlan *plan, uint32_t replicas)
{
  if (plan->stages > 1)
    return &paleo_planners[3];
  if (plan->splits > 1)
    return &paleo_planners[replicas > 1 ? 2 : 1];
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

/* ---- stages ---- */

static uint64_t layer_cost(const PaleoTrainCosts *c, guint i)
{
  return c->fwd_ns[i] + c->bwd_ns[i];
}

/* Linear partition of the layers into P contiguous stages minimizing the largest stage
 * cost (dynamic programming; ties go to the earliest cut). */
static void balanced_cuts(const PaleoTrainCosts *c, uint32_t P, uint32_t *stage_of)
{
  guint L = c->n_layers;
  g_autofree uint64_t *prefix = g_new0(uint64_t, L + 1);
  for (guint i = 0; i < L; i++)
    prefix[i + 1] = prefix[i] + layer_cost(c, i);
  /* best[p * (L + 1) + i]: layers 0..i-1 in p + 1 stages; cut[...] the first layer of the last */
  g_autofree uint64_t *best = g_new(uint64_t, (gsize)P * (L + 1));
  g_autofree guint *cut = g_new0(guint, (gsize)P * (L + 1));
  for (guint i = 0; i <= L; i++)
    best[i] = prefix[i];
  for (guint p = 1; p < P; p++)
    for (guint i = 0; i <= L; i++) {
      uint64_t b = UINT64_MAX;
      guint at = p;
      for (guint j = p; j < i; j++) {
        uint64_t v = MAX(best[(p - 1) * (L + 1) + j], prefix[i] - prefix[j]);
        if (v < b) {
          b = v;
          at = j;
        }
      }
      best[p * (L + 1) + i] = b;
      cut[p * (L + 1) + i] = at;
    }
  guint end = L;
  for (guint p = P; p-- > 0;) {
    guint first = p ? cut[p * (L + 1) + end] : 0;
    for (guint i = first; i < end; i++)
      stage_of[i] = p;
    end = first;
  }
}

gboolean paleo_plan_stages(const PaleoTrainCosts *c, const PaleoPlan *plan, uint32_t *stage_of, GError **error)
{
  uint32_t P = plan->stages;
  if (P > c->n_layers) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "%u pipeline stages but the net has only %u layers", P, c->n_layers);
    return FALSE;
  }
  if (!plan->stage_first) {
    balanced_cuts(c, P, stage_of);
    return TRUE;
  }
  for (uint32_t s = 0; s + 1 < P; s++) {
    uint32_t f = plan->stage_first[s], prev = s ? plan->stage_first[s - 1] : 0;
    if (f <= prev || f >= c->n_layers) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "stage %u would start at layer %u: cuts must increase inside (0, %u)", s + 1, f, c->n_layers);
      return FALSE;
    }
  }
  for (guint i = 0, s = 0; i < c->n_layers; i++) {
    while (s + 1 < P && i >= plan->stage_first[s])
      s++;
    stage_of[i] = s;
  }
  return TRUE;
}

/* ---- building ---- */

typedef struct {
  const PaleoNet *net;
  const PaleoTrainCosts *c;
  const PaleoPlan *plan;
  PaleoStepGraph *g;
  uint32_t *dev_of;       /* per layer: local device */
  uint32_t *compute, *comm, *p2p; /* per device: stream ids */
  guint *fwd_task, *bwd_task; /* [mb * L + layer]: task id or NONE */
  guint *last_bwd;        /* per layer: its backward task that runs last (gradient ready) */
  GArray *pairs;          /* Pair: a layer's output needed on another device */
} Build;

typedef struct {
  guint parent;           /* layer */
  uint32_t dst;           /* device needing it */
  guint last_consumer;    /* lowest consumer layer on dst (its backward completes the gradient) */
} Pair;

static uint32_t device_of_layer(const Build *b, guint i, const uint32_t *stage_of)
{
  const PaleoLayer *l = b->net ? paleo_net_layer(b->net, i) : NULL;
  uint32_t k = l && l->split >= 0 && b->plan->splits > 1 ? (uint32_t)l->split : 0;
  return stage_of[i] * b->plan->splits + k;
}

/* Compute cost of a layer on its device: fetch is modelled by transfers when K > 1. */
static uint64_t compute_ns(const Build *b, guint i, PaleoPhase pass)
{
  uint64_t t = pass == PALEO_PHASE_FWD ? b->c->fwd_ns[i] : b->c->bwd_ns[i];
  if (b->plan->splits > 1 || b->plan->stages > 1)
    t -= MIN(t, b->c->fetch_ns[i]);
  return t;
}

/* The order of (pass, micro-batch) on stage s; writes 2M entries. */
static void stage_ops(const PaleoPlan *p, uint32_t s, PaleoPhase *pass, uint32_t *mb)
{
  uint32_t M = p->micro_batches, n = 0;
  if (p->schedule == PALEO_PIPE_GPIPE) {
    for (uint32_t m = 0; m < M; m++, n++)
      pass[n] = PALEO_PHASE_FWD, mb[n] = m;
    for (uint32_t m = M; m-- > 0; n++)
      pass[n] = PALEO_PHASE_BWD, mb[n] = m;
    return;
  }
  uint32_t warm = MIN(p->stages - 1 - s, M), f = 0, bk = 0;
  for (; f < warm; f++, n++)
    pass[n] = PALEO_PHASE_FWD, mb[n] = f;
  for (; f < M; f++, bk++) {
    pass[n] = PALEO_PHASE_FWD, mb[n++] = f;
    pass[n] = PALEO_PHASE_BWD, mb[n++] = bk;
  }
  for (; bk < M; bk++, n++)
    pass[n] = PALEO_PHASE_BWD, mb[n] = bk;
}

static uint32_t add_compute(Build *b, uint32_t dev, PaleoPhase pass, uint32_t mb, guint layer, uint64_t cost)
{
  PaleoTask t = {.kind = PALEO_TASK_COMPUTE, .pass = pass, .device = dev, .stream = b->compute[dev],
                 .micro_batch = mb, .stage = b->g->stage_of[dev], .layer = layer, .cost_ns = cost,
                 .peer = PALEO_GRAPH_NONE, .collective = PALEO_GRAPH_NONE};
  return paleo_step_graph_add_task(b->g, &t);
}

/* Forward and backward tasks of every device, in each stage's schedule order. */
static void add_passes(Build *b)
{
  guint L = b->c->n_layers, M = b->plan->micro_batches;
  g_autofree PaleoPhase *pass = g_new(PaleoPhase, 2 * M);
  g_autofree uint32_t *mb = g_new(uint32_t, 2 * M);
  for (uint32_t dev = 0; dev < b->g->devices; dev++) {
    stage_ops(b->plan, b->g->stage_of[dev], pass, mb);
    for (guint k = 0; k < 2 * M; k++)
      for (guint n = 0; n < L; n++) {
        guint i = pass[k] == PALEO_PHASE_FWD ? n : L - 1 - n;
        if (b->dev_of[i] != dev)
          continue;
        guint id = add_compute(b, dev, pass[k], mb[k], i, compute_ns(b, i, pass[k]));
        (pass[k] == PALEO_PHASE_FWD ? b->fwd_task : b->bwd_task)[mb[k] * L + i] = id;
        if (pass[k] == PALEO_PHASE_BWD)
          b->last_bwd[i] = id;
      }
  }
}

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

static void find_pairs(Build *b)
{
  for (guint i = 0; i < b->c->n_layers; i++) {
    guint n, chain;
    const guint *parents = parents_of(b, i, &n, &chain);
    for (guint k = 0; k < n; k++) {
      guint p = parents[k];
      if (b->dev_of[p] == b->dev_of[i])
        continue;
      guint j = 0;
      while (j < b->pairs->len && (g_array_index(b->pairs, Pair, j).parent != p ||
                                   g_array_index(b->pairs, Pair, j).dst != b->dev_of[i]))
        j++;
      if (j == b->pairs->len) {
        Pair pr = {p, b->dev_of[i], i};
        g_array_append_val(b->pairs, pr);
      }
    }
  }
}

static gboolean consumes(const Build *b, guint layer, const Pair *pr)
{
  if (b->dev_of[layer] != pr->dst)
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
 * compute stream's order. */
static void transfers_after(Build *b, const PaleoTask *t, guint id)
{
  guint L = b->c->n_layers;
  for (guint j = 0; j < b->pairs->len; j++) {
    const Pair *pr = &g_array_index(b->pairs, Pair, j);
    if (t->pass == PALEO_PHASE_FWD && t->layer == pr->parent) {
      guint x = add_transfer(b, t->device, pr->dst, PALEO_PHASE_FWD, t->micro_batch, b->c->out_bytes[pr->parent]);
      paleo_step_graph_add_dep(b->g, x, id);
      for (guint i = pr->parent + 1; i < L; i++)
        if (consumes(b, i, pr))
          paleo_step_graph_add_dep(b->g, b->fwd_task[t->micro_batch * L + i], x);
    } else if (t->pass == PALEO_PHASE_BWD && t->layer == pr->last_consumer) {
      guint x = add_transfer(b, t->device, b->dev_of[pr->parent], PALEO_PHASE_BWD, t->micro_batch,
                             b->c->out_bytes[pr->parent]);
      for (guint i = pr->parent + 1; i < L; i++)
        if (consumes(b, i, pr))
          paleo_step_graph_add_dep(b->g, x, b->bwd_task[t->micro_batch * L + i]);
      paleo_step_graph_add_dep(b->g, b->bwd_task[t->micro_batch * L + pr->parent], x);
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

/* Buckets of one device: walking its layers from the last, close at >= bucket_bytes (or
 * only at its first layer without overlap); layers below the last bucket join it. One
 * collective per bucket on the comm stream; returns the last one (or NONE). */
static guint add_buckets(Build *b, uint32_t dev, uint64_t *dev_bytes)
{
  g_autoptr(GArray) first = g_array_new(FALSE, FALSE, sizeof(guint));
  g_autoptr(GArray) bytes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  uint64_t acc = 0;
  guint lowest = G_MAXUINT;
  for (guint i = b->c->n_layers; i-- > 0;) {
    if (b->dev_of[i] != dev)
      continue;
    lowest = i;
    acc += b->c->grad_bytes[i];
    *dev_bytes += b->c->grad_bytes[i];
    gboolean close = b->plan->overlap && acc >= b->plan->bucket_bytes;
    if (close && acc > 0) {
      g_array_append_val(first, i);
      g_array_append_val(bytes, acc);
      acc = 0;
    }
  }
  if (!*dev_bytes)
    return PALEO_GRAPH_NONE;
  if (acc) {
    g_array_append_val(first, lowest);
    g_array_append_val(bytes, acc);
  } else
    g_array_index(first, guint, first->len - 1) = lowest;
  guint last = PALEO_GRAPH_NONE;
  for (guint k = 0; k < first->len; k++) {
    uint32_t coll = paleo_step_graph_add_collective(b->g, b->plan->collective, g_array_index(bytes, uint64_t, k),
                                                    (int32_t)k, TRUE, &dev, 1);
    PaleoTask t = {.kind = PALEO_TASK_COLLECTIVE, .pass = PALEO_PHASE_BWD, .device = dev, .stream = b->comm[dev],
                   .stage = b->g->stage_of[dev], .layer = PALEO_GRAPH_NONE, .bytes = g_array_index(bytes, uint64_t, k),
                   .peer = PALEO_GRAPH_NONE, .collective = coll};
    last = paleo_step_graph_add_task(b->g, &t);
    paleo_step_graph_add_dep(b->g, last, b->last_bwd[g_array_index(first, guint, k)]);
  }
  return last;
}

static void add_reductions_and_updates(Build *b)
{
  uint64_t total = b->c->total_grad_bytes;
  for (uint32_t dev = 0; dev < b->g->devices; dev++) {
    uint64_t mine = 0;
    guint last = add_buckets(b, dev, &mine);
    uint64_t upd = mine == total ? b->c->update_ns
                                 : (uint64_t)((double)b->c->update_ns * (double)mine / (double)total);
    guint u = add_compute(b, dev, PALEO_PHASE_UPDATE, 0, PALEO_GRAPH_NONE, upd);
    if (last != PALEO_GRAPH_NONE)
      paleo_step_graph_add_dep(b->g, u, last);
  }
}

static void build_clear(Build *b)
{
  g_free(b->dev_of);
  g_free(b->compute);
  g_free(b->comm);
  g_free(b->p2p);
  g_free(b->fwd_task);
  g_free(b->bwd_task);
  g_free(b->last_bwd);
  if (b->pairs)
    g_array_free(b->pairs, TRUE);
}

PaleoStepGraph *paleo_plan_step(const PaleoNet *net, const PaleoTrainCosts *costs, const PaleoPlan *plan,
                                GError **error)
{
  g_assert(plan->stages >= 1 && plan->micro_batches >= 1 && plan->splits >= 1);
  g_assert(net || plan->splits == 1);
  guint L = costs->n_layers;
  g_autofree uint32_t *stage_of = g_new0(uint32_t, L);
  if (!paleo_plan_stages(costs, plan, stage_of, error))
    return NULL;
  uint32_t D = plan->stages * plan->splits;
  Build b = {.net = net, .c = costs, .plan = plan, .g = paleo_step_graph_new(D, plan->stages, plan->micro_batches)};
  b.dev_of = g_new(uint32_t, L);
  b.compute = g_new(uint32_t, D);
  b.comm = g_new(uint32_t, D);
  b.p2p = g_new(uint32_t, D);
  b.fwd_task = g_new(guint, (gsize)L * plan->micro_batches);
  b.bwd_task = g_new(guint, (gsize)L * plan->micro_batches);
  b.last_bwd = g_new(guint, L);
  b.pairs = g_array_new(FALSE, FALSE, sizeof(Pair));
  for (uint32_t d = 0; d < D; d++) {
    b.g->stage_of[d] = d / plan->splits;
    b.compute[d] = paleo_step_graph_add_stream(b.g, d, PALEO_STREAM_COMPUTE);
    b.comm[d] = paleo_step_graph_add_stream(b.g, d, PALEO_STREAM_COMM);
    b.p2p[d] = paleo_step_graph_add_stream(b.g, d, PALEO_STREAM_P2P);
  }
  for (guint i = 0; i < L; i++)
    b.dev_of[i] = device_of_layer(&b, i, stage_of);
  add_passes(&b);
  add_transfers(&b);
  add_reductions_and_updates(&b);
  PaleoStepGraph *g = b.g;
  build_clear(&b);
  if (!paleo_step_graph_finalize(g, error)) {
    paleo_step_graph_free(g);
    return NULL;
  }
  return g;
}

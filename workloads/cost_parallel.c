/* Model-parallel bounds and hybrid (one weird trick) parallelism with the `paleo` model
 * (PALEO-MODEL.md §8; see cost.h). */
#include "workloads/cost.h"

#include <math.h>

#include "workloads/planner.h"

typedef enum { LAYERS_ALL, LAYERS_DATA, LAYERS_MODEL } LayerSet;

static gboolean in_set(const PaleoLayer *l, LayerSet set)
{
  return set == LAYERS_ALL || (set == LAYERS_MODEL) == (l->split >= 0);
}

/* A layer's time in one pass: the serial sum (or max with the pipeline option). */
static double pass_ms(const PaleoLayerCost *c, PaleoPhase pass, gboolean pipeline)
{
  return paleo_time_ms(pass == PALEO_PHASE_FWD ? paleo_layer_cost_fwd(c) : paleo_layer_cost_bwd(c), pipeline);
}

/* Longest path through the layer graph and the serial sum, layers outside `set` at 0 (the
 * original sums only the set's layers over the whole graph's blocks). */
static void bounds(const PaleoNet *net, const PaleoNetCost *cost, PaleoPhase pass, LayerSet set, gboolean pipeline,
                   double *lower, double *upper)
{
  guint n = net->layers->len;
  g_autofree double *finish = g_new0(double, n);
  *lower = *upper = 0;
  for (guint i = 0; i < n; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    double t = in_set(l, set) ? pass_ms(&cost->layers[i], pass, pipeline) : 0.0;
    double start = 0;
    for (guint k = 0; k < l->n_parents; k++)
      start = fmax(start, finish[l->parents[k]]);
    finish[i] = start + t;
    *lower = fmax(*lower, finish[i]);
    *upper += t;
  }
}

gboolean paleo_cost_model_parallel(const PaleoNet *net, const PaleoDevice *device, const PaleoCostOptions *options,
                                   PaleoModelParallelBounds *out, GError **error)
{
  g_autoptr(PaleoNetCost) cost = paleo_cost_net(net, device, options, error);
  if (!cost)
    return FALSE;
  bounds(net, cost, PALEO_PHASE_FWD, LAYERS_ALL, options->use_pipeline, &out->fwd_lower_ms, &out->fwd_upper_ms);
  bounds(net, cost, PALEO_PHASE_BWD, LAYERS_ALL, options->use_pipeline, &out->bwd_lower_ms, &out->bwd_upper_ms);
  return TRUE;
}

/* 4 x parameters of the set's weighted layers (PALEO's weights_in_bytes). */
static double set_params_bytes(const PaleoNet *net, LayerSet set)
{
  double bytes = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (in_set(l, set) && (l->type == PALEO_LAYER_CONV || l->type == PALEO_LAYER_DECONV ||
                           l->type == PALEO_LAYER_INNER_PRODUCT))
      bytes += (double)l->params * 4;
  }
  return bytes;
}

/* The data-parallel part: serial sums (the pipeline option's lower bounds when set). */
static void data_part(const PaleoNet *net, const PaleoNetCost *cost, const PaleoDevice *device,
                      const PaleoCostOptions *o, const PaleoLink *link, PaleoHybridPart *part)
{
  double lower;
  bounds(net, cost, PALEO_PHASE_FWD, LAYERS_DATA, o->use_pipeline, &lower, &part->fwd_ms);
  bounds(net, cost, PALEO_PHASE_BWD, LAYERS_DATA, o->use_pipeline, &lower, &part->bwd_ms);
  double params = set_params_bytes(net, LAYERS_DATA);
  part->update_ms = paleo_time_ms(paleo_cost_update(device, params), o->use_pipeline);
  PaleoAllReduceParams comm = {.link = link, .ppp_comm = o->ppp_comm};
  part->sync_ms = paleo_allreduce_ms(PALEO_ALLREDUCE_TREE, part->workers, params, &comm);
}

/* The first `@` layer's first parent's output, in elements (the original's "bytes"). */
static double fetch_elements(const PaleoNet *net, int64_t batch)
{
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    if (l->split < 0 || !l->n_parents)
      continue;
    PaleoShape s = paleo_net_layer(net, l->parents[0])->output;
    s.n = batch;
    return (double)paleo_shape_elems(s);
  }
  return -1; /* no model-parallel layer */
}

/* The model-parallel part: lower bounds of the `@` layers (always serial sums per layer, as
 * the original), K sequential stages with one fetch overlapped; their update. */
static void model_part(const PaleoNet *net, const PaleoNetCost *cost, const PaleoDevice *device, const PaleoLink *link,
                       PaleoHybridPart *part)
{
  double upper;
  bounds(net, cost, PALEO_PHASE_FWD, LAYERS_MODEL, FALSE, &part->fwd_ms, &upper);
  bounds(net, cost, PALEO_PHASE_BWD, LAYERS_MODEL, FALSE, &part->bwd_ms, &upper);
  part->update_ms = paleo_time_total_ms(paleo_cost_update(device, set_params_bytes(net, LAYERS_MODEL)));
  double elems = fetch_elements(net, cost->batch);
  if (elems < 0)
    return;
  double K = part->workers, fetch = elems / 1073741824.0 / (link->gbps / 8) * 1e3 * (K - 1);
  part->fwd_ms = (part->fwd_ms - fetch) * K + fetch;
  part->bwd_ms = (part->bwd_ms - fetch) * K + fetch;
}

gboolean paleo_cost_hybrid(const PaleoNet *net, const PaleoDevice *device, const PaleoCostOptions *options,
                           const PaleoLink *link, PaleoHybridPart parts[2], GError **error)
{
  uint32_t K;
  if (!link || link->gbps <= 0) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "link %s: bandwidth must be positive",
                link ? link->name : "(none)");
    return FALSE;
  }
  if (!paleo_plan_net_splits(net, &K, error))
    return FALSE;
  PaleoCostOptions o = *options;
  o.cross_device_gbytes_per_s = link->gbps / 8;
  g_autoptr(PaleoNetCost) cost = paleo_cost_net(net, device, &o, error);
  if (!cost)
    return FALSE;
  for (guint p = 0; p < 2; p++)
    parts[p] = (PaleoHybridPart){.workers = K, .effective_batch = cost->batch * K};
  data_part(net, cost, device, &o, link, &parts[0]);
  model_part(net, cost, device, link, &parts[1]);
  return TRUE;
}

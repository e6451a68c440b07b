/* Data-parallel scaling with the `paleo` model (PALEO-MODEL.md §7, simulation.py
 * simulate_scaling): per worker count, compute at the per-worker batch plus one
 * all-reduce of the weights, no overlap. */
#include "workloads/cost.h"

/* The last per-worker compute costed (weak scaling reuses one batch for every count). */
typedef struct {
  int64_t batch; /* 0: empty */
  PaleoPhaseTimes times;
  double params_bytes;
} ComputeCache;

/* Compute time of one worker at `batch`: fwd, bwd, update by the options' pipeline rule. */
static gboolean compute_at(const PaleoNet *net, const PaleoDevice *device,
                           const PaleoCostOptions *options, int64_t batch, ComputeCache *cache,
                           GError **error)
{
  if (cache->batch == batch)
    return TRUE;
  PaleoCostOptions o = *options;
  o.batch = batch;
  g_autoptr(PaleoNetCost) cost = paleo_cost_net(net, device, &o, error);
  if (!cost)
    return FALSE;
  *cache = (ComputeCache){batch, cost->chosen, cost->params_bytes};
  return TRUE;
}

static gboolean check_request(const PaleoScalingRequest *r, GError **error)
{
  if (r->batch < 1) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "batch = %" G_GINT64_FORMAT " is invalid (expected a positive number)", r->batch);
    return FALSE;
  }
  for (guint i = 0; i < r->n_workers; i++)
    if (r->workers[i] < 1) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "worker count %u is invalid (expected >= 1)", r->workers[i]);
      return FALSE;
    }
  if (!r->comm.link || r->comm.link->gbps <= 0) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "link %s: bandwidth must be a positive number of Gbit/s",
                r->comm.link ? r->comm.link->name : "(none)");
    return FALSE;
  }
  return TRUE;
}

/* Iteration time of every scheme at one worker count; fills rows[0..n_schemes). */
static gboolean rows_at(const PaleoNet *net, const PaleoDevice *device,
                        const PaleoCostOptions *options, const PaleoScalingRequest *r,
                        guint workers, ComputeCache *cache, PaleoScalingRow *rows,
                        GError **error)
{
  int64_t per_worker = paleo_scaling_batch_per_worker(r->scaling, r->batch, workers);
  if (!compute_at(net, device, options, per_worker, cache, error))
    return FALSE;
  const PaleoPhaseTimes t = cache->times;
  const double params_bytes = cache->params_bytes;
  PaleoAllReduceParams comm = r->comm;
  comm.ppp_comm = options->ppp_comm;
  for (guint s = 0; s < r->n_schemes; s++) {
    PaleoScalingRow *row = &rows[s];
    *row = (PaleoScalingRow){.workers = workers, .batch_per_worker = per_worker,
                             .effective_batch = paleo_scaling_effective_batch(r->scaling, r->batch, workers),
                             .scheme = r->schemes[s], .fwd_ms = t.fwd_ms, .bwd_ms = t.bwd_ms,
                             .update_ms = t.update_ms, .compute_ms = t.iteration_ms};
    row->comm_ms = paleo_allreduce_ms(r->schemes[s], workers, params_bytes, &comm);
    row->iteration_ms = row->compute_ms + row->comm_ms;
  }
  return TRUE;
}

GArray *paleo_cost_scaling(const PaleoNet *net, const PaleoDevice *device,
                           const PaleoCostOptions *options, const PaleoScalingRequest *r,
                           GError **error)
{
  g_return_val_if_fail(net && device && options && r, NULL);
  if (!check_request(r, error))
    return NULL;
  g_autofree PaleoScalingRow *base = g_new0(PaleoScalingRow, MAX(r->n_schemes, 1));
  ComputeCache cache = {0};
  if (!rows_at(net, device, options, r, 1, &cache, base, error))
    return NULL;
  GArray *rows = g_array_sized_new(FALSE, TRUE, sizeof(PaleoScalingRow),
                                   r->n_workers * r->n_schemes);
  g_array_set_size(rows, r->n_workers * r->n_schemes);
  for (guint w = 0; w < r->n_workers; w++) {
    PaleoScalingRow *at = &g_array_index(rows, PaleoScalingRow, w * r->n_schemes);
    if (!rows_at(net, device, options, r, r->workers[w], &cache, at, error)) {
      g_array_unref(rows);
      return NULL;
    }
    for (guint s = 0; s < r->n_schemes; s++)
      at[s].speedup = paleo_scaling_speedup(r->scaling, at[s].workers, base[s].iteration_ms,
                                            at[s].iteration_ms);
  }
  return rows;
}

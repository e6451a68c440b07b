/* Per-layer training durations from a registered cost model (see train_costs.h). */
#include "workloads/train_costs.h"

#include <math.h>

#include "hardware/timing.h"
#include "workloads/cost.h"

PaleoTrainCosts *paleo_train_costs_new(const PaleoNet *net, const PaleoDevice *device,
                                       const char *cost_model, double ppp_comp, double ppp_comm,
                                       int64_t batch, GError **error)
{
  return paleo_train_costs_new_at(net, device, cost_model, ppp_comp, ppp_comm, batch, PALEO_PRECISION_FP32,
                                  error);
}

PaleoTrainCosts *paleo_train_costs_new_at(const PaleoNet *net, const PaleoDevice *device,
                                          const char *cost_model, double ppp_comp, double ppp_comm,
                                          int64_t batch, PaleoPrecision precision, GError **error)
{
  PaleoCostOptions options;
  paleo_cost_options_init(&options);
  options.ppp_comp = ppp_comp;
  options.ppp_comm = ppp_comm;
  options.batch = batch;
  options.precision = precision;
  return paleo_train_costs_new_with(net, device, cost_model, &options, error);
}

PaleoTrainCosts *paleo_train_costs_new_with(const PaleoNet *net, const PaleoDevice *device, const char *cost_model,
                                            const PaleoCostOptions *options, GError **error)
{
  g_return_val_if_fail(net && device && cost_model && options && options->batch > 0, NULL);
  const PaleoCostModel *model = paleo_cost_model_find(cost_model, error);
  if (!model)
    return NULL;
  int64_t batch = options->batch;
  g_autoptr(PaleoNetCost) nc = model->cost_net(net, device, options, error);
  if (!nc)
    return NULL;
  PaleoTrainCosts *c = g_new0(PaleoTrainCosts, 1);
  c->n_layers = nc->n_layers;
  c->fwd_ns = g_new0(uint64_t, c->n_layers);
  c->bwd_ns = g_new0(uint64_t, c->n_layers);
  c->grad_bytes = g_new0(uint64_t, c->n_layers);
  c->out_bytes = g_new0(uint64_t, c->n_layers);
  c->fetch_ns = g_new0(uint64_t, c->n_layers);
  double total = 0;
  for (guint i = 0; i < c->n_layers; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    c->fwd_ns[i] = paleo_timing_ms_to_ns(paleo_time_ms(paleo_layer_cost_fwd(&nc->layers[i]), options->use_pipeline));
    c->bwd_ns[i] = paleo_timing_ms_to_ns(paleo_time_ms(paleo_layer_cost_bwd(&nc->layers[i]), options->use_pipeline));
    c->fetch_ns[i] = paleo_timing_ms_to_ns(paleo_time_ms(nc->layers[i].fetch, options->use_pipeline));
    PaleoShape out = l->output;
    out.n = batch;
    c->out_bytes[i] = (uint64_t)((double)paleo_shape_elems(out) * nc->bytes_per_element);
    if (paleo_net_layer_weighted(l)) {
      double bytes = paleo_cost_layer_params_on_device(l, options) * nc->bytes_per_element;
      c->grad_bytes[i] = (uint64_t)bytes;
      total += bytes;
    }
    c->total_grad_bytes += c->grad_bytes[i];
  }
  g_assert(fabs(total - nc->params_bytes) <= 1e-9 * MAX(total, 1.0) + c->n_layers);
  c->update_ns = paleo_timing_ms_to_ns(nc->chosen.update_ms);
  c->batch = batch;
  c->bytes_per_element = nc->bytes_per_element;
  c->fwd_ms = nc->chosen.fwd_ms;
  c->bwd_ms = nc->chosen.bwd_ms;
  c->update_ms = nc->chosen.update_ms;
  return c;
}

void paleo_train_costs_free(PaleoTrainCosts *c)
{
  if (!c)
    return;
  g_free(c->fwd_ns);
  g_free(c->bwd_ns);
  g_free(c->grad_bytes);
  g_free(c->out_bytes);
  g_free(c->fetch_ns);
  g_free(c);
}

double paleo_train_costs_iteration_ms(const PaleoTrainCosts *c)
{
  return c->fwd_ms + c->bwd_ms + c->update_ms;
}

int64_t paleo_train_batch_per_worker(int scaling, int64_t batch, guint workers)
{
  return paleo_scaling_batch_per_worker((PaleoScaling)scaling, batch, workers);
}

int64_t paleo_train_effective_batch(int scaling, int64_t batch, guint workers)
{
  return paleo_scaling_effective_batch((PaleoScaling)scaling, batch, workers);
}

double paleo_train_speedup(int scaling, guint workers, double t1_ms, double tn_ms)
{
  return paleo_scaling_speedup((PaleoScaling)scaling, workers, t1_ms, tn_ms);
}

/* The per-layer durations a training simulation needs, taken from a cost model and
 * converted to engine nanoseconds in one place, so simulation code deals in engine time
 * only and never in the cost model's (comp_ms, comm_ms) pairs. */
#ifndef PALEO_TRAIN_COSTS_H
#define PALEO_TRAIN_COSTS_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"
#include "hardware/kernel.h"
#include "workloads/cost.h"
#include "workloads/net.h"

typedef struct {
  guint n_layers;         /* = net->layers->len */
  uint64_t *fwd_ns;       /* per layer, forward (PALEO's comp + comm, or max with pipeline) */
  uint64_t *bwd_ns;       /* per layer, backward data + filter */
  uint64_t *grad_bytes;   /* per layer, params of weighted layers (conv, deconv, fc) x the
                             cost model's bytes per element (paleo 4, refined the precision's) */
  uint64_t *out_bytes;    /* per layer, its output at the costed batch x the bytes per element */
  uint64_t *fetch_ns;     /* per layer, the part of fwd_ns and of bwd_ns that is PALEO's
                             cross-device input fetch (ModelParallel); a task graph that
                             moves activations as transfers charges the rest */
  uint64_t update_ns;     /* the weight update of the whole net */
  uint64_t total_grad_bytes; /* |w|, PALEO's params bytes */
  int64_t batch;          /* the batch costed */
  double bytes_per_element; /* of activations and gradients (the cost model's precision) */
  double fwd_ms, bwd_ms, update_ms; /* the cost model's own sums (no rounding) */
} PaleoTrainCosts;

/* Costs `net` with the named cost model at `batch` (> 0) on `device`. Errors:
 * PALEO_CONFIG_ERROR_UNKNOWN for an unknown model, _INVALID for bad figures. */
PaleoTrainCosts *paleo_train_costs_new(const PaleoNet *net, const PaleoDevice *device,
                                       const char *cost_model, double ppp_comp, double ppp_comm,
                                       int64_t batch, GError **error);
/* The same at a numeric precision (FP32 for paleo; the refined model takes any). */
PaleoTrainCosts *paleo_train_costs_new_at(const PaleoNet *net, const PaleoDevice *device,
                                          const char *cost_model, double ppp_comp, double ppp_comm,
                                          int64_t batch, PaleoPrecision precision, GError **error);
/* The same with every cost-model option (tensor parallelism: one device's share of each
 * layer, grad_bytes and the update included; options->batch > 0). */
PaleoTrainCosts *paleo_train_costs_new_with(const PaleoNet *net, const PaleoDevice *device, const char *cost_model,
                                            const PaleoCostOptions *options, GError **error);
void paleo_train_costs_free(PaleoTrainCosts *costs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTrainCosts, paleo_train_costs_free)

/* Single-worker iteration time (fwd + bwd + update) in ms as the cost model sums it. */
double paleo_train_costs_iteration_ms(const PaleoTrainCosts *costs);

/* PALEO's scaling rules (hardware/timing.h), for code that cannot include it. `scaling`
 * is a PaleoScaling: 0 weak (batch per worker), 1 strong (global batch ceil-split). */
int64_t paleo_train_batch_per_worker(int scaling, int64_t batch, guint workers);
int64_t paleo_train_effective_batch(int scaling, int64_t batch, guint workers);
double paleo_train_speedup(int scaling, guint workers, double t1_ms, double tn_ms);

#endif

/* Cost models: per-layer forward / backward-data / backward-filter times, weight update,
 * whole-net totals and data-parallel scaling. The `paleo` model reproduces the original
 * PALEO's arithmetic (PALEO-MODEL.md §2-§8), quirks included. Times in ms (double);
 * each time is split into a compute and a communication (memory traffic) part. */
#ifndef PALEO_COST_H
#define PALEO_COST_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"
#include "hardware/kernel.h"
#include "hardware/timing.h"
#include "workloads/net.h"

/* Forward convolution algorithm charged by the cost model. PALEO asks cuDNN which one it
 * would choose; paleosim has no GPU, so the user chooses. 1x1 filters always stay GEMM
 * (as PALEO does). Backward passes are always GEMM. */
typedef enum {
  PALEO_CONV_ALGO_GEMM,
  PALEO_CONV_ALGO_FFT,
  PALEO_CONV_ALGO_FFT_TILING, /* 32x32 tiles */
} PaleoConvAlgo;

/* The weight update: SGD with momentum (PALEO's, the default) or Adam. */
typedef enum {
  PALEO_OPTIMIZER_SGD = 0,
  PALEO_OPTIMIZER_ADAM,
} PaleoOptimizer;
/* NULL-terminated, indexed by PaleoOptimizer: "sgd", "adam". */
extern const char *const paleo_optimizer_names[];

typedef struct {
  double ppp_comp;          /* platform percent of peak for compute and memory, (0, 1]+; 1 */
  double ppp_comm;          /* for network and cross-device transfers; 1 */
  gboolean use_pipeline;    /* per-layer max(comp, comm) instead of the sum; FALSE */
  PaleoConvAlgo conv_algo;  /* forward conv algorithm; GEMM */
  int64_t batch;            /* > 0: cost every shape at this batch (N); 0: the net's */
  double cross_device_gbytes_per_s; /* ModelParallel fetch bandwidth, GB/s; 0: the
                                       device's memory bandwidth (PALEO's data-parallel
                                       simulation passes none, so it falls back to it) */
  PaleoPrecision precision; /* refined only (paleo is FP32); FP32 */
  uint32_t tensor;          /* tensor-parallel degree T: each layer costs one device's share
                               (paleo_net_layer's tp role); 0 or 1 = none */
  gboolean sequence_parallel; /* with T > 1, replicated layers split along the sequence */
  PaleoOptimizer optimizer; /* refined: the update's memory traffic; SGD */
} PaleoCostOptions;

/* Defaults: ppp 1/1, no pipeline, GEMM, net batch, fetch over device memory bandwidth. */
void paleo_cost_options_init(PaleoCostOptions *options);
/* PALEO_CONFIG_ERROR_INVALID naming the option when a PPP is not in (0, +inf) or the
 * batch or bandwidth is negative. */
gboolean paleo_cost_options_validate(const PaleoCostOptions *options, GError **error);
/* Checks a device's figures are usable (all > 0), naming the device. */
gboolean paleo_cost_device_validate(const PaleoDevice *device, GError **error);

/* ---- Convolution geometry as PALEO sees it (also the "dummy" gradient convolutions). */
typedef struct {
  PaleoShape input;        /* N, H, W, C (C is the filter's input channels) */
  int64_t kh, kw, cout;    /* filter [kh, kw, input.c, cout] */
  int64_t sh, sw;          /* strides */
  PaleoPadding padding;
  int64_t pad_h, pad_w;    /* resolved: 0 for VALID, PALEO's rule for SAME, given if EXPLICIT */
  PaleoShape output;
  double holes;            /* fraction of zeros (stride holes) */
  gboolean holes_in_input; /* where the holes are: input (grad wrt data) or filter */
} PaleoConvSpec;

/* Output shape and padding (PALEO-MODEL.md §3): VALID ceil((H-k+1)/s); SAME ceil(H/s)
 * with pad ((Ho-1)s + k - H) // 2; EXPLICIT (H + 2p - k) // s + 1 with the given pads. */
void paleo_conv_spec_init(PaleoConvSpec *conv, PaleoShape input, int64_t kh, int64_t kw,
                          int64_t cout, int64_t sh, int64_t sw, PaleoPadding padding,
                          int64_t pad_h, int64_t pad_w);
/* TensorFlow's ConvBackprop construction (PALEO-MODEL.md §5): Hexp = (Ho-1)s + 1,
 * pad_before = k-1-p, pad_after = (H+k-1) - Hexp - pad_before, Hexp += 1 when they differ
 * by one, p' = min(before, after), holes = 1 - Ho Wo / (Hexp Wexp).
 * Gradient wrt data: input [N, Hexp, Wexp, Cout], filter [kh, kw, Cout, Cin], stride 1,
 * padding [p'h, p'w], holes in the input. */
void paleo_conv_spec_grad_data(const PaleoConvSpec *fwd, PaleoConvSpec *out);
/* Gradient wrt filter: input [Cin, H, W, N], filter [Hexp, Wexp, N, Cout], stride 1,
 * VALID if the layer is VALID else [p'h, p'w], holes in the filter. */
void paleo_conv_spec_grad_filter(const PaleoConvSpec *fwd, PaleoConvSpec *out);
/* 2 kh kw Cin Ho Wo Cout N (1 - holes_filter) + 2 |X| (1 - holes_input) if input holes. */
double paleo_conv_gemm_flops(const PaleoConvSpec *conv);
/* GEMM model: t_comp(flops) and t_mem of padded input, filter (1 - holes_filter), output. */
PaleoCompComm paleo_cost_conv_gemm(const PaleoConvSpec *conv, const PaleoDevice *device,
                               double ppp_comp);
/* PALEO's FFT model (flops_profiler.py _profile_conv2d_fft), whole-image or 32x32 tiles. */
PaleoCompComm paleo_cost_conv_fft(const PaleoConvSpec *conv, const PaleoDevice *device,
                              double ppp_comp, gboolean tiling);

/* ---- Per layer. */
typedef struct {
  PaleoCompComm fwd;          /* forward (without fetch) */
  PaleoCompComm bwd_data;     /* gradient wrt the input (0 for a conv fed by `data`) */
  PaleoCompComm bwd_filter;   /* gradient wrt the weights */
  PaleoCompComm fetch;        /* ModelParallel cross-device input fetch, charged in fwd and bwd */
  double fwd_flops;
  double bwd_flops;       /* data + filter */
  gboolean is_conv;       /* the FFT columns below are meaningful */
  PaleoCompComm fwd_fft;      /* what the forward would cost if cuDNN chose FFT / FFT_TILING */
  PaleoCompComm fwd_fft_tiling;
  int conv_algo[PALEO_PASS_N]; /* refined: PaleoKernelAlgo chosen per pass; -1 none */
} PaleoLayerCost;

/* Forward time including fetch: PaleoCompComm sum, then total or lower bound. */
PaleoCompComm paleo_layer_cost_fwd(const PaleoLayerCost *cost);
/* Backward time: data + filter + fetch. */
PaleoCompComm paleo_layer_cost_bwd(const PaleoLayerCost *cost);

/* Costs layer `index` of `net` with validated options (see paleo_cost_net). */
void paleo_cost_layer(const PaleoNet *net, guint index, const PaleoDevice *device,
                      const PaleoCostOptions *options, PaleoLayerCost *out);
/* ModelParallel input fetch of layer `index` (PALEO-MODEL.md §8) with `bytes_per_element`
 * (paleo: 4). */
PaleoCompComm paleo_cost_layer_fetch(const PaleoNet *net, guint index, const PaleoDevice *device,
                                     const PaleoCostOptions *options, double bytes_per_element);
/* PALEO's backprop flag: the data gradient of layer `index` is skipped when a parent is
 * the `data` layer. */
gboolean paleo_cost_fed_by_data(const PaleoNet *net, guint index);
/* Weight update of `params_bytes` (PALEO-MODEL.md §6): flops 2 P, 3 t_mem(bytes), ppp 1. */
PaleoCompComm paleo_cost_update(const PaleoDevice *device, double params_bytes);
/* 4 x parameters of the layers PALEO counts weights for (conv, deconv, inner product, and
 * the transformer layers with weights: paleo_net_layer_weighted). */
double paleo_cost_params_bytes(const PaleoNet *net);
/* The parameters of a layer one device holds under options->tensor: split layers 1/T of
 * theirs (an Embedding its vocabulary rows, its position rows whole), replicated ones all. */
double paleo_cost_layer_params_on_device(const PaleoLayer *layer, const PaleoCostOptions *options);

/* Phase times of one iteration on one worker. */
typedef struct {
  double fwd_ms, bwd_ms, update_ms;
  double iteration_ms;   /* fwd + bwd + update */
} PaleoPhaseTimes;

typedef struct {
  guint n_layers;
  PaleoLayerCost *layers;  /* n_layers, in net->layers order */
  int64_t batch;           /* the batch costed */
  double params_bytes;     /* parameters x bytes_per_element: the gradient of one iteration
                              (one device's share under tensor parallelism) */
  double bytes_per_element;/* of weights, gradients and activations: 4 (paleo), the precision's */
  PaleoCompComm fwd, bwd, update; /* sums of comp and comm parts */
  PaleoPhaseTimes serial;     /* Σ comp + comm per layer (PALEO's default) */
  PaleoPhaseTimes pipelined;  /* Σ max(comp, comm) per layer (--use_pipeline lower bound) */
  PaleoPhaseTimes chosen;     /* = pipelined if options->use_pipeline else serial */
} PaleoNetCost;

/* Costs every layer of `net` on `device`. NULL with PALEO_CONFIG_ERROR_INVALID for bad
 * options or device figures. */
PaleoNetCost *paleo_cost_net(const PaleoNet *net, const PaleoDevice *device,
                             const PaleoCostOptions *options, GError **error);
void paleo_net_cost_free(PaleoNetCost *cost);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoNetCost, paleo_net_cost_free)

/* ---- Data-parallel scaling (PALEO-MODEL.md §7, synchronous SGD, no overlap). */
typedef struct {
  guint workers;
  int64_t batch_per_worker;
  int64_t effective_batch;
  PaleoAllReduceScheme scheme;
  double fwd_ms, bwd_ms, update_ms;
  double compute_ms;     /* fwd + bwd + update at batch_per_worker */
  double comm_ms;        /* all-reduce of the weights */
  double iteration_ms;   /* compute + comm */
  double speedup;        /* weak: N T(1) / T(N); strong: T(1) / T(N); same scheme */
} PaleoScalingRow;

typedef struct {
  PaleoScaling scaling;
  int64_t batch;                  /* weak: per worker; strong: global */
  const guint *workers;           /* worker counts, each >= 1 */
  guint n_workers;
  const PaleoAllReduceScheme *schemes;
  guint n_schemes;
  PaleoAllReduceParams comm;      /* link, ppp_comm (overridden by options), latency */
} PaleoScalingRequest;

/* One row per (worker count, scheme), worker-major in request order. GArray of
 * PaleoScalingRow, or NULL with an error for bad options, device, batch or worker count. */
GArray *paleo_cost_scaling(const PaleoNet *net, const PaleoDevice *device,
                           const PaleoCostOptions *options, const PaleoScalingRequest *request,
                           GError **error);

/* ---- Model and hybrid parallelism (PALEO-MODEL.md §8, simulation.py
 * simulate_model_parallel / simulate_hybrid_parallel), the `paleo` arithmetic. */

/* Model parallel: per pass, lower = the longest path through the layer graph (each layer
 * its forward or backward time, ModelParallel fetch included, over
 * options->cross_device_gbytes_per_s: 0 = the device's memory bandwidth); for the
 * original's series-parallel nets that is its sum over blocks of the max over parallel
 * branches, and nested branches (Inception, where the original crashes) count the same
 * way recursively. upper = the serial sum of every layer. */
typedef struct {
  double fwd_lower_ms, fwd_upper_ms;
  double bwd_lower_ms, bwd_upper_ms;
} PaleoModelParallelBounds;

gboolean paleo_cost_model_parallel(const PaleoNet *net, const PaleoDevice *device, const PaleoCostOptions *options,
                                   PaleoModelParallelBounds *out, GError **error);

/* One part of Krizhevsky's "one weird trick" as the original computes it. */
typedef struct {
  guint workers;             /* K */
  int64_t effective_batch;   /* batch x K */
  double fwd_ms, bwd_ms, update_ms, sync_ms;
} PaleoHybridPart;

/* Hybrid over `link` with K = the net's ModelParallel splits (1 without any): parts[0] the
 * data-parallel layers (names without '@': forward and backward at the batch, their
 * update, and a tree all-reduce of their weights among K workers), parts[1] the
 * model-parallel ones (the lower bound above over the `@` layers with the link as
 * cross-device bandwidth, then (T - fetch) K + fetch per pass with fetch = the element
 * count of the first `@` layer's first parent / 2^30 / (Gbit/s / 8) x 1e3 x (K - 1), the
 * original's slip kept; their update; no sync). The link's bandwidth (gbps / 8 GB/s) is
 * the fetch bandwidth of every layer. */
gboolean paleo_cost_hybrid(const PaleoNet *net, const PaleoDevice *device, const PaleoCostOptions *options,
                           const PaleoLink *link, PaleoHybridPart parts[2], GError **error);

/* ---- Registry of cost models (listed by `paleosim list models`). */
typedef struct {
  const char *name;
  const char *description;
  PaleoNetCost *(*cost_net)(const PaleoNet *net, const PaleoDevice *device,
                            const PaleoCostOptions *options, GError **error);
} PaleoCostModel;

/* NULL-terminated. */
extern const PaleoCostModel paleo_cost_models[];
/* The refined model (workloads/cost_refined.c): per-kernel roofline with tile and wave
 * quantisation, memory-bound layers, cuDNN-style convolution algorithms and backward
 * passes without padding or stride holes, at options->precision. NULL with
 * PALEO_CONFIG_ERROR_INVALID for bad options (use_pipeline or an FFT choice: refined
 * chooses algorithms itself) or a device without architecture figures. */
PaleoNetCost *paleo_cost_net_refined(const PaleoNet *net, const PaleoDevice *device,
                                     const PaleoCostOptions *options, GError **error);
/* NULL with PALEO_CONFIG_ERROR_UNKNOWN listing the known names. */
const PaleoCostModel *paleo_cost_model_find(const char *name, GError **error);

#endif

/* What a training configuration needs beyond time: the FLOPs of a step (model FLOPs and
 * the hardware FLOPs recomputation adds) and the memory of each device.
 *
 * FLOPs count the matrix products only, as Narayanan et al. (SC21) and the MFU literature
 * do: a MatMul 2 m k n (x density), attention's QK^T and PV 2 b a s^2 d each (full, causal
 * or not), convolutions and inner products 2 MACs; backward twice the forward. For a GPT
 * this is 72 B s l h^2 (1 + s/(6h) + V/(12 l h)), and with full recomputation (every
 * transformer block's forward once more) 96 B s l h^2 (1 + s/(6h) + V/(16 l h)).
 *
 * Memory per device (bytes; the worst pipeline stage is reported):
 * - weights, gradients and optimizer state of the parameters the device holds (its stage,
 *   its tensor-parallel share; a tied output layer on another stage than its embedding holds
 *   a copy of the table): Adam keeps FP32 master weights and two moments (12 bytes per
 *   parameter with 16- or 8-bit weights, so weights 2 + gradients 2 + 12 = 16 with BF16;
 *   FP32: 4 + 4 + 8), SGD with momentum a master copy and one moment (8; FP32: 4). ZeRO
 *   divides the optimizer state (1), and the gradients (2), and the weights (3) by the
 *   data-parallel degree.
 * - activations (Korthikanti et al. 2022) per transformer block and micro-batch, with
 *   16-bit activations and 1-byte dropout masks: s b h (34 + 5 a s / h) without
 *   parallelism; s b h (10 + 24/t + 5 a s/(h t)) with tensor parallelism t; s b h (34 + 5 a
 *   s/h) / t with sequence parallelism too; the 5 a s / h term (the s x s scores) is dropped
 *   by selective recomputation and by fused (flash) attention; full recomputation keeps
 *   only the block's input, 2 s b h (/t with sequence parallelism). The 34 and 24 are the
 *   GPT block's tensors (F = 4h, one key/value head per query head, dropout); other shapes
 *   count their own (grouped-query keys and values, SwiGLU's 2F, no masks without
 *   dropout); 4-byte precisions double the non-mask terms. Layers outside blocks (and every
 *   layer of a net without them) keep their output (the cross-entropy its FP32 logits).
 *   The micro-batches in flight are the schedule's: the largest sum, over the stage's
 *   forwards not yet backwarded, of their chunk's activations (1F1B: P micro-batches on the
 *   first stage, GPipe: M).
 * - workspace: 1 GiB for the framework (CUDA context, cuBLAS workspace, NCCL buffers), plus
 *   the largest transient buffer: two gradient buckets being reduced (data parallelism), two
 *   gathered units (ZeRO-3), or the scores of one attention layer being computed (unfused).
 * The capacity is the catalog's mem_gib. */
#ifndef PALEO_FOOTPRINT_H
#define PALEO_FOOTPRINT_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"
#include "workloads/cost.h"
#include "workloads/planner.h"

typedef struct {
  double model;     /* FLOPs of the step's products (forward and backward) */
  double hardware;  /* model plus the recomputed forwards */
} PaleoStepFlops;

/* FLOPs of one step of `samples` samples (the net's shapes at any batch). */
PaleoStepFlops paleo_step_flops(const PaleoNet *net, PaleoRecompute recompute, int64_t samples);
/* Forward FLOPs of layer i's products per sample (0 for layers without products). */
double paleo_layer_model_flops(const PaleoNet *net, guint i);

/* Korthikanti et al.'s activation bytes of one GPT-shaped transformer block per micro-batch
 * (s sequence, b micro-batch, h hidden, a heads, t tensor-parallel degree). */
double paleo_activation_bytes_gpt(double s, double b, double h, double a, double t, gboolean sequence_parallel,
                                  PaleoRecompute recompute);

typedef struct {
  double weights, gradients, optimizer, activations, workspace, total; /* bytes */
  double capacity;      /* bytes; 0 when the device gives no mem_gib */
  gboolean fits;        /* total <= capacity (TRUE when the capacity is unknown) */
  uint32_t stage;       /* the pipeline stage of the device reported (the fullest) */
  double params;        /* parameters that device holds */
  uint32_t in_flight;   /* micro-batches (chunk-passes) in flight there at the peak */
} PaleoMemory;

/* The inputs of the memory model. */
typedef struct {
  const PaleoNet *net;          /* at the micro-batch */
  const PaleoTrainCosts *costs; /* at the micro-batch, with the plan's tensor parallelism */
  const PaleoPlan *plan;        /* stages, chunks, tensor, sequence parallelism, ZeRO, recompute, schedule */
  const uint32_t *chunk_of;     /* per layer (paleo_plan_stages) */
  uint32_t data_parallel;       /* replicas */
  PaleoOptimizer optimizer;
  double weight_bytes;          /* bytes per stored weight (the precision's) */
  const PaleoCostOptions *options; /* tensor parallelism of the costs */
  double capacity_gib;          /* the device's mem_gib; 0 unknown */
} PaleoMemoryInput;

void paleo_memory_estimate(const PaleoMemoryInput *in, PaleoMemory *out);

#endif

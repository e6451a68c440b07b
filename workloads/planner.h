/* Planners: turn a net, its per-layer costs and the parallelism of a run into the step
 * task graph of one data-parallel replica (workloads/graph.h).
 *
 * One composable plan covers every mode of the registry below:
 * - devices: P pipeline stages x K devices (local device = stage K + k), K = a net's
 *   ModelParallel splits or the tensor-parallel degree T: a layer `x@k` of a ModelParallel
 *   block runs on device k of its stage, every other layer on device 0 of its stage; with
 *   T > 1 every layer runs on all T ranks of its stage, each costing its share (the cost
 *   model's per-device costs);
 * - stages: the layers cut into P x v contiguous chunks (file order), by `stage_first`,
 *   balanced (the largest chunk cost, forward + backward, as small as it can be; nets with
 *   attention are cut only between transformer blocks) or by blocks (the same number of
 *   transformer blocks per chunk, layers before the first block on the first chunk and
 *   after the last on the last, as Megatron splits); chunk c runs on stage c mod P, so
 *   with v > 1 virtual stages a device holds v chunks;
 * - micro-batches: M per step, each through every chunk forward then backward, in the
 *   order of the schedule (GPipe: all forwards, then the backwards last first; 1F1B:
 *   P - 1 - s warm-up forwards on stage s, then one forward one backward, then the rest;
 *   interleaved 1F1B (v > 1, Megatron's): (P - s - 1) 2 + (v - 1) P warm-up steps over
 *   chunks in groups of P micro-batches);
 * - recomputation: full re-runs the forward of each transformer block (its tensor-parallel
 *   collectives included) right before the block's backward; selective re-runs the
 *   forward of unfused attention layers before their backward; both as compute tasks;
 * - tensor parallelism (T > 1, Megatron): after the forward of a row-parallel MatMul and
 *   of a vocabulary-parallel Embedding an all-reduce of its output (b s h elements), after
 *   the backward of a column-parallel MatMul an all-reduce of its input gradient; with
 *   sequence parallelism a reduce-scatter in their place and an all-gather before the
 *   forward of a column-parallel MatMul and the backward of a row-parallel one (and of the
 *   embedding); a vocabulary-parallel cross-entropy all-reduces 3 values per token. Each
 *   a collective of the stage's T ranks on their own stream, between the compute tasks
 *   around it (the compute waits for it, as Megatron's does);
 * - transfers: a layer whose parent lives on another device receives the parent's output
 *   in forward and sends its gradient back in backward, per micro-batch, one transfer per
 *   (parent, device) pair; under tensor parallelism rank k sends to rank k 1/T of it
 *   (Megatron's scatter/gather);
 * - data-parallel reduction: each device's gradients in buckets (walking its layers from
 *   the last, a bucket closes at >= bucket_bytes; overlap off: one bucket), each bucket a
 *   collective of that device across replicas, released by the backward that completes
 *   it (last micro-batch), one after another on the device's comm stream: an all-reduce,
 *   or with ZeRO-1/2 a reduce-scatter, with the updated parameters all-gathered per bucket
 *   before the next step's forward needs them (the step's first tasks on the comm stream);
 *   ZeRO-3 (FSDP) instead all-gathers each unit's parameters (a transformer block; the
 *   other layers form one unit) before its forward and again before its backward, and
 *   reduce-scatters its gradients after, per micro-batch, at most two units gathered ahead;
 * - a tied output layer on another stage than its embedding holds a copy of the table:
 *   its gradient joins that device's buckets and is all-reduced with the first stage's;
 * - update: each device's, after its last reduction, costing update_ns x its gradient
 *   share (/ the data-parallel degree with ZeRO).
 * With P = K = M = v = 1 and ZeRO 0 this is synchronous data parallelism as PyTorch DDP runs it. */
#ifndef PALEO_PLANNER_H
#define PALEO_PLANNER_H

#include <glib.h>
#include <stdint.h>

#include "workloads/collective.h"
#include "workloads/graph.h"
#include "workloads/net.h"
#include "workloads/train_costs.h"

typedef enum {
  PALEO_PIPE_GPIPE = 0,
  PALEO_PIPE_1F1B = 1,
} PaleoPipeSchedule;
/* NULL-terminated, indexed by PaleoPipeSchedule: "gpipe", "1f1b". */
extern const char *const paleo_pipe_schedule_names[];

typedef enum {
  PALEO_RECOMPUTE_NONE = 0,
  PALEO_RECOMPUTE_SELECTIVE,
  PALEO_RECOMPUTE_FULL,
} PaleoRecompute;
/* NULL-terminated, indexed by PaleoRecompute: "none", "selective", "full". */
extern const char *const paleo_recompute_names[];

typedef struct {
  uint32_t stages;            /* P >= 1 */
  uint32_t micro_batches;     /* M >= 1 */
  PaleoPipeSchedule schedule;
  const uint32_t *stage_first; /* P v - 1 increasing first layers of chunks 1..P v - 1; NULL = balanced or blocks */
  gboolean split_blocks;      /* without stage_first: equal transformer blocks per chunk */
  uint32_t splits;            /* K >= 1 model-parallel devices per stage (paleo_plan_net_splits) */
  uint32_t tensor;            /* T: tensor-parallel ranks per stage; 0 or 1 = none (not with splits > 1) */
  gboolean sequence_parallel; /* with T > 1 */
  gboolean tensor_lanes;      /* an analytical shortcut: the T ranks of a stage (identical without
                                 perturbations) as one device whose tensor-parallel collectives
                                 stand for T participants (paleo_step_graph_mirror) */
  uint32_t virtual_stages;    /* v: chunks per device (interleaved 1F1B); 0 or 1 = none */
  uint32_t zero;              /* ZeRO stage 0..3 */
  PaleoRecompute recompute;
  uint32_t replicas;          /* the data-parallel degree (the update's share under ZeRO); 0 = 1 */
  PaleoCollectiveKind collective;
  gboolean overlap;           /* FALSE: one bucket per device */
  uint64_t bucket_bytes;
} PaleoPlan;

/* A planner of the registry: its name (the run's `parallelism`) and what it does. */
typedef struct {
  const char *name;
  const char *description;
} PaleoPlanner;
/* NULL-terminated: data-parallel, model-parallel, hybrid, pipeline, tensor, zero. */
extern const PaleoPlanner paleo_planners[];
/* The planner a plan with `replicas` data-parallel replicas falls under. */
const PaleoPlanner *paleo_planner_for(const PaleoPlan *plan, uint32_t replicas);

/* The net's model-parallel width: the largest ModelParallel `splits`, 1 without any.
 * Different widths in one net are an error (PALEO_CONFIG_ERROR_INVALID). */
gboolean paleo_plan_net_splits(const PaleoNet *net, uint32_t *out, GError **error);

/* Devices per stage: the splits, or the tensor-parallel degree (1 with tensor_lanes). */
uint32_t paleo_plan_devices_per_stage(const PaleoPlan *plan);
/* Chunks (virtual stages) of the plan: P x v. */
uint32_t paleo_plan_chunks(const PaleoPlan *plan);

/* The transformer block of each layer (a "name/..." prefix shared by consecutive layers
 * with attention among them: "layer7/qkv" is in block 7), -1 for layers outside blocks;
 * returns the number of blocks. `net` NULL: none. */
guint paleo_plan_blocks(const PaleoNet *net, int32_t *block_of_layer);

/* Chunk of every layer (layers[i] -> chunk in 0..P v - 1; its stage is chunk mod P) for
 * `plan`: the cuts, balanced over fwd + bwd costs, or by blocks. FALSE with
 * PALEO_CONFIG_ERROR_INVALID when the cuts are not increasing inside (0, layers), there
 * are more chunks than layers (or places to cut), or the blocks do not divide evenly. */
gboolean paleo_plan_stages(const PaleoNet *net, const PaleoTrainCosts *costs, const PaleoPlan *plan,
                           uint32_t *stage_of_layer, GError **error);

/* One entry of a stage's schedule: a pass of one micro-batch through one of the device's
 * chunks (its j-th: virtual stage j P + s). */
typedef struct {
  PaleoPhase pass;
  uint32_t micro_batch, chunk;
} PaleoPlanOp;
/* The schedule of stage s (GArray of PaleoPlanOp; GPipe, 1F1B or interleaved 1F1B). */
GArray *paleo_plan_schedule(const PaleoPlan *plan, uint32_t stage);

/* Builds the step graph. `net` gives the ModelParallel placement, the parents, the
 * tensor-parallel roles and the blocks (it must be the net `costs` were computed for);
 * NULL with splits = tensor = 1 means a chain of layers. */
PaleoStepGraph *paleo_plan_step(const PaleoNet *net, const PaleoTrainCosts *costs, const PaleoPlan *plan,
                                GError **error);

#endif

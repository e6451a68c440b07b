/* Planners: turn a net, its per-layer costs and the parallelism of a run into the step
 * task graph of one data-parallel replica (workloads/graph.h).
 *
 * One composable plan covers every mode of the registry below:
 * - devices: P pipeline stages x K model-parallel devices (local device = stage K + k);
 *   a layer `x@k` of a ModelParallel block runs on device k of its stage, every other
 *   layer on device 0 of its stage;
 * - stages: contiguous layer ranges (file order), cut by `stage_first` or balanced (the
 *   largest stage cost, forward + backward, as small as it can be);
 * - micro-batches: M per step, each through every stage forward then backward, in the
 *   order of the schedule (GPipe: all forwards, then the backwards last first; 1F1B:
 *   P - 1 - s warm-up forwards on stage s, then one forward one backward, then the rest);
 * - transfers: a layer whose parent lives on another device receives the parent's output
 *   (4 bytes per element) in forward and sends its gradient back in backward, per
 *   micro-batch, one transfer per (parent, device) pair;
 * - data-parallel reduction: each device's gradients in buckets (walking its layers from
 *   the last, a bucket closes at >= bucket_bytes; overlap off: one bucket), each bucket a
 *   collective of that device across replicas, released by the backward that completes
 *   it (last micro-batch), one after another on the device's comm stream;
 * - update: each device's, after its last bucket, costing update_ns x its gradient share.
 * With P = K = M = 1 this is synchronous data parallelism as PyTorch DDP runs it. */
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

typedef struct {
  uint32_t stages;            /* P >= 1 */
  uint32_t micro_batches;     /* M >= 1 */
  PaleoPipeSchedule schedule;
  const uint32_t *stage_first; /* P - 1 increasing first layers of stages 1..P-1; NULL = balanced */
  uint32_t splits;            /* K >= 1 model-parallel devices per stage (paleo_plan_net_splits) */
  PaleoCollectiveKind collective;
  gboolean overlap;           /* FALSE: one bucket per device */
  uint64_t bucket_bytes;
} PaleoPlan;

/* A planner of the registry: its name (the run's `parallelism`) and what it does. */
typedef struct {
  const char *name;
  const char *description;
} PaleoPlanner;
/* NULL-terminated: data-parallel, model-parallel, hybrid, pipeline. */
extern const PaleoPlanner paleo_planners[];
/* The planner a plan with `replicas` data-parallel replicas falls under. */
const PaleoPlanner *paleo_planner_for(const PaleoPlan *plan, uint32_t replicas);

/* The net's model-parallel width: the largest ModelParallel `splits`, 1 without any.
 * Different widths in one net are an error (PALEO_CONFIG_ERROR_INVALID). */
gboolean paleo_plan_net_splits(const PaleoNet *net, uint32_t *out, GError **error);

/* Stage of every layer (layers[i] -> stage) for `plan`: the cut points, or balanced over
 * fwd + bwd costs. FALSE with PALEO_CONFIG_ERROR_INVALID when the cuts are not increasing
 * inside (0, layers) or there are more stages than layers. */
gboolean paleo_plan_stages(const PaleoTrainCosts *costs, const PaleoPlan *plan, uint32_t *stage_of_layer,
                           GError **error);

/* Builds the step graph. `net` gives the ModelParallel placement and the parents (it must
 * be the net `costs` were computed for); NULL with splits = 1 means a chain of layers. */
PaleoStepGraph *paleo_plan_step(const PaleoNet *net, const PaleoTrainCosts *costs, const PaleoPlan *plan,
                                GError **error);

#endif

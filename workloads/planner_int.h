/* Internal declarations shared by the planner's files: planner.c (placement, stages,
 * schedule, compute tasks, transfers, updates) and planner_comm.c (tensor-parallel and
 * data-parallel collectives, ZeRO). Not for use outside workloads/. */
#ifndef PALEO_PLANNER_INT_H
#define PALEO_PLANNER_INT_H

#include "workloads/planner.h"

/* Everything one plan_step builds with. */
typedef struct {
  const PaleoNet *net;
  const PaleoTrainCosts *c;
  const PaleoPlan *plan;
  PaleoStepGraph *g;
  uint32_t P, K, T, M, v;   /* stages, devices per stage, tensor ranks, micro-batches, chunks per device */
  uint32_t ranks;           /* tensor ranks simulated per stage: T, or 1 with tensor_lanes */
  guint L;                  /* layers */
  uint32_t *chunk_of;       /* per layer: its chunk (its stage: chunk mod P) */
  uint32_t *rank_of;        /* per layer: its rank in the stage (ModelParallel split; 0 under T) */
  int32_t *block_of;        /* per layer: transformer block, -1 none */
  uint32_t *compute, *comm, *p2p, *tp; /* per device: stream ids (tp: NONE without tensor parallelism) */
  guint *fwd_task, *bwd_task; /* [(k M + mb) L + layer]: the layer's task on rank k, NONE when absent */
  guint *last_bwd;          /* [k L + layer]: its backward task that runs last (gradient ready) */
  guint *out_ready;         /* per task: the task after which its output is usable elsewhere
                               (a following tensor-parallel collective, else itself) */
  GArray *pairs;            /* Pair: a layer's output needed on another device */
} Build;

static inline guint plan_slot(const Build *b, uint32_t k, uint32_t mb, guint layer)
{
  return ((guint)k * b->M + mb) * b->L + layer;
}

static inline uint32_t plan_stage_of_layer(const Build *b, guint layer)
{
  return b->chunk_of[layer] % b->P;
}

/* The layer runs on local device `dev`. */
gboolean paleo_plan_on_device(const Build *b, guint layer, uint32_t dev);

/* planner_comm.c: the tensor-parallel collectives around the compute tasks (T > 1). */
void paleo_plan_tensor_collectives(Build *b);
/* planner_comm.c: gradient reduction (buckets, ZeRO) and each device's update. */
void paleo_plan_reductions_and_updates(Build *b);

#endif

/* One training step as a task graph: pure data, built by planners (workloads/planner.h),
 * run by the executor (workloads/executor.h), read by nothing else at run time.
 *
 * The graph describes ONE data-parallel replica for ONE iteration (a template): its
 * devices (local ids 0..devices-1, stage-major), their streams, and the tasks on them.
 * The executor runs the template once per replica and per iteration, so a 16384-worker
 * step costs the memory of one replica.
 * - compute: a layer's forward or backward, or the update, for one micro-batch, with its
 *   nominal duration (cost model, before straggler factors).
 * - transfer: `bytes` from `device` to `peer` (activations or their gradients between
 *   stages and between model-parallel devices), on the sender's p2p stream.
 * - collective: one participant's part of a collective (graph->collectives[collective]):
 *   kind, bytes and group. A group lists local devices and says whether the same local
 *   devices of every replica take part (data-parallel gradient reduction) or only this
 *   replica's (tensor parallelism). Every local device of the group has its own task.
 * Dependencies are edges task -> dependency. A stream is an ordered resource on a device:
 * its tasks run one at a time in the stream's order, and that order is the schedule
 * (GPipe and 1F1B differ only there). Iteration i + 1 of a stream follows iteration i. */
#ifndef PALEO_GRAPH_H
#define PALEO_GRAPH_H

#include <glib.h>
#include <stdint.h>

#include "engine/trace.h"
#include "workloads/collective.h"

/* PaleoTaskKind and PaleoStreamKind (and their names) live in engine/trace.h. */
#define PALEO_GRAPH_NONE UINT32_MAX

typedef struct {
  PaleoTaskKind kind;
  PaleoPhase pass;       /* fwd, bwd, update (for communication: the pass it serves) */
  uint32_t device;       /* local device (transfer: the sender) */
  uint32_t stream;       /* index into the graph's streams (on `device`) */
  uint32_t micro_batch;  /* 0 when the task serves the whole mini-batch (update, reduction) */
  uint32_t stage;        /* pipeline stage of `device` */
  uint32_t layer;        /* compute: layer index; PALEO_GRAPH_NONE for the update */
  uint64_t cost_ns;      /* compute: nominal duration */
  uint64_t bytes;        /* transfer, collective */
  uint32_t peer;         /* transfer: the receiving local device */
  uint32_t collective;   /* collective: index into the graph's collectives */
} PaleoTask;

typedef struct {
  PaleoCollectiveKind kind;
  PaleoCollectiveOp op;      /* all-reduce, reduce-scatter, all-gather */
  uint64_t bytes;            /* S per participant (the whole tensor for reduce-scatter and all-gather) */
  int32_t bucket;            /* gradient bucket label, -1 none */
  gboolean across_replicas;  /* the same local devices of every replica take part */
  uint32_t mirrored;         /* each local device stands for this many identical ranks taking part
                                (an analytical shortcut's tensor-parallel group); 1 */
  guint n_local;
  uint32_t *local;           /* local devices of the group, in participant order */
} PaleoGraphCollective;

typedef struct {
  uint32_t device;
  PaleoStreamKind kind;
  GArray *order;             /* task ids (guint32), the schedule */
} PaleoGraphStream;

typedef struct {
  uint32_t devices;          /* local devices of one replica */
  uint32_t stages, micro_batches;
  uint32_t *stage_of;        /* per local device */
  GArray *tasks;             /* PaleoTask */
  GArray *streams;           /* PaleoGraphStream */
  GArray *collectives;       /* PaleoGraphCollective */
  /* after finalize: dependencies and dependents in CSR form */
  gboolean final;
  guint *dep_start, *deps;   /* deps of task t: deps[dep_start[t] .. dep_start[t+1]) */
  guint *succ_start, *succs; /* dependents, in task-id order */
  guint *stream_pos;         /* per task: its position in its stream's order */
  GArray *edges;             /* (task, dep) pairs while building */
} PaleoStepGraph;

PaleoStepGraph *paleo_step_graph_new(uint32_t devices, uint32_t stages, uint32_t micro_batches);
void paleo_step_graph_free(PaleoStepGraph *graph);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoStepGraph, paleo_step_graph_free)

/* Adds a stream; returns its index. */
uint32_t paleo_step_graph_add_stream(PaleoStepGraph *graph, uint32_t device, PaleoStreamKind kind);
/* Adds a collective (the local device list is copied); returns its index. */
uint32_t paleo_step_graph_add_collective(PaleoStepGraph *graph, PaleoCollectiveKind kind, PaleoCollectiveOp op,
                                         uint64_t bytes, int32_t bucket, gboolean across_replicas,
                                         const uint32_t *local, guint n_local);
/* Collective `coll`'s local device stands for `ranks` identical participants. */
void paleo_step_graph_mirror(PaleoStepGraph *graph, uint32_t coll, uint32_t ranks);
/* Adds a task (copied) at the end of its stream's order; returns its id. */
uint32_t paleo_step_graph_add_task(PaleoStepGraph *graph, const PaleoTask *task);
/* `task` may start only once `dep` is complete. */
void paleo_step_graph_add_dep(PaleoStepGraph *graph, uint32_t task, uint32_t dep);
/* Builds the CSR arrays and checks the graph: every stream on its device, every task in
 * one stream, and no cycle through dependencies and stream orders together (a schedule
 * that contradicts the dependencies deadlocks). FALSE with a message otherwise. */
gboolean paleo_step_graph_finalize(PaleoStepGraph *graph, GError **error);

static inline const PaleoTask *paleo_step_graph_task(const PaleoStepGraph *g, guint i)
{
  return &g_array_index(g->tasks, PaleoTask, i);
}
static inline const PaleoGraphStream *paleo_step_graph_stream(const PaleoStepGraph *g, guint i)
{
  return &g_array_index(g->streams, PaleoGraphStream, i);
}
static inline const PaleoGraphCollective *paleo_step_graph_collective(const PaleoStepGraph *g, guint i)
{
  return &g_array_index(g->collectives, PaleoGraphCollective, i);
}
static inline guint paleo_step_graph_n_tasks(const PaleoStepGraph *g) { return g->tasks->len; }

/* The contention-free length of one iteration of the template with every task at its
 * nominal cost, communication costed by `comm_ns` (may be NULL: free): the longest path
 * through dependencies and stream orders, ns. */
uint64_t paleo_step_graph_critical_ns(const PaleoStepGraph *graph,
                                      uint64_t (*comm_ns)(const PaleoTask *task, void *user_data),
                                      void *user_data);

#endif

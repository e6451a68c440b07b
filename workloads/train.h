/* Training strategies on the engine: a registry of strategies (sync, async-ps, ssp,
 * backup), the configuration they share, and the statistics they report. A trainer
 * registers its entities on an engine; the caller runs the engine and then reads the
 * statistics. A trainer that reaches its target before the queue drains (async-ps and
 * ssp stop at the target number of updates) stops the engine and sets stats.complete. */
#ifndef PALEO_TRAIN_H
#define PALEO_TRAIN_H

#include <glib.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/trace.h"
#include "topology/network.h"
#include "workloads/collective.h"
#include "workloads/net.h"
#include "workloads/planner.h"
#include "workloads/straggler.h"
#include "workloads/train_costs.h"

typedef struct {
  uint32_t workers;            /* N >= 1 */
  uint32_t iterations;         /* >= 1 */
  PaleoCollectiveKind collective;
  PaleoFidelity fidelity;
  gboolean overlap;            /* FALSE: one all-reduce of every gradient after backward */
  uint64_t bucket_bytes;       /* gradient bucket size (overlap); a layer never splits */
  uint32_t ps_servers;         /* ps: k >= 1 */
  gboolean ps_dedicated;       /* ps: servers are their own nodes */
  uint32_t gpus_per_host;      /* hierarchical: G, N a multiple of G */
  PaleoCollectiveLinks links;  /* analytical fidelity: closed-form links */
  const PaleoLink *ps_link;    /* analytical, dedicated servers: their NIC (NULL = links.link) */
  uint64_t ps_message_ns;      /* software cost added to every message to or from a parameter
                                  server (sync with collective ps, async-ps, ssp, backup; the
                                  refined profile's ps_message_us; 0 = none); see
                                  paleo_collective_message_ns */
  uint32_t ssp_bound;          /* ssp: s, how many iterations ahead of the slowest a worker may be */
  uint32_t backup_workers;     /* backup: b < workers; an update takes the first workers - b gradients */
  const PaleoStragglerModel *stragglers; /* NULL = none; not copied: must outlive the trainer */
  const uint32_t *worker_nodes; /* flow: topology node of each worker (copied) */
  const uint32_t *server_nodes; /* flow with dedicated ps: node of each server (copied) */
  PaleoTraceSink *sink;        /* NULL = no trace; not owned */
  /* sync (the task-graph executor): the parallelism of one replica; workers = replicas x
     stages x splits. Zero stages / micro_batches / splits mean 1. */
  const PaleoNet *net;         /* ModelParallel placement and parents (NULL: one device per replica) */
  uint32_t stages, micro_batches, splits;
  PaleoPipeSchedule schedule;
  const uint32_t *stage_first; /* stages x virtual_stages - 1 cuts, NULL = balanced or blocks (used
                                  while constructing) */
  gboolean split_blocks;       /* without stage_first: equal transformer blocks per chunk */
  uint32_t tensor;             /* tensor-parallel ranks per stage (workers = replicas x stages x tensor) */
  gboolean sequence_parallel;
  uint32_t virtual_stages;     /* interleaved 1F1B chunks per device */
  uint32_t zero;               /* ZeRO stage 0..3 */
  PaleoRecompute recompute;
  /* sync, analytical fidelity without perturbations: symmetric devices simulated once */
  uint32_t lanes;              /* each worker stands for this many identical devices (a stage's
                                  tensor-parallel ranks, consecutive); 0 or 1 = none */
  uint32_t replica_copies;     /* the workers form one replica standing for this many identical ones;
                                  0 or 1 = none */
} PaleoTrainConfig;

/* What a run measured. Per-worker arrays have `workers` entries; times are ns. */
typedef struct {
  uint32_t workers;
  gboolean complete;            /* the target was reached (iterations, or updates for async) */
  PaleoTime last_active_ns;     /* the trainer's last event other than a failure (a stall's time) */
  uint32_t iterations_done;     /* sync, backup: global iterations done (async-ps, ssp: 0;
                                   see worker_iterations) */
  PaleoTime makespan_ns;        /* sync, backup: end of the last completed iteration;
                                   async-ps, ssp: when the last counted update was applied */
  uint64_t *iteration_end_ns;   /* sync, backup, per iteration: when it ended (else unused) */
  GArray *worker_iteration_ns;  /* async-ps, ssp: every worker iteration's duration (uint64_t) */
  /* compute_ns, comm_ns, hidden_ns, exposed_ns and wait_ns below cover finished
     iterations only (they are added when the worker's iteration ends) */
  uint64_t updates;             /* updates applied to the model (sync, backup: = iterations) */
  uint32_t gradients_per_update; /* sync: N; backup: N - b; async-ps, ssp: 1 */
  uint64_t dropped_gradients;   /* backup: gradients computed (or being computed) and not used */
  GArray *staleness;            /* async-ps, ssp: uint64_t count of updates per staleness value */
  uint32_t *worker_iterations;  /* per worker: iterations completed */
  uint64_t *stretched_ns;       /* per worker: all compute begun (finished iterations or not) */
  uint64_t *nominal_ns;         /* per worker: the same compute at factor 1 without pauses, so
                                   its slowdown is stretched_ns / nominal_ns */
  uint64_t *failed_at_ns;       /* per worker: when it failed; PALEO_NEVER_NS = did not */
  uint64_t *compute_ns;         /* per worker: forward + backward + update */
  uint64_t *comm_ns;            /* per worker: time with own messages in flight */
  uint64_t *hidden_ns;          /* per worker: part of comm_ns under backward compute */
  uint64_t *exposed_ns;         /* per worker: comm while compute was blocked on it */
  uint64_t *wait_ns;            /* per worker: blocked with no own message in flight */
  uint64_t flows;               /* messages started as flows */
  uint64_t collectives;         /* collective instances completed */
  guint n_buckets;              /* sync: gradient buckets of worker 0 */
  /* sync (task graph): pipeline figures; per-worker arrays, NULL for the other strategies */
  uint32_t stages;              /* P (1 without pipelining) */
  uint32_t devices_per_replica; /* P x K */
  uint32_t *stage_of;           /* per worker: its stage */
  uint64_t *pass_busy_ns;       /* per worker: forward + backward compute in finished global iterations */
  uint64_t window_ns;           /* sum over finished global iterations of [first fwd/bwd start, last end] */
  uint32_t *peak_in_flight;     /* per worker: most micro-batches forwarded and not yet backwarded */
} PaleoTrainStats;

typedef struct PaleoTrainer PaleoTrainer;

typedef struct {
  const char *name;
  const char *description;
  gboolean servers;      /* gradients go through parameter servers (else collectives) */
  gboolean asynchronous; /* no global iterations: workers finish iterations on their own */
  gboolean task_graph;   /* plans the step as a task graph ([parallelism] applies) */
  const char *parameter; /* its [training] key ("ssp_bound", "backup_workers"), or NULL */
  const char *parameter_what; /* the parameter in a word ("bound", "count") */
  int parameter_example;
  /* Registers the trainer's entities on `engine`; `network` is required in flow fidelity
   * (NULL allowed in analytical). `costs` and `network` must outlive the trainer. */
  PaleoTrainer *(*create)(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                          const PaleoTrainConfig *config);
} PaleoStrategy;

/* NULL-terminated registry. */
extern const PaleoStrategy paleo_strategies[];
const PaleoStrategy *paleo_strategy_find(const char *name);
/* The i-th registry name, NULL past the end (for name lists and choices). */
const char *paleo_strategy_name_at(int i);

const PaleoTrainStats *paleo_trainer_stats(const PaleoTrainer *trainer);
/* FALSE with the sink's error when a trace record could not be written (the trainer then
 * stopped the engine and records nothing more). */
gboolean paleo_trainer_trace_status(const PaleoTrainer *trainer, GError **error);
void paleo_trainer_free(PaleoTrainer *trainer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTrainer, paleo_trainer_free)

/* The synchronous trainer (registry entry "sync"): plans the step as a task graph
 * (workloads/planner.h) from the config and runs it with the executor
 * (workloads/executor.h). */
PaleoTrainer *paleo_train_sync_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                   const PaleoTrainConfig *config);

/* The parameter-server strategies (workloads/train_ps.c). Each worker computes forward and
 * backward, pushes its gradient to the k servers (shard j: bytes j S / k .. (j+1) S / k),
 * each server applies the update on arrival, in arrival order (cost: the cost model's
 * update time x shard / S), and sends the fresh shard back; the worker's iteration ends
 * when every shard is back. async-ps and ssp stop at workers x iterations updates. */
PaleoTrainer *paleo_train_async_ps_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                       const PaleoTrainConfig *config);
PaleoTrainer *paleo_train_ssp_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                  const PaleoTrainConfig *config);
PaleoTrainer *paleo_train_backup_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                     const PaleoTrainConfig *config);

#endif

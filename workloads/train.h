/* Training strategies on the engine: a registry of strategies (sync today; async-ps, ssp
 * and backup workers plug in here), the configuration they share, and the statistics they
 * report. A trainer registers its entities on an engine; the caller runs the engine and
 * then reads the statistics. */
#ifndef PALEO_TRAIN_H
#define PALEO_TRAIN_H

#include <glib.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/trace.h"
#include "topology/network.h"
#include "workloads/collective.h"
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
  const double *slowdown;      /* per worker compute multiplier; NULL = all 1 (copied) */
  const uint32_t *worker_nodes; /* flow: topology node of each worker (copied) */
  const uint32_t *server_nodes; /* flow with dedicated ps: node of each server (copied) */
  PaleoTraceSink *sink;        /* NULL = no trace; not owned */
} PaleoTrainConfig;

/* What a run measured. Per-worker arrays have `workers` entries; times are ns. */
typedef struct {
  uint32_t workers;
  uint32_t iterations_done;     /* iterations every worker completed */
  PaleoTime makespan_ns;        /* end of the last completed iteration */
  uint64_t *iteration_end_ns;   /* per iteration: when its last worker finished */
  uint64_t *compute_ns;         /* per worker: forward + backward + update */
  uint64_t *comm_ns;            /* per worker: time with own messages in flight */
  uint64_t *hidden_ns;          /* per worker: part of comm_ns under backward compute */
  uint64_t *exposed_ns;         /* per worker: comm while compute was blocked on it */
  uint64_t *wait_ns;            /* per worker: blocked with no own message in flight */
  uint64_t flows;               /* messages started as flows */
  uint64_t collectives;         /* collective instances completed */
  guint n_buckets;
} PaleoTrainStats;

typedef struct PaleoTrainer PaleoTrainer;

typedef struct {
  const char *name;
  const char *description;
  /* Registers the trainer's entities on `engine`; `network` is required in flow fidelity
   * (NULL allowed in analytical). `costs` and `network` must outlive the trainer. */
  PaleoTrainer *(*create)(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                          const PaleoTrainConfig *config);
} PaleoStrategy;

/* NULL-terminated registry. */
extern const PaleoStrategy paleo_strategies[];
const PaleoStrategy *paleo_strategy_find(const char *name);

const PaleoTrainStats *paleo_trainer_stats(const PaleoTrainer *trainer);
/* FALSE with the sink's error when a trace record could not be written (the trainer then
 * stopped the engine and records nothing more). */
gboolean paleo_trainer_trace_status(const PaleoTrainer *trainer, GError **error);
void paleo_trainer_free(PaleoTrainer *trainer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTrainer, paleo_trainer_free)

/* The synchronous data-parallel trainer (also reachable as registry entry "sync"). */
PaleoTrainer *paleo_train_sync_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                   const PaleoTrainConfig *config);

/* Gradient buckets as the sync trainer forms them: walking layers from the last, a bucket
 * closes once it holds >= bucket_bytes (PyTorch DDP); with overlap off, one bucket. Writes
 * each bucket's lowest layer index to `first_layer` (GArray of guint, bucket 0 = the last
 * layers, ready first) and its bytes to `bytes` (GArray of uint64_t). No gradient: none. */
void paleo_train_buckets(const PaleoTrainCosts *costs, gboolean overlap, uint64_t bucket_bytes,
                         GArray *first_layer, GArray *bytes);

#endif

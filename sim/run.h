/* One `paleosim run`: wires a validated scenario into catalog, net, cost model, topology,
 * network model, trace sink and a training strategy, drives the engine and summarizes.
 * Used by the CLI (sim/cmd_run.c), tests and benchmarks. */
#ifndef PALEO_RUN_H
#define PALEO_RUN_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"
#include "sim/scenario.h"
#include "workloads/footprint.h"

typedef struct {
  char *name;          /* topology link name */
  double utilization;  /* bytes carried / (bandwidth x makespan), [0, 1] */
} PaleoRunLink;

typedef struct {
  uint32_t id;
  double slowdown;              /* compute time / the same compute at factor 1 without pauses */
  uint32_t iterations;          /* iterations completed */
  double failed_at_ms;          /* < 0: did not fail */
} PaleoRunWorker;

typedef struct {
  uint32_t stage;
  uint32_t devices;             /* workers on the stage (replicas x model-parallel splits) */
  double compute_ms;            /* per device per iteration: forward + backward + update */
  double bubble_fraction;       /* its compute streams idle in the step's forward/backward window */
  uint32_t peak_in_flight;      /* most micro-batches forwarded and not yet backwarded on one device */
} PaleoRunStage;

typedef struct {
  const char *strategy;         /* registry name: sync, async-ps, ssp, backup (static) */
  uint32_t workers;
  int64_t batch_per_worker;
  int64_t params;               /* the net's trainable parameters */
  uint32_t iterations;          /* completed by every worker (async-ps, ssp: every live one) */
  double iteration_mean_ms, iteration_p50_ms, iteration_p99_ms; /* sync, backup: global
                                   iterations; async-ps, ssp: every worker iteration */
  double throughput_samples_per_s; /* samples whose gradient was applied / makespan */
  uint64_t updates;             /* model updates applied */
  double updates_per_s;
  gboolean has_staleness;       /* async-ps, ssp */
  struct {
    double mean, p50, p99, max; /* nearest-rank percentiles over every applied update */
  } staleness;
  uint64_t dropped_gradients;   /* backup */
  GArray *workers_detail;       /* of PaleoRunWorker, one per worker */
  gboolean stalled;             /* a failed worker stopped sync/backup before the target */
  double stalled_at_ms;         /* when the training did its last step */
  double one_worker_ms;         /* the 1-worker iteration the speed-up compares with */
  double speedup;               /* weak: N T1 / TN; strong: T1 / TN */
  double compute_ms;            /* per worker per iteration, mean over workers */
  double comm_ms;               /* time with own messages in flight */
  double comm_exposed_ms;
  double wait_ms;
  double overlap_fraction;      /* hidden / all communication, 0 without communication */
  GArray *links;                /* of PaleoRunLink, most utilized first (at most 10) */
  /* the step's parallelism (planner registry name: data-parallel, model-parallel, hybrid,
     pipeline), degrees, and per stage figures */
  const char *planner;
  uint32_t data_parallel, pipeline, model_parallel, micro_batches;
  uint32_t tensor, virtual_stages, zero;
  gboolean sequence_parallel;
  const char *recompute;        /* none | selective | full */
  int64_t micro_batch;          /* samples per micro-batch */
  const char *schedule;         /* gpipe | 1f1b | interleaved-1f1b */
  GArray *stages;               /* of PaleoRunStage */
  double bubble_fraction;       /* of the whole step: mean over every worker */
  /* FLOPs and memory (workloads/footprint.h) */
  double model_flops_per_iteration;    /* the step's matrix products, forward and backward */
  double hardware_flops_per_iteration; /* plus the recomputed forwards */
  double tflops_per_device;     /* hardware FLOPs per second and device, 1e12 (NVIDIA's convention) */
  double mfu, hfu;              /* model / hardware FLOPs per second over the devices' peak at the precision */
  double peak_tflops;           /* that peak per device */
  double tokens_per_s;          /* samples/s x sequence length (0 for nets without a sequence) */
  PaleoMemory memory;
  guint buckets;
  uint64_t events, flows;
  uint64_t peak_flows_in_flight; /* most flows started and not yet delivered at one time */
  uint64_t network_bytes;       /* the flow model's memory at the end: its pools only grow, so
                                   also its peak (flow slots, link lists, routes, events) */
  double wall_s;
  gboolean interrupted;         /* SIGINT/SIGTERM stopped it */
} PaleoRunSummary;

typedef struct {
  gboolean progress;            /* progress line on stderr (TTY and > 1 s) */
  const PaleoCatalog *catalog;  /* borrowed; NULL: the shipped catalog, loaded per run */
  gboolean allow_oom;           /* run a scenario whose memory exceeds the device's */
} PaleoRunOptions;

/* Runs the scenario. Bad input found while wiring (unknown net, device, link, cost model,
 * topology that cannot hold the workers) is a PALEO_SCENARIO_ERROR naming section and
 * key; a device whose memory the configuration exceeds is PALEO_SCENARIO_ERROR_MEMORY with
 * the breakdown (unless options->allow_oom); a failed trace write is PALEO_OUTPUT_ERROR_IO.
 * `out` is cleared with paleo_run_summary_clear. */
gboolean paleo_run_scenario(const PaleoScenario *scenario, const PaleoRunOptions *options,
                            PaleoRunSummary *out, GError **error);
void paleo_run_summary_clear(PaleoRunSummary *summary);

/* The memory a scenario needs per device (the footprint model, nothing simulated). FALSE
 * with the wiring's errors. */
gboolean paleo_run_memory(const PaleoScenario *scenario, const PaleoCatalog *catalog, PaleoMemory *out,
                          GError **error);
/* "weights 1.2 GiB + gradients ... = total 70.1 GiB of 80 GiB" (owned). */
char *paleo_run_memory_text(const PaleoMemory *memory);

/* Nearest-rank percentile (q in [0, 1]) of n >= 1 sorted values: the statistic every
 * p50/p99 of a run uses. */
double paleo_run_percentile(const double *sorted, guint n, double q);
/* Stops the run in progress, or the next one before its first event when it comes during
 * set-up (async-signal-safe; for SIGINT/SIGTERM handlers). The request stays: every later
 * run of the process stops at once. FALSE when a run is in set-up or in its event loop:
 * neither set-up (building a large topology) nor one event (a network instant delivering
 * hundreds of thousands of messages) can be cut short, so the caller decides how long to
 * wait for paleo_run_stop_taken. */
gboolean paleo_run_request_stop(void);
/* TRUE once paleo_run_request_stop was called. */
gboolean paleo_run_stop_requested(void);
/* TRUE once a run of this process has seen the stop request (its event loop returned):
 * what is left is closing its trace and printing its summary. */
gboolean paleo_run_stop_taken(void);

#endif

/* Scenario files: a GKeyFile INI parsed through one table of keys into a plain struct,
 * validated once and read-only afterwards. `--set section.key=value` overrides any key.
 * Names that need other modules (net, device, link, cost model, topology file) are
 * checked when the run is wired (sim/run_setup.c), with errors in the same format. */
#ifndef PALEO_SCENARIO_H
#define PALEO_SCENARIO_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

#include "workloads/straggler.h"
#include "workloads/train.h"

#define PALEO_SCENARIO_ERROR (paleo_scenario_error_quark())
GQuark paleo_scenario_error_quark(void);
typedef enum {
  PALEO_SCENARIO_ERROR_PARSE,    /* unreadable file, malformed INI, malformed --set */
  PALEO_SCENARIO_ERROR_MISSING,  /* required key absent */
  PALEO_SCENARIO_ERROR_TYPE,     /* value of the wrong type */
  PALEO_SCENARIO_ERROR_RANGE,    /* value out of range or inconsistent with another */
  PALEO_SCENARIO_ERROR_UNKNOWN,  /* unknown section, key or name */
  PALEO_SCENARIO_ERROR_MEMORY,   /* the configuration does not fit in the devices' memory */
} PaleoScenarioError;

typedef enum { PALEO_PS_COLOCATED = 0, PALEO_PS_DEDICATED } PaleoPsPlacement;
extern const char *const paleo_ps_placement_names[];

extern const char *const paleo_trace_level_names[]; /* indexed by PaleoTraceLevel */

typedef struct {
  uint32_t worker;
  double factor;   /* compute time multiplier, > 0 */
} PaleoSlowdown;

/* One [stragglers] degrade_link entry. */
typedef struct {
  char *target;    /* a topology link name "a->b", or a node name: every link from or to it */
  double factor;   /* bandwidth multiplier, > 0 */
  double at_ms;    /* from this simulated time on, >= 0 */
} PaleoLinkDegrade;

typedef struct {
  char *path;       /* file it was read from; "<string>" for in-memory text */
  char *name;       /* [scenario] name, default: file name without extension */
  char *description;
  char *text;       /* the INI text after overrides (for the trace's run metadata) */
  struct {
    char *net;            /* shipped name or path */
    int64_t batch;        /* per worker (weak) or global (strong) */
    int scaling;          /* PaleoScaling (hardware/timing.h) */
    char *cost_model;
    int precision;        /* PaleoPrecision (hardware/kernel.h); refined model only */
    double ppp_comp, ppp_comm;
  } workload;
  struct {
    char *device;
    int64_t workers;
    int topology;         /* index into the topology generator registry (topology/generators.h) */
    char *topology_file;
    char *link;
    int64_t gpus_per_host;
    int64_t hosts;        /* 0 = ceil(workers / gpus_per_host) */
    char *intra_host_link;
    int intra_host;       /* PaleoIntraHost: direct, pcie-tree, cube-mesh, nvswitch (refined only) */
    int64_t gpus_per_switch; /* pcie-tree: GPUs per PCIe switch */
    int64_t sockets;      /* pcie-tree: CPU sockets (PCIe roots) per host */
    char *socket_link;    /* pcie-tree: link between sockets (catalog link key) */
    char *pcie_link;      /* cube-mesh, nvswitch: the GPUs' PCIe path to the host and its NICs */
    double oversubscription;
    int64_t radix;        /* fat-tree ports per leaf */
    int fabric;           /* index into the generators' fabric names (topology = hierarchical) */
    int64_t nics_per_host;
    char *dims;           /* torus "4x4" / "4x4x2"; "" = as square/cubic as fits */
    double latency_us;    /* per hop, network links */
    double intra_host_latency_us;
    int64_t ps_count;
    int ps_placement;     /* PaleoPsPlacement */
    char *ps_link;        /* "" = same as link */
    char *slowdown;       /* "3:2.0,5:1.5" */
    GArray *slowdowns;    /* of PaleoSlowdown, parsed from slowdown, sorted by worker */
  } cluster;
  struct {
    int strategy;         /* index into the strategy registry (workloads/train.h) */
    int collective;       /* PaleoCollectiveKind */
    int fidelity;         /* PaleoFidelity */
    double solve_quantum_us; /* flow fidelity: re-solve the network at multiples of this; 0 = exact */
    gboolean aggregate;   /* flow fidelity: one network event per instant, not per flow (same results) */
    gboolean overlap;
    double bucket_mb;     /* MiB */
    int64_t iterations;
    uint64_t seed;
    int64_t ssp_bound;
    int64_t backup_workers;
    int optimizer;        /* PaleoOptimizer (workloads/cost.h) */
  } training;
  struct {
    int noise;            /* PaleoNoiseKind (workloads/straggler.h) */
    double noise_mu, noise_sigma; /* lognormal */
    double noise_mean;    /* exponential */
    char *noise_workers;  /* "" = every worker, else "0,3,5" */
    double pause_every_ms, pause_ms; /* 0 = no pauses */
    char *pause_workers;  /* "" = every worker */
    char *fail;           /* "3:50,7:120" = worker 3 fails at 50 ms, worker 7 at 120 ms */
    char *degrade_link;   /* "w3:0.25@100" = TARGET:FACTOR@MS, comma-separated */
    GArray *degrades;     /* of PaleoLinkDegrade, parsed from degrade_link */
  } stragglers;
  struct {
    int64_t pipeline;     /* P stages */
    int64_t micro_batches; /* M per step */
    int schedule;         /* PaleoPipeSchedule (workloads/planner.h) */
    char *stage_split;    /* "balanced", "blocks" or "layers:a,b,c" */
    GArray *stage_first;  /* uint32_t: P v - 1 cuts from stage_split; empty = balanced or blocks */
    gboolean split_blocks; /* stage_split = blocks */
    int64_t tensor;       /* T */
    gboolean sequence_parallel;
    int64_t micro_batch;  /* b; 0 = from micro_batches */
    gboolean micro_batches_given; /* micro_batches was written (file or --set) */
    int64_t virtual_stages; /* v */
    int64_t zero;         /* ZeRO stage */
    int recompute;        /* PaleoRecompute (workloads/planner.h) */
  } parallelism;
  struct {
    char *trace;          /* "" = no trace */
    int trace_level;      /* PaleoTraceLevel */
    int trace_format;     /* 0 auto (resolved from the extension at load), else 1 + index into the
                             trace format registry (output/trace_io.h) */
    int64_t compression;  /* HDF5 deflate level 0..9 */
  } output;
} PaleoScenario;

/* Loads a file; `overrides` is a NULL-terminated list of "section.key=value" (may be NULL).
 * Relative paths written in the file (workload.net when it is a path, cluster.topology_file,
 * output.trace) resolve against the file's folder; paths given in overrides stay relative
 * to the working directory. */
PaleoScenario *paleo_scenario_load(const char *path, char *const *overrides, GError **error);
/* The same with the file's text already read (paleo_scenario_read): for loading one file
 * many times with different overrides. */
PaleoScenario *paleo_scenario_load_text(const char *text, const char *path,
                                        char *const *overrides, GError **error);
/* The text of a scenario file (owned), or NULL with PALEO_SCENARIO_ERROR_PARSE. */
char *paleo_scenario_read(const char *path, GError **error);
/* From text that is not a file; `origin` names it in messages; paths stay as written. */
PaleoScenario *paleo_scenario_load_data(const char *text, const char *origin,
                                        char *const *overrides, GError **error);
void paleo_scenario_free(PaleoScenario *scenario);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoScenario, paleo_scenario_free)

/* Resolves a scenario argument: an existing path, or a shipped name ("default"). */
char *paleo_scenario_resolve_path(const char *name_or_path);

/* The shipped scenario names (the .ini files of configs/scenarios, without .ini), sorted,
 * NULL-terminated; free with g_strfreev. */
char **paleo_scenario_shipped_names(void);

/* One key's value, typed (for JSON echoes, result tables and perturbations). */
typedef enum {
  PALEO_VALUE_STRING,   /* strings and choices: `text` */
  PALEO_VALUE_INT,      /* `i` (and `number`) */
  PALEO_VALUE_UINT,     /* `u` (and `number`): the seed */
  PALEO_VALUE_NUMBER,   /* `number` */
  PALEO_VALUE_BOOL,     /* `b` */
} PaleoValueKind;

typedef struct {
  const char *section, *key;  /* static */
  PaleoValueKind kind;
  const char *text;           /* borrowed from the scenario or static */
  int64_t i;
  uint64_t u;
  double number;
  gboolean b;
  gboolean bounded;           /* numbers: the key has a range [min, max] ((min, max] when min_open) */
  double min, max;
  gboolean min_open;
} PaleoScenarioValue;

/* The keys in table order: paleo_scenario_value_at(s, i) for i < paleo_scenario_n_keys(). */
guint paleo_scenario_n_keys(void);
void paleo_scenario_value_at(const PaleoScenario *scenario, guint i, PaleoScenarioValue *out);
/* By name "section.key"; an unknown name is PALEO_SCENARIO_ERROR_UNKNOWN. */
gboolean paleo_scenario_value(const PaleoScenario *scenario, const char *dotted,
                              PaleoScenarioValue *out, GError **error);
gboolean paleo_scenario_key_known(const char *dotted, GError **error);

/* The names behind the choice keys, from their registries. */
const PaleoStrategy *paleo_scenario_strategy(const PaleoScenario *scenario);
const char *paleo_scenario_topology(const PaleoScenario *scenario);
const char *paleo_scenario_fabric(const PaleoScenario *scenario);
/* "sqlite" or "hdf5" (auto already resolved); NULL without a trace. */
const char *paleo_scenario_trace_format(const PaleoScenario *scenario);

/* The compute slowdown factor of a worker (1.0 when not listed). */
double paleo_scenario_slowdown(const PaleoScenario *scenario, uint32_t worker);
/* The straggler model the scenario describes: cluster.slowdown and [stragglers]. */
PaleoStragglerModel *paleo_scenario_straggler_model(const PaleoScenario *scenario);
/* Parses torus dimensions "AxB[xC]" (positive sizes) into dims; returns the count, or 0
 * when malformed. */
int paleo_scenario_parse_dims(const char *text, int64_t dims[3]);
/* Number of hosts the cluster has (hosts key or derived). */
int64_t paleo_scenario_hosts(const PaleoScenario *scenario);

/* Sets `error` (PALEO_SCENARIO_ERROR, `code`) as "PATH: [section] key = 'value': MESSAGE"
 * with the key's current value; for errors found while wiring a run. */
void paleo_scenario_set_error(const PaleoScenario *scenario, GError **error, int code,
                              const char *section, const char *key, const char *fmt, ...)
  G_GNUC_PRINTF(6, 7);

/* Writes the key reference (section, key, type, unit, default, meaning) as a text table,
 * or as a Markdown table when `markdown`. */
void paleo_scenario_print_keys(FILE *out, gboolean markdown);

#endif

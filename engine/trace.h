/* Trace record types and the sink interface through which a simulation reports what
 * happened. Producers (workers, the network model) fill these plain structs and call
 * paleo_trace_*; output/ implements sinks (SQLite, HDF5). A NULL sink records nothing.
 * All times are integer nanoseconds. Strings are borrowed for the duration of the call. */
#ifndef PALEO_TRACE_H
#define PALEO_TRACE_H

#include <glib.h>
#include <stdint.h>

#define PALEO_TRACE_SCHEMA_VERSION 3

/* What a run records, from least to most. */
typedef enum {
  PALEO_TRACE_LEVEL_ITERATIONS = 0, /* run, entities, links, iterations, ps updates */
  PALEO_TRACE_LEVEL_TASKS = 1,      /* + compute tasks */
  PALEO_TRACE_LEVEL_FLOWS = 2,      /* + flows */
  PALEO_TRACE_LEVEL_ALL = 3,        /* + link-usage intervals */
} PaleoTraceLevel;

typedef enum {
  PALEO_ENTITY_WORKER = 0,
  PALEO_ENTITY_HOST = 1,
  PALEO_ENTITY_SWITCH = 2,
  PALEO_ENTITY_PS = 3,
} PaleoEntityKind;

typedef enum {
  PALEO_PHASE_FWD = 0,
  PALEO_PHASE_BWD = 1,
  PALEO_PHASE_UPDATE = 2,
} PaleoPhase;

/* The streams of a device (an ordered resource each: its tasks run one at a time). */
typedef enum {
  PALEO_STREAM_COMPUTE = 0, /* kernels */
  PALEO_STREAM_COMM = 1,    /* collectives */
  PALEO_STREAM_P2P = 2,     /* point-to-point sends */
  PALEO_STREAM_KINDS = 3,
} PaleoStreamKind;

/* Kinds of tasks of a step task graph. */
typedef enum {
  PALEO_TASK_COMPUTE = 0,
  PALEO_TASK_TRANSFER = 1,
  PALEO_TASK_COLLECTIVE = 2,
} PaleoTaskKind;

/* NULL-terminated names, indexed by the enums above: "fwd", "bwd", "update"; "compute",
 * "comm", "p2p"; "compute", "transfer", "collective". */
extern const char *const paleo_phase_names[];
extern const char *const paleo_stream_kind_names[];
extern const char *const paleo_task_kind_names[];

/* Task ids of records that no task graph produced (strategies without one). */
#define PALEO_TASK_ID_NONE UINT64_MAX

typedef struct {
  const char *scenario_name;
  const char *scenario_text; /* the full scenario file after overrides */
  uint64_t seed;
  const char *version;       /* paleosim version */
  int64_t start_unix_s;      /* wall-clock start, seconds since the epoch */
} PaleoRunMeta;

typedef struct {
  uint32_t id;        /* topology node id */
  PaleoEntityKind kind;
  int32_t host;       /* host node id, -1 when none */
  int32_t worker;     /* worker rank for workers, -1 otherwise */
  const char *name;
} PaleoEntityRecord;

typedef struct {
  uint32_t id;        /* directed link id */
  uint32_t src, dst;  /* node ids */
  double bw_bytes_per_s;
  uint64_t latency_ns;
  const char *name;
} PaleoLinkRecord;

typedef struct {
  uint32_t index;
  const char *name;   /* "block/inner" */
  const char *type;
} PaleoLayerRecord;

typedef struct {
  uint32_t worker;
  uint32_t iteration;
  uint32_t layer;     /* index into the layer table; UINT32_MAX for the update */
  PaleoPhase phase;   /* the pass */
  uint64_t start_ns, end_ns;
  /* schema 3: the task-graph labels (0 / PALEO_TASK_ID_NONE without a task graph) */
  uint64_t id;        /* task instance id, unique in the run (task_dep refers to it) */
  PaleoStreamKind stream;
  uint32_t micro_batch;
  uint32_t stage;
} PaleoTaskRecord;

/* Schema 3: a communication task of a step task graph, one per participating worker. */
typedef struct {
  uint64_t id;        /* task instance id, shared id space with PaleoTaskRecord.id */
  uint32_t worker;
  uint32_t iteration;
  PaleoTaskKind kind; /* transfer or collective */
  PaleoStreamKind stream;
  const char *collective; /* collective kind ("ring", ...) or "transfer" */
  int32_t bucket;     /* gradient bucket, -1 none */
  uint32_t micro_batch, stage;
  PaleoPhase phase;   /* the pass it serves */
  int32_t peer;       /* transfer: receiving worker; -1 for collectives */
  uint64_t bytes;
  uint64_t instance;  /* collective: participants of one collective share it */
  uint64_t start_ns, end_ns; /* entered (sent) .. its part complete (delivered) */
} PaleoCommTaskRecord;

/* Schema 3: task `task` could start only after task `dep` completed (dependency edge or
 * stream order). */
typedef struct {
  uint64_t task, dep;
} PaleoTaskDepRecord;

typedef struct {
  uint64_t id;
  uint32_t src, dst;  /* node ids */
  uint64_t bytes;
  const char *collective; /* "ring", "ps-push", ... */
  int32_t bucket;     /* gradient bucket, -1 when none */
  uint32_t iteration;
  uint64_t start_ns, end_ns;
} PaleoFlowRecord;

typedef struct {
  uint32_t worker;
  uint32_t iteration;
  uint64_t start_ns, end_ns;
  uint64_t wait_ns;   /* time blocked on others (barrier, collective partners, ssp bound) */
  double slowdown;    /* this iteration's compute time / its nominal time (1 = none) */
} PaleoIterationRecord;

typedef struct {
  uint32_t link;
  uint64_t start_ns, end_ns;
  uint32_t flows;     /* concurrent flows in the interval */
  double utilization; /* used / capacity in [0, 1] */
} PaleoLinkUsageRecord;

typedef struct {
  uint32_t server;
  uint32_t worker;
  uint32_t iteration;
  uint32_t staleness; /* updates the server applied between the worker's pull and its push */
  uint64_t time_ns;   /* when the server finished applying the update */
} PaleoPsUpdateRecord;

typedef struct PaleoTraceSink PaleoTraceSink;

/* A sink implementation. Every callback returns FALSE and sets `error` on failure; after a
 * failure the producer stops calling record callbacks and calls close. */
typedef struct {
  const char *name;
  gboolean (*begin)(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error);
  gboolean (*entity)(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error);
  gboolean (*link)(PaleoTraceSink *sink, const PaleoLinkRecord *rec, GError **error);
  gboolean (*layer)(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error);
  gboolean (*task)(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error);
  gboolean (*flow)(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error);
  gboolean (*iteration)(PaleoTraceSink *sink, const PaleoIterationRecord *rec, GError **error);
  gboolean (*link_usage)(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec, GError **error);
  gboolean (*ps_update)(PaleoTraceSink *sink, const PaleoPsUpdateRecord *rec, GError **error);
  /* schema 3; may be NULL in sinks that ignore them (producers then skip them) */
  gboolean (*comm_task)(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error);
  gboolean (*task_dep)(PaleoTraceSink *sink, const PaleoTaskDepRecord *rec, GError **error);
  /* status: "complete", "interrupted" or "failed"; flushes and closes the file. */
  gboolean (*close)(PaleoTraceSink *sink, const char *status, GError **error);
  void (*free)(PaleoTraceSink *sink);
} PaleoTraceSinkOps;

/* Base struct; implementations embed it first. */
struct PaleoTraceSink {
  const PaleoTraceSinkOps *ops;
  PaleoTraceLevel level;
};

#endif

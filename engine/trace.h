/* Trace record types and the sink interface through which a simulation reports what
 * happened. Producers (workers, the network model) fill these plain structs and call
 * paleo_trace_*; output/ implements sinks (SQLite, HDF5). A NULL sink records nothing.
 * All times are integer nanoseconds. Strings are borrowed for the duration of the call. */
#ifndef PALEO_TRACE_H
#define PALEO_TRACE_H

#include <glib.h>
#include <stdint.h>

#define PALEO_TRACE_SCHEMA_VERSION 2

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
  PaleoPhase phase;
  uint64_t start_ns, end_ns;
} PaleoTaskRecord;

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

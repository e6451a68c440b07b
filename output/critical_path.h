/* The critical path of each iteration of a recorded run: the chain of tasks and waits
 * whose lengths add up to the iteration time, read from a schema-3 trace (task ids,
 * comm_task, task_dep).
 *
 * The iteration spans [the earliest start, the latest end] of its iteration records. The
 * walk starts at the task that ends last and goes backwards: each task is a segment
 * (compute, or comm for transfers and collectives); its predecessor is, among its
 * dependencies (graph edges and the task before it on its stream), the one that ended
 * last no later than the task started; a gap between the two is a wait segment. A
 * collective cannot finish before its last participant entered: when another participant
 * entered later than this one, the comm segment starts there and the walk continues
 * from that participant's dependencies. Where no dependency remains inside the iteration
 * the rest, back to its start, is a wait. So the segments tile the iteration with no gap
 * or overlap. Traces without task-graph ids (schema 2, the parameter-server strategies)
 * chain each worker's own tasks instead. */
#ifndef PALEO_CRITICAL_PATH_H
#define PALEO_CRITICAL_PATH_H

#include <glib.h>
#include <stdint.h>

#include "engine/trace.h"

typedef enum {
  PALEO_PATH_COMPUTE = 0,
  PALEO_PATH_COMM = 1,
  PALEO_PATH_WAIT = 2,
} PaleoPathKind;
/* "compute", "comm", "wait" (NULL-terminated). */
extern const char *const paleo_path_kind_names[];

typedef struct {
  PaleoPathKind kind;
  uint32_t worker;        /* the device the segment runs on (waits: the one that waited) */
  char *name;             /* owned: "conv1 bwd", "ring bucket 2", "transfer to w3", "wait" */
  uint64_t start_ns, end_ns;
} PaleoPathSegment;

typedef struct {
  uint32_t iteration;
  uint64_t start_ns, end_ns;
  uint64_t compute_ns, comm_ns, wait_ns; /* sums over the segments; add up to end - start */
  GArray *segments;       /* PaleoPathSegment in time order */
} PaleoCriticalPath;

typedef struct PaleoPathCollector PaleoPathCollector;

/* Keeps the records of iterations first..last (inclusive; G_MAXUINT32 = no limit). */
PaleoPathCollector *paleo_path_collector_new(uint32_t first, uint32_t last);
void paleo_path_collector_free(PaleoPathCollector *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoPathCollector, paleo_path_collector_free)
void paleo_path_collector_layer(PaleoPathCollector *c, const PaleoLayerRecord *rec);
void paleo_path_collector_iteration(PaleoPathCollector *c, const PaleoIterationRecord *rec);
void paleo_path_collector_task(PaleoPathCollector *c, const PaleoTaskRecord *rec);
void paleo_path_collector_comm_task(PaleoPathCollector *c, const PaleoCommTaskRecord *rec);
void paleo_path_collector_dep(PaleoPathCollector *c, const PaleoTaskDepRecord *rec);

/* One PaleoCriticalPath per iteration with records, ascending; free with
 * paleo_critical_paths_free. */
GArray *paleo_critical_paths(const PaleoPathCollector *c);
void paleo_critical_paths_free(GArray *paths);

#endif

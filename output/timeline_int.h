/* Internal to the timeline: the first-pass scan shared by timeline.c (scan sink, option
 * parsing) and timeline_draw.c (lanes, window and drawing). */
#ifndef PALEO_TIMELINE_INT_H
#define PALEO_TIMELINE_INT_H

#include "output/id_map.h"
#include "output/timeline.h"

typedef struct {
  uint32_t iteration;         /* its number */
  uint64_t start_ns, end_ns;  /* earliest start, latest end over all workers */
} PaleoScanIteration;

typedef struct {
  uint32_t id;
  gboolean known;
  char *name;                 /* owned; NULL when no link record */
  double util_ns;             /* Σ utilization · duration */
} PaleoScanLink;

/* Per-id tables are id maps plus arrays in first-seen order: trace ids may be of any size. */
struct PaleoTimelineScan {
  PaleoTraceSink base;        /* first: the scan is its own sink */
  char *scenario_name;        /* owned, "" when none */
  gboolean any_time;
  uint64_t first_ns, last_ns; /* extent of every timed record */
  PaleoIdMap worker_ids;      /* rank -> index in workers */
  GArray *workers;            /* uint32_t ranks */
  PaleoIdMap iteration_ids;   /* iteration number -> index in iterations */
  GArray *iterations;         /* PaleoScanIteration */
  PaleoIdMap link_ids;        /* link id -> index in links */
  GArray *links;              /* PaleoScanLink */
  guint64 n_tasks;
  guint64 n_comm_tasks;       /* schema 3: collective parts and transfers */
  guint64 n_transfers;        /* of which transfers (a p2p sub-lane) */
  uint32_t max_micro_batch;   /* micro-batches are labelled when > 0 */
  GArray *stage_of;           /* uint32_t per entry of workers: its pipeline stage (labels) */
};

#endif

/* `paleosim analyze`: why was training slow? A trace sink that accumulates, record by record,
 * what a replayed trace says about stragglers (who made the others wait), communication/
 * compute overlap (how much communication hid under compute) and link contention; then a
 * report in table, JSON or CSV form. State is per worker, per (worker, iteration) and per
 * link, never per task or flow: merged interval unions stand for the millions of tasks.
 * Definitions (all times from the trace, in ms in the report):
 *  - work(w, i): the time worker w needed for its own part of iteration i: the end of its
 *    last forward/backward task minus the iteration start when tasks are recorded, else
 *    iteration end − wait − start. The slowest worker of i has the largest work (ties: lowest
 *    rank); lag = its work − the median work of the iteration's workers. When lag > 0 the
 *    slowest worker is charged the waiting of the others (the sum of their wait_ns in i).
 *  - overlap: a worker's communication time is the union of the intervals of the flows it
 *    sends or receives (a flow endpoint node stands for the worker on it, or for every worker
 *    of a host node); hidden = its intersection with the union of the worker's task intervals;
 *    exposed = comm − hidden. Overall figures are sums over workers.
 *  - contention, per link, over the run span (first to last recorded time):
 *    utilization = Σ utilization·duration / span; contended_fraction = time with ≥ 2
 *    concurrent flows / span; mean_slowdown = Σ flows·utilization·duration /
 *    Σ utilization·duration, the byte-weighted mean number of flows sharing the link, which is
 *    the slowdown of a fair-shared flow against running alone where the link is its
 *    bottleneck (1 when the link never carried more than one flow, or no flow at all).
 *  - workers: per worker rank, its iteration records, the mean of their `slowdown` (compute
 *    time / nominal compute time, straggler models) and the sum of their wait.
 *  - staleness (traces with parameter-server updates: async-ps, ssp): over every update,
 *    mean, nearest-rank p50 and p99 (the value at rank ceil(q·n) of the sorted values),
 *    max, and the number of updates per staleness value.
 *  - critical_path: per iteration, the chain of tasks and waits whose lengths add up to
 *    the iteration time (output/critical_path.h). */
#ifndef PALEO_ANALYZE_H
#define PALEO_ANALYZE_H

#include <glib.h>
#include <stdint.h>

#include "engine/trace.h"
#include "output/critical_path.h"

typedef struct {
  uint32_t worker;
  double lag_ms;            /* mean lag over the iterations where it was the straggler */
  double caused_wait_ms;    /* others' waiting charged to it */
  guint slowest_iterations; /* iterations where it was the straggler (lag > 0) */
} PaleoStraggler;

typedef struct {
  uint32_t iteration;
  uint32_t slowest_worker;
  guint n_workers;          /* workers with a record of this iteration */
  double work_ms;           /* the slowest worker's work */
  double median_work_ms;
  double lag_ms;            /* work_ms − median_work_ms */
  double wait_ms;           /* all workers' waiting in this iteration */
} PaleoIterationLag;

typedef struct {
  uint32_t worker;          /* G_MAXUINT32 for the overall row */
  double comm_ms, hidden_ms, exposed_ms;
  double hidden_fraction;   /* hidden / comm, 0 without communication */
} PaleoOverlap;

typedef struct {
  uint32_t link;
  char *name;               /* owned */
  double utilization;       /* in [0, 1] */
  double contended_fraction;/* in [0, 1] */
  double mean_slowdown;     /* ≥ 1 */
  double busy_ms;           /* time with ≥ 1 flow */
  double contended_ms;      /* time with ≥ 2 flows */
} PaleoLinkContention;

typedef struct {
  uint32_t worker;
  guint64 iterations;       /* its iteration records (iterations completed) */
  double mean_slowdown;     /* mean of its iterations' slowdown; NAN when it has none */
  double wait_ms;           /* Σ its iterations' wait */
} PaleoWorkerSummary;

typedef struct {
  uint32_t staleness;
  guint64 updates;
} PaleoStalenessBin;

typedef struct {
  guint64 updates;          /* 0: no ps updates in the trace (every other field 0) */
  double mean;
  uint32_t p50, p99, max;   /* nearest rank */
  GArray *histogram;        /* PaleoStalenessBin, ascending staleness, non-empty bins only */
} PaleoStalenessSummary;

typedef struct {
  char *scenario_name;      /* owned, "" when the trace has none */
  char *version;            /* owned */
  char *status;             /* owned; "unknown" when not given */
  uint64_t seed;
  uint64_t first_ns, last_ns; /* run span: earliest and latest recorded time */
  guint n_workers;
  guint64 n_iteration_records, n_tasks, n_flows, n_link_usage, n_ps_updates;
  GArray *stragglers;       /* PaleoStraggler, most caused waiting first */
  double total_wait_ms;     /* Σ wait over every iteration record */
  GArray *iterations;       /* PaleoIterationLag, largest lag first */
  PaleoOverlap overlap;     /* overall */
  GArray *overlap_workers;  /* PaleoOverlap, most exposed first */
  GArray *links;            /* PaleoLinkContention, most contended first */
  GArray *workers;          /* PaleoWorkerSummary for every rank 0..n_workers-1, highest mean
                               slowdown first (no iterations first), then fewest iterations,
                               then rank */
  PaleoStalenessSummary staleness;
  GArray *critical_paths;   /* PaleoCriticalPath per iteration (output/critical_path.h) */
  gboolean task_graph;      /* the trace has task-graph dependencies (schema 3, sync) */
} PaleoAnalysisReport;

typedef enum {
  PALEO_REPORT_TABLE,
  PALEO_REPORT_JSON,
  PALEO_REPORT_CSV,
} PaleoReportFormat;

typedef struct PaleoAnalysis PaleoAnalysis;

PaleoAnalysis *paleo_analysis_new(void);
/* Also reachable as paleo_analysis_sink(a)->ops->free. */
void paleo_analysis_free(PaleoAnalysis *analysis);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoAnalysis, paleo_analysis_free)
/* Only iterations first..last get a critical path (default: all); call before the replay. */
void paleo_analysis_set_iterations(PaleoAnalysis *analysis, uint32_t first, uint32_t last);
/* The sink to replay a trace into (owned by the analysis). */
PaleoTraceSink *paleo_analysis_sink(PaleoAnalysis *analysis);

/* Computes the figures from what was received so far. status: the trace's run status (NULL:
 * the one passed to the sink's close, else "unknown"). */
PaleoAnalysisReport *paleo_analysis_report(const PaleoAnalysis *analysis, const char *status);
void paleo_analysis_report_free(PaleoAnalysisReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoAnalysisReport, paleo_analysis_report_free)

/* "table" | "json" | "csv"; FALSE when unknown. */
gboolean paleo_report_format_parse(const char *name, PaleoReportFormat *format_out);
/* Names of the report's tables, for `only_table`: "stragglers", "iterations", "overlap",
 * "links", "workers", "staleness", "staleness_histogram", "critical_path"; NULL-terminated. The two staleness
 * tables are left out of the full report when the trace has no ps updates, and the
 * stragglers and iterations tables when it has some (asynchronous runs). */
extern const char *const paleo_analysis_table_names[];
/* The report as text. top: at most this many rows per list (0 = all; the staleness histogram
 * is always whole). only_table: one of paleo_analysis_table_names for table/CSV output, NULL
 * for all (ignored for JSON). */
char *paleo_analysis_report_format(const PaleoAnalysisReport *report, PaleoReportFormat format,
                                   guint top, const char *only_table);

#endif

/* An in-memory trace sink: keeps every record it receives in arrays (strings copied), for
 * tests and small tools. Records are kept in arrival order; `status` is set by close. */
#ifndef PALEO_TRACE_MEM_H
#define PALEO_TRACE_MEM_H

#include <glib.h>

#include "engine/trace.h"

typedef struct {
  PaleoTraceSink base;      /* first: a PaleoTraceMem is a PaleoTraceSink */
  gboolean began;
  PaleoRunMeta meta;        /* strings owned by `strings` */
  GArray *entities;         /* PaleoEntityRecord; names owned by `strings` */
  GArray *links;            /* PaleoLinkRecord */
  GArray *layers;           /* PaleoLayerRecord */
  GArray *tasks;            /* PaleoTaskRecord */
  GArray *flows;            /* PaleoFlowRecord; collective owned by `strings` */
  GArray *iterations;       /* PaleoIterationRecord */
  GArray *link_usage;       /* PaleoLinkUsageRecord */
  GArray *ps_updates;       /* PaleoPsUpdateRecord */
  GArray *comm_tasks;       /* PaleoCommTaskRecord; collective owned by `strings` */
  GArray *task_deps;        /* PaleoTaskDepRecord */
  char *status;             /* owned; NULL until closed */
  GStringChunk *strings;    /* owns every string above */
} PaleoTraceMem;

/* A new empty sink; free with paleo_trace_mem_free or paleo_trace_sink_free(&mem->base). */
PaleoTraceMem *paleo_trace_mem_new(PaleoTraceLevel level);
void paleo_trace_mem_free(PaleoTraceMem *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTraceMem, paleo_trace_mem_free)

/* Sends every record of `mem` to `sink` in the replay order of paleo_trace_replay's
 * contract (begin, entities, links, layers, iterations, tasks, flows, link usage, ps
 * updates, comm tasks, task dependencies), each table in its stored order; skips NULL callbacks; does not close. */
gboolean paleo_trace_mem_replay(const PaleoTraceMem *mem, PaleoTraceSink *sink, GError **error);

/* TRUE when both hold the same records field by field (status included); otherwise FALSE
 * and, if diff_out is not NULL, a newly allocated description of the first difference. */
gboolean paleo_trace_mem_equal(const PaleoTraceMem *a, const PaleoTraceMem *b, char **diff_out);

#endif

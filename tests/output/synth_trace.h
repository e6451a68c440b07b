/* Test support for the trace tools (analyze, timeline, export): synthetic traces whose
 * answers are known by construction, replayed into any sink in the reader's order (each
 * table sorted by start time), or written to a real trace file. */
#ifndef PALEO_TEST_SYNTH_TRACE_H
#define PALEO_TEST_SYNTH_TRACE_H

#include <glib.h>

#include "engine/trace.h"

#define MS 1000000ull /* ns per ms */

typedef struct {
  char *scenario_name;
  GArray *entities, *links, *layers, *iterations, *tasks, *flows, *usage, *updates;
} SynthTrace;

SynthTrace *synth_new(const char *scenario_name);
void synth_free(SynthTrace *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SynthTrace, synth_free)

/* Record builders (names are static strings). */
void synth_entity(SynthTrace *t, uint32_t id, PaleoEntityKind kind, int32_t host, int32_t worker,
                  const char *name);
void synth_link(SynthTrace *t, uint32_t id, uint32_t src, uint32_t dst, double bw_bytes_per_s,
                const char *name);
/* An iteration at nominal speed (slowdown 1). */
void synth_iteration(SynthTrace *t, uint32_t worker, uint32_t iteration, uint64_t start_ns,
                     uint64_t end_ns, uint64_t wait_ns);
void synth_iteration_slowed(SynthTrace *t, uint32_t worker, uint32_t iteration,
                            uint64_t start_ns, uint64_t end_ns, uint64_t wait_ns, double slowdown);
void synth_ps_update(SynthTrace *t, uint32_t server, uint32_t worker, uint32_t iteration,
                     uint32_t staleness, uint64_t time_ns);
void synth_task(SynthTrace *t, uint32_t worker, uint32_t iteration, uint32_t layer,
                PaleoPhase phase, uint64_t start_ns, uint64_t end_ns);
void synth_flow(SynthTrace *t, uint32_t src, uint32_t dst, uint32_t iteration, uint64_t start_ns,
                uint64_t end_ns);
void synth_usage(SynthTrace *t, uint32_t link, uint64_t start_ns, uint64_t end_ns, uint32_t flows,
                 double utilization);

/* A synchronous data-parallel run: worker w on node w, hosts on nodes 100 + w / per_host,
 * one switch (node 200) with an uplink per host (link id = host index); per iteration each
 * worker runs `layers` forward tasks of fwd_ns then `layers` backward tasks of bwd_ns (both
 * × slow_factor for `slow_worker`), all meet at the barrier (the slowest compute end), then
 * a ring flow w -> w+1 of comm_ns (uplink usage: one flow, utilization 0.5), then an update
 * task of update_ns. wait = barrier − own compute end; slowdown = slow_factor for the slow
 * worker, 1 otherwise. Iterations follow back to back. */
typedef struct {
  guint workers, iterations, layers, per_host;
  uint64_t fwd_ns, bwd_ns, comm_ns, update_ns;
  int slow_worker;       /* -1: none */
  double slow_factor;
  gboolean with_tasks;   /* FALSE: iteration records only (trace level iterations) */
} SynthDataParallel;

SynthTrace *synth_data_parallel(const SynthDataParallel *spec);

/* Sends everything to `sink` in replay order (does not close); asserts success. */
void synth_replay(const SynthTrace *t, PaleoTraceSink *sink);
/* Writes a real trace file (format from the extension), closed "complete". */
void synth_write_file(const SynthTrace *t, const char *path);

#endif

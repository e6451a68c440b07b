/* Internal to workloads/train*.c: the base every trainer embeds first, and the pieces
 * every strategy shares (statistics, straggler draws, compute durations, trace records). */
#ifndef PALEO_TRAIN_INT_H
#define PALEO_TRAIN_INT_H

#include "workloads/train.h"

struct PaleoTrainer {
  const PaleoStrategy *strategy;
  PaleoEngine *engine;
  PaleoTrainStats stats;
  PaleoTraceSink *sink;   /* NULL once a write failed */
  GError *trace_error;    /* the failed write */
  const PaleoTrainCosts *costs;
  const PaleoStragglerModel *stragglers; /* config's, or own_stragglers */
  PaleoStragglerModel *own_stragglers;   /* when the config has none */
  PaleoRng *noise;        /* per worker noise stream */
  void (*free)(PaleoTrainer *trainer); /* frees the derived part (not the base) */
};

/* Fills the base: engine, sink, costs, stragglers (a neutral model when the config has
 * none), per-worker noise streams and the statistics arrays. */
void paleo_trainer_init(PaleoTrainer *trainer, const char *strategy, PaleoEngine *engine,
                        const PaleoTrainCosts *costs, const PaleoTrainConfig *config);
/* Call with the result of a sink callback that was given &trainer->trace_error; on
 * failure stops the engine and disables the sink. Returns `ok`. */
gboolean paleo_trainer_trace(PaleoTrainer *trainer, gboolean ok);
gboolean paleo_trainer_tracing(const PaleoTrainer *trainer, PaleoTraceLevel level);

/* The compute factor of the worker's next iteration (one draw of its noise stream). */
double paleo_trainer_draw_factor(PaleoTrainer *trainer, uint32_t worker);
/* round(ns x factor), saturating at 2^60 ns (a lognormal draw can be huge). */
uint64_t paleo_trainer_scaled(uint64_t ns, double factor);
/* When compute of nominal `nominal_ns` at `factor`, started at `start`, ends (pauses
 * included). */
PaleoTime paleo_trainer_compute_end(const PaleoTrainer *trainer, uint32_t worker, double factor, PaleoTime start,
                                    uint64_t nominal_ns);
/* Records the compute tasks of layers lo..hi (forward: ascending, backward: descending)
 * of one compute run that started at `start` with `factor`, clipped at `until` (a
 * cancelled run records what it did). No-op below PALEO_TRACE_LEVEL_TASKS. */
void paleo_trainer_trace_layers(PaleoTrainer *trainer, uint32_t worker, uint32_t iteration, double factor,
                                PaleoPhase phase, guint lo, guint hi, PaleoTime start, PaleoTime until);
/* Notes that the trainer did something now (its last such time is where a stall began). */
static inline void paleo_trainer_active(PaleoTrainer *trainer)
{
  trainer->stats.last_active_ns = paleo_engine_now(trainer->engine);
}
/* Records one iteration of one worker. */
void paleo_trainer_trace_iteration(PaleoTrainer *trainer, uint32_t worker, uint32_t iteration, PaleoTime start,
                                   PaleoTime end, uint64_t wait_ns, double slowdown);
/* Marks the target reached at `now`: stats.complete, and stops the engine when
 * `stop` (strategies whose workers would otherwise go on). */
void paleo_trainer_complete(PaleoTrainer *trainer, gboolean stop);

#endif

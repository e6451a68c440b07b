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

/* Per-worker time accounting of the iteration in progress, the same for every strategy:
 * compute (own tasks, stretched) and its nominal time, comm (time with own messages in
 * flight), split into hidden (while the worker's compute stream is busy) and exposed
 * (while it is idle). */
typedef struct {
  uint32_t inflight;      /* own messages in flight */
  gboolean computing;
  PaleoTime busy_since;   /* start of the current comm interval */
  uint64_t interval_exposed; /* exposed part of the current comm interval so far */
  PaleoTime idle_since;   /* when the compute stream last went idle */
  uint64_t compute, nominal, comm, hidden, exposed; /* this iteration's sums, ns */
} PaleoAccount;

/* Zeroes the iteration's sums (messages in flight stay counted). Inline: every message and
 * compute run of every strategy goes through these. */
static inline void paleo_account_new_iteration(PaleoAccount *a)
{
  a->compute = a->nominal = a->comm = a->hidden = a->exposed = 0;
}

static inline void paleo_account_comm_begin(PaleoAccount *a, PaleoTime now)
{
  if (a->inflight++ == 0) {
    a->busy_since = now;
    a->interval_exposed = 0;
  }
}

static inline void paleo_account_comm_end(PaleoAccount *a, PaleoTime now)
{
  g_assert(a->inflight > 0);
  if (--a->inflight)
    return;
  uint64_t exposed = a->interval_exposed + (a->computing ? 0 : now - MAX(a->busy_since, a->idle_since));
  a->comm += now - a->busy_since;
  a->exposed += exposed;
  a->hidden += now - a->busy_since - exposed;
}

static inline void paleo_account_compute_start(PaleoAccount *a, PaleoTime now)
{
  if (!a->computing && a->inflight)
    a->interval_exposed += now - MAX(a->busy_since, a->idle_since);
  a->computing = TRUE;
}

static inline void paleo_account_compute_stop(PaleoAccount *a, PaleoTime now)
{
  a->computing = FALSE;
  a->idle_since = now;
}


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
uint64_t paleo_trainer_scaled_slow(uint64_t ns, double factor);
/* round(ns x factor), saturating at 2^60 ns (a lognormal draw can be huge). */
static inline uint64_t paleo_trainer_scaled(uint64_t ns, double factor)
{
  return factor == 1.0 ? ns : paleo_trainer_scaled_slow(ns, factor);
}
/* When compute of nominal `nominal_ns` at `factor`, started at `start`, ends (pauses
 * included). Inline: every compute run of every strategy asks it. */
static inline PaleoTime paleo_trainer_compute_end(const PaleoTrainer *trainer, uint32_t worker, double factor,
                                                  PaleoTime start, uint64_t nominal_ns)
{
  uint64_t work = paleo_trainer_scaled(nominal_ns, factor);
  if (!trainer->stragglers->pause_every_ns)
    return start + work;
  return paleo_straggler_end_ns(trainer->stragglers, worker, start, work);
}
/* Schedules each worker's failure event (kind `fail_kind`) on entity first_entity + w,
 * for the workers the straggler model says fail; a failed worker is marked by
 * paleo_trainer_fail(). */
void paleo_trainer_schedule_failure(PaleoTrainer *trainer, uint32_t worker, uint32_t entity, uint32_t fail_kind);
/* Marks the worker failed now (stats.failed_at_ns). */
void paleo_trainer_fail(PaleoTrainer *trainer, uint32_t worker);
/* Records one flow of a collective or transfer (no-op below PALEO_TRACE_LEVEL_FLOWS). */
void paleo_trainer_trace_flow(PaleoTrainer *trainer, const PaleoFlowInfo *flow, uint64_t bytes, const char *collective,
                              int32_t bucket, uint32_t iteration, PaleoTime start);
/* The span of the next task of a compute run started at `start` with `factor`: `*cum` is
 * the nominal work before it (advanced by `cost`); the span is clipped at `until` (a
 * cancelled run records what it did). FALSE when the task never began before `until`. */
static inline gboolean paleo_trainer_task_span(const PaleoTrainer *t, uint32_t worker, double factor, PaleoTime start,
                                               PaleoTime until, uint64_t *cum, uint64_t cost, PaleoTime *a,
                                               PaleoTime *b)
{
  *a = paleo_trainer_compute_end(t, worker, factor, start, *cum);
  if (*a >= until && (cost || *a > until))
    return FALSE;
  *cum += cost;
  *b = MIN(paleo_trainer_compute_end(t, worker, factor, start, *cum), until);
  return TRUE;
}

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

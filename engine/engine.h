/* The discrete-event engine: simulated clock, event queue, entities with handler
 * tables, per-entity RNG streams and the run loop. Knows nothing about deep learning.
 *
 * Time is uint64_t nanoseconds. Events are ordered by (time, seq) where seq is a global
 * insertion counter, so ties resolve in insertion order and runs are deterministic. */
#ifndef PALEO_ENGINE_H
#define PALEO_ENGINE_H

#include <glib.h>
#include <stdint.h>

#include "engine/rng.h"

typedef uint64_t PaleoTime; /* nanoseconds */
#define PALEO_TIME_MAX UINT64_MAX

typedef struct PaleoEngine PaleoEngine;

/* A handle names one scheduled event; it goes stale once the event fires or is
 * cancelled (the slot's generation moves on), after which cancel/reschedule are no-ops. */
typedef struct {
  uint32_t slot;
  uint32_t gen; /* 0 never names a live event */
} PaleoEventHandle;

#define PALEO_EVENT_HANDLE_NONE ((PaleoEventHandle){0, 0})

/* What a handler receives. `kind`, `arg` and `data` mean whatever the entity class says. */
typedef struct {
  PaleoTime time;  /* ns */
  uint64_t seq;    /* insertion order */
  uint32_t entity; /* target entity id */
  uint32_t kind;   /* class-defined event type */
  uint64_t arg;    /* class-defined */
  void *data;      /* class-defined, not owned by the engine */
} PaleoEvent;

/* An entity class: the handler table shared by all entities of one kind. */
typedef struct {
  const char *name;
  void (*init)(PaleoEngine *engine, uint32_t entity, void *state);   /* may be NULL */
  void (*handle)(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *event);
  void (*finish)(PaleoEngine *engine, uint32_t entity, void *state); /* may be NULL */
} PaleoEntityClass;

typedef enum {
  PALEO_STOP_DONE,        /* queue empty: all work done */
  PALEO_STOP_TIME,        /* next event lies beyond the time limit */
  PALEO_STOP_EVENTS,      /* event-count limit reached */
  PALEO_STOP_REQUESTED,   /* paleo_engine_stop() was called (handler, signal) */
} PaleoStopReason;

/* A run stops at the first condition met, checked before each event (the stop request
 * after each event). Stopping on `until` advances the clock to `until`. */
typedef struct {
  PaleoTime until;     /* stop before events later than this; PALEO_TIME_MAX = none */
  uint64_t max_events; /* events to process in this call; 0 = no limit */
} PaleoRunLimits;

/* Called every `every_events` events with the current time and count. */
typedef void (*PaleoProgressFn)(PaleoEngine *engine, PaleoTime now, uint64_t events, void *user_data);

PaleoEngine *paleo_engine_new(uint64_t seed);
void paleo_engine_free(PaleoEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoEngine, paleo_engine_free)

/* Registers an entity; ids are dense, starting at 0. `state` is not owned. Its init runs
 * at the start of the next paleo_engine_run(), or at once when a run has already begun. */
uint32_t paleo_engine_add_entity(PaleoEngine *engine, const PaleoEntityClass *cls, void *state);
uint32_t paleo_engine_entity_count(const PaleoEngine *engine);

/* Schedules an event at absolute time `at` for entity `entity` (an id already added).
 * `at` < now or an unknown entity is a programming error: g_return_val_if_fail logs a
 * critical and PALEO_EVENT_HANDLE_NONE is returned. */
PaleoEventHandle paleo_engine_schedule(PaleoEngine *engine, PaleoTime at, uint32_t entity,
                                       uint32_t kind, uint64_t arg, void *data);
/* Returns FALSE (and does nothing) when the handle is stale. */
gboolean paleo_engine_cancel(PaleoEngine *engine, PaleoEventHandle handle);
/* Moves a pending event to time `at` (>= now, else a critical and FALSE); it gets a fresh
 * seq, so it sorts after events already scheduled at `at`. FALSE when stale. */
gboolean paleo_engine_reschedule(PaleoEngine *engine, PaleoEventHandle handle, PaleoTime at);
gboolean paleo_engine_handle_is_live(const PaleoEngine *engine, PaleoEventHandle handle);
/* OUT: the time a pending event is scheduled at. FALSE when the handle is stale. */
gboolean paleo_engine_event_time(const PaleoEngine *engine, PaleoEventHandle handle,
                                 PaleoTime *at);

PaleoTime paleo_engine_now(const PaleoEngine *engine);
uint64_t paleo_engine_events_processed(const PaleoEngine *engine);
uint64_t paleo_engine_pending(const PaleoEngine *engine);
uint64_t paleo_engine_seed(const PaleoEngine *engine);

/* The entity's own RNG stream, seeded with paleo_rng_seed(seed, entity id). The pointer
 * stays valid for the engine's lifetime. */
PaleoRng *paleo_engine_rng(PaleoEngine *engine, uint32_t entity);

void paleo_engine_set_progress(PaleoEngine *engine, PaleoProgressFn fn, void *user_data,
                               uint64_t every_events);
/* Runs init of every entity (once), then events until a stop condition; finish is run
 * by paleo_engine_finish(). Not re-entrant: a handler must not call it (asserted).
 * Can be called again to continue after a limit. */
PaleoStopReason paleo_engine_run(PaleoEngine *engine, const PaleoRunLimits *limits);
/* Requests the run loop to stop after the current event; async-signal-safe (it only sets
 * a volatile sig_atomic_t). The request is consumed when a run returns
 * PALEO_STOP_REQUESTED; one made between runs stops the next run before its first event. */
void paleo_engine_stop(PaleoEngine *engine);
/* Calls every entity's finish handler once (entities already finished are skipped). */
void paleo_engine_finish(PaleoEngine *engine);

#endif

/* The discrete-event engine: clock, entities, per-entity RNG streams and the run loop,
 * on top of the event queue (engine/queue.h). */
#include "engine/engine.h"

#include <signal.h>

#include "engine/queue.h"

#define RNG_CHUNK_BITS 8 /* RNG streams live in chunks so their addresses never move */
#define RNG_CHUNK (1u << RNG_CHUNK_BITS)

typedef struct {
  const PaleoEntityClass *cls;
  void *state; /* not owned */
} Entity;

struct PaleoEngine {
  PaleoQueue *queue;
  PaleoTime now;           /* ns */
  uint64_t events;         /* processed so far, all runs */
  uint64_t seed;
  Entity *entities;
  uint32_t entity_count;
  uint32_t entity_capacity;
  uint32_t initialized;    /* entities [0, initialized) have had init */
  uint32_t finished;       /* entities [0, finished) have had finish */
  gboolean started;        /* a run has begun: new entities get init at once */
  gboolean running;        /* inside paleo_engine_run (which is not re-entrant) */
  PaleoRng **rng_chunks;
  PaleoProgressFn progress;
  void *progress_data;
  uint64_t progress_every; /* 0 = never */
  uint64_t progress_countdown;
  volatile sig_atomic_t stop_requested;
};

static inline PaleoQueueHandle to_queue_handle(PaleoEventHandle handle)
{
  return (PaleoQueueHandle){.slot = handle.slot, .gen = handle.gen};
}

PaleoEngine *paleo_engine_new(uint64_t seed)
{
  PaleoEngine *engine = g_new0(PaleoEngine, 1);
  engine->queue = paleo_queue_new();
  engine->seed = seed;
  return engine;
}

void paleo_engine_free(PaleoEngine *engine)
{
  if (!engine)
    return;
  paleo_queue_free(engine->queue);
  for (uint32_t c = 0; c < (engine->entity_capacity >> RNG_CHUNK_BITS); c++)
    g_free(engine->rng_chunks[c]);
  g_free(engine->rng_chunks);
  g_free(engine->entities);
  g_free(engine);
}

static void grow_entities(PaleoEngine *engine)
{
  uint32_t old_chunks = engine->entity_capacity >> RNG_CHUNK_BITS;
  engine->entity_capacity = engine->entity_capacity ? engine->entity_capacity * 2 : RNG_CHUNK;
  engine->entities = g_renew(Entity, engine->entities, engine->entity_capacity);
  uint32_t chunks = engine->entity_capacity >> RNG_CHUNK_BITS;
  engine->rng_chunks = g_renew(PaleoRng *, engine->rng_chunks, chunks);
  for (uint32_t c = old_chunks; c < chunks; c++)
    engine->rng_chunks[c] = g_new(PaleoRng, RNG_CHUNK);
}

static inline PaleoRng *entity_rng(PaleoEngine *engine, uint32_t entity)
{
  return &engine->rng_chunks[entity >> RNG_CHUNK_BITS][entity & (RNG_CHUNK - 1)];
}

static void init_pending_entities(PaleoEngine *engine)
{
  while (engine->initialized < engine->entity_count) {
    uint32_t id = engine->initialized++;
    const Entity *e = &engine->entities[id];
    if (e->cls->init)
      e->cls->init(engine, id, e->state);
  }
}

uint32_t paleo_engine_add_entity(PaleoEngine *engine, const PaleoEntityClass *cls, void *state)
{
  g_return_val_if_fail(cls != NULL && cls->handle != NULL, UINT32_MAX);
  g_return_val_if_fail(engine->entity_count < UINT32_MAX - 1, UINT32_MAX);
  if (engine->entity_count == engine->entity_capacity)
    grow_entities(engine);
  uint32_t id = engine->entity_count++;
  engine->entities[id] = (Entity){.cls = cls, .state = state};
  paleo_rng_seed(entity_rng(engine, id), engine->seed, id);
  if (engine->started)
    init_pending_entities(engine);
  return id;
}

uint32_t paleo_engine_entity_count(const PaleoEngine *engine)
{
  return engine->entity_count;
}

PaleoEventHandle paleo_engine_schedule(PaleoEngine *engine, PaleoTime at, uint32_t entity,
                                       uint32_t kind, uint64_t arg, void *data)
{
  g_return_val_if_fail(at >= engine->now, PALEO_EVENT_HANDLE_NONE);
  g_return_val_if_fail(entity < engine->entity_count, PALEO_EVENT_HANDLE_NONE);
  PaleoQueueItem item = {.entity = entity, .kind = kind, .arg = arg, .data = data};
  PaleoQueueHandle h = paleo_queue_push(engine->queue, at, &item);
  return (PaleoEventHandle){.slot = h.slot, .gen = h.gen};
}

gboolean paleo_engine_cancel(PaleoEngine *engine, PaleoEventHandle handle)
{
  return paleo_queue_cancel(engine->queue, to_queue_handle(handle));
}

gboolean paleo_engine_reschedule(PaleoEngine *engine, PaleoEventHandle handle, PaleoTime at)
{
  g_return_val_if_fail(at >= engine->now, FALSE);
  return paleo_queue_rekey(engine->queue, to_queue_handle(handle), at);
}

gboolean paleo_engine_handle_is_live(const PaleoEngine *engine, PaleoEventHandle handle)
{
  return paleo_queue_is_live(engine->queue, to_queue_handle(handle));
}

gboolean paleo_engine_event_time(const PaleoEngine *engine, PaleoEventHandle handle,
                                 PaleoTime *at)
{
  uint64_t seq;
  return paleo_queue_key(engine->queue, to_queue_handle(handle), at, &seq);
}

PaleoTime paleo_engine_now(const PaleoEngine *engine)
{
  return engine->now;
}

uint64_t paleo_engine_events_processed(const PaleoEngine *engine)
{
  return engine->events;
}

uint64_t paleo_engine_pending(const PaleoEngine *engine)
{
  return paleo_queue_size(engine->queue);
}

uint64_t paleo_engine_seed(const PaleoEngine *engine)
{
  return engine->seed;
}

PaleoRng *paleo_engine_rng(PaleoEngine *engine, uint32_t entity)
{
  g_return_val_if_fail(entity < engine->entity_count, NULL);
  return entity_rng(engine, entity);
}

void paleo_engine_set_progress(PaleoEngine *engine, PaleoProgressFn fn, void *user_data,
                               uint64_t every_events)
{
  engine->progress = fn;
  engine->progress_data = user_data;
  engine->progress_every = fn ? every_events : 0;
  engine->progress_countdown = engine->progress_every;
}

/* Pops the next event, advances the clock and hands the event to its entity. */
static inline void dispatch_next(PaleoEngine *engine)
{
  PaleoQueueEntry entry;
  gboolean popped = paleo_queue_pop(engine->queue, &entry);
  g_assert(popped);
  g_assert(entry.time >= engine->now); /* time never goes backwards */
  engine->now = entry.time;
  engine->events++;
  PaleoEvent event = {
    .time = entry.time,
    .seq = entry.seq,
    .entity = entry.item.entity,
    .kind = entry.item.kind,
    .arg = entry.item.arg,
    .data = entry.item.data,
  };
  const Entity *e = &engine->entities[event.entity];
  e->cls->handle(engine, event.entity, e->state, &event);
}

static inline void report_progress(PaleoEngine *engine)
{
  if (engine->progress_every == 0 || --engine->progress_countdown > 0)
    return;
  engine->progress_countdown = engine->progress_every;
  engine->progress(engine, engine->now, engine->events, engine->progress_data);
}

static PaleoStopReason run_loop(PaleoEngine *engine, PaleoTime until, uint64_t max_events)
{
  for (uint64_t done = 0;; done++) {
    if (engine->stop_requested) {
      engine->stop_requested = 0;
      return PALEO_STOP_REQUESTED;
    }
    PaleoTime next;
    if (!paleo_queue_peek_time(engine->queue, &next))
      return PALEO_STOP_DONE;
    if (next > until) {
      if (until > engine->now)
        engine->now = until;
      return PALEO_STOP_TIME;
    }
    if (done == max_events)
      return PALEO_STOP_EVENTS;
    dispatch_next(engine);
    report_progress(engine);
  }
}

PaleoStopReason paleo_engine_run(PaleoEngine *engine, const PaleoRunLimits *limits)
{
  g_assert(!engine->running); /* a handler must not call run */
  PaleoTime until = limits ? limits->until : PALEO_TIME_MAX;
  uint64_t max_events = limits && limits->max_events ? limits->max_events : UINT64_MAX;
  engine->running = TRUE;
  engine->started = TRUE;
  init_pending_entities(engine);
  PaleoStopReason reason = run_loop(engine, until, max_events);
  engine->running = FALSE;
  return reason;
}

void paleo_engine_stop(PaleoEngine *engine)
{
  engine->stop_requested = 1;
}

void paleo_engine_finish(PaleoEngine *engine)
{
  while (engine->finished < engine->entity_count) {
    uint32_t id = engine->finished++;
    const Entity *e = &engine->entities[id];
    if (e->cls->finish)
      e->cls->finish(engine, id, e->state);
  }
}

/* Hold-model benchmark of the event engine: pop the least event, push one at
 * now + Exp(mean), with N events pending. Runs the engine's full path (queue pool, handles,
 * dispatch to an entity handler that re-schedules) and a bare binary heap of 24-byte
 * records in the same process, and prints one line per size:
 *   hold pending=N engine_mops=X bare_mops=Y ratio=Z      (ratio = bare / engine)
 * Each figure is the best of ROUNDS timed rounds of 1e6 x SCALE operations, engine and bare
 * rounds alternating, after a warm-up of N operations.
 * Optional argument: a scale factor for the operation counts (default 1). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "engine/rng.h"

#define MEAN_INCREMENT_NS 1e6
#define ROUNDS 5
#define SEED 12345

/* ---- the bare reference: a binary min-heap of (time, seq, payload) ---- */

typedef struct {
  uint64_t time;
  uint64_t seq;
  uint64_t payload;
} BareRecord;

typedef struct {
  BareRecord *a;
  size_t size;
  uint64_t next_seq;
} BareHeap;

static inline int bare_less(const BareRecord *x, const BareRecord *y)
{
  return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static inline void bare_push(BareHeap *h, uint64_t time, uint64_t payload)
{
  BareRecord r = {time, h->next_seq++, payload};
  size_t i = h->size++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!bare_less(&r, &h->a[p]))
      break;
    h->a[i] = h->a[p];
    i = p;
  }
  h->a[i] = r;
}

static inline BareRecord bare_pop(BareHeap *h)
{
  BareRecord top = h->a[0];
  BareRecord last = h->a[--h->size];
  size_t i = 0, n = h->size;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && bare_less(&h->a[c + 1], &h->a[c]))
      c++;
    if (!bare_less(&h->a[c], &last))
      break;
    h->a[i] = h->a[c];
    i = c;
  }
  h->a[i] = last;
  return top;
}

static uint64_t increment_ns(PaleoRng *rng)
{
  return (uint64_t)paleo_rng_exponential(rng, MEAN_INCREMENT_NS);
}

static void bare_hold(BareHeap *h, PaleoRng *rng, uint64_t ops)
{
  for (uint64_t i = 0; i < ops; i++) {
    BareRecord r = bare_pop(h);
    bare_push(h, r.time + increment_ns(rng), r.payload + 1);
  }
}

static void bare_fill(BareHeap *h, PaleoRng *rng, size_t pending)
{
  h->a = g_new(BareRecord, pending + 1);
  for (size_t i = 0; i < pending; i++)
    bare_push(h, increment_ns(rng), i);
  bare_hold(h, rng, pending); /* warm-up */
}

/* ---- the engine: one entity whose handler re-schedules every event it receives ---- */

static void hold_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *event)
{
  (void)state;
  PaleoRng *rng = paleo_engine_rng(engine, entity);
  paleo_engine_schedule(engine, event->time + increment_ns(rng), entity, event->kind,
                        event->arg + 1, event->data);
}

static const PaleoEntityClass hold_class = {.name = "hold", .handle = hold_handle};

static PaleoEngine *engine_fill(size_t pending)
{
  PaleoEngine *engine = paleo_engine_new(SEED);
  uint32_t id = paleo_engine_add_entity(engine, &hold_class, NULL);
  PaleoRng *rng = paleo_engine_rng(engine, id);
  for (size_t i = 0; i < pending; i++)
    paleo_engine_schedule(engine, increment_ns(rng), id, 0, i, NULL);
  PaleoRunLimits warm_up = {.until = PALEO_TIME_MAX, .max_events = pending};
  g_assert(paleo_engine_run(engine, &warm_up) == PALEO_STOP_EVENTS);
  return engine;
}

static double engine_hold_mops(PaleoEngine *engine, uint64_t ops)
{
  uint64_t pending = paleo_engine_pending(engine);
  PaleoRunLimits limits = {.until = PALEO_TIME_MAX, .max_events = ops};
  gint64 t0 = g_get_monotonic_time();
  PaleoStopReason reason = paleo_engine_run(engine, &limits);
  double mops = (double)ops / (double)(g_get_monotonic_time() - t0);
  g_assert(reason == PALEO_STOP_EVENTS);
  g_assert(paleo_engine_pending(engine) == pending);
  return mops;
}

static double bare_hold_mops(BareHeap *h, PaleoRng *rng, uint64_t ops)
{
  gint64 t0 = g_get_monotonic_time();
  bare_hold(h, rng, ops);
  return (double)ops / (double)(g_get_monotonic_time() - t0);
}

/* Alternates engine and bare rounds so that machine noise hits both alike. */
static void measure(size_t pending, uint64_t ops)
{
  g_autoptr(PaleoEngine) engine = engine_fill(pending);
  BareHeap bare = {0};
  PaleoRng rng;
  paleo_rng_seed(&rng, SEED, 0);
  bare_fill(&bare, &rng, pending);
  double best_engine = 0, best_bare = 0;
  for (int round = 0; round < ROUNDS; round++) {
    best_engine = MAX(best_engine, engine_hold_mops(engine, ops));
    best_bare = MAX(best_bare, bare_hold_mops(&bare, &rng, ops));
  }
  g_free(bare.a);
  printf("hold pending=%zu engine_mops=%.2f bare_mops=%.2f ratio=%.2f\n", pending, best_engine,
         best_bare, best_bare / best_engine);
  fflush(stdout);
}

int main(int argc, char **argv)
{
  double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
  if (!(scale > 0)) {
    fprintf(stderr, "usage: %s [SCALE > 0]\n", argv[0]);
    return 2;
  }
  static const size_t sizes[] = {1000, 100000, 1000000};
  uint64_t ops = MAX((uint64_t)(1e6 * scale), 1);
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++)
    measure(sizes[i], ops);
  return 0;
}

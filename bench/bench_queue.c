/* Hold-model benchmark of the event engine: pop the least event, push one at
 * now + Exp(mean), with N events pending. Runs the engine's full path (queue pool, handles,
 * dispatch to an entity handler that re-schedules) and a bare binary heap of 24-byte
 * records in the same process, and prints one line per size:
 *   hold pending=N engine_mops=X bare_mops=Y ratio=Z      (ratio = bare / engine)
 * Each figure is the best of several timed rounds after a warm-up of N operations.
 * Optional argument: a scale factor for the operation counts (default 1). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "engine/rng.h"

#define MEAN_INCREMENT_NS 1e6
#define ROUNDS 3
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

static double bare_mops(size_t pending, uint64_t ops)
{
  BareHeap h = {.a = g_new(BareRecord, pending + 1)};
  PaleoRng rng;
  paleo_rng_seed(&rng, SEED, 0);
  for (size_t i = 0; i < pending; i++)
    bare_push(&h, increment_ns(&rng), i);
  bare_hold(&h, &rng, pending); /* warm-up */
  double best = 0;
  for (int round = 0; round < ROUNDS; round++) {
    gint64 t0 = g_get_monotonic_time();
    bare_hold(&h, &rng, ops);
    double mops = (double)ops / (double)(g_get_monotonic_time() - t0);
    best = mops > best ? mops : best;
  }
  g_free(h.a);
  return best;
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

static double engine_mops(size_t pending, uint64_t ops)
{
  g_autoptr(PaleoEngine) engine = paleo_engine_new(SEED);
  uint32_t id = paleo_engine_add_entity(engine, &hold_class, NULL);
  PaleoRng *rng = paleo_engine_rng(engine, id);
  for (size_t i = 0; i < pending; i++)
    paleo_engine_schedule(engine, increment_ns(rng), id, 0, i, NULL);
  PaleoRunLimits limits = {.until = PALEO_TIME_MAX, .max_events = pending}; /* warm-up */
  g_assert(paleo_engine_run(engine, &limits) == PALEO_STOP_EVENTS);
  limits.max_events = ops;
  double best = 0;
  for (int round = 0; round < ROUNDS; round++) {
    gint64 t0 = g_get_monotonic_time();
    PaleoStopReason reason = paleo_engine_run(engine, &limits);
    double mops = (double)ops / (double)(g_get_monotonic_time() - t0);
    g_assert(reason == PALEO_STOP_EVENTS);
    g_assert(paleo_engine_pending(engine) == pending);
    best = mops > best ? mops : best;
  }
  return best;
}

int main(int argc, char **argv)
{
  double scale = argc > 1 ? strtod(argv[1], NULL) : 1.0;
  if (!(scale > 0)) {
    fprintf(stderr, "usage: %s [SCALE > 0]\n", argv[0]);
    return 2;
  }
  static const size_t sizes[] = {1000, 100000, 1000000};
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
    uint64_t ops = (uint64_t)(2e6 * scale);
    if (ops == 0)
      ops = 1;
    double engine = engine_mops(sizes[i], ops);
    double bare = bare_mops(sizes[i], ops);
    printf("hold pending=%zu engine_mops=%.2f bare_mops=%.2f ratio=%.2f\n", sizes[i], engine,
           bare, bare / engine);
    fflush(stdout);
  }
  return 0;
}

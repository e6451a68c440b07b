/* Tests of the engine: determinism of whole runs (event-sequence hash), ties in insertion
 * order, stale handles, reschedule, the stop conditions (time, event count, all work
 * done, stop request from a handler and from a signal), the progress callback,
 * init/finish, per-entity RNG streams and refusal of scheduling in the past. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>

#include "engine/engine.h"

/* ---- a recording entity: appends every event it receives to a GArray ---- */

static void record_handle(PaleoEngine *engine, uint32_t entity, void *state,
                          const PaleoEvent *event)
{
  (void)engine;
  (void)entity;
  g_array_append_val((GArray *)state, *event);
}

static const PaleoEntityClass record_class = {.name = "record", .handle = record_handle};

static GArray *new_log(void)
{
  return g_array_new(FALSE, FALSE, sizeof(PaleoEvent));
}

static const PaleoEvent *log_at(GArray *log, guint i)
{
  return &g_array_index(log, PaleoEvent, i);
}

/* ---- a gossip model for determinism: every event schedules another at a random entity
 * after a random delay (many ties), and timers are cancelled and re-keyed at random ---- */

#define GOSSIP_ENTITIES 16

typedef struct {
  PaleoEventHandle timer[GOSSIP_ENTITIES];
  uint64_t hash; /* FNV-1a over every dispatched event */
} Gossip;

static void hash_u64(uint64_t *hash, uint64_t value)
{
  for (int i = 0; i < 8; i++) {
    *hash ^= (value >> (8 * i)) & 0xff;
    *hash *= 0x100000001b3ULL;
  }
}

static void gossip_handle(PaleoEngine *engine, uint32_t id, void *state, const PaleoEvent *ev)
{
  Gossip *g = state;
  hash_u64(&g->hash, ev->time);
  hash_u64(&g->hash, ev->seq);
  hash_u64(&g->hash, ev->entity);
  hash_u64(&g->hash, ev->kind);
  hash_u64(&g->hash, ev->arg);
  PaleoRng *rng = paleo_engine_rng(engine, id);
  PaleoTime now = paleo_engine_now(engine);
  uint32_t target = (uint32_t)(paleo_rng_u64(rng) % GOSSIP_ENTITIES);
  PaleoTime delay = paleo_rng_u64(rng) % 2 ? 10 * (paleo_rng_u64(rng) % 4)
                                           : (PaleoTime)paleo_rng_exponential(rng, 100.0);
  paleo_engine_schedule(engine, now + delay, target, 0, paleo_rng_u64(rng), NULL);
  uint64_t r = paleo_rng_u64(rng) % 8;
  if (r == 0 && !paleo_engine_cancel(engine, g->timer[id]))
    g->timer[id] = paleo_engine_schedule(engine, now + 50, id, 1, id, NULL);
  else if (r == 1)
    paleo_engine_reschedule(engine, g->timer[id], now + paleo_rng_u64(rng) % 100);
}

static const PaleoEntityClass gossip_class = {.name = "gossip", .handle = gossip_handle};

static uint64_t gossip_run(uint64_t seed, uint64_t events)
{
  g_autoptr(PaleoEngine) engine = paleo_engine_new(seed);
  Gossip g = {.hash = 0xcbf29ce484222325ULL};
  for (uint32_t i = 0; i < GOSSIP_ENTITIES; i++)
    paleo_engine_add_entity(engine, &gossip_class, &g);
  for (uint32_t i = 0; i < GOSSIP_ENTITIES; i++)
    paleo_engine_schedule(engine, 0, i, 0, i, NULL);
  PaleoRunLimits limits = {.until = PALEO_TIME_MAX, .max_events = events};
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_EVENTS);
  assert_true(paleo_engine_events_processed(engine) == events);
  return g.hash;
}

static void test_determinism(void **state)
{
  (void)state;
  uint64_t a = gossip_run(42, 100000);
  assert_true(a == gossip_run(42, 100000));
  assert_true(a != gossip_run(43, 100000));
  assert_true(gossip_run(7, 50000) == gossip_run(7, 50000));
}

static void test_ties_in_insertion_order(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t a = paleo_engine_add_entity(engine, &record_class, log);
  uint32_t b = paleo_engine_add_entity(engine, &record_class, log);
  assert_int_equal(a, 0);
  assert_int_equal(b, 1);
  for (uint64_t i = 0; i < 10; i++)
    paleo_engine_schedule(engine, i % 2 ? 5 : 3, i % 2 ? a : b, (uint32_t)i, i, NULL);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  assert_int_equal(log->len, 10);
  for (guint i = 0; i < 10; i++) {
    uint64_t expected = i < 5 ? 2 * i : 2 * (i - 5) + 1; /* evens at 3, odds at 5 */
    assert_true(log_at(log, i)->arg == expected);
    assert_int_equal(log_at(log, i)->kind, expected);
    assert_int_equal(log_at(log, i)->entity, expected % 2 ? a : b);
    assert_true(log_at(log, i)->time == (i < 5 ? 3u : 5u));
    if (i > 0)
      assert_true(log_at(log, i)->seq > log_at(log, i - 1)->seq || log_at(log, i)->time > 3);
  }
  assert_true(paleo_engine_now(engine) == 5);
}

static void test_stale_handles_harmless(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t e = paleo_engine_add_entity(engine, &record_class, log);
  assert_false(paleo_engine_handle_is_live(engine, PALEO_EVENT_HANDLE_NONE));
  assert_false(paleo_engine_cancel(engine, PALEO_EVENT_HANDLE_NONE));
  assert_false(paleo_engine_reschedule(engine, PALEO_EVENT_HANDLE_NONE, 10));
  PaleoEventHandle fired = paleo_engine_schedule(engine, 10, e, 0, 1, NULL);
  PaleoEventHandle cancelled = paleo_engine_schedule(engine, 20, e, 0, 2, NULL);
  PaleoEventHandle kept = paleo_engine_schedule(engine, 30, e, 0, 3, NULL);
  assert_true(paleo_engine_handle_is_live(engine, fired));
  assert_true(paleo_engine_cancel(engine, cancelled));
  assert_false(paleo_engine_cancel(engine, cancelled)); /* double cancel */
  assert_false(paleo_engine_reschedule(engine, cancelled, 40));
  PaleoRunLimits limits = {.until = 15, .max_events = 0};
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_TIME);
  assert_false(paleo_engine_handle_is_live(engine, fired));
  assert_false(paleo_engine_cancel(engine, fired)); /* cancel after fire */
  assert_false(paleo_engine_reschedule(engine, fired, 50));
  /* a new event reuses a freed slot; the stale handles must not reach it */
  PaleoEventHandle fresh = paleo_engine_schedule(engine, 35, e, 0, 4, NULL);
  assert_false(paleo_engine_cancel(engine, fired));
  assert_false(paleo_engine_cancel(engine, cancelled));
  assert_true(paleo_engine_handle_is_live(engine, fresh));
  assert_true(paleo_engine_handle_is_live(engine, kept));
  assert_true(paleo_engine_pending(engine) == 2);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  assert_int_equal(log->len, 3);
  assert_true(log_at(log, 0)->arg == 1 && log_at(log, 1)->arg == 3 && log_at(log, 2)->arg == 4);
}

static void test_reschedule(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t e = paleo_engine_add_entity(engine, &record_class, log);
  PaleoEventHandle a = paleo_engine_schedule(engine, 100, e, 0, 1, NULL);
  PaleoEventHandle b = paleo_engine_schedule(engine, 200, e, 0, 2, NULL);
  paleo_engine_schedule(engine, 150, e, 0, 3, NULL);
  assert_true(paleo_engine_reschedule(engine, a, 300)); /* later */
  assert_true(paleo_engine_reschedule(engine, b, 50));  /* earlier */
  PaleoTime at = 0;
  assert_true(paleo_engine_event_time(engine, a, &at));
  assert_true(at == 300);
  assert_true(paleo_engine_event_time(engine, b, &at));
  assert_true(at == 50);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  assert_int_equal(log->len, 3);
  assert_true(log_at(log, 0)->arg == 2 && log_at(log, 0)->time == 50);
  assert_true(log_at(log, 1)->arg == 3 && log_at(log, 1)->time == 150);
  assert_true(log_at(log, 2)->arg == 1 && log_at(log, 2)->time == 300);
  assert_false(paleo_engine_event_time(engine, a, &at));
}

static int criticals;

static void count_criticals(const gchar *domain, GLogLevelFlags level, const gchar *message,
                            gpointer user_data)
{
  (void)domain;
  (void)message;
  (void)user_data;
  if (level & G_LOG_LEVEL_CRITICAL)
    criticals++;
}

/* Scheduling before now is a programming error: refused with a critical, nothing queued. */
static void test_past_is_refused(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t e = paleo_engine_add_entity(engine, &record_class, log);
  PaleoEventHandle h = paleo_engine_schedule(engine, 100, e, 0, 0, NULL);
  PaleoRunLimits limits = {.until = 50, .max_events = 0};
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_TIME);
  assert_true(paleo_engine_now(engine) == 50); /* the clock moved to the limit */
  GLogFunc old = g_log_set_default_handler(count_criticals, NULL);
  criticals = 0;
  PaleoEventHandle past = paleo_engine_schedule(engine, 49, e, 0, 0, NULL);
  assert_false(paleo_engine_reschedule(engine, h, 10));
  assert_false(paleo_engine_handle_is_live(engine, past));
  /* an unknown entity is refused too */
  assert_false(paleo_engine_handle_is_live(engine, paleo_engine_schedule(engine, 60, 9, 0, 0, NULL)));
  g_log_set_default_handler(old, NULL);
  assert_int_equal(criticals, 3);
  assert_true(paleo_engine_pending(engine) == 1);
  assert_true(paleo_engine_event_time(engine, h, &(PaleoTime){0}));
  assert_true(paleo_engine_schedule(engine, 50, e, 0, 0, NULL).gen != 0); /* now is fine */
}

static void test_event_limit_and_continue(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t e = paleo_engine_add_entity(engine, &record_class, log);
  for (int i = 1; i <= 5; i++)
    paleo_engine_schedule(engine, (PaleoTime)i * 10, e, 0, 0, NULL);
  PaleoRunLimits limits = {.until = PALEO_TIME_MAX, .max_events = 2};
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_EVENTS);
  assert_int_equal(log->len, 2);
  assert_true(paleo_engine_now(engine) == 20);
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_EVENTS); /* per call */
  assert_int_equal(log->len, 4);
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_DONE);
  assert_int_equal(log->len, 5);
  assert_true(paleo_engine_events_processed(engine) == 5);
  assert_true(paleo_engine_now(engine) == 50);
}

static void test_time_limit(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t e = paleo_engine_add_entity(engine, &record_class, log);
  for (int i = 1; i <= 3; i++)
    paleo_engine_schedule(engine, (PaleoTime)i * 10, e, 0, 0, NULL);
  PaleoRunLimits limits = {.until = 20, .max_events = 0};
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_TIME); /* 20 included */
  assert_int_equal(log->len, 2);
  assert_true(paleo_engine_now(engine) == 20);
  limits.until = 25;
  assert_int_equal(paleo_engine_run(engine, &limits), PALEO_STOP_TIME);
  assert_true(paleo_engine_now(engine) == 25);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  assert_int_equal(log->len, 3);
}

/* ---- stop requests: from a handler, from a signal handler, and between runs ---- */

static PaleoEngine *signal_target;

static void on_sigusr1(int signo)
{
  (void)signo;
  paleo_engine_stop(signal_target);
}

typedef struct {
  uint64_t stop_at; /* arg that triggers the stop */
  gboolean use_signal;
  uint64_t seen;
} Stopper;

static void stopper_handle(PaleoEngine *engine, uint32_t id, void *state, const PaleoEvent *ev)
{
  Stopper *s = state;
  s->seen++;
  paleo_engine_schedule(engine, ev->time + 1, id, 0, ev->arg + 1, NULL); /* never runs dry */
  if (ev->arg != s->stop_at)
    return;
  if (s->use_signal)
    raise(SIGUSR1);
  else
    paleo_engine_stop(engine);
}

static const PaleoEntityClass stopper_class = {.name = "stopper", .handle = stopper_handle};

static void check_stop(gboolean use_signal)
{
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  Stopper s = {.stop_at = 7, .use_signal = use_signal};
  uint32_t e = paleo_engine_add_entity(engine, &stopper_class, &s);
  paleo_engine_schedule(engine, 0, e, 0, 0, NULL);
  signal_target = engine;
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_REQUESTED);
  assert_true(s.seen == 8); /* stops after the event that asked */
  assert_true(paleo_engine_now(engine) == 7);
  s.stop_at = 20; /* the request was consumed: the next run goes on */
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_REQUESTED);
  assert_true(s.seen == 21);
  paleo_engine_stop(engine); /* between runs: the next run stops before any event */
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_REQUESTED);
  assert_true(s.seen == 21);
  signal_target = NULL;
}

static void test_stop_from_handler(void **state)
{
  (void)state;
  check_stop(FALSE);
}

static void test_stop_from_signal(void **state)
{
  (void)state;
  struct sigaction sa = {.sa_handler = on_sigusr1}, old;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
  check_stop(TRUE);
  sigaction(SIGUSR1, &old, NULL);
}

typedef struct {
  GArray *times;  /* PaleoTime at each call */
  GArray *counts; /* events at each call */
} ProgressLog;

static void on_progress(PaleoEngine *engine, PaleoTime now, uint64_t events, void *user_data)
{
  ProgressLog *p = user_data;
  assert_true(now == paleo_engine_now(engine));
  g_array_append_val(p->times, now);
  g_array_append_val(p->counts, events);
}

static void test_progress_callback(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  g_autoptr(GArray) log = new_log();
  uint32_t e = paleo_engine_add_entity(engine, &record_class, log);
  for (int i = 1; i <= 10; i++)
    paleo_engine_schedule(engine, (PaleoTime)i * 100, e, 0, 0, NULL);
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(PaleoTime));
  g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  ProgressLog p = {times, counts};
  paleo_engine_set_progress(engine, on_progress, &p, 3);
  PaleoRunLimits limits = {.until = PALEO_TIME_MAX, .max_events = 4};
  paleo_engine_run(engine, &limits); /* the count carries across runs */
  paleo_engine_run(engine, NULL);
  assert_int_equal(counts->len, 3);
  for (guint i = 0; i < 3; i++) {
    assert_true(g_array_index(counts, uint64_t, i) == 3 * (i + 1));
    assert_true(g_array_index(times, PaleoTime, i) == 300 * (i + 1));
  }
}

typedef struct {
  GString *calls;
  gboolean spawn; /* entity 0 adds another entity from its first event */
} Lifecycle;

static void life_init(PaleoEngine *engine, uint32_t id, void *state)
{
  (void)engine;
  g_string_append_printf(((Lifecycle *)state)->calls, "i%u ", id);
}

static void life_finish(PaleoEngine *engine, uint32_t id, void *state)
{
  (void)engine;
  g_string_append_printf(((Lifecycle *)state)->calls, "f%u ", id);
}

static void life_handle(PaleoEngine *engine, uint32_t id, void *state, const PaleoEvent *ev);

static const PaleoEntityClass life_class = {
  .name = "life", .init = life_init, .handle = life_handle, .finish = life_finish};

static void life_handle(PaleoEngine *engine, uint32_t id, void *state, const PaleoEvent *ev)
{
  (void)ev;
  Lifecycle *l = state;
  g_string_append_printf(l->calls, "h%u ", id);
  if (l->spawn) {
    l->spawn = FALSE;
    paleo_engine_add_entity(engine, &life_class, l); /* init runs at once */
  }
}

static void test_init_and_finish_once(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(1);
  Lifecycle l = {.calls = g_string_new(NULL), .spawn = TRUE};
  paleo_engine_add_entity(engine, &life_class, &l);
  paleo_engine_add_entity(engine, &life_class, &l);
  assert_int_equal(paleo_engine_entity_count(engine), 2);
  assert_string_equal(l.calls->str, ""); /* init waits for the run */
  paleo_engine_schedule(engine, 1, 0, 0, 0, NULL);
  paleo_engine_schedule(engine, 2, 1, 0, 0, NULL);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  assert_int_equal(paleo_engine_run(engine, NULL), PALEO_STOP_DONE);
  paleo_engine_finish(engine);
  paleo_engine_finish(engine);
  assert_string_equal(l.calls->str, "i0 i1 h0 i2 h1 f0 f1 f2 ");
  g_string_free(l.calls, TRUE);
}

static void test_entity_rng_streams(void **state)
{
  (void)state;
  g_autoptr(PaleoEngine) engine = paleo_engine_new(77);
  g_autoptr(GArray) log = new_log();
  PaleoRng *first = NULL;
  for (uint32_t i = 0; i < 600; i++) { /* past one RNG chunk: pointers must stay put */
    uint32_t id = paleo_engine_add_entity(engine, &record_class, log);
    if (i == 0)
      first = paleo_engine_rng(engine, id);
  }
  assert_ptr_equal(first, paleo_engine_rng(engine, 0));
  assert_true(paleo_engine_seed(engine) == 77);
  for (uint32_t id = 0; id < 600; id += 37) {
    PaleoRng expected;
    paleo_rng_seed(&expected, 77, id);
    assert_true(paleo_rng_u64(paleo_engine_rng(engine, id)) == paleo_rng_u64(&expected));
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_determinism),
    cmocka_unit_test(test_ties_in_insertion_order),
    cmocka_unit_test(test_stale_handles_harmless),
    cmocka_unit_test(test_reschedule),
    cmocka_unit_test(test_past_is_refused),
    cmocka_unit_test(test_event_limit_and_continue),
    cmocka_unit_test(test_time_limit),
    cmocka_unit_test(test_stop_from_handler),
    cmocka_unit_test(test_stop_from_signal),
    cmocka_unit_test(test_progress_callback),
    cmocka_unit_test(test_init_and_finish_once),
    cmocka_unit_test(test_entity_rng_streams),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

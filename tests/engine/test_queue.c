/* Tests of the event queue alone: random push / pop / cancel / re-key with many ties,
 * checked step by step against a sorted reference (a GSequence ordered by (time, seq));
 * insertion order of ties; stale handles; renumbering of the internal tie counter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib.h>

#include "engine/queue.h"
#include "engine/rng.h"

#if defined(__SANITIZE_ADDRESS__)
#define OPS_PER_SEED 300000 /* sanitizers make each operation several times slower */
#else
#define OPS_PER_SEED 1000000
#endif

/* ---- the sorted reference ---- */

typedef struct {
  uint64_t time;
  uint64_t seq;
  uint64_t id;               /* carried as the item's arg */
  PaleoQueueHandle handle;
  GSequenceIter *iter;
  guint live_index;          /* index in Model.live */
} RefEvent;

typedef struct {
  PaleoQueue *queue;
  GSequence *sorted;         /* of RefEvent*, by (time, seq) */
  GPtrArray *live;           /* the same events, in no particular order, for random picks */
  GArray *stale;             /* PaleoQueueHandle of popped / cancelled events */
  PaleoRng rng;
  uint64_t now;              /* time of the last pop */
  uint64_t next_id;
  uint64_t tie_span;         /* new times are now + [0, tie_span) */
} Model;

static gint ref_compare(gconstpointer a, gconstpointer b, gpointer user_data)
{
  (void)user_data;
  const RefEvent *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t pick(Model *m, uint64_t n)
{
  return paleo_rng_u64(&m->rng) % n;
}

static void model_init(Model *m, uint64_t seed, uint64_t tie_span)
{
  *m = (Model){.queue = paleo_queue_new(),
               .sorted = g_sequence_new(g_free),
               .live = g_ptr_array_new(),
               .stale = g_array_new(FALSE, FALSE, sizeof(PaleoQueueHandle)),
               .tie_span = tie_span};
  paleo_rng_seed(&m->rng, seed, 0);
}

static void model_clear(Model *m)
{
  paleo_queue_free(m->queue);
  g_sequence_free(m->sorted);
  g_ptr_array_free(m->live, TRUE);
  g_array_free(m->stale, TRUE);
}

static void live_remove(Model *m, RefEvent *ev)
{
  guint i = ev->live_index;
  RefEvent *last = g_ptr_array_index(m->live, m->live->len - 1);
  last->live_index = i;
  g_ptr_array_index(m->live, i) = last;
  g_ptr_array_set_size(m->live, m->live->len - 1);
}

static void retire(Model *m, RefEvent *ev)
{
  g_array_append_val(m->stale, ev->handle);
  live_remove(m, ev);
  g_sequence_remove(ev->iter); /* frees ev */
}

static void do_push(Model *m)
{
  RefEvent *ev = g_new0(RefEvent, 1);
  ev->time = m->now + pick(m, m->tie_span);
  ev->seq = paleo_queue_next_seq(m->queue);
  ev->id = m->next_id++;
  PaleoQueueItem item = {.entity = (uint32_t)ev->id, .kind = 7, .arg = ev->id, .data = ev};
  ev->handle = paleo_queue_push(m->queue, ev->time, &item);
  assert_true(paleo_queue_is_live(m->queue, ev->handle));
  ev->iter = g_sequence_insert_sorted(m->sorted, ev, ref_compare, NULL);
  ev->live_index = m->live->len;
  g_ptr_array_add(m->live, ev);
}

static void do_pop(Model *m)
{
  PaleoQueueEntry entry;
  if (g_sequence_is_empty(m->sorted)) {
    assert_false(paleo_queue_pop(m->queue, &entry));
    return;
  }
  RefEvent *expected = g_sequence_get(g_sequence_get_begin_iter(m->sorted));
  uint64_t peek = 0;
  assert_true(paleo_queue_peek_time(m->queue, &peek));
  assert_true(peek == expected->time);
  assert_true(paleo_queue_pop(m->queue, &entry));
  assert_true(entry.time == expected->time);
  assert_true(entry.seq == expected->seq);
  assert_true(entry.item.arg == expected->id);
  assert_true(entry.item.entity == (uint32_t)expected->id);
  assert_int_equal(entry.item.kind, 7);
  assert_ptr_equal(entry.item.data, expected);
  assert_true(entry.time >= m->now);
  m->now = entry.time;
  assert_false(paleo_queue_is_live(m->queue, expected->handle));
  retire(m, expected);
}

static RefEvent *random_live(Model *m)
{
  return m->live->len ? g_ptr_array_index(m->live, pick(m, m->live->len)) : NULL;
}

static void do_cancel(Model *m)
{
  RefEvent *ev = random_live(m);
  if (!ev)
    return;
  assert_true(paleo_queue_cancel(m->queue, ev->handle));
  assert_false(paleo_queue_is_live(m->queue, ev->handle));
  retire(m, ev);
}

static void do_rekey(Model *m)
{
  RefEvent *ev = random_live(m);
  if (!ev)
    return;
  ev->time = m->now + pick(m, m->tie_span);
  ev->seq = paleo_queue_next_seq(m->queue);
  assert_true(paleo_queue_rekey(m->queue, ev->handle, ev->time));
  uint64_t time = 0, seq = 0;
  assert_true(paleo_queue_key(m->queue, ev->handle, &time, &seq));
  assert_true(time == ev->time && seq == ev->seq);
  g_sequence_sort_changed(ev->iter, ref_compare, NULL);
}

/* Stale handles must be refused without touching anything. */
static void do_stale(Model *m)
{
  if (m->stale->len == 0)
    return;
  PaleoQueueHandle h = g_array_index(m->stale, PaleoQueueHandle, pick(m, m->stale->len));
  size_t size = paleo_queue_size(m->queue);
  uint64_t seq = paleo_queue_next_seq(m->queue);
  assert_false(paleo_queue_is_live(m->queue, h));
  assert_false(paleo_queue_cancel(m->queue, h));
  assert_false(paleo_queue_rekey(m->queue, h, m->now));
  assert_int_equal(paleo_queue_size(m->queue), size);
  assert_true(paleo_queue_next_seq(m->queue) == seq);
}

/* One random step; pushes are favoured below `target` pending events, pops above. */
static void step(Model *m, guint target)
{
  uint64_t r = pick(m, 100);
  gboolean grow = m->live->len < target;
  if (r < (grow ? 45u : 25u))
    do_push(m);
  else if (r < 70)
    do_pop(m);
  else if (r < 82)
    do_cancel(m);
  else if (r < 96)
    do_rekey(m);
  else
    do_stale(m);
  if (m->stale->len > 4096)
    g_array_remove_range(m->stale, 0, 2048);
}

static void run_against_reference(uint64_t seed, guint target, uint64_t tie_span, long ops)
{
  Model m;
  model_init(&m, seed, tie_span);
  long check_every = target < 64 ? 1 : (long)target * 4;
  for (long i = 0; i < ops; i++) {
    step(&m, target);
    assert_int_equal(paleo_queue_size(m.queue), g_sequence_get_length(m.sorted));
    if (i % check_every == 0)
      paleo_queue_check(m.queue);
    if (i % (ops / 7 + 1) == 0)
      paleo_queue_renumber(m.queue); /* must not change the order */
  }
  paleo_queue_check(m.queue);
  while (!g_sequence_is_empty(m.sorted))
    do_pop(&m);
  assert_int_equal(paleo_queue_size(m.queue), 0);
  paleo_queue_check(m.queue);
  model_clear(&m);
}

/* Several seeds, queue sizes and tie densities; OPS_PER_SEED operations each. */
static void test_random_against_reference(void **state)
{
  (void)state;
  static const struct {
    guint target;
    uint64_t tie_span;
  } cases[] = {{8, 2}, {300, 4}, {3000, 16}, {20000, 1000}};
  for (uint64_t seed = 1; seed <= 4; seed++)
    run_against_reference(seed, cases[seed - 1].target, cases[seed - 1].tie_span, OPS_PER_SEED);
}

static PaleoQueueItem item_for(uint64_t arg)
{
  return (PaleoQueueItem){.arg = arg};
}

static void test_ties_pop_in_insertion_order(void **state)
{
  (void)state;
  g_autoptr(PaleoQueue) q = paleo_queue_new();
  for (uint64_t i = 0; i < 100; i++) {
    PaleoQueueItem item = item_for(i);
    paleo_queue_push(q, 5 + (i % 2) * 5, &item); /* evens at 5, odds at 10 */
  }
  PaleoQueueEntry e;
  for (uint64_t i = 0; i < 100; i++) {
    assert_true(paleo_queue_pop(q, &e));
    uint64_t expected = i < 50 ? 2 * i : 2 * (i - 50) + 1;
    assert_true(e.item.arg == expected);
    assert_true(e.time == (i < 50 ? 5u : 10u));
  }
  assert_false(paleo_queue_pop(q, &e));
}

/* A re-key to the same time takes a fresh seq: the event moves behind its ties. */
static void test_rekey_same_time_goes_last(void **state)
{
  (void)state;
  g_autoptr(PaleoQueue) q = paleo_queue_new();
  PaleoQueueHandle h[3];
  for (uint64_t i = 0; i < 3; i++) {
    PaleoQueueItem item = item_for(i);
    h[i] = paleo_queue_push(q, 100, &item);
  }
  assert_true(paleo_queue_rekey(q, h[0], 100));
  assert_true(paleo_queue_rekey(q, h[2], 50));
  PaleoQueueEntry e;
  uint64_t order[3];
  for (int i = 0; i < 3; i++) {
    assert_true(paleo_queue_pop(q, &e));
    order[i] = e.item.arg;
  }
  assert_true(order[0] == 2 && order[1] == 1 && order[2] == 0);
}

static void test_stale_handles(void **state)
{
  (void)state;
  g_autoptr(PaleoQueue) q = paleo_queue_new();
  assert_false(paleo_queue_is_live(q, (PaleoQueueHandle){0, 0}));
  assert_false(paleo_queue_cancel(q, (PaleoQueueHandle){0, 0}));
  assert_false(paleo_queue_cancel(q, (PaleoQueueHandle){12345, 1})); /* slot never used */
  PaleoQueueItem item = item_for(1);
  PaleoQueueHandle a = paleo_queue_push(q, 10, &item);
  PaleoQueueHandle b = paleo_queue_push(q, 20, &item);
  assert_false(paleo_queue_cancel(q, (PaleoQueueHandle){a.slot, 0}));
  assert_false(paleo_queue_cancel(q, (PaleoQueueHandle){a.slot, a.gen + 1}));
  assert_true(paleo_queue_cancel(q, a));
  assert_false(paleo_queue_cancel(q, a)); /* double cancel */
  assert_false(paleo_queue_rekey(q, a, 5));
  /* the freed slot is reused; the old handle must not reach the new event */
  PaleoQueueHandle c = paleo_queue_push(q, 30, &item);
  assert_int_equal(c.slot, a.slot);
  assert_int_not_equal(c.gen, a.gen);
  assert_false(paleo_queue_cancel(q, a));
  assert_false(paleo_queue_rekey(q, a, 1));
  uint64_t t, s;
  assert_false(paleo_queue_key(q, a, &t, &s));
  assert_int_equal(paleo_queue_size(q), 2);
  PaleoQueueEntry e;
  assert_true(paleo_queue_pop(q, &e));
  assert_true(e.time == 20);
  assert_false(paleo_queue_cancel(q, b)); /* cancel after pop */
  assert_true(paleo_queue_is_live(q, c));
  paleo_queue_check(q);
}

/* Renumbering rewrites the internal tie numbers but keeps every (time, seq) order. */
static void test_renumber_keeps_order(void **state)
{
  (void)state;
  g_autoptr(PaleoQueue) q = paleo_queue_new();
  PaleoQueueHandle h[200];
  for (uint64_t i = 0; i < 200; i++) {
    PaleoQueueItem item = item_for(i);
    h[i] = paleo_queue_push(q, i % 3, &item);
  }
  for (int i = 0; i < 200; i += 7)
    assert_true(paleo_queue_cancel(q, h[i]));
  paleo_queue_renumber(q);
  paleo_queue_check(q);
  PaleoQueueItem item = item_for(1000);
  paleo_queue_push(q, 0, &item); /* a new tie sorts after the renumbered ones */
  PaleoQueueEntry e;
  uint64_t last_time = 0, last_seq = 0, previous_arg = 0;
  gboolean first = TRUE;
  size_t n = 0;
  while (paleo_queue_pop(q, &e)) {
    assert_true(first || e.time > last_time || (e.time == last_time && e.seq > last_seq));
    if (e.time == 1 && last_time == 0)
      assert_true(previous_arg == 1000); /* the last of time 0 */
    previous_arg = e.item.arg;
    first = FALSE;
    last_time = e.time;
    last_seq = e.seq;
    n++;
  }
  assert_int_equal(n, 200 - 29 + 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ties_pop_in_insertion_order),
    cmocka_unit_test(test_rekey_same_time_goes_last),
    cmocka_unit_test(test_stale_handles),
    cmocka_unit_test(test_renumber_keeps_order),
    cmocka_unit_test(test_random_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Collective message patterns: every byte of every worker's gradient is reduced exactly
 * once into every worker (checked by executing the schedule through the dependency
 * cursor with random message durations), byte counts and step counts match the known
 * formulas, and the closed forms give hand-worked numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "workloads/collective.h"

/* ---- executing a schedule on contribution counts ----
 * A node's buffer as seen by a send of step k is its initial data plus every message it
 * received in steps < k, applied in step order (reductions add, gathers/broadcasts copy):
 * what a real implementation holds, whatever order the network delivered things in. */

typedef struct {
  guint msg;
  guint8 *data; /* [seg in message range][contributor] */
} Delivery;

/* Every message of a schedule, in id order: a test's global message index. */
static GArray *all_messages(const PaleoSchedule *s)
{
  return paleo_schedule_messages(s);
}

static guint n_messages(const PaleoSchedule *s)
{
  g_autoptr(GArray) all = all_messages(s);
  return all->len;
}

static int message_id_cmp(const void *key, const void *elem)
{
  const PaleoMessage *m = elem;
  PaleoMsgId a = *(const PaleoMsgId *)key, b = PALEO_MSG_ID(m->step, m->index);
  return (a > b) - (a < b);
}

/* The global index of message `id`. */
static guint index_of(const GArray *all, PaleoMsgId id)
{
  const PaleoMessage *m = bsearch(&id, all->data, all->len, sizeof(PaleoMessage), message_id_cmp);
  assert_non_null(m);
  return (guint)(m - (const PaleoMessage *)all->data);
}

typedef struct {
  const PaleoSchedule *s;
  GArray *all;          /* every message */
  guint n_seg;
  uint64_t *seg_start;  /* n_seg + 1 boundaries */
  GArray **deliveries;  /* per node, of Delivery */
} Data;

static int u64_cmp(gconstpointer a, gconstpointer b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void data_init(Data *d, const PaleoSchedule *s)
{
  GArray *b = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  uint64_t zero = 0;
  g_array_append_val(b, zero);
  g_array_append_val(b, s->bytes);
  d->all = all_messages(s);
  for (guint i = 0; i < d->all->len; i++) {
    const PaleoMessage *m = &g_array_index(d->all, PaleoMessage, i);
    uint64_t e = m->offset + m->bytes;
    g_array_append_val(b, m->offset);
    g_array_append_val(b, e);
  }
  g_array_sort(b, u64_cmp);
  d->seg_start = g_new(uint64_t, b->len);
  guint u = 0;
  for (guint i = 0; i < b->len; i++)
    if (u == 0 || g_array_index(b, uint64_t, i) != d->seg_start[u - 1])
      d->seg_start[u++] = g_array_index(b, uint64_t, i);
  d->n_seg = u - 1;
  g_array_free(b, TRUE);
  d->s = s;
  d->deliveries = g_new(GArray *, s->n_nodes);
  for (guint n = 0; n < s->n_nodes; n++)
    d->deliveries[n] = g_array_new(FALSE, FALSE, sizeof(Delivery));
}

static void data_clear(Data *d)
{
  for (guint n = 0; n < d->s->n_nodes; n++) {
    for (guint i = 0; i < d->deliveries[n]->len; i++)
      g_free(g_array_index(d->deliveries[n], Delivery, i).data);
    g_array_free(d->deliveries[n], TRUE);
  }
  g_free(d->deliveries);
  g_free(d->seg_start);
  g_array_free(d->all, TRUE);
}

static const PaleoMessage *msg_at(const Data *d, guint i)
{
  return &g_array_index(d->all, PaleoMessage, i);
}

static gboolean is_copy(const char *step)
{
  return strstr(step, "gather") || strstr(step, "broadcast") || strstr(step, "pull") ||
         strstr(step, "scatter-from") || strstr(step, "unfold");
}

static void seg_range(const Data *d, const PaleoMessage *m, guint *first, guint *n)
{
  guint a = 0;
  while (d->seg_start[a] < m->offset)
    a++;
  guint b = a;
  while (b < d->n_seg && d->seg_start[b] < m->offset + m->bytes)
    b++;
  *first = a;
  *n = b - a;
}

static int delivery_cmp(gconstpointer a, gconstpointer b, gpointer user)
{
  const Data *d = user;
  const Delivery *x = a, *y = b;
  guint sx = msg_at(d, x->msg)->step, sy = msg_at(d, y->msg)->step;
  if (sx != sy)
    return sx < sy ? -1 : 1;
  return (x->msg > y->msg) - (x->msg < y->msg);
}

/* The node's whole buffer [seg][contributor] with deliveries of steps < `before` applied. */
static guint8 *node_state(Data *d, uint32_t node, guint before)
{
  guint W = d->s->n_workers;
  guint8 *st = g_new0(guint8, (gsize)d->n_seg * W);
  if (node < W)
    for (guint g = 0; g < d->n_seg; g++)
      st[(gsize)g * W + node] = 1;
  GArray *dl = d->deliveries[node];
  g_array_sort_with_data(dl, delivery_cmp, d);
  for (guint i = 0; i < dl->len; i++) {
    const Delivery *v = &g_array_index(dl, Delivery, i);
    const PaleoMessage *m = msg_at(d, v->msg);
    if (m->step >= before)
      break;
    gboolean copy = is_copy(paleo_schedule_step_name(d->s, m->step));
    guint first, n;
    seg_range(d, m, &first, &n);
    for (guint g = 0; g < n; g++)
      for (guint w = 0; w < W; w++) {
        guint8 *x = &st[(gsize)(first + g) * W + w];
        guint8 y = v->data[(gsize)g * W + w];
        *x = copy ? y : (guint8)(*x + y);
      }
  }
  return st;
}

/* What the sender puts on the wire for message i. */
static guint8 *payload(Data *d, guint i)
{
  const PaleoMessage *m = msg_at(d, i);
  guint W = d->s->n_workers, first, n;
  seg_range(d, m, &first, &n);
  g_autofree guint8 *st = node_state(d, m->src, m->step);
  return g_memdup2(st + (gsize)first * W, (gsize)n * W);
}

typedef struct {
  double end;
  guint msg;
  guint8 *data;
} InFlight;

static int inflight_cmp(gconstpointer a, gconstpointer b)
{
  const InFlight *x = a, *y = b;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return (x->msg > y->msg) - (x->msg < y->msg);
}

/* Runs the schedule through the cursor; each message takes a random time (or 1 when
 * rng is NULL). Returns the makespan. With `d`, payloads are tracked. */
static double execute(const PaleoSchedule *s, Data *d, GRand *rng)
{
  g_autoptr(PaleoCollectiveCursor) c = paleo_cursor_new(s);
  g_autoptr(GArray) all = all_messages(s);
  PaleoMessageList ready = {0};
  GArray *flying = g_array_new(FALSE, FALSE, sizeof(InFlight));
  double now = 0;
  /* With rng, participants enter late and in random order (half at once, then one per
   * completion); without, all start together. */
  guint n = s->n_nodes, entered = 0;
  g_autofree uint32_t *order = g_new(uint32_t, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  if (rng) {
    for (guint i = n; i > 1; i--) {
      guint j = g_rand_int_range(rng, 0, i);
      uint32_t t = order[i - 1];
      order[i - 1] = order[j];
      order[j] = t;
    }
    for (; entered < n / 2; entered++)
      paleo_cursor_release(c, order[entered], &ready);
  } else
    paleo_cursor_start(c, &ready), entered = n;
  for (;;) {
    if (entered < n && (!flying->len || g_rand_boolean(rng)))
      paleo_cursor_release(c, order[entered++], &ready);
    for (guint i = 0; i < ready.n; i++) {
      const PaleoMessage *r = &ready.v[i];
      guint mi = index_of(all, PALEO_MSG_ID(r->step, r->index));
      assert_memory_equal(r, &g_array_index(all, PaleoMessage, mi), sizeof(PaleoMessage)); /* the cursor's copy */
      InFlight f = {now + (rng ? g_rand_double_range(rng, 0.1, 2.0) : 1.0), mi, d ? payload(d, mi) : NULL};
      g_array_append_val(flying, f);
    }
    ready.n = 0;
    if (!flying->len && entered == n)
      break;
    if (!flying->len)
      continue;
    g_array_sort(flying, inflight_cmp);
    InFlight f = g_array_index(flying, InFlight, 0);
    g_array_remove_index(flying, 0);
    now = f.end;
    if (d) {
      Delivery v = {f.msg, f.data};
      g_array_append_val(d->deliveries[g_array_index(all, PaleoMessage, f.msg).dst], v);
    }
    const PaleoMessage *m = &g_array_index(all, PaleoMessage, f.msg);
    paleo_cursor_complete(c, m, &ready);
  }
  assert_true(paleo_cursor_done(c));
  for (guint i = 0; i < n; i++)
    assert_true(paleo_cursor_node_done(c, i));
  paleo_message_list_clear(&ready);
  g_array_free(flying, TRUE);
  return now;
}

/* Every worker ends with exactly one contribution of every worker on every byte. */
static void check_allreduce(const PaleoCollectiveSpec *spec, GRand *rng)
{
  g_autoptr(PaleoSchedule) s = paleo_schedule_new(spec);
  Data d;
  data_init(&d, s);
  execute(s, &d, rng);
  guint W = s->n_workers;
  for (uint32_t w = 0; w < W; w++) {
    g_autofree guint8 *st = node_state(&d, w, G_MAXUINT);
    for (guint g = 0; g < d.n_seg; g++)
      for (uint32_t c = 0; c < W; c++)
        if (st[(gsize)g * W + c] != 1)
          fail_msg("%s N=%u: worker %u bytes [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") hold %u copies of worker %u",
                   paleo_collective_names[spec->kind], spec->workers, w, d.seg_start[g], d.seg_start[g + 1],
                   st[(gsize)g * W + c], c);
  }
  data_clear(&d);
}

static void test_allreduce_semantics(void **state)
{
  (void)state;
  GRand *rng = g_rand_new_with_seed(7);
  for (uint32_t n = 1; n <= 13; n++) {
    PaleoCollectiveKind kinds[] = {PALEO_COLLECTIVE_RING, PALEO_COLLECTIVE_TREE, PALEO_COLLECTIVE_BUTTERFLY};
    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
      PaleoCollectiveSpec sp = {.kind = kinds[k], .workers = n, .bytes = 1000 + n};
      check_allreduce(&sp, rng);
    }
    for (uint32_t servers = 1; servers <= 3; servers++) {
      PaleoCollectiveSpec sp = {.kind = PALEO_COLLECTIVE_PS, .workers = n, .bytes = 777, .ps_servers = servers,
                                .ps_dedicated = TRUE};
      check_allreduce(&sp, rng);
      if (servers <= n) {
        sp.ps_dedicated = FALSE;
        check_allreduce(&sp, rng);
      }
    }
  }
  for (uint32_t g = 1; g <= 4; g++)
    for (uint32_t h = 1; h <= 5; h++) {
      PaleoCollectiveSpec sp = {.kind = PALEO_COLLECTIVE_HIERARCHICAL, .workers = g * h, .bytes = 4099, .gpus_per_host = g};
      check_allreduce(&sp, rng);
    }
  g_rand_free(rng);
}

/* The owner of each segment after a reduce-scatter (the one worker holding one copy of
 * every worker's contribution there) or an all-gather (every worker holds a copy of that
 * worker's own data there); G_MAXUINT32 when no single worker qualifies. */
static uint32_t half_owner(Data *d, guint seg, gboolean gather)
{
  guint W = d->s->n_workers;
  uint32_t owner = G_MAXUINT32;
  for (uint32_t w = 0; w < W; w++) {
    g_autofree guint8 *st = node_state(d, w, G_MAXUINT);
    guint ones = 0, total = 0, which = 0;
    for (uint32_t c = 0; c < W; c++) {
      guint8 v = st[(gsize)seg * W + c];
      total += v;
      ones += v == 1;
      if (v == 1)
        which = c;
    }
    if (gather) { /* every worker the same single copy */
      if (total != 1 || ones != 1 || (owner != G_MAXUINT32 && owner != which))
        return G_MAXUINT32;
      owner = which;
    } else if (ones == W) {
      if (owner != G_MAXUINT32)
        return G_MAXUINT32; /* reduced twice */
      owner = w;
    }
  }
  return owner;
}

/* Reduce-scatter leaves every byte fully reduced at exactly one worker; all-gather gives
 * every worker that same worker's bytes (so the two make an all-reduce); ring over all N,
 * or two levels for hierarchical (host rings, then the columns of equal local rank). */
static void test_half_semantics(void **state)
{
  (void)state;
  GRand *rng = g_rand_new_with_seed(11);
  for (uint32_t g = 1; g <= 4; g++)
    for (uint32_t h = 1; h <= 5; h++)
      for (guint kind = 0; kind < 2; kind++)
        for (uint64_t bytes = 5; bytes <= 4099; bytes += 4094) {
          PaleoCollectiveSpec sp = {.kind = kind ? PALEO_COLLECTIVE_HIERARCHICAL : PALEO_COLLECTIVE_RING,
                                    .workers = g * h, .bytes = bytes, .gpus_per_host = g,
                                    .op = PALEO_OP_REDUCE_SCATTER};
          g_autoptr(PaleoSchedule) rs = paleo_schedule_new(&sp);
          sp.op = PALEO_OP_ALL_GATHER;
          g_autoptr(PaleoSchedule) ag = paleo_schedule_new(&sp);
          gboolean two_level = kind && g > 1 && g < g * h;
          if (bytes > 4 * 5) /* every chunk has bytes: N - 1 steps, or G - 1 + G (H - 1) */
            assert_int_equal(rs->n_steps, two_level ? g - 1 + g * (h - 1) : g * h - 1);
          assert_int_equal(ag->n_steps, rs->n_steps);
          Data dr, da;
          data_init(&dr, rs);
          data_init(&da, ag);
          execute(rs, &dr, rng);
          execute(ag, &da, rng);
          for (guint a = 0; a < da.n_seg; a++) {
            guint r = 0;
            while (dr.seg_start[r + 1] <= da.seg_start[a])
              r++;
            uint32_t owner = half_owner(&dr, r, FALSE);
            if (owner == G_MAXUINT32 || owner != half_owner(&da, a, TRUE))
              fail_msg("%s N=%u G=%u S=%" G_GUINT64_FORMAT ": bytes from %" G_GUINT64_FORMAT " not reduced at one "
                       "worker then gathered from it",
                       paleo_collective_names[sp.kind], g * h, g, bytes, da.seg_start[a]);
          }
          data_clear(&dr);
          data_clear(&da);
        }
  g_rand_free(rng);
}

/* Ring: each worker sends and receives 2(N-1)/N S; 2(N-1) steps; unit-time makespan 2(N-1). */
static void test_ring_bytes_and_steps(void **state)
{
  (void)state;
  for (uint32_t n = 2; n <= 16; n++) {
    PaleoCollectiveSpec sp = {.kind = PALEO_COLLECTIVE_RING, .workers = n, .bytes = (uint64_t)n * 1000};
    g_autoptr(PaleoSchedule) s = paleo_schedule_new(&sp);
    assert_int_equal(s->n_steps, 2 * (n - 1));
    assert_int_equal(n_messages(s), 2 * (n - 1) * n);
    for (uint32_t w = 0; w < n; w++) {
      assert_int_equal(paleo_schedule_node_bytes(s, w, TRUE), 2 * (n - 1) * 1000);
      assert_int_equal(paleo_schedule_node_bytes(s, w, FALSE), 2 * (n - 1) * 1000);
    }
    assert_true(execute(s, NULL, NULL) == 2.0 * (n - 1));
  }
}

static void test_step_counts(void **state)
{
  (void)state;
  for (uint32_t n = 2; n <= 33; n++) {
    guint h = paleo_collective_log2_ceil(n);
    gboolean pow2 = (n & (n - 1)) == 0;
    PaleoCollectiveSpec tree = {.kind = PALEO_COLLECTIVE_TREE, .workers = n, .bytes = 64};
    g_autoptr(PaleoSchedule) t = paleo_schedule_new(&tree);
    assert_int_equal(t->n_steps, 2 * h);
    assert_int_equal(n_messages(t), 2 * (n - 1)); /* every non-root once up, once down */
    double span = execute(t, NULL, NULL); /* unit-time messages: the critical path */
    assert_true(pow2 ? span == 2.0 * h : span <= 2.0 * h);
    PaleoCollectiveSpec bf = {.kind = PALEO_COLLECTIVE_BUTTERFLY, .workers = n, .bytes = 64};
    g_autoptr(PaleoSchedule) b = paleo_schedule_new(&bf);
    assert_int_equal(b->n_steps, pow2 ? h : h + 1); /* floor(log2 N) + pre + post */
    PaleoCollectiveSpec ps = {.kind = PALEO_COLLECTIVE_PS, .workers = n, .bytes = 64, .ps_servers = 1};
    g_autoptr(PaleoSchedule) p = paleo_schedule_new(&ps);
    assert_int_equal(p->n_steps, 2);
    assert_int_equal(paleo_schedule_node_bytes(p, 0, FALSE), (n - 1) * 64); /* the server gets N-1 gradients */
  }
  /* hierarchical: 2(G-1) intra ring steps + gather + scatter + 2(H-1) leader ring steps */
  PaleoCollectiveSpec hs = {.kind = PALEO_COLLECTIVE_HIERARCHICAL, .workers = 32, .bytes = 3200, .gpus_per_host = 8};
  g_autoptr(PaleoSchedule) hh = paleo_schedule_new(&hs);
  assert_int_equal(hh->n_steps, 2 * 7 + 2 + 2 * 3);
  /* a non-leader sends (G-1)/G S in the reduce-scatter, S/G to the leader, (G-1)/G S in the all-gather */
  assert_int_equal(paleo_schedule_node_bytes(hh, 1, TRUE), 2800 + 400 + 2800);
  /* the leader additionally carries 2(H-1)/H S = 4800 over the network */
  assert_int_equal(paleo_schedule_node_bytes(hh, 0, TRUE), 2800 + 4800 + 7 * 400 + 2800);
}

/* What a run's memory estimate uses: the widest step is exact for ring, hierarchical and
 * ps (every message of a step can be in flight at once) and an upper bound for the others;
 * a schedule's and a new cursor's bytes grow with steps and participants, not messages. */
static void test_widest_step_and_bytes(void **state)
{
  (void)state;
  for (int op = PALEO_OP_ALL_REDUCE; op <= PALEO_OP_ALL_GATHER; op++)
    for (int kind = 0; kind < PALEO_COLLECTIVE_COUNT; kind++)
      for (uint32_t n = 1; n <= 24; n++) {
        uint32_t g = kind == PALEO_COLLECTIVE_HIERARCHICAL && n % 4 == 0 ? 4 : 1;
        PaleoCollectiveSpec sp = {.kind = kind, .op = op, .workers = n, .bytes = 4096, .ps_servers = 2,
                                  .ps_dedicated = TRUE, .gpus_per_host = g, .iteration = n};
        g_autoptr(PaleoSchedule) s = paleo_schedule_new(&sp);
        g_autoptr(GArray) all = all_messages(s);
        g_autofree uint64_t *per_step = g_new0(uint64_t, s->n_steps + 1);
        uint64_t widest = 0;
        for (guint i = 0; i < all->len; i++) {
          uint64_t count = ++per_step[g_array_index(all, PaleoMessage, i).step];
          widest = MAX(widest, count);
        }
        gboolean exact = op != PALEO_OP_ALL_REDUCE || kind == PALEO_COLLECTIVE_RING || kind == PALEO_COLLECTIVE_PS ||
                         kind == PALEO_COLLECTIVE_HIERARCHICAL;
        if (exact && paleo_schedule_widest_step(s) != widest)
          fail_msg("op %d kind %d N %u: widest %" G_GUINT64_FORMAT ", counted %" G_GUINT64_FORMAT, op, kind, n,
                   paleo_schedule_widest_step(s), widest);
        else
          assert_true(paleo_schedule_widest_step(s) >= widest);
      }
  /* a ring over 16384 workers: 32766 steps described, 16384 messages a step, no message stored */
  PaleoCollectiveSpec big = {.kind = PALEO_COLLECTIVE_RING, .workers = 16384, .bytes = 102 << 20};
  g_autoptr(PaleoSchedule) s = paleo_schedule_new(&big);
  assert_int_equal(s->n_steps, 2 * 16383);
  assert_int_equal(paleo_schedule_widest_step(s), 16384);
  assert_true(paleo_schedule_bytes(s) < 64 * (gsize)s->n_steps + 4096);
  assert_true(paleo_cursor_start_bytes(s) < 64 * (gsize)16384 + 4096);
}

static void test_mixing_one_exchange(void **state)
{
  (void)state;
  for (uint32_t it = 0; it < 6; it++) {
    PaleoCollectiveSpec sp = {.kind = PALEO_COLLECTIVE_BUTTERFLY_MIXING, .workers = 8, .bytes = 100, .iteration = it};
    g_autoptr(PaleoSchedule) s = paleo_schedule_new(&sp);
    assert_int_equal(s->n_steps, 1);
    g_autoptr(GArray) all = all_messages(s);
    assert_int_equal(all->len, 8);
    uint32_t bit = 1u << (it % 3);
    for (guint i = 0; i < 8; i++)
      assert_int_equal(g_array_index(all, PaleoMessage, i).dst, g_array_index(all, PaleoMessage, i).src ^ bit);
  }
  PaleoCollectiveSpec one = {.kind = PALEO_COLLECTIVE_BUTTERFLY_MIXING, .workers = 1, .bytes = 100};
  g_autoptr(PaleoSchedule) s1 = paleo_schedule_new(&one);
  assert_int_equal(n_messages(s1), 0);
}

/* Hand-worked closed forms on a 10 Gbit/s link (1.25e9 B/s) with 5 us latency. */
static void test_closed_forms(void **state)
{
  (void)state;
  PaleoLink eth = {.name = "ethernet", .gbps = 10, .latency_us = 5};
  PaleoLink pcie = {.name = "pcie3", .gbps = 128, .latency_us = 1};
  PaleoCollectiveLinks p = {.link = &eth, .intra_link = &pcie, .ppp_comm = 1.0, .latency = TRUE};
  PaleoCollectiveSpec ring = {.kind = PALEO_COLLECTIVE_RING, .workers = 4, .bytes = 1000000000};
  /* 2 * 3/4 * 1e9 / 1.25e9 s = 1200 ms, plus 6 * 5 us */
  assert_float_equal(paleo_collective_time_ms(&ring, &p), 1200.03, 1e-9);
  PaleoCollectiveSpec ps = {.kind = PALEO_COLLECTIVE_PS, .workers = 4, .bytes = 1000000000, .ps_servers = 2,
                            .ps_dedicated = TRUE};
  /* each of 2 servers takes 4 shards of 0.5e9: 2 * 2e9 / 1.25e9 = 3.2 s, plus 2 * 5 us */
  assert_float_equal(paleo_collective_time_ms(&ps, &p), 3200.01, 1e-9);
  ps.ps_dedicated = FALSE;
  ps.ps_servers = 1; /* PALEO OneToAll: 2 t(3 S) = 4.8 s, plus 2 alpha */
  assert_float_equal(paleo_collective_time_ms(&ps, &p), 4800.01, 1e-9);
  PaleoCollectiveSpec hier = {.kind = PALEO_COLLECTIVE_HIERARCHICAL, .workers = 8, .bytes = 1000000000, .gpus_per_host = 4};
  /* intra 4 * 3/4 * 1e9 / 16e9 = 187.5 ms + 8 * 1 us; inter ring of 2 hosts 800 ms + 2 * 5 us */
  assert_float_equal(paleo_collective_time_ms(&hier, &p), 987.5 + 0.008 + 0.010, 1e-9);
  p.latency = FALSE;
  PaleoCollectiveSpec mix = {.kind = PALEO_COLLECTIVE_BUTTERFLY_MIXING, .workers = 1, .bytes = 1250000000};
  assert_float_equal(paleo_collective_time_ms(&mix, &p), 1000.0, 1e-9); /* PALEO charges t(S) at N = 1 */
  PaleoCollectiveSpec tree = {.kind = PALEO_COLLECTIVE_TREE, .workers = 5, .bytes = 1250000000};
  assert_float_equal(paleo_collective_time_ms(&tree, &p), 6000.0, 1e-9); /* 2 * ceil(log2 5) * 1 s */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_allreduce_semantics),
    cmocka_unit_test(test_half_semantics),
    cmocka_unit_test(test_ring_bytes_and_steps),
    cmocka_unit_test(test_step_counts),
    cmocka_unit_test(test_widest_step_and_bytes),
    cmocka_unit_test(test_mixing_one_exchange),
    cmocka_unit_test(test_closed_forms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

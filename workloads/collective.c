/* Collective message patterns (ps, tree, butterfly, butterfly-mixing, ring, hierarchical),
 * the incremental dependency cursor, and the closed-form times. See collective.h. */
#include "workloads/collective.h"

#include <stdlib.h>
#include <string.h>

#include "hardware/timing.h"

const char *const paleo_collective_names[] = {"ps", "tree", "butterfly", "butterfly-mixing", "ring",
                                              "hierarchical", NULL};
const char *const paleo_collective_descriptions[] = {
  "parameter server(s): push gradient shards, pull reduced weights (PALEO OneToAll for one server)",
  "binomial-tree reduce to rank 0, then binomial-tree broadcast (PALEO TreeAllReduce)",
  "recursive doubling with full-size exchanges (PALEO ButterflyAllReduce)",
  "one butterfly exchange per iteration (PALEO ButterflyMixing)",
  "ring reduce-scatter + all-gather, chunks of S/N",
  "intra-host ring reduce-scatter, gather to leader, inter-host ring among leaders, scatter, intra-host all-gather",
  NULL,
};
const char *const paleo_fidelity_names[] = {"analytical", "flow", NULL};
const char *const paleo_collective_op_names[] = {"all-reduce", "reduce-scatter", "all-gather", NULL};

const char *paleo_collective_label(PaleoCollectiveKind kind, PaleoCollectiveOp op)
{
  return op == PALEO_OP_ALL_REDUCE ? paleo_collective_names[kind] : paleo_collective_op_names[op];
}

int paleo_collective_from_name(const char *name)
{
  for (int i = 0; paleo_collective_names[i]; i++)
    if (!g_ascii_strcasecmp(name, paleo_collective_names[i]))
      return i;
  return -1;
}

guint paleo_collective_log2_ceil(uint32_t n)
{
  guint h = 0;
  while (h < 32 && ((uint64_t)1 << h) < n)
    h++;
  return h;
}

static guint log2_floor(uint32_t n)
{
  guint h = 0;
  while (((uint64_t)2 << h) <= n)
    h++;
  return h;
}

/* ---- building ---- */

typedef struct {
  PaleoSchedule *s;
  gboolean open; /* current step has messages */
} Builder;

static void step_begin(Builder *b, const char *name)
{
  if (b->open) {
    b->s->n_steps++;
    b->open = FALSE;
  }
  if (b->s->step_names->len == b->s->n_steps)
    g_ptr_array_add(b->s->step_names, g_strdup(name));
  else {
    g_free(g_ptr_array_index(b->s->step_names, b->s->n_steps));
    g_ptr_array_index(b->s->step_names, b->s->n_steps) = g_strdup(name);
  }
}

static void emit(Builder *b, uint32_t src, uint32_t dst, uint64_t offset, uint64_t bytes)
{
  if (src == dst || bytes == 0)
    return;
  PaleoMessage m = {src, dst, b->s->n_steps, offset, bytes};
  g_array_append_val(b->s->messages, m);
  b->open = TRUE;
}

static void finish(Builder *b)
{
  if (b->open)
    b->s->n_steps++;
  g_ptr_array_set_size(b->s->step_names, b->s->n_steps);
}

/* Chunk c of S split into n nearly equal parts (the first S % n are one byte longer). */
static uint64_t chunk_offset(uint64_t S, uint32_t n, uint32_t c)
{
  uint64_t q = S / n, r = S % n;
  return c * q + (c < r ? c : r);
}

static uint64_t chunk_bytes(uint64_t S, uint32_t n, uint32_t c)
{
  return S / n + (c < S % n ? 1 : 0);
}

/* Ring over members[0..n-1] of the range [base, base+S): reduce-scatter and/or all-gather.
 * After reduce-scatter member i holds chunk (i+1) mod n reduced. */
static void ring_phase(Builder *b, const uint32_t *members, uint32_t n, guint stride, uint32_t groups,
                       uint64_t base, uint64_t S, gboolean gather)
{
  for (uint32_t k = 0; k + 1 < n; k++) {
    step_begin(b, gather ? "all-gather" : "reduce-scatter");
    for (uint32_t g = 0; g < groups; g++) {
      for (uint32_t i = 0; i < n; i++) {
        uint32_t c = gather ? (i + 1 + n - k) % n : (i + n - k) % n;
        emit(b, members[g * stride + i], members[g * stride + (i + 1) % n], base + chunk_offset(S, n, c),
             chunk_bytes(S, n, c));
      }
    }
  }
}

static uint32_t *identity(uint32_t n)
{
  uint32_t *m = g_new(uint32_t, n);
  for (uint32_t i = 0; i < n; i++)
    m[i] = i;
  return m;
}

static void build_ring(Builder *b, uint32_t N, uint64_t S)
{
  g_autofree uint32_t *m = identity(N);
  ring_phase(b, m, N, 0, 1, 0, S, FALSE);
  ring_phase(b, m, N, 0, 1, 0, S, TRUE);
}

static void build_ps(Builder *b, const PaleoCollectiveSpec *sp)
{
  uint32_t N = sp->workers, k = sp->ps_servers;
  uint64_t S = sp->bytes;
  uint32_t first = sp->ps_dedicated ? N : 0;
  step_begin(b, "ps-push");
  for (uint32_t w = 0; w < N; w++)
    for (uint32_t j = 0; j < k; j++)
      emit(b, w, first + j, chunk_offset(S, k, j), chunk_bytes(S, k, j));
  step_begin(b, "ps-pull");
  for (uint32_t w = 0; w < N; w++)
    for (uint32_t j = 0; j < k; j++)
      emit(b, first + j, w, chunk_offset(S, k, j), chunk_bytes(S, k, j));
}

static void build_tree(Builder *b, uint32_t N, uint64_t S)
{
  guint h = paleo_collective_log2_ceil(N);
  for (guint j = 0; j < h; j++) {
    step_begin(b, "tree-reduce");
    uint32_t half = 1u << j;
    for (uint32_t r = half; r < N; r += 2 * half)
      emit(b, r, r - half, 0, S);
  }
  for (guint jj = h; jj-- > 0;) {
    step_begin(b, "tree-broadcast");
    uint32_t half = 1u << jj;
    for (uint32_t r = 0; r + half < N; r += 2 * half)
      emit(b, r, r + half, 0, S);
  }
}

static void build_butterfly(Builder *b, uint32_t N, uint64_t S)
{
  uint32_t P = 1u << log2_floor(N), extra = N - P;
  step_begin(b, "butterfly-fold");
  for (uint32_t i = 0; i < extra; i++)
    emit(b, P + i, i, 0, S);
  for (uint32_t bit = 1; bit < P; bit <<= 1) {
    step_begin(b, "butterfly");
    for (uint32_t i = 0; i < P; i++)
      emit(b, i, i ^ bit, 0, S);
  }
  step_begin(b, "butterfly-unfold");
  for (uint32_t i = 0; i < extra; i++)
    emit(b, i, P + i, 0, S);
}

static void build_mixing(Builder *b, uint32_t N, uint64_t S, uint32_t iteration)
{
  guint h = log2_floor(N);
  if (N < 2)
    return;
  uint32_t P = 1u << h, bit = 1u << (h ? iteration % h : 0);
  step_begin(b, "butterfly-mixing");
  for (uint32_t i = 0; i < P; i++)
    emit(b, i, i ^ bit, 0, S);
  for (uint32_t i = P; i < N; i++) {
    emit(b, i, i - P, 0, S);
    emit(b, i - P, i, 0, S);
  }
}

static void build_hierarchical(Builder *b, uint32_t N, uint32_t G, uint64_t S)
{
  g_assert(G >= 1 && N % G == 0);
  uint32_t H = N / G;
  g_autofree uint32_t *all = identity(N);
  ring_phase(b, all, G, G, H, 0, S, FALSE);
  step_begin(b, "gather-to-leader");
  for (uint32_t h = 0; h < H; h++)
    for (uint32_t g = 1; g < G; g++)
      emit(b, h * G + g, h * G, chunk_offset(S, G, (g + 1) % G), chunk_bytes(S, G, (g + 1) % G));
  g_autofree uint32_t *leaders = g_new(uint32_t, H);
  for (uint32_t h = 0; h < H; h++)
    leaders[h] = h * G;
  ring_phase(b, leaders, H, 0, 1, 0, S, FALSE);
  ring_phase(b, leaders, H, 0, 1, 0, S, TRUE);
  step_begin(b, "scatter-from-leader");
  for (uint32_t h = 0; h < H; h++)
    for (uint32_t g = 1; g < G; g++)
      emit(b, h * G, h * G + g, chunk_offset(S, G, (g + 1) % G), chunk_bytes(S, G, (g + 1) % G));
  ring_phase(b, all, G, G, H, 0, S, TRUE);
}

/* Reduce-scatter (or all-gather) in two levels: inside each host of G, then among the same
 * local rank of the H hosts over that rank's part (all-gather: the other way round). */
static void build_hierarchical_half(Builder *b, uint32_t N, uint32_t G, uint64_t S, gboolean gather)
{
  g_assert(G >= 1 && N % G == 0);
  uint32_t H = N / G;
  g_autofree uint32_t *all = identity(N);
  g_autofree uint32_t *column = g_new(uint32_t, H);
  if (!gather)
    ring_phase(b, all, G, G, H, 0, S, FALSE);
  for (uint32_t g = 0; g < G; g++) { /* after the host's reduce-scatter, local rank g holds chunk g + 1 */
    uint32_t c = (g + 1) % G;
    for (uint32_t h = 0; h < H; h++)
      column[h] = h * G + g;
    ring_phase(b, column, H, 0, 1, chunk_offset(S, G, c), chunk_bytes(S, G, c), gather);
  }
  if (gather)
    ring_phase(b, all, G, G, H, 0, S, TRUE);
}

static void build_half(Builder *b, const PaleoCollectiveSpec *sp)
{
  gboolean gather = sp->op == PALEO_OP_ALL_GATHER;
  if (sp->kind == PALEO_COLLECTIVE_HIERARCHICAL && sp->gpus_per_host > 1 && sp->gpus_per_host < sp->workers) {
    build_hierarchical_half(b, sp->workers, sp->gpus_per_host, sp->bytes, gather);
    return;
  }
  g_autofree uint32_t *m = identity(sp->workers);
  ring_phase(b, m, sp->workers, 0, 1, 0, sp->bytes, gather);
}

PaleoSchedule *paleo_schedule_new(const PaleoCollectiveSpec *sp)
{
  g_assert(sp->workers >= 1 && sp->kind < PALEO_COLLECTIVE_COUNT);
  PaleoSchedule *s = g_new0(PaleoSchedule, 1);
  s->kind = sp->kind;
  s->n_workers = sp->workers;
  s->n_nodes = sp->workers;
  s->bytes = sp->bytes;
  s->messages = g_array_new(FALSE, FALSE, sizeof(PaleoMessage));
  s->step_names = g_ptr_array_new_with_free_func(g_free);
  Builder b = {s, FALSE};
  if (sp->op != PALEO_OP_ALL_REDUCE) {
    build_half(&b, sp);
    finish(&b);
    return s;
  }
  switch (sp->kind) {
  case PALEO_COLLECTIVE_PS:
    g_assert(sp->ps_servers >= 1 && (sp->ps_dedicated || sp->ps_servers <= sp->workers));
    if (sp->ps_dedicated)
      s->n_nodes += sp->ps_servers;
    build_ps(&b, sp);
    break;
  case PALEO_COLLECTIVE_TREE: build_tree(&b, sp->workers, sp->bytes); break;
  case PALEO_COLLECTIVE_BUTTERFLY: build_butterfly(&b, sp->workers, sp->bytes); break;
  case PALEO_COLLECTIVE_BUTTERFLY_MIXING: build_mixing(&b, sp->workers, sp->bytes, sp->iteration); break;
  case PALEO_COLLECTIVE_RING: build_ring(&b, sp->workers, sp->bytes); break;
  case PALEO_COLLECTIVE_HIERARCHICAL: build_hierarchical(&b, sp->workers, sp->gpus_per_host, sp->bytes); break;
  default: g_assert_not_reached();
  }
  finish(&b);
  return s;
}

uint64_t paleo_schedule_message_count(const PaleoCollectiveSpec *sp)
{
  uint64_t N = sp->workers, k = sp->ps_servers;
  if (sp->op != PALEO_OP_ALL_REDUCE) { /* one half of a ring, or of the hierarchical ring */
    uint64_t G = sp->gpus_per_host;
    if (sp->kind != PALEO_COLLECTIVE_HIERARCHICAL || G <= 1 || G >= N)
      return N * (N - 1);
    uint64_t H = N / G;
    return H * G * (G - 1) + G * H * (H - 1);
  }
  switch (sp->kind) {
  case PALEO_COLLECTIVE_PS: /* push and pull; a colocated server keeps its own shard */
    return 2 * (N * k - (sp->ps_dedicated ? 0 : MIN(k, N)));
  case PALEO_COLLECTIVE_TREE: return 2 * (N - 1);
  case PALEO_COLLECTIVE_BUTTERFLY: {
    guint h = log2_floor(sp->workers);
    uint64_t P = (uint64_t)1 << h;
    return 2 * (N - P) + P * h;
  }
  case PALEO_COLLECTIVE_BUTTERFLY_MIXING: {
    uint64_t P = (uint64_t)1 << log2_floor(sp->workers);
    return N < 2 ? 0 : P + 2 * (N - P);
  }
  case PALEO_COLLECTIVE_RING: return 2 * (N - 1) * N;
  case PALEO_COLLECTIVE_HIERARCHICAL: {
    uint64_t G = MAX(sp->gpus_per_host, 1), H = N / G;
    return 2 * H * G * (G - 1) + 2 * H * (G - 1) + 2 * H * (H - 1);
  }
  default: g_return_val_if_reached(0);
  }
}

void paleo_schedule_free(PaleoSchedule *s)
{
  if (!s)
    return;
  g_array_free(s->messages, TRUE);
  g_ptr_array_free(s->step_names, TRUE);
  g_free(s);
}

uint64_t paleo_schedule_node_bytes(const PaleoSchedule *s, uint32_t node, gboolean sent)
{
  uint64_t total = 0;
  for (guint i = 0; i < s->messages->len; i++) {
    const PaleoMessage *m = paleo_schedule_message(s, i);
    if ((sent ? m->src : m->dst) == node)
      total += m->bytes;
  }
  return total;
}

/* ---- the cursor: per participant, its messages in step order (CSR) ---- */

struct PaleoCollectiveCursor {
  const PaleoSchedule *s;
  guint *inv_start; /* n_nodes + 1 */
  guint *inv;       /* message indices; each message twice (src and dst lists) */
  guint *pos;       /* per node: first involvement of its current step */
  guint *step_end;  /* per node: end of its current step's involvements */
  guint *pending;   /* per node: unfinished involvements in the current step */
  guint8 *done;     /* per message */
  guint8 *released; /* per node: has entered the collective */
  guint *parked;    /* per node: head of sends waiting for it to enter (G_MAXUINT = none) */
  guint *next;      /* per message: next in its parked list */
  guint remaining;
};

PaleoCollectiveCursor *paleo_cursor_new(const PaleoSchedule *s)
{
  PaleoCollectiveCursor *c = g_new0(PaleoCollectiveCursor, 1);
  guint n = s->n_nodes, M = s->messages->len;
  c->s = s;
  c->inv_start = g_new0(guint, n + 1);
  c->inv = g_new(guint, 2 * (gsize)M);
  c->pos = g_new0(guint, n);
  c->step_end = g_new0(guint, n);
  c->pending = g_new0(guint, n);
  c->done = g_new0(guint8, M);
  c->released = g_new0(guint8, n);
  c->parked = g_new(guint, n);
  c->next = g_new(guint, M);
  for (guint p = 0; p < n; p++)
    c->parked[p] = G_MAXUINT;
  c->remaining = M;
  for (guint i = 0; i < M; i++) {
    const PaleoMessage *m = paleo_schedule_message(s, i);
    c->inv_start[m->src + 1]++;
    c->inv_start[m->dst + 1]++;
  }
  for (guint p = 0; p < n; p++)
    c->inv_start[p + 1] += c->inv_start[p];
  g_autofree guint *fill = g_memdup2(c->inv_start, n * sizeof(guint));
  for (guint i = 0; i < M; i++) {
    const PaleoMessage *m = paleo_schedule_message(s, i);
    c->inv[fill[m->src]++] = i;
    c->inv[fill[m->dst]++] = i;
  }
  return c;
}

void paleo_cursor_free(PaleoCollectiveCursor *c)
{
  if (!c)
    return;
  g_free(c->inv_start);
  g_free(c->inv);
  g_free(c->pos);
  g_free(c->step_end);
  g_free(c->pending);
  g_free(c->done);
  g_free(c->released);
  g_free(c->parked);
  g_free(c->next);
  g_free(c);
}

/* Moves `node` to its next step with unfinished work, emitting that step's sends. */
static void advance(PaleoCollectiveCursor *c, uint32_t node, guint from, GArray *ready)
{
  guint end = c->inv_start[node + 1];
  while (from < end) {
    guint step = paleo_schedule_message(c->s, c->inv[from])->step, e = from, pending = 0;
    while (e < end && paleo_schedule_message(c->s, c->inv[e])->step == step)
      e++;
    for (guint i = from; i < e; i++) {
      guint mi = c->inv[i];
      if (c->done[mi])
        continue;
      pending++;
      const PaleoMessage *m = paleo_schedule_message(c->s, mi);
      if (m->src != node)
        continue;
      if (c->released[m->dst])
        g_array_append_val(ready, mi);
      else { /* the receiver has not entered the collective yet */
        c->next[mi] = c->parked[m->dst];
        c->parked[m->dst] = mi;
      }
    }
    c->pos[node] = from;
    c->step_end[node] = e;
    c->pending[node] = pending;
    if (pending)
      return;
    from = e;
  }
  c->pos[node] = c->step_end[node] = end;
  c->pending[node] = 0;
}

static int guint_cmp(gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;
  return (x > y) - (x < y);
}

gboolean paleo_cursor_release(PaleoCollectiveCursor *c, uint32_t node, GArray *ready)
{
  g_assert(node < c->s->n_nodes && !c->released[node]);
  c->released[node] = 1;
  guint first = ready->len;
  for (guint mi = c->parked[node]; mi != G_MAXUINT; mi = c->next[mi])
    g_array_append_val(ready, mi);
  c->parked[node] = G_MAXUINT;
  if (ready->len - first > 1) /* parked lists are LIFO: restore message order */
    qsort(&g_array_index(ready, guint, first), ready->len - first, sizeof(guint), guint_cmp);
  advance(c, node, c->inv_start[node], ready);
  return paleo_cursor_node_done(c, node);
}

void paleo_cursor_start(PaleoCollectiveCursor *c, GArray *ready)
{
  for (uint32_t p = 0; p < c->s->n_nodes; p++)
    paleo_cursor_release(c, p, ready);
}

gboolean paleo_cursor_node_done(const PaleoCollectiveCursor *c, uint32_t node)
{
  return c->released[node] && c->pos[node] == c->inv_start[node + 1];
}

static void settle(PaleoCollectiveCursor *c, uint32_t node, guint step, GArray *ready)
{
  guint pos = c->pos[node];
  if (pos >= c->step_end[node] || paleo_schedule_message(c->s, c->inv[pos])->step != step)
    return; /* the node has not reached that step yet; counted when it does */
  g_assert(c->pending[node] > 0);
  if (--c->pending[node] == 0)
    advance(c, node, c->step_end[node], ready);
}

void paleo_cursor_complete(PaleoCollectiveCursor *c, guint message, GArray *ready)
{
  g_assert(message < c->s->messages->len && !c->done[message]);
  const PaleoMessage *m = paleo_schedule_message(c->s, message);
  c->done[message] = 1;
  c->remaining--;
  settle(c, m->src, m->step, ready);
  settle(c, m->dst, m->step, ready);
}

gboolean paleo_cursor_done(const PaleoCollectiveCursor *c)
{
  return c->remaining == 0;
}

/* ---- closed forms ---- */

static double alpha_ms(const PaleoLink *link, gboolean latency)
{
  return latency ? link->latency_us / 1000.0 : 0.0;
}

static PaleoAllReduceParams allreduce_params(const PaleoCollectiveSpec *sp, const PaleoCollectiveLinks *l)
{
  return (PaleoAllReduceParams){.link = l->link, .ppp_comm = l->ppp_comm, .latency = l->latency,
                                .intra_link = l->intra_link, .workers_per_host = MAX(sp->gpus_per_host, 1)};
}

static double ps_time_ms(const PaleoCollectiveSpec *sp, const PaleoCollectiveLinks *l)
{
  double S = (double)sp->bytes, N = sp->workers, k = sp->ps_servers;
  PaleoAllReduceParams ap = allreduce_params(sp, l);
  if (!sp->ps_dedicated && k == 1)
    return paleo_allreduce_ms(PALEO_ALLREDUCE_ONE_TO_ALL, sp->workers, S, &ap);
  /* A server's NIC carries N (dedicated) or N-1 (colocated) shards of S/k each way; a
   * worker's NIC carries its S (less its own shard when it is a server). */
  double per_server = (sp->ps_dedicated ? N : N - 1) / k * S;
  double per_worker = sp->ps_dedicated ? S : (k - 1) / k * S;
  double busiest = MAX(per_server, per_worker);
  if (busiest <= 0)
    return 0.0;
  return 2 * paleo_timing_link_ms(l->link, busiest, l->ppp_comm) + 2 * alpha_ms(l->link, l->latency);
}

uint64_t paleo_collective_transfer_ns(const PaleoCollectiveLinks *l, const PaleoLink *link, uint64_t bytes)
{
  return paleo_timing_ms_to_ns(paleo_timing_link_ms(link ? link : l->link, (double)bytes, l->ppp_comm));
}

uint64_t paleo_collective_message_ns(PaleoCollectiveKind kind, uint64_t ps_message_ns)
{
  return kind == PALEO_COLLECTIVE_PS ? ps_message_ns : 0;
}

uint64_t paleo_collective_overhead_ns(const PaleoCollectiveSpec *spec, uint64_t ps_message_ns)
{
  gboolean messages = spec->ps_dedicated || spec->workers > 1;
  return messages ? 2 * paleo_collective_message_ns(spec->kind, ps_message_ns) : 0; /* push, pull */
}

uint64_t paleo_collective_alpha_ns(const PaleoCollectiveLinks *l)
{
  return paleo_timing_ms_to_ns(alpha_ms(l->link, l->latency));
}

/* One half of a ring (reduce-scatter or all-gather) of `bytes` over n members of `link`. */
static double half_ring_ms(uint32_t n, double bytes, const PaleoLink *link, const PaleoCollectiveLinks *p)
{
  if (n <= 1)
    return 0.0;
  return (n - 1) * alpha_ms(link, p->latency) + paleo_timing_link_ms(link, (n - 1.0) / n * bytes, p->ppp_comm);
}

static double half_time_ms(const PaleoCollectiveSpec *sp, const PaleoCollectiveLinks *p)
{
  uint32_t N = sp->workers, G = MIN(MAX(sp->gpus_per_host, 1), N);
  if (sp->kind != PALEO_COLLECTIVE_HIERARCHICAL || G <= 1 || G >= N || !p->intra_link)
    return half_ring_ms(N, (double)sp->bytes, p->link, p);
  return half_ring_ms(G, (double)sp->bytes, p->intra_link, p) + half_ring_ms(N / G, (double)sp->bytes / G, p->link, p);
}

double paleo_collective_time_ms(const PaleoCollectiveSpec *sp, const PaleoCollectiveLinks *p)
{
  static const PaleoAllReduceScheme scheme[] = {
    [PALEO_COLLECTIVE_TREE] = PALEO_ALLREDUCE_TREE,
    [PALEO_COLLECTIVE_BUTTERFLY] = PALEO_ALLREDUCE_BUTTERFLY,
    [PALEO_COLLECTIVE_BUTTERFLY_MIXING] = PALEO_ALLREDUCE_BUTTERFLY_MIXING,
    [PALEO_COLLECTIVE_RING] = PALEO_ALLREDUCE_RING,
    [PALEO_COLLECTIVE_HIERARCHICAL] = PALEO_ALLREDUCE_HIERARCHICAL,
  };
  g_assert(p->link);
  if (sp->op != PALEO_OP_ALL_REDUCE)
    return half_time_ms(sp, p);
  switch (sp->kind) {
  case PALEO_COLLECTIVE_PS: return ps_time_ms(sp, p);
  case PALEO_COLLECTIVE_HIERARCHICAL:
  case PALEO_COLLECTIVE_TREE:
  case PALEO_COLLECTIVE_BUTTERFLY:
  case PALEO_COLLECTIVE_BUTTERFLY_MIXING:
  case PALEO_COLLECTIVE_RING: {
    PaleoAllReduceParams ap = allreduce_params(sp, p);
    return paleo_allreduce_ms(scheme[sp->kind], sp->workers, (double)sp->bytes, &ap);
  }
  default: g_assert_not_reached();
  }
}

uint64_t paleo_collective_time_ns(const PaleoCollectiveSpec *sp, const PaleoCollectiveLinks *l)
{
  return paleo_timing_ms_to_ns(paleo_collective_time_ms(sp, l));
}

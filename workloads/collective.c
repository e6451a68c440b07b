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

int paleo_message_cmp(const void *a, const void *b)
{
  const PaleoMessage *x = a, *y = b;
  PaleoMsgId i = PALEO_MSG_ID(x->step, x->index), j = PALEO_MSG_ID(y->step, y->index);
  return (i > j) - (i < j);
}

/* ---- steps ---- */

typedef enum {
  PH_RING_RS,     /* ring reduce-scatter step k over a ring (see Ring) */
  PH_RING_AG,     /* ring all-gather step k */
  PH_GATHER,      /* hierarchical: every GPU's reduced shard to its host leader */
  PH_SCATTER,     /* hierarchical: the leader's result shards back */
  PH_PS_PUSH,
  PH_PS_PULL,
  PH_TREE_REDUCE, /* k = half */
  PH_TREE_BCAST,  /* k = half */
  PH_BF_FOLD,
  PH_BF_XCHG,     /* k = bit */
  PH_BF_UNFOLD,
  PH_MIX,         /* k = bit */
} PhaseKind;

/* RING_COLUMN: the same local rank `origin` of every host (hierarchical leaders: rank 0). */
typedef enum { RING_ALL, RING_HOST, RING_COLUMN } RingShape;

/* A ring phase over bytes [base, base + size) of S: `groups` rings of `n` members; member
 * i of ring g is participant origin + g * gstride + i * mstride; the range is split into n
 * chunks of q bytes, the first r one longer. */
typedef struct {
  uint32_t n, groups, gstride, mstride, origin, r;
  uint64_t q, base;
} Ring;

struct PaleoStepDesc {
  uint8_t kind;     /* PhaseKind */
  uint8_t shape;    /* RingShape for PH_RING_* */
  uint32_t k;       /* ring step, tree half, butterfly bit */
  uint32_t run_end; /* RING_COLUMN: the first step after this column's consecutive ring steps */
  Ring ring;        /* PH_RING_* */
};

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

static Ring ring_of(const PaleoSchedule *s, RingShape shape, uint32_t origin, uint64_t base, uint64_t size)
{
  uint32_t N = s->n_workers, G = MAX(s->gpus_per_host, 1);
  Ring r = shape == RING_HOST     ? (Ring){G, N / G, G, 1, 0, 0, 0, 0}
           : shape == RING_COLUMN ? (Ring){N / G, 1, 0, G, origin, 0, 0, 0}
                                  : (Ring){N, 1, 0, 1, 0, 0, 0, 0};
  r.q = size / r.n;
  r.r = (uint32_t)(size % r.n);
  r.base = base;
  return r;
}

static void add_step(const PaleoSchedule *s, GArray *steps, PhaseKind kind, RingShape shape, uint32_t k)
{
  PaleoStepDesc d = {(uint8_t)kind, (uint8_t)shape, k, 0, {0}};
  if (kind == PH_RING_RS || kind == PH_RING_AG)
    d.ring = ring_of(s, shape, 0, 0, s->bytes);
  g_array_append_val(steps, d);
}

enum { RING_RS = 1, RING_AG = 2 };

/* The reduce-scatter and/or all-gather steps (`which`) of a ring over [base, base + size). */
static void add_ring(const PaleoSchedule *s, GArray *steps, RingShape shape, uint32_t origin, uint64_t base,
                     uint64_t size, unsigned which)
{
  Ring r = ring_of(s, shape, origin, base, size);
  if (r.n < 2 || size == 0)
    return;
  for (unsigned half = RING_RS; half <= RING_AG; half <<= 1)
    for (uint32_t k = 0; (which & half) && k + 1 < r.n; k++) {
      PaleoStepDesc d = {half == RING_RS ? PH_RING_RS : PH_RING_AG, (uint8_t)shape, k, 0, r};
      g_array_append_val(steps, d);
    }
}

/* Reduce-scatter or all-gather alone (tensor, sequence and ZeRO parallelism): a ring over
 * all N whatever the kind, except hierarchical with 1 < G < N, in two levels: the host
 * rings over S, then each local rank g's column of the H hosts over the chunk (g + 1) % G
 * it holds after them (all-gather: the columns first, then the hosts). */
static void describe_half(const PaleoSchedule *s, GArray *steps)
{
  uint32_t N = s->n_workers, G = s->gpus_per_host;
  uint64_t S = s->bytes;
  unsigned which = s->op == PALEO_OP_REDUCE_SCATTER ? RING_RS : RING_AG;
  if (s->kind != PALEO_COLLECTIVE_HIERARCHICAL || G <= 1 || G >= N) {
    add_ring(s, steps, RING_ALL, 0, 0, S, which);
    return;
  }
  if (which == RING_RS)
    add_ring(s, steps, RING_HOST, 0, 0, S, RING_RS);
  for (uint32_t g = 0; g < G; g++)
    add_ring(s, steps, RING_COLUMN, g, chunk_offset(S, G, (g + 1) % G), chunk_bytes(S, G, (g + 1) % G), which);
  if (which == RING_AG)
    add_ring(s, steps, RING_HOST, 0, 0, S, RING_AG);
}

/* Each column ring step's run_end. */
static void mark_runs(PaleoStepDesc *d, guint n)
{
  for (guint i = n; i-- > 0;) {
    gboolean same = i + 1 < n && d[i + 1].shape == RING_COLUMN && d[i + 1].ring.origin == d[i].ring.origin &&
                    (d[i + 1].kind == PH_RING_RS || d[i + 1].kind == PH_RING_AG);
    d[i].run_end = same ? d[i + 1].run_end : i + 1;
  }
}

/* The non-empty steps of each kind, in order. */
static void describe_steps(const PaleoSchedule *s, GArray *steps)
{
  uint32_t N = s->n_workers;
  uint64_t S = s->bytes;
  if (s->op != PALEO_OP_ALL_REDUCE) {
    describe_half(s, steps);
    return;
  }
  switch (s->kind) {
  case PALEO_COLLECTIVE_PS: {
    /* a message exists when its shard has bytes and it leaves its node: shard 0 has
     * bytes when S > 0; with one colocated server and one worker nothing moves */
    gboolean any = S > 0 && (s->ps_dedicated || N > 1 || (s->ps_servers > 1 && S > 1));
    if (any) {
      add_step(s, steps, PH_PS_PUSH, 0, 0);
      add_step(s, steps, PH_PS_PULL, 0, 0);
    }
    break;
  }
  case PALEO_COLLECTIVE_TREE: {
    guint h = paleo_collective_log2_ceil(N);
    for (guint j = 0; S > 0 && j < h; j++)
      add_step(s, steps, PH_TREE_REDUCE, 0, 1u << j);
    for (guint j = h; S > 0 && j-- > 0;)
      add_step(s, steps, PH_TREE_BCAST, 0, 1u << j);
    break;
  }
  case PALEO_COLLECTIVE_BUTTERFLY: {
    uint32_t P = 1u << log2_floor(N);
    if (S > 0 && N > P)
      add_step(s, steps, PH_BF_FOLD, 0, 0);
    for (uint32_t bit = 1; S > 0 && bit < P; bit <<= 1)
      add_step(s, steps, PH_BF_XCHG, 0, bit);
    if (S > 0 && N > P)
      add_step(s, steps, PH_BF_UNFOLD, 0, 0);
    break;
  }
  case PALEO_COLLECTIVE_BUTTERFLY_MIXING: {
    guint h = log2_floor(N);
    if (N >= 2 && S > 0)
      add_step(s, steps, PH_MIX, 0, 1u << (h ? s->iteration % h : 0));
    break;
  }
  case PALEO_COLLECTIVE_RING: add_ring(s, steps, RING_ALL, 0, 0, S, RING_RS | RING_AG); break;
  case PALEO_COLLECTIVE_HIERARCHICAL: {
    uint32_t G = s->gpus_per_host;
    if (G >= 2 && S > 0)
      for (uint32_t k = 0; k + 1 < G; k++)
        add_step(s, steps, PH_RING_RS, RING_HOST, k);
    if (G >= 2 && S > 0) /* chunk 0 (the largest) always moves, from GPU G-1 */
      add_step(s, steps, PH_GATHER, 0, 0);
    add_ring(s, steps, RING_COLUMN, 0, 0, S, RING_RS | RING_AG);
    if (G >= 2 && S > 0) {
      add_step(s, steps, PH_SCATTER, 0, 0);
      for (uint32_t k = 0; k + 1 < G; k++)
        add_step(s, steps, PH_RING_AG, RING_HOST, k);
    }
    break;
  }
  default: g_assert_not_reached();
  }
}

PaleoSchedule *paleo_schedule_new(const PaleoCollectiveSpec *sp)
{
  g_assert(sp->workers >= 1 && sp->kind < PALEO_COLLECTIVE_COUNT);
  PaleoSchedule *s = g_new0(PaleoSchedule, 1);
  s->kind = sp->kind;
  s->n_workers = s->n_nodes = sp->workers;
  s->bytes = sp->bytes;
  s->ps_servers = sp->ps_servers;
  s->ps_dedicated = sp->ps_dedicated;
  s->gpus_per_host = MAX(sp->gpus_per_host, 1);
  s->iteration = sp->iteration;
  s->op = sp->op;
  if (sp->kind == PALEO_COLLECTIVE_PS && sp->op == PALEO_OP_ALL_REDUCE) {
    g_assert(sp->ps_servers >= 1 && (sp->ps_dedicated || sp->ps_servers <= sp->workers));
    if (sp->ps_dedicated)
      s->n_nodes += sp->ps_servers;
  }
  if (sp->kind == PALEO_COLLECTIVE_HIERARCHICAL)
    g_assert(sp->gpus_per_host >= 1 && sp->workers % sp->gpus_per_host == 0);
  GArray *steps = g_array_new(FALSE, FALSE, sizeof(PaleoStepDesc));
  describe_steps(s, steps);
  s->n_steps = steps->len;
  s->steps = (PaleoStepDesc *)g_array_free(steps, FALSE);
  mark_runs(s->steps, s->n_steps);
  return s;
}

void paleo_schedule_free(PaleoSchedule *s)
{
  if (!s)
    return;
  g_free(s->steps);
  g_free(s);
}

const char *paleo_schedule_step_name(const PaleoSchedule *s, guint step)
{
  static const char *const names[] = {
    [PH_RING_RS] = "reduce-scatter", [PH_RING_AG] = "all-gather",     [PH_GATHER] = "gather-to-leader",
    [PH_SCATTER] = "scatter-from-leader", [PH_PS_PUSH] = "ps-push",   [PH_PS_PULL] = "ps-pull",
    [PH_TREE_REDUCE] = "tree-reduce", [PH_TREE_BCAST] = "tree-broadcast", [PH_BF_FOLD] = "butterfly-fold",
    [PH_BF_XCHG] = "butterfly",       [PH_BF_UNFOLD] = "butterfly-unfold", [PH_MIX] = "butterfly-mixing",
  };
  g_assert(step < s->n_steps);
  return names[s->steps[step].kind];
}

void paleo_message_list_push(PaleoMessageList *l, const PaleoMessage *m)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 16;
    l->v = g_renew(PaleoMessage, l->v, l->cap);
  }
  l->v[l->n++] = *m;
}

void paleo_message_list_clear(PaleoMessageList *l)
{
  g_free(l->v);
  *l = (PaleoMessageList){0};
}

/* ---- one step's messages ----
 * Each phase answers two questions in closed form: message `index` of the step, and
 * participant p's part (its sends, in index order, and how many it receives). A message
 * whose chunk is empty, or that would stay on its node, does not exist. */

static inline void send(PaleoMessageList *sends, guint step, uint32_t index, uint32_t src, uint32_t dst,
                        uint64_t offset, uint64_t bytes)
{
  if (!sends)
    return;
  PaleoMessage m = {src, dst, step, index, offset, bytes};
  paleo_message_list_push(sends, &m);
}

/* Ring member position of participant p, FALSE when p is not on one of the rings. */
static inline gboolean ring_position(const PaleoSchedule *s, const PaleoStepDesc *d, uint32_t p, uint32_t *g,
                                     uint32_t *i)
{
  if (p >= s->n_workers)
    return FALSE;
  switch (d->shape) {
  case RING_COLUMN:
    if (p % d->ring.mstride != d->ring.origin)
      return FALSE;
    *g = 0;
    *i = p / d->ring.mstride;
    return TRUE;
  case RING_HOST:
    *g = p / d->ring.gstride;
    *i = p - *g * d->ring.gstride;
    return TRUE;
  default:
    *g = 0;
    *i = p;
    return TRUE;
  }
}

static inline uint32_t ring_member(const Ring *r, uint32_t g, uint32_t i)
{
  return r->origin + g * r->gstride + i * r->mstride;
}

/* The chunk member i sends in ring step k: i - k (reduce-scatter), i + 1 - k (all-gather), mod n. */
static inline uint32_t ring_chunk(const PaleoStepDesc *d, uint32_t i)
{
  uint32_t n = d->ring.n, c = i + n - d->k + (d->kind == PH_RING_AG);
  while (c >= n)
    c -= n;
  return c;
}

static inline uint64_t ring_chunk_bytes(const Ring *r, uint32_t c)
{
  return r->q + (c < r->r);
}

static inline uint64_t ring_chunk_offset(const Ring *r, uint32_t c)
{
  return r->base + c * r->q + (c < r->r ? c : r->r);
}

static void ring_message(const PaleoStepDesc *d, uint32_t index, PaleoMessage *m)
{
  const Ring *r = &d->ring;
  uint32_t g = index / r->n, i = index - g * r->n, c = ring_chunk(d, i);
  m->src = ring_member(r, g, i);
  m->dst = ring_member(r, g, i + 1 == r->n ? 0 : i + 1);
  m->offset = ring_chunk_offset(r, c);
  m->bytes = ring_chunk_bytes(r, c);
}

static guint ring_involvement(const PaleoSchedule *s, const PaleoStepDesc *d, guint step, uint32_t p,
                              PaleoMessageList *sends)
{
  const Ring *r = &d->ring;
  uint32_t g, i;
  if (!ring_position(s, d, p, &g, &i))
    return 0;
  guint n = 0;
  uint32_t c = ring_chunk(d, i);
  uint64_t bytes = ring_chunk_bytes(r, c);
  if (bytes) {
    n++;
    send(sends, step, g * r->n + i, p, ring_member(r, g, i + 1 == r->n ? 0 : i + 1), ring_chunk_offset(r, c), bytes);
  }
  if (ring_chunk_bytes(r, c == 0 ? r->n - 1 : c - 1)) /* the predecessor's chunk */
    n++;
  return n;
}

/* Hierarchical gather (scatter): GPU g of host h sends (receives) chunk (g + 1) % G of
 * S / G to (from) the host's leader; message index = the GPU's rank. */
static uint64_t leader_chunk_bytes(const PaleoSchedule *s, uint32_t rank)
{
  uint32_t G = s->gpus_per_host;
  return chunk_bytes(s->bytes, G, (rank % G + 1) % G);
}

static void leader_message(const PaleoSchedule *s, const PaleoStepDesc *d, uint32_t index, PaleoMessage *m)
{
  uint32_t G = s->gpus_per_host, leader = index - index % G, c = (index % G + 1) % G;
  m->src = d->kind == PH_GATHER ? index : leader;
  m->dst = d->kind == PH_GATHER ? leader : index;
  m->offset = chunk_offset(s->bytes, G, c);
  m->bytes = chunk_bytes(s->bytes, G, c);
}

static guint leader_involvement(const PaleoSchedule *s, const PaleoStepDesc *d, guint step, uint32_t p,
                                PaleoMessageList *sends)
{
  uint32_t G = s->gpus_per_host;
  gboolean gather = d->kind == PH_GATHER;
  PaleoMessage m;
  if (p % G) { /* a GPU other than the leader: one message, if its chunk has bytes */
    if (!leader_chunk_bytes(s, p))
      return 0;
    if (gather) {
      leader_message(s, d, p, &m);
      send(sends, step, p, m.src, m.dst, m.offset, m.bytes);
    }
    return 1;
  }
  guint n = 0;
  for (uint32_t q = p + 1; q < p + G; q++)
    if (leader_chunk_bytes(s, q)) {
      n++;
      if (!gather) {
        leader_message(s, d, q, &m);
        send(sends, step, q, m.src, m.dst, m.offset, m.bytes);
      }
    }
  return n;
}

/* ps: message index = worker * k + server (push: worker -> server, pull: back). */
static uint32_t ps_server_node(const PaleoSchedule *s, uint32_t j)
{
  return (s->ps_dedicated ? s->n_workers : 0) + j;
}

static gboolean ps_exists(const PaleoSchedule *s, uint32_t w, uint32_t j)
{
  return chunk_bytes(s->bytes, s->ps_servers, j) && ps_server_node(s, j) != w;
}

static void ps_message(const PaleoSchedule *s, const PaleoStepDesc *d, uint32_t index, PaleoMessage *m)
{
  uint32_t k = s->ps_servers, w = index / k, j = index % k, server = ps_server_node(s, j);
  m->src = d->kind == PH_PS_PUSH ? w : server;
  m->dst = d->kind == PH_PS_PUSH ? server : w;
  m->offset = chunk_offset(s->bytes, k, j);
  m->bytes = chunk_bytes(s->bytes, k, j);
}

static guint ps_involvement(const PaleoSchedule *s, const PaleoStepDesc *d, guint step, uint32_t p,
                            PaleoMessageList *sends)
{
  uint32_t k = s->ps_servers, first = ps_server_node(s, 0);
  gboolean push = d->kind == PH_PS_PUSH;
  guint n = 0;
  PaleoMessage m;
  if (p < s->n_workers) /* as a worker: one message per server */
    for (uint32_t j = 0; j < k; j++)
      if (ps_exists(s, p, j)) {
        n++;
        if (push) {
          ps_message(s, d, p * k + j, &m);
          send(sends, step, p * k + j, m.src, m.dst, m.offset, m.bytes);
        }
      }
  if (p >= first && p - first < k) /* as a server: one message per worker */
    for (uint32_t w = 0; w < s->n_workers; w++)
      if (ps_exists(s, w, p - first)) {
        n++;
        if (!push) {
          ps_message(s, d, w * k + p - first, &m);
          send(sends, step, w * k + p - first, m.src, m.dst, m.offset, m.bytes);
        }
      }
  return n;
}

/* Tree, butterfly and mixing steps: message index = the sender's rank, except the
 * mixing step's extra pairs (index P + 2 (i - P) for i -> i - P, + 1 for i - P -> i). */
static gboolean pair_peer(const PaleoSchedule *s, const PaleoStepDesc *d, uint32_t p, gboolean to, uint32_t *peer)
{
  uint32_t N = s->n_workers, P = 1u << log2_floor(N), half = d->k;
  switch (d->kind) {
  case PH_TREE_REDUCE:
  case PH_TREE_BCAST: {
    gboolean up = (p % (2 * half) == half), down = p % (2 * half) == 0 && p + half < N;
    gboolean sender = d->kind == PH_TREE_REDUCE ? up : down;
    gboolean receiver = d->kind == PH_TREE_REDUCE ? down : up;
    if (to ? !sender : !receiver)
      return FALSE;
    *peer = up ? p - half : p + half;
    return TRUE;
  }
  case PH_BF_FOLD:
  case PH_BF_UNFOLD: {
    gboolean extra = p >= P, to_extra = d->kind == PH_BF_UNFOLD;
    if (extra ? to == to_extra : (p >= N - P || to != to_extra))
      return FALSE;
    *peer = extra ? p - P : p + P;
    return TRUE;
  }
  default: /* PH_BF_XCHG */
    if (p >= P)
      return FALSE;
    *peer = p ^ d->k;
    return TRUE;
  }
}

static void pair_message(const PaleoSchedule *s, const PaleoStepDesc *d, uint32_t index, PaleoMessage *m)
{
  uint32_t N = s->n_workers, P = 1u << log2_floor(N);
  m->offset = 0;
  m->bytes = s->bytes;
  if (d->kind == PH_MIX) {
    if (index < P) {
      m->src = index;
      m->dst = index ^ d->k;
    } else {
      uint32_t i = P + (index - P) / 2;
      m->src = (index - P) % 2 ? i - P : i;
      m->dst = (index - P) % 2 ? i : i - P;
    }
    return;
  }
  m->src = index;
  gboolean ok = pair_peer(s, d, index, TRUE, &m->dst);
  g_assert(ok);
}

static guint mix_involvement(const PaleoSchedule *s, const PaleoStepDesc *d, guint step, uint32_t p,
                             PaleoMessageList *sends)
{
  uint32_t N = s->n_workers, P = 1u << log2_floor(N), index[2];
  guint n_sends = 0;
  if (p < P) {
    index[n_sends++] = p;
    if (p < N - P)
      index[n_sends++] = P + 2 * p + 1;
  } else
    index[n_sends++] = P + 2 * (p - P);
  for (guint i = 0; i < n_sends; i++) {
    PaleoMessage m;
    pair_message(s, d, index[i], &m);
    send(sends, step, index[i], m.src, m.dst, m.offset, m.bytes);
  }
  return 2 * n_sends; /* every exchange is symmetric */
}

static guint pair_involvement(const PaleoSchedule *s, const PaleoStepDesc *d, guint step, uint32_t p,
                              PaleoMessageList *sends)
{
  if (p >= s->n_workers)
    return 0;
  if (d->kind == PH_MIX)
    return mix_involvement(s, d, step, p, sends);
  uint32_t peer;
  guint n = 0;
  if (pair_peer(s, d, p, TRUE, &peer)) {
    n++;
    send(sends, step, p, p, peer, 0, s->bytes);
  }
  if (pair_peer(s, d, p, FALSE, &peer))
    n++;
  return n;
}

void paleo_schedule_message(const PaleoSchedule *s, PaleoMsgId id, PaleoMessage *m)
{
  guint step = paleo_msg_step(id);
  g_assert(step < s->n_steps);
  const PaleoStepDesc *d = &s->steps[step];
  m->step = step;
  m->index = paleo_msg_index(id);
  switch (d->kind) {
  case PH_RING_RS:
  case PH_RING_AG: ring_message(d, m->index, m); break;
  case PH_GATHER:
  case PH_SCATTER: leader_message(s, d, m->index, m); break;
  case PH_PS_PUSH:
  case PH_PS_PULL: ps_message(s, d, m->index, m); break;
  default: pair_message(s, d, m->index, m); break;
  }
}

guint paleo_schedule_involvement(const PaleoSchedule *s, uint32_t node, guint step, PaleoMessageList *sends)
{
  g_assert(step < s->n_steps && node < s->n_nodes);
  const PaleoStepDesc *d = &s->steps[step];
  switch (d->kind) {
  case PH_RING_RS:
  case PH_RING_AG: return ring_involvement(s, d, step, node, sends);
  case PH_GATHER:
  case PH_SCATTER: return leader_involvement(s, d, step, node, sends);
  case PH_PS_PUSH:
  case PH_PS_PULL: return ps_involvement(s, d, step, node, sends);
  default: return pair_involvement(s, d, step, node, sends);
  }
}

/* A column ring's step that `node` takes no part in. */
static inline gboolean off_column(const PaleoSchedule *s, const PaleoStepDesc *d, uint32_t node)
{
  return d->shape == RING_COLUMN && (d->kind == PH_RING_RS || d->kind == PH_RING_AG) &&
         (node >= s->n_workers || node % d->ring.mstride != d->ring.origin);
}

guint paleo_schedule_next_step(const PaleoSchedule *s, uint32_t node, guint from)
{
  while (from < s->n_steps) {
    const PaleoStepDesc *d = &s->steps[from];
    if (off_column(s, d, node)) { /* over the rest of another column's ring */
      from = d->run_end;
      continue;
    }
    if (paleo_schedule_involvement(s, node, from, NULL))
      return from;
    from++;
  }
  return s->n_steps;
}

GArray *paleo_schedule_messages(const PaleoSchedule *s)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(PaleoMessage));
  PaleoMessageList sends = {0};
  for (guint step = 0; step < s->n_steps; step++) {
    sends.n = 0;
    for (uint32_t p = 0; p < s->n_nodes; p++)
      paleo_schedule_involvement(s, p, step, &sends);
    qsort(sends.v, sends.n, sizeof(PaleoMessage), paleo_message_cmp);
    g_array_append_vals(out, sends.v, sends.n);
  }
  paleo_message_list_clear(&sends);
  return out;
}

gsize paleo_schedule_bytes(const PaleoSchedule *s)
{
  return sizeof(*s) + (gsize)s->n_steps * sizeof(PaleoStepDesc);
}

uint64_t paleo_schedule_widest_step(const PaleoSchedule *s)
{
  uint64_t N = s->n_workers, G = s->gpus_per_host, P = (uint64_t)1 << log2_floor(s->n_workers), widest = 0;
  for (guint i = 0; i < s->n_steps; i++) {
    const PaleoStepDesc *d = &s->steps[i];
    uint64_t n;
    switch (d->kind) {
    case PH_RING_RS:
    case PH_RING_AG: n = (uint64_t)d->ring.n * d->ring.groups; break;
    case PH_GATHER:
    case PH_SCATTER: n = N - N / G; break;
    case PH_PS_PUSH:
    case PH_PS_PULL: n = N * s->ps_servers; break;
    case PH_MIX: n = P + 2 * (N - P); break;
    default: n = N; break; /* tree levels, butterfly exchanges and folds: at most one send each */
    }
    widest = MAX(widest, n);
  }
  return widest;
}

uint64_t paleo_schedule_node_bytes(const PaleoSchedule *s, uint32_t node, gboolean sent)
{
  g_autoptr(GArray) all = paleo_schedule_messages(s);
  uint64_t total = 0;
  for (guint i = 0; i < all->len; i++) {
    const PaleoMessage *m = &g_array_index(all, PaleoMessage, i);
    if ((sent ? m->src : m->dst) == node)
      total += m->bytes;
  }
  return total;
}

/* ---- the cursor: per participant, its current step and what is pending there ---- */

typedef struct {
  uint32_t step;     /* current step; n_steps when done */
  uint32_t pending;  /* unfinished involvements in it */
  /* Receipts that came before the participant reached their step: a ring of counts for
   * steps ahead_base .. ahead_base + ahead_cap - 1, starting at ahead_head (NULL: none). */
  uint32_t *ahead;
  uint32_t ahead_base, ahead_cap, ahead_head;
  uint32_t parked;   /* head of the sends waiting for it to enter (index into parked pool, G_MAXUINT32 none) */
  uint8_t released;
} CursorNode;

typedef struct {
  PaleoMessage m;
  uint32_t next;
} Parked;

struct PaleoCollectiveCursor {
  const PaleoSchedule *s;
  CursorNode *nodes;
  uint32_t unfinished;      /* participants not done */
  gsize ahead_bytes;        /* held by the receipt rings */
  GArray *parked;           /* Parked pool */
  uint32_t parked_free;     /* free list through Parked.next */
  PaleoMessageList sends;   /* scratch */
};

PaleoCollectiveCursor *paleo_cursor_new(const PaleoSchedule *s)
{
  PaleoCollectiveCursor *c = g_new0(PaleoCollectiveCursor, 1);
  c->s = s;
  c->nodes = g_new0(CursorNode, MAX(s->n_nodes, 1));
  for (uint32_t p = 0; p < s->n_nodes; p++)
    c->nodes[p].parked = G_MAXUINT32;
  c->unfinished = s->n_nodes;
  c->parked = g_array_new(FALSE, FALSE, sizeof(Parked));
  c->parked_free = G_MAXUINT32;
  return c;
}

void paleo_cursor_free(PaleoCollectiveCursor *c)
{
  if (!c)
    return;
  for (uint32_t p = 0; p < c->s->n_nodes; p++)
    g_free(c->nodes[p].ahead);
  g_free(c->nodes);
  g_array_free(c->parked, TRUE);
  paleo_message_list_clear(&c->sends);
  g_free(c);
}

gsize paleo_cursor_bytes(const PaleoCollectiveCursor *c)
{
  return sizeof(*c) + (gsize)c->s->n_nodes * sizeof(CursorNode) + c->parked->len * sizeof(Parked) + c->ahead_bytes +
         c->sends.cap * sizeof(PaleoMessage);
}

gsize paleo_cursor_start_bytes(const PaleoSchedule *s)
{
  return sizeof(PaleoCollectiveCursor) + (gsize)s->n_nodes * sizeof(CursorNode);
}

static void ahead_add(PaleoCollectiveCursor *c, uint32_t node, uint32_t step)
{
  CursorNode *n = &c->nodes[node];
  g_assert(step >= n->ahead_base);
  uint32_t d = step - n->ahead_base;
  if (d >= n->ahead_cap) { /* grow, unrolling the ring */
    uint32_t cap = MAX(n->ahead_cap, 4u);
    while (cap <= d)
      cap *= 2;
    uint32_t *ring = g_new0(uint32_t, cap);
    for (uint32_t i = 0; i < n->ahead_cap; i++)
      ring[i] = n->ahead[(n->ahead_head + i) % n->ahead_cap];
    c->ahead_bytes += (gsize)(cap - n->ahead_cap) * sizeof(uint32_t);
    g_free(n->ahead);
    n->ahead = ring;
    n->ahead_cap = cap;
    n->ahead_head = 0;
  }
  uint32_t at = n->ahead_head + d;
  n->ahead[at >= n->ahead_cap ? at - n->ahead_cap : at]++;
}

/* Takes the receipts ahead of `node` for `step`, forgetting every step before it. */
static uint32_t ahead_take(PaleoCollectiveCursor *c, uint32_t node, uint32_t step)
{
  CursorNode *n = &c->nodes[node];
  g_assert(step >= n->ahead_base);
  uint32_t d = step - n->ahead_base, count = 0;
  n->ahead_base = step + 1;
  if (!n->ahead_cap)
    return 0;
  if (d >= n->ahead_cap) {
    memset(n->ahead, 0, n->ahead_cap * sizeof(uint32_t));
    n->ahead_head = 0;
    return 0;
  }
  for (uint32_t i = 0; i <= d; i++) {
    uint32_t *cell = &n->ahead[(n->ahead_head + i) % n->ahead_cap];
    count = *cell;
    *cell = 0;
  }
  n->ahead_head = (n->ahead_head + d + 1) % n->ahead_cap;
  return count;
}

static void park(PaleoCollectiveCursor *c, uint32_t node, const PaleoMessage *m)
{
  uint32_t slot = c->parked_free;
  if (slot != G_MAXUINT32)
    c->parked_free = g_array_index(c->parked, Parked, slot).next;
  else {
    slot = c->parked->len;
    g_array_set_size(c->parked, slot + 1);
  }
  g_array_index(c->parked, Parked, slot) = (Parked){*m, c->nodes[node].parked};
  c->nodes[node].parked = slot;
}

/* Moves `node` to its next step >= `from` with unfinished work, emitting that step's sends. */
static void advance(PaleoCollectiveCursor *c, uint32_t node, guint from, PaleoMessageList *ready)
{
  const PaleoSchedule *s = c->s;
  CursorNode *n = &c->nodes[node];
  for (guint step = from; step < s->n_steps; step++) {
    const PaleoStepDesc *d = &s->steps[step];
    if (off_column(s, d, node)) { /* jump over another column's ring */
      step = paleo_schedule_next_step(s, node, step);
      if (step >= s->n_steps)
        break;
    }
    c->sends.n = 0;
    guint involved = paleo_schedule_involvement(s, node, step, &c->sends);
    if (!involved)
      continue;
    for (guint i = 0; i < c->sends.n; i++) {
      const PaleoMessage *m = &c->sends.v[i];
      if (c->nodes[m->dst].released)
        paleo_message_list_push(ready, m);
      else /* the receiver has not entered the collective yet */
        park(c, m->dst, m);
    }
    uint32_t done = ahead_take(c, node, step);
    g_assert(done <= involved);
    n->step = step;
    n->pending = involved - done;
    if (n->pending)
      return;
  }
  n->step = s->n_steps;
  n->pending = 0;
  c->unfinished--;
}

gboolean paleo_cursor_release(PaleoCollectiveCursor *c, uint32_t node, PaleoMessageList *ready)
{
  g_assert(node < c->s->n_nodes && !c->nodes[node].released);
  CursorNode *n = &c->nodes[node];
  n->released = 1;
  guint first = ready->n;
  for (uint32_t slot = n->parked; slot != G_MAXUINT32;) {
    Parked *pk = &g_array_index(c->parked, Parked, slot);
    uint32_t next = pk->next;
    paleo_message_list_push(ready, &pk->m);
    pk->next = c->parked_free;
    c->parked_free = slot;
    slot = next;
  }
  n->parked = G_MAXUINT32;
  if (ready->n - first > 1) /* parked lists are LIFO: restore message order */
    qsort(ready->v + first, ready->n - first, sizeof(PaleoMessage), paleo_message_cmp);
  advance(c, node, 0, ready);
  return paleo_cursor_node_done(c, node);
}

void paleo_cursor_start(PaleoCollectiveCursor *c, PaleoMessageList *ready)
{
  for (uint32_t p = 0; p < c->s->n_nodes; p++)
    paleo_cursor_release(c, p, ready);
}

gboolean paleo_cursor_node_done(const PaleoCollectiveCursor *c, uint32_t node)
{
  return c->nodes[node].released && c->nodes[node].step == c->s->n_steps;
}

/* One of `node`'s involvements in `step` is complete. */
static void settle(PaleoCollectiveCursor *c, uint32_t node, guint step, PaleoMessageList *ready)
{
  CursorNode *n = &c->nodes[node];
  if (n->step != step) { /* the node has not reached that step yet */
    g_assert(n->released && n->step < step);
    ahead_add(c, node, step);
    return;
  }
  g_assert(n->pending > 0);
  if (--n->pending == 0)
    advance(c, node, step + 1, ready);
}

void paleo_cursor_complete(PaleoCollectiveCursor *c, const PaleoMessage *m, PaleoMessageList *ready)
{
  g_assert(m->step < c->s->n_steps);
  settle(c, m->src, m->step, ready);
  settle(c, m->dst, m->step, ready);
}

gboolean paleo_cursor_done(const PaleoCollectiveCursor *c)
{
  return c->unfinished == 0;
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

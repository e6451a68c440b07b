/* Collectives (gradient all-reduce and parameter-server exchange) as message patterns and
 * as closed-form times.
 *
 * A schedule is a list of steps; each step holds messages {src, dst, bytes} between
 * participants 0..n_nodes-1 (workers 0..N-1 first, then any dedicated parameter servers).
 * Nothing is stored per message: a step's messages and a participant's part in a step are
 * closed forms, so a ring over 16384 workers (537 M messages) costs O(steps) to describe
 * and O(participants) to execute.
 * Dependencies follow one rule, the per-participant step order: a message of step k sent
 * by p may start once every message of steps < k that p sends or receives is complete.
 * Steps in which p takes no part impose nothing on p. PaleoCollectiveCursor applies this
 * rule incrementally so an executor (the flow model, a test) only reports completions.
 *
 * Variants (documented in the README):
 * - ps: k servers, each owning a shard of S/k bytes. Colocated servers are workers
 *   0..k-1 (PALEO's OneToAll when k = 1); dedicated ones are extra nodes N..N+k-1.
 *   Step 0 pushes every worker's shard to its server, step 1 pulls the reduced shard back.
 * - tree: binomial reduce to rank 0 (ceil(log2 N) steps) then binomial broadcast.
 * - butterfly: recursive doubling with full-size exchanges; N not a power of two uses
 *   the standard pre-step (ranks P..N-1 fold into 0..r-1) and post-step (results back).
 * - butterfly-mixing: one exchange with partner i xor 2^(iteration mod log2 P) per
 *   iteration (Zhao & Canny), no full reduction.
 * - ring: reduce-scatter (N-1 steps) + all-gather (N-1 steps), chunks of S/N.
 * - hierarchical (hosts x gpus): intra-host ring reduce-scatter (G-1 steps of S/G), gather
 *   of the reduced shards to the host leader (local rank 0), ring all-reduce of S among
 *   the H leaders (2(H-1) steps of S/H), scatter from the leader, intra-host ring
 *   all-gather (G-1 steps). Worker w lives on host w / G. */
#ifndef PALEO_COLLECTIVE_H
#define PALEO_COLLECTIVE_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"

typedef enum {
  PALEO_COLLECTIVE_PS = 0,
  PALEO_COLLECTIVE_TREE,
  PALEO_COLLECTIVE_BUTTERFLY,
  PALEO_COLLECTIVE_BUTTERFLY_MIXING,
  PALEO_COLLECTIVE_RING,
  PALEO_COLLECTIVE_HIERARCHICAL,
  PALEO_COLLECTIVE_COUNT,
} PaleoCollectiveKind;

/* NULL-terminated, indexed by PaleoCollectiveKind: "ps", "tree", ... */
extern const char *const paleo_collective_names[];
/* One-line description per kind, same indexing. */
extern const char *const paleo_collective_descriptions[];

/* What a collective computes. Gradient exchange is an all-reduce (every kind above);
 * reduce-scatter (each participant ends with its 1/N of the reduced S bytes) and all-gather
 * (each ends with all N parts of S) are what tensor, sequence and sharded data parallelism
 * (ZeRO) use. They run as rings (NCCL's algorithm) whatever the kind, except hierarchical,
 * which runs them in two levels: inside hosts, then among the same local ranks of every
 * host. */
typedef enum {
  PALEO_OP_ALL_REDUCE = 0,
  PALEO_OP_REDUCE_SCATTER,
  PALEO_OP_ALL_GATHER,
} PaleoCollectiveOp;
/* NULL-terminated, indexed by PaleoCollectiveOp: "all-reduce", "reduce-scatter", "all-gather". */
extern const char *const paleo_collective_op_names[];
/* The name traces give a collective: the kind's for an all-reduce, else the operation's. */
const char *paleo_collective_label(PaleoCollectiveKind kind, PaleoCollectiveOp op);

typedef enum {
  PALEO_FIDELITY_ANALYTICAL = 0, /* one event of closed-form time per collective */
  PALEO_FIDELITY_FLOW = 1,       /* message pattern as flows through the network model */
} PaleoFidelity;
extern const char *const paleo_fidelity_names[];

/* Returns the kind for a name, or -1. */
int paleo_collective_from_name(const char *name);

/* A message names itself by its step and its index within the step: (step << 32) | index.
 * Indices are dense per step, in the order the pattern lists the step's messages (mostly
 * the sender's position), so ids order messages by step, then by index. */
typedef uint64_t PaleoMsgId;
#define PALEO_MSG_ID(step, index) (((uint64_t)(step) << 32) | (uint32_t)(index))
static inline guint paleo_msg_step(PaleoMsgId id) { return (guint)(id >> 32); }
static inline guint paleo_msg_index(PaleoMsgId id) { return (guint)(uint32_t)id; }


typedef struct {
  uint32_t src, dst; /* participant indices */
  uint32_t step, index;
  uint64_t offset;   /* first byte of the gradient range carried, in [0, S) */
  uint64_t bytes;
} PaleoMessage;

/* Orders messages by id (qsort comparator). */
int paleo_message_cmp(const void *a, const void *b);

/* A growable list of messages (the cursor's output). */
typedef struct {
  PaleoMessage *v;
  guint n, cap;
} PaleoMessageList;
void paleo_message_list_push(PaleoMessageList *list, const PaleoMessage *m);
void paleo_message_list_clear(PaleoMessageList *list); /* frees */

typedef struct PaleoStepDesc PaleoStepDesc; /* internal: what one step does */

/* A message pattern, generated on demand: no message is stored. Steps are numbered
 * 0..n_steps-1 and none is empty; a step's messages, and any participant's part in it,
 * come from closed forms in O(what is asked for). */
typedef struct {
  PaleoCollectiveKind kind;
  uint32_t n_workers;    /* N */
  uint32_t n_nodes;      /* N + dedicated servers */
  uint64_t bytes;        /* S */
  PaleoCollectiveOp op;
  guint n_steps;
  uint32_t ps_servers, gpus_per_host, iteration;
  gboolean ps_dedicated;
  PaleoStepDesc *steps;  /* n_steps */
} PaleoSchedule;

/* Parameters of a collective. Fields that do not apply to a kind are ignored. */
typedef struct {
  PaleoCollectiveKind kind;
  PaleoCollectiveOp op;      /* all-reduce (the default) */
  uint32_t workers;          /* N >= 1 */
  uint64_t bytes;            /* S, the gradient (or bucket) size per worker; for reduce-scatter
                                and all-gather the whole tensor (each participant's part is S/N) */
  uint32_t ps_servers;       /* ps: k >= 1 */
  gboolean ps_dedicated;     /* ps: servers are extra nodes instead of workers 0..k-1 */
  uint32_t gpus_per_host;    /* hierarchical: G >= 1, N must be a multiple of G */
  uint32_t iteration;        /* butterfly-mixing: which exchange this iteration does */
} PaleoCollectiveSpec;

/* The pattern of `spec`: O(steps) memory; asserts on invalid specs (callers validate user
 * input). */
PaleoSchedule *paleo_schedule_new(const PaleoCollectiveSpec *spec);
void paleo_schedule_free(PaleoSchedule *schedule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoSchedule, paleo_schedule_free)

/* "push", "reduce-scatter", ... (for traces and tests). */
const char *paleo_schedule_step_name(const PaleoSchedule *s, guint step);
/* The message `id` (which must exist). */
void paleo_schedule_message(const PaleoSchedule *s, PaleoMsgId id, PaleoMessage *out);
/* Participant `node`'s part in `step`: how many messages of the step it sends or
 * receives; those it sends are appended to `sends` (in id order) when it is not NULL. */
guint paleo_schedule_involvement(const PaleoSchedule *s, uint32_t node, guint step, PaleoMessageList *sends);
/* The first step >= `from` in which `node` may take part (n_steps when none): a closed-form
 * jump over the steps a participant certainly skips (leaders' steps for the other GPUs of a
 * host, tree levels, butterfly exchanges for the folded ranks). */
guint paleo_schedule_next_step(const PaleoSchedule *s, uint32_t node, guint from);
/* Every message, step by step (O(messages); for tests and small tools). */
GArray *paleo_schedule_messages(const PaleoSchedule *s);
/* Bytes the schedule holds: its header and step descriptions, O(steps). */
gsize paleo_schedule_bytes(const PaleoSchedule *s);
/* The most messages one step has (exact for rings and ps, an upper bound otherwise): no
 * more of one collective's messages are ever in flight at once. */
uint64_t paleo_schedule_widest_step(const PaleoSchedule *s);
/* Bytes participant `node` sends (sent = TRUE) or receives over the whole schedule. */
uint64_t paleo_schedule_node_bytes(const PaleoSchedule *s, uint32_t node, gboolean sent);

/* Incremental executor of the dependency rule above, in O(participants) memory (plus the
 * receipts that reach a participant before it reaches their step, and the sends parked on
 * participants that have not entered yet). */
typedef struct PaleoCollectiveCursor PaleoCollectiveCursor;
PaleoCollectiveCursor *paleo_cursor_new(const PaleoSchedule *schedule);
void paleo_cursor_free(PaleoCollectiveCursor *cursor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoCollectiveCursor, paleo_cursor_free)
/* A participant takes part once released (it has entered the collective: its data is
 * ready and its communication stream is free). A message starts when its sender has
 * finished its earlier steps and its receiver has been released. The functions append
 * to `ready` (in a deterministic order) the messages that may start now; the caller
 * starts them and reports each completion. */
/* Releases one participant; returns TRUE when it has nothing (left) to do. */
gboolean paleo_cursor_release(PaleoCollectiveCursor *cursor, uint32_t node, PaleoMessageList *ready);
/* Releases every participant, in index order. */
void paleo_cursor_start(PaleoCollectiveCursor *cursor, PaleoMessageList *ready);
/* The participant was released and all its messages are complete. */
gboolean paleo_cursor_node_done(const PaleoCollectiveCursor *cursor, uint32_t node);
/* Message `m` (as the cursor gave it) is complete. */
void paleo_cursor_complete(PaleoCollectiveCursor *cursor, const PaleoMessage *m, PaleoMessageList *ready);
/* Every participant is done (so every message is complete). */
gboolean paleo_cursor_done(const PaleoCollectiveCursor *cursor);
/* Bytes the cursor holds now (its per-participant state, receipts ahead, parked sends). */
gsize paleo_cursor_bytes(const PaleoCollectiveCursor *cursor);
/* Bytes a new cursor over `s` holds (per-participant state); receipts that come before
 * their step and sends parked on participants not yet entered add to it while it runs. */
gsize paleo_cursor_start_bytes(const PaleoSchedule *s);

/* The links a closed form uses. */
typedef struct {
  const PaleoLink *link;       /* between workers (between hosts for hierarchical) */
  const PaleoLink *intra_link; /* hierarchical: inside a host */
  double ppp_comm;             /* divides every bandwidth term */
  gboolean latency;            /* add alpha = the link's latency_us per step */
} PaleoCollectiveLinks;

/* Closed-form time of one collective of spec->bytes, ms. Reduce-scatter and all-gather:
 * a ring (N-1) alpha + (N-1)/N S / B; hierarchical (G per host, H hosts) the intra-host ring
 * (G-1) alpha_i + (G-1)/G S / B_i plus the ring of S/G among hosts (H-1) alpha + (H-1)/H S/G / B.
 * All-reduce: ps (one colocated server), tree,
 * butterfly, butterfly-mixing and ring are hardware/timing.h's paleo_allreduce_ms (PALEO's
 * OneToAll/Tree/Butterfly/ButterflyMixing, alpha = link latency per step when
 * links->latency). Sharded or dedicated ps: 2 t(the bytes the busiest NIC carries) +
 * 2 alpha. hierarchical: paleo_allreduce_ms's (the leader variant above, one NIC per host:
 * 4 (G-1)/G S / B_intra + 2G alpha_intra + 2(H-1)/H S / B + 2(H-1) alpha), the one formula
 * `predict --scheme hierarchical` uses too. */
double paleo_collective_time_ms(const PaleoCollectiveSpec *spec, const PaleoCollectiveLinks *links);
/* The same in engine nanoseconds (hardware/timing.h's one conversion). */
uint64_t paleo_collective_time_ns(const PaleoCollectiveSpec *spec, const PaleoCollectiveLinks *links);

/* Software time one message of a `kind` collective costs beyond the network, ns: a
 * message to or from a parameter server pays `ps_message_ns` (the refined profile's
 * ps_message_us; 0 under paleo), an all-reduce message nothing. The one rule every trainer
 * applies: sync with collective ps (each push and pull), async-ps, ssp and backup. */
uint64_t paleo_collective_message_ns(PaleoCollectiveKind kind, uint64_t ps_message_ns);
/* The same summed over a collective's sequential message steps (ps: push, then pull; none
 * when one worker is its own colocated server), what a closed form adds, ns. */
uint64_t paleo_collective_overhead_ns(const PaleoCollectiveSpec *spec, uint64_t ps_message_ns);

/* Time of `bytes` over `link` (NULL = links->link) at links->ppp_comm, no alpha, ns. */
uint64_t paleo_collective_transfer_ns(const PaleoCollectiveLinks *links, const PaleoLink *link, uint64_t bytes);
/* One alpha: links->link's latency when links->latency, else 0, ns. */
uint64_t paleo_collective_alpha_ns(const PaleoCollectiveLinks *links);

/* ceil(log2 n), 0 for n <= 1. */
guint paleo_collective_log2_ceil(uint32_t n);

#endif

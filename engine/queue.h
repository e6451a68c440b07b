/* The event queue: an array-based 4-ary min-heap of small keys (time, tie, slot) over a
 * pool of event records, with {slot, generation} handles for O(log n) cancel and re-key.
 *
 * Order: (time, seq) lexicographically, where seq is the queue's global 64-bit insertion
 * counter (also renewed by a re-key), so equal times pop in insertion order. To keep heap
 * keys at 16 bytes (four children per 64-byte cache line) the heap compares a 32-bit
 * "tie" number that follows seq order; when it would wrap, the pending keys are
 * renumbered in order (paleo_queue_renumber, O(n log n) once per 2^32 insertions). Records come from a
 * pool with a free list; the pool and the heap only grow (amortised doubling), so a steady
 * state allocates nothing. Each record knows its heap position, which makes cancel and
 * re-key O(log n). A handle goes stale when its event is popped or cancelled (the slot's
 * generation moves on); operations on stale handles are harmless no-ops returning FALSE.
 * The queue does not know about simulated "now": the engine enforces monotonic time. */
#ifndef PALEO_QUEUE_H
#define PALEO_QUEUE_H

#include <glib.h>
#include <stdint.h>

typedef struct PaleoQueue PaleoQueue;

/* Names one queued record. gen 0 never names a live record. */
typedef struct {
  uint32_t slot;
  uint32_t gen;
} PaleoQueueHandle;

/* What a record carries besides its key; opaque to the queue. */
typedef struct {
  uint32_t entity;
  uint32_t kind;
  uint64_t arg;
  void *data; /* not owned */
} PaleoQueueItem;

/* A popped record. */
typedef struct {
  uint64_t time; /* ns */
  uint64_t seq;  /* insertion (or last re-key) order */
  PaleoQueueItem item;
} PaleoQueueEntry;

PaleoQueue *paleo_queue_new(void);
void paleo_queue_free(PaleoQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoQueue, paleo_queue_free)

/* Inserts a record at `time`; returns its handle. */
PaleoQueueHandle paleo_queue_push(PaleoQueue *queue, uint64_t time, const PaleoQueueItem *item);
/* Removes the least record into OUT: entry. FALSE when the queue is empty. */
gboolean paleo_queue_pop(PaleoQueue *queue, PaleoQueueEntry *entry);
/* OUT: time of the least record. FALSE when the queue is empty. */
gboolean paleo_queue_peek_time(const PaleoQueue *queue, uint64_t *time);
/* Removes a record. FALSE (nothing done) when the handle is stale. */
gboolean paleo_queue_cancel(PaleoQueue *queue, PaleoQueueHandle handle);
/* Moves a record to `time` with a fresh seq (it then sorts after every record already at
 * that time). FALSE (nothing done) when the handle is stale. */
gboolean paleo_queue_rekey(PaleoQueue *queue, PaleoQueueHandle handle, uint64_t time);
gboolean paleo_queue_is_live(const PaleoQueue *queue, PaleoQueueHandle handle);
/* OUT: time and seq of a live record. FALSE when the handle is stale. */
gboolean paleo_queue_key(const PaleoQueue *queue, PaleoQueueHandle handle, uint64_t *time,
                         uint64_t *seq);
size_t paleo_queue_size(const PaleoQueue *queue);
/* The seq the next push or re-key will receive. */
uint64_t paleo_queue_next_seq(const PaleoQueue *queue);

/* Reassigns the internal tie numbers 0..n-1 in (time, seq) order; pop order is unchanged.
 * Runs automatically before the tie counter wraps; public so tests can exercise it. */
void paleo_queue_renumber(PaleoQueue *queue);

/* Checks every heap and pool invariant (heap order, position back-links, free list,
 * sizes); aborts with a message on the first violation. O(n), for tests. */
void paleo_queue_check(const PaleoQueue *queue);

#endif

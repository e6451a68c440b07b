/* The event queue: a 4-ary min-heap of (time, tie, slot) keys over pooled records.
 *
 * Memory layout, chosen for the hold pattern (pop the least, push one new record):
 *   heap[]    16-byte keys, 64-byte aligned and offset by HEAP_BASE entries so that the
 *             four children of any node share one cache line;
 *   pos[]     per slot, the heap index of its key (4 bytes, written on every move);
 *   records[] per slot: payload, public seq, generation, free-list link; touched only by
 *             push, pop, cancel and handle checks.
 * Sifts move a "hole" instead of swapping and update the moved key's back-link. */
#include "engine/queue.h"

#include <stdlib.h>
#include <string.h>

#define ARITY 4
#define HEAP_BASE 3 /* index of the root: children of j are 4(j-2) .. 4(j-2)+3 */
#define CACHE_LINE 64
#define NO_SLOT UINT32_MAX
#define INITIAL_CAPACITY 64

typedef struct {
  uint64_t time; /* ns */
  uint32_t tie;  /* follows seq order among pending keys */
  uint32_t slot;
} HeapKey;

typedef struct {
  PaleoQueueItem item;
  uint64_t seq;
  uint32_t gen;       /* bumped on every release; never 0 */
  uint32_t next_free; /* free-list link while free */
} Record;

struct PaleoQueue {
  HeapKey *heap;          /* keys at [HEAP_BASE, HEAP_BASE + size) */
  size_t size;
  size_t heap_capacity;   /* entries allocated, HEAP_BASE included */
  uint32_t *pos;          /* per slot */
  Record *records;        /* per slot */
  uint32_t slots;         /* slots ever handed out (live + free) */
  uint32_t slot_capacity;
  uint32_t free_head;     /* NO_SLOT when the free list is empty */
  uint32_t next_tie;
  uint64_t next_seq;
};

G_STATIC_ASSERT(sizeof(HeapKey) == 16);

static inline gboolean key_less(const HeapKey *a, const HeapKey *b)
{
  return a->time < b->time || (a->time == b->time && a->tie < b->tie);
}

static inline size_t parent_of(size_t index)
{
  return index / ARITY + 2;
}

static inline size_t first_child_of(size_t index)
{
  return (index - 2) * ARITY;
}

static inline size_t heap_end(const PaleoQueue *queue)
{
  return HEAP_BASE + queue->size;
}

static inline void place(PaleoQueue *queue, size_t index, const HeapKey *key)
{
  queue->heap[index] = *key;
  queue->pos[key->slot] = (uint32_t)index;
}

static inline void sift_up(PaleoQueue *queue, size_t index, HeapKey key)
{
  HeapKey *heap = queue->heap;
  while (index > HEAP_BASE) {
    size_t parent = parent_of(index);
    if (!key_less(&key, &heap[parent]))
      break;
    place(queue, index, &heap[parent]);
    index = parent;
  }
  place(queue, index, &key);
}

/* Index of the least child; `first` is the first child, which exists. */
static inline size_t least_child(const HeapKey *heap, size_t first, size_t end)
{
  if (G_LIKELY(first + ARITY <= end)) {
    size_t a = first + key_less(&heap[first + 1], &heap[first]);
    size_t b = first + 2 + key_less(&heap[first + 3], &heap[first + 2]);
    return key_less(&heap[b], &heap[a]) ? b : a;
  }
  size_t best = first;
  for (size_t c = first + 1; c < end; c++)
    if (key_less(&heap[c], &heap[best]))
      best = c;
  return best;
}

static inline void sift_down(PaleoQueue *queue, size_t index, HeapKey key)
{
  HeapKey *heap = queue->heap;
  size_t end = heap_end(queue);
  for (;;) {
    size_t first = first_child_of(index);
    if (first >= end)
      break;
    size_t child = least_child(heap, first, end);
    if (!key_less(&heap[child], &key))
      break;
    place(queue, index, &heap[child]);
    index = child;
  }
  place(queue, index, &key);
}

/* Puts `key` into the hole at `index`, restoring heap order in whichever direction. */
static void settle(PaleoQueue *queue, size_t index, HeapKey key)
{
  if (index > HEAP_BASE && key_less(&key, &queue->heap[parent_of(index)]))
    sift_up(queue, index, key);
  else
    sift_down(queue, index, key);
}

static int compare_keys(const void *a, const void *b)
{
  const HeapKey *x = a, *y = b;
  return key_less(x, y) ? -1 : key_less(y, x) ? 1 : 0;
}

void paleo_queue_renumber(PaleoQueue *queue)
{
  HeapKey *keys = queue->heap + HEAP_BASE;
  qsort(keys, queue->size, sizeof *keys, compare_keys); /* sorted is a valid heap */
  for (size_t i = 0; i < queue->size; i++) {
    keys[i].tie = (uint32_t)i;
    queue->pos[keys[i].slot] = (uint32_t)(HEAP_BASE + i);
  }
  queue->next_tie = (uint32_t)queue->size;
}

static inline uint32_t take_tie(PaleoQueue *queue)
{
  if (G_UNLIKELY(queue->next_tie == UINT32_MAX))
    paleo_queue_renumber(queue);
  return queue->next_tie++;
}

static HeapKey *alloc_heap(size_t capacity)
{
  return g_aligned_alloc(capacity, sizeof(HeapKey), CACHE_LINE);
}

static void grow_heap(PaleoQueue *queue)
{
  HeapKey *heap = alloc_heap(queue->heap_capacity * 2);
  memcpy(heap, queue->heap, heap_end(queue) * sizeof *heap);
  g_aligned_free(queue->heap);
  queue->heap = heap;
  queue->heap_capacity *= 2;
}

static void grow_slots(PaleoQueue *queue)
{
  g_assert(queue->slot_capacity < NO_SLOT / 2);
  queue->slot_capacity *= 2;
  queue->pos = g_renew(uint32_t, queue->pos, queue->slot_capacity);
  queue->records = g_renew(Record, queue->records, queue->slot_capacity);
}

static inline uint32_t acquire_slot(PaleoQueue *queue)
{
  uint32_t slot = queue->free_head;
  if (G_LIKELY(slot != NO_SLOT)) {
    queue->free_head = queue->records[slot].next_free;
    return slot;
  }
  if (queue->slots == queue->slot_capacity)
    grow_slots(queue);
  slot = queue->slots++;
  queue->records[slot].gen = 1;
  return slot;
}

static inline void release_slot(PaleoQueue *queue, uint32_t slot)
{
  Record *record = &queue->records[slot];
  record->gen = record->gen == UINT32_MAX ? 1 : record->gen + 1;
  record->next_free = queue->free_head;
  queue->free_head = slot;
}

static inline gboolean handle_live(const PaleoQueue *queue, PaleoQueueHandle handle)
{
  return handle.gen != 0 && handle.slot < queue->slots &&
         queue->records[handle.slot].gen == handle.gen;
}

PaleoQueue *paleo_queue_new(void)
{
  PaleoQueue *queue = g_new0(PaleoQueue, 1);
  queue->heap_capacity = INITIAL_CAPACITY;
  queue->heap = alloc_heap(queue->heap_capacity);
  queue->slot_capacity = INITIAL_CAPACITY;
  queue->pos = g_new(uint32_t, queue->slot_capacity);
  queue->records = g_new(Record, queue->slot_capacity);
  queue->free_head = NO_SLOT;
  return queue;
}

void paleo_queue_free(PaleoQueue *queue)
{
  if (!queue)
    return;
  g_aligned_free(queue->heap);
  g_free(queue->pos);
  g_free(queue->records);
  g_free(queue);
}

PaleoQueueHandle paleo_queue_push(PaleoQueue *queue, uint64_t time, const PaleoQueueItem *item)
{
  if (G_UNLIKELY(heap_end(queue) == queue->heap_capacity))
    grow_heap(queue);
  uint32_t slot = acquire_slot(queue);
  Record *record = &queue->records[slot];
  record->item = *item;
  record->seq = queue->next_seq++;
  HeapKey key = {.time = time, .tie = take_tie(queue), .slot = slot};
  size_t index = heap_end(queue);
  queue->size++;
  sift_up(queue, index, key);
  return (PaleoQueueHandle){.slot = slot, .gen = record->gen};
}

gboolean paleo_queue_pop(PaleoQueue *queue, PaleoQueueEntry *entry)
{
  if (G_UNLIKELY(queue->size == 0))
    return FALSE;
  HeapKey top = queue->heap[HEAP_BASE];
  const Record *record = &queue->records[top.slot];
  entry->time = top.time;
  entry->seq = record->seq;
  entry->item = record->item;
  release_slot(queue, top.slot);
  queue->size--;
  if (queue->size > 0) {
    sift_down(queue, HEAP_BASE, queue->heap[heap_end(queue)]);
    /* the next pop reads the new root's record: start fetching it now */
    __builtin_prefetch(&queue->records[queue->heap[HEAP_BASE].slot]);
  }
  return TRUE;
}

gboolean paleo_queue_peek_time(const PaleoQueue *queue, uint64_t *time)
{
  if (queue->size == 0)
    return FALSE;
  *time = queue->heap[HEAP_BASE].time;
  return TRUE;
}

gboolean paleo_queue_cancel(PaleoQueue *queue, PaleoQueueHandle handle)
{
  if (!handle_live(queue, handle))
    return FALSE;
  size_t index = queue->pos[handle.slot];
  release_slot(queue, handle.slot);
  queue->size--;
  if (index != heap_end(queue))
    settle(queue, index, queue->heap[heap_end(queue)]);
  return TRUE;
}

gboolean paleo_queue_rekey(PaleoQueue *queue, PaleoQueueHandle handle, uint64_t time)
{
  if (!handle_live(queue, handle))
    return FALSE;
  queue->records[handle.slot].seq = queue->next_seq++;
  uint32_t tie = take_tie(queue); /* may renumber, which moves keys: read pos after */
  HeapKey key = {.time = time, .tie = tie, .slot = handle.slot};
  settle(queue, queue->pos[handle.slot], key);
  return TRUE;
}

gboolean paleo_queue_is_live(const PaleoQueue *queue, PaleoQueueHandle handle)
{
  return handle_live(queue, handle);
}

gboolean paleo_queue_key(const PaleoQueue *queue, PaleoQueueHandle handle, uint64_t *time,
                         uint64_t *seq)
{
  if (!handle_live(queue, handle))
    return FALSE;
  *time = queue->heap[queue->pos[handle.slot]].time;
  *seq = queue->records[handle.slot].seq;
  return TRUE;
}

size_t paleo_queue_size(const PaleoQueue *queue)
{
  return queue->size;
}

uint64_t paleo_queue_next_seq(const PaleoQueue *queue)
{
  return queue->next_seq;
}

void paleo_queue_check(const PaleoQueue *queue)
{
  g_assert_cmpuint(heap_end(queue), <=, queue->heap_capacity);
  g_assert_cmpuint(queue->slots, <=, queue->slot_capacity);
  g_assert_cmpuint((uintptr_t)queue->heap % CACHE_LINE, ==, 0);
  g_autofree gboolean *free_slot = g_new0(gboolean, queue->slots + 1);
  size_t free_count = 0;
  for (uint32_t s = queue->free_head; s != NO_SLOT; s = queue->records[s].next_free) {
    g_assert_cmpuint(s, <, queue->slots);
    g_assert(!free_slot[s]); /* no cycle, no duplicate */
    free_slot[s] = TRUE;
    free_count++;
  }
  g_assert_cmpuint(free_count + queue->size, ==, queue->slots);
  for (size_t i = HEAP_BASE; i < heap_end(queue); i++) {
    const HeapKey *key = &queue->heap[i];
    g_assert_cmpuint(key->slot, <, queue->slots);
    g_assert(!free_slot[key->slot]);
    g_assert_cmpuint(queue->pos[key->slot], ==, i);
    g_assert_cmpuint(queue->records[key->slot].gen, !=, 0);
    g_assert_cmpuint(queue->records[key->slot].seq, <, queue->next_seq);
    g_assert_cmpuint(key->tie, <, queue->next_tie);
    if (i > HEAP_BASE) {
      const HeapKey *parent = &queue->heap[parent_of(i)];
      g_assert(!key_less(key, parent));
      /* the tie order must agree with the public seq order */
      if (key->time == parent->time)
        g_assert_cmpuint(queue->records[key->slot].seq, >, queue->records[parent->slot].seq);
    }
  }
}

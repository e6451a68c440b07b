/* The event queue: a 4-ary min-heap of (time, seq, slot) keys over pooled records.
 *
 * Memory layout, chosen for the hold pattern (pop the least, push one new record):
 *   heap[]  the keys themselves, so sifting compares within one array;
 *   links[] per slot: heap position while live (next free slot while free) and generation;
 *   items[] per slot: the payload, touched only by push and pop.
 * Sifts move a "hole" instead of swapping and update the moved record's back-link. */
#include "engine/queue.h"

#include <string.h>

#define ARITY 4
#define NO_SLOT UINT32_MAX
#define INITIAL_CAPACITY 64

typedef struct {
  uint64_t time; /* ns */
  uint64_t seq;
  uint32_t slot;
} HeapKey;

typedef struct {
  uint32_t pos; /* heap index while live; next free slot while free */
  uint32_t gen; /* bumped on every release; never 0 */
} SlotLink;

struct PaleoQueue {
  HeapKey *heap;
  size_t size;
  size_t heap_capacity;
  SlotLink *links;
  PaleoQueueItem *items;
  uint32_t slots;         /* slots ever handed out (live + free) */
  uint32_t slot_capacity;
  uint32_t free_head;     /* NO_SLOT when the free list is empty */
  uint64_t next_seq;
};

static inline gboolean key_less(const HeapKey *a, const HeapKey *b)
{
  return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void place(PaleoQueue *queue, size_t index, const HeapKey *key)
{
  queue->heap[index] = *key;
  queue->links[key->slot].pos = (uint32_t)index;
}

static inline void sift_up(PaleoQueue *queue, size_t index, HeapKey key)
{
  HeapKey *heap = queue->heap;
  while (index > 0) {
    size_t parent = (index - 1) / ARITY;
    if (!key_less(&key, &heap[parent]))
      break;
    place(queue, index, &heap[parent]);
    index = parent;
  }
  place(queue, index, &key);
}

/* Index of the least child of `index`; `first` is its first child, which exists. */
static inline size_t least_child(const HeapKey *heap, size_t first, size_t size)
{
  if (first + ARITY <= size) {
    size_t a = key_less(&heap[first + 1], &heap[first]) ? first + 1 : first;
    size_t b = key_less(&heap[first + 3], &heap[first + 2]) ? first + 3 : first + 2;
    return key_less(&heap[b], &heap[a]) ? b : a;
  }
  size_t best = first;
  for (size_t c = first + 1; c < size; c++)
    if (key_less(&heap[c], &heap[best]))
      best = c;
  return best;
}

static inline void sift_down(PaleoQueue *queue, size_t index, HeapKey key)
{
  HeapKey *heap = queue->heap;
  size_t size = queue->size;
  for (;;) {
    size_t first = index * ARITY + 1;
    if (first >= size)
      break;
    size_t child = least_child(heap, first, size);
    if (!key_less(&heap[child], &key))
      break;
    place(queue, index, &heap[child]);
    index = child;
  }
  place(queue, index, &key);
}

/* Puts `key` at `index` (a hole) and restores heap order in whichever direction is needed. */
static inline void settle(PaleoQueue *queue, size_t index, HeapKey key)
{
  if (index > 0 && key_less(&key, &queue->heap[(index - 1) / ARITY]))
    sift_up(queue, index, key);
  else
    sift_down(queue, index, key);
}

static void grow_slots(PaleoQueue *queue)
{
  g_assert(queue->slot_capacity < NO_SLOT / 2);
  queue->slot_capacity *= 2;
  queue->links = g_renew(SlotLink, queue->links, queue->slot_capacity);
  queue->items = g_renew(PaleoQueueItem, queue->items, queue->slot_capacity);
}

static inline uint32_t acquire_slot(PaleoQueue *queue)
{
  uint32_t slot = queue->free_head;
  if (G_LIKELY(slot != NO_SLOT)) {
    queue->free_head = queue->links[slot].pos;
    return slot;
  }
  if (queue->slots == queue->slot_capacity)
    grow_slots(queue);
  slot = queue->slots++;
  queue->links[slot].gen = 1;
  return slot;
}

static inline void release_slot(PaleoQueue *queue, uint32_t slot)
{
  SlotLink *link = &queue->links[slot];
  link->gen = link->gen == UINT32_MAX ? 1 : link->gen + 1;
  link->pos = queue->free_head;
  queue->free_head = slot;
}

static inline gboolean handle_live(const PaleoQueue *queue, PaleoQueueHandle handle)
{
  return handle.gen != 0 && handle.slot < queue->slots && queue->links[handle.slot].gen == handle.gen;
}

PaleoQueue *paleo_queue_new(void)
{
  PaleoQueue *queue = g_new0(PaleoQueue, 1);
  queue->heap_capacity = INITIAL_CAPACITY;
  queue->heap = g_new(HeapKey, queue->heap_capacity);
  queue->slot_capacity = INITIAL_CAPACITY;
  queue->links = g_new(SlotLink, queue->slot_capacity);
  queue->items = g_new(PaleoQueueItem, queue->slot_capacity);
  queue->free_head = NO_SLOT;
  return queue;
}

void paleo_queue_free(PaleoQueue *queue)
{
  if (!queue)
    return;
  g_free(queue->heap);
  g_free(queue->links);
  g_free(queue->items);
  g_free(queue);
}

PaleoQueueHandle paleo_queue_push(PaleoQueue *queue, uint64_t time, const PaleoQueueItem *item)
{
  if (G_UNLIKELY(queue->size == queue->heap_capacity)) {
    queue->heap_capacity *= 2;
    queue->heap = g_renew(HeapKey, queue->heap, queue->heap_capacity);
  }
  uint32_t slot = acquire_slot(queue);
  queue->items[slot] = *item;
  HeapKey key = {.time = time, .seq = queue->next_seq++, .slot = slot};
  sift_up(queue, queue->size++, key);
  return (PaleoQueueHandle){.slot = slot, .gen = queue->links[slot].gen};
}

gboolean paleo_queue_pop(PaleoQueue *queue, PaleoQueueEntry *entry)
{
  if (G_UNLIKELY(queue->size == 0))
    return FALSE;
  HeapKey top = queue->heap[0];
  entry->time = top.time;
  entry->seq = top.seq;
  entry->item = queue->items[top.slot];
  release_slot(queue, top.slot);
  if (--queue->size > 0)
    sift_down(queue, 0, queue->heap[queue->size]);
  return TRUE;
}

gboolean paleo_queue_peek_time(const PaleoQueue *queue, uint64_t *time)
{
  if (queue->size == 0)
    return FALSE;
  *time = queue->heap[0].time;
  return TRUE;
}

gboolean paleo_queue_cancel(PaleoQueue *queue, PaleoQueueHandle handle)
{
  if (!handle_live(queue, handle))
    return FALSE;
  size_t index = queue->links[handle.slot].pos;
  release_slot(queue, handle.slot);
  if (index != --queue->size)
    settle(queue, index, queue->heap[queue->size]);
  return TRUE;
}

gboolean paleo_queue_rekey(PaleoQueue *queue, PaleoQueueHandle handle, uint64_t time)
{
  if (!handle_live(queue, handle))
    return FALSE;
  size_t index = queue->links[handle.slot].pos;
  HeapKey key = {.time = time, .seq = queue->next_seq++, .slot = handle.slot};
  settle(queue, index, key);
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
  const HeapKey *key = &queue->heap[queue->links[handle.slot].pos];
  *time = key->time;
  *seq = key->seq;
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
  g_assert_cmpuint(queue->size, <=, queue->heap_capacity);
  g_assert_cmpuint(queue->slots, <=, queue->slot_capacity);
  g_autofree gboolean *free_slot = g_new0(gboolean, queue->slots + 1);
  size_t free_count = 0;
  for (uint32_t s = queue->free_head; s != NO_SLOT; s = queue->links[s].pos) {
    g_assert_cmpuint(s, <, queue->slots);
    g_assert(!free_slot[s]); /* no cycle, no duplicate */
    free_slot[s] = TRUE;
    free_count++;
  }
  g_assert_cmpuint(free_count + queue->size, ==, queue->slots);
  for (size_t i = 0; i < queue->size; i++) {
    const HeapKey *key = &queue->heap[i];
    g_assert_cmpuint(key->slot, <, queue->slots);
    g_assert(!free_slot[key->slot]);
    g_assert_cmpuint(queue->links[key->slot].pos, ==, i);
    g_assert_cmpuint(queue->links[key->slot].gen, !=, 0);
    g_assert_cmpuint(key->seq, <, queue->next_seq);
    if (i > 0)
      g_assert(!key_less(key, &queue->heap[(i - 1) / ARITY]));
  }
}

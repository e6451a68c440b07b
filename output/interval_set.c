/* A sorted, merged union of half-open time intervals (see interval_set.h). */
#include "output/interval_set.h"

void paleo_interval_set_init(PaleoIntervalSet *set)
{
  set->items = g_array_new(FALSE, FALSE, sizeof(PaleoInterval));
}

void paleo_interval_set_clear(PaleoIntervalSet *set)
{
  if (set->items)
    g_array_free(set->items, TRUE);
  set->items = NULL;
}

/* Index of the first interval whose end reaches `start_ns` (ends are ascending). */
static guint first_reaching(const GArray *items, uint64_t start_ns)
{
  guint lo = 0, hi = items->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(items, PaleoInterval, mid).end_ns < start_ns)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void paleo_interval_set_add(PaleoIntervalSet *set, uint64_t start_ns, uint64_t end_ns)
{
  g_assert(set->items);
  if (end_ns <= start_ns)
    return;
  GArray *items = set->items;
  if (items->len > 0) {
    PaleoInterval *last = &g_array_index(items, PaleoInterval, items->len - 1);
    if (start_ns >= last->start_ns && start_ns <= last->end_ns) { /* extends the tail */
      last->end_ns = MAX(last->end_ns, end_ns);
      return;
    }
  }
  guint first = first_reaching(items, start_ns);
  guint past = first;
  PaleoInterval merged = {start_ns, end_ns};
  while (past < items->len && g_array_index(items, PaleoInterval, past).start_ns <= end_ns) {
    const PaleoInterval *it = &g_array_index(items, PaleoInterval, past);
    merged.start_ns = MIN(merged.start_ns, it->start_ns);
    merged.end_ns = MAX(merged.end_ns, it->end_ns);
    past++;
  }
  if (past > first)
    g_array_remove_range(items, first, past - first);
  g_array_insert_val(items, first, merged);
}

uint64_t paleo_interval_set_total_ns(const PaleoIntervalSet *set)
{
  uint64_t total = 0;
  for (guint i = 0; i < set->items->len; i++) {
    const PaleoInterval *it = &g_array_index(set->items, PaleoInterval, i);
    total += it->end_ns - it->start_ns;
  }
  return total;
}

uint64_t paleo_interval_set_overlap_ns(const PaleoIntervalSet *a, const PaleoIntervalSet *b)
{
  uint64_t total = 0;
  guint i = 0, j = 0;
  while (i < a->items->len && j < b->items->len) {
    const PaleoInterval *x = &g_array_index(a->items, PaleoInterval, i);
    const PaleoInterval *y = &g_array_index(b->items, PaleoInterval, j);
    uint64_t lo = MAX(x->start_ns, y->start_ns), hi = MIN(x->end_ns, y->end_ns);
    if (hi > lo)
      total += hi - lo;
    if (x->end_ns < y->end_ns)
      i++;
    else
      j++;
  }
  return total;
}

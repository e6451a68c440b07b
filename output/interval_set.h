/* A union of time intervals kept sorted, disjoint and merged (touching intervals fuse), so
 * millions of back-to-back task or flow intervals collapse into a handful of entries. Used by
 * the overlap analysis (communication time hidden under compute). Times in nanoseconds. */
#ifndef PALEO_INTERVAL_SET_H
#define PALEO_INTERVAL_SET_H

#include <glib.h>
#include <stdint.h>

typedef struct {
  uint64_t start_ns, end_ns; /* half-open [start, end) */
} PaleoInterval;

typedef struct {
  GArray *items; /* PaleoInterval, ascending, pairwise disjoint and non-touching */
} PaleoIntervalSet;

void paleo_interval_set_init(PaleoIntervalSet *set);
void paleo_interval_set_clear(PaleoIntervalSet *set);
/* Adds [start, end); empty intervals are ignored. Amortised O(1) when starts come in
 * ascending order (the replay order), O(n) for an out-of-order insertion. */
void paleo_interval_set_add(PaleoIntervalSet *set, uint64_t start_ns, uint64_t end_ns);
/* Total covered time. */
uint64_t paleo_interval_set_total_ns(const PaleoIntervalSet *set);
/* Length of the intersection of two sets (one linear merge). */
uint64_t paleo_interval_set_overlap_ns(const PaleoIntervalSet *a, const PaleoIntervalSet *b);

#endif

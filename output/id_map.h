/* Ids read from a trace (node ids, worker ranks, link ids, iteration numbers, staleness
 * values) mapped to dense slots 0..n-1 in first-seen order. Small ids index an array
 * directly; ids far beyond the number seen go to a hash table, so that memory follows how
 * many ids a trace holds, never how large they are (a trace may say 4294967295). */
#ifndef PALEO_ID_MAP_H
#define PALEO_ID_MAP_H

#include <glib.h>
#include <stdint.h>

typedef struct {
  GArray *direct;     /* guint slot + 1 indexed by id (0: absent) */
  GHashTable *spread; /* id -> slot + 1, for ids beyond `direct` when first seen */
  guint n;            /* slots handed out */
} PaleoIdMap;

void paleo_id_map_init(PaleoIdMap *map);
void paleo_id_map_clear(PaleoIdMap *map);
/* The slot of `id`; FALSE when it was never inserted. */
gboolean paleo_id_map_lookup(const PaleoIdMap *map, uint32_t id, guint *slot_out);
/* The slot of `id`: its old one, or the next free one (the count before) when new.
 * OUT (may be NULL): *added, TRUE when new. */
guint paleo_id_map_insert(PaleoIdMap *map, uint32_t id, gboolean *added_out);
static inline guint paleo_id_map_size(const PaleoIdMap *map) { return map->n; }

#endif

/* Dense slots for trace ids (see id_map.h). */
#include "output/id_map.h"

/* Ids below this, or below 4 x (ids seen + 1), are indexed directly: the array never holds
 * more than 4 entries per id plus this many. */
#define DIRECT_FLOOR 4096u

void paleo_id_map_init(PaleoIdMap *m)
{
  m->direct = g_array_new(FALSE, TRUE, sizeof(guint));
  m->spread = NULL;
  m->n = 0;
}

void paleo_id_map_clear(PaleoIdMap *m)
{
  if (m->direct)
    g_array_free(m->direct, TRUE);
  if (m->spread)
    g_hash_table_destroy(m->spread);
  m->direct = NULL;
  m->spread = NULL;
  m->n = 0;
}

gboolean paleo_id_map_lookup(const PaleoIdMap *m, uint32_t id, guint *slot_out)
{
  guint v = id < m->direct->len ? g_array_index(m->direct, guint, id) : 0;
  if (!v && m->spread)
    v = GPOINTER_TO_UINT(g_hash_table_lookup(m->spread, GUINT_TO_POINTER(id)));
  if (v && slot_out)
    *slot_out = v - 1;
  return v != 0;
}

guint paleo_id_map_insert(PaleoIdMap *m, uint32_t id, gboolean *added_out)
{
  guint slot;
  gboolean added = !paleo_id_map_lookup(m, id, &slot);
  if (added) {
    slot = m->n++;
    if ((guint64)id < MAX((guint64)DIRECT_FLOOR, 4 * (guint64)m->n)) {
      if (id >= m->direct->len)
        g_array_set_size(m->direct, id + 1);
      g_array_index(m->direct, guint, id) = slot + 1;
    } else {
      if (!m->spread)
        m->spread = g_hash_table_new(g_direct_hash, g_direct_equal);
      g_hash_table_insert(m->spread, GUINT_TO_POINTER(id), GUINT_TO_POINTER(slot + 1));
    }
  }
  if (added_out)
    *added_out = added;
  return slot;
}

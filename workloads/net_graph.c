/* Orders the flattened layers: resolves parent names to indices (one hash lookup each)
 * and sorts topologically, stably: among the layers whose parents are all placed, the
 * earliest in the file goes first, and "data" goes first of all. A file already in
 * topological order keeps its order; files sorted by name (the Caffe converter's resnet50,
 * densenet) come out parents-first. Cycles are reported with their path. */
#include "workloads/net_int.h"

#include <string.h>

/* Min-heap of file indices; "data" sorts before everything (key -1). */
typedef struct {
  GArray *keys; /* gint64 */
  guint data;
} ReadyHeap;

static gint64 heap_key(const ReadyHeap *h, guint i)
{
  return i == h->data ? -1 : (gint64)i;
}

static void heap_push(ReadyHeap *h, guint i)
{
  gint64 key = heap_key(h, i);
  g_array_append_val(h->keys, key);
  gint64 *k = (gint64 *)(void *)h->keys->data;
  for (guint c = h->keys->len - 1; c > 0;) {
    guint p = (c - 1) / 2;
    if (k[p] <= k[c])
      break;
    gint64 t = k[p];
    k[p] = k[c];
    k[c] = t;
    c = p;
  }
}

static guint heap_pop(ReadyHeap *h)
{
  gint64 *k = (gint64 *)(void *)h->keys->data;
  gint64 top = k[0];
  guint n = h->keys->len - 1;
  k[0] = k[n];
  g_array_set_size(h->keys, n);
  for (guint p = 0;;) {
    guint l = 2 * p + 1, r = l + 1, m = p;
    if (l < n && k[l] < k[m])
      m = l;
    if (r < n && k[r] < k[m])
      m = r;
    if (m == p)
      break;
    gint64 t = k[p];
    k[p] = k[m];
    k[m] = t;
    p = m;
  }
  return top < 0 ? h->data : (guint)top;
}

static gboolean fail_layer(GError **error, const PaleoNetFlat *flat, const char *layer,
                           const char *msg)
{
  g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_INVALID, "%s: layer '%s': %s", flat->path,
              layer, msg);
  return FALSE;
}

/* Why `name` does not resolve: a block without endpoint, a replicated layer, or unknown. */
static gboolean fail_unknown_parent(GError **error, const PaleoNetFlat *flat,
                                    const char *layer, const char *name)
{
  const char *ep = g_hash_table_lookup(flat->endpoints, name);
  g_autofree char *replica = g_strconcat(name, "@0", NULL);
  g_autofree char *msg = NULL;
  if (ep && !*ep)
    msg = g_strdup_printf("parent '%s' is a block without an 'endpoint'", name);
  else if (g_hash_table_contains(flat->index, replica))
    msg = g_strdup_printf("parent '%s' is replicated by a ModelParallel block; "
                          "refer to it as '@self' or '@all'",
                          name);
  else
    msg = g_strdup_printf("unknown parent '%s'", name);
  return fail_layer(error, flat, layer, msg);
}

/* Fills every layer's parents[] with file indices. */
static gboolean resolve_indices(PaleoNetFlat *flat, GError **error)
{
  for (guint i = 0; i < flat->layers->len; i++) {
    PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, i);
    GPtrArray *names = g_ptr_array_index(flat->parent_names, i);
    if (names->len == 0 && l->type != PALEO_LAYER_INPUT)
      return fail_layer(error, flat, l->name, "has no parents (only Input layers may have none)");
    l->n_parents = names->len;
    l->parents = g_new(guint, names->len ? names->len : 1);
    for (guint j = 0; j < names->len; j++) {
      const char *name = g_ptr_array_index(names, j);
      guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(flat->index, name));
      if (idx == 0)
        return fail_unknown_parent(error, flat, l->name, name);
      l->parents[j] = idx - 1;
    }
  }
  return TRUE;
}

/* Reports one cycle among the unplaced layers (placed[i] FALSE), as "a -> b -> a". */
static gboolean fail_cycle(GError **error, const PaleoNetFlat *flat, const gboolean *placed)
{
  guint n = flat->layers->len;
  guint v = 0;
  while (placed[v])
    v++;
  g_autofree guint *seen_at = g_new(guint, n); /* position in walk + 1, 0 = not seen */
  memset(seen_at, 0, n * sizeof *seen_at);
  g_autoptr(GArray) walk = g_array_new(FALSE, FALSE, sizeof(guint));
  while (!seen_at[v]) { /* walk towards parents; an unplaced layer has an unplaced parent */
    g_array_append_val(walk, v);
    seen_at[v] = walk->len;
    const PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, v);
    guint next = l->parents[0];
    for (guint j = 0; j < l->n_parents; j++)
      if (!placed[l->parents[j]]) {
        next = l->parents[j];
        break;
      }
    v = next;
  }
  /* walk[p + 1] is a parent of walk[p]; v is a parent of the last one. */
  const char *first = g_array_index(flat->layers, PaleoLayer, v).name;
  GString *path = g_string_new(NULL);
  g_string_append_printf(path, "'%s'", first);
  for (guint p = walk->len; p-- > seen_at[v] - 1;) {
    const PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, g_array_index(walk, guint, p));
    g_string_append_printf(path, " -> '%s'", l->name);
  }
  g_autofree char *msg = g_strdup_printf("is part of a cycle: %s", path->str);
  g_string_free(path, TRUE);
  return fail_layer(error, flat, first, msg);
}

/* The stable topological order (file indices) into order[]. */
static gboolean sort_layers(PaleoNetFlat *flat, guint data, guint *order, GError **error)
{
  guint n = flat->layers->len;
  g_autofree guint *indeg = g_new0(guint, n);
  g_autofree guint *child_start = g_new0(guint, n + 1);
  for (guint i = 0; i < n; i++) {
    const PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, i);
    indeg[i] = l->n_parents;
    for (guint j = 0; j < l->n_parents; j++)
      child_start[l->parents[j] + 1]++;
  }
  for (guint i = 0; i < n; i++)
    child_start[i + 1] += child_start[i];
  g_autofree guint *children = g_new(guint, child_start[n] ? child_start[n] : 1);
  g_autofree guint *fill = g_memdup2(child_start, n * sizeof(guint));
  for (guint i = 0; i < n; i++) {
    const PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, i);
    for (guint j = 0; j < l->n_parents; j++)
      children[fill[l->parents[j]]++] = i;
  }
  ReadyHeap heap = {g_array_sized_new(FALSE, FALSE, sizeof(gint64), 16), data};
  for (guint i = 0; i < n; i++)
    if (indeg[i] == 0)
      heap_push(&heap, i);
  guint placed_n = 0;
  g_autofree gboolean *placed = g_new0(gboolean, n);
  while (heap.keys->len > 0) {
    guint v = heap_pop(&heap);
    order[placed_n++] = v;
    placed[v] = TRUE;
    for (guint c = child_start[v]; c < child_start[v + 1]; c++)
      if (--indeg[children[c]] == 0)
        heap_push(&heap, children[c]);
  }
  g_array_free(heap.keys, TRUE);
  return placed_n == n || fail_cycle(error, flat, placed);
}

/* The "data" layer's file index, checked to be an Input. */
static gboolean find_data(const PaleoNetFlat *flat, guint *data, GError **error)
{
  guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(flat->index, "data"));
  if (idx == 0) {
    g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_INVALID,
                "%s: layer 'data': missing (every net needs an Input layer named 'data')",
                flat->path);
    return FALSE;
  }
  const PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, idx - 1);
  if (l->type != PALEO_LAYER_INPUT)
    return fail_layer(error, flat, "data", "must be of type Input");
  *data = idx - 1;
  return TRUE;
}

/* A MatMul's "tied" Embedding, as a file index in l->tied. */
static gboolean resolve_tied(PaleoNetFlat *flat, GError **error)
{
  for (guint i = 0; i < flat->layers->len; i++) {
    PaleoLayer *l = &g_array_index(flat->layers, PaleoLayer, i);
    const char *name = g_ptr_array_index(flat->tied_names, i);
    if (!name)
      continue;
    guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(flat->index, name));
    if (idx == 0) {
      g_autofree char *msg = g_strdup_printf("tied = '%s' is not a layer of the net", name);
      return fail_layer(error, flat, l->name, msg);
    }
    l->tied = (int)idx - 1;
  }
  return TRUE;
}

gboolean paleo_net_order(PaleoNetFlat *flat, GArray *out, GError **error)
{
  guint n = flat->layers->len;
  guint data = 0;
  if (!find_data(flat, &data, error) || !resolve_indices(flat, error) || !resolve_tied(flat, error))
    return FALSE;
  g_autofree guint *order = g_new(guint, n);
  if (!sort_layers(flat, data, order, error))
    return FALSE;
  g_autofree guint *position = g_new(guint, n);
  for (guint p = 0; p < n; p++)
    position[order[p]] = p;
  g_array_set_size(out, n);
  for (guint p = 0; p < n; p++) {
    PaleoLayer *dst = &g_array_index(out, PaleoLayer, p);
    *dst = g_array_index(flat->layers, PaleoLayer, order[p]);
    for (guint j = 0; j < dst->n_parents; j++)
      dst->parents[j] = position[dst->parents[j]];
    if (dst->tied >= 0 && dst->type == PALEO_LAYER_MATMUL)
      dst->tied = (int)position[dst->tied];
  }
  g_array_set_size(flat->layers, 0); /* ownership moved to out */
  return TRUE;
}

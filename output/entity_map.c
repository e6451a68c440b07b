/* Index of entity records by node id and worker rank (see entity_map.h). */
#include "output/entity_map.h"

#include "output/id_map.h"

typedef struct {
  gboolean known;        /* an entity record names this node */
  PaleoEntityKind kind;
  int32_t host;
  int32_t worker;
  char *name;            /* owned */
  GArray *workers;       /* uint32_t ranks this node stands for (itself or hosted) */
} NodeInfo;

typedef struct {
  uint32_t rank;
  uint32_t node;
  uint32_t host;
} WorkerInfo;

struct PaleoEntityMap {
  GHashTable *nodes;     /* node id -> NodeInfo; lookups only, never iterated */
  PaleoIdMap ranks;      /* worker rank -> index in workers */
  GArray *workers;       /* WorkerInfo, first recorded first */
};

static void node_info_free(gpointer data)
{
  NodeInfo *info = data;
  g_free(info->name);
  g_array_free(info->workers, TRUE);
  g_free(info);
}

PaleoEntityMap *paleo_entity_map_new(void)
{
  PaleoEntityMap *map = g_new0(PaleoEntityMap, 1);
  map->nodes = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, node_info_free);
  paleo_id_map_init(&map->ranks);
  map->workers = g_array_new(FALSE, TRUE, sizeof(WorkerInfo));
  return map;
}

void paleo_entity_map_free(PaleoEntityMap *map)
{
  if (!map)
    return;
  g_hash_table_destroy(map->nodes);
  paleo_id_map_clear(&map->ranks);
  g_array_free(map->workers, TRUE);
  g_free(map);
}

static NodeInfo *node_lookup(const PaleoEntityMap *map, uint32_t node)
{
  return g_hash_table_lookup(map->nodes, GUINT_TO_POINTER(node));
}

static NodeInfo *node_ensure(PaleoEntityMap *map, uint32_t node)
{
  NodeInfo *info = node_lookup(map, node);
  if (!info) {
    info = g_new0(NodeInfo, 1);
    info->host = -1;
    info->worker = -1;
    info->workers = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    g_hash_table_insert(map->nodes, GUINT_TO_POINTER(node), info);
  }
  return info;
}

/* Inserts `rank` into a node's ascending rank list unless present. */
static void add_rank(GArray *ranks, uint32_t rank)
{
  guint i = 0;
  while (i < ranks->len && g_array_index(ranks, uint32_t, i) < rank)
    i++;
  if (i < ranks->len && g_array_index(ranks, uint32_t, i) == rank)
    return;
  g_array_insert_val(ranks, i, rank);
}

void paleo_entity_map_add(PaleoEntityMap *map, const PaleoEntityRecord *rec)
{
  NodeInfo *info = node_ensure(map, rec->id);
  info->known = TRUE;
  info->kind = rec->kind;
  info->host = rec->host;
  info->worker = rec->worker;
  g_free(info->name);
  info->name = g_strdup(rec->name);
  if (rec->kind != PALEO_ENTITY_WORKER || rec->worker < 0)
    return;
  uint32_t rank = (uint32_t)rec->worker;
  add_rank(info->workers, rank);
  uint32_t host = rec->host >= 0 ? (uint32_t)rec->host : rec->id;
  if (host != rec->id)
    add_rank(node_ensure(map, host)->workers, rank);
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&map->ranks, rank, &added);
  if (added)
    g_array_set_size(map->workers, slot + 1);
  g_array_index(map->workers, WorkerInfo, slot) = (WorkerInfo){rank, rec->id, host};
}

const uint32_t *paleo_entity_map_node_workers(const PaleoEntityMap *map, uint32_t node,
                                              guint *n_out)
{
  const NodeInfo *info = node_lookup(map, node);
  *n_out = info ? info->workers->len : 0;
  return info && info->workers->len ? &g_array_index(info->workers, uint32_t, 0) : NULL;
}

gboolean paleo_entity_map_worker_node(const PaleoEntityMap *map, uint32_t worker,
                                      uint32_t *node_out, uint32_t *host_out)
{
  guint slot;
  if (!paleo_id_map_lookup(&map->ranks, worker, &slot))
    return FALSE;
  const WorkerInfo *w = &g_array_index(map->workers, WorkerInfo, slot);
  if (node_out)
    *node_out = w->node;
  if (host_out)
    *host_out = w->host;
  return TRUE;
}

const char *paleo_entity_map_node_name(const PaleoEntityMap *map, uint32_t node)
{
  const NodeInfo *info = node_lookup(map, node);
  return info && info->known ? info->name : NULL;
}

gboolean paleo_entity_map_node_kind(const PaleoEntityMap *map, uint32_t node,
                                    PaleoEntityKind *kind_out)
{
  const NodeInfo *info = node_lookup(map, node);
  if (!info || !info->known)
    return FALSE;
  *kind_out = info->kind;
  return TRUE;
}

uint32_t paleo_entity_map_node_host(const PaleoEntityMap *map, uint32_t node)
{
  const NodeInfo *info = node_lookup(map, node);
  return info && info->known && info->host >= 0 ? (uint32_t)info->host : node;
}

guint paleo_entity_map_n_workers(const PaleoEntityMap *map)
{
  return map->workers->len;
}

uint32_t paleo_entity_map_worker_rank(const PaleoEntityMap *map, guint i)
{
  g_return_val_if_fail(i < map->workers->len, 0);
  return g_array_index(map->workers, WorkerInfo, i).rank;
}

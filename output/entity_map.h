/* Who is who in a trace: indexes the entity records so that the tools built on a replayed
 * trace can turn a node id (as flows name their endpoints) into the worker ranks it stands
 * for, and a worker rank into its host (the Chrome-export process) and its name. */
#ifndef PALEO_ENTITY_MAP_H
#define PALEO_ENTITY_MAP_H

#include <glib.h>
#include <stdint.h>

#include "engine/trace.h"

typedef struct PaleoEntityMap PaleoEntityMap;

PaleoEntityMap *paleo_entity_map_new(void);
void paleo_entity_map_free(PaleoEntityMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoEntityMap, paleo_entity_map_free)

/* Records one entity (strings copied). A later record for the same node replaces it. */
void paleo_entity_map_add(PaleoEntityMap *map, const PaleoEntityRecord *rec);
/* The worker ranks a node stands for: the worker on that node, or every worker whose host
 * is that node (ascending rank); none for switches, servers and unknown nodes.
 * OUT: *n_out. The array stays valid until the next paleo_entity_map_add. */
const uint32_t *paleo_entity_map_node_workers(const PaleoEntityMap *map, uint32_t node,
                                              guint *n_out);
/* The node a worker runs on, its host node (the worker's own node when it has no host), and
 * its name; FALSE / NULL when no entity record names that rank. */
gboolean paleo_entity_map_worker_node(const PaleoEntityMap *map, uint32_t worker,
                                      uint32_t *node_out, uint32_t *host_out);
/* The recorded name and kind of a node; NULL / FALSE when unknown. */
const char *paleo_entity_map_node_name(const PaleoEntityMap *map, uint32_t node);
gboolean paleo_entity_map_node_kind(const PaleoEntityMap *map, uint32_t node,
                                    PaleoEntityKind *kind_out);
/* The host node of any node: its recorded host, else the node itself. */
uint32_t paleo_entity_map_node_host(const PaleoEntityMap *map, uint32_t node);
/* The worker ranks recorded: how many, and the i-th (0 <= i < n) in the order first recorded. */
guint paleo_entity_map_n_workers(const PaleoEntityMap *map);
uint32_t paleo_entity_map_worker_rank(const PaleoEntityMap *map, guint i);

#endif

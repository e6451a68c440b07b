/* Shared helpers for the topology tests: building topologies from text or key=value
 * lists, hop distances by plain BFS, and a tiny engine entity that starts flows at
 * given times. */
#ifndef TOPO_TEST_UTIL_H
#define TOPO_TEST_UTIL_H

#include <glib.h>
#include <stdint.h>

#include "engine/engine.h"
#include "topology/network.h"
#include "topology/topology.h"

/* A finalized topology from topology-file text; fails the test on error. */
PaleoTopology *tt_from_text(const char *text);
/* A finalized topology from "key=value" strings (NULL-terminated); NULL + error on failure. */
PaleoTopology *tt_generate(GError **error, ...) G_GNUC_NULL_TERMINATED;
/* Hop distance from src to dst by BFS over directed links; UINT32_MAX if unreachable. */
uint32_t tt_bfs_hops(const PaleoTopology *topo, uint32_t src, uint32_t dst);
/* Asserts the links form a walk from src to dst. */
void tt_assert_path(const PaleoTopology *topo, const uint32_t *links, guint n, uint32_t src,
                    uint32_t dst);

/* Records flow completions by id. */
typedef struct {
  GArray *end_ns; /* PaleoTime per flow id, 0 until delivered */
  uint64_t delivered, bytes;
  uint64_t hash;  /* order-sensitive hash of (id, end) deliveries */
} TtRecorder;
void tt_recorder_init(TtRecorder *rec);
void tt_recorder_clear(TtRecorder *rec);
void tt_record_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data);

/* Starts a flow src->dst of `bytes` at time `at` (through an engine event). */
typedef struct TtStarter TtStarter;
TtStarter *tt_starter_new(PaleoNetwork *net, PaleoFlowDoneFn done, void *user_data);
void tt_starter_free(TtStarter *st);
void tt_start_at(TtStarter *st, PaleoTime at, uint32_t src, uint32_t dst, uint64_t bytes);

#endif

/* Shared helpers for the topology tests (see topo_test_util.h). */
#include "topo_test_util.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "topology/generators.h"
#include "topology/topofile.h"

PaleoTopology *tt_from_text(const char *text) {
  g_autoptr(GError) error = NULL;
  PaleoTopology *topo = paleo_topology_new();
  gboolean ok = paleo_topology_file_parse(topo, text, "test", &error) &&
                paleo_topology_finalize(topo, &error);
  if (!ok) fail_msg("topology text rejected: %s", error->message);
  return topo;
}

PaleoTopology *tt_generate(GError **error, ...) {
  PaleoTopologyParams p;
  paleo_topology_params_init(&p);
  va_list ap;
  va_start(ap, error);
  gboolean ok = TRUE;
  for (const char *kv = va_arg(ap, const char *); ok && kv != NULL; kv = va_arg(ap, const char *)) {
    g_auto(GStrv) parts = g_strsplit(kv, "=", 2);
    ok = paleo_topology_params_set(&p, parts[0], parts[1] ? parts[1] : "", error);
  }
  va_end(ap);
  PaleoTopology *topo = ok ? paleo_topology_generate(&p, error) : NULL;
  paleo_topology_params_clear(&p);
  return topo;
}

uint32_t tt_bfs_hops(const PaleoTopology *topo, uint32_t src, uint32_t dst) {
  uint32_t n = paleo_topology_n_nodes(topo);
  g_autofree uint32_t *dist = g_new(uint32_t, n);
  g_autofree uint32_t *queue = g_new(uint32_t, n);
  for (uint32_t i = 0; i < n; i++) dist[i] = UINT32_MAX;
  uint32_t head = 0, tail = 0;
  dist[src] = 0;
  queue[tail++] = src;
  while (head < tail) {
    uint32_t v = queue[head++], k;
    const uint32_t *out = paleo_topology_out_links(topo, v, &k);
    for (uint32_t i = 0; i < k; i++) {
      uint32_t u = paleo_topology_link(topo, out[i])->dst;
      if (dist[u] != UINT32_MAX) continue;
      dist[u] = dist[v] + 1;
      queue[tail++] = u;
    }
  }
  return dist[dst];
}

void tt_assert_path(const PaleoTopology *topo, const uint32_t *links, guint n, uint32_t src,
                    uint32_t dst) {
  uint32_t at = src;
  for (guint i = 0; i < n; i++) {
    const PaleoTopoLink *l = paleo_topology_link(topo, links[i]);
    assert_int_equal(l->src, at);
    at = l->dst;
  }
  assert_int_equal(at, dst);
}

void tt_recorder_init(TtRecorder *rec) {
  *rec = (TtRecorder){g_array_new(FALSE, TRUE, sizeof(PaleoTime)), 0, 0, 1469598103934665603ull};
}

void tt_recorder_clear(TtRecorder *rec) { g_array_free(rec->end_ns, TRUE); }

void tt_record_done(PaleoNetwork *net, const PaleoFlowInfo *flow, void *user_data) {
  TtRecorder *rec = user_data;
  assert_int_equal(flow->end_ns, paleo_engine_now(paleo_network_engine(net)));
  if (rec->end_ns->len <= flow->id) g_array_set_size(rec->end_ns, (guint)flow->id + 1);
  assert_int_equal(g_array_index(rec->end_ns, PaleoTime, flow->id), 0);
  g_array_index(rec->end_ns, PaleoTime, flow->id) = flow->end_ns;
  rec->delivered++;
  rec->bytes += flow->bytes;
  rec->hash = (rec->hash ^ flow->id) * 1099511628211ull;
  rec->hash = (rec->hash ^ flow->end_ns) * 1099511628211ull;
}

typedef struct {
  uint32_t src, dst;
  uint64_t bytes;
} TtStart;

struct TtStarter {
  PaleoNetwork *net;
  PaleoFlowDoneFn done;
  void *user_data;
  uint32_t entity;
  GArray *starts; /* TtStart, indexed by event arg */
};

static void starter_handle(PaleoEngine *engine, uint32_t entity, void *state, const PaleoEvent *ev) {
  (void)engine;
  (void)entity;
  TtStarter *st = state;
  const TtStart *s = &g_array_index(st->starts, TtStart, ev->arg);
  paleo_network_start_flow(st->net, s->src, s->dst, s->bytes, st->done, st->user_data);
}

static const PaleoEntityClass starter_class = {"test-starter", NULL, starter_handle, NULL};

TtStarter *tt_starter_new(PaleoNetwork *net, PaleoFlowDoneFn done, void *user_data) {
  TtStarter *st = g_new0(TtStarter, 1);
  st->net = net;
  st->done = done;
  st->user_data = user_data;
  st->entity = paleo_engine_add_entity(paleo_network_engine(net), &starter_class, st);
  st->starts = g_array_new(FALSE, FALSE, sizeof(TtStart));
  return st;
}

void tt_starter_free(TtStarter *st) {
  g_array_free(st->starts, TRUE);
  g_free(st);
}

void tt_start_at(TtStarter *st, PaleoTime at, uint32_t src, uint32_t dst, uint64_t bytes) {
  TtStart s = {src, dst, bytes};
  g_array_append_val(st->starts, s);
  paleo_engine_schedule(paleo_network_engine(st->net), at, st->entity, 0, st->starts->len - 1, NULL);
}

/* The critical path of each recorded iteration (see critical_path.h): records of the
 * selected iterations kept compactly, then a backward walk per iteration. */
#include "output/critical_path.h"

#include <stdlib.h>

#include "output/id_map.h"

const char *const paleo_path_kind_names[] = {"compute", "comm", "wait", NULL};

typedef struct {
  uint64_t id, instance;
  uint64_t start_ns, end_ns;
  uint32_t worker, iteration, layer, micro_batch;
  int32_t bucket, peer;
  PaleoTaskKind kind;
  PaleoPhase phase;
  const char *collective;  /* interned */
} Node;

typedef struct {
  uint32_t iteration;
  uint64_t start_ns, end_ns;
  gint64 last_task;        /* the walk's start (node index), -1 none */
} Span;

/* Layer ids and iteration numbers come from the trace, of any size: sparse maps. */
struct PaleoPathCollector {
  uint32_t first, last;
  GArray *nodes;           /* Node */
  GArray *deps;            /* PaleoTaskDepRecord (ids) */
  PaleoIdMap layer_ids;    /* layer index -> slot in layer_names */
  GPtrArray *layer_names;  /* interned */
  PaleoIdMap span_ids;     /* iteration number -> slot in spans */
  GArray *spans;           /* Span, first-seen order */
  GStringChunk *strings;
};

PaleoPathCollector *paleo_path_collector_new(uint32_t first, uint32_t last)
{
  PaleoPathCollector *c = g_new0(PaleoPathCollector, 1);
  c->first = first;
  c->last = last;
  c->nodes = g_array_new(FALSE, FALSE, sizeof(Node));
  c->deps = g_array_new(FALSE, FALSE, sizeof(PaleoTaskDepRecord));
  paleo_id_map_init(&c->layer_ids);
  c->layer_names = g_ptr_array_new();
  paleo_id_map_init(&c->span_ids);
  c->spans = g_array_new(FALSE, TRUE, sizeof(Span));
  c->strings = g_string_chunk_new(1024);
  return c;
}

void paleo_path_collector_free(PaleoPathCollector *c)
{
  if (!c)
    return;
  g_array_free(c->nodes, TRUE);
  g_array_free(c->deps, TRUE);
  paleo_id_map_clear(&c->layer_ids);
  g_ptr_array_free(c->layer_names, TRUE);
  paleo_id_map_clear(&c->span_ids);
  g_array_free(c->spans, TRUE);
  g_string_chunk_free(c->strings);
  g_free(c);
}

static gboolean selected(const PaleoPathCollector *c, uint32_t iteration)
{
  return iteration >= c->first && iteration <= c->last;
}

void paleo_path_collector_layer(PaleoPathCollector *c, const PaleoLayerRecord *rec)
{
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&c->layer_ids, rec->index, &added);
  if (added)
    g_ptr_array_add(c->layer_names, NULL);
  g_ptr_array_index(c->layer_names, slot) = g_string_chunk_insert_const(c->strings, rec->name ? rec->name : "");
}

void paleo_path_collector_iteration(PaleoPathCollector *c, const PaleoIterationRecord *rec)
{
  if (!selected(c, rec->iteration))
    return;
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&c->span_ids, rec->iteration, &added);
  if (added) {
    Span first = {rec->iteration, rec->start_ns, rec->end_ns, -1};
    g_array_append_val(c->spans, first);
  }
  Span *s = &g_array_index(c->spans, Span, slot);
  s->start_ns = MIN(s->start_ns, rec->start_ns);
  s->end_ns = MAX(s->end_ns, rec->end_ns);
}

void paleo_path_collector_task(PaleoPathCollector *c, const PaleoTaskRecord *rec)
{
  if (!selected(c, rec->iteration))
    return;
  Node n = {.id = rec->id, .instance = UINT64_MAX, .start_ns = rec->start_ns, .end_ns = rec->end_ns,
            .worker = rec->worker, .iteration = rec->iteration, .layer = rec->layer, .micro_batch = rec->micro_batch,
            .bucket = -1, .peer = -1, .kind = PALEO_TASK_COMPUTE, .phase = rec->phase};
  g_array_append_val(c->nodes, n);
}

void paleo_path_collector_comm_task(PaleoPathCollector *c, const PaleoCommTaskRecord *rec)
{
  if (!selected(c, rec->iteration))
    return;
  Node n = {.id = rec->id, .instance = rec->instance, .start_ns = rec->start_ns, .end_ns = rec->end_ns,
            .worker = rec->worker, .iteration = rec->iteration, .layer = UINT32_MAX, .micro_batch = rec->micro_batch,
            .bucket = rec->bucket, .peer = rec->peer, .kind = rec->kind, .phase = rec->phase,
            .collective = g_string_chunk_insert_const(c->strings, rec->collective ? rec->collective : "")};
  g_array_append_val(c->nodes, n);
}

void paleo_path_collector_dep(PaleoPathCollector *c, const PaleoTaskDepRecord *rec)
{
  g_array_append_vals(c->deps, rec, 1);
}

/* ---- the walk ---- */

typedef struct {
  const PaleoPathCollector *c;
  const Node *nodes;
  guint n;
  guint *dep_start, *dep;     /* CSR of dependencies by node index */
  GHashTable *instances;      /* instance id -> GArray of node indices (participants) */
} Graph;

static const Node *node(const Graph *g, guint i)
{
  return &g->nodes[i];
}

static int by_worker_then_time(const void *x, const void *y, void *data)
{
  const Node *nodes = data;
  const Node *a = &nodes[*(const guint *)x], *b = &nodes[*(const guint *)y];
  if (a->worker != b->worker)
    return a->worker < b->worker ? -1 : 1;
  if (a->end_ns != b->end_ns)
    return a->end_ns < b->end_ns ? -1 : 1;
  return (*(const guint *)x > *(const guint *)y) - (*(const guint *)x < *(const guint *)y);
}

/* Dependencies from task_dep; tasks without ids (no task graph) depend on their worker's
 * previous task. */
static void build_deps(Graph *g)
{
  guint n = g->n;
  GHashTable *by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < n; i++)
    if (g->nodes[i].id != PALEO_TASK_ID_NONE)
      g_hash_table_insert(by_id, (gpointer)&g->nodes[i].id, GUINT_TO_POINTER(i + 1));
  GArray *pairs = g_array_new(FALSE, FALSE, sizeof(guint) * 2);
  for (guint k = 0; k < g->c->deps->len; k++) {
    const PaleoTaskDepRecord *d = &g_array_index(g->c->deps, PaleoTaskDepRecord, k);
    guint t = GPOINTER_TO_UINT(g_hash_table_lookup(by_id, &d->task)), p = GPOINTER_TO_UINT(g_hash_table_lookup(by_id, &d->dep));
    if (t && p) {
      guint pair[2] = {t - 1, p - 1};
      g_array_append_vals(pairs, pair, 1);
    }
  }
  g_autofree guint *order = g_new(guint, MAX(n, 1));
  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data(order, (gint)n, sizeof(guint), by_worker_then_time, (gpointer)g->nodes);
  for (guint k = 1; k < n; k++) {
    const Node *a = node(g, order[k - 1]), *b = node(g, order[k]);
    if (b->id == PALEO_TASK_ID_NONE && a->worker == b->worker) {
      guint pair[2] = {order[k], order[k - 1]};
      g_array_append_vals(pairs, pair, 1);
    }
  }
  g->dep_start = g_new0(guint, n + 1);
  g->dep = g_new(guint, MAX(pairs->len, 1));
  for (guint k = 0; k < pairs->len; k++)
    g->dep_start[((guint *)pairs->data)[2 * k] + 1]++;
  for (guint i = 0; i < n; i++)
    g->dep_start[i + 1] += g->dep_start[i];
  g_autofree guint *fill = g_memdup2(g->dep_start, (n + 1) * sizeof(guint));
  for (guint k = 0; k < pairs->len; k++) {
    guint *pr = &((guint *)pairs->data)[2 * k];
    g->dep[fill[pr[0]]++] = pr[1];
  }
  g_array_free(pairs, TRUE);
  g_hash_table_destroy(by_id);
}

static void free_array(gpointer p)
{
  g_array_free(p, TRUE);
}

static void build_instances(Graph *g)
{
  g->instances = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, free_array);
  for (guint i = 0; i < g->n; i++) {
    const Node *x = node(g, i);
    if (x->kind != PALEO_TASK_COLLECTIVE || x->instance == UINT64_MAX)
      continue;
    GArray *members = g_hash_table_lookup(g->instances, &x->instance);
    if (!members) {
      members = g_array_new(FALSE, FALSE, sizeof(guint));
      g_hash_table_insert(g->instances, (gpointer)&x->instance, members);
    }
    g_array_append_val(members, i);
  }
}

static char *node_name(const Graph *g, const Node *x)
{
  g_autofree char *mb = x->micro_batch ? g_strdup_printf(" mb%u", x->micro_batch) : g_strdup("");
  if (x->kind == PALEO_TASK_TRANSFER)
    return g_strdup_printf("transfer to w%d%s", x->peer, mb);
  if (x->kind == PALEO_TASK_COLLECTIVE)
    return x->bucket >= 0 ? g_strdup_printf("%s bucket %d", x->collective, x->bucket) : g_strdup(x->collective);
  if (x->phase == PALEO_PHASE_UPDATE)
    return g_strdup("update");
  guint slot = 0;
  const char *layer = paleo_id_map_lookup(&g->c->layer_ids, x->layer, &slot)
                        ? g_ptr_array_index(g->c->layer_names, slot) : NULL;
  g_autofree char *fallback = g_strdup_printf("layer %u", x->layer);
  return g_strdup_printf("%s %s%s", layer ? layer : fallback, paleo_phase_names[x->phase], mb);
}

static void add_segment(PaleoCriticalPath *p, PaleoPathKind kind, uint32_t worker, char *name, uint64_t a,
                        uint64_t b)
{
  if (b <= a) {
    g_free(name);
    return;
  }
  PaleoPathSegment s = {kind, worker, name, a, b};
  g_array_append_val(p->segments, s);
  uint64_t *sum = kind == PALEO_PATH_COMPUTE ? &p->compute_ns : kind == PALEO_PATH_COMM ? &p->comm_ns : &p->wait_ns;
  *sum += b - a;
}

/* The last task of each iteration: the latest end, then the lowest worker, then the first
 * recorded (one pass over the nodes). */
static void find_last_tasks(const Graph *g, GArray *spans)
{
  for (guint i = 0; i < g->n; i++) {
    const Node *x = node(g, i);
    guint slot;
    if (!paleo_id_map_lookup(&g->c->span_ids, x->iteration, &slot))
      continue;
    Span *s = &g_array_index(spans, Span, slot);
    const Node *b = s->last_task >= 0 ? node(g, (guint)s->last_task) : NULL;
    if (!b || x->end_ns > b->end_ns || (x->end_ns == b->end_ns && x->worker < b->worker))
      s->last_task = i;
  }
}

/* The participant of x's collective that entered last (x itself when none did later). */
static guint binding_participant(const Graph *g, guint x)
{
  const Node *n = node(g, x);
  GArray *members = n->kind == PALEO_TASK_COLLECTIVE ? g_hash_table_lookup(g->instances, &n->instance) : NULL;
  guint best = x;
  for (guint k = 0; members && k < members->len; k++) {
    guint m = g_array_index(members, guint, k);
    if (node(g, m)->start_ns > node(g, best)->start_ns)
      best = m;
  }
  return best;
}

/* The dependency of x that ended last no later than t; -1 when none. */
static gint64 releasing_dep(const Graph *g, guint x, uint64_t t)
{
  gint64 best = -1;
  for (guint k = g->dep_start[x]; k < g->dep_start[x + 1]; k++) {
    guint d = g->dep[k];
    if (node(g, d)->end_ns <= t && (best < 0 || node(g, d)->end_ns > node(g, best)->end_ns))
      best = d;
  }
  return best;
}

/* Time only goes backwards (a trace may claim a participant entered after its partner
 * ended: clamped), and a walk visits at most every node once (a trace's dependency edges
 * may form a cycle): so it ends. */
static void walk(const Graph *g, const Span *span, PaleoCriticalPath *p)
{
  uint64_t start = span->start_ns, t = span->end_ns;
  gint64 cur = span->last_task;
  uint32_t worker = cur >= 0 ? node(g, cur)->worker : 0;
  for (guint steps = 0; cur >= 0 && t > start && steps <= g->n; steps++) {
    const Node *x = node(g, cur);
    worker = x->worker;
    if (x->end_ns < t) {
      add_segment(p, PALEO_PATH_WAIT, worker, g_strdup("wait"), MAX(x->end_ns, start), t);
      t = MAX(x->end_ns, start);
      if (t <= start)
        break;
    }
    guint bind = binding_participant(g, cur);
    uint64_t from = CLAMP(node(g, bind)->start_ns, start, t);
    add_segment(p, x->kind == PALEO_TASK_COMPUTE ? PALEO_PATH_COMPUTE : PALEO_PATH_COMM, worker, node_name(g, x), from,
                t);
    t = from;
    worker = node(g, bind)->worker;
    cur = t > start ? releasing_dep(g, bind, t) : -1;
  }
  if (t > start)
    add_segment(p, PALEO_PATH_WAIT, worker, g_strdup("wait"), start, t);
  /* built backwards */
  for (guint i = 0, j = p->segments->len; i + 1 < j; i++, j--) {
    PaleoPathSegment tmp = g_array_index(p->segments, PaleoPathSegment, i);
    g_array_index(p->segments, PaleoPathSegment, i) = g_array_index(p->segments, PaleoPathSegment, j - 1);
    g_array_index(p->segments, PaleoPathSegment, j - 1) = tmp;
  }
}

static void segment_clear(gpointer p)
{
  g_free(((PaleoPathSegment *)p)->name);
}

static gint by_iteration(gconstpointer x, gconstpointer y)
{
  uint32_t a = ((const Span *)x)->iteration, b = ((const Span *)y)->iteration;
  return (a > b) - (a < b);
}

GArray *paleo_critical_paths(const PaleoPathCollector *c)
{
  Graph g = {c, (const Node *)(void *)c->nodes->data, c->nodes->len, NULL, NULL, NULL};
  build_deps(&g);
  build_instances(&g);
  g_autoptr(GArray) spans = g_array_sized_new(FALSE, FALSE, sizeof(Span), c->spans->len);
  g_array_append_vals(spans, c->spans->data, c->spans->len);
  find_last_tasks(&g, spans);
  g_array_sort(spans, by_iteration);
  GArray *paths = g_array_new(FALSE, FALSE, sizeof(PaleoCriticalPath));
  for (guint i = 0; i < spans->len; i++) {
    const Span *s = &g_array_index(spans, Span, i);
    PaleoCriticalPath p = {.iteration = s->iteration, .start_ns = s->start_ns, .end_ns = s->end_ns,
                           .segments = g_array_new(FALSE, FALSE, sizeof(PaleoPathSegment))};
    g_array_set_clear_func(p.segments, segment_clear);
    walk(&g, s, &p);
    g_array_append_val(paths, p);
  }
  g_free(g.dep_start);
  g_free(g.dep);
  g_hash_table_destroy(g.instances);
  return paths;
}

void paleo_critical_paths_free(GArray *paths)
{
  if (!paths)
    return;
  for (guint i = 0; i < paths->len; i++)
    g_array_free(g_array_index(paths, PaleoCriticalPath, i).segments, TRUE);
  g_array_free(paths, TRUE);
}

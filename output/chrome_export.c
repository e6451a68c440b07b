/* Chrome trace-event JSON export as a trace sink (see chrome_export.h). */
#include "output/chrome_export.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "output/entity_map.h"
#include "output/id_map.h"
#include "output/output_file.h"
#include "output/trace_io.h"

#define FILE_BUFFER_BYTES (1 << 20)
#define NO_HOST_PID 1073741824 /* process for workers without an entity record */

typedef enum {
  STREAM_ITERATIONS = 0,
  STREAM_COMPUTE = 1,
  STREAM_COMM = 2,
  STREAM_NODE_COMM = 3,      /* owner is a node id, not a worker rank */
} StreamKind;

typedef struct {
  int tid;
  uint64_t end_ns;           /* latest end of an event on this thread */
} Lane;

typedef struct {
  gint64 key;                /* kind << 40 | owner; the hash key points here */
  StreamKind kind;
  uint32_t owner;            /* worker rank or node id */
  int pid;
  GArray *lanes;             /* Lane, in creation order */
} Stream;

struct PaleoChromeExport {
  PaleoTraceSink base;       /* first: the export is its own sink */
  char *path;
  PaleoOutputFile *out;      /* the partial file; NULL once finished */
  FILE *file;                /* its stream (owned by out) */
  char *scenario_name, *version;
  uint64_t seed;
  PaleoEntityMap *entities;
  PaleoIdMap layer_ids;      /* layer index -> index in layer_names */
  GPtrArray *layer_names;    /* char* (NULL when unnamed) */
  GHashTable *streams;       /* &Stream.key -> Stream; lookups only, never iterated */
  GHashTable *pids_named;    /* pid -> pid (a set); lookups only */
  int next_tid;
  guint n_threads;
  guint64 n_events;
  gboolean first_line;
};

static PaleoChromeExport *from_sink(PaleoTraceSink *sink)
{
  return (PaleoChromeExport *)sink;
}

/* ---- JSON pieces ---- */

static void put_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

/* Nanoseconds as exact decimal microseconds. */
static void put_us(FILE *f, uint64_t ns)
{
  fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

static void begin_line(PaleoChromeExport *x)
{
  fputs(x->first_line ? "\n" : ",\n", x->file);
  x->first_line = FALSE;
}

static void put_metadata(PaleoChromeExport *x, const char *what, int pid, int tid,
                         const char *name, int sort_index)
{
  begin_line(x);
  fputs("{\"name\":", x->file);
  put_string(x->file, what);
  fprintf(x->file, ",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":", pid, tid);
  put_string(x->file, name);
  fputs("}}", x->file);
  begin_line(x);
  fputs("{\"name\":", x->file);
  g_autofree char *sort_what = g_strconcat(g_str_has_prefix(what, "process") ? "process"
                                                                              : "thread",
                                           "_sort_index", NULL);
  put_string(x->file, sort_what);
  fprintf(x->file, ",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"sort_index\":%d}}", pid,
          tid, sort_index);
}

/* ---- processes and threads ---- */

static void name_process(PaleoChromeExport *x, int pid, uint32_t host_node)
{
  if (g_hash_table_contains(x->pids_named, GINT_TO_POINTER(pid)))
    return;
  g_hash_table_add(x->pids_named, GINT_TO_POINTER(pid));
  const char *name = paleo_entity_map_node_name(x->entities, host_node);
  g_autofree char *fallback = pid == NO_HOST_PID ? g_strdup("workers without entity records")
                                                 : g_strdup_printf("node %u", host_node);
  put_metadata(x, "process_name", pid, 0, name ? name : fallback, pid);
}

static int stream_pid(PaleoChromeExport *x, StreamKind kind, uint32_t owner, uint32_t *host_out)
{
  uint32_t host = 0;
  if (kind == STREAM_NODE_COMM)
    host = paleo_entity_map_node_host(x->entities, owner);
  else if (!paleo_entity_map_worker_node(x->entities, owner, NULL, &host))
    return *host_out = 0, NO_HOST_PID;
  *host_out = host;
  return (int)MIN(host, (uint32_t)NO_HOST_PID - 1);
}

static void stream_free(gpointer data)
{
  Stream *s = data;
  g_array_free(s->lanes, TRUE);
  g_free(s);
}

static Stream *stream_get(PaleoChromeExport *x, StreamKind kind, uint32_t owner)
{
  gint64 key = ((gint64)kind << 40) | owner;
  Stream *s = g_hash_table_lookup(x->streams, &key);
  if (s)
    return s;
  s = g_new0(Stream, 1);
  s->key = key;
  s->kind = kind;
  s->owner = owner;
  uint32_t host = 0;
  s->pid = stream_pid(x, kind, owner, &host);
  s->lanes = g_array_new(FALSE, FALSE, sizeof(Lane));
  g_hash_table_insert(x->streams, &s->key, s);
  name_process(x, s->pid, host);
  return s;
}

static void open_lane(PaleoChromeExport *x, Stream *s)
{
  static const char *const kind_names[] = {"iterations", "compute", "comm", "comm"};
  Lane lane = {.tid = x->next_tid++, .end_ns = 0};
  guint index = s->lanes->len;
  g_array_append_val(s->lanes, lane);
  x->n_threads++;
  const char *node_name = paleo_entity_map_node_name(x->entities, s->owner);
  g_autofree char *owner = s->kind == STREAM_NODE_COMM
    ? g_strdup(node_name ? node_name : "node")
    : g_strdup_printf("worker %u", s->owner);
  g_autofree char *name = index ? g_strdup_printf("%s %s %u", owner, kind_names[s->kind], index + 1)
                                : g_strdup_printf("%s %s", owner, kind_names[s->kind]);
  int sort = (int)(MIN(s->owner, 1u << 20) * 64 + s->kind * 16 + MIN(index, 15u));
  put_metadata(x, "thread_name", s->pid, lane.tid, name, sort);
}

/* The first thread of the stream free at `start_ns` (a new one when all are busy). */
static Lane *lane_for(PaleoChromeExport *x, Stream *s, uint64_t start_ns, uint64_t end_ns)
{
  guint i = 0;
  while (i < s->lanes->len && g_array_index(s->lanes, Lane, i).end_ns > start_ns)
    i++;
  if (i == s->lanes->len)
    open_lane(x, s);
  Lane *lane = &g_array_index(s->lanes, Lane, i);
  lane->end_ns = MAX(lane->end_ns, end_ns);
  return lane;
}

/* Starts a complete event; the caller writes its args members and then calls end_event. */
static void begin_event(PaleoChromeExport *x, StreamKind kind, uint32_t owner,
                        const char *name, const char *cat, uint64_t start_ns, uint64_t end_ns)
{
  if (end_ns < start_ns)
    end_ns = start_ns;
  Stream *s = stream_get(x, kind, owner);
  Lane *lane = lane_for(x, s, start_ns, end_ns);
  begin_line(x);
  fputs("{\"name\":", x->file);
  put_string(x->file, name);
  fputs(",\"cat\":", x->file);
  put_string(x->file, cat);
  fputs(",\"ph\":\"X\",\"ts\":", x->file);
  put_us(x->file, start_ns);
  fputs(",\"dur\":", x->file);
  put_us(x->file, end_ns - start_ns);
  fprintf(x->file, ",\"pid\":%d,\"tid\":%d,\"args\":{", s->pid, lane->tid);
  x->n_events++;
}

static gboolean end_event(PaleoChromeExport *x, GError **error)
{
  fputs("}}", x->file);
  if (ferror(x->file)) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "writing '%s' failed: %s",
                x->path, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

/* ---- the sink ---- */

static gboolean on_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  (void)error;
  PaleoChromeExport *x = from_sink(sink);
  g_free(x->scenario_name);
  g_free(x->version);
  x->scenario_name = g_strdup(meta->scenario_name ? meta->scenario_name : "");
  x->version = g_strdup(meta->version ? meta->version : "");
  x->seed = meta->seed;
  return TRUE;
}

static gboolean on_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  (void)error;
  paleo_entity_map_add(from_sink(sink)->entities, rec);
  return TRUE;
}

static gboolean on_layer(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error)
{
  (void)error;
  PaleoChromeExport *x = from_sink(sink);
  gboolean added = FALSE;
  guint slot = paleo_id_map_insert(&x->layer_ids, rec->index, &added);
  if (added)
    g_ptr_array_add(x->layer_names, NULL);
  g_free(g_ptr_array_index(x->layer_names, slot));
  g_ptr_array_index(x->layer_names, slot) = g_strdup(rec->name);
  return TRUE;
}

static gboolean on_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec,
                             GError **error)
{
  PaleoChromeExport *x = from_sink(sink);
  g_autofree char *name = g_strdup_printf("iteration %u", rec->iteration);
  begin_event(x, STREAM_ITERATIONS, rec->worker, name, "iteration", rec->start_ns, rec->end_ns);
  fprintf(x->file, "\"iteration\":%u,\"wait_us\":", rec->iteration);
  put_us(x->file, rec->wait_ns);
  if (isfinite(rec->slowdown))
    fprintf(x->file, ",\"slowdown\":%.9g", rec->slowdown);
  return end_event(x, error);
}

static gboolean on_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  static const char *const phase_names[] = {"forward", "backward", "update"};
  PaleoChromeExport *x = from_sink(sink);
  g_assert(rec->phase <= PALEO_PHASE_UPDATE);
  guint slot;
  const char *layer = paleo_id_map_lookup(&x->layer_ids, rec->layer, &slot)
                        ? g_ptr_array_index(x->layer_names, slot) : NULL;
  g_autofree char *fallback = rec->layer == UINT32_MAX ? g_strdup("update")
                                                       : g_strdup_printf("layer %u", rec->layer);
  begin_event(x, STREAM_COMPUTE, rec->worker, layer ? layer : fallback,
              phase_names[rec->phase], rec->start_ns, rec->end_ns);
  fprintf(x->file, "\"iteration\":%u,\"layer\":%" PRId64, rec->iteration,
          rec->layer == UINT32_MAX ? (int64_t)-1 : (int64_t)rec->layer);
  return end_event(x, error);
}

static gboolean on_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  PaleoChromeExport *x = from_sink(sink);
  guint n = 0;
  const uint32_t *ranks = paleo_entity_map_node_workers(x->entities, rec->src, &n);
  PaleoEntityKind kind = PALEO_ENTITY_HOST;
  gboolean one_worker = n == 1 && paleo_entity_map_node_kind(x->entities, rec->src, &kind) &&
                        kind == PALEO_ENTITY_WORKER;
  begin_event(x, one_worker ? STREAM_COMM : STREAM_NODE_COMM, one_worker ? ranks[0] : rec->src,
              rec->collective ? rec->collective : "flow", "communication", rec->start_ns,
              rec->end_ns);
  fprintf(x->file, "\"id\":%" PRIu64 ",\"src\":%u,\"dst\":%u,\"bytes\":%" PRIu64
          ",\"bucket\":%d,\"iteration\":%u", rec->id, rec->src, rec->dst, rec->bytes,
          rec->bucket, rec->iteration);
  return end_event(x, error);
}

static void on_free(PaleoTraceSink *sink)
{
  paleo_chrome_export_free(from_sink(sink));
}

static const PaleoTraceSinkOps chrome_ops = {
  .name = "chrome",
  .begin = on_begin,
  .entity = on_entity,
  .layer = on_layer,
  .task = on_task,
  .flow = on_flow,
  .iteration = on_iteration,
  .free = on_free,
};

PaleoChromeExport *paleo_chrome_export_new(const char *path, GError **error)
{
  PaleoOutputFile *out = paleo_output_file_open(path, "output", error);
  FILE *file = out ? paleo_output_file_stream(out) : NULL;
  if (out && !file) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot write '%s': %s",
                paleo_output_file_partial(out), g_strerror(errno));
    paleo_output_file_free(out);
    return NULL;
  }
  if (!out)
    return NULL;
  PaleoChromeExport *x = g_new0(PaleoChromeExport, 1);
  x->base.ops = &chrome_ops;
  x->base.level = PALEO_TRACE_LEVEL_FLOWS;
  x->path = g_strdup(path);
  x->out = out;
  x->file = file;
  setvbuf(x->file, NULL, _IOFBF, FILE_BUFFER_BYTES);
  x->scenario_name = g_strdup("");
  x->version = g_strdup("");
  x->entities = paleo_entity_map_new();
  paleo_id_map_init(&x->layer_ids);
  x->layer_names = g_ptr_array_new_with_free_func(g_free);
  x->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, stream_free);
  x->pids_named = g_hash_table_new(g_direct_hash, g_direct_equal);
  x->next_tid = 1;
  x->first_line = TRUE;
  fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", x->file);
  return x;
}

gboolean paleo_chrome_export_finish(PaleoChromeExport *x, const char *status, GError **error)
{
  g_assert(x->file);
  fputs("\n],\"otherData\":{\"generator\":\"paleosim export --chrome\",\"scenario\":", x->file);
  put_string(x->file, x->scenario_name);
  fputs(",\"version\":", x->file);
  put_string(x->file, x->version);
  fprintf(x->file, ",\"seed\":\"%" PRIu64 "\",\"status\":", x->seed);
  put_string(x->file, status ? status : "unknown");
  fputs("}}\n", x->file);
  x->file = NULL;
  gboolean ok = paleo_output_file_commit(x->out, error);
  g_clear_pointer(&x->out, paleo_output_file_free);
  return ok;
}

void paleo_chrome_export_free(PaleoChromeExport *x)
{
  if (!x)
    return;
  paleo_output_file_free(x->out); /* not finished: removes the partial file */
  g_free(x->path);
  g_free(x->scenario_name);
  g_free(x->version);
  paleo_entity_map_free(x->entities);
  paleo_id_map_clear(&x->layer_ids);
  g_ptr_array_free(x->layer_names, TRUE);
  g_hash_table_destroy(x->streams);
  g_hash_table_destroy(x->pids_named);
  g_free(x);
}

PaleoTraceSink *paleo_chrome_export_sink(PaleoChromeExport *x)
{
  return &x->base;
}

guint64 paleo_chrome_export_n_events(const PaleoChromeExport *x)
{
  return x->n_events;
}

guint paleo_chrome_export_n_threads(const PaleoChromeExport *x)
{
  return x->n_threads;
}

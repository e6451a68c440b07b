/* HDF5 trace sink and reader. One chunked, extendible compound dataset per table, appended
 * from an in-memory buffer a few chunks at a time (shuffle + deflate when compression > 0);
 * run metadata as root attributes; units and descriptions as dataset attributes. Like the
 * SQLite sink it writes a partial file (output_file.h) and renames it at close, so a failure
 * never leaves an unreadable `path`. Layout documented in output/README.md. */
#include "output/trace_int.h"
#include "output/trace_io.h"
#include "output/trace_schema.h"

#include "output/hdf5_guard.h"
#include "output/output_file.h"

#include <hdf5.h>
#include <inttypes.h>
#include <string.h>

G_STATIC_ASSERT(sizeof(PaleoPhase) == sizeof(int));
G_STATIC_ASSERT(sizeof(PaleoEntityKind) == sizeof(int));
G_STATIC_ASSERT(sizeof(PaleoStreamKind) == sizeof(int));
G_STATIC_ASSERT(sizeof(PaleoTaskKind) == sizeof(int));
G_STATIC_ASSERT(sizeof(PaleoTaskDepRecord) == 16);
G_STATIC_ASSERT(sizeof(PaleoIterationRecord) == 40);
G_STATIC_ASSERT(sizeof(PaleoPsUpdateRecord) == 24);
G_STATIC_ASSERT(sizeof(PaleoEntityRecord) == 16 + sizeof(char *));

/* File rows whose record struct would carry implicit padding: explicit `pad` (always 0,
 * not an HDF5 member) keeps the bytes written deterministic. */
typedef struct {
  uint32_t id, src, dst, pad;
  double bw_bytes_per_s;
  uint64_t latency_ns;
  const char *name;
} LinkRow;

typedef struct {
  uint32_t index, pad;
  const char *name;
  const char *type;
} LayerRow;

typedef struct {
  uint64_t id;
  uint32_t src, dst;
  uint64_t bytes;
  uint32_t collective; /* index into the /collective dataset */
  int32_t bucket;
  uint32_t iteration, pad;
  uint64_t start_ns, end_ns;
} FlowRow;

typedef struct {
  uint32_t link, flows;
  uint64_t start_ns, end_ns;
  double utilization;
} LinkUsageRow;

typedef struct {
  uint32_t worker, iteration, layer;
  PaleoPhase phase;
  uint64_t start_ns, end_ns;
  uint64_t id;
  PaleoStreamKind stream;
  uint32_t micro_batch, stage, pad;
} TaskRow;

typedef struct {
  uint64_t id;
  uint32_t worker, iteration;
  PaleoTaskKind kind;
  PaleoStreamKind stream;
  uint32_t collective; /* index into the /collective dataset */
  int32_t bucket;
  uint32_t micro_batch, stage;
  PaleoPhase phase;
  int32_t peer;
  uint64_t bytes, instance;
  uint64_t start_ns, end_ns;
} CommTaskRow;

typedef enum {
  T_ENTITY, T_LINK, T_LAYER, T_ITERATION, T_TASK, T_FLOW, T_LINK_USAGE, T_PS_UPDATE, T_COMM_TASK, T_TASK_DEP,
  T_COUNT
} Table;

/* Tables that schema versions before 3 do not have. */
#define FIRST_V3_TABLE T_COMM_TASK

/* HDF5 types shared by every table; closed together. */
typedef struct {
  hid_t str;   /* variable-length UTF-8 string */
  hid_t phase; /* enum fwd/bwd/update */
  hid_t kind;  /* enum worker/host/switch/ps */
  hid_t stream;    /* enum compute/comm/p2p */
  hid_t task_kind; /* enum compute/transfer/collective */
  hid_t row[T_COUNT];
} TypeSet;

typedef struct {
  const char *name;
  size_t row_size;
  hsize_t chunk_rows;
  const char *description; /* the HDF5 encoding; units come from output/trace_schema.h */
  const char *key1, *key2; /* replay order: key1, key2 (NULL: none), then row number */
} TableSpec;

static const TableSpec table_specs[T_COUNT] = {
  [T_ENTITY] = {"entity", sizeof(PaleoEntityRecord), 256,
                "topology nodes; host and worker are -1 when none", "id", NULL},
  [T_LINK] = {"link", sizeof(LinkRow), 256,
              "directed links between entity ids", "id", NULL},
  [T_LAYER] = {"layer", sizeof(LayerRow), 256, "network layers; task.layer indexes them",
               "index", NULL},
  [T_ITERATION] = {"iteration", sizeof(PaleoIterationRecord), 8192,
                   "one row per worker and iteration; wait_ns is time blocked on others; "
                   "slowdown is compute time / nominal compute time (1 = none)",
                   "start_ns", NULL},
  [T_TASK] = {"task", sizeof(TaskRow), 8192,
              "compute tasks; layer is 4294967295 for the update; id is 18446744073709551615 for tasks of no "
              "task graph; stream, micro_batch and stage label the task-graph task",
              "start_ns", NULL},
  [T_FLOW] = {"flow", sizeof(FlowRow), 4096,
              "network flows; collective indexes /collective; bucket is -1 when none",
              "start_ns", "id"},
  [T_LINK_USAGE] = {"link_usage", sizeof(LinkUsageRow), 8192,
                    "intervals of constant load per link", "start_ns", NULL},
  [T_PS_UPDATE] = {"ps_update", sizeof(PaleoPsUpdateRecord), 4096,
                   "parameter-server updates; staleness in updates", "time_ns", NULL},
  [T_COMM_TASK] = {"comm_task", sizeof(CommTaskRow), 4096,
                   "transfers and collective parts of the task graph, one per worker; collective indexes "
                   "/collective; bucket and peer are -1 when none; participants of one collective share "
                   "instance", "start_ns", NULL},
  [T_TASK_DEP] = {"task_dep", sizeof(PaleoTaskDepRecord), 8192,
                  "dependency edges between task ids (task and comm_task): task waited for dep", "task", NULL},
};

/* Chunks buffered in memory before a write. */
#define BUFFER_CHUNKS 16

#define MEMBER(t, row, field, h5type) H5Tinsert((t), #field, HOFFSET(row, field), (h5type))

static hid_t make_enum(const char *const *names, int count)
{
  hid_t t = H5Tenum_create(H5T_NATIVE_INT);
  for (int v = 0; v < count; v++)
    H5Tenum_insert(t, names[v], &v);
  return t;
}

static void typeset_init(TypeSet *ts)
{
  static const char *const phases[] = {"fwd", "bwd", "update"};
  static const char *const kinds[] = {"worker", "host", "switch", "ps"};
  ts->str = H5Tcopy(H5T_C_S1);
  H5Tset_size(ts->str, H5T_VARIABLE);
  H5Tset_cset(ts->str, H5T_CSET_UTF8);
  ts->phase = make_enum(phases, G_N_ELEMENTS(phases));
  ts->kind = make_enum(kinds, G_N_ELEMENTS(kinds));
  ts->stream = make_enum(paleo_stream_kind_names, PALEO_STREAM_KINDS);
  ts->task_kind = make_enum(paleo_task_kind_names, 3);

  hid_t t = ts->row[T_ENTITY] = H5Tcreate(H5T_COMPOUND, sizeof(PaleoEntityRecord));
  MEMBER(t, PaleoEntityRecord, id, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoEntityRecord, kind, ts->kind);
  MEMBER(t, PaleoEntityRecord, host, H5T_NATIVE_INT32);
  MEMBER(t, PaleoEntityRecord, worker, H5T_NATIVE_INT32);
  MEMBER(t, PaleoEntityRecord, name, ts->str);

  t = ts->row[T_LINK] = H5Tcreate(H5T_COMPOUND, sizeof(LinkRow));
  MEMBER(t, LinkRow, id, H5T_NATIVE_UINT32);
  MEMBER(t, LinkRow, src, H5T_NATIVE_UINT32);
  MEMBER(t, LinkRow, dst, H5T_NATIVE_UINT32);
  MEMBER(t, LinkRow, bw_bytes_per_s, H5T_NATIVE_DOUBLE);
  MEMBER(t, LinkRow, latency_ns, H5T_NATIVE_UINT64);
  MEMBER(t, LinkRow, name, ts->str);

  t = ts->row[T_LAYER] = H5Tcreate(H5T_COMPOUND, sizeof(LayerRow));
  MEMBER(t, LayerRow, index, H5T_NATIVE_UINT32);
  MEMBER(t, LayerRow, name, ts->str);
  MEMBER(t, LayerRow, type, ts->str);

  t = ts->row[T_ITERATION] = H5Tcreate(H5T_COMPOUND, sizeof(PaleoIterationRecord));
  MEMBER(t, PaleoIterationRecord, worker, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoIterationRecord, iteration, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoIterationRecord, start_ns, H5T_NATIVE_UINT64);
  MEMBER(t, PaleoIterationRecord, end_ns, H5T_NATIVE_UINT64);
  MEMBER(t, PaleoIterationRecord, wait_ns, H5T_NATIVE_UINT64);
  MEMBER(t, PaleoIterationRecord, slowdown, H5T_NATIVE_DOUBLE);

  t = ts->row[T_TASK] = H5Tcreate(H5T_COMPOUND, sizeof(TaskRow));
  MEMBER(t, TaskRow, worker, H5T_NATIVE_UINT32);
  MEMBER(t, TaskRow, iteration, H5T_NATIVE_UINT32);
  MEMBER(t, TaskRow, layer, H5T_NATIVE_UINT32);
  MEMBER(t, TaskRow, phase, ts->phase);
  MEMBER(t, TaskRow, start_ns, H5T_NATIVE_UINT64);
  MEMBER(t, TaskRow, end_ns, H5T_NATIVE_UINT64);
  MEMBER(t, TaskRow, id, H5T_NATIVE_UINT64);
  MEMBER(t, TaskRow, stream, ts->stream);
  MEMBER(t, TaskRow, micro_batch, H5T_NATIVE_UINT32);
  MEMBER(t, TaskRow, stage, H5T_NATIVE_UINT32);

  t = ts->row[T_COMM_TASK] = H5Tcreate(H5T_COMPOUND, sizeof(CommTaskRow));
  MEMBER(t, CommTaskRow, id, H5T_NATIVE_UINT64);
  MEMBER(t, CommTaskRow, worker, H5T_NATIVE_UINT32);
  MEMBER(t, CommTaskRow, iteration, H5T_NATIVE_UINT32);
  MEMBER(t, CommTaskRow, kind, ts->task_kind);
  MEMBER(t, CommTaskRow, stream, ts->stream);
  MEMBER(t, CommTaskRow, collective, H5T_NATIVE_UINT32);
  MEMBER(t, CommTaskRow, bucket, H5T_NATIVE_INT32);
  MEMBER(t, CommTaskRow, micro_batch, H5T_NATIVE_UINT32);
  MEMBER(t, CommTaskRow, stage, H5T_NATIVE_UINT32);
  MEMBER(t, CommTaskRow, phase, ts->phase);
  MEMBER(t, CommTaskRow, peer, H5T_NATIVE_INT32);
  MEMBER(t, CommTaskRow, bytes, H5T_NATIVE_UINT64);
  MEMBER(t, CommTaskRow, instance, H5T_NATIVE_UINT64);
  MEMBER(t, CommTaskRow, start_ns, H5T_NATIVE_UINT64);
  MEMBER(t, CommTaskRow, end_ns, H5T_NATIVE_UINT64);

  t = ts->row[T_TASK_DEP] = H5Tcreate(H5T_COMPOUND, sizeof(PaleoTaskDepRecord));
  MEMBER(t, PaleoTaskDepRecord, task, H5T_NATIVE_UINT64);
  MEMBER(t, PaleoTaskDepRecord, dep, H5T_NATIVE_UINT64);

  t = ts->row[T_FLOW] = H5Tcreate(H5T_COMPOUND, sizeof(FlowRow));
  MEMBER(t, FlowRow, id, H5T_NATIVE_UINT64);
  MEMBER(t, FlowRow, src, H5T_NATIVE_UINT32);
  MEMBER(t, FlowRow, dst, H5T_NATIVE_UINT32);
  MEMBER(t, FlowRow, bytes, H5T_NATIVE_UINT64);
  MEMBER(t, FlowRow, collective, H5T_NATIVE_UINT32);
  MEMBER(t, FlowRow, bucket, H5T_NATIVE_INT32);
  MEMBER(t, FlowRow, iteration, H5T_NATIVE_UINT32);
  MEMBER(t, FlowRow, start_ns, H5T_NATIVE_UINT64);
  MEMBER(t, FlowRow, end_ns, H5T_NATIVE_UINT64);

  t = ts->row[T_LINK_USAGE] = H5Tcreate(H5T_COMPOUND, sizeof(LinkUsageRow));
  MEMBER(t, LinkUsageRow, link, H5T_NATIVE_UINT32);
  MEMBER(t, LinkUsageRow, flows, H5T_NATIVE_UINT32);
  MEMBER(t, LinkUsageRow, start_ns, H5T_NATIVE_UINT64);
  MEMBER(t, LinkUsageRow, end_ns, H5T_NATIVE_UINT64);
  MEMBER(t, LinkUsageRow, utilization, H5T_NATIVE_DOUBLE);

  t = ts->row[T_PS_UPDATE] = H5Tcreate(H5T_COMPOUND, sizeof(PaleoPsUpdateRecord));
  MEMBER(t, PaleoPsUpdateRecord, server, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoPsUpdateRecord, worker, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoPsUpdateRecord, iteration, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoPsUpdateRecord, staleness, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoPsUpdateRecord, time_ns, H5T_NATIVE_UINT64);
}

static void typeset_clear(TypeSet *ts)
{
  for (int t = 0; t < T_COUNT; t++)
    if (ts->row[t] > 0)
      H5Tclose(ts->row[t]);
  if (ts->str > 0)
    H5Tclose(ts->str);
  if (ts->phase > 0)
    H5Tclose(ts->phase);
  if (ts->kind > 0)
    H5Tclose(ts->kind);
  if (ts->stream > 0)
    H5Tclose(ts->stream);
  if (ts->task_kind > 0)
    H5Tclose(ts->task_kind);
  memset(ts, 0, sizeof *ts);
}

/* The system's reason when a system call failed anywhere in the stack (HDF5 writes
 * "..., error message = 'No space left on device', ..."), else the deepest message. */
static herr_t deepest_error(unsigned n, const H5E_error2_t *err, void *data)
{
  char **out = data;
  if (!err->desc)
    return 0;
  const char *marker = "error message = '";
  const char *sys = strstr(err->desc, marker);
  const char *end = sys ? strchr(sys + strlen(marker), '\'') : NULL;
  if (end) {
    g_free(*out);
    *out = g_strndup(sys + strlen(marker), (gsize)(end - sys - strlen(marker)));
    return 1; /* the cause: stop walking */
  }
  if (n == 0)
    *out = g_strdup(err->desc);
  return 0;
}

/* Sets `error` from HDF5's error stack (deepest message first); returns FALSE. */
static gboolean h5_error(GError **error, PaleoOutputError code, const char *path, const char *what)
{
  char *detail = NULL;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, deepest_error, &detail);
  g_set_error(error, PALEO_OUTPUT_ERROR, code, "trace '%s': %s failed%s%s", path, what,
              detail ? ": " : "", detail ? detail : "");
  g_free(detail);
  H5Eclear2(H5E_DEFAULT);
  return FALSE;
}

/* HDF5 prints its error stack on stderr by default; errors become GErrors here instead.
 * HDF5 1.10 also crashes at exit (H5F__close_cb) on a file whose close failed, e.g. on a
 * full disk, so its atexit cleanup is turned off when we are the first to use HDF5 (every
 * file we open is closed explicitly; a failed one is deleted). */
static void h5_quiet(void)
{
  static gsize initialized = 0;
  if (g_once_init_enter(&initialized)) {
    if (H5dont_atexit() < 0)
      H5Eclear2(H5E_DEFAULT);
    g_once_init_leave(&initialized, 1);
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* A transfer property list whose type-conversion buffers fit `count` rows (HDF5 otherwise
 * allocates and clears 1 MiB for every read and write, which dominates small traces), with
 * checksum verification on. */
static hid_t xfer_for(hid_t dset, hid_t mem_type, hsize_t count)
{
  hid_t ftype = H5Dget_type(dset);
  size_t row = MAX(H5Tget_size(mem_type), ftype >= 0 ? H5Tget_size(ftype) : 0);
  if (ftype >= 0)
    H5Tclose(ftype);
  hsize_t bytes = MIN(MAX(count, 1) * MAX(row, 1), (hsize_t)1 << 20);
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_buffer(dxpl, MAX(bytes, (hsize_t)64 << 10), NULL, NULL); /* vlen members need room */
  H5Pset_edc_check(dxpl, H5Z_ENABLE_EDC); /* fletcher32 verified on every read (HDF5's default) */
  return dxpl;
}

/* ---- attributes ---- */

static gboolean write_attr(hid_t obj, const char *name, hid_t type, const void *value)
{
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
    return FALSE;
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = attr < 0 ? -1 : H5Awrite(attr, type, value);
  hid_t cause = rc < 0 ? H5Eget_current_stack() : -1; /* every API call clears the stack */
  if (attr >= 0)
    H5Aclose(attr);
  H5Sclose(space);
  if (rc < 0)
    H5Eset_current_stack(cause);
  return rc >= 0;
}

static gboolean write_str_attr(hid_t obj, hid_t str_type, const char *name, const char *value)
{
  const char *v = value ? value : "";
  return write_attr(obj, name, str_type, &v);
}

/* Reads one value: only from an attribute holding exactly one value of the class of `type`
 * (H5Aread fills as many values as the attribute holds; a vlen string must be one). */
static gboolean read_attr(hid_t obj, const char *name, hid_t type, void *value)
{
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0)
    return FALSE;
  hid_t space = H5Aget_space(attr), ftype = H5Aget_type(attr);
  gboolean fits = space >= 0 && ftype >= 0 && H5Sget_simple_extent_npoints(space) == 1 &&
                  H5Tget_class(ftype) == H5Tget_class(type) &&
                  (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(ftype) > 0);
  herr_t rc = fits ? H5Aread(attr, type, value) : -1;
  if (space >= 0)
    H5Sclose(space);
  if (ftype >= 0)
    H5Tclose(ftype);
  H5Aclose(attr);
  return rc >= 0;
}

/* OUT: *value newly allocated with g_malloc. */
static gboolean read_str_attr(hid_t obj, hid_t str_type, const char *name, char **value)
{
  char *raw = NULL;
  if (!read_attr(obj, name, str_type, &raw))
    return FALSE;
  *value = g_strdup(raw ? raw : "");
  H5free_memory(raw);
  return TRUE;
}

/* ---- sink ---- */

typedef struct {
  hid_t dset;
  char *buf;            /* capacity rows (grows to chunk_rows x BUFFER_CHUNKS) */
  hsize_t buffered;     /* rows in buf */
  hsize_t capacity;
  hsize_t written;      /* rows in the dataset */
} TableOut;

typedef struct {
  PaleoTraceSink base;
  char *path;
  PaleoOutputFile *file_out; /* the partial file being written; NULL once closed */
  hid_t file;
  int compression;
  TypeSet types;
  TableOut out[T_COUNT];
  GHashTable *collective_index; /* name -> index + 1 */
  GPtrArray *collectives;       /* names in first-seen order */
  GStringChunk *strings;        /* names referenced by buffered rows */
  gboolean failed;
} Hdf5Sink;

static Hdf5Sink *hdf5_of(PaleoTraceSink *sink)
{
  return (Hdf5Sink *)sink;
}

static gboolean sink_fail(Hdf5Sink *s, const char *what, GError **error)
{
  s->failed = TRUE;
  return h5_error(error, PALEO_OUTPUT_ERROR_IO, s->path, what);
}

static gboolean create_table(Hdf5Sink *s, Table t)
{
  const TableSpec *spec = &table_specs[t];
  hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  hid_t space = H5Screate_simple(1, &zero, &unlimited);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, &spec->chunk_rows);
  H5Pset_obj_track_times(dcpl, FALSE); /* same records => same bytes */
  if (s->compression > 0) {
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, (unsigned)s->compression);
  }
  H5Pset_fletcher32(dcpl); /* last: a checksum of the stored bytes, verified by every read */
  TableOut *out = &s->out[t];
  out->dset = H5Dcreate2(s->file, spec->name, s->types.row[t], space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  H5Sclose(space);
  if (out->dset < 0)
    return FALSE;
  out->capacity = 0; /* the buffer grows with the first rows (small traces stay small) */
  g_autofree char *units = paleo_trace_schema_units(spec->name); /* the one schema description */
  return write_str_attr(out->dset, s->types.str, "units", units) &&
         write_str_attr(out->dset, s->types.str, "description", spec->description);
}

static gboolean flush_table(Hdf5Sink *s, Table t, GError **error)
{
  TableOut *out = &s->out[t];
  if (out->buffered == 0)
    return TRUE;
  hsize_t size = out->written + out->buffered;
  if (H5Dset_extent(out->dset, &size) < 0)
    return sink_fail(s, "extend dataset", error);
  hid_t fspace = H5Dget_space(out->dset);
  hid_t mspace = H5Screate_simple(1, &out->buffered, NULL);
  herr_t rc = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &out->written, NULL, &out->buffered, NULL);
  hid_t dxpl = xfer_for(out->dset, s->types.row[t], out->buffered);
  if (rc >= 0)
    rc = H5Dwrite(out->dset, s->types.row[t], mspace, fspace, dxpl, out->buf);
  hid_t cause = rc < 0 ? H5Eget_current_stack() : -1; /* every API call clears the stack */
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  if (rc < 0) {
    H5Eset_current_stack(cause);
    return sink_fail(s, table_specs[t].name, error);
  }
  out->written = size;
  out->buffered = 0;
  return TRUE;
}

/* The next free buffered row of table t (flushing a full buffer first); NULL on failure. */
static void *next_row(Hdf5Sink *s, Table t, GError **error)
{
  TableOut *out = &s->out[t];
  if (s->failed || s->file < 0) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO,
                "trace '%s': record after a failed write or close", s->path);
    return NULL;
  }
  const TableSpec *spec = &table_specs[t];
  if (out->buffered == out->capacity && out->capacity < spec->chunk_rows * BUFFER_CHUNKS) {
    out->capacity = out->capacity ? 2 * out->capacity : spec->chunk_rows;
    out->buf = g_realloc(out->buf, out->capacity * spec->row_size);
    memset(out->buf + out->buffered * spec->row_size, 0, (out->capacity - out->buffered) * spec->row_size);
  }
  if (out->buffered == out->capacity && !flush_table(s, t, error))
    return NULL;
  return out->buf + (out->buffered++) * spec->row_size;
}

static const char *keep(Hdf5Sink *s, const char *str)
{
  return g_string_chunk_insert_const(s->strings, str ? str : "");
}

static gboolean hdf5_begin(PaleoTraceSink *sink, const PaleoRunMeta *meta, GError **error)
{
  Hdf5Sink *s = hdf5_of(sink);
  hid_t str = s->types.str;
  if (s->failed || s->file < 0)
    return next_row(s, T_ENTITY, error) != NULL; /* reports the misuse */
  gboolean ok = write_str_attr(s->file, str, "scenario_name", meta->scenario_name) &&
                write_str_attr(s->file, str, "scenario_text", meta->scenario_text) &&
                write_attr(s->file, "seed", H5T_NATIVE_UINT64, &meta->seed) &&
                write_str_attr(s->file, str, "version", meta->version) &&
                write_attr(s->file, "start_unix_s", H5T_NATIVE_INT64, &meta->start_unix_s);
  return ok ? TRUE : sink_fail(s, "write run metadata", error);
}

static gboolean hdf5_entity(PaleoTraceSink *sink, const PaleoEntityRecord *rec, GError **error)
{
  Hdf5Sink *s = hdf5_of(sink);
  g_return_val_if_fail(paleo_trace_entity_kind_name(rec->kind) != NULL, FALSE);
  PaleoEntityRecord *row = next_row(s, T_ENTITY, error);
  if (!row)
    return FALSE;
  *row = *rec;
  row->name = keep(s, rec->name);
  return TRUE;
}

static gboolean hdf5_link(PaleoTraceSink *sink, const PaleoLinkRecord *rec, GError **error)
{
  Hdf5Sink *s = hdf5_of(sink);
  LinkRow *row = next_row(s, T_LINK, error);
  if (!row)
    return FALSE;
  *row = (LinkRow){rec->id, rec->src, rec->dst, 0, rec->bw_bytes_per_s, rec->latency_ns,
                   keep(s, rec->name)};
  return TRUE;
}

static gboolean hdf5_layer(PaleoTraceSink *sink, const PaleoLayerRecord *rec, GError **error)
{
  Hdf5Sink *s = hdf5_of(sink);
  LayerRow *row = next_row(s, T_LAYER, error);
  if (!row)
    return FALSE;
  *row = (LayerRow){rec->index, 0, keep(s, rec->name), keep(s, rec->type)};
  return TRUE;
}

static gboolean hdf5_task(PaleoTraceSink *sink, const PaleoTaskRecord *rec, GError **error)
{
  if (sink->level < PALEO_TRACE_LEVEL_TASKS)
    return TRUE;
  Hdf5Sink *s = hdf5_of(sink);
  TableOut *out = &s->out[T_TASK];
  TaskRow r = {rec->worker, rec->iteration, rec->layer, rec->phase, rec->start_ns, rec->end_ns, rec->id,
               rec->stream, rec->micro_batch, rec->stage, 0};
  if (G_LIKELY(out->buffered < out->capacity && !s->failed)) { /* hot path */
    ((TaskRow *)out->buf)[out->buffered++] = r;
    return TRUE;
  }
  TaskRow *row = next_row(s, T_TASK, error);
  if (row)
    *row = r;
  return row != NULL;
}

static uint32_t collective_index(Hdf5Sink *s, const char *name)
{
  const char *key = name ? name : "";
  gpointer found = g_hash_table_lookup(s->collective_index, key);
  if (found)
    return GPOINTER_TO_UINT(found) - 1;
  char *copy = g_strdup(key);
  g_ptr_array_add(s->collectives, copy);
  g_hash_table_insert(s->collective_index, copy, GUINT_TO_POINTER(s->collectives->len));
  return s->collectives->len - 1;
}

static gboolean hdf5_flow(PaleoTraceSink *sink, const PaleoFlowRecord *rec, GError **error)
{
  if (sink->level < PALEO_TRACE_LEVEL_FLOWS)
    return TRUE;
  Hdf5Sink *s = hdf5_of(sink);
  FlowRow *row = next_row(s, T_FLOW, error);
  if (!row)
    return FALSE;
  *row = (FlowRow){rec->id, rec->src, rec->dst, rec->bytes, collective_index(s, rec->collective),
                   rec->bucket, rec->iteration, 0, rec->start_ns, rec->end_ns};
  return TRUE;
}

static gboolean hdf5_comm_task(PaleoTraceSink *sink, const PaleoCommTaskRecord *rec, GError **error)
{
  if (sink->level < PALEO_TRACE_LEVEL_TASKS)
    return TRUE;
  Hdf5Sink *s = hdf5_of(sink);
  CommTaskRow *row = next_row(s, T_COMM_TASK, error);
  if (!row)
    return FALSE;
  *row = (CommTaskRow){rec->id, rec->worker, rec->iteration, rec->kind, rec->stream,
                       collective_index(s, rec->collective), rec->bucket, rec->micro_batch, rec->stage, rec->phase,
                       rec->peer, rec->bytes, rec->instance, rec->start_ns, rec->end_ns};
  return TRUE;
}

static gboolean hdf5_task_dep(PaleoTraceSink *sink, const PaleoTaskDepRecord *rec, GError **error)
{
  if (sink->level < PALEO_TRACE_LEVEL_TASKS)
    return TRUE;
  PaleoTaskDepRecord *row = next_row(hdf5_of(sink), T_TASK_DEP, error);
  if (row)
    *row = *rec;
  return row != NULL;
}

static gboolean hdf5_iteration(PaleoTraceSink *sink, const PaleoIterationRecord *rec, GError **error)
{
  PaleoIterationRecord *row = next_row(hdf5_of(sink), T_ITERATION, error);
  if (row)
    *row = *rec;
  return row != NULL;
}

static gboolean hdf5_link_usage(PaleoTraceSink *sink, const PaleoLinkUsageRecord *rec, GError **error)
{
  if (sink->level < PALEO_TRACE_LEVEL_ALL)
    return TRUE;
  LinkUsageRow *row = next_row(hdf5_of(sink), T_LINK_USAGE, error);
  if (row)
    *row = (LinkUsageRow){rec->link, rec->flows, rec->start_ns, rec->end_ns, rec->utilization};
  return row != NULL;
}

static gboolean hdf5_ps_update(PaleoTraceSink *sink, const PaleoPsUpdateRecord *rec, GError **error)
{
  PaleoPsUpdateRecord *row = next_row(hdf5_of(sink), T_PS_UPDATE, error);
  if (row)
    *row = *rec;
  return row != NULL;
}

static gboolean write_collectives(Hdf5Sink *s)
{
  hsize_t n = s->collectives->len;
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, FALSE);
  hid_t dset = H5Dcreate2(s->file, "collective", s->types.str, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  herr_t rc = dset < 0 ? -1 : 0;
  if (rc >= 0 && n > 0)
    rc = H5Dwrite(dset, s->types.str, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->collectives->pdata);
  gboolean ok = rc >= 0 && write_str_attr(dset, s->types.str, "description",
                                          "names of flow.collective values, by index");
  if (dset >= 0)
    H5Dclose(dset);
  H5Sclose(space);
  return ok;
}

/* Closes every HDF5 object of the sink; FALSE when the file could not be closed. */
static gboolean close_file(Hdf5Sink *s)
{
  for (int t = 0; t < T_COUNT; t++) {
    if (s->out[t].dset > 0)
      H5Dclose(s->out[t].dset);
    s->out[t].dset = -1;
  }
  herr_t rc = s->file >= 0 ? H5Fclose(s->file) : 0;
  s->file = -1;
  return rc >= 0;
}

static gboolean finish_file(Hdf5Sink *s, const char *status, GError **error)
{
  for (int t = 0; t < T_COUNT; t++)
    if (!flush_table(s, t, error))
      return FALSE;
  if (!write_collectives(s))
    return sink_fail(s, "write collective names", error);
  if (!write_str_attr(s->file, s->types.str, "status", status))
    return sink_fail(s, "write status", error);
  if (H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    return sink_fail(s, "flush", error);
  return TRUE;
}

static gboolean hdf5_close(PaleoTraceSink *sink, const char *status, GError **error)
{
  Hdf5Sink *s = hdf5_of(sink);
  g_return_val_if_fail(status != NULL, FALSE);
  if (s->file < 0) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "trace '%s' closed twice", s->path);
    return FALSE;
  }
  h5_quiet();
  gboolean ok = !s->failed && finish_file(s, status, error);
  if (!close_file(s) && ok)
    ok = sink_fail(s, "close", error);
  if (!ok && error && !*error)
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO,
                "trace '%s' not written: an earlier write failed", s->path);
  ok = ok && paleo_output_file_commit(s->file_out, error);
  g_clear_pointer(&s->file_out, paleo_output_file_free); /* removes the partial file on failure */
  return ok;
}

static void hdf5_free(PaleoTraceSink *sink)
{
  Hdf5Sink *s = hdf5_of(sink);
  close_file(s);
  paleo_output_file_free(s->file_out); /* never closed: abandons the partial file */
  for (int t = 0; t < T_COUNT; t++)
    g_free(s->out[t].buf);
  typeset_clear(&s->types);
  g_hash_table_unref(s->collective_index);
  g_ptr_array_unref(s->collectives);
  g_string_chunk_free(s->strings);
  g_free(s->path);
  g_free(s);
}

static const PaleoTraceSinkOps hdf5_ops = {
  .name = "hdf5",
  .begin = hdf5_begin,
  .entity = hdf5_entity,
  .link = hdf5_link,
  .layer = hdf5_layer,
  .task = hdf5_task,
  .flow = hdf5_flow,
  .iteration = hdf5_iteration,
  .link_usage = hdf5_link_usage,
  .ps_update = hdf5_ps_update,
  .comm_task = hdf5_comm_task,
  .task_dep = hdf5_task_dep,
  .close = hdf5_close,
  .free = hdf5_free,
};

/* The file format of HDF5 1.10: every piece of metadata (superblock, object headers,
 * chunk indices) carries a checksum that HDF5 verifies when it reads it, so corruption is
 * an error instead of garbage fed to the library's parsers. Readable by HDF5 >= 1.10. */
static hid_t checksummed_fapl(void)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  return fapl;
}

static gboolean create_file(Hdf5Sink *s, GError **error)
{
  hid_t fapl = checksummed_fapl();
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_obj_track_times(fcpl, FALSE); /* the root group too: same records => same bytes */
  s->file = H5Fcreate(paleo_output_file_partial(s->file_out), H5F_ACC_TRUNC, fcpl, fapl);
  H5Pclose(fcpl);
  H5Pclose(fapl);
  if (s->file < 0)
    return sink_fail(s, "create", error);
  int version = PALEO_TRACE_SCHEMA_VERSION;
  gboolean ok = write_attr(s->file, "schema_version", H5T_NATIVE_INT, &version) &&
                write_str_attr(s->file, s->types.str, "trace_level",
                               paleo_trace_level_name(s->base.level)) &&
                write_str_attr(s->file, s->types.str, "status", "running");
  for (int t = 0; ok && t < T_COUNT; t++)
    ok = create_table(s, t);
  return ok ? TRUE : sink_fail(s, "create datasets", error);
}

PaleoTraceSink *paleo_trace_hdf5_open(const char *path, PaleoTraceLevel level, int compression,
                                      GError **error)
{
  g_return_val_if_fail(compression >= 0 && compression <= 9, NULL);
  h5_quiet();
  Hdf5Sink *s = g_new0(Hdf5Sink, 1);
  s->base.ops = &hdf5_ops;
  s->base.level = level;
  s->path = g_strdup(path);
  s->file = -1;
  s->compression = compression;
  for (int t = 0; t < T_COUNT; t++)
    s->out[t].dset = -1;
  typeset_init(&s->types);
  s->collective_index = g_hash_table_new(g_str_hash, g_str_equal);
  s->collectives = g_ptr_array_new_with_free_func(g_free);
  s->strings = g_string_chunk_new(4096);
  s->file_out = paleo_output_file_open(path, "trace", error);
  if (!s->file_out || !create_file(s, error)) {
    hdf5_free(&s->base);
    return NULL;
  }
  return &s->base;
}

/* ---- reader ---- */

typedef struct {
  const char *path;
  hid_t file;
  int version;            /* the file's schema version */
  TypeSet types;
  GPtrArray *collectives; /* names by index */
  PaleoTraceSink *sink;
  PaleoHdf5Heaps *heaps;  /* the file's global heap objects, checked before HDF5 opens it */
} Reader;

/* Version 1 iteration rows lack `slowdown`, versions before 3 the task-graph members of
 * task rows: read them with memory types without those members. */
static void reader_adapt_types(Reader *r)
{
  if (r->version < 3) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(TaskRow));
    MEMBER(t, TaskRow, worker, H5T_NATIVE_UINT32);
    MEMBER(t, TaskRow, iteration, H5T_NATIVE_UINT32);
    MEMBER(t, TaskRow, layer, H5T_NATIVE_UINT32);
    MEMBER(t, TaskRow, phase, r->types.phase);
    MEMBER(t, TaskRow, start_ns, H5T_NATIVE_UINT64);
    MEMBER(t, TaskRow, end_ns, H5T_NATIVE_UINT64);
    H5Tclose(r->types.row[T_TASK]);
    r->types.row[T_TASK] = t;
  }
  if (r->version >= 2)
    return;
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(PaleoIterationRecord));
  MEMBER(t, PaleoIterationRecord, worker, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoIterationRecord, iteration, H5T_NATIVE_UINT32);
  MEMBER(t, PaleoIterationRecord, start_ns, H5T_NATIVE_UINT64);
  MEMBER(t, PaleoIterationRecord, end_ns, H5T_NATIVE_UINT64);
  MEMBER(t, PaleoIterationRecord, wait_ns, H5T_NATIVE_UINT64);
  H5Tclose(r->types.row[T_ITERATION]);
  r->types.row[T_ITERATION] = t;
}

static gboolean format_error(GError **error, const Reader *r, const char *msg)
{
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "trace '%s': %s", r->path, msg);
  return FALSE;
}

/* Hands one stored row of table t to the sink. */
static gboolean emit_row(Reader *r, Table t, const void *row, GError **error)
{
  PaleoTraceSink *sink = r->sink;
  const PaleoTraceSinkOps *ops = sink->ops;
  switch (t) {
  case T_ENTITY:
    if (!paleo_trace_entity_kind_name(((const PaleoEntityRecord *)row)->kind))
      return format_error(error, r, "entity kind out of range");
    return ops->entity(sink, row, error);
  case T_LINK: {
    const LinkRow *l = row;
    PaleoLinkRecord rec = {l->id, l->src, l->dst, l->bw_bytes_per_s, l->latency_ns, l->name};
    return ops->link(sink, &rec, error);
  }
  case T_LAYER: {
    const LayerRow *l = row;
    PaleoLayerRecord rec = {l->index, l->name, l->type};
    return ops->layer(sink, &rec, error);
  }
  case T_ITERATION: {
    PaleoIterationRecord rec = *(const PaleoIterationRecord *)row;
    if (r->version < 2)
      rec.slowdown = 1.0; /* version 1 predates stragglers: every iteration ran at nominal speed */
    return ops->iteration(sink, &rec, error);
  }
  case T_TASK: {
    const TaskRow *k = row;
    PaleoTaskRecord rec = {k->worker, k->iteration, k->layer, k->phase, k->start_ns, k->end_ns, k->id, k->stream,
                           k->micro_batch, k->stage};
    if (r->version < 3) /* no task graph before version 3 */
      rec = (PaleoTaskRecord){k->worker, k->iteration, k->layer, k->phase, k->start_ns, k->end_ns,
                              PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0};
    if (!paleo_trace_phase_name(rec.phase) || rec.stream >= PALEO_STREAM_KINDS)
      return format_error(error, r, "task phase or stream out of range");
    return ops->task(sink, &rec, error);
  }
  case T_COMM_TASK: {
    const CommTaskRow *c = row;
    if (c->collective >= r->collectives->len)
      return format_error(error, r, "comm_task.collective indexes past the collective dataset");
    if ((c->kind != PALEO_TASK_TRANSFER && c->kind != PALEO_TASK_COLLECTIVE) || c->stream >= PALEO_STREAM_KINDS ||
        !paleo_trace_phase_name(c->phase))
      return format_error(error, r, "comm_task kind, stream or phase out of range");
    PaleoCommTaskRecord rec = {c->id, c->worker, c->iteration, c->kind, c->stream,
                               g_ptr_array_index(r->collectives, c->collective), c->bucket, c->micro_batch,
                               c->stage, c->phase, c->peer, c->bytes, c->instance, c->start_ns, c->end_ns};
    return ops->comm_task(sink, &rec, error);
  }
  case T_TASK_DEP:
    return ops->task_dep(sink, row, error);
  case T_FLOW: {
    const FlowRow *f = row;
    if (f->collective >= r->collectives->len)
      return format_error(error, r, "flow.collective indexes past the collective dataset");
    PaleoFlowRecord rec = {f->id, f->src, f->dst, f->bytes, g_ptr_array_index(r->collectives, f->collective),
                           f->bucket, f->iteration, f->start_ns, f->end_ns};
    return ops->flow(sink, &rec, error);
  }
  case T_LINK_USAGE: {
    const LinkUsageRow *u = row;
    PaleoLinkUsageRecord rec = {u->link, u->start_ns, u->end_ns, u->flows, u->utilization};
    return ops->link_usage(sink, &rec, error);
  }
  case T_PS_UPDATE:
    return ops->ps_update(sink, row, error);
  default:
    g_assert_not_reached();
  }
}

static gboolean wanted(const PaleoTraceSinkOps *ops, Table t)
{
  switch (t) {
  case T_ENTITY: return ops->entity != NULL;
  case T_LINK: return ops->link != NULL;
  case T_LAYER: return ops->layer != NULL;
  case T_ITERATION: return ops->iteration != NULL;
  case T_TASK: return ops->task != NULL;
  case T_FLOW: return ops->flow != NULL;
  case T_LINK_USAGE: return ops->link_usage != NULL;
  case T_PS_UPDATE: return ops->ps_update != NULL;
  case T_COMM_TASK: return ops->comm_task != NULL;
  case T_TASK_DEP: return ops->task_dep != NULL;
  default: g_assert_not_reached();
  }
}

/* Rows read per H5Dread when streaming. */
#define READ_BLOCK_ROWS 65536

typedef struct {
  uint64_t k1, k2;
} SortKey;

/* Reads rows [first, first + count) of `dset` as `type` into `buf`. */
static herr_t read_rows(hid_t dset, hid_t type, hsize_t first, hsize_t count, void *buf)
{
  hid_t fspace = H5Dget_space(dset);
  hid_t mspace = H5Screate_simple(1, &count, NULL);
  herr_t rc = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &first, NULL, &count, NULL);
  hid_t dxpl = xfer_for(dset, type, count);
  if (rc >= 0)
    rc = H5Dread(dset, type, mspace, fspace, dxpl, buf);
  hid_t cause = rc < 0 ? H5Eget_current_stack() : -1; /* every API call clears the stack */
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  if (rc < 0)
    H5Eset_current_stack(cause);
  return rc;
}

/* The memory type reading only the sort keys of table t into SortKey. */
static hid_t key_type(Table t)
{
  hid_t kt = H5Tcreate(H5T_COMPOUND, sizeof(SortKey));
  H5Tinsert(kt, table_specs[t].key1, HOFFSET(SortKey, k1), H5T_NATIVE_UINT64);
  if (table_specs[t].key2)
    H5Tinsert(kt, table_specs[t].key2, HOFFSET(SortKey, k2), H5T_NATIVE_UINT64);
  return kt;
}

static int key_cmp(const SortKey *a, const SortKey *b)
{
  if (a->k1 != b->k1)
    return a->k1 < b->k1 ? -1 : 1;
  if (a->k2 != b->k2)
    return a->k2 < b->k2 ? -1 : 1;
  return 0;
}

/* Reads all sort keys (OUT: *keys_out, g_malloc'd) and says whether they are in order. */
static gboolean read_keys(Reader *r, hid_t dset, Table t, hsize_t n, SortKey **keys_out,
                          gboolean *sorted_out, GError **error)
{
  hid_t kt = key_type(t);
  SortKey *keys = g_new0(SortKey, n ? n : 1);
  herr_t rc = n ? read_rows(dset, kt, 0, n, keys) : 0;
  H5Tclose(kt);
  if (rc < 0) {
    g_free(keys);
    return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, table_specs[t].name);
  }
  gboolean sorted = TRUE;
  for (hsize_t i = 1; sorted && i < n; i++)
    sorted = key_cmp(&keys[i - 1], &keys[i]) <= 0;
  *keys_out = keys;
  *sorted_out = sorted;
  return TRUE;
}

static gint perm_cmp(gconstpointer x, gconstpointer y, gpointer keys)
{
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  int c = key_cmp(&((const SortKey *)keys)[a], &((const SortKey *)keys)[b]);
  return c ? c : (a < b ? -1 : a > b);
}

/* Row numbers sorted by (key, row number). */
static uint64_t *order_by_keys(const SortKey *keys, hsize_t n)
{
  uint64_t *perm = g_new(uint64_t, n ? n : 1);
  for (hsize_t i = 0; i < n; i++)
    perm[i] = i;
  g_assert(n <= G_MAXINT);
  g_qsort_with_data(perm, (gint)n, sizeof *perm, perm_cmp, (gpointer)keys);
  return perm;
}

/* Emits rows [0, n) read block by block (the stored order is the replay order). */
static gboolean stream_rows(Reader *r, hid_t dset, Table t, hsize_t n, GError **error)
{
  size_t row_size = table_specs[t].row_size;
  hid_t type = r->types.row[t];
  gboolean has_str = H5Tdetect_class(type, H5T_STRING) > 0;
  char *buf = g_malloc0(MIN(n, (hsize_t)READ_BLOCK_ROWS) * row_size + 1);
  gboolean ok = TRUE;
  for (hsize_t first = 0; ok && first < n; first += READ_BLOCK_ROWS) {
    hsize_t count = MIN((hsize_t)READ_BLOCK_ROWS, n - first);
    if (read_rows(dset, type, first, count, buf) < 0) {
      ok = h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, table_specs[t].name);
      break;
    }
    for (hsize_t i = 0; ok && i < count; i++)
      ok = emit_row(r, t, buf + i * row_size, error);
    if (has_str) {
      hid_t mspace = H5Screate_simple(1, &count, NULL);
      H5Dvlen_reclaim(type, mspace, H5P_DEFAULT, buf);
      H5Sclose(mspace);
    }
  }
  g_free(buf);
  return ok;
}

/* Emits all rows in key order after reading the whole table (unsorted tables only). */
static gboolean emit_sorted(Reader *r, hid_t dset, Table t, hsize_t n, const SortKey *keys,
                            GError **error)
{
  size_t row_size = table_specs[t].row_size;
  hid_t type = r->types.row[t];
  char *buf = g_malloc0(n * row_size);
  if (read_rows(dset, type, 0, n, buf) < 0) {
    g_free(buf);
    return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, table_specs[t].name);
  }
  uint64_t *perm = order_by_keys(keys, n);
  gboolean ok = TRUE;
  for (hsize_t i = 0; ok && i < n; i++)
    ok = emit_row(r, t, buf + perm[i] * row_size, error);
  if (H5Tdetect_class(type, H5T_STRING) > 0) {
    hid_t mspace = H5Screate_simple(1, &n, NULL);
    H5Dvlen_reclaim(type, mspace, H5P_DEFAULT, buf);
    H5Sclose(mspace);
  }
  g_free(perm);
  g_free(buf);
  return ok;
}

static gboolean replay_table(Reader *r, Table t, GError **error)
{
  hid_t dset = H5Dopen2(r->file, table_specs[t].name, H5P_DEFAULT);
  if (dset < 0)
    return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, table_specs[t].name);
  hsize_t n = 0;
  SortKey *keys = NULL;
  gboolean sorted = TRUE;
  gboolean ok = paleo_hdf5_dataset_check(r->file, dset, r->types.row[t], r->path, table_specs[t].name, &n,
                                         error) &&
                read_keys(r, dset, t, n, &keys, &sorted, error);
  if (ok && sorted) {
    g_clear_pointer(&keys, g_free);
    ok = stream_rows(r, dset, t, n, error);
  } else if (ok) {
    ok = emit_sorted(r, dset, t, n, keys, error);
  }
  g_free(keys);
  H5Dclose(dset);
  return ok;
}

static gboolean read_collectives(Reader *r, GError **error)
{
  hid_t dset = H5Dopen2(r->file, "collective", H5P_DEFAULT);
  if (dset < 0)
    return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, "collective");
  hsize_t n = 0;
  if (!paleo_hdf5_dataset_check(r->file, dset, r->types.str, r->path, "collective", &n, error)) {
    H5Dclose(dset);
    return FALSE;
  }
  /* stored contiguously, without a checksum (HDF5 takes no filter on a string dataset):
   * its heap ids are checked before HDF5 follows them */
  haddr_t at = n ? H5Dget_offset(dset) : 0;
  if (n && (at == HADDR_UNDEF || !paleo_hdf5_heap_ids_ok(r->heaps, at, n))) {
    H5Eclear2(H5E_DEFAULT);
    H5Dclose(dset);
    return format_error(error, r, "dataset /collective names strings missing from the global heap");
  }
  hid_t space = H5Dget_space(dset);
  char **names = g_new0(char *, n + 1);
  hid_t dxpl = xfer_for(dset, r->types.str, n);
  herr_t rc = n ? H5Dread(dset, r->types.str, H5S_ALL, H5S_ALL, dxpl, names) : 0;
  H5Pclose(dxpl);
  for (hsize_t i = 0; rc >= 0 && i < n; i++)
    g_ptr_array_add(r->collectives, g_strdup(names[i] ? names[i] : ""));
  if (rc >= 0 && n)
    H5Dvlen_reclaim(r->types.str, space, H5P_DEFAULT, names);
  g_free(names);
  H5Sclose(space);
  H5Dclose(dset);
  return rc >= 0 ? TRUE : h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, "collective");
}

/* Checks the schema version and reads status and level; with a sink, calls begin. */
static gboolean read_run(Reader *r, char **status_out, PaleoTraceLevel *level_out, GError **error)
{
  int version = -1;
  if (!read_attr(r->file, "schema_version", H5T_NATIVE_INT, &version))
    H5Eclear2(H5E_DEFAULT);
  if (!paleo_trace_schema_check(r->path, version, "root attribute schema_version", error))
    return FALSE;
  r->version = version;
  reader_adapt_types(r);
  g_autofree char *status = NULL, *level = NULL, *name = NULL, *text = NULL, *pver = NULL;
  PaleoRunMeta meta = {0};
  hid_t str = r->types.str;
  if (!read_str_attr(r->file, str, "status", &status) ||
      !read_str_attr(r->file, str, "trace_level", &level))
    return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, "read of the run attributes");
  PaleoTraceLevel lvl;
  if (!paleo_trace_level_parse(level, &lvl))
    return format_error(error, r, "root attribute trace_level is unknown");
  if (r->sink && r->sink->ops->begin) {
    if (!read_str_attr(r->file, str, "scenario_name", &name) ||
        !read_str_attr(r->file, str, "scenario_text", &text) ||
        !read_str_attr(r->file, str, "version", &pver) ||
        !read_attr(r->file, "seed", H5T_NATIVE_UINT64, &meta.seed) ||
        !read_attr(r->file, "start_unix_s", H5T_NATIVE_INT64, &meta.start_unix_s))
      return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, r->path, "read of the run metadata");
    meta.scenario_name = name;
    meta.scenario_text = text;
    meta.version = pver;
    if (!r->sink->ops->begin(r->sink, &meta, error))
      return FALSE;
  }
  if (status_out)
    *status_out = g_steal_pointer(&status);
  if (level_out)
    *level_out = lvl;
  return TRUE;
}

gboolean paleo_trace_hdf5_replay(const char *path, PaleoTraceSink *sink, char **status_out,
                                 PaleoTraceLevel *level_out, GError **error)
{
  h5_quiet();
  Reader r = {.path = path, .sink = sink, .heaps = paleo_hdf5_heaps_new(path, error)};
  if (!r.heaps)
    return FALSE;
  r.file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (r.file < 0) {
    paleo_hdf5_heaps_free(r.heaps);
    return h5_error(error, PALEO_OUTPUT_ERROR_FORMAT, path, "open");
  }
  r.collectives = g_ptr_array_new_with_free_func(g_free);
  typeset_init(&r.types);
  g_autofree char *status = NULL;
  gboolean ok = read_run(&r, &status, level_out, error);
  if (ok && sink)
    ok = read_collectives(&r, error);
  for (int t = 0; ok && sink && t < T_COUNT; t++)
    if (wanted(sink->ops, t) && (t < FIRST_V3_TABLE || r.version >= 3))
      ok = replay_table(&r, t, error);
  typeset_clear(&r.types);
  H5Fclose(r.file);
  paleo_hdf5_heaps_free(r.heaps);
  g_ptr_array_unref(r.collectives);
  if (ok && status_out)
    *status_out = g_steal_pointer(&status);
  return ok;
}

/* Opening a trace sink by path and format, reading a trace file back by its magic bytes,
 * level and enum names, and the partial-file protocol shared by the file sinks. */
#include "output/trace_io.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "output/trace_int.h"

G_DEFINE_QUARK(paleo-output-error-quark, paleo_output_error)

typedef enum { FORMAT_UNKNOWN, FORMAT_SQLITE, FORMAT_HDF5 } TraceFormat;

static const char *const format_names[] = {[FORMAT_SQLITE] = "sqlite", [FORMAT_HDF5] = "hdf5"};

const char *paleo_trace_format_name_at(int i)
{
  return i >= 0 && i + FORMAT_SQLITE < (int)G_N_ELEMENTS(format_names) ? format_names[i + FORMAT_SQLITE] : NULL;
}

static TraceFormat format_from_extension(const char *path);

const char *paleo_trace_format_of_path(const char *path)
{
  TraceFormat f = format_from_extension(path);
  return f == FORMAT_UNKNOWN ? NULL : format_names[f];
}

static TraceFormat format_from_name(const char *name)
{
  if (!g_ascii_strcasecmp(name, "sqlite"))
    return FORMAT_SQLITE;
  if (!g_ascii_strcasecmp(name, "hdf5"))
    return FORMAT_HDF5;
  return FORMAT_UNKNOWN;
}

static TraceFormat format_from_extension(const char *path)
{
  const char *dot = strrchr(path, '.');
  if (!dot || strchr(dot, '/'))
    return FORMAT_UNKNOWN;
  const char *sqlite_ext[] = {".db", ".sqlite", ".sqlite3"};
  const char *hdf5_ext[] = {".h5", ".hdf5"};
  for (size_t i = 0; i < G_N_ELEMENTS(sqlite_ext); i++)
    if (!g_ascii_strcasecmp(dot, sqlite_ext[i]))
      return FORMAT_SQLITE;
  for (size_t i = 0; i < G_N_ELEMENTS(hdf5_ext); i++)
    if (!g_ascii_strcasecmp(dot, hdf5_ext[i]))
      return FORMAT_HDF5;
  return FORMAT_UNKNOWN;
}

PaleoTraceSink *paleo_trace_sink_open(const char *path, const char *format, PaleoTraceLevel level,
                                      int compression, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  TraceFormat fmt = format ? format_from_name(format) : format_from_extension(path);
  if (fmt == FORMAT_UNKNOWN) {
    if (format)
      g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                  "trace format '%s' is unknown (expected sqlite or hdf5)", format);
    else
      g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                  "trace file '%s': cannot tell the format from the extension (expected "
                  ".db, .sqlite, .sqlite3, .h5 or .hdf5, or give the format)", path);
    return NULL;
  }
  if (compression < 0 || compression > 9) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace compression level %d is out of range (expected 0 to 9)", compression);
    return NULL;
  }
  if (fmt == FORMAT_SQLITE)
    return paleo_trace_sqlite_open(path, level, error);
  return paleo_trace_hdf5_open(path, level, compression, error);
}

/* Recognizes a trace file by its first bytes. */
static TraceFormat format_from_magic(const char *path, GError **error)
{
  static const char sqlite_magic[16] = "SQLite format 3";
  static const char hdf5_magic[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  GStatBuf st;
  if (g_stat(path, &st) == 0 && !S_ISREG(st.st_mode)) { /* a FIFO would block, a device never end */
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace file '%s' is not a regular file", path);
    return FORMAT_UNKNOWN;
  }
  FILE *f = g_fopen(path, "rb");
  if (!f) {
    int err = errno;
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace file '%s' cannot be opened: %s", path, g_strerror(err));
    return FORMAT_UNKNOWN;
  }
  char head[16] = {0};
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (n == sizeof head && !memcmp(head, sqlite_magic, sizeof sqlite_magic))
    return FORMAT_SQLITE;
  if (n >= sizeof hdf5_magic && !memcmp(head, hdf5_magic, sizeof hdf5_magic))
    return FORMAT_HDF5;
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
              "'%s' is not a paleosim trace (expected an SQLite or HDF5 file)", path);
  return FORMAT_UNKNOWN;
}

/* Replays through the checker (trace_check.c), so that no tool sees an id the trace's own
 * tables do not hold. */
static gboolean read_trace(const char *path, PaleoTraceSink *sink, char **status_out,
                           PaleoTraceLevel *level_out, GError **error)
{
  TraceFormat format = format_from_magic(path, error);
  if (format == FORMAT_UNKNOWN)
    return FALSE;
  g_autoptr(PaleoTraceCheck) check = sink ? paleo_trace_check_new(path, sink) : NULL;
  PaleoTraceSink *checked = check ? paleo_trace_check_sink(check) : NULL;
  gboolean ok = format == FORMAT_SQLITE
                  ? paleo_trace_sqlite_replay(path, checked, status_out, level_out, error)
                  : paleo_trace_hdf5_replay(path, checked, status_out, level_out, error);
  if (ok && status_out && !g_utf8_validate(*status_out, -1, NULL)) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
                "trace '%s': the run status is not valid UTF-8", path);
    ok = FALSE;
  }
  if (ok && check)
    ok = paleo_trace_check_finish(check, error);
  if (!ok && status_out)
    g_clear_pointer(status_out, g_free);
  return ok;
}

gboolean paleo_trace_replay(const char *path, PaleoTraceSink *sink, char **status_out, GError **error)
{
  g_return_val_if_fail(path && sink && sink->ops, FALSE);
  return read_trace(path, sink, status_out, NULL, error);
}

gboolean paleo_trace_file_level(const char *path, PaleoTraceLevel *level_out, GError **error)
{
  g_return_val_if_fail(path && level_out, FALSE);
  return read_trace(path, NULL, NULL, level_out, error);
}

gboolean paleo_trace_sink_close(PaleoTraceSink *sink, const char *status, GError **error)
{
  if (!sink || !sink->ops || !sink->ops->close)
    return TRUE;
  return sink->ops->close(sink, status, error);
}

void paleo_trace_sink_free(PaleoTraceSink *sink)
{
  if (sink && sink->ops && sink->ops->free)
    sink->ops->free(sink);
}

static const char *const level_names[] = {"iterations", "tasks", "flows", "all"};

const char *paleo_trace_level_name(PaleoTraceLevel level)
{
  g_return_val_if_fail((unsigned)level < G_N_ELEMENTS(level_names), NULL);
  return level_names[level];
}

gboolean paleo_trace_level_parse(const char *name, PaleoTraceLevel *level_out)
{
  for (size_t i = 0; i < G_N_ELEMENTS(level_names); i++)
    if (!g_ascii_strcasecmp(name, level_names[i])) {
      *level_out = (PaleoTraceLevel)i;
      return TRUE;
    }
  return FALSE;
}

static const char *const kind_names[] = {"worker", "host", "switch", "ps"};

const char *paleo_trace_entity_kind_name(PaleoEntityKind kind)
{
  return (unsigned)kind < G_N_ELEMENTS(kind_names) ? kind_names[kind] : NULL;
}

gboolean paleo_trace_entity_kind_parse(const char *name, PaleoEntityKind *kind_out)
{
  for (size_t i = 0; name && i < G_N_ELEMENTS(kind_names); i++)
    if (!strcmp(name, kind_names[i])) {
      *kind_out = (PaleoEntityKind)i;
      return TRUE;
    }
  return FALSE;
}

const char *paleo_trace_phase_name(PaleoPhase phase)
{
  static const char *const names[] = {"fwd", "bwd", "update"};
  return (unsigned)phase < G_N_ELEMENTS(names) ? names[phase] : NULL;
}

gboolean paleo_trace_schema_check(const char *path, int version, const char *where, GError **error)
{
  if (version >= PALEO_TRACE_OLDEST_SCHEMA_VERSION && version <= PALEO_TRACE_SCHEMA_VERSION)
    return TRUE;
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
              "trace '%s': schema version %d (%s), this paleosim reads versions %d to %d", path,
              version, where, PALEO_TRACE_OLDEST_SCHEMA_VERSION, PALEO_TRACE_SCHEMA_VERSION);
  return FALSE;
}

/* For sanitizer builds only (LeakSanitizer calls it when it exists; nothing else does):
 * libhdf5 1.10 leaks small blocks on some error paths of corrupt files, and fontconfig
 * (cairo's text) keeps its caches behind pointers LeakSanitizer cannot follow. Neither is
 * paleosim's memory. The name is the sanitizer runtime's interface. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
  return "leak:libhdf5_serial.so\nleak:libhdf5.so\nleak:libfontconfig.so\n";
}

/* Opening trace sinks by file name and format, and reading trace files back: a trace file
 * (SQLite or HDF5) is replayed record by record into any PaleoTraceSink. This is the one
 * entry point producers (paleosim run) and consumers (analyze, timeline, export, convert)
 * use; the format-specific sinks live in trace_sqlite.c and trace_hdf5.c. */
#ifndef PALEO_TRACE_IO_H
#define PALEO_TRACE_IO_H

#include <glib.h>

#include "engine/trace.h"

/* Errors of output/: FORMAT is bad user input (unknown format or extension, not a trace
 * file, unsupported schema version: exit code 2); IO is a failed read or write (exit 1). */
#define PALEO_OUTPUT_ERROR paleo_output_error_quark()
GQuark paleo_output_error_quark(void);
typedef enum {
  PALEO_OUTPUT_ERROR_FORMAT,
  PALEO_OUTPUT_ERROR_IO,
} PaleoOutputError;

/* The trace formats: the i-th name ("sqlite", "hdf5"), NULL past the end, and the one
 * a file name's extension stands for (.db/.sqlite/.sqlite3, .h5/.hdf5; NULL when none). */
const char *paleo_trace_format_name_at(int i);
const char *paleo_trace_format_of_path(const char *path);

/* Opens a sink writing `path`; format from `format` ("sqlite"|"hdf5") or, when NULL, from the
   extension (.db/.sqlite/.sqlite3 → sqlite, .h5/.hdf5 → hdf5). compression: HDF5 deflate level 0–9. */
PaleoTraceSink *paleo_trace_sink_open(const char *path, const char *format, PaleoTraceLevel level, int compression, GError **error);
/* Replays every record of a trace file (either format) into `sink`, in this order: begin(meta), entities, links, layers, iterations, tasks, flows, link_usage, ps_updates; then returns the run status in *status_out (newly allocated, "complete"/"interrupted"/"failed"); does NOT call sink->ops->close. Records within a table come in ascending (start time, then id/insertion) order. */
gboolean paleo_trace_replay(const char *path, PaleoTraceSink *sink, char **status_out, GError **error);
/* Convenience wrappers that check NULL ops, used by producers. */
gboolean paleo_trace_sink_close(PaleoTraceSink *sink, const char *status, GError **error);
void paleo_trace_sink_free(PaleoTraceSink *sink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTraceSink, paleo_trace_sink_free)

/* The trace level a file was recorded at (OUT: *level_out), e.g. to convert it losslessly. */
gboolean paleo_trace_file_level(const char *path, PaleoTraceLevel *level_out, GError **error);
/* Name of a level ("iterations", "tasks", "flows", "all") and its parse; FALSE when unknown. */
const char *paleo_trace_level_name(PaleoTraceLevel level);
gboolean paleo_trace_level_parse(const char *name, PaleoTraceLevel *level_out);

#endif

/* Internal declarations shared by the trace files of output/: the format-specific sink
 * constructors and readers behind trace_io.h, the names stored for enums, and the
 * write-to-a-partial-file-then-rename protocol that keeps a failed write from leaving an
 * unreadable file behind. */
#ifndef PALEO_TRACE_INT_H
#define PALEO_TRACE_INT_H

#include <glib.h>

#include "engine/trace.h"

/* Rows buffered / committed at once. */
#define PALEO_TRACE_SQLITE_COMMIT_ROWS 1000000

/* The readers fill *status_out and *level_out (either may be NULL) and replay into `sink`;
 * sink NULL reads the run metadata only. */
PaleoTraceSink *paleo_trace_sqlite_open(const char *path, PaleoTraceLevel level, GError **error);
gboolean paleo_trace_sqlite_replay(const char *path, PaleoTraceSink *sink, char **status_out,
                                   PaleoTraceLevel *level_out, GError **error);

PaleoTraceSink *paleo_trace_hdf5_open(const char *path, PaleoTraceLevel level, int compression,
                                      GError **error);
gboolean paleo_trace_hdf5_replay(const char *path, PaleoTraceSink *sink, char **status_out,
                                 PaleoTraceLevel *level_out, GError **error);

/* The oldest schema version the readers accept. Version 1 files lack iteration.slowdown;
 * they are read with slowdown = 1.0 (they predate straggler models). */
#define PALEO_TRACE_OLDEST_SCHEMA_VERSION 1
/* TRUE when `version` (read from `where` of file `path`) is readable; otherwise a FORMAT
 * error naming the file, the version found and the versions this build reads. */
gboolean paleo_trace_schema_check(const char *path, int version, const char *where, GError **error);

/* Stored names of enum values; NULL / FALSE when out of range or unknown. */
const char *paleo_trace_entity_kind_name(PaleoEntityKind kind);
gboolean paleo_trace_entity_kind_parse(const char *name, PaleoEntityKind *kind_out);
const char *paleo_trace_phase_name(PaleoPhase phase);

/* trace_check.c: a sink that checks every record against the trace's own tables before it
 * reaches `inner` (not owned): ids of the entity, link and layer tables unique; every worker
 * rank, node, link and layer a record names present in them; numbers finite; text UTF-8.
 * A violation is PALEO_OUTPUT_ERROR_FORMAT naming the trace `path`, the table and the
 * value. paleo_trace_check_finish completes the checks that need the whole entity table. */
typedef struct PaleoTraceCheck PaleoTraceCheck;
PaleoTraceCheck *paleo_trace_check_new(const char *path, PaleoTraceSink *inner);
PaleoTraceSink *paleo_trace_check_sink(PaleoTraceCheck *check);
gboolean paleo_trace_check_finish(PaleoTraceCheck *check, GError **error);
void paleo_trace_check_free(PaleoTraceCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTraceCheck, paleo_trace_check_free)

#endif

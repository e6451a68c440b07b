/* `paleosim export --chrome`: a trace replayed into Chrome trace-event JSON, which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open. One process per host (pid = the host's node
 * id, named after it), threads per worker stream: "worker R iterations" (one event per
 * iteration record), "worker R compute" (tasks), "worker R comm" (the flows it sends); flows
 * sent by a node that is not one worker (a parameter server, a host NIC) go to that node's
 * "comm" thread. All events are complete events ("ph":"X", ts/dur in microseconds with ns
 * precision); a stream whose events would overlap spills into extra threads ("comm 2", ...)
 * so that events never overlap within a thread. Written streaming, one event per line. */
#ifndef PALEO_CHROME_EXPORT_H
#define PALEO_CHROME_EXPORT_H

#include <glib.h>

#include "engine/trace.h"

typedef struct PaleoChromeExport PaleoChromeExport;

/* Starts writing `path` through a partial file (output_file.h: a non-regular `path` is
 * PALEO_OUTPUT_ERROR_FORMAT, a file that cannot be created PALEO_OUTPUT_ERROR_IO). */
PaleoChromeExport *paleo_chrome_export_new(const char *path, GError **error);
void paleo_chrome_export_free(PaleoChromeExport *export);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoChromeExport, paleo_chrome_export_free)
PaleoTraceSink *paleo_chrome_export_sink(PaleoChromeExport *export);
/* Writes the closing part (run metadata under "otherData", with `status` when not NULL)
 * and renames the file into place; FALSE with PALEO_OUTPUT_ERROR_IO when any write failed
 * (then nothing is left at `path` that was not there before). Freeing an export that was
 * not finished abandons its partial file. */
gboolean paleo_chrome_export_finish(PaleoChromeExport *export, const char *status,
                                    GError **error);
/* Complete events written so far, and threads (streams) opened. */
guint64 paleo_chrome_export_n_events(const PaleoChromeExport *export);
guint paleo_chrome_export_n_threads(const PaleoChromeExport *export);

#endif

/* Where sweep results go: one table, one row per point.
 *
 * SQLite (the default, any extension but .csv): table `results` with `point INTEGER
 * PRIMARY KEY` (the point's number in the sweep's order) and one typed column per row
 * member, table `sweep` (key, value) describing the sweep, PRAGMA user_version 1. The
 * file is written as PATH.partial (locked while a sweep writes it) in transactions of at
 * most 0.5 s and renamed to PATH when the sweep ends, completed or interrupted. A rerun
 * into the same PATH resumes: it starts from PATH (or from a PATH.partial a killed sweep
 * left), keeps every point whose status is ok or error and runs the rest; a file that
 * holds another sweep (other scenario, --set, --hardware or grid) is refused.
 *
 * CSV (PATH ending in .csv): written whole when the sweep ends (PATH.partial, renamed),
 * rows in point order, header = the columns; it is not resumable.
 *
 * A PATH that exists and is not a regular file (a directory, device or symbolic link) is
 * refused before anything runs. */
#ifndef PALEO_SWEEP_STORE_H
#define PALEO_SWEEP_STORE_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct PaleoSweepStore PaleoSweepStore;

/* `columns`: a row with every column in order and a value of each column's type (the
 * store adds a column when a row brings a new one). `meta`: pairs key, value, ...
 * NULL-terminated, stored in `sweep`; meta "signature" decides whether a file holds the
 * same sweep. Bad targets and foreign files are PALEO_OUTPUT_ERROR_FORMAT (exit 2), other
 * failures _IO. */
PaleoSweepStore *paleo_sweep_store_open(const char *path, JsonObject *columns, char *const *meta,
                                        GError **error);
/* TRUE when the file already holds a finished row (status ok or error) of `point`. */
gboolean paleo_sweep_store_has(const PaleoSweepStore *store, guint point);
guint paleo_sweep_store_n_done(const PaleoSweepStore *store);
/* Stores (or replaces) the row of `point`. */
gboolean paleo_sweep_store_put(PaleoSweepStore *store, guint point, JsonObject *row, GError **error);
/* Sets a `sweep` table entry (SQLite; CSV has none). */
gboolean paleo_sweep_store_set_meta(PaleoSweepStore *store, const char *key, const char *value, GError **error);
/* Commits and publishes PATH. */
gboolean paleo_sweep_store_finish(PaleoSweepStore *store, GError **error);
/* Releases the store; one never finished keeps its partial file (a rerun resumes from it). */
void paleo_sweep_store_free(PaleoSweepStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoSweepStore, paleo_sweep_store_free)

#endif

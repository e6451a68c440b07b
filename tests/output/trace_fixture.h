/* Test support for output/: a small trace holding every record kind (with the edge values
 * -1 / UINT32_MAX / 2^64-1 and tasks stored out of start order), and process helpers. */
#ifndef PALEO_TEST_TRACE_FIXTURE_H
#define PALEO_TEST_TRACE_FIXTURE_H

#include <glib.h>

#include "output/trace_mem.h"

/* Fills `sink` with the sample trace (begin + records; no close). Tasks come in the order
 * of fixture_task_order; all other tables already in replay order. */
gboolean fixture_write(PaleoTraceSink *sink, GError **error);
/* Number of sample tasks, and the start_ns sequence a replay must produce. */
#define FIXTURE_TASKS 6
extern const uint64_t fixture_sorted_task_starts[FIXTURE_TASKS];

/* Writes the fixture to `path` (format from the extension) closed with `status`. */
void fixture_write_file(const char *path, const char *status, int compression);
/* Replays `path` into a new memory sink (status stored), asserting success. */
PaleoTraceMem *fixture_read_file(const char *path);

/* A fresh path under PALEO_TEST_TMP: "<tmp>/<name>" with any old file removed. */
char *fixture_tmp_path(const char *name);
/* Runs argv (argv[0] searched in PATH); returns the exit status; OUT (each may be NULL):
 * stdout and stderr text. */
int fixture_spawn(char **argv, char **stdout_out, char **stderr_out);
/* Runs SQL statements on an SQLite file (fails the test when SQLite refuses them). */
void fixture_sql(const char *path, const char *sql);
/* What a writer of `path` may leave behind by mistake: a partial file PATH.XXXXXX.partial
 * or its lock PATH.lock; the first one found (newly allocated), NULL when none. */
char *fixture_leftover(const char *path);
/* TRUE when `tool` is found in PATH. */
gboolean fixture_have_tool(const char *tool);
#endif

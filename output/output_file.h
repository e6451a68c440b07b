/* Writing an output file so that no reader ever sees half of it and no file is lost: every
 * output of paleosim (traces, Chrome exports, timelines, analysis reports, conversions) is
 * written to a partial file with a unique name, PATH.XXXXXX.partial, next to PATH and
 * renamed onto PATH only once complete. While it writes, the writer holds an exclusive
 * lock on PATH.lock, so a second writer of the same PATH stops at once instead of racing
 * the first. A failed or abandoned write removes only what it created (its partial file,
 * and the lock file when it made it); an older PATH stays as it was. PATH itself must be
 * absent or a regular file: a directory, symlink, device, FIFO or socket is refused before
 * anything is written. */
#ifndef PALEO_OUTPUT_FILE_H
#define PALEO_OUTPUT_FILE_H

#include <glib.h>
#include <stdio.h>

typedef struct PaleoOutputFile PaleoOutputFile;

/* Checks that `path` may be written: absent, or a regular file (PALEO_OUTPUT_ERROR_FORMAT
 * otherwise, naming `kind` — "trace", "output" — the path and what it is). An error while
 * looking (a parent that is not a directory, no permission) is PALEO_OUTPUT_ERROR_IO. */
gboolean paleo_output_target_check(const char *path, const char *kind, GError **error);

/* Checks the target, takes the lock and creates the empty partial file. Errors: the target
 * check's; PALEO_OUTPUT_ERROR_IO when another process holds the lock or a file cannot be
 * created (the system's reason in the message). */
PaleoOutputFile *paleo_output_file_open(const char *path, const char *kind, GError **error);
/* The path to write: the partial file (exists, empty, until written). */
const char *paleo_output_file_partial(const PaleoOutputFile *file);
const char *paleo_output_file_path(const PaleoOutputFile *file);
/* The partial file as a buffered stdio stream (opened on first call; owned by `file`). */
FILE *paleo_output_file_stream(PaleoOutputFile *file);
/* Flushes and closes the stream (when one was opened), renames the partial file onto the
 * path and releases the lock. On failure (a write error, a failed rename) the partial file
 * is removed and PALEO_OUTPUT_ERROR_IO names the file and the system's reason. Either way
 * `file` is spent: only paleo_output_file_free may follow. */
gboolean paleo_output_file_commit(PaleoOutputFile *file, GError **error);
/* The whole of `text` written to `path` through a partial file (open, write, commit), the
 * system's reason kept when a write fails part-way. */
gboolean paleo_output_file_write_text(const char *path, const char *kind, const char *text, GError **error);
/* Releases the file; when not committed, removes the partial file (abandoning the write). */
void paleo_output_file_free(PaleoOutputFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoOutputFile, paleo_output_file_free)

/* For a handler of a fatal signal: removes the partial (and created lock) files of every
 * output this process (not a parent it was forked from) has not yet committed.
 * Async-signal-safe (getpid and unlink only). */
void paleo_output_files_remove_all(void);

#endif

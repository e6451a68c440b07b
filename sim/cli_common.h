/* Helpers shared by CLI commands: the hardware catalog with user files, worker-count
 * lists, option checks, and error reporting with the exit-code convention (2 = bad input). */
#ifndef PALEO_CLI_COMMON_H
#define PALEO_CLI_COMMON_H

#include <glib.h>

#include "hardware/catalog.h"

#define PALEO_EXIT_OK 0
#define PALEO_EXIT_FAILURE 1
#define PALEO_EXIT_USAGE 2

/* The shipped catalog plus each `--hardware FILE` in order (NULL-terminated, may be NULL). */
PaleoCatalog *paleo_cli_catalog(char **hardware_files, GError **error);

/* Value lists, the one list syntax of the tool (--workers, sweep --vary, grid files,
 * optimize --search): comma-separated items, each "A-B" (unsigned integers: A, 2A, 4A, ...
 * up to B, so "8-512" = 8,16,...,512), "A:B" (every integer A..B) or any other text taken
 * as it is ("ring", "0.5", "-3"). At most 65536 values; order kept; blanks around items
 * dropped. Appends owned strings to `out`; errors start with `what` ("--vary x.y"). */
gboolean paleo_cli_expand_list(const char *spec, const char *what, GPtrArray *out, GError **error);

/* Worker counts: a value list whose values are integers 1..1048576. Appends guint values
 * to `out`. */
gboolean paleo_cli_parse_workers(const char *spec, GArray *out, GError **error);

/* Sets a G_OPTION_ERROR_BAD_VALUE (bad input, exit 2) with the formatted message; returns
 * FALSE, so that `return paleo_cli_bad_value(error, ...)` ends a check. */
gboolean paleo_cli_bad_value(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* -j N of the commands that fork workers: 0 (the default) or 1..4096. */
gboolean paleo_cli_check_jobs(int jobs, GError **error);
/* SIGINT, SIGTERM, SIGHUP and SIGALRM end the process at once (paleo_cli_fatal_signal);
 * `run` and `compare` then make SIGINT and SIGTERM stop gracefully instead. */
void paleo_cli_catch_fatal_signals(void);
/* A signal handler's way out: removes every output file being written (its partial file
 * and lock, output/output_file.h), says "interrupted" on stderr and exits 1.
 * Async-signal-safe. */
G_NORETURN void paleo_cli_fatal_signal(int sig);

/* Prints "paleosim COMMAND: message" on stderr and returns PALEO_EXIT_USAGE. */
int paleo_cli_fail(const char *command, const GError *error);
/* Same with a formatted message. */
int paleo_cli_failf(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif

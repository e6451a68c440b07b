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

/* Worker counts: comma-separated items, each "N" (one count), "A-B" (A, 2A, 4A, ... up to
 * B: "1-128" = 1,2,4,...,128) or "A:B" (every integer A..B). Counts are 1..1048576, at
 * most 65536 entries; order kept. Appends guint values to `out`. */
gboolean paleo_cli_parse_workers(const char *spec, GArray *out, GError **error);

/* Prints "paleosim COMMAND: message" on stderr and returns PALEO_EXIT_USAGE. */
int paleo_cli_fail(const char *command, const GError *error);
/* Same with a formatted message. */
int paleo_cli_failf(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif

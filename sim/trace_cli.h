/* Helpers shared by the commands that read a trace (analyze, timeline, export): option
 * parsing down to the one TRACE argument, and the exit code of an output-module error. */
#ifndef PALEO_TRACE_CLI_H
#define PALEO_TRACE_CLI_H

#include <glib.h>

/* Prints "paleosim COMMAND: message" and returns 1 for a failed read/write
 * (PALEO_OUTPUT_ERROR_IO), 2 for anything else (bad input: missing or foreign file, bad
 * option, selection matching nothing). */
int paleo_trace_cli_fail(const char *command, const GError *error);
/* Parses options: `usage` is the parameter string (e.g. "TRACE - ..."); on success argv
 * holds exactly the one TRACE argument at argv[1]. FALSE with a G_OPTION_ERROR otherwise. */
gboolean paleo_trace_cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
                               const GOptionEntry *entries, GError **error);

#endif

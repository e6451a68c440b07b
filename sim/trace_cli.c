/* Shared plumbing of the trace-reading commands (see trace_cli.h). */
#include "sim/trace_cli.h"

#include <stdio.h>

#include "output/trace_io.h"
#include "sim/cli_common.h"

int paleo_trace_cli_fail(const char *command, const GError *error)
{
  if (g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO)) {
    fprintf(stderr, "paleosim %s: %s\n", command, error->message);
    return PALEO_EXIT_FAILURE;
  }
  return paleo_cli_fail(command, error);
}

gboolean paleo_trace_cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
                               const GOptionEntry *entries, GError **error)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new(usage);
  g_option_context_set_summary(ctx, summary);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, argc, argv, error))
    return FALSE;
  if (*argc != 2) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                *argc < 2 ? "missing TRACE (a .db or .h5 trace written by paleosim run --trace)"
                          : "expected one TRACE, got %d arguments (see --help)", *argc - 1);
    return FALSE;
  }
  return TRUE;
}

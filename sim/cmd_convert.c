/* `paleosim convert IN OUT`: rewrites a trace in the other format (SQLite <-> HDF5, or the
 * same format), losslessly: every record, the run metadata, status and trace level. */
#include <stdio.h>
#include <string.h>

#include "output/trace_io.h"
#include "sim/cli_common.h"

/* Exit code for an output-module error: bad input (2) or a failed read/write (1). */
static int fail(const GError *error)
{
  if (g_error_matches(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO)) {
    fprintf(stderr, "paleosim convert: %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  return paleo_cli_fail("convert", error);
}

/* Replays `in` into a new sink for `out` and closes it with the input's status. */
static int convert(const char *in, const char *out, const char *format, int compression)
{
  g_autoptr(GError) error = NULL;
  PaleoTraceLevel level;
  if (!paleo_trace_file_level(in, &level, &error))
    return fail(error);
  g_autoptr(PaleoTraceSink) sink = paleo_trace_sink_open(out, format, level, compression, &error);
  if (!sink)
    return fail(error);
  g_autofree char *status = NULL;
  if (!paleo_trace_replay(in, sink, &status, &error) ||
      !paleo_trace_sink_close(sink, status, &error))
    return fail(error); /* freeing the sink discards the partial output */
  return PALEO_EXIT_OK;
}

int paleo_cmd_convert(int argc, char **argv)
{
  g_autofree char *format = NULL;
  int compression = 4;
  GOptionEntry entries[] = {
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
     "output format: sqlite or hdf5 (default: from OUT's extension)", "FORMAT"},
    {"compression", 'c', 0, G_OPTION_ARG_INT, &compression,
     "HDF5 deflate level 0-9, 0 = off (default 4)", "N"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("IN OUT - convert a trace between SQLite and HDF5");
  g_option_context_set_summary(ctx, "IN is a paleosim trace (.db or .h5, recognized by content); "
                                    "OUT's format comes from its extension (.db/.sqlite/.sqlite3, "
                                    ".h5/.hdf5) or --format.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return paleo_cli_fail("convert", error);
  if (argc != 3)
    return paleo_cli_failf("convert", "expected IN and OUT, got %d argument(s) (see --help)", argc - 1);
  if (!strcmp(argv[1], argv[2]))
    return paleo_cli_failf("convert", "IN and OUT are the same file '%s'", argv[1]);
  return convert(argv[1], argv[2], format, compression);
}

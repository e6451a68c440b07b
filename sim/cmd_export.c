/* `paleosim export TRACE --chrome OUT.json`: a recorded run as Chrome trace-event JSON for
 * Perfetto (ui.perfetto.dev) or chrome://tracing. */
#include <stdio.h>

#include "output/chrome_export.h"
#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/trace_cli.h"

static int export_chrome(const char *trace, const char *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoChromeExport) x = paleo_chrome_export_new(out, &error);
  if (!x)
    return paleo_trace_cli_fail("export", error);
  g_autofree char *status = NULL;
  if (!paleo_trace_replay(trace, paleo_chrome_export_sink(x), &status, &error) ||
      !paleo_chrome_export_finish(x, status, &error))
    return paleo_trace_cli_fail("export", error); /* freeing x abandons its partial file */
  printf("%s: %" G_GUINT64_FORMAT " events on %u threads\n", out,
         paleo_chrome_export_n_events(x), paleo_chrome_export_n_threads(x));
  return PALEO_EXIT_OK;
}

int paleo_cmd_export(int argc, char **argv)
{
  g_autofree char *chrome = NULL;
  GOptionEntry entries[] = {
    {"chrome", 0, 0, G_OPTION_ARG_FILENAME, &chrome, "write Chrome trace-event JSON to FILE", "FILE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GError) error = NULL;
  if (!paleo_trace_cli_parse(&argc, &argv, "TRACE --chrome FILE - export a trace for other viewers",
                             "TRACE is a paleosim trace (.db or .h5). The JSON opens in Perfetto "
                             "(ui.perfetto.dev) and chrome://tracing.", entries, &error))
    return paleo_trace_cli_fail("export", error);
  if (!chrome)
    return paleo_cli_failf("export", "missing --chrome FILE (the only export format so far)");
  return export_chrome(argv[1], chrome);
}

/* libFuzzer target: a scenario INI file plus --set overrides (what `paleosim run FILE --set
 * KEY=VALUE...` reads). Input: the INI text, then optionally a line "%%" and one override
 * per line. A scenario that loads is simulated when it is small (at most 16 workers, 16
 * servers, 3 iterations), never writing a trace. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "sim/run.h"
#include "sim/scenario.h"

#define MAX_OVERRIDES 64

/* Splits the input into the INI text and a NULL-terminated override list (the text is
 * modified in place), plus an override that turns any trace off. */
static char *split(char *text, char **overrides)
{
  guint n = 0;
  char *marker = strstr(text, "\n%%\n");
  if (marker) {
    *marker = '\0';
    for (char *line = strtok(marker + 4, "\n"); line && n < MAX_OVERRIDES; line = strtok(NULL, "\n"))
      overrides[n++] = line;
  }
  overrides[n++] = "output.trace=";
  overrides[n] = NULL;
  return text;
}

static gboolean small(const PaleoScenario *sc)
{
  return sc->cluster.workers <= 16 && sc->cluster.ps_count <= 16 && sc->training.iterations <= 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_init();
  g_autofree char *text = fuzz_text(data, size);
  char *overrides[MAX_OVERRIDES + 2];
  split(text, overrides);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) sc = paleo_scenario_load_data(text, "fuzz.ini", overrides, &error);
  if (!sc || !small(sc))
    return 0;
  PaleoRunOptions options = {.progress = FALSE};
  PaleoRunSummary summary;
  g_autoptr(GError) run_error = NULL;
  paleo_run_scenario(sc, &options, &summary, &run_error);
  paleo_run_summary_clear(&summary);
  return 0;
}

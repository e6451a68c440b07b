/* `paleosim memory SCENARIO`: the memory one device needs for the scenario's configuration
 * (workloads/footprint.h), without simulating it: weights, gradients, optimizer state,
 * activations of the micro-batches in flight, workspace, against the device's capacity. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli_common.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/summary_print.h"

#define CMD "memory"
#define GIB (1024.0 * 1024.0 * 1024.0)

static void print_table(const PaleoScenario *sc, const PaleoMemory *m)
{
  printf("scenario          %s: %s on %" G_GINT64_FORMAT " x %s\n", sc->name, sc->workload.net, sc->cluster.workers,
         sc->cluster.device);
  printf("device            stage %u, %.4g parameters, %u micro-batch pass%s in flight at the peak\n", m->stage,
         m->params, m->in_flight, m->in_flight == 1 ? "" : "es");
  const struct {
    const char *name;
    double bytes;
  } rows[] = {{"weights", m->weights},         {"gradients", m->gradients}, {"optimizer", m->optimizer},
              {"activations", m->activations}, {"workspace", m->workspace}, {"total", m->total}};
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
    printf("%-18s%10.2f GiB\n", rows[i].name, rows[i].bytes / GIB);
  if (m->capacity > 0)
    printf("%-18s%10.2f GiB: %s\n", "capacity", m->capacity / GIB, m->fits ? "fits" : "DOES NOT FIT");
  else
    printf("%-18s%10s (the catalog gives no mem_gib for %s)\n", "capacity", "unknown", sc->cluster.device);
}

static void print_json(const PaleoScenario *sc, const PaleoMemory *m)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "scenario");
  json_builder_add_string_value(b, sc->name);
  paleo_summary_add_memory(b, m);
  json_builder_end_object(b);
  paleo_summary_write_json(stdout, b);
}

int paleo_cmd_memory(int argc, char **argv)
{
  g_auto(GStrv) sets = NULL, hardware = NULL;
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, "override a scenario key (repeatable)", "SECTION.KEY=VALUE"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format, "output format: table (default) or json", "FORMAT"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &hardware, "extra device/link catalog (repeatable)", "FILE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - memory per device of a training configuration");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "The fullest device's weights, gradients and optimizer state (ZeRO-sharded), "
                                        "activations (Korthikanti et al. 2022, the schedule's micro-batches in "
                                        "flight) and workspace, against the catalog's mem_gib. Nothing is "
                                        "simulated.\n");
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return paleo_cli_fail(CMD, error);
  if (argc != 2)
    return paleo_cli_failf(CMD, "expected one SCENARIO (see 'paleosim memory --help')");
  gboolean json = format && !g_ascii_strcasecmp(format, "json");
  if (format && !json && g_ascii_strcasecmp(format, "table"))
    return paleo_cli_failf(CMD, "--format '%s': expected table or json", format);
  g_autoptr(PaleoCatalog) catalog = paleo_cli_catalog(hardware, &error);
  if (!catalog)
    return paleo_cli_fail(CMD, error);
  g_autofree char *path = paleo_scenario_resolve_path(argv[1]);
  g_autoptr(PaleoScenario) sc = paleo_scenario_load(path, sets, &error);
  if (!sc)
    return paleo_cli_fail(CMD, error);
  PaleoMemory m;
  if (!paleo_run_memory(sc, catalog, &m, &error))
    return paleo_cli_fail(CMD, error);
  if (json)
    print_json(sc, &m);
  else
    print_table(sc, &m);
  return PALEO_EXIT_OK;
}

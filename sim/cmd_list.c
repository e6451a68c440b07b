/* `paleosim list devices|links|nets|scenarios|models|strategies|collectives|topologies|planners|formats|archs`:
 * what the catalogs, the shipped files and the registries hold. */
#include "sim/commands.h"

#include <stdio.h>
#include <string.h>

#include "hardware/catalog.h"
#include "hardware/kernel.h"
#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/scenario.h"
#include "sim/table.h"
#include "topology/generators.h"
#include "workloads/collective.h"
#include "workloads/cost.h"
#include "workloads/net.h"
#include "workloads/planner.h"
#include "workloads/train.h"

#define CMD "list"

static const PaleoColumn device_columns[] = {
  {"name", "device", -1},
  {"clock_mhz", "clock MHz", 0},
  {"peak_gflops", "FP32 GFLOP/s", 1},
  {"peak_gflops_fp16", "FP16 GFLOP/s", 1},
  {"mem_gbps", "mem GB/s", 1},
  {"mem_gib", "mem GiB", 0},
  {"usd_per_hour", "USD/hour", 2},
  {"arch", "arch", -1},
  {"sustained_mhz", "sustained MHz", 0},
  {"description", "description", -1},
  {"source", "source", -1},
};

static void list_devices(PaleoTable *t, const PaleoCatalog *c)
{
  for (guint i = 0; i < paleo_catalog_n_devices(c); i++) {
    const PaleoDevice *d = paleo_catalog_device_at(c, i);
    paleo_table_row(t, FALSE);
    paleo_table_text(t, d->name);
    paleo_table_num(t, d->clock_mhz);
    paleo_table_num(t, d->peak_gflops);
    paleo_table_num(t, d->peak_gflops_fp16);
    paleo_table_num(t, d->mem_gbps);
    paleo_table_num(t, d->mem_gib);
    if (d->usd_per_hour > 0)
      paleo_table_num(t, d->usd_per_hour);
    else
      paleo_table_empty(t);
    paleo_table_text(t, d->arch ? d->arch->name : "");
    paleo_table_num(t, paleo_device_sustained_mhz(d));
    paleo_table_text(t, d->description);
    paleo_table_text(t, d->source);
  }
}

static const PaleoColumn link_columns[] = {
  {"name", "link", -1},
  {"gbps", "Gbit/s", 1},
  {"latency_us", "latency us", 2},
  {"description", "description", -1},
  {"source", "source", -1},
};

static void list_links(PaleoTable *t, const PaleoCatalog *c)
{
  for (guint i = 0; i < paleo_catalog_n_links(c); i++) {
    const PaleoLink *l = paleo_catalog_link_at(c, i);
    paleo_table_row(t, FALSE);
    paleo_table_text(t, l->name);
    paleo_table_num(t, l->gbps);
    paleo_table_num(t, l->latency_us);
    paleo_table_text(t, l->description);
    paleo_table_text(t, l->source);
  }
}

static const PaleoColumn net_columns[] = {
  {"name", "net", -1},
  {"layers", "layers", 0},
  {"params", "params", 0},
  {"batch", "batch", 0},
  {"title", "title", -1},
};

static void list_nets(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  g_auto(GStrv) names = paleo_net_shipped_names();
  for (guint i = 0; names && names[i]; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoNet) net = paleo_net_load_named(names[i], 0, &error);
    paleo_table_row(t, FALSE);
    paleo_table_text(t, names[i]);
    if (!net) {
      for (guint k = 0; k < 3; k++)
        paleo_table_empty(t);
      paleo_table_text(t, error->message);
      continue;
    }
    paleo_table_num(t, net->layers->len);
    paleo_table_num(t, (double)net->params);
    paleo_table_num(t, (double)net->batch);
    paleo_table_text(t, net->name ? net->name : "");
  }
}

static const PaleoColumn scenario_columns[] = {
  {"name", "scenario", -1},
  {"net", "net", -1},
  {"device", "device", -1},
  {"workers", "workers", 0},
  {"strategy", "strategy", -1},
  {"fidelity", "fidelity", -1},
  {"description", "description", -1},
};

static void list_scenarios(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  g_auto(GStrv) names = paleo_scenario_shipped_names();
  for (guint i = 0; names[i]; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = paleo_scenario_resolve_path(names[i]);
    g_autoptr(PaleoScenario) sc = paleo_scenario_load(path, NULL, &error);
    paleo_table_row(t, FALSE);
    paleo_table_text(t, names[i]);
    if (!sc) {
      for (guint k = 0; k < 5; k++)
        paleo_table_empty(t);
      paleo_table_text(t, error->message);
      continue;
    }
    paleo_table_text(t, sc->workload.net);
    paleo_table_text(t, sc->cluster.device);
    paleo_table_num(t, (double)sc->cluster.workers);
    paleo_table_text(t, paleo_scenario_strategy(sc)->name);
    paleo_table_text(t, paleo_fidelity_names[sc->training.fidelity]);
    paleo_table_text(t, sc->description);
  }
}

static const PaleoColumn model_columns[] = {
  {"name", "model", -1},
  {"description", "description", -1},
};

static void list_models(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  for (const PaleoCostModel *m = paleo_cost_models; m->name; m++) {
    paleo_table_row(t, FALSE);
    paleo_table_text(t, m->name);
    paleo_table_text(t, m->description);
  }
}

static const PaleoColumn name_columns[] = {
  {"name", "name", -1},
  {"description", "description", -1},
};

static void name_row(PaleoTable *t, const char *name, const char *description)
{
  paleo_table_row(t, FALSE);
  paleo_table_text(t, name);
  paleo_table_text(t, description);
}

static void list_strategies(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  for (const PaleoStrategy *s = paleo_strategies; s->name; s++)
    name_row(t, s->name, s->description);
}

static void list_collectives(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  for (guint i = 0; paleo_collective_names[i]; i++)
    name_row(t, paleo_collective_names[i], paleo_collective_descriptions[i]);
}

static void list_topologies(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  for (const PaleoTopologyGenerator *g = paleo_topology_generators; g->name; g++)
    name_row(t, g->name, g->description);
}

static void list_planners(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  for (const PaleoPlanner *p = paleo_planners; p->name; p++)
    name_row(t, p->name, p->description);
}

static const PaleoColumn arch_columns[] = {
  {"name", "arch", -1},
  {"inherits", "inherits", -1},
  {"profile", "profile used", -1},
  {"description", "description", -1},
};

/* Each generation, whose constants it inherits, and which `[refined ...]` group the loaded
 * catalog actually gives its devices (paleo_catalog_arch_profile). */
static void list_archs(PaleoTable *t, const PaleoCatalog *c)
{
  for (guint i = 0; i < paleo_arch_count(); i++) {
    const PaleoArch *a = paleo_arch_at(i);
    const char *group = paleo_catalog_arch_profile(c, a), *blas = paleo_catalog_arch_blas_profile(c, a);
    g_autofree char *used = g_strdup_printf("[refined%s%s]%s%s%s", group ? " " : "", group ? group : "",
                                            g_strcmp0(group, blas) ? " (cuBLAS GEMMs: [refined " : "",
                                            g_strcmp0(group, blas) && blas ? blas : "",
                                            g_strcmp0(group, blas) ? "])" : "");
    paleo_table_row(t, FALSE);
    paleo_table_text(t, a->name);
    paleo_table_text(t, a->inherits ? a->inherits : "");
    paleo_table_text(t, used);
    paleo_table_text(t, a->description);
  }
}

static void list_formats(PaleoTable *t, const PaleoCatalog *c)
{
  (void)c;
  static const char *const descriptions[] = {"SQLite database (.db, .sqlite, .sqlite3)",
                                             "HDF5 file of compound datasets (.h5, .hdf5)"};
  for (int i = 0; paleo_trace_format_name_at(i); i++)
    name_row(t, paleo_trace_format_name_at(i), i < (int)G_N_ELEMENTS(descriptions) ? descriptions[i] : "");
}

typedef struct {
  const char *what;
  const PaleoColumn *columns;
  guint n_columns;
  void (*fill)(PaleoTable *t, const PaleoCatalog *c);
} Listing;

static const Listing listings[] = {
  {"devices", device_columns, G_N_ELEMENTS(device_columns), list_devices},
  {"links", link_columns, G_N_ELEMENTS(link_columns), list_links},
  {"nets", net_columns, G_N_ELEMENTS(net_columns), list_nets},
  {"scenarios", scenario_columns, G_N_ELEMENTS(scenario_columns), list_scenarios},
  {"models", model_columns, G_N_ELEMENTS(model_columns), list_models},
  {"strategies", name_columns, G_N_ELEMENTS(name_columns), list_strategies},
  {"collectives", name_columns, G_N_ELEMENTS(name_columns), list_collectives},
  {"topologies", name_columns, G_N_ELEMENTS(name_columns), list_topologies},
  {"planners", name_columns, G_N_ELEMENTS(name_columns), list_planners},
  {"formats", name_columns, G_N_ELEMENTS(name_columns), list_formats},
  {"archs", arch_columns, G_N_ELEMENTS(arch_columns), list_archs},
};

static int print_listing(const Listing *l, const PaleoCatalog *c, PaleoFormat format)
{
  g_autoptr(PaleoTable) t = paleo_table_new(l->columns, l->n_columns);
  l->fill(t, c);
  g_autoptr(GError) error = NULL;
  if (!paleo_table_write(t, format, stdout, &error)) {
    fprintf(stderr, "paleosim " CMD ": %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

static const Listing *find_listing(const char *what)
{
  for (guint i = 0; i < G_N_ELEMENTS(listings); i++)
    if (!g_ascii_strcasecmp(what, listings[i].what))
      return &listings[i];
  return NULL;
}

int paleo_cmd_list(int argc, char **argv)
{
  g_autofree char *format_name = NULL;
  g_auto(GStrv) hardware = NULL;
  GOptionEntry entries[] = {
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format_name, "Output: table (default), csv or json", "FMT"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &hardware, "Extra device/link catalog (repeatable)", "FILE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx =
    g_option_context_new("[devices|links|nets|scenarios|models|strategies|collectives|topologies|planners|formats|archs] - list what paleosim knows");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return paleo_cli_fail(CMD, error);
  PaleoFormat format;
  if (!paleo_format_parse(format_name ? format_name : "table", &format))
    return paleo_cli_failf(CMD, "--format: unknown format '%s' (expected table, csv or json)",
                           format_name);
  if (argc > 2)
    return paleo_cli_failf(CMD, "unexpected extra argument '%s'", argv[2]);
  const Listing *only = argc == 2 ? find_listing(argv[1]) : NULL;
  if (argc == 2 && !only)
    return paleo_cli_failf(CMD, "unknown list '%s' (expected devices, links, nets, scenarios, models, strategies, "
                           "collectives, topologies, planners or formats)", argv[1]);
  g_autoptr(PaleoCatalog) catalog = paleo_cli_catalog(hardware, &error);
  if (!catalog)
    return paleo_cli_fail(CMD, error);
  if (only)
    return print_listing(only, catalog, format);
  for (guint i = 0; i < G_N_ELEMENTS(listings); i++) {
    if (i)
      fputc('\n', stdout);
    int rc = print_listing(&listings[i], catalog, format);
    if (rc != PALEO_EXIT_OK)
      return rc;
  }
  return PALEO_EXIT_OK;
}

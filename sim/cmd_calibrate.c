/* `paleosim calibrate MEASURED.csv... [--device D] -o profile.ini`: fits the refined
 * model's constants to measured kernel or layer times and writes them as a profile that
 * `--hardware profile.ini` loads. Prints the error per device, kind and pass before
 * (paleo) and after (refined with the fitted profile). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/output_file.h"
#include "output/trace_io.h"
#include "sim/cli_common.h"
#include "sim/trace_cli.h"
#include "workloads/calibrate.h"

#define CMD "calibrate"

typedef struct {
  char *device, *output;
  char **hardware, **map;
  gboolean by_arch;
} CalibrateArgs;

/* Applies --map TAG=DEVICE: rows whose device column is TAG (case-insensitive) are
 * predicted on DEVICE. */
static gboolean map_devices(GPtrArray *sets, char **map, GError **error)
{
  for (char **m = map; m && *m; m++) {
    const char *eq = strchr(*m, '=');
    if (!eq || eq == *m || !eq[1]) {
      g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                  "--map %s: expected TAG=DEVICE (a row device tag and a catalog device)", *m);
      return FALSE;
    }
    g_autofree char *tag = g_strndup(*m, (gsize)(eq - *m));
    for (guint s = 0; s < sets->len; s++) {
      PaleoMeasureSet *set = g_ptr_array_index(sets, s);
      for (guint r = 0; r < set->rows->len; r++) {
        PaleoMeasurement *row = g_ptr_array_index(set->rows, r);
        if (!g_ascii_strcasecmp(row->device, tag)) {
          g_free(row->device);
          row->device = g_strdup(eq + 1);
        }
      }
    }
  }
  return TRUE;
}

static char *comment_text(int argc, char **argv, char **map, const PaleoCalibrateResult *r)
{
  GString *s = g_string_new("Fitted by `paleosim calibrate` from:");
  for (int i = 1; i < argc; i++) {
    g_autofree char *base = g_path_get_basename(argv[i]);
    g_string_append_printf(s, " %s", base);
  }
  for (char **m = map; m && *m; m++)
    g_string_append_printf(s, "%s%s", m == map ? "\nrows mapped to devices: " : ", ", *m);
  g_string_append_printf(s, "\n%u measured times; mean |ln(predicted / measured)| %.4f at the start, %.4f fitted",
                         r->values, r->objective_start, r->objective);
  return g_string_free(s, FALSE);
}

static char *arch_comment(const char *arch, const PaleoCalibrateResult *r)
{
  return g_strdup_printf("Fitted on the %u measured times of %s devices: mean |ln(predicted / measured)| %.4f "
                         "with the [refined] group, %.4f fitted", r->values, arch, r->objective_start, r->objective);
}

static void print_errors(GArray *rows)
{
  printf("%-16s %-22s %-11s %5s  %12s %9s  %14s %11s\n", "device", "kind", "pass", "n", "paleo_median",
         "paleo_p90", "refined_median", "refined_p90");
  for (guint i = 0; i < rows->len; i++) {
    const PaleoErrorRow *r = &g_array_index(rows, PaleoErrorRow, i);
    printf("%-16s %-22s %-11s %5u  %11.1f%% %8.1f%%  %13.1f%% %10.1f%%\n", r->device, r->kind, r->pass, r->count,
           100 * r->paleo_median, 100 * r->paleo_p90, 100 * r->refined_median, 100 * r->refined_p90);
  }
}

/* Writes `text` to `path` atomically (output_file.h: nothing half-written on failure, a
 * non-regular path refused). */
static gboolean write_profile(const char *path, const char *text, GError **error)
{
  return paleo_output_file_write_text(path, "output", text, error);
}

/* With --by-arch: one `[refined ARCH]` group per generation among the rows, each fitted on
 * that generation's rows starting from the all-rows fit. Appends the groups to `text`. */
static gboolean fit_archs(const CalibrateArgs *a, GPtrArray *sets, const PaleoCatalog *catalog,
                          const PaleoProfile *all, GString *text, GError **error)
{
  g_autoptr(GPtrArray) archs = paleo_calibrate_archs(sets, catalog, a->device, error);
  if (!archs)
    return FALSE;
  for (guint i = 0; i < archs->len; i++) {
    const char *arch = g_ptr_array_index(archs, i);
    PaleoProfile profile = *all;
    PaleoCalibrateResult result;
    if (!paleo_calibrate_fit(sets, catalog, a->device, arch, &profile, &result, error))
      return FALSE;
    g_autofree char *comment = arch_comment(arch, &result);
    g_autofree char *group = paleo_calibrate_profile_text(&profile, arch, comment);
    g_string_append_printf(text, "\n%s", group);
    printf("%s: %u values, mean |ln(pred/measured)| %.4f -> %.4f\n", arch, result.values, result.objective_start,
           result.objective);
  }
  return TRUE;
}

/* The error table with each device's profile as the written file resolves it (a file of
 * `[refined]` groups replaces the profiles loaded so far; a `[refined D]` one adds to them). */
static GArray *fitted_errors(GPtrArray *sets, const PaleoCatalog *catalog, const char *device, const char *text,
                             GError **error)
{
  g_autoptr(PaleoCatalog) fitted = paleo_catalog_copy(catalog);
  if (!device)
    paleo_catalog_drop_profiles(fitted);
  if (!paleo_catalog_add_data(fitted, text, "fitted profile", error))
    return NULL;
  return paleo_calibrate_errors(sets, fitted, device, NULL, error);
}

static int run(const CalibrateArgs *a, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoCatalog) catalog = paleo_cli_catalog(a->hardware, &error);
  if (!catalog)
    return paleo_cli_fail(CMD, error);
  const PaleoDevice *device = NULL;
  if (a->device && !(device = paleo_catalog_device(catalog, a->device, &error)))
    return paleo_cli_fail(CMD, error);
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func((GDestroyNotify)paleo_measure_set_free);
  for (int i = 1; i < argc; i++) {
    PaleoMeasureSet *set = paleo_measure_load(argv[i], &error);
    if (!set)
      return paleo_cli_fail(CMD, error);
    g_ptr_array_add(sets, set);
  }
  if (!map_devices(sets, a->map, &error))
    return paleo_cli_fail(CMD, error);
  PaleoProfile profile;
  paleo_profile_init(&profile);
  if (device)
    profile = device->profile;
  PaleoCalibrateResult result;
  if (!paleo_calibrate_fit(sets, catalog, a->device, NULL, &profile, &result, &error))
    return paleo_cli_fail(CMD, error);
  g_autofree char *comment = comment_text(argc, argv, a->map, &result);
  g_autofree char *first = paleo_calibrate_profile_text(&profile, device ? device->name : NULL, comment);
  g_autoptr(GString) text = g_string_new(first);
  if (a->by_arch && !fit_archs(a, sets, catalog, &profile, text, &error))
    return paleo_cli_fail(CMD, error);
  GArray *rows = fitted_errors(sets, catalog, a->device, text->str, &error);
  if (!rows)
    return paleo_cli_fail(CMD, error);
  if (!write_profile(a->output, text->str, &error)) {
    paleo_error_rows_free(rows);
    return paleo_trace_cli_fail(CMD, error); /* exit 1 for a failed write, 2 for a bad path */
  }
  print_errors(rows);
  printf("objective (mean |ln(pred/measured)|): %.4f -> %.4f after %u evaluations; wrote %s\n",
         result.objective_start, result.objective, result.evaluations, a->output);
  paleo_error_rows_free(rows);
  return PALEO_EXIT_OK;
}

int paleo_cmd_calibrate(int argc, char **argv)
{
  CalibrateArgs a = {0};
  GOptionEntry entries[] = {
    {"device", 'd', 0, G_OPTION_ARG_STRING, &a.device,
     "Device of every row; writes [refined D] (default: each row's device column, writes [refined])", "D"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "Profile to write (required)", "FILE"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a.hardware, "Extra catalog or profile file (repeatable)", "FILE"},
    {"by-arch", 0, 0, G_OPTION_ARG_NONE, &a.by_arch,
     "Also fit one [refined ARCH] group per device generation among the rows (on its rows alone, from the "
     "all-rows fit); devices of other generations inherit the nearest one's (paleosim list archs)", NULL},
    {"map", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.map,
     "Rows whose device column is TAG are predicted on catalog DEVICE (repeatable; e.g. p100=P100_PCIE)",
     "TAG=DEVICE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("MEASURED.csv... - fit the refined model's constants");
  g_option_context_set_summary(ctx, "MEASURED.csv: DeepBench GEMM or convolution rows, or per-layer rows "
                                    "net,layer,pass,batch,ms. Starts from the device's profile (or the "
                                    "neutral one) and fits the constants hardware/profile.c marks fitted.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  int rc;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    rc = paleo_cli_fail(CMD, error);
  else if (argc < 2)
    rc = paleo_cli_failf(CMD, "expected at least one MEASURED.csv (see --help)");
  else if (!a.output)
    rc = paleo_cli_failf(CMD, "-o FILE is required (the profile to write)");
  else if (a.by_arch && a.device)
    rc = paleo_cli_failf(CMD, "--by-arch and --device D exclude each other (--device fits one device's group)");
  else
    rc = run(&a, argc, argv);
  g_free(a.device);
  g_free(a.output);
  g_strfreev(a.hardware);
  g_strfreev(a.map);
  return rc;
}

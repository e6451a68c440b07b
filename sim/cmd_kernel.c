/* `paleosim kernel FILE.csv --device D`: each row of a DeepBench-format GEMM or
 * convolution CSV (or a per-layer CSV net,layer,pass,batch,ms) printed with what a cost
 * model predicts for it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli_common.h"
#include "workloads/cost.h"
#include "workloads/measure.h"

#define CMD "kernel"

typedef struct {
  char *device, *model, *precision, *format, *algorithms;
  char **hardware;
} KernelArgs;

static void print_header(const PaleoMeasureSet *set)
{
  if (set->kind == PALEO_MEASURE_CONV)
    printf("%s,predicted_fwd_algorithm,predicted_bwd_inputs_algorithm,predicted_bwd_params_algorithm,"
           "predicted_fwd_ms,predicted_bwd_inputs_ms,predicted_bwd_params_ms\n", set->header);
  else
    printf("%s,predicted_ms\n", set->header);
}

static void print_ms(double ms)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  printf(",%s", g_ascii_formatd(buf, sizeof buf, "%.6g", ms));
}

static void print_row(const PaleoMeasureSet *set, const PaleoMeasurement *row, const double *ms, const int *algo)
{
  printf("%s", row->text);
  if (set->kind != PALEO_MEASURE_CONV) {
    print_ms(ms[0]);
    printf("\n");
    return;
  }
  for (int p = 0; p < PALEO_PASS_N; p++)
    printf(",%s", algo[p] >= 0 ? paleo_conv_algo_name((PaleoKernelAlgo)algo[p]) : "GEMM");
  for (int p = 0; p < PALEO_PASS_N; p++)
    print_ms(ms[p]);
  printf("\n");
}

/* Predicts every row first, so bad input prints nothing. */
static int run(const KernelArgs *a, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoCatalog) catalog = paleo_cli_catalog(a->hardware, &error);
  if (!catalog)
    return paleo_cli_fail(CMD, error);
  const PaleoDevice *d = paleo_catalog_device(catalog, a->device, &error);
  g_autoptr(PaleoMeasureSet) set = d ? paleo_measure_load(path, &error) : NULL;
  if (!set || !paleo_cost_model_find(a->model ? a->model : "refined", &error))
    return paleo_cli_fail(CMD, error);
  PaleoMeasureAlgo algos = a->algorithms && !strcmp(a->algorithms, "fastest") ? PALEO_MEASURE_ALGO_FASTEST
                                                                              : PALEO_MEASURE_ALGO_ROW;
  guint n = set->rows->len;
  g_autofree double *ms = g_new(double, (gsize)n * PALEO_PASS_N);
  g_autofree int *algo = g_new(int, (gsize)n * PALEO_PASS_N);
  g_autoptr(PaleoMeasureCache) cache = paleo_measure_cache_new();
  for (guint i = 0; i < n; i++) {
    const PaleoMeasurement *row = g_ptr_array_index(set->rows, i);
    PaleoPrecision precision;
    if (!paleo_measure_precision(set, row, a->precision, &precision, &error) ||
        !paleo_measure_predict(set, row, d, a->model ? a->model : "refined", precision, algos, cache,
                               &ms[i * PALEO_PASS_N], &algo[i * PALEO_PASS_N], &error))
      return paleo_cli_fail(CMD, error);
  }
  print_header(set);
  for (guint i = 0; i < n; i++)
    print_row(set, g_ptr_array_index(set->rows, i), &ms[i * PALEO_PASS_N], &algo[i * PALEO_PASS_N]);
  return fflush(stdout) == 0 ? PALEO_EXIT_OK : PALEO_EXIT_FAILURE;
}

int paleo_cmd_kernel(int argc, char **argv)
{
  KernelArgs a = {0};
  GOptionEntry entries[] = {
    {"device", 'd', 0, G_OPTION_ARG_STRING, &a.device, "Device (catalog name or alias; required)", "D"},
    {"model", 'm', 0, G_OPTION_ARG_STRING, &a.model, "Cost model: refined (default) or paleo", "M"},
    {"precision", 'p', 0, G_OPTION_ARG_STRING, &a.precision,
     "fp32|tf32|fp16|bf16|fp8|fp16io (default: each row's precision column, else fp32)", "P"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &a.format, "Output: csv (the only format)", "FMT"},
    {"algorithms", 'a', 0, G_OPTION_ARG_STRING, &a.algorithms,
     "Convolution algorithms: row (default: the row's fwd_algorithm for the forward pass and its family "
     "for the backward passes, when the row names one) or fastest (the model's choice among all)", "A"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a.hardware, "Extra catalog or profile file (repeatable)", "FILE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("FILE.csv - predict measured kernels or layers");
  g_option_context_set_summary(ctx, "FILE.csv: DeepBench GEMM rows (m,n,k,time_ms), convolution rows "
                                    "(input_w,...,fwd_time_ms,bwd_inputs_time_ms,bwd_params_time_ms) or "
                                    "per-layer rows (net,layer,pass,batch,ms), detected from the header.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  int rc;
  PaleoPrecision p;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    rc = paleo_cli_fail(CMD, error);
  else if (argc != 2)
    rc = paleo_cli_failf(CMD, "expected one FILE.csv, got %d argument(s) (see --help)", argc - 1);
  else if (!a.device)
    rc = paleo_cli_failf(CMD, "--device D is required");
  else if (a.format && strcmp(a.format, "csv"))
    rc = paleo_cli_failf(CMD, "--format %s: only csv is supported", a.format);
  else if (a.algorithms && strcmp(a.algorithms, "row") && strcmp(a.algorithms, "fastest"))
    rc = paleo_cli_failf(CMD, "--algorithms %s: expected row or fastest", a.algorithms);
  else if (a.precision && !paleo_precision_parse(a.precision, &p))
    rc = paleo_cli_failf(CMD, "--precision %s: expected %s", a.precision, paleo_precision_names_text());
  else
    rc = run(&a, argv[1]);
  g_free(a.device);
  g_free(a.model);
  g_free(a.precision);
  g_free(a.format);
  g_free(a.algorithms);
  g_strfreev(a.hardware);
  return rc;
}

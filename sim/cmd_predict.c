/* `paleosim predict`: the PALEO analytical model on one net, as a per-layer table or,
 * with --link/--workers, as a data-parallel scaling table. */
#include "sim/commands.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hardware/catalog.h"
#include "hardware/timing.h"
#include "sim/cli_common.h"
#include "sim/table.h"
#include "workloads/collective.h"
#include "workloads/cost.h"
#include "workloads/net.h"

#define CMD "predict"
#define DEFAULT_DEVICE "TITAN_X"
#define DEFAULT_LINK "ethernet"
#define DEFAULT_WORKERS "1-128"
#define DEFAULT_INTRA_LINK "pcie3"
#define BATCH_UNSET G_MININT64

typedef struct {
  char *device, *link, *workers, *scaling, *scheme, *format, *model, *precision, *intra_link;
  char **hardware;
  gint64 batch, gpus_per_host;
  double ppp_comp, ppp_comm;
  gboolean use_pipeline, fft, fft_tiling, latency, bounds, hybrid;
} PredictArgs;

static void args_clear(PredictArgs *a)
{
  g_free(a->device);
  g_free(a->link);
  g_free(a->workers);
  g_free(a->scaling);
  g_free(a->scheme);
  g_free(a->format);
  g_free(a->model);
  g_free(a->precision);
  g_free(a->intra_link);
  g_strfreev(a->hardware);
}

/* Everything a run needs after validation. */
typedef struct {
  PaleoFormat format;
  PaleoCostOptions options;
  const PaleoCostModel *model;
  const PaleoDevice *device;
  PaleoCatalog *catalog;
  PaleoNet *net;
  gboolean scaling_mode;
  PaleoScalingRequest request;
  GArray *workers; /* guint */
  PaleoAllReduceScheme schemes[PALEO_ALLREDUCE_N_SCHEMES];
  gboolean bounds, hybrid;
  const PaleoLink *link; /* --bounds (cross-device bandwidth; NULL = device memory), --hybrid */
} Predict;

static void predict_clear(Predict *p)
{
  paleo_catalog_free(p->catalog);
  if (p->net)
    paleo_net_free(p->net);
  if (p->workers)
    g_array_unref(p->workers);
}

static gboolean bad(GError **error, const char *fmt, const char *option, const char *value)
{
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, fmt, option, value);
  return FALSE;
}

static gboolean parse_args(int argc, char **argv, PredictArgs *a, char **net_name,
                           GError **error)
{
  *a = (PredictArgs){.batch = BATCH_UNSET, .ppp_comp = 1.0, .ppp_comm = 1.0, .gpus_per_host = 1};
  GOptionEntry entries[] = {
    {"device", 'd', 0, G_OPTION_ARG_STRING, &a->device, "Device (default " DEFAULT_DEVICE ")", "D"},
    {"batch", 'b', 0, G_OPTION_ARG_INT64, &a->batch, "Batch size (default: the net's; per worker in weak scaling, global in strong)", "B"},
    {"ppp-comp", 0, 0, G_OPTION_ARG_DOUBLE, &a->ppp_comp, "Platform percent of peak for compute and memory (default 1)", "X"},
    {"ppp-comm", 0, 0, G_OPTION_ARG_DOUBLE, &a->ppp_comm, "Platform percent of peak for communication (default 1)", "Y"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &a->format, "Output: table (default), csv or json", "FMT"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->hardware, "Extra device/link catalog (repeatable)", "FILE"},
    {"use-pipeline", 0, 0, G_OPTION_ARG_NONE, &a->use_pipeline, "Per-layer max(comp, comm) instead of the sum", NULL},
    {"fft", 0, 0, G_OPTION_ARG_NONE, &a->fft, "Charge forward convolutions with PALEO's FFT model (1x1 stay GEMM)", NULL},
    {"fft-tiling", 0, 0, G_OPTION_ARG_NONE, &a->fft_tiling, "Same with 32x32-tiled FFT", NULL},
    {"model", 0, 0, G_OPTION_ARG_STRING, &a->model, "Cost model: paleo (default, PALEO's interface) or refined", "M"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &a->precision, "refined only: fp32 (default), tf32, fp16, bf16, fp8 or fp16io", "P"},
    {"link", 'l', 0, G_OPTION_ARG_STRING, &a->link, "Data-parallel mode: link between workers (default " DEFAULT_LINK ")", "L"},
    {"workers", 'w', 0, G_OPTION_ARG_STRING, &a->workers, "Data-parallel mode: worker counts, e.g. 1,2,4 or 1-128 (doubling) or 1:8 (default " DEFAULT_WORKERS ")", "LIST"},
    {"scaling", 0, 0, G_OPTION_ARG_STRING, &a->scaling, "weak (default) or strong", "S"},
    {"scheme", 0, 0, G_OPTION_ARG_STRING, &a->scheme, "a collective (paleosim list collectives: ps = PALEO's onetoall, tree, butterfly, butterfly-mixing, ring, hierarchical) or all (default: PALEO's four); comma-separated", "S"},
    {"latency", 0, 0, G_OPTION_ARG_NONE, &a->latency, "Add the link latency per message step to every scheme (not in PALEO)", NULL},
    {"gpus-per-host", 0, 0, G_OPTION_ARG_INT64, &a->gpus_per_host, "Scheme hierarchical: workers per host (default 1)", "G"},
    {"intra-link", 0, 0, G_OPTION_ARG_STRING, &a->intra_link, "Scheme hierarchical: link inside a host (default " DEFAULT_INTRA_LINK ")", "L"},
    {"bounds", 0, 0, G_OPTION_ARG_NONE, &a->bounds, "Model parallel (PALEO --parallel=model): lower and upper bound per pass; --link sets the cross-device bandwidth (default: device memory)", NULL},
    {"hybrid", 0, 0, G_OPTION_ARG_NONE, &a->hybrid, "Hybrid (PALEO --parallel=hybrid, one weird trick): K = the net's ModelParallel splits workers over --link", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("NET - PALEO analytical prediction");
  g_option_context_set_summary(ctx, "NET is a shipped net name (paleosim list nets) or a PALEO JSON file.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, error))
    return FALSE;
  if (argc < 2) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "missing NET (a shipped net name or a PALEO JSON file)");
    return FALSE;
  }
  if (argc > 2)
    return bad(error, "unexpected extra argument '%s%s' (expected one NET)", argv[2], "");
  *net_name = g_strdup(argv[1]);
  return TRUE;
}

static gboolean check_numbers(const PredictArgs *a, GError **error)
{
  const struct { const char *name; double v; } ppp[] = {{"--ppp-comp", a->ppp_comp},
                                                        {"--ppp-comm", a->ppp_comm}};
  for (guint i = 0; i < G_N_ELEMENTS(ppp); i++)
    if (!isfinite(ppp[i].v) || ppp[i].v <= 0) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "%s %g: expected a positive fraction of peak (e.g. 0.62)", ppp[i].name, ppp[i].v);
      return FALSE;
    }
  if (a->batch != BATCH_UNSET && a->batch < 1) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--batch %" G_GINT64_FORMAT ": expected a positive batch size", (gint64)a->batch);
    return FALSE;
  }
  if (a->fft && a->fft_tiling)
    return bad(error, "%s and %s exclude each other", "--fft", "--fft-tiling");
  if (a->bounds && a->hybrid)
    return bad(error, "%s and %s exclude each other", "--bounds", "--hybrid");
  if ((a->bounds || a->hybrid) && (a->workers || a->scaling || a->scheme || a->latency))
    return bad(error, "%s: --workers, --scaling, --scheme and --latency belong to the data-parallel mode%s",
               a->bounds ? "--bounds" : "--hybrid", "");
  if (a->gpus_per_host < 1) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--gpus-per-host %" G_GINT64_FORMAT ": expected a positive number of workers per host",
                (gint64)a->gpus_per_host);
    return FALSE;
  }
  return TRUE;
}

/* Any data-parallel option selects the scaling table (--bounds and --hybrid take --link too). */
static gboolean scaling_mode(const PredictArgs *a)
{
  return !a->bounds && !a->hybrid && (a->link || a->workers || a->scaling || a->scheme || a->latency);
}

/* A --scheme item: a collective registry name (ps is PALEO's one-server OneToAll) or a
 * name of the closed forms (PALEO's, e.g. TreeAllReduce). */
static gboolean scheme_parse(const char *item, PaleoAllReduceScheme *out)
{
  static const PaleoAllReduceScheme of_collective[PALEO_COLLECTIVE_COUNT] = {
    [PALEO_COLLECTIVE_PS] = PALEO_ALLREDUCE_ONE_TO_ALL, [PALEO_COLLECTIVE_TREE] = PALEO_ALLREDUCE_TREE,
    [PALEO_COLLECTIVE_BUTTERFLY] = PALEO_ALLREDUCE_BUTTERFLY,
    [PALEO_COLLECTIVE_BUTTERFLY_MIXING] = PALEO_ALLREDUCE_BUTTERFLY_MIXING,
    [PALEO_COLLECTIVE_RING] = PALEO_ALLREDUCE_RING, [PALEO_COLLECTIVE_HIERARCHICAL] = PALEO_ALLREDUCE_HIERARCHICAL,
  };
  int k = paleo_collective_from_name(item);
  if (k >= 0) {
    *out = of_collective[k];
    return TRUE;
  }
  return paleo_allreduce_parse(item, out);
}

static guint parse_schemes(const char *spec, PaleoAllReduceScheme *out, GError **error)
{
  g_auto(GStrv) items = g_strsplit(spec, ",", -1);
  guint n = 0;
  for (guint i = 0; items[i]; i++) {
    const char *item = g_strstrip(items[i]);
    PaleoAllReduceScheme s;
    if (!g_ascii_strcasecmp(item, "all")) {
      for (guint k = 0; k < PALEO_ALLREDUCE_N_PALEO && n < PALEO_ALLREDUCE_N_SCHEMES; k++)
        out[n++] = (PaleoAllReduceScheme)k;
      continue;
    }
    if (!scheme_parse(item, &s)) {
      bad(error, "%s: unknown scheme '%s' (expected ps (onetoall), tree, butterfly, "
                 "butterfly-mixing, ring, hierarchical or all)", "--scheme", item);
      return 0;
    }
    if (n < PALEO_ALLREDUCE_N_SCHEMES)
      out[n++] = s;
  }
  if (n == 0)
    bad(error, "%s: empty scheme list '%s'", "--scheme", spec);
  return n;
}

static gboolean setup_scaling(const PredictArgs *a, Predict *p, GError **error)
{
  p->scaling_mode = scaling_mode(a);
  if (!p->scaling_mode)
    return TRUE;
  PaleoScalingRequest *r = &p->request;
  if (a->scaling && !paleo_scaling_parse(a->scaling, &r->scaling))
    return bad(error, "%s: unknown scaling '%s' (expected weak or strong)", "--scaling", a->scaling);
  p->workers = g_array_new(FALSE, FALSE, sizeof(guint));
  if (!paleo_cli_parse_workers(a->workers ? a->workers : DEFAULT_WORKERS, p->workers, error))
    return FALSE;
  r->workers = (const guint *)(void *)p->workers->data;
  r->n_workers = p->workers->len;
  r->n_schemes = parse_schemes(a->scheme ? a->scheme : "all", p->schemes, error);
  if (!r->n_schemes)
    return FALSE;
  r->schemes = p->schemes;
  r->comm.link = paleo_catalog_link(p->catalog, a->link ? a->link : DEFAULT_LINK, error);
  r->comm.latency = a->latency;
  r->comm.workers_per_host = (guint)a->gpus_per_host;
  r->comm.intra_link = paleo_catalog_link(p->catalog, a->intra_link ? a->intra_link : DEFAULT_INTRA_LINK, error);
  r->batch = a->batch > 0 ? a->batch : p->net->batch;
  return r->comm.link != NULL && r->comm.intra_link != NULL;
}

static gboolean setup(const PredictArgs *a, const char *net_name, Predict *p, GError **error)
{
  if (!check_numbers(a, error))
    return FALSE;
  if (!paleo_format_parse(a->format ? a->format : "table", &p->format))
    return bad(error, "%s: unknown format '%s' (expected table, csv or json)", "--format",
               a->format);
  p->model = paleo_cost_model_find(a->model ? a->model : "paleo", error);
  if (!p->model)
    return FALSE;
  paleo_cost_options_init(&p->options);
  if (a->precision && !paleo_precision_parse(a->precision, &p->options.precision))
    return bad(error, "%s: unknown precision '%s' (expected fp32, tf32, fp16, bf16, fp8 or fp16io)", "--precision",
               a->precision);
  p->options.ppp_comp = a->ppp_comp;
  p->options.ppp_comm = a->ppp_comm;
  p->options.use_pipeline = a->use_pipeline;
  p->options.conv_algo = a->fft ? PALEO_CONV_ALGO_FFT
                                : a->fft_tiling ? PALEO_CONV_ALGO_FFT_TILING : PALEO_CONV_ALGO_GEMM;
  p->catalog = paleo_cli_catalog(a->hardware, error);
  if (!p->catalog)
    return FALSE;
  p->device = paleo_catalog_device(p->catalog, a->device ? a->device : DEFAULT_DEVICE, error);
  if (!p->device)
    return FALSE;
  /* In scaling mode the batch is applied per worker count by the cost model. */
  p->net = paleo_net_load_named(net_name, scaling_mode(a) || a->batch == BATCH_UNSET ? 0 : a->batch, error);
  p->bounds = a->bounds;
  p->hybrid = a->hybrid;
  if (p->net && (a->bounds || a->hybrid) && (a->link || a->hybrid)) {
    p->link = paleo_catalog_link(p->catalog, a->link ? a->link : DEFAULT_LINK, error);
    if (!p->link)
      return FALSE;
  }
  return p->net && setup_scaling(a, p, error);
}

static const char *conv_name(const Predict *p)
{
  if (p->model->cost_net == paleo_cost_net_refined)
    return "auto";
  return p->options.conv_algo == PALEO_CONV_ALGO_GEMM ? "gemm" : p->options.conv_algo == PALEO_CONV_ALGO_FFT ? "fft"
                                                                                                          : "fft-tiling";
}

static void add_meta(PaleoTable *t, const Predict *p)
{
  paleo_table_meta(t, "net", "%s", p->net->path);
  paleo_table_meta(t, "device", "%s", p->device->name);
  paleo_table_meta(t, "model", "%s", p->model->name);
  paleo_table_meta_number(t, "ppp_comp", p->options.ppp_comp, -1, NULL);
  paleo_table_meta_number(t, "ppp_comm", p->options.ppp_comm, -1, NULL);
  if (p->model->cost_net == paleo_cost_net_refined) {
    paleo_table_meta(t, "precision", "%s", paleo_precision_name(p->options.precision));
    paleo_table_meta(t, "conv", "%s", "fastest of implicit GEMM, Winograd, FFT per pass");
    return;
  }
  paleo_table_meta(t, "pipeline", "%s", p->options.use_pipeline ? "max(comp, comm)" : "off (sum)");
  paleo_table_meta(t, "conv", "%s", conv_name(p));
}

/* Where the batch came from: the net file (its data layer) or --batch. */
static const char *batch_from(const PredictArgs *a)
{
  return a->batch == BATCH_UNSET ? "net file" : "--batch";
}

/* The JSON echo of what ran: every option after defaults. */
static JsonNode *config_node(const PredictArgs *a, const Predict *p, gint64 batch)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  const struct {
    const char *key, *value;
  } texts[] = {{"net", p->net->path}, {"device", p->device->name}, {"model", p->model->name},
               {"conv", conv_name(p)}, {"batch_from", batch_from(a)},
               {"precision", paleo_precision_name(p->options.precision)}};
  for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
    json_builder_set_member_name(b, texts[i].key);
    json_builder_add_string_value(b, texts[i].value);
  }
  json_builder_set_member_name(b, "batch");
  json_builder_add_int_value(b, batch);
  json_builder_set_member_name(b, "ppp_comp");
  json_builder_add_double_value(b, p->options.ppp_comp);
  json_builder_set_member_name(b, "ppp_comm");
  json_builder_add_double_value(b, p->options.ppp_comm);
  json_builder_set_member_name(b, "use_pipeline");
  json_builder_add_boolean_value(b, p->options.use_pipeline);
  if (p->scaling_mode) {
    const PaleoScalingRequest *r = &p->request;
    json_builder_set_member_name(b, "link");
    json_builder_add_string_value(b, r->comm.link->name);
    json_builder_set_member_name(b, "scaling");
    json_builder_add_string_value(b, paleo_scaling_name(r->scaling));
    json_builder_set_member_name(b, "latency");
    json_builder_add_boolean_value(b, r->comm.latency);
    json_builder_set_member_name(b, "workers");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->n_workers; i++)
      json_builder_add_int_value(b, r->workers[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "schemes");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->n_schemes; i++)
      json_builder_add_string_value(b, paleo_allreduce_name(r->schemes[i]));
    json_builder_end_array(b);
  }
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

static const PaleoColumn layer_columns[] = {
  {"layer", "layer", -1},
  {"type", "type", -1},
  {"output_shape", "output (NxHxWxC)", -1},
  {"params", "params", 0},
  {"fwd_gflop", "fwd GFLOP", 3},
  {"fwd_comp_ms", "fwd comp ms", 3},
  {"fwd_mem_ms", "fwd mem ms", 3},
  {"fwd_ms", "fwd ms", 3},
  {"bwd_gflop", "bwd GFLOP", 3},
  {"bwd_data_ms", "bwd-data ms", 3},
  {"bwd_filter_ms", "bwd-filter ms", 3},
  {"bwd_ms", "bwd ms", 3},
  {"total_ms", "total ms", 3},
};

static void layer_row(PaleoTable *t, const PaleoLayer *l, const PaleoLayerCost *c,
                      gboolean pipe)
{
  char shape[96];
  PaleoCompComm fwd = paleo_layer_cost_fwd(c), bwd = paleo_layer_cost_bwd(c);
  paleo_table_row(t, FALSE);
  paleo_table_text(t, l->name);
  paleo_table_text(t, l->type_name);
  paleo_table_text(t, paleo_net_format_shape(l->output, l->output_rank, shape, sizeof shape));
  paleo_table_num(t, (double)l->params);
  paleo_table_num(t, c->fwd_flops / 1e9);
  paleo_table_num(t, fwd.comp_ms);
  paleo_table_num(t, fwd.comm_ms);
  paleo_table_num(t, paleo_time_ms(fwd, pipe));
  paleo_table_num(t, c->bwd_flops / 1e9);
  paleo_table_num(t, paleo_time_ms(c->bwd_data, pipe));
  paleo_table_num(t, paleo_time_ms(c->bwd_filter, pipe));
  paleo_table_num(t, paleo_time_ms(bwd, pipe));
  paleo_table_num(t, paleo_time_ms(fwd, pipe) + paleo_time_ms(bwd, pipe));
}

static void summary_rows(PaleoTable *t, const PaleoNet *net, const PaleoNetCost *c,
                         gboolean pipe)
{
  double fwd_flops = 0, bwd_flops = 0, bwd_data = 0, bwd_filter = 0;
  for (guint i = 0; i < c->n_layers; i++) {
    fwd_flops += c->layers[i].fwd_flops;
    bwd_flops += c->layers[i].bwd_flops;
    bwd_data += paleo_time_ms(c->layers[i].bwd_data, pipe);
    bwd_filter += paleo_time_ms(c->layers[i].bwd_filter, pipe);
  }
  paleo_table_row(t, TRUE);
  paleo_table_text(t, "(update)");
  paleo_table_text(t, "");
  paleo_table_text(t, "");
  paleo_table_num(t, c->params_bytes / c->bytes_per_element);
  for (guint k = 0; k < 8; k++)
    paleo_table_empty(t);
  paleo_table_num(t, c->chosen.update_ms);
  paleo_table_row(t, FALSE);
  paleo_table_text(t, "(total)");
  paleo_table_text(t, "");
  paleo_table_text(t, "");
  paleo_table_num(t, (double)net->params);
  paleo_table_num(t, fwd_flops / 1e9);
  paleo_table_num(t, c->fwd.comp_ms);
  paleo_table_num(t, c->fwd.comm_ms);
  paleo_table_num(t, c->chosen.fwd_ms);
  paleo_table_num(t, bwd_flops / 1e9);
  paleo_table_num(t, bwd_data);
  paleo_table_num(t, bwd_filter);
  paleo_table_num(t, c->chosen.bwd_ms);
  paleo_table_num(t, c->chosen.iteration_ms);
}

static int run_layers(const PredictArgs *a, const Predict *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNetCost) cost = p->model->cost_net(p->net, p->device, &p->options, &error);
  if (!cost)
    return paleo_cli_fail(CMD, error);
  g_autoptr(PaleoTable) t = paleo_table_new(layer_columns, G_N_ELEMENTS(layer_columns));
  add_meta(t, p);
  paleo_table_meta_number(t, "batch", (double)cost->batch, 0, NULL);
  paleo_table_meta(t, "batch_from", "%s", batch_from(a));
  paleo_table_meta_number(t, "images/s", (double)cost->batch / cost->chosen.iteration_ms * 1e3, 1, NULL);
  paleo_table_json_member(t, "config", config_node(a, p, cost->batch));
  for (guint i = 0; i < cost->n_layers; i++)
    layer_row(t, paleo_net_layer(p->net, i), &cost->layers[i], p->options.use_pipeline);
  summary_rows(t, p->net, cost, p->options.use_pipeline);
  if (!paleo_table_write(t, p->format, stdout, &error)) {
    fprintf(stderr, "paleosim " CMD ": %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

static const PaleoColumn scaling_columns[] = {
  {"workers", "workers", 0},
  {"batch_per_worker", "batch/worker", 0},
  {"effective_batch", "global batch", 0},
  {"scheme", "scheme", -1},
  {"fwd_ms", "fwd ms", 3},
  {"bwd_ms", "bwd ms", 3},
  {"update_ms", "update ms", 3},
  {"compute_ms", "compute ms", 3},
  {"comm_ms", "comm ms", 3},
  {"iteration_ms", "iteration ms", 3},
  {"images_per_s", "images/s", 1},
  {"speedup", "speed-up", 2},
};

static void scaling_row(PaleoTable *t, const PaleoScalingRow *r, gboolean first_of_group)
{
  paleo_table_row(t, first_of_group);
  paleo_table_num(t, r->workers);
  paleo_table_num(t, (double)r->batch_per_worker);
  paleo_table_num(t, (double)r->effective_batch);
  paleo_table_text(t, paleo_allreduce_name(r->scheme));
  paleo_table_num(t, r->fwd_ms);
  paleo_table_num(t, r->bwd_ms);
  paleo_table_num(t, r->update_ms);
  paleo_table_num(t, r->compute_ms);
  paleo_table_num(t, r->comm_ms);
  paleo_table_num(t, r->iteration_ms);
  paleo_table_num(t, (double)r->effective_batch / r->iteration_ms * 1e3);
  paleo_table_num(t, r->speedup);
}

static int run_scaling(const PredictArgs *a, Predict *p)
{
  g_autoptr(GError) error = NULL;
  GArray *rows = paleo_cost_scaling(p->net, p->device, &p->options, &p->request, &error);
  if (!rows)
    return paleo_cli_fail(CMD, error);
  g_autoptr(PaleoTable) t = paleo_table_new(scaling_columns, G_N_ELEMENTS(scaling_columns));
  add_meta(t, p);
  paleo_table_meta(t, "link", "%s (%g Gbit/s)", p->request.comm.link->name,
                   p->request.comm.link->gbps);
  paleo_table_meta(t, "scaling", "%s", paleo_scaling_name(p->request.scaling));
  paleo_table_meta_number(t, "batch", (double)p->request.batch, 0,
                          p->request.scaling == PALEO_SCALING_WEAK ? "per worker" : "global");
  paleo_table_meta(t, "batch_from", "%s", batch_from(a));
  paleo_table_json_member(t, "config", config_node(a, p, p->request.batch));
  for (guint i = 0; i < rows->len; i++)
    scaling_row(t, &g_array_index(rows, PaleoScalingRow, i),
                i > 0 && i % p->request.n_schemes == 0 && p->request.n_schemes > 1);
  g_array_unref(rows);
  if (!paleo_table_write(t, p->format, stdout, &error)) {
    fprintf(stderr, "paleosim " CMD ": %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

static gboolean write_table(PaleoTable *t, const Predict *p, GError **error)
{
  return paleo_table_write(t, p->format, stdout, error);
}

static const PaleoColumn bounds_columns[] = {
  {"pass", "pass", -1},
  {"lower_ms", "lower ms", 3},
  {"upper_ms", "upper ms", 3},
};

static int run_bounds(const Predict *p)
{
  g_autoptr(GError) error = NULL;
  PaleoCostOptions o = p->options;
  o.cross_device_gbytes_per_s = p->link ? p->link->gbps / 8 : 0;
  PaleoModelParallelBounds b;
  if (!paleo_cost_model_parallel(p->net, p->device, &o, &b, &error))
    return paleo_cli_fail(CMD, error);
  g_autoptr(PaleoTable) t = paleo_table_new(bounds_columns, G_N_ELEMENTS(bounds_columns));
  add_meta(t, p);
  if (p->link)
    paleo_table_meta(t, "cross-device", "%s (%g GB/s)", p->link->name, p->link->gbps / 8);
  else
    paleo_table_meta(t, "cross-device", "device memory (%g GB/s)", p->device->mem_gbps);
  const char *names[] = {"forward", "backward"};
  double lo[] = {b.fwd_lower_ms, b.bwd_lower_ms}, hi[] = {b.fwd_upper_ms, b.bwd_upper_ms};
  for (guint i = 0; i < 2; i++) {
    paleo_table_row(t, FALSE);
    paleo_table_text(t, names[i]);
    paleo_table_num(t, lo[i]);
    paleo_table_num(t, hi[i]);
  }
  if (!write_table(t, p, &error)) {
    fprintf(stderr, "paleosim " CMD ": %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

static const PaleoColumn hybrid_columns[] = {
  {"part", "part", -1},
  {"workers", "workers", 0},
  {"effective_batch", "global batch", 0},
  {"fwd_ms", "fwd ms", 3},
  {"bwd_ms", "bwd ms", 3},
  {"update_ms", "update ms", 3},
  {"sync_ms", "sync ms", 3},
};

static void hybrid_row(PaleoTable *t, const char *name, const PaleoHybridPart *h, gboolean separator)
{
  paleo_table_row(t, separator);
  paleo_table_text(t, name);
  paleo_table_num(t, h->workers);
  paleo_table_num(t, (double)h->effective_batch);
  paleo_table_num(t, h->fwd_ms);
  paleo_table_num(t, h->bwd_ms);
  paleo_table_num(t, h->update_ms);
  paleo_table_num(t, h->sync_ms);
}

static int run_hybrid(const Predict *p)
{
  g_autoptr(GError) error = NULL;
  PaleoHybridPart parts[2];
  if (!paleo_cost_hybrid(p->net, p->device, &p->options, p->link, parts, &error))
    return paleo_cli_fail(CMD, error);
  PaleoHybridPart total = {parts[0].workers, parts[0].effective_batch, parts[0].fwd_ms + parts[1].fwd_ms,
                           parts[0].bwd_ms + parts[1].bwd_ms, parts[0].update_ms + parts[1].update_ms,
                           parts[0].sync_ms + parts[1].sync_ms};
  g_autoptr(PaleoTable) t = paleo_table_new(hybrid_columns, G_N_ELEMENTS(hybrid_columns));
  add_meta(t, p);
  paleo_table_meta(t, "link", "%s (%g Gbit/s)", p->link->name, p->link->gbps);
  paleo_table_meta(t, "iteration", "%.3f ms", total.fwd_ms + total.bwd_ms + total.update_ms + total.sync_ms);
  hybrid_row(t, "data_parallel", &parts[0], FALSE);
  hybrid_row(t, "model_parallel", &parts[1], FALSE);
  hybrid_row(t, "total", &total, TRUE);
  if (!write_table(t, p, &error)) {
    fprintf(stderr, "paleosim " CMD ": %s\n", error->message);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

int paleo_cmd_predict(int argc, char **argv)
{
  PredictArgs a;
  g_autofree char *net_name = NULL;
  g_autoptr(GError) error = NULL;
  if (!parse_args(argc, argv, &a, &net_name, &error)) {
    args_clear(&a);
    return paleo_cli_fail(CMD, error);
  }
  Predict p = {0};
  int rc;
  if (!setup(&a, net_name, &p, &error))
    rc = paleo_cli_fail(CMD, error);
  else if (p.bounds)
    rc = run_bounds(&p);
  else if (p.hybrid)
    rc = run_hybrid(&p);
  else
    rc = p.scaling_mode ? run_scaling(&a, &p) : run_layers(&a, &p);
  predict_clear(&p);
  args_clear(&a);
  return rc;
}

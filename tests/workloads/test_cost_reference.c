/* Every row of the original PALEO's predictions (tests/data/paleo-predictions)
 * against the `paleo` cost model, within 1 %: per layer, net totals, alex_v2 scaling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hardware/catalog.h"
#include "workloads/cost.h"
#include "workloads/net.h"

/* A CSV file: header names and rows of fields (no quoting in these files). */
typedef struct {
  char **header;
  GPtrArray *rows; /* of char** */
} Csv;

static void csv_free(Csv *csv)
{
  g_strfreev(csv->header);
  g_ptr_array_unref(csv->rows);
  g_free(csv);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Csv, csv_free)

static Csv *csv_read(const char *file)
{
  const char *data = g_getenv("PALEO_TEST_DATA");
  assert_non_null(data);
  g_autofree char *path = g_build_filename(data, "paleo-predictions", file, NULL);
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  Csv *csv = g_new0(Csv, 1);
  csv->header = g_strsplit(g_strstrip(lines[0]), ",", -1);
  csv->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  for (guint i = 1; lines[i]; i++)
    if (*g_strstrip(lines[i]))
      g_ptr_array_add(csv->rows, g_strsplit(lines[i], ",", -1));
  return csv;
}

static guint col(const Csv *csv, const char *name)
{
  for (guint i = 0; csv->header[i]; i++)
    if (!strcmp(csv->header[i], name))
      return i;
  fail_msg("no column %s", name);
  return 0;
}

static const char *field(const Csv *csv, guint row, const char *name)
{
  char **r = g_ptr_array_index(csv->rows, row);
  return r[col(csv, name)];
}

static double num(const Csv *csv, guint row, const char *name)
{
  return g_ascii_strtod(field(csv, row, name), NULL);
}

static guint checked, failed;
static double worst; /* largest relative difference seen (values above 1e-6) */

/* Within 1 % (the CSV has 6 significant digits), or both below 1e-9. */
static void check(const char *what, guint row, double expect, double got)
{
  checked++;
  if (fabs(expect) > 1e-6)
    worst = fmax(worst, fabs(got - expect) / fabs(expect));
  if (fabs(got - expect) <= 0.01 * fabs(expect) + 1e-9)
    return;
  if (failed++ < 25)
    print_error("row %u %s: expected %.6g got %.6g\n", row + 2, what, expect, got);
}

static PaleoCatalog *catalog;
static GHashTable *nets; /* name -> PaleoNet* */

static const PaleoNet *net_named(const char *name)
{
  PaleoNet *net = g_hash_table_lookup(nets, name);
  if (net)
    return net;
  g_autofree char *file = g_strdup_printf("%s.json", name);
  g_autofree char *path = g_build_filename(g_getenv("PALEOSIM_CONFIG_DIR"), "nets", file, NULL);
  g_autoptr(GError) error = NULL;
  net = paleo_net_load(path, 0, &error);
  if (!net)
    fail_msg("%s", error->message);
  g_hash_table_insert(nets, g_strdup(name), net);
  return net;
}

static const PaleoDevice *device_named(const char *name)
{
  const PaleoDevice *d = paleo_catalog_device(catalog, name, NULL);
  assert_non_null(d);
  return d;
}

static int setup(void **state)
{
  (void)state;
  catalog = paleo_catalog_load_default(NULL);
  nets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)paleo_net_free);
  return catalog ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  paleo_catalog_free(catalog);
  g_hash_table_unref(nets);
  return 0;
}

static gint layer_index(const PaleoNet *net, const char *name)
{
  for (guint i = 0; i < net->layers->len; i++)
    if (!strcmp(paleo_net_layer(net, i)->name, name))
      return (gint)i;
  fail_msg("layer %s not in %s", name, net->name);
  return -1;
}

static void check_layer_row(const Csv *csv, guint r, const PaleoLayerCost *c)
{
  PaleoCompComm fwd = paleo_layer_cost_fwd(c), bwd = paleo_layer_cost_bwd(c);
  check("fwd_gflop", r, num(csv, r, "fwd_gflop"), c->fwd_flops / 1e9);
  check("fwd_comp_ms", r, num(csv, r, "fwd_comp_ms"), fwd.comp_ms);
  check("fwd_mem_ms", r, num(csv, r, "fwd_mem_ms"), fwd.comm_ms);
  check("fwd_ms", r, num(csv, r, "fwd_ms"), paleo_time_total_ms(fwd));
  check("bwd_data_ms", r, num(csv, r, "bwd_data_ms"), paleo_time_total_ms(c->bwd_data));
  check("bwd_filter_ms", r, num(csv, r, "bwd_filter_ms"), paleo_time_total_ms(c->bwd_filter));
  check("bwd_gflop", r, num(csv, r, "bwd_gflop"), c->bwd_flops / 1e9);
  check("bwd_comp_ms", r, num(csv, r, "bwd_comp_ms"), bwd.comp_ms);
  check("bwd_mem_ms", r, num(csv, r, "bwd_mem_ms"), bwd.comm_ms);
  check("bwd_ms", r, num(csv, r, "bwd_ms"), paleo_time_total_ms(bwd));
  check("fwd_plus_bwd_ms", r, num(csv, r, "fwd_plus_bwd_ms"),
        paleo_time_total_ms(fwd) + paleo_time_total_ms(bwd));
  const char *fft = field(csv, r, "fwd_fft_ms_if_cudnn_chose_FFT");
  assert_int_equal(*fft != 0, c->is_conv);
  if (*fft) {
    check("fft", r, g_ascii_strtod(fft, NULL), paleo_time_total_ms(c->fwd_fft));
    check("fft_tiling", r, num(csv, r, "fwd_fft_tiling_ms_if_cudnn_chose_FFT_TILING"),
          paleo_time_total_ms(c->fwd_fft_tiling));
  }
}

static void test_layerwise(void **state)
{
  (void)state;
  g_autoptr(Csv) csv = csv_read("layerwise.csv");
  checked = failed = 0;
  worst = 0;
  for (guint r = 0; r < csv->rows->len; r++) {
    const PaleoNet *net = net_named(field(csv, r, "net"));
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    o.batch = (int64_t)num(csv, r, "batch");
    PaleoLayerCost c;
    paleo_cost_layer(net, (guint)layer_index(net, field(csv, r, "layer")),
                     device_named(field(csv, r, "device")), &o, &c);
    check_layer_row(csv, r, &c);
  }
  print_message("layerwise: %u values checked, %u off by more than 1%%, worst %.2g\n", checked,
                failed, worst);
  assert_int_equal(csv->rows->len, 440);
  assert_int_equal(failed, 0);
}

static void test_net_totals(void **state)
{
  (void)state;
  g_autoptr(Csv) csv = csv_read("net_totals.csv");
  checked = failed = 0;
  worst = 0;
  for (guint r = 0; r < csv->rows->len; r++) {
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    o.batch = (int64_t)num(csv, r, "batch");
    o.ppp_comp = num(csv, r, "ppp_comp");
    o.ppp_comm = num(csv, r, "ppp_comm");
    g_autoptr(PaleoNetCost) c = paleo_cost_net(net_named(field(csv, r, "net")),
                                               device_named(field(csv, r, "device")), &o, NULL);
    assert_non_null(c);
    check("params_bytes", r, num(csv, r, "params_bytes"), c->params_bytes);
    check("fwd_comp_ms", r, num(csv, r, "fwd_comp_ms"), c->fwd.comp_ms);
    check("fwd_mem_ms", r, num(csv, r, "fwd_mem_ms"), c->fwd.comm_ms);
    check("fwd_ms", r, num(csv, r, "fwd_ms"), c->serial.fwd_ms);
    check("bwd_comp_ms", r, num(csv, r, "bwd_comp_ms"), c->bwd.comp_ms);
    check("bwd_mem_ms", r, num(csv, r, "bwd_mem_ms"), c->bwd.comm_ms);
    check("bwd_ms", r, num(csv, r, "bwd_ms"), c->serial.bwd_ms);
    check("apply_update_ms", r, num(csv, r, "apply_update_ms"), c->serial.update_ms);
    check("iter_ms", r, num(csv, r, "iter_ms_fwd_bwd_apply"), c->serial.iteration_ms);
    check("iter_pipelined", r, num(csv, r, "iter_ms_pipelined_lowerbound"),
          c->pipelined.iteration_ms);
    check("images_per_s", r, num(csv, r, "images_per_s_1worker"),
          (double)c->batch / c->serial.iteration_ms * 1e3);
  }
  print_message("net_totals: %u values checked, %u off by more than 1%%, worst %.2g\n", checked,
                failed, worst);
  assert_int_equal(csv->rows->len, 528);
  assert_int_equal(failed, 0);
}

static void check_scaling_row(const Csv *csv, guint r, const PaleoScalingRow *rows)
{
  check("effective_batch", r, num(csv, r, "effective_batch"), (double)rows[0].effective_batch);
  check("time_fwd_ms", r, num(csv, r, "time_fwd_ms"), rows[0].fwd_ms);
  check("time_bwd_ms", r, num(csv, r, "time_bwd_ms"), rows[0].bwd_ms);
  check("time_apply_ms", r, num(csv, r, "time_apply_ms"), rows[0].update_ms);
  check("time_comp_ms", r, num(csv, r, "time_comp_ms"), rows[0].compute_ms);
  for (guint s = 0; s < PALEO_ALLREDUCE_N_PALEO; s++) {
    const char *name = paleo_allreduce_paleo_name(rows[s].scheme);
    g_autofree char *comm = g_strdup_printf("comm_%s_ms", name);
    g_autofree char *total = g_strdup_printf("total_%s_ms", name);
    check(comm, r, num(csv, r, comm), rows[s].comm_ms);
    check(total, r, num(csv, r, total), rows[s].iteration_ms);
  }
}

static void test_scaling(void **state)
{
  (void)state;
  g_autoptr(Csv) csv = csv_read("scaling_data_parallel.csv");
  const PaleoAllReduceScheme schemes[] = {PALEO_ALLREDUCE_ONE_TO_ALL, PALEO_ALLREDUCE_TREE,
                                          PALEO_ALLREDUCE_BUTTERFLY,
                                          PALEO_ALLREDUCE_BUTTERFLY_MIXING};
  checked = failed = 0;
  worst = 0;
  for (guint r = 0; r < csv->rows->len; r++) {
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    o.ppp_comp = num(csv, r, "ppp_comp");
    o.ppp_comm = num(csv, r, "ppp_comm");
    o.use_pipeline = !strcmp(field(csv, r, "use_pipeline"), "True");
    guint workers = (guint)num(csv, r, "workers");
    PaleoScalingRequest req = {.batch = (int64_t)num(csv, r, "batch_arg"),
                               .workers = &workers, .n_workers = 1, .schemes = schemes,
                               .n_schemes = G_N_ELEMENTS(schemes)};
    assert_true(paleo_scaling_parse(field(csv, r, "scaling"), &req.scaling));
    req.comm.link = paleo_catalog_link(catalog, field(csv, r, "network"), NULL);
    assert_non_null(req.comm.link);
    assert_float_equal(req.comm.link->gbps, num(csv, r, "link_Gbps"), 0);
    g_autoptr(GError) error = NULL;
    GArray *rows = paleo_cost_scaling(net_named(field(csv, r, "net")),
                                      device_named(field(csv, r, "device")), &o, &req, &error);
    assert_non_null(rows);
    check_scaling_row(csv, r, (const PaleoScalingRow *)(void *)rows->data);
    g_array_unref(rows);
  }
  print_message("scaling: %u values checked, %u off by more than 1%%, worst %.2g\n", checked,
                failed, worst);
  assert_int_equal(csv->rows->len, 3072);
  assert_int_equal(failed, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_layerwise),
    cmocka_unit_test(test_net_totals),
    cmocka_unit_test(test_scaling),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

/* PALEO's model-parallel bounds and hybrid parallelism (PALEO-MODEL.md §8): lower bound =
 * longest path (max over parallel branches), upper = serial sum; the hybrid's tree sync,
 * element-count fetch and K stages, with hand-worked numbers; every shipped net works,
 * including those the original crashes on (8-way splits, nested Inception branches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "hardware/catalog.h"
#include "workloads/cost.h"
#include "net_test_util.h"

static PaleoCatalog *catalog;

static int setup(void **state)
{
  (void)state;
  catalog = paleo_catalog_load_default(NULL);
  return catalog ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  paleo_catalog_free(catalog);
  return 0;
}

static const PaleoDevice *titan(void)
{
  return paleo_catalog_device(catalog, "TITAN_X", NULL);
}

static double layer_ms(const PaleoNetCost *c, const PaleoNet *net, const char *name, gboolean fwd)
{
  const PaleoLayerCost *l = &c->layers[net_test_index(net, name)];
  return paleo_time_total_ms(fwd ? paleo_layer_cost_fwd(l) : paleo_layer_cost_bwd(l));
}

/* data -> a -> {p | b -> c} -> cat: lower takes the longer branch only. */
static void test_bounds_branches(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = net_test_load(
    "branches.json",
    "{'name': 'b', 'layers': {'data': {'parents': [], 'type': 'Input', 'tensor': [8, 32, 32, 16]},"
    " 'a': {'parents': ['data'], 'type': 'Convolution', 'filter': [3, 3, 16, 32], 'padding': 'SAME', 'strides': [1, 1, 1, 1]},"
    " 'p': {'parents': ['a'], 'type': 'Pooling', 'ksize': [1, 3, 3, 1], 'strides': [1, 1, 1, 1], 'padding': 'SAME'},"
    " 'b': {'parents': ['a'], 'type': 'Convolution', 'filter': [3, 3, 32, 32], 'padding': 'SAME', 'strides': [1, 1, 1, 1]},"
    " 'c': {'parents': ['b'], 'type': 'Convolution', 'filter': [3, 3, 32, 32], 'padding': 'SAME', 'strides': [1, 1, 1, 1]},"
    " 'cat': {'parents': ['p', 'c'], 'type': 'Concatenate', 'dim': 3}}}",
    0, &error);
  assert_non_null(net);
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  g_autoptr(PaleoNetCost) c = paleo_cost_net(net, titan(), &o, &error);
  PaleoModelParallelBounds b;
  assert_true(paleo_cost_model_parallel(net, titan(), &o, &b, &error));
  for (int fwd = 0; fwd <= 1; fwd++) {
    double a = layer_ms(c, net, "a", fwd), p = layer_ms(c, net, "p", fwd), bb = layer_ms(c, net, "b", fwd),
           cc = layer_ms(c, net, "c", fwd);
    assert_true(bb + cc > p);
    double lower = fwd ? b.fwd_lower_ms : b.bwd_lower_ms, upper = fwd ? b.fwd_upper_ms : b.bwd_upper_ms;
    assert_float_equal(lower, a + bb + cc, 1e-12);
    assert_float_equal(upper, a + p + bb + cc, 1e-12);
  }
}

static PaleoNet *shipped(const char *name)
{
  g_autoptr(GError) error = NULL;
  PaleoNet *net = paleo_net_load_named(name, 0, &error);
  if (!net)
    fail_msg("%s: %s", name, error->message);
  return net;
}

/* Every shipped net, the original's crashes included: lower <= upper, equal for a chain. */
static void test_bounds_every_shipped_net(void **state)
{
  (void)state;
  g_auto(GStrv) names = paleo_net_shipped_names();
  for (guint i = 0; names[i]; i++) {
    g_autoptr(PaleoNet) net = shipped(names[i]);
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    PaleoModelParallelBounds b;
    g_autoptr(GError) error = NULL;
    assert_true(paleo_cost_model_parallel(net, titan(), &o, &b, &error));
    assert_true(b.fwd_lower_ms > 0 && b.fwd_lower_ms <= b.fwd_upper_ms + 1e-9);
    assert_true(b.bwd_lower_ms > 0 && b.bwd_lower_ms <= b.bwd_upper_ms + 1e-9);
    PaleoHybridPart parts[2];
    const PaleoLink *eth = paleo_catalog_link(catalog, "ethernet", NULL);
    assert_true(paleo_cost_hybrid(net, titan(), &o, eth, parts, &error));
  }
  g_autoptr(PaleoNet) chain = shipped("alex_v2_1gpu");
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  PaleoModelParallelBounds b;
  assert_true(paleo_cost_model_parallel(chain, titan(), &o, &b, NULL));
  assert_float_equal(b.fwd_lower_ms, b.fwd_upper_ms, 1e-9);
  g_autoptr(PaleoNet) split = shipped("alex_v2_8gpu");
  assert_true(paleo_cost_model_parallel(split, titan(), &o, &b, NULL));
  assert_true(b.fwd_lower_ms < b.fwd_upper_ms && b.bwd_lower_ms < b.bwd_upper_ms);
}

/* alex_v2_2gpu over ethernet (10 Gbit/s) at batch 128: K = 2. The data-parallel layers
 * (conv1-5, fc8) hold 6 566 696 parameters = 26 266 784 B; tree sync at K = 2 is
 * 2 x 1 step x 26266784 / 1.25e9 s = 42.0268544 ms. The fetch is pool5's 128x6x6x256 =
 * 1 179 648 elements / 2^30 / 1.25 GB/s = 0.87890625 ms (x (K - 1) = 1). */
static void test_hybrid_alexnet_2gpu(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = shipped("alex_v2_2gpu");
  const PaleoLink *eth = paleo_catalog_link(catalog, "ethernet", NULL);
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  PaleoHybridPart parts[2];
  g_autoptr(GError) error = NULL;
  assert_true(paleo_cost_hybrid(net, titan(), &o, eth, parts, &error));
  assert_int_equal(parts[0].workers, 2);
  assert_int_equal(parts[0].effective_batch, 256);
  assert_float_equal(parts[0].sync_ms, 42.0268544, 1e-9);
  assert_float_equal(parts[1].sync_ms, 0, 0);
  /* the model part: (lower bound of the @ layers - fetch) x 2 + fetch */
  o.cross_device_gbytes_per_s = 1.25;
  g_autoptr(PaleoNetCost) c = paleo_cost_net(net, titan(), &o, &error);
  double fwd6 = 0, fwd7 = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    double t = paleo_time_total_ms(paleo_layer_cost_fwd(&c->layers[i]));
    if (l->split == 0 && g_str_has_prefix(l->name, "parallel_fc67/fc6") + g_str_has_prefix(l->name, "parallel_fc67/dropout6"))
      fwd6 += t;
    if (l->split == 0 && !g_str_has_prefix(l->name, "parallel_fc67/fc6") &&
        !g_str_has_prefix(l->name, "parallel_fc67/dropout6"))
      fwd7 += t;
  }
  /* split 0 and 1 cost alike except the concat fetch: take the larger of the two chains */
  double fetch = 1179648.0 / 1073741824.0 / 1.25 * 1e3;
  assert_float_equal(fetch, 0.87890625, 1e-12);
  assert_true(parts[1].fwd_ms >= (fwd6 + fwd7 - fetch) * 2 + fetch - 1e-9);
  /* without ModelParallel blocks the hybrid is one worker, all data parallel */
  g_autoptr(PaleoNet) vgg = shipped("vgg16");
  assert_true(paleo_cost_hybrid(vgg, titan(), &o, eth, parts, &error));
  assert_int_equal(parts[0].workers, 1);
  assert_float_equal(parts[0].sync_ms, 0, 0);
  assert_float_equal(parts[1].fwd_ms, 0, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bounds_branches),
    cmocka_unit_test(test_bounds_every_shipped_net),
    cmocka_unit_test(test_hybrid_alexnet_2gpu),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

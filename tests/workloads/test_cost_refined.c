/* The refined model's work after a layer's own op (workloads/cost_refined.c): TF-slim's
 * normalizer_fn / activation_fn as the net writes them, else (PALEO's Caffe conversions)
 * one bias-and-activation kernel per weighted layer. Hand-worked memory times; the paleo
 * model ignores both keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net_test_util.h"
#include "workloads/cost.h"

#define DATA "'data': {'parents': [], 'type': 'Input', 'tensor': [2, 8, 8, 4]}"

/* 100 GB/s at mem_eff 0.5 (50 GB/s), no launch cost; compute so fast it never matters. */
static PaleoDevice device(void)
{
  PaleoDevice d = {.name = "toy", .clock_mhz = 1000, .peak_gflops = 1e9, .mem_gbps = 100, .boost_mhz = 1000,
                   .boost_gflops = 1e9, .sm_count = 1, .dies = 1};
  paleo_profile_init(&d.profile);
  d.profile.mem_eff = 0.5, d.profile.launch_us = 0;
  return d;
}

/* Forward memory time of layer `name` in a net of data -> conv (3x3, 4 -> 16 channels,
 * written `extra`) under `model`. */
static double conv_fwd_comm(const char *file, const char *extra, const char *model)
{
  g_autofree char *json = g_strdup_printf(
      "{'layers': {" DATA ", 'c': {'parents': ['data'], 'type': 'Convolution', 'filter': [3, 3, 4, 16], "
      "'strides': [1, 1, 1, 1], 'padding': 'SAME'%s}, "
      "'sum': {'parents': ['c', 'c'], 'type': 'Elementwise', 'activation_fn': 'relu'}}}",
      extra);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = net_test_load(file, json, 0, &error);
  assert_non_null(net);
  PaleoDevice d = device();
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  const PaleoCostModel *m = paleo_cost_model_find(model, &error);
  g_autoptr(PaleoNetCost) c = m->cost_net(net, &d, &o, &error);
  assert_non_null(c);
  return c->layers[net_test_index(net, "c")].fwd.comm_ms;
}

static void test_epilogue(void **state)
{
  (void)state;
  /* output 2 x 8 x 8 x 16 = 2048 floats = 8192 bytes; at 50 GB/s one pass takes 0.00016384 ms */
  const double pass = 8192 / 50e9 * 1e3;
  /* a Caffe conversion (no keys) or an activation without a norm: bias add and activation
   * as one kernel, read + write */
  assert_float_equal(conv_fwd_comm("plain.json", "", "refined"), 2 * pass, 1e-15);
  assert_float_equal(conv_fwd_comm("relu.json", ", 'activation_fn': 'relu'", "refined"), 2 * pass, 1e-15);
  /* batch norm (read twice, write once) and a ReLU (read, write): 5 passes, no bias */
  assert_float_equal(conv_fwd_comm("bn_relu.json", ", 'normalizer_fn': 'batch_norm', 'activation_fn': 'relu'",
                                   "refined"), 5 * pass, 1e-15);
  /* batch norm and no activation (ResNet's last conv of a block, before the sum) */
  assert_float_equal(conv_fwd_comm("bn.json", ", 'normalizer_fn': 'batch_norm', 'activation_fn': null", "refined"),
                     3 * pass, 1e-15);
  /* neither: a bare convolution (DenseNet's convs feed dropout and concatenation) */
  assert_float_equal(conv_fwd_comm("bare.json", ", 'activation_fn': 'none', 'normalizer_fn': null", "refined"), 0,
                     0);
  /* paleo costs none of it */
  double p = conv_fwd_comm("plain_p.json", "", "paleo");
  assert_float_equal(conv_fwd_comm("bn_relu_p.json", ", 'normalizer_fn': 'batch_norm', 'activation_fn': 'relu'",
                                   "paleo"), p, 0);
}

/* An activation on a non-weighted layer (ResNet's ReLU after the residual sum) adds its
 * kernel to the layer's own: the sum reads its two parents and writes (3 passes), then the
 * ReLU (2 passes). */
static void test_activation_after_sum(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = net_test_load(
      "sum.json",
      "{'layers': {" DATA ", 'sum': {'parents': ['data', 'data'], 'type': 'Elementwise', 'activation_fn': 'relu'}}}", 0,
      &error);
  assert_non_null(net);
  PaleoDevice d = device();
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  g_autoptr(PaleoNetCost) c = paleo_cost_model_find("refined", NULL)->cost_net(net, &d, &o, &error);
  assert_non_null(c);
  const double pass = 2 * 8 * 8 * 4 * 4.0 / 50e9 * 1e3;
  const PaleoLayerCost *l = &c->layers[net_test_index(net, "sum")];
  assert_float_equal(l->fwd.comm_ms, 3 * pass + 2 * pass, 1e-15);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_epilogue),
    cmocka_unit_test(test_activation_after_sum),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

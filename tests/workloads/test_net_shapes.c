/* Hand-worked shape inference of the network loader: SAME / VALID / explicit padding for
 * conv and pool (PALEO's differing SAME pad formulas), InnerProduct flattening, Softmax,
 * Concatenate, Deconvolution, Block naming and endpoints (nested too), ModelParallel
 * @i / @self / @all expansion, batch override and topological ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net_test_util.h"
#include "workloads/net.h"

#define DATA(n, h, w, c) "'data': {'parents': [], 'type': 'Input', 'tensor': [" #n ", " #h ", " #w ", " #c "]}"

static PaleoNet *load_ok(const char *file, const char *json, int64_t batch)
{
  g_autoptr(GError) error = NULL;
  PaleoNet *net = net_test_load(file, json, batch, &error);
  if (!net)
    fail_msg("%s", error->message);
  return net;
}

static void assert_shape(PaleoShape s, int64_t n, int64_t h, int64_t w, int64_t c)
{
  assert_int_equal(s.n, n);
  assert_int_equal(s.h, h);
  assert_int_equal(s.w, w);
  assert_int_equal(s.c, c);
}

static const char *kWindows =
  "{'name': 'windows', 'layers': {" DATA(2, 7, 7, 3) ","
  " 'same': {'parents': ['data'], 'type': 'Convolution', 'filter': [3, 3, -1, 4],"
  "          'strides': [1, 2, 2, 1], 'padding': 'SAME'},"
  " 'valid': {'parents': ['data'], 'type': 'Convolution', 'filter': [3, 3, 3, 4],"
  "          'strides': [1, 2, 2, 1], 'padding': 'VALID'},"
  " 'explicit': {'parents': ['data'], 'type': 'Convolution', 'filter': [3, 3, 3, 4],"
  "          'strides': [1, 2, 2, 1], 'padding': [1, 2]},"
  " 'pool_same': {'parents': ['data'], 'type': 'Pooling', 'ksize': [1, 3, 3, 1],"
  "          'strides': [1, 2, 2, 1], 'padding': 'SAME'},"
  " 'pool_valid': {'parents': ['data'], 'type': 'AvgPool', 'ksize': [1, 3, 3, 1],"
  "          'strides': [1, 2, 2, 1], 'padding': 'VALID'},"
  " 'pool_explicit': {'parents': ['data'], 'type': 'Pooling', 'ksize': [1, 3, 3, 1],"
  "          'strides': [1, 2, 2, 1], 'padding': [1, 1]}}}";

/* 7x7 input, 3x3 kernel, stride 2. */
static void test_conv_padding_rules(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("windows.json", kWindows, 0);
  /* SAME: ceil(7/2) = 4; pad = ((4-1)*2 + 3 - 7) // 2 = 1; Cin -1 -> 3;
   * params 3*3*3*4 + 4 = 112 */
  const PaleoLayer *l = net_test_layer(net, "same");
  assert_shape(l->output, 2, 4, 4, 4);
  assert_int_equal(l->pad_h, 1);
  assert_int_equal(l->pad_w, 1);
  assert_int_equal(l->cin, 3);
  assert_int_equal(l->filter_cin, -1);
  assert_int_equal(l->padding, PALEO_PAD_SAME);
  assert_int_equal(l->params, 112);
  /* VALID: ceil((7-3+1)/2) = 3, pad 0 */
  l = net_test_layer(net, "valid");
  assert_shape(l->output, 2, 3, 3, 4);
  assert_int_equal(l->pad_h, 0);
  /* explicit [1, 2]: h (7+2-3)//2+1 = 4, w (7+4-3)//2+1 = 5 */
  l = net_test_layer(net, "explicit");
  assert_shape(l->output, 2, 4, 5, 4);
  assert_int_equal(l->pad_h, 1);
  assert_int_equal(l->pad_w, 2);
  assert_int_equal(l->padding, PALEO_PAD_EXPLICIT);
  assert_int_equal(net->params, 3 * 112);
}

static void test_pool_padding_rules(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("windows.json", kWindows, 0);
  /* SAME: ceil(7/2) = 4 like conv, but pad = ((7-1)*2 + 3 - 7) // 2 = 4 (conv gives 1) */
  const PaleoLayer *l = net_test_layer(net, "pool_same");
  assert_shape(l->output, 2, 4, 4, 3);
  assert_int_equal(l->pad_h, 4);
  assert_int_equal(l->params, 0);
  assert_int_equal(l->type, PALEO_LAYER_POOL);
  l = net_test_layer(net, "pool_valid");
  assert_shape(l->output, 2, 3, 3, 3);
  assert_int_equal(l->type, PALEO_LAYER_AVGPOOL);
  /* explicit [1, 1]: (7+2-3)//2+1 = 4 */
  l = net_test_layer(net, "pool_explicit");
  assert_shape(l->output, 2, 4, 4, 3);
  assert_int_equal(l->pad_w, 1);
}

/* A 1x1 SAME conv with stride 2 on 8x8: pad = ((4-1)*2 + 1 - 8) // 2 = -1 // 2 = -1. */
static void test_same_pad_floor_division(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("floor.json",
    "{'layers': {" DATA(1, 8, 8, 2) ","
    " 'c': {'parents': ['data'], 'type': 'Convolution', 'filter': [1, 1, 2, 2],"
    "       'strides': [1, 2, 2, 1], 'padding': 'SAME'}}}", 0);
  const PaleoLayer *l = net_test_layer(net, "c");
  assert_shape(l->output, 1, 4, 4, 2);
  assert_int_equal(l->pad_h, -1);
}

static void test_inner_product_softmax_concat(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("fc.json",
    "{'layers': {" DATA(2, 6, 6, 3) ","
    " 'a': {'parents': ['data'], 'type': 'Convolution', 'filter': [1, 1, 3, 4],"
    "       'strides': [1, 2, 2, 1], 'padding': 'VALID'},"
    " 'b': {'parents': ['data'], 'type': 'Convolution', 'filter': [3, 3, 3, 5],"
    "       'strides': [1, 2, 2, 1], 'padding': 'SAME'},"
    " 'cat': {'parents': ['a', 'b'], 'type': 'Concatenate', 'dim': 3},"
    " 'sum': {'parents': ['cat', 'cat'], 'type': 'Elementwise'},"
    " 'bn': {'parents': ['sum'], 'type': 'BatchNorm'},"
    " 'fc': {'parents': ['bn'], 'type': 'InnerProduct', 'num_outputs': 10},"
    " 'drop': {'parents': ['fc'], 'type': 'Dropout', 'dropout_keep_prob': 0.5},"
    " 'prob': {'parents': ['drop'], 'type': 'Softmax'}}}", 0);
  /* a: ceil((6-1+1)/2) = 3 -> 2x3x3x4; b: ceil(6/2) = 3 -> 2x3x3x5; cat -> 2x3x3x9 */
  assert_shape(net_test_layer(net, "cat")->output, 2, 3, 3, 9);
  assert_int_equal(net_test_layer(net, "cat")->n_parents, 2);
  const PaleoLayer *bn = net_test_layer(net, "bn");
  assert_int_equal(bn->type, PALEO_LAYER_OTHER);
  assert_shape(bn->output, 2, 3, 3, 9);
  /* fc: K = 3*3*9 = 81, M = 10: [2, 10]; params 81*10 + 10 = 820 */
  const PaleoLayer *fc = net_test_layer(net, "fc");
  char buf[64];
  assert_string_equal(paleo_net_format_shape(fc->output, fc->output_rank, buf, sizeof buf),
                      "2x10");
  assert_int_equal(fc->cin, 81);
  assert_int_equal(fc->cout, 10);
  assert_int_equal(fc->params, 820);
  const PaleoLayer *drop = net_test_layer(net, "drop");
  assert_int_equal(drop->input_rank, 2);
  assert_true(drop->keep_prob == 0.5);
  const PaleoLayer *prob = net_test_layer(net, "prob");
  assert_string_equal(paleo_net_format_shape(prob->output, prob->output_rank, buf, sizeof buf),
                      "2x10");
  /* params: a 1*1*3*4+4 = 16, b 3*3*3*5+5 = 140, fc 820 */
  assert_int_equal(net->params, 16 + 140 + 820);
}

/* Deconvolution: output_shape 8x8x3 convolved by the 3x3 stride-2 SAME filter gives the
 * 4x4x8 input; params 3*3*3*8 + 8 (PALEO's bias = filter's last dim). */
static void test_deconvolution(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("deconv.json",
    "{'layers': {" DATA(2, 4, 4, 8) ","
    " 'up': {'parents': ['data'], 'type': 'Deconvolution', 'filter': [3, 3, 3, 8],"
    "        'strides': [1, 2, 2, 1], 'padding': 'SAME', 'output_shape': [2, 8, 8, 3]}}}", 5);
  const PaleoLayer *l = net_test_layer(net, "up");
  assert_shape(l->output, 5, 8, 8, 3);
  assert_int_equal(l->params, 224);
  assert_int_equal(l->pad_h, 0); /* ((4-1)*2 + 3 - 8) // 2 */
}

/* UpSampling2D multiplies H, W by ksize; Reshape takes output_shape (N follows the batch). */
static void test_upsampling_and_reshape(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("upsample.json",
    "{'layers': {" DATA(2, 4, 4, 8) ","
    " 'up': {'parents': ['data'], 'type': 'UpSampling2D', 'ksize': [1, 2, 3, 1]},"
    " 'flat': {'parents': ['up'], 'type': 'Reshape', 'output_shape': [2, 768]}}}", 3);
  assert_shape(net_test_layer(net, "up")->output, 3, 8, 12, 8);
  const PaleoLayer *flat = net_test_layer(net, "flat");
  assert_int_equal(flat->output_rank, 2);
  assert_shape(flat->output, 3, 1, 1, 768); /* 8*12*8 = 768 */
  assert_int_equal(flat->params, 0);
}

static void test_block_naming_and_endpoints(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("block.json",
    "{'layers': {" DATA(1, 5, 5, 2) ","
    " 'B': {'type': 'Block', 'parents': ['data'], 'endpoint': 'cat', 'layers': {"
    "   'a': {'parents': [], 'type': 'Convolution', 'filter': [1, 1, -1, 3],"
    "         'strides': [1, 1, 1, 1], 'padding': 'SAME'},"
    "   'b/c': {'parents': [], 'type': 'Pooling', 'ksize': [1, 3, 3, 1],"
    "         'strides': [1, 1, 1, 1], 'padding': 'SAME'},"
    "   'cat': {'parents': ['a', 'b/c'], 'type': 'Concatenate', 'dim': 3},"
    "   'N': {'type': 'Block', 'parents': ['cat'], 'endpoint': 'x', 'layers': {"
    "     'x': {'parents': [], 'type': 'Dropout', 'dropout_keep_prob': 0.9}}}}},"
    " 'after': {'parents': ['B'], 'type': 'Dropout', 'dropout_keep_prob': 0.5},"
    " 'after2': {'parents': ['B/N'], 'type': 'Dropout', 'dropout_keep_prob': 0.5}}}", 0);
  static const char *order[] = {"data", "B/a", "B/b/c", "B/cat", "B/N/x", "after", "after2"};
  assert_int_equal(net->layers->len, G_N_ELEMENTS(order));
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    assert_string_equal(paleo_net_layer(net, i)->name, order[i]);
  /* inner layers with empty parents take the block's; inner parents are block-relative */
  assert_int_equal(net_test_layer(net, "B/a")->parents[0], 0);
  assert_int_equal(net_test_layer(net, "B/b/c")->parents[0], 0);
  const PaleoLayer *cat = net_test_layer(net, "B/cat");
  assert_int_equal(cat->parents[0], 1);
  assert_int_equal(cat->parents[1], 2);
  assert_shape(cat->output, 1, 5, 5, 5);
  /* nested block: its empty-parent layer takes the nested block's parents (B/cat) */
  assert_int_equal(net_test_layer(net, "B/N/x")->parents[0], 3);
  /* a block name means its endpoint, for nested blocks too */
  assert_int_equal(net_test_layer(net, "after")->parents[0], 3);
  assert_int_equal(net_test_layer(net, "after2")->parents[0], 4);
  assert_int_equal(net_test_layer(net, "B/a")->split, -1);
  assert_int_equal(net_test_layer(net, "B/a")->splits, 0);
}

static void test_model_parallel_expansion(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("mp.json",
    "{'layers': {" DATA(2, 4, 4, 3) ","
    " 'mp': {'type': 'ModelParallel', 'splits': 3, 'parents': ['data'], 'layers': {"
    "   'c': {'parents': [], 'type': 'Convolution', 'filter': [1, 1, 3, 6],"
    "         'strides': [1, 1, 1, 1], 'padding': 'SAME'},"
    "   'd': {'parents': ['c@self'], 'type': 'Dropout', 'dropout_keep_prob': 0.5},"
    "   'cat': {'parents': ['d@all'], 'type': 'Concatenate', 'dim': 3}}},"
    " 'join': {'parents': ['mp/cat@all'], 'type': 'Elementwise'}}}", 0);
  static const char *order[] = {"data", "mp/c@0", "mp/c@1", "mp/c@2", "mp/d@0", "mp/d@1",
                                "mp/d@2", "mp/cat@0", "mp/cat@1", "mp/cat@2", "join"};
  assert_int_equal(net->layers->len, G_N_ELEMENTS(order));
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    assert_string_equal(paleo_net_layer(net, i)->name, order[i]);
  /* conv Cout 6 / 3 = 2 per replica; params 1*1*3*2 + 2 = 8 each */
  const PaleoLayer *c1 = net_test_layer(net, "mp/c@1");
  assert_int_equal(c1->cout, 2);
  assert_int_equal(c1->params, 8);
  assert_int_equal(c1->split, 1);
  assert_int_equal(c1->splits, 3);
  assert_int_equal(net->params, 24);
  /* @self: same replica */
  const PaleoLayer *d2 = net_test_layer(net, "mp/d@2");
  assert_int_equal(d2->n_parents, 1);
  assert_string_equal(paleo_net_layer(net, d2->parents[0])->name, "mp/c@2");
  /* @all: every replica, in replica order */
  const PaleoLayer *cat0 = net_test_layer(net, "mp/cat@0");
  assert_int_equal(cat0->n_parents, 3);
  for (guint s = 0; s < 3; s++) {
    g_autofree char *want = g_strdup_printf("mp/d@%u", s);
    assert_string_equal(paleo_net_layer(net, cat0->parents[s])->name, want);
  }
  assert_shape(cat0->output, 2, 4, 4, 6);
  const PaleoLayer *join = net_test_layer(net, "join");
  assert_int_equal(join->n_parents, 3);
  assert_int_equal(join->split, -1);
}

static void test_batch_override(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("windows.json", kWindows, 33);
  assert_int_equal(net->batch, 33);
  for (guint i = 0; i < net->layers->len; i++) {
    assert_int_equal(paleo_net_layer(net, i)->input.n, 33);
    assert_int_equal(paleo_net_layer(net, i)->output.n, 33);
  }
  assert_shape(net_test_layer(net, "explicit")->output, 33, 4, 5, 4);
  g_autoptr(GError) error = NULL;
  assert_true(paleo_net_set_batch(net, 1, &error));
  assert_shape(net_test_layer(net, "same")->output, 1, 4, 4, 4);
  g_autoptr(PaleoNet) copy = paleo_net_copy(net);
  assert_true(paleo_net_set_batch(copy, 9, &error));
  assert_int_equal(net_test_layer(net, "same")->output.n, 1);
  assert_int_equal(net_test_layer(copy, "same")->output.n, 9);
  assert_int_equal(copy->params, net->params);
}

/* Parents defined later in the file are placed first; otherwise file order is kept. */
static void test_topological_order_is_stable(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("order.json",
    "{'layers': {"
    " 'z': {'parents': ['y'], 'type': 'Dropout', 'dropout_keep_prob': 0.5},"
    " 'x': {'parents': ['data'], 'type': 'Dropout', 'dropout_keep_prob': 0.5},"
    " 'y': {'parents': ['data'], 'type': 'Dropout', 'dropout_keep_prob': 0.5},"
    " " DATA(1, 2, 2, 1) "}}", 0);
  static const char *order[] = {"data", "x", "y", "z"};
  for (guint i = 0; i < G_N_ELEMENTS(order); i++)
    assert_string_equal(paleo_net_layer(net, i)->name, order[i]);
  assert_string_equal(net->name, "order"); /* no "name": the file stem */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_conv_padding_rules),
    cmocka_unit_test(test_pool_padding_rules),
    cmocka_unit_test(test_same_pad_floor_division),
    cmocka_unit_test(test_inner_product_softmax_concat),
    cmocka_unit_test(test_deconvolution),
    cmocka_unit_test(test_upsampling_and_reshape),
    cmocka_unit_test(test_block_naming_and_endpoints),
    cmocka_unit_test(test_model_parallel_expansion),
    cmocka_unit_test(test_batch_override),
    cmocka_unit_test(test_topological_order_is_stable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The shipped PALEO nets: every one loads, parameter totals match PALEO's, per-layer
 * shapes/params/types match the original's layerwise.csv, orders are topological, and the
 * batch override and shipped-name resolution work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net_test_util.h"
#include "workloads/net.h"

static PaleoNet *load_ok(const char *name, int64_t batch)
{
  g_autoptr(GError) error = NULL;
  PaleoNet *net = paleo_net_load_named(name, batch, &error);
  if (!net)
    fail_msg("%s: %s", name, error->message);
  return net;
}

/* Parents come before children, layers[0] is "data", names are unique. */
static void check_topological(const PaleoNet *net)
{
  assert_string_equal(paleo_net_layer(net, 0)->name, "data");
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < net->layers->len; i++) {
    const PaleoLayer *l = paleo_net_layer(net, i);
    assert_true(g_hash_table_add(seen, l->name));
    for (guint j = 0; j < l->n_parents; j++)
      assert_true(l->parents[j] < i);
    assert_true(l->output.n > 0 && l->output.h > 0 && l->output.w > 0 && l->output.c > 0);
  }
}

static void test_every_shipped_net_loads(void **state)
{
  (void)state;
  g_auto(GStrv) names = paleo_net_shipped_names();
  assert_true(g_strv_length(names) >= 11);
  for (char **n = names; *n; n++) {
    g_autoptr(PaleoNet) net = load_ok(*n, 0);
    check_topological(net);
    assert_true(net->params > 0);
  }
}

static void test_param_totals_match_paleo(void **state)
{
  (void)state;
  static const struct {
    const char *net;
    int64_t params;
  } cases[] = {
    {"alex_v2", 50303912},
    {"vgg16", 138357544},
    {"inception_v3", 23734312},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(PaleoNet) net = load_ok(cases[i].net, 0);
    assert_int_equal(net->params, cases[i].params);
  }
}

/* Every row of layerwise.csv: layer present with PALEO's type, shapes and params. */
static void test_layerwise_csv_shapes_and_params(void **state)
{
  (void)state;
  g_autofree char *path =
    g_build_filename(g_getenv("PALEO_TEST_DATA"), "paleo-predictions", "layerwise.csv", NULL);
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  assert_true(g_str_has_prefix(lines[0], "net,device,batch,layer,layertype,input_shape,"
                                         "output_shape,params,"));
  g_autoptr(GHashTable) nets =
    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)paleo_net_free);
  int rows = 0;
  for (char **line = lines + 1; *line && **line; line++) {
    g_auto(GStrv) f = g_strsplit(*line, ",", 9);
    PaleoNet *net = g_hash_table_lookup(nets, f[0]);
    if (!net) {
      net = load_ok(f[0], 0);
      g_hash_table_insert(nets, g_strdup(f[0]), net);
    }
    assert_int_equal(net->batch, g_ascii_strtoll(f[2], NULL, 10));
    const PaleoLayer *l = net_test_layer(net, f[3]);
    char in[96], out[96];
    assert_string_equal(paleo_net_layer_kind(l->type), f[4]);
    assert_string_equal(paleo_net_format_shape(l->input, l->input_rank, in, sizeof in), f[5]);
    assert_string_equal(paleo_net_format_shape(l->output, l->output_rank, out, sizeof out), f[6]);
    assert_int_equal(l->params, g_ascii_strtoll(f[7], NULL, 10));
    rows++;
  }
  assert_true(rows >= 3 * 15);
  /* and the CSV lists every layer of those nets, in our order */
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, nets);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const PaleoNet *net = value;
    guint i = 0;
    for (char **line = lines + 1; *line && **line; line++) {
      g_auto(GStrv) f = g_strsplit(*line, ",", 5);
      if (strcmp(f[0], key) != 0 || strcmp(f[1], "TITAN_X") != 0)
        continue;
      assert_true(i < net->layers->len);
      assert_string_equal(paleo_net_layer(net, i++)->name, f[3]);
    }
    assert_int_equal(i, net->layers->len);
  }
}

static void test_batch_override_rederives_every_shape(void **state)
{
  (void)state;
  g_auto(GStrv) names = paleo_net_shipped_names();
  for (char **n = names; *n; n++) {
    g_autoptr(PaleoNet) base = load_ok(*n, 0);
    g_autoptr(PaleoNet) net = load_ok(*n, 7);
    assert_int_equal(net->batch, 7);
    assert_int_equal(net->params, base->params);
    assert_int_equal(net->layers->len, base->layers->len);
    for (guint i = 0; i < net->layers->len; i++) {
      const PaleoLayer *a = paleo_net_layer(base, i), *b = paleo_net_layer(net, i);
      assert_int_equal(b->input.n, 7);
      assert_int_equal(b->output.n, 7);
      assert_int_equal(b->output.h, a->output.h);
      assert_int_equal(b->output.w, a->output.w);
      assert_int_equal(b->output.c, a->output.c);
      assert_int_equal(b->params, a->params);
    }
    /* set_batch in place gives the same as loading with the batch */
    g_autoptr(GError) error = NULL;
    assert_true(paleo_net_set_batch(base, 7, &error));
    for (guint i = 0; i < net->layers->len; i++) {
      const PaleoLayer *a = paleo_net_layer(base, i), *b = paleo_net_layer(net, i);
      assert_memory_equal(&a->input, &b->input, sizeof a->input);
      assert_memory_equal(&a->output, &b->output, sizeof a->output);
      assert_int_equal(a->pad_h, b->pad_h);
      assert_int_equal(a->pad_w, b->pad_w);
      assert_int_equal(a->cin, b->cin);
    }
  }
}

/* File key order is kept: the first layers of inception_v3 and a block's inner order. */
static void test_file_order_kept(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_ok("inception_v3", 0);
  static const char *first[] = {"data", "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3",
                                "MaxPool_3a_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
                                "MaxPool_5a_3x3", "Mixed_5b/Branch_0/Conv2d_0a_1x1",
                                "Mixed_5b/Branch_1/Conv2d_0a_1x1"};
  for (gsize i = 0; i < G_N_ELEMENTS(first); i++)
    assert_string_equal(paleo_net_layer(net, (guint)i)->name, first[i]);
  const PaleoLayer *logits = net_test_layer(net, "Logits/Conv2d_1c_1x1");
  assert_string_equal(paleo_net_format_shape(logits->output, 4, (char[96]){0}, 96),
                      "64x1x1x1000");
  /* A net whose keys are sorted by name comes out parents-first, data first. */
  g_autoptr(PaleoNet) resnet = load_ok("resnet50", 0);
  assert_string_equal(paleo_net_layer(resnet, 1)->name, "conv1");
  /* a training batch, and the batch norms and ReLUs the Caffe conversion lost
   * (configs/nets/README.md) */
  assert_int_equal(resnet->batch, 64);
  const PaleoLayer *a = net_test_layer(resnet, "res2a_branch2a"), *c = net_test_layer(resnet, "res2a_branch2c");
  assert_true(a->batch_norm && a->activation == 1 && c->batch_norm && c->activation == 0);
  assert_int_equal(net_test_layer(resnet, "res2a")->activation, 1);
  assert_int_equal(net_test_layer(resnet, "conv1")->activation, 1);
  /* inception_v3 writes both keys on its convolutions, PALEO's AlexNet an activation and
   * no norm */
  const PaleoLayer *ic = net_test_layer(net, "Conv2d_1a_3x3");
  assert_true(ic->batch_norm && ic->activation == 1);
  g_autoptr(PaleoNet) alex = load_ok("alex_v2", 0);
  const PaleoLayer *ac = net_test_layer(alex, "conv1");
  assert_true(!ac->batch_norm && ac->activation == 1);
}

static void test_alex_model_parallel(void **state)
{
  (void)state;
  for (int k = 2; k <= 8; k *= 2) {
    g_autofree char *name = g_strdup_printf("alex_v2_%dgpu", k);
    g_autoptr(PaleoNet) net = load_ok(name, 0);
    g_autofree char *fc6 = g_strdup_printf("parallel_fc67/fc6@%d", k - 1);
    const PaleoLayer *l = net_test_layer(net, fc6);
    assert_int_equal(l->cout, 4096 / k);
    assert_int_equal(l->split, k - 1);
    assert_int_equal(l->splits, k);
    assert_int_equal(l->output.c, 4096 / k);
    const PaleoLayer *concat7 = net_test_layer(net, "concat7");
    assert_int_equal(concat7->n_parents, k);
    assert_int_equal(concat7->output.c, 4096);
    /* K replicas each own Cout/K filters and biases: the same totals as one tower */
    assert_int_equal(net_test_layer(net, "fc8")->params, 4097000);
    assert_int_equal(net_test_layer(net, "parallel_fc67/fc7@0")->params,
                     1 * 1 * 4096 * (4096 / k) + 4096 / k);
  }
}

static void test_unknown_shipped_name_lists_available(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  assert_null(paleo_net_load_named("alexnet_nope", 0, &error));
  assert_true(g_error_matches(error, PALEO_NET_ERROR, PALEO_NET_ERROR_NOT_FOUND));
  assert_non_null(strstr(error->message, "alexnet_nope"));
  assert_non_null(strstr(error->message, "alex_v2, alex_v2_1gpu"));
  assert_non_null(strstr(error->message, "vgg16"));
  g_clear_error(&error);
  assert_null(paleo_net_load_named("./no/such/net.json", 0, &error));
  assert_true(g_error_matches(error, PALEO_NET_ERROR, PALEO_NET_ERROR_NOT_FOUND));
  assert_non_null(strstr(error->message, "./no/such/net.json"));
}

static void test_path_and_name_resolve_alike(void **state)
{
  (void)state;
  g_autofree char *path = g_build_filename(g_getenv("PALEOSIM_CONFIG_DIR"), "nets",
                                           "vgg16.json", NULL);
  g_autoptr(PaleoNet) by_path = load_ok(path, 0);
  g_autoptr(PaleoNet) by_name = load_ok("vgg16", 0);
  assert_int_equal(by_path->params, by_name->params);
  assert_string_equal(by_name->name, "VGG 16 - FROM SLIM");
}

/* Loading is fast: inception_v3 many times; reported, bounded loosely for sanitizers. */
int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_shipped_net_loads),
    cmocka_unit_test(test_param_totals_match_paleo),
    cmocka_unit_test(test_layerwise_csv_shapes_and_params),
    cmocka_unit_test(test_batch_override_rederives_every_shape),
    cmocka_unit_test(test_file_order_kept),
    cmocka_unit_test(test_alex_model_parallel),
    cmocka_unit_test(test_unknown_shipped_name_lists_available),
    cmocka_unit_test(test_path_and_name_resolve_alike),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

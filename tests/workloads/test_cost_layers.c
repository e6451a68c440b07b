/* Hand-worked checks of the `paleo` cost model per layer type on hand-built layers:
 * FLOPs and bytes, padding rules, the backward dummy convolutions, FFT, update, fetch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <math.h>
#include <string.h>

#include "workloads/cost.h"

#define GIB 1073741824.0
/* 1000 MHz (cycle 1e-6 ms), 1 TFLOP/s, 1 GB/s: t_mem(B) = B / 2^30 * 1e3 ms. */
static PaleoDevice dev = {.name = "toy", .clock_mhz = 1000, .peak_gflops = 1000, .mem_gbps = 1};
/* Same with a negligible clock floor, for small FFT numbers. */
static PaleoDevice fast_clock = {.name = "fast", .clock_mhz = 1e9, .peak_gflops = 1000,
                                 .mem_gbps = 1};

static double mem(double bytes) { return bytes / GIB * 1e3; }
static double comp(double flops) { return flops / 1e12 * 1e3; }

/* ---- a hand-built net: layer 0 is `data`, the others chained unless parents are given. */
static PaleoNet *net_new(int64_t batch)
{
  PaleoNet *n = g_new0(PaleoNet, 1);
  n->name = g_strdup("hand");
  n->path = g_strdup("hand.json");
  n->batch = batch;
  n->layers = g_array_new(FALSE, TRUE, sizeof(PaleoLayer));
  return n;
}

static void net_free(PaleoNet *n)
{
  for (guint i = 0; i < n->layers->len; i++) {
    PaleoLayer *l = &g_array_index(n->layers, PaleoLayer, i);
    g_free(l->name);
    g_free(l->type_name);
    g_free(l->parents);
  }
  g_array_unref(n->layers);
  g_free(n->name);
  g_free(n->path);
  g_free(n);
}

/* Appends a layer with parents (indices, -1 terminated; none given = the previous layer). */
static PaleoLayer *add(PaleoNet *n, const char *name, PaleoLayerType type, PaleoShape in,
                       PaleoShape out, ...)
{
  PaleoLayer l = {.name = g_strdup(name), .type_name = g_strdup(name), .type = type,
                  .input = in, .output = out, .split = -1};
  va_list ap;
  va_start(ap, out);
  GArray *parents = g_array_new(FALSE, FALSE, sizeof(guint));
  for (int p = va_arg(ap, int); p >= 0; p = va_arg(ap, int))
    g_array_append_val(parents, p);
  va_end(ap);
  if (parents->len == 0 && n->layers->len > 0) {
    guint prev = n->layers->len - 1;
    g_array_append_val(parents, prev);
  }
  l.n_parents = parents->len;
  l.parents = (guint *)(void *)g_array_free(parents, FALSE);
  g_array_append_val(n->layers, l);
  return &g_array_index(n->layers, PaleoLayer, n->layers->len - 1);
}

static PaleoShape shape(int64_t n, int64_t h, int64_t w, int64_t c)
{
  return (PaleoShape){n, h, w, c};
}

static PaleoLayerCost cost_of(const PaleoNet *n, guint i, const PaleoDevice *d)
{
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  PaleoLayerCost c;
  paleo_cost_layer(n, i, d, &o, &c);
  return c;
}

static void set_conv(PaleoLayer *l, int64_t k, int64_t s, PaleoPadding p)
{
  l->kh = l->kw = k;
  l->sh = l->sw = s;
  l->padding = p;
  l->cin = l->input.c;
  l->cout = l->output.c;
}

/* ---- shapes and padding */
static void test_padding_rules(void **state)
{
  (void)state;
  PaleoConvSpec c;
  paleo_conv_spec_init(&c, shape(1, 7, 7, 1), 3, 3, 1, 2, 2, PALEO_PAD_VALID, 0, 0);
  assert_int_equal(c.output.h, 3); /* ceil((7-3+1)/2) */
  assert_int_equal(c.pad_h, 0);
  paleo_conv_spec_init(&c, shape(1, 7, 7, 1), 3, 3, 1, 2, 2, PALEO_PAD_SAME, 0, 0);
  assert_int_equal(c.output.h, 4); /* ceil(7/2) */
  assert_int_equal(c.pad_h, 1);    /* ((4-1)*2 + 3 - 7) // 2 = 2 // 2 */
  paleo_conv_spec_init(&c, shape(1, 8, 8, 1), 3, 3, 1, 2, 2, PALEO_PAD_SAME, 0, 0);
  assert_int_equal(c.output.h, 4);
  assert_int_equal(c.pad_h, 0);    /* total 1 is odd: floor(1/2) */
  paleo_conv_spec_init(&c, shape(1, 4, 4, 1), 1, 1, 1, 4, 4, PALEO_PAD_SAME, 0, 0);
  assert_int_equal(c.output.h, 1);
  assert_int_equal(c.pad_h, -2);   /* (0 + 1 - 4) // 2 floors like Python */
  paleo_conv_spec_init(&c, shape(1, 7, 9, 1), 5, 3, 1, 2, 2, PALEO_PAD_EXPLICIT, 2, 1);
  assert_int_equal(c.output.h, 4); /* (7 + 4 - 5) // 2 + 1 */
  assert_int_equal(c.output.w, 5); /* (9 + 2 - 3) // 2 + 1 */
  assert_int_equal(c.pad_w, 1);
}

/* ---- convolution forward */
static void test_conv_forward(void **state)
{
  (void)state;
  PaleoNet *n = net_new(2);
  add(n, "data", PALEO_LAYER_INPUT, shape(2, 5, 5, 3), shape(2, 5, 5, 3), -1);
  add(n, "pre", PALEO_LAYER_OTHER, shape(2, 5, 5, 3), shape(2, 5, 5, 3), -1);
  PaleoLayer *conv = add(n, "conv", PALEO_LAYER_CONV, shape(2, 5, 5, 3), shape(2, 5, 5, 4), -1);
  set_conv(conv, 3, 1, PALEO_PAD_SAME);
  PaleoLayerCost c = cost_of(n, 2, &dev);
  /* 2 * 3*3*3 * 5*5*4 * 2 = 10800 flops; bytes: padded input 2*7*7*3*4 = 1176, filter
   * 3*3*3*4*4 = 432, output 2*5*5*4*4 = 800. */
  assert_float_equal(c.fwd_flops, 10800, 0);
  assert_float_equal(c.fwd.comp_ms, comp(10800), 1e-15);
  assert_float_equal(c.fwd.comm_ms, mem(1176) + mem(432) + mem(800), 1e-12);
  assert_true(c.is_conv);
  net_free(n);
}

/* ---- backward construction: stride holes (VALID, stride 2) */
static void test_backward_stride_holes(void **state)
{
  (void)state;
  PaleoConvSpec fwd, data, filter;
  paleo_conv_spec_init(&fwd, shape(1, 7, 7, 1), 3, 3, 1, 2, 2, PALEO_PAD_VALID, 0, 0);
  paleo_conv_spec_grad_data(&fwd, &data);
  /* Hexp = (3-1)*2+1 = 5; pad_before = 2, pad_after = (7+3-1) - 5 - 2 = 2; holes 16/25. */
  assert_int_equal(data.input.h, 5);
  assert_int_equal(data.pad_h, 2);
  assert_float_equal(data.holes, 0.64, 1e-12);
  assert_true(data.holes_in_input);
  assert_int_equal(data.output.h, 7); /* gradient has the input's shape */
  /* 2*3*3*1 * 7*7*1 * 1 = 882 + moving the input: 2 * 25 * (1 - 0.64) = 18. */
  assert_float_equal(paleo_conv_gemm_flops(&data), 900, 1e-9);
  paleo_conv_spec_grad_filter(&fwd, &filter);
  /* input [Cin, H, W, N] = [1,7,7,1], filter [5,5,N,Cout], VALID -> 3x3 (the filter). */
  assert_int_equal(filter.kh, 5);
  assert_int_equal(filter.output.h, 3);
  assert_int_equal(filter.pad_h, 0);
  assert_false(filter.holes_in_input);
  /* 2*5*5*1 * 3*3*1 * 1 * (1 - 0.64) = 162; filter bytes 25*4*0.36 = 36. */
  assert_float_equal(paleo_conv_gemm_flops(&filter), 162, 1e-9);
  PaleoCompComm t = paleo_cost_conv_gemm(&filter, &dev, 1);
  assert_float_equal(t.comm_ms, mem(7 * 7 * 4) + mem(36) + mem(9 * 4), 1e-12);
}

/* ---- backward construction: odd padding (SAME, stride 2, even input) */
static void test_backward_odd_padding(void **state)
{
  (void)state;
  PaleoConvSpec fwd, data, filter;
  paleo_conv_spec_init(&fwd, shape(2, 8, 8, 3), 3, 3, 5, 2, 2, PALEO_PAD_SAME, 0, 0);
  assert_int_equal(fwd.output.h, 4);
  paleo_conv_spec_grad_data(&fwd, &data);
  /* Hexp = 7; pad_before = 2, pad_after = 10 - 7 - 2 = 1: differ by one -> Hexp 8, p 1. */
  assert_int_equal(data.input.h, 8);
  assert_int_equal(data.input.c, 5);
  assert_int_equal(data.cout, 3);
  assert_int_equal(data.pad_h, 1);
  assert_float_equal(data.holes, 1 - 16.0 / 64.0, 1e-12);
  assert_int_equal(data.output.h, 8);
  paleo_conv_spec_grad_filter(&fwd, &filter);
  /* SAME -> explicit [1, 1]: (8 + 2 - 8) + 1 = 3 = kh. */
  assert_int_equal(filter.padding, PALEO_PAD_EXPLICIT);
  assert_int_equal(filter.pad_h, 1);
  assert_int_equal(filter.output.h, 3);
  assert_int_equal(filter.input.c, 2); /* N in the channel slot */
}

/* ---- PALEO's fc6 artefact: a 5x5 conv on a 5x5 input costs a 9x9 padded backward. */
static void test_fc6_artefact(void **state)
{
  (void)state;
  PaleoConvSpec fwd, data;
  paleo_conv_spec_init(&fwd, shape(4, 5, 5, 8), 5, 5, 16, 1, 1, PALEO_PAD_VALID, 0, 0);
  paleo_conv_spec_grad_data(&fwd, &data);
  assert_int_equal(data.input.h, 1);
  assert_int_equal(data.pad_h, 4);
  assert_float_equal(data.holes, 0, 0);
  /* Forward 2*25*8*1*16*4 = 25600 flops; data gradient 2*25*16*5*5*8*4 = 640000 (25x). */
  assert_float_equal(paleo_conv_gemm_flops(&fwd), 25600, 0);
  assert_float_equal(paleo_conv_gemm_flops(&data), 640000, 0);
  PaleoCompComm t = paleo_cost_conv_gemm(&data, &dev, 1);
  assert_float_equal(t.comm_ms, mem(4 * 9 * 9 * 16 * 4) + mem(25 * 16 * 8 * 4) + mem(4 * 25 * 8 * 4),
                     1e-12);
}

static void test_data_gradient_skipped_after_data(void **state)
{
  (void)state;
  PaleoNet *n = net_new(1);
  add(n, "data", PALEO_LAYER_INPUT, shape(1, 6, 6, 2), shape(1, 6, 6, 2), -1);
  PaleoLayer *a = add(n, "conv_a", PALEO_LAYER_CONV, shape(1, 6, 6, 2), shape(1, 6, 6, 2), -1);
  set_conv(a, 3, 1, PALEO_PAD_SAME);
  PaleoLayer *b = add(n, "conv_b", PALEO_LAYER_CONV, shape(1, 6, 6, 2), shape(1, 6, 6, 2), -1);
  set_conv(b, 3, 1, PALEO_PAD_SAME);
  PaleoLayerCost ca = cost_of(n, 1, &dev), cb = cost_of(n, 2, &dev);
  assert_float_equal(paleo_time_total_ms(ca.bwd_data), 0, 0);
  assert_true(paleo_time_total_ms(ca.bwd_filter) > 0);
  assert_true(paleo_time_total_ms(cb.bwd_data) > 0);
  /* Same shapes: the filter gradients cost the same; bwd flops differ by the data part. */
  assert_float_equal(paleo_time_total_ms(ca.bwd_filter), paleo_time_total_ms(cb.bwd_filter), 1e-15);
  net_free(n);
}

/* ---- inner product, pooling, dropout, zero-cost types */
static void test_inner_product(void **state)
{
  (void)state;
  PaleoNet *n = net_new(4);
  add(n, "data", PALEO_LAYER_INPUT, shape(4, 2, 2, 3), shape(4, 2, 2, 3), -1);
  add(n, "fc", PALEO_LAYER_INNER_PRODUCT, shape(4, 2, 2, 3), shape(4, 1, 1, 5), -1);
  PaleoLayerCost c = cost_of(n, 1, &dev);
  /* X [4, 12], W [12, 5], Y [4, 5]: 2*4*12*5 = 480 flops each way. */
  assert_float_equal(c.fwd_flops, 480, 0);
  assert_float_equal(c.bwd_flops, 960, 0);
  double bytes = mem(48 * 4) + mem(60 * 4) + mem(20 * 4);
  assert_float_equal(c.fwd.comm_ms, bytes, 1e-12);
  assert_float_equal(c.fwd.comp_ms, 1e-6, 1e-15); /* 4.8e-7 ms floored to one cycle */
  /* The data gradient is not skipped for inner products fed by data. */
  assert_float_equal(c.bwd_data.comm_ms, bytes, 1e-12);
  assert_float_equal(c.bwd_filter.comm_ms, bytes, 1e-12);
  assert_false(c.is_conv);
  net_free(n);
}

static void test_pool_dropout_and_free_layers(void **state)
{
  (void)state;
  PaleoNet *n = net_new(2);
  add(n, "data", PALEO_LAYER_INPUT, shape(2, 6, 6, 3), shape(2, 6, 6, 3), -1);
  PaleoLayer *p = add(n, "pool", PALEO_LAYER_POOL, shape(2, 6, 6, 3), shape(2, 3, 3, 3), -1);
  p->kh = p->kw = 2;
  p->sh = p->sw = 2;
  add(n, "drop", PALEO_LAYER_DROPOUT, shape(2, 3, 3, 3), shape(2, 3, 3, 3), -1);
  add(n, "softmax", PALEO_LAYER_SOFTMAX, shape(2, 3, 3, 3), shape(2, 1, 1, 27), -1);
  add(n, "concat", PALEO_LAYER_CONCAT, shape(2, 3, 3, 3), shape(2, 3, 3, 6), 2, 2, -1);
  PaleoLayerCost cp = cost_of(n, 1, &dev);
  /* 2 * 2*2*3 * 3*3 * 2 = 432 flops; bytes |X| = 216*4, |Y| = 54*4. */
  assert_float_equal(cp.fwd_flops, 432, 0);
  assert_float_equal(cp.fwd.comm_ms, mem(216 * 4) + mem(54 * 4), 1e-12);
  assert_memory_equal(&cp.bwd_data, &cp.fwd, sizeof(PaleoCompComm)); /* backward = forward */
  assert_float_equal(paleo_time_total_ms(cp.bwd_filter), 0, 0);
  PaleoLayerCost cd = cost_of(n, 2, &dev);
  assert_float_equal(cd.fwd_flops, 54, 0); /* |X| */
  assert_float_equal(cd.fwd.comm_ms, mem(54 * 4) * 2, 1e-12);
  for (guint i = 3; i <= 4; i++) {
    PaleoLayerCost z = cost_of(n, i, &dev);
    assert_float_equal(paleo_time_total_ms(paleo_layer_cost_fwd(&z)) +
                       paleo_time_total_ms(paleo_layer_cost_bwd(&z)), 0, 0);
  }
  net_free(n);
}

static void test_batch_override(void **state)
{
  (void)state;
  PaleoNet *n = net_new(4);
  add(n, "data", PALEO_LAYER_INPUT, shape(4, 2, 2, 3), shape(4, 2, 2, 3), -1);
  add(n, "fc", PALEO_LAYER_INNER_PRODUCT, shape(4, 2, 2, 3), shape(4, 1, 1, 5), -1);
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  o.batch = 8;
  PaleoLayerCost c;
  paleo_cost_layer(n, 1, &dev, &o, &c);
  assert_float_equal(c.fwd_flops, 960, 0); /* 2*8*12*5 */
  net_free(n);
}

/* ---- FFT model on a 4x4 input, 3x3 filter, one channel in and out (hand count):
 * fft_size 16 (tile side 4): r2c flops 2*4*5*4*log2(4)/2 = 160, c2r 320, products 64.
 * Bytes: inputs 64 + 128, filter 64 + 128, read inputs 128, read filters 128, write 128,
 * read complex 128, output 2*2*4 = 16: 912 in all. */
static void test_fft(void **state)
{
  (void)state;
  PaleoConvSpec c;
  paleo_conv_spec_init(&c, shape(1, 4, 4, 1), 3, 3, 1, 1, 1, PALEO_PAD_VALID, 0, 0);
  PaleoCompComm t = paleo_cost_conv_fft(&c, &fast_clock, 1, FALSE);
  assert_float_equal(t.comp_ms, comp(160 + 160 + 64 + 320), 1e-15);
  assert_float_equal(t.comm_ms, mem(912), 1e-12);
  /* Tiled: one 32x32 tile (1024 points, side 32): r2c 2*32*5*32*5/2 = 25600 per transform. */
  PaleoCompComm tt = paleo_cost_conv_fft(&c, &fast_clock, 1, TRUE);
  assert_float_equal(tt.comp_ms, comp(25600 + 25600 + 4 * 1024 + 51200), 1e-12);
}

static void test_update(void **state)
{
  (void)state;
  /* P = 1000: 2000 flops (2e-6 ms), 3 t_mem(4000 bytes); ppp is not applied. */
  PaleoCompComm t = paleo_cost_update(&dev, 4000);
  assert_float_equal(t.comp_ms, 2e-6, 1e-15);
  assert_float_equal(t.comm_ms, 3 * mem(4000), 1e-12);
}

/* ---- ModelParallel fetch: 4 |input| bytes per remote parent at the device's memory
 * bandwidth (PALEO's data-parallel simulation), halved per parent in another group of 4. */
static void test_fetch(void **state)
{
  (void)state;
  PaleoNet *n = net_new(1);
  add(n, "data", PALEO_LAYER_INPUT, shape(1, 1, 1, 256), shape(1, 1, 1, 256), -1);
  PaleoLayer *b0 = add(n, "b@0", PALEO_LAYER_OTHER, shape(1, 1, 1, 256), shape(1, 1, 1, 256), 0, -1);
  b0->split = 0;
  PaleoLayer *b5 = add(n, "b@5", PALEO_LAYER_OTHER, shape(1, 1, 1, 256), shape(1, 1, 1, 256), 0, -1);
  b5->split = 5;
  add(n, "join", PALEO_LAYER_CONCAT, shape(1, 1, 1, 256), shape(1, 1, 1, 512), 1, 2, -1);
  PaleoLayer *c0 = add(n, "c@0", PALEO_LAYER_OTHER, shape(1, 1, 1, 256), shape(1, 1, 1, 256), 1, -1);
  c0->split = 0;
  /* b@0 reads `data` from the unsplit device: PALEO counts that as remote (its '0' != 0). */
  assert_float_equal(cost_of(n, 1, &dev).fetch.comm_ms, mem(1024), 1e-12);
  /* join: from b@0 (same group) at 1 GB/s, then b@5 (other group) at 0.5 GB/s. */
  assert_float_equal(cost_of(n, 3, &dev).fetch.comm_ms, mem(1024) + 2 * mem(1024), 1e-12);
  /* c@0 after b@0: same device, no fetch. Fetch is charged in forward and backward. */
  assert_float_equal(cost_of(n, 4, &dev).fetch.comm_ms, 0, 0);
  PaleoLayerCost c = cost_of(n, 1, &dev);
  assert_float_equal(paleo_layer_cost_bwd(&c).comm_ms, mem(1024), 1e-12);
  net_free(n);
}

/* ---- net totals, pipeline and the registry */
static void test_net_totals_and_registry(void **state)
{
  (void)state;
  PaleoNet *n = net_new(2);
  add(n, "data", PALEO_LAYER_INPUT, shape(2, 8, 8, 3), shape(2, 8, 8, 3), -1);
  PaleoLayer *conv = add(n, "conv", PALEO_LAYER_CONV, shape(2, 8, 8, 3), shape(2, 8, 8, 16), -1);
  set_conv(conv, 3, 1, PALEO_PAD_SAME);
  conv->params = 3 * 3 * 3 * 16 + 16;
  PaleoLayer *fc = add(n, "fc", PALEO_LAYER_INNER_PRODUCT, shape(2, 8, 8, 16), shape(2, 1, 1, 10), -1);
  fc->params = 1024 * 10 + 10;
  /* PALEO's pipeline rule is the paleo model's (refined rejects it: tests/sim/test_cli_refined.c) */
  for (const PaleoCostModel *m = paleo_cost_models; m->name; m++) {
    if (m->cost_net != paleo_cost_net)
      continue;
    PaleoCostOptions o;
    paleo_cost_options_init(&o);
    o.use_pipeline = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoNetCost) c = m->cost_net(n, &dev, &o, &error);
    assert_non_null(c);
    assert_float_equal(c->params_bytes, 4.0 * (448 + 10250), 0);
    double serial = 0, piped = 0;
    for (guint i = 0; i < c->n_layers; i++) {
      PaleoCompComm f = paleo_layer_cost_fwd(&c->layers[i]), b = paleo_layer_cost_bwd(&c->layers[i]);
      serial += paleo_time_total_ms(f) + paleo_time_total_ms(b);
      piped += paleo_time_lowerbound_ms(f) + paleo_time_lowerbound_ms(b);
    }
    assert_float_equal(c->serial.iteration_ms, serial + paleo_time_total_ms(c->update), 1e-12);
    assert_float_equal(c->pipelined.iteration_ms, piped + paleo_time_lowerbound_ms(c->update), 1e-12);
    assert_memory_equal(&c->chosen, &c->pipelined, sizeof c->chosen);
  }
  assert_non_null(paleo_cost_model_find("PALEO", NULL));
  g_autoptr(GError) error = NULL;
  assert_null(paleo_cost_model_find("oracle", &error));
  assert_non_null(strstr(error->message, "paleo"));
  net_free(n);
}

static void test_bad_options(void **state)
{
  (void)state;
  PaleoNet *n = net_new(1);
  add(n, "data", PALEO_LAYER_INPUT, shape(1, 2, 2, 1), shape(1, 2, 2, 1), -1);
  PaleoCostOptions o;
  const double bad[] = {0, -1, NAN, INFINITY};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    for (int which = 0; which < 2; which++) {
      paleo_cost_options_init(&o);
      *(which ? &o.ppp_comm : &o.ppp_comp) = bad[i];
      g_autoptr(GError) error = NULL;
      assert_null(paleo_cost_net(n, &dev, &o, &error));
      assert_non_null(strstr(error->message, which ? "ppp_comm" : "ppp_comp"));
    }
  }
  paleo_cost_options_init(&o);
  PaleoDevice broken = dev;
  broken.mem_gbps = 0;
  g_autoptr(GError) error = NULL;
  assert_null(paleo_cost_net(n, &broken, &o, &error));
  assert_non_null(strstr(error->message, "mem_gbps"));
  net_free(n);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_padding_rules),
    cmocka_unit_test(test_conv_forward),
    cmocka_unit_test(test_backward_stride_holes),
    cmocka_unit_test(test_backward_odd_padding),
    cmocka_unit_test(test_fc6_artefact),
    cmocka_unit_test(test_data_gradient_skipped_after_data),
    cmocka_unit_test(test_inner_product),
    cmocka_unit_test(test_pool_dropout_and_free_layers),
    cmocka_unit_test(test_batch_override),
    cmocka_unit_test(test_fft),
    cmocka_unit_test(test_update),
    cmocka_unit_test(test_fetch),
    cmocka_unit_test(test_net_totals_and_registry),
    cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

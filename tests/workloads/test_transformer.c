/* Transformers: the layer types (shapes, parameters, errors), the generator's presets
 * (parameter counts), Narayanan et al.'s FLOPs, Korthikanti et al.'s activation memory and
 * the memory model, and the planner's communication: tensor and sequence parallelism per
 * layer, ZeRO-1/2/3 per step, pipeline sends, recomputation, all against hand-worked
 * numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "hardware/catalog.h"
#include "net_test_util.h"
#include "workloads/footprint.h"
#include "workloads/net_gen.h"
#include "workloads/planner.h"
#include "workloads/train_costs.h"

static PaleoNet *load_spec(const char *spec, int64_t batch)
{
  g_autoptr(GError) error = NULL;
  PaleoNet *net = paleo_net_load_named(spec, batch, &error);
  if (!net)
    fail_msg("%s: %s", spec, error->message);
  return net;
}

/* ---- layers and presets ---- */

static void test_preset_parameters(void **state)
{
  (void)state;
  static const struct {
    const char *name;
    int64_t params;
  } want[] = {
    {"gpt2", 124439808},          /* HF gpt2 */
    {"gpt2-xl", 1557611200},      /* HF gpt2-xl */
    {"llama2-7b", 6738415616},    /* HF Llama-2-7b */
    {"llama2-70b", 68976648192},  /* HF Llama-2-70b */
    {"llama3-8b", 8030261248},    /* HF Meta-Llama-3-8B */
    {"bert-base", 109514298},     /* 110M: BertModel without pooler + masked-LM head (dense, norm, decoder bias) */
    {"bert-large", 335174458},
    {"gpt3-1.3b", 1317654528},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
    g_autoptr(PaleoNet) net = load_spec(want[i].name, 1);
    if (net->params != want[i].params)
      fail_msg("%s: %" G_GINT64_FORMAT " parameters, expected %" G_GINT64_FORMAT, want[i].name, net->params,
               want[i].params);
  }
  /* GPT-3 175B with V = 51200: 12 l h^2 (1 + 13/(12h)) + (V + s) h = 174.6 B (SC21's 174.6) */
  g_autoptr(PaleoNet) gpt3 = load_spec("gpt3-175b", 1);
  assert_int_equal(gpt3->params, 174615846912);
  assert_true(fabs(gpt3->params / 1e9 - 174.6) < 0.05);
}

static void test_layer_shapes(void **state)
{
  (void)state;
  /* GQA attention (8 query heads, 2 key/value heads of 16): fused QKV (8 + 4) x 16 = 192 */
  g_autoptr(PaleoNet) net = load_spec("transformer:layers=1:hidden=128:heads=8:kv-heads=2:ffn=256:seq=32:vocab=1000:"
                                      "act=swiglu:norm=rmsnorm:tied=false:bias=false:positions=0", 4);
  const PaleoLayer *qkv = net_test_layer(net, "layer0/qkv");
  assert_int_equal(qkv->output.c, 192);
  assert_int_equal(qkv->params, 128 * 192);
  assert_int_equal(qkv->tp, PALEO_TP_COLUMN);
  const PaleoLayer *att = net_test_layer(net, "layer0/attention");
  assert_int_equal(att->head_dim, 16);
  assert_int_equal(att->output.c, 128);
  assert_int_equal(att->output.h, 32);
  assert_int_equal(att->tp, PALEO_TP_SPLIT);
  const PaleoLayer *fc1 = net_test_layer(net, "layer0/fc1"), *act = net_test_layer(net, "layer0/act");
  assert_int_equal(fc1->output.c, 512); /* SwiGLU's gate and up: 2F */
  assert_int_equal(act->output.c, 256);
  assert_int_equal(act->tp, PALEO_TP_SPLIT);
  assert_int_equal(net_test_layer(net, "layer0/fc2")->tp, PALEO_TP_ROW);
  assert_int_equal(net_test_layer(net, "layer0/ln1")->params, 128); /* RMSNorm: scale only */
  assert_int_equal(net_test_layer(net, "embed")->params, 1000 * 128);
  assert_int_equal(net_test_layer(net, "logits")->params, 128 * 1000); /* untied */
  assert_int_equal(net_test_layer(net, "loss")->vocab, 1000);
  char buf[64];
  assert_string_equal(paleo_net_format_shape(att->output, att->output_rank, buf, sizeof buf), "4x32x128");
}

static void test_layer_errors(void **state)
{
  (void)state;
  static const struct {
    const char *json, *words;
  } bad[] = {
    {"{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
     " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 16, 'parents': ['data']},"
     " 'a': {'type': 'Attention', 'heads': 3, 'parents': ['e']}}}", "heads"},
    {"{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
     " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 16, 'parents': ['data']},"
     " 'm': {'type': 'MatMul', 'num_outputs': 16, 'density': 1.5, 'parents': ['e']}}}", "density"},
    {"{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
     " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 16, 'parents': ['data']},"
     " 'm': {'type': 'MatMul', 'num_outputs': 12, 'tied': 'e', 'parents': ['e']}}}", "tied"},
    {"{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
     " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 16, 'parents': ['data']},"
     " 'm': {'type': 'MatMul', 'num_outputs': 8, 'parents': ['e']},"
     " 'r': {'type': 'Residual', 'parents': ['m', 'e']}}}", "shapes differ"},
    {"{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
     " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 15, 'parents': ['data']},"
     " 's': {'type': 'SwiGLU', 'parents': ['e']}}}", "even"},
    {"{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
     " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 16, 'parents': ['data']},"
     " 'm': {'type': 'MatMul', 'num_outputs': 8, 'tensor_parallel': 'diagonal', 'parents': ['e']}}}",
     "column"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoNet) net = net_test_load("bad_tfm.json", bad[i].json, 0, &error);
    assert_null(net);
    if (!strstr(error->message, bad[i].words))
      fail_msg("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", i, error->message, bad[i].words);
  }
}

/* Density scales a MatMul's FLOPs, never its parameters (MoE: every expert is held). */
static void test_density(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = net_test_load(
    "moe.json",
    "{'layers': {'data': {'type': 'Input', 'tensor': [2, 8], 'parents': []},"
    " 'e': {'type': 'Embedding', 'vocab': 10, 'hidden': 16, 'parents': ['data']},"
    " 'experts': {'type': 'MatMul', 'num_outputs': 64, 'density': 0.25, 'bias': false, 'parents': ['e']}}}",
    0, &error);
  assert_non_null(net);
  guint i = (guint)net_test_index(net, "experts");
  assert_int_equal(paleo_net_layer(net, i)->params, 16 * 64);
  assert_float_equal(paleo_layer_model_flops(net, i), 2.0 * 8 * 16 * 64 * 0.25, 0); /* per sample */
}

/* ---- FLOPs (Narayanan et al., SC21, eq. 3) ---- */

static void test_narayanan_flops(void **state)
{
  (void)state;
  g_autoptr(PaleoNet) net = load_spec("gpt3-175b", 1);
  /* B = 1536, s = 2048, l = 96, h = 12288, V = 51200:
   * 72 B s l h^2 (1 + s/(6h) + V/(12 l h)) = 3.3861967463873244e18,
   * 96 B s l h^2 (1 + s/(6h) + V/(16 l h)) = 4.5109707533231063e18 with full recomputation */
  PaleoStepFlops none = paleo_step_flops(net, PALEO_RECOMPUTE_NONE, 1536);
  PaleoStepFlops full = paleo_step_flops(net, PALEO_RECOMPUTE_FULL, 1536);
  assert_float_equal(none.model, 3.3861967463873244e18, 1e-12 * 3.4e18);
  assert_float_equal(none.hardware, none.model, 0);
  assert_float_equal(full.model, none.model, 0);
  assert_float_equal(full.hardware, 4.5109707533231063e18, 1e-12 * 4.6e18);
  /* selective recomputes the attention products: + 4 B s^2 h l = 4 x 1536 x 2048^2 x 12288 x 96 */
  PaleoStepFlops sel = paleo_step_flops(net, PALEO_RECOMPUTE_SELECTIVE, 1536);
  assert_float_equal(sel.hardware - sel.model, 4.0 * 1536 * 2048.0 * 2048 * 12288 * 96, 1e6);
}

/* ---- activations and the memory model (Korthikanti et al. 2022) ---- */

static void test_korthikanti_formulas(void **state)
{
  (void)state;
  /* s = 2048, b = 1, h = 12288, a = 96, t = 8: s b h = 25165824; 5 a s / h = 80 */
  double s = 2048, b = 1, h = 12288, a = 96;
  assert_float_equal(paleo_activation_bytes_gpt(s, b, h, a, 1, FALSE, PALEO_RECOMPUTE_NONE), 2868903936.0, 1e-3); /* x 114 */
  assert_float_equal(paleo_activation_bytes_gpt(s, b, h, a, 8, FALSE, PALEO_RECOMPUTE_NONE), 578813952.0, 1e-3); /* x 23 */
  assert_float_equal(paleo_activation_bytes_gpt(s, b, h, a, 8, TRUE, PALEO_RECOMPUTE_NONE), 358612992.0, 1e-3); /* x 114/8 */
  assert_float_equal(paleo_activation_bytes_gpt(s, b, h, a, 8, FALSE, PALEO_RECOMPUTE_SELECTIVE), 327155712.0, 1e-3);
  assert_float_equal(paleo_activation_bytes_gpt(s, b, h, a, 8, TRUE, PALEO_RECOMPUTE_SELECTIVE), 106954752.0, 1e-3);
  assert_float_equal(paleo_activation_bytes_gpt(s, b, h, a, 8, FALSE, PALEO_RECOMPUTE_FULL), 50331648.0, 1e-3); /* 2 s b h */
}

/* The memory model on a whole GPT: weights, gradients and Adam's state are 16 bytes per
 * parameter with FP16 (2 + 2 + 12), ZeRO divides them; a block's activations are
 * Korthikanti's, the first stage of a 1F1B pipeline holds P micro-batches. */
typedef struct {
  PaleoNet *net;
  PaleoTrainCosts *costs;
  PaleoPlan plan;
  PaleoCostOptions options;
  uint32_t *chunk_of;
} MemSetup;

static void mem_setup(MemSetup *m, const char *spec, uint32_t P, uint32_t M, uint32_t T, gboolean sp,
                      PaleoRecompute recompute, uint32_t zero)
{
  m->net = load_spec(spec, 1);
  g_autoptr(PaleoCatalog) cat = paleo_catalog_load_default(NULL);
  const PaleoDevice *a100 = paleo_catalog_device(cat, "A100", NULL);
  paleo_cost_options_init(&m->options);
  m->options.batch = 1;
  m->options.precision = PALEO_PRECISION_FP16;
  m->options.tensor = T;
  m->options.sequence_parallel = sp;
  m->options.optimizer = PALEO_OPTIMIZER_ADAM;
  g_autoptr(GError) error = NULL;
  m->costs = paleo_train_costs_new_with(m->net, a100, "refined", &m->options, &error);
  assert_non_null(m->costs);
  m->plan = (PaleoPlan){.stages = P, .micro_batches = M, .schedule = PALEO_PIPE_1F1B, .split_blocks = TRUE,
                        .splits = 1, .tensor = T, .sequence_parallel = sp, .zero = zero, .recompute = recompute,
                        .collective = PALEO_COLLECTIVE_RING, .overlap = TRUE, .bucket_bytes = 25 << 20};
  m->chunk_of = g_new(uint32_t, m->net->layers->len);
  assert_true(paleo_plan_stages(m->net, m->costs, &m->plan, m->chunk_of, &error));
}

static void mem_clear(MemSetup *m)
{
  paleo_net_free(m->net);
  paleo_train_costs_free(m->costs);
  g_free(m->chunk_of);
}

static PaleoMemory mem_estimate(const MemSetup *m, uint32_t dp)
{
  PaleoMemoryInput in = {.net = m->net, .costs = m->costs, .plan = &m->plan, .chunk_of = m->chunk_of,
                         .data_parallel = dp, .optimizer = PALEO_OPTIMIZER_ADAM, .weight_bytes = 2,
                         .options = &m->options, .capacity_gib = 80};
  PaleoMemory out;
  paleo_memory_estimate(&in, &out);
  return out;
}

static void test_memory_model(void **state)
{
  (void)state;
  /* GPT-3 175B, TP 8, PP 8 (12 blocks per stage), 64 micro-batches of 1 */
  MemSetup m;
  mem_setup(&m, "gpt3-175b", 8, 64, 8, FALSE, PALEO_RECOMPUTE_NONE, 0);
  PaleoMemory x = mem_estimate(&m, 16);
  assert_int_equal(x.stage, 0);
  /* the first stage: 12 blocks of 12 h^2 / 8 + 13 h (norms replicated, biases split) and the
   * embedding's 51200/8 + 2048 rows */
  double h = 12288, blocks = 12 * (12 * h * h / 8 + 4 * h + 9 * h / 8), embed = (51200.0 / 8 + 2048) * h;
  assert_float_equal(x.params, blocks + embed, 1);
  assert_float_equal(x.weights + x.gradients + x.optimizer, 16 * x.params, 1e-3);
  /* 1F1B: P = 8 micro-batches in flight on stage 0, each 12 blocks of s b h (10 + 24/t + 5 a s/(h t)) */
  assert_int_equal(x.in_flight, 8);
  double block = 578813952.0, embed_out = 2048 * h * 2; /* the embedding's output, replicated */
  assert_float_equal(x.activations, 8 * (12 * block + embed_out), 1e-3 * x.activations);
  /* ZeRO-1, -2, -3 over 16 replicas: optimizer, then gradients, then weights / 16 */
  m.plan.zero = 1;
  PaleoMemory z1 = mem_estimate(&m, 16);
  assert_float_equal(z1.optimizer, 12 * x.params / 16, 1e-3);
  assert_float_equal(z1.gradients, 2 * x.params, 1e-3);
  m.plan.zero = 2;
  PaleoMemory z2 = mem_estimate(&m, 16);
  assert_float_equal(z2.gradients, 2 * x.params / 16, 1e-3);
  assert_float_equal(z2.weights, 2 * x.params, 1e-3);
  m.plan.zero = 3;
  PaleoMemory z3 = mem_estimate(&m, 16);
  assert_float_equal(z3.weights + z3.gradients + z3.optimizer, 16 * x.params / 16, 1e-3);
  /* GPipe holds all 64 micro-batches */
  m.plan.zero = 0;
  m.plan.schedule = PALEO_PIPE_GPIPE;
  assert_int_equal(mem_estimate(&m, 16).in_flight, 64);
  mem_clear(&m);
  /* full recomputation with sequence parallelism: each block keeps its input, 2 s b h / t */
  mem_setup(&m, "gpt3-175b", 8, 64, 8, TRUE, PALEO_RECOMPUTE_FULL, 0);
  PaleoMemory f = mem_estimate(&m, 16);
  assert_float_equal(f.activations, 8 * (12 * 2 * 2048 * h / 8 + embed_out / 8), 1e-3 * f.activations);
  mem_clear(&m);
}

/* ---- the planner's communication ---- */

typedef struct {
  double by_op[3];     /* bytes per collective op, summed over one device's tasks */
  guint count[3];
  double sent;         /* transfer bytes sent by the device */
  guint transfers, recomputed;
} Volume;

static PaleoStepGraph *plan_graph(const char *spec, int64_t batch, const PaleoPlan *plan, gboolean sp,
                                  PaleoTrainCosts **costs_out, PaleoNet **net_out)
{
  PaleoNet *net = load_spec(spec, batch);
  g_autoptr(PaleoCatalog) cat = paleo_catalog_load_default(NULL);
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  o.batch = batch;
  o.precision = PALEO_PRECISION_FP16;
  o.tensor = plan->tensor;
  o.sequence_parallel = sp;
  g_autoptr(GError) error = NULL;
  PaleoTrainCosts *costs = paleo_train_costs_new_with(net, paleo_catalog_device(cat, "A100", NULL), "refined", &o,
                                                      &error);
  assert_non_null(costs);
  PaleoStepGraph *g = paleo_plan_step(net, costs, plan, &error);
  if (!g)
    fail_msg("%s", error->message);
  *costs_out = costs;
  *net_out = net;
  return g;
}

/* What device `dev` does: collective bytes per op (tensor-parallel ones when `tp`, else
 * data-parallel), transfers, recomputed forwards. */
static Volume volume(const PaleoStepGraph *g, uint32_t dev, gboolean tp)
{
  Volume v = {{0}, {0}, 0, 0, 0};
  for (guint i = 0; i < paleo_step_graph_n_tasks(g); i++) {
    const PaleoTask *t = paleo_step_graph_task(g, i);
    if (t->device != dev)
      continue;
    if (t->kind == PALEO_TASK_COLLECTIVE) {
      const PaleoGraphCollective *c = paleo_step_graph_collective(g, t->collective);
      if (c->across_replicas == tp)
        continue;
      v.by_op[c->op] += (double)c->bytes;
      v.count[c->op]++;
    } else if (t->kind == PALEO_TASK_TRANSFER) {
      v.sent += (double)t->bytes;
      v.transfers++;
    }
  }
  return v;
}

/* Tensor parallelism: per layer two all-reduces of b s h forward and two backward (plus the
 * embedding's forward one and the logits' backward one; the cross-entropy's 3 values per
 * token); with sequence parallelism reduce-scatters and all-gathers of the same size. */
static void test_tensor_parallel_volume(void **state)
{
  (void)state;
  const char *spec = "transformer:layers=2:hidden=256:heads=8:seq=128:vocab=1024:dropout=0";
  PaleoPlan plan = {.stages = 1, .micro_batches = 1, .splits = 1, .tensor = 4, .collective = PALEO_COLLECTIVE_RING,
                    .overlap = TRUE, .bucket_bytes = 25 << 20};
  PaleoTrainCosts *costs;
  PaleoNet *net;
  PaleoStepGraph *g = plan_graph(spec, 2, &plan, FALSE, &costs, &net);
  double bsh = 2 * 128 * 256 * 2; /* b s h elements at 2 bytes: 131072 */
  Volume v = volume(g, 0, TRUE);
  /* 2 layers x (2 fwd + 2 bwd) + embedding + logits, and the cross-entropy's 2 x 128 x 3 x 4 bytes */
  assert_int_equal(v.count[PALEO_OP_ALL_REDUCE], 2 * 4 + 2 + 1);
  assert_float_equal(v.by_op[PALEO_OP_ALL_REDUCE], (2 * 4 + 2) * bsh + 2 * 128 * 3 * 4, 0);
  assert_int_equal(v.count[PALEO_OP_REDUCE_SCATTER] + v.count[PALEO_OP_ALL_GATHER], 0);
  for (uint32_t d = 1; d < 4; d++) /* every rank takes part in each */
    assert_int_equal(volume(g, d, TRUE).count[PALEO_OP_ALL_REDUCE], v.count[PALEO_OP_ALL_REDUCE]);
  paleo_step_graph_free(g);
  paleo_train_costs_free(costs);
  paleo_net_free(net);
  plan.sequence_parallel = TRUE;
  g = plan_graph(spec, 2, &plan, TRUE, &costs, &net);
  v = volume(g, 0, TRUE);
  /* per layer fwd: 2 all-gathers, 2 reduce-scatters; bwd the same; embedding fwd RS + bwd AG; logits fwd AG + bwd RS */
  assert_int_equal(v.count[PALEO_OP_REDUCE_SCATTER], 2 * 4 + 2);
  assert_int_equal(v.count[PALEO_OP_ALL_GATHER], 2 * 4 + 2);
  assert_float_equal(v.by_op[PALEO_OP_REDUCE_SCATTER], (2 * 4 + 2) * bsh, 0);
  assert_float_equal(v.by_op[PALEO_OP_ALL_GATHER], (2 * 4 + 2) * bsh, 0);
  assert_int_equal(v.count[PALEO_OP_ALL_REDUCE], 1); /* the cross-entropy's */
  paleo_step_graph_free(g);
  paleo_train_costs_free(costs);
  paleo_net_free(net);
}

/* ZeRO per step, one micro-batch: stage 0 all-reduces the gradient Psi; 1 and 2
 * reduce-scatter Psi and all-gather Psi; 3 all-gathers Psi before the forward and again
 * before the backward, and reduce-scatters Psi. */
static void test_zero_volume(void **state)
{
  (void)state;
  const char *spec = "transformer:layers=4:hidden=128:heads=4:seq=64:vocab=512";
  for (uint32_t zero = 0; zero <= 3; zero++) {
    PaleoPlan plan = {.stages = 1, .micro_batches = 1, .splits = 1, .zero = zero, .replicas = 8,
                      .collective = PALEO_COLLECTIVE_RING, .overlap = TRUE, .bucket_bytes = 1 << 16};
    PaleoTrainCosts *costs;
    PaleoNet *net;
    PaleoStepGraph *g = plan_graph(spec, 4, &plan, FALSE, &costs, &net);
    double psi = (double)net->params * 2; /* FP16 gradient of every parameter (the tied logits own none) */
    assert_float_equal((double)costs->total_grad_bytes, psi, 0);
    Volume v = volume(g, 0, FALSE);
    double ar = v.by_op[PALEO_OP_ALL_REDUCE], rs = v.by_op[PALEO_OP_REDUCE_SCATTER], ag = v.by_op[PALEO_OP_ALL_GATHER];
    if (zero == 0) {
      assert_float_equal(ar, psi, 0);
      assert_float_equal(rs + ag, 0, 0);
    } else if (zero < 3) {
      assert_float_equal(rs, psi, 0);
      assert_float_equal(ag, psi, 0);
      assert_float_equal(ar, 0, 0);
    } else {
      assert_float_equal(rs, psi, 0);
      assert_float_equal(ag, 2 * psi, 0);
      assert_int_equal(v.count[PALEO_OP_REDUCE_SCATTER], 5); /* 4 blocks and the rest */
    }
    paleo_step_graph_free(g);
    paleo_train_costs_free(costs);
    paleo_net_free(net);
  }
}

/* Pipeline sends: per micro-batch and stage boundary, the activation b s h forward and its
 * gradient backward; rank k to rank k moves 1/T of it under tensor parallelism. Full
 * recomputation re-runs every block layer's forward once per micro-batch. */
static void test_pipeline_sends_and_recompute(void **state)
{
  (void)state;
  const char *spec = "transformer:layers=4:hidden=128:heads=4:seq=64:vocab=512";
  PaleoPlan plan = {.stages = 2, .micro_batches = 3, .schedule = PALEO_PIPE_1F1B, .split_blocks = TRUE, .splits = 1,
                    .tensor = 2, .recompute = PALEO_RECOMPUTE_FULL, .collective = PALEO_COLLECTIVE_RING,
                    .overlap = TRUE, .bucket_bytes = 25 << 20};
  PaleoTrainCosts *costs;
  PaleoNet *net;
  PaleoStepGraph *g = plan_graph(spec, 2, &plan, FALSE, &costs, &net);
  Volume v = volume(g, 0, TRUE); /* stage 0, rank 0: sends forward activations */
  Volume w = volume(g, 2, TRUE); /* stage 1, rank 0: sends gradients back */
  double half_bsh = 2 * 64 * 128 * 2 / 2.0;
  assert_int_equal(v.transfers, 3);
  assert_float_equal(v.sent, 3 * half_bsh, 0);
  assert_int_equal(w.transfers, 3);
  assert_float_equal(w.sent, 3 * half_bsh, 0);
  /* recomputed forwards on stage 0 rank 0: 2 blocks x 10 layers x 3 micro-batches */
  guint fwd = 0;
  for (guint i = 0; i < paleo_step_graph_n_tasks(g); i++) {
    const PaleoTask *t = paleo_step_graph_task(g, i);
    fwd += t->device == 0 && t->kind == PALEO_TASK_COMPUTE && t->pass == PALEO_PHASE_FWD;
  }
  guint stage0_layers = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    g_autofree uint32_t *chunk = g_new(uint32_t, net->layers->len);
    paleo_plan_stages(net, costs, &plan, chunk, NULL);
    stage0_layers += chunk[i] == 0;
  }
  assert_int_equal(fwd, 3 * (stage0_layers + 2 * 10));
  /* the tied output layer (stage 1) and the embedding (stage 0) all-reduce their copies'
   * gradients, rank with rank: (512/2 + 64) rows x 128 x 2 bytes */
  guint tied = 0;
  for (guint k = 0; k < g->collectives->len; k++) {
    const PaleoGraphCollective *c = paleo_step_graph_collective(g, k);
    if (c->across_replicas || c->n_local != 2 || c->local[1] != c->local[0] + 2)
      continue;
    tied++;
    assert_int_equal(c->op, PALEO_OP_ALL_REDUCE);
    assert_int_equal(c->bytes, (512 / 2 + 64) * 128 * 2);
  }
  assert_int_equal(tied, 2);
  paleo_step_graph_free(g);
  paleo_train_costs_free(costs);
  paleo_net_free(net);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_preset_parameters),    cmocka_unit_test(test_layer_shapes),
    cmocka_unit_test(test_layer_errors),         cmocka_unit_test(test_density),
    cmocka_unit_test(test_narayanan_flops),      cmocka_unit_test(test_korthikanti_formulas),
    cmocka_unit_test(test_memory_model),         cmocka_unit_test(test_tensor_parallel_volume),
    cmocka_unit_test(test_zero_volume),          cmocka_unit_test(test_pipeline_sends_and_recompute),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

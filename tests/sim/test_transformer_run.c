/* Transformers through `run` and the CLI: [parallelism] bad input (exit 2 naming the key
 * and the numbers), the memory check (exit 2 with the breakdown unless --allow-oom), the
 * output fields (FLOPs, MFU, tokens, memory), TP = PP = 1 with ZeRO 0 as the plain
 * data-parallel path (iteration = compute + the gradient all-reduce's closed form), the
 * symmetric shortcut equal to the full simulation, flow against analytical, and the
 * `net transformer` and `memory` commands. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cli_result.h"
#include "hardware/catalog.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "workloads/collective.h"
#include "workloads/train_costs.h"

/* GPT-2 small on one DGX A100 node. */
static const char *base =
  "[workload]\nnet=gpt2\nbatch=16\nscaling=strong\ncost_model=refined\nprecision=fp16\n"
  "[cluster]\ndevice=A100\nworkers=8\ngpus_per_host=8\nintra_host=nvswitch\nintra_host_link=nvlink3\n"
  "pcie_link=pcie4\nlink=ib-hdr\nnics_per_host=8\n"
  "[training]\nfidelity=analytical\niterations=3\noptimizer=adam\noverlap=false\n";

static gboolean try_run(char **overrides, const PaleoRunOptions *opt, PaleoRunSummary *out, GError **error)
{
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "tfm.ini", overrides, error);
  return s && paleo_run_scenario(s, opt, out, error);
}

static void run_ok(char **overrides, PaleoRunSummary *out)
{
  g_autoptr(GError) error = NULL;
  if (!try_run(overrides, NULL, out, &error))
    fail_msg("%s", error->message);
}

static void expect_error(char **overrides, const char *key, const char *words)
{
  expect_run_error(base, overrides, key, words);
}

static void test_bad_input(void **state)
{
  (void)state;
  expect_error((char *[]){"parallelism.tensor=3", NULL}, "[cluster] workers", "tensor");
  expect_error((char *[]){"parallelism.tensor=8", "workload.net=transformer:layers=2:hidden=96:heads=12", NULL},
               "[parallelism] tensor", "not a multiple of 8");
  expect_error((char *[]){"parallelism.tensor=2", "workload.net=vgg16", NULL}, "[parallelism] tensor",
               "no tensor-parallel layers");
  expect_error((char *[]){"parallelism.micro_batch=3", NULL}, "[parallelism] micro_batch", "do not divide");
  expect_error((char *[]){"parallelism.micro_batch=1", "parallelism.micro_batches=1", NULL},
               "[parallelism] micro_batch", "disagree");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.virtual_stages=2", "parallelism.schedule=gpipe", NULL},
               "[parallelism] virtual_stages", "1f1b");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.virtual_stages=3", "parallelism.micro_batch=4", NULL},
               "[parallelism] virtual_stages", "multiple of pipeline");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.zero=2", NULL}, "[parallelism] zero", "pipeline");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.stage_split=blocks", "parallelism.virtual_stages=5",
                          "parallelism.micro_batch=1", NULL},
               "[parallelism] stage_split", "do not divide");
  expect_error((char *[]){"parallelism.zero=4", NULL}, "[parallelism] zero", "0, 3");
  expect_error((char *[]){"parallelism.recompute=some", NULL}, "[parallelism] recompute", "selective");
  expect_error((char *[]){"training.strategy=async-ps", "training.collective=ps", "parallelism.zero=1", NULL},
               "[parallelism] zero", "strategy sync");
}

/* GPT-3 175B on 8 GPUs: 2.8 TB of weights, gradients and Adam state cannot fit. */
static void test_out_of_memory(void **state)
{
  (void)state;
  char *ov[] = {"workload.net=gpt3-175b", "workload.batch=8", "parallelism.tensor=8", NULL, NULL};
  PaleoRunSummary sum;
  g_autoptr(GError) error = NULL;
  assert_false(try_run(ov, NULL, &sum, &error));
  assert_int_equal(error->code, PALEO_SCENARIO_ERROR_MEMORY);
  assert_non_null(strstr(error->message, "does not fit"));
  assert_non_null(strstr(error->message, "optimizer"));
  assert_non_null(strstr(error->message, "capacity 80.00 GiB"));
  PaleoRunOptions opt = {.allow_oom = TRUE};
  g_autoptr(GError) e2 = NULL;
  ov[3] = "training.iterations=1";
  assert_true(try_run(ov, &opt, &sum, &e2));
  assert_false(sum.memory.fits);
  assert_true(sum.memory.total > sum.memory.capacity);
  /* 16 bytes per parameter over 8 ranks dominate: 174.6e9 x 16 / 8 bytes */
  assert_true(fabs(sum.memory.weights + sum.memory.gradients + sum.memory.optimizer - 174.6e9 * 16 / 8) < 0.02 * 349e9);
  paleo_run_summary_clear(&sum);
  Result r = run_cli("run", "--no-progress", "--set", "workload.net=gpt3-175b", "--set", "parallelism.tensor=8",
                     "--set", "cluster.workers=8", "--set", "workload.batch=8", "--set", "workload.cost_model=refined",
                     "--set", "workload.precision=fp16", "--set", "cluster.device=A100", "--set",
                     "training.fidelity=analytical", "default", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "does not fit"));
  result_clear(&r);
}

/* TP = PP = 1, ZeRO 0: the plain data-parallel path. Without overlap the step is the
 * one-device compute at the micro-batch plus one ring all-reduce of the FP16 gradient over
 * the node's NVSwitch ring. */
static void test_plain_data_parallel(void **state)
{
  (void)state;
  PaleoRunSummary a, b;
  run_ok((char *[]){NULL}, &a);
  run_ok((char *[]){"parallelism.tensor=1", "parallelism.pipeline=1", "parallelism.zero=0",
                    "parallelism.recompute=none", NULL}, &b);
  assert_float_equal(a.iteration_mean_ms, b.iteration_mean_ms, 0);
  assert_string_equal(a.planner, "data-parallel");
  assert_int_equal(a.data_parallel, 8);
  g_autoptr(PaleoCatalog) cat = paleo_catalog_load_default(NULL);
  const PaleoDevice *a100 = paleo_catalog_device(cat, "A100", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = paleo_net_load_named("gpt2", 2, &error);
  PaleoCostOptions o;
  paleo_cost_options_init(&o);
  o.batch = 2;
  o.precision = PALEO_PRECISION_FP16;
  o.optimizer = PALEO_OPTIMIZER_ADAM;
  g_autoptr(PaleoTrainCosts) c = paleo_train_costs_new_with(net, a100, "refined", &o, &error);
  double compute = c->update_ns / 1e6;
  for (guint i = 0; i < c->n_layers; i++)
    compute += (c->fwd_ns[i] + c->bwd_ns[i]) / 1e6;
  /* ring over 8 GPUs on NVLink 3 (2400 Gbit/s) at the collective efficiency 0.8 */
  PaleoLink nvlink = *paleo_catalog_link(cat, "nvlink3", NULL);
  nvlink.latency_us = 0;
  PaleoCollectiveLinks links = {&nvlink, &nvlink, a100->profile.collective_eff, TRUE};
  PaleoCollectiveSpec spec = {.kind = PALEO_COLLECTIVE_RING, .workers = 8, .bytes = c->total_grad_bytes};
  double want = compute + paleo_collective_time_ns(&spec, &links) / 1e6;
  assert_float_equal(a.iteration_mean_ms, want, 1e-5 * want + 2e-6 * c->n_layers);
  paleo_run_summary_clear(&a);
  paleo_run_summary_clear(&b);
}

/* The output fields: FLOPs (3 x the forward products of 16 sequences), MFU and HFU against
 * the A100's 312 TFLOP/s, tokens/s, the memory object. */
static void test_output_fields(void **state)
{
  (void)state;
  PaleoRunSummary s;
  run_ok((char *[]){"parallelism.tensor=2", "parallelism.pipeline=2", "parallelism.micro_batch=1",
                    "parallelism.recompute=full", NULL}, &s);
  /* GPT-2 small: per token 2 x 84,934,656 block + 2 x 38,597,376 logits FLOPs forward, plus
   * attention 4 s h x 12 layers = 4 x 1024 x 768 x 12 */
  double fwd_per_seq = 1024.0 * (2 * 84934656.0 + 2 * 768.0 * 50257) + 4.0 * 1024 * 1024 * 768 * 12;
  assert_float_equal(s.model_flops_per_iteration, 3 * 16 * fwd_per_seq, 1e-6 * s.model_flops_per_iteration);
  assert_true(s.hardware_flops_per_iteration > s.model_flops_per_iteration);
  assert_float_equal(s.peak_tflops, 312, 1e-9);
  double iter_s = s.iteration_mean_ms / 1e3;
  assert_float_equal(s.mfu, s.model_flops_per_iteration / iter_s / 8 / 312e12, 1e-9);
  assert_float_equal(s.tflops_per_device, s.hardware_flops_per_iteration / iter_s / 8 / 1e12, 1e-9);
  assert_float_equal(s.tokens_per_s, 16 * 1024 / iter_s, 1e-6);
  assert_true(s.memory.fits && s.memory.total > 0 && s.memory.capacity == 80.0 * 1024 * 1024 * 1024);
  assert_int_equal(s.tensor, 2);
  assert_int_equal(s.micro_batches, 8); /* 16 sequences over 2 replicas, one per micro-batch */
  paleo_run_summary_clear(&s);
}

/* Analytical runs of a transformer simulate one replica and one device per tensor-parallel
 * group when nothing perturbs them; a trace turns the shortcut off. Same step either way. */
static void test_symmetric_shortcut(void **state)
{
  (void)state;
  g_autofree char *trace = g_build_filename(g_getenv("PALEO_TEST_TMP"), "tfm_sym.db", NULL);
  g_autofree char *set_trace = g_strconcat("output.trace=", trace, NULL);
  char *cfg[] = {"parallelism.tensor=2", "parallelism.pipeline=2", "parallelism.micro_batch=1",
                 "parallelism.sequence_parallel=true", "parallelism.virtual_stages=2", "parallelism.recompute=selective",
                 "output.trace_level=iterations", NULL, NULL};
  PaleoRunSummary fast, full;
  run_ok(cfg, &fast);
  cfg[7] = set_trace;
  run_ok(cfg, &full);
  g_unlink(trace);
  assert_true(fast.events * 3 < full.events); /* 2 replicas x 2 ranks simulated as one */
  assert_float_equal(fast.iteration_mean_ms, full.iteration_mean_ms, 1e-9 * full.iteration_mean_ms);
  assert_float_equal(fast.compute_ms, full.compute_ms, 1e-9 * full.compute_ms);
  assert_float_equal(fast.bubble_fraction, full.bubble_fraction, 1e-9);
  assert_int_equal(fast.stages->len, full.stages->len);
  assert_int_equal(g_array_index(fast.stages, PaleoRunStage, 0).devices,
                   g_array_index(full.stages, PaleoRunStage, 0).devices);
  paleo_run_summary_clear(&fast);
  paleo_run_summary_clear(&full);
}

/* Flow fidelity puts the pipeline sends and the data-parallel all-reduce on the topology;
 * on a node whose NVSwitch is far from saturated it agrees with the closed forms. */
static void test_flow_against_analytical(void **state)
{
  (void)state;
  char *cfg[] = {"parallelism.tensor=2", "parallelism.pipeline=2", "parallelism.micro_batch=2",
                 "parallelism.zero=1", NULL, NULL};
  PaleoRunSummary a, f;
  run_ok(cfg, &a);
  cfg[4] = "training.fidelity=flow";
  run_ok(cfg, &f);
  assert_true(f.flows > 0);
  assert_true(fabs(f.iteration_mean_ms - a.iteration_mean_ms) < 0.05 * a.iteration_mean_ms);
  paleo_run_summary_clear(&a);
  paleo_run_summary_clear(&f);
}

/* Fuzzer finding (fuzz_scenario, issue 10): with a tied embedding across pipeline stages
 * and two replicas, the tied pair's all-reduce (one instance per replica) and a gradient
 * all-reduce across the replicas shared an instance key in flow fidelity: a participant
 * entered a collective twice (assertion abort, or SIGSEGV). */
static void test_tied_pair_and_replicas_in_flow(void **state)
{
  (void)state;
  char *cfg[] = {"workload.net=transformer:layers=8:hidden=64:heads=4:seq=32:vocab=128", "cluster.gpus_per_host=2",
                 "parallelism.pipeline=4", "parallelism.micro_batch=1", "training.fidelity=flow",
                 "training.iterations=1", NULL};
  PaleoRunSummary f;
  run_ok(cfg, &f);
  assert_true(f.flows > 0);
  paleo_run_summary_clear(&f);
}

static void test_net_command(void **state)
{
  (void)state;
  g_autofree char *path = g_build_filename(g_getenv("PALEO_TEST_TMP"), "gen_gpt.json", NULL);
  g_unlink(path);
  Result r = run_cli("net", "transformer", "--layers", "24", "--hidden", "2048", "--heads", "16", "-o", path, NULL);
  assert_int_equal(r.status, 0);
  /* 12 l h^2 + 13 l h + (V + S) h with V = 51200, S = 2048 */
  assert_non_null(strstr(r.out, "1317654528 parameters"));
  result_clear(&r);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoNet) net = paleo_net_load(path, 0, &error);
  assert_non_null(net);
  assert_int_equal(net->params, 1317654528);
  g_unlink(path);
  r = run_cli("net", "transformer", "--layers", "2", "--hidden", "100", "--heads", "16", "-o", path, NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "multiple of heads"));
  assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  result_clear(&r);
  r = run_cli("net", "transformer", "--preset", "llama2-7b", "--act", "relu", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "act"));
  result_clear(&r);
}

static void test_memory_command(void **state)
{
  (void)state;
  Result r = run_cli("memory", "gpt3_175b", "--format", "json", NULL);
  if (r.status)
    fail_msg("exit %d: %s", r.status, r.err);
  g_autoptr(JsonParser) p = json_parser_new();
  assert_true(json_parser_load_from_data(p, r.out, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  assert_true(json_object_get_boolean_member(o, "fits"));
  double sum = 0;
  const char *parts[] = {"weights_gib", "gradients_gib", "optimizer_gib", "activations_gib", "workspace_gib"};
  for (gsize i = 0; i < G_N_ELEMENTS(parts); i++)
    sum += json_object_get_double_member(o, parts[i]);
  assert_float_equal(sum, json_object_get_double_member(o, "total_gib"), 1e-9);
  assert_float_equal(json_object_get_double_member(o, "capacity_gib"), 80, 1e-9);
  result_clear(&r);
  r = run_cli("memory", "gpt3_175b", "--set", "parallelism.tensor=1", "--set", "parallelism.pipeline=1", "--set",
              "parallelism.virtual_stages=1", NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "DOES NOT FIT"));
  result_clear(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_input),           cmocka_unit_test(test_out_of_memory),
    cmocka_unit_test(test_plain_data_parallel), cmocka_unit_test(test_output_fields),
    cmocka_unit_test(test_symmetric_shortcut),  cmocka_unit_test(test_flow_against_analytical),
    cmocka_unit_test(test_net_command),         cmocka_unit_test(test_memory_command),
    cmocka_unit_test(test_tied_pair_and_replicas_in_flow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

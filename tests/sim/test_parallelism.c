/* The [parallelism] section through `run`: bad input (exit 2 naming the key and the
 * numbers), the planner a scenario falls under (data-parallel, model-parallel, hybrid,
 * pipeline), P = M = 1 equal to the plain run, and the JSON members parallelism, stages
 * and bubble_fraction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cli_result.h"
#include "sim/run.h"
#include "sim/scenario.h"

static const char *base =
  "[workload]\nnet=vgg16\nbatch=32\ncost_model=paleo\n"
  "[cluster]\ndevice=V100\nworkers=8\ngpus_per_host=8\ntopology=hierarchical\nlink=eth100\nintra_host_link=nvlink2\n"
  "[training]\ncollective=ring\niterations=2\n";

static gboolean try_run(char **overrides, PaleoRunSummary *out, GError **error)
{
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(base, "par.ini", overrides, error);
  return s && paleo_run_scenario(s, NULL, out, error);
}

static void expect_error(char **overrides, const char *key, const char *words)
{
  expect_run_error(base, overrides, key, words);
}

static void test_bad_input(void **state)
{
  (void)state;
  expect_error((char *[]){"parallelism.pipeline=3", NULL}, "[cluster] workers", "pipeline");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.micro_batches=5", NULL},
               "[parallelism] micro_batches", "batch per replica 32");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.stage_split=layers:3,9", NULL},
               "[parallelism] stage_split", "2 cuts");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.stage_split=middle", NULL},
               "[parallelism] stage_split", "balanced, blocks or layers");
  expect_error((char *[]){"parallelism.pipeline=2", "parallelism.stage_split=layers:500", NULL},
               "[parallelism] stage_split", "cuts must increase");
  expect_error((char *[]){"parallelism.pipeline=2", "training.strategy=async-ps", NULL}, "[parallelism] pipeline",
               "needs strategy sync");
  expect_error((char *[]){"workload.net=alex_v2_4gpu", "cluster.workers=6", "cluster.gpus_per_host=6", NULL},
               "[cluster] workers", "model-parallel splits 4");
}

static void run_ok(char **overrides, PaleoRunSummary *out)
{
  g_autoptr(GError) error = NULL;
  if (!try_run(overrides, out, &error))
    fail_msg("%s", error->message);
}

static void test_planners(void **state)
{
  (void)state;
  struct {
    char *overrides[4];
    const char *planner;
    uint32_t data, pipeline, model;
  } cases[] = {
    {{NULL}, "data-parallel", 8, 1, 1},
    {{"parallelism.pipeline=4", "parallelism.micro_batches=4", NULL}, "pipeline", 2, 4, 1},
    {{"workload.net=alex_v2_2gpu", NULL}, "hybrid", 4, 1, 2},
    {{"workload.net=alex_v2_8gpu", NULL}, "model-parallel", 1, 1, 8},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    PaleoRunSummary s;
    run_ok(cases[i].overrides, &s);
    assert_string_equal(s.planner, cases[i].planner);
    assert_int_equal(s.data_parallel, cases[i].data);
    assert_int_equal(s.pipeline, cases[i].pipeline);
    assert_int_equal(s.model_parallel, cases[i].model);
    assert_int_equal(s.stages->len, cases[i].pipeline);
    assert_int_equal(s.iterations, 2);
    if (cases[i].model > 1) /* activations cross the model-parallel devices as flows */
      assert_true(s.flows > 0);
    paleo_run_summary_clear(&s);
  }
}

/* P = M = 1 written out is the plain run. */
static void test_one_stage_is_the_plain_run(void **state)
{
  (void)state;
  PaleoRunSummary a, b;
  run_ok(NULL, &a);
  run_ok((char *[]){"parallelism.pipeline=1", "parallelism.micro_batches=1", "parallelism.schedule=gpipe", NULL}, &b);
  assert_true(a.iteration_mean_ms == b.iteration_mean_ms);
  assert_true(a.events == b.events && a.flows == b.flows);
  assert_true(a.comm_exposed_ms == b.comm_exposed_ms && a.wait_ms == b.wait_ms);
  paleo_run_summary_clear(&a);
  paleo_run_summary_clear(&b);
}

static void test_json_members(void **state)
{
  (void)state;
  Result r = run_cli("run", "pipeline", "--format", "json", NULL);
  assert_int_equal(r.status, 0);
  const char *members[] = {"\"parallelism\"", "\"planner\" : \"pipeline\"", "\"schedule\" : \"1f1b\"",
                           "\"stages\"", "\"peak_in_flight_microbatches\"", "\"bubble_fraction\""};
  for (guint i = 0; i < G_N_ELEMENTS(members); i++)
    if (!strstr(r.out, members[i]))
      fail_msg("no %s in:\n%s", members[i], r.out);
  result_clear(&r);
  Result keys = run_cli("run", "--keys", NULL);
  assert_non_null(strstr(keys.out, "parallelism pipeline"));
  assert_non_null(strstr(keys.out, "stage_split"));
  result_clear(&keys);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_planners),
    cmocka_unit_test(test_one_stage_is_the_plain_run),
    cmocka_unit_test(test_json_members),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

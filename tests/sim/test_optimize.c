/* paleosim optimize: its best point is the best row of a sweep over the same grid (in
 * analytical fidelity, and in flow fidelity when every point is re-checked), the ranking is
 * sorted, invalid points and failed constraints are pruned with a reason, cost per step and
 * epoch follow from the price, the memory constraint prunes the transformer configurations
 * that do not fit (plain runs refuse them), the search may vary a net generator's
 * parameters, and bad input exits 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cli_result.h"
#include "sweep_support.h"

static const char *const tiny =
  "[scenario]\nname=opt\n"
  "[workload]\nnet=alex_v2\nbatch=32\n"
  "[cluster]\ndevice=V100\nworkers=4\nlink=eth25\nlatency_us=2\n"
  "[training]\ncollective=ring\nfidelity=flow\niterations=3\n";

static const char *const grid[] = {"cluster.workers=2-8", "training.collective=ring,ps,tree", "workload.batch=16,32"};

static JsonObject *optimize(const char *sc, const char *top, const char *recheck)
{
  Result r = run_cli("optimize", sc, "--search", grid[0], "--search", grid[1], "--search", grid[2], "--top", top,
                     "--recheck", recheck, "--format", "json", "--no-progress", NULL);
  if (r.status != 0)
    fail_msg("optimize: exit %d: %s", r.status, r.err);
  JsonObject *o = parse_object(r.out);
  result_clear(&r);
  return o;
}

/* The best throughput row of a sweep over the same grid in `fidelity`: "workers,collective,batch" and its value. */
static char *sweep_best(const char *sc, const char *fidelity, double *best)
{
  g_autofree char *db = tmp_path("opt_sweep.db");
  g_autofree char *set = g_strdup_printf("training.fidelity=%s", fidelity);
  Result r = run_cli("sweep", sc, "--set", set, "--vary", grid[0], "--vary", grid[1], "--vary", grid[2], "-o", db, NULL);
  assert_int_equal(r.status, 0);
  result_clear(&r);
  g_autoptr(GPtrArray) rows = table_rows(db,
                                         "SELECT \"cluster.workers\", \"training.collective\", \"workload.batch\", "
                                         "throughput_samples_per_s FROM results WHERE status = 'ok' "
                                         "ORDER BY throughput_samples_per_s DESC, point LIMIT 1", NULL);
  guint w = 0, b = 0;
  char coll[32] = "";
  assert_int_equal(sscanf(rows->pdata[0], "cluster.workers=%u|training.collective=%31[^|]|workload.batch=%u|"
                                          "throughput_samples_per_s=%lf|", &w, coll, &b, best), 4);
  return g_strdup_printf("%u,%s,%u", w, coll, b);
}

static char *config_text(JsonObject *entry)
{
  JsonObject *c = json_object_get_object_member(entry, "config");
  return g_strdup_printf("%" G_GINT64_FORMAT ",%s,%" G_GINT64_FORMAT, json_object_get_int_member(c, "cluster.workers"),
                         json_object_get_string_member(c, "training.collective"),
                         json_object_get_int_member(c, "workload.batch"));
}

static void test_best_is_the_best_sweep_row(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("opt.ini", tiny);
  double best;
  /* analytical scores only */
  g_autoptr(JsonObject) a = optimize(sc, "3", "none");
  JsonObject *first = json_array_get_object_element(json_object_get_array_member(a, "ranked"), 0);
  g_autofree char *want = sweep_best(sc, "analytical", &best);
  g_autofree char *got = config_text(first);
  assert_string_equal(got, want);
  assert_true(json_object_get_double_member(first, "score") == best);
  assert_true(json_node_is_null(json_object_get_member(first, "flow_score")));
  /* every point re-checked in flow: the best flow row */
  g_autoptr(JsonObject) f = optimize(sc, "18", "flow");
  JsonArray *ranked = json_object_get_array_member(f, "ranked");
  assert_int_equal(json_array_get_length(ranked), 18);
  first = json_array_get_object_element(ranked, 0);
  g_autofree char *want_flow = sweep_best(sc, "flow", &best);
  g_autofree char *got_flow = config_text(first);
  assert_string_equal(got_flow, want_flow);
  assert_true(json_object_get_double_member(first, "flow_score") == best);
  assert_true(json_object_get_double_member(first, "score") == best);
  for (guint i = 1; i < 18; i++) /* best first */
    assert_true(json_object_get_double_member(json_array_get_object_element(ranked, i), "score") <=
                json_object_get_double_member(json_array_get_object_element(ranked, i - 1), "score"));
  assert_string_equal(json_object_get_string_member(f, "objective"), "throughput");
  assert_int_equal(json_object_get_int_member(f, "points"), 18);
  assert_true(json_object_has_member(f, "config"));
}

static void test_pruning_and_cost(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("opt_prune.ini", tiny);
  /* backup_workers = 4 is invalid with 4 workers; the parameter budget prunes alex_v2 */
  Result r = run_cli("optimize", sc, "--set", "training.strategy=backup", "--search", "training.backup_workers=1,4",
                     "--search", "workload.net=alex_v2,resnet50", "--constraint", "params<=30e6", "--objective", "cost",
                     "--price-per-hour", "2", "--dataset-samples", "1000000", "--format", "json", "--no-progress",
                     NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  g_autoptr(JsonObject) o = parse_object(r.out);
  result_clear(&r);
  JsonArray *ranked = json_object_get_array_member(o, "ranked"), *pruned = json_object_get_array_member(o, "pruned");
  assert_int_equal(json_array_get_length(ranked), 1);
  assert_int_equal(json_array_get_length(pruned), 3);
  JsonObject *best = json_array_get_object_element(ranked, 0);
  JsonObject *config = json_object_get_object_member(best, "config");
  assert_int_equal(json_object_get_int_member(config, "training.backup_workers"), 1);
  assert_string_equal(json_object_get_string_member(config, "workload.net"), "resnet50");
  /* cost per epoch = price x devices / 3600 / throughput x samples, from the flow run */
  Result run = run_cli("run", sc, "--set", "training.strategy=backup", "--set", "training.backup_workers=1", "--set",
                       "workload.net=resnet50", "--format", "json", NULL);
  assert_int_equal(run.status, 0);
  g_autoptr(JsonObject) ro = parse_object(run.out);
  result_clear(&run);
  double tput = json_object_get_double_member(ro, "throughput_samples_per_s");
  double ms = json_object_get_double_member(json_object_get_object_member(ro, "iteration_ms"), "mean");
  double epoch = 2.0 * 4 / 3600 / tput * 1e6;
  assert_true(fabs(json_object_get_double_member(best, "cost_per_epoch_usd") / epoch - 1) < 1e-12);
  assert_true(fabs(json_object_get_double_member(best, "cost_per_step_usd") / (2.0 * 4 * ms / 3.6e6) - 1) < 1e-12);
  gboolean saw_budget = FALSE, saw_invalid = FALSE;
  for (guint i = 0; i < 3; i++) {
    const char *reason = json_object_get_string_member(json_array_get_object_element(pruned, i), "reason");
    saw_budget |= strstr(reason, "params<=30e6: params = ") != NULL;
    saw_invalid |= strstr(reason, "backup_workers < workers") != NULL;
  }
  assert_true(saw_budget && saw_invalid);
}

static void test_bad_input(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("opt_bad.ini", tiny);
  const struct {
    const char *option, *value, *needle;
  } cases[] = {
    {"--constraint", "speed<=3", "'speed' is not a number of the run's results"},
    {"--constraint", "params~3", "expected a constraint name (memory) or COLUMN<=X"},
    {"--objective", "speed", "--objective 'speed'"},
    {"--search", "training.fidelity=flow", "optimize chooses the fidelity itself"},
    {"--search", "training.collective=rign", "collective = 'rign'"},
    {"--top", "0", "--top 0"},
    {"--recheck", "maybe", "--recheck 'maybe'"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    Result r = run_cli("optimize", sc, "--search", "cluster.workers=2,4", cases[i].option, cases[i].value, NULL);
    if (r.status != 2 || !strstr(r.err, cases[i].needle))
      fail_msg("%s %s: exit %d, stderr %s (wanted 2 and '%s')", cases[i].option, cases[i].value, r.status, r.err,
               cases[i].needle);
    result_clear(&r);
  }
  /* no price for the device */
  Result r = run_cli("optimize", sc, "--set", "cluster.device=TITAN_X", "--search", "cluster.workers=2,4",
                     "--objective", "cost", "--no-progress", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "no price for device TITAN_X"));
  result_clear(&r);
  r = run_cli("optimize", sc, NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "nothing to search"));
  result_clear(&r);
}

/* GPT-3 1.3B on 8 A100 40 GB, 8 sequences per micro-batch: without recomputation only
 * tensor parallelism 4 fits. */
static const char *const gpt =
  "[workload]\nnet=gpt3-1.3b\nbatch=64\nscaling=strong\ncost_model=refined\nprecision=bf16\n"
  "[cluster]\ndevice=A100_40GB\nworkers=8\ngpus_per_host=8\nintra_host=nvswitch\nintra_host_link=nvlink3\n"
  "pcie_link=pcie4\n"
  "[training]\nfidelity=analytical\niterations=2\noptimizer=adam\n[parallelism]\nmicro_batch=8\n";

static JsonArray *optimize_gpt(const char *sc, const char *constraint, JsonObject **keep)
{
  Result r = constraint ? run_cli("optimize", sc, "--search", "parallelism.tensor=1,2,4", "--search",
                                  "parallelism.recompute=none,full", "--constraint", constraint, "--recheck", "none",
                                  "--format", "json", "--no-progress", NULL)
                        : run_cli("optimize", sc, "--search", "parallelism.tensor=1,2,4", "--search",
                                  "parallelism.recompute=none,full", "--recheck", "none", "--format", "json",
                                  "--no-progress", NULL);
  if (r.status != 0)
    fail_msg("optimize: exit %d: %s", r.status, r.err);
  *keep = parse_object(r.out);
  result_clear(&r);
  return json_object_get_array_member(*keep, "pruned");
}

static void test_memory_constraint(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("opt_gpt.ini", gpt);
  g_autoptr(JsonObject) with = NULL, without = NULL;
  JsonArray *pruned = optimize_gpt(sc, "memory", &with);
  assert_int_equal(json_array_get_length(pruned), 2); /* tensor 1 and 2 without recomputation */
  for (guint i = 0; i < json_array_get_length(pruned); i++) {
    JsonObject *p = json_array_get_object_element(pruned, i);
    assert_string_equal(json_object_get_string_member(p, "reason"), "memory: memory_fits is not true");
    assert_string_equal(json_object_get_string_member(json_object_get_object_member(p, "config"),
                                                      "parallelism.recompute"), "none");
  }
  /* every ranked point fits: `paleosim memory` agrees */
  JsonArray *ranked = json_object_get_array_member(with, "ranked");
  assert_int_equal(json_array_get_length(ranked), 4);
  for (guint i = 0; i < json_array_get_length(ranked); i++) {
    JsonObject *cfg = json_object_get_object_member(json_array_get_object_element(ranked, i), "config");
    g_autofree char *t = g_strdup_printf("parallelism.tensor=%" G_GINT64_FORMAT,
                                         json_object_get_int_member(cfg, "parallelism.tensor"));
    g_autofree char *rc = g_strdup_printf("parallelism.recompute=%s",
                                          json_object_get_string_member(cfg, "parallelism.recompute"));
    Result m = run_cli("memory", sc, "--set", t, "--set", rc, "--format", "json", NULL);
    assert_int_equal(m.status, 0);
    g_autoptr(JsonObject) mo = parse_object(m.out);
    assert_true(json_object_get_boolean_member(mo, "fits"));
    result_clear(&m);
  }
  /* without the constraint the same points fail as a plain run does (it refuses them) */
  pruned = optimize_gpt(sc, NULL, &without);
  assert_int_equal(json_array_get_length(pruned), 2);
  for (guint i = 0; i < json_array_get_length(pruned); i++)
    assert_non_null(strstr(json_object_get_string_member(json_array_get_object_element(pruned, i), "reason"),
                           "does not fit"));
}

/* The search may vary a net generator's parameters: workload.net as generator specs. */
static void test_search_generator(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("opt_gen.ini", gpt);
  Result r = run_cli("optimize", sc, "--set", "parallelism.recompute=full", "--set", "parallelism.tensor=2", "--search",
                     "workload.net=transformer:layers=24:hidden=2048:heads=16,transformer:layers=12:hidden=2048:heads=16,"
                     "transformer:layers=48:hidden=2048:heads=16",
                     "--recheck", "none", "--format", "json", "--no-progress", NULL);
  if (r.status != 0)
    fail_msg("optimize: exit %d: %s", r.status, r.err);
  g_autoptr(JsonObject) o = parse_object(r.out);
  result_clear(&r);
  JsonArray *ranked = json_object_get_array_member(o, "ranked");
  assert_int_equal(json_array_get_length(ranked), 3);
  /* throughput: the shallowest net trains fastest, then 24, then 48 layers */
  const char *want[] = {"layers=12", "layers=24", "layers=48"};
  for (guint i = 0; i < 3; i++) {
    JsonObject *cfg = json_object_get_object_member(json_array_get_object_element(ranked, i), "config");
    assert_non_null(strstr(json_object_get_string_member(cfg, "workload.net"), want[i]));
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_best_is_the_best_sweep_row),
    cmocka_unit_test(test_pruning_and_cost),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_memory_constraint),
    cmocka_unit_test(test_search_generator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* paleosim sensitivity: the ranking and the elasticities agree with the analytical model
 * (compute-bound: peak FLOP/s first with elasticity -1 and the link at zero;
 * communication-bound: the reverse), the JSON form, the Monte Carlo band (deterministic
 * for a seed whatever -j, ordered percentiles around the base), the tornado chart, and bad
 * input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cli_result.h"
#include "sweep_support.h"

/* One worker: no communication. Its device has a memory so fast that compute is
 * everything, so iteration time = FLOPs / peak and the elasticity to peak is -1. */
static const char *const compute_bound =
  "[workload]\nnet=alex_v2\nbatch=64\n"
  "[cluster]\ndevice=COMPUTE_ONLY\nworkers=1\nlink=eth25\n"
  "[training]\ncollective=ring\nfidelity=analytical\niterations=2\n";
static const char *const compute_hw =
  "[device COMPUTE_ONLY]\nclock_mhz=1000\npeak_gflops=10000\nmem_gbps=1e12\n";

/* 16 workers push AlexNet's 61 M parameters through one parameter server on 1 Gbit/s
 * Ethernet, PALEO's serial sum: communication is nearly everything. */
static const char *const comm_bound =
  "[workload]\nnet=alex_v2\nbatch=32\n"
  "[cluster]\ndevice=V100\nworkers=16\nlink=ethernet\n"
  "[training]\ncollective=ps\nfidelity=analytical\noverlap=false\niterations=2\n";

static JsonObject *study(const char *scenario, const char *inputs, const char *extra)
{
  static guint calls;
  g_autofree char *name = g_strdup_printf("sens%u.ini", calls++);
  g_autofree char *sc = tmp_file(name, scenario);
  g_autofree char *hw = tmp_file("sens_hw.ini", compute_hw);
  Result r = run_cli("sensitivity", sc, "--hardware", hw, "--inputs", inputs, "--format", "json", "-j", "2",
                     extra ? extra : "--no-progress", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  JsonObject *o = parse_object(r.out);
  result_clear(&r);
  return o;
}

static JsonObject *input_at(JsonObject *o, guint i)
{
  return json_array_get_object_element(json_object_get_array_member(o, "inputs"), i);
}

static void test_compute_bound(void **state)
{
  (void)state;
  g_autoptr(JsonObject) o = study(compute_bound, "link.gbps,device.mem_gbps,device.peak_gflops,link.latency_us",
                                  NULL);
  assert_string_equal(json_object_get_string_member(o, "metric"), "iteration_ms_mean");
  JsonObject *first = input_at(o, 0);
  assert_string_equal(json_object_get_string_member(first, "input"), "device.peak_gflops");
  /* -1 up to the rounding of every task to whole nanoseconds (some 50 tasks in 35 ms) */
  assert_true(fabs(json_object_get_double_member(first, "elasticity") + 1) < 1e-5);
  /* the low value is 20 % down: the metric rises by 1/0.8 */
  double base = json_object_get_double_member(o, "base");
  assert_true(fabs(json_object_get_double_member(first, "low") - 8000) < 1e-9);
  assert_true(fabs(json_object_get_double_member(first, "metric_low") / base - 1.25) < 1e-6);
  for (guint i = 1; i < 4; i++) {
    JsonObject *in = input_at(o, i);
    const char *name = json_object_get_string_member(in, "input");
    if (!strcmp(name, "link.latency_us")) { /* 0 in the scenario: no relative spread */
      assert_true(json_node_is_null(json_object_get_member(in, "low")));
      assert_true(json_node_is_null(json_object_get_member(in, "elasticity")));
    } else {
      assert_true(fabs(json_object_get_double_member(in, "elasticity")) < 1e-6);
    }
  }
  assert_true(json_object_has_member(o, "config"));
  assert_int_equal(json_object_get_int_member(json_object_get_object_member(o, "config"), "cluster.workers"), 1);
}

static void test_comm_bound(void **state)
{
  (void)state;
  g_autoptr(JsonObject) o = study(comm_bound, "device.peak_gflops,device.mem_gbps,link.gbps,workload.ppp_comp", NULL);
  JsonObject *first = input_at(o, 0);
  assert_string_equal(json_object_get_string_member(first, "input"), "link.gbps");
  double e_link = json_object_get_double_member(first, "elasticity");
  assert_true(e_link < -0.95 && e_link > -1.0);
  for (guint i = 1; i < 4; i++) {
    double e = json_object_get_double_member(input_at(o, i), "elasticity");
    assert_true(fabs(e) < 0.05);
  }
  /* sorted by effect, largest first */
  double last = INFINITY, base = json_object_get_double_member(o, "base");
  for (guint i = 0; i < 4; i++) { /* ppp_comp is 1 already: no high side, the base stands in */
    JsonObject *in = input_at(o, i);
    JsonNode *hi = json_object_get_member(in, "metric_high"), *lo = json_object_get_member(in, "metric_low");
    double effect = fabs((json_node_is_null(hi) ? base : json_node_get_double(hi)) -
                         (json_node_is_null(lo) ? base : json_node_get_double(lo)));
    assert_true(effect <= last);
    last = effect;
  }
}

static void test_monte_carlo(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("sens_mc.ini", compute_bound);
  g_autofree char *hw = tmp_file("sens_hw.ini", compute_hw);
  char *out[2];
  const char *jobs[2] = {"1", "2"};
  for (guint k = 0; k < 2; k++) {
    Result r = run_cli("sensitivity", sc, "--hardware", hw, "--inputs", "device.peak_gflops", "--samples", "400",
                       "--spread", "10%", "--seed", "7", "--format", "json", "-j", jobs[k], NULL);
    assert_int_equal(r.status, 0);
    out[k] = g_strdup(r.out);
    result_clear(&r);
  }
  assert_string_equal(out[0], out[1]); /* the draws do not depend on the workers */
  g_autoptr(JsonObject) o = parse_object(out[0]);
  double base = json_object_get_double_member(o, "base"), p5 = json_object_get_double_member(o, "p5"),
         p50 = json_object_get_double_member(o, "p50"), p95 = json_object_get_double_member(o, "p95");
  assert_int_equal(json_object_get_int_member(o, "samples"), 400);
  assert_true(p5 < p50 && p50 < p95 && p5 < base && base < p95);
  /* metric = base / factor, factor lognormal with sigma ln 1.1: median base, p95 / p50 = 1.1^1.645 */
  assert_true(fabs(p50 / base - 1) < 0.03);
  assert_true(p95 / p50 > 1.10 && p95 / p50 < 1.25);
  g_free(out[0]);
  g_free(out[1]);
}

static void test_table_and_plot(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("sens_plot.ini", comm_bound);
  g_autofree char *png = tmp_path("sens_tornado.png");
  g_autofree char *svg = tmp_path("sens_tornado.svg");
  Result r = run_cli("sensitivity", sc, "--plot", png, "--metric", "throughput", NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "metric: throughput_samples_per_s"));
  assert_non_null(strstr(r.out, "elasticity"));
  /* the first row of the table is the input with the largest effect */
  assert_non_null(strstr(r.out, "----\nlink.gbps"));
  result_clear(&r);
  g_autofree char *data = NULL;
  gsize n = 0;
  assert_true(g_file_get_contents(png, &data, &n, NULL));
  assert_true(n > 1000 && !memcmp(data, "\x89PNG", 4));
  r = run_cli("sensitivity", sc, "--plot", svg, "--format", "csv", NULL);
  assert_int_equal(r.status, 0);
  assert_true(g_str_has_prefix(r.out, "input,low,high,metric_low,metric_high,elasticity\nlink.gbps,"));
  result_clear(&r);
  g_autofree char *text = NULL;
  assert_true(g_file_get_contents(svg, &text, NULL, NULL));
  assert_non_null(strstr(text, "<svg"));
}

static void test_bad_input(void **state)
{
  (void)state;
  g_autofree char *sc = tmp_file("sens_bad.ini", comm_bound);
  const struct {
    const char *option, *value, *needle;
  } cases[] = {
    {"--spread", "0%", "--spread '0%'"},
    {"--spread", "20", "expected a percentage like 20%"},
    {"--inputs", "cluster.topology", "cluster.topology is not a number"},
    {"--inputs", "device.speed", "has no number 'speed'"},
    {"--inputs", "link.gbps,link.gbps", "link.gbps is listed twice"},
    {"--metric", "strategy", "--metric 'strategy': not a number"},
    {"--plot", "x.gif", "expected a file name ending in .png, .svg or .pdf"},
    {"--format", "xml", "--format 'xml'"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    Result r = run_cli("sensitivity", sc, cases[i].option, cases[i].value, NULL);
    if (r.status != 2 || !strstr(r.err, cases[i].needle))
      fail_msg("%s %s: exit %d, stderr %s (wanted 2 and '%s')", cases[i].option, cases[i].value, r.status, r.err,
               cases[i].needle);
    result_clear(&r);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_compute_bound), cmocka_unit_test(test_comm_bound),   cmocka_unit_test(test_monte_carlo),
    cmocka_unit_test(test_table_and_plot), cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

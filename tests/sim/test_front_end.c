/* One front end (issue 14): the value-list syntax (hand-worked expansions), run and compare
 * with --hardware, run --format csv (the metric columns of a sweep), the configuration
 * echoed in every JSON output with numbers as numbers (counts as integers), paths in a
 * scenario relative to the scenario file, `list scenarios`, shipped nets with a training
 * batch and the table saying where the batch came from, catalog figures set by key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cli_result.h"
#include "hardware/catalog.h"
#include "sim/cli_common.h"
#include "workloads/net_gen.h"
#include "sweep_support.h"

static char *joined(const char *spec, GError **error)
{
  g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
  if (!paleo_cli_expand_list(spec, "--vary x.y", v, error))
    return NULL;
  g_ptr_array_add(v, NULL);
  return g_strjoinv(" ", (char **)v->pdata);
}

static void test_value_lists(void **state)
{
  (void)state;
  const struct {
    const char *spec, *want;
  } ok[] = {
    {"8-512", "8 16 32 64 128 256 512"},  /* doubling, B reached */
    {"3-20", "3 6 12"},                   /* doubling stops at the last value <= B */
    {"0:3", "0 1 2 3"},                   /* every integer, 0 allowed */
    {"1,4:5, 16-32 ,ring", "1 4 5 16 32 ring"},
    {"async-ps,fat-tree", "async-ps fat-tree"}, /* names with '-' are names */
    {"-3,0.5,1e-3,10-20x", "-3 0.5 1e-3 10-20x"}, /* not A-B of integers: taken as written */
  };
  for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *got = joined(ok[i].spec, &error);
    if (!got)
      fail_msg("%s: %s", ok[i].spec, error->message);
    assert_string_equal(got, ok[i].want);
  }
  const struct {
    const char *spec, *needle;
  } bad[] = {
    {"8-2", "runs backwards"}, {"5:1", "runs backwards"}, {"0-8", "doubles from 0"},
    {"", "empty list"},        {"1,,2", "empty item"},   {"1:70000", "more than 65536 values"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    assert_null(joined(bad[i].spec, &error));
    if (!strstr(error->message, bad[i].needle) || !g_str_has_prefix(error->message, "--vary x.y: "))
      fail_msg("%s: '%s' (wanted '%s')", bad[i].spec, error->message, bad[i].needle);
  }
  g_autoptr(GArray) w = g_array_new(FALSE, FALSE, sizeof(guint));
  assert_true(paleo_cli_parse_workers("1-8,12", w, NULL));
  assert_int_equal(w->len, 5);
  assert_int_equal(g_array_index(w, guint, 4), 12);
  g_autoptr(GError) error = NULL;
  assert_false(paleo_cli_parse_workers("ring", w, &error));
  assert_non_null(strstr(error->message, "'ring' is not a worker count"));
}

static const char *const toy_hw = "[device TOY]\nclock_mhz=1000\npeak_gflops=2000\nmem_gbps=200\n";
static const char *const toy =
  "[workload]\nnet=alex_v2\nbatch=16\n"
  "[cluster]\ndevice=TOY\nworkers=2\nlink=eth25\n"
  "[training]\nfidelity=analytical\niterations=2\n";

static gboolean is_int(JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member(o, member);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64;
}

static void test_run_hardware_csv_config(void **state)
{
  (void)state;
  g_autofree char *hw = tmp_file("fe_hw.ini", toy_hw);
  g_autofree char *sc = tmp_file("fe_toy.ini", toy);
  Result r = run_cli("run", sc, NULL);
  assert_int_equal(r.status, 2); /* TOY is not in the shipped catalog */
  assert_non_null(strstr(r.err, "unknown device 'TOY'"));
  result_clear(&r);
  r = run_cli("run", sc, "--hardware", hw, "--format", "json", NULL);
  assert_int_equal(r.status, 0);
  g_autoptr(JsonObject) run = parse_object(r.out);
  result_clear(&r);
  JsonObject *config = json_object_get_object_member(run, "config");
  assert_string_equal(json_object_get_string_member(config, "cluster.device"), "TOY");
  assert_true(is_int(config, "cluster.workers") && is_int(config, "workload.batch") && is_int(config, "training.seed"));
  assert_int_equal(json_object_get_int_member(config, "workload.batch"), 16);
  assert_false(is_int(config, "workload.ppp_comp"));
  assert_false(json_object_get_boolean_member(config, "training.overlap") == FALSE);
  assert_true(is_int(run, "worker_count") && is_int(run, "events") && is_int(run, "params"));
  /* --format csv: one header, one row, the JSON's scalars flattened */
  r = run_cli("run", sc, "--hardware", hw, "--format", "csv", NULL);
  assert_int_equal(r.status, 0);
  g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
  assert_int_equal(g_strv_length(lines), 3); /* header, row, "" */
  assert_true(g_str_has_prefix(lines[0], "scenario,worker_count,batch_per_worker,params,iterations,"
                                         "iteration_ms_mean,iteration_ms_p50,iteration_ms_p99,"));
  assert_non_null(strstr(lines[0], ",staleness_mean,staleness_p50,staleness_p99,staleness_max,"));
  g_auto(GStrv) head = g_strsplit(lines[0], ",", -1), row = g_strsplit(lines[1], ",", -1);
  assert_int_equal(g_strv_length(head), g_strv_length(row));
  for (guint i = 0; head[i]; i++)
    if (!strcmp(head[i], "iteration_ms_mean"))
      assert_true(g_ascii_strtod(row[i], NULL) ==
                  json_object_get_double_member(json_object_get_object_member(run, "iteration_ms"), "mean"));
  result_clear(&r);
  /* compare takes --hardware too, and each strategy echoes its config */
  r = run_cli("compare", sc, "--hardware", hw, "--strategies", "sync,ssp:1", "--format", "json", "--no-progress", NULL);
  assert_int_equal(r.status, 0);
  g_autoptr(JsonObject) cmp = parse_object(r.out);
  JsonObject *ssp = json_array_get_object_element(json_object_get_array_member(cmp, "strategies"), 1);
  assert_int_equal(json_object_get_int_member(json_object_get_object_member(ssp, "config"), "training.ssp_bound"), 1);
  assert_true(is_int(json_object_get_object_member(ssp, "staleness"), "max"));
  result_clear(&r);
}

static void test_paths_relative_to_the_scenario(void **state)
{
  (void)state;
  g_autofree char *dir = g_build_filename(g_getenv("PALEO_TEST_TMP"), "fe_dir", "sub", NULL);
  assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
  g_autofree char *net_src = g_build_filename(g_getenv("PALEOSIM_CONFIG_DIR"), "nets", "nin.json", NULL);
  g_autofree char *net_text = NULL;
  assert_true(g_file_get_contents(net_src, &net_text, NULL, NULL));
  g_autofree char *net = g_build_filename(dir, "mynet.json", NULL);
  assert_true(g_file_set_contents(net, net_text, -1, NULL));
  g_autofree char *sc = g_build_filename(g_getenv("PALEO_TEST_TMP"), "fe_dir", "rel.ini", NULL);
  assert_true(g_file_set_contents(sc,
                                  "[workload]\nnet=sub/mynet.json\nbatch=8\n"
                                  "[cluster]\ndevice=V100\nworkers=2\n"
                                  "[training]\nfidelity=analytical\niterations=1\n"
                                  "[output]\ntrace=sub/rel.db\n",
                                  -1, NULL));
  /* run from another folder: the net and the trace are found and written next to the file */
  g_autofree char *trace = g_build_filename(dir, "rel.db", NULL);
  g_unlink(trace);
  Result r = run_cli("run", sc, "--format", "json", NULL);
  if (r.status != 0)
    fail_msg("exit %d: %s", r.status, r.err);
  assert_true(g_file_test(trace, G_FILE_TEST_IS_REGULAR));
  g_autoptr(JsonObject) o = parse_object(r.out);
  result_clear(&r);
  const char *resolved = json_object_get_string_member(json_object_get_object_member(o, "config"), "workload.net");
  assert_true(g_str_has_suffix(resolved, "fe_dir/sub/mynet.json"));
  /* a path given with --set stays relative to the working directory */
  r = run_cli("run", sc, "--set", "workload.net=sub/mynet.json", NULL);
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "sub/mynet.json"));
  result_clear(&r);
}

static void test_lists_nets_and_batches(void **state)
{
  (void)state;
  Result r = run_cli("list", "scenarios", NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "default"));
  assert_non_null(strstr(r.out, "stragglers"));
  assert_non_null(strstr(r.out, "resnet50"));
  result_clear(&r);
  r = run_cli("list", "nets", "--format", "json", NULL);
  assert_int_equal(r.status, 0);
  g_autoptr(JsonObject) nets = parse_object(r.out);
  result_clear(&r);
  JsonArray *rows = json_object_get_array_member(nets, "rows");
  for (guint i = 0; i < json_array_get_length(rows); i++) {
    JsonObject *n = json_array_get_object_element(rows, i);
    assert_true(is_int(n, "batch") && is_int(n, "params") && is_int(n, "layers"));
    /* a training batch, not 1: 64 images, or 8 sequences of a transformer preset (16k tokens) */
    gboolean sequences = g_strv_contains(paleo_transformer_preset_names(), json_object_get_string_member(n, "name"));
    assert_true(json_object_get_int_member(n, "batch") >= (sequences ? 8 : 64));
  }
  r = run_cli("predict", "resnet50", NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "batch: 64   batch_from: net file"));
  result_clear(&r);
  r = run_cli("predict", "resnet50", "--batch", "32", "--format", "json", NULL);
  assert_int_equal(r.status, 0);
  g_autoptr(JsonObject) p = parse_object(r.out);
  result_clear(&r);
  JsonObject *meta = json_object_get_object_member(p, "meta"), *config = json_object_get_object_member(p, "config");
  assert_true(is_int(meta, "batch") && json_object_get_int_member(meta, "batch") == 32);
  assert_string_equal(json_object_get_string_member(meta, "batch_from"), "--batch");
  assert_false(is_int(meta, "ppp_comp")); /* a fraction, as a number */
  assert_true(JSON_NODE_HOLDS_VALUE(json_object_get_member(meta, "ppp_comp")));
  assert_int_equal(json_object_get_int_member(config, "batch"), 32);
  assert_string_equal(json_object_get_string_member(config, "device"), "TITAN_X");
  JsonObject *first = json_array_get_object_element(json_object_get_array_member(p, "rows"), 1);
  assert_true(is_int(first, "params"));
}

static void test_catalog_numbers(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(&error);
  assert_non_null(c);
  g_autoptr(PaleoCatalog) copy = paleo_catalog_copy(c);
  const PaleoDevice *v100 = paleo_catalog_device(c, "V100", NULL);
  double price;
  assert_true(paleo_catalog_number(copy, "device", "v100", "usd_per_hour", &price, NULL));
  assert_true(price > 0);
  /* peak_gflops carries the other compute peaks with it; the original is untouched */
  assert_true(paleo_catalog_set_number(copy, "device", "V100", "peak_gflops", v100->peak_gflops / 2, NULL));
  const PaleoDevice *half = paleo_catalog_device(copy, "V100", NULL);
  assert_true(half->peak_gflops == v100->peak_gflops / 2);
  assert_true(half->boost_gflops == v100->boost_gflops / 2);
  assert_true(half->peak_gflops_fp16 == v100->peak_gflops_fp16 / 2);
  assert_true(half->mem_gbps == v100->mem_gbps);
  assert_true(paleo_catalog_device(c, "V100", NULL)->peak_gflops == v100->peak_gflops);
  assert_false(paleo_catalog_set_number(copy, "link", "eth100", "gbps", 0, &error));
  assert_true(g_error_matches(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID));
  g_clear_error(&error);
  assert_false(paleo_catalog_number(copy, "link", "eth100", "speed", &price, &error));
  assert_true(g_error_matches(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_value_lists),
    cmocka_unit_test(test_run_hardware_csv_config),
    cmocka_unit_test(test_paths_relative_to_the_scenario),
    cmocka_unit_test(test_lists_nets_and_batches),
    cmocka_unit_test(test_catalog_numbers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

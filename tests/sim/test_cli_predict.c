/* CLI tests of `paleosim predict` and `paleosim list`: output shape and values, every
 * format, and bad input (exit 2 with a message naming the problem). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "cli_result.h"


/* The CSV line whose first field is `key`, split. */
static char **csv_line(const char *csv, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    char **f = g_strsplit(lines[i], ",", -1);
    if (f[0] && !strcmp(f[0], key))
      return f;
    g_strfreev(f);
  }
  fail_msg("no line '%s' in:\n%s", key, csv);
  return NULL;
}

static void test_layers_csv(void **state)
{
  (void)state;
  Result r = run_cli("predict", "alex_v2", "--format", "csv", NULL);
  assert_int_equal(r.status, 0);
  assert_true(g_str_has_prefix(r.out, "layer,type,output_shape,params,fwd_gflop,"));
  const char *required[] = {"fwd_ms", "bwd_data_ms", "bwd_filter_ms", "bwd_ms"};
  g_auto(GStrv) lines = g_strsplit(r.out, "\n", 2);
  for (guint i = 0; i < G_N_ELEMENTS(required); i++)
    assert_non_null(strstr(lines[0], required[i]));
  /* fc6 on TITAN_X at batch 128: fwd 1.39735 ms, bwd-data 28.0761 ms (PALEO's artefact). */
  g_auto(GStrv) fc6 = csv_line(r.out, "fc6");
  assert_string_equal(fc6[2], "128x1x1x4096");
  assert_float_equal(g_ascii_strtod(fc6[7], NULL), 1.39735, 1e-4);
  assert_float_equal(g_ascii_strtod(fc6[9], NULL), 28.0761, 1e-3);
  g_auto(GStrv) total = csv_line(r.out, "(total)");
  assert_float_equal(g_ascii_strtod(total[12], NULL), 123.933, 1e-3);
  g_auto(GStrv) update = csv_line(r.out, "(update)");
  assert_float_equal(g_ascii_strtod(update[12], NULL), 1.68707, 1e-4);
  /* Block inner layers are named block/inner, in file order. */
  Result inc = run_cli("predict", "inception_v3", "--format", "csv", NULL);
  assert_int_equal(inc.status, 0);
  assert_non_null(strstr(inc.out, "\nMixed_5b/Branch_1/Conv2d_0b_5x5,"));
  result_clear(&inc);
  result_clear(&r);
}

static void test_batch_device_ppp(void **state)
{
  (void)state;
  /* net_totals.csv: alex_v2, K40, batch 32, ppp 0.62/0.72. */
  Result r = run_cli("predict", "alex_v2", "--device", "k40", "--batch", "32", "--ppp-comp", "0.62",
                 "--ppp-comm", "0.72", "--format", "csv", NULL);
  assert_int_equal(r.status, 0);
  g_auto(GStrv) total = csv_line(r.out, "(total)");
  g_autofree char *ref = NULL;
  g_autofree char *path = g_build_filename(g_getenv("PALEO_TEST_DATA"), "paleo-predictions", "net_totals.csv", NULL);
  assert_true(g_file_get_contents(path, &ref, NULL, NULL));
  const char *row = strstr(ref, "alex_v2,K40,32,0.62,0.72,");
  assert_non_null(row);
  g_auto(GStrv) f = g_strsplit(row, ",", 16);
  double iter = g_ascii_strtod(f[13], NULL);
  assert_true(fabs(g_ascii_strtod(total[12], NULL) - iter) < 0.01 * iter);
  result_clear(&r);
}

static void test_table_and_json(void **state)
{
  (void)state;
  Result t = run_cli("predict", "vgg16", NULL);
  assert_int_equal(t.status, 0);
  assert_non_null(strstr(t.out, "fwd ms"));
  assert_non_null(strstr(t.out, "(total)"));
  assert_non_null(strstr(t.out, "device: TITAN_X"));
  Result j = run_cli("predict", "vgg16", "--format", "json", "--use-pipeline", NULL);
  assert_int_equal(j.status, 0);
  assert_non_null(strstr(j.out, "\"rows\""));
  assert_non_null(strstr(j.out, "\"bwd_filter_ms\""));
  result_clear(&t);
  result_clear(&j);
}

static void test_fft_changes_forward(void **state)
{
  (void)state;
  Result g = run_cli("predict", "alex_v2", "--format", "csv", NULL);
  Result f = run_cli("predict", "alex_v2", "--format", "csv", "--fft", NULL);
  assert_int_equal(f.status, 0);
  /* layerwise.csv: conv1 FFT forward 28.1054 ms; fc7 (1x1) stays GEMM 0.896395 ms. */
  g_auto(GStrv) conv1 = csv_line(f.out, "conv1");
  assert_float_equal(g_ascii_strtod(conv1[7], NULL), 28.1054, 1e-3);
  g_auto(GStrv) fc7 = csv_line(f.out, "fc7");
  assert_float_equal(g_ascii_strtod(fc7[7], NULL), 0.896395, 1e-5);
  result_clear(&g);
  result_clear(&f);
}

static void test_scaling(void **state)
{
  (void)state;
  /* scaling_data_parallel.csv, TITAN_X ethernet batch 128 weak, 4 workers:
   * comm OneToAll 965.835, Tree 643.89; total Butterfly 445.878. */
  Result r = run_cli("predict", "alex_v2", "--link", "ethernet", "--workers", "1,4", "--format",
                 "csv", NULL);
  assert_int_equal(r.status, 0);
  assert_true(g_str_has_prefix(r.out, "workers,batch_per_worker,effective_batch,scheme,"));
  assert_non_null(strstr(r.out, "compute_ms,comm_ms,iteration_ms"));
  assert_non_null(strstr(r.out, "speedup"));
  g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
  assert_int_equal(g_strv_length(lines), 1 + 2 * 4 + 1); /* header, 2 x 4 schemes, "" */
  g_auto(GStrv) onetoall = g_strsplit(lines[5], ",", -1);
  assert_string_equal(onetoall[0], "4");
  assert_string_equal(onetoall[3], "onetoall");
  assert_float_equal(g_ascii_strtod(onetoall[8], NULL), 965.835, 1e-2);
  g_auto(GStrv) butterfly = g_strsplit(lines[7], ",", -1);
  assert_float_equal(g_ascii_strtod(butterfly[9], NULL), 445.878, 1e-2);
  result_clear(&r);
  /* Strong scaling splits the global batch: 128 over 3 workers -> 43 each. */
  Result s = run_cli("predict", "alex_v2", "--workers", "3", "--scaling", "strong", "--scheme",
                 "tree", "--format", "csv", NULL);
  assert_int_equal(s.status, 0);
  g_auto(GStrv) sl = g_strsplit(s.out, "\n", -1);
  assert_true(g_str_has_prefix(sl[1], "3,43,128,tree,"));
  result_clear(&s);
  /* Ranges: 1-8 doubles, 2:4 counts. */
  Result g = run_cli("predict", "alex_v2", "--workers", "1-8,2:4", "--scheme", "ring",
                 "--format", "csv", NULL);
  assert_int_equal(g.status, 0);
  g_auto(GStrv) gl = g_strsplit(g.out, "\n", -1);
  const char *expect[] = {"1,", "2,", "4,", "8,", "2,", "3,", "4,"};
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++)
    assert_true(g_str_has_prefix(gl[i + 1], expect[i]));
  result_clear(&g);
}

static void test_list(void **state)
{
  (void)state;
  const struct { const char *what, *needle; } lists[] = {
    {"devices", "GEFORCE_750_M"}, {"links", "nvlink4"}, {"nets", "inception_v3"},
    {"models", "paleo"}, {"strategies", "backup"}, {"collectives", "butterfly-mixing"},
    {"topologies", "torus3d"}};
  for (guint i = 0; i < G_N_ELEMENTS(lists); i++) {
    Result r = run_cli("list", lists[i].what, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, lists[i].needle));
    result_clear(&r);
  }
  Result all = run_cli("list", "--format", "csv", NULL);
  assert_int_equal(all.status, 0);
  assert_non_null(strstr(all.out, "H100"));
  result_clear(&all);
}

static void test_user_hardware(void **state)
{
  (void)state;
  g_autofree char *path = g_build_filename(g_getenv("PALEO_TEST_TMP"), "cli_hw.ini", NULL);
  assert_true(g_file_set_contents(path, "[device toy]\nclock_mhz=1000\npeak_gflops=1000\n"
                                        "mem_gbps=100\n", -1, NULL));
  Result r = run_cli("predict", "alex_v2", "--device", "TOY", "--hardware", path, NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "device: toy"));
  result_clear(&r);
  assert_true(g_file_set_contents(path, "[device toy]\nclock_mhz=1000\npeak_gflops=1000\n"
                                        "mem_gbps=0\n", -1, NULL));
  Result bad = run_cli("predict", "alex_v2", "--hardware", path, NULL);
  assert_int_equal(bad.status, 2);
  assert_non_null(strstr(bad.err, "cli_hw.ini"));
  assert_non_null(strstr(bad.err, "mem_gbps"));
  result_clear(&bad);
}

/* Each bad invocation: exit 2, a message on stderr containing `needle`, nothing on stdout. */
static void expect_bad(const char *needle, const char *a1, const char *a2, const char *a3,
                       const char *a4)
{
  Result r = run_cli("predict", a1, a2, a3, a4, NULL);
  if (r.status != 2 || !strstr(r.err, needle))
    fail_msg("predict %s %s %s: status %d, stderr '%s' (wanted '%s')", a1, a2 ? a2 : "",
             a3 ? a3 : "", r.status, r.err, needle);
  assert_string_equal(r.out, "");
  result_clear(&r);
}

static void test_bad_input(void **state)
{
  (void)state;
  expect_bad("unknown device 'TITAN_Z'", "alex_v2", "--device", "TITAN_Z", NULL);
  expect_bad("unknown link 'carrier'", "alex_v2", "--link", "carrier", NULL);
  expect_bad("--ppp-comp 0", "alex_v2", "--ppp-comp", "0", NULL);
  expect_bad("--ppp-comm -0.5", "alex_v2", "--ppp-comm", "-0.5", NULL);
  expect_bad("--batch 0", "alex_v2", "--batch", "0", NULL);
  expect_bad("--workers", "alex_v2", "--workers", "0", NULL);
  expect_bad("runs backwards", "alex_v2", "--workers", "8-2", NULL);
  expect_bad("'x'", "alex_v2", "--workers", "1,x", NULL);
  expect_bad("unknown format 'xml'", "alex_v2", "--format", "xml", NULL);
  expect_bad("unknown scheme 'gossip'", "alex_v2", "--scheme", "gossip", NULL);
  expect_bad("unknown scaling 'medium'", "alex_v2", "--scaling", "medium", NULL);
  expect_bad("unknown net 'nosuch'", "nosuch", NULL, NULL, NULL);
  expect_bad("missing NET", NULL, NULL, NULL, NULL);
  expect_bad("--bogus", "alex_v2", "--bogus", NULL, NULL);
  Result l = run_cli("list", "bogus", NULL);
  assert_int_equal(l.status, 2);
  assert_non_null(strstr(l.err, "unknown list 'bogus'"));
  result_clear(&l);
}

/* --bounds: pass,lower_ms,upper_ms; a chain has lower = upper; the split net the original
 * crashes on (8-way) and the nested Inception branches work; --link changes the fetch. */
static void test_bounds(void **state)
{
  (void)state;
  Result chain = run_cli("predict", "alex_v2_1gpu", "--bounds", "--format", "csv", NULL);
  assert_int_equal(chain.status, 0);
  assert_true(g_str_has_prefix(chain.out, "pass,lower_ms,upper_ms\n"));
  g_auto(GStrv) fwd = csv_line(chain.out, "forward");
  assert_float_equal(g_ascii_strtod(fwd[1], NULL), g_ascii_strtod(fwd[2], NULL), 1e-9);
  const char *nets[] = {"alex_v2_8gpu", "inception_v3"};
  for (guint i = 0; i < G_N_ELEMENTS(nets); i++) {
    Result r = run_cli("predict", nets[i], "--bounds", "--format", "csv", NULL);
    assert_int_equal(r.status, 0);
    g_auto(GStrv) bwd = csv_line(r.out, "backward");
    assert_true(g_ascii_strtod(bwd[1], NULL) < g_ascii_strtod(bwd[2], NULL));
    result_clear(&r);
  }
  Result mem = run_cli("predict", "alex_v2_2gpu", "--bounds", "--format", "csv", NULL);
  Result eth = run_cli("predict", "alex_v2_2gpu", "--bounds", "--link", "ethernet", "--format", "csv", NULL);
  g_auto(GStrv) a = csv_line(mem.out, "forward"), b = csv_line(eth.out, "forward");
  assert_true(g_ascii_strtod(b[2], NULL) > g_ascii_strtod(a[2], NULL)); /* 1.25 GB/s fetches are slower */
  result_clear(&mem);
  result_clear(&eth);
  result_clear(&chain);
}

/* --hybrid: the three rows; alex_v2_2gpu over ethernet: tree sync of the data-parallel
 * weights (26 266 784 B) at K = 2 = 42.0268544 ms; total = the sum of the parts. */
static void test_hybrid(void **state)
{
  (void)state;
  Result r = run_cli("predict", "alex_v2_2gpu", "--hybrid", "--device", "TITAN_X", "--link", "ethernet", "--format",
                     "csv", NULL);
  assert_int_equal(r.status, 0);
  assert_true(g_str_has_prefix(r.out, "part,workers,effective_batch,fwd_ms,bwd_ms,update_ms,sync_ms\n"));
  g_auto(GStrv) dp = csv_line(r.out, "data_parallel"), mp = csv_line(r.out, "model_parallel"),
                total = csv_line(r.out, "total");
  assert_string_equal(dp[1], "2");
  assert_string_equal(dp[2], "256");
  assert_float_equal(g_ascii_strtod(dp[6], NULL), 42.0268544, 1e-6);
  assert_float_equal(g_ascii_strtod(mp[6], NULL), 0, 0);
  for (guint c = 3; c <= 6; c++)
    assert_float_equal(g_ascii_strtod(total[c], NULL), g_ascii_strtod(dp[c], NULL) + g_ascii_strtod(mp[c], NULL),
                       1e-6);
  result_clear(&r);
  Result bad = run_cli("predict", "alex_v2", "--hybrid", "--bounds", NULL);
  assert_int_equal(bad.status, 2);
  assert_non_null(strstr(bad.err, "--bounds and --hybrid exclude each other"));
  result_clear(&bad);
  Result mixed = run_cli("predict", "alex_v2", "--bounds", "--workers", "4", NULL);
  assert_int_equal(mixed.status, 2);
  result_clear(&mixed);
}

/* --scheme takes the collective registry's names, hierarchical included, with the formula
 * `run` uses: 2 hosts of 4 over ethernet (1.25e9 B/s) and pcie3 inside. */
static void test_scheme_hierarchical(void **state)
{
  (void)state;
  Result r = run_cli("predict", "alex_v2", "--workers", "8", "--scheme", "hierarchical,ps", "--gpus-per-host", "4",
                     "--format", "csv", NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, ",hierarchical,"));
  assert_non_null(strstr(r.out, ",onetoall,")); /* ps is PALEO's OneToAll */
  result_clear(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_layers_csv),     cmocka_unit_test(test_batch_device_ppp),
    cmocka_unit_test(test_table_and_json), cmocka_unit_test(test_fft_changes_forward),
    cmocka_unit_test(test_scaling),        cmocka_unit_test(test_list),
    cmocka_unit_test(test_user_hardware),  cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_bounds),         cmocka_unit_test(test_hybrid),
    cmocka_unit_test(test_scheme_hierarchical),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

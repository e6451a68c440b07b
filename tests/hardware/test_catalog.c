/* Tests of the device/link catalog: shipped figures, lookup, user files, validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hardware/catalog.h"

static char *write_temp(const char *name, const char *text)
{
  const char *tmp = g_getenv("PALEO_TEST_TMP");
  char *path = g_build_filename(tmp ? tmp : g_get_tmp_dir(), name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void test_paleo_devices(void **state)
{
  (void)state;
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(&error);
  assert_non_null(c);
  const struct { const char *name; double clock, peak, mem; } expect[] = {
    {"TITAN_X", 1000, 6144, 336.5}, {"K20", 1000, 3520, 208}, {"K20X", 1000, 3935, 250},
    {"K40", 745, 4290, 288}, {"K80", 560, 5600, 480}, {"GEFORCE_780_TI", 875, 5040, 336},
    {"GEFORCE_750_M", 941, 722.7, 80}, {"CPU_I7", 210000, 289, 68}};
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    const PaleoDevice *d = paleo_catalog_device(c, expect[i].name, NULL);
    assert_non_null(d);
    assert_float_equal(d->clock_mhz, expect[i].clock, 0);
    assert_float_equal(d->peak_gflops, expect[i].peak, 0);
    assert_float_equal(d->mem_gbps, expect[i].mem, 0);
    assert_true(strlen(d->source) > 0);
  }
  const char *modern[] = {"P100", "V100", "A100", "H100", "H200"};
  for (guint i = 0; i < G_N_ELEMENTS(modern); i++) {
    const PaleoDevice *d = paleo_catalog_device(c, modern[i], NULL);
    assert_non_null(d);
    assert_true(d->peak_gflops_fp16 > d->peak_gflops && d->mem_gib > 0);
    assert_true(strlen(d->source) > 0);
  }
}

static void test_paleo_links(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  assert_non_null(c);
  const struct { const char *name; double gbps; } expect[] = {
    {"aws", 2}, {"ethernet", 10}, {"ethernet20", 20}, {"infiniband", 70}, {"pcie2", 64},
    {"pcie3", 128}, {"nvlink1", 640}, {"nvlink2", 1200}, {"nvlink3", 2400},
    {"nvlink4", 3600}, {"qpi", 153.6}, {"pcie4", 256}, {"pcie5", 512}, {"ib-fdr", 54.5}, {"ib-edr", 100}, {"ib-hdr", 200},
    {"ib-ndr", 400}, {"eth25", 25}, {"eth50", 50}, {"eth100", 100}, {"eth400", 400}};
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    const PaleoLink *l = paleo_catalog_link(c, expect[i].name, NULL);
    assert_non_null(l);
    assert_float_equal(l->gbps, expect[i].gbps, 0);
    assert_true(strlen(l->source) > 0);
  }
  assert_int_equal(paleo_catalog_n_links(c), G_N_ELEMENTS(expect));
  assert_string_equal(paleo_catalog_link_at(c, 0)->name, "aws");
}

static void test_case_insensitive_and_unknown(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  assert_non_null(c);
  assert_ptr_equal(paleo_catalog_device(c, "titan_x", NULL), paleo_catalog_device(c, "TITAN_X", NULL));
  assert_non_null(paleo_catalog_link(c, "EtherNet", NULL));
  g_autoptr(GError) error = NULL;
  assert_null(paleo_catalog_device(c, "TITAN_Z", &error));
  assert_true(g_error_matches(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_UNKNOWN));
  assert_non_null(strstr(error->message, "TITAN_Z"));
  assert_non_null(strstr(error->message, "K40"));
  g_clear_error(&error);
  assert_null(paleo_catalog_link(c, "carrier-pigeon", &error));
  assert_non_null(strstr(error->message, "infiniband"));
}

static void test_user_file_adds_and_replaces(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  guint n = paleo_catalog_n_devices(c);
  g_autofree char *path = write_temp("user_hw.ini",
    "[device titan_x]\nclock_mhz=1100\npeak_gflops=7000\nmem_gbps=400\n"
    "[device MyChip]\nclock_mhz=500\npeak_gflops=100\nmem_gbps=10\nsource=lab\n"
    "[link slow]\ngbps=0.5\nlatency_us=100\n");
  g_autoptr(GError) error = NULL;
  assert_true(paleo_catalog_add_file(c, path, &error));
  assert_int_equal(paleo_catalog_n_devices(c), n + 1);
  const PaleoDevice *t = paleo_catalog_device(c, "TITAN_X", NULL);
  assert_float_equal(t->peak_gflops, 7000, 0);
  assert_ptr_equal(paleo_catalog_device_at(c, 0), t); /* replaced in place */
  assert_float_equal(paleo_catalog_device(c, "mychip", NULL)->mem_gbps, 10, 0);
  assert_float_equal(paleo_catalog_link(c, "SLOW", NULL)->latency_us, 100, 0);
}

/* Each bad file must fail with an error naming the file, group and key or problem. */
static void expect_bad(const char *text, const char *needle1, const char *needle2)
{
  g_autoptr(PaleoCatalog) c = paleo_catalog_new();
  g_autofree char *path = write_temp("bad_hw.ini", text);
  g_autoptr(GError) error = NULL;
  assert_false(paleo_catalog_add_file(c, path, &error));
  assert_non_null(error);
  assert_true(error->domain == PALEO_CONFIG_ERROR);
  assert_non_null(strstr(error->message, "bad_hw.ini"));
  if (!strstr(error->message, needle1) || !strstr(error->message, needle2))
    fail_msg("message '%s' lacks '%s' or '%s'", error->message, needle1, needle2);
}

static void test_validation(void **state)
{
  (void)state;
  expect_bad("[device X]\nclock_mhz=1\npeak_gflops=0\nmem_gbps=1\n", "[device X]", "peak_gflops");
  expect_bad("[device X]\nclock_mhz=1\npeak_gflops=1\nmem_gbps=-3\n", "mem_gbps", "out of range");
  /* ranges that keep derived times on the clock (a cycle of 1e-300 MHz would last 1e295 s) */
  expect_bad("[device X]\nclock_mhz=1e-300\npeak_gflops=1\nmem_gbps=1\n", "clock_mhz", "1 to 1e+09 MHz");
  expect_bad("[device X]\nclock_mhz=1\npeak_gflops=1e300\nmem_gbps=1\n", "peak_gflops", "out of range");
  expect_bad("[link L]\ngbps=1\nlatency_us=1e7\n", "latency_us", "0 to 1e+06 us");
  expect_bad("[device X]\nclock_mhz=1\npeak_gflops=1\n", "mem_gbps", "missing");
  expect_bad("[device X]\nclock_mhz=fast\npeak_gflops=1\nmem_gbps=1\n", "clock_mhz", "fast");
  expect_bad("[link L]\ngbps=0\n", "[link L]", "gbps");
  expect_bad("[link L]\ngbps=nan\n", "[link L]", "gbps");
  expect_bad("[link L]\ngbps=1\nlatency_us=-1\n", "latency_us", "out of range");
  expect_bad("[link L]\ngbps=1\nbandwidth=3\n", "bandwidth", "unknown key");
  expect_bad("[gpu X]\nclock_mhz=1\n", "gpu", "unknown kind");
  expect_bad("[device]\nclock_mhz=1\n", "[device]", "NAME");
  expect_bad("not an ini file\n", "bad_hw.ini", "");
}

static void test_missing_file(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_new();
  g_autoptr(GError) error = NULL;
  assert_false(paleo_catalog_add_file(c, "/nonexistent/hw.ini", &error));
  assert_non_null(strstr(error->message, "/nonexistent/hw.ini"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_paleo_devices),
    cmocka_unit_test(test_paleo_links),
    cmocka_unit_test(test_case_insensitive_and_unknown),
    cmocka_unit_test(test_user_file_adds_and_replaces),
    cmocka_unit_test(test_validation),
    cmocka_unit_test(test_missing_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

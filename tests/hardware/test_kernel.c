/* Hand-worked checks of the refined model's kernel times (hardware/kernel.h): tile and wave
 * quantisation of a GEMM, memory-bound kernels, useful convolution FLOPs without padding,
 * algorithm applicability, precisions and the profile groups of the catalog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <math.h>
#include <string.h>

#include "hardware/config_dir.h"
#include "hardware/kernel.h"

/* One SM at 1000 MHz doing 1 GFLOP/s = 1 FLOP per cycle; no fixed costs, no efficiency
 * loss, DRAM so fast it never binds. */
static PaleoDevice toy(void)
{
  PaleoDevice d = {.name = "toy", .clock_mhz = 1000, .peak_gflops = 1, .mem_gbps = 1e9, .boost_mhz = 1000,
                   .boost_gflops = 1, .sm_count = 1, .dies = 1};
  paleo_profile_init(&d.profile);
  d.profile.gemm_eff = 1, d.profile.tile_intensity = 0, d.profile.tile_cycles = 0, d.profile.kstep_cycles = 0;
  d.profile.launch_us = 0, d.profile.gemm_mem_eff = 1, d.profile.mem_eff = 1;
  return d;
}

static void test_gemm_waves(void **state)
{
  (void)state;
  PaleoDevice d = toy();
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP32, NULL));
  /* 128 x 128 x 8: one full tile, 2 * 128 * 128 * 8 = 262144 FLOP = cycles = 0.262144 ms */
  PaleoGemmTime t = paleo_kernel_gemm(&d, &mt, 128, 128, 8, 1, 1, 1);
  assert_true(isfinite(t.ms)); /* cmocka's float comparison takes inf for equal */
  assert_float_equal(t.ms, 0.262144, 1e-12);
  /* 129 rows: the best tiling is 32 x 32 (32 resident: half the 64K-register file holds
   * 32768 accumulators): 5 x 4 = 20 tiles in one wave, 20 x 2 x 32 x 32 x 8 = 327680
   * cycles: 25 % more for one row */
  t = paleo_kernel_gemm(&d, &mt, 129, 128, 8, 1, 1, 1);
  assert_float_equal(t.ms, 0.32768, 1e-12);
  /* half efficiency doubles it; a complex product (x4) quadruples it */
  assert_float_equal(paleo_kernel_gemm(&d, &mt, 128, 128, 8, 1, 1, 0.5).ms, 0.524288, 1e-12);
  assert_float_equal(paleo_kernel_gemm(&d, &mt, 128, 128, 8, 1, 4, 1).ms, 4 * 0.262144, 1e-12);
  /* a latency floor of 1e6 cycles per 8-deep step and a 5 us launch */
  d.profile.kstep_cycles = 1e6;
  d.profile.launch_us = 5;
  assert_float_equal(paleo_kernel_gemm(&d, &mt, 128, 128, 16, 1, 1, 1).ms, 2.0 + 0.005, 1e-9);
}

static void test_memory_kernel(void **state)
{
  (void)state;
  PaleoDevice d = toy();
  d.mem_gbps = 100, d.profile.mem_eff = 0.5, d.profile.launch_us = 5;
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP16, NULL));
  /* 1e9 bytes at 50 GB/s = 20 ms, plus 5 us */
  assert_float_equal(paleo_kernel_memory_ms(&d, &mt, 1e9), 20.005, 1e-9);
  assert_float_equal(paleo_kernel_memory_ms(&d, &mt, 0), 0, 0);
}

static void test_precisions(void **state)
{
  (void)state;
  const double bytes[] = {4, 4, 2, 2, 1, 2};
  for (int p = 0; p < PALEO_PRECISION_N; p++) {
    PaleoPrecision back;
    assert_true(paleo_precision_parse(paleo_precision_name((PaleoPrecision)p), &back));
    assert_int_equal(back, p);
    assert_float_equal(paleo_precision_bytes((PaleoPrecision)p), bytes[p], 0);
  }
  PaleoPrecision p;
  assert_true(paleo_precision_parse("fp16io_mixed", &p) && p == PALEO_PRECISION_FP16);
  assert_true(paleo_precision_parse("fp16io_fp32math", &p) && p == PALEO_PRECISION_FP16IO);
  assert_false(paleo_precision_parse("fp64", &p));
  /* a V100-like device: FP16 takes the tensor path (8x FP32), padded to 8 channels; fp16io
   * keeps FP32 math; TF32 falls back to FP32 when there is no TF32 peak */
  PaleoDevice d = toy();
  d.boost_gflops = 15700, d.peak_gflops_fp16 = 125000, d.sm_count = 80, d.dies = 1;
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP16, NULL));
  assert_true(mt.tensor && mt.k_align == 8 && mt.peak_flops == 125000e9 && mt.bytes == 2);
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP16IO, NULL));
  assert_true(!mt.tensor && mt.peak_flops == 15700e9 && mt.bytes == 2);
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_TF32, NULL));
  assert_true(!mt.tensor && mt.peak_flops == 15700e9 && mt.bytes == 4);
  /* a two-die board (K80) costs one die */
  d.dies = 2;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP32, NULL));
  assert_float_equal(mt.sms, 40, 0);
  assert_float_equal(mt.peak_flops, 7850e9, 0);
  /* no SM count: a clear error naming the device */
  d.sm_count = 0;
  g_autoptr(GError) error = NULL;
  assert_false(paleo_math_init(&mt, &d, PALEO_PRECISION_FP32, &error));
  assert_non_null(strstr(error->message, "toy"));
  assert_non_null(strstr(error->message, "sm_count"));
}

static void test_useful_flops(void **state)
{
  (void)state;
  PaleoConvGeom g;
  /* AlexNet fc6: 5x5 filter over a 5x5 input, 1x1 output: every tap is real */
  paleo_conv_geom_init(&g, 128, 256, 5, 5, 4096, 5, 5, 0, 0, 1, 1);
  assert_int_equal(g.p, 1);
  assert_float_equal(paleo_conv_useful_flops(&g), 2.0 * 128 * 4096 * 256 * 25, 0);
  /* 3x3 pad 1 over 3x3: per dimension 2 + 3 + 2 = 7 taps inside the image, not 9 */
  paleo_conv_geom_init(&g, 1, 1, 3, 3, 1, 3, 3, 1, 1, 1, 1);
  assert_int_equal(g.p, 3);
  assert_float_equal(paleo_conv_useful_flops(&g), 2.0 * 49, 0);
  /* stride 2: 1x1 filter over 4x4 gives 2x2 outputs, 4 useful taps */
  paleo_conv_geom_init(&g, 1, 1, 4, 4, 1, 1, 1, 0, 0, 2, 2);
  assert_float_equal(paleo_conv_useful_flops(&g), 2.0 * 4, 0);
}

static void test_conv_algorithms(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  assert_non_null(c);
  const PaleoDevice *d = paleo_catalog_device(c, "titanx_maxwell", NULL); /* an alias */
  assert_non_null(d);
  assert_string_equal(d->name, "TITAN_X");
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, d, PALEO_PRECISION_FP32, NULL));
  PaleoConvGeom g;
  /* 3x3 stride 1: Winograd and FFT apply */
  paleo_conv_geom_init(&g, 16, 256, 28, 28, 256, 3, 3, 1, 1, 1, 1);
  assert_true(isfinite(paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_WINOGRAD).ms));
  assert_true(isfinite(paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_FFT).ms));
  PaleoConvTime best = paleo_kernel_conv(d, &mt, &g, PALEO_PASS_FWD);
  assert_true(best.algo == PALEO_ALGO_WINOGRAD || best.algo == PALEO_ALGO_WINOGRAD_NONFUSED);
  /* Winograd's fewer multiplications beat direct GEMM here */
  assert_true(best.ms < paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_IMPLICIT_GEMM).ms);
  /* restricted to the GEMM family, the choice is a GEMM; restricted to one, that one */
  guint gemms = paleo_conv_algo_family(PALEO_ALGO_IMPLICIT_GEMM);
  assert_true(gemms & 1u << paleo_kernel_conv_among(d, &mt, &g, PALEO_PASS_BWD_DATA, gemms).algo);
  assert_int_equal(paleo_kernel_conv_among(d, &mt, &g, PALEO_PASS_FWD, 1u << PALEO_ALGO_IMPLICIT_GEMM).algo,
                   PALEO_ALGO_IMPLICIT_GEMM);
  assert_int_equal(paleo_conv_algo_family(PALEO_ALGO_FFT), PALEO_ALGO_ALL);
  /* stride 2: no Winograd, no FFT; bwd-data's implicit GEMM walks the stride holes (cuDNN's
   * kernel), about 4x forward */
  paleo_conv_geom_init(&g, 16, 64, 56, 56, 128, 3, 3, 1, 1, 2, 2);
  assert_false(isfinite(paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_WINOGRAD).ms));
  assert_false(isfinite(paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_FFT).ms));
  best = paleo_kernel_conv(d, &mt, &g, PALEO_PASS_FWD);
  assert_true(best.algo == PALEO_ALGO_IMPLICIT_GEMM || best.algo == PALEO_ALGO_GEMM);
  double ratio = paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_BWD_DATA, PALEO_ALGO_IMPLICIT_GEMM).ms /
                 paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_IMPLICIT_GEMM).ms;
  assert_true(ratio > 2.5 && ratio < 6);
  /* a one-channel first layer (DeepBench's 700 x 161 speech input): implicit bwd-data
   * would tile a single channel 32 wide; the column algorithm is chosen instead */
  paleo_conv_geom_init(&g, 4, 1, 161, 700, 32, 5, 20, 0, 0, 2, 2);
  assert_int_equal(paleo_kernel_conv(d, &mt, &g, PALEO_PASS_BWD_DATA).algo, PALEO_ALGO_GEMM);
  assert_false(isfinite(paleo_kernel_conv_algo(d, &mt, &g, PALEO_PASS_BWD_FILTER, PALEO_ALGO_GEMM).ms));
  /* fc6: the three passes are GEMMs of the same size, so backward-data is about forward */
  paleo_conv_geom_init(&g, 128, 256, 5, 5, 4096, 5, 5, 0, 0, 1, 1);
  double fwd = paleo_kernel_conv(d, &mt, &g, PALEO_PASS_FWD).ms;
  double data = paleo_kernel_conv(d, &mt, &g, PALEO_PASS_BWD_DATA).ms;
  assert_true(data / fwd > 0.5 && data / fwd < 2);
}

/* Fused Winograd F(2x2, 3x3): one kernel whose blocks multiply all 16 points of their own
 * tiles; non-fused F(4x4, 3x3) runs the 36 points as parallel GEMMs. On the toy device
 * (1 FLOP per cycle, one SM) 128 tiles x 128 filters x 8 channels fused cost
 * 2 x 128 x 128 x 8 x 16 = 4194304 cycles = 4.194304 ms. */
static void test_winograd_fused(void **state)
{
  (void)state;
  PaleoDevice d = toy();
  d.profile.winograd_eff = 1;
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP32, NULL));
  PaleoConvGeom g; /* 2 x 2 outputs per image: one 2 x 2 tile each, 128 images */
  paleo_conv_geom_init(&g, 128, 8, 2, 2, 128, 3, 3, 1, 1, 1, 1);
  assert_float_equal(paleo_kernel_conv_algo(&d, &mt, &g, PALEO_PASS_FWD, PALEO_ALGO_WINOGRAD).ms, 4.194304, 1e-9);
}

/* Backward-data by columns (cuDNN's ALGO_0): GEMM W^T dY, then each product element added
 * atomically into the zeroed dX. 1x1 filter, one channel, 16 x 16 image, 128 filters, on
 * the toy device with 1 GB/s of memory and 16 bytes per atomic: the GEMM is 1 x 256 x 128
 * (two 32 x 128 tiles, 16 steps of 2 x 2 x 32 x 128 x 8 cycles = 2.097152 ms; its 132608
 * bytes of operands take 0.13 ms, under it), zeroing dX writes 1024 bytes (0.001024 ms)
 * and the 256 atomics cost 4096 bytes (0.004096 ms). */
static void test_column_dgrad(void **state)
{
  (void)state;
  PaleoDevice d = toy();
  d.mem_gbps = 1, d.profile.atomic_bytes = 16;
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP32, NULL));
  PaleoConvGeom g;
  paleo_conv_geom_init(&g, 1, 1, 16, 16, 128, 1, 1, 0, 0, 1, 1);
  assert_float_equal(paleo_kernel_conv_algo(&d, &mt, &g, PALEO_PASS_BWD_DATA, PALEO_ALGO_GEMM).ms,
                     2.097152 + 0.001024 + 0.004096, 1e-9);
}

static void test_algo_names(void **state)
{
  (void)state;
  PaleoKernelAlgo a;
  assert_true(paleo_conv_algo_parse("implicit_precomp_gemm", &a) && a == PALEO_ALGO_IMPLICIT_GEMM);
  assert_true(paleo_conv_algo_parse("LICIT_PRECOMP_GEMM", &a) && a == PALEO_ALGO_IMPLICIT_GEMM);
  assert_true(paleo_conv_algo_parse("WINOGRAD_NONFUSED", &a) && a == PALEO_ALGO_WINOGRAD_NONFUSED);
  assert_true(paleo_conv_algo_parse("GEMM", &a) && a == PALEO_ALGO_GEMM);
  assert_false(paleo_conv_algo_parse("DIRECT", &a));
  assert_false(paleo_conv_algo_parse("", &a));
  for (int i = 0; i < PALEO_ALGO_N; i++)
    assert_true(paleo_conv_algo_parse(paleo_conv_algo_name((PaleoKernelAlgo)i), &a) && a == (PaleoKernelAlgo)i);
}

static char *write_temp(const char *name, const char *text)
{
  const char *tmp = g_getenv("PALEO_TEST_TMP");
  char *path = g_build_filename(tmp ? tmp : g_get_tmp_dir(), name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* Profile groups: [refined] for every device, [refined ARCH] for a generation and those that
 * inherit from it (nearest fitted one first), [refined NAME] for one device. */
static void test_profile_groups(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  assert_non_null(c);
  const PaleoDevice *k40 = paleo_catalog_device(c, "K40", NULL);
  double maxwell = paleo_catalog_device(c, "TITAN_X", NULL)->profile.gemm_eff;
  /* Kepler has no group of its own: it inherits Maxwell's, GP102 too */
  assert_true(k40->has_profile);
  assert_float_equal(k40->profile.gemm_eff, maxwell, 0);
  const PaleoDevice *ti = paleo_catalog_device(c, "GTX_1080_TI", NULL);
  assert_float_equal(ti->profile.gemm_eff, maxwell, 0);
  /* ... but its cuBLAS GEMMs take GP100's (the CUDA 8 library era); others take one */
  double pascal = paleo_catalog_device(c, "P100", NULL)->profile.gemm_eff;
  assert_true(pascal != maxwell);
  assert_float_equal(ti->blas_profile.gemm_eff, pascal, 0);
  assert_float_equal(k40->blas_profile.gemm_eff, maxwell, 0);
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, ti, PALEO_PRECISION_FP32, NULL));
  PaleoDevice as_maxwell = *ti;
  as_maxwell.blas_profile = ti->profile;
  assert_true(paleo_kernel_gemm(ti, &mt, 4096, 4096, 4096, 1, 1, 1).ms <
              paleo_kernel_gemm(&as_maxwell, &mt, 4096, 4096, 4096, 1, 1, 1).ms);
  assert_string_equal(paleo_catalog_arch_profile(c, k40->arch), "maxwell");
  g_autofree char *path = write_temp("profile.ini", "[refined k40]\ngemm_eff=0.5\n[refined volta]\ngemm_eff=0.42\n");
  assert_true(paleo_catalog_add_file(c, path, NULL));
  assert_float_equal(paleo_catalog_device(c, "K40", NULL)->profile.gemm_eff, 0.5, 0);
  assert_float_equal(paleo_catalog_device(c, "K20", NULL)->profile.gemm_eff, maxwell, 0);
  /* Turing inherits Volta's new group; GP100 keeps its own */
  assert_float_equal(paleo_catalog_device(c, "V100", NULL)->profile.gemm_eff, 0.42, 0);
  assert_float_equal(paleo_catalog_device(c, "T4", NULL)->profile.gemm_eff, 0.42, 0);
  assert_true(paleo_catalog_device(c, "P100", NULL)->profile.gemm_eff != 0.42);
  /* a device added later without a generation takes the [refined] constants */
  g_autofree char *dev = write_temp("dev.ini", "[device NEW]\nclock_mhz=1000\npeak_gflops=1\nmem_gbps=1\n");
  assert_true(paleo_catalog_add_file(c, dev, NULL));
  g_autoptr(PaleoCatalog) plain = paleo_catalog_new();
  g_autofree char *refined = g_build_filename(paleo_config_dir(), "refined.ini", NULL);
  assert_true(paleo_catalog_add_file(plain, dev, NULL) && paleo_catalog_add_file(plain, refined, NULL));
  assert_float_equal(paleo_catalog_device(c, "NEW", NULL)->profile.gemm_eff,
                     paleo_catalog_device(plain, "NEW", NULL)->profile.gemm_eff, 0);
  assert_true(paleo_catalog_device(c, "NEW", NULL)->profile.gemm_eff != maxwell);
  const char *bad[][2] = {{"[refined]\ngemm_effx=1\n", "unknown key 'gemm_effx'"},
                          {"[refined]\ngemm_eff=2\n", "gemm_eff"},
                          {"[refined]\nlaunch_us=abc\n", "not a number"},
                          {"[device X]\nclock_mhz=1\npeak_gflops=1\nmem_gbps=1\narch=fermi\n", "'arch' = 'fermi'"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *p = write_temp("bad_profile.ini", bad[i][0]);
    g_autoptr(GError) error = NULL;
    assert_false(paleo_catalog_add_file(c, p, &error));
    assert_non_null(strstr(error->message, "bad_profile.ini"));
    assert_non_null(strstr(error->message, bad[i][1]));
  }
}

/* A power-capped board (TDP <= 75 W) holds the geometric mean of its base and boost clocks
 * under dense math: the T4's 585 and 1590 MHz give 964.5 MHz, and its peaks scale with it;
 * a 250 W board holds its boost clock. */
static void test_sustained_clock(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  const PaleoDevice *t4 = paleo_catalog_device(c, "t4", NULL);
  assert_float_equal(paleo_device_sustained_mhz(t4), sqrt(585.0 * 1590.0), 1e-9);
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, t4, PALEO_PRECISION_FP16, NULL));
  assert_float_equal(mt.peak_flops, 65000e9 * sqrt(585.0 * 1590.0) / 1590, 1);
  assert_float_equal(mt.clock_hz, sqrt(585.0 * 1590.0) * 1e6, 1e-3);
  const PaleoDevice *m40 = paleo_catalog_device(c, "M40", NULL);
  assert_float_equal(paleo_device_sustained_mhz(m40), 1114, 0);
  PaleoDevice d = toy();
  d.tdp_w = 70, d.base_mhz = 250; /* sqrt(250 x 1000) = 500 MHz: half the peak */
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP32, NULL));
  assert_float_equal(mt.peak_flops, 0.5e9, 1e-3);
  d.tdp_w = 76;
  assert_float_equal(paleo_device_sustained_mhz(&d), 1000, 0);
}

/* Kepler's 192-lane SMX: four schedulers issue 128 lanes a cycle, 2/3 of its SIMT peak; a
 * K80 die (13 SMs at 562 MHz) reaches 13 x 128 x 2 x 562e6 = 1870.3 GFLOP/s of its 2805.5;
 * Maxwell's 128-lane SM is not bound. */
static void test_issue_bound(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, paleo_catalog_device(c, "K80", NULL), PALEO_PRECISION_FP32, NULL));
  assert_float_equal(mt.peak_flops, 13 * 128 * 2 * 562e6, 1e7);
  assert_true(paleo_math_init(&mt, paleo_catalog_device(c, "TITAN_X", NULL), PALEO_PRECISION_FP32, NULL));
  assert_float_equal(mt.peak_flops, 6605e9, 1e3);
}

/* Volta/Turing: a tensor GEMM needs m, n, k multiples of 8, else half2 at 2x FP32. Toy: one
 * SM at 1 FP32 FLOP per cycle, 8 on tensor cores. 128 x 128 x 40 on tensor cores: two
 * 32-deep steps of 2 x 128 x 128 x 32 / 8 = 131072 cycles = 0.262144 ms; k = 41 on half2:
 * six 8-deep steps of 2 x 128 x 128 x 8 / 2 = 131072 cycles = 0.786432 ms; on Ampere
 * (no such rule) k = 41 stays on tensor cores (two steps again). */
static void test_tensor_alignment(void **state)
{
  (void)state;
  PaleoDevice d = toy();
  d.peak_gflops_fp16 = 8, d.profile.tensor_eff = 1, d.arch = paleo_arch_find("volta");
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP16, NULL));
  assert_true(mt.tensor);
  assert_true(isfinite(paleo_kernel_gemm(&d, &mt, 128, 128, 41, 1, 1, 1).ms));
  assert_float_equal(paleo_kernel_gemm(&d, &mt, 128, 128, 40, 1, 1, 1).ms, 0.262144, 1e-12);
  assert_float_equal(paleo_kernel_gemm(&d, &mt, 128, 128, 41, 1, 1, 1).ms, 0.786432, 1e-12);
  d.arch = paleo_arch_find("ampere");
  assert_float_equal(paleo_kernel_gemm(&d, &mt, 128, 128, 41, 1, 1, 1).ms, 0.262144, 1e-12);
}

/* Tensor-core convolutions run on channel-padded tensors (C = 1 costs what C = 8 does)
 * plus the NCHW <-> NHWC transposes of the three tensors: on the toy device with 1 GB/s of
 * memory and no launch cost those add 2 x 2 bytes x (x + w + y) = 4 x (4096 + 4608 + 32768)
 * bytes = 0.165888 ms. */
static void test_tensor_conv(void **state)
{
  (void)state;
  PaleoDevice d = toy();
  d.peak_gflops_fp16 = 8, d.profile.tensor_eff = 1, d.mem_gbps = 1e9;
  PaleoMath mt;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP16, NULL));
  PaleoConvGeom one, eight;
  paleo_conv_geom_init(&one, 2, 1, 16, 16, 64, 3, 3, 1, 1, 1, 1);
  paleo_conv_geom_init(&eight, 2, 8, 16, 16, 64, 3, 3, 1, 1, 1, 1);
  for (int p = 0; p < PALEO_PASS_N; p++)
    assert_float_equal(paleo_kernel_conv_algo(&d, &mt, &one, (PaleoPass)p, PALEO_ALGO_IMPLICIT_GEMM).ms,
                       paleo_kernel_conv_algo(&d, &mt, &eight, (PaleoPass)p, PALEO_ALGO_IMPLICIT_GEMM).ms, 1e-12);
  double tensor = paleo_kernel_conv_algo(&d, &mt, &eight, PALEO_PASS_FWD, PALEO_ALGO_IMPLICIT_GEMM).ms;
  d.mem_gbps = 1;
  assert_true(paleo_math_init(&mt, &d, PALEO_PRECISION_FP16, NULL));
  double slow = paleo_kernel_conv_algo(&d, &mt, &eight, PALEO_PASS_FWD, PALEO_ALGO_IMPLICIT_GEMM).ms;
  /* the GEMM itself is compute bound at both bandwidths (its 83 KB take 0.08 ms, its
   * 4.7 MFLOP at 8 per cycle 0.59 ms) */
  assert_float_equal(slow - tensor, 4 * (4096 + 4608 + 32768) / 1e6, 1e-9);
}

static void test_shipped_architecture(void **state)
{
  (void)state;
  g_autoptr(PaleoCatalog) c = paleo_catalog_load_default(NULL);
  const char *added[] = {"GTX_1080", "GTX_1080_TI", "TITAN_X_PASCAL", "TITAN_XP", "M40", "T4", "P100_PCIE",
                         "A100_40GB", "L4", "L40S", "H100_PCIE", "MI250X", "MI300X"};
  for (guint i = 0; i < G_N_ELEMENTS(added); i++)
    assert_non_null(paleo_catalog_device(c, added[i], NULL));
  for (guint i = 0; i < paleo_catalog_n_devices(c); i++) {
    const PaleoDevice *d = paleo_catalog_device_at(c, i);
    assert_true(d->sm_count >= 1 && d->boost_mhz > 0 && d->boost_gflops > 0 && d->l2_mib > 0);
    assert_true(strlen(d->arch_source) > 0);
    PaleoMath mt;
    assert_true(paleo_math_init(&mt, d, PALEO_PRECISION_FP32, NULL));
  }
  /* PALEO's figures are untouched (paleo reads clock_mhz and peak_gflops only) */
  const PaleoDevice *tx = paleo_catalog_device(c, "TITAN_X", NULL);
  assert_float_equal(tx->clock_mhz, 1000, 0);
  assert_float_equal(tx->peak_gflops, 6144, 0);
  assert_float_equal(tx->boost_gflops, 6605, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gemm_waves),       cmocka_unit_test(test_memory_kernel),
    cmocka_unit_test(test_precisions),       cmocka_unit_test(test_useful_flops),
    cmocka_unit_test(test_conv_algorithms),  cmocka_unit_test(test_profile_groups),
    cmocka_unit_test(test_shipped_architecture), cmocka_unit_test(test_winograd_fused),
    cmocka_unit_test(test_column_dgrad),     cmocka_unit_test(test_algo_names),
    cmocka_unit_test(test_sustained_clock),  cmocka_unit_test(test_issue_bound),
    cmocka_unit_test(test_tensor_alignment), cmocka_unit_test(test_tensor_conv),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Kernel times of the refined model (see kernel.h): a per-kernel roofline whose compute
 * side is quantised into tiles and waves over the SMs, and convolution algorithms built
 * from GEMMs plus memory-bound transform kernels. */
#include "hardware/kernel.h"

#include <math.h>
#include <string.h>

static const struct {
  const char *name;
  double bytes;
} precisions[PALEO_PRECISION_N] = {
  [PALEO_PRECISION_FP32] = {"fp32", 4}, [PALEO_PRECISION_TF32] = {"tf32", 4},
  [PALEO_PRECISION_FP16] = {"fp16", 2}, [PALEO_PRECISION_BF16] = {"bf16", 2},
  [PALEO_PRECISION_FP8] = {"fp8", 1},   [PALEO_PRECISION_FP16IO] = {"fp16io", 2},
};

const char *paleo_precision_name(PaleoPrecision p)
{
  g_return_val_if_fail(p < PALEO_PRECISION_N, "?");
  return precisions[p].name;
}

double paleo_precision_bytes(PaleoPrecision p)
{
  g_return_val_if_fail(p < PALEO_PRECISION_N, 4);
  return precisions[p].bytes;
}

const char *paleo_precision_names_text(void)
{
  return "fp32|tf32|fp16|bf16|fp8|fp16io";
}

gboolean paleo_precision_parse(const char *name, PaleoPrecision *out)
{
  if (!name)
    return FALSE;
  if (!g_ascii_strcasecmp(name, "fp16io_fp32math")) {
    *out = PALEO_PRECISION_FP16IO;
    return TRUE;
  }
  if (!g_ascii_strcasecmp(name, "fp16io_mixed")) {
    *out = PALEO_PRECISION_FP16;
    return TRUE;
  }
  for (int i = 0; i < PALEO_PRECISION_N; i++)
    if (!g_ascii_strcasecmp(name, precisions[i].name)) {
      *out = (PaleoPrecision)i;
      return TRUE;
    }
  return FALSE;
}

/* Peak GFLOP/s of the math path a precision uses on a device (per board). */
static double precision_peak(const PaleoDevice *d, PaleoPrecision p)
{
  double fp32 = d->boost_gflops;
  switch (p) {
  case PALEO_PRECISION_TF32: return d->peak_gflops_tf32 > 0 ? d->peak_gflops_tf32 : fp32;
  case PALEO_PRECISION_FP16: return d->peak_gflops_fp16 > 0 ? d->peak_gflops_fp16 : fp32;
  case PALEO_PRECISION_BF16: return d->peak_gflops_bf16 > 0 ? d->peak_gflops_bf16 : fp32;
  case PALEO_PRECISION_FP8:
    if (d->peak_gflops_fp8 > 0)
      return d->peak_gflops_fp8;
    return d->peak_gflops_fp16 > 0 ? d->peak_gflops_fp16 : fp32;
  default: return fp32;
  }
}

double paleo_device_sustained_mhz(const PaleoDevice *d)
{
  if (d->tdp_w > 0 && d->tdp_w <= PALEO_POWER_CAPPED_W && d->base_mhz > 0 && d->base_mhz < d->boost_mhz)
    return sqrt(d->base_mhz * d->boost_mhz);
  return d->boost_mhz;
}

/* Fraction of the FP32 lane peak an SM's warp schedulers can feed: four schedulers, each
 * issuing one 32-thread instruction per cycle (every NVIDIA SM since Kepler), keep 128
 * lanes busy. Kepler's SMX has 192 lanes and needs dual issue for the rest, which a GEMM's
 * FFMA stream seldom gets ("limited issue throughput of the schedulers", Lai and Seznec,
 * CGO 2013): 2/3. Lanes per SM = FP32 peak / (2 x boost clock x SMs), rounded. */
static double simt_issue_fraction(const PaleoDevice *d)
{
  double lanes = round(d->boost_gflops * 1e3 / (2 * d->boost_mhz * d->sm_count));
  return fmin(1.0, PALEO_ISSUE_LANES_PER_SM / lanes);
}

gboolean paleo_device_has_matrix_units(const PaleoDevice *d)
{
  return d->peak_gflops_fp16 >= 4 * d->boost_gflops;
}

gboolean paleo_math_init(PaleoMath *m, const PaleoDevice *d, PaleoPrecision p, GError **error)
{
  g_return_val_if_fail(m && d && p < PALEO_PRECISION_N, FALSE);
  if (!(d->sm_count >= 1) || !(d->boost_gflops > 0) || !(d->boost_mhz > 0) || !(d->mem_gbps > 0)) {
    g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID,
                "device %s: the refined model needs sm_count (>= 1), boost_mhz, boost_gflops and mem_gbps "
                "(sm_count = %g; add them to its [device %s] group)", d->name, d->sm_count, d->name);
    return FALSE;
  }
  double dies = d->dies >= 1 ? d->dies : 1;
  double peak = precision_peak(d, p);
  double clock = paleo_device_sustained_mhz(d) / d->boost_mhz;
  gboolean tensor = peak >= 4 * d->boost_gflops;
  *m = (PaleoMath){
    .peak_flops = peak * 1e9 / dies * clock * (tensor ? 1.0 : simt_issue_fraction(d)),
    .mem_bytes_per_s = d->mem_gbps * 1e9 / dies,
    .sms = fmax(1, floor(d->sm_count / dies)),
    .clock_hz = d->boost_mhz * 1e6 * clock,
    .l2_bytes = d->l2_mib * 1048576.0 / dies,
    .bytes = precisions[p].bytes,
    .tensor = tensor,
  };
  m->eff = m->tensor ? d->profile.tensor_eff : d->profile.gemm_eff;
  m->k_align = m->tensor ? (int)(16 / m->bytes) : 1;
  return TRUE;
}

/* ---- GEMM ---- */

typedef struct {
  int tm, tn;
  gboolean tensor_only;
} Tile;

static const Tile tiles[] = {
  {256, 128, TRUE}, {128, 256, TRUE}, {128, 128, FALSE}, {128, 64, FALSE}, {64, 128, FALSE},
  {64, 64, FALSE},  {128, 32, FALSE}, {32, 128, FALSE},  {64, 32, FALSE},  {32, 64, FALSE},
  {32, 32, FALSE},
};

/* Tiles one SM holds at once: their accumulators fill half of the 64K 32-bit registers
 * every SM of these generations has (the rest holds operand fragments and addresses), so
 * two 128x128 tiles, four 128x64, ... */
static double resident_tiles(const Tile *t)
{
  return fmax(1.0, floor(32768.0 / (t->tm * t->tn)));
}

/* Efficiency of a tile relative to the largest SIMT tile (128x128, I = 64). */
static double tile_eff(const PaleoProfile *pr, const Tile *t)
{
  double i = (double)t->tm * t->tn / (t->tm + t->tn);
  double rel = (i / (i + pr->tile_intensity)) / (64.0 / (64.0 + pr->tile_intensity));
  return fmin(1.0, rel);
}

/* Compulsory DRAM bytes of a plain GEMM, raised to the operand re-reads the tiles need
 * beyond what the L2 cache can hold (Hong and Kung's 2 m n k / sqrt(cache words) bound). */
static double gemm_dram_bytes(const PaleoMath *mt, const Tile *t, double m, double n, double k, double batch)
{
  double compulsory = (m * k + k * n + m * n) * mt->bytes;
  double tile_reads = m * n * k * mt->bytes * (1.0 / t->tm + 1.0 / t->tn);
  double cache_words = mt->l2_bytes / mt->bytes;
  double reads = cache_words > 0 ? fmin(tile_reads, 2 * m * n * k * mt->bytes / sqrt(cache_words)) : tile_reads;
  return batch * fmax(compulsory, reads);
}

/* Which kernels run a product: cuBLAS (every tile, split-K for deep reductions), cuDNN's
 * convolution kernels (128-row tiles, no split-K), its
 * filter-gradient kernels (128-row tiles, split-K over the pixels), or batched GEMMs with
 * their operands streamed like any kernel's (every tile, no split-K, DRAM bytes given): the
 * products between the transforms of FFT and non-fused Winograd, and fused attention
 * (paleo_kernel_gemm_fused). */
typedef enum { GEMM_BLAS, GEMM_CONV, GEMM_WGRAD, GEMM_BATCHED } GemmFamily;

typedef struct {
  double m, n, k, batch;
  double flop_scale, eff_scale;
  double dram_bytes;     /* < 0: a plain GEMM's (gemm_dram_bytes) */
  GemmFamily family;
  gboolean transposed_a; /* cuBLAS op(A) = A^T (profile gemm_ta_eff) */
} GemmShape;

static double ceil_div(double a, double b)
{
  return ceil(a / b);
}

/* Clock cycles of one wave in which each busy SM holds `j` tiles: every main-loop step
 * takes the tiles' arithmetic or the latency floor, whichever is longer. */
static double wave_cycles(const PaleoProfile *pr, const PaleoMath *mt, const GemmShape *g, const Tile *t, double kc,
                          double j)
{
  double kstep = mt->tensor ? 32 : 8;
  double flops_per_cycle_sm = mt->peak_flops / mt->sms / mt->clock_hz;
  double eff = mt->eff * tile_eff(pr, t) * g->eff_scale * (g->transposed_a ? pr->gemm_ta_eff : 1);
  double step = j * 2.0 * t->tm * t->tn * kstep * g->flop_scale / (flops_per_cycle_sm * eff);
  return ceil_div(kc, kstep) * fmax(step, pr->kstep_cycles) + pr->tile_cycles;
}

static double tile_time_s(const PaleoDevice *d, const PaleoMath *mt, const GemmShape *g, const Tile *t,
                          double split, double *waves_out)
{
  const PaleoProfile *pr = &d->profile;
  double kc = ceil_div(g->k, split);
  double n_tiles = ceil_div(g->m, t->tm) * ceil_div(g->n, t->tn) * split * g->batch;
  double resident = resident_tiles(t), slots = mt->sms * resident;
  double full = floor(n_tiles / slots), rest = n_tiles - full * slots;
  double cycles = full * wave_cycles(pr, mt, g, t, kc, resident);
  if (rest > 0)
    cycles += wave_cycles(pr, mt, g, t, kc, ceil_div(rest, mt->sms));
  double compute_s = cycles / mt->clock_hz;
  double bw = mt->mem_bytes_per_s * (g->family == GEMM_BLAS ? pr->gemm_mem_eff : pr->mem_eff);
  double dram = g->dram_bytes >= 0 ? g->dram_bytes : gemm_dram_bytes(mt, t, g->m, g->n, g->k, g->batch);
  double reduce_s = split > 1 ? split * g->m * g->n * g->batch * 4.0 * 2 / bw : 0;
  *waves_out = full + (rest > 0);
  return fmax(compute_s, dram / bw) + reduce_s;
}

/* Volta's and Turing's libraries run a matrix-unit GEMM only when m, n and k are multiples
 * of 8 (cuBLAS before CUDA 11; NVIDIA's Matrix Multiplication Background guide, "Tensor
 * Core requirements"). Otherwise cuBLAS takes the SIMT half2 path: twice the FP32 rate on
 * both (V100 31.4 vs 15.7 TFLOPS, T4 16.3 vs 8.1). */
static gboolean tensor_misaligned(const PaleoDevice *d, const PaleoMath *mt, const GemmShape *g)
{
  return mt->tensor && d->arch && d->arch->tensor_align8 && g->family == GEMM_BLAS &&
         (fmod(g->m, 8) != 0 || fmod(g->n, 8) != 0 || fmod(g->k, 8) != 0);
}

/* Split-K: cuBLAS splits a reduction much deeper than the output (profile splitk_depth)
 * while the tiles stay under one wave; cuDNN's filter-gradient kernels split the pixel
 * reduction into chunks of at least WGRAD_CHUNK, over as many waves as that gives;
 * convolution kernels do not split. */
#define WGRAD_CHUNK 512
static gboolean split_allowed(const PaleoProfile *pr, const GemmShape *g, double mn_tiles, double slots, double split)
{
  if (g->family == GEMM_CONV || g->family == GEMM_BATCHED)
    return FALSE;
  if (g->family == GEMM_WGRAD)
    return ceil_div(g->k, split) >= WGRAD_CHUNK;
  return g->k >= pr->splitk_depth * fmax(g->m, g->n) && mn_tiles * split / 2 < slots && ceil_div(g->k, split) >= 128;
}

static PaleoGemmTime gemm_time(const PaleoDevice *d, const PaleoMath *mt, const GemmShape *g)
{
  PaleoGemmTime best = {INFINITY, 0, 0, 1, 0};
  if (g->m <= 0 || g->n <= 0 || g->k <= 0 || g->batch <= 0) {
    best.ms = 0;
    return best;
  }
  PaleoMath half2;
  if (tensor_misaligned(d, mt, g) && paleo_math_init(&half2, d, PALEO_PRECISION_FP32, NULL)) {
    half2.peak_flops *= 2;
    half2.bytes = mt->bytes;
    mt = &half2;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(tiles); i++) {
    const Tile *t = &tiles[i];
    if ((t->tensor_only && !mt->tensor) || (g->family == GEMM_CONV && t->tm < 128) ||
        (g->family == GEMM_WGRAD && t->tm < 128 && t->tn < 128))
      continue;
    double slots = mt->sms * resident_tiles(t);
    double mn_tiles = ceil_div(g->m, t->tm) * ceil_div(g->n, t->tn) * g->batch;
    for (double split = 1; split <= 256; split *= 2) {
      if (split > 1 && !split_allowed(&d->profile, g, mn_tiles, slots, split))
        break;
      double waves = 0;
      double s = tile_time_s(d, mt, g, t, split, &waves);
      if (s * 1e3 < best.ms)
        best = (PaleoGemmTime){s * 1e3, t->tm, t->tn, (int)split, waves};
    }
  }
  best.ms += d->profile.launch_us * 1e-3;
  return best;
}

/* A cuBLAS GEMM, timed with the device's cuBLAS constants (blas_profile; a device built by
 * hand leaves it zero: then its profile). */
static PaleoGemmTime blas_gemm(const PaleoDevice *d, const PaleoMath *mt, const GemmShape *g)
{
  if (!(d->blas_profile.gemm_eff > 0) || !memcmp(&d->blas_profile, &d->profile, sizeof d->profile))
    return gemm_time(d, mt, g);
  PaleoDevice blas = *d;
  blas.profile = d->blas_profile;
  PaleoMath m = *mt;
  m.eff = m.tensor ? blas.profile.tensor_eff : blas.profile.gemm_eff;
  return gemm_time(&blas, &m, g);
}

PaleoGemmTime paleo_kernel_gemm(const PaleoDevice *d, const PaleoMath *mt, double m, double n, double k,
                                double batch, double flop_scale, double eff_scale)
{
  GemmShape g = {m, n, k, batch, flop_scale, eff_scale, -1, GEMM_BLAS, FALSE};
  return blas_gemm(d, mt, &g);
}

PaleoGemmTime paleo_kernel_gemm_op(const PaleoDevice *d, const PaleoMath *mt, double m, double n, double k,
                                   gboolean transposed_a)
{
  GemmShape g = {m, n, k, 1, 1, 1, -1, GEMM_BLAS, transposed_a};
  return blas_gemm(d, mt, &g);
}

PaleoGemmTime paleo_kernel_gemm_fused(const PaleoDevice *d, const PaleoMath *mt, double m, double n, double k,
                                      double batch, double flop_scale, double eff_scale, double dram_bytes)
{
  GemmShape g = {m, n, k, batch, flop_scale, eff_scale, MAX(dram_bytes, 0), GEMM_BATCHED, FALSE};
  return gemm_time(d, mt, &g);
}

double paleo_kernel_gemm_ms(const PaleoDevice *d, PaleoPrecision precision, double m, double n, double k)
{
  PaleoMath mt;
  if (!paleo_math_init(&mt, d, precision, NULL))
    return NAN;
  return paleo_kernel_gemm(d, &mt, m, n, k, 1, 1, 1).ms;
}

double paleo_kernel_memory_ms(const PaleoDevice *d, const PaleoMath *mt, double bytes)
{
  if (bytes <= 0)
    return 0;
  return d->profile.launch_us * 1e-3 + bytes / (mt->mem_bytes_per_s * d->profile.mem_eff) * 1e3;
}

/* ---- Convolution ---- */

static const char *const algo_names[PALEO_ALGO_N] = {
  [PALEO_ALGO_IMPLICIT_GEMM] = "IMPLICIT_GEMM", [PALEO_ALGO_WINOGRAD] = "WINOGRAD",
  [PALEO_ALGO_WINOGRAD_NONFUSED] = "WINOGRAD_NONFUSED", [PALEO_ALGO_FFT] = "FFT",
  [PALEO_ALGO_FFT_TILING] = "FFT_TILING", [PALEO_ALGO_GEMM] = "GEMM",
};

const char *paleo_conv_algo_name(PaleoKernelAlgo algo)
{
  g_return_val_if_fail(algo < PALEO_ALGO_N, "?");
  return algo_names[algo];
}

gboolean paleo_conv_algo_parse(const char *name, PaleoKernelAlgo *out)
{
  if (!name)
    return FALSE;
  if (!g_ascii_strcasecmp(name, "IMPLICIT_PRECOMP_GEMM") || !g_ascii_strcasecmp(name, "LICIT_PRECOMP_GEMM")) {
    *out = PALEO_ALGO_IMPLICIT_GEMM;
    return TRUE;
  }
  for (int a = 0; a < PALEO_ALGO_N; a++)
    if (!g_ascii_strcasecmp(name, algo_names[a])) {
      *out = (PaleoKernelAlgo)a;
      return TRUE;
    }
  return FALSE;
}

guint paleo_conv_algo_family(PaleoKernelAlgo algo)
{
  if (algo == PALEO_ALGO_IMPLICIT_GEMM || algo == PALEO_ALGO_GEMM)
    return 1u << PALEO_ALGO_IMPLICIT_GEMM | 1u << PALEO_ALGO_GEMM;
  return PALEO_ALGO_ALL;
}

const char *paleo_pass_name(PaleoPass pass)
{
  static const char *const names[PALEO_PASS_N] = {"fwd", "bwd_data", "bwd_filter"};
  g_return_val_if_fail(pass < PALEO_PASS_N, "?");
  return names[pass];
}

void paleo_conv_geom_init(PaleoConvGeom *g, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                          int64_t s, int64_t pad_h, int64_t pad_w, int64_t stride_h, int64_t stride_w)
{
  g_assert(stride_h > 0 && stride_w > 0);
  *g = (PaleoConvGeom){n, c, h, w, k, r, s, pad_h, pad_w, stride_h, stride_w, 0, 0};
  g->p = (h + 2 * pad_h - r) / stride_h + 1;
  g->q = (w + 2 * pad_w - s) / stride_w + 1;
}

/* (output, tap) pairs along one dimension whose input index lies inside [0, size). */
static double valid_pairs(int64_t out, int64_t taps, int64_t stride, int64_t pad, int64_t size)
{
  double pairs = 0;
  for (int64_t o = 0; o < out; o++) {
    int64_t first = o * stride - pad;
    int64_t lo = MAX(first, 0), hi = MIN(first + taps, size);
    pairs += (double)MAX(hi - lo, 0);
  }
  return pairs;
}

double paleo_conv_useful_flops(const PaleoConvGeom *g)
{
  return 2.0 * (double)g->n * (double)g->k * (double)g->c *
         valid_pairs(g->p, g->r, g->stride_h, g->pad_h, g->h) *
         valid_pairs(g->q, g->s, g->stride_w, g->pad_w, g->w);
}

static double pass_eff(const PaleoProfile *pr, PaleoPass pass)
{
  return pass == PALEO_PASS_BWD_DATA ? pr->dgrad_eff : pass == PALEO_PASS_BWD_FILTER ? pr->wgrad_eff : 1.0;
}

/* The three tensors a pass reads and writes (input, filter, output), in bytes. */
static double pass_bytes(const PaleoMath *mt, const PaleoConvGeom *g)
{
  double x = (double)(g->n * g->c * g->h * g->w), w = (double)(g->k * g->c * g->r * g->s);
  double y = (double)(g->n * g->k * g->p * g->q);
  return (x + w + y) * mt->bytes;
}

/* A convolution whose filter covers the whole (unpadded) input: a fully-connected layer
 * written as a convolution (AlexNet's fc6). TensorFlow and Caffe run its three passes as
 * plain GEMMs (cuBLAS). */
static gboolean is_fc_conv(const PaleoConvGeom *g)
{
  return g->p == 1 && g->q == 1 && g->r == g->h && g->s == g->w && g->pad_h == 0 && g->pad_w == 0;
}

/* Implicit GEMM (cuDNN): fwd N P Q x K x C R S (padding taps included, as the kernel runs
 * them); bwd-data N H W x C x K R S (the kernel walks every input pixel and every tap, so
 * a stride-s layer pays for its stride holes); bwd-filter K x C R S x N P Q, split over
 * the pixels. An fc-as-conv layer is a plain GEMM (is_fc_conv). */
static double implicit_ms(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g, PaleoPass pass)
{
  double c = (double)g->c, k = (double)g->k;
  double npq = (double)(g->n * g->p * g->q), rs = (double)(g->r * g->s);
  GemmShape s = {npq, (double)g->k, c * rs, 1, 1, d->profile.implicit_eff * pass_eff(&d->profile, pass),
                 pass_bytes(mt, g), GEMM_CONV, FALSE};
  if (is_fc_conv(g)) {
    double kdim = c * rs;
    s = (GemmShape){npq, (double)g->k, kdim, 1, 1, pass_eff(&d->profile, pass), -1, GEMM_BLAS, FALSE};
    if (pass == PALEO_PASS_BWD_DATA)
      s.n = kdim, s.k = k;
    else if (pass == PALEO_PASS_BWD_FILTER)
      s.m = kdim, s.k = npq;
  } else if (pass == PALEO_PASS_BWD_DATA) {
    s.m = (double)(g->n * g->h * g->w);
    s.n = (double)g->c;
    s.k = k * rs;
  } else if (pass == PALEO_PASS_BWD_FILTER) {
    s.m = (double)g->k;
    s.n = c * rs;
    s.k = npq;
    s.family = GEMM_WGRAD;
  }
  return gemm_time(d, mt, &s).ms;
}

/* Batched GEMMs in a transformed domain (Winograd or FFT): `points` products of
 * tiles x a x b; fwd (a, b) = (C, K) reduced over C; bwd-data (K, C) reduced over K;
 * bwd-filter C x K reduced over the tiles. */
static GemmShape transformed_gemm(const PaleoDevice *d, const PaleoConvGeom *g, PaleoPass pass, double points,
                                  double n_tiles, double flop_scale, double elem_bytes, double eff)
{
  double c = (double)g->c, k = (double)g->k;
  GemmShape s = {n_tiles, (double)g->k, c, points, flop_scale, eff * pass_eff(&d->profile, pass), 0, GEMM_BATCHED,
                 FALSE};
  if (pass == PALEO_PASS_BWD_DATA) {
    s.n = (double)g->c;
    s.k = k;
  } else if (pass == PALEO_PASS_BWD_FILTER) {
    s.m = (double)g->c;
    s.n = (double)g->k;
    s.k = n_tiles;
    s.family = GEMM_WGRAD;
  }
  s.dram_bytes = points * (n_tiles * c + c * k + n_tiles * k) * elem_bytes;
  return s;
}

/* Transform kernels around a transformed-domain GEMM: the input, the filter and the
 * output are each read (or written) in the plain domain and written (or read) in the
 * transformed one: three memory-bound kernels. */
static double transforms_ms(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g, double points,
                            double n_tiles, double elem_bytes)
{
  double x = (double)(g->n * g->c * g->h * g->w), w = (double)(g->k * g->c * g->r * g->s);
  double y = (double)(g->n * g->k * g->p * g->q);
  double c = (double)g->c, k = (double)g->k;
  return paleo_kernel_memory_ms(d, mt, x * mt->bytes + points * n_tiles * c * elem_bytes) +
         paleo_kernel_memory_ms(d, mt, w * mt->bytes + points * c * k * elem_bytes) +
         paleo_kernel_memory_ms(d, mt, y * mt->bytes + points * n_tiles * k * elem_bytes);
}

static gboolean winograd_applies(const PaleoConvGeom *g)
{
  return g->r == 3 && g->s == 3 && g->stride_h == 1 && g->stride_w == 1;
}

/* F(m x m, 3 x 3): (m + 2)^2 products per tile of m x m outputs. Fused (m = 2) reads the
 * plain tensors directly; non-fused (m = 4) adds transform kernels. */
static double winograd_ms(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g, PaleoPass pass,
                          int m, gboolean fused)
{
  double n_tiles = (double)g->n * ceil_div((double)g->p, m) * ceil_div((double)g->q, m);
  double points = (m + 2.0) * (m + 2.0);
  GemmShape s = transformed_gemm(d, g, pass, points, n_tiles, 1, mt->bytes, d->profile.winograd_eff);
  if (fused) {
    /* one kernel: each thread block transforms its tiles and multiplies all the points
     * itself, so the points add work per block, not blocks */
    s.flop_scale = s.batch;
    s.batch = 1;
    s.family = GEMM_CONV;
    s.dram_bytes = pass_bytes(mt, g);
    return gemm_time(d, mt, &s).ms;
  }
  return gemm_time(d, mt, &s).ms + transforms_ms(d, mt, g, points, n_tiles, mt->bytes);
}

static double next_pow2(double x)
{
  return pow(2.0, ceil(log2(fmax(x, 1))));
}

/* FFT: per frequency bin, a complex GEMM (4 real multiply-adds per complex one) on
 * complex FP32 spectra; whole image (padded to a power of two, up to 256) or 32 x 32 tiles
 * each giving (33 - R) x (33 - S) outputs. */
static double fft_ms(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g, PaleoPass pass,
                     gboolean tiling)
{
  double fh, fw, n_tiles;
  if (tiling) {
    if (g->r > 32 || g->s > 32)
      return INFINITY;
    fh = fw = 32;
    n_tiles = (double)g->n * ceil_div((double)g->p, 33.0 - (double)g->r) * ceil_div((double)g->q, 33.0 - (double)g->s);
  } else {
    fh = next_pow2((double)(g->h + 2 * g->pad_h));
    fw = next_pow2((double)(g->w + 2 * g->pad_w));
    if (fh > 256 || fw > 256)
      return INFINITY;
    n_tiles = (double)g->n;
  }
  double bins = fh * (floor(fw / 2) + 1);
  GemmShape s = transformed_gemm(d, g, pass, bins, n_tiles, 4, 8, d->profile.fft_eff);
  return gemm_time(d, mt, &s).ms + transforms_ms(d, mt, g, bins, n_tiles, 8);
}

static gboolean fft_applies(const PaleoConvGeom *g)
{
  return g->stride_h == 1 && g->stride_w == 1;
}

/* GEMM over the column space (C R S x N P Q): forward (cuDNN's FWD_ALGO_GEMM) writes the
 * columns from the input (im2col) and multiplies K x N P Q x C R S; backward-data (its
 * BWD_DATA_ALGO_0, a sum of matrix products) multiplies W^T dY (C R S x N P Q x K) and adds
 * each product element into the zeroed dX with an atomic add (profile atomic_bytes). */
static double column_gemm_ms(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g, PaleoPass pass)
{
  double crs = (double)(g->c * g->r * g->s), npq = (double)(g->n * g->p * g->q);
  double c = (double)g->c, k = (double)g->k;
  double x = (double)(g->n * g->c * g->h * g->w) * mt->bytes, columns = crs * npq * mt->bytes;
  GemmShape s = {(double)g->k, npq, c * g->r * g->s, 1, 1, pass_eff(&d->profile, pass), -1, GEMM_BLAS, FALSE};
  if (pass == PALEO_PASS_FWD) /* im2col: read the input, write the columns */
    return gemm_time(d, mt, &s).ms + paleo_kernel_memory_ms(d, mt, columns + x);
  /* zero dX, then the product adds each column element into it atomically */
  s = (GemmShape){crs, npq, k, 1, 1, pass_eff(&d->profile, pass), -1, GEMM_BLAS, FALSE};
  return gemm_time(d, mt, &s).ms + paleo_kernel_memory_ms(d, mt, x) +
         paleo_kernel_memory_ms(d, mt, crs * npq * d->profile.atomic_bytes);
}

static int64_t align_channels(int64_t x, int a)
{
  return a > 1 ? (x + a - 1) / a * a : x;
}

/* Tensor-core convolutions take NHWC tensors; cuDNN transposes NCHW ones on the way in and
 * out (NVIDIA's Convolutional Layers guide: "Tensor Core operations ... NHWC; NCHW inputs
 * are transposed"): each of the pass's three tensors read and written once more. */
static double layout_ms(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g)
{
  double x = (double)(g->n * g->c * g->h * g->w), w = (double)(g->k * g->c * g->r * g->s);
  double y = (double)(g->n * g->k * g->p * g->q);
  return paleo_kernel_memory_ms(d, mt, 2 * x * mt->bytes) + paleo_kernel_memory_ms(d, mt, 2 * w * mt->bytes) +
         paleo_kernel_memory_ms(d, mt, 2 * y * mt->bytes);
}

PaleoConvTime paleo_kernel_conv_algo(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *given,
                                     PaleoPass pass, PaleoKernelAlgo algo)
{
  PaleoConvTime t = {INFINITY, algo, paleo_conv_useful_flops(given)};
  if (t.flops <= 0) {
    t.ms = 0;
    return t;
  }
  /* matrix units need channel counts in multiples of k_align: the tensors are padded */
  PaleoConvGeom padded = *given;
  padded.c = align_channels(given->c, mt->k_align);
  padded.k = align_channels(given->k, mt->k_align);
  const PaleoConvGeom *g = &padded;
  switch (algo) {
  case PALEO_ALGO_IMPLICIT_GEMM: t.ms = implicit_ms(d, mt, g, pass); break;
  case PALEO_ALGO_WINOGRAD:
    if (winograd_applies(g) && pass != PALEO_PASS_BWD_FILTER)
      t.ms = winograd_ms(d, mt, g, pass, 2, TRUE);
    break;
  case PALEO_ALGO_WINOGRAD_NONFUSED:
    if (winograd_applies(g))
      t.ms = winograd_ms(d, mt, g, pass, 4, FALSE);
    break;
  case PALEO_ALGO_FFT:
    if (fft_applies(g))
      t.ms = fft_ms(d, mt, g, pass, FALSE);
    break;
  case PALEO_ALGO_FFT_TILING:
    if (fft_applies(g))
      t.ms = fft_ms(d, mt, g, pass, TRUE);
    break;
  case PALEO_ALGO_GEMM:
    if (pass != PALEO_PASS_BWD_FILTER && !is_fc_conv(g))
      t.ms = column_gemm_ms(d, mt, g, pass);
    break;
  default: g_return_val_if_reached(t);
  }
  if (mt->tensor && isfinite(t.ms))
    t.ms += layout_ms(d, mt, g);
  return t;
}

PaleoConvTime paleo_kernel_conv_among(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g,
                                      PaleoPass pass, guint mask)
{
  PaleoConvTime best = paleo_kernel_conv_algo(d, mt, g, pass, PALEO_ALGO_IMPLICIT_GEMM);
  gboolean have = mask & 1u << PALEO_ALGO_IMPLICIT_GEMM;
  for (int a = PALEO_ALGO_IMPLICIT_GEMM + 1; a < PALEO_ALGO_N; a++) {
    if (!(mask & 1u << a))
      continue;
    PaleoConvTime t = paleo_kernel_conv_algo(d, mt, g, pass, (PaleoKernelAlgo)a);
    if (isfinite(t.ms) && (!have || t.ms < best.ms))
      best = t, have = TRUE;
  }
  return best;
}

guint paleo_conv_algos_fastest(PaleoPass pass)
{
  return pass == PALEO_PASS_FWD ? PALEO_ALGO_ALL & ~(1u << PALEO_ALGO_GEMM) : PALEO_ALGO_ALL;
}

PaleoConvTime paleo_kernel_conv(const PaleoDevice *d, const PaleoMath *mt, const PaleoConvGeom *g, PaleoPass pass)
{
  return paleo_kernel_conv_among(d, mt, g, pass, paleo_conv_algos_fastest(pass));
}

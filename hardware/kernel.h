/* The refined model's kernel times on one device: numeric precisions, GEMM with tile and
 * wave quantisation over the device's SMs, memory-bound kernels, and convolutions with
 * cuDNN-style algorithm choice (implicit GEMM, Winograd, FFT) for each pass. Reusable by
 * any layer type: a matmul, an attention score or a convolution all end in these calls.
 * Times are milliseconds; every constant comes from the device's PaleoProfile. */
#ifndef PALEO_KERNEL_H
#define PALEO_KERNEL_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"

typedef enum {
  PALEO_PRECISION_FP32,   /* SIMT FP32, 4 bytes */
  PALEO_PRECISION_TF32,   /* matrix units where present (else FP32 math), 4 bytes */
  PALEO_PRECISION_FP16,   /* 2 bytes, the device's fastest FP16 math (tensor cores where present) */
  PALEO_PRECISION_BF16,   /* 2 bytes, BF16 matrix units where present (else FP32 math) */
  PALEO_PRECISION_FP8,    /* 1 byte, FP8 matrix units where present (else the FP16 path) */
  PALEO_PRECISION_FP16IO, /* 2-byte storage, FP32 math (pre-Volta "pseudo FP16") */
  PALEO_PRECISION_N
} PaleoPrecision;

/* "fp32", "tf32", "fp16", "bf16", "fp8", "fp16io". */
const char *paleo_precision_name(PaleoPrecision precision);
/* Case-insensitive; also DeepBench's tags "fp16io_fp32math" (fp16io) and "fp16io_mixed"
 * (fp16). FALSE when unknown. */
gboolean paleo_precision_parse(const char *name, PaleoPrecision *out);
/* Bytes per stored element: 4, 4, 2, 2, 1, 2. */
double paleo_precision_bytes(PaleoPrecision precision);
/* "fp32|tf32|fp16|bf16|fp8|fp16io" (static). */
const char *paleo_precision_names_text(void);

/* How one die of a device computes at a precision (datasheet figures, per die). */
typedef struct {
  double peak_flops;     /* FLOP/s of the math path used */
  double mem_bytes_per_s;/* DRAM bandwidth of one die */
  double sms;            /* SMs of one die */
  double clock_hz;       /* sustained clock (paleo_device_sustained_mhz) */
  double l2_bytes;       /* of one die; 0 unknown */
  double bytes;          /* per stored element */
  gboolean tensor;       /* matrix units: peak >= 4x the SIMT FP32 peak */
  double eff;            /* profile's gemm_eff or tensor_eff */
  int k_align;           /* tensor: channels (C, K) padded to 16 bytes of elements (8 FP16); else 1 */
} PaleoMath;

/* Boards of the slot-powered class (TDP at most this, W: T4, L4) are power capped. */
#define PALEO_POWER_CAPPED_W 75.0
/* FP32 lanes per SM that four warp schedulers issuing one 32-thread instruction a cycle feed. */
#define PALEO_ISSUE_LANES_PER_SM 128.0

/* The clock (MHz) a device holds under sustained dense math. A power-capped board (tdp_w at
 * most PALEO_POWER_CAPPED_W, with a base clock) cannot hold its boost clock under sustained
 * GEMM or tensor-core work: it settles between its base clock (what it guarantees at TDP for
 * the worst-case load) and its boost clock; the model takes their geometric mean (T4: 964 of
 * 1590 MHz). Every other board: its boost clock (the datasheet peaks' clock). */
double paleo_device_sustained_mhz(const PaleoDevice *device);

/* TRUE when the device has matrix units (tensor cores): an FP16 peak of at least 4x FP32. */
gboolean paleo_device_has_matrix_units(const PaleoDevice *device);

/* Resolves the math path: the precision's peak at the sustained clock (and, on the SIMT
 * path, within what the SM's schedulers can issue: Kepler's 192-lane SMX reaches 2/3);
 * FALSE with PALEO_CONFIG_ERROR_INVALID naming the device and the
 * missing figure (sm_count) when the device lacks what the refined model needs. */
gboolean paleo_math_init(PaleoMath *math, const PaleoDevice *device, PaleoPrecision precision,
                         GError **error);

/* ---- GEMM: C[m, n] = A[m, k] B[k, n], `batch` independent products. */
typedef struct {
  double ms;
  int tile_m, tile_n;   /* the tile chosen */
  int split_k;          /* k split across this many tiles (1: none) */
  double waves;
} PaleoGemmTime;

/* A cuBLAS GEMM (with the device's blas_profile). Cheapest tile and split-K: waves of ceil(tiles / (SMs x resident tiles)), each
 * resident x 2 tm tn kc / (peak per SM x eff(tile)) + tile_cycles; at least the DRAM time
 * of the operands; plus launch (and a reduction pass when split). `flop_scale` multiplies
 * the arithmetic (4 for complex products); `eff_scale` the efficiency (an algorithm's). */
PaleoGemmTime paleo_kernel_gemm(const PaleoDevice *device, const PaleoMath *math, double m, double n,
                                double k, double batch, double flop_scale, double eff_scale);
/* One cuBLAS GEMM with its operand layout: op(A) = A^T when `transposed_a` (the profile's
 * gemm_ta_eff applies). */
PaleoGemmTime paleo_kernel_gemm_op(const PaleoDevice *device, const PaleoMath *math, double m, double n, double k,
                                   gboolean transposed_a);
/* The same with the kernel's DRAM traffic given (bytes over all `batch` products): a fused
 * kernel that keeps intermediate products on chip (FlashAttention) streams its inputs and
 * outputs only. */
PaleoGemmTime paleo_kernel_gemm_fused(const PaleoDevice *device, const PaleoMath *math, double m, double n,
                                      double k, double batch, double flop_scale, double eff_scale,
                                      double dram_bytes);
/* Shorthand: plain GEMM time in ms at `precision` (no error: see paleo_math_init). */
double paleo_kernel_gemm_ms(const PaleoDevice *device, PaleoPrecision precision, double m, double n,
                            double k);
/* A streaming (memory-bound) kernel moving `bytes`: launch + bytes / (bandwidth x mem_eff). */
double paleo_kernel_memory_ms(const PaleoDevice *device, const PaleoMath *math, double bytes);

/* ---- Convolution, NCHW geometry as cuDNN and DeepBench describe it. */
typedef struct {
  int64_t n, c, h, w;    /* input */
  int64_t k, r, s;       /* filters: k of c x r x s */
  int64_t pad_h, pad_w, stride_h, stride_w;
  int64_t p, q;          /* output height, width */
} PaleoConvGeom;

typedef enum { PALEO_PASS_FWD, PALEO_PASS_BWD_DATA, PALEO_PASS_BWD_FILTER, PALEO_PASS_N } PaleoPass;

typedef enum {
  PALEO_ALGO_IMPLICIT_GEMM,
  PALEO_ALGO_WINOGRAD,          /* fused F(2x2, 3x3) */
  PALEO_ALGO_WINOGRAD_NONFUSED, /* F(4x4, 3x3) with transform kernels */
  PALEO_ALGO_FFT,               /* whole-image FFT */
  PALEO_ALGO_FFT_TILING,        /* 32 x 32 tiles */
  PALEO_ALGO_GEMM,              /* explicit GEMM on a column buffer (bwd-data: W^T dY, then col2im) */
  PALEO_ALGO_N
} PaleoKernelAlgo;

const char *paleo_conv_algo_name(PaleoKernelAlgo algo); /* "IMPLICIT_GEMM", "WINOGRAD", ... */
/* cuDNN's algorithm names as benchmarks print them: ours, IMPLICIT_PRECOMP_GEMM (and its
 * truncation LICIT_PRECOMP_GEMM, DeepBench anomaly 6) as IMPLICIT_GEMM; case-insensitive.
 * FALSE for names the model does not cost (DIRECT, empty). */
gboolean paleo_conv_algo_parse(const char *name, PaleoKernelAlgo *out);

/* Sets of algorithms, as bit masks of 1 << PaleoKernelAlgo. */
#define PALEO_ALGO_ALL ((1u << PALEO_ALGO_N) - 1)
/* The algorithms of `algo`'s family: the GEMM family (implicit and explicit GEMM) or the
 * transformed-domain family (Winograd and FFT, which cuDNN falls back from to GEMMs, so
 * every algorithm). A library that ran a GEMM-family forward pass runs its backward passes
 * with GEMM-family kernels too (cuDNN's tensor-op paths and DeepBench's cuDNN-7 harness
 * pin them there). */
guint paleo_conv_algo_family(PaleoKernelAlgo algo);
const char *paleo_pass_name(PaleoPass pass);           /* "fwd", "bwd_data", "bwd_filter" */

/* Output size floor((H + 2 pad - R) / stride) + 1 (DeepBench, cuDNN). */
void paleo_conv_geom_init(PaleoConvGeom *g, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k,
                          int64_t r, int64_t s, int64_t pad_h, int64_t pad_w, int64_t stride_h,
                          int64_t stride_w);
/* Multiply-adds that touch real data (2x = FLOPs), the same for every pass: N K C and the
 * (output, tap) pairs whose input lies inside the image; no padding or stride holes. */
double paleo_conv_useful_flops(const PaleoConvGeom *g);

typedef struct {
  double ms;
  PaleoKernelAlgo algo;
  double flops;          /* useful FLOPs (paleo_conv_useful_flops) */
} PaleoConvTime;

/* The algorithms a library's "fastest" search picks among for a pass: every one, except
 * the explicit forward GEMM (cuDNN's FWD_ALGO_GEMM never wins in DeepBench's calibration
 * rows; it is costed only where a measurement names it). */
guint paleo_conv_algos_fastest(PaleoPass pass);
/* Cheapest applicable algorithm for one pass among paleo_conv_algos_fastest (cuDNN's
 * "fastest" choice): implicit GEMM always; the column GEMM for backward-data; Winograd for
 * 3x3 stride 1; FFT for stride 1 (whole image up to 256 points per side, or 32x32 tiles). */
PaleoConvTime paleo_kernel_conv(const PaleoDevice *device, const PaleoMath *math,
                                const PaleoConvGeom *g, PaleoPass pass);
/* The cheapest of the algorithms in `mask` that apply (implicit GEMM when none does). */
PaleoConvTime paleo_kernel_conv_among(const PaleoDevice *device, const PaleoMath *math, const PaleoConvGeom *g,
                                      PaleoPass pass, guint mask);
/* One algorithm's time; ms = +inf when it does not apply. */
PaleoConvTime paleo_kernel_conv_algo(const PaleoDevice *device, const PaleoMath *math,
                                     const PaleoConvGeom *g, PaleoPass pass, PaleoKernelAlgo algo);

#endif

/* Convolution geometry and costs of the `paleo` model: output shapes and padding, the
 * backward "dummy convolutions" built like TensorFlow's ConvBackprop kernels, and PALEO's
 * GEMM and FFT cost formulas (flops_profiler.py). */
#include "workloads/cost.h"

#include <math.h>

#define BYTES_FLOAT 4.0
#define BYTES_COMPLEX 8.0

/* Python's floor division (pads can be negative). */
static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t out_valid(int64_t h, int64_t k, int64_t s)
{
  return (int64_t)ceil((double)(h - k + 1) / (double)s);
}

void paleo_conv_spec_init(PaleoConvSpec *conv, PaleoShape input, int64_t kh, int64_t kw,
                          int64_t cout, int64_t sh, int64_t sw, PaleoPadding padding,
                          int64_t pad_h, int64_t pad_w)
{
  g_assert(sh > 0 && sw > 0);
  *conv = (PaleoConvSpec){.input = input, .kh = kh, .kw = kw, .cout = cout, .sh = sh,
                          .sw = sw, .padding = padding};
  int64_t ho, wo;
  switch (padding) {
  case PALEO_PAD_VALID:
    ho = out_valid(input.h, kh, sh);
    wo = out_valid(input.w, kw, sw);
    break;
  case PALEO_PAD_SAME:
    ho = (int64_t)ceil((double)input.h / (double)sh);
    wo = (int64_t)ceil((double)input.w / (double)sw);
    pad_h = floor_div((ho - 1) * sh + kh - input.h, 2);
    pad_w = floor_div((wo - 1) * sw + kw - input.w, 2);
    break;
  default:
    ho = floor_div(input.h + 2 * pad_h - kh, sh) + 1;
    wo = floor_div(input.w + 2 * pad_w - kw, sw) + 1;
    break;
  }
  conv->pad_h = padding == PALEO_PAD_VALID ? 0 : pad_h;
  conv->pad_w = padding == PALEO_PAD_VALID ? 0 : pad_w;
  conv->output = (PaleoShape){input.n, ho, wo, cout};
}

/* TensorFlow ConvBackpropExtractAndVerifyDimension, one spatial dimension. */
typedef struct {
  int64_t expanded; /* Hexp */
  int64_t pad;      /* min(pad_before, pad_after) */
} BackpropDim;

static BackpropDim backprop_dim(int64_t in, int64_t out, int64_t k, int64_t stride,
                                int64_t pad)
{
  int64_t expanded = (out - 1) * stride + 1;
  int64_t padded_out = in + k - 1;
  int64_t before = k - 1 - pad;
  int64_t after = padded_out - expanded - before;
  if (llabs(before - after) == 1)
    expanded += 1;
  return (BackpropDim){expanded, MIN(before, after)};
}

static void backprop_dims(const PaleoConvSpec *fwd, BackpropDim *h, BackpropDim *w,
                          double *holes)
{
  *h = backprop_dim(fwd->input.h, fwd->output.h, fwd->kh, fwd->sh, fwd->pad_h);
  *w = backprop_dim(fwd->input.w, fwd->output.w, fwd->kw, fwd->sw, fwd->pad_w);
  int64_t n_holes = h->expanded * w->expanded - fwd->output.h * fwd->output.w;
  *holes = (double)n_holes / (double)h->expanded / (double)w->expanded;
}

void paleo_conv_spec_grad_data(const PaleoConvSpec *fwd, PaleoConvSpec *out)
{
  BackpropDim h, w;
  double holes;
  backprop_dims(fwd, &h, &w, &holes);
  PaleoShape in = {fwd->output.n, h.expanded, w.expanded, fwd->output.c};
  paleo_conv_spec_init(out, in, fwd->kh, fwd->kw, fwd->input.c, 1, 1, PALEO_PAD_EXPLICIT,
                       h.pad, w.pad);
  out->holes = holes;
  out->holes_in_input = TRUE;
}

void paleo_conv_spec_grad_filter(const PaleoConvSpec *fwd, PaleoConvSpec *out)
{
  BackpropDim h, w;
  double holes;
  backprop_dims(fwd, &h, &w, &holes);
  PaleoShape in = {fwd->input.c, fwd->input.h, fwd->input.w, fwd->input.n};
  PaleoPadding padding = fwd->padding == PALEO_PAD_VALID ? PALEO_PAD_VALID : PALEO_PAD_EXPLICIT;
  paleo_conv_spec_init(out, in, h.expanded, w.expanded, fwd->output.c, 1, 1, padding, h.pad,
                       w.pad);
  out->holes = holes;
  out->holes_in_input = FALSE;
}

static double holes_in_filter(const PaleoConvSpec *c)
{
  return c->holes_in_input ? 0.0 : c->holes;
}

static double holes_in_input(const PaleoConvSpec *c)
{
  return c->holes_in_input ? c->holes : 0.0;
}

double paleo_conv_gemm_flops(const PaleoConvSpec *c)
{
  int64_t flops = 2 * c->kh * c->kw * c->input.c;
  flops *= c->output.h * c->output.w * c->cout;
  flops *= c->input.n;
  double f = (double)flops * (1.0 - holes_in_filter(c));
  if (holes_in_input(c) > 0)
    f += 2.0 * (double)paleo_shape_elems(c->input) * (1.0 - holes_in_input(c));
  return f;
}

PaleoCompComm paleo_cost_conv_gemm(const PaleoConvSpec *c, const PaleoDevice *d, double ppp)
{
  double padded_input = (double)(c->input.n * (c->input.h + 2 * c->pad_h) *
                                 (c->input.w + 2 * c->pad_w) * c->input.c);
  double filter = (double)(c->kh * c->kw * c->input.c * c->cout);
  PaleoCompComm t = {0, 0};
  t.comm_ms = paleo_timing_mem_ms(d, padded_input * BYTES_FLOAT, ppp);
  t.comm_ms += paleo_timing_mem_ms(d, filter * (1.0 - holes_in_filter(c)) * BYTES_FLOAT, ppp);
  t.comm_ms += paleo_timing_mem_ms(d, (double)paleo_shape_elems(c->output) * BYTES_FLOAT, ppp);
  t.comp_ms = paleo_timing_comp_ms(d, paleo_conv_gemm_flops(c), ppp);
  return t;
}

static double to_pow2(double n)
{
  return pow(2.0, ceil(log(n) / log(2.0)));
}

/* PALEO's (self-declared inexact) FFT flop count for one transform of fft_dim points. */
static double fft_flops(double fft_dim, gboolean c2r, gboolean filter_1d)
{
  double tile = to_pow2(sqrt(fft_dim));
  double f = 2 * tile * 5 * tile * (log(tile) / log(2.0));
  if (filter_1d)
    f /= 2;
  if (!c2r)
    f /= 2;
  return f;
}

/* FFT transform sizes: whole padded image, or 32x32 tiles. */
typedef struct {
  double fft_size;  /* points per transform */
  double num_tiles;
  double tile_size; /* side, for 1-D filters' transformed size */
} FftPlan;

static FftPlan fft_plan(const PaleoConvSpec *c, gboolean tiling)
{
  if (tiling) {
    const int64_t tile = 32;
    int64_t h_tiles = (c->input.h + tile - 1) / tile;
    int64_t w_tiles = (c->input.w + tile - 1) / tile;
    return (FftPlan){(double)(tile * tile), (double)(h_tiles * w_tiles), (double)tile};
  }
  int64_t ph = MAX(c->input.h + 2 * c->pad_h, c->kh);
  int64_t pw = MAX(c->input.w + 2 * c->pad_w, c->kw);
  return (FftPlan){(double)(ph * pw), 1.0, (double)MAX(ph, pw)};
}

PaleoCompComm paleo_cost_conv_fft(const PaleoConvSpec *c, const PaleoDevice *d, double ppp,
                              gboolean tiling)
{
  FftPlan p = fft_plan(c, tiling);
  gboolean filter_1d = c->kh == 1 || c->kw == 1;
  double n = (double)c->input.n, k = (double)c->cout;
  double inputs_nc = n * (double)c->input.c;
  double filters_ck = (double)c->input.c * k;
  double filter_points = filter_1d ? p.tile_size : p.fft_size;
  double comp = 0, comm = 0, comp_f = 0, comm_f = 0;

  /* (1) r2c transforms of inputs and filters, read real / write complex. */
  comp += p.num_tiles * paleo_timing_comp_ms(d, inputs_nc * fft_flops(p.fft_size, FALSE, filter_1d), ppp);
  comp_f += paleo_timing_comp_ms(d, filters_ck * fft_flops(p.fft_size, FALSE, filter_1d), ppp);
  comm += p.num_tiles * paleo_timing_mem_ms(d, inputs_nc * p.fft_size * BYTES_FLOAT, ppp);
  comm += p.num_tiles * paleo_timing_mem_ms(d, inputs_nc * p.fft_size * BYTES_COMPLEX, ppp);
  comm_f += paleo_timing_mem_ms(d, filters_ck * p.fft_size * BYTES_FLOAT, ppp);
  comm_f += paleo_timing_mem_ms(d, filters_ck * filter_points * BYTES_COMPLEX, ppp);
  /* (2) complex pointwise products (4 flops each), read both operands, write result. */
  comp += p.num_tiles * paleo_timing_comp_ms(d, 4 * n * (double)c->input.c * k * p.fft_size, ppp);
  comm += p.num_tiles * paleo_timing_mem_ms(d, inputs_nc * p.fft_size * BYTES_COMPLEX, ppp);
  comm_f += p.num_tiles * paleo_timing_mem_ms(d, filters_ck * filter_points * BYTES_COMPLEX, ppp);
  comm += p.num_tiles * paleo_timing_mem_ms(d, n * k * p.fft_size * BYTES_COMPLEX, ppp);
  /* (3) c2r transforms of the results, read complex once, write the output. */
  comp += p.num_tiles * paleo_timing_comp_ms(d, n * k * fft_flops(p.fft_size, TRUE, filter_1d), ppp);
  comm += paleo_timing_mem_ms(d, n * k * p.fft_size * BYTES_COMPLEX, ppp);
  comm += paleo_timing_mem_ms(d, (double)paleo_shape_elems(c->output) * BYTES_FLOAT, ppp);
  return (PaleoCompComm){comp + comp_f, comm + comm_f};
}

/* The refined cost model's free constants (a "profile"): efficiencies and fixed costs that
 * turn datasheet figures into kernel times. The shipped values live in configs/refined.ini
 * (`[refined]`, fitted by `paleosim calibrate` on DeepBench rows); a user profile adds
 * `[refined DEVICE]` for one device. Every constant is dimensionless or in a unit that
 * carries across GPUs (clock cycles, microseconds), so it applies to devices never fitted. */
#ifndef PALEO_PROFILE_H
#define PALEO_PROFILE_H

#include <glib.h>

typedef struct {
  double gemm_eff;       /* fraction of the SIMT peak a large GEMM tile's main loop reaches */
  double tensor_eff;     /* the same on matrix units (tensor cores); not in the calibration data */
  double tile_intensity; /* i0, elements: a tm x tn tile runs at I/(I+i0) of the large-tile rate,
                            I = tm tn / (tm + tn) (operand reuse) */
  double tile_cycles;    /* fixed clock cycles per wave of tiles (prologue, epilogue) */
  double kstep_cycles;   /* least clock cycles per main-loop step (8 deep in k; 32 on matrix
                            units): the memory latency an SM cannot hide with few tiles */
  double launch_us;      /* fixed cost per kernel: launch and tail, microseconds */
  double mem_eff;        /* fraction of the DRAM bandwidth a streaming kernel reaches */
  double gemm_mem_eff;   /* fraction of it a GEMM's operand streaming reaches (narrow GEMMs) */
  double gemm_ta_eff;    /* a GEMM whose A is transposed (cuBLAS op(A) = A^T) relative to op N */
  double splitk_depth;   /* cuBLAS splits the reduction of a GEMM whose tiles fill less than a
                            wave only when k >= splitk_depth x max(m, n) */
  double atomic_bytes;   /* DRAM time of one 4-byte atomic add, in streamed bytes */
  double implicit_eff;   /* implicit-GEMM convolution relative to a plain GEMM */
  double winograd_eff;   /* Winograd convolution's GEMM relative to a plain GEMM */
  double fft_eff;        /* FFT convolution's pointwise products relative to a plain GEMM */
  double dgrad_eff;      /* backward-data relative to forward */
  double wgrad_eff;      /* backward-filter relative to forward */
  double collective_eff; /* achieved bus bandwidth of a collective / link bandwidth */
  double ps_message_us;  /* software cost per parameter-server message, microseconds */
  double flash_eff;      /* fused (FlashAttention) attention forward relative to a plain GEMM */
  double flash_bwd_eff;  /* its backward relative to a plain GEMM */
} PaleoProfile;

/* One key of a profile group: name, offset, range (lo exclusive when lo_open), meaning. */
typedef struct {
  const char *key;
  gsize offset;
  double lo, hi;
  gboolean lo_open;
  gboolean fitted;       /* `paleosim calibrate` fits it (else a documented default) */
  const char *help;
} PaleoProfileKey;

/* NULL-terminated table of every profile key, in file order. */
extern const PaleoProfileKey paleo_profile_keys[];

/* Neutral starting values (the calibration's starting point; documented defaults for the
 * keys that are not fitted). */
void paleo_profile_init(PaleoProfile *profile);
static inline double *paleo_profile_field(PaleoProfile *p, const PaleoProfileKey *k)
{
  return (double *)((char *)p + k->offset);
}
static inline double paleo_profile_get(const PaleoProfile *p, const PaleoProfileKey *k)
{
  return *(const double *)((const char *)p + k->offset);
}

#endif

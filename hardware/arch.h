/* GPU architecture generations: the vocabulary of the catalog's `arch` key. A generation
 * says which refined-model profile its devices take when none was fitted for it (the
 * nearest calibrated generation), and the generation-wide facts the kernel model reads.
 * Listed by `paleosim list archs`. */
#ifndef PALEO_ARCH_H
#define PALEO_ARCH_H

#include <glib.h>

typedef struct {
  const char *name;           /* "kepler", "maxwell", ... (the `arch` value) */
  const char *description;
  const char *inherits;       /* generation whose `[refined NAME]` group applies when this one has
                                 none (followed in turn); NULL: only the `[refined]` group */
  const char *blas_from;      /* generation whose group its cuBLAS GEMMs take instead (a library
                                 era shared with another SM design); NULL: as its other kernels */
  gboolean tensor_align8;     /* matrix-unit GEMMs need m, n and k multiples of 8 (cuBLAS before
                                 CUDA 11, the libraries of Volta and Turing); others run the SIMT
                                 half2 path at twice the FP32 rate */
} PaleoArch;

/* Case-insensitive; NULL when unknown. */
const PaleoArch *paleo_arch_find(const char *name);
guint paleo_arch_count(void);
const PaleoArch *paleo_arch_at(guint i);
/* "kepler|maxwell|..." in registry order (newly allocated). */
char *paleo_arch_names_text(void);

#endif

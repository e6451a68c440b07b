/* Internal declarations shared by the cost model files (cost.c, cost_refined.c,
 * cost_tfm.c). Not for use outside workloads/. */
#ifndef PALEO_COST_INT_H
#define PALEO_COST_INT_H

#include "workloads/cost.h"

/* The transformer layer types (net_tfm.c), costed by cost_tfm.c. */
gboolean paleo_cost_is_transformer(const PaleoLayer *layer);

/* The fraction of a layer's elements one device of a tensor-parallel group handles: 1/T for
 * split layers (column, row, split, vocabulary), and for replicated ones under sequence
 * parallelism; 1 otherwise (and always without tensor parallelism). */
double paleo_cost_tp_share(const PaleoLayer *layer, const PaleoCostOptions *options);

/* The `paleo` model's cost of a transformer layer (PALEO's own arithmetic applied to it: see
 * cost_tfm.c). */
void paleo_cost_tfm_paleo(const PaleoNet *net, guint index, const PaleoDevice *device,
                          const PaleoCostOptions *options, int64_t batch, PaleoLayerCost *out);
/* The `refined` model's: its kernels at the precision of `math`; times x `scale`. */
void paleo_cost_tfm_refined(const PaleoNet *net, guint index, const PaleoDevice *device, const PaleoMath *math,
                            const PaleoCostOptions *options, int64_t batch, double scale, PaleoLayerCost *out);

#endif

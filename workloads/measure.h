/* Measured kernel and layer times, and what a cost model predicts for them: DeepBench-
 * format GEMM and convolution rows (detected from the CSV header) and per-layer rows
 * `net,layer,pass,batch,ms`. Used by `paleosim kernel` (predictions beside each row) and
 * `paleosim calibrate` (fitting the refined model's constants, workloads/calibrate.h). */
#ifndef PALEO_MEASURE_H
#define PALEO_MEASURE_H

#include <glib.h>
#include <stdint.h>

#include "hardware/catalog.h"
#include "hardware/kernel.h"

typedef enum { PALEO_MEASURE_GEMM, PALEO_MEASURE_CONV, PALEO_MEASURE_LAYER } PaleoMeasureKind;

/* Passes a per-layer row can name. */
typedef enum { PALEO_LAYER_PASS_FWD, PALEO_LAYER_PASS_BWD, PALEO_LAYER_PASS_BWD_DATA,
               PALEO_LAYER_PASS_BWD_FILTER, PALEO_LAYER_PASS_TOTAL } PaleoLayerPass;

typedef struct {
  guint line;            /* 1-based line in the file */
  char *text;            /* the row as read, without its line end */
  char *device;          /* the row's `device` column; "" when none */
  char *precision;       /* the row's `precision` column; "" when none */
  double m, n, k;        /* GEMM */
  gboolean transposed_a; /* GEMM: the `a_transpose` column says T (cuBLAS op(A) = A^T) */
  PaleoConvGeom conv;    /* convolution */
  int fwd_algo;          /* the row's `fwd_algorithm` (PaleoKernelAlgo), -1 none or unknown */
  char *net, *layer;     /* layer rows */
  PaleoLayerPass pass;
  int64_t batch;
  double ms[PALEO_PASS_N]; /* measured: GEMM and layer rows [0]; conv fwd, bwd-data,
                              bwd-filter; NAN where not measured */
} PaleoMeasurement;

typedef struct {
  char *path;
  PaleoMeasureKind kind;
  char *header;          /* the header line as read */
  GPtrArray *rows;       /* of PaleoMeasurement* */
} PaleoMeasureSet;

/* Reads a CSV; the kind comes from the header (m,n,k,time_ms -> GEMM; input_w, ...,
 * fwd_time_ms -> conv; net,layer,pass,batch,ms -> layers). Errors (PALEO_CONFIG_ERROR)
 * name the file, line and column. */
PaleoMeasureSet *paleo_measure_load(const char *path, GError **error);
void paleo_measure_set_free(PaleoMeasureSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoMeasureSet, paleo_measure_set_free)
/* Number of measured values of a row (1 for GEMM and layer rows, up to 3 for conv). */
guint paleo_measure_n_values(PaleoMeasureKind kind);

/* The precision a row is predicted at: `forced` when not NULL, else the row's precision
 * column (DeepBench tags accepted), else FP32. FALSE with an error naming the line. */
gboolean paleo_measure_precision(const PaleoMeasureSet *set, const PaleoMeasurement *row, const char *forced,
                                 PaleoPrecision *out, GError **error);

/* Caches loaded nets (layer rows) across predictions. */
typedef struct PaleoMeasureCache PaleoMeasureCache;
PaleoMeasureCache *paleo_measure_cache_new(void);
void paleo_measure_cache_free(PaleoMeasureCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoMeasureCache, paleo_measure_cache_free)

/* Which convolution algorithms the refined model may pick for a DeepBench row: the
 * forward algorithm the row records (and its family, paleo_conv_algo_family, for the
 * backward passes), or the fastest of all as for a layer of a net. */
typedef enum { PALEO_MEASURE_ALGO_ROW, PALEO_MEASURE_ALGO_FASTEST } PaleoMeasureAlgo;

/* Predicted ms per value of a row with the named cost model ("paleo" at ppp 1, or
 * "refined") on `device`; algo[] gets the refined convolution algorithms (-1 otherwise). */
gboolean paleo_measure_predict(const PaleoMeasureSet *set, const PaleoMeasurement *row, const PaleoDevice *device,
                               const char *model, PaleoPrecision precision, PaleoMeasureAlgo algos,
                               PaleoMeasureCache *cache, double out_ms[PALEO_PASS_N], int algo[PALEO_PASS_N],
                               GError **error);

#endif

/* A network definition: PALEO's JSON format loaded into a flat, topologically ordered
 * layer list with inferred shapes and parameter counts. Blocks are flattened (inner
 * layers named "block/inner"), ModelParallel blocks replicated as "name@i".
 * The layer order is the JSON file's key order (depth-first through blocks). */
#ifndef PALEO_NET_H
#define PALEO_NET_H

#include <glib.h>
#include <stdint.h>

#define PALEO_NET_ERROR (paleo_net_error_quark())
GQuark paleo_net_error_quark(void);
typedef enum {
  PALEO_NET_ERROR_PARSE,   /* malformed JSON or wrong value types */
  PALEO_NET_ERROR_INVALID, /* well-formed but meaningless: unknown parent, cycle, shapes */
  PALEO_NET_ERROR_NOT_FOUND,
} PaleoNetError;

typedef enum {
  PALEO_LAYER_INPUT,
  PALEO_LAYER_CONV,
  PALEO_LAYER_DECONV,
  PALEO_LAYER_INNER_PRODUCT,
  PALEO_LAYER_POOL,      /* "Pooling" (max) */
  PALEO_LAYER_AVGPOOL,   /* "AvgPool" */
  PALEO_LAYER_DROPOUT,
  PALEO_LAYER_CONCAT,
  PALEO_LAYER_ELEMENTWISE,
  PALEO_LAYER_SOFTMAX,
  PALEO_LAYER_OTHER,     /* BatchNorm, LRN, Reshape, Accuracy, unknown: zero-cost pass-through */
} PaleoLayerType;

typedef enum {
  PALEO_PAD_VALID,
  PALEO_PAD_SAME,
  PALEO_PAD_EXPLICIT,
} PaleoPadding;

/* NHWC, elements (not bytes). Flattened tensors have h = w = 1. */
typedef struct {
  int64_t n, h, w, c;
} PaleoShape;

static inline int64_t paleo_shape_elems(PaleoShape s) { return s.n * s.h * s.w * s.c; }

typedef struct {
  char *name;            /* "conv1", "mixed_35x35x256a/branch1x1", "fc6@1" */
  char *type_name;       /* the JSON "type" string */
  PaleoLayerType type;
  guint n_parents;
  guint *parents;        /* indices into PaleoNet.layers (all smaller than this index) */
  PaleoShape input;      /* shape of the first parent's output (N, H, W, C) */
  PaleoShape output;
  /* Convolution / Deconvolution / Pooling (and InnerProduct: kh = kw = 1 unused) */
  int64_t kh, kw;        /* kernel (filter or ksize) */
  int64_t cin, cout;     /* conv filter channels after resolving cin = -1 */
  int64_t sh, sw;        /* strides */
  PaleoPadding padding;
  int64_t pad_h, pad_w;  /* resolved forward padding (PALEO's rule for SAME) */
  int64_t num_outputs;   /* InnerProduct M */
  int concat_dim;        /* Concatenate dim */
  int64_t params;        /* weights + biases */
  int split;             /* ModelParallel replica index, -1 outside a ModelParallel block */
  int splits;            /* ModelParallel K, 0 outside */
} PaleoLayer;

typedef struct {
  char *name;            /* the JSON "name" */
  char *path;            /* file it was loaded from */
  int64_t batch;         /* batch in use (the JSON's or the override) */
  GArray *layers;        /* of PaleoLayer, topological (file) order; layers[0] is "data" */
  int64_t params;        /* total parameters */
} PaleoNet;

/* Loads a PALEO JSON net. `batch` > 0 overrides the data layer's batch and re-derives all
 * shapes; 0 keeps the file's. Errors name the file, the layer and the problem. */
PaleoNet *paleo_net_load(const char *path, int64_t batch, GError **error);
/* Resolves a shipped net name ("alex_v2") or a path, then loads it. */
PaleoNet *paleo_net_load_named(const char *name_or_path, int64_t batch, GError **error);
void paleo_net_free(PaleoNet *net);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoNet, paleo_net_free)

static inline const PaleoLayer *paleo_net_layer(const PaleoNet *net, guint i)
{
  return &g_array_index(net->layers, PaleoLayer, i);
}

#endif

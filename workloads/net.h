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
  /* Transformer layers; activations [N, S, C] (rank 3: h = S the sequence, w = 1) */
  PALEO_LAYER_EMBEDDING, /* "Embedding": token (and learned position) table lookup */
  PALEO_LAYER_MATMUL,    /* "MatMul": X W (one parent) or a batched product of two activations */
  PALEO_LAYER_ATTENTION, /* "Attention": softmax(Q K^T / sqrt(d)) V over heads, from fused QKV */
  PALEO_LAYER_NORM,      /* "LayerNorm", "RMSNorm" */
  PALEO_LAYER_ACTIVATION,/* "GELU", "SwiGLU" (gated: 2F inputs -> F outputs) */
  PALEO_LAYER_RESIDUAL,  /* "Residual": sum of two parents (optionally dropout on the first) */
  PALEO_LAYER_CROSS_ENTROPY, /* "CrossEntropy": softmax cross-entropy over the vocabulary */
} PaleoLayerType;

/* How tensor parallelism (Megatron) splits a layer over the T ranks of a group. Written
 * for MatMul ("tensor_parallel": "column" | "row" | "none"), derived for the others. */
typedef enum {
  PALEO_TP_NONE = 0, /* replicated on every rank (split along the sequence with sequence parallelism) */
  PALEO_TP_COLUMN,   /* MatMul split by output features: replicated input, split output */
  PALEO_TP_ROW,      /* MatMul split by input features: split input, partial sums all-reduced */
  PALEO_TP_SPLIT,    /* works on a split tensor: attention heads, hidden units between column and row */
  PALEO_TP_VOCAB,    /* Embedding, CrossEntropy: split by vocabulary, partial results all-reduced */
} PaleoTpRole;

typedef enum {
  PALEO_PAD_VALID,
  PALEO_PAD_SAME,
  PALEO_PAD_EXPLICIT,
} PaleoPadding;

/* NHWC, elements (not bytes). Flattened tensors have h = w = 1; sequences [N, S, C] have
 * h = S, w = 1 (rank 3). */
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
  int64_t kh, kw;        /* kernel (filter or ksize; UpSampling2D factors) */
  int64_t cin, cout;     /* conv filter channels after resolving cin = -1 (ModelParallel:
                            cout already divided by splits). Deconvolution: the filter as
                            written, i.e. of the transposed conv (cin = output C, cout = input
                            C). Pooling: cin = cout = C. InnerProduct: cin = K = H*W*C, cout = M */
  int64_t sh, sw;        /* strides */
  PaleoPadding padding;
  int64_t pad_h, pad_w;  /* resolved forward padding (PALEO's rule for SAME; floor division,
                            so a SAME conv with kernel < stride can give -1, as in PALEO) */
  int64_t num_outputs;   /* InnerProduct M */
  int concat_dim;        /* Concatenate dim */
  int64_t params;        /* weights + biases */
  int split;             /* ModelParallel replica index, -1 outside a ModelParallel block */
  int splits;            /* ModelParallel K, 0 outside */
  /* Added by the loader (read-only for users of the net). */
  int input_rank;        /* 4, 3 for a sequence [N, S, C], or 2 for a flattened [N, C] tensor */
  int output_rank;       /* 2 for InnerProduct and Softmax ([N, M] printed "NxM"), 3 for
                            transformer layers ("NxSxC"), else 4 */
  int64_t filter_cin;    /* filter Cin as written in the file (-1: take from the input) */
  int64_t num_classes;   /* Softmax "num_classes"; 0 when absent (then the input's last dim) */
  double keep_prob;      /* Dropout "dropout_keep_prob"; 0 for other layers */
  PaleoShape spec_shape; /* Input "tensor", Deconvolution/Reshape "output_shape" as written,
                            n replaced by the batch in use */
  int spec_rank;         /* rank of spec_shape (2 or 4); 0 when the layer has none */
  /* Optional "normalizer_fn" / "activation_fn" (TF-slim's keys, as PALEO's inception_v3
   * writes them): work that follows the layer's own op. The paleo model ignores them. */
  gboolean batch_norm;   /* "normalizer_fn": "batch_norm" (no bias: the norm's shift replaces it) */
  int activation;        /* "activation_fn": 1 a named one ("relu", ...), 0 null or "none",
                            -1 not written (a Caffe conversion: bias and activation implied) */
  /* Transformer layers (see the README's layer table) */
  PaleoTpRole tp;        /* tensor-parallel role (MatMul's key, derived for the rest) */
  int64_t heads, kv_heads, head_dim; /* Attention: query heads a, key/value heads g, d */
  gboolean causal;       /* Attention: causal mask */
  gboolean flash;        /* Attention "fused": "flash" (one kernel, no s x s scores stored) */
  double dropout;        /* Attention: on the probabilities; Residual: on its first parent
                            (bias-dropout-add); 0 = none */
  int64_t vocab;         /* Embedding: table rows V; CrossEntropy: classes (the input's C) */
  int64_t positions;     /* Embedding: learned position rows (0: none, e.g. rotary) */
  gboolean rms;          /* Norm: RMSNorm (scale only) instead of LayerNorm */
  gboolean gated;        /* Activation: SwiGLU (input 2F, output F) instead of GELU */
  gboolean bias;         /* MatMul: adds a bias (default true) */
  double density;        /* MatMul: fraction of the product computed per token (MoE top-k of E
                            experts, structured sparsity); scales FLOPs and the weight traffic,
                            never the stored parameters; 1 */
  int tied;              /* MatMul: index of the Embedding whose table it reuses (no weights of
                            its own, e.g. GPT's output layer), -1 none */
  gboolean transpose_a, transpose_b; /* MatMul of two activations: operands transposed */
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
/* Resolves a shipped net name ("alex_v2"), a generator spec ("transformer:layers=24:...",
 * workloads/net_gen.h) or a path, then loads it. */
PaleoNet *paleo_net_load_named(const char *name_or_path, int64_t batch, GError **error);
void paleo_net_free(PaleoNet *net);
/* A deep copy (e.g. to predict several batches concurrently from one loaded file). Loading
 * costs about a millisecond for Inception v3 (mostly json-glib's parser); to evaluate many
 * configurations, load once and use paleo_net_copy / paleo_net_set_batch. */
PaleoNet *paleo_net_copy(const PaleoNet *net);
/* Sets the batch of every Input (and Deconvolution/Reshape output_shape) to `batch` > 0 and
 * re-derives all shapes in place, without re-reading the file (fast: no allocation). */
gboolean paleo_net_set_batch(PaleoNet *net, int64_t batch, GError **error);
/* Shipped net names (file stems of configs/nets/ *.json), sorted; free with g_strfreev. */
char **paleo_net_shipped_names(void);
/* Writes "128x224x224x3" (rank 4), "8x2048x4096" (rank 3) or "128x1000" (rank 2) into buf
 * and returns buf. */
char *paleo_net_format_shape(PaleoShape shape, int rank, char *buf, gsize buf_len);
/* PALEO's layertype string: "input", "conv2d", "deconv2d", "pool2d", "innerproduct",
 * "dropout", "concat", "elementwise", "softmax"; "generic" for PALEO_LAYER_OTHER; for the
 * transformer layers "embedding", "matmul", "attention", "norm", "activation", "residual",
 * "crossentropy". */
const char *paleo_net_layer_kind(PaleoLayerType type);
/* The layer holds trainable weights that receive gradients: convolutions, inner products,
 * MatMuls with a weight, embeddings and norms (params > 0). */
gboolean paleo_net_layer_weighted(const PaleoLayer *layer);
/* Loads a net from JSON text; `origin` names it in messages (a generator spec, a path). */
PaleoNet *paleo_net_load_data(const char *text, gssize length, const char *origin, int64_t batch, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoNet, paleo_net_free)

static inline const PaleoLayer *paleo_net_layer(const PaleoNet *net, guint i)
{
  return &g_array_index(net->layers, PaleoLayer, i);
}

#endif

/* Internal declarations shared by the network loader's files (net.c, net_parse.c,
 * net_graph.c, net_shape.c). Not for use outside workloads/. */
#ifndef PALEO_NET_INT_H
#define PALEO_NET_INT_H

#include "workloads/net.h"

#include <json-glib/json-glib.h>

/* The flattened net before ordering: layers in file order (depth-first through blocks),
 * each with the resolved names of its parents. */
typedef struct {
  const char *path;         /* for messages; borrowed */
  GArray *layers;           /* of PaleoLayer; parents not yet set */
  GPtrArray *parent_names;  /* per layer: GPtrArray of char* (owned) */
  GHashTable *index;        /* layer name (borrowed from layers) -> index + 1 */
  GHashTable *endpoints;    /* block full name -> endpoint full name, or "" (no endpoint) */
  GHashTable *splits;       /* ModelParallel sub-layer "mp/sub" -> GINT_TO_POINTER(K) */
  GPtrArray *tied_names;    /* per layer: the Embedding a MatMul's "tied" names (owned), or NULL */
} PaleoNetFlat;

void paleo_net_flat_init(PaleoNetFlat *flat, const char *path);
void paleo_net_flat_clear(PaleoNetFlat *flat);
void paleo_net_layer_clear(PaleoLayer *layer);

/* net_json.c: checks the raw JSON text (before json-glib parses it) for nesting deeper than
 * max_depth and for duplicate member names, which json-glib would silently collapse to the
 * last one; errors name path:line:column and, for layers, the layer. */
#define PALEO_NET_JSON_MAX_DEPTH 256
gboolean paleo_net_json_check(const char *text, gsize len, const char *path, guint max_depth,
                              GError **error);

/* net_parse.c: walks the "layers" object of the root into `flat`. */
gboolean paleo_net_parse_layers(PaleoNetFlat *flat, JsonObject *layers, GError **error);

/* net_parse.c: "PATH: layer 'NAME': MESSAGE" with PALEO_NET_ERROR `code`; always FALSE. */
gboolean paleo_net_parse_fail(GError **error, int code, const PaleoNetFlat *flat, const char *layer,
                              const char *fmt, ...) G_GNUC_PRINTF(5, 6);
/* A short rendering of a JSON value for messages (owned). */
char *paleo_net_node_text(JsonNode *node);
gboolean paleo_net_node_is_int(JsonNode *node);
gboolean paleo_net_node_is_number(JsonNode *node);
/* obj[key] as an integer within +-2^31 (required). */
gboolean paleo_net_get_int(const PaleoNetFlat *flat, const char *layer, JsonObject *obj, const char *key,
                           int64_t *out, GError **error);

/* net_tfm.c: the keys of the transformer layer types (Embedding, MatMul, Attention,
 * LayerNorm/RMSNorm, GELU/SwiGLU, Residual, CrossEntropy). */
gboolean paleo_net_parse_transformer(const PaleoNetFlat *flat, PaleoLayer *layer, JsonObject *obj, GError **error);
/* A MatMul's "tied" (the Embedding it shares weights with), owned; NULL when absent. */
char *paleo_net_tied_name(JsonObject *obj);
/* Shapes, parameters and tensor-parallel role of a transformer layer whose input is set. */
gboolean paleo_net_infer_transformer(const PaleoNet *net, PaleoLayer *layer, GError **error);

/* net_tfm.c: the layer's tensor-parallel role from its type and its first parent's (a
 * MatMul keeps the role its file gives it). */
void paleo_net_derive_tp(const PaleoNet *net, PaleoLayer *layer);

/* net_graph.c: resolves parent names to indices and moves the layers into `out` (of
 * PaleoLayer) in a stable topological order with "data" first. Empties flat->layers. */
gboolean paleo_net_order(PaleoNetFlat *flat, GArray *out, GError **error);

/* net_shape.c: derives every layer's input/output shape, padding and parameter count
 * from its spec and its parents' outputs; sets net->params. */
gboolean paleo_net_infer(PaleoNet *net, GError **error);

/* Floor division as Python's `//` (b > 0). */
static inline int64_t paleo_floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Python's int(math.ceil(a / b)) for b > 0 (any sign of a). */
static inline int64_t paleo_ceil_div(int64_t a, int64_t b)
{
  return -paleo_floor_div(-a, b);
}

#endif

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
} PaleoNetFlat;

void paleo_net_flat_init(PaleoNetFlat *flat, const char *path);
void paleo_net_flat_clear(PaleoNetFlat *flat);
void paleo_net_layer_clear(PaleoLayer *layer);

/* net_parse.c: walks the "layers" object of the root into `flat`. */
gboolean paleo_net_parse_layers(PaleoNetFlat *flat, JsonObject *layers, GError **error);

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

/* PALEO JSON "layers" object -> flat layer list in file order. Blocks are flattened
 * ("block/inner", nested "a/b/c"), ModelParallel blocks replicated ("name@i", conv Cout
 * divided by splits), parent references rewritten as PALEO's graph.py does: an inner layer
 * with no parents takes the block's, inner parents are prefixed with the block name, a
 * block name means its endpoint, "x@self" is the same replica, "x@all" every replica.
 * Only the spec is read here; shapes are derived in net_shape.c. */
#include "workloads/net_int.h"

#include <stdarg.h>
#include <string.h>

/* Where we are while walking: the file, the scope and the ModelParallel replica. */
typedef struct {
  PaleoNetFlat *flat;
  const char *prefix;         /* "" at top level, "block/" inside a block */
  GPtrArray *inherited;       /* resolved parents of the enclosing block; NULL at top level */
  int split;                  /* replica index inside a ModelParallel block, else -1 */
  int splits;                 /* K inside a ModelParallel block, else 0 */
} Scope;

static const struct {
  const char *name;
  PaleoLayerType type;
} kLayerTypes[] = {
  {"Input", PALEO_LAYER_INPUT},
  {"Convolution", PALEO_LAYER_CONV},
  {"Deconvolution", PALEO_LAYER_DECONV},
  {"InnerProduct", PALEO_LAYER_INNER_PRODUCT},
  {"Pooling", PALEO_LAYER_POOL},
  {"AvgPool", PALEO_LAYER_AVGPOOL},
  {"Dropout", PALEO_LAYER_DROPOUT},
  {"Concatenate", PALEO_LAYER_CONCAT},
  {"Elementwise", PALEO_LAYER_ELEMENTWISE},
  {"Softmax", PALEO_LAYER_SOFTMAX},
  {"Embedding", PALEO_LAYER_EMBEDDING},
  {"MatMul", PALEO_LAYER_MATMUL},
  {"Attention", PALEO_LAYER_ATTENTION},
  {"LayerNorm", PALEO_LAYER_NORM},
  {"RMSNorm", PALEO_LAYER_NORM},
  {"GELU", PALEO_LAYER_ACTIVATION},
  {"SwiGLU", PALEO_LAYER_ACTIVATION},
  {"Residual", PALEO_LAYER_RESIDUAL},
  {"CrossEntropy", PALEO_LAYER_CROSS_ENTROPY},
};

static PaleoLayerType layer_type_from_name(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(kLayerTypes); i++)
    if (strcmp(kLayerTypes[i].name, name) == 0)
      return kLayerTypes[i].type;
  return PALEO_LAYER_OTHER;
}

static gboolean is_block_type(const char *type)
{
  return strcmp(type, "Block") == 0 || strcmp(type, "ModelParallel") == 0;
}

gboolean paleo_net_parse_fail(GError **error, int code, const PaleoNetFlat *flat, const char *layer,
                              const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, PALEO_NET_ERROR, code, "%s: layer '%s': %s", flat->path, layer, msg);
  return FALSE;
}

#define fail paleo_net_parse_fail

/* A short rendering of a JSON value for messages. */
char *paleo_net_node_text(JsonNode *node)
{
  char *text = json_to_string(node, FALSE);
  if (strlen(text) > 60)
    strcpy(text + 57, "...");
  return text;
}

gboolean paleo_net_node_is_int(JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64;
}

gboolean paleo_net_node_is_number(JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE(node))
    return FALSE;
  GType t = json_node_get_value_type(node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* Reads obj[key] as an array of min_len..max_len integers into out; OUT: *len. */
static gboolean get_int_array(const PaleoNetFlat *flat, const char *layer, JsonObject *obj,
                              const char *key, guint min_len, guint max_len, int64_t *out,
                              guint *len, GError **error)
{
  JsonNode *node = json_object_get_member(obj, key);
  g_autofree char *expect = min_len == max_len       ? g_strdup("")
                            : max_len == min_len + 1 ? g_strdup_printf("%u or ", min_len)
                                                     : g_strdup_printf("%u to ", min_len);
  if (!node)
    return fail(error, PALEO_NET_ERROR_PARSE, flat, layer,
                "missing key '%s' (an array of %s%u integers)", key, expect, max_len);
  gboolean ok = JSON_NODE_HOLDS_ARRAY(node);
  JsonArray *arr = ok ? json_node_get_array(node) : NULL;
  guint n = arr ? json_array_get_length(arr) : 0;
  ok = ok && n >= min_len && n <= max_len;
  for (guint i = 0; ok && i < n; i++)
    ok = paleo_net_node_is_int(json_array_get_element(arr, i));
  if (!ok) {
    g_autofree char *text = paleo_net_node_text(node);
    return fail(error, PALEO_NET_ERROR_PARSE, flat, layer,
                "key '%s' must be an array of %s%u integers, got %s", key, expect, max_len,
                text);
  }
  for (guint i = 0; i < n; i++) {
    out[i] = json_array_get_int_element(arr, i);
    if (out[i] > G_MAXINT32 || out[i] < -G_MAXINT32)
      return fail(error, PALEO_NET_ERROR_INVALID, flat, layer,
                  "'%s' element %u is %" G_GINT64_FORMAT ", too large", key, i, out[i]);
  }
  if (len)
    *len = n;
  return TRUE;
}

/* Reads an int array whose listed elements must all be positive. */
static gboolean get_positive_array(const PaleoNetFlat *flat, const char *layer,
                                   JsonObject *obj, const char *key, guint min_len,
                                   guint max_len, int64_t *out, guint *len, GError **error)
{
  guint n = 0;
  if (!get_int_array(flat, layer, obj, key, min_len, max_len, out, &n, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (out[i] <= 0)
      return fail(error, PALEO_NET_ERROR_INVALID, flat, layer,
                  "'%s' element %u is %" G_GINT64_FORMAT ", expected a positive dimension",
                  key, i, out[i]);
  if (len)
    *len = n;
  return TRUE;
}

static PaleoShape shape_from_dims(const int64_t *d, guint n)
{
  if (n == 2)
    return (PaleoShape){d[0], 1, 1, d[1]};
  if (n == 3) /* a sequence [N, S, C] */
    return (PaleoShape){d[0], d[1], 1, d[2]};
  return (PaleoShape){d[0], d[1], d[2], d[3]};
}

gboolean paleo_net_get_int(const PaleoNetFlat *flat, const char *layer, JsonObject *obj,
                           const char *key, int64_t *out, GError **error)
{
  JsonNode *node = json_object_get_member(obj, key);
  if (!node)
    return fail(error, PALEO_NET_ERROR_PARSE, flat, layer, "missing key '%s' (an integer)",
                key);
  if (!paleo_net_node_is_int(node)) {
    g_autofree char *text = paleo_net_node_text(node);
    return fail(error, PALEO_NET_ERROR_PARSE, flat, layer,
                "key '%s' must be an integer, got %s", key, text);
  }
  *out = json_node_get_int(node);
  if (*out > G_MAXINT32 || *out < -G_MAXINT32)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, layer,
                "key '%s' is %" G_GINT64_FORMAT ", too large", key, *out);
  return TRUE;
}

/* A [1, h, w, 1] array ("strides", "ksize"); PALEO reads only the middle two, which must
 * be >= 1. `what` names the value in the error ("stride", "ksize"). */
static gboolean parse_hw(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                         const char *key, const char *what, int64_t *h, int64_t *w,
                         GError **error)
{
  int64_t v[4];
  if (!get_int_array(flat, l->name, obj, key, 4, 4, v, NULL, error))
    return FALSE;
  if (v[1] <= 0 || v[2] <= 0)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                "bad %s [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                "], expected positive height and width",
                what, v[1], v[2]);
  *h = v[1];
  *w = v[2];
  return TRUE;
}

static gboolean parse_strides(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                              GError **error)
{
  return parse_hw(flat, l, obj, "strides", "stride", &l->sh, &l->sw, error);
}

/* "padding": "SAME", "VALID" or [ph, pw]. */
static gboolean parse_padding(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                              GError **error)
{
  JsonNode *node = json_object_get_member(obj, "padding");
  if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
    const char *p = json_node_get_string(node);
    if (strcmp(p, "SAME") == 0 || strcmp(p, "VALID") == 0) {
      l->padding = p[0] == 'S' ? PALEO_PAD_SAME : PALEO_PAD_VALID;
      return TRUE;
    }
  } else if (node && JSON_NODE_HOLDS_ARRAY(node)) {
    int64_t p[2];
    if (!get_int_array(flat, l->name, obj, "padding", 2, 2, p, NULL, error))
      return FALSE;
    if (p[0] < 0 || p[1] < 0)
      return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                  "negative padding [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", p[0], p[1]);
    l->padding = PALEO_PAD_EXPLICIT;
    l->pad_h = p[0];
    l->pad_w = p[1];
    return TRUE;
  }
  g_autofree char *text = node ? paleo_net_node_text(node) : g_strdup("nothing");
  return fail(error, PALEO_NET_ERROR_PARSE, flat, l->name,
              "key 'padding' must be \"SAME\", \"VALID\" or [ph, pw], got %s", text);
}

static gboolean parse_conv(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                           int splits, GError **error)
{
  int64_t f[4];
  if (!get_int_array(flat, l->name, obj, "filter", 4, 4, f, NULL, error))
    return FALSE;
  if (f[0] <= 0 || f[1] <= 0 || f[3] <= 0 || (f[2] <= 0 && f[2] != -1))
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                "filter [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                ", %" G_GINT64_FORMAT "] has a non-positive dimension (Cin may be -1)",
                f[0], f[1], f[2], f[3]);
  l->kh = f[0];
  l->kw = f[1];
  l->filter_cin = f[2];
  l->cin = f[2];
  /* PALEO's Conv2d.split_model: Cout // splits. Deconvolution is never split. */
  l->cout = (splits > 0 && l->type == PALEO_LAYER_CONV) ? f[3] / splits : f[3];
  if (l->cout <= 0)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                "filter Cout %" G_GINT64_FORMAT " cannot be split %d ways", f[3], splits);
  if (!parse_strides(flat, l, obj, error) || !parse_padding(flat, l, obj, error))
    return FALSE;
  if (l->type == PALEO_LAYER_DECONV) {
    int64_t d[4];
    if (!get_positive_array(flat, l->name, obj, "output_shape", 4, 4, d, NULL, error))
      return FALSE;
    l->spec_shape = shape_from_dims(d, 4);
    l->spec_rank = 4;
  }
  return TRUE;
}

/* "ksize": [1, kh, kw, 1] (Pooling, AvgPool, UpSampling2D). */
static gboolean parse_ksize(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                            GError **error)
{
  return parse_hw(flat, l, obj, "ksize", "ksize", &l->kh, &l->kw, error);
}

static gboolean parse_dropout(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                              GError **error)
{
  JsonNode *node = json_object_get_member(obj, "dropout_keep_prob");
  if (!node || !paleo_net_node_is_number(node)) {
    g_autofree char *text = node ? paleo_net_node_text(node) : g_strdup("nothing");
    return fail(error, PALEO_NET_ERROR_PARSE, flat, l->name,
                "key 'dropout_keep_prob' must be a number, got %s", text);
  }
  l->keep_prob = json_node_get_double(node);
  if (!(l->keep_prob > 0.0 && l->keep_prob <= 1.0))
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                "dropout_keep_prob %g is outside (0, 1]", l->keep_prob);
  return TRUE;
}

static gboolean parse_softmax(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                              GError **error)
{
  JsonNode *node = json_object_get_member(obj, "num_classes");
  if (!node || JSON_NODE_HOLDS_NULL(node))
    return TRUE;
  if (!paleo_net_get_int(flat, l->name, obj, "num_classes", &l->num_classes, error))
    return FALSE;
  if (l->num_classes <= 0)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                "num_classes %" G_GINT64_FORMAT " must be positive", l->num_classes);
  return TRUE;
}

/* Zero-cost layers PALEO still gives a shape: UpSampling2D (ksize) and Reshape. */
static gboolean parse_other(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                            GError **error)
{
  if (strcmp(l->type_name, "UpSampling2D") == 0)
    return parse_ksize(flat, l, obj, error);
  if (strcmp(l->type_name, "Reshape") == 0) {
    int64_t d[4];
    guint n = 0;
    if (!get_positive_array(flat, l->name, obj, "output_shape", 2, 4, d, &n, error))
      return FALSE;
    l->spec_shape = shape_from_dims(d, n);
    l->spec_rank = (int)n;
  }
  return TRUE;
}

/* The type-specific keys of one layer. */
static gboolean parse_layer_spec(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj,
                                 int splits, GError **error)
{
  int64_t d[4];
  guint n = 0;
  switch (l->type) {
  case PALEO_LAYER_INPUT:
    if (!get_positive_array(flat, l->name, obj, "tensor", 2, 4, d, &n, error))
      return FALSE;
    l->spec_shape = shape_from_dims(d, n);
    l->spec_rank = (int)n;
    return TRUE;
  case PALEO_LAYER_CONV:
  case PALEO_LAYER_DECONV:
    return parse_conv(flat, l, obj, splits, error);
  case PALEO_LAYER_POOL:
  case PALEO_LAYER_AVGPOOL:
    return parse_ksize(flat, l, obj, error) && parse_strides(flat, l, obj, error) &&
           parse_padding(flat, l, obj, error);
  case PALEO_LAYER_INNER_PRODUCT:
    if (!paleo_net_get_int(flat, l->name, obj, "num_outputs", &l->num_outputs, error))
      return FALSE;
    if (l->num_outputs <= 0)
      return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                  "num_outputs %" G_GINT64_FORMAT " must be positive", l->num_outputs);
    return TRUE;
  case PALEO_LAYER_DROPOUT:
    return parse_dropout(flat, l, obj, error);
  case PALEO_LAYER_CONCAT: {
    int64_t dim = 0;
    if (!paleo_net_get_int(flat, l->name, obj, "dim", &dim, error))
      return FALSE;
    if (dim < -4 || dim > 3)
      return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                  "concat dim %" G_GINT64_FORMAT " is outside -4..3", dim);
    l->concat_dim = (int)dim;
    return TRUE;
  }
  case PALEO_LAYER_SOFTMAX:
    return parse_softmax(flat, l, obj, error);
  case PALEO_LAYER_ELEMENTWISE:
    return TRUE;
  case PALEO_LAYER_OTHER:
    return parse_other(flat, l, obj, error);
  default:
    return paleo_net_parse_transformer(flat, l, obj, error);
  }
}

/* Optional "normalizer_fn" (null, "none" or "batch_norm") and "activation_fn" (null,
 * "none" or any activation's name). */
static gboolean parse_fused_ops(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj, GError **error)
{
  const char *keys[] = {"normalizer_fn", "activation_fn"};
  l->activation = -1;
  for (int i = 0; i < 2; i++) {
    JsonNode *node = json_object_get_member(obj, keys[i]);
    if (!node)
      continue;
    const char *v = NULL;
    if (!JSON_NODE_HOLDS_NULL(node)) {
      if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING || !*json_node_get_string(node)) {
        g_autofree char *text = paleo_net_node_text(node);
        return fail(error, PALEO_NET_ERROR_PARSE, flat, l->name, "key '%s' must be a string or null, got %s",
                    keys[i], text);
      }
      v = json_node_get_string(node);
    }
    gboolean none = !v || !g_ascii_strcasecmp(v, "none");
    if (i == 1) {
      l->activation = none ? 0 : 1;
    } else if (!none && g_ascii_strcasecmp(v, "batch_norm")) {
      return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                  "normalizer_fn '%s' is unknown (expected \"batch_norm\", \"none\" or null)", v);
    } else {
      l->batch_norm = !none;
    }
  }
  return TRUE;
}

/* The member's "type" string (required). */
static gboolean get_type(const PaleoNetFlat *flat, const char *name, JsonNode *node,
                         const char **type, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_autofree char *text = paleo_net_node_text(node);
    return fail(error, PALEO_NET_ERROR_PARSE, flat, name, "must be an object, got %s", text);
  }
  JsonNode *t = json_object_get_member(json_node_get_object(node), "type");
  if (!t || !JSON_NODE_HOLDS_VALUE(t) || json_node_get_value_type(t) != G_TYPE_STRING) {
    g_autofree char *text = t ? paleo_net_node_text(t) : g_strdup("nothing");
    return fail(error, PALEO_NET_ERROR_PARSE, flat, name, "key 'type' must be a string, got %s",
                text);
  }
  *type = json_node_get_string(t);
  return TRUE;
}

/* The "parents" array of strings (required, may be empty). */
static gboolean get_parents(const PaleoNetFlat *flat, const char *name, JsonObject *obj,
                            JsonArray **out, GError **error)
{
  JsonNode *node = json_object_get_member(obj, "parents");
  gboolean ok = node && JSON_NODE_HOLDS_ARRAY(node);
  JsonArray *arr = ok ? json_node_get_array(node) : NULL;
  for (guint i = 0; ok && i < json_array_get_length(arr); i++) {
    JsonNode *e = json_array_get_element(arr, i);
    ok = JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING;
  }
  if (!ok) {
    g_autofree char *text = node ? paleo_net_node_text(node) : g_strdup("nothing");
    return fail(error, PALEO_NET_ERROR_PARSE, flat, name,
                "key 'parents' must be an array of layer names, got %s", text);
  }
  *out = arr;
  return TRUE;
}

/* Follows block names to their endpoints ("Mixed_5b" -> "Mixed_5b/concat"). */
static const char *follow_endpoint(const PaleoNetFlat *flat, const char *name)
{
  for (int depth = 0; depth < 64; depth++) {
    const char *ep = g_hash_table_lookup(flat->endpoints, name);
    if (!ep || !*ep)
      return name;
    name = ep;
  }
  return name; /* endpoint chains cannot loop: each points strictly inside its block */
}

/* The ModelParallel replica count of "mp/sub" (or of a block whose endpoint it is). */
static int splits_of(const PaleoNetFlat *flat, const char *base)
{
  gpointer k = g_hash_table_lookup(flat->splits, base);
  if (!k)
    k = g_hash_table_lookup(flat->splits, follow_endpoint(flat, base));
  return GPOINTER_TO_INT(k);
}

/* Appends the resolved name(s) of parent reference `ref` seen in `scope` to `out`. */
static gboolean resolve_parent(const Scope *scope, const char *layer, const char *ref,
                               GPtrArray *out, GError **error)
{
  const PaleoNetFlat *flat = scope->flat;
  g_autofree char *full = g_strconcat(scope->prefix, ref, NULL);
  gboolean all = g_str_has_suffix(full, "@all");
  gboolean self = g_str_has_suffix(full, "@self");
  if (!all && !self) {
    g_ptr_array_add(out, g_strdup(follow_endpoint(flat, full)));
    return TRUE;
  }
  full[strlen(full) - (all ? 4 : 5)] = '\0';
  int k = splits_of(flat, full);
  if (k == 0)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, layer,
                "parent '%s' uses '@%s' but '%s' is not a layer of a ModelParallel block", ref,
                all ? "all" : "self", full);
  const char *base = follow_endpoint(flat, full);
  if (all) {
    for (int s = 0; s < k; s++)
      g_ptr_array_add(out, g_strdup_printf("%s@%d", base, s));
  } else if (scope->split < 0) {
    return fail(error, PALEO_NET_ERROR_INVALID, flat, layer,
                "parent '%s' uses '@self' outside a ModelParallel block", ref);
  } else {
    g_ptr_array_add(out, g_strdup_printf("%s@%d", base, scope->split));
  }
  return TRUE;
}

/* The resolved parents of a layer or block: the enclosing block's when the list is empty. */
static GPtrArray *resolve_parents(const Scope *scope, const char *layer, JsonArray *refs,
                                  GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  guint n = json_array_get_length(refs);
  if (n == 0 && scope->inherited) {
    for (guint i = 0; i < scope->inherited->len; i++)
      g_ptr_array_add(out, g_strdup(g_ptr_array_index(scope->inherited, i)));
    return out;
  }
  for (guint i = 0; i < n; i++) {
    if (!resolve_parent(scope, layer, json_array_get_string_element(refs, i), out, error)) {
      g_ptr_array_unref(out);
      return NULL;
    }
  }
  return out;
}

/* Appends one plain layer named `name` to the flat list. Takes `parents`. */
static gboolean emit_layer(const Scope *scope, char *name, const char *type, JsonObject *obj,
                           GPtrArray *parents, GError **error)
{
  PaleoNetFlat *flat = scope->flat;
  PaleoLayer l = {0};
  l.name = name;
  l.type_name = g_strdup(type);
  l.type = layer_type_from_name(type);
  l.split = scope->split;
  l.splits = scope->splits;
  l.input_rank = l.output_rank = 4;
  l.tied = -1;
  l.density = 1.0;
  gboolean ok = parse_layer_spec(flat, &l, obj, scope->splits, error) && parse_fused_ops(flat, &l, obj, error);
  if (ok && g_hash_table_contains(flat->index, name))
    ok = fail(error, PALEO_NET_ERROR_INVALID, flat, name, "duplicate layer name");
  if (!ok) {
    paleo_net_layer_clear(&l);
    g_ptr_array_unref(parents);
    return FALSE;
  }
  g_array_append_val(flat->layers, l);
  g_ptr_array_add(flat->parent_names, parents);
  g_ptr_array_add(flat->tied_names, l.type == PALEO_LAYER_MATMUL ? paleo_net_tied_name(obj) : NULL);
  g_hash_table_insert(flat->index, name, GUINT_TO_POINTER(flat->layers->len));
  return TRUE;
}

static gboolean walk_scope(const Scope *scope, JsonObject *layers, GError **error);

/* A Block: its members in a nested scope "prefix/name/". */
static gboolean walk_block(const Scope *scope, const char *full, JsonObject *obj,
                           GError **error)
{
  JsonArray *refs = NULL;
  if (!get_parents(scope->flat, full, obj, &refs, error))
    return FALSE;
  g_autoptr(GPtrArray) parents = resolve_parents(scope, full, refs, error);
  if (!parents)
    return FALSE;
  g_autofree char *prefix = g_strconcat(full, "/", NULL);
  Scope inner = {scope->flat, prefix, parents, scope->split, scope->splits};
  return walk_scope(&inner, json_object_get_object_member(obj, "layers"), error);
}

/* A ModelParallel block: each member replicated K times as "mp/member@i", member-major. */
static gboolean walk_model_parallel(const Scope *scope, const char *full, JsonObject *obj,
                                    GError **error)
{
  JsonArray *refs = NULL;
  if (!get_parents(scope->flat, full, obj, &refs, error))
    return FALSE;
  g_autoptr(GPtrArray) parents = resolve_parents(scope, full, refs, error);
  if (!parents)
    return FALSE;
  JsonObject *layers = json_object_get_object_member(obj, "layers");
  g_autofree char *prefix = g_strconcat(full, "/", NULL);
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  json_object_iter_init_ordered(&it, layers);
  while (json_object_iter_next_ordered(&it, &member, &node)) {
    g_autofree char *base = g_strconcat(prefix, member, NULL);
    int k = splits_of(scope->flat, base);
    JsonObject *mobj = json_node_get_object(node);
    const char *type = json_object_get_string_member(mobj, "type");
    for (int s = 0; s < k; s++) {
      Scope inner = {scope->flat, prefix, parents, s, k};
      char *name = g_strdup_printf("%s@%d", base, s);
      JsonArray *mrefs = NULL;
      GPtrArray *mparents = NULL;
      if (get_parents(scope->flat, name, mobj, &mrefs, error))
        mparents = resolve_parents(&inner, name, mrefs, error);
      if (!mparents) {
        g_free(name);
        return FALSE;
      }
      if (!emit_layer(&inner, name, type, mobj, mparents, error))
        return FALSE;
    }
  }
  return TRUE;
}

/* Emits the members of one "layers" object (already checked by scan_scope). */
static gboolean walk_scope(const Scope *scope, JsonObject *layers, GError **error)
{
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  json_object_iter_init_ordered(&it, layers);
  while (json_object_iter_next_ordered(&it, &member, &node)) {
    char *full = g_strconcat(scope->prefix, member, NULL);
    JsonObject *obj = json_node_get_object(node);
    const char *type = json_object_get_string_member(obj, "type");
    gboolean ok;
    if (strcmp(type, "Block") == 0) {
      ok = walk_block(scope, full, obj, error);
      g_free(full);
    } else if (strcmp(type, "ModelParallel") == 0) {
      ok = walk_model_parallel(scope, full, obj, error);
      g_free(full);
    } else {
      JsonArray *refs = NULL;
      GPtrArray *parents = NULL;
      if (get_parents(scope->flat, full, obj, &refs, error))
        parents = resolve_parents(scope, full, refs, error);
      ok = parents && emit_layer(scope, full, type, obj, parents, error);
      if (!parents)
        g_free(full);
    }
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* Checks a Block/ModelParallel's "layers" and "endpoint" and records the endpoint. */
static gboolean scan_block(PaleoNetFlat *flat, const char *full, JsonObject *obj,
                           JsonObject **layers, GError **error)
{
  JsonNode *node = json_object_get_member(obj, "layers");
  if (!node || !JSON_NODE_HOLDS_OBJECT(node))
    return fail(error, PALEO_NET_ERROR_PARSE, flat, full,
                "a Block/ModelParallel needs a 'layers' object");
  *layers = json_node_get_object(node);
  JsonNode *ep = json_object_get_member(obj, "endpoint");
  const char *endpoint = "";
  if (ep) {
    if (!JSON_NODE_HOLDS_VALUE(ep) || json_node_get_value_type(ep) != G_TYPE_STRING)
      return fail(error, PALEO_NET_ERROR_PARSE, flat, full, "key 'endpoint' must be a string");
    endpoint = json_node_get_string(ep);
    if (!json_object_has_member(*layers, endpoint))
      return fail(error, PALEO_NET_ERROR_INVALID, flat, full,
                  "endpoint '%s' is not one of the block's layers", endpoint);
  }
  char *value = *endpoint ? g_strconcat(full, "/", endpoint, NULL) : g_strdup("");
  g_hash_table_insert(flat->endpoints, g_strdup(full), value);
  return TRUE;
}

/* Reads "splits" (default 1, as PALEO) and registers every member "mp/member" -> K. */
static gboolean scan_model_parallel(PaleoNetFlat *flat, const char *full, JsonObject *obj,
                                    JsonObject *layers, GError **error)
{
  int64_t k = 1;
  if (json_object_has_member(obj, "splits") && !paleo_net_get_int(flat, full, obj, "splits", &k, error))
    return FALSE;
  if (k < 1 || k > 65536)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, full,
                "splits %" G_GINT64_FORMAT " must be between 1 and 65536", k);
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  json_object_iter_init_ordered(&it, layers);
  while (json_object_iter_next_ordered(&it, &member, &node)) {
    g_autofree char *name = g_strconcat(full, "/", member, NULL);
    const char *type = NULL;
    if (!get_type(flat, name, node, &type, error))
      return FALSE;
    if (is_block_type(type))
      return fail(error, PALEO_NET_ERROR_INVALID, flat, name,
                  "a %s inside a ModelParallel block is not supported", type);
    g_hash_table_insert(flat->splits, g_strdup(name), GINT_TO_POINTER((int)k));
  }
  return TRUE;
}

/* First pass: checks structure and records block endpoints and ModelParallel splits, so
 * that references may point to blocks defined anywhere in the file. */
static gboolean scan_scope(PaleoNetFlat *flat, const char *prefix, JsonObject *layers,
                           GError **error)
{
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  json_object_iter_init_ordered(&it, layers);
  while (json_object_iter_next_ordered(&it, &member, &node)) {
    g_autofree char *full = g_strconcat(prefix, member, NULL);
    const char *type = NULL;
    if (!get_type(flat, full, node, &type, error))
      return FALSE;
    if (!is_block_type(type))
      continue;
    JsonObject *obj = json_node_get_object(node);
    JsonObject *inner = NULL;
    if (!scan_block(flat, full, obj, &inner, error))
      return FALSE;
    if (strcmp(type, "ModelParallel") == 0) {
      if (!scan_model_parallel(flat, full, obj, inner, error))
        return FALSE;
    } else {
      g_autofree char *sub = g_strconcat(full, "/", NULL);
      if (!scan_scope(flat, sub, inner, error))
        return FALSE;
    }
  }
  return TRUE;
}

gboolean paleo_net_parse_layers(PaleoNetFlat *flat, JsonObject *layers, GError **error)
{
  if (!scan_scope(flat, "", layers, error))
    return FALSE;
  Scope top = {flat, "", NULL, -1, 0};
  return walk_scope(&top, layers, error);
}

/* Network definitions: loads a PALEO JSON file (json-glib, file key order kept) into a
 * PaleoNet — flatten blocks (net_parse.c), order topologically (net_graph.c), infer
 * shapes and parameters (net_shape.c) — and resolves shipped net names. */
#include "workloads/net.h"

#include <string.h>

#include "hardware/config_dir.h"
#include "workloads/net_gen.h"
#include "workloads/net_int.h"

G_DEFINE_QUARK(paleo-net-error-quark, paleo_net_error)

void paleo_net_layer_clear(PaleoLayer *layer)
{
  g_free(layer->name);
  g_free(layer->type_name);
  g_free(layer->parents);
  layer->name = layer->type_name = NULL;
  layer->parents = NULL;
}

void paleo_net_flat_init(PaleoNetFlat *flat, const char *path)
{
  flat->path = path;
  flat->layers = g_array_new(FALSE, TRUE, sizeof(PaleoLayer));
  flat->parent_names = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  flat->index = g_hash_table_new(g_str_hash, g_str_equal);
  flat->endpoints = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  flat->splits = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  flat->tied_names = g_ptr_array_new_with_free_func(g_free);
}

void paleo_net_flat_clear(PaleoNetFlat *flat)
{
  for (guint i = 0; i < flat->layers->len; i++)
    paleo_net_layer_clear(&g_array_index(flat->layers, PaleoLayer, i));
  g_array_free(flat->layers, TRUE);
  g_ptr_array_unref(flat->parent_names);
  g_hash_table_destroy(flat->index);
  g_hash_table_destroy(flat->endpoints);
  g_hash_table_destroy(flat->splits);
  g_ptr_array_unref(flat->tied_names);
}

void paleo_net_free(PaleoNet *net)
{
  if (!net)
    return;
  if (net->layers) {
    for (guint i = 0; i < net->layers->len; i++)
      paleo_net_layer_clear(&g_array_index(net->layers, PaleoLayer, i));
    g_array_free(net->layers, TRUE);
  }
  g_free(net->name);
  g_free(net->path);
  g_free(net);
}

/* Parses JSON text; the root must be an object with a "layers" object. `origin` names the
 * text in messages. */
static JsonParser *parse_text(const char *text, gssize len, const char *origin, JsonObject **root, GError **error)
{
  g_autoptr(GError) local = NULL;
  gsize size = len < 0 ? strlen(text) : (gsize)len;
  if (!paleo_net_json_check(text, size, origin, PALEO_NET_JSON_MAX_DEPTH, error))
    return NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, (gssize)size, &local)) {
    /* json-glib's message starts with "<data>:LINE:COL: Parse error: ..." (some, like the
     * one for bad UTF-8, have no position) */
    const char *msg = local->message;
    gboolean located = g_str_has_prefix(msg, "<data>:");
    g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_PARSE, "%s:%s%s (malformed JSON)", origin,
                located ? "" : " ", located ? msg + strlen("<data>:") : msg);
    return NULL;
  }
  JsonNode *node = json_parser_get_root(parser);
  JsonNode *layers = node && JSON_NODE_HOLDS_OBJECT(node)
                         ? json_object_get_member(json_node_get_object(node), "layers")
                         : NULL;
  if (!layers || !JSON_NODE_HOLDS_OBJECT(layers)) {
    g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_PARSE,
                "%s: missing \"layers\" (expected {\"name\": ..., \"layers\": {name: {...}}})",
                origin);
    return NULL;
  }
  *root = json_node_get_object(node);
  return g_steal_pointer(&parser);
}

/* The JSON "name", else the file stem. */
static char *net_name(JsonObject *root, const char *path)
{
  JsonNode *n = json_object_get_member(root, "name");
  if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
    return g_strdup(json_node_get_string(n));
  char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return base;
}

PaleoNet *paleo_net_load_data(const char *text, gssize length, const char *origin, int64_t batch, GError **error)
{
  g_return_val_if_fail(text != NULL && origin != NULL, NULL);
  g_return_val_if_fail(batch >= 0, NULL);
  JsonObject *root = NULL;
  g_autoptr(JsonParser) parser = parse_text(text, length, origin, &root, error);
  if (!parser)
    return NULL;
  g_autoptr(PaleoNet) net = g_new0(PaleoNet, 1);
  net->path = g_strdup(origin);
  net->name = net_name(root, origin);
  net->layers = g_array_new(FALSE, TRUE, sizeof(PaleoLayer));
  PaleoNetFlat flat;
  paleo_net_flat_init(&flat, net->path);
  gboolean ok = paleo_net_parse_layers(&flat, json_object_get_object_member(root, "layers"),
                                       error) &&
                paleo_net_order(&flat, net->layers, error);
  paleo_net_flat_clear(&flat);
  if (!ok)
    return NULL;
  net->batch = paleo_net_layer(net, 0)->spec_shape.n;
  if (batch > 0)
    return paleo_net_set_batch(net, batch, error) ? g_steal_pointer(&net) : NULL;
  return paleo_net_infer(net, error) ? g_steal_pointer(&net) : NULL;
}

PaleoNet *paleo_net_load(const char *path, int64_t batch, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!paleo_config_read_file(path, &text, &len, &local)) {
    g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_NOT_FOUND, "%s: cannot read: %s", path,
                local->message);
    return NULL;
  }
  return paleo_net_load_data(text, (gssize)len, path, batch, error);
}

PaleoNet *paleo_net_copy(const PaleoNet *net)
{
  g_return_val_if_fail(net != NULL, NULL);
  PaleoNet *copy = g_new0(PaleoNet, 1);
  *copy = *net;
  copy->name = g_strdup(net->name);
  copy->path = g_strdup(net->path);
  copy->layers = g_array_sized_new(FALSE, TRUE, sizeof(PaleoLayer), net->layers->len);
  g_array_append_vals(copy->layers, net->layers->data, net->layers->len);
  for (guint i = 0; i < copy->layers->len; i++) {
    PaleoLayer *l = &g_array_index(copy->layers, PaleoLayer, i);
    l->name = g_strdup(l->name);
    l->type_name = g_strdup(l->type_name);
    l->parents = g_memdup2(l->parents, (l->n_parents ? l->n_parents : 1) * sizeof(guint));
  }
  return copy;
}

gboolean paleo_net_set_batch(PaleoNet *net, int64_t batch, GError **error)
{
  g_return_val_if_fail(net != NULL && batch > 0, FALSE);
  for (guint i = 0; i < net->layers->len; i++) {
    PaleoLayer *l = &g_array_index(net->layers, PaleoLayer, i);
    if (l->type == PALEO_LAYER_INPUT)
      l->spec_shape.n = batch;
  }
  net->batch = batch;
  return paleo_net_infer(net, error);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **paleo_net_shipped_names(void)
{
  g_autofree char *dir_path = paleo_config_path("nets", NULL);
  GPtrArray *names = g_ptr_array_new();
  GDir *dir = g_dir_open(dir_path, 0, NULL);
  const char *entry;
  while (dir && (entry = g_dir_read_name(dir)) != NULL)
    if (g_str_has_suffix(entry, ".json"))
      g_ptr_array_add(names, g_strndup(entry, strlen(entry) - strlen(".json")));
  if (dir)
    g_dir_close(dir);
  g_ptr_array_sort(names, compare_strings);
  g_ptr_array_add(names, NULL);
  return (char **)g_ptr_array_free(names, FALSE);
}

PaleoNet *paleo_net_load_named(const char *name_or_path, int64_t batch, GError **error)
{
  g_return_val_if_fail(name_or_path != NULL, NULL);
  if (paleo_transformer_spec_is(name_or_path))
    return paleo_transformer_load(name_or_path, batch, error);
  if (strchr(name_or_path, '/') || g_str_has_suffix(name_or_path, ".json"))
    return paleo_net_load(name_or_path, batch, error);
  g_autofree char *file = g_strconcat(name_or_path, ".json", NULL);
  g_autofree char *path = paleo_config_path("nets", file);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_auto(GStrv) names = paleo_net_shipped_names();
    g_autofree char *list = g_strjoinv(", ", names);
    g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_NOT_FOUND,
                "unknown net '%s': not a shipped net (%s in %s/nets) nor a path "
                "(give a path with '/' or ending in .json)",
                name_or_path, *list ? list : "none found", paleo_config_dir());
    return NULL;
  }
  return paleo_net_load(path, batch, error);
}

const char *paleo_net_layer_kind(PaleoLayerType type)
{
  switch (type) {
  case PALEO_LAYER_INPUT:
    return "input";
  case PALEO_LAYER_CONV:
    return "conv2d";
  case PALEO_LAYER_DECONV:
    return "deconv2d";
  case PALEO_LAYER_INNER_PRODUCT:
    return "innerproduct";
  case PALEO_LAYER_POOL:
  case PALEO_LAYER_AVGPOOL:
    return "pool2d";
  case PALEO_LAYER_DROPOUT:
    return "dropout";
  case PALEO_LAYER_CONCAT:
    return "concat";
  case PALEO_LAYER_ELEMENTWISE:
    return "elementwise";
  case PALEO_LAYER_SOFTMAX:
    return "softmax";
  case PALEO_LAYER_OTHER:
    return "generic";
  case PALEO_LAYER_EMBEDDING:
    return "embedding";
  case PALEO_LAYER_MATMUL:
    return "matmul";
  case PALEO_LAYER_ATTENTION:
    return "attention";
  case PALEO_LAYER_NORM:
    return "norm";
  case PALEO_LAYER_ACTIVATION:
    return "activation";
  case PALEO_LAYER_RESIDUAL:
    return "residual";
  case PALEO_LAYER_CROSS_ENTROPY:
    return "crossentropy";
  }
  g_assert_not_reached();
}

gboolean paleo_net_layer_weighted(const PaleoLayer *l)
{
  switch (l->type) {
  case PALEO_LAYER_CONV:
  case PALEO_LAYER_DECONV:
  case PALEO_LAYER_INNER_PRODUCT:
  case PALEO_LAYER_MATMUL:
  case PALEO_LAYER_EMBEDDING:
  case PALEO_LAYER_NORM:
    return l->params > 0;
  default:
    return FALSE;
  }
}

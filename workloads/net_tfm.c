/* The transformer layer types of the PALEO-style JSON: their keys, shapes, parameters and
 * tensor-parallel roles. Activations are sequences [N, S, C] (PaleoShape h = S, w = 1,
 * rank 3); token ids enter as [N, S].
 * - Embedding {vocab, hidden, positions = 0}: [N, S] -> [N, S, hidden], (vocab + positions) x hidden
 *   parameters; split by vocabulary under tensor parallelism.
 * - MatMul {num_outputs, bias = true, tensor_parallel = none|column|row, density = 1, tied}:
 *   [N, S, K] -> [N, S, num_outputs], K num_outputs (+ num_outputs) parameters (none when
 *   tied to an Embedding). With two parents, a batched product of activations
 *   {transpose_a, transpose_b}: A [N, M, K] x B [N, K, P] -> [N, M, P], no parameters.
 * - Attention {heads, kv_heads = heads, head_dim, causal = true, fused = none|flash,
 *   dropout = 0}: fused QKV [N, S, (a + 2 g) d] -> [N, S, a d], no parameters.
 * - LayerNorm / RMSNorm: 2 C / C parameters. GELU: same shape. SwiGLU: [.., 2F] -> [.., F].
 * - Residual {dropout = 0}: the sum of its two parents. CrossEntropy: logits [N, S, V] -> [N, S, 1]. */
#include "workloads/net_int.h"

#include <math.h>
#include <string.h>

#define fail paleo_net_parse_fail

static const char *const tp_names[] = {"none", "column", "row", NULL};
static const char *const fused_names[] = {"none", "flash", NULL};

static gboolean bad_type(const PaleoNetFlat *flat, const PaleoLayer *l, const char *key, JsonNode *node,
                         const char *expected, GError **error)
{
  g_autofree char *text = paleo_net_node_text(node);
  return fail(error, PALEO_NET_ERROR_PARSE, flat, l->name, "key '%s' must be %s, got %s", key, expected, text);
}

/* obj[key] as an integer >= lo; `def` when absent (required when `required`). */
static gboolean opt_int(const PaleoNetFlat *flat, const PaleoLayer *l, JsonObject *obj, const char *key,
                        gboolean required, int64_t def, int64_t lo, int64_t *out, GError **error)
{
  if (!json_object_has_member(obj, key) && !required) {
    *out = def;
    return TRUE;
  }
  if (!paleo_net_get_int(flat, l->name, obj, key, out, error))
    return FALSE;
  if (*out < lo)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name, "%s = %" G_GINT64_FORMAT " must be >= %" G_GINT64_FORMAT,
                key, *out, lo);
  return TRUE;
}

static gboolean opt_bool(const PaleoNetFlat *flat, const PaleoLayer *l, JsonObject *obj, const char *key,
                         gboolean def, gboolean *out, GError **error)
{
  JsonNode *node = json_object_get_member(obj, key);
  if (!node) {
    *out = def;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
    return bad_type(flat, l, key, node, "true or false", error);
  *out = json_node_get_boolean(node);
  return TRUE;
}

/* obj[key] as a number in [lo, hi] (lo excluded when `lo_open`); `def` when absent. */
static gboolean opt_number(const PaleoNetFlat *flat, const PaleoLayer *l, JsonObject *obj, const char *key,
                           double def, double lo, gboolean lo_open, double hi, double *out, GError **error)
{
  JsonNode *node = json_object_get_member(obj, key);
  if (!node) {
    *out = def;
    return TRUE;
  }
  if (!paleo_net_node_is_number(node))
    return bad_type(flat, l, key, node, "a number", error);
  *out = json_node_get_double(node);
  if (!(lo_open ? *out > lo : *out >= lo) || !(*out <= hi))
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name, "%s = %g is outside %s%g, %g]", key, *out,
                lo_open ? "(" : "[", lo, hi);
  return TRUE;
}

/* obj[key] as one of `names` (its index); `def` when absent. */
static gboolean opt_choice(const PaleoNetFlat *flat, const PaleoLayer *l, JsonObject *obj, const char *key,
                           const char *const *names, int def, int *out, GError **error)
{
  JsonNode *node = json_object_get_member(obj, key);
  if (!node) {
    *out = def;
    return TRUE;
  }
  const char *v = JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
                      ? json_node_get_string(node)
                      : NULL;
  for (int i = 0; v && names[i]; i++)
    if (!g_ascii_strcasecmp(v, names[i])) {
      *out = i;
      return TRUE;
    }
  g_autofree char *list = g_strjoinv(" | ", (char **)names);
  g_autofree char *expected = g_strdup_printf("one of %s", list);
  return bad_type(flat, l, key, node, expected, error);
}

char *paleo_net_tied_name(JsonObject *obj)
{
  JsonNode *node = json_object_get_member(obj, "tied");
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  return g_strdup(json_node_get_string(node));
}

static gboolean parse_matmul(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj, GError **error)
{
  int tp = 0;
  JsonNode *tied = json_object_get_member(obj, "tied");
  if (tied && (!JSON_NODE_HOLDS_VALUE(tied) || json_node_get_value_type(tied) != G_TYPE_STRING ||
               !*json_node_get_string(tied)))
    return bad_type(flat, l, "tied", tied, "the name of an Embedding layer", error);
  if (!opt_int(flat, l, obj, "num_outputs", FALSE, 0, 1, &l->num_outputs, error) ||
      !opt_bool(flat, l, obj, "bias", TRUE, &l->bias, error) ||
      !opt_choice(flat, l, obj, "tensor_parallel", tp_names, 0, &tp, error) ||
      !opt_number(flat, l, obj, "density", 1.0, 0, TRUE, 1, &l->density, error) ||
      !opt_bool(flat, l, obj, "transpose_a", FALSE, &l->transpose_a, error) ||
      !opt_bool(flat, l, obj, "transpose_b", FALSE, &l->transpose_b, error))
    return FALSE;
  l->tp = (PaleoTpRole)tp;
  return TRUE;
}

static gboolean parse_attention(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj, GError **error)
{
  int fused = 0;
  if (!opt_int(flat, l, obj, "heads", TRUE, 0, 1, &l->heads, error) ||
      !opt_int(flat, l, obj, "kv_heads", FALSE, l->heads, 1, &l->kv_heads, error) ||
      !opt_int(flat, l, obj, "head_dim", FALSE, 0, 1, &l->head_dim, error) ||
      !opt_bool(flat, l, obj, "causal", TRUE, &l->causal, error) ||
      !opt_choice(flat, l, obj, "fused", fused_names, 0, &fused, error) ||
      !opt_number(flat, l, obj, "dropout", 0, 0, FALSE, 0.99, &l->dropout, error))
    return FALSE;
  if (l->heads % l->kv_heads)
    return fail(error, PALEO_NET_ERROR_INVALID, flat, l->name,
                "heads = %" G_GINT64_FORMAT " is not a multiple of kv_heads = %" G_GINT64_FORMAT
                " (each key/value head serves a group of query heads)", l->heads, l->kv_heads);
  l->flash = fused == 1;
  return TRUE;
}

gboolean paleo_net_parse_transformer(const PaleoNetFlat *flat, PaleoLayer *l, JsonObject *obj, GError **error)
{
  l->density = 1.0;
  l->tied = -1;
  switch (l->type) {
  case PALEO_LAYER_EMBEDDING:
    return opt_int(flat, l, obj, "vocab", TRUE, 0, 1, &l->vocab, error) &&
           opt_int(flat, l, obj, "hidden", TRUE, 0, 1, &l->num_outputs, error) &&
           opt_int(flat, l, obj, "positions", FALSE, 0, 0, &l->positions, error);
  case PALEO_LAYER_MATMUL: return parse_matmul(flat, l, obj, error);
  case PALEO_LAYER_ATTENTION: return parse_attention(flat, l, obj, error);
  case PALEO_LAYER_NORM: l->rms = !strcmp(l->type_name, "RMSNorm"); return TRUE;
  case PALEO_LAYER_ACTIVATION: l->gated = !strcmp(l->type_name, "SwiGLU"); return TRUE;
  case PALEO_LAYER_RESIDUAL: return opt_number(flat, l, obj, "dropout", 0, 0, FALSE, 0.99, &l->dropout, error);
  case PALEO_LAYER_CROSS_ENTROPY: return TRUE;
  default: g_assert_not_reached();
  }
}

/* ---- shapes and parameters ---- */

G_GNUC_PRINTF(4, 5)
static gboolean bad(GError **error, const PaleoNet *net, const PaleoLayer *l, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_INVALID, "%s: layer '%s': %s", net->path, l->name, msg);
  return FALSE;
}

static const PaleoLayer *parent(const PaleoNet *net, const PaleoLayer *l, guint j)
{
  return paleo_net_layer(net, l->parents[j]);
}

static gboolean need_parents(const PaleoNet *net, const PaleoLayer *l, guint lo, guint hi, GError **error)
{
  if (l->n_parents >= lo && l->n_parents <= hi)
    return TRUE;
  return bad(error, net, l, "a %s layer takes %u%s%s parent%s, got %u", l->type_name, lo, hi > lo ? " or " : "",
             hi > lo ? "2" : "", hi > 1 ? "s" : "", l->n_parents);
}

/* The input must be a sequence [N, S, C] (or, `tokens`, ids [N, S]). */
static gboolean need_sequence(const PaleoNet *net, const PaleoLayer *l, gboolean tokens, GError **error)
{
  char buf[96];
  if (l->input_rank == 3 || (tokens && l->input_rank == 2))
    return TRUE;
  return bad(error, net, l, "needs a sequence [N, S, C]%s input, got %s", tokens ? " or token ids [N, S]" : "",
             paleo_net_format_shape(l->input, l->input_rank, buf, sizeof buf));
}

static PaleoShape sequence(int64_t n, int64_t s, int64_t c)
{
  return (PaleoShape){n, s, 1, c};
}

static gboolean infer_embedding(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  if (!need_sequence(net, l, TRUE, error))
    return FALSE;
  int64_t s = l->input_rank == 2 ? l->input.c : l->input.h;
  if (l->input_rank == 3 && l->input.c != 1)
    return bad(error, net, l, "token ids are [N, S] or [N, S, 1], got C = %" G_GINT64_FORMAT, l->input.c);
  l->output = sequence(l->input.n, s, l->num_outputs);
  l->params = (l->vocab + l->positions) * l->num_outputs;
  return TRUE;
}

static gboolean infer_tied(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  const PaleoLayer *e = paleo_net_layer(net, (guint)l->tied);
  if (e->type != PALEO_LAYER_EMBEDDING)
    return bad(error, net, l, "tied = '%s' is not an Embedding layer", e->name);
  if (e->vocab != l->num_outputs || e->num_outputs != l->input.c)
    return bad(error, net, l,
               "tied to '%s' ([%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT "] table), but it maps %" G_GINT64_FORMAT
               " to %" G_GINT64_FORMAT " features",
               e->name, e->vocab, e->num_outputs, l->input.c, l->num_outputs);
  l->params = l->bias ? l->num_outputs : 0;
  return TRUE;
}

/* A [N, R, C] operand's rows and columns, transposed when asked. */
static void operand(const PaleoShape *s, gboolean transpose, int64_t *rows, int64_t *cols)
{
  *rows = transpose ? s->c : s->h;
  *cols = transpose ? s->h : s->c;
}

static gboolean infer_batched_product(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  char a[96], b[96];
  const PaleoLayer *pa = parent(net, l, 0), *pb = parent(net, l, 1);
  if (pa->output_rank != 3 || pb->output_rank != 3 || pa->output.n != pb->output.n)
    return bad(error, net, l, "a product of two activations needs two [N, R, C] operands, got %s and %s",
               paleo_net_format_shape(pa->output, pa->output_rank, a, sizeof a),
               paleo_net_format_shape(pb->output, pb->output_rank, b, sizeof b));
  int64_t m, k, k2, p;
  operand(&pa->output, l->transpose_a, &m, &k);
  operand(&pb->output, l->transpose_b, &k2, &p);
  if (k != k2)
    return bad(error, net, l, "inner dimensions differ: %s%s x %s%s", paleo_net_format_shape(pa->output, 3, a, sizeof a),
               l->transpose_a ? "^T" : "", paleo_net_format_shape(pb->output, 3, b, sizeof b),
               l->transpose_b ? "^T" : "");
  l->output = sequence(pa->output.n, m, p);
  l->num_outputs = p;
  l->params = 0;
  return TRUE;
}

static gboolean infer_matmul(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  if (!need_parents(net, l, 1, 2, error))
    return FALSE;
  if (l->n_parents == 2)
    return infer_batched_product(net, l, error);
  if (l->input_rank != 3 && l->input_rank != 2)
    return need_sequence(net, l, FALSE, error);
  if (l->num_outputs <= 0)
    return bad(error, net, l, "missing key 'num_outputs' (the output features, an integer)");
  l->output = l->input;
  l->output.c = l->num_outputs;
  if (l->tied >= 0)
    return infer_tied(net, l, error);
  l->params = l->input.c * l->num_outputs + (l->bias ? l->num_outputs : 0);
  return TRUE;
}

static gboolean infer_attention(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  if (!need_sequence(net, l, FALSE, error))
    return FALSE;
  int64_t groups = l->heads + 2 * l->kv_heads, c = l->input.c;
  int64_t d = l->head_dim ? l->head_dim : (c % groups ? 0 : c / groups);
  if (d <= 0 || groups * d != c)
    return bad(error, net, l,
               "its input has %" G_GINT64_FORMAT " features; fused Q, K, V of %" G_GINT64_FORMAT " + 2 x %" G_GINT64_FORMAT
               " heads need (heads + 2 kv_heads) x head_dim", c, l->heads, l->kv_heads);
  l->head_dim = d;
  l->output = sequence(l->input.n, l->input.h, l->heads * d);
  return TRUE;
}

static gboolean infer_residual(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  char a[96], b[96];
  if (!need_parents(net, l, 2, 2, error))
    return FALSE;
  const PaleoLayer *q = parent(net, l, 1);
  if (q->output_rank != l->input_rank || memcmp(&q->output, &l->input, sizeof l->input))
    return bad(error, net, l, "adds %s and %s: shapes differ",
               paleo_net_format_shape(l->input, l->input_rank, a, sizeof a),
               paleo_net_format_shape(q->output, q->output_rank, b, sizeof b));
  l->output = l->input;
  return TRUE;
}

static gboolean infer_shape(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  if (l->type != PALEO_LAYER_MATMUL && l->type != PALEO_LAYER_RESIDUAL && !need_parents(net, l, 1, 1, error))
    return FALSE;
  switch (l->type) {
  case PALEO_LAYER_EMBEDDING: return infer_embedding(net, l, error);
  case PALEO_LAYER_MATMUL: return infer_matmul(net, l, error);
  case PALEO_LAYER_ATTENTION: return infer_attention(net, l, error);
  case PALEO_LAYER_RESIDUAL: return infer_residual(net, l, error);
  default: break;
  }
  if (!need_sequence(net, l, FALSE, error))
    return FALSE;
  l->output = l->input;
  if (l->type == PALEO_LAYER_NORM)
    l->params = (l->rms ? 1 : 2) * l->input.c;
  else if (l->type == PALEO_LAYER_ACTIVATION && l->gated) {
    if (l->input.c % 2)
      return bad(error, net, l, "SwiGLU halves its %" G_GINT64_FORMAT " input features: they must be even",
                 l->input.c);
    l->output.c /= 2;
  } else if (l->type == PALEO_LAYER_CROSS_ENTROPY) {
    l->vocab = l->input.c;
    l->output.c = 1;
  }
  return TRUE;
}

gboolean paleo_net_infer_transformer(const PaleoNet *net, PaleoLayer *l, GError **error)
{
  gboolean flat_product = l->type == PALEO_LAYER_MATMUL && l->n_parents == 1 && l->input_rank == 2;
  l->output_rank = flat_product ? 2 : 3;
  return infer_shape(net, l, error);
}

/* Layers that work on whatever their first parent gives them, split or not. */
static gboolean follows_parent(const PaleoLayer *l)
{
  switch (l->type) {
  case PALEO_LAYER_ATTENTION:
  case PALEO_LAYER_ACTIVATION:
  case PALEO_LAYER_DROPOUT:
  case PALEO_LAYER_ELEMENTWISE:
  case PALEO_LAYER_SOFTMAX:
  case PALEO_LAYER_OTHER: return TRUE;
  case PALEO_LAYER_MATMUL: return l->n_parents == 2;
  default: return FALSE;
  }
}

void paleo_net_derive_tp(const PaleoNet *net, PaleoLayer *l)
{
  PaleoTpRole up = l->n_parents ? parent(net, l, 0)->tp : PALEO_TP_NONE;
  gboolean split_input = up == PALEO_TP_COLUMN || up == PALEO_TP_SPLIT;
  if (l->type == PALEO_LAYER_EMBEDDING)
    l->tp = PALEO_TP_VOCAB;
  else if (l->type == PALEO_LAYER_CROSS_ENTROPY)
    l->tp = up == PALEO_TP_COLUMN ? PALEO_TP_VOCAB : PALEO_TP_NONE;
  else if (follows_parent(l))
    l->tp = split_input ? PALEO_TP_SPLIT : PALEO_TP_NONE;
  else if (l->type != PALEO_LAYER_MATMUL)
    l->tp = PALEO_TP_NONE;
}

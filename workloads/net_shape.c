/* Shape inference and parameter counts, following PALEO (paleo/layers: conv, pool, core):
 * - conv/pool output: VALID ceil((H-k+1)/s); SAME ceil(H/s); explicit [p]: (H+2p-k)//s+1;
 * - SAME padding: conv ((Ho-1)*s+k-H)//2, pool ((H-1)*s+k-H)//2 (Python floor division);
 * - conv Cin = -1 takes the input's C; params kh*kw*Cin*Cout + Cout;
 * - InnerProduct flattens to [N, H*W*C], params K*M + M; Softmax gives [N, classes];
 * - Concatenate sums `dim`, other dims must agree; Elementwise needs equal shapes.
 * Layers are visited in topological order, so parents are always inferred first. */
#include "workloads/net_int.h"

#include <stdarg.h>
#include <string.h>

#define SHAPE_BUF 96

static const guint64 kMaxCount = G_GUINT64_CONSTANT(1) << 50;

G_GNUC_PRINTF(4, 5)
static gboolean fail(GError **error, const char *path, const PaleoLayer *l, const char *fmt,
                     ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, PALEO_NET_ERROR, PALEO_NET_ERROR_INVALID, "%s: layer '%s': %s", path,
              l->name, msg);
  return FALSE;
}

/* a*b*c*d without overflow, bounded by kMaxCount. */
static gboolean count_ok(int64_t a, int64_t b, int64_t c, int64_t d)
{
  guint64 r = 0;
  return a >= 0 && b >= 0 && c >= 0 && d >= 0 && g_uint64_checked_mul(&r, (guint64)a, (guint64)b) &&
         g_uint64_checked_mul(&r, r, (guint64)c) && g_uint64_checked_mul(&r, r, (guint64)d) &&
         r <= kMaxCount;
}

/* Fails unless a*b*c*d (a weight or tensor count) fits; checked before multiplying. */
static gboolean need_count(const char *path, const PaleoLayer *l, int64_t a, int64_t b,
                           int64_t c, int64_t d, GError **error)
{
  return count_ok(a, b, c, d) || fail(error, path, l, "tensor or weights larger than 2^50 elements");
}

static const PaleoLayer *parent(const PaleoNet *net, const PaleoLayer *l, guint j)
{
  return paleo_net_layer(net, l->parents[j]);
}

/* One spatial dimension of a sliding window (conv or pool). OUT: *out, *pad. */
static void window_dim(int64_t in, int64_t k, int64_t s, PaleoPadding mode, gboolean pool,
                       int64_t *out, int64_t *pad)
{
  switch (mode) {
  case PALEO_PAD_VALID:
    *out = paleo_ceil_div(in - k + 1, s);
    *pad = 0;
    return;
  case PALEO_PAD_SAME:
    *out = paleo_ceil_div(in, s);
    *pad = paleo_floor_div((pool ? in - 1 : *out - 1) * s + k - in, 2);
    return;
  case PALEO_PAD_EXPLICIT:
    *out = paleo_floor_div(in + 2 * *pad - k, s) + 1;
    return;
  }
  g_assert_not_reached();
}

/* Output H, W and the forward padding of a conv or pool over `in`. */
static gboolean window(const char *path, PaleoLayer *l, PaleoShape in, gboolean pool,
                       PaleoShape *out, GError **error)
{
  window_dim(in.h, l->kh, l->sh, l->padding, pool, &out->h, &l->pad_h);
  window_dim(in.w, l->kw, l->sw, l->padding, pool, &out->w, &l->pad_w);
  if (out->h > 0 && out->w > 0)
    return TRUE;
  if (l->padding == PALEO_PAD_VALID)
    return fail(error, path, l,
                "kernel %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " is larger than its %" G_GINT64_FORMAT
                "x%" G_GINT64_FORMAT " input under VALID padding",
                l->kh, l->kw, in.h, in.w);
  return fail(error, path, l,
              "kernel %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " with padding [%" G_GINT64_FORMAT
              ", %" G_GINT64_FORMAT "] does not fit its %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
              " input",
              l->kh, l->kw, l->pad_h, l->pad_w, in.h, in.w);
}

static gboolean need_rank4(const char *path, const PaleoLayer *l, GError **error)
{
  char buf[SHAPE_BUF];
  if (l->input_rank == 4)
    return TRUE;
  return fail(error, path, l, "needs a 4-D [N,H,W,C] input, got %s",
              paleo_net_format_shape(l->input, l->input_rank, buf, sizeof buf));
}

static gboolean infer_conv(const char *path, PaleoLayer *l, GError **error)
{
  PaleoShape in = l->input;
  if (!need_rank4(path, l, error))
    return FALSE;
  l->cin = l->filter_cin == -1 ? in.c : l->filter_cin;
  if (l->cin != in.c)
    return fail(error, path, l,
                "channel mismatch: filter expects Cin = %" G_GINT64_FORMAT
                " but the input has C = %" G_GINT64_FORMAT,
                l->cin, in.c);
  l->output = (PaleoShape){in.n, 0, 0, l->cout};
  if (!window(path, l, in, FALSE, &l->output, error) ||
      !need_count(path, l, l->kh, l->kw, l->cin, l->cout, error))
    return FALSE;
  l->params = l->kh * l->kw * l->cin * l->cout + l->cout;
  return TRUE;
}

/* PALEO's Deconv2D: the conv of the same filter over output_shape must give the input. */
static gboolean infer_deconv(const char *path, PaleoLayer *l, GError **error)
{
  char want[SHAPE_BUF], got[SHAPE_BUF], have[SHAPE_BUF];
  PaleoShape in = l->input;
  if (!need_rank4(path, l, error))
    return FALSE;
  l->spec_shape.n = in.n;
  PaleoShape o = l->spec_shape;
  l->cin = l->filter_cin == -1 ? o.c : l->filter_cin;
  if (l->cin != o.c)
    return fail(error, path, l,
                "channel mismatch: filter Cin %" G_GINT64_FORMAT
                " must equal output_shape's C = %" G_GINT64_FORMAT,
                l->cin, o.c);
  PaleoShape back = {o.n, 0, 0, l->cout};
  if (!window(path, l, o, FALSE, &back, error) ||
      !need_count(path, l, l->kh, l->kw, l->cin, l->cout, error))
    return FALSE;
  if (back.h != in.h || back.w != in.w || back.c != in.c)
    return fail(error, path, l,
                "output_shape %s does not invert to the input: its convolution gives %s, the "
                "input is %s",
                paleo_net_format_shape(o, 4, want, sizeof want),
                paleo_net_format_shape(back, 4, got, sizeof got),
                paleo_net_format_shape(in, 4, have, sizeof have));
  l->output = o;
  l->params = l->kh * l->kw * l->cin * l->cout + l->cout;
  return TRUE;
}

static gboolean infer_pool(const char *path, PaleoLayer *l, GError **error)
{
  if (!need_rank4(path, l, error))
    return FALSE;
  l->cin = l->cout = l->input.c;
  l->output = (PaleoShape){l->input.n, 0, 0, l->input.c};
  return window(path, l, l->input, TRUE, &l->output, error);
}

static gboolean infer_inner_product(const char *path, PaleoLayer *l, GError **error)
{
  if (!need_count(path, l, l->input.h, l->input.w, l->input.c, l->num_outputs, error))
    return FALSE;
  int64_t k = l->input.h * l->input.w * l->input.c;
  l->kh = l->kw = 1;
  l->cin = k;
  l->cout = l->num_outputs;
  l->output = (PaleoShape){l->input.n, 1, 1, l->num_outputs};
  l->output_rank = 2;
  l->params = k * l->num_outputs + l->num_outputs;
  return TRUE;
}

/* Pointer to dimension d of a rank-2 ([n, c]) or rank-4 shape. */
static int64_t *shape_dim(PaleoShape *s, int rank, int d)
{
  int64_t *dims[4] = {&s->n, &s->h, &s->w, &s->c};
  if (rank == 3) /* [N, S, C] */
    return d == 0 ? &s->n : d == 1 ? &s->h : &s->c;
  return rank == 2 ? (d == 0 ? &s->n : &s->c) : dims[d];
}

static gboolean infer_concat(const char *path, const PaleoNet *net, PaleoLayer *l,
                             GError **error)
{
  char a[SHAPE_BUF], b[SHAPE_BUF];
  int rank = l->input_rank;
  int d = l->concat_dim < 0 ? l->concat_dim + rank : l->concat_dim;
  if (d < 0 || d >= rank)
    return fail(error, path, l, "concat dim %d is out of range for rank-%d inputs", l->concat_dim,
                rank);
  l->concat_dim = d;
  l->output = l->input;
  *shape_dim(&l->output, rank, d) = 0;
  for (guint j = 0; j < l->n_parents; j++) {
    const PaleoLayer *p = parent(net, l, j);
    PaleoShape s = p->output;
    *shape_dim(&l->output, rank, d) += *shape_dim(&s, rank, d);
    *shape_dim(&s, rank, d) = 0;
    PaleoShape ref = l->input;
    *shape_dim(&ref, rank, d) = 0;
    if (p->output_rank != rank || memcmp(&s, &ref, sizeof s) != 0)
      return fail(error, path, l,
                  "concat mismatch: parent '%s' has shape %s, which differs from %s outside "
                  "dim %d",
                  p->name, paleo_net_format_shape(p->output, p->output_rank, a, sizeof a),
                  paleo_net_format_shape(l->input, rank, b, sizeof b), d);
  }
  return TRUE;
}

static gboolean infer_elementwise(const char *path, const PaleoNet *net, PaleoLayer *l,
                                  GError **error)
{
  char a[SHAPE_BUF], b[SHAPE_BUF];
  for (guint j = 1; j < l->n_parents; j++) {
    const PaleoLayer *p = parent(net, l, j);
    if (p->output_rank != l->input_rank || memcmp(&p->output, &l->input, sizeof l->input) != 0)
      return fail(error, path, l,
                  "shape mismatch: parent '%s' has shape %s but '%s' has %s", p->name,
                  paleo_net_format_shape(p->output, p->output_rank, a, sizeof a),
                  parent(net, l, 0)->name,
                  paleo_net_format_shape(l->input, l->input_rank, b, sizeof b));
  }
  l->output = l->input;
  return TRUE;
}

/* Zero-cost layers: UpSampling2D scales H and W, Reshape takes output_shape, others pass. */
static gboolean infer_other(const char *path, PaleoLayer *l, GError **error)
{
  char a[SHAPE_BUF], b[SHAPE_BUF];
  l->output = l->input;
  if (strcmp(l->type_name, "UpSampling2D") == 0) {
    if (!need_rank4(path, l, error) ||
        !need_count(path, l, l->input.h, l->kh, l->input.w, l->kw, error))
      return FALSE;
    l->output.h *= l->kh;
    l->output.w *= l->kw;
  } else if (l->spec_rank > 0) { /* Reshape */
    l->spec_shape.n = l->input.n;
    PaleoShape t = l->spec_shape;
    if (!need_count(path, l, t.n, t.h, t.w, t.c, error))
      return FALSE;
    if (paleo_shape_elems(l->spec_shape) != paleo_shape_elems(l->input))
      return fail(error, path, l, "cannot reshape %s into output_shape %s",
                  paleo_net_format_shape(l->input, l->input_rank, a, sizeof a),
                  paleo_net_format_shape(l->spec_shape, l->spec_rank, b, sizeof b));
    l->output = l->spec_shape;
    l->output_rank = l->spec_rank;
  }
  return TRUE;
}

/* Layers PALEO builds from a single input tensor. */
static gboolean single_parent(PaleoLayerType t)
{
  return t == PALEO_LAYER_CONV || t == PALEO_LAYER_DECONV || t == PALEO_LAYER_POOL ||
         t == PALEO_LAYER_AVGPOOL || t == PALEO_LAYER_INNER_PRODUCT ||
         t == PALEO_LAYER_DROPOUT || t == PALEO_LAYER_SOFTMAX;
}

static gboolean infer_layer(const char *path, const PaleoNet *net, PaleoLayer *l,
                            GError **error)
{
  l->params = 0;
  if (l->type == PALEO_LAYER_INPUT) {
    l->input = l->output = l->spec_shape;
    l->input_rank = l->output_rank = l->spec_rank;
    return TRUE;
  }
  if (single_parent(l->type) && l->n_parents != 1)
    return fail(error, path, l, "a %s layer takes exactly one parent, got %u", l->type_name,
                l->n_parents);
  const PaleoLayer *first = parent(net, l, 0);
  l->input = first->output;
  l->input_rank = l->output_rank = first->output_rank;
  switch (l->type) {
  case PALEO_LAYER_CONV:
    return infer_conv(path, l, error);
  case PALEO_LAYER_DECONV:
    return infer_deconv(path, l, error);
  case PALEO_LAYER_POOL:
  case PALEO_LAYER_AVGPOOL:
    return infer_pool(path, l, error);
  case PALEO_LAYER_INNER_PRODUCT:
    return infer_inner_product(path, l, error);
  case PALEO_LAYER_CONCAT:
    return infer_concat(path, net, l, error);
  case PALEO_LAYER_ELEMENTWISE:
    return infer_elementwise(path, net, l, error);
  case PALEO_LAYER_SOFTMAX:
    l->output = (PaleoShape){l->input.n, 1, 1, l->num_classes ? l->num_classes : l->input.c};
    l->output_rank = 2;
    return TRUE;
  case PALEO_LAYER_DROPOUT:
    l->output = l->input;
    return TRUE;
  case PALEO_LAYER_OTHER:
    return infer_other(path, l, error);
  case PALEO_LAYER_INPUT:
    break;
  default:
    return paleo_net_infer_transformer(net, l, error);
  }
  g_assert_not_reached();
}

/* Dimensions are at most 2^31 (checked when parsing) and every output at most 2^50
 * elements, so the next layers' arithmetic cannot overflow. */
static gboolean check_sizes(const char *path, const PaleoLayer *l, GError **error)
{
  PaleoShape o = l->output;
  return need_count(path, l, o.n, o.h, o.w, o.c, error);
}

gboolean paleo_net_infer(PaleoNet *net, GError **error)
{
  net->params = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    PaleoLayer *l = &g_array_index(net->layers, PaleoLayer, i);
    if (!infer_layer(net->path, net, l, error) || !check_sizes(net->path, l, error))
      return FALSE;
    paleo_net_derive_tp(net, l);
    net->params += l->params;
  }
  return TRUE;
}

char *paleo_net_format_shape(PaleoShape s, int rank, char *buf, gsize buf_len)
{
  if (rank == 2)
    g_snprintf(buf, buf_len, "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, s.n, s.c);
  else if (rank == 3)
    g_snprintf(buf, buf_len, "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, s.n, s.h, s.c);
  else
    g_snprintf(buf, buf_len,
               "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
               s.n, s.h, s.w, s.c);
  return buf;
}

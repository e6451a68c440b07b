/* Tornado charts with cairo (see tornado.h). */
#include "output/tornado.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "output/output_file.h"
#include "output/timeline.h"
#include "output/trace_io.h"

#define WIDTH 960.0
#define LABEL_W 230.0
#define RIGHT_W 40.0
#define TOP 78.0
#define ROW_H 34.0
#define BAR_H 20.0
#define BOTTOM 52.0

static const double low_rgb[3] = {0.26, 0.45, 0.76};  /* input at its low value */
static const double high_rgb[3] = {0.90, 0.49, 0.13}; /* input at its high value */

typedef struct {
  double lo, hi;       /* metric range shown */
} Scale;

static double x_of(const Scale *s, double v)
{
  return LABEL_W + (v - s->lo) / (s->hi - s->lo) * (WIDTH - LABEL_W - RIGHT_W);
}

static Scale scale_of(double base, const PaleoTornadoBar *bars, guint n)
{
  Scale s = {base, base};
  for (guint i = 0; i < n; i++) {
    const double v[2] = {bars[i].metric_low, bars[i].metric_high};
    for (guint k = 0; k < 2; k++)
      if (isfinite(v[k]))
        s.lo = MIN(s.lo, v[k]), s.hi = MAX(s.hi, v[k]);
  }
  double pad = (s.hi - s.lo) * 0.08;
  if (pad <= 0)
    pad = fabs(base) * 0.01 + 1e-9;
  s.lo -= pad;
  s.hi += pad;
  return s;
}

static void text(cairo_t *cr, double x, double y, double size, double align, const char *t)
{
  cairo_text_extents_t ext;
  cairo_set_font_size(cr, size);
  cairo_text_extents(cr, t, &ext);
  cairo_move_to(cr, x - align * ext.x_advance, y);
  cairo_show_text(cr, t);
}

static double nice_step(double raw)
{
  double mag = pow(10, floor(log10(raw))), f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void draw_axis(cairo_t *cr, const Scale *s, double y, const char *metric)
{
  double step = nice_step((s->hi - s->lo) / 8);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, LABEL_W, y + 0.5);
  cairo_line_to(cr, WIDTH - RIGHT_W, y + 0.5);
  cairo_stroke(cr);
  for (double v = ceil(s->lo / step) * step; v <= s->hi; v += step) {
    double x = round(x_of(s, v)) + 0.5;
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x, y + 5);
    cairo_stroke(cr);
    char buf[32];
    g_snprintf(buf, sizeof buf, "%g", fabs(v) < step * 1e-9 ? 0.0 : v);
    text(cr, x, y + 18, 11, 0.5, buf);
  }
  text(cr, (LABEL_W + WIDTH - RIGHT_W) / 2, y + 38, 12, 0.5, metric);
}

static void draw_bar(cairo_t *cr, const Scale *s, double base, const PaleoTornadoBar *b, double y)
{
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  text(cr, LABEL_W - 10, y + BAR_H / 2 + 4, 12, 1.0, b->label);
  const double v[2] = {b->metric_low, b->metric_high};
  const double *rgb[2] = {low_rgb, high_rgb};
  for (guint k = 0; k < 2; k++) {
    if (!isfinite(v[k]))
      continue;
    double x0 = x_of(s, MIN(base, v[k])), x1 = x_of(s, MAX(base, v[k]));
    /* the two halves overlap when both move the metric the same way: draw them half height */
    gboolean same_side = isfinite(v[1 - k]) && (v[k] - base) * (v[1 - k] - base) > 0;
    double top = same_side ? y + k * BAR_H / 2 : y, h = same_side ? BAR_H / 2 : BAR_H;
    cairo_set_source_rgb(cr, rgb[k][0], rgb[k][1], rgb[k][2]);
    cairo_rectangle(cr, x0, top, MAX(x1 - x0, 1.0), h);
    cairo_fill(cr);
  }
}

static void draw(cairo_t *cr, const char *title, const char *metric, double base, const PaleoTornadoBar *bars,
                 guint n)
{
  Scale s = scale_of(base, bars, n);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_source_rgb(cr, 0, 0, 0);
  text(cr, 16, 26, 15, 0, title);
  const double *rgb[2] = {low_rgb, high_rgb};
  const char *legend[2] = {"input at its low value", "input at its high value"};
  for (guint k = 0; k < 2; k++) {
    cairo_set_source_rgb(cr, rgb[k][0], rgb[k][1], rgb[k][2]);
    cairo_rectangle(cr, 16 + k * 220, 40, 14, 12);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, 36 + k * 220, 51, 12, 0, legend[k]);
  }
  for (guint i = 0; i < n; i++)
    draw_bar(cr, &s, base, &bars[i], TOP + i * ROW_H + (ROW_H - BAR_H) / 2);
  double axis_y = TOP + n * ROW_H + 6;
  double bx = round(x_of(&s, base)) + 0.5;
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1.5);
  cairo_move_to(cr, bx, TOP - 4);
  cairo_line_to(cr, bx, axis_y);
  cairo_stroke(cr);
  char buf[64];
  g_snprintf(buf, sizeof buf, "base %g", base);
  text(cr, bx, TOP - 8, 11, 0.5, buf);
  draw_axis(cr, &s, axis_y, metric);
}

/* cairo's writer; a failed write keeps the system's reason. */
typedef struct {
  FILE *f;
  int write_errno;
} Sink;

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int length)
{
  Sink *sink = closure;
  errno = 0;
  if (fwrite(data, 1, length, sink->f) == length)
    return CAIRO_STATUS_SUCCESS;
  if (!sink->write_errno)
    sink->write_errno = errno ? errno : EIO;
  return CAIRO_STATUS_WRITE_ERROR;
}

gboolean paleo_tornado_draw(const char *path, const char *title, const char *metric, double base,
                            const PaleoTornadoBar *bars, guint n, GError **error)
{
  PaleoTimelineFormat format;
  if (!paleo_timeline_format_from_path(path, &format, error))
    return FALSE;
  g_autoptr(PaleoOutputFile) out = paleo_output_file_open(path, "output", error);
  Sink sink = {out ? paleo_output_file_stream(out) : NULL, 0};
  if (out && !sink.f)
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot write '%s': %s",
                paleo_output_file_partial(out), g_strerror(errno));
  if (!sink.f)
    return FALSE;
  double height = TOP + n * ROW_H + BOTTOM + 6;
  cairo_surface_t *surface =
    format == PALEO_TIMELINE_PNG ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)WIDTH, (int)height)
    : format == PALEO_TIMELINE_SVG ? cairo_svg_surface_create_for_stream(write_chunk, &sink, WIDTH, height)
                                   : cairo_pdf_surface_create_for_stream(write_chunk, &sink, WIDTH, height);
  cairo_t *cr = cairo_create(surface);
  draw(cr, title, metric, base, bars, n);
  cairo_destroy(cr);
  cairo_status_t status = format == PALEO_TIMELINE_PNG ? cairo_surface_write_to_png_stream(surface, write_chunk, &sink)
                                                       : (cairo_surface_finish(surface), cairo_surface_status(surface));
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot write '%s': %s", path,
                sink.write_errno ? g_strerror(sink.write_errno) : cairo_status_to_string(status));
    return FALSE; /* freeing `out` removes the partial file */
  }
  return paleo_output_file_commit(out, error);
}

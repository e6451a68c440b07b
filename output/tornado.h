/* Tornado charts (cairo): one horizontal bar per input, from the metric at the input's low
 * value to the metric at its high value, around a line at the base metric; the first bar
 * on top. PNG, SVG or PDF by the file's extension; written through output_file.h (a
 * partial file renamed when complete; a non-regular PATH refused). Used by `paleosim
 * sensitivity --plot`. */
#ifndef PALEO_TORNADO_H
#define PALEO_TORNADO_H

#include <glib.h>

typedef struct {
  const char *label;       /* the input, e.g. "device.peak_gflops" */
  double metric_low;       /* metric at the input's low value; NAN: not available */
  double metric_high;      /* metric at the input's high value; NAN: not available */
} PaleoTornadoBar;

/* Errors: PALEO_OUTPUT_ERROR_FORMAT for an unknown extension or a non-regular PATH, _IO for
 * a failed write. */
gboolean paleo_tornado_draw(const char *path, const char *title, const char *metric, double base,
                            const PaleoTornadoBar *bars, guint n_bars, GError **error);

#endif

/* Calibration of the refined model: fits the profile constants marked `fitted`
 * (hardware/profile.h) to measured kernel or layer times by minimising the mean absolute
 * log error, with a deterministic coordinate search; and error summaries per device,
 * kind and pass. Same inputs give the same constants, bit for bit. */
#ifndef PALEO_CALIBRATE_H
#define PALEO_CALIBRATE_H

#include <glib.h>

#include "hardware/catalog.h"
#include "workloads/measure.h"

typedef struct {
  double objective_start;   /* mean |ln(pred / measured)| at the starting profile */
  double objective;         /* at the fitted profile */
  guint values;             /* measured values used */
  guint evaluations;        /* objective evaluations */
} PaleoCalibrateResult;

/* Fits `profile` (in: the starting point, out: the fit, each constant rounded to 4
 * significant digits) on every row of `sets` (PaleoMeasureSet*), or, with `arch`, on the
 * rows whose device is of that generation. `device` names the device of every row; NULL:
 * each row's `device` column (catalog names or aliases). */
gboolean paleo_calibrate_fit(GPtrArray *sets, const PaleoCatalog *catalog, const char *device, const char *arch,
                             PaleoProfile *profile, PaleoCalibrateResult *result, GError **error);

/* The generations (PaleoArch names, static strings) of the rows' devices, in the order
 * they first appear; devices without one are left out. NULL with an error on bad rows. */
GPtrArray *paleo_calibrate_archs(GPtrArray *sets, const PaleoCatalog *catalog, const char *device, GError **error);

/* The profile as an INI group: `[refined]` (group NULL: every key) or `[refined GROUP]` (a
 * device or a generation: the fitted keys only), after `comment` lines (each "# "). */
char *paleo_calibrate_profile_text(const PaleoProfile *profile, const char *group, const char *comment);

/* Error summary rows: device, kind ("gemm", "conv", layer passes), pass, count, and the
 * median and 90th percentile of |pred / measured - 1| for paleo and refined. */
typedef struct {
  char *device, *kind, *pass;
  guint count;
  double paleo_median, paleo_p90, refined_median, refined_p90;
} PaleoErrorRow;

/* One row per (device, kind, pass) in first-seen order; `profile` (may be NULL: each
 * device's own) is what refined uses. GArray of PaleoErrorRow (clear with
 * paleo_error_rows_free). */
GArray *paleo_calibrate_errors(GPtrArray *sets, const PaleoCatalog *catalog, const char *device,
                               const PaleoProfile *profile, GError **error);
void paleo_error_rows_free(GArray *rows);

#endif

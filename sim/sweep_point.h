/* One point of a sweep, run in-process exactly as `paleosim run` runs a scenario (the same
 * loading and paleo_run_scenario), with the point's assignments applied after the base
 * overrides, and its results as one flat row (result_row.h).
 *
 * A point assigns scenario keys ("cluster.workers=64") and hardware figures of the catalog
 * entries the scenario uses: device.KEY (the cluster.device entry), link.KEY,
 * intra_host_link.KEY and ps_link.KEY (cluster.ps_link, or link when empty), KEY any number
 * a catalog file takes (peak_gflops, mem_gbps, gbps, ...). The scenario's own latency keys
 * override the catalog's, so link.latency_us and intra_host_link.latency_us name
 * cluster.latency_us and cluster.intra_host_latency_us. Changing an entry changes it
 * wherever the scenario uses it. */
#ifndef PALEO_SWEEP_POINT_H
#define PALEO_SWEEP_POINT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "hardware/catalog.h"
#include "sim/scenario.h"

/* What every point starts from. */
typedef struct {
  char *scenario_path;        /* as resolved (paleo_scenario_resolve_path) */
  char *scenario_text;        /* read once */
  GPtrArray *sets;            /* "section.key=value" applied to every point, then the point's */
  PaleoCatalog *catalog;      /* the shipped catalog plus --hardware files */
  PaleoScenario *scenario;    /* the base: the file with `sets` */
  GPtrArray *columns;         /* varied keys, in column order (borrowed, may be NULL) */
  JsonObject *metrics;        /* the prototype row: metric columns and their types */
  gboolean allow_oom;         /* points run even when they do not fit in memory (run --allow-oom) */
} PaleoSweepBase;

/* Loads the base; errors are bad input (exit 2). `sets` and `hardware` NULL-terminated or
 * NULL. */
gboolean paleo_sweep_base_init(PaleoSweepBase *base, const char *scenario, char **sets, char **hardware,
                               GError **error);
void paleo_sweep_base_clear(PaleoSweepBase *base);

/* Checks that `key` may be varied (a scenario key, or a hardware figure of an entry the
 * base scenario uses). */
gboolean paleo_sweep_check_key(const PaleoSweepBase *base, const char *key, GError **error);

/* Checks that `key` can take `value` at all: its type or choices, and names the run looks
 * up (device, links, net, cost model). What depends on other keys (a range across keys) is
 * left to the point, whose row then says "error". */
gboolean paleo_sweep_check_value(const PaleoSweepBase *base, const char *key, const char *value, GError **error);

/* The overrides a point applies for `key` = `value`: the scenario key it names (aliases
 * resolved), or NULL for a hardware figure. */
const char *paleo_sweep_scenario_key(const char *key);

/* Runs the point ("key=value" assignments) and returns its row: the varied columns (the
 * value the run used), "status" ("ok", "error" or "interrupted"), "error" (message or
 * null), "wall_s" (loading and running the point), then the run's metrics (absent for an
 * error, or an interrupted run with no iteration done). `extra` overrides are applied
 * last (e.g. training.fidelity=analytical); may be NULL. */
JsonObject *paleo_sweep_point_run(const PaleoSweepBase *base, GPtrArray *assignments, char *const *extra);

/* The row of a point that could not report itself: its varied columns as assigned,
 * status "error" and `message`. */
JsonObject *paleo_sweep_point_error_row(const PaleoSweepBase *base, GPtrArray *assignments, const char *message);

#endif

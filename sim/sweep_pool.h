/* A pool of forked worker processes that run sweep points (sweep_point.h) in parallel.
 * The children are forked once, inherit the base and the points, receive point numbers
 * over a pipe and send back each result row as JSON text. A child that dies mid-point
 * (a crash) yields an "error" row naming the signal and is replaced. SIGINT/SIGTERM stop
 * the runs in flight (their rows say "interrupted"); points handed out after a stop are
 * answered "interrupted" without running. */
#ifndef PALEO_SWEEP_POOL_H
#define PALEO_SWEEP_POOL_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sim/sweep_point.h"

typedef struct PaleoPool PaleoPool;

/* What a point runs: its assignments and the overrides appended to every point (may be
 * NULL). Both must outlive the pool. */
typedef GPtrArray *(*PaleoPointSource)(guint point, void *user_data);

/* Forks `jobs` workers. */
PaleoPool *paleo_pool_new(const PaleoSweepBase *base, PaleoPointSource points, void *user_data,
                          char *const *extra, guint jobs, GError **error);
/* Stops the workers (closes their pipes and waits for them). */
void paleo_pool_free(PaleoPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoPool, paleo_pool_free)

guint paleo_pool_idle(const PaleoPool *pool);
guint paleo_pool_busy(const PaleoPool *pool);
/* Hands `point` to an idle worker. */
void paleo_pool_submit(PaleoPool *pool, guint point);

typedef void (*PaleoPointDone)(guint point, JsonObject *row, void *user_data);
/* Waits up to `timeout_ms` (-1: until one finishes) and calls `done` for every point that
 * finished; returns how many did. A stop request (SIGINT/SIGTERM) interrupts the wait and
 * is passed on to the workers. */
guint paleo_pool_wait(PaleoPool *pool, int timeout_ms, PaleoPointDone done, void *user_data);

#endif

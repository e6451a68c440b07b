/* Running many points (sweep_point.h) on the local cores, or on the ranks of an MPI job:
 * the one executor behind `sweep`, `sensitivity` and `optimize`. Points are handed out one
 * at a time, so slow and fast points balance; each finished row goes to `done` as soon as
 * it arrives (in completion order). On a terminal a progress line shows points done,
 * failures, rate and ETA; elsewhere the executor prints nothing. */
#ifndef PALEO_SWEEP_EXEC_H
#define PALEO_SWEEP_EXEC_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sim/sweep_point.h"
#include "sim/sweep_pool.h"

typedef struct {
  const PaleoSweepBase *base;
  PaleoPointSource points;      /* the assignments of point i < n_points */
  void *points_data;
  guint n_points;
  gboolean (*skip)(guint point, void *user_data); /* already done (may be NULL) */
  /* Each finished point; `row` NULL for a point a stop kept from running. */
  void (*done)(guint point, JsonObject *row, void *user_data);
  void *user_data;
  char *const *extra;           /* overrides after every point's (may be NULL) */
  guint jobs;                   /* worker processes (on each rank) */
  gboolean progress;            /* the progress line, when stderr is a terminal */
  const char *label;            /* "sweep": names the progress line */
  guint *rank_points;           /* OUT (may be NULL): points each rank ran, one per rank */
} PaleoExec;

/* Runs every point that is not skipped; FALSE when a stop request (SIGINT/SIGTERM) ended
 * it early or the workers could not start (`error` set then). */
gboolean paleo_exec_run(const PaleoExec *exec, GError **error);

/* Runs `points` (each a GPtrArray of "key=value") locally and returns their rows in point
 * order (NULL where a stop kept a point from running); NULL with `error` when the workers
 * could not start. A stop request still returns the rows that finished. */
GPtrArray *paleo_exec_collect(const PaleoSweepBase *base, GPtrArray *points, char *const *extra, guint jobs,
                              gboolean progress, const char *label, GError **error);
/* Every core: the default -j. */
guint paleo_exec_default_jobs(void);

/* ---- MPI (sweep_mpi.c) ---- */

/* The ranks of the MPI job this process belongs to: size 1 when it was not started by an
 * MPI launcher. Call once, before paleo_exec_run_mpi; a launcher seen by a build without
 * MPI is an error (exit 2). */
gboolean paleo_mpi_start(int *argc, char ***argv, int *rank, int *size, GError **error);
void paleo_mpi_finish(void);
/* Rank 0's `value`, on every rank. */
int paleo_mpi_broadcast(int value);
/* paleo_exec_run over the ranks: rank 0 hands out points (its own workers run some) and
 * receives every row (`done` and `skip` are called on rank 0 only); the other ranks
 * return when rank 0 has no more work. */
gboolean paleo_exec_run_mpi(const PaleoExec *exec, int rank, int size, GError **error);

#endif

/* Sweeps over the ranks of an MPI job (see sweep_exec.h). Rank 0 keeps the queue of points
 * and the results; the other ranks ask it for as many points as they have idle workers
 * and send back each row. Messages: REQUEST (int: idle workers), WORK (ints: point
 * numbers; none = no more work), RESULT (guint32 point, then the row as JSON; no JSON =
 * not run), FINISHED (nothing). Built only with MPI (PALEO_HAVE_MPI); without it a process
 * started by an MPI launcher refuses to run a sweep it would otherwise run in full on every
 * rank. */
#include "sim/sweep_exec.h"

#include <stdlib.h>
#include <string.h>

#include "sim/result_row.h"
#include "sim/sweep_exec_int.h"
#include "sim/summary_print.h"

#ifdef PALEO_HAVE_MPI
#include <mpi.h>
#endif

/* The number of processes a launcher says it started (0: not started by one): mpirun
 * (OpenMPI), PMI (MPICH, srun --mpi=pmi2), srun itself (the step's tasks). */
static int launcher_size(void)
{
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS", "MPI_LOCALNRANKS"};
  for (guint i = 0; i < G_N_ELEMENTS(vars); i++) {
    const char *v = g_getenv(vars[i]);
    if (v && atoi(v) > 0)
      return atoi(v);
  }
  return 0;
}

#ifndef PALEO_HAVE_MPI

gboolean paleo_mpi_start(int *argc, char ***argv, int *rank, int *size, GError **error)
{
  (void)argc, (void)argv;
  *rank = 0;
  *size = 1;
  if (launcher_size() <= 1)
    return TRUE;
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
              "started by an MPI launcher with %d processes, but this paleosim was built without MPI (install "
              "libopenmpi-dev and rebuild; without MPI, run one process with -j)", launcher_size());
  return FALSE;
}

void paleo_mpi_finish(void)
{
}

int paleo_mpi_broadcast(int value)
{
  return value;
}

gboolean paleo_exec_run_mpi(const PaleoExec *e, int rank, int size, GError **error)
{
  g_assert(rank == 0 && size == 1);
  return paleo_exec_run(e, error);
}

#else

enum { TAG_REQUEST = 1, TAG_WORK, TAG_RESULT, TAG_FINISHED };

static gboolean mpi_started;

gboolean paleo_mpi_start(int *argc, char ***argv, int *rank, int *size, GError **error)
{
  (void)error;
  *rank = 0;
  *size = 1;
  if (launcher_size() <= 1)
    return TRUE;
  MPI_Init(argc, argv);
  mpi_started = TRUE;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return TRUE;
}

void paleo_mpi_finish(void)
{
  if (mpi_started)
    MPI_Finalize();
  mpi_started = FALSE;
}

int paleo_mpi_broadcast(int value)
{
  if (mpi_started)
    MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return value;
}

/* ---- rank 0 ---- */

typedef struct {
  const PaleoExec *e;
  PaleoExecProgress progress;
  guint cursor;
  int finished_ranks;
} Root;

static void root_done(guint point, JsonObject *row, void *user_data)
{
  Root *r = user_data;
  paleo_exec_progress_count(&r->progress, row);
  r->e->done(point, row, r->e->user_data);
}

static void root_local_done(guint point, JsonObject *row, void *user_data)
{
  Root *r = user_data;
  if (row && r->e->rank_points)
    r->e->rank_points[0]++;
  root_done(point, row, r);
}

static void answer_request(Root *r, int source)
{
  int idle = 0;
  MPI_Recv(&idle, 1, MPI_INT, source, TAG_REQUEST, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  g_autofree int *points = g_new(int, MAX(idle, 1));
  int n = 0;
  guint p;
  while (n < idle && paleo_exec_next(r->e, &r->cursor, &p))
    points[n++] = (int)p;
  MPI_Send(points, n, MPI_INT, source, TAG_WORK, MPI_COMM_WORLD);
}

static void receive_result(Root *r, const MPI_Status *st)
{
  int n = 0;
  MPI_Get_count(st, MPI_CHAR, &n);
  g_autofree char *buf = g_malloc0((gsize)n + 1);
  MPI_Recv(buf, n, MPI_CHAR, st->MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  guint32 point;
  memcpy(&point, buf, sizeof point);
  g_autoptr(JsonObject) row = n > (int)sizeof point ? paleo_row_from_json(buf + sizeof point) : NULL;
  if (row && r->e->rank_points)
    r->e->rank_points[st->MPI_SOURCE]++;
  root_done(point, row, r);
}

/* Handles every message waiting for rank 0. */
static void root_messages(Root *r)
{
  int flag = 1;
  MPI_Status st;
  while (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), flag) {
    if (st.MPI_TAG == TAG_REQUEST)
      answer_request(r, st.MPI_SOURCE);
    else if (st.MPI_TAG == TAG_RESULT)
      receive_result(r, &st);
    else {
      MPI_Recv(NULL, 0, MPI_INT, st.MPI_SOURCE, TAG_FINISHED, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      r->finished_ranks++;
    }
  }
}

static gboolean run_root(const PaleoExec *e, int size, GError **error)
{
  Root r = {.e = e};
  paleo_exec_progress_init(&r.progress, e, paleo_exec_todo(e));
  /* without workers of its own (fork failed) rank 0 still hands out points */
  g_autoptr(PaleoPool) pool = paleo_pool_new(e->base, e->points, e->points_data, e->extra, e->jobs, error);
  guint point;
  for (;;) {
    while (pool && paleo_pool_idle(pool) && paleo_exec_next(e, &r.cursor, &point))
      paleo_pool_submit(pool, point);
    root_messages(&r);
    gboolean busy = pool && paleo_pool_busy(pool);
    if (r.finished_ranks == size - 1 && !busy)
      break;
    if (busy)
      paleo_pool_wait(pool, 1, root_local_done, &r);
    else
      g_usleep(500);
  }
  paleo_exec_progress_end(&r.progress);
  return pool != NULL && !paleo_run_stop_requested();
}

/* ---- the other ranks ---- */

static void forward_result(guint point, JsonObject *row, void *user_data)
{
  (void)user_data;
  g_autofree char *text = row ? paleo_row_to_json(row) : g_strdup("");
  gsize n = sizeof(guint32) + strlen(text);
  g_autofree char *buf = g_malloc(n);
  guint32 p = point;
  memcpy(buf, &p, sizeof p);
  memcpy(buf + sizeof p, text, n - sizeof p);
  MPI_Send(buf, (int)n, MPI_CHAR, 0, TAG_RESULT, MPI_COMM_WORLD);
}

/* Asks rank 0 for up to `idle` points and submits them; FALSE when it has no more. */
static gboolean fetch_work(PaleoPool *pool, int idle)
{
  MPI_Send(&idle, 1, MPI_INT, 0, TAG_REQUEST, MPI_COMM_WORLD);
  MPI_Status st;
  MPI_Probe(0, TAG_WORK, MPI_COMM_WORLD, &st);
  int n = 0;
  MPI_Get_count(&st, MPI_INT, &n);
  g_autofree int *points = g_new(int, MAX(n, 1));
  MPI_Recv(points, n, MPI_INT, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  for (int i = 0; i < n; i++)
    paleo_pool_submit(pool, (guint)points[i]);
  return n > 0;
}

static gboolean run_worker(const PaleoExec *e, GError **error)
{
  g_autoptr(PaleoPool) pool = paleo_pool_new(e->base, e->points, e->points_data, e->extra, e->jobs, error);
  gboolean more = pool != NULL;
  while (pool) {
    if (more && !paleo_run_stop_requested() && paleo_pool_idle(pool))
      more = fetch_work(pool, (int)paleo_pool_idle(pool));
    if (!paleo_pool_busy(pool) && (!more || paleo_run_stop_requested()))
      break;
    paleo_pool_wait(pool, paleo_pool_idle(pool) && more ? 0 : -1, forward_result, NULL);
  }
  MPI_Send(NULL, 0, MPI_INT, 0, TAG_FINISHED, MPI_COMM_WORLD);
  return pool != NULL && !paleo_run_stop_requested();
}

gboolean paleo_exec_run_mpi(const PaleoExec *e, int rank, int size, GError **error)
{
  if (size <= 1)
    return paleo_exec_run(e, error);
  return rank == 0 ? run_root(e, size, error) : run_worker(e, error);
}

#endif

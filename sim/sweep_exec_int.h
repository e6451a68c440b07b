/* What the local and the MPI executors share (sweep_exec.c, sweep_mpi.c). */
#ifndef PALEO_SWEEP_EXEC_INT_H
#define PALEO_SWEEP_EXEC_INT_H

#include "sim/sweep_exec.h"

typedef struct {
  gboolean shown;               /* stderr is a terminal and progress was asked for */
  const char *label;
  guint todo, finished, failed;
  gint64 start_us, last_us;
} PaleoExecProgress;

void paleo_exec_progress_init(PaleoExecProgress *progress, const PaleoExec *exec, guint todo);
/* Counts a finished row (NULL: not run) and redraws at most every 0.2 s. */
void paleo_exec_progress_count(PaleoExecProgress *progress, JsonObject *row);
void paleo_exec_progress_end(PaleoExecProgress *progress);

/* The next point to hand out (skipping done ones); FALSE when none is left or a stop was
 * requested. `cursor` starts at 0. */
gboolean paleo_exec_next(const PaleoExec *exec, guint *cursor, guint *point);
/* How many points are not skipped. */
guint paleo_exec_todo(const PaleoExec *exec);

#endif

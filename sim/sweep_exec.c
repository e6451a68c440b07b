/* The local executor and its progress line (see sweep_exec.h). */
#include "sim/sweep_exec.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/sweep_exec_int.h"
#include "sim/summary_print.h"

#define PROGRESS_EVERY_US 200000

void paleo_exec_progress_init(PaleoExecProgress *p, const PaleoExec *e, guint todo)
{
  *p = (PaleoExecProgress){.shown = e->progress && isatty(STDERR_FILENO), .label = e->label ? e->label : "sweep",
                           .todo = todo, .start_us = g_get_monotonic_time()};
}

static char *duration_text(double s)
{
  if (s >= 3600)
    return g_strdup_printf("%d:%02d:%02d", (int)(s / 3600), (int)(s / 60) % 60, (int)s % 60);
  return g_strdup_printf("%d:%02d", (int)(s / 60), (int)s % 60);
}

static void progress_print(PaleoExecProgress *p, gboolean final)
{
  gint64 now = g_get_monotonic_time();
  if (!p->shown || (!final && now - p->last_us < PROGRESS_EVERY_US))
    return;
  p->last_us = now;
  double wall = (now - p->start_us) / 1e6, rate = wall > 0 ? p->finished / wall : 0;
  g_autofree char *eta = rate > 0 ? duration_text((p->todo - p->finished) / rate) : g_strdup("?");
  g_autofree char *elapsed = duration_text(wall);
  fprintf(stderr, "\r[%s] %u/%u points  %u failed  %.1f points/s  %s  ETA %s   ", p->label, p->finished, p->todo,
          p->failed, rate, elapsed, final ? "0:00" : eta);
  if (final)
    fputc('\n', stderr);
  fflush(stderr);
}

void paleo_exec_progress_count(PaleoExecProgress *p, JsonObject *row)
{
  if (!row)
    return;
  p->finished++;
  if (g_strcmp0(json_object_get_string_member_with_default(row, "status", ""), "ok"))
    p->failed++;
  progress_print(p, FALSE);
}

void paleo_exec_progress_end(PaleoExecProgress *p)
{
  progress_print(p, TRUE);
}

/* ---- points to hand out ---- */

gboolean paleo_exec_next(const PaleoExec *e, guint *cursor, guint *point)
{
  while (*cursor < e->n_points && e->skip && e->skip(*cursor, e->user_data))
    (*cursor)++;
  if (*cursor >= e->n_points || paleo_run_stop_requested())
    return FALSE;
  *point = (*cursor)++;
  return TRUE;
}

guint paleo_exec_todo(const PaleoExec *e)
{
  guint n = 0;
  for (guint i = 0; i < e->n_points; i++)
    n += !(e->skip && e->skip(i, e->user_data));
  return n;
}

/* ---- local ---- */

typedef struct {
  const PaleoExec *e;
  PaleoExecProgress progress;
} Local;

static void local_done(guint point, JsonObject *row, void *user_data)
{
  Local *l = user_data;
  paleo_exec_progress_count(&l->progress, row);
  if (row && l->e->rank_points)
    l->e->rank_points[0]++;
  l->e->done(point, row, l->e->user_data);
}

gboolean paleo_exec_run(const PaleoExec *e, GError **error)
{
  guint todo = paleo_exec_todo(e), cursor = 0, point;
  if (!todo)
    return TRUE;
  g_autoptr(PaleoPool) pool = paleo_pool_new(e->base, e->points, e->points_data, e->extra, MIN(e->jobs, todo), error);
  if (!pool)
    return FALSE;
  Local l = {.e = e};
  paleo_exec_progress_init(&l.progress, e, todo);
  for (;;) {
    while (paleo_pool_idle(pool) && paleo_exec_next(e, &cursor, &point))
      paleo_pool_submit(pool, point);
    if (!paleo_pool_busy(pool))
      break;
    paleo_pool_wait(pool, l.progress.shown ? PROGRESS_EVERY_US / 1000 : -1, local_done, &l);
  }
  paleo_exec_progress_end(&l.progress);
  return !paleo_run_stop_requested();
}

/* ---- collecting rows ---- */

static GPtrArray *nth_point(guint point, void *user_data)
{
  return g_ptr_array_index((GPtrArray *)user_data, point);
}

static void row_unref(gpointer row)
{
  if (row)
    json_object_unref(row);
}

static void keep_row(guint point, JsonObject *row, void *user_data)
{
  GPtrArray *rows = user_data;
  if (row)
    rows->pdata[point] = json_object_ref(row);
}

GPtrArray *paleo_exec_collect(const PaleoSweepBase *base, GPtrArray *points, char *const *extra, guint jobs,
                              gboolean progress, const char *label, GError **error)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func(row_unref);
  g_ptr_array_set_size(rows, points->len);
  PaleoExec e = {.base = base, .points = nth_point, .points_data = points, .n_points = points->len,
                 .done = keep_row, .user_data = rows, .extra = extra, .jobs = jobs, .progress = progress,
                 .label = label};
  GError *local = NULL;
  if (!paleo_exec_run(&e, &local) && local) {
    g_propagate_error(error, local);
    g_ptr_array_unref(rows);
    return NULL;
  }
  return rows;
}

guint paleo_exec_default_jobs(void)
{
  gint n = g_get_num_processors();
  return (guint)MAX(n, 1);
}

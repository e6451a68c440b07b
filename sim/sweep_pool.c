/* Forked workers running sweep points (see sweep_pool.h). Messages: parent -> child a
 * guint32 point number; child -> parent {guint32 point, guint32 length} then `length`
 * bytes of the row as JSON (length 0: the point was not run because of a stop). */
#include "sim/sweep_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/result_row.h"
#include "sim/summary_print.h"

typedef struct {
  pid_t pid;
  int to_child, from_child;
  gint64 point;              /* in flight; -1 idle */
} Worker;

struct PaleoPool {
  const PaleoSweepBase *base;
  PaleoPointSource points;
  void *user_data;
  char *const *extra;
  GArray *workers;           /* of Worker */
  gboolean stop_passed_on;
};

static gboolean write_full(int fd, const void *data, gsize n)
{
  const char *p = data;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FALSE;
    p += w;
    n -= (gsize)w;
  }
  return TRUE;
}

/* Reads exactly n bytes; FALSE at end of file or on an error. */
static gboolean read_full(int fd, void *data, gsize n)
{
  char *p = data;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return FALSE;
    p += r;
    n -= (gsize)r;
  }
  return TRUE;
}

/* ---- the child ---- */

static void child_main(PaleoPool *pool, int in, int out)
{
  guint32 point;
  while (read_full(in, &point, sizeof point)) {
    g_autofree char *text = NULL;
    if (!paleo_run_stop_requested()) {
      g_autoptr(JsonObject) row =
        paleo_sweep_point_run(pool->base, pool->points(point, pool->user_data), pool->extra);
      text = paleo_row_to_json(row);
    }
    guint32 header[2] = {point, text ? (guint32)strlen(text) : 0};
    if (!write_full(out, header, sizeof header) || (text && !write_full(out, text, header[1])))
      break;
  }
  _exit(0);
}

/* ---- the parent ---- */

static void close_worker_fds(GArray *workers)
{
  for (guint i = 0; i < workers->len; i++) {
    Worker *w = &g_array_index(workers, Worker, i);
    if (w->to_child >= 0)
      close(w->to_child);
    if (w->from_child >= 0)
      close(w->from_child);
  }
}

/* Starts worker `slot` (appended when slot == len). */
static gboolean spawn(PaleoPool *pool, guint slot, GError **error)
{
  int down[2], up[2];
  if (pipe(down) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe: %s", g_strerror(errno));
    return FALSE;
  }
  if (pipe(up) < 0) {
    int e = errno;
    close(down[0]);
    close(down[1]);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "pipe: %s", g_strerror(e));
    return FALSE;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(down[0]), close(down[1]), close(up[0]), close(up[1]);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "fork: %s", g_strerror(e));
    return FALSE;
  }
  if (pid == 0) {
    close_worker_fds(pool->workers); /* else siblings would keep each other's pipes open */
    close(down[1]);
    close(up[0]);
    child_main(pool, down[0], up[1]);
  }
  close(down[0]);
  close(up[1]);
  Worker w = {pid, down[1], up[0], -1};
  if (slot == pool->workers->len)
    g_array_append_val(pool->workers, w);
  else
    g_array_index(pool->workers, Worker, slot) = w;
  return TRUE;
}

PaleoPool *paleo_pool_new(const PaleoSweepBase *base, PaleoPointSource points, void *user_data,
                          char *const *extra, guint jobs, GError **error)
{
  signal(SIGPIPE, SIG_IGN); /* a dead worker's pipe is an error to handle, not a signal */
  PaleoPool *pool = g_new0(PaleoPool, 1);
  *pool = (PaleoPool){base, points, user_data, extra, g_array_new(FALSE, FALSE, sizeof(Worker)), FALSE};
  for (guint i = 0; i < MAX(jobs, 1u); i++)
    if (!spawn(pool, i, error)) {
      paleo_pool_free(pool);
      return NULL;
    }
  return pool;
}

void paleo_pool_free(PaleoPool *pool)
{
  if (!pool)
    return;
  close_worker_fds(pool->workers); /* end of file: the workers exit */
  for (guint i = 0; i < pool->workers->len; i++) {
    pid_t pid = g_array_index(pool->workers, Worker, i).pid;
    while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  g_array_unref(pool->workers);
  g_free(pool);
}

guint paleo_pool_busy(const PaleoPool *pool)
{
  guint n = 0;
  for (guint i = 0; i < pool->workers->len; i++)
    n += g_array_index(pool->workers, Worker, i).point >= 0;
  return n;
}

guint paleo_pool_idle(const PaleoPool *pool)
{
  return pool->workers->len - paleo_pool_busy(pool);
}

void paleo_pool_submit(PaleoPool *pool, guint point)
{
  for (guint i = 0; i < pool->workers->len; i++) {
    Worker *w = &g_array_index(pool->workers, Worker, i);
    if (w->point >= 0)
      continue;
    w->point = point;
    guint32 p = point;
    if (!write_full(w->to_child, &p, sizeof p)) /* a dead worker: found by the next wait */
      close(w->to_child), w->to_child = -1;
    return;
  }
  g_return_if_reached();
}

/* The row of a point whose worker died. */
static JsonObject *crash_row(PaleoPool *pool, Worker *w)
{
  int status = 0;
  while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_autofree char *why = WIFSIGNALED(status)
                           ? g_strdup_printf("signal %d, %s", WTERMSIG(status), g_strsignal(WTERMSIG(status)))
                           : g_strdup_printf("exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  g_autofree char *msg = g_strdup_printf("the worker process died (%s) while running this point", why);
  return paleo_sweep_point_error_row(pool->base, pool->points((guint)w->point, pool->user_data), msg);
}

/* Reads the result of worker `slot`; on a dead worker reports an error row and replaces it. */
static void collect(PaleoPool *pool, guint slot, PaleoPointDone done, void *user_data)
{
  Worker *w = &g_array_index(pool->workers, Worker, slot);
  guint32 header[2];
  g_autofree char *text = NULL;
  gboolean ok = read_full(w->from_child, header, sizeof header);
  if (ok && header[1]) {
    text = g_malloc(header[1] + 1);
    ok = read_full(w->from_child, text, header[1]);
    text[header[1]] = '\0';
  }
  g_autoptr(JsonObject) row = ok && text ? paleo_row_from_json(text) : NULL;
  guint point = (guint)w->point;
  if (ok && text && !row)
    row = paleo_sweep_point_error_row(pool->base, pool->points(point, pool->user_data),
                                      "the worker process sent an unreadable result");
  if (!ok) {
    row = crash_row(pool, w);
    close(w->to_child), close(w->from_child);
    w->to_child = w->from_child = -1, w->pid = -1, w->point = -1;
    if (!spawn(pool, slot, NULL)) /* cannot replace it: the slot stays dead and busy */
      w->point = G_MAXINT64;
  }
  w = &g_array_index(pool->workers, Worker, slot);
  if (w->point != G_MAXINT64)
    w->point = -1;
  done(point, row, user_data);
}

static void pass_stop_on(PaleoPool *pool)
{
  if (pool->stop_passed_on || !paleo_run_stop_requested())
    return;
  pool->stop_passed_on = TRUE;
  for (guint i = 0; i < pool->workers->len; i++) {
    const Worker *w = &g_array_index(pool->workers, Worker, i);
    if (w->pid > 0)
      kill(w->pid, SIGINT);
  }
}

guint paleo_pool_wait(PaleoPool *pool, int timeout_ms, PaleoPointDone done, void *user_data)
{
  guint n = pool->workers->len, finished = 0;
  g_autofree struct pollfd *fds = g_new0(struct pollfd, n);
  g_autofree guint *slots = g_new0(guint, n);
  guint k = 0;
  for (guint i = 0; i < n; i++) {
    const Worker *w = &g_array_index(pool->workers, Worker, i);
    if (w->point >= 0 && w->point != G_MAXINT64) {
      fds[k] = (struct pollfd){.fd = w->from_child, .events = POLLIN};
      slots[k++] = i;
    }
  }
  pass_stop_on(pool);
  if (!k)
    return 0;
  int r = poll(fds, k, timeout_ms);
  pass_stop_on(pool);
  for (guint i = 0; r > 0 && i < k; i++)
    if (fds[i].revents) {
      collect(pool, slots[i], done, user_data);
      finished++;
    }
  return finished;
}

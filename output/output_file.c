/* Partial-file-then-rename output with a lock per target path (see output_file.h). */
#include "output/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/trace_io.h"

struct PaleoOutputFile {
  char *path;
  char *partial;        /* NULL once committed or removed */
  char *lock_path;
  const char *kind;     /* "trace", "output": static */
  int lock_fd;          /* -1 when not held */
  gboolean lock_created;/* this process created the lock file, so it removes it */
  FILE *stream;
  int slot;             /* index in open_outputs, -1 when not registered */
};

/* The outputs being written, for paleo_output_files_remove_all in a signal handler: the
 * only process-wide state of output/, because signals are process-wide. A slot is filled
 * before its file exists and emptied before the strings are freed; a signal handler only
 * reads the pointers. More than MAX_OPEN_OUTPUTS at once are simply not registered. */
#define MAX_OPEN_OUTPUTS 16
static struct {
  gboolean used;                /* never read by the signal handler */
  pid_t owner;                  /* a forked child inherits the table: only the owner removes */
  const char *volatile partial;
  const char *volatile lock;
} open_outputs[MAX_OPEN_OUTPUTS];

static int register_output(void)
{
  for (int i = 0; i < MAX_OPEN_OUTPUTS; i++)
    if (!open_outputs[i].used) {
      open_outputs[i].used = TRUE;
      open_outputs[i].owner = getpid();
      return i;
    }
  return -1;
}

void paleo_output_files_remove_all(void)
{
  pid_t self = getpid();
  for (int i = 0; i < MAX_OPEN_OUTPUTS; i++) {
    const char *partial = open_outputs[i].partial, *lock = open_outputs[i].lock;
    if (open_outputs[i].owner != self)
      continue;
    if (partial)
      unlink(partial);
    if (lock)
      unlink(lock);
  }
}

static const char *file_type_name(mode_t mode)
{
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISLNK(mode))
    return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

static gboolean io_error(GError **error, const char *what, const char *path, int err)
{
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO, "cannot %s '%s': %s", what, path,
              g_strerror(err));
  return FALSE;
}

gboolean paleo_output_target_check(const char *path, const char *kind, GError **error)
{
  g_return_val_if_fail(path && kind, FALSE);
  struct stat st;
  if (!*path) {
    g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT, "%s path is empty", kind);
    return FALSE;
  }
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT)
      return TRUE;
    return io_error(error, "write", path, errno);
  }
  if (S_ISREG(st.st_mode))
    return TRUE;
  g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_FORMAT,
              "%s '%s' is %s: paleosim writes only regular files (choose another path)", kind,
              path, file_type_name(st.st_mode));
  return FALSE;
}

/* Opens (creating when absent) the lock file; OUT: *created. -1 with errno on failure. */
static int open_lock_file(const char *lock_path, gboolean *created)
{
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *created = TRUE;
      return fd;
    }
    if (errno != EEXIST)
      return -1;
    fd = open(lock_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT) { /* ENOENT: removed meanwhile, create it again */
      *created = FALSE;
      return fd;
    }
  }
  errno = EAGAIN;
  return -1;
}

/* TRUE when `fd` is still the file at `path` (the holder before us may have removed it). */
static gboolean same_file(int fd, const char *path)
{
  struct stat a, b;
  return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Takes the exclusive lock PATH.lock (never waits). */
static gboolean take_lock(PaleoOutputFile *f, GError **error)
{
  for (int attempt = 0; attempt < 100; attempt++) {
    gboolean created = FALSE;
    int fd = open_lock_file(f->lock_path, &created);
    if (fd < 0)
      return io_error(error, "create the lock file", f->lock_path, errno);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      close(fd);
      if (err != EWOULDBLOCK)
        return io_error(error, "lock", f->lock_path, err);
      g_set_error(error, PALEO_OUTPUT_ERROR, PALEO_OUTPUT_ERROR_IO,
                  "%s '%s' is being written by another process (it holds '%s'): wait for it to "
                  "finish or choose another path", f->kind, f->path, f->lock_path);
      return FALSE;
    }
    if (same_file(fd, f->lock_path)) {
      f->lock_fd = fd;
      f->lock_created = created;
      if (created && f->slot >= 0)
        open_outputs[f->slot].lock = f->lock_path;
      return TRUE;
    }
    close(fd); /* the previous holder removed it between our open and our lock: again */
  }
  return io_error(error, "lock", f->lock_path, EAGAIN);
}

static void release_lock(PaleoOutputFile *f)
{
  if (f->lock_fd < 0)
    return;
  if (f->slot >= 0)
    open_outputs[f->slot].lock = NULL;
  if (f->lock_created)
    unlink(f->lock_path); /* still holding the lock, so no one else uses this file */
  close(f->lock_fd);
  f->lock_fd = -1;
}

static gboolean create_partial(PaleoOutputFile *f, GError **error)
{
  char *tmpl = g_strconcat(f->path, ".XXXXXX.partial", NULL);
  int fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0) {
    int err = errno;
    g_autofree char *shown = g_strconcat(f->path, ".XXXXXX.partial", NULL);
    g_free(tmpl);
    return io_error(error, "create", shown, err);
  }
  close(fd);
  f->partial = tmpl;
  return TRUE;
}

PaleoOutputFile *paleo_output_file_open(const char *path, const char *kind, GError **error)
{
  if (!paleo_output_target_check(path, kind, error))
    return NULL;
  PaleoOutputFile *f = g_new0(PaleoOutputFile, 1);
  f->path = g_strdup(path);
  f->lock_path = g_strconcat(path, ".lock", NULL);
  f->kind = kind;
  f->lock_fd = -1;
  f->slot = register_output();
  if (!take_lock(f, error) || !create_partial(f, error)) {
    paleo_output_file_free(f);
    return NULL;
  }
  if (f->slot >= 0)
    open_outputs[f->slot].partial = f->partial;
  return f;
}

const char *paleo_output_file_partial(const PaleoOutputFile *f)
{
  return f->partial;
}

const char *paleo_output_file_path(const PaleoOutputFile *f)
{
  return f->path;
}

FILE *paleo_output_file_stream(PaleoOutputFile *f)
{
  g_return_val_if_fail(f->partial != NULL, NULL);
  if (!f->stream)
    f->stream = fopen(f->partial, "wb");
  return f->stream;
}

/* Removes the partial file (only ever our own, created with O_EXCL). */
static void remove_partial(PaleoOutputFile *f)
{
  if (!f->partial)
    return;
  if (f->slot >= 0)
    open_outputs[f->slot].partial = NULL;
  g_unlink(f->partial);
  g_clear_pointer(&f->partial, g_free);
}

static gboolean close_stream(PaleoOutputFile *f, GError **error)
{
  if (!f->stream)
    return TRUE;
  errno = 0;
  gboolean ok = fflush(f->stream) == 0 && !ferror(f->stream);
  int err = errno;
  if (fclose(f->stream) != 0 && ok) {
    ok = FALSE;
    err = errno;
  }
  f->stream = NULL;
  return ok ? TRUE : io_error(error, "write", f->path, err ? err : EIO);
}

gboolean paleo_output_file_commit(PaleoOutputFile *f, GError **error)
{
  g_return_val_if_fail(f->partial != NULL, FALSE);
  gboolean ok = close_stream(f, error);
  if (ok && g_rename(f->partial, f->path) != 0) {
    int err = errno;
    g_autofree char *what = g_strdup_printf("rename '%s' to", f->partial);
    ok = io_error(error, what, f->path, err);
  }
  if (ok) {
    if (f->slot >= 0)
      open_outputs[f->slot].partial = NULL;
    g_clear_pointer(&f->partial, g_free);
  } else {
    remove_partial(f);
  }
  release_lock(f);
  return ok;
}

gboolean paleo_output_file_write_text(const char *path, const char *kind, const char *text, GError **error)
{
  g_autoptr(PaleoOutputFile) out = paleo_output_file_open(path, kind, error);
  if (!out)
    return FALSE;
  errno = 0;
  FILE *f = paleo_output_file_stream(out);
  /* a write failing inside fputs (a buffer's worth) is not reported again by fclose */
  if (!f || fputs(text, f) < 0) {
    int err = errno;
    return io_error(error, "write", path, err ? err : EIO);
  }
  return paleo_output_file_commit(out, error);
}

void paleo_output_file_free(PaleoOutputFile *f)
{
  if (!f)
    return;
  if (f->stream)
    fclose(f->stream);
  f->stream = NULL;
  remove_partial(f);
  release_lock(f);
  if (f->slot >= 0)
    open_outputs[f->slot].used = FALSE; /* both pointers were cleared above */
  g_free(f->path);
  g_free(f->lock_path);
  g_free(f);
}

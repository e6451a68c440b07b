/* Locates the shipped configs directory. */
#include "hardware/config_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paleo_config.h"

const char *paleo_config_dir(void)
{
  const char *env = g_getenv("PALEOSIM_CONFIG_DIR");
  return (env && *env) ? env : PALEO_SOURCE_CONFIG_DIR;
}

char *paleo_config_path(const char *subdir, const char *file)
{
  return g_build_filename(paleo_config_dir(), subdir, file, NULL);
}

static gboolean read_fail(GError **error, int err, const char *what)
{
  g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(err), what ? what : g_strerror(err));
  return FALSE;
}

gboolean paleo_config_read_file(const char *path, char **text_out, gsize *len_out, GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return read_fail(error, errno, NULL);
  struct stat st;
  const char *problem = fstat(fd, &st) != 0 ? g_strerror(errno)
                        : S_ISDIR(st.st_mode) ? "is a directory"
                        : !S_ISREG(st.st_mode) ? "not a regular file"
                        : (guint64)st.st_size > PALEO_CONFIG_MAX_BYTES ? "larger than 256 MiB" : NULL;
  if (problem) {
    close(fd);
    return read_fail(error, EINVAL, problem);
  }
  GString *text = g_string_sized_new((gsize)st.st_size + 1);
  char buf[65536];
  ssize_t n;
  while (text->len <= PALEO_CONFIG_MAX_BYTES && (n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      g_string_free(text, TRUE);
      return read_fail(error, err, NULL);
    }
    g_string_append_len(text, buf, n);
  }
  close(fd);
  if (text->len > PALEO_CONFIG_MAX_BYTES) { /* grew while being read */
    g_string_free(text, TRUE);
    return read_fail(error, EFBIG, "larger than 256 MiB");
  }
  if (len_out)
    *len_out = text->len;
  *text_out = g_string_free(text, FALSE);
  return TRUE;
}

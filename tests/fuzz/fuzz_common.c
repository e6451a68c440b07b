/* Shared set-up of the fuzz targets (see fuzz_common.h). */
#include "fuzz_common.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmp_dir;

static void remove_tmp_dir(void)
{
  if (!tmp_dir)
    return;
  GDir *d = g_dir_open(tmp_dir, 0, NULL);
  for (const char *name = d ? g_dir_read_name(d) : NULL; name; name = g_dir_read_name(d)) {
    g_autofree char *path = g_build_filename(tmp_dir, name, NULL);
    g_unlink(path);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(tmp_dir);
}

void fuzz_init(void)
{
  if (tmp_dir)
    return;
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  tmp_dir = g_dir_make_tmp("paleo-fuzz-XXXXXX", NULL);
  if (!tmp_dir)
    abort();
  atexit(remove_tmp_dir);
}

char *fuzz_path(const char *name)
{
  return g_build_filename(tmp_dir, name, NULL);
}

char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
  char *path = fuzz_path(name);
  FILE *f = fopen(path, "wb"); /* not g_file_set_contents: its fsync would halve the speed */
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    abort();
  return path;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
  char *text = g_malloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  return text;
}

/* Helpers for the network-loader tests (see net_test_util.h). */
#include "net_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

char *net_test_write(const char *file, const char *json)
{
  const char *tmp = g_getenv("PALEO_TEST_TMP");
  g_autofree char *dir = g_build_filename(tmp ? tmp : g_get_tmp_dir(), "workloads-net", NULL);
  g_mkdir_with_parents(dir, 0755);
  char *path = g_build_filename(dir, file, NULL);
  g_autofree char *text = g_strdup(json);
  for (char *c = text; *c; c++)
    if (*c == '\'')
      *c = '"';
  g_autoptr(GError) error = NULL;
  assert_true(g_file_set_contents(path, text, -1, &error));
  return path;
}

PaleoNet *net_test_load(const char *file, const char *json, int64_t batch, GError **error)
{
  g_autofree char *path = net_test_write(file, json);
  return paleo_net_load(path, batch, error);
}

int net_test_index(const PaleoNet *net, const char *name)
{
  for (guint i = 0; i < net->layers->len; i++)
    if (strcmp(paleo_net_layer(net, i)->name, name) == 0)
      return (int)i;
  return -1;
}

const PaleoLayer *net_test_layer(const PaleoNet *net, const char *name)
{
  int i = net_test_index(net, name);
  if (i < 0)
    fail_msg("layer '%s' not found in %s", name, net->path);
  return paleo_net_layer(net, (guint)i);
}

/* Runs the built paleosim for CLI tests (see cli_result.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <sys/wait.h>

#include "cli_result.h"

Result run_cli(const char *first, ...)
{
  const char *bin = g_getenv("PALEOSIM_BIN");
  assert_non_null(bin);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)bin);
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  Result r = {0};
  g_autoptr(GError) error = NULL;
  assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
                           &r.status, &error));
  r.status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
  return r;
}

void result_clear(Result *r)
{
  g_free(r->out);
  g_free(r->err);
}

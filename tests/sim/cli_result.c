/* Runs the built paleosim for CLI tests; expects scenario errors (see cli_result.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <sys/wait.h>

#include <string.h>

#include "cli_result.h"
#include "sim/run.h"
#include "sim/scenario.h"

static Result run_va(const char *const *prefix, const char *first, va_list ap)
{
  const char *bin = g_getenv("PALEOSIM_BIN");
  assert_non_null(bin);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  for (guint i = 0; prefix && prefix[i]; i++)
    g_ptr_array_add(argv, (char *)prefix[i]);
  g_ptr_array_add(argv, (char *)bin);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  g_ptr_array_add(argv, NULL);
  Result r = {0};
  g_autoptr(GError) error = NULL;
  assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &r.out, &r.err,
                           &r.status, &error));
  r.status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : WIFSIGNALED(r.status) ? 128 + WTERMSIG(r.status) : -1;
  return r;
}

Result run_cli(const char *first, ...)
{
  va_list ap;
  va_start(ap, first);
  Result r = run_va(NULL, first, ap);
  va_end(ap);
  return r;
}

Result run_cli_under(const char *const *prefix, const char *first, ...)
{
  va_list ap;
  va_start(ap, first);
  Result r = run_va(prefix, first, ap);
  va_end(ap);
  return r;
}

void result_clear(Result *r)
{
  g_free(r->out);
  g_free(r->err);
}

void expect_run_error(const char *ini, char **overrides, const char *key, const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = paleo_scenario_load_data(ini, "expect.ini", overrides, &error);
  PaleoRunSummary sum;
  if (s && paleo_run_scenario(s, NULL, &sum, &error)) {
    paleo_run_summary_clear(&sum);
    fail_msg("expected an error about %s", key);
  }
  assert_true(error->domain == PALEO_SCENARIO_ERROR);
  if (!strstr(error->message, key) || !strstr(error->message, words))
    fail_msg("message '%s' lacks '%s' or '%s'", error->message, key, words);
}

/* CLI helpers shared by commands (see cli_common.h). */
#include "sim/cli_common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output_file.h"

#define MAX_WORKERS 1048576u
#define MAX_ENTRIES 65536u

PaleoCatalog *paleo_cli_catalog(char **hardware_files, GError **error)
{
  PaleoCatalog *c = paleo_catalog_load_default(error);
  for (guint i = 0; c && hardware_files && hardware_files[i]; i++)
    if (!paleo_catalog_add_file(c, hardware_files[i], error)) {
      paleo_catalog_free(c);
      return NULL;
    }
  return c;
}

static gboolean bad_valuev(GError **error, const char *prefix, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s%s", prefix, msg);
  return FALSE;
}

gboolean paleo_cli_bad_value(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  bad_valuev(error, "", fmt, ap);
  va_end(ap);
  return FALSE;
}

/* "WHAT: message". */
static gboolean list_fail(GError **error, const char *what, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean list_fail(GError **error, const char *what, const char *fmt, ...)
{
  g_autofree char *prefix = g_strconcat(what, ": ", NULL);
  va_list ap;
  va_start(ap, fmt);
  bad_valuev(error, prefix, fmt, ap);
  va_end(ap);
  return FALSE;
}

static gboolean all_digits(const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit(s[i]))
      return FALSE;
  return n > 0;
}

/* "A-B" or "A:B" with both ends unsigned integers: its separator, else 0. */
static char range_separator(const char *item)
{
  const char *sep = item + strspn(item, "0123456789");
  if (sep == item || (*sep != '-' && *sep != ':') || !all_digits(sep + 1, strlen(sep + 1)))
    return 0;
  return *sep;
}

static gboolean add_value(GPtrArray *out, char *value, const char *what, GError **error)
{
  if (out->len >= MAX_ENTRIES) {
    g_free(value);
    return list_fail(error, what, "more than %u values", MAX_ENTRIES);
  }
  g_ptr_array_add(out, value);
  return TRUE;
}

static gboolean expand_range(const char *item, char sep, const char *what, GPtrArray *out, GError **error)
{
  g_auto(GStrv) ends = g_strsplit(item, sep == '-' ? "-" : ":", 2);
  errno = 0;
  guint64 a = g_ascii_strtoull(ends[0], NULL, 10), b = g_ascii_strtoull(ends[1], NULL, 10);
  if (errno || b > G_MAXINT64)
    return list_fail(error, what, "range '%s' is out of range", item);
  if (a > b)
    return list_fail(error, what, "range '%s' runs backwards (expected A <= B)", item);
  if (sep == '-' && a == 0)
    return list_fail(error, what, "range '%s' doubles from 0 (A-B is A, 2A, 4A, ... B; use A:B for every integer)",
                     item);
  for (guint64 v = a; v <= b; v = sep == '-' ? v * 2 : v + 1)
    if (!add_value(out, g_strdup_printf("%" G_GUINT64_FORMAT, v), what, error))
      return FALSE;
  return TRUE;
}

gboolean paleo_cli_expand_list(const char *spec, const char *what, GPtrArray *out, GError **error)
{
  if (!spec || !spec[strspn(spec, " \t")])
    return list_fail(error, what, "empty list (expected e.g. 1,2,4 or 1-128 or 1:8 or ring,tree)");
  g_auto(GStrv) items = g_strsplit(spec, ",", -1);
  for (guint i = 0; items[i]; i++) {
    const char *item = g_strstrip(items[i]);
    char sep = range_separator(item);
    if (!*item)
      return list_fail(error, what, "empty item in '%s'", spec);
    if (sep ? !expand_range(item, sep, what, out, error) : !add_value(out, g_strdup(item), what, error))
      return FALSE;
  }
  return TRUE;
}

gboolean paleo_cli_parse_workers(const char *spec, GArray *out, GError **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  if (!paleo_cli_expand_list(spec, "--workers", values, error))
    return FALSE;
  for (guint i = 0; i < values->len; i++) {
    const char *v = values->pdata[i];
    guint64 n = all_digits(v, strlen(v)) ? g_ascii_strtoull(v, NULL, 10) : 0;
    if (n < 1 || n > MAX_WORKERS)
      return list_fail(error, "--workers", "'%s' is not a worker count (expected an integer 1..%u)", v, MAX_WORKERS);
    guint count = (guint)n;
    g_array_append_val(out, count);
  }
  return TRUE;
}

gboolean paleo_cli_check_jobs(int jobs, GError **error)
{
  return (jobs >= 0 && jobs <= 4096) || paleo_cli_bad_value(error, "-j %d: expected 1..4096 worker processes", jobs);
}

void paleo_cli_fatal_signal(int sig)
{
  (void)sig;
  static const char msg[] = "paleosim: interrupted; files being written were removed\n";
  paleo_output_files_remove_all();
  ssize_t written = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)written;
  _exit(PALEO_EXIT_FAILURE);
}

void paleo_cli_catch_fatal_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = paleo_cli_fatal_signal;
  sigemptyset(&sa.sa_mask);
  const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
  for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
    sigaction(signals[i], &sa, NULL);
}

int paleo_cli_fail(const char *command, const GError *error)
{
  fprintf(stderr, "paleosim %s: %s\n", command, error ? error->message : "failed");
  return PALEO_EXIT_USAGE;
}

int paleo_cli_failf(const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "paleosim %s: %s\n", command, msg);
  return PALEO_EXIT_USAGE;
}

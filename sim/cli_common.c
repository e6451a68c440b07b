/* CLI helpers shared by commands (see cli_common.h). */
#include "sim/cli_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static gboolean parse_count(const char *text, const char *item, guint *out, GError **error)
{
  char *end = NULL;
  errno = 0;
  unsigned long long v = g_ascii_strtoull(text, &end, 10);
  if (!*text || *end || errno || v < 1 || v > MAX_WORKERS || !g_ascii_isdigit(*text)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--workers: '%s' in '%s' is not a worker count (expected an integer 1..%u)",
                text, item, MAX_WORKERS);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static gboolean add_entry(GArray *out, guint v, GError **error)
{
  if (out->len >= MAX_ENTRIES) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--workers: more than %u worker counts", MAX_ENTRIES);
    return FALSE;
  }
  g_array_append_val(out, v);
  return TRUE;
}

/* "A-B" (doubling) or "A:B" (every integer). */
static gboolean parse_range(const char *item, char sep, GArray *out, GError **error)
{
  g_auto(GStrv) ends = g_strsplit(item, sep == '-' ? "-" : ":", 2);
  guint a, b;
  if (!parse_count(ends[0], item, &a, error) || !parse_count(ends[1], item, &b, error))
    return FALSE;
  if (a > b) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--workers: range '%s' runs backwards (expected A <= B)", item);
    return FALSE;
  }
  for (guint64 v = a; v <= b; v = sep == '-' ? v * 2 : v + 1)
    if (!add_entry(out, (guint)v, error))
      return FALSE;
  return TRUE;
}

gboolean paleo_cli_parse_workers(const char *spec, GArray *out, GError **error)
{
  if (!spec || !*spec) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--workers: empty list (expected e.g. 1,2,4 or 1-128 or 1:8)");
    return FALSE;
  }
  g_auto(GStrv) items = g_strsplit(spec, ",", -1);
  for (guint i = 0; items[i]; i++) {
    char *item = g_strstrip(items[i]);
    gboolean ok;
    guint v;
    if (strchr(item, '-'))
      ok = parse_range(item, '-', out, error);
    else if (strchr(item, ':'))
      ok = parse_range(item, ':', out, error);
    else
      ok = parse_count(item, item, &v, error) && add_entry(out, v, error);
    if (!ok)
      return FALSE;
  }
  return TRUE;
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

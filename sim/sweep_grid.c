/* Sweep points from axes and grid files (see sweep_grid.h). */
#include "sim/sweep_grid.h"

#include <string.h>

#include "hardware/config_dir.h"
#include "sim/cli_common.h"

typedef struct {
  GPtrArray *keys;   /* char*, owned */
  GPtrArray *tuples; /* of GPtrArray* of char* (NULL: the tuple leaves that key unset) */
} Axis;

struct PaleoGrid {
  GPtrArray *axes;    /* of Axis* */
  Axis *points_axis;  /* the [point] axis (also in axes), created by the first point */
  GPtrArray *columns; /* char*, owned: every key, first-seen order */
  GPtrArray *points;  /* of GPtrArray* of "key=value" */
  GString *description;
};

static void axis_free(gpointer p)
{
  Axis *a = p;
  g_ptr_array_unref(a->keys);
  g_ptr_array_unref(a->tuples);
  g_free(a);
}

static Axis *axis_new(void)
{
  Axis *a = g_new0(Axis, 1);
  a->keys = g_ptr_array_new_with_free_func(g_free);
  a->tuples = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  return a;
}

PaleoGrid *paleo_grid_new(void)
{
  PaleoGrid *g = g_new0(PaleoGrid, 1);
  g->axes = g_ptr_array_new_with_free_func(axis_free);
  g->columns = g_ptr_array_new_with_free_func(g_free);
  g->points = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  g->description = g_string_new(NULL);
  return g;
}

void paleo_grid_free(PaleoGrid *g)
{
  if (!g)
    return;
  g_ptr_array_unref(g->axes);
  g_ptr_array_unref(g->columns);
  g_ptr_array_unref(g->points);
  g_string_free(g->description, TRUE);
  g_free(g);
}

static gint column_index(const PaleoGrid *g, const char *key)
{
  for (guint i = 0; i < g->columns->len; i++)
    if (!strcmp(g->columns->pdata[i], key))
      return (gint)i;
  return -1;
}

/* "section.key" with both parts non-empty and no blanks. */
static gboolean key_syntax_ok(const char *key)
{
  const char *dot = strchr(key, '.');
  return dot && dot != key && dot[1] && !strpbrk(key, " \t=");
}

/* Registers `key` as varied by a new axis; `where` names its origin in errors. */
static gboolean claim_key(PaleoGrid *g, const char *key, const char *where, GError **error)
{
  if (!key_syntax_ok(key))
    return paleo_cli_bad_value(error, "%s: '%s' is not a key section.key (e.g. cluster.workers)", where, key);
  if (column_index(g, key) >= 0)
    return paleo_cli_bad_value(error, "%s: %s is varied twice (each key may belong to one axis)", where, key);
  g_ptr_array_add(g->columns, g_strdup(key));
  return TRUE;
}

/* An axis of one key: each value its own tuple. */
static gboolean add_list_axis(PaleoGrid *g, const char *where, const char *key, const char *list, GError **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *what = g_strdup_printf("%s %s", where, key);
  if (!claim_key(g, key, where, error) || !paleo_cli_expand_list(list, what, values, error))
    return FALSE;
  Axis *a = axis_new();
  g_ptr_array_add(a->keys, g_strdup(key));
  for (guint i = 0; i < values->len; i++) {
    GPtrArray *t = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(t, g_strdup(values->pdata[i]));
    g_ptr_array_add(a->tuples, t);
  }
  g_ptr_array_add(g->axes, a);
  g_string_append_printf(g->description, "axis %s=%s\n", key, list);
  return TRUE;
}

gboolean paleo_grid_add_axis(PaleoGrid *g, const char *option, const char *arg, GError **error)
{
  const char *eq = strchr(arg, '=');
  if (!eq)
    return paleo_cli_bad_value(error, "%s '%s': expected section.key=LIST (e.g. cluster.workers=8-512)", option, arg);
  g_autofree char *key = g_strstrip(g_strndup(arg, eq - arg));
  return add_list_axis(g, option, key, eq + 1, error);
}

/* ---- explicit points ---- */

/* The [point] axis, created where the first point is added. */
static Axis *explicit_axis(PaleoGrid *g)
{
  if (!g->points_axis) {
    g->points_axis = axis_new();
    g_ptr_array_add(g->axes, g->points_axis);
  }
  return g->points_axis;
}

static gint axis_key_index(const Axis *a, const char *key)
{
  for (guint i = 0; i < a->keys->len; i++)
    if (!strcmp(a->keys->pdata[i], key))
      return (gint)i;
  return -1;
}

/* Adds `key` to the point axis (every earlier tuple leaves it unset). */
static gint explicit_key(PaleoGrid *g, Axis *a, const char *key, const char *where, GError **error)
{
  gint k = axis_key_index(a, key);
  if (k >= 0)
    return k;
  if (!claim_key(g, key, where, error))
    return -1;
  g_ptr_array_add(a->keys, g_strdup(key));
  for (guint i = 0; i < a->tuples->len; i++)
    g_ptr_array_add(a->tuples->pdata[i], NULL);
  return (gint)a->keys->len - 1;
}

static gboolean add_point_from(PaleoGrid *g, const char *where, char *const *keys, char *const *values,
                               GError **error)
{
  Axis *a = explicit_axis(g);
  g_autoptr(GPtrArray) t = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_set_size(t, a->keys->len);
  for (guint i = 0; keys[i]; i++) {
    gint k = explicit_key(g, a, keys[i], where, error);
    if (k < 0)
      return FALSE;
    if ((guint)k >= t->len)
      g_ptr_array_set_size(t, k + 1);
    if (t->pdata[k])
      return paleo_cli_bad_value(error, "%s: %s is set twice", where, keys[i]);
    t->pdata[k] = g_strdup(values[i]);
    g_string_append_printf(g->description, "%s %s=%s\n", where, keys[i], values[i]);
  }
  g_string_append_c(g->description, '\n');
  g_ptr_array_add(a->tuples, g_steal_pointer(&t));
  return TRUE;
}

gboolean paleo_grid_add_point(PaleoGrid *g, char *const *assignments, GError **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; assignments[i]; i++) {
    const char *eq = strchr(assignments[i], '=');
    if (!eq)
      return paleo_cli_bad_value(error, "point '%s': expected section.key=value", assignments[i]);
    g_ptr_array_add(keys, g_strstrip(g_strndup(assignments[i], eq - assignments[i])));
    g_ptr_array_add(values, g_strstrip(g_strdup(eq + 1)));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
  return add_point_from(g, "point", (char **)keys->pdata, (char **)values->pdata, error);
}

/* ---- grid files ---- */

static gboolean add_zip(PaleoGrid *g, GKeyFile *kf, const char *path, const char *group, GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
  g_autofree char *where = g_strdup_printf("%s: [%s]", path, group);
  if (!keys || !keys[0])
    return paleo_cli_bad_value(error, "%s: no keys (a zipped axis lists two or more keys of equal length)", where);
  Axis *a = axis_new();
  g_ptr_array_add(g->axes, a);
  for (guint k = 0; keys[k]; k++) {
    g_autofree char *list = g_key_file_get_value(kf, group, keys[k], NULL);
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *what = g_strdup_printf("%s %s", where, keys[k]);
    if (!claim_key(g, keys[k], where, error) || !paleo_cli_expand_list(list, what, values, error))
      return FALSE;
    if (k && values->len != a->tuples->len)
      return paleo_cli_bad_value(error, "%s: %s has %u values but %s has %u (zipped lists walk together: equal lengths)",
                       where, keys[k], values->len, (char *)a->keys->pdata[0], a->tuples->len);
    g_ptr_array_add(a->keys, g_strdup(keys[k]));
    for (guint i = 0; i < values->len; i++) {
      if (!k)
        g_ptr_array_add(a->tuples, g_ptr_array_new_with_free_func(g_free));
      g_ptr_array_add(a->tuples->pdata[i], g_strdup(values->pdata[i]));
    }
    g_string_append_printf(g->description, "zip %s %s=%s\n", group, keys[k], list);
  }
  return TRUE;
}

static gboolean add_group(PaleoGrid *g, GKeyFile *kf, const char *path, const char *group, GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
  g_autofree char *where = g_strdup_printf("%s: [%s]", path, group);
  if (!strcmp(group, "vary")) {
    for (guint k = 0; keys && keys[k]; k++) {
      g_autofree char *list = g_key_file_get_value(kf, group, keys[k], NULL);
      if (!add_list_axis(g, where, keys[k], list, error))
        return FALSE;
    }
    return TRUE;
  }
  if (g_str_has_prefix(group, "zip ") || !strcmp(group, "zip"))
    return add_zip(g, kf, path, group, error);
  if (g_str_has_prefix(group, "point ") || !strcmp(group, "point")) {
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
    for (guint k = 0; keys && keys[k]; k++)
      g_ptr_array_add(values, g_strstrip(g_key_file_get_value(kf, group, keys[k], NULL)));
    g_ptr_array_add(values, NULL);
    return add_point_from(g, where, keys ? keys : (char *[]){NULL}, (char **)values->pdata, error);
  }
  return paleo_cli_bad_value(error, "%s: unknown section (expected [vary], [zip NAME] or [point NAME])", where);
}

gboolean paleo_grid_add_file(PaleoGrid *g, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!paleo_config_read_file(path, &text, &len, &local) ||
      !g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local))
    return paleo_cli_bad_value(error, "grid file %s: %s", path, local->message);
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  if (!groups[0])
    return paleo_cli_bad_value(error, "grid file %s: no [vary], [zip NAME] or [point NAME] section", path);
  for (guint i = 0; groups[i]; i++)
    if (!add_group(g, kf, path, groups[i], error))
      return FALSE;
  return TRUE;
}

/* ---- enumeration ---- */

static GPtrArray *make_point(const PaleoGrid *g, const guint *pick)
{
  GPtrArray *p = g_ptr_array_new_with_free_func(g_free);
  for (guint c = 0; c < g->columns->len; c++) {
    const char *key = g->columns->pdata[c];
    for (guint a = 0; a < g->axes->len; a++) {
      const Axis *axis = g->axes->pdata[a];
      gint k = axis_key_index(axis, key);
      const GPtrArray *t = k >= 0 ? axis->tuples->pdata[pick[a]] : NULL;
      if (t && (guint)k < t->len && t->pdata[k])
        g_ptr_array_add(p, g_strdup_printf("%s=%s", key, (char *)t->pdata[k]));
    }
  }
  return p;
}

gboolean paleo_grid_expand(PaleoGrid *g, GError **error)
{
  g_return_val_if_fail(g->points->len == 0, FALSE);
  guint64 total = 1;
  for (guint a = 0; a < g->axes->len; a++) {
    total *= ((Axis *)g->axes->pdata[a])->tuples->len;
    if (total > PALEO_GRID_MAX_POINTS)
      return paleo_cli_bad_value(error, "the grid has more than %u points", PALEO_GRID_MAX_POINTS);
  }
  g_autofree guint *pick = g_new0(guint, g->axes->len + 1);
  for (guint64 n = 0; n < total; n++) {
    g_ptr_array_add(g->points, make_point(g, pick));
    for (gint a = (gint)g->axes->len - 1; a >= 0; a--) { /* the last axis turns fastest */
      if (++pick[a] < ((Axis *)g->axes->pdata[a])->tuples->len)
        break;
      pick[a] = 0;
    }
  }
  return TRUE;
}

guint paleo_grid_n_points(const PaleoGrid *g)
{
  return g->points->len;
}

GPtrArray *paleo_grid_point(const PaleoGrid *g, guint i)
{
  g_return_val_if_fail(i < g->points->len, NULL);
  return g->points->pdata[i];
}

GPtrArray *paleo_grid_columns(const PaleoGrid *g)
{
  return g->columns;
}

const char *paleo_grid_description(const PaleoGrid *g)
{
  return g->description->str;
}

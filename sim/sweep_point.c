/* One sweep point, run in-process through paleo_run_scenario (see sweep_point.h). */
#include "sim/sweep_point.h"

#include <math.h>
#include <string.h>

#include "sim/cli_common.h"
#include "sim/result_row.h"
#include "sim/run.h"
#include "sim/summary_print.h"
#include "workloads/cost.h"
#include "workloads/net.h"

/* Hardware figures whose scenario key overrides the catalog's. */
static const struct {
  const char *alias, *key;
} key_aliases[] = {
  {"link.latency_us", "cluster.latency_us"},
  {"intra_host_link.latency_us", "cluster.intra_host_latency_us"},
};

/* "PREFIX.KEY": a figure of the catalog entry the scenario names for PREFIX. */
static const struct {
  const char *prefix, *kind;
} hw_targets[] = {
  {"device", "device"},
  {"link", "link"},
  {"intra_host_link", "link"},
  {"ps_link", "link"},
};

static gint hw_target(const char *key, const char **figure)
{
  const char *dot = strchr(key, '.');
  for (guint i = 0; dot && i < G_N_ELEMENTS(hw_targets); i++)
    if (strlen(hw_targets[i].prefix) == (gsize)(dot - key) && !strncmp(key, hw_targets[i].prefix, dot - key)) {
      *figure = dot + 1;
      return (gint)i;
    }
  return -1;
}

static const char *entry_name(const PaleoScenario *sc, gint target)
{
  switch (target) {
  case 0: return sc->cluster.device;
  case 1: return sc->cluster.link;
  case 2: return sc->cluster.intra_host_link;
  default: return *sc->cluster.ps_link ? sc->cluster.ps_link : sc->cluster.link;
  }
}

const char *paleo_sweep_scenario_key(const char *key)
{
  const char *figure;
  for (guint i = 0; i < G_N_ELEMENTS(key_aliases); i++)
    if (!strcmp(key, key_aliases[i].alias))
      return key_aliases[i].key;
  return hw_target(key, &figure) >= 0 ? NULL : key;
}

gboolean paleo_sweep_check_key(const PaleoSweepBase *base, const char *key, GError **error)
{
  const char *sk = paleo_sweep_scenario_key(key), *figure;
  if (sk)
    return paleo_scenario_key_known(sk, NULL) ||
           (g_set_error(error, PALEO_SCENARIO_ERROR, PALEO_SCENARIO_ERROR_UNKNOWN,
                        "'%s' is neither a scenario key (`paleosim run --keys`) nor a hardware figure (device.KEY, "
                        "link.KEY, intra_host_link.KEY, ps_link.KEY)", key), FALSE);
  gint t = hw_target(key, &figure);
  double v;
  if (paleo_catalog_number(base->catalog, hw_targets[t].kind, entry_name(base->scenario, t), figure, &v, error))
    return TRUE;
  g_prefix_error(error, "%s: ", key);
  return FALSE;
}

/* Names the run looks up when it is wired: checked here so that a typo is found before
 * the sweep, not once per point. */
static gboolean check_name(const PaleoSweepBase *base, const char *key, const char *value, GError **error)
{
  if (!strcmp(key, "cluster.device"))
    return paleo_catalog_device(base->catalog, value, error) != NULL;
  if (!strcmp(key, "cluster.link") || !strcmp(key, "cluster.intra_host_link") ||
      (!strcmp(key, "cluster.ps_link") && *value))
    return paleo_catalog_link(base->catalog, value, error) != NULL;
  if (!strcmp(key, "workload.cost_model"))
    return paleo_cost_model_find(value, error) != NULL;
  if (!strcmp(key, "workload.net")) {
    g_autoptr(PaleoNet) net = paleo_net_load_named(value, 0, error);
    return net != NULL;
  }
  return TRUE;
}

gboolean paleo_sweep_check_value(const PaleoSweepBase *base, const char *key, const char *value, GError **error)
{
  const char *sk = paleo_sweep_scenario_key(key), *figure;
  GError *local = NULL;
  if (!sk) {
    gint t = hw_target(key, &figure);
    char *end = NULL;
    double v = g_ascii_strtod(value, &end);
    g_autoptr(PaleoCatalog) c = paleo_catalog_copy(base->catalog);
    if (end == value || *end || !isfinite(v))
      g_set_error(&local, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "not a number");
    else
      paleo_catalog_set_number(c, hw_targets[t].kind, entry_name(base->scenario, t), figure, v, &local);
  } else {
    g_autofree char *ov = g_strdup_printf("%s=%s", sk, value);
    g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < base->sets->len; i++)
      g_ptr_array_add(sets, g_strdup(base->sets->pdata[i]));
    g_ptr_array_add(sets, g_strdup(ov));
    g_ptr_array_add(sets, NULL);
    g_autoptr(PaleoScenario) sc =
      paleo_scenario_load_text(base->scenario_text, base->scenario_path, (char **)sets->pdata, &local);
    /* a range error may come from the combination with other keys: that is the point's */
    if (!sc && local->domain == PALEO_SCENARIO_ERROR && local->code == PALEO_SCENARIO_ERROR_RANGE)
      g_clear_error(&local);
    if (!local)
      check_name(base, sk, value, &local);
  }
  if (!local)
    return TRUE;
  if (local->domain != PALEO_SCENARIO_ERROR) /* scenario errors name the key and value already */
    g_prefix_error(&local, "%s = '%s': ", key, value);
  g_propagate_error(error, local);
  return FALSE;
}

/* ---- the base ---- */

static GPtrArray *strv_array(char **v)
{
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; v && v[i]; i++)
    g_ptr_array_add(a, g_strdup(v[i]));
  return a;
}

gboolean paleo_sweep_base_init(PaleoSweepBase *b, const char *scenario, char **sets, char **hardware,
                               GError **error)
{
  memset(b, 0, sizeof(*b));
  b->scenario_path = paleo_scenario_resolve_path(scenario);
  b->sets = strv_array(sets);
  g_ptr_array_add(b->sets, g_strdup("output.trace="));
  g_ptr_array_add(b->sets, NULL);
  b->scenario_text = paleo_scenario_read(b->scenario_path, error);
  if (!b->scenario_text || !(b->catalog = paleo_cli_catalog(hardware, error)))
    return FALSE;
  b->scenario = paleo_scenario_load_text(b->scenario_text, b->scenario_path, (char **)b->sets->pdata, error);
  g_ptr_array_remove_index(b->sets, b->sets->len - 1); /* the NULL: points append */
  if (!b->scenario)
    return FALSE;
  /* the names the run looks up, so that a bad one is bad input here and not a failed run */
  static const char *const named[] = {"cluster.device", "cluster.link", "cluster.intra_host_link", "cluster.ps_link",
                                      "workload.net", "workload.cost_model"};
  for (guint i = 0; i < G_N_ELEMENTS(named); i++) {
    PaleoScenarioValue v;
    paleo_scenario_value(b->scenario, named[i], &v, NULL);
    if (!check_name(b, named[i], v.text, error)) {
      g_prefix_error(error, "%s: [%.*s] %s = '%s': ", b->scenario_path, (int)(strchr(named[i], '.') - named[i]),
                     named[i], strchr(named[i], '.') + 1, v.text);
      return FALSE;
    }
  }
  b->metrics = paleo_summary_prototype_row(b->scenario);
  return TRUE;
}

void paleo_sweep_base_clear(PaleoSweepBase *b)
{
  g_free(b->scenario_path);
  g_free(b->scenario_text);
  if (b->sets)
    g_ptr_array_unref(b->sets);
  if (b->catalog)
    paleo_catalog_free(b->catalog);
  if (b->scenario)
    paleo_scenario_free(b->scenario);
  if (b->metrics)
    json_object_unref(b->metrics);
  memset(b, 0, sizeof(*b));
}

/* ---- one point ---- */

typedef struct {
  char *key, *value;
} Assignment;

static void split(const char *assignment, Assignment *out)
{
  const char *eq = strchr(assignment, '=');
  g_assert(eq);
  out->key = g_strndup(assignment, eq - assignment);
  out->value = g_strdup(eq + 1);
}

/* Applies the hardware figures of the point to a copy of the catalog (OUT: `own`, NULL
 * when the point sets none). */
static gboolean point_catalog(const PaleoSweepBase *base, const PaleoScenario *sc, GPtrArray *assignments,
                              PaleoCatalog **own, GError **error)
{
  g_autoptr(PaleoCatalog) c = NULL;
  for (guint i = 0; i < assignments->len; i++) {
    Assignment a;
    split(assignments->pdata[i], &a);
    const char *figure;
    gint t = paleo_sweep_scenario_key(a.key) ? -1 : hw_target(a.key, &figure);
    char *end = NULL;
    double v = t >= 0 ? g_ascii_strtod(a.value, &end) : 0;
    gboolean ok = TRUE;
    if (t >= 0) {
      if (!c)
        c = paleo_catalog_copy(base->catalog);
      if (end == a.value || *end || !isfinite(v))
        ok = (g_set_error(error, PALEO_CONFIG_ERROR, PALEO_CONFIG_ERROR_INVALID, "%s = '%s': not a number", a.key,
                          a.value), FALSE);
      else if (!paleo_catalog_set_number(c, hw_targets[t].kind, entry_name(sc, t), figure, v, error))
        ok = (g_prefix_error(error, "%s: ", a.key), FALSE);
    }
    g_free(a.key);
    g_free(a.value);
    if (!ok)
      return FALSE;
  }
  *own = g_steal_pointer(&c);
  return TRUE;
}

static PaleoScenario *point_scenario(const PaleoSweepBase *base, GPtrArray *assignments, char *const *extra,
                                     GError **error)
{
  g_autoptr(GPtrArray) ov = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < base->sets->len; i++)
    g_ptr_array_add(ov, g_strdup(base->sets->pdata[i]));
  for (guint i = 0; i < assignments->len; i++) {
    Assignment a;
    split(assignments->pdata[i], &a);
    const char *sk = paleo_sweep_scenario_key(a.key);
    if (sk)
      g_ptr_array_add(ov, g_strdup_printf("%s=%s", sk, a.value));
    g_free(a.key);
    g_free(a.value);
  }
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add(ov, g_strdup(extra[i]));
  g_ptr_array_add(ov, NULL);
  return paleo_scenario_load_text(base->scenario_text, base->scenario_path, (char **)ov->pdata, error);
}

/* The text a point assigns to `key`, or NULL. */
static const char *assigned(GPtrArray *assignments, const char *key)
{
  gsize n = strlen(key);
  for (guint i = 0; i < assignments->len; i++) {
    const char *a = assignments->pdata[i];
    if (!strncmp(a, key, n) && a[n] == '=')
      return a + n + 1;
  }
  return NULL;
}

static JsonNode *value_node(const PaleoScenarioValue *v)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  paleo_summary_add_value(b, v);
  json_builder_end_array(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_node_copy(json_array_get_element(json_node_get_array(root), 0));
}

/* What the point ran with, typed: from its scenario or catalog; without them (an error
 * while loading) the assigned text, as a number where the base's value is one. */
static JsonNode *column_value(const PaleoSweepBase *base, const PaleoScenario *sc, const PaleoCatalog *cat,
                              GPtrArray *assignments, const char *key)
{
  const char *sk = paleo_sweep_scenario_key(key), *figure, *text = assigned(assignments, key);
  PaleoScenarioValue v;
  if (sk && paleo_scenario_value(sc ? sc : base->scenario, sk, &v, NULL) && (sc || !text))
    return value_node(&v);
  gint t = sk ? -1 : hw_target(key, &figure);
  double x;
  if (t >= 0 && sc && paleo_catalog_number(cat, hw_targets[t].kind, entry_name(sc, t), figure, &x, NULL))
    return json_node_init_double(json_node_alloc(), x);
  char *end = NULL;
  if (text && (t >= 0 || v.kind == PALEO_VALUE_NUMBER) && (x = g_ascii_strtod(text, &end), end != text && !*end))
    return json_node_init_double(json_node_alloc(), x);
  if (text && (v.kind == PALEO_VALUE_INT || v.kind == PALEO_VALUE_UINT) && (g_ascii_strtoll(text, &end, 10), end != text && !*end))
    return json_node_init_int(json_node_alloc(), g_ascii_strtoll(text, NULL, 10));
  return text ? json_node_init_string(json_node_alloc(), text) : json_node_init_null(json_node_alloc());
}

static void set_status(JsonObject *row, const char *status, const GError *error, double wall_s)
{
  json_object_set_string_member(row, "status", status);
  if (error)
    json_object_set_string_member(row, "error", error->message);
  else
    json_object_set_null_member(row, "error");
  json_object_set_double_member(row, "wall_s", wall_s);
}

static void merge(JsonObject *row, JsonObject *from)
{
  g_autoptr(GList) members = json_object_get_members(from);
  for (GList *m = members; m; m = m->next)
    json_object_set_member(row, m->data, json_node_copy(json_object_get_member(from, m->data)));
}

JsonObject *paleo_sweep_point_run(const PaleoSweepBase *base, GPtrArray *assignments, char *const *extra)
{
  gint64 start = g_get_monotonic_time();
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) sc = point_scenario(base, assignments, extra, &error);
  g_autoptr(PaleoCatalog) own = NULL;
  gboolean ran = sc && point_catalog(base, sc, assignments, &own, &error), ok = FALSE;
  const PaleoCatalog *cat = own ? own : base->catalog;
  PaleoRunSummary summary = {0};
  if (ran) {
    PaleoRunOptions opt = {.progress = FALSE, .catalog = cat, .allow_oom = base->allow_oom};
    ok = paleo_run_scenario(sc, &opt, &summary, &error);
  }
  JsonObject *row = json_object_new();
  for (guint i = 0; base->columns && i < base->columns->len; i++)
    json_object_set_member(row, base->columns->pdata[i],
                           column_value(base, ran ? sc : NULL, cat, assignments, base->columns->pdata[i]));
  const char *status = !ok ? "error" : summary.interrupted ? "interrupted" : "ok";
  set_status(row, status, error, 0);
  if (ran && (ok || summary.iterations)) {
    g_autoptr(JsonObject) run = paleo_summary_json(sc, &summary);
    g_autoptr(JsonObject) metrics = paleo_row_flatten(run);
    merge(row, metrics);
  }
  if (ran)
    paleo_run_summary_clear(&summary);
  json_object_set_double_member(row, "wall_s", (g_get_monotonic_time() - start) / 1e6);
  return row;
}

JsonObject *paleo_sweep_point_error_row(const PaleoSweepBase *base, GPtrArray *assignments, const char *message)
{
  JsonObject *row = json_object_new();
  for (guint i = 0; base->columns && i < base->columns->len; i++)
    json_object_set_member(row, base->columns->pdata[i],
                           column_value(base, NULL, NULL, assignments, base->columns->pdata[i]));
  g_autoptr(GError) error = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_FAILED, message);
  set_status(row, "error", error, 0);
  return row;
}

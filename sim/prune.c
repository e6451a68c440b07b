/* Pruning constraints for `optimize` (see prune.h). */
#include "sim/prune.h"

#include <math.h>
#include <string.h>

#include "sim/cli_common.h"
#include "sim/result_row.h"

typedef enum { OP_LE, OP_LT, OP_GE, OP_GT } Op;

struct PaleoConstraint {
  char *text;
  const struct Named *named;  /* NULL: a comparison */
  char *column;
  Op op;
  double limit;
};

/* A named constraint: the boolean column of the run's results it requires to be true. */
typedef struct Named {
  const char *name;
  const char *description;
  const char *column;         /* boolean result column that must be true */
  const char *missing;        /* why the column may be absent */
  gboolean runs_out_of_memory; /* its points run even when they do not fit */
} Named;

static const Named named_constraints[] = {
  {"memory", "the point fits in device memory (weights, gradients, optimizer state, activations, workspace: "
             "`paleosim memory`)", "memory_fits", "the run's results have no memory verdict", TRUE},
};

static gboolean parse_comparison(PaleoConstraint *c, JsonObject *columns, GError **error)
{
  static const struct {
    const char *text;
    Op op;
  } ops[] = {{"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT}};
  for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
    const char *at = strstr(c->text, ops[i].text);
    if (!at)
      continue;
    g_autofree char *name = g_strstrip(g_strndup(c->text, at - c->text));
    const char *rhs = at + strlen(ops[i].text);
    char *end = NULL;
    c->limit = g_ascii_strtod(rhs, &end);
    while (end && g_ascii_isspace(*end))
      end++;
    if (end == rhs || *end || !isfinite(c->limit))
      return paleo_cli_bad_value(error, "--constraint '%s': '%s' is not a number", c->text, rhs);
    const char *column = paleo_row_metric_column(columns, name);
    if (!column)
      return paleo_cli_bad_value(error, "--constraint '%s': '%s' is not a number of the run's results (e.g. params, iteration_ms, "
                        "throughput, worker_count; `paleosim run --format csv` shows them all)", c->text, name);
    c->column = g_strdup(column);
    c->op = ops[i].op;
    return TRUE;
  }
  GString *names = g_string_new(NULL);
  for (guint i = 0; i < G_N_ELEMENTS(named_constraints); i++)
    g_string_append_printf(names, "%s%s", i ? ", " : "", named_constraints[i].name);
  paleo_cli_bad_value(error, "--constraint '%s': expected a constraint name (%s) or COLUMN<=X, COLUMN>=X, COLUMN<X, COLUMN>X", c->text,
      names->str);
  g_string_free(names, TRUE);
  return FALSE;
}

PaleoConstraint *paleo_constraint_parse(const char *text, JsonObject *columns, GError **error)
{
  g_autoptr(PaleoConstraint) c = g_new0(PaleoConstraint, 1);
  c->text = g_strstrip(g_strdup(text));
  for (guint i = 0; i < G_N_ELEMENTS(named_constraints); i++) {
    const Named *n = &named_constraints[i];
    if (strcmp(c->text, n->name))
      continue;
    if (!json_object_has_member(columns, n->column))
      return paleo_cli_bad_value(error, "--constraint %s: %s", n->name, n->missing), NULL;
    c->named = n;
    return g_steal_pointer(&c);
  }
  return parse_comparison(c, columns, error) ? g_steal_pointer(&c) : NULL;
}

void paleo_constraint_free(PaleoConstraint *c)
{
  if (!c)
    return;
  g_free(c->text);
  g_free(c->column);
  g_free(c);
}

gboolean paleo_constraint_check(const PaleoConstraint *c, JsonObject *row, char **why)
{
  if (c->named) {
    JsonNode *n = json_object_get_member(row, c->named->column);
    if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN && json_node_get_boolean(n))
      return TRUE;
    *why = g_strdup_printf("%s: %s is not true", c->text, c->named->column);
    return FALSE;
  }
  double v;
  if (!paleo_row_number(row, c->column, &v)) {
    *why = g_strdup_printf("%s: no %s in the results", c->text, c->column);
    return FALSE;
  }
  gboolean ok = c->op == OP_LE ? v <= c->limit : c->op == OP_LT ? v < c->limit : c->op == OP_GE ? v >= c->limit
                                                                                               : v > c->limit;
  if (!ok)
    *why = g_strdup_printf("%s: %s = %g", c->text, c->column, v);
  return ok;
}

gboolean paleo_constraint_runs_out_of_memory(const PaleoConstraint *c)
{
  return c->named && c->named->runs_out_of_memory;
}

char *paleo_constraint_list_text(void)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < G_N_ELEMENTS(named_constraints); i++)
    g_string_append_printf(s, "  %-10s %s\n", named_constraints[i].name, named_constraints[i].description);
  return g_string_free(s, FALSE);
}

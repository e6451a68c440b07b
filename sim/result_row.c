/* Flat result rows from run JSON, and their CSV form (see result_row.h). */
#include "sim/result_row.h"

#include <stdio.h>
#include <string.h>

static void flatten_into(JsonObject *out, const char *prefix, JsonObject *in)
{
  g_autoptr(GList) members = json_object_get_members(in);
  for (GList *m = members; m; m = m->next) {
    const char *name = m->data;
    if (!*prefix && !strcmp(name, "config"))
      continue;
    JsonNode *node = json_object_get_member(in, name);
    g_autofree char *column = *prefix ? g_strdup_printf("%s_%s", prefix, name) : g_strdup(name);
    if (JSON_NODE_HOLDS_OBJECT(node))
      flatten_into(out, column, json_node_get_object(node));
    else if (!JSON_NODE_HOLDS_ARRAY(node))
      json_object_set_member(out, column, json_node_copy(node));
  }
}

JsonObject *paleo_row_flatten(JsonObject *run)
{
  JsonObject *row = json_object_new();
  flatten_into(row, "", run);
  return row;
}

char *paleo_row_to_json(JsonObject *row)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), row);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, node);
  return json_generator_to_data(gen, NULL);
}

JsonObject *paleo_row_from_json(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, -1, NULL) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
    return NULL;
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* The shortest %.Ng that reads back as the same double. */
static char *number_text(double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 15; digits <= 17; digits++) {
    g_ascii_formatd(buf, sizeof buf, digits == 15 ? "%.15g" : digits == 16 ? "%.16g" : "%.17g", v);
    if (g_ascii_strtod(buf, NULL) == v)
      break;
  }
  return g_strdup(buf);
}

static char *quoted(const char *text)
{
  if (!strpbrk(text, ",\"\r\n"))
    return g_strdup(text);
  GString *q = g_string_new("\"");
  for (const char *c = text; *c; c++) {
    if (*c == '"')
      g_string_append_c(q, '"');
    g_string_append_c(q, *c);
  }
  g_string_append_c(q, '"');
  return g_string_free(q, FALSE);
}

char *paleo_row_csv_field(JsonNode *value)
{
  if (!value || JSON_NODE_HOLDS_NULL(value) || !JSON_NODE_HOLDS_VALUE(value))
    return g_strdup("");
  switch (json_node_get_value_type(value)) {
  case G_TYPE_INT64: return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(value));
  case G_TYPE_DOUBLE: return number_text(json_node_get_double(value));
  case G_TYPE_BOOLEAN: return g_strdup(json_node_get_boolean(value) ? "true" : "false");
  default: return quoted(json_node_get_string(value));
  }
}

void paleo_row_csv_header(GString *out, GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *q = quoted(names->pdata[i]);
    g_string_append_printf(out, "%s%s", i ? "," : "", q);
  }
  g_string_append_c(out, '\n');
}

void paleo_row_csv_line(GString *out, GPtrArray *names, JsonObject *row)
{
  for (guint i = 0; i < names->len; i++) {
    JsonNode *v = json_object_get_member(row, names->pdata[i]);
    g_autofree char *f = paleo_row_csv_field(v);
    g_string_append_printf(out, "%s%s", i ? "," : "", f);
  }
  g_string_append_c(out, '\n');
}

static const struct {
  const char *alias, *column;
} metric_aliases[] = {
  {"iteration_ms", "iteration_ms_mean"},
  {"throughput", "throughput_samples_per_s"},
};

const char *paleo_row_metric_column(JsonObject *row, const char *metric)
{
  for (guint i = 0; i < G_N_ELEMENTS(metric_aliases); i++)
    if (!strcmp(metric, metric_aliases[i].alias))
      metric = metric_aliases[i].column;
  double v;
  return paleo_row_number(row, metric, &v) ? metric : NULL;
}

gboolean paleo_row_number(JsonObject *row, const char *column, double *out)
{
  JsonNode *n = json_object_get_member(row, column);
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return FALSE;
  GType t = json_node_get_value_type(n);
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_node_get_double(n); /* json-glib converts integers */
  return TRUE;
}

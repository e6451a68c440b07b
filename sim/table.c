/* Result tables for the CLI in table, CSV and JSON formats (see table.h). */
#include "sim/table.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

typedef struct {
  gboolean present; /* FALSE: empty cell */
  gboolean is_num;
  double num;
  char *text;
} Cell;

typedef struct {
  gboolean rule;
  GArray *cells; /* of Cell */
} Row;

struct PaleoTable {
  const PaleoColumn *columns;
  guint n_columns;
  GPtrArray *meta_keys;   /* of char* */
  GPtrArray *meta_values; /* of char*: as `table` shows them */
  GPtrArray *meta_json;   /* of JsonNode*: as JSON has them */
  GPtrArray *extra_names; /* of char*: more JSON members */
  GPtrArray *extra_nodes; /* of JsonNode* */
  GArray *rows;           /* of Row */
};

gboolean paleo_format_parse(const char *name, PaleoFormat *out)
{
  static const char *names[] = {"table", "csv", "json"};
  for (guint i = 0; name && i < G_N_ELEMENTS(names); i++)
    if (!g_ascii_strcasecmp(name, names[i])) {
      *out = (PaleoFormat)i;
      return TRUE;
    }
  return FALSE;
}

static void cell_clear(gpointer p)
{
  g_free(((Cell *)p)->text);
}

static void row_clear(gpointer p)
{
  g_array_unref(((Row *)p)->cells);
}

PaleoTable *paleo_table_new(const PaleoColumn *columns, guint n_columns)
{
  PaleoTable *t = g_new0(PaleoTable, 1);
  t->columns = columns;
  t->n_columns = n_columns;
  t->meta_keys = g_ptr_array_new_with_free_func(g_free);
  t->meta_values = g_ptr_array_new_with_free_func(g_free);
  t->meta_json = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
  t->extra_names = g_ptr_array_new_with_free_func(g_free);
  t->extra_nodes = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
  t->rows = g_array_new(FALSE, TRUE, sizeof(Row));
  g_array_set_clear_func(t->rows, row_clear);
  return t;
}

void paleo_table_free(PaleoTable *t)
{
  if (!t)
    return;
  g_ptr_array_unref(t->meta_keys);
  g_ptr_array_unref(t->meta_values);
  g_ptr_array_unref(t->meta_json);
  g_ptr_array_unref(t->extra_names);
  g_ptr_array_unref(t->extra_nodes);
  g_array_unref(t->rows);
  g_free(t);
}

void paleo_table_meta(PaleoTable *t, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_ptr_array_add(t->meta_keys, g_strdup(key));
  g_ptr_array_add(t->meta_values, text);
  g_ptr_array_add(t->meta_json, json_node_init_string(json_node_alloc(), text));
}

/* A number as JSON: an integer when it is one and the column shows no decimals. */
static JsonNode *number_node(double v, int decimals)
{
  if (decimals == 0 && v == floor(v) && fabs(v) < 9007199254740992.0)
    return json_node_init_int(json_node_alloc(), (gint64)v);
  return json_node_init_double(json_node_alloc(), v);
}

void paleo_table_meta_number(PaleoTable *t, const char *key, double value, int decimals, const char *note)
{
  g_ptr_array_add(t->meta_keys, g_strdup(key));
  g_autofree char *num = decimals < 0 ? g_strdup_printf("%g", value) : g_strdup_printf("%.*f", decimals, value);
  g_ptr_array_add(t->meta_values, g_strdup_printf("%s%s%s", num, note ? " " : "", note ? note : ""));
  g_ptr_array_add(t->meta_json, number_node(value, decimals));
}

void paleo_table_json_member(PaleoTable *t, const char *name, JsonNode *node)
{
  g_ptr_array_add(t->extra_names, g_strdup(name));
  g_ptr_array_add(t->extra_nodes, node);
}

void paleo_table_row(PaleoTable *t, gboolean rule)
{
  Row row = {rule, g_array_new(FALSE, TRUE, sizeof(Cell))};
  g_array_set_clear_func(row.cells, cell_clear);
  g_array_append_val(t->rows, row);
}

static void add_cell(PaleoTable *t, Cell cell)
{
  g_return_if_fail(t->rows->len > 0);
  Row *row = &g_array_index(t->rows, Row, t->rows->len - 1);
  g_return_if_fail(row->cells->len < t->n_columns);
  g_array_append_val(row->cells, cell);
}

void paleo_table_text(PaleoTable *t, const char *text)
{
  add_cell(t, (Cell){.present = TRUE, .text = g_strdup(text)});
}

void paleo_table_num(PaleoTable *t, double value)
{
  add_cell(t, (Cell){.present = TRUE, .is_num = TRUE, .num = value});
}

void paleo_table_empty(PaleoTable *t)
{
  add_cell(t, (Cell){.present = FALSE});
}

static const Cell *cell_at(const PaleoTable *t, guint r, guint c)
{
  const Row *row = &g_array_index(t->rows, Row, r);
  return c < row->cells->len ? &g_array_index(row->cells, Cell, c) : NULL;
}

/* A cell as `table` shows it: numbers with the column's decimals and thousands kept plain. */
static char *human(const PaleoColumn *col, const Cell *cell)
{
  if (!cell || !cell->present)
    return g_strdup("");
  if (!cell->is_num)
    return g_strdup(cell->text);
  return g_strdup_printf("%.*f", col->decimals < 0 ? 0 : col->decimals, cell->num);
}

/* A cell in CSV: numbers exactly enough to round-trip the model's precision. */
static char *machine(const Cell *cell)
{
  if (!cell || !cell->present)
    return g_strdup("");
  if (!cell->is_num)
    return g_strdup(cell->text);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.10g", cell->num));
}

/* "key: value" pairs on lines of at most ~100 characters. */
static void write_meta(const PaleoTable *t, FILE *out)
{
  gsize line = 0;
  for (guint i = 0; i < t->meta_keys->len; i++) {
    g_autofree char *item = g_strdup_printf("%s: %s", (char *)t->meta_keys->pdata[i],
                                            (char *)t->meta_values->pdata[i]);
    if (line > 0 && line + 3 + strlen(item) > 100) {
      fputc('\n', out);
      line = 0;
    }
    line += (gsize)fprintf(out, "%s%s", line ? "   " : "", item);
  }
  if (t->meta_keys->len)
    fputs("\n\n", out);
}

static void write_text(const PaleoTable *t, FILE *out)
{
  guint nc = t->n_columns, nr = t->rows->len;
  g_autofree gsize *width = g_new0(gsize, nc);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
  for (guint c = 0; c < nc; c++)
    width[c] = strlen(t->columns[c].title);
  for (guint r = 0; r < nr; r++)
    for (guint c = 0; c < nc; c++) {
      char *s = human(&t->columns[c], cell_at(t, r, c));
      width[c] = MAX(width[c], (gsize)g_utf8_strlen(s, -1));
      g_ptr_array_add(cells, s);
    }
  write_meta(t, out);
  gsize total = 0;
  for (guint c = 0; c < nc; c++) {
    int w = (int)width[c];
    gboolean last_text = c + 1 == nc && t->columns[c].decimals < 0;
    fprintf(out, "%s%*s", c ? "  " : "", last_text ? 0 : t->columns[c].decimals < 0 ? -w : w,
            t->columns[c].title);
    total += width[c] + (c ? 2 : 0);
  }
  fputc('\n', out);
  g_autofree char *rule = g_strnfill(total, '-');
  fprintf(out, "%s\n", rule);
  for (guint r = 0; r < nr; r++) {
    if (g_array_index(t->rows, Row, r).rule)
      fprintf(out, "%s\n", rule);
    for (guint c = 0; c < nc; c++) {
      int w = (int)width[c];
      gboolean last_text = c + 1 == nc && t->columns[c].decimals < 0;
      fprintf(out, "%s%*s", c ? "  " : "", last_text ? 0 : t->columns[c].decimals < 0 ? -w : w,
              (char *)cells->pdata[r * nc + c]);
    }
    fputc('\n', out);
  }
}

/* One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote or
 * a line break. */
static void put_csv_field(const char *s, FILE *out)
{
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (const char *c = s; *c; c++) {
    if (*c == '"')
      fputc('"', out);
    fputc(*c, out);
  }
  fputc('"', out);
}

static void write_csv(const PaleoTable *t, FILE *out)
{
  for (guint c = 0; c < t->n_columns; c++)
    fprintf(out, "%s%s", c ? "," : "", t->columns[c].key);
  fputc('\n', out);
  for (guint r = 0; r < t->rows->len; r++) {
    for (guint c = 0; c < t->n_columns; c++) {
      g_autofree char *s = machine(cell_at(t, r, c));
      if (c)
        fputc(',', out);
      put_csv_field(s, out);
    }
    fputc('\n', out);
  }
}

static void write_json(const PaleoTable *t, FILE *out)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "meta");
  json_builder_begin_object(b);
  for (guint i = 0; i < t->meta_keys->len; i++) {
    json_builder_set_member_name(b, t->meta_keys->pdata[i]);
    json_builder_add_value(b, json_node_copy(t->meta_json->pdata[i]));
  }
  json_builder_end_object(b);
  json_builder_set_member_name(b, "rows");
  json_builder_begin_array(b);
  for (guint r = 0; r < t->rows->len; r++) {
    json_builder_begin_object(b);
    for (guint c = 0; c < t->n_columns; c++) {
      const Cell *cell = cell_at(t, r, c);
      json_builder_set_member_name(b, t->columns[c].key);
      if (!cell || !cell->present || (cell->is_num && !isfinite(cell->num)))
        json_builder_add_null_value(b);
      else if (cell->is_num)
        json_builder_add_value(b, number_node(cell->num, t->columns[c].decimals));
      else
        json_builder_add_string_value(b, cell->text);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  for (guint i = 0; i < t->extra_names->len; i++) {
    json_builder_set_member_name(b, t->extra_names->pdata[i]);
    json_builder_add_value(b, json_node_copy(t->extra_nodes->pdata[i]));
  }
  json_builder_end_object(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  fprintf(out, "%s\n", text);
}

gboolean paleo_table_write(const PaleoTable *t, PaleoFormat format, FILE *out, GError **error)
{
  switch (format) {
  case PALEO_FORMAT_CSV: write_csv(t, out); break;
  case PALEO_FORMAT_JSON: write_json(t, out); break;
  default: write_text(t, out); break;
  }
  if (fflush(out) != 0 || ferror(out)) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot write output: %s",
                g_strerror(e));
    return FALSE;
  }
  return TRUE;
}

/* A small result table for CLI commands, written in three formats from one data path:
 * `table` (aligned columns for people, units in the titles, a rule before totals),
 * `csv` (header of keys, full precision) and `json` ({"meta": {...}, "rows": [{...}]}; numbers
 * as numbers, integers where a column shows no decimals). */
#ifndef PALEO_TABLE_H
#define PALEO_TABLE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

typedef enum {
  PALEO_FORMAT_TABLE,
  PALEO_FORMAT_CSV,
  PALEO_FORMAT_JSON,
} PaleoFormat;

/* "table", "csv", "json" (case-insensitive). */
gboolean paleo_format_parse(const char *name, PaleoFormat *out);

typedef struct {
  const char *key;   /* CSV header and JSON member, e.g. "fwd_ms" */
  const char *title; /* table header with unit, e.g. "fwd ms" */
  int decimals;      /* digits after the point in `table`; -1: text column (left-aligned) */
} PaleoColumn;

typedef struct PaleoTable PaleoTable;

/* The columns are not copied: pass a static array. */
PaleoTable *paleo_table_new(const PaleoColumn *columns, guint n_columns);
void paleo_table_free(PaleoTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoTable, paleo_table_free)

/* A line of context (net, device, ...): printed above `table`, as "meta" in JSON. */
void paleo_table_meta(PaleoTable *table, const char *key, const char *value_fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* A number of context: `table` shows it with `decimals` (-1: %g) and the `note` (may be
 * NULL) after it, JSON as a number (an integer with decimals 0). */
void paleo_table_meta_number(PaleoTable *table, const char *key, double value, int decimals,
                             const char *note);
/* One more member of the JSON form, after "meta" and "rows" (e.g. "config"); takes `node`. */
void paleo_table_json_member(PaleoTable *table, const char *name, JsonNode *node);
/* Starts a row; with `rule` the table format draws a line above it (for totals). */
void paleo_table_row(PaleoTable *table, gboolean rule);
/* Cells of the current row, left to right. */
void paleo_table_text(PaleoTable *table, const char *text);
void paleo_table_num(PaleoTable *table, double value);
void paleo_table_empty(PaleoTable *table);

/* Writes the table; FALSE with errno-style G_FILE_ERROR if the stream fails. */
gboolean paleo_table_write(const PaleoTable *table, PaleoFormat format, FILE *out,
                           GError **error);

#endif

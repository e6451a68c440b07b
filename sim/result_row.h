/* A run's results as one flat row of scalars: the columns of `sweep` tables, of
 * `run --format csv`, and the metrics `sensitivity` and `optimize` name. Nested objects
 * of `run --format json` are flattened with '_' (iteration_ms.mean -> iteration_ms_mean,
 * staleness.p99 -> staleness_p99); arrays (workers, links) and the "config" echo are left
 * out. Values keep their JSON types (integers, numbers, booleans, strings, null). */
#ifndef PALEO_RESULT_ROW_H
#define PALEO_RESULT_ROW_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* A new object holding the scalars of `run` (a `run --format json` object), in order.
 * A member that is null where other runs have an object (staleness of a sync run) stays
 * one null member "staleness"; callers that know the full column set fill the rest. */
JsonObject *paleo_row_flatten(JsonObject *run);

/* A row as compact JSON text and back (NULL for text that is not a JSON object): how rows
 * travel from worker processes and MPI ranks. */
char *paleo_row_to_json(JsonObject *row);
JsonObject *paleo_row_from_json(const char *text);

/* A scalar as a CSV field: integers as digits, numbers in the shortest form that reads
 * back exactly, booleans true/false, null empty, text quoted when it holds , " or a line
 * break (RFC 4180). */
char *paleo_row_csv_field(JsonNode *value);
/* A CSV line (with '\n') of `names` as the header, or of each name's value in `row`
 * (empty where the row lacks it). */
void paleo_row_csv_header(GString *out, GPtrArray *names);
void paleo_row_csv_line(GString *out, GPtrArray *names, JsonObject *row);

/* A metric by name: a column of the row, or one of the short names iteration_ms
 * (iteration_ms_mean) and throughput (throughput_samples_per_s). Returns the column name
 * (static or owned by `row`'s member list) or NULL when the row has no such number. */
const char *paleo_row_metric_column(JsonObject *row, const char *metric);
/* The number in `column` of `row` (integers converted); FALSE when absent or not a number. */
gboolean paleo_row_number(JsonObject *row, const char *column, double *out);

#endif

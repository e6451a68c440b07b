/* The trace schema in one description: every table of a trace, its columns in stored order
 * with their SQL declaration, unit, meaning and the schema version that added them. The
 * SQLite sink creates its tables and insert statements from it, the SQLite reader selects
 * from it (older files get each missing column's default), the HDF5 sink takes each
 * dataset's `units` and `description` attributes from it, and the documentation
 * (output/README.md, checked by a test) is printed from it. The enum names stored in the
 * lookup tables (phase, stream, task_kind) are engine/trace.h's. */
#ifndef PALEO_TRACE_SCHEMA_H
#define PALEO_TRACE_SCHEMA_H

#include <glib.h>

typedef struct {
  const char *name;
  const char *sql;         /* SQLite declaration: "INTEGER NOT NULL", "REAL", "TEXT", ... */
  const char *unit;        /* "ns", "B", "B/s", "fraction", "" */
  const char *meaning;
  int since;               /* schema version that added the column */
  const char *old_default; /* SQL literal read for files older than `since` */
} PaleoTraceColumn;

typedef struct {
  const char *name;
  const char *meaning;
  const PaleoTraceColumn *columns;
  guint n_columns;
  int since;               /* schema version that added the table (older files: no rows) */
  const char *const *lookup; /* lookup tables (id, name): the NULL-terminated names by id */
} PaleoTraceTable;

/* Every table, in the order the documentation lists them; NULL-terminated by name. */
extern const PaleoTraceTable paleo_trace_tables[];
/* The table named `name` (asserts it exists). */
const PaleoTraceTable *paleo_trace_table(const char *name);

/* CREATE TABLE statements of every table (and the rows of the lookup tables). */
char *paleo_trace_schema_sql(void);
/* "INSERT INTO name VALUES (?,...,?)", one placeholder per column. */
char *paleo_trace_schema_insert_sql(const char *name);
/* "SELECT col, ... FROM name ORDER BY order_by" reading a file of schema `version`: a
 * column added later reads as its old default. */
char *paleo_trace_schema_select_sql(const char *name, int version, const char *order_by);
/* "start_ns: ns; end_ns: ns" (the HDF5 dataset attribute). */
char *paleo_trace_schema_units(const char *name);
/* The SQLite schema as a Markdown table (output/README.md holds it verbatim). */
char *paleo_trace_schema_markdown(void);

#endif

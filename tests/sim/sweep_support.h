/* Test support for the sweep, sensitivity, optimize and front-end tests: files in
 * PALEO_TEST_TMP, results tables read back as text, JSON output parsed. */
#ifndef PALEO_TEST_SWEEP_SUPPORT_H
#define PALEO_TEST_SWEEP_SUPPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* Writes `text` to PALEO_TEST_TMP/name and returns the path (owned). */
char *tmp_file(const char *name, const char *text);
/* A fresh path in PALEO_TEST_TMP (any file there of that name removed). */
char *tmp_path(const char *name);
/* Every row of `table` ordered by point, each "col=value|col=value..." with numbers
 * printed exactly, leaving out the columns named in `skip` (NULL-terminated, may be NULL). */
GPtrArray *table_rows(const char *db, const char *sql, char **skip);

/* The JSON object in `text` (owned); fails the test when it is not one. */
JsonObject *parse_object(const char *text);

#endif

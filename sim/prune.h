/* Constraints that prune design points in `paleosim optimize` (--constraint): named ones
 * from a registry, and comparisons "COLUMN<=X" (<, <=, >, >=) on any number of a point's
 * results (params<=25e6 is a parameter budget, iteration_ms<=300 a time budget).
 *
 * A named constraint reads the columns its model puts in the run's results. `memory` reads
 * memory_fits, which the memory model of issue 13 (transformers) adds to `run`: until a
 * build has it, asking for `memory` is an error, never a silent pass. */
#ifndef PALEO_PRUNE_H
#define PALEO_PRUNE_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct PaleoConstraint PaleoConstraint;

/* Parses one --constraint; `columns` is a row with every column the runs produce (the
 * prototype row), to check that what the constraint reads exists. Bad input is
 * G_OPTION_ERROR_BAD_VALUE naming the constraint. */
PaleoConstraint *paleo_constraint_parse(const char *text, JsonObject *columns, GError **error);
void paleo_constraint_free(PaleoConstraint *constraint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoConstraint, paleo_constraint_free)

/* TRUE when the row satisfies it; otherwise FALSE and `why` (owned) says what failed. */
gboolean paleo_constraint_check(const PaleoConstraint *constraint, JsonObject *row, char **why);

/* The registry's names and descriptions, for --help. */
char *paleo_constraint_list_text(void);

#endif

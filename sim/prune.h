/* Constraints that prune design points in `paleosim optimize` (--constraint): named ones
 * from a registry, and comparisons "COLUMN<=X" (<, <=, >, >=) on any number of a point's
 * results (params<=25e6 is a parameter budget, iteration_ms<=300 a time budget).
 *
 * A named constraint reads the columns its model puts in the run's results. `memory` reads
 * memory_fits, the memory model's verdict (workloads/footprint.h, `memory` in run results);
 * its points run even when they do not fit (a plain run would refuse them), so that the
 * constraint, not an error, prunes them. A point whose device gives no capacity has no
 * verdict (null) and is pruned too. */
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

/* The points must run even when they do not fit in memory (the constraint judges them). */
gboolean paleo_constraint_runs_out_of_memory(const PaleoConstraint *constraint);

/* The registry's names and descriptions, for --help. */
char *paleo_constraint_list_text(void);

#endif

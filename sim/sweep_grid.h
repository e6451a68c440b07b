/* The points of a sweep: axes combined as a Cartesian product, the first axis outermost.
 * An axis is one key with a value list (`--vary key=LIST`, a [vary] key of a grid file),
 * several keys whose lists walk together (a [zip NAME] section), or the explicit points
 * of a grid file (every [point NAME] section, together one axis). Value lists use the
 * tool's one list syntax (paleo_cli_expand_list). Keys are "section.key" names; what they
 * may name is checked by the caller (sweep_point.h). */
#ifndef PALEO_SWEEP_GRID_H
#define PALEO_SWEEP_GRID_H

#include <glib.h>

#define PALEO_GRID_MAX_POINTS 1000000u

typedef struct PaleoGrid PaleoGrid;

PaleoGrid *paleo_grid_new(void);
void paleo_grid_free(PaleoGrid *grid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PaleoGrid, paleo_grid_free)

/* One axis from "section.key=LIST"; `option` names it in errors ("--vary"). */
gboolean paleo_grid_add_axis(PaleoGrid *grid, const char *option, const char *arg, GError **error);
/* The axes and points of a grid file (INI): [vary] (each key one axis), [zip NAME] (one
 * axis; lists of equal length), [point NAME] (key = one value each). Errors name the file,
 * section and key. */
gboolean paleo_grid_add_file(PaleoGrid *grid, const char *path, GError **error);
/* An explicit point, as from a [point] section: "section.key=value" items. */
gboolean paleo_grid_add_point(PaleoGrid *grid, char *const *assignments, GError **error);

/* Enumerates the points (call once, after adding). A grid without axes has one point
 * that sets nothing. More than PALEO_GRID_MAX_POINTS is an error. */
gboolean paleo_grid_expand(PaleoGrid *grid, GError **error);
guint paleo_grid_n_points(const PaleoGrid *grid);
/* The point's assignments "section.key=value", in column order, keys it leaves unset
 * omitted. */
GPtrArray *paleo_grid_point(const PaleoGrid *grid, guint i);
/* The varied keys, in the order they were first named. */
GPtrArray *paleo_grid_columns(const PaleoGrid *grid);
/* A text that changes whenever the points do (for resuming a sweep). */
const char *paleo_grid_description(const PaleoGrid *grid);

#endif

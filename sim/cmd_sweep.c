/* `paleosim sweep SCENARIO --vary section.key=LIST... [--grid FILE]... [--set K=V]...
 *  [--hardware FILE]... -o RESULTS.db|.csv [-j N] [--no-progress] [--dry-run]`: runs the
 * scenario at every point of a grid, in parallel (and over MPI ranks under mpirun), into
 * one results table that a rerun resumes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "paleo_config.h"
#include "sim/cli_common.h"
#include "sim/summary_print.h"
#include "sim/sweep_exec.h"
#include "sim/sweep_grid.h"
#include "sim/sweep_store.h"

#define CMD "sweep"

int paleo_cmd_sweep(int argc, char **argv);

typedef struct {
  char **vary, **grids, **sets, **hardware;
  char *output;
  gint jobs;
  gboolean no_progress, dry_run;
} Args;

typedef struct {
  PaleoSweepBase base;
  PaleoGrid *grid;
  PaleoSweepStore *store;
  guint ok, failed, interrupted;
  GError *store_error;      /* the first failed write */
} Sweep;

static void sweep_clear(Sweep *s)
{
  paleo_sweep_base_clear(&s->base);
  paleo_grid_free(s->grid);
  paleo_sweep_store_free(s->store);
  g_clear_error(&s->store_error);
}

static GPtrArray *point_source(guint point, void *user_data)
{
  return paleo_grid_point(((Sweep *)user_data)->grid, point);
}

static gboolean point_done_before(guint point, void *user_data)
{
  return paleo_sweep_store_has(((Sweep *)user_data)->store, point);
}

static void point_done(guint point, JsonObject *row, void *user_data)
{
  Sweep *s = user_data;
  if (!row)
    return;
  const char *status = json_object_get_string_member_with_default(row, "status", "");
  if (!strcmp(status, "ok"))
    s->ok++;
  else if (!strcmp(status, "interrupted"))
    s->interrupted++;
  else
    s->failed++;
  if (!s->store_error && !paleo_sweep_store_put(s->store, point, row, &s->store_error))
    paleo_run_request_stop(); /* nowhere to put results: stop handing out points */
}

/* ---- setting up ---- */

/* Each distinct value of each key, once, before anything runs. */
static gboolean check_values(Sweep *s, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < paleo_grid_n_points(s->grid); i++) {
    GPtrArray *p = paleo_grid_point(s->grid, i);
    for (guint k = 0; k < p->len; k++) {
      const char *a = p->pdata[k], *eq = strchr(a, '=');
      if (!g_hash_table_add(seen, (gpointer)a))
        continue;
      g_autofree char *key = g_strndup(a, eq - a);
      if (!paleo_sweep_check_value(&s->base, key, eq + 1, error)) {
        g_prefix_error(error, "--vary/--grid: ");
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean build_grid(Sweep *s, const Args *a, GError **error)
{
  s->grid = paleo_grid_new();
  for (char **g = a->grids; g && *g; g++)
    if (!paleo_grid_add_file(s->grid, *g, error))
      return FALSE;
  for (char **v = a->vary; v && *v; v++)
    if (!paleo_grid_add_axis(s->grid, "--vary", *v, error))
      return FALSE;
  if (!paleo_grid_expand(s->grid, error))
    return FALSE;
  GPtrArray *columns = paleo_grid_columns(s->grid);
  for (guint i = 0; i < columns->len; i++)
    if (!paleo_sweep_check_key(&s->base, columns->pdata[i], error)) {
      g_prefix_error(error, "--vary/--grid: ");
      return FALSE;
    }
  s->base.columns = columns;
  return check_values(s, error);
}

/* Every column of the results table, typed: the varied keys, status, error, wall_s, the
 * run's metrics. */
static JsonObject *table_columns(const Sweep *s)
{
  g_autoptr(GPtrArray) none = g_ptr_array_new();
  g_autoptr(JsonObject) sample = paleo_sweep_point_error_row(&s->base, none, "");
  JsonObject *columns = json_object_new();
  GPtrArray *varied = s->base.columns;
  for (guint i = 0; i < varied->len; i++) {
    JsonNode *v = json_object_get_member(sample, varied->pdata[i]);
    json_object_set_member(columns, varied->pdata[i],
                           JSON_NODE_HOLDS_NULL(v) ? json_node_init_double(json_node_alloc(), 0) : json_node_copy(v));
  }
  json_object_set_string_member(columns, "status", "");
  json_object_set_string_member(columns, "error", "");
  json_object_set_double_member(columns, "wall_s", 0);
  g_autoptr(GList) members = json_object_get_members(s->base.metrics);
  for (GList *m = members; m; m = m->next)
    if (!json_object_has_member(columns, m->data))
      json_object_set_member(columns, m->data, json_node_copy(json_object_get_member(s->base.metrics, m->data)));
  return columns;
}

/* Everything that decides the results: a rerun resumes only a file with the same. */
static char *signature(const Sweep *s, const Args *a)
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(sum, (const guchar *)s->base.scenario->text, -1);
  for (char **h = a->hardware; h && *h; h++) {
    g_autofree char *text = NULL;
    gsize n = 0;
    if (g_file_get_contents(*h, &text, &n, NULL))
      g_checksum_update(sum, (const guchar *)text, (gssize)n);
  }
  g_checksum_update(sum, (const guchar *)paleo_grid_description(s->grid), -1);
  return g_strdup(g_checksum_get_string(sum));
}

static PaleoSweepStore *open_store(Sweep *s, const Args *a, GError **error)
{
  g_autofree char *sig = signature(s, a);
  g_autofree char *sets = a->sets ? g_strjoinv("\n", a->sets) : g_strdup("");
  g_autofree char *hardware = a->hardware ? g_strjoinv("\n", a->hardware) : g_strdup("");
  g_autofree char *points = g_strdup_printf("%u", paleo_grid_n_points(s->grid));
  char *meta[] = {
    "signature", sig, "scenario", s->base.scenario_path, "scenario_text", s->base.scenario->text, "sets", sets,
    "hardware", hardware, "grid", (char *)paleo_grid_description(s->grid), "points", points,
    "paleosim_version", PALEO_VERSION, NULL,
  };
  g_autoptr(JsonObject) columns = table_columns(s);
  return paleo_sweep_store_open(a->output, columns, meta, error);
}

static int dry_run(const Sweep *s)
{
  for (guint i = 0; i < paleo_grid_n_points(s->grid); i++) {
    GPtrArray *p = paleo_grid_point(s->grid, i);
    printf("%u", i);
    for (guint k = 0; k < p->len; k++)
      printf(" %s", (char *)p->pdata[k]);
    printf("\n");
  }
  return fflush(stdout) == 0 ? PALEO_EXIT_OK : PALEO_EXIT_FAILURE;
}

/* A copy of the arguments with "-j4" as "-j 4" (GOption wants the value apart). */
static char **split_jobs(int argc, char **argv)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < argc; i++) {
    gboolean attached = g_str_has_prefix(argv[i], "-j") && argv[i][2] && g_ascii_isdigit(argv[i][2]);
    g_ptr_array_add(out, g_strdup(attached ? "-j" : argv[i]));
    if (attached)
      g_ptr_array_add(out, g_strdup(argv[i] + 2));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

/* Parses (and removes) the options of `args`. */
static gboolean parse_args(char ***args, Args *a, GError **error)
{
  GOptionEntry entries[] = {
    {"vary", 'v', 0, G_OPTION_ARG_STRING_ARRAY, &a->vary, "an axis: a key and its values, e.g. cluster.workers=8-512 or training.collective=ring,hierarchical (repeatable; Cartesian product)", "KEY=LIST"},
    {"grid", 'g', 0, G_OPTION_ARG_FILENAME_ARRAY, &a->grids, "a grid file: [vary] axes, [zip NAME] axes, [point NAME] points (repeatable)", "FILE"},
    {"set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &a->sets, "override a scenario key for every point (repeatable)", "SECTION.KEY=VALUE"},
    {"hardware", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->hardware, "extra device/link catalog (repeatable)", "FILE"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output, "results: SQLite (default) or .csv", "FILE"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "worker processes (default: every core; under MPI: 1 per rank)", "N"},
    {"no-progress", 0, 0, G_OPTION_ARG_NONE, &a->no_progress, "no progress line on stderr", NULL},
    {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &a->dry_run, "print the points and exit", NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO - run a scenario over a grid of configurations");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx,
    "LIST: comma-separated values; A-B = A, 2A, 4A, ... B; A:B = every integer A..B.\n"
    "Keys: scenario keys (paleosim run --keys) and hardware figures device.KEY, link.KEY,\n"
    "intra_host_link.KEY, ps_link.KEY (peak_gflops, mem_gbps, gbps, latency_us, ...).\n"
    "Rerunning into the same database resumes: finished points are kept.\n"
    "Under MPI (mpirun -n K paleosim sweep ...) the ranks share the points; rank 0 writes.\n");
  if (!g_option_context_parse_strv(ctx, args, error))
    return FALSE;
  if (g_strv_length(*args) != 2)
    return paleo_cli_bad_value(error, "expected one SCENARIO (see 'paleosim sweep --help')");
  if (!a->dry_run && !a->output)
    return paleo_cli_bad_value(error, "-o RESULTS.db (or .csv) is required");
  return paleo_cli_check_jobs(a->jobs, error);
}

static void args_clear(Args *a)
{
  g_strfreev(a->vary);
  g_strfreev(a->grids);
  g_strfreev(a->sets);
  g_strfreev(a->hardware);
  g_free(a->output);
}

/* ---- running ---- */

static int report(Sweep *s, const Args *a, gboolean complete, GError *run_error)
{
  guint n = paleo_grid_n_points(s->grid), done = paleo_sweep_store_n_done(s->store);
  g_autoptr(GError) error = NULL;
  gboolean published = !s->store_error && paleo_sweep_store_finish(s->store, &error);
  if (s->store_error || !published) {
    fprintf(stderr, "paleosim " CMD ": %s (finished rows are kept in %s.partial; rerun to resume)\n",
            (s->store_error ? s->store_error : error)->message, a->output);
    return PALEO_EXIT_FAILURE;
  }
  if (run_error) {
    fprintf(stderr, "paleosim " CMD ": %s\n", run_error->message);
    return PALEO_EXIT_FAILURE;
  }
  if (s->failed)
    fprintf(stderr, "paleosim " CMD ": %u point%s failed (status error in %s)\n", s->failed, s->failed == 1 ? "" : "s",
            a->output);
  if (!complete || done < n) {
    fprintf(stderr, "paleosim " CMD ": interrupted: %u of %u points done; rerun the same command to resume\n", done,
            n);
    return PALEO_EXIT_FAILURE;
  }
  return PALEO_EXIT_OK;
}

/* Rank 0 (or the only process): opens the results, runs, reports. */
static int run_root(Sweep *s, const Args *a, PaleoExec *e, int size)
{
  g_autoptr(GError) error = NULL;
  s->store = open_store(s, a, &error);
  if (!paleo_mpi_broadcast(s->store != NULL)) {
    fprintf(stderr, "paleosim " CMD ": %s\n", error->message);
    return paleo_summary_exit_code(error);
  }
  guint before = paleo_sweep_store_n_done(s->store);
  if (before && !a->no_progress && isatty(STDERR_FILENO))
    fprintf(stderr, "paleosim " CMD ": %u of %u points already in %s\n", before, paleo_grid_n_points(s->grid),
            a->output);
  g_autofree guint *per_rank = g_new0(guint, size);
  e->rank_points = per_rank;
  gboolean complete = paleo_exec_run_mpi(e, 0, size, &error);
  GString *counts = g_string_new(NULL);
  for (int i = 0; i < size; i++)
    g_string_append_printf(counts, "%s%u", i ? "," : "", per_rank[i]);
  g_autofree char *ranks = g_strdup_printf("%d", size);
  if (!s->store_error && paleo_sweep_store_set_meta(s->store, "ranks", ranks, &s->store_error))
    paleo_sweep_store_set_meta(s->store, "points_per_rank", counts->str, &s->store_error);
  g_string_free(counts, TRUE);
  return report(s, a, complete, error);
}

/* Another rank: runs what rank 0 hands out. */
static int run_rank(PaleoExec *e, int rank, int size)
{
  g_autoptr(GError) error = NULL;
  if (!paleo_mpi_broadcast(0))
    return PALEO_EXIT_USAGE; /* rank 0 could not open the results and said why */
  if (paleo_exec_run_mpi(e, rank, size, &error))
    return PALEO_EXIT_OK;
  if (error)
    fprintf(stderr, "paleosim " CMD " (rank %d): %s\n", rank, error->message);
  return PALEO_EXIT_FAILURE;
}

static int sweep_main(Sweep *s, Args *a, const char *scenario, int rank, int size)
{
  g_autoptr(GError) error = NULL;
  if (!paleo_sweep_base_init(&s->base, scenario, a->sets, a->hardware, &error) || !build_grid(s, a, &error))
    return rank == 0 ? paleo_cli_fail(CMD, error) : PALEO_EXIT_USAGE;
  if (a->dry_run)
    return rank == 0 ? dry_run(s) : PALEO_EXIT_OK;
  paleo_summary_catch_stop_signals();
  gint cores = g_get_num_processors();
  PaleoExec e = {
    .base = &s->base, .points = point_source, .points_data = s, .n_points = paleo_grid_n_points(s->grid),
    .skip = point_done_before, .done = point_done, .user_data = s, .label = CMD, .progress = !a->no_progress,
    .jobs = a->jobs ? (guint)a->jobs : size > 1 ? 1 : (guint)MAX(cores, 1),
  };
  return rank == 0 ? run_root(s, a, &e, size) : run_rank(&e, rank, size);
}

int paleo_cmd_sweep(int argc, char **argv)
{
  Args a = {0};
  Sweep s = {0};
  g_autoptr(GError) error = NULL;
  int rank = 0, size = 1, rc;
  g_auto(GStrv) args = split_jobs(argc, argv);
  if (!parse_args(&args, &a, &error) || !paleo_mpi_start(&argc, &argv, &rank, &size, &error))
    rc = paleo_cli_fail(CMD, error);
  else
    rc = sweep_main(&s, &a, args[1], rank, size);
  paleo_mpi_finish();
  sweep_clear(&s);
  args_clear(&a);
  return rc;
}

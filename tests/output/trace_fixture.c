/* Test support for output/ traces (see trace_fixture.h). */
#include "trace_fixture.h"

#include <glib/gstdio.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "output/trace_io.h"

const uint64_t fixture_sorted_task_starts[FIXTURE_TASKS] = {0, 100, 100, 250, 400, 900};

static const PaleoTaskRecord fixture_tasks[FIXTURE_TASKS] = {
  {1, 0, 1, PALEO_PHASE_BWD, 400, 650, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0},
  {0, 0, 0, PALEO_PHASE_FWD, 0, 100, 0, PALEO_STREAM_COMPUTE, 3, 1}, /* task-graph labels */
  {0, 0, 1, PALEO_PHASE_FWD, 100, 250, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0},
  {1, 0, 0, PALEO_PHASE_FWD, 100, 200, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0}, /* same start as the one before: insertion order */
  {0, 0, 1, PALEO_PHASE_BWD, 250, 400, PALEO_TASK_ID_NONE, PALEO_STREAM_COMPUTE, 0, 0},
  {0, 0, UINT32_MAX, PALEO_PHASE_UPDATE, 900, 950, UINT64_MAX - 1, PALEO_STREAM_COMPUTE, 0, 1},
};

gboolean fixture_write(PaleoTraceSink *sink, GError **error)
{
  const PaleoTraceSinkOps *o = sink->ops;
  PaleoRunMeta meta = {"tiny \"two\" workers", "[run]\nworkers = 2\n# ünïcode ✓\n",
                       UINT64_MAX - 6, "0.1.0-test", 1700000000};
  const PaleoEntityRecord entities[] = {
    {0, PALEO_ENTITY_WORKER, 2, 0, "gpu0"}, {1, PALEO_ENTITY_WORKER, 2, 1, "gpu1"},
    {2, PALEO_ENTITY_HOST, -1, -1, "host0"}, {3, PALEO_ENTITY_SWITCH, -1, -1, "tor"},
    {4, PALEO_ENTITY_PS, 2, -1, "ps0"},
  };
  const PaleoLinkRecord links[] = {
    {0, 2, 3, 12.5e9, 1500, "host0->tor"}, {1, 3, 2, 1.0 / 3.0, 0, "tor->host0"},
  };
  const PaleoLayerRecord layers[] = {{0, "conv1/conv", "conv"}, {1, "fc/inner", "fc"}};
  /* slowdowns: nominal, a straggler, one that needs all 17 digits, a fast one */
  const PaleoIterationRecord iterations[] = {
    {0, 0, 0, 950, 120, 1.0}, {1, 0, 100, 650, 300, 2.5},
    {0, 1, 1000, 1900, 0, 4.0 / 3.0}, {1, 1, 1000, 2000, 40, 0.875},
  };
  const PaleoFlowRecord flows[] = {
    {7, 0, 1, 1u << 20, "ring", 0, 0, 250, 500}, {3, 1, 0, 4096, "ps-push", -1, 0, 300, 310},
    {5, 1, 0, UINT64_MAX, "ring", 1, 0, 300, 700},
  };
  const PaleoLinkUsageRecord usage[] = {{0, 250, 300, 1, 0.5}, {0, 300, 500, 2, 1.0}, {1, 300, 700, 1, 0.1}};
  const PaleoPsUpdateRecord updates[] = {{4, 0, 0, 0, 950}, {4, 1, 0, 1, 960}};
  const PaleoCommTaskRecord comm[] = {
    {11, 0, 0, PALEO_TASK_TRANSFER, PALEO_STREAM_P2P, "transfer", -1, 3, 1, PALEO_PHASE_FWD, 1, 4096, UINT64_MAX,
     100, 180},
    {12, 1, 0, PALEO_TASK_COLLECTIVE, PALEO_STREAM_COMM, "ring", 0, 0, 0, PALEO_PHASE_BWD, -1, UINT64_MAX, 7,
     650, 900},
  };
  const PaleoTaskDepRecord deps[] = {{11, 0}, {UINT64_MAX - 1, 12}};
  gboolean ok = o->begin(sink, &meta, error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(entities); i++)
    ok = o->entity(sink, &entities[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(links); i++)
    ok = o->link(sink, &links[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(layers); i++)
    ok = o->layer(sink, &layers[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(iterations); i++)
    ok = o->iteration(sink, &iterations[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(fixture_tasks); i++)
    ok = o->task(sink, &fixture_tasks[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(flows); i++)
    ok = o->flow(sink, &flows[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(usage); i++)
    ok = o->link_usage(sink, &usage[i], error);
  for (size_t i = 0; ok && i < G_N_ELEMENTS(updates); i++)
    ok = o->ps_update(sink, &updates[i], error);
  for (size_t i = 0; ok && o->comm_task && i < G_N_ELEMENTS(comm); i++)
    ok = o->comm_task(sink, &comm[i], error);
  for (size_t i = 0; ok && o->task_dep && i < G_N_ELEMENTS(deps); i++)
    ok = o->task_dep(sink, &deps[i], error);
  return ok;
}

void fixture_write_file(const char *path, const char *status, int compression)
{
  g_autoptr(GError) error = NULL;
  PaleoTraceSink *sink = paleo_trace_sink_open(path, NULL, PALEO_TRACE_LEVEL_ALL, compression, &error);
  if (!sink)
    fail_msg("open %s: %s", path, error->message);
  if (!fixture_write(sink, &error) || !paleo_trace_sink_close(sink, status, &error))
    fail_msg("write %s: %s", path, error->message);
  paleo_trace_sink_free(sink);
}

PaleoTraceMem *fixture_read_file(const char *path)
{
  g_autoptr(GError) error = NULL;
  PaleoTraceMem *mem = paleo_trace_mem_new(PALEO_TRACE_LEVEL_ALL);
  char *status = NULL;
  if (!paleo_trace_replay(path, &mem->base, &status, &error))
    fail_msg("replay %s: %s", path, error->message);
  mem->status = status;
  return mem;
}

char *fixture_tmp_path(const char *name)
{
  const char *tmp = g_getenv("PALEO_TEST_TMP");
  g_autofree char *dir = g_build_filename(tmp ? tmp : g_get_tmp_dir(), "output-trace", NULL);
  g_mkdir_with_parents(dir, 0755);
  char *path = g_build_filename(dir, name, NULL);
  g_unlink(path);
  return path;
}

int fixture_spawn(char **argv, char **stdout_out, char **stderr_out)
{
  g_autoptr(GError) error = NULL;
  int status = -1;
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | (stdout_out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL) |
                      (stderr_out ? 0 : G_SPAWN_STDERR_TO_DEV_NULL);
  if (!g_spawn_sync(NULL, argv, NULL, flags, NULL, NULL, stdout_out, stderr_out, &status, &error))
    fail_msg("spawn %s: %s", argv[0], error->message);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void fixture_sql(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    fail_msg("%s: %s: %s", path, sql, msg);
  sqlite3_close(db);
}

char *fixture_leftover(const char *path)
{
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *prefix = g_strconcat(base, ".", NULL);
  g_autofree char *lock = g_strconcat(base, ".lock", NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *name = d ? g_dir_read_name(d) : NULL; name; name = g_dir_read_name(d))
    if (!strcmp(name, lock) || (g_str_has_prefix(name, prefix) && g_str_has_suffix(name, ".partial")))
      return g_build_filename(dir, name, NULL);
  return NULL;
}

gboolean fixture_have_tool(const char *tool)
{
  g_autofree char *found = g_find_program_in_path(tool);
  return found != NULL;
}

/* paleosim sweep under MPI: `mpirun -n 2` splits the points over two ranks (one worker
 * each) and rank 0 gathers them into one table equal, row for row, to the single-process
 * sweep (all but the wall times). Skipped when the build has no MPI (PALEO_MPIEXEC empty). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cli_result.h"
#include "sweep_support.h"

static const char *const scenario =
  "[scenario]\nname=mpi\n"
  "[workload]\nnet=alex_v2\nbatch=32\n"
  "[cluster]\ndevice=TITAN_X\nworkers=4\nlink=eth25\n"
  "[training]\ncollective=ring\nfidelity=analytical\niterations=10\n";

static void test_two_ranks_equal_one_process(void **state)
{
  (void)state;
  const char *mpiexec = g_getenv("PALEO_MPIEXEC");
  if (!mpiexec || !*mpiexec)
    skip();
  g_autofree char *sc = tmp_file("sweep_mpi.ini", scenario);
  g_autofree char *one = tmp_path("sweep_mpi_one.db");
  g_autofree char *two = tmp_path("sweep_mpi_two.db");
  const char *vary[] = {"--vary", "cluster.workers=2:9", "--vary", "training.collective=ring,tree,ps", "--vary",
                        "training.fidelity=analytical,flow"};
  Result r = run_cli("sweep", sc, vary[0], vary[1], vary[2], vary[3], vary[4], vary[5], "-o", one, NULL);
  if (r.status != 0)
    fail_msg("single process: exit %d: %s", r.status, r.err);
  result_clear(&r);
  /* the ranks are ASan builds in the sanitizer suite: MPI's own allocations are not ours */
  g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  /* containers often forbid the cross-memory attach of OpenMPI's shared-memory transport */
  env = g_environ_setenv(env, "OMPI_MCA_btl_vader_single_copy_mechanism", "none", FALSE);
  char *argv[] = {(char *)mpiexec, "-n", "2", "--oversubscribe", "--allow-run-as-root", (char *)g_getenv("PALEOSIM_BIN"),
                  "sweep", sc, (char *)vary[0], (char *)vary[1], (char *)vary[2], (char *)vary[3], (char *)vary[4],
                  (char *)vary[5], "-j", "1", "-o", two, NULL};
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  assert_true(g_spawn_sync(NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail_msg("mpirun: status %d\nstdout: %s\nstderr: %s", status, out, err);
  char *skip_wall[] = {"wall_s", NULL};
  g_autoptr(GPtrArray) a = table_rows(one, "SELECT * FROM results ORDER BY point", skip_wall);
  g_autoptr(GPtrArray) b = table_rows(two, "SELECT * FROM results ORDER BY point", skip_wall);
  assert_int_equal(a->len, 48);
  assert_int_equal(b->len, a->len);
  for (guint i = 0; i < a->len; i++)
    assert_string_equal(b->pdata[i], a->pdata[i]);
  /* both ranks ran points (the last session's counts, rank 0 first) */
  g_autoptr(GPtrArray) meta = table_rows(two, "SELECT value FROM sweep WHERE key = 'points_per_rank'", NULL);
  guint r0 = 0, r1 = 0;
  assert_int_equal(sscanf(meta->pdata[0], "value=%u,%u|", &r0, &r1), 2);
  assert_true(r0 > 0 && r1 > 0 && r0 + r1 == 48);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_two_ranks_equal_one_process),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

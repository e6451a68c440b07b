/* paleosim-bench-sweep: what a sweep costs beyond its runs. A 1000-point analytical sweep
 * (ResNet-50 on 16 V100, the seed varied so that every point does the same work) runs
 * through `paleosim sweep` in this process (forked workers, SQLite results) at -j 1 and
 * -j 2, and the same 1000 runs run in-process in a loop (scenario loading and
 * paleo_run_scenario, the path a point takes). Printed: points/s, wall and CPU time per
 * point, and the per-point overhead of the sweep (sweep at -j 1 minus the loop), whose goal
 * is under 1 ms. Optional argument: the number of points (default 1000). */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hardware/catalog.h"
#include "sim/commands.h"
#include "sim/run.h"
#include "sim/scenario.h"

static const char *scenario =
  "[workload]\nnet=resnet50\nbatch=64\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=V100\nworkers=16\ngpus_per_host=8\ntopology=hierarchical\nlink=eth100\n"
  "intra_host_link=nvlink2\nlatency_us=5\nintra_host_latency_us=1\n"
  "[training]\ncollective=hierarchical\nfidelity=analytical\niterations=3\n";

/* CPU seconds of this process and its reaped children. */
static double cpu_s(void)
{
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  return self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec +
         (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

typedef struct {
  double wall_s, cpu_s;
} Cost;

/* The runs of the sweep, one after another in this process, as a point makes them. */
static Cost in_process(const char *path, guint n)
{
  g_autofree char *text = NULL;
  g_file_get_contents(path, &text, NULL, NULL);
  g_autoptr(PaleoCatalog) catalog = paleo_catalog_load_default(NULL);
  PaleoRunOptions opt = {.catalog = catalog};
  double c0 = cpu_s();
  gint64 t0 = g_get_monotonic_time();
  for (guint i = 0; i < n; i++) {
    g_autofree char *seed = g_strdup_printf("training.seed=%u", i + 1);
    char *ov[] = {seed, "output.trace=", NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(PaleoScenario) sc = paleo_scenario_load_text(text, path, ov, &error);
    PaleoRunSummary sum;
    if (!sc || !paleo_run_scenario(sc, &opt, &sum, &error)) {
      fprintf(stderr, "in-process run: %s\n", error->message);
      exit(1);
    }
    paleo_run_summary_clear(&sum);
  }
  return (Cost){(g_get_monotonic_time() - t0) / 1e6, cpu_s() - c0};
}

static int sweep_main(int argc, char **argv)
{
  for (const PaleoCommand *c = paleo_commands; c->name; c++)
    if (!strcmp(c->name, "sweep"))
      return c->main(argc, argv);
  return 2;
}

static Cost sweep(const char *path, guint n, const char *jobs, const char *db)
{
  g_autofree char *vary = g_strdup_printf("training.seed=1:%u", n);
  g_autofree char *partial = g_strconcat(db, ".partial", NULL);
  g_unlink(db);
  g_unlink(partial);
  char *argv[] = {"sweep", (char *)path, "--vary", vary, "-j", (char *)jobs, "-o", (char *)db, "--no-progress", NULL};
  double c0 = cpu_s();
  gint64 t0 = g_get_monotonic_time();
  if (sweep_main(G_N_ELEMENTS(argv) - 1, argv) != 0) {
    fprintf(stderr, "sweep -j %s failed\n", jobs);
    exit(1);
  }
  Cost c = {(g_get_monotonic_time() - t0) / 1e6, cpu_s() - c0};
  g_unlink(db);
  return c;
}

int main(int argc, char **argv)
{
  guint n = argc > 1 ? (guint)atoi(argv[1]) : 1000;
  g_autofree char *dir = g_dir_make_tmp("paleosim-bench-sweep-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "bench.ini", NULL);
  g_autofree char *db = g_build_filename(dir, "bench.db", NULL);
  g_file_set_contents(path, scenario, -1, NULL);
  Cost loop = in_process(path, n);
  Cost j1 = sweep(path, n, "1", db);
  Cost j2 = sweep(path, n, "2", db);
  printf("%u analytical points (ResNet-50, 16 x V100, 3 iterations), results in SQLite\n", n);
  printf("in-process runs     %8.1f runs/s    %.3f ms wall  %.3f ms CPU per run\n", n / loop.wall_s,
         1e3 * loop.wall_s / n, 1e3 * loop.cpu_s / n);
  printf("sweep -j 1          %8.1f points/s  %.3f ms wall  %.3f ms CPU per point\n", n / j1.wall_s,
         1e3 * j1.wall_s / n, 1e3 * j1.cpu_s / n);
  printf("sweep -j 2          %8.1f points/s  %.3f ms wall  %.3f ms CPU per point\n", n / j2.wall_s,
         1e3 * j2.wall_s / n, 1e3 * j2.cpu_s / n);
  printf("overhead per point  %.3f ms wall  %.3f ms CPU (sweep -j 1 minus in-process; goal < 1 ms)\n",
         1e3 * (j1.wall_s - loop.wall_s) / n, 1e3 * (j1.cpu_s - loop.cpu_s) / n);
  g_rmdir(dir);
  return 0;
}

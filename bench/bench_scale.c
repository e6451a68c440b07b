/* paleosim-bench-scale: issue 15's flow-fidelity targets. Each case runs `paleosim run` in
 * a child process, so its CPU time (user + sys) and peak resident memory are its own.
 * (a) one ring all-reduce of ResNet-50's gradients (102 MB) over 4096 workers on a
 *     fat-tree, one GPU per host (target <= 5 s, <= 500 MB);
 * (b) the same over 16384 workers (target <= 60 s);
 * (c) ResNet-50 sync data parallelism, ring, 1024 workers, 10 iterations (target <= 10 s);
 * (d) async-ps, 1024 workers on 32 dedicated servers, 3 iterations, exact solver
 *     (target <= 30 s);
 * (e) trace overhead: `default` with 1024 workers, 10 iterations, untraced, then traced at
 *     level all to SQLite (target <= 1.5x) and HDF5 (target <= 1.3x).
 * Optional arguments: the letters of the cases to run (default: all). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "sim/run.h"
#include "sim/scenario.h"

#define RING_SETS "training.collective=ring", "cluster.gpus_per_host=1", "training.iterations=1", \
                  "training.overlap=false", "cluster.topology=fat-tree"

static const char *async_ini =
  "[workload]\nnet=resnet50\nbatch=64\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=V100\nworkers=1024\ntopology=fat-tree\nradix=32\nlink=eth100\nlatency_us=5\n"
  "ps_count=32\nps_placement=dedicated\n"
  "[training]\nstrategy=async-ps\nfidelity=flow\niterations=3\n"
  "[stragglers]\nnoise=lognormal\nnoise_sigma=0.2\n";

typedef struct {
  double cpu_s, peak_mib;
  gboolean ok;
} Measure;

/* In the child: loads and runs, prints the run's own figures; exit status 0 on success. */
static int run_child(const char *label, const char *ini, char **overrides)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoScenario) s = NULL;
  if (ini)
    s = paleo_scenario_load_data(ini, label, overrides, &error);
  else {
    g_autofree char *path = paleo_scenario_resolve_path("default");
    s = paleo_scenario_load(path, overrides, &error);
  }
  PaleoRunSummary sum;
  if (!s || !paleo_run_scenario(s, NULL, &sum, &error)) {
    fprintf(stderr, "%s: %s\n", label, error->message);
    return 1;
  }
  printf("%-44s %6u workers  %10" G_GUINT64_FORMAT " events  %11" G_GUINT64_FORMAT " flows  iteration %.3f ms  run "
         "wall %.2f s\n",
         label, sum.workers, sum.events, sum.flows, sum.iteration_mean_ms, sum.wall_s);
  paleo_run_summary_clear(&sum);
  return 0;
}

/* Runs one case in a child and measures it. */
static Measure measure(const char *label, const char *ini, char **overrides)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int rc = run_child(label, ini, overrides);
    fflush(stdout);
    _exit(rc);
  }
  Measure m = {0};
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
    return m;
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  m.cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
  m.peak_mib = ru.ru_maxrss / 1024.0;
  return m;
}

/* One case against its targets (max_mib 0: no memory target). */
static int check(const char *label, const char *ini, char **overrides, double max_s, double max_mib)
{
  Measure m = measure(label, ini, overrides);
  if (!m.ok) {
    printf("%-44s FAILED\n", label);
    return 1;
  }
  gboolean pass = m.cpu_s <= max_s && (max_mib <= 0 || m.peak_mib <= max_mib);
  printf("%-44s CPU %8.2f s (target <= %.0f s)  peak %8.1f MiB", label, m.cpu_s, max_s, m.peak_mib);
  if (max_mib > 0)
    printf(" (target <= %.0f MB = %.0f MiB)", max_mib * 1.048576, max_mib);
  printf("  %s\n", pass ? "MET" : "NOT MET");
  return 0;
}

/* Untraced, then traced at level all to SQLite and HDF5: the CPU time ratios. */
static int trace_overhead(void)
{
  char *base[] = {"cluster.workers=1024", "training.iterations=10", NULL};
  Measure plain = measure("(e) untraced", NULL, base);
  if (!plain.ok)
    return 1;
  printf("%-44s CPU %8.2f s  peak %8.1f MiB\n", "(e) untraced", plain.cpu_s, plain.peak_mib);
  const char *ext[] = {"db", "h5"};
  const double target[] = {1.5, 1.3};
  int rc = 0;
  for (guint i = 0; i < 2; i++) {
    g_autofree char *path = g_strdup_printf("%s/paleosim-bench-scale-%d.%s", g_get_tmp_dir(), (int)getpid(), ext[i]);
    g_autofree char *trace = g_strdup_printf("output.trace=%s", path);
    char *sets[] = {base[0], base[1], trace, "output.trace_level=all", NULL};
    g_autofree char *label = g_strdup_printf("(e) traced, level all, .%s", ext[i]);
    Measure m = measure(label, NULL, sets);
    g_remove(path);
    if (!m.ok) {
      rc = 1;
      continue;
    }
    double ratio = m.cpu_s / plain.cpu_s;
    printf("%-44s CPU %8.2f s  peak %8.1f MiB  %.2fx untraced (target <= %.1fx)  %s\n", label, m.cpu_s, m.peak_mib,
           ratio, target[i], ratio <= target[i] ? "MET" : "NOT MET");
  }
  return rc;
}

static gboolean wanted(int argc, char **argv, const char *letter)
{
  if (argc < 2)
    return TRUE;
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], letter))
      return TRUE;
  return FALSE;
}

int main(int argc, char **argv)
{
  int rc = 0;
  printf("paleosim-bench-scale: CPU = user + sys of the whole child process, peak = its max RSS\n");
  if (wanted(argc, argv, "a"))
    rc |= check("(a) ring all-reduce, 4096 workers, fat-tree", NULL, (char *[]){RING_SETS, "cluster.workers=4096", NULL},
                5, 500 / 1.048576);
  if (wanted(argc, argv, "b"))
    rc |= check("(b) ring all-reduce, 16384 workers, fat-tree", NULL,
                (char *[]){RING_SETS, "cluster.workers=16384", NULL}, 60, 0);
  if (wanted(argc, argv, "c"))
    rc |= check("(c) ResNet-50 sync ring, 1024 workers, 10 it", NULL,
                (char *[]){"cluster.workers=1024", "training.collective=ring", "training.iterations=10", NULL}, 10, 0);
  if (wanted(argc, argv, "d"))
    rc |= check("(d) async-ps 1024 x 32 servers, 3 it, exact", async_ini, NULL, 30, 0);
  if (wanted(argc, argv, "e"))
    rc |= trace_overhead();
  return rc;
}

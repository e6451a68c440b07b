/* paleosim-bench-run: wall time and events/s of `paleosim run` at scale.
 * (a) 1024 workers = 128 hosts x 8 GPUs, ResNet-50, hierarchical all-reduce on a fat-tree,
 *     flow fidelity, 10 iterations, no trace (target < 30 s);
 * (b) 16384 workers, analytical fidelity (target < 20 s);
 * (c) 256 workers, async-ps with 8 dedicated servers on a fat-tree, lognormal compute
 *     noise, flow fidelity, 10 updates per worker on average;
 * (d) 1024 workers, ssp (bound 2) with the same noise, analytical fidelity;
 * (e) configs/scenarios/gpt3_175b.ini: GPT-3 175B on 1536 A100, TP 8 x PP 12 x DP 16,
 *     96 micro-batches over 4 interleaved chunks, analytical fidelity, 3 iterations (target < 5 s);
 * (f) the same in flow fidelity, 1 iteration (target < 120 s).
 * Optional argument: "a" to "f" to run one. */
#include <stdio.h>
#include <string.h>

#include "sim/run.h"
#include "sim/scenario.h"

static const char *case_a =
  "[workload]\nnet=resnet50\nbatch=64\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=V100\nworkers=1024\ngpus_per_host=8\ntopology=hierarchical\nfabric=fat-tree\nradix=32\n"
  "link=eth100\nintra_host_link=nvlink2\nlatency_us=5\nintra_host_latency_us=1\n"
  "[training]\ncollective=hierarchical\nfidelity=flow\noverlap=true\nbucket_mb=25\niterations=10\n";

static const char *case_b =
  "[workload]\nnet=resnet50\nbatch=64\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=V100\nworkers=16384\ngpus_per_host=8\ntopology=hierarchical\n"
  "link=eth100\nintra_host_link=nvlink2\nlatency_us=5\nintra_host_latency_us=1\n"
  "[training]\ncollective=hierarchical\nfidelity=analytical\noverlap=true\nbucket_mb=25\niterations=10\n";

static const char *case_c =
  "[workload]\nnet=resnet50\nbatch=64\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=V100\nworkers=256\ntopology=fat-tree\nradix=32\nlink=eth100\nlatency_us=5\n"
  "ps_count=8\nps_placement=dedicated\n"
  "[training]\nstrategy=async-ps\nfidelity=flow\niterations=10\n"
  "[stragglers]\nnoise=lognormal\nnoise_sigma=0.2\n";

static const char *case_d =
  "[workload]\nnet=resnet50\nbatch=64\nppp_comp=0.62\nppp_comm=0.72\n"
  "[cluster]\ndevice=V100\nworkers=1024\nlink=eth100\nps_count=32\nps_placement=dedicated\n"
  "[training]\nstrategy=ssp\nssp_bound=2\nfidelity=analytical\niterations=10\n"
  "[stragglers]\nnoise=lognormal\nnoise_sigma=0.2\n";

static int bench_scenario(const char *label, PaleoScenario *s, GError *error, double target_s);

static int bench(const char *label, const char *text, double target_s)
{
  GError *error = NULL;
  PaleoScenario *s = paleo_scenario_load_data(text, label, NULL, &error);
  return bench_scenario(label, s, error, target_s);
}

/* A shipped scenario with overrides. */
static int bench_shipped(const char *label, const char *name, char **overrides, double target_s)
{
  GError *error = NULL;
  g_autofree char *path = paleo_scenario_resolve_path(name);
  PaleoScenario *s = paleo_scenario_load(path, overrides, &error);
  return bench_scenario(label, s, error, target_s);
}

/* Takes `s` and `error`. */
static int bench_scenario(const char *label, PaleoScenario *scenario, GError *load_error, double target_s)
{
  g_autoptr(GError) error = load_error;
  g_autoptr(PaleoScenario) s = scenario;
  PaleoRunSummary sum;
  if (!s || !paleo_run_scenario(s, NULL, &sum, &error)) {
    fprintf(stderr, "%s: %s\n", label, error->message);
    return 1;
  }
  printf("%-34s %6u workers  %2u iterations  wall %7.2f s (target < %.0f s)  %10" G_GUINT64_FORMAT
         " events  %9.0f events/s  %9" G_GUINT64_FORMAT " flows  iteration %.2f ms  speed-up %.0f\n",
         label, sum.workers, sum.iterations, sum.wall_s, target_s, sum.events, sum.events / sum.wall_s, sum.flows,
         sum.iteration_mean_ms, sum.speedup);
  paleo_run_summary_clear(&sum);
  return 0;
}

int main(int argc, char **argv)
{
  int rc = 0;
  if (argc < 2 || !strcmp(argv[1], "a"))
    rc |= bench("(a) flow, hierarchical, fat-tree", case_a, 30);
  if (argc < 2 || !strcmp(argv[1], "b"))
    rc |= bench("(b) analytical", case_b, 20);
  if (argc < 2 || !strcmp(argv[1], "c"))
    rc |= bench("(c) async-ps, flow, 8 servers", case_c, 30);
  if (argc < 2 || !strcmp(argv[1], "d"))
    rc |= bench("(d) ssp 2, analytical", case_d, 20);
  if (argc < 2 || !strcmp(argv[1], "e"))
    rc |= bench_shipped("(e) GPT-3 175B, analytical", "gpt3_175b", NULL, 5);
  if (argc < 2 || !strcmp(argv[1], "f"))
    rc |= bench_shipped("(f) GPT-3 175B, flow", "gpt3_175b",
                        (char *[]){"training.fidelity=flow", "training.iterations=1", NULL}, 120);
  return rc;
}

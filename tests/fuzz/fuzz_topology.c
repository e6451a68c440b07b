/* libFuzzer target: a topology file (`cluster.topology = file`). The file is parsed and
 * checked; when it holds 1 to 16 workers, one training iteration runs on it with every
 * message a flow (routes, link latencies and bandwidth sharing), as `paleosim run` would. */
#include <stdint.h>

#include "fuzz_common.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "topology/topofile.h"
#include "topology/topology.h"

static void run_on(const char *path, uint32_t workers, gboolean tree)
{
  g_autofree char *text = g_strdup_printf(
    "[workload]\nnet=alex_v2\nbatch=8\n[cluster]\ndevice=TITAN_X\nworkers=%u\ntopology=file\n"
    "topology_file=%s\n[training]\ncollective=%s\niterations=1\nfidelity=flow\n",
    workers, path, tree ? "tree" : "ring");
  g_autoptr(PaleoScenario) sc = paleo_scenario_load_data(text, "topology-fuzz.ini", NULL, NULL);
  if (!sc)
    return;
  PaleoRunOptions options = {.progress = FALSE};
  PaleoRunSummary summary;
  g_autoptr(GError) error = NULL;
  paleo_run_scenario(sc, &options, &summary, &error);
  paleo_run_summary_clear(&summary);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_init();
  g_autofree char *path = fuzz_write("cluster.topo", data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PaleoTopology) topo = paleo_topology_new();
  if (!paleo_topology_file_load(topo, path, &error) || !paleo_topology_finalize(topo, &error))
    return 0;
  uint32_t workers = paleo_topology_n_workers(topo);
  if (workers >= 1 && workers <= 16)
    run_on(path, workers, size % 2);
  return 0;
}

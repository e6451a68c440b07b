/* The table of subcommands: one line per command, implemented in sim/cmd_<name>.c. */
#include "sim/commands.h"

#include <stddef.h>

int paleo_cmd_list(int argc, char **argv);
int paleo_cmd_predict(int argc, char **argv);
int paleo_cmd_run(int argc, char **argv);
int paleo_cmd_compare(int argc, char **argv);
int paleo_cmd_convert(int argc, char **argv);
int paleo_cmd_analyze(int argc, char **argv);
int paleo_cmd_timeline(int argc, char **argv);
int paleo_cmd_export(int argc, char **argv);
int paleo_cmd_kernel(int argc, char **argv);
int paleo_cmd_calibrate(int argc, char **argv);
int paleo_cmd_sweep(int argc, char **argv);
int paleo_cmd_sensitivity(int argc, char **argv);
int paleo_cmd_optimize(int argc, char **argv);
int paleo_cmd_net(int argc, char **argv);
int paleo_cmd_memory(int argc, char **argv);

const PaleoCommand paleo_commands[] = {
  {"predict", "PALEO analytical prediction: per-layer table or data-parallel scaling", paleo_cmd_predict},
  {"run", "simulate data-parallel training of a scenario (sync, async-ps, ssp, backup; configs/scenarios)", paleo_cmd_run},
  {"compare", "run one scenario under several strategies (sync, async-ps, ssp:S, backup:B) side by side", paleo_cmd_compare},
  {"kernel", "predict measured GEMM/convolution kernels (DeepBench CSV) or layers with a cost model", paleo_cmd_kernel},
  {"calibrate", "fit the refined model's constants to measured kernel or layer times (writes a profile)", paleo_cmd_calibrate},
  {"sweep", "run a scenario over a grid of configurations (local cores or MPI) into one results table", paleo_cmd_sweep},
  {"sensitivity", "how much a prediction moves when its inputs are off: tornado table, elasticities, Monte Carlo band", paleo_cmd_sensitivity},
  {"optimize", "search a design space: score in analytical fidelity, prune, re-check the best in flow fidelity", paleo_cmd_optimize},
  {"memory", "memory per device of a scenario's configuration: weights, gradients, optimizer, activations, workspace", paleo_cmd_memory},
  {"net", "write a net file from a generator: net transformer --layers L --hidden H --heads A ... -o FILE.json", paleo_cmd_net},
  {"list", "list shipped devices, links, nets, scenarios, cost models and the registries", paleo_cmd_list},
  {"convert", "convert a trace between SQLite (.db) and HDF5 (.h5), losslessly", paleo_cmd_convert},
  {"analyze", "stragglers, compute/communication overlap and link contention of a trace", paleo_cmd_analyze},
  {"timeline", "draw a trace as a timeline (PNG, SVG or PDF)", paleo_cmd_timeline},
  {"export", "export a trace as Chrome trace-event JSON (Perfetto, chrome://tracing)", paleo_cmd_export},
  {NULL, NULL, NULL},
};

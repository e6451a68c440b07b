/* The table of subcommands: one line per command, implemented in sim/cmd_<name>.c. */
#include "sim/commands.h"

#include <stddef.h>

int paleo_cmd_list(int argc, char **argv);
int paleo_cmd_predict(int argc, char **argv);
int paleo_cmd_convert(int argc, char **argv);

const PaleoCommand paleo_commands[] = {
  {"predict", "PALEO analytical prediction: per-layer table or data-parallel scaling", paleo_cmd_predict},
  {"list", "list shipped devices, links, nets, cost models", paleo_cmd_list},
  {"convert", "convert a trace between SQLite (.db) and HDF5 (.h5), losslessly", paleo_cmd_convert},
  {NULL, NULL, NULL},
};

/* libFuzzer target: an HDF5 trace file, byte for byte (what `paleosim analyze`, `timeline`,
 * `export` and `convert` read), fed to every one of those tools. Seeds: small traces
 * written by paleosim. */
#include <stdint.h>

#include "fuzz_common.h"
#include "fuzz_trace_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_init();
  g_autofree char *path = fuzz_write("trace.h5", data, size);
  fuzz_trace_tools(path, "converted.db");
  return 0;
}

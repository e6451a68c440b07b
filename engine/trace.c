/* Names of the trace record enums (see trace.h), shared by producers and every reader. */
#include "engine/trace.h"

const char *const paleo_phase_names[] = {"fwd", "bwd", "update", NULL};
const char *const paleo_stream_kind_names[] = {"compute", "comm", "p2p", NULL};
const char *const paleo_task_kind_names[] = {"compute", "transfer", "collective", NULL};

/* Shared by the libFuzzer targets of tests/fuzz: a private temporary directory (every file a
 * target writes goes there; it is removed at exit), writing an input to a file in it, and
 * the one-time set-up (GLib criticals fatal, so that a g_return_if_fail reached from input
 * is a finding like a crash). */
#ifndef PALEO_FUZZ_COMMON_H
#define PALEO_FUZZ_COMMON_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/* Call first in every LLVMFuzzerTestOneInput (idempotent). */
void fuzz_init(void);
/* "<private tmp dir>/<name>" (newly allocated). */
char *fuzz_path(const char *name);
/* Writes the bytes to <tmp>/<name>; returns the path (newly allocated). */
char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* The input as a NUL-terminated string (embedded NULs kept; newly allocated). */
char *fuzz_text(const uint8_t *data, size_t size);

#endif

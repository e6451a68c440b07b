/* Helpers for the network-loader tests: write a small JSON net to $PALEO_TEST_TMP and load
 * it, find layers by name. */
#ifndef PALEO_NET_TEST_UTIL_H
#define PALEO_NET_TEST_UTIL_H

#include "workloads/net.h"

/* Writes `json` (single quotes stand for double quotes) to $PALEO_TEST_TMP/<file>;
 * returns the path (caller frees). */
char *net_test_write(const char *file, const char *json);
/* net_test_write + paleo_net_load. */
PaleoNet *net_test_load(const char *file, const char *json, int64_t batch, GError **error);
/* The layer named `name`; fails the test when absent. */
const PaleoLayer *net_test_layer(const PaleoNet *net, const char *name);
/* Index of the layer named `name`, or -1. */
int net_test_index(const PaleoNet *net, const char *name);

#endif

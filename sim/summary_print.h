/* What `paleosim run` and `paleosim compare` share: a run summary as the text table or as
 * JSON members, the strategy's label ("ssp:3"), stop signals, and the exit code of a
 * failed run. */
#ifndef PALEO_SUMMARY_PRINT_H
#define PALEO_SUMMARY_PRINT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "sim/run.h"
#include "sim/scenario.h"

/* Per-worker rows the table lists in full up to this many workers; beyond, only the
 * workers that differ from the rest. */
#define PALEO_SUMMARY_ALL_WORKERS_MAX 16

/* The scenario's strategy as `compare --strategies` spells it: "sync", "async-ps",
 * "ssp:S", "backup:B". Owned by the caller. */
char *paleo_summary_strategy_label(const PaleoScenario *scenario);

/* The `run` table: scenario line, iterations, time split, updates, staleness, dropped
 * gradients, stall, per-worker block, busiest links. */
void paleo_summary_print_table(FILE *out, const PaleoScenario *scenario, const PaleoRunSummary *summary);

/* Adds the `run --format json` members to the object `builder` is inside. */
void paleo_summary_add_json(JsonBuilder *builder, const PaleoScenario *scenario,
                            const PaleoRunSummary *summary);

/* Adds the members of the memory object (GiB per device, the fullest stage's): weights,
 * gradients, optimizer, activations, workspace, total, capacity and fits (null when the
 * catalog gives no mem_gib), stage, params_per_device, micro_batches_in_flight. `run`'s
 * "memory" and `paleosim memory --format json` print the same members. */
void paleo_summary_add_memory(JsonBuilder *builder, const PaleoMemory *memory);

/* The `run --format json` object (owned; json_object_unref). */
JsonObject *paleo_summary_json(const PaleoScenario *scenario, const PaleoRunSummary *summary);

/* A flat result row (result_row.h) of a run with every optional member present (staleness,
 * stall time): its members are the columns of any run's row, in order, with their types. */
JsonObject *paleo_summary_prototype_row(const PaleoScenario *scenario);

/* Adds "config": {"section.key": value, ...}: every scenario key after overrides, typed
 * (integers as integers, numbers, booleans, strings). */
void paleo_summary_add_config(JsonBuilder *builder, const PaleoScenario *scenario);
/* Adds one key's value, typed as in "config". */
void paleo_summary_add_value(JsonBuilder *builder, const PaleoScenarioValue *value);

/* Writes the builder's root, pretty, with a newline. */
void paleo_summary_write_json(FILE *out, JsonBuilder *builder);

/* SIGINT/SIGTERM stop the run in progress, or in set-up, and every later one
 * (paleo_run_request_stop; paleo_run_stop_requested tells whether one came): within a
 * second, since set-up or an event that takes longer is abandoned (paleo_cli_fatal_signal),
 * as it is on a second signal. */
void paleo_summary_catch_stop_signals(void);

/* Exit code for a failed run: 2 for bad input (scenario, trace format), else 1. */
int paleo_summary_exit_code(const GError *error);

#endif

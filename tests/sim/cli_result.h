/* Test support for tests/sim: run the built paleosim (PALEOSIM_BIN) and keep its exit code
 * and output; expect a scenario to fail with a PALEO_SCENARIO_ERROR. */
#ifndef PALEO_TEST_CLI_RESULT_H
#define PALEO_TEST_CLI_RESULT_H

typedef struct {
  int status; /* exit code; 128 + the signal when killed */
  char *out;
  char *err;
} Result;

/* Runs paleosim with the NULL-terminated arguments (fails the test if it cannot start). */
Result run_cli(const char *first, ...);
/* The same behind the NULL-terminated words `prefix` (searched in PATH), e.g. {"sh", "-c",
 * "ulimit -f 2 && exec \"$0\" \"$@\"", NULL}: the paleosim binary becomes "$0". */
Result run_cli_under(const char *const *prefix, const char *first, ...);
void result_clear(Result *r);

/* Loads the INI text `ini` with the NULL-terminated overrides and runs it, expecting a
 * PALEO_SCENARIO_ERROR whose message holds both `key` and `words`. */
void expect_run_error(const char *ini, char **overrides, const char *key, const char *words);

#endif

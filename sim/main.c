/* paleosim: entry point; dispatches to the subcommand named by argv[1], and turns a failed
 * write to standard output into a failure (exit 1) whatever the command. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "paleo_config.h"
#include "sim/cli_common.h"
#include "sim/commands.h"

static void usage(FILE *out)
{
  fprintf(out, "usage: paleosim COMMAND [ARGS...]\n\ncommands:\n");
  for (const PaleoCommand *c = paleo_commands; c->name; c++)
    fprintf(out, "  %-12s %s\n", c->name, c->summary);
  fprintf(out, "\n'paleosim COMMAND --help' describes a command.\n");
}

/* A command succeeded only if all it wrote reached stdout (a full disk, a closed file):
 * otherwise exit 1 with the system's reason. */
static int check_stdout(const char *command, int rc)
{
  errno = 0;
  if (fflush(stdout) == 0 && !ferror(stdout))
    return rc;
  int err = errno;
  if (rc != PALEO_EXIT_OK)
    return rc; /* the command already failed and said why */
  fprintf(stderr, "paleosim %s: cannot write output: %s\n", command,
          err ? g_strerror(err) : "write error on standard output");
  return PALEO_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
  /* A file-size limit (ulimit -f) makes write() fail with EFBIG, which takes the normal
   * error path (message, partial output removed) instead of killing the process. */
  signal(SIGXFSZ, SIG_IGN);
  paleo_cli_catch_fatal_signals();
  if (argc < 2) {
    usage(stderr);
    return PALEO_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return check_stdout("help", PALEO_EXIT_OK);
  }
  if (!strcmp(argv[1], "--version")) {
    printf("paleosim %s\n", PALEO_VERSION);
    return check_stdout("--version", PALEO_EXIT_OK);
  }
  for (const PaleoCommand *c = paleo_commands; c->name; c++)
    if (!strcmp(argv[1], c->name))
      return check_stdout(c->name, c->main(argc - 1, argv + 1));
  fprintf(stderr, "paleosim: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return PALEO_EXIT_USAGE;
}

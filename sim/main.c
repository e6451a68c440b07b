/* paleosim: entry point; dispatches to the subcommand named by argv[1]. */
#include <stdio.h>
#include <string.h>

#include "paleo_config.h"
#include "sim/commands.h"

static void usage(FILE *out)
{
  fprintf(out, "usage: paleosim COMMAND [ARGS...]\n\ncommands:\n");
  for (const PaleoCommand *c = paleo_commands; c->name; c++)
    fprintf(out, "  %-12s %s\n", c->name, c->summary);
  fprintf(out, "\n'paleosim COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("paleosim %s\n", PALEO_VERSION);
    return 0;
  }
  for (const PaleoCommand *c = paleo_commands; c->name; c++)
    if (!strcmp(argv[1], c->name))
      return c->main(argc - 1, argv + 1);
  fprintf(stderr, "paleosim: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}

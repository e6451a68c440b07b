/* The paleosim subcommands. Each takes argv after the command name (argv[0] is the
 * command) and returns the process exit code: 0 ok, 1 runtime failure, 2 bad input. */
#ifndef PALEO_COMMANDS_H
#define PALEO_COMMANDS_H

typedef struct {
  const char *name;
  const char *summary;
  int (*main)(int argc, char **argv);
} PaleoCommand;

/* NULL-terminated table, defined in commands.c. */
extern const PaleoCommand paleo_commands[];

#endif

/* cmd_completion.h - `elcui completion bash|zsh`: shell completion scripts
 * for the subcommands and their options, written from the CLI's own
 * tables (cli_commands, cli_global_options, each command's options), so
 * they cannot drift from what the parsers accept. `make completions`
 * writes them; `make install` installs them. */
#ifndef ELCUI_TUI_CMD_COMPLETION_H
#define ELCUI_TUI_CMD_COMPLETION_H

#include <getopt.h>

#include "tui/cli.h"

/* The long options of a subcommand, or NULL when it has no table here. */
const struct option *cmd_completion_options(const char *command);
int cmd_completion_run(struct session_options *opts, int argc, char **argv);

#endif

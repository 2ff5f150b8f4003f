/* cmd_completion.h - `elcui completion bash|zsh`: shell completion scripts
 * for the subcommands and their options, written from the CLI's own
 * tables (cli_commands, cli_global_options, each command's options), so
 * they cannot drift from what the parsers accept. `make completions`
 * writes them; `make install` installs them. */
#ifndef ELCUI_TUI_CMD_COMPLETION_H
#define ELCUI_TUI_CMD_COMPLETION_H

#include <getopt.h>

#include "tui/cli.h"

/* Its own options (getopt_long). */
extern const struct option cmd_completion_own_options[];
#define CMD_COMPLETION_SHORTOPTS "h"

int cmd_completion_run(struct session_options *opts, int argc, char **argv);

#endif

/* cmd_completion.h - `elcui completion bash|zsh`: shell completion scripts
 * for the subcommands and their options, written from the CLI's own
 * tables (cli_commands, cli_global_options, each command's options), so
 * they cannot drift from what the parsers accept. `make completions`
 * writes them; `make install` installs them. */
#ifndef ELCUI_TUI_CMD_COMPLETION_H
#define ELCUI_TUI_CMD_COMPLETION_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_completion_entry;

#endif

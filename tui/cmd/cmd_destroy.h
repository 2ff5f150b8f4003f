/* cmd_destroy.h - `elcui destroy NAME`: remove a stack elcui created, in
 * reverse order, only what is tagged for it (core/stack/stack_plan destroy mode,
 * core/stack/stack_apply). */
#ifndef ELCUI_TUI_CMD_DESTROY_H
#define ELCUI_TUI_CMD_DESTROY_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_destroy_entry;

#endif

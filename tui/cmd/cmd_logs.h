/* cmd_logs.h - `elcui logs RG`: slow-log and engine-log records, exactly
 * once, optionally followed (core/logs/tail.h over core/logs/tailsrc.h). */
#ifndef ELCUI_TUI_CMD_LOGS_H
#define ELCUI_TUI_CMD_LOGS_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_logs_entry;

#endif

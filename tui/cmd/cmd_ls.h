/* cmd_ls.h - `elcui ls`: the replication groups of the region, one line each
 * (core/model/inventory.h listing). */
#ifndef ELCUI_TUI_CMD_LS_H
#define ELCUI_TUI_CMD_LS_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_ls_entry;

#endif

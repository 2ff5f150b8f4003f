/* cmd_snapshot.h - `elcui snapshot RG`: an incident snapshot of a group
 * (core/snapshot.h) written to files, and where. */
#ifndef ELCUI_TUI_CMD_SNAPSHOT_H
#define ELCUI_TUI_CMD_SNAPSHOT_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_snapshot_entry;

#endif

/* cmd_show.h - `elcui show RG`: everything the API says about one group,
 * its nodes, the placement matrix and its risk flags (core/model/inventory.h,
 * core/model/placement.h). */
#ifndef ELCUI_TUI_CMD_SHOW_H
#define ELCUI_TUI_CMD_SHOW_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_show_entry;

#endif

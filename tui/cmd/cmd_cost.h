/* cmd_cost.h - `elcui cost RG | --spec FILE`: monthly estimate of a live
 * group or of a stack before apply (core/stack/cost.h). */
#ifndef ELCUI_TUI_CMD_COST_H
#define ELCUI_TUI_CMD_COST_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_cost_entry;

#endif

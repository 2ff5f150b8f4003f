/* cmd_events.h - `elcui events RG`: ElastiCache events of a group and its
 * member clusters over a window (core/model/events.h). */
#ifndef ELCUI_TUI_CMD_EVENTS_H
#define ELCUI_TUI_CMD_EVENTS_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_events_entry;

#endif

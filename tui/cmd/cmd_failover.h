/* cmd_failover.h - `elcui failover RG --shard ID [--yes]`: TestFailover
 * with confirmation (refused under --read-only), then the group's events
 * followed until the failover completed or the wait ran out. */
#ifndef ELCUI_TUI_CMD_FAILOVER_H
#define ELCUI_TUI_CMD_FAILOVER_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_failover_entry;

#endif

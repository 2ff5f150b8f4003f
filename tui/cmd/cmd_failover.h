/* cmd_failover.h - `elcui failover RG --shard ID [--yes]`: TestFailover
 * with confirmation (refused under --read-only), then the group's events
 * followed until the failover completed or the wait ran out. */
#ifndef ELCUI_TUI_CMD_FAILOVER_H
#define ELCUI_TUI_CMD_FAILOVER_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_failover_options[];
#define CMD_FAILOVER_SHORTOPTS "h"

int cmd_failover_run(struct session_options *opts, int argc, char **argv);

#endif

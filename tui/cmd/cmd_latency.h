/* cmd_latency.h - `elcui latency RG [--node ID|--all] [--interval S]
 * [--history] [--count N]`: per-node latency probe with wall-clock stamps
 * (core/redis/latency.h over core/redis/console.h). */
#ifndef ELCUI_TUI_CMD_LATENCY_H
#define ELCUI_TUI_CMD_LATENCY_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_latency_options[];
#define CMD_LATENCY_SHORTOPTS "h"

int cmd_latency_run(struct session_options *opts, int argc, char **argv);

#endif

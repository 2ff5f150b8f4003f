/* cmd_snapshot.h - `elcui snapshot RG`: an incident snapshot of a group
 * (core/snapshot.h) written to files, and where. */
#ifndef ELCUI_TUI_CMD_SNAPSHOT_H
#define ELCUI_TUI_CMD_SNAPSHOT_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_snapshot_options[];
#define CMD_SNAPSHOT_SHORTOPTS "h"

int cmd_snapshot_run(struct session_options *opts, int argc, char **argv);

#endif

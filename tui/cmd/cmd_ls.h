/* cmd_ls.h - `elcui ls`: the replication groups of the region, one line each
 * (core/model/inventory.h listing). */
#ifndef ELCUI_TUI_CMD_LS_H
#define ELCUI_TUI_CMD_LS_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_ls_options[];
#define CMD_LS_SHORTOPTS "h"

int cmd_ls_run(struct session_options *opts, int argc, char **argv);

#endif

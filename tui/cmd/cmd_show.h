/* cmd_show.h - `elcui show RG`: everything the API says about one group,
 * its nodes, the placement matrix and its risk flags (core/model/inventory.h,
 * core/model/placement.h). */
#ifndef ELCUI_TUI_CMD_SHOW_H
#define ELCUI_TUI_CMD_SHOW_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_show_options[];
#define CMD_SHOW_SHORTOPTS "h"

int cmd_show_run(struct session_options *opts, int argc, char **argv);

#endif

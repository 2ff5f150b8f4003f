/* cmd_whoami.h - `elcui whoami`: who the AWS calls run as (GetCallerIdentity),
 * with the region, profile, credential source and overridden endpoints. */
#ifndef ELCUI_TUI_CMD_WHOAMI_H
#define ELCUI_TUI_CMD_WHOAMI_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_whoami_options[];
#define CMD_WHOAMI_SHORTOPTS "h"

int cmd_whoami_run(struct session_options *opts, int argc, char **argv);

#endif

/* cmd_whoami.h - `elcui whoami`: who the AWS calls run as (GetCallerIdentity),
 * with the region, profile, credential source and overridden endpoints. */
#ifndef ELCUI_TUI_CMD_WHOAMI_H
#define ELCUI_TUI_CMD_WHOAMI_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_whoami_entry;

#endif

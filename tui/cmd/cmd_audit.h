/* cmd_audit.h - `elcui audit RG | --spec FILE`: the audit rules of
 * core/stack/audit.h over a live group and its surroundings, or over a spec
 * before apply. */
#ifndef ELCUI_TUI_CMD_AUDIT_H
#define ELCUI_TUI_CMD_AUDIT_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_audit_entry;

#endif

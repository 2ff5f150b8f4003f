/* cmd_audit.h - `elcui audit RG | --spec FILE`: the audit rules of
 * core/stack/audit.h over a live group and its surroundings, or over a spec
 * before apply. */
#ifndef ELCUI_TUI_CMD_AUDIT_H
#define ELCUI_TUI_CMD_AUDIT_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_audit_options[];
#define CMD_AUDIT_SHORTOPTS "h"

int cmd_audit_run(struct session_options *opts, int argc, char **argv);

#endif

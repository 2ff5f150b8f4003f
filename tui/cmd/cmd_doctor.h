/* cmd_doctor.h - `elcui doctor RG [--json]`: the connectivity doctor
 * (core/redis/doctor.h) after endpoint and token discovery (core/redis/discover.h). */
#ifndef ELCUI_TUI_CMD_DOCTOR_H
#define ELCUI_TUI_CMD_DOCTOR_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_doctor_options[];
#define CMD_DOCTOR_SHORTOPTS "h"

int cmd_doctor_run(struct session_options *opts, int argc, char **argv);

#endif

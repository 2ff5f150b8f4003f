/* cmd_doctor.h - `elcui doctor RG [--json]`: the connectivity doctor
 * (core/redis/doctor.h) after endpoint and token discovery (core/redis/discover.h). */
#ifndef ELCUI_TUI_CMD_DOCTOR_H
#define ELCUI_TUI_CMD_DOCTOR_H

#include "tui/cli.h"

/* Its record in the command table (tui/cli.h): name, options, --help, run. */
extern const struct cli_command cmd_doctor_entry;

#endif

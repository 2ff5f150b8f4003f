/* cmd_keys.h - `elcui keys`: the console's keymap (tui/keymap.h) as it is
 * with the config file's [keys], as JSON, or as the KEYS and SCREENS
 * sections of elcui(1). */
#ifndef ELCUI_TUI_CMD_KEYS_H
#define ELCUI_TUI_CMD_KEYS_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_keys_options[];
#define CMD_KEYS_SHORTOPTS "h"

int cmd_keys_run(struct session_options *opts, int argc, char **argv);

#endif

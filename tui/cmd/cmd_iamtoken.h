/* cmd_iamtoken.h - `elcui iam-token RG --user U`: print an ElastiCache IAM
 * authentication token (core/redis/iamauth.h), like `aws rds
 * generate-db-auth-token`. */
#ifndef ELCUI_TUI_CMD_IAMTOKEN_H
#define ELCUI_TUI_CMD_IAMTOKEN_H

#include <getopt.h>

#include "tui/cli.h"

/* Its options (getopt_long): for the global options after the command
 * and for `elcui completion`. */
extern const struct option cmd_iamtoken_options[];
#define CMD_IAMTOKEN_SHORTOPTS "h"

int cmd_iamtoken_run(struct session_options *opts, int argc, char **argv);

#endif

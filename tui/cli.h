/* cli.h - command line: global options and the subcommand table.
 *
 * main() parses the global options, then either opens the console (no
 * subcommand) or runs one subcommand. Subcommands are thin shells over the
 * core engines, one file each (tui/cmd_<name>.c), registered in the table
 * in cli.c.
 */
#ifndef ELCUI_TUI_CLI_H
#define ELCUI_TUI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/session.h"

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_CANCELLED = 130, /* Ctrl-C at a confirmation prompt, as a shell's 128 + SIGINT */
};

struct cli_command {
    const char *name;
    const char *args;    /* "RG [--json]" for --help */
    const char *summary; /* one line */
    /* argv[0] is the subcommand name; options parsed by the command. */
    int (*run)(struct session_options *opts, int argc, char **argv);
    /* The command's getopt_long table and short options: global options
     * after the command are told apart from the command's own (and their
     * values) with them. */
    const struct option *options;
    const char *shortopts;
};

/* The global options (for `elcui completion`). */
extern const struct option cli_global_options[];

/* NULL-name-terminated table. */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_find(const char *name);
/* Full --help text to f. */
void cli_usage(FILE *f);
/* Report a usage error for a subcommand and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage error for getopt_long's '?' (an unknown option, or one
 * without its value): names the short option (optopt) or the long one
 * (argv[optind - 1]). Returns CLI_EXIT_USAGE. */
int cli_bad_option(const char *cmd, char *const *argv);
/* Parse global options, before the subcommand and, as the AWS CLI takes
 * them, anywhere after it up to a "--": those after the subcommand are
 * taken out of argv (and *argc lowered), so the command sees only its
 * own. A command option of the same name (doctor's --timeout) and the
 * command's --help win; a value is never taken for an option ("--grep
 * --region" gives --grep the value "--region"). Returns the index of the
 * subcommand (*argc when there is none), or -1 after printing a usage
 * error, or -2 when --help/--version was handled. */
int cli_parse_global(struct session_options *opts, int *argc, char **argv);
/* The interactive console (tui/app.c). */
int cli_run_console(struct session_options *opts);

#endif

/* cli.h - command line: global options and the subcommand table.
 *
 * main() parses the global options, then either opens the console (no
 * subcommand) or runs one subcommand. Subcommands are thin shells over the
 * core engines, one file each (tui/cmd/cmd_<name>.c, its cmd_<name>_entry),
 * registered in the table
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

/* A subcommand, described by one constant record in its own file
 * (tui/cmd/cmd_<name>.c defines cmd_<name>_entry), as tmux's cmd_entry. */
struct cli_command {
    const char *name;
    const char *args;    /* "RG [--json]" for --help */
    const char *summary; /* one line */
    /* argv[0] is the subcommand name; options parsed with cli_getopt. */
    int (*run)(struct session_options *opts, int argc, char **argv);
    /* The command's getopt_long table and short options: the command
     * parses with them, global options after the command are told apart
     * from the command's own (and their values) with them, and `elcui
     * completion` lists them. */
    const struct option *options;
    const char *shortopts;
    /* The command's --help text. */
    void (*usage)(FILE *f);
};

/* What a command's option handler says of one option. */
enum cli_opt {
    CLI_OPT_TAKEN = 0,
    CLI_OPT_REFUSED, /* a bad value: the handler printed the usage error */
    CLI_OPT_UNKNOWN, /* not the command's: cli_getopt reports it */
};

/* One option of a command: getopt_long's value (never 'h' or '?') and its
 * argument (optarg, NULL without one). */
typedef enum cli_opt (*cli_option_fn)(void *ctx, int opt, char *arg);

/* The option loop every command shares: getopt_long over cmd's table
 * (opterr off, a full reset of GNU getopt first), --help/-h printing
 * cmd->usage to stdout, an unknown option or a missing value reported
 * as cli_bad_option does, every other option handed to fn. Returns 0
 * with optind at the first operand, 1 when --help was answered, -1
 * after a usage error. */
int cli_getopt(const struct cli_command *cmd, int argc, char **argv, cli_option_fn fn, void *ctx);
/* cli_getopt's result as an exit status for a command that stops there
 * (1: CLI_EXIT_OK, -1: CLI_EXIT_USAGE). */
int cli_getopt_exit(int rc);
/* cli_usage_error for an option handler: prints, returns CLI_OPT_REFUSED. */
enum cli_opt cli_refuse(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The global options (for `elcui completion`). */
extern const struct option cli_global_options[];

/* NULL-terminated table of the subcommands. */
extern const struct cli_command *const cli_commands[];

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

/* main.c - entry point: global options, then the console or a subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "tui/cli.h"

int main(int argc, char **argv)
{
    struct session_options opts;
    memset(&opts, 0, sizeof(opts));
    int first = cli_parse_global(&opts, argc, argv);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (http_global_init() != 0) {
        fprintf(stderr, "elcui: cannot initialise libcurl\n");
        return CLI_EXIT_FAIL;
    }
    int rc;
    if (first >= argc) {
        rc = cli_run_console(&opts);
    } else {
        const struct cli_command *cmd = cli_find(argv[first]);
        if (!cmd) {
            fprintf(stderr, "elcui: unknown command '%s' (see elcui --help)\n", argv[first]);
            rc = CLI_EXIT_USAGE;
        } else {
            rc = cmd->run(&opts, argc - first, argv + first);
        }
    }
    http_global_cleanup();
    return rc;
}

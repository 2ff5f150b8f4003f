/* main.c - entry point: global options, then the console or a subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "core/config.h"
#include "tui/cli.h"

int main(int argc, char **argv)
{
    struct session_options opts;
    memset(&opts, 0, sizeof(opts));
    int first = cli_parse_global(&opts, &argc, argv);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    struct config cfg;
    config_init(&cfg);
    char errs[4096];
    if (config_load(&cfg, opts.config_file, errs, sizeof(errs)) != 0) {
        fprintf(stderr, "elcui: %s", errs);
        config_free(&cfg);
        return CLI_EXIT_USAGE;
    }
    if (errs[0]) {
        /* problems in the file are warnings: elcui still starts */
        for (char *line = errs, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (!nl)
                break;
            fprintf(stderr, "elcui: warning: %s:%.*s\n", cfg.path ? cfg.path : "config",
                    (int)(nl - line), line);
        }
    }
    if (config_load_env(&cfg, errs, sizeof(errs)) != 0) {
        fprintf(stderr, "elcui: %s", errs);
        config_free(&cfg);
        return CLI_EXIT_USAGE;
    }
    config_apply(&cfg, &opts);
    opts.config = &cfg;
    if (http_global_init() != 0) {
        fprintf(stderr, "elcui: cannot initialise libcurl\n");
        config_free(&cfg);
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
    config_free(&cfg);
    return rc;
}

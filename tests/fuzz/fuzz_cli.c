/* fuzz_cli.c - the command line: global options (cli_parse_global),
 * before the command and after it (taken out of the command's arguments,
 * which must stay the input's, in order); the "did you mean" of region
 * and metric names on inputs of one argument; and the option parsing of the
 * subcommands whose run function stops before any side effect when no
 * region is known (the input's region and endpoint are dropped, so
 * session_open always fails with "no region" right after the command
 * parsed its options). Only commands reviewed for that are listed in
 * fuzz_commands; others touch files or the network. Input: arguments
 * separated by NUL bytes (argv[0] is supplied). */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/regions.h"
#include "core/model/metricnames.h"
#include "tui/cli.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Commands whose run() parses options first and then needs a session. */
static const char *const fuzz_commands[] = {
    "logs",    "ls",     "show",     "whoami",    "events",   "metrics", "exec",
    "latency", "doctor", "failover", "iam-token", "snapshot", NULL,
};

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const vars[] = {
        "AWS_REGION",       "AWS_DEFAULT_REGION", "AWS_PROFILE",           "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",  "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/elcui-fuzz/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/elcui-fuzz/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

static bool allowed(const char *name)
{
    for (size_t i = 0; fuzz_commands[i]; i++)
        if (strcmp(fuzz_commands[i], name) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[130] = {0};
    int argc = 0;
    argv[argc++] = "elcui";
    for (size_t i = 0; i <= size && argc < 128;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;

    FILE *out = stdout, *err = stderr;
    stdout = devnull;
    stderr = devnull;
    struct session_options o;
    memset(&o, 0, sizeof(o));
    char *orig[130];
    memcpy(orig, argv, sizeof(orig));
    int n = argc;
    int first = cli_parse_global(&o, &n, argv);
    if (first >= 0) {
        /* what the command sees is the input less the global options
         * after it: original arguments, in their order */
        if (n > argc || first > n || argv[n] != NULL)
            abort();
        for (int i = 0, k = 0; i < n; i++, k++) {
            while (k < argc && orig[k] != argv[i])
                k++;
            if (k >= argc)
                abort();
        }
    }
    argc = n;
    /* "did you mean" of region and metric names, for inputs of one
     * argument (comparing with some 150 names is slow under the
     * sanitizers: longer inputs stay for the command line) */
    if (argc == 2) {
        char why[512];
        const char *close[4];
        regions_explain(argv[argc - 1], why, sizeof(why));
        (void)metricnames_close(argv[argc - 1], close, 4);
        (void)metricnames_known(argv[argc - 1]);
    }
    if (first >= 0 && first < argc) {
        const struct cli_command *cmd = cli_find(argv[first]);
        if (cmd && allowed(cmd->name)) {
            o.region = NULL;
            o.endpoint_url = NULL;
            o.profile = NULL;
            (void)cmd->run(&o, argc - first, argv + first);
        }
    }
    stdout = out;
    stderr = err;
    free(buf);
    return 0;
}

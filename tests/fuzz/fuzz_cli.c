/* fuzz_cli.c - the command line: global options (cli_parse_global) and
 * the option parsing of the subcommands whose run function stops before
 * any side effect when no region is known (the input's region and
 * endpoint are dropped, so session_open always fails with "no region"
 * right after the command parsed its options). Only commands reviewed for
 * that are listed in fuzz_commands; others touch files or the network.
 * Input: arguments separated by NUL bytes (argv[0] is supplied). */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    char *argv[130];
    int argc = 0;
    argv[argc++] = "elcui";
    for (size_t i = 0; i <= size && argc < 128;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;

    /* full reset of GNU getopt between inputs (main parses once); the
     * ordering mode is read at that reset, so give it cli.c's "+" */
    char *reset[] = {"elcui", NULL};
    optind = 0;
    (void)getopt(1, reset, "+");

    FILE *out = stdout, *err = stderr;
    stdout = devnull;
    stderr = devnull;
    struct session_options o;
    memset(&o, 0, sizeof(o));
    int first = cli_parse_global(&o, argc, argv);
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

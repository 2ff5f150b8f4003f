/* cmd_iamtoken.c - `elcui iam-token`: one ElastiCache IAM token. */
#include "tui/cmd/cmd_iamtoken.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/mem.h"
#include "core/redis/iamauth.h"
#include "tui/cmd/cmdout.h"

struct cmd_iamtoken {
    struct session s;
    bool interrupted;
    const char *rg_id;
    const char *user;
    bool serverless;
    bool done;
    char *token; /* SECRET */
    int64_t expires;
    struct aws_error err;
};

static void cmd_iamtoken_usage(FILE *f)
{
    fprintf(f, "usage: elcui iam-token RG --user USER [--serverless]\n"
               "\n"
               "Prints an IAM authentication token for the ElastiCache user USER on the\n"
               "replication group RG (or serverless cache with --serverless), signed with\n"
               "your AWS credentials for the region in use: the password for\n"
               "`AUTH USER TOKEN` (valid 15 minutes; redis-cli --user USER --pass TOKEN).\n"
               "Needs elasticache:Connect on the group and the user. elcui exec --iam mints\n"
               "and renews these tokens itself.\n"
               "\n"
               "  --user USER             the IAM-enabled ElastiCache user (user id = name)\n"
               "  --serverless            RG is a serverless cache\n"
               "\n"
               "Exit status: 0 ok, 1 no credentials or bad input, 2 usage.\n");
}

static void cmd_iamtoken_done(char *token, int64_t expires, const struct aws_error *err, void *arg)
{
    struct cmd_iamtoken *c = arg;
    c->done = true;
    c->token = token;
    c->expires = expires;
    if (err)
        aws_error_copy(&c->err, err);
}

enum {
    OPT_USER = 300,
    OPT_SERVERLESS,
};

static const struct option cmd_iamtoken_options[] = {
    {"user", required_argument, NULL, OPT_USER},
    {"serverless", no_argument, NULL, OPT_SERVERLESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_iamtoken_option(void *ctx, int opt, char *arg)
{
    struct cmd_iamtoken *c = ctx;
    switch (opt) {
    case OPT_USER:
        c->user = arg;
        break;
    case OPT_SERVERLESS:
        c->serverless = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_iamtoken_parse(struct cmd_iamtoken *c, int argc, char **argv)
{
    int rc = cli_getopt(&cmd_iamtoken_entry, argc, argv, cmd_iamtoken_option, c);
    if (rc != 0)
        return rc;
    if (optind < argc)
        c->rg_id = argv[optind++];
    if (optind < argc)
        return cli_usage_error("iam-token", "unexpected argument '%s'", argv[optind]), -1;
    if (!c->rg_id || !*c->rg_id)
        return cli_usage_error("iam-token", "name a replication group"), -1;
    if (!c->user || !*c->user)
        return cli_usage_error("iam-token", "give the ElastiCache user with --user USER"), -1;
    return 0;
}

static int cmd_iamtoken_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_iamtoken c;
    memset(&c, 0, sizeof(c));
    aws_error_init(&c.err);
    int rc = cmd_iamtoken_parse(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = CLI_EXIT_FAIL;
    struct iamauth *a = NULL;
    if (cmdout_session("iam-token", &c.s, opts, &c.interrupted) != 0)
        goto out;
    char err[256] = "";
    struct iamauth_options io = {
        .loop = c.s.loop,
        .creds = c.s.creds,
        .clock = c.s.aws,
        .params = {.cache_id = c.rg_id,
                   .user = c.user,
                   .region = c.s.region,
                   .serverless = c.serverless},
    };
    a = iamauth_new(&io, err, sizeof(err));
    if (!a) {
        fprintf(stderr, "elcui iam-token: %s\n", err);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    iamauth_mint(a, cmd_iamtoken_done, &c);
    if (!cmdout_run(&c.s, &c.done, &c.interrupted))
        goto out;
    if (!c.token) {
        cmdout_aws_error("iam-token", "no token", &c.err);
        goto out;
    }
    printf("%s\n", c.token);
    if (fflush(stdout) != 0)
        goto out;
    if (opts->verbose) {
        char t[40];
        awstime_format_iso8601(c.expires, t, sizeof(t));
        fprintf(stderr, "elcui iam-token: valid until %s (credentials from %s)\n", t,
                creds_source(c.s.creds));
    }
    rc = CLI_EXIT_OK;
out:
    iamauth_free(a);
    mem_free_secret(c.token);
    aws_error_clear(&c.err);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_iamtoken_entry = {
    .name = "iam-token",
    .args = "RG --user USER",
    .summary = "print an IAM authentication token",
    .run = cmd_iamtoken_run,
    .options = cmd_iamtoken_options,
    .shortopts = "h",
    .usage = cmd_iamtoken_usage,
};

/* cmd_whoami.c - `elcui whoami [--json]`. */
#include "tui/cmd/cmd_whoami.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/sts.h"
#include "tui/cmd/cmdout.h"

struct cmd_whoami {
    struct session s;
    bool json;
    bool done, interrupted;
    char *account, *arn, *user_id;
    struct aws_error err;
    bool failed;
};

static void cmd_whoami_usage(FILE *f)
{
    fprintf(f, "usage: elcui whoami [--json]\n"
               "\n"
               "Who the AWS calls run as (STS GetCallerIdentity): account, ARN and user id,\n"
               "with the region, the profile, the credentials, every service endpoint that\n"
               "is not the default one, the CA bundle, the attempts per call and the AWS\n"
               "files, each with where it came from: an option (--region), a variable\n"
               "(AWS_REGION), a line of a file (~/.aws/config line 3) or the default.\n"
               "With -v, what the AWS files hold that is ignored (as the AWS CLI and SDKs\n"
               "ignore it) is listed on stderr.\n"
               "\n"
               "A region name AWS does not list is refused, unless an endpoint override is\n"
               "set; whoami then says so under the region.\n"
               "\n"
               "  --json   one JSON object: account, arn, userId, region, regionNote (why\n"
               "           an unknown region is accepted, else null), profile,\n"
               "           credentialSource, endpoints (overridden ones, by service) and\n"
               "           settings: [{name, service, value, source (flag, env, file,\n"
               "           default, unknown), option | variable | file + line, from}]\n"
               "\n"
               "Exit status: 0 ok, 1 failure (bad AWS files included: no call is made),\n"
               "2 usage.\n");
}

static void cmd_whoami_cb(const struct sts_caller_identity *out, const struct aws_error *err,
                          void *arg)
{
    struct cmd_whoami *c = arg;
    c->done = true;
    if (!out) {
        c->failed = true;
        aws_error_copy(&c->err, err);
        return;
    }
    c->account = mem_xstrdup(out->account ? out->account : "");
    c->arn = mem_xstrdup(out->arn ? out->arn : "");
    c->user_id = mem_xstrdup(out->user_id ? out->user_id : "");
}

static json_t *cmd_whoami_jsetting(const struct session_setting *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(x->name));
    if (x->service)
        json_object_set_new(o, "service", json_string(x->service));
    json_object_set_new(o, "value", cmdout_jstr(x->value));
    json_object_set_new(o, "source", json_string(session_source_name(x->source)));
    if (x->source == SESSION_SOURCE_FLAG)
        json_object_set_new(o, "option", cmdout_jstr(x->origin));
    else if (x->source == SESSION_SOURCE_ENV)
        json_object_set_new(o, "variable", cmdout_jstr(x->origin));
    if (x->source == SESSION_SOURCE_FILE) {
        json_object_set_new(o, "file", cmdout_jstr(x->origin));
        json_object_set_new(o, "line", json_integer(x->line));
    }
    json_object_set_new(o, "from", cmdout_jstr(x->text));
    return o;
}

static const struct session_setting *cmd_whoami_get(const struct session_settings *st,
                                                    const char *name)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->v[i].name, name) == 0)
            return &st->v[i];
    return NULL;
}

/* "value  from SOURCE" */
static void cmd_whoami_kv(const char *label, const struct session_setting *x, const char *dflt)
{
    if (!x)
        return;
    cmdout_kvf(stdout, label, "%s  from %s", x->value ? x->value : dflt, x->text);
}

/* Endpoints that are not the default one: one line when every service
 * uses the same URL from the same source. */
static void cmd_whoami_endpoints(const struct session_settings *st)
{
    size_t n_ep = 0, n_over = 0;
    const struct session_setting *first = NULL;
    bool same = true;
    for (size_t i = 0; i < st->n; i++) {
        const struct session_setting *x = &st->v[i];
        if (strcmp(x->name, "endpoint") != 0)
            continue;
        n_ep++;
        if (x->source == SESSION_SOURCE_DEFAULT)
            continue;
        if (!first)
            first = x;
        else if (strcmp(x->value ? x->value : "", first->value ? first->value : "") != 0 ||
                 strcmp(x->text, first->text) != 0)
            same = false;
        n_over++;
    }
    if (!n_over) {
        cmdout_kv(stdout, "Endpoints", "AWS defaults for the region");
        return;
    }
    if (n_over == n_ep && same) {
        cmdout_kvf(stdout, "Endpoints", "%s (every service)  from %s", first->value, first->text);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < st->n; i++) {
        const struct session_setting *x = &st->v[i];
        if (strcmp(x->name, "endpoint") == 0 && x->source != SESSION_SOURCE_DEFAULT)
            cmdout_kvf(stdout, k++ ? "" : "Endpoints", "%-15s %s  from %s", x->service,
                       x->value ? x->value : "?", x->text);
    }
}

static int cmd_whoami_print(struct cmd_whoami *c)
{
    const char *src = creds_source(c->s.creds);
    struct session_settings st;
    session_settings(&c->s, &st);
    int rc = 0;
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "account", cmdout_jstr(c->account));
        json_object_set_new(o, "arn", cmdout_jstr(c->arn));
        json_object_set_new(o, "userId", cmdout_jstr(c->user_id));
        json_object_set_new(o, "region", cmdout_jstr(c->s.region));
        json_object_set_new(o, "regionNote", cmdout_jstr(c->s.region_note));
        json_object_set_new(o, "profile", cmdout_jstr(c->s.profile));
        json_object_set_new(o, "credentialSource", cmdout_jstr(src && *src ? src : NULL));
        json_t *eps = json_object();
        json_t *set = json_array();
        for (size_t i = 0; i < st.n; i++) {
            const struct session_setting *x = &st.v[i];
            if (x->service && x->source != SESSION_SOURCE_DEFAULT)
                json_object_set_new(eps, x->service, cmdout_jstr(x->value));
            json_array_append_new(set, cmd_whoami_jsetting(x));
        }
        json_object_set_new(o, "endpoints", eps);
        json_object_set_new(o, "settings", set);
        rc = cmdout_json_print(o, stdout);
    } else {
        printf("Caller identity\n");
        cmdout_kv(stdout, "Account", c->account);
        cmdout_kv(stdout, "ARN", c->arn);
        cmdout_kv(stdout, "User ID", c->user_id);
        cmd_whoami_kv("Region", cmd_whoami_get(&st, "region"), "-");
        if (c->s.region_note)
            cmdout_kv(stdout, "", c->s.region_note);
        cmd_whoami_kv("Profile", cmd_whoami_get(&st, "profile"), "-");
        cmd_whoami_kv("Credentials", cmd_whoami_get(&st, "credentials"), "-");
        cmd_whoami_endpoints(&st);
        cmd_whoami_kv("CA bundle", cmd_whoami_get(&st, "ca_bundle"), "system store");
        cmd_whoami_kv("Attempts per call", cmd_whoami_get(&st, "max_attempts"), "3");
        cmd_whoami_kv("Config file", cmd_whoami_get(&st, "config_file"), "-");
        cmd_whoami_kv("Credentials file", cmd_whoami_get(&st, "credentials_file"), "-");
        rc = fflush(stdout) == 0 ? 0 : -1;
    }
    session_settings_free(&st);
    return rc;
}

static const struct option cmd_whoami_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum cli_opt cmd_whoami_option(void *ctx, int opt, char *arg)
{
    struct cmd_whoami *c = ctx;
    (void)arg;
    switch (opt) {
    case 'j':
        c->json = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_whoami_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_whoami c;
    memset(&c, 0, sizeof(c));
    aws_error_init(&c.err);
    int prc = cli_getopt(&cmd_whoami_entry, argc, argv, cmd_whoami_option, &c);
    if (prc != 0)
        return cli_getopt_exit(prc);
    if (optind < argc)
        return cli_usage_error("whoami", "unexpected argument '%s'", argv[optind]);
    int rc = CLI_EXIT_FAIL;
    if (cmdout_session("whoami", &c.s, opts, &c.interrupted) == 0) {
        sts_get_caller_identity(c.s.aws, cmd_whoami_cb, &c);
        if (!cmdout_run(&c.s, &c.done, &c.interrupted))
            fprintf(stderr, "elcui whoami: interrupted\n");
        else if (c.failed)
            cmdout_aws_error("whoami", "GetCallerIdentity failed", &c.err);
        else if (cmd_whoami_print(&c) == 0)
            rc = CLI_EXIT_OK;
    }
    free(c.account);
    free(c.arn);
    free(c.user_id);
    aws_error_clear(&c.err);
    session_close(&c.s);
    return rc;
}

const struct cli_command cmd_whoami_entry = {
    .name = "whoami",
    .args = "[--json]",
    .summary = "AWS identity, region, profile, credentials, endpoints",
    .run = cmd_whoami_run,
    .options = cmd_whoami_options,
    .shortopts = "h",
    .usage = cmd_whoami_usage,
};

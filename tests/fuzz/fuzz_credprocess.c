/* fuzz_credprocess.c - credential_process output, through the real
 * provider chain: a profile whose credential_process prints the input
 * (cat of a file), the chain runs it as a child, watches its pipes on the
 * loop and parses what it printed (Version 1 JSON: AccessKeyId,
 * SecretAccessKey, SessionToken, Expiration). creds.c keeps that parser
 * static, so this is the only way in; it spawns one process per input
 * (slow, a few hundred executions a second). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "aws/profile.h"
#include "core/loop.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct loop *fz_loop;
static struct http_client *fz_http;
static struct profile_store *fz_store;
static char fz_dir[64], fz_out[128];

static void fz_cleanup(void)
{
    unlink(fz_out);
    char p[128];
    snprintf(p, sizeof(p), "%s/config", fz_dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/credentials", fz_dir);
    unlink(p);
    rmdir(fz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    const char *tmp = getenv("TMPDIR");
    snprintf(fz_dir, sizeof(fz_dir), "%s/elcui-fuzz-cp.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fz_dir))
        abort();
    atexit(fz_cleanup);
    snprintf(fz_out, sizeof(fz_out), "%s/out", fz_dir);
    char cfg[128], crd[128];
    snprintf(cfg, sizeof(cfg), "%s/config", fz_dir);
    snprintf(crd, sizeof(crd), "%s/credentials", fz_dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        abort();
    fprintf(f, "[default]\nregion = us-east-2\ncredential_process = /bin/cat %s\n", fz_out);
    fclose(f);
    f = fopen(crd, "w");
    if (!f)
        abort();
    fclose(f);
    struct aws_error err;
    aws_error_init(&err);
    fz_store = profile_load(cfg, crd, &err);
    if (!fz_store)
        abort();
    fz_loop = loop_new();
    fz_http = http_client_new(loop_reactor(fz_loop), NULL);
    return 0;
}

struct fz_result {
    bool done;
};

static void got(const struct aws_credentials *c, const struct aws_error *err, void *arg)
{
    struct fz_result *r = arg;
    if (c)
        (void)strlen(c->access_key_id ? c->access_key_id : "");
    else if (err) {
        char *m = aws_error_format(err);
        free(m);
    }
    r->done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fz_out, "w");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    struct creds_options o;
    memset(&o, 0, sizeof(o));
    o.reactor = loop_reactor(fz_loop);
    o.http = fz_http;
    o.store = fz_store;
    o.profile = "default";
    o.profile_explicit = true;
    o.region = "us-east-2";
    o.imds_endpoint = "http://127.0.0.1:9";
    o.container_endpoint = "http://127.0.0.1:9";
    o.process_timeout_ms = 5000;
    struct creds_provider *p = creds_provider_new(&o);
    struct fz_result r = {false};
    struct creds_req *q = creds_get(p, got, &r);
    uint64_t deadline = loop_now_ms(fz_loop) + 8000;
    if (!loop_run_until(fz_loop, &r.done, deadline))
        creds_cancel(q);
    creds_provider_free(p);
    return 0;
}

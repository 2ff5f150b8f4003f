/* fuzz_profile.c - AWS shared config and credentials files (profile_load
 * through libinih, from in-memory files), and what the SDK rules read from
 * them: profiles, [sso-session], [services] sub-sections, region and
 * endpoint resolution, loose-mode warnings, and the shell-word split of
 * credential_process command lines.
 * Input: the config file, optionally FUZZ_SEP and the credentials file. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aws/aws_error.h"
#include "aws/profile.h"
#include "aws/svc.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const vars[] = {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ELASTICACHE",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    return 0;
}

/* A memory file holding the bytes; its /proc path in path. -1 on error. */
static int memfile(const uint8_t *p, size_t n, char *path, size_t pathlen)
{
    int fd = memfd_create("elcui-fuzz-profile", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, pathlen, "/proc/self/fd/%d", fd);
    return fd;
}

static void split(const char *line)
{
    if (!line)
        return;
    size_t n;
    const char *msg = NULL;
    char **w = profile_shell_split(line, &n, &msg);
    profile_shell_words_free(w);
}

static void read_profile(const struct profile_store *s, const char *name)
{
    static const char *const keys[] = {
        "region",
        "role_arn",
        "source_profile",
        "credential_source",
        "credential_process",
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
        "mfa_serial",
        "external_id",
        "role_session_name",
        "duration_seconds",
        "web_identity_token_file",
        "endpoint_url",
        "services",
        "aws_access_key_id",
        "aws_secret_access_key",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        (void)profile_get(s, name, keys[i]);
    (void)profile_get_from(s, PROFILE_FROM_CONFIG, name, "aws_access_key_id");
    (void)profile_get_from(s, PROFILE_FROM_CREDENTIALS, name, "aws_session_token");
    split(profile_get(s, name, "credential_process"));
    const char *sso = profile_get(s, name, "sso_session");
    if (sso) {
        (void)profile_sso_session_exists(s, sso);
        (void)profile_sso_session_get(s, sso, "sso_region");
        (void)profile_sso_session_get(s, sso, "sso_start_url");
    }
    const char *services = profile_get(s, name, "services");
    if (services) {
        (void)profile_services_get(s, services, "elasticache", "endpoint_url");
        (void)profile_services_get(s, services, "cloudwatch_logs", "endpoint_url");
    }
    (void)profile_ignore_configured_endpoints(s, name);
    char *region = profile_resolve_region(s, name, NULL);
    const struct svc *const svcs[] = {&svc_elasticache, &svc_logs, &svc_iam, &svc_sts};
    for (size_t i = 0; i < 4; i++) {
        bool custom;
        free(profile_resolve_endpoint(s, name, svcs[i], region ? region : "us-east-2", NULL,
                                      &custom));
    }
    free(profile_configured_endpoint(s, name, "SSO", "sso"));
    free(region);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    const uint8_t *cfg, *crd = NULL;
    size_t cfglen, crdlen = 0;
    (void)fuzz_next_part(data, size, &pos, &cfg, &cfglen);
    bool two = fuzz_next_part(data, size, &pos, &crd, &crdlen);
    char cpath[64], kpath[64];
    int cfd = memfile(cfg, cfglen, cpath, sizeof(cpath));
    int kfd = memfile(two ? crd : (const uint8_t *)"", two ? crdlen : 0, kpath, sizeof(kpath));
    if (cfd < 0 || kfd < 0)
        abort();
    struct aws_error err;
    aws_error_init(&err);
    struct profile_store *s = profile_load(cpath, kpath, &err);
    if (s) {
        read_profile(s, "default");
        read_profile(s, "ops");
        read_profile(s, profile_select(NULL));
        (void)profile_exists(s, "prod");
        for (const char *const *w = profile_warnings(s); w && *w; w++)
            (void)strlen(*w);
        profile_free(s);
    } else {
        free(aws_error_format(&err));
    }
    aws_error_clear(&err);
    close(cfd);
    close(kfd);
    /* the input as one credential_process line */
    char *line = fuzz_strdup(data, size < 4096 ? size : 4096);
    split(line);
    free(line);
    return 0;
}

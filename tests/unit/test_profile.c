/* test_profile.c - shared config/credentials files, region and endpoint
 * resolution, shell splitting. Every test runs with a temporary HOME and
 * its own AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE; the real ~/.aws is
 * never read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/mem.h"
#include "aws/profile.h"
#include "aws/svc.h"

static const char *const env_vars[] = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ELASTICACHE",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_CA_BUNDLE",
    NULL,
};

struct fixture {
    char dir[64];
    char config[128];
    char creds[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/elcui-profile-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->config, sizeof(f->config), "%s/config", f->dir);
    snprintf(f->creds, sizeof(f->creds), "%s/credentials", f->dir);
    for (size_t i = 0; env_vars[i]; i++)
        unsetenv(env_vars[i]);
    setenv("HOME", f->dir, 1);
    setenv("AWS_CONFIG_FILE", f->config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", f->creds, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
}

static struct profile_store *load_ok(void)
{
    struct aws_error err;
    aws_error_init(&err);
    struct profile_store *s = profile_load(NULL, NULL, &err);
    if (!s)
        fail_msg("profile_load: %s", err.message ? err.message : "?");
    aws_error_clear(&err);
    return s;
}

static size_t nwarnings(const struct profile_store *s)
{
    size_t n = 0;
    for (const char *const *w = profile_warnings(s); *w; w++)
        n++;
    return n;
}

static void test_missing_files_are_empty(void **state)
{
    (void)state;
    struct profile_store *s = load_ok();
    assert_false(profile_exists(s, "default"));
    assert_null(profile_get(s, "default", "region"));
    assert_int_equal(nwarnings(s), 0);
    profile_free(s);
}

static void test_default_paths_under_home(void **state)
{
    struct fixture *f = *state;
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    char aws[128], cfg[160];
    snprintf(aws, sizeof(aws), "%s/.aws", f->dir);
    mkdir(aws, 0700);
    snprintf(cfg, sizeof(cfg), "%s/config", aws);
    write_file(cfg, "[default]\nregion = eu-west-3\n", 0600);
    struct profile_store *s = load_ok();
    assert_string_equal(profile_config_path(s), cfg);
    assert_string_equal(profile_get(s, "default", "region"), "eu-west-3");
    profile_free(s);
    /* "~/" in the variables is the temporary HOME */
    setenv("AWS_CONFIG_FILE", "~/.aws/config", 1);
    s = load_ok();
    assert_string_equal(profile_config_path(s), cfg);
    profile_free(s);
}

static void test_section_names(void **state)
{
    struct fixture *f = *state;
    write_file(f->config,
               "[default]\n"
               "region = us-east-2\n"
               "[profile ops]\n"
               "region = eu-west-1\n"
               "[bare]\n" /* not a profile in the config file */
               "region = ap-south-1\n"
               "[profile \"quoted name\"]\n"
               "region = ca-central-1\n"
               "[profile   spaced]\n"
               "region = sa-east-1\n"
               "[sso-session corp]\n"
               "sso_start_url = https://corp.awsapps.com/start\n"
               "sso_region = us-east-1\n"
               "[profile empty]\n",
               0600);
    write_file(f->creds,
               "[default]\n"
               "aws_access_key_id = AKIDDEFAULT\n"
               "[profile inline]\n" /* the credentials file has no "profile " prefix */
               "aws_access_key_id = AKIDINLINE\n"
               "[base]\n"
               "aws_access_key_id = AKIDBASE\n",
               0600);
    struct profile_store *s = load_ok();
    assert_true(profile_exists(s, "default"));
    assert_true(profile_exists(s, "ops"));
    assert_true(profile_exists(s, "base"));
    assert_true(profile_exists(s, "empty"));
    /* a name with a blank: botocore takes it, the SDKs and elcui do not */
    assert_false(profile_exists(s, "quoted name"));
    assert_true(profile_exists(s, "spaced"));
    assert_false(profile_exists(s, "bare"));
    assert_false(profile_exists(s, "corp"));
    /* "[profile x]" in the credentials file is ignored */
    assert_false(profile_exists(s, "profile inline"));
    assert_false(profile_exists(s, "inline"));
    assert_string_equal(profile_get(s, "ops", "region"), "eu-west-1");
    assert_null(profile_get(s, "bare", "region"));
    assert_string_equal(profile_sso_session_get(s, "corp", "sso_region"), "us-east-1");
    assert_true(profile_sso_session_exists(s, "corp"));
    assert_false(profile_sso_session_exists(s, "ops"));
    /* what is ignored is said under -v, and when the profile is asked for */
    size_t nn = 0;
    for (const char *const *w = profile_notices(s); *w; w++)
        nn++;
    assert_int_equal(nn, 2);
    char *m = profile_not_found_message(s, "inline");
    assert_non_null(strstr(m, "[profile inline] on line 3 of"));
    assert_non_null(strstr(m, f->creds));
    free(m);
    m = profile_not_found_message(s, "bare");
    assert_non_null(strstr(m, "[bare] on line 5 of"));
    assert_non_null(strstr(m, "the config file names profiles [profile NAME]"));
    free(m);
    m = profile_not_found_message(s, "quoted name");
    assert_non_null(strstr(m, "letters, digits"));
    free(m);
    profile_free(s);
}

static void test_profile_default_spellings(void **state)
{
    struct fixture *f = *state;
    write_file(f->config, "[profile default]\nregion = us-west-2\n", 0600);
    struct profile_store *s = load_ok();
    assert_true(profile_exists(s, "default"));
    assert_string_equal(profile_get(s, "default", "region"), "us-west-2");
    profile_free(s);
}

static void test_credentials_file_wins_for_credential_keys(void **state)
{
    struct fixture *f = *state;
    write_file(f->config,
               "[profile x]\n"
               "aws_access_key_id = AKIDCONFIG\n"
               "aws_secret_access_key = config-secret\n"
               "region = eu-north-1\n",
               0600);
    write_file(f->creds,
               "[x]\n"
               "aws_access_key_id = AKIDCREDS\n"
               "aws_secret_access_key = creds-secret\n"
               "region = us-west-1\n",
               0600);
    struct profile_store *s = load_ok();
    assert_string_equal(profile_get(s, "x", "aws_access_key_id"), "AKIDCREDS");
    assert_string_equal(profile_get(s, "x", "aws_secret_access_key"), "creds-secret");
    /* every key: the credentials file's value, as the AWS CLI merges them */
    assert_string_equal(profile_get(s, "x", "region"), "us-west-1");
    struct profile_origin o;
    assert_string_equal(profile_get_at(s, "x", "region", &o), "us-west-1");
    assert_int_equal(o.kind, PROFILE_ORIGIN_FILE);
    assert_string_equal(o.path, f->creds);
    assert_int_equal(o.line, 4);
    assert_string_equal(profile_get_from_at(s, PROFILE_FROM_CONFIG, "x", "region", &o),
                        "eu-north-1");
    assert_string_equal(o.path, f->config);
    assert_int_equal(o.line, 4);
    assert_null(profile_get_at(s, "x", "nothing", &o));
    assert_int_equal(o.kind, PROFILE_ORIGIN_NONE);
    assert_string_equal(profile_get_from(s, PROFILE_FROM_CONFIG, "x", "aws_access_key_id"),
                        "AKIDCONFIG");
    assert_string_equal(profile_get_from(s, PROFILE_FROM_CREDENTIALS, "x", "aws_access_key_id"),
                        "AKIDCREDS");
    profile_free(s);
}

static void test_syntax_details(void **state)
{
    struct fixture *f = *state;
    /* A session token far longer than libinih's 200-byte lines, values with
     * ';' and '#', ':' as separator, CRLF, a BOM, upper-case keys, a long
     * section name, repeated keys and sections, continuation lines. */
    char token[1601];
    for (size_t i = 0; i < sizeof(token) - 1; i++)
        token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64];
    token[sizeof(token) - 1] = '\0';
    char longname[80];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    char *text = mem_xasprintf("\xEF\xBB\xBF# leading comment\r\n"
                               "; another\r\n"
                               "[default]\r\n"
                               "aws_session_token = %s\r\n"
                               "credential_process = /bin/get creds ; --flag # not a comment\r\n"
                               "Region: us-east-1\r\n"
                               "output = json\r\n"
                               "output = text\r\n"
                               "multi = first\r\n"
                               "   second\r\n"
                               "\r\n"
                               "   # an indented comment\r\n"
                               "   third\r\n"
                               "[profile %s]\r\n"
                               "region = eu-central-1\r\n"
                               "[default]\r\n"
                               "max_attempts = 7\r\n",
                               token, longname);
    write_file(f->config, text, 0600);
    free(text);
    struct profile_store *s = load_ok();
    assert_string_equal(profile_get(s, "default", "aws_session_token"), token);
    assert_string_equal(profile_get(s, "default", "credential_process"),
                        "/bin/get creds ; --flag # not a comment");
    assert_string_equal(profile_get(s, "default", "region"), "us-east-1");
    assert_string_equal(profile_get(s, "default", "output"), "text");
    assert_string_equal(profile_get(s, "default", "multi"), "first\nsecond\nthird");
    assert_string_equal(profile_get(s, "default", "max_attempts"), "7");
    assert_true(profile_exists(s, longname));
    assert_string_equal(profile_get(s, longname, "region"), "eu-central-1");
    profile_free(s);
}

static void test_services_subsections(void **state)
{
    struct fixture *f = *state;
    write_file(f->config,
               "[profile local]\n"
               "region = us-east-1\n"
               "services = local-emu\n"
               "[services local-emu]\n"
               "elasticache =\n"
               "  endpoint_url = http://127.0.0.1:4566\n"
               "  Other_Key = x\n"
               "cloudwatch_logs =\n"
               "\tendpoint_url = http://127.0.0.1:4567\n"
               "sts = \n"
               "  endpoint_url = http://127.0.0.1:4568\n",
               0600);
    struct profile_store *s = load_ok();
    assert_string_equal(profile_services_get(s, "local-emu", "elasticache", "endpoint_url"),
                        "http://127.0.0.1:4566");
    /* sub-setting names keep their case (botocore's) */
    assert_string_equal(profile_services_get(s, "local-emu", "elasticache", "Other_Key"), "x");
    assert_null(profile_services_get(s, "local-emu", "elasticache", "other_key"));
    assert_string_equal(profile_services_get(s, "local-emu", "cloudwatch_logs", "endpoint_url"),
                        "http://127.0.0.1:4567");
    assert_string_equal(profile_services_get(s, "local-emu", "sts", "endpoint_url"),
                        "http://127.0.0.1:4568");
    assert_null(profile_services_get(s, "local-emu", "kms", "endpoint_url"));
    assert_null(profile_services_get(s, "other", "elasticache", "endpoint_url"));
    /* "[services x]" is not a profile */
    assert_false(profile_exists(s, "local-emu"));
    profile_free(s);
}

static void expect_parse_error(const char *path, const char *needle)
{
    struct aws_error err;
    aws_error_init(&err);
    struct profile_store *s = profile_load(NULL, NULL, &err);
    assert_null(s);
    assert_int_equal(err.kind, AWS_ERR_CONFIG);
    assert_non_null(err.message);
    if (!strstr(err.message, needle) || !strstr(err.message, path))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
    aws_error_clear(&err);
}

static void test_parse_errors_name_file_and_line(void **state)
{
    struct fixture *f = *state;
    write_file(f->config, "[default]\nregion = us-east-1\nthis line is wrong\n", 0600);
    expect_parse_error(f->config, "line 3");
    write_file(f->config, "# c\n\n[profile x\nregion = a\n", 0600);
    expect_parse_error(f->config, "line 3");
    write_file(f->config, "region = a\n[default]\n", 0600);
    expect_parse_error(f->config, "line 1");
    write_file(f->config, "[default]\n", 0600);
    write_file(f->creds, "[default]\n= value\n", 0600);
    expect_parse_error(f->creds, "line 2");
}

static void test_loose_modes_warn(void **state)
{
    struct fixture *f = *state;
    write_file(f->creds, "[default]\naws_access_key_id = AKID\n", 0644);
    write_file(f->config, "[default]\nregion = us-east-1\n", 0644);
    struct profile_store *s = load_ok();
    assert_int_equal(nwarnings(s), 1); /* a config without secrets may be 0644 */
    const char *w = profile_warnings(s)[0];
    assert_non_null(strstr(w, f->creds));
    assert_non_null(strstr(w, "0644"));
    assert_non_null(strstr(w, "chmod 600"));
    profile_free(s);

    chmod(f->creds, 0600);
    s = load_ok();
    assert_int_equal(nwarnings(s), 0);
    profile_free(s);

    /* secrets in the config file make it sensitive too */
    write_file(f->config, "[default]\naws_secret_access_key = s\n", 0640);
    s = load_ok();
    assert_int_equal(nwarnings(s), 1);
    assert_non_null(strstr(profile_warnings(s)[0], f->config));
    profile_free(s);

    /* a world-writable config could inject credential_process */
    write_file(f->config, "[default]\nregion = x\n", 0666);
    chmod(f->config, 0666);
    s = load_ok();
    assert_int_equal(nwarnings(s), 1);
    assert_non_null(strstr(profile_warnings(s)[0], "writable"));
    profile_free(s);
}

static void test_profile_select_order(void **state)
{
    (void)state;
    assert_string_equal(profile_select(NULL), "default");
    setenv("AWS_DEFAULT_PROFILE", "legacy", 1);
    assert_string_equal(profile_select(NULL), "legacy");
    setenv("AWS_PROFILE", "fromenv", 1);
    assert_string_equal(profile_select(NULL), "fromenv");
    assert_string_equal(profile_select("explicit"), "explicit");
    setenv("AWS_PROFILE", "", 1);
    assert_string_equal(profile_select(NULL), "legacy");
}

static void test_region_order(void **state)
{
    struct fixture *f = *state;
    write_file(f->config, "[default]\nregion = eu-west-2\n[profile noregion]\noutput = json\n",
               0600);
    struct profile_store *s = load_ok();
    char *r = profile_resolve_region(s, "default", NULL);
    assert_string_equal(r, "eu-west-2");
    free(r);
    assert_null(profile_resolve_region(s, "noregion", NULL));
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    r = profile_resolve_region(s, "default", NULL);
    assert_string_equal(r, "us-west-1");
    free(r);
    setenv("AWS_REGION", "ap-northeast-1", 1);
    r = profile_resolve_region(s, "default", NULL);
    assert_string_equal(r, "ap-northeast-1");
    free(r);
    r = profile_resolve_region(s, "default", "sa-east-1");
    assert_string_equal(r, "sa-east-1");
    free(r);
    profile_free(s);
}

static void expect_endpoint(struct profile_store *s, const char *profile, const struct svc *svc,
                            const char *explicit_url, const char *want, bool want_custom)
{
    bool custom = !want_custom;
    char *u = profile_resolve_endpoint(s, profile, svc, "us-east-1", explicit_url, &custom);
    assert_non_null(u);
    if (strcmp(u, want) != 0)
        fail_msg("endpoint %s, want %s", u, want);
    assert_int_equal(custom, want_custom);
    free(u);
}

static void test_endpoint_order(void **state)
{
    struct fixture *f = *state;
    write_file(f->config,
               "[default]\n"
               "endpoint_url = http://profile:1\n"
               "services = emu\n"
               "[services emu]\n"
               "elasticache =\n"
               "  endpoint_url = http://services:2\n"
               "[profile plain]\n"
               "region = us-east-1\n"
               "[profile ignoring]\n"
               "endpoint_url = http://profile:1\n"
               "ignore_configured_endpoint_urls = true\n",
               0600);
    struct profile_store *s = load_ok();
    expect_endpoint(s, "plain", &svc_elasticache, NULL,
                    "https://elasticache.us-east-1.amazonaws.com/", false);
    /* [services] beats the profile's endpoint_url, for its service only */
    expect_endpoint(s, "default", &svc_elasticache, NULL, "http://services:2", true);
    expect_endpoint(s, "default", &svc_logs, NULL, "http://profile:1", true);
    setenv("AWS_ENDPOINT_URL", "http://env-all:3", 1);
    expect_endpoint(s, "default", &svc_elasticache, NULL, "http://env-all:3", true);
    setenv("AWS_ENDPOINT_URL_ELASTICACHE", "http://env-svc:4", 1);
    expect_endpoint(s, "default", &svc_elasticache, NULL, "http://env-svc:4", true);
    expect_endpoint(s, "default", &svc_logs, NULL, "http://env-all:3", true);
    expect_endpoint(s, "default", &svc_elasticache, "http://explicit:5", "http://explicit:5", true);
    /* ignore_configured_endpoint_urls: steps 2-5 off, explicit still wins */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    expect_endpoint(s, "default", &svc_elasticache, NULL,
                    "https://elasticache.us-east-1.amazonaws.com/", false);
    expect_endpoint(s, "default", &svc_elasticache, "http://explicit:5", "http://explicit:5", true);
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_ELASTICACHE");
    expect_endpoint(s, "ignoring", &svc_elasticache, NULL,
                    "https://elasticache.us-east-1.amazonaws.com/", false);
    /* the variable, when set, beats the profile setting */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    expect_endpoint(s, "ignoring", &svc_elasticache, NULL, "http://profile:1", true);
    char *sso = profile_configured_endpoint(s, "plain", "SSO", "sso");
    assert_null(sso);
    setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9", 1);
    sso = profile_configured_endpoint(s, "plain", "SSO", "sso");
    assert_string_equal(sso, "http://127.0.0.1:9");
    free(sso);
    unsetenv("AWS_ENDPOINT_URL_SSO");
    profile_free(s);
}

static void test_setting_env_then_profile(void **state)
{
    struct fixture *f = *state;
    write_file(f->config, "[default]\nca_bundle = /from/profile.pem\n", 0600);
    struct profile_store *s = load_ok();
    assert_string_equal(profile_setting(s, "default", "AWS_CA_BUNDLE", "ca_bundle"),
                        "/from/profile.pem");
    setenv("AWS_CA_BUNDLE", "/from/env.pem", 1);
    assert_string_equal(profile_setting(s, "default", "AWS_CA_BUNDLE", "ca_bundle"),
                        "/from/env.pem");
    profile_free(s);
}

/* ---- the rules table (tests/unit/data/profile-rules.json) ---- */

static void rules_write(const json_t *row, const char *which, const char *path)
{
    const char *text = json_string_value(json_object_get(row, which));
    unlink(path);
    if (text)
        write_file(path, text, 0600);
}

static void rules_check_profiles(const char *rule, const struct profile_store *s,
                                 const json_t *want)
{
    size_t n = 0;
    const char **names = profile_names(s, &n);
    if (n != json_object_size(want))
        fail_msg("%s: %zu profiles, want %zu", rule, n, json_object_size(want));
    for (size_t i = 0; i < n; i++) {
        const json_t *keys = json_object_get(want, names[i]);
        if (!keys)
            fail_msg("%s: profile '%s' is not expected", rule, names[i]);
        size_t nk = 0;
        const char **k = profile_keys(s, names[i], &nk);
        if (nk != json_object_size(keys))
            fail_msg("%s: profile '%s' has %zu keys, want %zu", rule, names[i], nk,
                     json_object_size(keys));
        for (size_t j = 0; j < nk; j++) {
            const char *v = json_string_value(json_object_get(keys, k[j]));
            const char *got = profile_get(s, names[i], k[j]);
            if (!v || !got || strcmp(v, got) != 0)
                fail_msg("%s: [%s] %s = '%s', want '%s'", rule, names[i], k[j],
                         got ? got : "(none)", v ? v : "(not expected)");
        }
        free(k);
        assert_true(profile_exists(s, names[i]));
    }
    free(names);
}

static void rules_check_services(const char *rule, const struct profile_store *s,
                                 const json_t *want, bool sso)
{
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)want, name, v)
    {
        const char *sub;
        const json_t *sv;
        json_object_foreach((json_t *)v, sub, sv)
        {
            if (sso) {
                const char *got = profile_sso_session_get(s, name, sub);
                if (!got || strcmp(got, json_string_value(sv)) != 0)
                    fail_msg("%s: [sso-session %s] %s = '%s'", rule, name, sub,
                             got ? got : "(none)");
                continue;
            }
            const char *key;
            const json_t *kv;
            json_object_foreach((json_t *)sv, key, kv)
            {
                const char *got = profile_services_get(s, name, sub, key);
                if (!got || strcmp(got, json_string_value(kv)) != 0)
                    fail_msg("%s: [services %s] %s.%s = '%s'", rule, name, sub, key,
                             got ? got : "(none)");
            }
        }
    }
}

static void rules_check_error(const char *rule, const struct fixture *f, const json_t *want)
{
    struct aws_error err;
    aws_error_init(&err);
    struct profile_store *s = profile_load(NULL, NULL, &err);
    if (s)
        fail_msg("%s: the files were accepted", rule);
    assert_int_equal(err.kind, AWS_ERR_CONFIG);
    const char *file = json_string_value(json_object_get(want, "file"));
    char head[256];
    snprintf(head, sizeof(head), "%s line %d: ", strcmp(file, "config") == 0 ? f->config : f->creds,
             (int)json_integer_value(json_object_get(want, "line")));
    if (!err.message || strncmp(err.message, head, strlen(head)) != 0)
        fail_msg("%s: message '%s' does not start with '%s'", rule, err.message ? err.message : "",
                 head);
    size_t i;
    const json_t *w;
    json_array_foreach(json_object_get(want, "contains"), i, w)
    {
        if (!strstr(err.message, json_string_value(w)))
            fail_msg("%s: message '%s' lacks '%s'", rule, err.message, json_string_value(w));
    }
    aws_error_clear(&err);
}

static void rules_check_notices(const char *rule, const struct profile_store *s, const json_t *want)
{
    size_t i;
    const json_t *w;
    json_array_foreach(want, i, w)
    {
        bool found = false;
        for (const char *const *n = profile_notices(s); *n && !found; n++)
            found = strstr(*n, json_string_value(w)) != NULL;
        if (!found)
            fail_msg("%s: no notice holds '%s'", rule, json_string_value(w));
    }
}

static void test_rules_table(void **state)
{
    struct fixture *f = *state;
    json_error_t je;
    json_t *doc = json_load_file("tests/unit/data/profile-rules.json", 0, &je);
    if (!doc)
        fail_msg("profile-rules.json: %s line %d", je.text, je.line);
    const json_t *rows = json_object_get(doc, "rules");
    assert_true(json_array_size(rows) >= 25);
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *rule = json_string_value(json_object_get(row, "rule"));
        rules_write(row, "config", f->config);
        rules_write(row, "credentials", f->creds);
        const json_t *error = json_object_get(row, "error");
        if (error) {
            rules_check_error(rule, f, error);
            continue;
        }
        struct profile_store *s = load_ok();
        rules_check_profiles(rule, s, json_object_get(row, "profiles"));
        rules_check_services(rule, s, json_object_get(row, "services"), false);
        rules_check_services(rule, s, json_object_get(row, "sso_sessions"), true);
        rules_check_notices(rule, s, json_object_get(row, "notices"));
        if (!json_object_get(row, "notices") && profile_notices(s)[0])
            fail_msg("%s: unexpected notice '%s'", rule, profile_notices(s)[0]);
        profile_free(s);
    }
    json_decref(doc);
}

/* Where each setting came from: a flag, a variable, a file line, the
 * default. */
static void test_origins(void **state)
{
    struct fixture *f = *state;
    write_file(f->config,
               "[default]\n"
               "region = eu-west-2\n"
               "services = emu\n"
               "ca_bundle = /from/profile.pem\n"
               "[services emu]\n"
               "elasticache =\n"
               "  endpoint_url = http://services:2\n"
               "[profile plain]\n"
               "output = json\n",
               0600);
    struct profile_store *s = load_ok();
    struct profile_origin o;
    char *r = profile_resolve_region_at(s, "default", NULL, &o);
    assert_string_equal(r, "eu-west-2");
    assert_int_equal(o.kind, PROFILE_ORIGIN_FILE);
    assert_string_equal(o.path, f->config);
    assert_int_equal(o.line, 2);
    free(r);
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    r = profile_resolve_region_at(s, "default", NULL, &o);
    assert_int_equal(o.kind, PROFILE_ORIGIN_ENV);
    assert_string_equal(o.env, "AWS_DEFAULT_REGION");
    free(r);
    r = profile_resolve_region_at(s, "default", "sa-east-1", &o);
    assert_int_equal(o.kind, PROFILE_ORIGIN_EXPLICIT);
    free(r);
    unsetenv("AWS_DEFAULT_REGION");
    assert_null(profile_resolve_region_at(s, "plain", NULL, &o));
    assert_int_equal(o.kind, PROFILE_ORIGIN_NONE);

    bool custom;
    char *u =
        profile_resolve_endpoint_at(s, "default", &svc_elasticache, "us-east-1", NULL, &custom, &o);
    assert_string_equal(u, "http://services:2");
    assert_int_equal(o.kind, PROFILE_ORIGIN_FILE);
    assert_int_equal(o.line, 7);
    free(u);
    u = profile_resolve_endpoint_at(s, "default", &svc_logs, "us-east-1", NULL, &custom, &o);
    assert_int_equal(o.kind, PROFILE_ORIGIN_DEFAULT);
    assert_false(custom);
    free(u);
    setenv("AWS_ENDPOINT_URL_ELASTICACHE", "http://env-svc:4", 1);
    u = profile_resolve_endpoint_at(s, "default", &svc_elasticache, "us-east-1", NULL, &custom, &o);
    assert_int_equal(o.kind, PROFILE_ORIGIN_ENV);
    assert_string_equal(o.env, "AWS_ENDPOINT_URL_ELASTICACHE");
    free(u);
    unsetenv("AWS_ENDPOINT_URL_ELASTICACHE");
    u = profile_resolve_endpoint_at(s, "default", &svc_elasticache, "us-east-1", "http://x:1",
                                    &custom, &o);
    assert_int_equal(o.kind, PROFILE_ORIGIN_EXPLICIT);
    free(u);

    assert_string_equal(profile_setting_at(s, "default", "AWS_CA_BUNDLE", "ca_bundle", &o),
                        "/from/profile.pem");
    assert_int_equal(o.line, 4);
    setenv("AWS_CA_BUNDLE", "/from/env.pem", 1);
    assert_string_equal(profile_setting_at(s, "default", "AWS_CA_BUNDLE", "ca_bundle", &o),
                        "/from/env.pem");
    assert_string_equal(o.env, "AWS_CA_BUNDLE");
    unsetenv("AWS_CA_BUNDLE");
    profile_free(s);
}

static void expect_split(const char *line, const char *const *want)
{
    size_t n = 0;
    const char *err = NULL;
    char **w = profile_shell_split(line, &n, &err);
    if (!w)
        fail_msg("split '%s': %s", line, err);
    size_t i = 0;
    for (; want[i]; i++) {
        assert_non_null(w[i]);
        assert_string_equal(w[i], want[i]);
    }
    assert_null(w[i]);
    assert_int_equal(n, i);
    profile_shell_words_free(w);
}

static void test_shell_split(void **state)
{
    (void)state;
    expect_split("get-creds --profile proc",
                 (const char *const[]){"get-creds", "--profile", "proc", NULL});
    expect_split("  a   'b c'  \"d e\" ", (const char *const[]){"a", "b c", "d e", NULL});
    expect_split("a\\ b c\\\\d", (const char *const[]){"a b", "c\\d", NULL});
    expect_split("\"x\\\"y\\\\z\\n\"", (const char *const[]){"x\"y\\z\\n", NULL});
    expect_split("'a\\b'", (const char *const[]){"a\\b", NULL});
    expect_split("pre'mid'\"post\"", (const char *const[]){"premidpost", NULL});
    expect_split("''", (const char *const[]){"", NULL});
    expect_split("   ", (const char *const[]){NULL});
    expect_split("$HOME ~ *", (const char *const[]){"$HOME", "~", "*", NULL});
    const char *err = NULL;
    assert_null(profile_shell_split("a 'b", NULL, &err));
    assert_string_equal(err, "no closing quotation");
    assert_null(profile_shell_split("a \"b", NULL, &err));
    assert_null(profile_shell_split("a\\", NULL, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_files_are_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_paths_under_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_section_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_default_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_file_wins_for_credential_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_syntax_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_services_subsections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors_name_file_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loose_modes_warn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_select_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setting_env_then_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

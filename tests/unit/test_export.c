/* test_export.c - the Terraform, CLI and spec renderings of a stack (text
 * checks: files, resources, values, references, escaping, layout, order of
 * the CLI steps, shell syntax), the stream and directory outputs, and a
 * live stack rebuilt into a spec from crafted facts (own resources vs
 * reused ones, names, retention, tags, notes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/stack/export.h"
#include "core/stack/audit_facts.h"
#include "core/stack/export_live.h"
#include "core/stack/stack_spec.h"

#include "spec_fixture.h"

static const char *file_text(const struct export_files *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i].name, name) == 0)
            return f->items[i].text;
    return NULL;
}

static void has(const char *text, const char *needle)
{
    if (!text || !strstr(text, needle))
        fail_msg("missing: %s", needle);
}

static void lacks(const char *text, const char *needle)
{
    if (text && strstr(text, needle))
        fail_msg("unexpected: %s", needle);
}

/* Brackets balance outside strings; no stand-in leaked. */
static void balanced(const char *name, const char *t)
{
    int depth = 0;
    bool str = false;
    for (const char *p = t; *p; p++) {
        if (str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                str = false;
            continue;
        }
        if (*p == '#') {
            while (*p && *p != '\n')
                p++;
            if (!*p)
                break;
            continue;
        }
        if (*p == '"')
            str = true;
        else if (*p == '{' || *p == '[' || *p == '(')
            depth++;
        else if (*p == '}' || *p == ']' || *p == ')')
            depth--;
        if (depth < 0)
            fail_msg("%s: closes more than it opens", name);
    }
    if (depth || str)
        fail_msg("%s: unbalanced (%d%s)", name, depth, str ? ", open string" : "");
    lacks(t, "SENTINEL");
}

static void render(const struct stack_spec *s, enum export_format fmt, struct export_files *f)
{
    char err[256];
    assert_int_equal(export_render(s, fmt, f, err, sizeof(err)), 0);
}

static void test_terraform_seed(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("app-4");
    struct export_files f;
    render(s, EXPORT_TERRAFORM, &f);
    static const char *const names[] = {"provider.tf",      "variable.tf",       "data.tf",
                                        "network.tf",       "security_group.tf", "kms.tf",
                                        "cloudwatch.tf",    "random.tf",         "elasticache.tf",
                                        "ssm_parameter.tf", "iam_role.tf"};
    assert_int_equal(f.n, sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < f.n; i++) {
        assert_string_equal(f.items[i].name, names[i]);
        balanced(f.items[i].name, f.items[i].text);
        assert_false(f.items[i].executable);
    }
    const char *t = file_text(&f, "provider.tf");
    has(t, "version = \"5.20.1\"");
    has(t, "version = \"3.6.3\"");
    has(t, "\"elcui:stack\" = var.name");
    t = file_text(&f, "variable.tf");
    has(t, "default     = \"10.20.32.0/25\"");
    has(t, "default     = [\"10.20.32.0/27\", \"10.20.32.32/27\", \"10.20.32.64/27\"]");
    has(t, "default     = [\"10.20.32.96/27\"]");
    has(t, "default     = \"us-east-2\"");
    has(t, "sensitive   = true");
    t = file_text(&f, "data.tf");
    has(t, "data \"aws_caller_identity\" \"current\" {}");
    has(t, "slow_log_group          = \"/elasticache/${var.name}/slow-log\"");
    has(t, "replication_group_id    = lower(var.name)");
    has(t, "log-group:${local.engine_log_group}\"");
    t = file_text(&f, "network.tf");
    has(t, "resource \"aws_vpc\" \"this\"");
    has(t, "enable_dns_hostnames = true");
    has(t, "resource \"aws_default_security_group\" \"default\"");
    has(t, "Name = \"${local.vpc_name}-private-${count.index + 1}\"");
    t = file_text(&f, "security_group.tf");
    has(t, "from_port         = 6379");
    has(t, "cidr_blocks       = [var.vpc_cidr]");
    t = file_text(&f, "kms.tf");
    has(t, "resource \"aws_kms_key_policy\" \"encryption_rest_policy\"");
    has(t, "resource \"aws_kms_key_policy\" \"encryption_secret_policy\"");
    has(t, "enable_key_rotation     = true");
    has(t, "deletion_window_in_days = 7");
    has(t, "AWS = local.principal_root_arn");
    has(t, "Service = local.principal_logs_arn");
    has(t, "\"kms:EncryptionContext:aws:logs:arn\" = [local.slow_log_arn, local.engine_log_arn]");
    has(t, "\"kms:CallerAccount\" = data.aws_caller_identity.current.account_id");
    has(t, "\"kms:ViaService\"    = \"secretsmanager.${var.region}.amazonaws.com\"");
    has(t, "Id      = trimprefix(local.rest_key_alias, \"alias/\")");
    has(t, "Sid    = \"Allow ElastiCache to use the key\"");
    t = file_text(&f, "cloudwatch.tf");
    has(t, "retention_in_days = 365");
    has(t, "kms_key_id        = local.rest_key_arn");
    has(t, "depends_on        = [aws_kms_key_policy.encryption_rest_policy]");
    t = file_text(&f, "random.tf");
    has(t, "length           = 128");
    has(t, "override_special = \"!&#$^<>-\"");
    t = file_text(&f, "elasticache.tf");
    has(t, "resource \"aws_elasticache_replication_group\" \"app4\"");
    has(t, "node_type                  = \"cache.t2.small\"");
    has(t, "parameter_group_name       = \"default.redis7.cluster.on\"");
    has(t, "num_node_groups            = 3");
    has(t, "replicas_per_node_group    = 2");
    has(t, "multi_az_enabled           = true");
    has(t, "kms_key_id                 = local.rest_key_arn");
    has(t, "auth_token                 = aws_secretsmanager_secret_version.auth.secret_string");
    has(t, "secret_string = random_password.auth.result");
    has(t, "recovery_window_in_days = 0");
    has(t, "ignore_changes = [kms_key_id]");
    has(t, "log_type         = \"engine-log\"");
    has(t, "destination      = aws_cloudwatch_log_group.slow_log.name");
    lacks(t, "snapshot_retention_limit"); /* backups off, as the seed */
    t = file_text(&f, "ssm_parameter.tf");
    has(t, "type   = \"SecureString\"");
    has(t, "value  = aws_elasticache_replication_group.app4.configuration_endpoint_address");
    has(t, "tostring(aws_elasticache_replication_group.app4.port)");
    t = file_text(&f, "iam_role.tf");
    has(t, "Resource = [aws_ssm_parameter.elasticache_ep.arn, "
           "aws_ssm_parameter.elasticache_port.arn]");
    has(t, "Resource = [local.rest_key_arn]");
    has(t, "Action   = [\"secretsmanager:GetSecretValue\"]");
    has(t, "Resource = [local.secret_arn]");
    has(t, "policy = jsonencode({");
    char *stream = export_files_stream(&f);
    has(stream, "# ==== provider.tf ====\n");
    has(stream, "\n# ==== iam_role.tf ====\n");
    free(stream);
    export_files_free(&f);
    spec_del(s);
}

static void test_terraform_variants(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("Prod7");
    spec_set(s, "cache", "parameter_group", "default.redis7");
    spec_set(s, "cache", "shards", "1");
    spec_set(s, "cache", "replicas", "1");
    spec_set(s, "cache", "snapshot_retention", "7");
    spec_set(s, "cache", "auto_minor_version_upgrade", "no");
    spec_set(s, "cache", "engine", "valkey");
    spec_set(s, "cache", "engine_version", "8.0");
    spec_set(s, "logs", "engine_log", "no");
    spec_set(s, "names", "slow_log_group", "/custom/\"quoted\"/${x}");
    spec_set(s, "reuse", "vpc", "vpc-0abc");
    spec_set(s, "reuse", "subnets", "subnet-1,subnet-2");
    spec_set(s, "reuse", "security_group", "sg-9");
    spec_set(s, "reuse", "kms_key", "alias/shared");
    spec_set(s, "reuse", "secret", "shared-token");
    spec_set(s, "tags", "team", "cache \"ops\"");
    struct export_files f;
    render(s, EXPORT_TERRAFORM, &f);
    for (size_t i = 0; i < f.n; i++)
        balanced(f.items[i].name, f.items[i].text);
    assert_null(file_text(&f, "security_group.tf")); /* reused */
    assert_null(file_text(&f, "random.tf"));         /* the reused secret holds the token */
    const char *t = file_text(&f, "data.tf");
    has(t, "vpc_id                  = \"vpc-0abc\"");
    has(t, "private_subnet_ids      = [\"subnet-1\", \"subnet-2\"]");
    has(t, "cache_security_group_id = \"sg-9\"");
    has(t, "rest_key_arn            = data.aws_kms_key.encryption_rest.arn");
    has(t, "secret_arn              = data.aws_secretsmanager_secret.elasticache_auth.arn");
    /* an override is a literal, escaped: quotes and ${ */
    has(t, "slow_log_group          = \"/custom/\\\"quoted\\\"/$${x}\"");
    t = file_text(&f, "network.tf");
    lacks(t, "resource \"aws_vpc\"");
    lacks(t, "resource \"aws_subnet\" \"private\"");
    t = file_text(&f, "kms.tf");
    has(t, "data \"aws_kms_key\" \"encryption_rest\"");
    has(t, "key_id = \"alias/shared\"");
    lacks(t, "resource \"aws_kms_key\" \"encryption_rest\"");
    t = file_text(&f, "cloudwatch.tf");
    lacks(t, "engine_log");
    lacks(t, "depends_on"); /* the reused key's policy is not managed here */
    t = file_text(&f, "elasticache.tf");
    has(t, "resource \"aws_elasticache_replication_group\" \"Prod7\"");
    has(t, "num_cache_clusters         = 2");
    lacks(t, "num_node_groups");
    has(t, "engine                     = \"valkey\"");
    has(t, "engine_version             = \"8.0\"");
    has(t, "snapshot_retention_limit   = 7");
    has(t, "auto_minor_version_upgrade = false");
    has(t, "data \"aws_secretsmanager_secret_version\" \"auth\"");
    has(t, "auth_token                 = "
           "data.aws_secretsmanager_secret_version.auth.secret_string");
    t = file_text(&f, "ssm_parameter.tf");
    has(t, ".Prod7.primary_endpoint_address");
    has(file_text(&f, "provider.tf"), "\"team\"        = \"cache \\\"ops\\\"\"");
    export_files_free(&f);

    /* no AUTH token: no secret, no random_password, no secret policy */
    spec_del(s);
    s = spec_new("open");
    spec_set(s, "cache", "auth_token", "no");
    spec_set(s, "ssm", "parameters", "no");
    render(s, EXPORT_TERRAFORM, &f);
    assert_null(file_text(&f, "random.tf"));
    assert_null(file_text(&f, "ssm_parameter.tf"));
    assert_null(file_text(&f, "iam_role.tf"));
    lacks(file_text(&f, "elasticache.tf"), "auth_token");
    lacks(file_text(&f, "kms.tf"), "encryption_secret");
    lacks(file_text(&f, "data.tf"), "secret_arn");
    export_files_free(&f);
    spec_del(s);
}

/* Where in the script a step is (fails when missing). */
static size_t at(const char *t, const char *needle)
{
    const char *p = strstr(t, needle);
    if (!p)
        fail_msg("script lacks: %s", needle);
    return (size_t)(p - t);
}

static int sh_syntax(const char *text)
{
    char path[] = "/tmp/elcui-test-export-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "sh -n %s", path);
    int rc = system(cmd);
    unlink(path);
    return rc;
}

static void test_cli_script(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("app-4");
    struct export_files f;
    render(s, EXPORT_CLI, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].name, "create-app-4.sh");
    assert_true(f.items[0].executable);
    const char *t = f.items[0].text;
    assert_int_equal(strncmp(t, "#!/bin/sh\n", 10), 0);
    assert_int_equal(sh_syntax(t), 0);
    lacks(t, "SENTINEL");
    lacks(t, "set -x");
    /* the order hazards */
    assert_true(at(t, "aws ec2 create-vpc") < at(t, "create-cache-subnet-group"));
    assert_true(at(t, "aws kms put-key-policy --key-id \"$REST_KEY_ID\"") <
                at(t, "create_log_group '/elasticache/app-4/slow-log'"));
    assert_true(at(t, "aws secretsmanager create-secret") <
                at(t, "aws elasticache create-replication-group"));
    assert_true(at(t, "aws elasticache wait replication-group-available") <
                at(t, "aws ssm put-parameter"));
    assert_true(at(t, "aws ssm put-parameter") < at(t, "aws iam create-policy"));
    /* values */
    has(t, "--cidr-block '10.20.32.0/25'");
    has(t, "--num-node-groups 3 --replicas-per-node-group 2");
    has(t, " --multi-az-enabled --automatic-failover-enabled");
    has(t, "--at-rest-encryption-enabled --kms-key-id \"$REST_KEY_ID\"");
    has(t, "--auth-token \"file://$TOKEN_FILE\"");
    has(t, "--secret-string \"file://$TOKEN_FILE\"");
    has(t, "\"LogGroup\":\"/elasticache/app-4/engine-log\"");
    has(t, "--retention-in-days 365");
    has(t, "--type SecureString --key-id \"$REST_KEY_ID\"");
    has(t, "\"FromPort\":6379,\"ToPort\":6379");
    has(t, "\"arn:aws:logs:us-east-2:${ACCOUNT}:log-group:/elasticache/app-4/slow-log\"");
    has(t, "\"kms:ViaService\": \"secretsmanager.us-east-2.amazonaws.com\"");
    has(t, "\"${REST_KEY_ARN}\"");
    /* the token: Secrets Manager makes it with the allowed characters only,
     * straight into the private file; it is never echoed */
    has(t, "umask 077");
    has(t, "trap 'rm -f \"$TOKEN_FILE\"' EXIT");
    has(t, "get-random-password --password-length 128 --exclude-characters "
           "'\"%'\\''()*+,./:;=?@[\\]_`{|}~' --query RandomPassword --output text)\" > "
           "\"$TOKEN_FILE\"");
    lacks(t, "echo \"$TOKEN");
    lacks(t, "cat \"$TOKEN_FILE\"");
    export_files_free(&f);

    /* cluster mode off, reuse, no logs */
    spec_set(s, "cache", "parameter_group", "default.redis7");
    spec_set(s, "cache", "shards", "1");
    spec_set(s, "logs", "slow_log", "no");
    spec_set(s, "logs", "engine_log", "no");
    spec_set(s, "reuse", "vpc", "vpc-1");
    spec_set(s, "reuse", "subnets", "subnet-a,subnet-b");
    spec_set(s, "reuse", "secret", "it's-shared");
    spec_set(s, "network", "availability_zones", "us-east-2b,us-east-2c");
    render(s, EXPORT_CLI, &f);
    t = f.items[0].text;
    assert_int_equal(sh_syntax(t), 0);
    has(t, "--num-cache-clusters 3");
    has(t, "PrimaryEndpoint.[Address,Port]");
    has(t, "VPC_ID='vpc-1'");
    has(t, "SUBNET_IDS='subnet-a subnet-b'");
    has(t, "AZS='us-east-2b us-east-2c'");
    has(t, "--secret-id 'it'\\''s-shared'");
    lacks(t, "create_log_group");
    lacks(t, "aws ec2 create-vpc");
    lacks(t, "aws secretsmanager get-random-password");
    export_files_free(&f);
    spec_del(s);
}

/* --output tf/ names tf/provider.tf, not tf//provider.tf. */
static void test_export_path(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"tf", "tf/provider.tf"}, {"tf/", "tf/provider.tf"},  {"tf//", "tf/provider.tf"},
        {"/", "/provider.tf"},    {"//", "/provider.tf"},     {"/tmp/x/", "/tmp/x/provider.tf"},
        {"./", "./provider.tf"},  {"a/b", "a/b/provider.tf"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p = export_files_path(cases[i][0], "provider.tf");
        assert_string_equal(p, cases[i][1]);
        free(p);
    }
}

static void test_spec_round_trip_and_files(void **state)
{
    (void)state;
    struct stack_spec *s = spec_new("rt");
    spec_set(s, "cache", "node_type", "cache.r7g.large");
    spec_set(s, "tags", "owner", "ops");
    struct export_files f;
    render(s, EXPORT_SPEC, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].name, "rt.ini");
    struct stack_spec back;
    stack_spec_init(&back);
    char err[256];
    assert_int_equal(stack_spec_load_string(&back, f.items[0].text, err, sizeof(err)), 0);
    assert_true(stack_spec_equal(s, &back));
    stack_spec_free(&back);
    char *stream = export_files_stream(&f);
    assert_string_equal(stream, f.items[0].text); /* one file: no marker */
    free(stream);
    export_files_free(&f);

    /* files into a directory: replaced when present, scripts executable */
    char dir[] = "/tmp/elcui-test-export-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256];
    snprintf(sub, sizeof(sub), "%s/out", dir);
    render(s, EXPORT_CLI, &f);
    assert_int_equal(export_files_write(&f, sub, err, sizeof(err)), 0);
    assert_int_equal(export_files_write(&f, sub, err, sizeof(err)), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/create-rt.sh", sub);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_mode & S_IXUSR);
    assert_int_equal((size_t)st.st_size, strlen(f.items[0].text));
    unlink(path);
    export_files_free(&f);
    render(s, EXPORT_TERRAFORM, &f);
    assert_int_equal(export_files_write(&f, sub, err, sizeof(err)), 0);
    for (size_t i = 0; i < f.n; i++) {
        snprintf(path, sizeof(path), "%s/%s", sub, f.items[i].name);
        assert_int_equal(stat(path, &st), 0);
        assert_false(st.st_mode & S_IXUSR);
        unlink(path);
    }
    rmdir(sub);
    /* a path that cannot be a directory */
    snprintf(path, sizeof(path), "%s/file", dir);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    snprintf(sub, sizeof(sub), "%s/file/x", dir);
    assert_int_equal(export_files_write(&f, sub, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "file/x"));
    unlink(path);
    rmdir(dir);
    export_files_free(&f);
    spec_del(s);

    /* no name, no export */
    struct stack_spec anon;
    stack_spec_init(&anon);
    assert_int_equal(export_render(&anon, EXPORT_SPEC, &f, err, sizeof(err)), -1);
    stack_spec_free(&anon);
    assert_int_equal(export_format_parse("Terraform"), EXPORT_TERRAFORM);
    assert_int_equal(export_format_parse("cli"), EXPORT_CLI);
    assert_int_equal(export_format_parse("spec"), EXPORT_SPEC);
    assert_int_equal(export_format_parse("yaml"), -1);
}

/* ---- a live stack into a spec ---- */

struct world {
    struct audit_facts f;
    struct ec2_vpc vpc;
    struct ec2_subnet subnets[5];
    struct ec2_tag tags[5][2];
    struct ec2_tag vpc_tags[2];
    struct kms_alias_list rest, secret;
    struct kms_alias rest_alias[1], secret_alias[1];
};

static void world_init(struct world *w, bool ours)
{
    memset(w, 0, sizeof(*w));
    struct audit_facts *f = &w->f;
    audit_facts_init(f);
    f->rg_id = mem_xstrdup("app-4");
    f->description = mem_xstrdup("ElastiCache cluster for app-4");
    f->engine = mem_xstrdup("redis");
    f->engine_version = mem_xstrdup("7.1.0");
    f->node_type = mem_xstrdup("cache.t4g.small");
    f->parameter_group = mem_xstrdup("default.redis7.cluster.on");
    f->shards = 2;
    f->replicas = 1;
    f->nodes = 4;
    f->port = 6380;
    f->at_rest = f->transit = f->auth_token = f->multi_az = f->failover = AUDIT_TRI_YES;
    f->auto_minor = AUDIT_TRI_YES;
    f->has_snapshot_retention = true;
    f->snapshot_retention = 3;
    f->kms_key = mem_xstrdup("arn:aws:kms:us-east-2:1:key/r");
    struct audit_key *k = audit_facts_add_key(f, f->kms_key);
    k->arn = mem_xstrdup(f->kms_key);
    k->manager = mem_xstrdup("CUSTOMER");
    k->rotation = AUDIT_TRI_NO;
    k->policy = mem_xstrdup("{\"Statement\":[]}"); /* no ElastiCache statement */
    f->subnet_group = mem_xstrdup("app-4-cache-subnet");
    f->vpc_id = mem_xstrdup("vpc-1");
    f->subnets = mem_xcalloc(2, sizeof(*f->subnets));
    f->n_subnets = 2;
    f->subnets[0].key = mem_xstrdup("subnet-b");
    f->subnets[0].value = mem_xstrdup("us-east-2b");
    f->subnets[1].key = mem_xstrdup("subnet-a");
    f->subnets[1].value = mem_xstrdup("us-east-2a");
    f->sgs = mem_xcalloc(1, sizeof(*f->sgs));
    f->n_sgs = 1;
    f->sgs[0].id = mem_xstrdup("sg-1");
    f->sgs[0].name = mem_xstrdup(ours ? "app-4-elasticache-sg" : "shared-sg");
    f->logs = mem_xcalloc(2, sizeof(*f->logs));
    f->n_logs = 2;
    f->logs[0].log_type = mem_xstrdup("slow-log");
    f->logs[0].destination_type = mem_xstrdup("cloudwatch-logs");
    f->logs[0].destination = mem_xstrdup("/custom/slow");
    f->logs[0].format = mem_xstrdup("text");
    f->logs[0].found = AUDIT_TRI_YES;
    f->logs[0].has_retention = true;
    f->logs[0].retention_days = 90;
    f->logs[1].log_type = mem_xstrdup("engine-log");
    f->logs[1].destination_type = mem_xstrdup("kinesis-firehose");
    f->logs[1].destination = mem_xstrdup("stream-1");
    f->has_secret = true;
    f->secret.name = mem_xstrdup("app-4-elasticache-auth");
    f->secret.found = AUDIT_TRI_YES;
    f->secret.kms_key = mem_xstrdup("s-key");
    k = audit_facts_add_key(f, "s-key");
    k->arn = mem_xstrdup("arn:aws:kms:us-east-2:1:key/s");
    k->manager = mem_xstrdup("CUSTOMER");
    k->policy = mem_xstrdup("{\"Condition\":{\"kms:ViaService\":1}}");
    f->params = mem_xcalloc(2, sizeof(*f->params));
    f->n_params = 2;
    f->params[0].name = mem_xstrdup("/elasticache/app-4/app-4/endpoint");
    f->params[0].found = AUDIT_TRI_YES;
    f->params[1].name = mem_xstrdup("/elasticache/app-4/app-4/port");
    f->params[1].found = AUDIT_TRI_NO;
    f->policies = mem_xcalloc(2, sizeof(*f->policies));
    f->n_policies = 2;
    f->policies[0].name = mem_xstrdup("app-4-ssm-parameter-read-policy");
    f->policies[0].found = AUDIT_TRI_NO;
    f->policies[1].name = mem_xstrdup("app-4-secret-read-policy");
    f->policies[1].found = AUDIT_TRI_YES;
    f->tags = mem_xcalloc(3, sizeof(*f->tags));
    f->n_tags = 3;
    f->tags[0].key = mem_xstrdup("elcui:stack");
    f->tags[0].value = mem_xstrdup("app-4");
    f->tags[1].key = mem_xstrdup("team");
    f->tags[1].value = mem_xstrdup("cache");
    f->tags[2].key = mem_xstrdup("Name");
    f->tags[2].value = mem_xstrdup("x");
    f->stack = mem_xstrdup("app-4");

    w->vpc.vpc_id = (char *)"vpc-1";
    w->vpc.cidr_block = (char *)"10.9.0.0/24";
    w->vpc_tags[0].key = (char *)"elcui:stack";
    w->vpc_tags[0].value = (char *)(ours ? "app-4" : "other");
    w->vpc_tags[1].key = (char *)"Name";
    w->vpc_tags[1].value = (char *)"app-4-net";
    w->vpc.tags = w->vpc_tags;
    w->vpc.n_tags = 2;
    static const char *const ids[] = {"subnet-a", "subnet-b", "subnet-p", "subnet-x"};
    static const char *const cidrs[] = {"10.9.0.0/26", "10.9.0.64/26", "10.9.0.128/26",
                                        "10.9.0.192/26"};
    static const char *const azs[] = {"us-east-2a", "us-east-2b", "us-east-2a", "us-east-2c"};
    static const char *const nm[] = {"app-4-net-private-1", "app-4-net-private-2",
                                     "app-4-net-public-1", "someone-else"};
    for (int i = 0; i < 4; i++) {
        w->subnets[i].subnet_id = (char *)ids[i];
        w->subnets[i].cidr_block = (char *)cidrs[i];
        w->subnets[i].availability_zone = (char *)azs[i];
        w->tags[i][0].key = (char *)"Name";
        w->tags[i][0].value = (char *)nm[i];
        w->tags[i][1].key = (char *)"elcui:stack";
        w->tags[i][1].value = (char *)(i < 3 ? "app-4" : "other");
        w->subnets[i].tags = w->tags[i];
        w->subnets[i].n_tags = 2;
    }
    w->rest_alias[0].alias_name = (char *)"alias/app-4-encryption-rest";
    w->rest.items = w->rest_alias;
    w->rest.n = ours ? 1 : 0;
    w->secret_alias[0].alias_name = (char *)"alias/app-4-encryption-secret";
    w->secret.items = w->secret_alias;
    w->secret.n = 1;
}

static void free_notes(char **n, size_t k)
{
    for (size_t i = 0; i < k; i++)
        free(n[i]);
    free(n);
}

/* The world as export_live_spec reads it. */
static struct export_world world_view(struct world *w)
{
    return (struct export_world){.facts = &w->f,
                                 .vpc = &w->vpc,
                                 .subnets = w->subnets,
                                 .n_subnets = 4,
                                 .rest_aliases = &w->rest,
                                 .secret_aliases = &w->secret};
}

static bool note_has(char **n, size_t k, const char *needle)
{
    for (size_t i = 0; i < k; i++)
        if (strstr(n[i], needle))
            return true;
    return false;
}

static void test_live_world_ours(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, true);
    struct export_world ew = world_view(&w);
    struct stack_spec s;
    char **notes = NULL;
    size_t nn = 0;
    export_live_spec(&s, "app-4", "us-east-2", &ew, &notes, &nn);
    assert_string_equal(s.name, "app-4");
    assert_string_equal(s.engine_version, "7.1");
    assert_string_equal(s.node_type, "cache.t4g.small");
    assert_int_equal(s.shards, 2);
    assert_int_equal(s.replicas, 1);
    assert_int_equal(s.port, 6380);
    assert_int_equal(s.snapshot_retention, 3);
    assert_false(s.key_rotation);
    assert_false(s.elasticache_key_statement);
    assert_true(s.secret_key_policy);
    assert_true(s.slow_log);
    assert_false(s.engine_log); /* to Kinesis: not exported, said so */
    assert_true(note_has(notes, nn, "kinesis-firehose"));
    assert_string_equal(s.log_format, "text");
    assert_int_equal(s.log_retention_days, 90);
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SLOW_LOG_GROUP), "/custom/slow");
    assert_string_equal(stack_spec_name(&s, STACK_NAME_VPC), "app-4-net");
    assert_string_equal(s.vpc_cidr, "10.9.0.0/24");
    /* private subnets in Name order, the zones pinned; the public one */
    assert_int_equal(s.n_private, 2);
    assert_string_equal(s.private_cidrs[0], "10.9.0.0/26");
    assert_string_equal(s.private_cidrs[1], "10.9.0.64/26");
    assert_int_equal(s.n_azs, 2);
    assert_string_equal(s.azs[0], "us-east-2a");
    assert_int_equal(s.n_public, 1);
    assert_string_equal(s.public_cidrs[0], "10.9.0.128/26");
    assert_null(s.reuse_vpc);
    assert_null(s.reuse_security_group);
    assert_null(s.reuse_kms_key);
    assert_null(s.reuse_secret_kms_key);
    assert_true(s.ssm_parameters);
    assert_false(s.ssm_read_policy);
    assert_true(s.secret_read_policy);
    assert_int_equal(s.n_tags, 1);
    assert_string_equal(s.tags[0].key, "team");
    /* and it renders */
    struct export_files f;
    render(&s, EXPORT_TERRAFORM, &f);
    has(file_text(&f, "variable.tf"), "[\"us-east-2a\", \"us-east-2b\"]");
    export_files_free(&f);
    stack_spec_free(&s);
    free_notes(notes, nn);
    audit_facts_free(&w.f);
}

static void test_live_world_reused(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, false);
    struct export_world ew = world_view(&w);
    struct stack_spec s;
    char **notes = NULL;
    size_t nn = 0;
    export_live_spec(&s, "app-4", "us-east-2", &ew, &notes, &nn);
    assert_string_equal(s.reuse_vpc, "vpc-1");
    assert_int_equal(s.n_reuse_subnets, 2);
    assert_string_equal(s.reuse_subnets[0], "subnet-b"); /* as the subnet group lists them */
    assert_string_equal(s.reuse_security_group, "sg-1");
    assert_string_equal(s.reuse_kms_key, "arn:aws:kms:us-east-2:1:key/r");
    assert_null(s.reuse_secret_kms_key); /* aliased as the stack's */
    assert_true(note_has(notes, nn, "not tagged elcui:stack=app-4"));
    assert_true(note_has(notes, nn, "not aliased alias/app-4-encryption-rest"));
    stack_spec_free(&s);
    free_notes(notes, nn);

    /* the default subnet group, no VPC read, no secret */
    notes = NULL;
    nn = 0;
    free(w.f.subnet_group);
    w.f.subnet_group = mem_xstrdup("default");
    w.f.secret.found = AUDIT_TRI_NO;
    ew.vpc = NULL;
    export_live_spec(&s, "app-4", "us-east-2", &ew, &notes, &nn);
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SUBNET_GROUP), "default");
    assert_true(note_has(notes, nn, "default subnet group"));
    assert_true(note_has(notes, nn, "was not found: the export makes a new token"));
    stack_spec_free(&s);
    free_notes(notes, nn);
    audit_facts_free(&w.f);
}

/* Each resource's own live values: the security group's rule comes from
 * the security group (6379) even when the group reports another port
 * (24250, as a local stand-in for the endpoint would), the Name tag from
 * the security group, the description from the subnet group, and the
 * group's elcui:auth-secret tag is kept by every format. */
static void test_live_observed_values(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, true);
    w.f.port = 24250;
    w.f.tags = mem_xrealloc(w.f.tags, 4 * sizeof(*w.f.tags));
    w.f.tags[3].key = mem_xstrdup("elcui:auth-secret");
    w.f.tags[3].value = mem_xstrdup("app-4-elasticache-auth");
    w.f.n_tags = 4;
    struct ec2_ip_range ranges[2] = {{(char *)"10.0.0.0/8", (char *)"someone's"},
                                     {(char *)"10.9.0.0/24", (char *)STACK_DESC_SG_INGRESS}};
    struct ec2_ip_permission perms[2] = {
        {.ip_protocol = (char *)"tcp",
         .has_ports = true,
         .from_port = 22,
         .to_port = 22,
         .ip_ranges = &ranges[0],
         .n_ip_ranges = 1},
        {.ip_protocol = (char *)"tcp",
         .has_ports = true,
         .from_port = 6379,
         .to_port = 6379,
         .ip_ranges = &ranges[1],
         .n_ip_ranges = 1},
    };
    struct ec2_tag sg_tags[1] = {{(char *)"Name", (char *)"app-4-elasticache-sg"}};
    struct ec2_security_group sg = {.group_id = (char *)"sg-1",
                                    .group_name = (char *)"app-4-elasticache-sg",
                                    .ingress = perms,
                                    .n_ingress = 2,
                                    .tags = sg_tags,
                                    .n_tags = 1};
    struct elasticache_cache_subnet_group sng = {.name = (char *)"app-4-cache-subnet",
                                                 .description = (char *)"made by hand"};
    struct export_world ew = world_view(&w);
    ew.sg = &sg;
    ew.subnet_group = &sng;
    struct stack_spec s;
    struct export_observed ob;
    char **notes = NULL;
    size_t nn = 0;
    export_live_spec(&s, "app-4", "us-east-2", &ew, &notes, &nn);
    export_live_observe(&s, &ew, &ob, &notes, &nn);
    assert_int_equal(s.port, 24250); /* the group's own */
    assert_true(ob.has_ingress);
    assert_int_equal(ob.ingress_from, 6379); /* the security group's own */
    assert_int_equal(ob.ingress_to, 6379);
    assert_string_equal(ob.ingress_cidr, "10.9.0.0/24");
    assert_string_equal(ob.sg_name_tag, "app-4-elasticache-sg");
    assert_string_equal(ob.subnet_group_description, "made by hand");
    assert_string_equal(ob.auth_secret_tag, "app-4-elasticache-auth");
    assert_true(note_has(notes, nn, "allows port 6379 while the group reports port 24250"));
    assert_true(note_has(notes, nn, "description is \"made by hand\""));
    assert_false(note_has(notes, nn, "elcui:auth-secret")); /* kept: no "not exported" */
    for (size_t i = 0; i < s.n_tags; i++)
        assert_string_not_equal(s.tags[i].key, "elcui:auth-secret");

    struct export_files f;
    char err[256];
    assert_int_equal(export_render_observed(&s, &ob, EXPORT_TERRAFORM, &f, err, sizeof(err)), 0);
    const char *t = file_text(&f, "security_group.tf");
    has(t, "from_port         = 6379");
    has(t, "to_port           = 6379");
    lacks(t, "24250");
    has(t, "cidr_blocks       = [var.vpc_cidr]");
    has(t, "Name = local.security_group_name");
    has(t, "# the security group lets no traffic out"); /* none read: none written */
    lacks(t, "elasticache_egress");
    t = file_text(&f, "elasticache.tf");
    has(t, "port                       = 24250");
    has(t, "description = \"made by hand\"");
    has(t, "\"elcui:auth-secret\" = local.secret_name");
    has(t, "depends_on              = [aws_kms_key_policy.encryption_secret_policy]");
    t = file_text(&f, "variable.tf");
    has(t, "default     = { \"us-east-2\" = [\"us-east-2a\", \"us-east-2b\"] }");
    has(file_text(&f, "data.tf"), "= lookup(var.availability_zones, var.region, "
                                  "data.aws_availability_zones.available.names)");
    export_files_free(&f);

    assert_int_equal(export_render_observed(&s, &ob, EXPORT_CLI, &f, err, sizeof(err)), 0);
    t = f.items[0].text;
    has(t, "\"FromPort\":6379,\"ToPort\":6379");
    has(t, "--port 24250");
    has(t, "{Key=Name,Value=app-4-elasticache-sg}");
    has(t, "--cache-subnet-group-description 'made by hand'");
    has(t, "{\"Key\":\"elcui:auth-secret\",\"Value\":\"app-4-elasticache-auth\"}");
    has(t, "case \"$REGION\" in\n'us-east-2') AZS='us-east-2a us-east-2b' ;;");
    export_files_free(&f);

    /* the plan (no observation): what apply will make */
    assert_int_equal(export_render(&s, EXPORT_TERRAFORM, &f, err, sizeof(err)), 0);
    has(file_text(&f, "security_group.tf"), "from_port         = 24250");
    has(file_text(&f, "elasticache.tf"), "description = \"Cache subnets of app-4\"");
    export_files_free(&f);

    export_observed_free(&ob);
    stack_spec_free(&s);
    free_notes(notes, nn);
    audit_facts_free(&w.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terraform_seed),
        cmocka_unit_test(test_terraform_variants),
        cmocka_unit_test(test_cli_script),
        cmocka_unit_test(test_export_path),
        cmocka_unit_test(test_spec_round_trip_and_files),
        cmocka_unit_test(test_live_world_ours),
        cmocka_unit_test(test_live_world_reused),
        cmocka_unit_test(test_live_observed_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

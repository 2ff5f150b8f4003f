/* test_stack_spec.c - the stack spec: the seed's defaults, names from one
 * stem and their overrides, the INI file (errors with lines, continuation
 * lines, lists, [accept]/[tags] replacing the defaults), write -> load
 * round trips, the policy documents, and the AUTH token generator
 * (alphabet, length, no modulo bias). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/stack/stack_spec.h"

static void named(struct stack_spec *s, const char *name)
{
    char err[256];
    stack_spec_init(s);
    assert_int_equal(stack_spec_set_name(s, name, err, sizeof(err)), 0);
}

static void test_defaults_are_the_seed(void **state)
{
    (void)state;
    struct stack_spec s;
    named(&s, "app-4");
    assert_string_equal(stack_spec_region(&s), "us-east-2");
    assert_null(s.region);
    assert_string_equal(s.vpc_cidr, "10.20.32.0/25");
    assert_int_equal(s.n_private, 3);
    assert_string_equal(s.private_cidrs[0], "10.20.32.0/27");
    assert_string_equal(s.private_cidrs[1], "10.20.32.32/27");
    assert_string_equal(s.private_cidrs[2], "10.20.32.64/27");
    assert_int_equal(s.n_public, 1);
    assert_string_equal(s.public_cidrs[0], "10.20.32.96/27");
    assert_int_equal(s.n_azs, 0);
    assert_true(s.lock_default_security_group);
    assert_string_equal(s.engine, "redis");
    assert_null(s.engine_version);
    assert_string_equal(s.node_type, "cache.t2.small");
    assert_string_equal(s.parameter_group, "default.redis7.cluster.on");
    assert_int_equal(s.shards, 3);
    assert_int_equal(s.replicas, 2);
    assert_int_equal(s.port, 6379);
    assert_true(s.multi_az && s.automatic_failover);
    assert_true(s.at_rest_encryption && s.transit_encryption && s.auth_token);
    assert_int_equal(s.snapshot_retention, 0);
    assert_int_equal(s.node_quota, 90);
    assert_true(s.key_rotation);
    assert_int_equal(s.key_deletion_window, 7);
    assert_true(s.elasticache_key_statement && s.secret_key_policy);
    assert_true(s.slow_log && s.engine_log);
    assert_string_equal(s.log_format, "json");
    assert_int_equal(s.log_retention_days, 365);
    assert_int_equal(s.token_length, 128);
    assert_int_equal(s.secret_recovery_days, 0);
    assert_true(s.ssm_parameters && s.ssm_read_policy && s.secret_read_policy);
    assert_null(s.reuse_vpc);
    assert_int_equal(s.n_tags, 0);
    /* What the seed accepts: backups off, the secret not rotated. */
    assert_non_null(stack_spec_accepted(&s, "CKV_AWS_134"));
    assert_non_null(stack_spec_accepted(&s, "ckv2_aws_57"));
    assert_null(stack_spec_accepted(&s, "CKV_AWS_29"));
    stack_spec_free(&s);
}

static void test_names_from_one_stem(void **state)
{
    (void)state;
    static const char *const want[STACK_NAME__COUNT] = {
        [STACK_NAME_VPC] = "app-4",
        [STACK_NAME_SUBNET_GROUP] = "app-4-cache-subnet",
        [STACK_NAME_SECURITY_GROUP] = "app-4-elasticache-sg",
        [STACK_NAME_REST_KEY_ALIAS] = "alias/app-4-encryption-rest",
        [STACK_NAME_SECRET_KEY_ALIAS] = "alias/app-4-encryption-secret",
        [STACK_NAME_SLOW_LOG_GROUP] = "/elasticache/app-4/slow-log",
        [STACK_NAME_ENGINE_LOG_GROUP] = "/elasticache/app-4/engine-log",
        [STACK_NAME_SECRET] = "app-4-elasticache-auth",
        [STACK_NAME_REPLICATION_GROUP] = "app-4",
        [STACK_NAME_DESCRIPTION] = "ElastiCache cluster for app-4",
        [STACK_NAME_SSM_PREFIX] = "/elasticache/app-4/app-4",
        [STACK_NAME_SSM_POLICY] = "app-4-ssm-parameter-read-policy",
        [STACK_NAME_SECRET_POLICY] = "app-4-secret-read-policy",
    };
    struct stack_spec s;
    named(&s, "app-4");
    for (int i = 0; i < STACK_NAME__COUNT; i++)
        assert_string_equal(stack_spec_name(&s, (enum stack_name)i), want[i]);
    char *v;
    v = stack_spec_subnet_name(&s, false, 2);
    assert_string_equal(v, "app-4-private-3");
    free(v);
    v = stack_spec_subnet_name(&s, true, 0);
    assert_string_equal(v, "app-4-public-1");
    free(v);
    v = stack_spec_private_route_table_name(&s, 0);
    assert_string_equal(v, "app-4-private-1");
    free(v);
    v = stack_spec_public_route_table_name(&s);
    assert_string_equal(v, "app-4-public");
    free(v);
    v = stack_spec_default_sg_name(&s);
    assert_string_equal(v, "app-4-default");
    free(v);
    v = stack_spec_key_name(&s, false);
    assert_string_equal(v, "app-4-encryption-rest");
    free(v);
    v = stack_spec_key_name(&s, true);
    assert_string_equal(v, "app-4-encryption-secret");
    free(v);
    v = stack_spec_ssm_name(&s, false);
    assert_string_equal(v, "/elasticache/app-4/app-4/endpoint");
    free(v);
    v = stack_spec_ssm_name(&s, true);
    assert_string_equal(v, "/elasticache/app-4/app-4/port");
    free(v);
    v = stack_spec_log_group_arn(&s, "111122223333", false);
    assert_string_equal(
        v, "arn:aws:logs:us-east-2:111122223333:log-group:/elasticache/app-4/slow-log");
    free(v);
    v = stack_spec_ssm_arn(&s, "111122223333", true);
    assert_string_equal(
        v, "arn:aws:ssm:us-east-2:111122223333:parameter/elasticache/app-4/app-4/port");
    free(v);
    v = stack_spec_policy_arn(&s, "111122223333", true);
    assert_string_equal(v, "arn:aws:iam::111122223333:policy/app-4-secret-read-policy");
    free(v);
    /* A new stem moves every derived name; the id is stored lower-case. */
    char err[256];
    assert_int_equal(stack_spec_set_name(&s, "Shop-Cache", err, sizeof(err)), 0);
    assert_string_equal(stack_spec_name(&s, STACK_NAME_REPLICATION_GROUP), "shop-cache");
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SSM_PREFIX),
                        "/elasticache/Shop-Cache/shop-cache");
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SECRET), "Shop-Cache-elasticache-auth");
    stack_spec_free(&s);
}

static void test_overrides(void **state)
{
    (void)state;
    struct stack_spec s;
    char err[256];
    named(&s, "app-4");
    assert_int_equal(stack_spec_set(&s, "names", "replication_group_id", "App-4-Redis-Cluster", err,
                                    sizeof(err)),
                     0);
    assert_int_equal(
        stack_spec_set(&s, "names", "slow_log_group", "/custom/slow", err, sizeof(err)), 0);
    assert_string_equal(stack_spec_name(&s, STACK_NAME_REPLICATION_GROUP), "app-4-redis-cluster");
    /* the SSM prefix follows the replication group id (Dec 2023 shape) */
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SSM_PREFIX),
                        "/elasticache/app-4/app-4-redis-cluster");
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SLOW_LOG_GROUP), "/custom/slow");
    /* the key policy's condition names the overridden group */
    char *arn = stack_spec_log_group_arn(&s, "1", false);
    assert_string_equal(arn, "arn:aws:logs:us-east-2:1:log-group:/custom/slow");
    free(arn);
    /* overrides survive a new stem; derived names move */
    assert_int_equal(stack_spec_set_name(&s, "other", err, sizeof(err)), 0);
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SLOW_LOG_GROUP), "/custom/slow");
    assert_string_equal(stack_spec_name(&s, STACK_NAME_ENGINE_LOG_GROUP),
                        "/elasticache/other/engine-log");
    /* an empty value goes back to the derived name */
    assert_int_equal(stack_spec_set(&s, "names", "slow_log_group", "", err, sizeof(err)), 0);
    assert_string_equal(stack_spec_name(&s, STACK_NAME_SLOW_LOG_GROUP),
                        "/elasticache/other/slow-log");
    assert_string_equal(stack_spec_name_key(STACK_NAME_SUBNET_GROUP), "subnet_group");
    stack_spec_free(&s);
}

static void test_set_errors_name_the_field(void **state)
{
    (void)state;
    struct stack_spec s;
    char err[512];
    named(&s, "app-4");
    assert_int_equal(stack_spec_set(&s, "cache", "shards", "three", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cache.shards"));
    assert_non_null(strstr(err, "whole number"));
    assert_int_equal(stack_spec_set(&s, "cache", "multi_az", "maybe", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cache.multi_az"));
    assert_int_equal(stack_spec_set(&s, "cache", "colour", "red", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown key 'colour'"));
    assert_int_equal(stack_spec_set(&s, "bogus", "x", "1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown section [bogus]"));
    assert_int_equal(stack_spec_set(&s, "network", "private_subnets", "a,,b", err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "empty item"));
    assert_int_equal(stack_spec_set(&s, "network", "private_subnets",
                                    "1.0.0.0/27,2.0.0.0/27,3.0.0.0/27,4.0.0.0/27,5.0.0.0/27,"
                                    "6.0.0.0/27,7.0.0.0/27",
                                    err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "more than 6"));
    assert_int_equal(stack_spec_set(&s, "names", "description", "a ; b", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "comment"));
    /* a leading ';' would be written "key = ;..." and read back as a comment */
    assert_int_equal(stack_spec_set(&s, "names", "description", ";b", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "starts a comment"));
    assert_int_equal(
        stack_spec_set(&s, "reuse", "subnets", "subnet-1, ;subnet-2", err, sizeof(err)), -1);
    assert_int_equal(
        stack_spec_set(&s, "reuse", "subnets", "subnet-1,; subnet-2", err, sizeof(err)), -1);
    assert_int_equal(stack_spec_set(&s, "names", "description", "a;b", err, sizeof(err)), 0);
    /* longer keys would come back cut by libinih when their value continues */
    assert_int_equal(stack_spec_set(&s, "tags", "k123456789012345678901234567890123456789", "v",
                                    err, sizeof(err)),
                     0);
    assert_int_equal(stack_spec_set(&s, "tags", "k1234567890123456789012345678901234567890", "v",
                                    err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "1 to 40"));
    assert_int_equal(stack_spec_set(&s, "tags", STACK_SPEC_TAG_KEY, "x", err, sizeof(err)), -1);
    assert_int_equal(stack_spec_set(&s, "tags", "a:b", "x", err, sizeof(err)), -1);
    assert_int_equal(stack_spec_set_name(&s, "bad/name", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "stack.name"));
    assert_int_equal(stack_spec_set_name(&s, "", err, sizeof(err)), -1);
    assert_int_equal(stack_spec_set_name(&s, "a-name-that-is-much-longer-than-forty-characters",
                                         err, sizeof(err)),
                     -1);
    /* nothing of the failed calls stuck */
    assert_int_equal(s.shards, 3);
    assert_int_equal(s.n_private, 3);
    assert_string_equal(s.name, "app-4");
    /* the right ones do */
    assert_int_equal(stack_spec_set(&s, "cache", "multi_az", "No", err, sizeof(err)), 0);
    assert_false(s.multi_az);
    assert_int_equal(stack_spec_set(&s, "network", "availability_zones",
                                    " us-east-2b , us-east-2c ", err, sizeof(err)),
                     0);
    assert_int_equal(s.n_azs, 2);
    assert_string_equal(s.azs[0], "us-east-2b");
    assert_int_equal(stack_spec_set(&s, "network", "public_subnets", "", err, sizeof(err)), 0);
    assert_int_equal(s.n_public, 0);
    stack_spec_free(&s);
}

static void test_file_and_errors(void **state)
{
    (void)state;
    struct stack_spec s;
    char err[512];
    stack_spec_init(&s);
    const char *text = "# a spec\n"
                       "[stack]\n"
                       "name = shop\n"
                       "region = eu-west-1\n"
                       "[cache]\n"
                       "shards = 2\n"
                       "replicas = 1 ; inline comment\n"
                       "node_type = cache.r7g.large\n"
                       "engine_version = 7.1\n"
                       "[network]\n"
                       "private_subnets = 10.0.0.0/27,\n"
                       "   10.0.0.32/27\n"
                       "[names]\n"
                       "description = a long description\n"
                       "   over two lines\n"
                       "[accept]\n"
                       "CKV_AWS_31 = no AUTH in this test\n"
                       "[tags]\n"
                       "team = platform\n";
    assert_int_equal(stack_spec_load_string(&s, text, err, sizeof(err)), 0);
    assert_string_equal(s.name, "shop");
    assert_string_equal(stack_spec_region(&s), "eu-west-1");
    assert_int_equal(s.shards, 2);
    assert_int_equal(s.replicas, 1);
    assert_string_equal(s.engine_version, "7.1");
    assert_int_equal(s.n_private, 2);
    assert_string_equal(s.private_cidrs[1], "10.0.0.32/27");
    assert_string_equal(stack_spec_name(&s, STACK_NAME_DESCRIPTION),
                        "a long description over two lines");
    /* a file's [accept] replaces the defaults */
    assert_non_null(stack_spec_accepted(&s, "CKV_AWS_31"));
    assert_null(stack_spec_accepted(&s, "CKV_AWS_134"));
    assert_int_equal(s.n_tags, 1);
    stack_spec_free(&s);

    static const struct {
        const char *text;
        const char *want;
    } bad[] = {
        {"[stack]\nname = a\n[cache]\nshards = x\n", "(spec):4: cache.shards"},
        {"[stack]\nname = a\n[cache]\nwhat = 1\n", "(spec):4: cache.what: unknown key"},
        {"[stack]\nname = a\nnot a line\n", "(spec):3:"},
        {"[cache]\nshards = 2\n", "no 'name' in [stack]"},
        {"[stack]\nname = a/b\n", "(spec):2: stack.name"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        stack_spec_init(&s);
        err[0] = '\0';
        assert_int_equal(stack_spec_load_string(&s, bad[i].text, err, sizeof(err)), -1);
        if (!strstr(err, bad[i].want))
            fail_msg("case %zu: '%s' does not contain '%s'", i, err, bad[i].want);
        stack_spec_free(&s);
    }
    /* a line longer than the reader takes */
    char longl[600];
    int n = snprintf(longl, sizeof(longl), "[stack]\nname = a\n[names]\ndescription = ");
    memset(longl + n, 'x', 300);
    memcpy(longl + n + 300, "\n", 2);
    stack_spec_init(&s);
    assert_int_equal(stack_spec_load_string(&s, longl, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":4: the line is too long"));
    stack_spec_free(&s);
    /* files */
    stack_spec_init(&s);
    assert_int_equal(stack_spec_load_file(&s, "/nonexistent/x.spec", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/x.spec"));
    char path[] = "/tmp/elcui-spec-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "[stack]\nname = a\0b\n", 19), 19);
    close(fd);
    assert_int_equal(stack_spec_load_file(&s, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "NUL"));
    unlink(path);
    stack_spec_free(&s);
}

static void roundtrip(struct stack_spec *s)
{
    char err[512];
    char *text = stack_spec_write(s);
    struct stack_spec t;
    stack_spec_init(&t);
    if (stack_spec_load_string(&t, text, err, sizeof(err)) != 0)
        fail_msg("reload: %s\n%s", err, text);
    assert_true(stack_spec_equal(s, &t));
    /* and written again, byte for byte the same */
    char *again = stack_spec_write(&t);
    assert_string_equal(text, again);
    /* every line fits the reader */
    for (const char *p = text; *p;) {
        size_t l = strcspn(p, "\n");
        assert_true(l < 197);
        p += l + (p[l] == '\n');
    }
    free(text);
    free(again);
    stack_spec_free(&t);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct stack_spec s;
    char err[512];
    named(&s, "app-4");
    roundtrip(&s);
    /* everything changed, lists, names, a long description, no accepts */
    static const char *const sets[][3] = {
        {"stack", "region", "ap-south-1"},
        {"network", "vpc_cidr", "10.1.0.0/16"},
        {"network", "private_subnets", "10.1.0.0/24, 10.1.1.0/24"},
        {"network", "public_subnets", ""},
        {"network", "availability_zones", "ap-south-1a,ap-south-1b"},
        {"network", "lock_default_security_group", "no"},
        {"cache", "engine", "valkey"},
        {"cache", "engine_version", "8.0"},
        {"cache", "parameter_group", "default.valkey8.cluster.on"},
        {"cache", "shards", "5"},
        {"cache", "replicas", "1"},
        {"cache", "port", "6380"},
        {"cache", "snapshot_retention", "7"},
        {"kms", "deletion_window", "30"},
        {"logs", "format", "text"},
        {"logs", "engine_log", "no"},
        {"secret", "recovery_window", "7"},
        {"secret", "token_file", "/run/secrets/token"},
        {"ssm", "parameters", "no"},
        {"iam", "ssm_read_policy", "no"},
        {"reuse", "kms_key", "alias/shared-key"},
        {"names", "secret", "my/secret"},
        {"names", "description",
         "A description long enough to need continuation lines in the file, because it goes on "
         "and on with many words, commas, and more words until it is well over one hundred and "
         "fifty characters long"},
        {"accept", "*", "none"},
        /* commas and spaces come back exactly (fuzz regression) */
        {"reuse", "vpc", "vpc-1,x"},
        {"reuse", "secret", "a ,b,  c"},
        {"tags", "note",
         "#hash words;semi and  double  spaces, and a long run of text that needs to be "
         "continued because it goes on beyond the one hundred and fifty characters a line may "
         "hold #end"},
        {"tags", "team", "platform"},
        {"tags", "cost-centre", "12 34"},
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
        if (stack_spec_set(&s, sets[i][0], sets[i][1], sets[i][2], err, sizeof(err)) != 0)
            fail_msg("%s.%s: %s", sets[i][0], sets[i][1], err);
    assert_int_equal(s.n_accepted, 0);
    roundtrip(&s);
    /* a copy is equal and independent */
    struct stack_spec c;
    stack_spec_copy(&c, &s);
    assert_true(stack_spec_equal(&s, &c));
    assert_int_equal(stack_spec_set(&c, "cache", "shards", "6", err, sizeof(err)), 0);
    assert_false(stack_spec_equal(&s, &c));
    stack_spec_free(&c);
    stack_spec_free(&s);
}

static json_t *statement(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "Statement"), i);
}

static void test_policies(void **state)
{
    (void)state;
    struct stack_spec s;
    named(&s, "app-4");
    json_t *p = stack_spec_rest_key_policy(&s, "111122223333");
    assert_string_equal(json_string_value(json_object_get(p, "Id")), "app-4-encryption-rest");
    assert_int_equal(json_array_size(json_object_get(p, "Statement")), 3);
    json_t *st = statement(p, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(st, "Principal"), "AWS")),
                        "arn:aws:iam::111122223333:root");
    assert_string_equal(json_string_value(json_object_get(st, "Action")), "kms:*");
    st = statement(p, 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "Principal"), "Service")),
        "elasticache.amazonaws.com");
    assert_int_equal(json_array_size(json_object_get(st, "Action")), 6);
    st = statement(p, 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "Principal"), "Service")),
        "logs.us-east-2.amazonaws.com");
    json_t *arns = json_object_get(json_object_get(json_object_get(st, "Condition"), "ArnEquals"),
                                   "kms:EncryptionContext:aws:logs:arn");
    assert_int_equal(json_array_size(arns), 2);
    assert_string_equal(
        json_string_value(json_array_get(arns, 0)),
        "arn:aws:logs:us-east-2:111122223333:log-group:/elasticache/app-4/slow-log");
    assert_string_equal(
        json_string_value(json_array_get(arns, 1)),
        "arn:aws:logs:us-east-2:111122223333:log-group:/elasticache/app-4/engine-log");
    json_decref(p);
    /* the Dec 2023 shape: no ElastiCache statement; only the slow log */
    s.elasticache_key_statement = false;
    s.engine_log = false;
    p = stack_spec_rest_key_policy(&s, "1");
    assert_int_equal(json_array_size(json_object_get(p, "Statement")), 2);
    arns =
        json_object_get(json_object_get(json_object_get(statement(p, 1), "Condition"), "ArnEquals"),
                        "kms:EncryptionContext:aws:logs:arn");
    assert_int_equal(json_array_size(arns), 1);
    json_decref(p);

    p = stack_spec_secret_key_policy(&s, "111122223333");
    st = statement(p, 1);
    json_t *cond = json_object_get(json_object_get(st, "Condition"), "StringEquals");
    assert_string_equal(json_string_value(json_object_get(cond, "kms:CallerAccount")),
                        "111122223333");
    assert_string_equal(json_string_value(json_object_get(cond, "kms:ViaService")),
                        "secretsmanager.us-east-2.amazonaws.com");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(st, "Principal"), "AWS"), 0)),
                        "*");
    json_decref(p);

    p = stack_spec_ssm_read_policy(&s, "111122223333", "arn:aws:kms:us-east-2:1:key/k");
    st = statement(p, 0);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(st, "Resource"), 0)),
        "arn:aws:ssm:us-east-2:111122223333:parameter/elasticache/app-4/app-4/endpoint");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(statement(p, 1), "Resource"), 0)),
        "arn:aws:kms:us-east-2:1:key/k");
    json_decref(p);
    p = stack_spec_secret_read_policy(&s, "arn:secret", "arn:key");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(statement(p, 0), "Action"), 0)),
        "secretsmanager:GetSecretValue");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(statement(p, 1), "Resource"), 0)),
        "arn:key");
    json_decref(p);
    /* other partitions */
    assert_string_equal(stack_spec_partition("cn-north-1"), "aws-cn");
    assert_string_equal(stack_spec_partition("us-gov-west-1"), "aws-us-gov");
    assert_string_equal(stack_spec_partition("eu-west-1"), "aws");
    stack_spec_free(&s);
}

static void test_token(void **state)
{
    (void)state;
    const char *alphabet = STACK_SPEC_TOKEN_ALPHABET;
    size_t na = strlen(alphabet);
    assert_int_equal(na, 70);
    char tok[129];
    assert_int_equal(stack_spec_generate_token(tok, 128), 0);
    assert_int_equal(strlen(tok), 128);
    assert_int_equal(stack_spec_generate_token(tok, 16), 0);
    assert_int_equal(strlen(tok), 16);
    assert_int_equal(stack_spec_generate_token(tok, 15), -1);
    assert_int_equal(stack_spec_generate_token(tok, 129), -1);
    /* Every character from the alphabet, each about equally often: with
     * a modulo bias (256 % 70 = 46) the first 46 characters would come
     * 4/3 as often as the rest, far outside the tolerance below. */
    long counts[256] = {0};
    const int rounds = 4000;
    for (int r = 0; r < rounds; r++) {
        assert_int_equal(stack_spec_generate_token(tok, 128), 0);
        for (size_t i = 0; i < 128; i++) {
            assert_non_null(strchr(alphabet, tok[i]));
            counts[(unsigned char)tok[i]]++;
        }
    }
    mem_wipe(tok, sizeof(tok));
    double expect = (double)rounds * 128 / (double)na;
    double chi = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < na; i++) {
        double d = (double)counts[(unsigned char)alphabet[i]] - expect;
        chi += d * d / expect;
        if (i < 46)
            lo += (double)counts[(unsigned char)alphabet[i]];
        else
            hi += (double)counts[(unsigned char)alphabet[i]];
    }
    /* 69 degrees of freedom: p = 1e-6 is about 140 */
    assert_true(chi < 140.0);
    double ratio = (lo / 46.0) / (hi / 24.0);
    assert_true(fabs(ratio - 1.0) < 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_seed),
        cmocka_unit_test(test_names_from_one_stem),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_set_errors_name_the_field),
        cmocka_unit_test(test_file_and_errors),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_stack_validate.c - every rule of "Validation before the first call":
 * each bad input is rejected with a message naming the field and the fix;
 * the seed's spec passes with only the previous-generation hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/stack/stack_spec.h"
#include "core/stack/stack_validate.h"

static void seed(struct stack_spec *s)
{
    char err[256];
    stack_spec_init(s);
    assert_int_equal(stack_spec_set_name(s, "app-4", err, sizeof(err)), 0);
}

static void test_seed_passes(void **state)
{
    (void)state;
    struct stack_spec s;
    seed(&s);
    struct stack_problems p;
    assert_int_equal(stack_validate(&s, &p), 0);
    assert_int_equal(p.n_errors, 0);
    assert_int_equal(p.n_warnings, 1);
    const struct stack_problem *w = stack_validate_problems_find(&p, "cache.node_type");
    assert_non_null(w);
    assert_int_equal(w->severity, STACK_SEV_WARNING);
    assert_non_null(strstr(w->message, "previous-generation"));
    assert_non_null(strstr(w->message, "cache.t4g.small"));
    char *t = stack_validate_problems_format(&p);
    assert_non_null(strstr(t, "warning: cache.node_type: "));
    free(t);
    stack_validate_problems_free(&p);
    /* a current node type: no problem at all */
    free(s.node_type);
    s.node_type = mem_xstrdup("cache.t4g.small");
    assert_int_equal(stack_validate(&s, &p), 0);
    assert_int_equal(p.n, 0);
    stack_validate_problems_free(&p);
    stack_spec_free(&s);
}

/* One mutation (a list of section.key=value) -> the field of the error
 * and words its message must hold (the fix). */
struct rule_case {
    const char *sets[4][3];
    const char *field;
    const char *words;
};

static const struct rule_case cases[] = {
    /* replication group id */
    {{{"names", "replication_group_id", "1abc"}},
     "names.replication_group_id",
     "begin with a letter"},
    {{{"names", "replication_group_id", "abc-"}},
     "names.replication_group_id",
     "ends with a hyphen"},
    {{{"names", "replication_group_id", "a--b"}}, "names.replication_group_id", "two hyphens"},
    {{{"names", "replication_group_id", "a_b"}}, "names.replication_group_id", "only letters"},
    {{{"names", "replication_group_id", "a234567890123456789012345678901234567890x"}},
     "names.replication_group_id",
     "at most 40"},
    /* CIDRs */
    {{{"network", "vpc_cidr", "10.20.32.0/33"}}, "network.vpc_cidr", "IPv4 CIDR"},
    {{{"network", "vpc_cidr", "10.20.32.1/25"}}, "network.vpc_cidr", "host bits"},
    {{{"network", "vpc_cidr", "10.0.0.0/8"}}, "network.vpc_cidr", "/16 to /28"},
    {{{"network", "private_subnets", "10.20.32.0/27,10.20.32.32/27,10.20.40.0/27"}},
     "network.private_subnets",
     "not inside the VPC"},
    {{{"network", "public_subnets", "10.20.32.64/26"}}, "network.public_subnets", "overlaps"},
    {{{"network", "private_subnets", "10.20.32.0/27,10.20.32.0/28"}},
     "network.private_subnets",
     "overlaps"},
    {{{"network", "private_subnets", "10.20.32.0/27,10.20.32.32/27,banana"}},
     "network.private_subnets",
     "not an IPv4 CIDR"},
    {{{"network", "private_subnets", ""}}, "network.private_subnets", "no cache subnets"},
    /* zones */
    {{{"network", "availability_zones", "eu-west-1a"}},
     "network.availability_zones",
     "not a zone of us-east-2"},
    {{{"network", "availability_zones", "us-east-2a,us-east-2a"}},
     "network.availability_zones",
     "listed twice"},
    {{{"network", "availability_zones", "us-east-2a"}},
     "network.availability_zones",
     "at least 2 zones"},
    {{{"network", "private_subnets", "10.20.32.0/27"}},
     "network.private_subnets",
     "at least 2 zones"},
    {{{"reuse", "vpc", "vpc-0abc"}, {"reuse", "subnets", "subnet-0aa"}},
     "reuse.subnets",
     "at least 2 zones"},
    /* Multi-AZ, failover, cluster mode */
    {{{"cache", "automatic_failover", "no"}}, "cache.multi_az", "needs automatic failover"},
    {{{"cache", "replicas", "0"}}, "cache.multi_az", "at least 1 replica"},
    {{{"cache", "automatic_failover", "no"}, {"cache", "multi_az", "no"}},
     "cache.automatic_failover",
     "cluster mode needs automatic failover"},
    {{{"cache", "parameter_group", "default.redis7"}, {"cache", "shards", "2"}},
     "cache.shards",
     "need cluster mode"},
    {{{"cache", "parameter_group", "default.redis7"},
      {"cache", "shards", "1"},
      {"cache", "replicas", "0"},
      {"cache", "multi_az", "no"}},
     "cache.automatic_failover",
     "needs a replica"},
    /* node type / engine / family */
    {{{"cache", "node_type", "cache.x9.huge"}}, "cache.node_type", "not an ElastiCache node type"},
    {{{"stack", "region", "eu-south-2"},
      {"network", "availability_zones", "eu-south-2a,eu-south-2b"}},
     "cache.node_type",
     "does not offer"},
    {{{"cache", "node_type", "cache.t1.micro"}}, "cache.node_type", "Multi-AZ is not supported"},
    {{{"cache", "engine", "memcached"}}, "cache.engine", "redis or valkey"},
    {{{"cache", "engine_version", "7.9"}}, "cache.engine_version", "7.1"},
    {{{"cache", "engine_version", "6.2"}}, "cache.parameter_group", "default.redis6.x.cluster.on"},
    {{{"cache", "engine", "valkey"}}, "cache.parameter_group", "valkey8"},
    {{{"cache", "parameter_group", "default.redis9"}},
     "cache.parameter_group",
     "default parameter groups"},
    /* AUTH token */
    {{{"cache", "transit_encryption", "no"}}, "cache.auth_token", "in-transit encryption"},
    {{{"secret", "token_length", "8"}}, "secret.token_length", "16 to 128"},
    {{{"secret", "token_length", "129"}}, "secret.token_length", "16 to 128"},
    {{{"secret", "token_file", "/nonexistent/elcui-token"}}, "secret.token_file", "readable file"},
    /* log groups and the key policy */
    {{{"names", "slow_log_group", "bad log group!"}}, "names.slow_log_group", "log group name"},
    {{{"names", "engine_log_group", "/elasticache/app-4/slow-log"}},
     "names.engine_log_group",
     "share"},
    {{{"logs", "retention_days", "366"}}, "logs.retention_days", "365"},
    {{{"logs", "format", "xml"}}, "logs.format", "json"},
    /* quotas */
    {{{"cache", "shards", "31"}, {"cache", "replicas", "2"}},
     "cache.shards",
     "90 nodes per cluster"},
    {{{"cache", "shards", "501"}, {"cache", "replicas", "0"}}, "cache.shards", "at most 500"},
    {{{"cache", "replicas", "6"}}, "cache.replicas", "0 to 5"},
    {{{"cache", "shards", "0"}}, "cache.shards", "at least 1"},
    /* names and the rest */
    {{{"cache", "port", "70000"}}, "cache.port", "1 to 65535"},
    {{{"cache", "snapshot_retention", "40"}}, "cache.snapshot_retention", "35"},
    {{{"names", "security_group", "sg-mine"}}, "names.security_group", "EC2 reserves"},
    {{{"names", "subnet_group", "default"}}, "names.subnet_group", "pick a name"},
    {{{"names", "rest_key_alias", "alias/aws/x"}}, "names.rest_key_alias", "reserved"},
    {{{"names", "secret_key_alias", "alias/app-4-encryption-rest"}},
     "names.secret_key_alias",
     "different names"},
    {{{"names", "ssm_prefix", "/aws/x"}}, "names.ssm_prefix", "reserved"},
    {{{"names", "ssm_prefix", "no-slash"}}, "names.ssm_prefix", "starts with /"},
    {{{"names", "ssm_policy", "a policy"}}, "names.ssm_policy", "IAM policy name"},
    {{{"names", "secret", "bad secret name"}}, "names.secret", "secret name"},
    {{{"kms", "deletion_window", "3"}}, "kms.deletion_window", "7 to 30"},
    {{{"secret", "recovery_window", "3"}}, "secret.recovery_window", "7 to 30"},
    {{{"ssm", "parameters", "no"}}, "iam.ssm_read_policy", "no SSM parameters"},
    {{{"cache", "auth_token", "no"}}, "iam.secret_read_policy", "no secret"},
    {{{"reuse", "vpc", "vpc-0abc"}, {"reuse", "subnets", "sub-1,subnet-2"}},
     "reuse.subnets",
     "not a subnet id"},
    {{{"reuse", "subnets", "subnet-1,subnet-2"}}, "reuse.subnets", "set reuse.vpc"},
    {{{"reuse", "vpc", "my-vpc"}}, "reuse.vpc", "not a VPC id"},
    {{{"reuse", "security_group", "sg-1"}}, "reuse.security_group", "reused VPC"},
    {{{"cache", "node_quota", "0"}}, "cache.node_quota", "positive"},
};

static void test_each_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stack_spec s;
        seed(&s);
        char err[512];
        for (size_t k = 0; k < 4 && cases[i].sets[k][0]; k++)
            if (stack_spec_set(&s, cases[i].sets[k][0], cases[i].sets[k][1], cases[i].sets[k][2],
                               err, sizeof(err)) != 0)
                fail_msg("case %zu: set: %s", i, err);
        struct stack_problems p;
        size_t n = stack_validate(&s, &p);
        bool found = false;
        for (size_t k = 0; k < p.n; k++)
            if (p.items[k].severity == STACK_SEV_ERROR &&
                strcmp(p.items[k].field, cases[i].field) == 0 &&
                strstr(p.items[k].message, cases[i].words))
                found = true;
        if (!found || n == 0) {
            char *t = stack_validate_problems_format(&p);
            fail_msg("case %zu (%s): expected an error on %s with '%s'; got:\n%s", i,
                     cases[i].sets[0][1], cases[i].field, cases[i].words, t);
        }
        stack_validate_problems_free(&p);
        stack_spec_free(&s);
    }
}

static void test_warnings_do_not_block(void **state)
{
    (void)state;
    struct stack_spec s;
    char err[256];
    seed(&s);
    assert_int_equal(stack_spec_set(&s, "logs", "retention_days", "30", err, sizeof(err)), 0);
    assert_int_equal(
        stack_spec_set(&s, "cache", "parameter_group", "my-custom-group", err, sizeof(err)), 0);
    assert_int_equal(stack_spec_set(&s, "stack", "region", "xx-mars-1", err, sizeof(err)), 0);
    struct stack_problems p;
    assert_int_equal(stack_validate(&s, &p), 0);
    assert_non_null(stack_validate_problems_find(&p, "logs.retention_days"));
    assert_non_null(stack_validate_problems_find(&p, "cache.parameter_group"));
    assert_non_null(stack_validate_problems_find(&p, "stack.region"));
    stack_validate_problems_free(&p);
    stack_spec_free(&s);
    /* a raised quota lets a big cluster through */
    seed(&s);
    assert_int_equal(stack_spec_set(&s, "cache", "shards", "60", err, sizeof(err)), 0);
    assert_int_equal(stack_validate(&s, &p), 1);
    stack_validate_problems_free(&p);
    assert_int_equal(stack_spec_set(&s, "cache", "node_quota", "200", err, sizeof(err)), 0);
    assert_int_equal(stack_validate(&s, &p), 0);
    stack_validate_problems_free(&p);
    stack_spec_free(&s);
}

/* Keys with ':' cannot come through the file (inih splits there), but a
 * program may fill the struct: the reserved prefix is still refused. */
static void test_reserved_tag(void **state)
{
    (void)state;
    struct stack_spec s;
    char err[256];
    seed(&s);
    assert_int_equal(stack_spec_set(&s, "tags", "owner", "x", err, sizeof(err)), 0);
    free(s.tags[0].key);
    s.tags[0].key = mem_xstrdup("aws:owner");
    struct stack_problems p;
    assert_int_equal(stack_validate(&s, &p), 1);
    assert_non_null(strstr(stack_validate_problems_find(&p, "tags")->message, "reserved"));
    stack_validate_problems_free(&p);
    stack_spec_free(&s);
}

static void test_token_file(void **state)
{
    (void)state;
    char path[] = "/tmp/elcui-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char tok[129];
    assert_int_equal(stack_spec_generate_token(tok, 64), 0);
    assert_int_equal(write(fd, tok, 64), 64);
    assert_int_equal(write(fd, "\n", 1), 1);
    close(fd);
    struct stack_spec s;
    char err[256];
    seed(&s);
    assert_int_equal(stack_spec_set(&s, "secret", "token_file", path, err, sizeof(err)), 0);
    struct stack_problems p;
    assert_int_equal(stack_validate(&s, &p), 0);
    stack_validate_problems_free(&p);
    /* readable by others: a warning */
    chmod(path, 0644);
    assert_int_equal(stack_validate(&s, &p), 0);
    assert_non_null(stack_validate_problems_find(&p, "secret.token_file"));
    stack_validate_problems_free(&p);
    /* a bad character: the message says where, never what */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    memcpy(tok + 20, "%", 1);
    assert_int_equal(write(fd, tok, 64), 64);
    close(fd);
    assert_int_equal(stack_validate(&s, &p), 1);
    const struct stack_problem *e = stack_validate_problems_find(&p, "secret.token_file");
    assert_non_null(e);
    assert_non_null(strstr(e->message, "position 21"));
    tok[64] = '\0';
    assert_null(strstr(e->message, tok));
    assert_null(strstr(e->message, "%"));
    stack_validate_problems_free(&p);
    unlink(path);
    mem_wipe(tok, sizeof(tok));
    stack_spec_free(&s);
}

static void test_single_rules(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(stack_validate_rg_id("app-4", msg, sizeof(msg)), 0);
    assert_int_equal(stack_validate_rg_id("A1", msg, sizeof(msg)), 0);
    assert_int_equal(stack_validate_rg_id("", msg, sizeof(msg)), -1);
    assert_int_equal(stack_validate_token("abcdefghijklmnop", 16, msg, sizeof(msg)), 0);
    assert_int_equal(stack_validate_token("abc", 3, msg, sizeof(msg)), -1);
    assert_int_equal(stack_validate_token("abcdefghijklmno p", 17, msg, sizeof(msg)), -1);
    assert_int_equal(stack_validate_token("!&#$^<>-!&#$^<>-", 16, msg, sizeof(msg)), 0);
    assert_int_equal(stack_validate_token("abcdefghijklmno\"", 16, msg, sizeof(msg)), -1);
    uint32_t net;
    int pfx;
    assert_int_equal(stack_validate_cidr("10.20.32.96/27", &net, &pfx), 0);
    assert_int_equal(pfx, 27);
    assert_int_equal(net, (10u << 24) | (20u << 16) | (32u << 8) | 96u);
    static const char *const bad[] = {"10.20.32.96/33", "10.20.32.97/27", "10.20.32/27",
                                      "010.1.1.0/24",   "1.2.3.4",        "1.2.3.4/",
                                      "256.1.1.0/24",   "1.2.3.0/24x",    ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(stack_validate_cidr(bad[i], NULL, NULL), -1);
    assert_string_equal(stack_validate_engine_family("redis", NULL), "redis7");
    assert_string_equal(stack_validate_engine_family("redis", "6.2"), "redis6.x");
    assert_string_equal(stack_validate_engine_family("valkey", "7.2.6"), "valkey7");
    assert_null(stack_validate_engine_family("redis", "3.2"));
    bool on;
    assert_string_equal(stack_validate_parameter_group_family("default.redis7.cluster.on", &on),
                        "redis7");
    assert_true(on);
    assert_string_equal(stack_validate_parameter_group_family("default.redis6.x", &on), "redis6.x");
    assert_false(on);
    assert_null(stack_validate_parameter_group_family("custom", &on));
    const struct stack_node_type *t = stack_validate_node_type("cache.t2.small");
    assert_non_null(t);
    assert_true(t->previous_generation);
    assert_true(stack_validate_node_type_in_region(t, "us-east-2"));
    assert_false(stack_validate_node_type_in_region(t, "il-central-1"));
    assert_true(stack_validate_node_type_in_region(stack_validate_node_type("cache.r7g.large"),
                                                   "il-central-1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_passes),           cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_warnings_do_not_block), cmocka_unit_test(test_token_file),
        cmocka_unit_test(test_reserved_tag),          cmocka_unit_test(test_single_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

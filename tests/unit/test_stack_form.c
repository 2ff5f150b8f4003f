/* test_stack_form.c - the create wizard's form: the seed's values by
 * default, every kind of invalid input shown at its field with the rule's
 * own message (stack_validate's, as `elcui create` prints it), a page with
 * an error refused, derived values following what they derive from, the
 * existing-VPC path checked against the account's zones, the typed token
 * never echoed, and a resumed spec loaded back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/stack_form.h"

static const char *msg_at(const struct stack_form *f, enum stack_form_field id)
{
    const struct stack_form_issue *x = stack_form_issue(f, id);
    return x ? x->message : NULL;
}

static void expect_error(const struct stack_form *f, enum stack_form_field id, const char *part)
{
    const struct stack_form_issue *x = stack_form_issue(f, id);
    if (!x || x->severity != STACK_SEV_ERROR || !strstr(x->message, part))
        fail_msg("field %s: expected an error with '%s', got '%s'", stack_form_def(id)->label, part,
                 x ? x->message : "(none)");
}

static void named(struct stack_form *f)
{
    stack_form_init(f, "us-east-2");
    stack_form_set(f, STACK_FORM_NAME, "app-5");
}

static void test_defaults_are_the_seed(void **state)
{
    (void)state;
    struct stack_form f;
    stack_form_init(&f, "us-east-2");
    /* no name yet: the sizing page has the error, the others none */
    assert_true(stack_form_page_errors(&f, STACK_FORM_PAGE_SIZING) > 0);
    assert_int_equal(stack_form_first_error(&f, STACK_FORM_PAGE_SIZING), STACK_FORM_NAME);
    expect_error(&f, STACK_FORM_NAME, "needs a name");
    stack_form_set(&f, STACK_FORM_NAME, "app-5");
    assert_int_equal(stack_form_errors(&f), 0);
    const struct stack_spec *s = stack_form_spec(&f);
    assert_string_equal(s->name, "app-5");
    assert_string_equal(s->vpc_cidr, "10.20.32.0/25");
    assert_int_equal(s->n_private, 3);
    assert_int_equal(s->n_public, 1);
    assert_int_equal(s->shards, 3);
    assert_int_equal(s->replicas, 2);
    assert_true(s->multi_az && s->transit_encryption && s->auth_token);
    assert_string_equal(s->parameter_group, "default.redis7.cluster.on");
    assert_string_equal(s->node_type, "cache.t2.small");
    assert_int_equal(s->log_retention_days, 365);
    assert_null(s->reuse_vpc);
    assert_null(s->reuse_kms_key);
    assert_null(stack_form_token(&f)); /* generated */
    /* the seed's node type is a previous generation: a warning, not an error */
    const struct stack_form_issue *w = stack_form_issue(&f, STACK_FORM_NODE_TYPE);
    assert_non_null(w);
    assert_int_equal(w->severity, STACK_SEV_WARNING);
    /* derived names follow the stem */
    char b[256];
    assert_string_equal(stack_form_get(&f, STACK_FORM_SECRET_NAME, b, sizeof(b)),
                        "app-5-elasticache-auth");
    assert_string_equal(stack_form_get(&f, STACK_FORM_SSM_PREFIX, b, sizeof(b)),
                        "/elasticache/app-5/app-5");
    stack_form_set(&f, STACK_FORM_NAME, "app-6");
    assert_string_equal(stack_form_get(&f, STACK_FORM_SECRET_POLICY_NAME, b, sizeof(b)),
                        "app-6-secret-read-policy");
    assert_string_equal(stack_spec_name(stack_form_spec(&f), STACK_NAME_SUBNET_GROUP),
                        "app-6-cache-subnet");
    stack_form_free(&f);
}

static void test_each_invalid_input_at_its_field(void **state)
{
    (void)state;
    struct stack_form f;
    named(&f);

    /* name too long: the stem's rule */
    stack_form_set(&f, STACK_FORM_NAME, "a-name-that-is-far-too-long-for-a-group-id-x");
    expect_error(&f, STACK_FORM_NAME, "40");
    assert_true(stack_form_page_errors(&f, STACK_FORM_PAGE_SIZING) > 0);
    stack_form_set(&f, STACK_FORM_NAME, "1abc");
    expect_error(&f, STACK_FORM_NAME, "begin with a letter");
    stack_form_set(&f, STACK_FORM_NAME, "app-5");
    assert_int_equal(stack_form_errors(&f), 0);

    /* not a number; replicas out of range; Multi-AZ without a replica */
    stack_form_set(&f, STACK_FORM_SHARDS, "three");
    expect_error(&f, STACK_FORM_SHARDS, "cache.shards");
    stack_form_set(&f, STACK_FORM_SHARDS, NULL);
    stack_form_set(&f, STACK_FORM_REPLICAS, "6");
    expect_error(&f, STACK_FORM_REPLICAS, "0 to 5");
    stack_form_set(&f, STACK_FORM_REPLICAS, "0");
    expect_error(&f, STACK_FORM_MULTI_AZ, "at least 1 replica");
    stack_form_set(&f, STACK_FORM_REPLICAS, NULL);

    /* bad CIDR, a subnet outside the VPC */
    stack_form_set(&f, STACK_FORM_VPC_CIDR, "10.20.32.1/25");
    expect_error(&f, STACK_FORM_VPC_CIDR, "host bits");
    assert_int_equal(stack_form_first_error(&f, STACK_FORM_PAGE_NETWORK), STACK_FORM_VPC_CIDR);
    stack_form_set(&f, STACK_FORM_VPC_CIDR, NULL);
    stack_form_set(&f, STACK_FORM_PRIVATE, "10.20.32.0/27,10.99.0.0/27,10.20.32.64/27");
    expect_error(&f, STACK_FORM_PRIVATE, "not inside the VPC");
    stack_form_set(&f, STACK_FORM_PRIVATE, NULL);

    /* every subnet in one zone: too few zones for Multi-AZ */
    stack_form_set(&f, STACK_FORM_ZONES, "us-east-2a");
    expect_error(&f, STACK_FORM_ZONES, "Multi-AZ needs the cache subnets in at least 2 zones");
    stack_form_set(&f, STACK_FORM_MULTI_AZ, "no");
    assert_null(stack_form_issue(&f, STACK_FORM_ZONES));
    stack_form_set(&f, STACK_FORM_MULTI_AZ, NULL);
    stack_form_set(&f, STACK_FORM_ZONES, "us-east-2a,us-east-2a");
    expect_error(&f, STACK_FORM_ZONES, "listed twice");
    stack_form_set(&f, STACK_FORM_ZONES, "us-west-2a,us-west-2b");
    expect_error(&f, STACK_FORM_ZONES, "not a zone of us-east-2");
    stack_form_set(&f, STACK_FORM_ZONES, NULL);

    /* the token: too short, a forbidden character, typed differently */
    stack_form_set(&f, STACK_FORM_TOKEN_MODE, STACK_FORM_TOKEN_TYPE);
    assert_true(stack_form_visible(&f, STACK_FORM_TOKEN));
    stack_form_set(&f, STACK_FORM_TOKEN, "short-Secret1");
    expect_error(&f, STACK_FORM_TOKEN, "16");
    assert_null(strstr(msg_at(&f, STACK_FORM_TOKEN), "short-Secret1"));
    stack_form_set(&f, STACK_FORM_TOKEN, "abcdefghijklmnop@q-Secret");
    expect_error(&f, STACK_FORM_TOKEN, "not allowed at position 17");
    assert_null(strstr(msg_at(&f, STACK_FORM_TOKEN), "abcdefghijklmnop"));
    stack_form_set(&f, STACK_FORM_TOKEN, "abcdefghijklmnop-Secret1");
    stack_form_set(&f, STACK_FORM_TOKEN_AGAIN, "abcdefghijklmnop-Secret2");
    expect_error(&f, STACK_FORM_TOKEN_AGAIN, "differ");
    assert_null(stack_form_token(&f));
    assert_true(stack_form_page_errors(&f, STACK_FORM_PAGE_SECURITY) > 0);
    stack_form_set(&f, STACK_FORM_TOKEN_AGAIN, "abcdefghijklmnop-Secret1");
    assert_int_equal(stack_form_page_errors(&f, STACK_FORM_PAGE_SECURITY), 0);
    assert_string_equal(stack_form_token(&f), "abcdefghijklmnop-Secret1");
    assert_null(stack_form_get(&f, STACK_FORM_TOKEN, NULL, 0)); /* secrets are not read back */
    /* TLS off: no token, no secret, no policy reading it */
    stack_form_set(&f, STACK_FORM_TRANSIT, "no");
    assert_false(stack_form_visible(&f, STACK_FORM_TOKEN));
    assert_false(stack_form_spec(&f)->auth_token);
    assert_false(stack_form_spec(&f)->secret_read_policy);
    assert_null(stack_form_token(&f));
    stack_form_set(&f, STACK_FORM_TRANSIT, NULL);

    /* retention not one CloudWatch Logs offers */
    stack_form_set(&f, STACK_FORM_RETENTION, "366");
    expect_error(&f, STACK_FORM_RETENTION, "not a retention CloudWatch Logs offers");
    stack_form_set(&f, STACK_FORM_RETENTION, "30");
    assert_int_equal(stack_form_issue(&f, STACK_FORM_RETENTION)->severity, STACK_SEV_WARNING);
    stack_form_set(&f, STACK_FORM_RETENTION, NULL);
    /* both logs off: nothing to keep, the fields go */
    stack_form_set(&f, STACK_FORM_SLOW_LOG, "no");
    stack_form_set(&f, STACK_FORM_ENGINE_LOG, "no");
    assert_false(stack_form_visible(&f, STACK_FORM_RETENTION));
    stack_form_set(&f, STACK_FORM_SLOW_LOG, NULL);
    stack_form_set(&f, STACK_FORM_ENGINE_LOG, NULL);

    /* a policy reading parameters that are not made */
    stack_form_set(&f, STACK_FORM_SSM, "no");
    expect_error(&f, STACK_FORM_SSM_POLICY, "no SSM parameters");
    assert_false(stack_form_visible(&f, STACK_FORM_SSM_PREFIX));
    stack_form_set(&f, STACK_FORM_SSM, NULL);
    /* an override that clashes with a derived name */
    stack_form_set(&f, STACK_FORM_SSM_POLICY_NAME, "bad name!");
    expect_error(&f, STACK_FORM_SSM_POLICY_NAME, "IAM policy name");
    stack_form_set(&f, STACK_FORM_SSM_POLICY_NAME, NULL);
    assert_int_equal(stack_form_errors(&f), 0);
    stack_form_free(&f);
}

static void test_engine_and_derived_values(void **state)
{
    (void)state;
    struct stack_form f;
    named(&f);
    char b[128];
    assert_string_equal(stack_form_option(&f, STACK_FORM_ENGINE, 1), "valkey");
    assert_null(stack_form_option(&f, STACK_FORM_ENGINE, 2));
    assert_string_equal(stack_form_option(&f, STACK_FORM_VERSION, 0), "");
    stack_form_set(&f, STACK_FORM_VERSION, "7.1");
    stack_form_set(&f, STACK_FORM_ENGINE, "valkey"); /* the version goes with the engine */
    assert_string_equal(stack_form_get(&f, STACK_FORM_VERSION, b, sizeof(b)), "");
    const char *fam = stack_form_get(&f, STACK_FORM_PARAM_GROUP, b, sizeof(b));
    assert_non_null(strstr(fam, "default.valkey"));
    assert_non_null(strstr(fam, ".cluster.on"));
    bool has8 = false;
    for (size_t i = 0; stack_form_option(&f, STACK_FORM_VERSION, i); i++)
        has8 = has8 || !strcmp(stack_form_option(&f, STACK_FORM_VERSION, i), "8.0");
    assert_true(has8);
    stack_form_set(&f, STACK_FORM_ENGINE, "memcached");
    expect_error(&f, STACK_FORM_ENGINE, "redis or valkey");
    stack_form_set(&f, STACK_FORM_ENGINE, NULL);
    /* a typed parameter group stays; a wrong family is said where typed */
    stack_form_set(&f, STACK_FORM_VERSION, "6.2");
    assert_string_equal(stack_form_get(&f, STACK_FORM_PARAM_GROUP, b, sizeof(b)),
                        "default.redis6.x.cluster.on");
    stack_form_set(&f, STACK_FORM_PARAM_GROUP, "default.redis7.cluster.on");
    expect_error(&f, STACK_FORM_PARAM_GROUP, "redis");
    /* node types: the cost table's, with shapes */
    size_t n = 0;
    while (stack_form_option(&f, STACK_FORM_NODE_TYPE, n))
        n++;
    assert_true(n >= 20);
    stack_form_free(&f);
}

static void catalog(struct stack_form_catalog *c)
{
    memset(c, 0, sizeof(*c));
    static const char *zones[] = {"us-east-2a", "us-east-2b", "us-east-2c"};
    c->n_zones = 3;
    c->zones = mem_xcalloc(3, sizeof(char *));
    for (size_t i = 0; i < 3; i++)
        c->zones[i] = mem_xstrdup(zones[i]);
    c->n_vpcs = 1;
    c->vpcs = mem_xcalloc(1, sizeof(*c->vpcs));
    c->vpcs[0].id = mem_xstrdup("vpc-0a1");
    c->vpcs[0].cidr = mem_xstrdup("10.40.0.0/24");
    static const struct {
        const char *id, *zone, *cidr;
    } sn[] = {{"subnet-0a", "us-east-2a", "10.40.0.0/27"},
              {"subnet-0b", "us-east-2a", "10.40.0.32/27"},
              {"subnet-0c", "us-east-2b", "10.40.0.64/27"}};
    c->n_subnets = 3;
    c->subnets = mem_xcalloc(3, sizeof(*c->subnets));
    for (size_t i = 0; i < 3; i++) {
        c->subnets[i].id = mem_xstrdup(sn[i].id);
        c->subnets[i].vpc = mem_xstrdup("vpc-0a1");
        c->subnets[i].zone = mem_xstrdup(sn[i].zone);
        c->subnets[i].cidr = mem_xstrdup(sn[i].cidr);
    }
    c->n_keys = 1;
    c->keys = mem_xcalloc(1, sizeof(*c->keys));
    c->keys[0].alias = mem_xstrdup("alias/shared");
    c->keys[0].key_id = mem_xstrdup("k-1");
}

static void test_existing_vpc_path(void **state)
{
    (void)state;
    struct stack_form_catalog c;
    catalog(&c);
    struct stack_form f;
    named(&f);
    stack_form_set_catalog(&f, &c);
    char b[256];
    /* the zones the new subnets get come from the region */
    assert_string_equal(stack_form_get(&f, STACK_FORM_ZONES, b, sizeof(b)),
                        "us-east-2a,us-east-2b,us-east-2c");
    assert_int_equal(stack_form_cache_zones(&f, b, sizeof(b)), 3);
    stack_form_set(&f, STACK_FORM_NETWORK, STACK_FORM_NET_EXISTING);
    assert_false(stack_form_visible(&f, STACK_FORM_VPC_CIDR));
    assert_true(stack_form_visible(&f, STACK_FORM_SUBNETS));
    expect_error(&f, STACK_FORM_VPC, "pick the VPC");
    assert_string_equal(stack_form_option(&f, STACK_FORM_VPC, 0), "vpc-0a1");
    assert_null(stack_form_option(&f, STACK_FORM_SUBNETS, 0)); /* no VPC yet */
    stack_form_set(&f, STACK_FORM_VPC, "vpc-0a1");
    assert_string_equal(stack_form_option(&f, STACK_FORM_SUBNETS, 2), "subnet-0c");
    expect_error(&f, STACK_FORM_SUBNETS, "pick the cache subnets");
    /* the seed's CIDRs are not this VPC's, but no subnet is made: not a problem */
    assert_int_equal(f.n_issues[STACK_FORM_SUBNETS], 1);
    assert_int_equal(stack_form_page_errors(&f, STACK_FORM_PAGE_NETWORK), 1);
    /* two subnets of one zone */
    stack_form_set(&f, STACK_FORM_SUBNETS, "subnet-0a,subnet-0b");
    expect_error(&f, STACK_FORM_SUBNETS, "all in us-east-2a");
    assert_true(stack_form_page_errors(&f, STACK_FORM_PAGE_NETWORK) > 0);
    /* one subnet: the rule of elcui create */
    stack_form_set(&f, STACK_FORM_SUBNETS, "subnet-0a");
    expect_error(&f, STACK_FORM_SUBNETS, "at least 2 zones");
    stack_form_set(&f, STACK_FORM_SUBNETS, "subnet-0a,subnet-0c");
    assert_int_equal(stack_form_page_errors(&f, STACK_FORM_PAGE_NETWORK), 0);
    assert_int_equal(stack_form_cache_zones(&f, b, sizeof(b)), 2);
    assert_string_equal(b, "us-east-2a, us-east-2b");
    const struct stack_spec *s = stack_form_spec(&f);
    assert_string_equal(s->reuse_vpc, "vpc-0a1");
    assert_int_equal(s->n_reuse_subnets, 2);
    assert_string_equal(s->vpc_cidr, "10.40.0.0/24"); /* the SG admits the VPC's range */
    assert_false(s->lock_default_security_group);
    /* an existing key */
    assert_string_equal(stack_form_option(&f, STACK_FORM_REST_KEY, 1), "alias/shared");
    stack_form_set(&f, STACK_FORM_REST_KEY, "alias/shared");
    assert_string_equal(stack_form_spec(&f)->reuse_kms_key, "alias/shared");
    assert_int_equal(stack_form_errors(&f), 0);

    /* a resumed stack's spec comes back as it was */
    struct stack_spec copy;
    stack_spec_copy(&copy, stack_form_spec(&f));
    struct stack_form g;
    stack_form_init(&g, "us-east-2");
    stack_form_set_catalog(&g, &c);
    stack_form_load(&g, &copy);
    assert_true(stack_spec_equal(stack_form_spec(&g), &copy));
    assert_string_equal(stack_form_get(&g, STACK_FORM_NETWORK, b, sizeof(b)),
                        STACK_FORM_NET_EXISTING);
    stack_form_free(&g);
    stack_spec_free(&copy);
    stack_form_free(&f);

    /* and the new-VPC path's spec too */
    named(&f);
    stack_form_set(&f, STACK_FORM_SHARDS, "2");
    stack_form_set(&f, STACK_FORM_ZONES, "us-east-2b,us-east-2c");
    stack_spec_copy(&copy, stack_form_spec(&f));
    stack_form_init(&g, NULL);
    stack_form_load(&g, &copy);
    assert_true(stack_spec_equal(stack_form_spec(&g), &copy));
    stack_form_free(&g);
    stack_spec_free(&copy);
    stack_form_free(&f);
    stack_form_catalog_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_seed),
        cmocka_unit_test(test_each_invalid_input_at_its_field),
        cmocka_unit_test(test_engine_and_derived_values),
        cmocka_unit_test(test_existing_vpc_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

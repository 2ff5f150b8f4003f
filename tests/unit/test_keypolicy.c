/* test_keypolicy.c - key policy statements for people and the verdict
 * whether CloudWatch Logs may use the key for exactly a set of log groups
 * (core/stack/keypolicy.h): the seed's policy, a policy without the Logs
 * statement, a group left out, ARNs and patterns beyond the groups, an
 * explicit Deny, missing actions, conditions elcui cannot evaluate, the
 * Not* forms, and the wildcard matchers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack/keypolicy.h"

#define ACCT "123456789012"
#define SLOW "arn:aws:logs:us-east-2:" ACCT ":log-group:/elasticache/app-4/slow-log"
#define ENGINE "arn:aws:logs:us-east-2:" ACCT ":log-group:/elasticache/app-4/engine-log"
#define KEY "arn:aws:kms:us-east-2:" ACCT ":key/1234abcd-12ab-34cd-56ef-1234567890ab"

#define ROOT_ST                                                                                    \
    "{\"Sid\":\"Enable IAM User Permissions\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"        \
    "\"arn:aws:iam::" ACCT ":root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}"
#define EC_ST                                                                                      \
    "{\"Sid\":\"Allow ElastiCache to use the key\",\"Effect\":\"Allow\",\"Principal\":{"           \
    "\"Service\":\"elasticache.amazonaws.com\"},\"Action\":[\"kms:Decrypt\",\"kms:Encrypt\","      \
    "\"kms:GenerateDataKey\"],\"Resource\":\"*\"}"
#define LOGS_ACTIONS                                                                               \
    "[\"kms:Encrypt*\",\"kms:Decrypt*\",\"kms:ReEncrypt*\",\"kms:GenerateDataKey*\","              \
    "\"kms:Describe*\"]"
#define LOGS_ST(cond)                                                                              \
    "{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logs.us-east-2.amazonaws.com\"},"          \
    "\"Action\":" LOGS_ACTIONS ",\"Resource\":\"*\"" cond "}"
#define CTX(op, vals)                                                                              \
    ",\"Condition\":{\"" op "\":{\"kms:EncryptionContext:aws:logs:arn\":" vals "}}"
#define POLICY(...) "{\"Version\":\"2012-10-17\",\"Statement\":[" __VA_ARGS__ "]}"

static const char *const both[] = {SLOW, ENGINE};

static struct keypolicy *parse(const char *json)
{
    char err[256];
    struct keypolicy *p = keypolicy_parse(json, err, sizeof(err));
    if (!p)
        fail_msg("parse: %s", err);
    return p;
}

static struct keypolicy_verdict *verdict(const char *json, const char *const *groups, size_t n)
{
    struct keypolicy *p = parse(json);
    struct keypolicy_verdict *v = keypolicy_logs_verdict(p, "us-east-2", KEY, groups, n);
    keypolicy_free(p);
    return v;
}

static void test_matchers(void **state)
{
    (void)state;
    assert_true(keypolicy_glob("kms:GenerateDataKey*", "kms:generatedatakey", true));
    assert_true(keypolicy_glob("kms:*", "kms:Decrypt", false));
    assert_true(keypolicy_glob("*", "", false));
    assert_true(keypolicy_glob("a?c", "abc", false));
    assert_false(keypolicy_glob("a?c", "ac", false));
    assert_false(keypolicy_glob("kms:Decrypt", "kms:decrypt", false));
    assert_true(keypolicy_glob("*a*b*c", "xxaxxbxxc", false));
    assert_false(keypolicy_glob("*a*b*c", "xxaxxcxxb", false));
    assert_true(keypolicy_arn_match(SLOW, SLOW));
    assert_true(keypolicy_arn_match("arn:aws:logs:*:" ACCT ":log-group:/elasticache/*", SLOW));
    assert_true(keypolicy_arn_match("arn:aws:logs:us-east-?:*:log-group:*", SLOW));
    /* a wildcard stays inside its part */
    assert_false(keypolicy_arn_match("arn:aws:logs:*:log-group:/elasticache/app-4/slow-log", SLOW));
    /* ":*" after a log group name is not the log group itself */
    assert_false(keypolicy_arn_match(SLOW ":*", SLOW));
    assert_false(keypolicy_arn_match("arn:aws:logs", SLOW));
    assert_true(keypolicy_arn_match("*", "anything"));
    /* longer than any ARN: no match (and no quadratic scan) */
    char big[KEYPOLICY_MAX_MATCH + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(keypolicy_glob("*a", big, false));
    assert_true(keypolicy_glob("*a", big + 1, false));
}

static void test_parse_and_text(void **state)
{
    (void)state;
    struct keypolicy *p = parse(
        POLICY(ROOT_ST "," EC_ST "," LOGS_ST(CTX("ArnEquals", "[\"" SLOW "\",\"" ENGINE "\"]"))));
    assert_int_equal(p->n, 3);
    assert_string_equal(p->st[0].label, "statement 1 \"Enable IAM User Permissions\"");
    assert_string_equal(p->st[0].text, "Allow AWS arn:aws:iam::" ACCT ":root: kms:* on *");
    assert_string_equal(p->st[2].label, "statement 3");
    assert_string_equal(p->st[2].text,
                        "Allow Service logs.us-east-2.amazonaws.com: kms:Encrypt*, kms:Decrypt*, "
                        "kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe* on * when ArnEquals "
                        "kms:EncryptionContext:aws:logs:arn = " SLOW ", " ENGINE);
    assert_int_equal(p->st[2].n_conds, 1);
    assert_int_equal(p->st[2].conds[0].n_values, 2);
    keypolicy_free(p);
    p = parse("{\"Statement\":{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":[\"a\",\"b\"]},"
              "\"NotAction\":\"kms:Describe*\",\"NotResource\":\"x\"}}");
    assert_int_equal(p->n, 1);
    assert_string_equal(p->st[0].text, "Deny everyone but AWS a, AWS b: every action but "
                                       "kms:Describe* on everything but x");
    keypolicy_free(p);
    char err[256];
    assert_null(keypolicy_parse("{not json", err, sizeof(err)));
    assert_non_null(strstr(err, "not a JSON object"));
    assert_null(keypolicy_parse("{\"Version\":\"2012-10-17\"}", err, sizeof(err)));
    assert_string_equal(err, "the key policy has no Statement");
    assert_null(keypolicy_parse(NULL, err, sizeof(err)));
    p = parse("{\"Statement\":[7]}");
    assert_string_equal(p->st[0].text, "not a statement (ignored)");
    keypolicy_free(p);
}

static void test_seed_policy_allows_exactly(void **state)
{
    (void)state;
    struct keypolicy_verdict *v = verdict(
        POLICY(ROOT_ST "," EC_ST "," LOGS_ST(CTX("ArnEquals", "[\"" SLOW "\",\"" ENGINE "\"]"))),
        both, 2);
    assert_true(v->ok);
    assert_false(v->unknown);
    assert_int_equal(v->n_groups, 2);
    assert_int_equal(v->n_beyond, 0);
    assert_int_equal(v->n_logs_statements, 1);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(v->groups[i].answer, KEYPOLICY_ALLOW);
        assert_int_equal(v->groups[i].deciding, 2);
        assert_string_equal(v->groups[i].reason, "statement 3 allows it (its ArnEquals "
                                                 "kms:EncryptionContext:aws:logs:arn condition "
                                                 "lists it)");
    }
    assert_string_equal(v->summary, "yes: logs.us-east-2.amazonaws.com may use the key for "
                                    "exactly these 2 log groups (statement 3)");
    keypolicy_verdict_free(v);
    /* ":*" on the way in is dropped, duplicates kept once */
    const char *const in[] = {SLOW ":*", SLOW, ENGINE};
    v = verdict(POLICY(LOGS_ST(CTX("ArnEquals", "[\"" SLOW "\",\"" ENGINE "\"]"))), in, 3);
    assert_int_equal(v->n_groups, 2);
    assert_true(v->ok);
    keypolicy_verdict_free(v);
    /* the global Logs principal some older policies name */
    v = verdict("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"x\","
                "\"logs.amazonaws.com\"]},\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":"
                "{\"ArnLike\":{\"kms:EncryptionContext:aws:logs:arn\":[\"" SLOW "\",\"" ENGINE
                "\"]}}}]}",
                both, 2);
    assert_true(v->ok);
    keypolicy_verdict_free(v);
}

static void test_no_logs_statement(void **state)
{
    (void)state;
    struct keypolicy_verdict *v = verdict(POLICY(ROOT_ST "," EC_ST), both, 2);
    assert_false(v->ok);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_DENY);
    assert_int_equal(v->groups[0].deciding, -1);
    assert_string_equal(v->groups[0].reason, "no statement lets logs.us-east-2.amazonaws.com use "
                                             "the key (implicit deny)");
    assert_string_equal(v->summary, "no: logs.us-east-2.amazonaws.com may not use the key for " SLOW
                                    ": no statement lets logs.us-east-2.amazonaws.com use the key "
                                    "(implicit deny)");
    assert_int_equal(v->n_logs_statements, 0);
    keypolicy_verdict_free(v);
    /* a Logs statement for another region does not count */
    v = verdict(POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logs.eu-west-1."
                       "amazonaws.com\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}"),
                both, 2);
    assert_false(v->ok);
    assert_int_equal(v->groups[1].answer, KEYPOLICY_DENY);
    keypolicy_verdict_free(v);
}

static void test_group_left_out(void **state)
{
    (void)state;
    struct keypolicy_verdict *v =
        verdict(POLICY(ROOT_ST "," LOGS_ST(CTX("ArnEquals", "\"" SLOW "\""))), both, 2);
    assert_false(v->ok);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_ALLOW);
    assert_int_equal(v->groups[1].answer, KEYPOLICY_DENY);
    assert_string_equal(v->groups[1].reason, "statement 2 does not cover it: its ArnEquals "
                                             "kms:EncryptionContext:aws:logs:arn condition names "
                                             "only " SLOW);
    assert_non_null(strstr(v->summary, "no: logs.us-east-2.amazonaws.com may not use the key "
                                       "for " ENGINE));
    keypolicy_verdict_free(v);
    /* the ":*" form in the condition names no log group itself */
    v = verdict(POLICY(LOGS_ST(CTX("ArnEquals", "[\"" SLOW ":*\",\"" ENGINE ":*\"]"))), both, 2);
    assert_false(v->ok);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_DENY);
    assert_int_equal(v->n_beyond, 1);
    assert_non_null(strstr(v->beyond[0], "allows the pattern " SLOW ":*"));
    keypolicy_verdict_free(v);
}

static void test_beyond_the_groups(void **state)
{
    (void)state;
    /* no condition: any log group */
    struct keypolicy_verdict *v = verdict(POLICY(LOGS_ST("")), both, 2);
    assert_false(v->ok);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_ALLOW);
    assert_string_equal(v->groups[0].reason, "statement 1 allows it (for any log group: no "
                                             "kms:EncryptionContext:aws:logs:arn condition)");
    assert_int_equal(v->n_beyond, 1);
    assert_string_equal(v->beyond[0], "statement 1 lets logs.us-east-2.amazonaws.com use the key "
                                      "for any log group (no kms:EncryptionContext:aws:logs:arn "
                                      "condition)");
    assert_non_null(strstr(v->summary, "no: logs.us-east-2.amazonaws.com may use the key for more "
                                       "than these log groups: statement 1 lets"));
    keypolicy_verdict_free(v);
    /* a pattern */
    v = verdict(POLICY(LOGS_ST(CTX("ArnLike", "\"arn:aws:logs:us-east-2:" ACCT
                                              ":log-group:/elasticache/*\""))),
                both, 2);
    assert_int_equal(v->groups[1].answer, KEYPOLICY_ALLOW);
    assert_non_null(strstr(v->groups[1].reason, "matches it with arn:aws:logs"));
    assert_int_equal(v->n_beyond, 1);
    assert_non_null(strstr(v->beyond[0], "allows the pattern"));
    assert_false(v->ok);
    keypolicy_verdict_free(v);
    /* another log group listed too */
    v = verdict(POLICY(LOGS_ST(CTX("ArnEquals", "[\"" SLOW "\",\"" ENGINE "\",\"arn:aws:logs:"
                                                "us-east-2:" ACCT ":log-group:other\"]"))),
                both, 2);
    assert_false(v->ok);
    assert_string_equal(v->beyond[0],
                        "statement 1 also allows arn:aws:logs:us-east-2:" ACCT ":log-group:other");
    keypolicy_verdict_free(v);
    /* a negated condition */
    v = verdict(POLICY(LOGS_ST(CTX("StringNotEquals", "\"x\""))), both, 2);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_ALLOW);
    assert_non_null(strstr(v->beyond[0], "every log group but"));
    keypolicy_verdict_free(v);
    /* two statements, one group each: exactly */
    v = verdict(POLICY(LOGS_ST(CTX("ArnEquals", "\"" SLOW "\"")) "," LOGS_ST(
                    CTX("StringEquals", "\"" ENGINE "\""))),
                both, 2);
    assert_true(v->ok);
    assert_int_equal(v->groups[1].deciding, 1);
    assert_int_equal(v->n_logs_statements, 2);
    keypolicy_verdict_free(v);
}

static void test_deny_and_actions(void **state)
{
    (void)state;
    /* an explicit deny wins */
    struct keypolicy_verdict *v = verdict(
        POLICY(LOGS_ST(CTX("ArnEquals", "[\"" SLOW "\",\"" ENGINE "\"]")) ",{\"Sid\":\"NoEngine\","
                                                                          "\"Effect\":\"Deny\","
                                                                          "\"Principal\":\"*\","
                                                                          "\"Action\":\"kms:Decrypt"
                                                                          "\",\"Resource\":\"*\","
                                                                          "\"Condition\":{"
                                                                          "\"StringEquals\":{"
                                                                          "\"kms:EncryptionContext:"
                                                                          "aws:logs:arn\":\"" ENGINE
                                                                          "\"}}}"),
        both, 2);
    assert_false(v->ok);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_ALLOW);
    assert_int_equal(v->groups[1].answer, KEYPOLICY_DENY);
    assert_int_equal(v->groups[1].deciding, 1);
    assert_string_equal(v->groups[1].reason, "statement 2 \"NoEngine\" denies kms:Decrypt");
    keypolicy_verdict_free(v);
    /* only some of the actions */
    v = verdict(POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logs.us-east-2."
                       "amazonaws.com\"},\"Action\":\"kms:GenerateDataKey*\",\"Resource\":\"*\"}"),
                both, 2);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_DENY);
    assert_string_equal(v->groups[0].reason, "no statement allows kms:Encrypt for it (statement 1 "
                                             "gives logs.us-east-2.amazonaws.com only part of "
                                             "what Logs needs)");
    keypolicy_verdict_free(v);
    /* NotAction that leaves out what Logs needs */
    v = verdict(POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotAction\":\"kms:Decrypt\","
                       "\"Resource\":\"*\"}"),
                both, 1);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_DENY);
    keypolicy_verdict_free(v);
    /* a resource that is another key */
    v = verdict(POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\","
                       "\"Resource\":\"arn:aws:kms:us-east-2:" ACCT ":key/other\"}"),
                both, 1);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_DENY);
    keypolicy_verdict_free(v);
}

static void test_undecided(void **state)
{
    (void)state;
    struct keypolicy_verdict *v = verdict(
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logs.us-east-2."
               "amazonaws.com\"},\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{"
               "\"ArnEquals\":{\"kms:EncryptionContext:aws:logs:arn\":[\"" SLOW "\",\"" ENGINE
               "\"]},\"StringEquals\":{\"aws:SourceAccount\":\"" ACCT "\"}}}"),
        both, 2);
    assert_false(v->ok);
    assert_true(v->unknown);
    assert_int_equal(v->groups[0].answer, KEYPOLICY_UNDECIDED);
    assert_non_null(strstr(v->summary, "unknown for " SLOW ": statement 1 decides kms:Encrypt "
                                       "with a condition elcui cannot evaluate"));
    keypolicy_verdict_free(v);
    /* IfExists and Null on the context key are decided */
    v = verdict(POLICY(LOGS_ST(",\"Condition\":{\"ArnEqualsIfExists\":{\"kms:EncryptionContext:"
                               "aws:logs:arn\":[\"" SLOW "\",\"" ENGINE "\"]},\"Null\":{"
                               "\"kms:EncryptionContext:aws:logs:arn\":\"false\"}}")),
                both, 2);
    assert_true(v->ok);
    keypolicy_verdict_free(v);
    /* no policy at all */
    v = keypolicy_logs_verdict(NULL, "us-east-2", NULL, both, 2);
    assert_true(v->unknown);
    assert_false(v->ok);
    assert_string_equal(v->summary, "unknown: the key policy could not be read");
    keypolicy_verdict_free(v);
    /* no group and no Logs statement */
    v = verdict(POLICY(ROOT_ST), NULL, 0);
    assert_true(v->ok); /* nothing needed, nothing allowed */
    assert_non_null(strstr(v->summary, "no log group uses the key"));
    keypolicy_verdict_free(v);
}

static void test_request(void **state)
{
    (void)state;
    struct keypolicy *p = parse(POLICY(ROOT_ST "," EC_ST));
    int dec;
    assert_int_equal(
        keypolicy_request(p, "elasticache.amazonaws.com", "kms:Decrypt", KEY, NULL, &dec),
        KEYPOLICY_ALLOW);
    assert_int_equal(dec, 1);
    assert_int_equal(
        keypolicy_request(p, "elasticache.amazonaws.com", "kms:CreateGrant", KEY, NULL, &dec),
        KEYPOLICY_DENY);
    assert_int_equal(dec, -1);
    keypolicy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matchers),
        cmocka_unit_test(test_parse_and_text),
        cmocka_unit_test(test_seed_policy_allows_exactly),
        cmocka_unit_test(test_no_logs_statement),
        cmocka_unit_test(test_group_left_out),
        cmocka_unit_test(test_beyond_the_groups),
        cmocka_unit_test(test_deny_and_actions),
        cmocka_unit_test(test_undecided),
        cmocka_unit_test(test_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

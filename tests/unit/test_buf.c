/* test_buf.c - capped buffers, memory helpers, the shared error value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"
#include "aws/buf.h"
#include "aws/mem.h"

static void test_cap_is_enforced(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_appends(&b, "0123456789"), 0);
    assert_int_equal(buf_appendc(&b, 'x'), -1);
    assert_int_equal(b.len, 10);
    assert_string_equal(buf_str(&b), "0123456789");
    buf_consume(&b, 4);
    assert_string_equal(buf_str(&b), "456789");
    assert_int_equal(buf_printf(&b, "%d", 1234), 0);
    assert_int_equal(buf_printf(&b, "%s", "toolong"), -1);
    char *s = buf_steal(&b);
    assert_string_equal(s, "4567891234");
    free(s);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
    struct buf sec;
    buf_init(&sec, 0);
    sec.secret = true;
    for (int i = 0; i < 100; i++)
        buf_appends(&sec, "secret-token-");
    buf_consume(&sec, 13);
    assert_int_equal(sec.len, 99 * 13);
    buf_free(&sec);
}

static void test_mem_helpers(void **state)
{
    (void)state;
    char *s = mem_xasprintf("%s-%d", "a", 7);
    assert_string_equal(s, "a-7");
    mem_replace_secret(&s, "other");
    assert_string_equal(s, "other");
    mem_free_secret(s);
    mem_free_secret(NULL);
    assert_null(mem_xstrdup(NULL));
    char *n = mem_xstrndup("abcdef", 3);
    assert_string_equal(n, "abc");
    free(n);
    size_t cap = 0;
    int *v = mem_xgrow(NULL, &cap, 100, sizeof(int));
    assert_true(cap >= 100);
    v[99] = 1;
    free(v);
    assert_int_equal(mem_ct_compare("abc", "abc", 3), 0);
    assert_int_not_equal(mem_ct_compare("abc", "abd", 3), 0);
}

static void test_error_format_escapes(void **state)
{
    (void)state;
    struct aws_error e;
    aws_error_init(&e);
    aws_error_set(&e, AWS_ERR_SERVICE, "SignatureDoesNotMatch", "bad \x1b[31mred\x1b[0m sig");
    snprintf(e.service, sizeof(e.service), "ElastiCache");
    snprintf(e.operation, sizeof(e.operation), "DescribeReplicationGroups");
    snprintf(e.request_id, sizeof(e.request_id), "r-1");
    e.http_status = 403;
    e.attempts = 3;
    char *s = aws_error_format(&e);
    assert_string_equal(s, "ElastiCache DescribeReplicationGroups: SignatureDoesNotMatch: bad "
                           "\\x1b[31mred\\x1b[0m sig (HTTP 403, request id r-1, 3 attempts)");
    free(s);
    struct aws_error c;
    aws_error_init(&c);
    aws_error_copy(&c, &e);
    assert_true(aws_error_is(&c, "SignatureDoesNotMatch"));
    assert_false(aws_error_is(&c, "Throttling"));
    aws_error_clear(&c);
    aws_error_clear(&e);
    aws_error_set(&e, AWS_ERR_TRANSPORT, "", NULL);
    s = aws_error_format(&e);
    assert_string_equal(s, "transport");
    free(s);
    aws_error_clear(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_is_enforced),
        cmocka_unit_test(test_mem_helpers),
        cmocka_unit_test(test_error_format_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

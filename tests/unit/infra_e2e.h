/* infra_e2e.h - end-to-end glue of the infrastructure typed-call tests:
 * typed callbacks that record (out, err), waits with deadlines, checks.
 * Sits on typed_e2e.h (sandbox / scripted server + aws_client on the real
 * loop). Include after cmocka.h, wire_harness.h and typed_e2e.h.
 */
#ifndef ELCUI_TESTS_INFRA_E2E_H
#define ELCUI_TESTS_INFRA_E2E_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"

/* What a typed call delivered. */
struct ie_res {
    bool done;
    int calls;
    void *out;
    struct aws_error err;
};

/* A typed callback that fills struct ie_res (one per output type). It also
 * checks the contract: exactly one of out/err, called once. */
#define IE_CB(fn, type)                                                                            \
    static __attribute__((unused)) void fn(type *out, const struct aws_error *err, void *arg)      \
    {                                                                                              \
        struct ie_res *r = arg;                                                                    \
        r->calls++;                                                                                \
        r->done = true;                                                                            \
        r->out = out;                                                                              \
        if (err)                                                                                   \
            aws_error_copy(&r->err, err);                                                          \
        if ((out == NULL) == (err == NULL))                                                        \
            r->calls += 100; /* contract broken: caught by ie_wait */                              \
    }

static __attribute__((unused)) void ie_reset(struct ie_res *r)
{
    aws_error_clear(&r->err);
    memset(r, 0, sizeof(*r));
    aws_error_init(&r->err);
}

/* The call must not have answered synchronously; run the loop until it
 * answers (deadline in typed_e2e.h), and check it answered once. */
static __attribute__((unused)) void ie_wait(struct e2e *x, struct aws_call *call, struct ie_res *r,
                                            const char *what)
{
    assert_non_null(call);
    assert_false(r->done);
    e2e_wait(x, &r->done, what);
    assert_int_equal(r->calls, 1);
}

/* Success expected: show the error (never a secret: messages are the
 * service's) when there is one. */
static __attribute__((unused)) void ie_ok(struct ie_res *r, const char *what)
{
    if (r->err.kind != AWS_ERR_NONE) {
        char *s = aws_error_format(&r->err);
        print_error("%s failed: %s\n", what, s);
        free(s);
        fail();
    }
    assert_non_null(r->out);
}

/* A service error with this code expected. */
static __attribute__((unused)) void ie_err(struct ie_res *r, const char *code)
{
    assert_null(r->out);
    if (r->err.kind != AWS_ERR_SERVICE || strcmp(r->err.code, code) != 0) {
        char *s = aws_error_format(&r->err);
        print_error("expected %s, got: %s\n", code, s);
        free(s);
        fail();
    }
}

#endif

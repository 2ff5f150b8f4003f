/* spec_fixture.h - stack specs built in a test: a named spec on the heap,
 * values set or the test fails with the reason, and its release. For
 * test_audit.c and test_export.c. Header-only; include once, after
 * cmocka.h.
 */
#ifndef ELCUI_TESTS_SPEC_FIXTURE_H
#define ELCUI_TESTS_SPEC_FIXTURE_H

#include <stdlib.h>

#include "aws/mem.h"
#include "core/stack/stack_spec.h"

static __attribute__((unused)) struct stack_spec *spec_new(const char *name)
{
    struct stack_spec *s = mem_xcalloc(1, sizeof(*s));
    stack_spec_init(s);
    char err[256];
    assert_int_equal(stack_spec_set_name(s, name, err, sizeof(err)), 0);
    return s;
}

static __attribute__((unused)) void spec_set(struct stack_spec *s, const char *sec, const char *key,
                                             const char *val)
{
    char err[256];
    if (stack_spec_set(s, sec, key, val, err, sizeof(err)) != 0)
        fail_msg("%s.%s=%s: %s", sec, key, val, err);
}

static __attribute__((unused)) void spec_del(struct stack_spec *s)
{
    stack_spec_free(s);
    free(s);
}

#endif

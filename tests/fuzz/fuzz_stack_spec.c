/* fuzz_stack_spec.c - the stack spec file (INI, elcui-spec(5)) read from
 * text (stack_spec_load_string), the offline validation rules, the
 * policies built from it, and the writer's promise: a spec that loads is
 * written back to a file that loads to an equal spec (the target aborts
 * otherwise). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack/stack_spec.h"
#include "core/stack/stack_validate.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strdup(data, size);
    char err[512];
    struct stack_spec s;
    stack_spec_init(&s);
    if (stack_spec_load_string(&s, text, err, sizeof(err)) == 0) {
        struct stack_problems p;
        memset(&p, 0, sizeof(p));
        (void)stack_validate(&s, &p);
        free(stack_problems_format(&p));
        (void)stack_problems_find(&p, "cache.shards");
        stack_problems_free(&p);
        if (s.name) {
            json_decref(stack_spec_rest_key_policy(&s, "123456789012"));
            json_decref(stack_spec_secret_key_policy(&s, "123456789012"));
            free(stack_spec_log_group_arn(&s, "123456789012", true));
            free(stack_spec_ssm_arn(&s, "123456789012", false));
            free(stack_spec_policy_arn(&s, "123456789012", true));
            for (size_t i = 0; i < 2; i++)
                free(stack_spec_subnet_name(&s, i == 1, 0));
        }
        char *out = stack_spec_write(&s);
        struct stack_spec back;
        stack_spec_init(&back);
        char err2[512];
        if (stack_spec_load_string(&back, out, err2, sizeof(err2)) != 0) {
            fprintf(stderr, "stack_spec_write wrote a file that does not load: %s\n--\n%s\n", err2,
                    out);
            abort();
        }
        if (!stack_spec_equal(&s, &back)) {
            fprintf(stderr, "stack_spec_write/load changed the spec:\n%s\n", out);
            abort();
        }
        stack_spec_free(&back);
        free(out);
    }
    stack_spec_free(&s);
    free(text);
    return 0;
}

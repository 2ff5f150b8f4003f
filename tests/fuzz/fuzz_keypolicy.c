/* fuzz_keypolicy.c - key policy documents (core/stack/keypolicy.h): the
 * parse into statements, their text for people, and the Logs verdict for
 * two log groups, with and without the key's ARN. Seeds: the demo's
 * policies and variants (conditions, Deny, Not*, patterns). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "core/stack/keypolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = mem_xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char err[256];
    struct keypolicy *p = keypolicy_parse(text, err, sizeof(err));
    static const char *const groups[] = {
        "arn:aws:logs:us-east-2:123456789012:log-group:/elasticache/app-4/slow-log",
        "arn:aws:logs:us-east-2:123456789012:log-group:/elasticache/app-4/engine-log:*",
    };
    struct keypolicy_verdict *v = keypolicy_logs_verdict(
        p, "us-east-2", "arn:aws:kms:us-east-2:123456789012:key/k", groups, 2);
    keypolicy_verdict_free(v);
    v = keypolicy_logs_verdict(p, "us-east-2", NULL, groups, 1);
    keypolicy_verdict_free(v);
    for (size_t i = 0; p && i < p->n; i++)
        if (!p->st[i].label || !p->st[i].text)
            abort();
    keypolicy_free(p);
    /* the matchers on the input split in two */
    char *half = text + size / 2;
    char c = *half;
    *half = '\0';
    (void)keypolicy_glob(text, half + (c ? 1 : 0), true);
    (void)keypolicy_arn_match(text, half + (c ? 1 : 0));
    free(text);
    return 0;
}

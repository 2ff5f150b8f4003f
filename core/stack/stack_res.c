/* stack_res.c - lookups and small edits on a plan's resources. */
#include "core/stack/stack_res.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

struct stack_resource *stack_res_find(const struct stack_plan *p, const char *key)
{
    if (!p || !key)
        return NULL;
    ssize_t i = stack_res_index(p, key);
    return i < 0 ? NULL : &p->res[i];
}

ssize_t stack_res_index(const struct stack_plan *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->res[i].key, key) == 0)
            return (ssize_t)i;
    return -1;
}

void stack_res_set_str(char **dst, const char *v)
{
    char *n = v ? mem_xstrdup(v) : NULL;
    free(*dst);
    *dst = n;
}

void stack_res_group_endpoint(struct stack_resource *r,
                              const struct elasticache_replication_group *g)
{
    if (g->configuration_endpoint.address) {
        stack_res_set_str(&r->endpoint, g->configuration_endpoint.address);
        r->port = g->configuration_endpoint.port;
    } else if (g->n_node_groups && g->node_groups[0].primary_endpoint.address) {
        stack_res_set_str(&r->endpoint, g->node_groups[0].primary_endpoint.address);
        r->port = g->node_groups[0].primary_endpoint.port;
    }
}

void stack_res_reason(struct stack_resource *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = mem_xvasprintf(fmt, ap);
    va_end(ap);
    free(r->reason);
    r->reason = t;
}

void stack_res_note(struct stack_plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mem_xpush(&p->notes, &p->n_notes, mem_xvasprintf(fmt, ap));
    va_end(ap);
}

/* Does a KMS reference (id, ARN, alias name or alias ARN) name this key? */
bool stack_res_key_matches(const char *ref, const struct stack_resource *k)
{
    if (!ref || !k)
        return false;
    if ((k->id && strcmp(ref, k->id) == 0) || (k->arn && strcmp(ref, k->arn) == 0))
        return true;
    const char *alias = strstr(ref, "alias/");
    if (alias && k->kind == STACK_KIND_KMS_KEY && strcmp(alias, k->name) == 0)
        return true;
    /* an ARN ending in the key id */
    if (k->id) {
        size_t rl = strlen(ref), il = strlen(k->id);
        if (rl > il && strcmp(ref + rl - il, k->id) == 0 && ref[rl - il - 1] == '/')
            return true;
    }
    return false;
}

bool stack_res_has_tag(const struct ec2_tag *tags, size_t n, const char *key, const char *value)
{
    const char *v = ec2_tag_get(tags, n, key);
    return v && strcmp(v, value) == 0;
}

/* Tagged for this stack and named as the resource. */
bool stack_res_tagged_ours(const struct ec2_tag *tags, size_t n, const struct stack_plan *p,
                           const struct stack_resource *r)
{
    return stack_res_has_tag(tags, n, STACK_SPEC_TAG_KEY, p->spec.name) &&
           stack_res_has_tag(tags, n, "Name", r->name);
}

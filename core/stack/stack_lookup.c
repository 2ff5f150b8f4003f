/* stack_lookup.c - the account's zones, VPCs, subnets and keys for the
 * create wizard. */
#include "core/stack/stack_lookup.h"

#include <stdlib.h>
#include <string.h>

#include "aws/ec2.h"
#include "aws/kms.h"
#include "aws/mem.h"
#include "aws/sts.h"

struct stack_lookup {
    struct stack_form_catalog *cat;
    stack_lookup_cb cb;
    void *arg;
    struct aws_call *calls[STACK_LOOKUP_PARTS];
    char *errors[STACK_LOOKUP_PARTS];
};

const char *stack_lookup_part_name(enum stack_lookup_part part)
{
    static const char *const names[STACK_LOOKUP_PARTS] = {
        "caller identity (STS GetCallerIdentity)", "zones (EC2 DescribeAvailabilityZones)",
        "VPCs (EC2 DescribeVpcs)", "subnets (EC2 DescribeSubnets)", "keys (KMS ListAliases)"};
    return (unsigned)part < STACK_LOOKUP_PARTS ? names[part] : "?";
}

static void landed(struct stack_lookup *l, enum stack_lookup_part part, const struct aws_error *err)
{
    l->calls[part] = NULL;
    free(l->errors[part]);
    l->errors[part] = err ? aws_error_format(err) : NULL;
    if (l->cb)
        l->cb(part, err, l->arg);
}

static const char *tag_of(const struct ec2_tag *tags, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i].key && strcmp(tags[i].key, key) == 0)
            return tags[i].value;
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? mem_xstrdup(s) : NULL;
}

static void on_identity(const struct sts_caller_identity *out, const struct aws_error *err,
                        void *arg)
{
    struct stack_lookup *l = arg;
    if (out) {
        free(l->cat->account);
        free(l->cat->arn);
        free(l->cat->user_id);
        l->cat->account = dup_or_null(out->account);
        l->cat->arn = dup_or_null(out->arn);
        l->cat->user_id = dup_or_null(out->user_id);
    }
    landed(l, STACK_LOOKUP_IDENTITY, err);
}

static int zone_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void on_zones(struct ec2_availability_zone_list *out, const struct aws_error *err, void *arg)
{
    struct stack_lookup *l = arg;
    struct stack_form_catalog *c = l->cat;
    for (size_t i = 0; out && i < out->n; i++) {
        const struct ec2_availability_zone *z = &out->items[i];
        /* as the plan picks them: available availability zones, by name */
        if (!z->zone_name || (z->state && strcmp(z->state, "available") != 0) ||
            (z->zone_type && strcmp(z->zone_type, "availability-zone") != 0))
            continue;
        c->zones = mem_xrealloc(c->zones, (c->n_zones + 1) * sizeof(*c->zones));
        c->zones[c->n_zones++] = mem_xstrdup(z->zone_name);
    }
    if (c->n_zones > 1)
        qsort(c->zones, c->n_zones, sizeof(*c->zones), zone_cmp);
    ec2_availability_zone_list_free(out);
    landed(l, STACK_LOOKUP_ZONES, err);
}

static void on_vpcs(struct ec2_vpc_list *out, const struct aws_error *err, void *arg)
{
    struct stack_lookup *l = arg;
    struct stack_form_catalog *c = l->cat;
    for (size_t i = 0; out && i < out->n; i++) {
        const struct ec2_vpc *v = &out->items[i];
        if (!v->vpc_id)
            continue;
        c->vpcs = mem_xrealloc(c->vpcs, (c->n_vpcs + 1) * sizeof(*c->vpcs));
        struct stack_form_vpc *d = &c->vpcs[c->n_vpcs++];
        d->id = mem_xstrdup(v->vpc_id);
        d->cidr = dup_or_null(v->cidr_block);
        d->name = dup_or_null(tag_of(v->tags, v->n_tags, "Name"));
        d->is_default = v->is_default;
    }
    ec2_vpc_list_free(out);
    landed(l, STACK_LOOKUP_VPCS, err);
}

static int subnet_cmp(const void *a, const void *b)
{
    const struct stack_form_subnet *x = a, *y = b;
    int c = strcmp(x->vpc ? x->vpc : "", y->vpc ? y->vpc : "");
    if (!c)
        c = strcmp(x->zone ? x->zone : "", y->zone ? y->zone : "");
    if (!c)
        c = strcmp(x->cidr ? x->cidr : "", y->cidr ? y->cidr : "");
    return c ? c : strcmp(x->id, y->id);
}

static void on_subnets(struct ec2_subnet_list *out, const struct aws_error *err, void *arg)
{
    struct stack_lookup *l = arg;
    struct stack_form_catalog *c = l->cat;
    for (size_t i = 0; out && i < out->n; i++) {
        const struct ec2_subnet *s = &out->items[i];
        if (!s->subnet_id)
            continue;
        c->subnets = mem_xrealloc(c->subnets, (c->n_subnets + 1) * sizeof(*c->subnets));
        struct stack_form_subnet *d = &c->subnets[c->n_subnets++];
        d->id = mem_xstrdup(s->subnet_id);
        d->vpc = dup_or_null(s->vpc_id);
        d->cidr = dup_or_null(s->cidr_block);
        d->zone = dup_or_null(s->availability_zone);
        d->name = dup_or_null(tag_of(s->tags, s->n_tags, "Name"));
    }
    if (c->n_subnets > 1)
        qsort(c->subnets, c->n_subnets, sizeof(*c->subnets), subnet_cmp);
    ec2_subnet_list_free(out);
    landed(l, STACK_LOOKUP_SUBNETS, err);
}

static void on_aliases(struct kms_alias_list *out, const struct aws_error *err, void *arg)
{
    struct stack_lookup *l = arg;
    struct stack_form_catalog *c = l->cat;
    for (size_t i = 0; out && i < out->n; i++) {
        const struct kms_alias *a = &out->items[i];
        /* customer keys only: AWS managed ones cannot carry the seed's policy */
        if (!a->alias_name || !a->target_key_id || strncmp(a->alias_name, "alias/aws/", 10) == 0)
            continue;
        c->keys = mem_xrealloc(c->keys, (c->n_keys + 1) * sizeof(*c->keys));
        struct stack_form_key *d = &c->keys[c->n_keys++];
        d->alias = mem_xstrdup(a->alias_name);
        d->key_id = mem_xstrdup(a->target_key_id);
    }
    kms_alias_list_free(out);
    landed(l, STACK_LOOKUP_KEYS, err);
}

struct stack_lookup *stack_lookup_start(struct aws_client *c, struct stack_form_catalog *cat,
                                        stack_lookup_cb cb, void *arg)
{
    struct stack_lookup *l = mem_xcalloc(1, sizeof(*l));
    l->cat = cat;
    l->cb = cb;
    l->arg = arg;
    l->calls[STACK_LOOKUP_IDENTITY] = sts_get_caller_identity(c, on_identity, l);
    static const char *const avail[] = {"available"};
    struct ec2_filter zf = {"state", avail, 1};
    struct ec2_describe_availability_zones_in zi = {.filters = &zf, .n_filters = 1};
    l->calls[STACK_LOOKUP_ZONES] = ec2_describe_availability_zones(c, &zi, on_zones, l);
    struct ec2_describe_vpcs_in vi;
    memset(&vi, 0, sizeof(vi));
    l->calls[STACK_LOOKUP_VPCS] = ec2_describe_vpcs(c, &vi, on_vpcs, l);
    struct ec2_describe_subnets_in si;
    memset(&si, 0, sizeof(si));
    l->calls[STACK_LOOKUP_SUBNETS] = ec2_describe_subnets(c, &si, on_subnets, l);
    struct kms_list_aliases_in ai;
    memset(&ai, 0, sizeof(ai));
    l->calls[STACK_LOOKUP_KEYS] = kms_list_aliases(c, &ai, on_aliases, l);
    return l;
}

bool stack_lookup_busy(const struct stack_lookup *l, enum stack_lookup_part part)
{
    return l && (unsigned)part < STACK_LOOKUP_PARTS && l->calls[part] != NULL;
}

const char *stack_lookup_error(const struct stack_lookup *l, enum stack_lookup_part part)
{
    return l && (unsigned)part < STACK_LOOKUP_PARTS ? l->errors[part] : NULL;
}

void stack_lookup_free(struct stack_lookup *l)
{
    if (!l)
        return;
    for (int i = 0; i < STACK_LOOKUP_PARTS; i++) {
        if (l->calls[i])
            aws_call_cancel(l->calls[i]);
        free(l->errors[i]);
    }
    free(l);
}

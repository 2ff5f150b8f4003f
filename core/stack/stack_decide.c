/* stack_decide.c - what apply will do to each resource, from what
 * discovery found. */
#include "core/stack/stack_decide.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_ops.h"
#include "core/stack/stack_validate.h"

/* Policy documents compare by meaning: single strings and one-element
 * lists are the same, list order does not matter. */
static json_t *norm(const json_t *v, const char *key)
{
    static const char *const listy[] = {"Action", "NotAction", "Resource", "NotResource",
                                        "AWS",    "Service",   "Federated"};
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            json_object_set_new(o, k, norm(m, k));
        }
        return o;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        char **keys = mem_xcalloc(n ? n : 1, sizeof(char *));
        json_t **items = mem_xcalloc(n ? n : 1, sizeof(json_t *));
        for (size_t i = 0; i < n; i++) {
            items[i] = norm(json_array_get(v, i), NULL);
            keys[i] = json_dumps(items[i], JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        }
        /* insertion sort by the canonical text */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i;
                 j > 0 && strcmp(keys[j - 1] ? keys[j - 1] : "", keys[j] ? keys[j] : "") > 0; j--) {
                char *tk = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = tk;
                json_t *ti = items[j];
                items[j] = items[j - 1];
                items[j - 1] = ti;
            }
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(a, items[i]);
            free(keys[i]);
        }
        free(keys);
        free(items);
        return a;
    }
    if (json_is_string(v) && key) {
        bool wrap = false;
        for (size_t i = 0; i < sizeof(listy) / sizeof(listy[0]); i++)
            if (strcmp(key, listy[i]) == 0)
                wrap = true;
        if (wrap || strncmp(key, "kms:", 4) == 0 || strncmp(key, "aws:", 4) == 0)
            return json_pack("[O]", v);
    }
    return json_deep_copy(v);
}

static bool policy_same(const char *have, json_t *want)
{
    if (!have) {
        json_decref(want);
        return false;
    }
    json_error_t je;
    json_t *h = json_loads(have, 0, &je);
    bool same = false;
    if (h) {
        json_t *a = norm(h, NULL), *b = norm(want, NULL);
        same = json_equal(a, b);
        json_decref(a);
        json_decref(b);
        json_decref(h);
    }
    json_decref(want);
    return same;
}

static void act(struct stack_plan *p, struct stack_resource *r, enum stack_action a)
{
    (void)p;
    r->action = a;
}

static int zone_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void pick_zones(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    if (s->n_azs) {
        for (size_t i = 0; i < s->n_azs; i++) {
            p->zones = mem_xrealloc(p->zones, (p->n_zones + 1) * sizeof(char *));
            p->zones[p->n_zones++] = mem_xstrdup(s->azs[i]);
        }
        return;
    }
    for (size_t i = 0; q->zones && i < q->zones->n; i++) {
        const struct ec2_availability_zone *z = &q->zones->items[i];
        if (!z->zone_name || (z->state && strcmp(z->state, "available") != 0) ||
            (z->zone_type && strcmp(z->zone_type, "availability-zone") != 0))
            continue;
        p->zones = mem_xrealloc(p->zones, (p->n_zones + 1) * sizeof(char *));
        p->zones[p->n_zones++] = mem_xstrdup(z->zone_name);
    }
    if (p->n_zones > 1)
        qsort(p->zones, p->n_zones, sizeof(char *), zone_cmp);
}

static bool region_has_zone(const struct stack_discover *q, const char *zone)
{
    if (!q->zones)
        return true;
    for (size_t i = 0; i < q->zones->n; i++)
        if (q->zones->items[i].zone_name && strcmp(q->zones->items[i].zone_name, zone) == 0)
            return true;
    return false;
}

static bool cidr_in(const char *inner, const char *outer)
{
    uint32_t a, b;
    int ap, bp;
    if (stack_validate_cidr(inner, &a, &ap) != 0 || stack_validate_cidr(outer, &b, &bp) != 0)
        return false;
    if (ap < bp)
        return false;
    uint32_t mask = bp == 0 ? 0 : 0xffffffffu << (32 - bp);
    return (a & mask) == b;
}

static void decide_vpc(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    struct stack_resource *r = stack_res_find(p, "vpc");
    const struct ec2_vpc *v = stack_discover_vpc(q);
    if (s->reuse_vpc) {
        if (!v) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "reuse.vpc: %s does not exist in %s", s->reuse_vpc,
                             stack_spec_region(s));
            return;
        }
        stack_res_set_str(&r->id, v->vpc_id);
        stack_res_set_str(&r->cidr, v->cidr_block);
        act(p, r, STACK_ACT_REUSE);
        stack_res_reason(r, "reused VPC %s (%s): elcui never changes or deletes it", v->vpc_id,
                         v->cidr_block ? v->cidr_block : "");
        return;
    }
    if (q->vpcs && q->vpcs->n > 1) {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < q->vpcs->n; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", q->vpcs->items[i].vpc_id);
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r, "%zu VPCs carry %s=%s (%s); keep one and delete the others", q->vpcs->n,
                         STACK_SPEC_TAG_KEY, s->name, buf_str(&b));
        buf_free(&b);
        return;
    }
    if (!v) {
        act(p, r, STACK_ACT_CREATE);
        stack_res_set_str(&r->cidr, s->vpc_cidr);
        stack_ops_add_call(p, 0, STACK_OP_CREATE_VPC, 0);
        stack_ops_add_call(p, 0, STACK_OP_VPC_DNS_SUPPORT, 0);
        stack_ops_add_call(p, 0, STACK_OP_VPC_DNS_HOSTNAMES, 0);
        return;
    }
    r->ours = true;
    stack_res_set_str(&r->id, v->vpc_id);
    stack_res_set_str(&r->cidr, v->cidr_block);
    if (!v->cidr_block || strcmp(v->cidr_block, s->vpc_cidr) != 0) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "%s has CIDR %s but the spec says %s; a VPC's CIDR cannot change: fix "
                         "network.vpc_cidr or destroy the stack",
                         v->vpc_id, v->cidr_block ? v->cidr_block : "?", s->vpc_cidr);
        return;
    }
    if (q->dns[0] == 0)
        stack_ops_add_call(p, 0, STACK_OP_VPC_DNS_SUPPORT, 0);
    if (q->dns[1] == 0)
        stack_ops_add_call(p, 0, STACK_OP_VPC_DNS_HOSTNAMES, 0);
    if (r->n_calls) {
        act(p, r, STACK_ACT_CHANGE);
        stack_res_reason(r, "turn on DNS %s",
                         q->dns[0] == 0 && q->dns[1] == 0 ? "support and hostnames"
                         : q->dns[0] == 0                 ? "support"
                                                          : "hostnames");
    } else {
        act(p, r, STACK_ACT_KEEP);
    }
}

static bool vpc_usable(struct stack_plan *p)
{
    struct stack_resource *v = stack_res_find(p, "vpc");
    return v && v->id &&
           (v->action == STACK_ACT_KEEP || v->action == STACK_ACT_CHANGE ||
            v->action == STACK_ACT_REUSE);
}

static void decide_subnets(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    bool have_vpc = vpc_usable(p);
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        if (r->kind != STACK_KIND_SUBNET)
            continue;
        if (s->n_reuse_subnets) {
            const struct ec2_subnet *sn = NULL;
            for (size_t k = 0; q->reuse_subnets && k < q->reuse_subnets->n; k++)
                if (q->reuse_subnets->items[k].subnet_id &&
                    strcmp(q->reuse_subnets->items[k].subnet_id, r->name) == 0)
                    sn = &q->reuse_subnets->items[k];
            if (!sn) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r, "reuse.subnets: %s does not exist in %s", r->name,
                                 stack_spec_region(s));
            } else if (s->reuse_vpc && sn->vpc_id && strcmp(sn->vpc_id, s->reuse_vpc) != 0) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r, "reuse.subnets: %s is in %s, not in reuse.vpc %s", r->name,
                                 sn->vpc_id, s->reuse_vpc);
            } else {
                act(p, r, STACK_ACT_REUSE);
                stack_res_set_str(&r->cidr, sn->cidr_block);
                stack_res_set_str(&r->zone, sn->availability_zone);
                stack_res_reason(r, "reused subnet in %s",
                                 sn->availability_zone ? sn->availability_zone : "?");
            }
            continue;
        }
        const struct stack_resource_priv *pv = r->priv;
        if (!p->n_zones) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "no available zone in %s to place it", stack_spec_region(s));
            continue;
        }
        stack_res_set_str(&r->zone, p->zones[pv->index % p->n_zones]);
        if (s->n_azs && !region_has_zone(q, r->zone)) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "network.availability_zones: %s is not an available zone of %s",
                             r->zone, stack_spec_region(s));
            continue;
        }
        if (s->reuse_vpc && have_vpc) {
            struct stack_resource *v = stack_res_find(p, "vpc");
            if (v->cidr && !cidr_in(r->cidr, v->cidr)) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r, "%s is not inside the reused VPC's %s; fix the subnet CIDRs",
                                 r->cidr, v->cidr);
                continue;
            }
        }
        if (!have_vpc || !q->subnets) {
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, i, STACK_OP_CREATE_SUBNET, 0);
            continue;
        }
        const struct ec2_subnet *mine = NULL, *taken = NULL;
        for (size_t k = 0; k < q->subnets->n; k++) {
            const struct ec2_subnet *sn = &q->subnets->items[k];
            if (stack_res_tagged_ours(sn->tags, sn->n_tags, p, r))
                mine = sn;
            else if (sn->cidr_block && strcmp(sn->cidr_block, r->cidr) == 0)
                taken = sn;
        }
        if (mine) {
            r->ours = true;
            stack_res_set_str(&r->id, mine->subnet_id);
            bool same_cidr = mine->cidr_block && strcmp(mine->cidr_block, r->cidr) == 0;
            bool same_zone =
                mine->availability_zone && strcmp(mine->availability_zone, r->zone) == 0;
            if (same_cidr && (same_zone || !s->n_azs)) {
                stack_res_set_str(&r->zone, mine->availability_zone);
                act(p, r, STACK_ACT_KEEP);
            } else {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r,
                                 "%s is %s in %s; the spec says %s in %s; a subnet cannot change: "
                                 "fix the spec or destroy the stack",
                                 mine->subnet_id, mine->cidr_block ? mine->cidr_block : "?",
                                 mine->availability_zone ? mine->availability_zone : "?", r->cidr,
                                 r->zone);
            }
        } else if (taken) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "%s is already used by %s, which is not tagged %s=%s", r->cidr,
                             taken->subnet_id, STACK_SPEC_TAG_KEY, s->name);
        } else {
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, i, STACK_OP_CREATE_SUBNET, 0);
        }
    }
}

static void decide_route_tables(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    bool have_vpc = vpc_usable(p);
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        if (r->kind != STACK_KIND_ROUTE_TABLE)
            continue;
        const struct ec2_route_table *rt = stack_discover_route_table(q, have_vpc, r);
        if (!rt) {
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, i, STACK_OP_CREATE_ROUTE_TABLE, 0);
            for (size_t k = 0; k < r->priv->n_subnets; k++)
                stack_ops_add_call(p, i, STACK_OP_ASSOCIATE_ROUTE_TABLE, (int)r->priv->subnets[k]);
            continue;
        }
        r->ours = true;
        stack_res_set_str(&r->id, rt->route_table_id);
        stack_ops_keep_assocs(r->priv, rt);
        for (size_t k = 0; k < r->priv->n_subnets; k++) {
            const struct stack_resource *sn = &p->res[r->priv->subnets[k]];
            bool linked = false;
            for (size_t a = 0; sn->id && a < rt->n_associations; a++)
                if (rt->associations[a].subnet_id &&
                    strcmp(rt->associations[a].subnet_id, sn->id) == 0)
                    linked = true;
            if (!linked)
                stack_ops_add_call(p, i, STACK_OP_ASSOCIATE_ROUTE_TABLE, (int)r->priv->subnets[k]);
        }
        if (r->n_calls) {
            act(p, r, STACK_ACT_CHANGE);
            stack_res_reason(r, "associate it with its subnet%s",
                             r->priv->n_subnets > 1 ? "s" : "");
        } else {
            act(p, r, STACK_ACT_KEEP);
        }
    }
}

static void decide_default_sg(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    ssize_t i = stack_res_index(p, "default-sg");
    if (i < 0)
        return;
    struct stack_resource *r = &p->res[i];
    const struct ec2_security_group *g = NULL;
    for (size_t k = 0; vpc_usable(p) && q->sgs && k < q->sgs->n; k++)
        if (q->sgs->items[k].group_name && strcmp(q->sgs->items[k].group_name, "default") == 0)
            g = &q->sgs->items[k];
    if (!g) {
        act(p, r, STACK_ACT_CREATE);
        stack_res_reason(r, "the new VPC's default security group loses its rules (CIS hardening)");
        stack_ops_add_call(p, (size_t)i, STACK_OP_FIND_DEFAULT_SG, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_INGRESS, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_EGRESS, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_TAG_DEFAULT_SG, 0);
        return;
    }
    r->ours = true;
    stack_res_set_str(&r->id, g->group_id);
    stack_ops_keep_rules(r->priv, g);
    if (r->priv->n_ingress)
        stack_ops_add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_INGRESS, 0);
    if (r->priv->n_egress)
        stack_ops_add_call(p, (size_t)i, STACK_OP_REVOKE_DEFAULT_EGRESS, 0);
    if (!stack_res_has_tag(g->tags, g->n_tags, "Name", r->name) ||
        !stack_res_has_tag(g->tags, g->n_tags, STACK_SPEC_TAG_KEY, p->spec.name))
        stack_ops_add_call(p, (size_t)i, STACK_OP_TAG_DEFAULT_SG, 0);
    if (r->n_calls) {
        act(p, r, STACK_ACT_CHANGE);
        stack_res_reason(r, "%zu inbound rule%s and %zu outbound rule%s to remove",
                         r->priv->n_ingress, r->priv->n_ingress == 1 ? "" : "s", r->priv->n_egress,
                         r->priv->n_egress == 1 ? "" : "s");
    } else {
        act(p, r, STACK_ACT_KEEP);
    }
}

static void decide_subnet_group(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = stack_res_index(p, "subnet-group");
    struct stack_resource *r = &p->res[i];
    /* Multi-AZ needs the cache subnets in two zones. */
    if (s->multi_az) {
        char *seen[2 * STACK_SPEC_MAX_SUBNETS];
        size_t n = 0;
        for (size_t k = 0; k < r->n_deps; k++) {
            const char *z = p->res[r->deps[k]].zone;
            bool dup = false;
            for (size_t j = 0; z && j < n; j++)
                if (strcmp(seen[j], z) == 0)
                    dup = true;
            if (z && !dup)
                seen[n++] = (char *)z;
        }
        if (n < 2 && r->n_deps) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(
                r, "Multi-AZ needs the cache subnets in at least 2 zones; they are in %zu%s", n,
                p->n_zones < 2 && !s->n_reuse_subnets ? " (the region offers fewer)" : "");
            return;
        }
    }
    if (!q->sng) {
        act(p, r, STACK_ACT_CREATE);
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_SUBNET_GROUP, 0);
        return;
    }
    stack_res_set_str(&r->id, q->sng->name);
    stack_res_set_str(&r->arn, q->sng->arn);
    if (!q->sng_ours) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "cache subnet group %s exists and is not tagged %s=%s; rename "
                         "names.subnet_group or delete it",
                         q->sng->name, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    bool same = r->n_deps == q->sng->n_subnets;
    for (size_t k = 0; same && k < r->n_deps; k++) {
        const char *want = p->res[r->deps[k]].id;
        bool found = false;
        for (size_t j = 0; want && j < q->sng->n_subnets; j++)
            if (q->sng->subnets[j].id && strcmp(q->sng->subnets[j].id, want) == 0)
                found = true;
        same = found;
    }
    if (same) {
        act(p, r, STACK_ACT_KEEP);
    } else {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(
            r,
            "%s holds other subnets than the spec's; elcui does not move a subnet group: "
            "destroy the stack or rename names.subnet_group",
            q->sng->name);
    }
}

static bool sg_admits(const struct ec2_security_group *g, int port, const char *cidr)
{
    for (size_t i = 0; i < g->n_ingress; i++) {
        const struct ec2_ip_permission *x = &g->ingress[i];
        bool proto = x->ip_protocol &&
                     (strcmp(x->ip_protocol, "tcp") == 0 || strcmp(x->ip_protocol, "-1") == 0);
        bool ports = strcmp(x->ip_protocol ? x->ip_protocol : "", "-1") == 0 ||
                     (x->has_ports && x->from_port <= port && x->to_port >= port);
        if (!proto || !ports)
            continue;
        for (size_t k = 0; k < x->n_ip_ranges; k++)
            if (x->ip_ranges[k].cidr && (!cidr || strcmp(x->ip_ranges[k].cidr, cidr) == 0))
                return true;
        if (!cidr && x->n_groups)
            return true;
    }
    return false;
}

static void decide_security_group(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = stack_res_index(p, "security-group");
    struct stack_resource *r = &p->res[i];
    struct stack_resource *v = stack_res_find(p, "vpc");
    if (s->reuse_security_group) {
        const struct ec2_security_group *g =
            q->reuse_sg && q->reuse_sg->n ? &q->reuse_sg->items[0] : NULL;
        if (!g) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "reuse.security_group: %s does not exist", s->reuse_security_group);
        } else if (s->reuse_vpc && g->vpc_id && strcmp(g->vpc_id, s->reuse_vpc) != 0) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "reuse.security_group: %s is in %s, not in reuse.vpc %s",
                             g->group_id, g->vpc_id, s->reuse_vpc);
        } else {
            stack_res_set_str(&r->id, g->group_id);
            act(p, r, STACK_ACT_REUSE);
            if (!sg_admits(g, s->port, NULL))
                stack_res_reason(r,
                                 "reused; it admits nothing on TCP %d, so clients cannot reach the "
                                 "cache until it does",
                                 s->port);
            else
                stack_res_reason(r, "reused security group: elcui never changes or deletes it");
        }
        return;
    }
    const struct ec2_security_group *g = NULL;
    for (size_t k = 0; vpc_usable(p) && q->sgs && k < q->sgs->n; k++)
        if (q->sgs->items[k].group_name && strcmp(q->sgs->items[k].group_name, r->name) == 0)
            g = &q->sgs->items[k];
    if (!g) {
        act(p, r, STACK_ACT_CREATE);
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_SECURITY_GROUP, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_AUTHORIZE_INGRESS, 0);
        return;
    }
    stack_res_set_str(&r->id, g->group_id);
    if (!stack_res_has_tag(g->tags, g->n_tags, STACK_SPEC_TAG_KEY, s->name)) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "security group %s (%s) is not tagged %s=%s; rename names.security_group",
                         r->name, g->group_id, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    if (sg_admits(g, s->port, v && v->cidr ? v->cidr : s->vpc_cidr)) {
        act(p, r, STACK_ACT_KEEP);
    } else {
        act(p, r, STACK_ACT_CHANGE);
        stack_res_reason(r, "add the TCP %d rule from the VPC", s->port);
        stack_ops_add_call(p, (size_t)i, STACK_OP_AUTHORIZE_INGRESS, 0);
    }
}

static void decide_keys(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    for (int w = 0; w < 2; w++) {
        ssize_t i = stack_res_index(p, w ? "kms.secret" : "kms.rest");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        struct key_find *k = &q->keys[w];
        bool reuse = w ? s->reuse_secret_kms_key != NULL : s->reuse_kms_key != NULL;
        if (k->meta) {
            stack_res_set_str(&r->id, k->meta->key_id);
            stack_res_set_str(&r->arn, k->meta->arn);
            stack_res_set_str(&r->status, k->meta->key_state);
        }
        bool enabled = k->meta && k->meta->key_state && strcmp(k->meta->key_state, "Enabled") == 0;
        if (reuse) {
            if (!k->meta) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r, "reuse.%s: %s does not exist", w ? "secret_kms_key" : "kms_key",
                                 r->name);
            } else if (!enabled) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r, "reused key %s is %s; it must be Enabled", k->meta->key_id,
                                 k->meta->key_state ? k->meta->key_state : "?");
            } else {
                act(p, r, STACK_ACT_REUSE);
                stack_res_reason(r, "reused key %s: elcui never changes or deletes it",
                                 k->meta->key_id);
            }
            continue;
        }
        if (k->meta && !k->via_tag) {
            if (!k->ours) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r,
                                 "%s points to key %s, which is not tagged %s=%s; rename names.%s",
                                 r->name, k->meta->key_id, STACK_SPEC_TAG_KEY, s->name,
                                 w ? "secret_key_alias" : "rest_key_alias");
                continue;
            }
            r->ours = true;
            if (!enabled) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r,
                                 "%s points to key %s, which is %s; cancel its deletion (aws kms "
                                 "cancel-key-deletion, then enable-key) or delete the alias",
                                 r->name, k->meta->key_id,
                                 k->meta->key_state ? k->meta->key_state : "?");
                continue;
            }
            if (s->key_rotation && k->rotation_known && !k->rotation) {
                act(p, r, STACK_ACT_CHANGE);
                stack_res_reason(r, "turn on key rotation");
                stack_ops_add_call(p, (size_t)i, STACK_OP_ENABLE_KEY_ROTATION, 0);
            } else {
                act(p, r, STACK_ACT_KEEP);
            }
            continue;
        }
        if (k->meta && k->via_tag && k->ours) {
            r->ours = true;
            act(p, r, STACK_ACT_CHANGE);
            stack_res_reason(r,
                             "key %s of this stack was found by its tag; its alias is missing (an "
                             "earlier apply stopped): it gets the alias instead of a second key",
                             k->meta->key_id);
            if (s->key_rotation && !(k->rotation_known && k->rotation))
                stack_ops_add_call(p, (size_t)i, STACK_OP_ENABLE_KEY_ROTATION, 0);
            stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_ALIAS, 0);
            continue;
        }
        act(p, r, STACK_ACT_CREATE);
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_KEY, 0);
        if (s->key_rotation)
            stack_ops_add_call(p, (size_t)i, STACK_OP_ENABLE_KEY_ROTATION, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_ALIAS, 0);
    }
}

/* A reused at-rest key must already let CloudWatch Logs use it for these
 * log groups: elcui does not edit the policy of a key it does not own. */
static char *reused_policy_gap(struct stack_plan *p, const char *have)
{
    const struct stack_spec *s = &p->spec;
    if (!(s->slow_log || s->engine_log))
        return NULL;
    json_error_t je;
    json_t *doc = have ? json_loads(have, 0, &je) : NULL;
    json_t *n = doc ? norm(doc, NULL) : NULL;
    json_decref(doc);
    char *svc = mem_xasprintf("logs.%s.amazonaws.com", stack_spec_region(s));
    bool ok = false;
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(n, "Statement"), i, st)
    {
        json_t *svcs = json_object_get(json_object_get(st, "Principal"), "Service");
        bool who = false;
        size_t k;
        json_t *x;
        json_array_foreach(svcs, k, x)
        {
            if (json_is_string(x) && strcmp(json_string_value(x), svc) == 0)
                who = true;
        }
        if (!who)
            continue;
        json_t *cond = json_object_get(st, "Condition");
        json_t *arns = json_object_get(json_object_get(cond, "ArnEquals"),
                                       "kms:EncryptionContext:aws:logs:arn");
        if (!arns)
            arns = json_object_get(json_object_get(cond, "ArnLike"),
                                   "kms:EncryptionContext:aws:logs:arn");
        if (!cond) {
            ok = true; /* logs may use it for any group */
            continue;
        }
        bool all = true;
        for (int eng = 0; eng < 2; eng++) {
            if (!(eng ? s->engine_log : s->slow_log))
                continue;
            char *want = stack_spec_log_group_arn(s, p->account, eng);
            bool found = false;
            json_array_foreach(arns, k, x)
            {
                if (json_is_string(x) && strcmp(json_string_value(x), want) == 0)
                    found = true;
            }
            free(want);
            all = all && found;
        }
        if (all)
            ok = true;
    }
    json_decref(n);
    char *gap = NULL;
    if (!ok) {
        json_t *want = stack_spec_rest_key_policy(s, p->account);
        json_t *sts = json_object_get(want, "Statement");
        char *txt = json_dumps(json_array_get(sts, json_array_size(sts) - 1), JSON_COMPACT);
        gap = mem_xasprintf("the reused key's policy does not let %s use it for the log groups; "
                            "add this statement to it: %s",
                            svc, txt ? txt : "");
        free(txt);
        json_decref(want);
    }
    free(svc);
    return gap;
}

static void decide_key_policies(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    for (int w = 0; w < 2; w++) {
        ssize_t i = stack_res_index(p, w ? "kms.secret.policy" : "kms.rest.policy");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        struct stack_resource *key = stack_res_find(p, w ? "kms.secret" : "kms.rest");
        stack_res_set_str(&r->id, key->id);
        stack_res_set_str(&r->arn, key->arn);
        r->ours = key->ours;
        switch (key->action) {
        case STACK_ACT_REUSE: {
            char *gap = w ? NULL : reused_policy_gap(p, q->keys[w].policy);
            if (gap) {
                act(p, r, STACK_ACT_CONFLICT);
                stack_res_reason(r, "%s", gap);
                free(gap);
            } else {
                act(p, r, STACK_ACT_REUSE);
                stack_res_reason(r, q->keys[w].policy
                                        ? "the reused key's policy is left as it is"
                                        : "the reused key's policy could not be read; "
                                          "left as it is");
            }
            break;
        }
        case STACK_ACT_CONFLICT:
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "its key %s is in conflict", key->key);
            break;
        case STACK_ACT_CREATE:
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, (size_t)i, STACK_OP_PUT_KEY_POLICY, 0);
            break;
        default: {
            json_t *want = w ? stack_spec_secret_key_policy(&p->spec, p->account)
                             : stack_spec_rest_key_policy(&p->spec, p->account);
            if (policy_same(q->keys[w].policy, want)) {
                act(p, r, STACK_ACT_KEEP);
            } else {
                act(p, r, q->keys[w].policy ? STACK_ACT_CHANGE : STACK_ACT_CREATE);
                if (q->keys[w].policy)
                    stack_res_reason(r, "the key policy differs from the spec's; it is replaced");
                stack_ops_add_call(p, (size_t)i, STACK_OP_PUT_KEY_POLICY, 0);
            }
        }
        }
    }
}

static void decide_log_groups(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    struct stack_resource *key = stack_res_find(p, "kms.rest");
    for (int eng = 0; eng < 2; eng++) {
        ssize_t i = stack_res_index(p, eng ? "log-group.engine" : "log-group.slow");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        const struct logs_log_group *g = q->lgs[eng];
        if (!g) {
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_LOG_GROUP, 0);
            stack_ops_add_call(p, (size_t)i, STACK_OP_PUT_RETENTION, 0);
            continue;
        }
        stack_res_set_str(&r->id, g->name);
        stack_res_set_str(&r->arn, g->log_group_arn ? g->log_group_arn : g->arn);
        if (!g->kms_key_id || !stack_res_key_matches(g->kms_key_id, key)) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(
                r,
                "log group %s exists %s%s; elcui cannot prove it is this stack's or change "
                "its key: delete it or rename names.%s",
                g->name, g->kms_key_id ? "encrypted with " : "without a KMS key",
                g->kms_key_id ? g->kms_key_id : "", eng ? "engine_log_group" : "slow_log_group");
            continue;
        }
        r->ours = true;
        if (!g->has_retention_in_days || g->retention_in_days != s->log_retention_days) {
            act(p, r, STACK_ACT_CHANGE);
            stack_res_reason(r, "retention %s -> %d day%s",
                             g->has_retention_in_days ? "changes" : "never expires",
                             s->log_retention_days, s->log_retention_days == 1 ? "" : "s");
            stack_ops_add_call(p, (size_t)i, STACK_OP_PUT_RETENTION, 0);
        } else {
            act(p, r, STACK_ACT_KEEP);
        }
    }
}

static void decide_secret(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = stack_res_index(p, "secret");
    if (i < 0)
        return;
    struct stack_resource *r = &p->res[i];
    const struct secrets_secret *x = q->secret;
    if (x) {
        stack_res_set_str(&r->id, x->arn);
        stack_res_set_str(&r->arn, x->arn);
    }
    if (s->reuse_secret) {
        if (!x || x->deleted_date_ms) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "reuse.secret: %s %s", s->reuse_secret,
                             x ? "is scheduled for deletion" : "does not exist");
        } else {
            act(p, r, STACK_ACT_REUSE);
            stack_res_set_str(&r->priv->token_source, x->arn);
            stack_res_set_str(&r->priv->existing_kms, x->kms_key_id);
            stack_res_reason(r, "reused secret: its value is the AUTH token");
        }
        return;
    }
    if (!x) {
        act(p, r, STACK_ACT_CREATE);
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_SECRET, 0);
        return;
    }
    if (x->deleted_date_ms) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "secret %s is scheduled for deletion; restore it (aws secretsmanager "
                         "restore-secret) or wait until it is gone",
                         x->name ? x->name : r->name);
        return;
    }
    if (!secrets_tag_get(x, STACK_SPEC_TAG_KEY) ||
        strcmp(secrets_tag_get(x, STACK_SPEC_TAG_KEY), s->name) != 0) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "secret %s is not tagged %s=%s; rename names.secret or reuse it with "
                         "reuse.secret",
                         r->name, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    struct stack_resource *key = stack_res_find(p, "kms.secret");
    if (!stack_res_key_matches(x->kms_key_id, key)) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(
            r, "secret %s is encrypted with %s, not with %s; elcui does not re-encrypt it", r->name,
            x->kms_key_id ? x->kms_key_id : "aws/secretsmanager",
            key ? key->name : "the secret key");
        return;
    }
    stack_res_set_str(&r->priv->token_source, x->arn);
    act(p, r, STACK_ACT_KEEP);
}

static bool log_config_same(const struct stack_spec *s,
                            const struct elasticache_replication_group *g)
{
    int want = (s->slow_log ? 1 : 0) + (s->engine_log ? 1 : 0);
    int have = 0;
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct elasticache_log_delivery *l = &g->log_delivery[i];
        if (l->status && strcmp(l->status, "disabling") == 0)
            continue;
        bool eng = l->log_type && strcmp(l->log_type, "engine-log") == 0;
        bool on = eng ? s->engine_log : s->slow_log;
        const char *grp =
            stack_spec_name(s, eng ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP);
        if (!on || !l->log_group || strcmp(l->log_group, grp) != 0 || !l->log_format ||
            strcmp(l->log_format, s->log_format) != 0 || !l->destination_type ||
            strcmp(l->destination_type, "cloudwatch-logs") != 0)
            return false;
        have++;
    }
    return have == want;
}

/* The parameter group is missing or of another family than the engine's:
 * the group is in conflict. Whether it is. */
static bool group_parameter_group_conflict(struct stack_discover *q, struct stack_resource *r)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    if (q->pg_missing) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r, "cache.parameter_group: %s does not exist in %s", s->parameter_group,
                         stack_spec_region(s));
        return true;
    }
    if (q->pgs && q->pgs->n && q->pgs->items[0].family) {
        const char *fam = stack_validate_engine_family(s->engine, s->engine_version);
        if (fam && strcmp(fam, q->pgs->items[0].family) != 0) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "cache.parameter_group: %s is for %s, the engine needs %s",
                             s->parameter_group, q->pgs->items[0].family, fam);
            return true;
        }
    }
    return false;
}

/* What differs that elcui cannot change in place, into d. */
static void group_fixed_diffs(struct stack_plan *p, const struct stack_resource *r,
                              const struct elasticache_replication_group *g, struct buf *d)
{
    const struct stack_spec *s = &p->spec;
    bool cluster = stack_validate_cluster_mode(s);
    int shards = cluster ? s->shards : 1;
    if (g->cache_node_type && strcmp(g->cache_node_type, s->node_type) != 0)
        buf_printf(d, "%snode type %s (spec %s)", d->len ? ", " : "", g->cache_node_type,
                   s->node_type);
    if (g->n_node_groups && (int)g->n_node_groups != shards)
        buf_printf(d, "%s%zu shard%s (spec %d)", d->len ? ", " : "", g->n_node_groups,
                   g->n_node_groups == 1 ? "" : "s", shards);
    if (g->n_node_groups && g->node_groups[0].n_members &&
        (int)g->node_groups[0].n_members - 1 != s->replicas)
        buf_printf(d, "%s%zu replica%s per shard (spec %d)", d->len ? ", " : "",
                   g->node_groups[0].n_members - 1, g->node_groups[0].n_members == 2 ? "" : "s",
                   s->replicas);
    if (g->has_cluster_enabled && g->cluster_enabled != cluster)
        buf_printf(d, "%scluster mode %s", d->len ? ", " : "", g->cluster_enabled ? "on" : "off");
    if (g->has_at_rest_encryption_enabled && g->at_rest_encryption_enabled != s->at_rest_encryption)
        buf_printf(d, "%sat-rest encryption %s", d->len ? ", " : "",
                   g->at_rest_encryption_enabled ? "on" : "off");
    if (s->at_rest_encryption && g->kms_key_id &&
        !stack_res_key_matches(g->kms_key_id, stack_res_find(p, "kms.rest")))
        buf_printf(d, "%sencrypted with %s", d->len ? ", " : "", g->kms_key_id);
    if (g->has_transit_encryption_enabled && g->transit_encryption_enabled != s->transit_encryption)
        buf_printf(d, "%sTLS %s", d->len ? ", " : "", g->transit_encryption_enabled ? "on" : "off");
    if (g->has_auth_token_enabled && g->auth_token_enabled != s->auth_token)
        buf_printf(d, "%sAUTH %s", d->len ? ", " : "", g->auth_token_enabled ? "on" : "off");
    if (r->port && r->port != s->port)
        buf_printf(d, "%sport %d (spec %d)", d->len ? ", " : "", r->port, s->port);
}

/* What ModifyReplicationGroup changes: flags in pv, their names into d. */
static void group_modifications(const struct stack_spec *s,
                                const struct elasticache_replication_group *g,
                                struct stack_resource_priv *pv, struct buf *d)
{
    pv->mod_multi_az = g->multi_az && (strcmp(g->multi_az, "enabled") == 0) != s->multi_az;
    pv->mod_failover = g->automatic_failover &&
                       (strcmp(g->automatic_failover, "enabled") == 0 ||
                        strcmp(g->automatic_failover, "enabling") == 0) != s->automatic_failover;
    pv->mod_logs = !log_config_same(s, g);
    pv->mod_snapshot =
        g->has_snapshot_retention_limit && g->snapshot_retention_limit != s->snapshot_retention;
    pv->mod_description =
        g->description && strcmp(g->description, stack_spec_name(s, STACK_NAME_DESCRIPTION)) != 0;
    if (pv->mod_multi_az)
        buf_printf(d, "%sMulti-AZ", d->len ? ", " : "");
    if (pv->mod_failover)
        buf_printf(d, "%sautomatic failover", d->len ? ", " : "");
    if (pv->mod_logs)
        buf_printf(d, "%slog delivery", d->len ? ", " : "");
    if (pv->mod_snapshot)
        buf_printf(d, "%sbackup retention", d->len ? ", " : "");
    if (pv->mod_description)
        buf_printf(d, "%sdescription", d->len ? ", " : "");
}

static void decide_group(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    ssize_t i = stack_res_index(p, "replication-group");
    struct stack_resource *r = &p->res[i];
    struct stack_resource *sec = stack_res_find(p, "secret");
    const struct elasticache_replication_group *g = q->rg;
    if (group_parameter_group_conflict(q, r))
        return;
    if (!g) {
        act(p, r, STACK_ACT_CREATE);
        if (s->auth_token && sec && sec->action != STACK_ACT_CREATE)
            stack_ops_add_call(p, (size_t)i, STACK_OP_READ_TOKEN, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_REPLICATION_GROUP, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
        return;
    }
    stack_res_set_str(&r->id, g->id);
    stack_res_set_str(&r->arn, g->arn);
    stack_res_set_str(&r->status, g->status);
    stack_res_group_endpoint(r, g);
    stack_discover_prove_group(q);
    if (!q->rg_ours) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "replication group %s exists and is not tagged %s=%s; rename "
                         "names.replication_group_id",
                         g->id, STACK_SPEC_TAG_KEY, s->name);
        return;
    }
    r->ours = true;
    if (g->status &&
        (strcmp(g->status, "deleting") == 0 || strcmp(g->status, "create-failed") == 0)) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r, "replication group %s is %s; wait until it is gone (elcui destroy %s)",
                         g->id, g->status, s->name);
        return;
    }
    /* What elcui cannot change in place. */
    struct buf d;
    buf_init(&d, 0);
    group_fixed_diffs(p, r, g, &d);
    if (d.len) {
        act(p, r, STACK_ACT_CONFLICT);
        stack_res_reason(r,
                         "differs in what elcui does not change in place: %s; fix the spec or "
                         "destroy the stack",
                         buf_str(&d));
        buf_free(&d);
        return;
    }
    /* What ModifyReplicationGroup changes. */
    group_modifications(s, g, r->priv, &d);
    bool busy = !g->status || strcmp(g->status, "available") != 0;
    if (d.len) {
        act(p, r, STACK_ACT_CHANGE);
        stack_res_reason(r, "modify %s, then wait until available", buf_str(&d));
        if (busy)
            stack_ops_add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_MODIFY_REPLICATION_GROUP, 0);
        stack_ops_add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
    } else if (busy) {
        act(p, r, STACK_ACT_KEEP);
        stack_res_reason(r, "status %s: apply waits until it is available",
                         g->status ? g->status : "?");
        stack_ops_add_call(p, (size_t)i, STACK_OP_WAIT_AVAILABLE, 0);
    } else {
        act(p, r, STACK_ACT_KEEP);
    }
    buf_free(&d);
}

static void decide_params(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    struct stack_resource *rg = stack_res_find(p, "replication-group");
    struct stack_resource *key = stack_res_find(p, "kms.rest");
    for (int port = 0; port < 2; port++) {
        ssize_t i = stack_res_index(p, port ? "ssm.port" : "ssm.endpoint");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        const struct ssm_parameter_metadata *m = stack_discover_param(q->params, r->name);
        if (!m) {
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, (size_t)i, STACK_OP_PUT_PARAMETER, 0);
            continue;
        }
        stack_res_set_str(&r->id, m->name);
        stack_res_set_str(&r->arn, m->arn);
        if (!stack_discover_param(q->params_ours, r->name)) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r,
                             "parameter %s exists and is not tagged %s=%s; rename names.ssm_prefix",
                             r->name, STACK_SPEC_TAG_KEY, p->spec.name);
            continue;
        }
        r->ours = true;
        r->priv->overwrite = true;
        const struct ssm_parameter *v =
            q->param_values ? ssm_get_parameters_find(q->param_values, r->name) : NULL;
        char want[32];
        const char *want_v = NULL;
        if (port) {
            snprintf(want, sizeof(want), "%d", rg && rg->port ? rg->port : p->spec.port);
            want_v = want;
        } else if (rg && rg->endpoint && rg->action == STACK_ACT_KEEP) {
            want_v = rg->endpoint;
        }
        bool type_ok = m->type && strcmp(m->type, "SecureString") == 0;
        bool key_ok = stack_res_key_matches(m->key_id, key);
        bool value_ok = want_v && v && v->value && strcmp(v->value, want_v) == 0;
        if (type_ok && key_ok && value_ok) {
            act(p, r, STACK_ACT_KEEP);
        } else {
            act(p, r, STACK_ACT_CHANGE);
            stack_res_reason(r, "%s",
                             !type_ok  ? "becomes a SecureString"
                             : !key_ok ? "re-encrypted with the at-rest key"
                             : want_v  ? "its value is out of date"
                                       : "rewritten once the group is available");
            stack_ops_add_call(p, (size_t)i, STACK_OP_PUT_PARAMETER, 0);
        }
    }
}

static void decide_policies(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    const struct stack_spec *s = &p->spec;
    for (int w = 0; w < 2; w++) {
        ssize_t i = stack_res_index(p, w ? "iam.secret-read" : "iam.ssm-read");
        if (i < 0)
            continue;
        struct stack_resource *r = &p->res[i];
        struct iam_found *f = &q->iam[w];
        if (!f->pol) {
            act(p, r, STACK_ACT_CREATE);
            stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_POLICY, 0);
            continue;
        }
        stack_res_set_str(&r->arn, f->pol->arn);
        stack_res_set_str(&r->id, f->pol->policy_id);
        const char *t = iam_tag_get(f->pol, STACK_SPEC_TAG_KEY);
        if (!t || strcmp(t, s->name) != 0) {
            act(p, r, STACK_ACT_CONFLICT);
            stack_res_reason(r, "IAM policy %s exists and is not tagged %s=%s; rename names.%s",
                             r->name, STACK_SPEC_TAG_KEY, s->name,
                             w ? "secret_policy" : "ssm_policy");
            continue;
        }
        r->ours = true;
        /* The document names ARNs: known only when they exist already. */
        struct stack_resource *a = stack_res_find(p, w ? "secret" : "kms.rest");
        struct stack_resource *b = stack_res_find(p, w ? "kms.secret" : "kms.rest");
        bool known = a && a->arn && (!w || (b && b->arn));
        bool same = false;
        if (known && f->doc) {
            json_t *want = w ? stack_spec_secret_read_policy(s, a->arn, b->arn)
                             : stack_spec_ssm_read_policy(s, p->account, a->arn);
            same = policy_same(f->doc, want);
        }
        if (same) {
            act(p, r, STACK_ACT_KEEP);
            continue;
        }
        act(p, r, STACK_ACT_CHANGE);
        stack_res_reason(r, known
                                ? "the document differs: a new default version replaces it"
                                : "the document names resources this apply creates: a new default "
                                  "version replaces it");
        size_t nv = f->versions ? f->versions->n : 0;
        if (nv >= 5) {
            /* IAM keeps five versions: drop the oldest non-default one. */
            const struct iam_policy_version *old = NULL;
            for (size_t k = 0; k < nv; k++) {
                const struct iam_policy_version *v = &f->versions->items[k];
                if (!v->is_default_version && (!old || v->create_date_ms < old->create_date_ms))
                    old = v;
            }
            if (old) {
                stack_res_set_str(&r->priv->old_version, old->version_id);
                stack_ops_add_call(p, (size_t)i, STACK_OP_DELETE_POLICY_VERSION, -1);
            }
        }
        stack_ops_add_call(p, (size_t)i, STACK_OP_CREATE_POLICY_VERSION, 0);
    }
}

void stack_decide_apply(struct stack_discover *q)
{
    struct stack_plan *p = q->p;
    pick_zones(q);
    decide_vpc(q);
    decide_subnets(q);
    decide_route_tables(q);
    decide_default_sg(q);
    decide_subnet_group(q);
    decide_security_group(q);
    decide_keys(q);
    decide_key_policies(q);
    decide_log_groups(q);
    decide_secret(q);
    decide_group(q);
    decide_params(q);
    decide_policies(q);
    if (q->pgs && q->pgs->n && q->pgs->items[0].family &&
        !stack_validate_parameter_group_family(p->spec.parameter_group, NULL))
        stack_res_note(p, "parameter group %s: family %s (checked in %s)", p->spec.parameter_group,
                       q->pgs->items[0].family, stack_spec_region(&p->spec));
}

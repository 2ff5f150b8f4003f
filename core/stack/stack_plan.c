/* stack_plan.c - the plan: discovery, then deciding, and the plan for
 * people and as JSON. */
#include "core/stack/stack_plan.h"

#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/stack/stack_decide.h"
#include "core/stack/stack_destroy.h"
#include "core/stack/stack_discover.h"
#include "core/stack/stack_graph.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_ops.h"

/* ---- names ---- */

const char *stack_plan_action_name(enum stack_action a)
{
    switch (a) {
    case STACK_ACT_CREATE:
        return "create";
    case STACK_ACT_KEEP:
        return "keep";
    case STACK_ACT_CHANGE:
        return "change";
    case STACK_ACT_CONFLICT:
        return "conflict";
    case STACK_ACT_REUSE:
        return "reuse";
    case STACK_ACT_DELETE:
        return "delete";
    case STACK_ACT_ABSENT:
        return "absent";
    case STACK_ACT_SKIP:
        return "skip";
    }
    return "?";
}

const char *stack_plan_kind_name(enum stack_kind k)
{
    switch (k) {
    case STACK_KIND_VPC:
        return "AWS::EC2::VPC";
    case STACK_KIND_SUBNET:
        return "AWS::EC2::Subnet";
    case STACK_KIND_ROUTE_TABLE:
        return "AWS::EC2::RouteTable";
    case STACK_KIND_DEFAULT_SG:
        return "AWS::EC2::SecurityGroup(default)";
    case STACK_KIND_SUBNET_GROUP:
        return "AWS::ElastiCache::SubnetGroup";
    case STACK_KIND_SECURITY_GROUP:
        return "AWS::EC2::SecurityGroup";
    case STACK_KIND_KMS_KEY:
        return "AWS::KMS::Key";
    case STACK_KIND_KEY_POLICY:
        return "AWS::KMS::KeyPolicy";
    case STACK_KIND_LOG_GROUP:
        return "AWS::Logs::LogGroup";
    case STACK_KIND_SECRET:
        return "AWS::SecretsManager::Secret";
    case STACK_KIND_REPLICATION_GROUP:
        return "AWS::ElastiCache::ReplicationGroup";
    case STACK_KIND_SSM_PARAMETER:
        return "AWS::SSM::Parameter";
    case STACK_KIND_IAM_POLICY:
        return "AWS::IAM::ManagedPolicy";
    }
    return "?";
}

struct stack_resource *stack_plan_find(const struct stack_plan *p, const char *key)
{
    return stack_res_find(p, key);
}

/* ---- calls ---- */

void stack_plan_describe_calls(struct stack_plan *p, size_t i)
{
    for (size_t k = 0; k < p->res[i].n_calls; k++)
        stack_ops_describe(p, i, &p->res[i].calls[k]);
}

static void free_calls(struct stack_resource *r)
{
    for (size_t k = 0; k < r->n_calls; k++) {
        free(r->calls[k].text);
        json_decref(r->calls[k].params);
    }
    free(r->calls);
    r->calls = NULL;
    r->n_calls = 0;
}

void stack_plan_free(struct stack_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        struct stack_resource *r = &p->res[i];
        free(r->key);
        free(r->name);
        free(r->reason);
        free_calls(r);
        free(r->id);
        free(r->arn);
        free(r->cidr);
        free(r->zone);
        free(r->status);
        free(r->endpoint);
        stack_ops_priv_free(r->priv);
    }
    free(p->res);
    for (size_t i = 0; i < p->n_zones; i++)
        free(p->zones[i]);
    free(p->zones);
    for (size_t i = 0; i < p->n_notes; i++)
        free(p->notes[i]);
    free(p->notes);
    free(p->account);
    free(p->partition);
    stack_spec_free(&p->spec);
    free(p);
}

/* ---- start ---- */

struct stack_plan_req {
    struct stack_discover *d;
    struct stack_plan *p;
    stack_plan_cb cb;
    void *arg;
};

static void plan_finish(struct stack_discover *d, void *arg);

/* The stack's journal when it is for the plan's region, else NULL. */
static json_t *load_journal(const struct stack_plan *p, const struct stack_plan_options *opt)
{
    char *dir =
        opt && opt->journal_dir ? mem_xstrdup(opt->journal_dir) : stack_journal_default_dir();
    json_t *journal = NULL;
    if (dir && *dir) {
        journal = stack_journal_load(dir, p->spec.name, NULL, 0);
        const char *jr = stack_journal_region(journal);
        if (journal && (!jr || strcmp(jr, stack_spec_region(&p->spec)) != 0)) {
            json_decref(journal);
            journal = NULL;
        }
    }
    free(dir);
    return journal;
}

struct stack_plan_req *stack_plan_start(struct aws_client *c, const struct stack_spec *spec,
                                        const struct stack_plan_options *opt, stack_plan_cb cb,
                                        void *arg)
{
    struct stack_plan_req *q = mem_xcalloc(1, sizeof(*q));
    q->cb = cb;
    q->arg = arg;
    struct stack_plan *p = mem_xcalloc(1, sizeof(*p));
    q->p = p;
    p->mode = opt ? opt->mode : STACK_PLAN_APPLY;
    stack_spec_copy(&p->spec, spec);
    if (!p->spec.region || !*p->spec.region) {
        free(p->spec.region);
        p->spec.region = mem_xstrdup(aws_client_region(c));
    }
    p->partition = mem_xstrdup(stack_spec_partition(p->spec.region));
    json_t *journal = load_journal(p, opt);
    stack_graph_build(p);
    q->d = stack_discover_start(c, p, journal, plan_finish, q);
    return q;
}

void stack_plan_cancel(struct stack_plan_req *q)
{
    if (!q)
        return;
    stack_discover_cancel(q->d);
    stack_plan_free(q->p);
    free(q);
}

/* ---- finishing ---- */

static void count(struct stack_plan *p)
{
    p->n_create = p->n_keep = p->n_change = p->n_conflict = 0;
    p->n_reuse = p->n_delete = p->n_absent = p->n_skip = 0;
    for (size_t i = 0; i < p->n; i++)
        switch (p->res[i].action) {
        case STACK_ACT_CREATE:
            p->n_create++;
            break;
        case STACK_ACT_KEEP:
            p->n_keep++;
            break;
        case STACK_ACT_CHANGE:
            p->n_change++;
            break;
        case STACK_ACT_CONFLICT:
            p->n_conflict++;
            break;
        case STACK_ACT_REUSE:
            p->n_reuse++;
            break;
        case STACK_ACT_DELETE:
            p->n_delete++;
            break;
        case STACK_ACT_ABSENT:
            p->n_absent++;
            break;
        case STACK_ACT_SKIP:
            p->n_skip++;
            break;
        }
}

static void plan_finish(struct stack_discover *d, void *arg)
{
    struct stack_plan_req *q = arg;
    struct stack_plan *p = q->p;
    stack_plan_cb cb = q->cb;
    void *cb_arg = q->arg;
    free(q);
    if (d->failed) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_copy(&e, &d->err);
        stack_plan_free(p);
        stack_discover_free(d);
        cb(NULL, &e, cb_arg);
        aws_error_clear(&e);
        return;
    }
    if (p->mode == STACK_PLAN_APPLY) {
        stack_decide_apply(d);
    } else {
        stack_destroy_decide(d);
        stack_graph_reverse(p);
    }
    stack_discover_free(d);
    for (size_t i = 0; i < p->n; i++)
        stack_plan_describe_calls(p, i);
    count(p);
    cb(p, NULL, cb_arg);
}

bool stack_plan_is_noop(const struct stack_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        enum stack_action a = p->res[i].action;
        if (a == STACK_ACT_CREATE || a == STACK_ACT_CHANGE || a == STACK_ACT_DELETE ||
            a == STACK_ACT_CONFLICT || p->res[i].n_calls)
            return false;
    }
    return true;
}

/* ---- output ---- */

char *stack_plan_format(const struct stack_plan *p, bool with_calls)
{
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "%s of stack %s in %s (account %s)\n",
               p->mode == STACK_PLAN_DESTROY ? "Destroy plan" : "Plan", p->spec.name,
               stack_spec_region(&p->spec), p->account ? p->account : "?");
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        buf_printf(&b, "\n  %-8s %-22s %s", stack_plan_action_name(r->action), r->key, r->name);
        if (r->id && strcmp(r->id, r->name) != 0)
            buf_printf(&b, " (%s)", r->id);
        buf_appendc(&b, '\n');
        buf_printf(&b, "           step %d, %s", r->step, stack_plan_kind_name(r->kind));
        if (r->zone)
            buf_printf(&b, ", %s", r->zone);
        if (r->cidr && r->kind == STACK_KIND_SUBNET)
            buf_printf(&b, ", %s", r->cidr);
        if (r->n_deps) {
            buf_appends(&b, p->mode == STACK_PLAN_DESTROY ? ", after " : ", needs ");
            for (size_t k = 0; k < r->n_deps; k++)
                buf_printf(&b, "%s%s", k ? " " : "", p->res[r->deps[k]].key);
        }
        buf_appendc(&b, '\n');
        if (r->reason)
            buf_printf(&b, "           %s\n", r->reason);
        for (size_t k = 0; with_calls && k < r->n_calls; k++) {
            const struct stack_call *c = &r->calls[k];
            buf_printf(&b, "           -> %s %s\n", c->service, c->operation);
            const char *t = c->text ? c->text : "";
            /* query parameters one per line, without Action/Version */
            while (*t) {
                size_t n = strcspn(t, "\n");
                if (strncmp(t, "Action=", 7) != 0 && strncmp(t, "Version=", 8) != 0)
                    buf_printf(&b, "                %.*s\n", (int)n, t);
                t += n;
                if (*t == '\n')
                    t++;
            }
        }
    }
    for (size_t i = 0; i < p->n_notes; i++)
        buf_printf(&b, "\n  note: %s\n", p->notes[i]);
    if (p->mode == STACK_PLAN_DESTROY)
        buf_printf(&b, "\n%zu to delete, %zu already gone, %zu left alone, %zu in conflict.\n",
                   p->n_delete, p->n_absent, p->n_skip, p->n_conflict);
    else
        buf_printf(&b,
                   "\n%zu to create, %zu to change, %zu to keep, %zu reused, %zu in conflict.\n",
                   p->n_create, p->n_change, p->n_keep, p->n_reuse, p->n_conflict);
    return buf_steal(&b);
}

json_t *stack_plan_to_json(const struct stack_plan *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "stack", json_string(p->spec.name));
    json_object_set_new(o, "region", json_string(stack_spec_region(&p->spec)));
    json_object_set_new(o, "account", p->account ? json_string(p->account) : json_null());
    json_object_set_new(o, "mode",
                        json_string(p->mode == STACK_PLAN_DESTROY ? "destroy" : "apply"));
    json_t *z = json_array();
    for (size_t i = 0; i < p->n_zones; i++)
        json_array_append_new(z, json_string(p->zones[i]));
    json_object_set_new(o, "zones", z);
    json_t *sum = json_object();
    if (p->mode == STACK_PLAN_DESTROY) {
        json_object_set_new(sum, "delete", json_integer((json_int_t)p->n_delete));
        json_object_set_new(sum, "absent", json_integer((json_int_t)p->n_absent));
        json_object_set_new(sum, "skip", json_integer((json_int_t)p->n_skip));
    } else {
        json_object_set_new(sum, "create", json_integer((json_int_t)p->n_create));
        json_object_set_new(sum, "change", json_integer((json_int_t)p->n_change));
        json_object_set_new(sum, "keep", json_integer((json_int_t)p->n_keep));
        json_object_set_new(sum, "reuse", json_integer((json_int_t)p->n_reuse));
    }
    json_object_set_new(sum, "conflict", json_integer((json_int_t)p->n_conflict));
    json_object_set_new(o, "summary", sum);
    json_object_set_new(o, "noop", json_boolean(stack_plan_is_noop(p)));
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        json_t *x = json_object();
        json_object_set_new(x, "key", json_string(r->key));
        json_object_set_new(x, "type", json_string(stack_plan_kind_name(r->kind)));
        json_object_set_new(x, "step", json_integer(r->step));
        json_object_set_new(x, "name", json_string(r->name));
        json_object_set_new(x, "action", json_string(stack_plan_action_name(r->action)));
        if (r->reason)
            json_object_set_new(x, "reason", json_string(r->reason));
        json_object_set_new(x, "ours", json_boolean(r->ours));
        if (r->id)
            json_object_set_new(x, "id", json_string(r->id));
        if (r->arn)
            json_object_set_new(x, "arn", json_string(r->arn));
        if (r->cidr)
            json_object_set_new(x, "cidr", json_string(r->cidr));
        if (r->zone)
            json_object_set_new(x, "zone", json_string(r->zone));
        if (r->status)
            json_object_set_new(x, "status", json_string(r->status));
        if (r->endpoint)
            json_object_set_new(x, "endpoint", json_string(r->endpoint));
        json_t *d = json_array();
        for (size_t k = 0; k < r->n_deps; k++)
            json_array_append_new(d, json_string(p->res[r->deps[k]].key));
        json_object_set_new(x, p->mode == STACK_PLAN_DESTROY ? "after" : "depends_on", d);
        json_t *calls = json_array();
        for (size_t k = 0; k < r->n_calls; k++) {
            const struct stack_call *c = &r->calls[k];
            json_t *cj = json_object();
            json_object_set_new(cj, "service", json_string(c->service));
            json_object_set_new(cj, "operation", json_string(c->operation));
            json_object_set_new(cj, "parameters",
                                c->params ? json_deep_copy(c->params) : json_object());
            json_array_append_new(calls, cj);
        }
        json_object_set_new(x, "calls", calls);
        json_array_append_new(arr, x);
    }
    json_object_set_new(o, "resources", arr);
    json_t *notes = json_array();
    for (size_t i = 0; i < p->n_notes; i++)
        json_array_append_new(notes, json_string(p->notes[i]));
    json_object_set_new(o, "notes", notes);
    return o;
}

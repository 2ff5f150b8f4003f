/* test_stack_plan.c - the resource graph, plan and apply engines through
 * their C API.
 *
 * Against the sandbox (tests/sandbox/run, moto with SigV4 checked): the
 * plan of the seed's spec (24 resources, dependencies that encode the order
 * hazards, the exact parameters with the token masked, text and JSON), an
 * apply on the loop with its progress events, a no-op re-plan, a destroy
 * plan and apply, cancelling a discovery and an apply in flight.
 *
 * Against a scripted server (what no emulator does on cue): CreateLogGroup
 * retried while the key policy propagates, a throttled single-attempt
 * create retried once, a 5xx on a create never retried, a wait that polls
 * with back-off and reports each status once, a delete retried while its
 * dependants go, a plan with a conflict refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/logs.h"
#include "aws/mem.h"
#include "aws/secrets.h"
#include "core/stack/stack_apply.h"
#include "core/stack/stack_ops.h"
#include "core/stack/stack_journal.h"
#include "core/stack/stack_plan.h"
#include "core/stack/stack_run.h"
#include "core/stack/stack_spec.h"
#include "wire_harness.h"
#include "typed_e2e.h"

/* ---- helpers ---- */

struct plan_res {
    bool done;
    struct stack_plan *plan;
    struct aws_error err;
};

static void plan_cb(struct stack_plan *plan, const struct aws_error *err, void *arg)
{
    struct plan_res *r = arg;
    r->done = true;
    r->plan = plan;
    if (err)
        aws_error_copy(&r->err, err);
}

static struct stack_plan *plan_of(struct e2e *x, const struct stack_spec *s,
                                  enum stack_plan_mode mode, const char *journal_dir)
{
    struct plan_res r;
    memset(&r, 0, sizeof(r));
    aws_error_init(&r.err);
    struct stack_plan_options o = {mode, journal_dir};
    struct stack_plan_req *q = stack_plan_start(x->c, s, &o, plan_cb, &r);
    assert_non_null(q);
    assert_false(r.done); /* never synchronously */
    e2e_wait(x, &r.done, "the plan");
    if (!r.plan)
        fail_msg("plan failed: %s: %s", r.err.code, r.err.message ? r.err.message : "");
    aws_error_clear(&r.err);
    return r.plan;
}

struct events {
    bool done;
    struct stack_apply_result res;
    int n_state, n_retry, n_waiting, n_failed;
    char log[16384];
    size_t len;
    uint64_t last_delay;
    char first_err[512];
};

static void ev_state(const struct stack_event *ev, void *arg)
{
    struct events *e = arg;
    e->n_state++;
    if (ev->state == STACK_STATE_WAITING)
        e->n_waiting++;
    if (ev->state == STACK_STATE_FAILED) {
        e->n_failed++;
        if (ev->err && !e->first_err[0])
            snprintf(e->first_err, sizeof(e->first_err), "%s: %s", ev->err->code,
                     ev->err->message ? ev->err->message : "");
    }
    if (e->len < sizeof(e->log) - 200)
        e->len +=
            (size_t)snprintf(e->log + e->len, sizeof(e->log) - e->len, "%s %s %s %s\n",
                             ev->res->key, stack_apply_state_name(ev->state),
                             ev->operation ? ev->operation : "-", ev->detail ? ev->detail : "-");
}

static void ev_retry(const struct stack_event *ev, uint64_t delay_ms, void *arg)
{
    struct events *e = arg;
    (void)ev;
    e->n_retry++;
    e->last_delay = delay_ms;
}

static void ev_done(const struct stack_apply_result *res, void *arg)
{
    struct events *e = arg;
    e->done = true;
    e->res = *res;
    e->res.first_error = NULL;
    e->res.first_failed = NULL;
}

static void run_apply(struct e2e *x, struct aws_client *once, struct stack_plan *p,
                      struct events *e)
{
    memset(e, 0, sizeof(*e));
    struct stack_apply_options o = {
        .loop = x->l,
        .client = x->c,
        .once = once,
        .journal_dir = "",
        .poll_first_ms = 20,
        .poll_max_ms = 80,
        .backoff_first_ms = 10,
        .retry_window_ms = 5000,
    };
    struct stack_apply_callbacks cb = {ev_state, ev_retry, ev_done, e};
    char msg[256];
    struct stack_apply *a = stack_apply_start(p, &o, &cb, msg, sizeof(msg));
    if (!a)
        fail_msg("apply refused: %s", msg);
    assert_false(e->done);
    uint64_t deadline = loop_now_ms(x->l) + 60000;
    if (!loop_run_until(x->l, &e->done, deadline))
        fail_msg("apply did not finish:\n%s", e->log);
    stack_apply_free(a);
}

static void seed_spec(struct stack_spec *s, const char *name)
{
    char err[256];
    stack_spec_init(s);
    assert_int_equal(stack_spec_set_name(s, name, err, sizeof(err)), 0);
}

static size_t idx(const struct stack_plan *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->res[i].key, key) == 0)
            return i;
    fail_msg("no resource %s", key);
    return 0;
}

static bool needs(const struct stack_plan *p, const char *a, const char *b)
{
    const struct stack_resource *r = &p->res[idx(p, a)];
    for (size_t k = 0; k < r->n_deps; k++)
        if (strcmp(p->res[r->deps[k]].key, b) == 0)
            return true;
    return false;
}

/* ---- against the sandbox ---- */

static struct e2e sandbox;

static int sandbox_up(void **state)
{
    (void)state;
    e2e_sandbox_start(&sandbox);
    return 0;
}

static int sandbox_down(void **state)
{
    (void)state;
    e2e_stop(&sandbox);
    return 0;
}

static void test_plan_of_the_seed(void **state)
{
    (void)state;
    struct stack_spec s;
    seed_spec(&s, "plan-a");
    struct stack_plan *p = plan_of(&sandbox, &s, STACK_PLAN_APPLY, "");
    assert_int_equal(p->n, 24);
    assert_int_equal(p->n_create, 24);
    assert_int_equal(p->n_conflict, 0);
    assert_false(stack_plan_is_noop(p));
    assert_non_null(p->account);
    assert_string_equal(p->spec.region, sandbox.region);
    assert_true(p->n_zones >= 3);
    assert_true(p->requests > 5);
    /* the order hazards, as edges of the graph */
    assert_true(needs(p, "kms.rest.policy", "kms.rest"));
    assert_true(needs(p, "log-group.slow", "kms.rest.policy"));
    assert_true(needs(p, "log-group.engine", "kms.rest.policy"));
    assert_true(needs(p, "secret", "kms.secret.policy"));
    assert_true(needs(p, "replication-group", "secret"));
    assert_true(needs(p, "replication-group", "log-group.slow"));
    assert_true(needs(p, "replication-group", "subnet-group"));
    assert_true(needs(p, "ssm.endpoint", "replication-group"));
    assert_true(needs(p, "iam.ssm-read", "ssm.port"));
    assert_true(needs(p, "iam.secret-read", "replication-group"));
    assert_false(needs(p, "kms.rest", "vpc")); /* independent: runs concurrently */
    /* every call described, secrets masked, placeholders for what is new */
    const struct stack_resource *rg = stack_plan_find(p, "replication-group");
    assert_int_equal(rg->kind, STACK_KIND_REPLICATION_GROUP);
    assert_int_equal(rg->step, 9);
    assert_int_equal(rg->n_calls, 2);
    assert_string_equal(rg->calls[0].operation, "CreateReplicationGroup");
    assert_string_equal(json_string_value(json_object_get(rg->calls[0].params, "AuthToken")),
                        "****");
    assert_non_null(strstr(rg->calls[0].text, "AuthToken=****"));
    assert_non_null(strstr(rg->calls[0].text, "KmsKeyId=<kms.rest.id>"));
    assert_non_null(strstr(rg->calls[0].text, "MultiAZEnabled=true"));
    const struct stack_resource *sec = stack_plan_find(p, "secret");
    assert_non_null(strstr(sec->calls[0].text, "\"SecretString\":\"****\""));
    /* log groups are created with the stack's tag, as destroy finds them */
    const struct stack_resource *lg = stack_plan_find(p, "log-group.slow");
    assert_string_equal(lg->calls[0].operation, "CreateLogGroup");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(lg->calls[0].params, "tags"), "elcui:stack")),
                        "plan-a");
    const struct stack_resource *sn = stack_plan_find(p, "subnet.private.2");
    assert_string_equal(sn->cidr, "10.20.32.32/27");
    assert_string_equal(sn->zone, p->zones[1]);
    char *text = stack_plan_format(p, true);
    assert_non_null(strstr(text, "24 to create"));
    assert_non_null(strstr(text, "-> KMS PutKeyPolicy"));
    free(text);
    json_t *j = stack_plan_to_json(p);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "create")),
                     24);
    assert_int_equal(json_array_size(json_object_get(j, "resources")), 24);
    json_decref(j);
    assert_string_equal(stack_plan_action_name(STACK_ACT_CONFLICT), "conflict");
    assert_string_equal(stack_plan_kind_name(STACK_KIND_VPC), "AWS::EC2::VPC");
    stack_plan_free(p);
    /* features off leave their resources out of the graph */
    char err[256];
    assert_int_equal(stack_spec_set(&s, "ssm", "parameters", "no", err, sizeof(err)), 0);
    assert_int_equal(stack_spec_set(&s, "iam", "ssm_read_policy", "no", err, sizeof(err)), 0);
    assert_int_equal(stack_spec_set(&s, "logs", "engine_log", "no", err, sizeof(err)), 0);
    p = plan_of(&sandbox, &s, STACK_PLAN_APPLY, "");
    assert_int_equal(p->n, 20);
    assert_null(stack_plan_find(p, "ssm.port"));
    assert_null(stack_plan_find(p, "log-group.engine"));
    stack_plan_free(p);
    stack_spec_free(&s);
}

/* A destroy plan made while the sandbox refuses to list log-group tags. */
static struct stack_plan *destroy_plan_without_log_tags(const struct stack_spec *s)
{
    assert_int_equal(e2e_control(&sandbox, "/_sandbox/faults",
                                 "{\"kind\": \"error\", \"service\": \"logs\", "
                                 "\"operation\": \"ListTagsForResource\"}"),
                     200);
    struct stack_plan *p = plan_of(&sandbox, s, STACK_PLAN_DESTROY, "");
    assert_int_equal(e2e_control(&sandbox, "/_sandbox/reset", "{}"), 200);
    return p;
}

static void test_apply_noop_destroy(void **state)
{
    (void)state;
    struct stack_spec s;
    seed_spec(&s, "plan-b");
    struct aws_client *once = e2e_new_client(&sandbox, 1);
    struct stack_plan *p = plan_of(&sandbox, &s, STACK_PLAN_APPLY, "");
    /* groups take a second to become available: the apply waits */
    assert_int_equal(e2e_control(&sandbox, "/_sandbox/config", "{\"create_delay\": 1}"), 200);
    struct events e;
    run_apply(&sandbox, once, p, &e);
    assert_int_equal(e2e_control(&sandbox, "/_sandbox/config", "{\"create_delay\": 0}"), 200);
    if (!e.res.ok)
        fail_msg("apply failed: %s\n%s", e.first_err, e.log);
    assert_int_equal(e.res.done, 24);
    assert_true(e.n_waiting >= 1);
    for (size_t i = 0; i < p->n; i++)
        assert_non_null(p->res[i].id);
    const struct stack_resource *rg = stack_plan_find(p, "replication-group");
    assert_string_equal(rg->status, "available");
    assert_non_null(rg->endpoint);
    assert_int_equal(rg->port, 6379);
    /* the calls are described again with the real ids */
    const struct stack_resource *sn = stack_plan_find(p, "subnet.private.1");
    const struct stack_resource *vpc = stack_plan_find(p, "vpc");
    assert_non_null(strstr(sn->calls[0].text, vpc->id));
    /* the new VPC's default group lost the allow-all egress it came with */
    const struct stack_resource *dsg = stack_plan_find(p, "default-sg");
    const struct stack_call *egress = NULL;
    for (size_t k = 0; k < dsg->n_calls; k++)
        if (strcmp(dsg->calls[k].operation, "RevokeSecurityGroupEgress") == 0)
            egress = &dsg->calls[k];
    assert_non_null(egress);
    assert_string_equal(json_string_value(json_object_get(egress->params, "GroupId")), dsg->id);
    assert_string_equal(
        json_string_value(json_object_get(egress->params, "IpPermissions.1.IpProtocol")), "-1");
    assert_string_equal(
        json_string_value(json_object_get(egress->params, "IpPermissions.1.IpRanges.1.CidrIp")),
        "0.0.0.0/0");
    stack_plan_free(p);

    p = plan_of(&sandbox, &s, STACK_PLAN_APPLY, "");
    assert_true(stack_plan_is_noop(p));
    assert_int_equal(p->n_keep, 24);
    stack_plan_free(p);

    /* log-group tags that cannot be listed: the stack's key proves them */
    p = destroy_plan_without_log_tags(&s);
    assert_int_equal(p->n_delete, 21);
    assert_int_equal(stack_plan_find(p, "log-group.slow")->action, STACK_ACT_DELETE);
    assert_int_equal(stack_plan_find(p, "log-group.engine")->action, STACK_ACT_DELETE);
    stack_plan_free(p);

    p = plan_of(&sandbox, &s, STACK_PLAN_DESTROY, "");
    assert_int_equal(p->mode, STACK_PLAN_DESTROY);
    assert_int_equal(p->n_delete, 21);
    /* the log groups are the stack's by their tag; the subnet group is
     * deleted by name */
    assert_true(stack_plan_find(p, "log-group.slow")->ours);
    const struct stack_resource *sng = stack_plan_find(p, "subnet-group");
    assert_string_equal(sng->calls[0].operation, "DeleteCacheSubnetGroup");
    assert_string_equal(
        json_string_value(json_object_get(sng->calls[0].params, "CacheSubnetGroupName")),
        sng->name);
    assert_int_equal(p->n_skip, 3); /* default-sg and the two key policies go with others */
    /* backwards: the VPC after its subnets, keys after what they encrypt */
    assert_true(needs(p, "vpc", "subnet.private.1"));
    assert_true(needs(p, "kms.rest", "iam.ssm-read"));
    assert_true(needs(p, "kms.rest.policy", "log-group.slow"));
    assert_true(needs(p, "secret", "replication-group"));
    const struct stack_resource *key = stack_plan_find(p, "kms.rest");
    assert_string_equal(key->calls[0].operation, "DeleteAlias");
    assert_string_equal(key->calls[1].operation, "ScheduleKeyDeletion");
    assert_int_equal(
        json_integer_value(json_object_get(key->calls[1].params, "PendingWindowInDays")), 7);
    const struct stack_resource *secret = stack_plan_find(p, "secret");
    assert_true(
        json_is_true(json_object_get(secret->calls[0].params, "ForceDeleteWithoutRecovery")));
    run_apply(&sandbox, once, p, &e);
    if (!e.res.ok)
        fail_msg("destroy failed: %s\n%s", e.first_err, e.log);
    assert_int_equal(e.res.done, 21);
    assert_string_equal(stack_plan_find(p, "kms.secret")->status, "PendingDeletion");
    stack_plan_free(p);

    p = plan_of(&sandbox, &s, STACK_PLAN_DESTROY, "");
    assert_true(stack_plan_is_noop(p));
    assert_int_equal(p->n_delete, 0);
    stack_plan_free(p);
    aws_client_free(once);
    stack_spec_free(&s);
}

IE_CB(cb_lg_ack, struct logs_ack)
IE_CB(cb_lg_list, struct logs_log_group_list)

static void make_log_group(const char *name, const char *stack)
{
    struct logs_tag_in tags[] = {{STACK_SPEC_TAG_KEY, stack}};
    struct logs_create_log_group_in in = {.log_group_name = name, .tags = tags, .n_tags = 1};
    struct ie_res r = {0};
    logs_create_log_group(sandbox.c, &in, cb_lg_ack, &r);
    ie_wait_ok(&sandbox, &r, "CreateLogGroup");
    logs_ack_free(r.out);
}

static bool log_group_exists(const char *name)
{
    struct logs_describe_log_groups_in in = {.log_group_name_prefix = name};
    struct ie_res r = {0};
    logs_describe_log_groups(sandbox.c, &in, cb_lg_list, &r);
    ie_wait_ok(&sandbox, &r, "DescribeLogGroups");
    struct logs_log_group_list *l = r.out;
    bool found = false;
    for (size_t i = 0; i < l->n; i++)
        found = found || strcmp(l->items[i].name, name) == 0;
    logs_log_group_list_free(l);
    return found;
}

/* Destroy tells a log group of the stack by its elcui:stack tag, even
 * without the stack's key or a journal; without the tags it falls back on
 * those, which prove nothing here. */
static void test_destroy_log_groups_by_tag(void **state)
{
    (void)state;
    struct stack_spec s;
    seed_spec(&s, "plan-d");
    const char *slow = stack_spec_name(&s, STACK_NAME_SLOW_LOG_GROUP);
    const char *engine = stack_spec_name(&s, STACK_NAME_ENGINE_LOG_GROUP);
    make_log_group(slow, "plan-d");
    make_log_group(engine, "another-stack");

    struct stack_plan *p = plan_of(&sandbox, &s, STACK_PLAN_DESTROY, "");
    const struct stack_resource *ls = stack_plan_find(p, "log-group.slow");
    const struct stack_resource *le = stack_plan_find(p, "log-group.engine");
    assert_int_equal(ls->action, STACK_ACT_DELETE);
    assert_true(ls->ours);
    assert_string_equal(ls->calls[0].operation, "DeleteLogGroup");
    assert_int_equal(le->action, STACK_ACT_SKIP);
    assert_false(le->ours);
    assert_int_equal(le->n_calls, 0);
    assert_non_null(strstr(le->reason, "not tagged for this stack"));
    assert_int_equal(p->n_delete, 1);
    stack_plan_free(p);

    p = destroy_plan_without_log_tags(&s);
    for (int k = 0; k < 2; k++) {
        const struct stack_resource *r =
            stack_plan_find(p, k ? "log-group.engine" : "log-group.slow");
        assert_int_equal(r->action, STACK_ACT_SKIP);
        assert_false(r->ours);
        assert_non_null(strstr(r->reason, "its tags could not be listed"));
    }
    assert_int_equal(p->n_delete, 0);
    stack_plan_free(p);

    /* applied: the stack's group goes, the other stays */
    struct aws_client *once = e2e_new_client(&sandbox, 1);
    p = plan_of(&sandbox, &s, STACK_PLAN_DESTROY, "");
    struct events e;
    run_apply(&sandbox, once, p, &e);
    if (!e.res.ok)
        fail_msg("destroy failed: %s\n%s", e.first_err, e.log);
    assert_int_equal(e.res.done, 1);
    stack_plan_free(p);
    aws_client_free(once);
    assert_false(log_group_exists(slow));
    assert_true(log_group_exists(engine));
    struct logs_delete_log_group_in del = {.log_group_name = engine};
    struct ie_res r = {0};
    logs_delete_log_group(sandbox.c, &del, cb_lg_ack, &r);
    ie_wait_ok(&sandbox, &r, "DeleteLogGroup");
    logs_ack_free(r.out);
    stack_spec_free(&s);
}

static void test_cancel_in_flight(void **state)
{
    (void)state;
    struct stack_spec s;
    seed_spec(&s, "plan-c");
    struct plan_res r;
    memset(&r, 0, sizeof(r));
    struct stack_plan_options o = {STACK_PLAN_APPLY, ""};
    struct stack_plan_req *q = stack_plan_start(sandbox.c, &s, &o, plan_cb, &r);
    e2e_idle(&sandbox, 5); /* some answers in, some not */
    stack_plan_cancel(q);
    e2e_idle(&sandbox, 300);
    assert_false(r.done);
    /* an apply stopped in the middle: no callback afterwards */
    struct stack_plan *p = plan_of(&sandbox, &s, STACK_PLAN_APPLY, "");
    struct events e;
    memset(&e, 0, sizeof(e));
    struct stack_apply_options ao = {.loop = sandbox.l, .client = sandbox.c, .journal_dir = ""};
    struct stack_apply_callbacks cb = {ev_state, ev_retry, ev_done, &e};
    struct stack_apply *a = stack_apply_start(p, &ao, &cb, NULL, 0);
    assert_non_null(a);
    for (int i = 0; i < 5000 && e.n_state < 6; i++)
        e2e_idle(&sandbox, 2);
    assert_true(e.n_state >= 6);
    stack_apply_free(a);
    int seen = e.n_state;
    e2e_idle(&sandbox, 300);
    assert_int_equal(e.n_state, seen);
    assert_false(e.done);
    stack_plan_free(p);
    stack_spec_free(&s);
}

/* ---- against a scripted server ---- */

struct script {
    const char *target; /* X-Amz-Target or Action that the answers are for */
    const char *answers[8];
    int status[8];
    size_t n, next;
    int requests;
    int other;
};

static void script_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                           void *arg)
{
    (void)s;
    struct script *sc = arg;
    const char *t = srv_hdr(req, "X-Amz-Target");
    bool json = t != NULL;
    bool match =
        t ? strcmp(t, sc->target) == 0 : (req->body && strstr(req->body, sc->target) != NULL);
    resp->action = SRV_RESPOND;
    resp->headers =
        json ? "Content-Type: application/x-amz-json-1.1\r\n" : "Content-Type: text/xml\r\n";
    if (!match) {
        sc->other++;
        resp->status = 200;
        resp->body = json ? "{}" : "<R><RequestId>x</RequestId></R>";
        return;
    }
    sc->requests++;
    size_t i = sc->next < sc->n ? sc->next++ : sc->n - 1;
    resp->status = sc->status[i];
    resp->body = sc->answers[i];
}

/* A plan of one resource with the given calls, built by hand. */
static struct stack_plan *tiny_plan(const char *key, enum stack_kind kind, const char *name,
                                    const enum stack_op *ops, size_t n, enum stack_plan_mode mode)
{
    struct stack_plan *p = mem_xcalloc(1, sizeof(*p));
    seed_spec(&p->spec, "tiny");
    p->mode = mode;
    p->account = mem_xstrdup("111122223333");
    p->res = mem_xcalloc(1, sizeof(*p->res));
    p->n = 1;
    struct stack_resource *r = &p->res[0];
    r->key = mem_xstrdup(key);
    r->kind = kind;
    r->name = mem_xstrdup(name);
    r->action = mode == STACK_PLAN_DESTROY ? STACK_ACT_DELETE : STACK_ACT_CREATE;
    r->priv = mem_xcalloc(1, sizeof(*r->priv));
    r->calls = mem_xcalloc(n, sizeof(*r->calls));
    r->n_calls = n;
    for (size_t i = 0; i < n; i++) {
        r->calls[i].op = (int)ops[i];
        r->calls[i].service = stack_ops_service(ops[i]);
        r->calls[i].operation = stack_ops_operation(ops[i]);
    }
    return p;
}

static const char *kms_arn = "arn:aws:kms:us-east-2:111122223333:key/k-1";

static void test_log_group_waits_for_the_key_policy(void **state)
{
    (void)state;
    struct script sc = {
        .target = "Logs_20140328.CreateLogGroup",
        .answers = {"{\"__type\":\"AccessDeniedException\",\"message\":\"The specified KMS key "
                    "does not exist or is not allowed to be used with LogGroup "
                    "'arn:aws:logs:us-east-2:111122223333:log-group:/elasticache/tiny/slow-log'\"}",
                    "{\"__type\":\"InvalidParameterException\",\"message\":\"The specified KMS "
                    "key does not exist or is not allowed to be used with LogGroup\"}",
                    "{}"},
        .status = {400, 400, 200},
        .n = 3,
    };
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    struct aws_client *once = e2e_new_client(&x, 1);
    enum stack_op ops[] = {STACK_OP_CREATE_LOG_GROUP, STACK_OP_PUT_RETENTION};
    struct stack_plan *p = tiny_plan("log-group.slow", STACK_KIND_LOG_GROUP,
                                     "/elasticache/tiny/slow-log", ops, 2, STACK_PLAN_APPLY);
    /* the key the log group names, as if kms.rest existed */
    p->res = mem_xrealloc(p->res, 2 * sizeof(*p->res));
    memset(&p->res[1], 0, sizeof(p->res[1]));
    p->res[1].key = mem_xstrdup("kms.rest");
    p->res[1].name = mem_xstrdup("alias/tiny-encryption-rest");
    p->res[1].kind = STACK_KIND_KMS_KEY;
    p->res[1].action = STACK_ACT_KEEP;
    p->res[1].arn = mem_xstrdup(kms_arn);
    p->res[1].id = mem_xstrdup("k-1");
    p->res[1].priv = mem_xcalloc(1, sizeof(*p->res[1].priv));
    p->n = 2;
    struct events e;
    run_apply(&x, once, p, &e);
    if (!e.res.ok)
        fail_msg("%s\n%s", e.first_err, e.log);
    assert_int_equal(sc.requests, 3);
    assert_int_equal(e.n_retry, 2);
    assert_int_equal(e.last_delay, 20); /* back-off doubles */
    assert_int_equal(sc.other, 1);      /* PutRetentionPolicy */
    assert_non_null(strstr(e.log, "retrying CreateLogGroup the key policy"));
    stack_plan_free(p);
    aws_client_free(once);
    e2e_stop(&x);
}

static void test_throttled_create_retried_once(void **state)
{
    (void)state;
    struct script sc = {
        .target = "TrentService.CreateKey",
        .answers = {"{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}",
                    "{\"KeyMetadata\":{\"KeyId\":\"k-2\",\"Arn\":\"arn:aws:kms:us-east-2:1:key/"
                    "k-2\",\"KeyState\":\"Enabled\"}}"},
        .status = {400, 200},
        .n = 2,
    };
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    struct aws_client *once = e2e_new_client(&x, 1);
    enum stack_op ops[] = {STACK_OP_CREATE_KEY};
    struct stack_plan *p =
        tiny_plan("kms.rest", STACK_KIND_KMS_KEY, "alias/tiny", ops, 1, STACK_PLAN_APPLY);
    struct events e;
    run_apply(&x, once, p, &e);
    assert_true(e.res.ok);
    assert_int_equal(sc.requests, 2);
    assert_int_equal(e.n_retry, 1);
    assert_string_equal(p->res[0].id, "k-2");
    stack_plan_free(p);

    /* an answer that says nothing of the outcome: no blind retry */
    struct script sc2 = {
        .target = "TrentService.CreateKey",
        .answers = {"{\"__type\":\"InternalFailure\",\"message\":\"boom\"}"},
        .status = {500},
        .n = 1,
    };
    x.srv->arg = &sc2;
    p = tiny_plan("kms.rest", STACK_KIND_KMS_KEY, "alias/tiny", ops, 1, STACK_PLAN_APPLY);
    run_apply(&x, once, p, &e);
    assert_false(e.res.ok);
    assert_int_equal(e.res.failed, 1);
    assert_int_equal(sc2.requests, 1);
    assert_int_equal(e.n_retry, 0);
    assert_non_null(strstr(e.first_err, "run the same command again"));
    stack_plan_free(p);
    aws_client_free(once);
    e2e_stop(&x);
}

#define RG_XML(status)                                                                             \
    "<DescribeReplicationGroupsResponse><DescribeReplicationGroupsResult><ReplicationGroups>"      \
    "<ReplicationGroup><ReplicationGroupId>tiny</ReplicationGroupId><Status>" status               \
    "</Status><ConfigurationEndpoint><Address>clustercfg.tiny.example</Address><Port>6379</Port>"  \
    "</ConfigurationEndpoint></ReplicationGroup></ReplicationGroups>"                              \
    "</DescribeReplicationGroupsResult><ResponseMetadata><RequestId>r</RequestId>"                 \
    "</ResponseMetadata></DescribeReplicationGroupsResponse>"

static void test_wait_polls_until_available(void **state)
{
    (void)state;
    struct script sc = {
        .target = "Action=DescribeReplicationGroups",
        .answers = {RG_XML("creating"), RG_XML("creating"), RG_XML("creating"), RG_XML("modifying"),
                    RG_XML("available")},
        .status = {200, 200, 200, 200, 200},
        .n = 5,
    };
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    enum stack_op ops[] = {STACK_OP_WAIT_AVAILABLE};
    struct stack_plan *p = tiny_plan("replication-group", STACK_KIND_REPLICATION_GROUP, "tiny", ops,
                                     1, STACK_PLAN_APPLY);
    p->res[0].action = STACK_ACT_KEEP; /* a group being created: keep, wait */
    struct events e;
    run_apply(&x, NULL, p, &e);
    assert_true(e.res.ok);
    assert_int_equal(sc.requests, 5);
    assert_int_equal(e.n_waiting, 2); /* once per status, not per poll */
    assert_string_equal(p->res[0].endpoint, "clustercfg.tiny.example");
    assert_string_equal(p->res[0].status, "available");
    stack_plan_free(p);
    e2e_stop(&x);
}

static void test_delete_waits_for_dependants(void **state)
{
    (void)state;
    static const char dep[] =
        "<Response><Errors><Error><Code>DependencyViolation</Code><Message>resource sg-1 has a "
        "dependent object</Message></Error></Errors><RequestID>r</RequestID></Response>";
    struct script sc = {
        .target = "Action=DeleteSecurityGroup",
        .answers = {dep, dep,
                    "<DeleteSecurityGroupResponse><requestId>r</requestId><return>true"
                    "</return></DeleteSecurityGroupResponse>"},
        .status = {400, 400, 200},
        .n = 3,
    };
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    enum stack_op ops[] = {STACK_OP_DELETE_SECURITY_GROUP};
    struct stack_plan *p =
        tiny_plan("security-group", STACK_KIND_SECURITY_GROUP, "sg", ops, 1, STACK_PLAN_DESTROY);
    p->res[0].id = mem_xstrdup("sg-1");
    struct events e;
    run_apply(&x, NULL, p, &e);
    assert_true(e.res.ok);
    assert_int_equal(e.n_retry, 2);
    assert_int_equal(sc.requests, 3);
    stack_plan_free(p);

    /* already gone counts as done for destroy */
    static const char gone[] = "<Response><Errors><Error><Code>InvalidGroup.NotFound</Code>"
                               "<Message>no such group</Message></Error></Errors>"
                               "<RequestID>r</RequestID></Response>";
    struct script sc2 = {
        .target = "Action=DeleteSecurityGroup", .answers = {gone}, .status = {400}, .n = 1};
    x.srv->arg = &sc2;
    p = tiny_plan("security-group", STACK_KIND_SECURITY_GROUP, "sg", ops, 1, STACK_PLAN_DESTROY);
    p->res[0].id = mem_xstrdup("sg-1");
    run_apply(&x, NULL, p, &e);
    assert_true(e.res.ok);
    assert_int_equal(sc2.requests, 1);
    stack_plan_free(p);

    /* the cache subnet group: in use while the group's nodes go, then
     * deleted (an answer without a Result element); already gone is done */
    static const char in_use[] =
        "<ErrorResponse><Error><Type>Sender</Type><Code>CacheSubnetGroupInUse</Code><Message>"
        "Cache subnet group tiny-cache-subnet is currently in use by a cache cluster.</Message>"
        "</Error><RequestId>r</RequestId></ErrorResponse>";
    struct script sc3 = {
        .target = "Action=DeleteCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=tiny",
        .answers = {in_use, in_use,
                    "<DeleteCacheSubnetGroupResponse><ResponseMetadata><RequestId>deleted"
                    "</RequestId></ResponseMetadata></DeleteCacheSubnetGroupResponse>"},
        .status = {400, 400, 200},
        .n = 3,
    };
    x.srv->arg = &sc3;
    enum stack_op sng_ops[] = {STACK_OP_DELETE_SUBNET_GROUP};
    p = tiny_plan("subnet-group", STACK_KIND_SUBNET_GROUP, "tiny", sng_ops, 1, STACK_PLAN_DESTROY);
    run_apply(&x, NULL, p, &e);
    assert_true(e.res.ok);
    assert_int_equal(e.n_retry, 2);
    assert_int_equal(sc3.requests, 3);
    stack_plan_free(p);
    static const char sng_gone[] =
        "<ErrorResponse><Error><Type>Sender</Type><Code>CacheSubnetGroupNotFoundFault</Code>"
        "<Message>Cache subnet group tiny does not exist.</Message></Error>"
        "<RequestId>r</RequestId></ErrorResponse>";
    struct script sc4 = {
        .target = "Action=DeleteCacheSubnetGroup", .answers = {sng_gone}, .status = {400}, .n = 1};
    x.srv->arg = &sc4;
    p = tiny_plan("subnet-group", STACK_KIND_SUBNET_GROUP, "tiny", sng_ops, 1, STACK_PLAN_DESTROY);
    run_apply(&x, NULL, p, &e);
    assert_true(e.res.ok);
    assert_int_equal(sc4.requests, 1);
    stack_plan_free(p);
    e2e_stop(&x);
}

static void test_conflict_refused(void **state)
{
    (void)state;
    enum stack_op ops[] = {STACK_OP_CREATE_KEY};
    struct stack_plan *p =
        tiny_plan("kms.rest", STACK_KIND_KMS_KEY, "alias/tiny", ops, 1, STACK_PLAN_APPLY);
    p->res[0].action = STACK_ACT_CONFLICT;
    p->n_conflict = 1;
    struct loop *l = loop_new();
    struct stack_apply_options o = {.loop = l, .client = (struct aws_client *)1, .journal_dir = ""};
    char msg[256];
    assert_null(stack_apply_start(p, &o, NULL, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "1 conflict"));
    loop_free(l);
    stack_plan_free(p);
    assert_true(stack_ops_is_kms_propagation(&(struct aws_error){
        .kind = AWS_ERR_SERVICE,
        .message = (char *)"The specified KMS key does not exist or is not allowed to be used "
                           "with LogGroup 'x'"}));
    assert_false(stack_ops_is_kms_propagation(
        &(struct aws_error){.kind = AWS_ERR_SERVICE, .message = (char *)"Access denied"}));
    assert_true(stack_ops_send_once(STACK_OP_CREATE_KEY));
    assert_false(stack_ops_send_once(STACK_OP_PUT_KEY_POLICY));
}

/* ---- the run engine (plan -> confirm -> apply) ---- */

struct run_watch {
    enum stack_run_phase phases[16];
    int n_phases;
    int n_state, n_retry, n_done_items;
    bool changed;
};

static void rw_phase(struct stack_run *r, enum stack_run_phase ph, void *arg)
{
    (void)r;
    struct run_watch *w = arg;
    if (w->n_phases < 16)
        w->phases[w->n_phases++] = ph;
    w->changed = true;
}

static void rw_state(struct stack_run *r, const struct stack_event *ev, void *arg)
{
    (void)r;
    struct run_watch *w = arg;
    w->n_state++;
    if (ev->state == STACK_STATE_DONE)
        w->n_done_items++;
}

static void rw_retry(struct stack_run *r, const struct stack_event *ev, uint64_t d, void *arg)
{
    (void)r;
    (void)ev;
    (void)d;
    ((struct run_watch *)arg)->n_retry++;
}

/* Run the loop until the run's phase is ph (60 s at most). */
static void run_until(struct stack_run *r, enum stack_run_phase ph, const char *what)
{
    uint64_t deadline = loop_now_ms(sandbox.l) + 60000;
    while (stack_run_phase(r) != ph && loop_now_ms(sandbox.l) < deadline)
        e2e_idle(&sandbox, 5);
    if (stack_run_phase(r) != ph)
        fail_msg("%s: phase %s, not %s", what, stack_run_phase_name(stack_run_phase(r)),
                 stack_run_phase_name(ph));
}

IE_CB(rw_secret_cb, struct secrets_secret_value_out)

static void test_run_stop_resume_destroy(void **state)
{
    (void)state;
    char dir[] = "/tmp/elcui-run-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct stack_spec s;
    seed_spec(&s, "run-a");
    assert_int_equal(stack_spec_set(&s, "cache", "shards", "1", NULL, 0), 0);
    struct aws_client *once = e2e_new_client(&sandbox, 1);
    struct run_watch w;
    memset(&w, 0, sizeof(w));
    /* a typed token (the wizard's): the secret gets exactly it */
    static const char typed[] = "typed-Token-0123456789&abc";
    struct stack_run_options o = {
        .loop = sandbox.l,
        .client = sandbox.c,
        .once = once,
        .mode = STACK_PLAN_APPLY,
        .journal_dir = dir,
        .token = typed,
        .poll_first_ms = 20,
        .poll_max_ms = 80,
        .backoff_first_ms = 10,
    };
    struct stack_run_callbacks cb = {rw_phase, rw_state, rw_retry, &w};
    struct stack_run *r = stack_run_new(&s, &o, &cb);
    assert_int_equal(stack_run_phase(r), STACK_RUN_PLANNING);
    assert_null(stack_run_plan(r));
    assert_int_equal(stack_run_start(r), 0);
    assert_int_equal(stack_run_start(r), -1); /* once */
    assert_int_equal(w.n_phases, 0);          /* nothing synchronously */
    char msg[256];
    assert_int_equal(stack_run_confirm(r, msg, sizeof(msg)), -1); /* no plan yet */
    run_until(r, STACK_RUN_PLANNED, "plan");
    struct stack_plan *p = stack_run_plan(r);
    assert_int_equal(p->n, 24);
    struct stack_run_counts c;
    stack_run_counts(r, &c);
    assert_int_equal(c.waiting, 24);
    assert_int_equal(stack_run_total_ms(r), 0);

    /* confirm; stop after a few resources: STOPPED, nothing after it */
    assert_int_equal(e2e_control(&sandbox, "/_sandbox/config", "{\"create_delay\": 1}"), 200);
    assert_int_equal(stack_run_confirm(r, msg, sizeof(msg)), 0);
    assert_int_equal(stack_run_phase(r), STACK_RUN_APPLYING);
    for (int i = 0; i < 20000 && w.n_done_items < 8; i++)
        e2e_idle(&sandbox, 2);
    assert_true(w.n_done_items >= 8);
    stack_run_counts(r, &c);
    assert_true(c.done >= 8);
    size_t vpc = idx(p, "vpc");
    const struct stack_run_item *it = stack_run_item(r, vpc);
    assert_int_equal(it->state, STACK_STATE_DONE);
    assert_non_null(it->request_id);
    assert_non_null(it->started_ms ? it : NULL);
    stack_run_stop(r);
    assert_int_equal(stack_run_phase(r), STACK_RUN_STOPPED);
    int seen = w.n_state, phases = w.n_phases;
    e2e_idle(&sandbox, 300);
    assert_int_equal(w.n_state, seen);
    assert_int_equal(w.n_phases, phases);
    stack_run_counts(r, &c);
    assert_int_equal(c.in_flight, 0);
    /* the journal says the apply did not finish */
    struct stack_journal_entry *je;
    size_t nj = stack_journal_list(dir, "applying destroying", &je);
    assert_int_equal(nj, 1);
    assert_string_equal(je[0].name, "run-a");
    assert_string_equal(je[0].state, "applying");
    assert_string_equal(je[0].region, "us-east-2");
    stack_journal_list_free(je, nj);

    /* replan: planned again, and it waits for a confirmation */
    assert_int_equal(stack_run_replan(r), 0);
    run_until(r, STACK_RUN_PLANNED, "replan");
    e2e_idle(&sandbox, 200);
    assert_int_equal(stack_run_phase(r), STACK_RUN_PLANNED);
    assert_true(stack_run_plan(r)->n_keep >= 8);
    assert_int_equal(stack_run_retry(r), -1); /* nothing failed or stopped */
    stack_run_stop(r);
    assert_int_equal(stack_run_phase(r), STACK_RUN_STOPPED);
    /* retry: planned again (what exists is kept), applied to the end */
    assert_int_equal(stack_run_retry(r), 0);
    assert_int_equal(stack_run_retry(r), -1);
    run_until(r, STACK_RUN_DONE, "resume");
    assert_int_equal(e2e_control(&sandbox, "/_sandbox/config", "{\"create_delay\": 0}"), 200);
    p = stack_run_plan(r);
    assert_true(p->n_keep >= 8);
    assert_int_equal(p->n_keep + p->n_create + p->n_change, 24);
    assert_int_equal(p->n_conflict, 0);
    const struct stack_apply_result *res = stack_run_result(r);
    assert_true(res->ok);
    assert_int_equal(res->done + res->unchanged, 24);
    for (size_t i = 0; i < p->n; i++) {
        enum stack_state st = stack_run_item(r, i)->state;
        assert_true(st == STACK_STATE_DONE || st == STACK_STATE_UNCHANGED);
    }
    const struct stack_run_item *rgi = stack_run_item(r, idx(p, "replication-group"));
    assert_true(stack_run_elapsed(r, idx(p, "replication-group")) >= 900); /* waited ~1 s */
    assert_non_null(rgi->request_id);
    assert_true(stack_run_total_ms(r) > 0);
    nj = stack_journal_list(dir, "applying", &je);
    assert_int_equal(nj, 0);
    stack_journal_list_free(je, nj);
    nj = stack_journal_list(dir, NULL, &je);
    assert_int_equal(nj, 1);
    assert_string_equal(je[0].state, "applied");
    stack_journal_list_free(je, nj);

    struct ie_res sr = {0};
    ie_reset(&sr);
    struct secrets_get_secret_value_in gi = {.secret_id = "run-a-elasticache-auth"};
    ie_wait(&sandbox, secrets_get_secret_value(sandbox.c, &gi, rw_secret_cb, &sr), &sr,
            "GetSecretValue");
    ie_ok(&sr, "GetSecretValue");
    struct secrets_secret_value_out *sv = sr.out;
    assert_string_equal(sv->secret_string, typed);
    secrets_secret_value_out_free(sv);
    stack_run_free(r);

    /* a second run has nothing to do: confirm goes to DONE from the loop */
    memset(&w, 0, sizeof(w));
    o.token = NULL;
    r = stack_run_new(&s, &o, &cb);
    stack_run_start(r);
    run_until(r, STACK_RUN_PLANNED, "re-plan");
    assert_true(stack_plan_is_noop(stack_run_plan(r)));
    assert_int_equal(stack_run_confirm(r, msg, sizeof(msg)), 0);
    assert_int_equal(w.phases[w.n_phases - 1], STACK_RUN_PLANNED);
    run_until(r, STACK_RUN_DONE, "no-op");
    assert_int_equal(stack_run_result(r)->unchanged, 24);
    stack_run_free(r);

    /* destroy, confirmed up front */
    memset(&w, 0, sizeof(w));
    o.mode = STACK_PLAN_DESTROY;
    o.auto_confirm = true;
    r = stack_run_new(&s, &o, &cb);
    stack_run_start(r);
    run_until(r, STACK_RUN_DONE, "destroy");
    assert_int_equal(w.phases[0], STACK_RUN_PLANNED);
    assert_int_equal(w.phases[1], STACK_RUN_APPLYING);
    assert_true(stack_run_result(r)->destroy);
    assert_int_equal(stack_run_result(r)->done, stack_run_plan(r)->n_delete);
    stack_run_free(r);
    nj = stack_journal_list(dir, NULL, &je);
    assert_int_equal(nj, 1);
    assert_string_equal(je[0].state, "destroyed");
    stack_journal_list_free(je, nj);

    aws_client_free(once);
    stack_spec_free(&s);
    char *j = stack_journal_path(dir, "run-a");
    unlink(j);
    free(j);
    rmdir(dir);
}

static void test_run_plan_failure_and_retry(void **state)
{
    (void)state;
    /* discovery denied: PLAN_FAILED with the error; retry plans again */
    struct script sc = {
        .target = "Action=GetCallerIdentity",
        .answers = {"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>"
                    "no</Message></Error><RequestId>req-denied-1</RequestId></ErrorResponse>"},
        .status = {403},
        .n = 1,
    };
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    struct stack_spec s;
    seed_spec(&s, "denied");
    struct run_watch w;
    memset(&w, 0, sizeof(w));
    struct stack_run_options o = {.loop = x.l, .client = x.c, .journal_dir = ""};
    struct stack_run_callbacks cb = {rw_phase, rw_state, rw_retry, &w};
    struct stack_run *r = stack_run_new(&s, &o, &cb);
    stack_run_start(r);
    uint64_t deadline = loop_now_ms(x.l) + 20000;
    while (stack_run_phase(r) == STACK_RUN_PLANNING && loop_now_ms(x.l) < deadline)
        e2e_idle(&x, 5);
    assert_int_equal(stack_run_phase(r), STACK_RUN_PLAN_FAILED);
    assert_int_equal(w.phases[0], STACK_RUN_PLAN_FAILED);
    const struct aws_error *err = stack_run_error(r);
    assert_non_null(err);
    assert_string_equal(err->code, "AccessDenied");
    assert_string_equal(err->request_id, "req-denied-1");
    assert_null(stack_run_plan(r));
    char msg[128];
    assert_int_equal(stack_run_confirm(r, msg, sizeof(msg)), -1);
    int before = sc.requests;
    assert_int_equal(stack_run_retry(r), 0);
    assert_int_equal(stack_run_phase(r), STACK_RUN_PLANNING);
    assert_null(stack_run_error(r));
    deadline = loop_now_ms(x.l) + 20000;
    while (stack_run_phase(r) == STACK_RUN_PLANNING && loop_now_ms(x.l) < deadline)
        e2e_idle(&x, 5);
    assert_int_equal(stack_run_phase(r), STACK_RUN_PLAN_FAILED);
    assert_true(sc.requests > before);
    /* stopping a discovery in flight: no callback afterwards */
    assert_int_equal(stack_run_retry(r), 0);
    stack_run_stop(r);
    assert_int_equal(stack_run_phase(r), STACK_RUN_STOPPED);
    int phases = w.n_phases;
    e2e_idle(&x, 200);
    assert_int_equal(w.n_phases, phases);
    stack_run_free(r);
    stack_spec_free(&s);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest sandboxed[] = {
        cmocka_unit_test(test_plan_of_the_seed),          cmocka_unit_test(test_apply_noop_destroy),
        cmocka_unit_test(test_destroy_log_groups_by_tag), cmocka_unit_test(test_cancel_in_flight),
        cmocka_unit_test(test_run_stop_resume_destroy),
    };
    const struct CMUnitTest scripted[] = {
        cmocka_unit_test(test_log_group_waits_for_the_key_policy),
        cmocka_unit_test(test_throttled_create_retried_once),
        cmocka_unit_test(test_wait_polls_until_available),
        cmocka_unit_test(test_delete_waits_for_dependants),
        cmocka_unit_test(test_conflict_refused),
        cmocka_unit_test(test_run_plan_failure_and_retry),
    };
    int rc = cmocka_run_group_tests_name("scripted", scripted, NULL, NULL);
    if (getenv("ELCUI_NO_SANDBOX")) {
        print_message("sandbox tests skipped (ELCUI_NO_SANDBOX)\n");
        return rc;
    }
    return rc | cmocka_run_group_tests_name("sandbox", sandboxed, sandbox_up, sandbox_down);
}

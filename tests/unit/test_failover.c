/* test_failover.c - the failover engine (core/model/failover.h) on the real
 * loop and transport, against a scripted ElastiCache on 127.0.0.1 that
 * plays TestFailover's event sequence on cue: a group that does not exist,
 * a shard that does not exist, the confirmation pause, a failover that
 * completes (events over several polls, duplicates across polls, the group
 * modifying for a while after), one that fails, one that never ends
 * (timeout), an events read that fails once, --no-wait, and the engine
 * freed from inside each kind of callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "core/model/failover.h"

#include "wire_harness.h"

#include "typed_e2e.h"

#define EC_NS "http://elasticache.amazonaws.com/doc/2015-02-02/"

/* ---- the scripted service ---- */

struct fev {
    int64_t when_ms;
    const char *type;
    char id[64];
    char msg[200];
};

static struct {
    struct buf out;
    bool started;
    int polls_after_start;   /* DescribeEvents answers since TestFailover */
    int describes_after;     /* DescribeReplicationGroups answers since completion */
    int modifying_for;       /* describes that still say "modifying" after completion */
    bool fail;               /* the failover fails */
    bool never;              /* no event after "called" */
    int events_500;          /* DescribeEvents requests that answer 500 */
    bool testfailover_limit; /* TestFailover answers APICallRateForCustomerExceeded */
    unsigned rgs_calls, tf_calls, ev_calls;
    struct fev evs[32];
    size_t nevs;
    bool completed_emitted;
} fk;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fake_reset(void)
{
    buf_free(&fk.out);
    memset(&fk, 0, sizeof(fk));
    buf_init(&fk.out, 0);
}

static void fake_event(const char *type, const char *id, const char *msg)
{
    struct fev *e = &fk.evs[fk.nevs++];
    e->when_ms = wall_ms();
    e->type = type;
    snprintf(e->id, sizeof(e->id), "%s", id);
    snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

static void xml_open(const char *op)
{
    buf_printf(&fk.out, "<%sResponse xmlns=\"%s\"><%sResult>", op, EC_NS, op);
}

static void xml_close(const char *op)
{
    buf_printf(&fk.out,
               "</%sResult><ResponseMetadata><RequestId>rid-%s</RequestId></ResponseMetadata>"
               "</%sResponse>",
               op, op, op);
}

static void fake_error(struct srv_resp *resp, int status, const char *code, const char *msg)
{
    buf_printf(&fk.out,
               "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
               "</Error><RequestId>rid-err</RequestId></ErrorResponse>",
               code, msg);
    resp->status = status;
}

/* Group "g": shards 0001 and 0002, two members each. */
static void xml_group(const char *status)
{
    buf_printf(&fk.out,
               "<ReplicationGroup><ReplicationGroupId>g</ReplicationGroupId><Status>%s</Status>"
               "<MemberClusters><ClusterId>g-0001-001</ClusterId><ClusterId>g-0001-002"
               "</ClusterId><ClusterId>g-0002-001</ClusterId><ClusterId>g-0002-002</ClusterId>"
               "</MemberClusters><NodeGroups>",
               status);
    for (int s = 1; s <= 2; s++) {
        buf_printf(&fk.out,
                   "<NodeGroup><NodeGroupId>%04d</NodeGroupId><Status>available</Status>"
                   "<Slots>%d-%d</Slots><NodeGroupMembers>",
                   s, s == 1 ? 0 : 8192, s == 1 ? 8191 : 16383);
        for (int m = 1; m <= 2; m++)
            buf_printf(&fk.out,
                       "<NodeGroupMember><CacheClusterId>g-%04d-%03d</CacheClusterId>"
                       "<CacheNodeId>0001</CacheNodeId></NodeGroupMember>",
                       s, m);
        buf_appends(&fk.out, "</NodeGroupMembers></NodeGroup>");
    }
    buf_appends(&fk.out, "</NodeGroups><AutomaticFailover>enabled</AutomaticFailover>"
                         "<ClusterEnabled>true</ClusterEnabled></ReplicationGroup>");
}

static void fake_rgs(const struct query_params *p, struct srv_resp *resp)
{
    fk.rgs_calls++;
    const char *id = query_get(p, "ReplicationGroupId");
    if (!id || strcmp(id, "g") != 0) {
        fake_error(resp, 404, "ReplicationGroupNotFoundFault", "Replication group not found.");
        return;
    }
    const char *status = "available";
    if (fk.started && !fk.completed_emitted)
        status = "modifying";
    if (fk.completed_emitted && fk.describes_after++ < fk.modifying_for)
        status = "modifying";
    xml_open("DescribeReplicationGroups");
    buf_appends(&fk.out, "<ReplicationGroups>");
    xml_group(status);
    buf_appends(&fk.out, "</ReplicationGroups>");
    xml_close("DescribeReplicationGroups");
}

static void fake_tf(const struct query_params *p, struct srv_resp *resp)
{
    fk.tf_calls++;
    if (fk.testfailover_limit) {
        fake_error(resp, 400, "APICallRateForCustomerExceeded", "The customer has exceeded.");
        return;
    }
    char msg[128];
    snprintf(msg, sizeof(msg), "Test Failover API called for node group %s",
             query_get(p, "NodeGroupId"));
    fake_event("replication-group", "g", msg);
    fk.started = true;
    xml_open("TestFailover");
    buf_appends(&fk.out, "<ReplicationGroup><ReplicationGroupId>g</ReplicationGroupId><Status>"
                         "modifying</Status></ReplicationGroup>");
    xml_close("TestFailover");
}

/* The sequence unfolds over polls (counted by the group's listing; the
 * clusters' listing of the same poll runs alongside): 1st poll "called"
 * only, 2nd the clusters' events, 3rd the group's completion (or
 * failure), so the 3rd poll surely lists the clusters' events too. */
static void fake_progress(void)
{
    static const char m[] = "Failover from primary node g-0002-001 to replica node g-0002-002 "
                            "completed";
    if (!fk.started || fk.never)
        return;
    fk.polls_after_start++;
    if (fk.polls_after_start == 2 && !fk.fail) {
        fake_event("cache-cluster", "g-0002-001", m);
        fake_event("cache-cluster", "g-0002-001", "Recovering cache nodes 0001");
    } else if (fk.polls_after_start == 3) {
        if (fk.fail)
            fake_event("replication-group", "g", "Failover of node group 0002 failed: no replica");
        else
            fake_event("replication-group", "g", m);
        fk.completed_emitted = true; /* the group is available again (after modifying_for) */
    }
}

static void fake_events(const struct query_params *p, struct srv_resp *resp)
{
    fk.ev_calls++;
    if (fk.events_500 > 0) {
        fk.events_500--;
        fake_error(resp, 500, "InternalFailure", "the fake is broken");
        return;
    }
    const char *type = query_get(p, "SourceType");
    if (type && strcmp(type, "replication-group") == 0)
        fake_progress();
    int64_t start = 0, end = 0;
    assert_true(awstime_parse_iso8601(query_get(p, "StartTime"), &start));
    assert_true(awstime_parse_iso8601(query_get(p, "EndTime"), &end));
    xml_open("DescribeEvents");
    buf_appends(&fk.out, "<Events>");
    char t[40];
    for (size_t i = fk.nevs; i-- > 0;) {
        const struct fev *e = &fk.evs[i];
        if (strcmp(e->type, type) != 0 || e->when_ms < start || e->when_ms > end)
            continue;
        awstime_format_iso8601(e->when_ms, t, sizeof(t));
        buf_printf(&fk.out,
                   "<Event><SourceIdentifier>%s</SourceIdentifier><SourceType>%s</SourceType>"
                   "<Message>%s</Message><Date>%s</Date></Event>",
                   e->id, e->type, e->msg, t);
    }
    buf_appends(&fk.out, "</Events>");
    xml_close("DescribeEvents");
}

static void fake_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)s;
    (void)arg;
    buf_reset(&fk.out);
    struct query_params *p = query_decode(req->body ? req->body : "", req->body_len);
    const char *action = query_get(p, "Action");
    resp->action = SRV_RESPOND;
    resp->status = 200;
    resp->headers = "Content-Type: text/xml\r\n";
    if (!action)
        fake_error(resp, 400, "MissingAction", "no action");
    else if (strcmp(action, "DescribeReplicationGroups") == 0)
        fake_rgs(p, resp);
    else if (strcmp(action, "TestFailover") == 0)
        fake_tf(p, resp);
    else if (strcmp(action, "DescribeEvents") == 0)
        fake_events(p, resp);
    else
        fake_error(resp, 400, "InvalidAction", "unknown action");
    query_params_free(p);
    resp->body = buf_str(&fk.out);
}

/* ---- the observer ---- */

enum { FREE_NONE, FREE_IN_SHARD, FREE_IN_EVENT, FREE_IN_PHASE, FREE_IN_DONE };

struct obs {
    struct failover *f;
    bool done;
    bool got_shard;
    bool go_in_shard;
    int free_in;
    size_t shard_members;
    char request_id[96];
    char events[32][220];
    size_t nevents;
    enum failover_phase phases[16];
    size_t nphases;
    unsigned troubles;
    struct failover_result res;
    unsigned dones;
};

static void obs_shard(struct failover *f, const struct elasticache_replication_group *g,
                      const struct elasticache_node_group *ng, void *arg)
{
    struct obs *o = arg;
    assert_string_equal(g->id, "g");
    o->got_shard = true;
    o->shard_members = ng->n_members;
    if (o->free_in == FREE_IN_SHARD) {
        failover_free(f);
        o->f = NULL;
        o->done = true;
    } else if (o->go_in_shard) {
        failover_go(f);
    }
}

static void obs_started(struct failover *f, const char *rid, const char *status, void *arg)
{
    (void)f;
    struct obs *o = arg;
    assert_string_equal(status, "modifying");
    snprintf(o->request_id, sizeof(o->request_id), "%s", rid);
}

static void obs_event(struct failover *f, const struct events_event *e, void *arg)
{
    struct obs *o = arg;
    if (o->nevents < 32)
        snprintf(o->events[o->nevents], sizeof(o->events[0]), "%s %s: %s", e->source_type,
                 e->source_id, e->message);
    o->nevents++;
    if (o->free_in == FREE_IN_EVENT) {
        failover_free(f);
        o->f = NULL;
        o->done = true;
    }
}

static void obs_phase(struct failover *f, enum failover_phase p, void *arg)
{
    struct obs *o = arg;
    if (o->nphases < 16)
        o->phases[o->nphases++] = p;
    if (p == FAILOVER_PHASE_AVAILABLE) {
        const struct failover_result *r = failover_result_now(f);
        assert_string_equal(r->old_primary, "g-0002-001");
        assert_string_equal(r->new_primary, "g-0002-002");
        if (o->free_in == FREE_IN_PHASE) {
            failover_free(f);
            o->f = NULL;
            o->done = true;
        }
    }
}

static void obs_trouble(struct failover *f, const char *text, void *arg)
{
    (void)f;
    struct obs *o = arg;
    assert_non_null(strstr(text, "reading events"));
    assert_non_null(strstr(text, "InternalFailure"));
    o->troubles++;
}

static void obs_done(struct failover *f, const struct failover_result *r, void *arg)
{
    struct obs *o = arg;
    o->dones++;
    o->res = *r;
    aws_error_init(&o->res.err);
    aws_error_copy(&o->res.err, &r->err);
    o->done = true;
    if (o->free_in == FREE_IN_DONE) {
        failover_free(f);
        o->f = NULL;
    }
}

static struct failover *start(struct e2e *x, struct obs *o, const char *rg, const char *shard,
                              bool confirm, bool no_wait, uint64_t wait_ms)
{
    memset(o, 0, sizeof(*o));
    struct failover_options fo = {
        .loop = x->l,
        .aws = x->c,
        .rg_id = rg,
        .shard = shard,
        .confirm = confirm,
        .no_wait = no_wait,
        .wait_ms = wait_ms,
        .poll_ms = 30,
        .cb = {obs_shard, obs_started, obs_event, obs_phase, obs_trouble, obs_done, o},
    };
    o->f = failover_start(&fo);
    return o->f;
}

static void finish(struct e2e *x, struct obs *o)
{
    failover_free(o->f);
    aws_error_clear(&o->res.err);
    e2e_stop(x);
}

/* ---- tests ---- */

static void test_shard_id(void **state)
{
    (void)state;
    char s[8];
    assert_true(failover_shard_id("2", s, sizeof(s)));
    assert_string_equal(s, "0002");
    assert_true(failover_shard_id("0003", s, sizeof(s)));
    assert_string_equal(s, "0003");
    assert_true(failover_shard_id("9999", s, sizeof(s)));
    assert_false(failover_shard_id("0", s, sizeof(s)));
    assert_false(failover_shard_id("10000", s, sizeof(s)));
    assert_false(failover_shard_id("x1", s, sizeof(s)));
    assert_false(failover_shard_id("", s, sizeof(s)));
    assert_false(failover_shard_id(" 1", s, sizeof(s)));
    assert_false(failover_shard_id(NULL, s, sizeof(s)));
    char o[32], n[32];
    assert_true(failover_parse_completed(
        "Failover from primary node a-0001-001 to replica node a-0001-002 completed", o, sizeof(o),
        n, sizeof(n)));
    assert_string_equal(o, "a-0001-001");
    assert_string_equal(n, "a-0001-002");
    assert_false(failover_parse_completed("Failover from primary node a to replica node b", o,
                                          sizeof(o), n, sizeof(n)));
    assert_false(
        failover_parse_completed("Recovering cache nodes 0001", o, sizeof(o), n, sizeof(n)));
}

static void test_unusable_options(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_null(start(&x, &o, "g", "x1", false, false, 0));
    assert_null(start(&x, &o, "", "1", false, false, 0));
    assert_null(start(&x, &o, NULL, "1", false, false, 0));
    e2e_idle(&x, 50);
    assert_int_equal(fk.rgs_calls, 0);
    finish(&x, &o);
}

static void test_not_found_and_no_shard(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "nope", "1", false, false, 0));
    assert_false(o.done); /* never synchronously */
    e2e_wait(&x, &o.done, "not found");
    assert_int_equal(o.res.status, FAILOVER_NOT_FOUND);
    assert_string_equal(o.res.err.code, "ReplicationGroupNotFoundFault");
    failover_free(o.f);
    aws_error_clear(&o.res.err);
    assert_non_null(start(&x, &o, "g", "9", false, false, 0));
    e2e_wait(&x, &o.done, "no shard");
    assert_int_equal(o.res.status, FAILOVER_NO_SHARD);
    assert_string_equal(o.res.shards, "0001 0002");
    assert_string_equal(o.res.detail, "g has no shard 0009 (it has 0001 0002)");
    assert_int_equal(fk.tf_calls, 0);
    assert_int_equal(o.dones, 1);
    finish(&x, &o);
}

static void test_completes(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    fk.modifying_for = 2;
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "g", "2", false, false, 0));
    e2e_wait(&x, &o.done, "the failover");
    assert_int_equal(o.res.status, FAILOVER_COMPLETED);
    assert_int_equal(fk.tf_calls, 1);
    assert_false(o.got_shard); /* no confirmation asked */
    assert_string_equal(o.request_id, "rid-TestFailover");
    assert_string_equal(o.res.old_primary, "g-0002-001");
    assert_string_equal(o.res.new_primary, "g-0002-002");
    assert_string_equal(o.res.detail, "failover of shard 0002 completed: new primary g-0002-002 "
                                      "(was g-0002-001); group available");
    /* every event once, though every poll lists them all again */
    assert_true(fk.ev_calls >= 6); /* three polls, two listings each */
    assert_int_equal(o.nevents, 4);
    assert_string_equal(o.events[0],
                        "replication-group g: Test Failover API called for node group 0002");
    size_t rg_done = 0, cc_done = 0;
    for (size_t i = 0; i < o.nevents; i++) {
        rg_done += strncmp(o.events[i], "replication-group g: Failover from", 34) == 0;
        cc_done += strncmp(o.events[i], "cache-cluster g-0002-001: Failover from", 39) == 0;
    }
    assert_int_equal(rg_done, 1);
    assert_int_equal(cc_done, 1);
    /* waited for available: two more describes said modifying */
    assert_int_equal(fk.describes_after, 3);
    assert_int_equal(o.nphases, 3);
    assert_int_equal(o.phases[0], FAILOVER_PHASE_FOLLOW);
    assert_int_equal(o.phases[1], FAILOVER_PHASE_AVAILABLE);
    assert_int_equal(o.phases[2], FAILOVER_PHASE_DONE);
    assert_int_equal(failover_phase(o.f), FAILOVER_PHASE_DONE);
    assert_true(o.res.seconds > 0);
    assert_int_equal(o.dones, 1);
    finish(&x, &o);
}

static void test_confirm_pause(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "g", "0002", true, true, 0));
    e2e_wait(&x, &o.got_shard, "the shard to confirm");
    assert_int_equal(o.shard_members, 2);
    assert_int_equal(failover_phase(o.f), FAILOVER_PHASE_CONFIRM);
    /* nothing happens until it is confirmed */
    e2e_idle(&x, 200);
    assert_int_equal(fk.tf_calls, 0);
    assert_false(o.done);
    failover_go(o.f);
    e2e_wait(&x, &o.done, "started");
    assert_int_equal(o.res.status, FAILOVER_STARTED); /* no_wait */
    assert_int_equal(fk.tf_calls, 1);
    assert_int_equal(fk.ev_calls, 0);
    failover_go(o.f); /* again: nothing */
    e2e_idle(&x, 100);
    assert_int_equal(fk.tf_calls, 1);
    failover_free(o.f);
    /* confirmed from inside on_shard */
    assert_non_null(start(&x, &o, "g", "1", true, true, 0));
    o.go_in_shard = true;
    e2e_wait(&x, &o.done, "started");
    assert_int_equal(o.res.status, FAILOVER_STARTED);
    assert_int_equal(fk.tf_calls, 2);
    finish(&x, &o);
}

static void test_fails_and_trouble(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    fk.fail = true;
    fk.events_500 = 4; /* both attempts of both listings */
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "g", "2", false, false, 0));
    e2e_wait(&x, &o.done, "the failover");
    assert_int_equal(o.res.status, FAILOVER_FAILED);
    assert_string_equal(o.res.detail, "Failover of node group 0002 failed: no replica");
    assert_int_equal(o.troubles, 1);
    assert_string_equal(o.res.old_primary, "");
    finish(&x, &o);
}

static void test_timeout(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    fk.never = true;
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "g", "2", false, false, 300));
    e2e_wait(&x, &o.done, "the timeout");
    assert_int_equal(o.res.status, FAILOVER_TIMEOUT);
    assert_non_null(strstr(o.res.detail, "may still be under way (elcui events g)"));
    assert_int_equal(o.nevents, 1);
    finish(&x, &o);
}

static void test_testfailover_error(void **state)
{
    (void)state;
    struct e2e x;
    fake_reset();
    fk.testfailover_limit = true;
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "g", "2", false, false, 0));
    e2e_wait(&x, &o.done, "the refusal");
    assert_int_equal(o.res.status, FAILOVER_ERROR);
    assert_string_equal(o.res.operation, "TestFailover");
    assert_string_equal(o.res.err.code, "APICallRateForCustomerExceeded");
    assert_int_equal(fk.ev_calls, 0);
    finish(&x, &o);
}

/* Freed from inside each callback: nothing more happens, nothing leaks. */
static void test_free_inside_callbacks(void **state)
{
    (void)state;
    static const int where[] = {FREE_IN_SHARD, FREE_IN_EVENT, FREE_IN_PHASE, FREE_IN_DONE};
    for (size_t i = 0; i < sizeof(where) / sizeof(*where); i++) {
        struct e2e x;
        fake_reset();
        e2e_local_start(&x, fake_handler, NULL);
        struct obs o;
        assert_non_null(start(&x, &o, "g", "2", where[i] == FREE_IN_SHARD, false, 0));
        o.free_in = where[i];
        e2e_wait(&x, &o.done, "the callback");
        assert_null(o.f);
        unsigned calls = fk.rgs_calls + fk.ev_calls + fk.tf_calls;
        e2e_idle(&x, 150);
        assert_int_equal(fk.rgs_calls + fk.ev_calls + fk.tf_calls, calls);
        assert_true(o.dones <= 1);
        finish(&x, &o);
    }
    /* and freed from outside while a poll is in flight */
    struct e2e x;
    fake_reset();
    fk.never = true;
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    assert_non_null(start(&x, &o, "g", "2", false, false, 0));
    e2e_wait(&x, &fk.started, "TestFailover");
    e2e_idle(&x, 40);
    failover_free(o.f);
    o.f = NULL;
    e2e_idle(&x, 100);
    assert_false(o.done);
    finish(&x, &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_id),
        cmocka_unit_test(test_unusable_options),
        cmocka_unit_test(test_not_found_and_no_shard),
        cmocka_unit_test(test_completes),
        cmocka_unit_test(test_confirm_pause),
        cmocka_unit_test(test_fails_and_trouble),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_testfailover_error),
        cmocka_unit_test(test_free_inside_callbacks),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    buf_free(&fk.out);
    return rc;
}

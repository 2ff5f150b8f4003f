/* test_inventory.c - the inventory engine, events and metrics, on the real
 * event loop and transport.
 *
 * A scripted ElastiCache + CloudWatch on 127.0.0.1 (httpsrv.h) answers what
 * the sandbox cannot be made to do on cue: 45 groups over three pages, a
 * group of 30 members, members that vanish, failing and hanging requests,
 * IsMaster values that contradict the member naming, events over pages,
 * 600 metric queries. One end-to-end run against the sandbox (moto with
 * SigV4 checked) builds a real group's model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/elasticache.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "core/model/events.h"
#include "core/model/inventory.h"
#include "core/model/metrics.h"
#include "core/model/model.h"

#include "wire_harness.h"

#include "typed_e2e.h"

/* ---- the scripted service ---- */

struct fgroup {
    char id[32];
    bool cluster;
    int shards;
    int per_shard;
};

#define FAKE_MAX_GROUPS 64

struct fake {
    struct fgroup groups[FAKE_MAX_GROUPS];
    size_t n_groups;
    struct buf out;
    int64_t now_ms;
    /* behaviour */
    bool hang_clusters; /* DescribeCacheClusters never answers */
    bool fail_clusters; /* DescribeCacheClusters answers 500 */
    bool deny_metrics;  /* GetMetricData answers AccessDenied */
    int metric_pages;   /* >1: split every GetMetricData answer with NextToken */
    const char *gone;   /* this cache cluster id is CacheClusterNotFound */
    /* what was asked */
    unsigned rgs_calls, ccs_calls, ccs_by_id, gmd_calls, events_calls;
    unsigned gmd_queries_max;
};

static struct fake fk;

static void fake_reset(void)
{
    buf_free(&fk.out);
    memset(&fk, 0, sizeof(fk));
    buf_init(&fk.out, 0);
    fk.now_ms = 1714564800000LL; /* 2024-05-01T12:00:00Z */
}

static void fake_add(const char *id, bool cluster, int shards, int per_shard)
{
    struct fgroup *g = &fk.groups[fk.n_groups++];
    snprintf(g->id, sizeof(g->id), "%s", id);
    g->cluster = cluster;
    g->shards = shards;
    g->per_shard = per_shard;
}

static int fgroup_cmp(const void *a, const void *b)
{
    return strcmp(((const struct fgroup *)a)->id, ((const struct fgroup *)b)->id);
}

/* 41 one-node groups g00..g40, plus cmd (2 nodes), cme (2x2), big (10x3),
 * gone (2 nodes, gone-002 vanished) */
static void fake_region(void)
{
    fake_reset();
    char id[16];
    for (int i = 0; i < 41; i++) {
        snprintf(id, sizeof(id), "g%02d", i);
        fake_add(id, false, 1, 1);
    }
    fake_add("cmd", false, 1, 2);
    fake_add("cme", true, 2, 2);
    fake_add("big", true, 10, 3);
    fake_add("gone", false, 1, 2);
    qsort(fk.groups, fk.n_groups, sizeof(fk.groups[0]), fgroup_cmp);
}

static const struct fgroup *fake_group(const char *id)
{
    for (size_t i = 0; i < fk.n_groups; i++)
        if (strcasecmp(fk.groups[i].id, id) == 0)
            return &fk.groups[i];
    return NULL;
}

static void member_id(const struct fgroup *g, int s, int m, char *out, size_t n)
{
    if (g->cluster)
        snprintf(out, n, "%s-%04d-%03d", g->id, s + 1, m + 1);
    else
        snprintf(out, n, "%s-%03d", g->id, m + 1);
}

static const char *az_of(int s, int m)
{
    static const char *const az[] = {"us-east-1a", "us-east-1b", "us-east-1c"};
    return az[(s + m) % 3];
}

static void xml_group(struct buf *b, const struct fgroup *g)
{
    char cc[64];
    buf_printf(b,
               "<ReplicationGroup><ReplicationGroupId>%s</ReplicationGroupId>"
               "<Status>available</Status><MemberClusters>",
               g->id);
    for (int s = 0; s < g->shards; s++)
        for (int m = 0; m < g->per_shard; m++) {
            member_id(g, s, m, cc, sizeof(cc));
            buf_printf(b, "<ClusterId>%s</ClusterId>", cc);
        }
    buf_appends(b, "</MemberClusters><NodeGroups>");
    for (int s = 0; s < g->shards; s++) {
        buf_printf(b, "<NodeGroup><NodeGroupId>%04d</NodeGroupId><Status>available</Status>",
                   s + 1);
        if (g->cluster)
            buf_printf(b, "<Slots>%d-%d</Slots>", s * 16384 / g->shards,
                       (s + 1) * 16384 / g->shards - 1);
        else
            buf_printf(b,
                       "<PrimaryEndpoint><Address>%s.ng.fake.local</Address><Port>6379</Port>"
                       "</PrimaryEndpoint><ReaderEndpoint><Address>%s-ro.ng.fake.local</Address>"
                       "<Port>6379</Port></ReaderEndpoint>",
                       g->id, g->id);
        buf_appends(b, "<NodeGroupMembers>");
        for (int m = 0; m < g->per_shard; m++) {
            member_id(g, s, m, cc, sizeof(cc));
            buf_printf(b,
                       "<NodeGroupMember><CacheClusterId>%s</CacheClusterId><CacheNodeId>0001"
                       "</CacheNodeId><PreferredAvailabilityZone>%s</PreferredAvailabilityZone>",
                       cc, az_of(s, m));
            if (!g->cluster)
                buf_printf(b,
                           "<ReadEndpoint><Address>%s.fake.local</Address><Port>6379</Port>"
                           "</ReadEndpoint><CurrentRole>%s</CurrentRole>",
                           cc, m == 0 ? "primary" : "replica");
            buf_appends(b, "</NodeGroupMember>");
        }
        buf_appends(b, "</NodeGroupMembers></NodeGroup>");
    }
    buf_printf(b,
               "</NodeGroups><AutomaticFailover>%s</AutomaticFailover><MultiAZ>%s</MultiAZ>"
               "<ClusterEnabled>%s</ClusterEnabled><CacheNodeType>cache.t4g.small</CacheNodeType>"
               "<Engine>redis</Engine>",
               g->per_shard > 1 ? "enabled" : "disabled", g->per_shard > 1 ? "enabled" : "disabled",
               g->cluster ? "true" : "false");
    if (g->cluster)
        buf_printf(b,
                   "<ConfigurationEndpoint><Address>%s.cfg.fake.local</Address><Port>6379</Port>"
                   "</ConfigurationEndpoint>",
                   g->id);
    buf_appends(b, "</ReplicationGroup>");
}

static void xml_cluster(struct buf *b, const struct fgroup *g, int s, int m)
{
    char cc[64];
    member_id(g, s, m, cc, sizeof(cc));
    buf_printf(b,
               "<CacheCluster><CacheClusterId>%s</CacheClusterId><CacheNodeType>cache.t4g.small"
               "</CacheNodeType><Engine>redis</Engine><EngineVersion>7.1.0</EngineVersion>"
               "<CacheClusterStatus>available</CacheClusterStatus><PreferredAvailabilityZone>%s"
               "</PreferredAvailabilityZone><CacheParameterGroup><CacheParameterGroupName>"
               "default.redis7</CacheParameterGroupName><ParameterApplyStatus>in-sync"
               "</ParameterApplyStatus></CacheParameterGroup><CacheNodes><CacheNode><CacheNodeId>"
               "0001</CacheNodeId><CacheNodeStatus>available</CacheNodeStatus><Endpoint><Address>"
               "%s.fake.local</Address><Port>6379</Port></Endpoint><CustomerAvailabilityZone>%s"
               "</CustomerAvailabilityZone></CacheNode></CacheNodes><ReplicationGroupId>%s"
               "</ReplicationGroupId></CacheCluster>",
               cc, az_of(s, m), cc, az_of(s, m), g->id);
}

static void xml_open(struct buf *b, const char *op, const char *ns)
{
    buf_printf(b, "<%sResponse xmlns=\"%s\"><%sResult>", op, ns, op);
}

static void xml_close(struct buf *b, const char *op)
{
    buf_printf(b,
               "</%sResult><ResponseMetadata><RequestId>rid-%s</RequestId></ResponseMetadata>"
               "</%sResponse>",
               op, op, op);
}

#define EC_NS "http://elasticache.amazonaws.com/doc/2015-02-02/"
#define CW_NS "http://monitoring.amazonaws.com/doc/2010-08-01/"

static void fake_error(struct srv_resp *resp, int status, const char *code, const char *msg)
{
    buf_printf(&fk.out,
               "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message>"
               "</Error><RequestId>rid-err</RequestId></ErrorResponse>",
               code, msg);
    resp->status = status;
}

static int page_start(const char *marker)
{
    return marker ? (int)strtol(marker + 1, NULL, 10) : 0;
}

static void fake_rgs(const struct query_params *p, struct srv_resp *resp)
{
    fk.rgs_calls++;
    const char *id = query_get(p, "ReplicationGroupId");
    if (id) {
        const struct fgroup *g = fake_group(id);
        if (!g) {
            fake_error(resp, 404, "ReplicationGroupNotFoundFault", "Replication group not found.");
            return;
        }
        xml_open(&fk.out, "DescribeReplicationGroups", EC_NS);
        buf_appends(&fk.out, "<ReplicationGroups>");
        xml_group(&fk.out, g);
        buf_appends(&fk.out, "</ReplicationGroups>");
        xml_close(&fk.out, "DescribeReplicationGroups");
        return;
    }
    const char *mr = query_get(p, "MaxRecords");
    int per = mr ? (int)strtol(mr, NULL, 10) : 100;
    int from = page_start(query_get(p, "Marker"));
    xml_open(&fk.out, "DescribeReplicationGroups", EC_NS);
    if (from + per < (int)fk.n_groups)
        buf_printf(&fk.out, "<Marker>m%d</Marker>", from + per);
    buf_appends(&fk.out, "<ReplicationGroups>");
    for (int i = from; i < from + per && i < (int)fk.n_groups; i++)
        xml_group(&fk.out, &fk.groups[i]);
    buf_appends(&fk.out, "</ReplicationGroups>");
    xml_close(&fk.out, "DescribeReplicationGroups");
}

static void fake_ccs(const struct query_params *p, struct srv_resp *resp)
{
    fk.ccs_calls++;
    if (fk.hang_clusters) {
        resp->action = SRV_HANG;
        return;
    }
    if (fk.fail_clusters) {
        fake_error(resp, 500, "InternalFailure", "the fake is broken");
        return;
    }
    const char *id = query_get(p, "CacheClusterId");
    char cc[64];
    if (id) {
        fk.ccs_by_id++;
        for (size_t i = 0; i < fk.n_groups; i++) {
            const struct fgroup *g = &fk.groups[i];
            for (int s = 0; s < g->shards; s++)
                for (int m = 0; m < g->per_shard; m++) {
                    member_id(g, s, m, cc, sizeof(cc));
                    if (strcmp(cc, id) != 0 || (fk.gone && strcmp(cc, fk.gone) == 0))
                        continue;
                    xml_open(&fk.out, "DescribeCacheClusters", EC_NS);
                    buf_appends(&fk.out, "<CacheClusters>");
                    xml_cluster(&fk.out, g, s, m);
                    buf_appends(&fk.out, "</CacheClusters>");
                    xml_close(&fk.out, "DescribeCacheClusters");
                    return;
                }
        }
        fake_error(resp, 404, "CacheClusterNotFound", "CacheCluster not found.");
        return;
    }
    const char *mr = query_get(p, "MaxRecords");
    int per = mr ? (int)strtol(mr, NULL, 10) : 100;
    int from = page_start(query_get(p, "Marker")), k = 0;
    struct buf items;
    buf_init(&items, 0);
    bool more = false;
    for (size_t i = 0; i < fk.n_groups; i++) {
        const struct fgroup *g = &fk.groups[i];
        for (int s = 0; s < g->shards; s++)
            for (int m = 0; m < g->per_shard; m++, k++) {
                if (k < from)
                    continue;
                if (k >= from + per) {
                    more = true;
                    continue;
                }
                xml_cluster(&items, g, s, m);
            }
    }
    xml_open(&fk.out, "DescribeCacheClusters", EC_NS);
    if (more)
        buf_printf(&fk.out, "<Marker>m%d</Marker>", from + per);
    buf_printf(&fk.out, "<CacheClusters>%s</CacheClusters>", buf_str(&items));
    xml_close(&fk.out, "DescribeCacheClusters");
    buf_free(&items);
}

static void iso(int64_t ms, char *out)
{
    awstime_format_iso8601(ms, out, 40);
}

/* IsMaster: members "-002" are the primaries (the naming says "-001");
 * other metrics: value = query number, three points newest first. */
static void fake_gmd(const struct query_params *p, struct srv_resp *resp)
{
    fk.gmd_calls++;
    if (fk.deny_metrics) {
        fake_error(resp, 403, "AccessDenied", "not allowed: cloudwatch:GetMetricData");
        return;
    }
    int n = 0;
    char name[160];
    for (;;) {
        snprintf(name, sizeof(name), "MetricDataQueries.member.%d.Id", n + 1);
        if (!query_get(p, name))
            break;
        n++;
    }
    if ((unsigned)n > fk.gmd_queries_max)
        fk.gmd_queries_max = (unsigned)n;
    const char *tok = query_get(p, "NextToken");
    int part = tok ? (int)strtol(tok + 1, NULL, 10) : 0;
    int pages = fk.metric_pages > 1 ? fk.metric_pages : 1;
    xml_open(&fk.out, "GetMetricData", CW_NS);
    buf_appends(&fk.out, "<MetricDataResults>");
    char t[40];
    for (int i = 1; i <= n; i++) {
        snprintf(name, sizeof(name), "MetricDataQueries.member.%d.Id", i);
        const char *qid = query_get(p, name);
        snprintf(name, sizeof(name), "MetricDataQueries.member.%d.MetricStat.Metric.MetricName", i);
        const char *metric = query_get(p, name);
        snprintf(name, sizeof(name),
                 "MetricDataQueries.member.%d.MetricStat.Metric.Dimensions.member.1.Name", i);
        const char *d1 = query_get(p, name);
        snprintf(name, sizeof(name),
                 "MetricDataQueries.member.%d.MetricStat.Metric.Dimensions.member.1.Value", i);
        const char *cc = query_get(p, name);
        assert_string_equal(d1, "CacheClusterId"); /* moto matches in order */
        buf_printf(&fk.out, "<member><Id>%s</Id><Label>%s</Label><Timestamps>", qid, metric);
        bool is_master = strcmp(metric, "IsMaster") == 0;
        int pts = is_master ? 1 : 3;
        for (int k = pts - 1; k >= 0; k--) /* newest first, as CloudWatch by default */
            if (k % pages == part) {
                iso(fk.now_ms - 600000 + k * 60000, t);
                buf_printf(&fk.out, "<member>%s</member>", t);
            }
        buf_appends(&fk.out, "</Timestamps><Values>");
        for (int k = pts - 1; k >= 0; k--)
            if (k % pages == part) {
                double v = is_master ? (strcmp(cc + strlen(cc) - 3, "002") == 0 ? 1.0 : 0.0)
                                     : (double)(i * 10 + k);
                buf_printf(&fk.out, "<member>%g</member>", v);
            }
        buf_printf(&fk.out, "</Values><StatusCode>%s</StatusCode></member>",
                   part + 1 < pages ? "PartialData" : "Complete");
    }
    buf_appends(&fk.out, "</MetricDataResults>");
    if (part + 1 < pages)
        buf_printf(&fk.out, "<NextToken>t%d</NextToken>", part + 1);
    xml_close(&fk.out, "GetMetricData");
}

struct fevent {
    const char *type, *id, *msg;
    int min; /* minutes before now */
};

static const struct fevent fevents[] = {
    {"replication-group", "cmd", "Replication group cmd created", 50},
    {"cache-cluster", "cmd-001", "Cache cluster created", 49},
    {"cache-cluster", "cmd-002", "Cache cluster created", 49},
    {"cache-cluster", "cmdx-001", "Cache cluster created", 45},  /* another group */
    {"cache-cluster", "cmd-003", "Removed cache node 0001", 40}, /* removed member */
    {"replication-group", "cmd", "Test Failover API called for node group 0001", 10},
    {"cache-cluster", "cmd-001",
     "Failover from primary node cmd-001 to replica node cmd-002 completed", 9},
    {"replication-group", "cmd",
     "Failover from primary node cmd-001 to replica node cmd-002 completed", 9},
    {"cache-cluster", "cmd-001", "Recovering cache nodes 0001", 9},
    {"cache-cluster", "cmd-001", "Finished recovery for cache nodes 0001", 8},
    {"replication-group", "other", "Replication group other created", 5},
};

static void fake_events(const struct query_params *p, struct srv_resp *resp)
{
    (void)resp;
    fk.events_calls++;
    const char *type = query_get(p, "SourceType");
    const char *sid = query_get(p, "SourceIdentifier");
    int64_t start = 0, end = 0;
    assert_true(awstime_parse_iso8601(query_get(p, "StartTime"), &start));
    assert_true(awstime_parse_iso8601(query_get(p, "EndTime"), &end));
    int from = page_start(query_get(p, "Marker"));
    int per = 2; /* tiny pages: every listing spans several */
    xml_open(&fk.out, "DescribeEvents", EC_NS);
    struct buf items;
    buf_init(&items, 0);
    int k = 0;
    bool more = false;
    char t[40];
    /* newest first */
    for (int i = (int)(sizeof(fevents) / sizeof(fevents[0])) - 1; i >= 0; i--) {
        const struct fevent *e = &fevents[i];
        int64_t when = fk.now_ms - (int64_t)e->min * 60000;
        if (strcmp(e->type, type) != 0 || (sid && strcmp(sid, e->id) != 0) || when < start ||
            when > end)
            continue;
        if (k >= from && k < from + per) {
            iso(when, t);
            buf_printf(&items,
                       "<Event><SourceIdentifier>%s</SourceIdentifier><SourceType>%s</SourceType>"
                       "<Message>%s</Message><Date>%s</Date></Event>",
                       e->id, e->type, e->msg, t);
        } else if (k >= from + per) {
            more = true;
        }
        k++;
    }
    if (more)
        buf_printf(&fk.out, "<Marker>m%d</Marker>", from + per);
    buf_printf(&fk.out, "<Events>%s</Events>", buf_str(&items));
    xml_close(&fk.out, "DescribeEvents");
    buf_free(&items);
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
    else if (strcmp(action, "DescribeCacheClusters") == 0)
        fake_ccs(p, resp);
    else if (strcmp(action, "GetMetricData") == 0)
        fake_gmd(p, resp);
    else if (strcmp(action, "DescribeEvents") == 0)
        fake_events(p, resp);
    else
        fake_error(resp, 400, "InvalidAction", "unknown action");
    query_params_free(p);
    resp->body = buf_str(&fk.out);
}

/* ---- inventory observer ---- */

struct obs {
    unsigned lists, partial, groups, errors, progress;
    size_t last_n;
    bool last_complete;
    size_t sizes[16];
    struct model_group *g; /* reference kept */
    struct aws_error err;
    enum inventory_op err_op;
    char progress_text[32][160];
    bool done;
    /* behaviours */
    bool free_in_group;
    const char *open_in_group;
    struct inventory **self;
    char ids_sorted;
};

static void obs_list(struct inventory *inv, struct model_group *const *groups, size_t n,
                     bool complete, void *arg)
{
    (void)inv;
    struct obs *o = arg;
    if (o->lists + o->partial < 16)
        o->sizes[o->lists + o->partial] = n;
    if (complete)
        o->lists++;
    else
        o->partial++;
    o->last_n = n;
    o->last_complete = complete;
    o->ids_sorted = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(groups[i - 1]->id, groups[i]->id) >= 0)
            o->ids_sorted = 0;
    if (complete)
        o->done = true;
}

static void obs_group(struct inventory *inv, struct model_group *g, void *arg)
{
    struct obs *o = arg;
    o->groups++;
    model_group_unref(o->g);
    o->g = model_group_ref(g);
    o->done = true;
    if (o->free_in_group) {
        inventory_free(inv);
        *o->self = NULL;
    } else if (o->open_in_group) {
        const char *id = o->open_in_group;
        o->open_in_group = NULL;
        o->done = false;
        inventory_open(inv, id);
    }
}

static void obs_error(struct inventory *inv, enum inventory_op op, const struct aws_error *err,
                      void *arg)
{
    (void)inv;
    struct obs *o = arg;
    o->errors++;
    o->err_op = op;
    aws_error_clear(&o->err);
    aws_error_copy(&o->err, err);
    o->done = true;
}

static void obs_progress(struct inventory *inv, enum inventory_op op, const char *text, void *arg)
{
    (void)op;
    struct obs *o = arg;
    struct model_group *const *v;
    (void)inventory_groups(inv, &v); /* getters are allowed here */
    if (o->progress < 32)
        snprintf(o->progress_text[o->progress], sizeof(o->progress_text[0]), "%s", text);
    o->progress++;
}

static void obs_free(struct obs *o)
{
    model_group_unref(o->g);
    aws_error_clear(&o->err);
    memset(o, 0, sizeof(*o));
}

static struct inventory *inv_new(struct e2e *x, struct obs *o, bool clusters, bool roles,
                                 uint64_t refresh_ms)
{
    memset(o, 0, sizeof(*o));
    aws_error_init(&o->err);
    struct inventory_options io = {
        .loop = x->l,
        .aws = x->c,
        .refresh_ms = refresh_ms,
        .list_clusters = clusters,
        .roles_from_metrics = roles,
        .page_size = 20,
        .cb = {obs_list, obs_group, obs_error, obs_progress, o},
    };
    struct inventory *inv = inventory_new(&io);
    assert_non_null(inv);
    return inv;
}

static bool has_progress(const struct obs *o, const char *needle)
{
    for (unsigned i = 0; i < o->progress && i < 32; i++)
        if (strstr(o->progress_text[i], needle))
            return true;
    return false;
}

/* ---- tests: list ---- */

static void test_list_streams_pages(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, true, false, 0);
    inventory_list(inv);
    assert_int_equal(o.partial + o.lists, 0); /* never synchronously */
    assert_true(inventory_busy(inv, INVENTORY_OP_LIST));
    e2e_wait(&x, &o.done, "the listing");
    /* 45 groups, 20 per page: two partial deliveries, then the last page
     * (partial, while the engine versions come), then complete */
    assert_int_equal(fk.rgs_calls, 3);
    assert_int_equal(o.partial, 3);
    assert_int_equal(o.sizes[0], 20);
    assert_int_equal(o.sizes[1], 40);
    assert_int_equal(o.sizes[2], 45);
    assert_int_equal(o.lists, 1);
    assert_int_equal(o.last_n, 45);
    assert_true(o.ids_sorted);
    assert_int_equal(fk.ccs_calls, 4); /* the region's 79 clusters, one paged listing */
    assert_true(has_progress(&o, "DescribeReplicationGroups page 3"));
    assert_true(has_progress(&o, "engine versions"));
    struct model_group *const *v;
    assert_int_equal(inventory_groups(inv, &v), 45);
    size_t nodes = 0;
    for (size_t i = 0; i < 45; i++) {
        assert_string_equal(v[i]->engine_version, "7.1.0");
        nodes += v[i]->n_nodes;
    }
    assert_int_equal(nodes, 41 + 2 + 4 + 30 + 2);
    assert_false(inventory_busy(inv, INVENTORY_OP_LIST));
    struct inventory_stats st;
    inventory_get_stats(inv, &st);
    assert_int_equal(st.lists, 1);
    assert_int_equal(st.pages, 3);
    assert_int_equal(st.requests, 4);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_list_refresh_complete_only(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, false, 30);
    inventory_list(inv);
    e2e_wait(&x, &o.done, "the listing");
    assert_int_equal(o.partial, 2);
    assert_int_equal(o.lists, 1);
    /* refreshes come on their own and are delivered whole */
    uint64_t deadline = loop_now_ms(x.l) + 10000;
    while (o.lists < 3 && loop_now_ms(x.l) < deadline)
        loop_run_once(x.l, 50);
    assert_true(o.lists >= 3);
    assert_int_equal(o.partial, 2);
    assert_int_equal(o.last_n, 45);
    assert_int_equal(fk.ccs_calls, 0); /* list_clusters off */
    /* stopping keeps the list */
    inventory_cancel(inv);
    inventory_set_refresh(inv, 0);
    unsigned lists = o.lists;
    e2e_idle(&x, 100);
    assert_int_equal(o.lists, lists);
    struct model_group *const *v;
    assert_int_equal(inventory_groups(inv, &v), 45);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_list_error(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, true, false, 0);
    fk.fail_clusters = true;
    inventory_list(inv);
    e2e_wait(&x, &o.done, "the listing");
    assert_int_equal(o.errors, 1);
    assert_int_equal(o.err_op, INVENTORY_OP_LIST);
    assert_string_equal(o.err.code, "InternalFailure");
    assert_string_equal(o.err.operation, "DescribeCacheClusters");
    assert_int_equal(o.lists, 0);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

/* ---- tests: one group ---- */

static void test_group_cmd(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, true, 0);
    inventory_open(inv, "cmd");
    assert_null(inventory_group(inv));
    e2e_wait(&x, &o.done, "the model");
    assert_int_equal(o.groups, 1);
    struct model_group *g = inventory_group(inv);
    assert_ptr_equal(g, o.g);
    assert_string_equal(g->id, "cmd");
    assert_int_equal(g->n_nodes, 2);
    assert_true(g->nodes[0].described && g->nodes[1].described);
    assert_string_equal(g->nodes[1].status, "available");
    assert_string_equal(g->engine_version, "7.1.0");
    assert_int_equal(g->nodes[0].role_source, MODEL_ROLE_SRC_API);
    assert_true(g->fetched_ms > 0);
    assert_int_equal(fk.ccs_by_id, 2); /* one per member */
    assert_int_equal(fk.gmd_calls, 0); /* the API gave the roles */
    struct inventory_stats st;
    inventory_get_stats(inv, &st);
    assert_int_equal(st.cluster_calls, 2);
    assert_false(st.last_build_regional);
    assert_int_equal(st.builds, 1);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_group_cme_roles_from_metric(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, true, 0);
    inventory_open(inv, "cme");
    e2e_wait(&x, &o.done, "the model");
    struct model_group *g = o.g;
    assert_int_equal(fk.gmd_calls, 1);
    assert_int_equal(g->n_nodes, 4);
    /* IsMaster says "-002" are primaries, against the naming */
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct model_node *n = &g->nodes[i];
        bool two = strcmp(n->cache_cluster_id + strlen(n->cache_cluster_id) - 3, "002") == 0;
        assert_int_equal(n->role, two ? MODEL_ROLE_PRIMARY : MODEL_ROLE_REPLICA);
        assert_int_equal(n->role_source, MODEL_ROLE_SRC_METRIC);
    }
    assert_true(g->role_metric_ms > 0);
    assert_true(has_progress(&o, "IsMaster"));
    inventory_free(inv);
    obs_free(&o);

    /* without the permission: roles stay assumed, the reason is told */
    fk.deny_metrics = true;
    inv = inv_new(&x, &o, false, true, 0);
    inventory_open(inv, "cme");
    e2e_wait(&x, &o.done, "the model");
    assert_int_equal(o.errors, 0);
    assert_int_equal(o.g->nodes[0].role_source, MODEL_ROLE_SRC_ASSUMED);
    assert_true(has_progress(&o, "IsMaster not available"));
    assert_true(has_progress(&o, "AccessDenied"));
    inventory_free(inv);
    obs_free(&o);

    /* roles_from_metrics off: not even asked */
    fk.gmd_calls = 0;
    inv = inv_new(&x, &o, false, false, 0);
    inventory_open(inv, "cme");
    e2e_wait(&x, &o.done, "the model");
    assert_int_equal(fk.gmd_calls, 0);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_group_big_regional(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, false, 0);
    inventory_open(inv, "big");
    e2e_wait(&x, &o.done, "the model");
    struct model_group *g = o.g;
    assert_int_equal(g->n_nodes, 30);
    assert_int_equal(g->n_shards, 10);
    for (size_t i = 0; i < g->n_nodes; i++)
        assert_true(g->nodes[i].described);
    /* 79 clusters in the region, 20 per page: 4 pages, none by id */
    assert_int_equal(fk.ccs_by_id, 0);
    assert_int_equal(fk.ccs_calls, 4);
    struct inventory_stats st;
    inventory_get_stats(inv, &st);
    assert_true(st.last_build_regional);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_group_errors(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, false, 0);
    inventory_open(inv, "nope");
    e2e_wait(&x, &o.done, "the error");
    assert_int_equal(o.errors, 1);
    assert_int_equal(o.err_op, INVENTORY_OP_GROUP);
    assert_string_equal(o.err.code, "ReplicationGroupNotFoundFault");
    assert_string_equal(o.err.operation, "DescribeReplicationGroups");
    assert_true(o.err.request_id[0]);
    assert_null(inventory_group(inv));

    /* a member gone meanwhile: the rest is described */
    fk.gone = "gone-002";
    o.done = false;
    inventory_open(inv, "gone");
    e2e_wait(&x, &o.done, "the model");
    assert_int_equal(o.groups, 1);
    assert_true(o.g->nodes[0].described);
    assert_false(o.g->nodes[1].described);
    assert_null(o.g->nodes[1].status);

    /* a failing refresh: error, the last model stays */
    struct model_group *before = inventory_group(inv);
    fk.fail_clusters = true;
    o.done = false;
    inventory_refresh(inv);
    e2e_wait(&x, &o.done, "the error");
    assert_int_equal(o.errors, 2);
    assert_string_equal(o.err.code, "InternalFailure");
    assert_ptr_equal(inventory_group(inv), before);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_group_refresh_carries_redis(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, false, 20);
    inventory_open(inv, "cmd");
    e2e_wait(&x, &o.done, "the model");
    struct model_group *g = inventory_group(inv);
    /* Redis sees the replica as primary */
    struct model_redis_node rn[2] = {
        {.id = "", .host = g->nodes[0].endpoint.host, .port = 6379, .role = MODEL_ROLE_REPLICA},
        {.id = "", .host = g->nodes[1].endpoint.host, .port = 6379, .role = MODEL_ROLE_PRIMARY},
    };
    int64_t now = loop_wall_ms(x.l);
    struct model_redis_view v = {.source = "ROLE", .fetched_ms = now, .nodes = rn, .n_nodes = 2};
    model_group_merge_redis(g, &v);
    assert_int_equal(g->n_diffs, 2);
    /* the periodic refresh builds a new model that keeps Redis's view */
    unsigned before = o.groups;
    uint64_t deadline = loop_now_ms(x.l) + 10000;
    while (o.groups < before + 2 && loop_now_ms(x.l) < deadline)
        loop_run_once(x.l, 50);
    assert_true(o.groups >= before + 2);
    struct model_group *g2 = inventory_group(inv);
    assert_int_equal(g2->redis_fetched_ms, now);
    assert_int_equal(g2->n_diffs, 2);
    assert_int_equal(g2->nodes[1].role, MODEL_ROLE_PRIMARY);
    assert_int_equal(g2->nodes[1].role_source, MODEL_ROLE_SRC_REDIS);
    inventory_close(inv);
    assert_null(inventory_group(inv));
    assert_false(inventory_busy(inv, INVENTORY_OP_GROUP));
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

/* ---- tests: cancellation and re-entrancy ---- */

static void test_free_in_flight(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    fk.hang_clusters = true;
    struct inventory *inv = inv_new(&x, &o, true, false, 0);
    inventory_open(inv, "cmd");
    inventory_list(inv);
    /* wait until the cluster requests hang */
    uint64_t deadline = loop_now_ms(x.l) + 5000;
    while (fk.ccs_calls < 3 && loop_now_ms(x.l) < deadline)
        loop_run_once(x.l, 20);
    assert_int_equal(fk.ccs_calls, 3);
    assert_true(inventory_busy(inv, INVENTORY_OP_GROUP));
    assert_true(inventory_busy(inv, INVENTORY_OP_LIST));
    inventory_free(inv);
    /* the answers that never come, and nothing else, follow */
    e2e_idle(&x, 200);
    assert_int_equal(o.groups, 0);
    assert_int_equal(o.lists, 0);
    assert_int_equal(o.errors, 0);
    obs_free(&o);

    /* cancel keeps the inventory usable */
    fk.hang_clusters = false;
    inv = inv_new(&x, &o, false, false, 0);
    fk.hang_clusters = true;
    inventory_open(inv, "cmd");
    deadline = loop_now_ms(x.l) + 5000;
    while (fk.ccs_calls < 5 && loop_now_ms(x.l) < deadline)
        loop_run_once(x.l, 20);
    inventory_cancel(inv);
    assert_false(inventory_busy(inv, INVENTORY_OP_GROUP));
    fk.hang_clusters = false;
    inventory_refresh(inv);
    e2e_wait(&x, &o.done, "the model after cancel");
    assert_int_equal(o.groups, 1);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

static void test_reentrant_callbacks(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, false, false, 10);
    /* open another group from inside on_group */
    o.open_in_group = "cme";
    inventory_open(inv, "cmd");
    e2e_wait(&x, &o.done, "two models");
    assert_int_equal(o.groups, 2);
    assert_string_equal(o.g->id, "cme");
    /* free from inside on_group: nothing runs afterwards */
    o.free_in_group = true;
    o.self = &inv;
    o.done = false;
    inventory_refresh(inv);
    e2e_wait(&x, &o.done, "the model");
    assert_null(inv);
    unsigned n = o.groups;
    e2e_idle(&x, 100);
    assert_int_equal(o.groups, n);
    obs_free(&o);
    inventory_free(NULL);
    e2e_stop(&x);
}

/* ---- events ---- */

struct ev_res {
    bool done;
    struct events_result *out;
    struct aws_error err;
};

static void ev_cb(struct events_result *out, const struct aws_error *err, void *arg)
{
    struct ev_res *r = arg;
    r->done = true;
    r->out = out;
    if (err)
        aws_error_copy(&r->err, err);
}

static void test_events(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    static const char *const members[] = {"cmd-001", "cmd-002"};
    struct events_in in = {.replication_group_id = "cmd",
                           .member_clusters = members,
                           .n_member_clusters = 2,
                           .start_ms = fk.now_ms - 3600000,
                           .end_ms = fk.now_ms};
    struct ev_res r = {0};
    aws_error_init(&r.err);
    assert_non_null(events_fetch(x.c, &in, ev_cb, &r));
    assert_false(r.done);
    e2e_wait(&x, &r.done, "events");
    assert_non_null(r.out);
    /* 3 group events + 6 member events (cmd-003 by naming, not cmdx-001) */
    assert_int_equal(r.out->n, 9);
    assert_int_equal(r.out->listings, 2);
    assert_int_equal(fk.events_calls, 6); /* pages of two: 2 + 4 */
    for (size_t i = 1; i < r.out->n; i++)
        assert_true(r.out->items[i - 1].date_ms <= r.out->items[i].date_ms);
    assert_string_equal(r.out->items[0].message, "Replication group cmd created");
    assert_string_equal(r.out->items[3].source_id, "cmd-003");
    /* equal dates keep the service's (chronological) order within a
     * listing: the member's failover event before its recovery */
    assert_string_equal(r.out->items[1].source_id, "cmd-001");
    assert_string_equal(r.out->items[2].source_id, "cmd-002");
    int fo = -1, rec = -1, rgfo = -1;
    for (int i = 5; i <= 7; i++) {
        const struct events_event *e = &r.out->items[i];
        if (strncmp(e->message, "Failover", 8) == 0)
            *(strcmp(e->source_type, "cache-cluster") == 0 ? &fo : &rgfo) = i;
        else if (strncmp(e->message, "Recovering", 10) == 0)
            rec = i;
    }
    assert_true(fo >= 0 && rec >= 0 && rgfo >= 0);
    assert_true(fo < rec);
    assert_string_equal(r.out->items[8].message, "Finished recovery for cache nodes 0001");
    for (size_t i = 0; i < r.out->n; i++)
        assert_string_not_equal(r.out->items[i].source_id, "cmdx-001");
    events_result_free(r.out);

    /* a narrow window */
    memset(&r, 0, sizeof(r));
    in.start_ms = fk.now_ms - 11 * 60000;
    assert_non_null(events_fetch(x.c, &in, ev_cb, &r));
    e2e_wait(&x, &r.done, "events");
    assert_int_equal(r.out->n, 5);
    events_result_free(r.out);

    /* unusable input */
    in.end_ms = in.start_ms;
    assert_null(events_fetch(x.c, &in, ev_cb, &r));
    in.end_ms = fk.now_ms;
    in.replication_group_id = "";
    assert_null(events_fetch(x.c, &in, ev_cb, &r));

    /* cancel: nothing more */
    in.replication_group_id = "cmd";
    memset(&r, 0, sizeof(r));
    struct events_req *q = events_fetch(x.c, &in, ev_cb, &r);
    events_cancel(q);
    e2e_idle(&x, 100);
    assert_false(r.done);
    events_cancel(NULL);
    e2e_stop(&x);

    assert_true(events_is_member("app", NULL, 0, "app-001"));
    assert_true(events_is_member("app", NULL, 0, "APP-0002-003"));
    assert_false(events_is_member("app", NULL, 0, "app-x-001"));
    assert_false(events_is_member("app", NULL, 0, "app-01"));
    assert_false(events_is_member("app", NULL, 0, "app"));
    assert_false(events_is_member("app", NULL, 0, "application-001"));
    assert_true(events_is_member("app", members, 2, "cmd-002"));
    assert_false(events_is_member(NULL, members, 2, "cmd-002"));
}

/* ---- metrics ---- */

struct mx_res {
    bool done;
    struct metrics_result *out;
    struct aws_error err;
};

static void mx_cb(struct metrics_result *out, const struct aws_error *err, void *arg)
{
    struct mx_res *r = arg;
    r->done = true;
    r->out = out;
    if (err)
        aws_error_copy(&r->err, err);
}

static void test_metrics(void **state)
{
    (void)state;
    struct e2e x;
    fake_region();
    e2e_local_start(&x, fake_handler, NULL);
    /* 30 nodes x 20 metrics: 600 queries, two requests */
    struct metrics_node_in nodes[30];
    char ids[30][32];
    for (int i = 0; i < 30; i++) {
        snprintf(ids[i], sizeof(ids[i]), "big-%04d-%03d", i / 3 + 1, i % 3 + 1);
        nodes[i].cache_cluster_id = ids[i];
        nodes[i].cache_node_id = i == 0 ? NULL : "0001";
    }
    const char *names[20];
    size_t nd;
    const struct metrics_def *defs = metrics_defs(&nd);
    assert_true(nd >= 20);
    for (int i = 0; i < 20; i++)
        names[i] = defs[i].name;
    struct metrics_in in = {.nodes = nodes,
                            .n_nodes = 30,
                            .metrics = names,
                            .n_metrics = 20,
                            .start_ms = fk.now_ms - 3600000,
                            .end_ms = fk.now_ms,
                            .now_ms = fk.now_ms};
    struct mx_res r = {0};
    aws_error_init(&r.err);
    assert_non_null(metrics_fetch(x.c, &in, mx_cb, &r));
    e2e_wait(&x, &r.done, "metrics");
    assert_non_null(r.out);
    assert_int_equal(fk.gmd_calls, 2);
    assert_int_equal(fk.gmd_queries_max, 500);
    assert_int_equal(r.out->requests, 2);
    assert_int_equal(r.out->period_s, 60);
    assert_int_equal(r.out->n_series, 600);
    const struct metrics_series *s = metrics_result_get(r.out, 0, 0);
    assert_string_equal(s->cache_cluster_id, "big-0001-001");
    assert_string_equal(s->cache_node_id, "0001");
    assert_string_equal(s->metric, "CPUUtilization");
    assert_string_equal(s->stat, "Average");
    assert_string_equal(s->unit, "Percent");
    assert_string_equal(s->status, "Complete");
    assert_int_equal(s->n, 3);
    /* ascending, values paired with their timestamps */
    assert_true(s->timestamps_ms[0] < s->timestamps_ms[1] &&
                s->timestamps_ms[1] < s->timestamps_ms[2]);
    assert_true(s->values[0] < s->values[2]);
    struct metrics_summary sum;
    metrics_summarize(s, &sum);
    assert_int_equal(sum.n, 3);
    assert_true(sum.last == s->values[2] && sum.min == s->values[0] && sum.max == s->values[2]);
    assert_int_equal(sum.last_ms, s->timestamps_ms[2]);
    s = metrics_result_get(r.out, 29, 4);
    assert_string_equal(s->metric, "ReplicationLag");
    assert_string_equal(s->stat, "Maximum");
    assert_string_equal(s->cache_cluster_id, "big-0010-003");
    s = metrics_result_get(r.out, 1, 9);
    assert_string_equal(s->metric, "IsMaster");
    assert_int_equal(s->n, 1);
    assert_true(s->values[0] == 1.0); /* big-0001-002 */
    assert_null(metrics_result_get(r.out, 30, 0));
    assert_null(metrics_result_get(r.out, 0, 20));
    metrics_result_free(r.out);

    /* NextToken pages merge; the default set; a stat for all */
    fk.metric_pages = 2;
    fk.gmd_calls = 0;
    memset(&r, 0, sizeof(r));
    in.n_nodes = 2;
    in.metrics = NULL;
    in.n_metrics = 0;
    in.stat = "p99";
    in.period_s = 300;
    assert_non_null(metrics_fetch(x.c, &in, mx_cb, &r));
    e2e_wait(&x, &r.done, "metrics");
    assert_int_equal(fk.gmd_calls, 2);
    assert_int_equal(r.out->n_metrics, 10);
    assert_int_equal(r.out->period_s, 300);
    s = metrics_result_get(r.out, 1, 1);
    assert_string_equal(s->metric, "EngineCPUUtilization");
    assert_string_equal(s->stat, "p99");
    assert_int_equal(s->n, 3);
    assert_true(s->timestamps_ms[0] < s->timestamps_ms[1] &&
                s->timestamps_ms[1] < s->timestamps_ms[2]);
    assert_string_equal(s->status, "Complete");
    metrics_result_free(r.out);

    /* errors reach the callback with the service's words */
    fk.deny_metrics = true;
    memset(&r, 0, sizeof(r));
    assert_non_null(metrics_fetch(x.c, &in, mx_cb, &r));
    e2e_wait(&x, &r.done, "metrics");
    assert_null(r.out);
    assert_string_equal(r.err.code, "AccessDenied");
    aws_error_clear(&r.err);

    /* unusable input: no request, no callback */
    in.period_s = 90;
    assert_null(metrics_fetch(x.c, &in, mx_cb, &r));
    in.period_s = 60;
    in.stat = "Median";
    assert_null(metrics_fetch(x.c, &in, mx_cb, &r));
    in.stat = NULL;
    const char *bad[] = {"CPU Utilization"};
    in.metrics = bad;
    in.n_metrics = 1;
    assert_null(metrics_fetch(x.c, &in, mx_cb, &r));
    in.metrics = NULL;
    in.n_metrics = 0;
    in.n_nodes = 0;
    assert_null(metrics_fetch(x.c, &in, mx_cb, &r));
    in.n_nodes = 1;
    in.end_ms = in.start_ms;
    assert_null(metrics_fetch(x.c, &in, mx_cb, &r));
    metrics_cancel(NULL);
    e2e_stop(&x);
}

static void test_metrics_helpers(void **state)
{
    (void)state;
    const int64_t now = 1714564800000LL, h = 3600000, d = 24 * h;
    assert_int_equal(metrics_auto_period(now - h, now, now), 60);
    assert_int_equal(metrics_auto_period(now - 6 * h, now, now), 60);
    assert_int_equal(metrics_auto_period(now - 7 * h, now, now), 300);
    assert_int_equal(metrics_auto_period(now - d, now, now), 300);
    assert_int_equal(metrics_auto_period(now - 3 * d, now, now), 900);
    assert_int_equal(metrics_auto_period(now - 14 * d, now, now), 3600);
    /* an hour, but 20 days ago: 1-minute points are gone */
    assert_int_equal(metrics_auto_period(now - 20 * d - h, now - 20 * d, now), 300);
    assert_int_equal(metrics_auto_period(now - 70 * d - h, now - 70 * d, now), 3600);
    assert_int_equal(metrics_auto_period(now - 1000 * d, now, now), 86400);
    assert_true(metrics_stat_valid("Average"));
    assert_true(metrics_stat_valid("SampleCount"));
    assert_true(metrics_stat_valid("p99"));
    assert_true(metrics_stat_valid("p99.9"));
    assert_false(metrics_stat_valid("p101"));
    assert_false(metrics_stat_valid("p"));
    assert_false(metrics_stat_valid("p-1"));
    assert_false(metrics_stat_valid("average"));
    assert_false(metrics_stat_valid(NULL));
    assert_true(metrics_name_valid("CPUUtilization"));
    assert_false(metrics_name_valid(""));
    assert_false(metrics_name_valid("a b"));
    assert_false(metrics_name_valid("x\033[2J"));
    assert_non_null(metrics_def_find("ReplicationLag"));
    assert_true(metrics_def_find("ReplicationLag")->replica_only);
    assert_null(metrics_def_find("Nope"));
    struct metrics_series s = {0};
    int64_t ts[3] = {1, 2, 3};
    double v[3] = {5, NAN, 1};
    s.timestamps_ms = ts;
    s.values = v;
    s.n = 3;
    struct metrics_summary sum;
    metrics_summarize(&s, &sum);
    assert_int_equal(sum.n, 2);
    assert_true(sum.last == 1 && sum.min == 1 && sum.max == 5 && sum.avg == 3);
    metrics_summarize(NULL, &sum);
    assert_int_equal(sum.n, 0);
}

/* ---- end to end: the sandbox ---- */

struct cr_res {
    bool done;
    bool ok;
};

static void cr_cb(struct elasticache_replication_group_out *out, const struct aws_error *err,
                  void *arg)
{
    struct cr_res *r = arg;
    r->done = true;
    r->ok = out != NULL;
    if (err)
        print_message("create: %s %s\n", err->code, err->message ? err->message : "");
    elasticache_replication_group_out_free(out);
}

static void test_sandbox_model(void **state)
{
    (void)state;
    struct e2e x;
    e2e_sandbox_start(&x);
    struct elasticache_create_replication_group_in cin = {
        .id = "inv-e2e",
        .description = "inventory end to end",
        .engine = "valkey",
        .num_node_groups = 2,
        .has_replicas_per_node_group = true,
        .replicas_per_node_group = 1,
        .has_automatic_failover_enabled = true,
        .automatic_failover_enabled = true,
        .cluster_mode = "enabled",
    };
    struct cr_res cr = {0};
    elasticache_create_replication_group(x.c, &cin, cr_cb, &cr);
    e2e_wait(&x, &cr.done, "CreateReplicationGroup");
    assert_true(cr.ok);
    struct obs o;
    struct inventory *inv = inv_new(&x, &o, true, true, 100);
    inventory_open(inv, "inv-e2e");
    /* refreshed until the group is available */
    uint64_t deadline = loop_now_ms(x.l) + 30000;
    while (loop_now_ms(x.l) < deadline && !o.errors &&
           !(o.g && o.g->status && strcmp(o.g->status, "available") == 0))
        loop_run_once(x.l, 50);
    if (o.errors)
        fail_msg("%s: %s", o.err.code, o.err.message ? o.err.message : "");
    inventory_set_refresh(inv, 0);
    struct model_group *g = o.g;
    assert_non_null(g);
    assert_string_equal(g->status, "available");
    assert_string_equal(g->engine, "valkey");
    assert_true(g->cluster_enabled);
    assert_int_equal(g->n_shards, 2);
    assert_int_equal(g->n_nodes, 4);
    for (size_t i = 0; i < g->n_nodes; i++) {
        assert_true(g->nodes[i].described);
        assert_non_null(g->nodes[i].az);
        assert_non_null(g->nodes[i].engine_version);
    }
    assert_non_null(g->configuration_endpoint.host);
    o.done = false;
    inventory_list(inv);
    e2e_wait(&x, &o.done, "the list");
    struct model_group *const *v;
    assert_int_equal(inventory_groups(inv, &v), 1);
    assert_string_equal(v[0]->id, "inv-e2e");
    assert_non_null(v[0]->engine_version);
    inventory_free(inv);
    obs_free(&o);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_streams_pages),
        cmocka_unit_test(test_list_refresh_complete_only),
        cmocka_unit_test(test_list_error),
        cmocka_unit_test(test_group_cmd),
        cmocka_unit_test(test_group_cme_roles_from_metric),
        cmocka_unit_test(test_group_big_regional),
        cmocka_unit_test(test_group_errors),
        cmocka_unit_test(test_group_refresh_carries_redis),
        cmocka_unit_test(test_free_in_flight),
        cmocka_unit_test(test_reentrant_callbacks),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_metrics_helpers),
        cmocka_unit_test(test_sandbox_model),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    buf_free(&fk.out);
    return rc;
}

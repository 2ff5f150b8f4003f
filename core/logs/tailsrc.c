/* tailsrc.c - FilterLogEvents as a tail source; log groups of a group. */
#include "core/logs/tailsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/logs.h"
#include "aws/mem.h"

/* ---- FilterLogEvents adapter ---- */

struct tailsrc_req {
    struct tailsrc_logs *src;
    struct aws_call *call;
    tail_page_cb cb;
    void *arg;
    struct tailsrc_req *prev, *next;
};

struct tailsrc_logs {
    struct aws_client *client;
    struct tail_source source;
    struct tailsrc_req *reqs;
};

static void tailsrc_unlink(struct tailsrc_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        r->src->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
}

static void tailsrc_page(struct logs_filter_log_events_out *out, const struct aws_error *err,
                         void *arg)
{
    struct tailsrc_req *r = arg;
    tailsrc_unlink(r);
    tail_page_cb cb = r->cb;
    void *cb_arg = r->arg;
    free(r);
    if (!out) {
        cb(NULL, err, cb_arg);
        return;
    }
    struct tail_event *ev = mem_xcalloc(out->n_events + 1, sizeof(*ev));
    for (size_t i = 0; i < out->n_events; i++) {
        const struct logs_event *e = &out->events[i];
        ev[i].event_id = e->event_id ? e->event_id : "";
        ev[i].log_stream = e->log_stream_name ? e->log_stream_name : "";
        ev[i].message = e->message ? e->message : "";
        ev[i].message_len = e->message ? e->message_len : 0;
        ev[i].timestamp_ms = e->timestamp_ms;
        ev[i].ingestion_ms = e->ingestion_time_ms;
    }
    struct tail_page page = {ev, out->n_events, out->next_token, out->request_id};
    cb(&page, NULL, cb_arg);
    free(ev);
    logs_filter_log_events_out_free(out);
}

static void *tailsrc_fetch(void *ctx, const struct tail_query *q, tail_page_cb cb, void *arg)
{
    struct tailsrc_logs *s = ctx;
    struct tailsrc_req *r = mem_xcalloc(1, sizeof(*r));
    r->src = s;
    r->cb = cb;
    r->arg = arg;
    r->next = s->reqs;
    if (s->reqs)
        s->reqs->prev = r;
    s->reqs = r;
    struct logs_filter_log_events_in in;
    memset(&in, 0, sizeof(in));
    in.log_group_name = q->log_group;
    in.start_time_ms = q->start_ms > 0 ? q->start_ms : 0;
    in.end_time_ms = q->end_ms;
    in.filter_pattern = q->filter_pattern;
    in.next_token = q->next_token;
    in.limit = q->limit;
    r->call = logs_filter_log_events(s->client, &in, tailsrc_page, r);
    return r;
}

static void tailsrc_cancel(void *ctx, void *handle)
{
    (void)ctx;
    struct tailsrc_req *r = handle;
    if (!r)
        return;
    if (r->call)
        aws_call_cancel(r->call);
    tailsrc_unlink(r);
    free(r);
}

struct tailsrc_logs *tailsrc_logs_new(struct aws_client *c)
{
    struct tailsrc_logs *s = mem_xcalloc(1, sizeof(*s));
    s->client = c;
    s->source.fetch = tailsrc_fetch;
    s->source.cancel = tailsrc_cancel;
    s->source.ctx = s;
    return s;
}

void tailsrc_logs_free(struct tailsrc_logs *s)
{
    if (!s)
        return;
    while (s->reqs)
        tailsrc_cancel(s, s->reqs);
    free(s);
}

const struct tail_source *tailsrc_logs_source(struct tailsrc_logs *s)
{
    return &s->source;
}

/* ---- replication group -> log groups and labels ---- */

struct tailsrc_rg *tailsrc_rg_from_group(const struct elasticache_replication_group *g)
{
    struct tailsrc_rg *r = mem_xcalloc(1, sizeof(*r));
    r->id = mem_xstrdup(g->id ? g->id : "");
    r->engine = mem_xstrdup(g->engine);
    r->status = mem_xstrdup(g->status);
    r->cluster_enabled = g->has_cluster_enabled && g->cluster_enabled;
    struct buf fh;
    buf_init(&fh, 0);
    r->groups = mem_xcalloc(g->n_log_delivery + 1, sizeof(*r->groups));
    for (size_t i = 0; i < g->n_log_delivery; i++) {
        const struct elasticache_log_delivery *d = &g->log_delivery[i];
        const char *type = d->log_type ? d->log_type : "";
        if (d->destination_type && strcmp(d->destination_type, "kinesis-firehose") == 0) {
            if (fh.len)
                buf_appends(&fh, ", ");
            buf_appends(&fh, type);
            continue;
        }
        if (!d->log_group || !d->log_group[0])
            continue;
        struct tailsrc_group *t = &r->groups[r->n_groups++];
        t->log_group = mem_xstrdup(d->log_group);
        t->log_type = mem_xstrdup(type);
        t->type = strcmp(type, "slow-log") == 0     ? LOGREC_SLOW
                  : strcmp(type, "engine-log") == 0 ? LOGREC_ENGINE
                                                    : LOGREC_UNKNOWN;
        t->format = mem_xstrdup(d->log_format);
        t->status = mem_xstrdup(d->status);
        t->message = mem_xstrdup(d->message);
    }
    r->firehose_types = fh.len ? buf_steal(&fh) : NULL;
    buf_free(&fh);
    r->model = model_group_from_api(g, NULL, 0);
    return r;
}

void tailsrc_rg_free(struct tailsrc_rg *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_groups; i++) {
        free(r->groups[i].log_group);
        free(r->groups[i].log_type);
        free(r->groups[i].format);
        free(r->groups[i].status);
        free(r->groups[i].message);
    }
    model_group_unref(r->model);
    free(r->groups);
    free(r->id);
    free(r->engine);
    free(r->status);
    free(r->firehose_types);
    free(r);
}

void tailsrc_rg_set_model(struct tailsrc_rg *r, struct model_group *g)
{
    if (!r || !g || r->model == g)
        return;
    /* what the labels learnt (role history, Redis's view) goes along */
    model_group_carry_redis(g, r->model);
    model_group_ref(g);
    model_group_unref(r->model);
    r->model = g;
}

bool tailsrc_label(void *ctx, const char *cache_cluster_id, const char *cache_node_id,
                   int64_t at_ms, struct logrec_labels *out)
{
    const struct tailsrc_rg *r = ctx;
    if (!r || !r->model || !cache_cluster_id)
        return false;
    return model_label(r->model, cache_cluster_id, cache_node_id, at_ms, out);
}

struct tailsrc_resolve_req {
    struct aws_call *call;
    char *rg_id;
    tailsrc_resolve_cb cb;
    void *arg;
};

static void tailsrc_described(struct elasticache_replication_group_list *out,
                              const struct aws_error *err, void *arg)
{
    struct tailsrc_resolve_req *q = arg;
    tailsrc_resolve_cb cb = q->cb;
    void *cb_arg = q->arg;
    if (!out) {
        free(q->rg_id);
        free(q);
        cb(NULL, err, cb_arg);
        return;
    }
    const struct elasticache_replication_group *g = NULL;
    for (size_t i = 0; i < out->n; i++)
        if (out->items[i].id && strcasecmp(out->items[i].id, q->rg_id) == 0)
            g = &out->items[i];
    if (!g && out->n == 1)
        g = &out->items[0];
    if (!g) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_SERVICE, "ReplicationGroupNotFoundFault",
                      "replication group %s not found", q->rg_id);
        free(q->rg_id);
        free(q);
        elasticache_replication_group_list_free(out);
        cb(NULL, &e, cb_arg);
        aws_error_clear(&e);
        return;
    }
    struct tailsrc_rg *r = tailsrc_rg_from_group(g);
    elasticache_replication_group_list_free(out);
    free(q->rg_id);
    free(q);
    cb(r, NULL, cb_arg);
}

struct tailsrc_resolve_req *tailsrc_resolve(struct aws_client *c, const char *rg_id,
                                            tailsrc_resolve_cb cb, void *arg)
{
    struct tailsrc_resolve_req *q = mem_xcalloc(1, sizeof(*q));
    q->rg_id = mem_xstrdup(rg_id);
    q->cb = cb;
    q->arg = arg;
    struct elasticache_describe_replication_groups_in in;
    memset(&in, 0, sizeof(in));
    in.id = rg_id;
    q->call = elasticache_describe_replication_groups(c, &in, tailsrc_described, q);
    return q;
}

void tailsrc_resolve_cancel(struct tailsrc_resolve_req *r)
{
    if (!r)
        return;
    if (r->call)
        aws_call_cancel(r->call);
    free(r->rg_id);
    free(r);
}

char *tailsrc_enable_hint(const char *rg_id)
{
    return mem_xasprintf(
        "Enable delivery to CloudWatch Logs (engine Redis OSS >= 6.0 for slow-log, >= 6.2 for "
        "engine-log, or Valkey), e.g.:\n"
        "  aws logs create-log-group --log-group-name /aws/elasticache/%s/slow-log\n"
        "  aws elasticache modify-replication-group --replication-group-id %s "
        "--apply-immediately --log-delivery-configurations "
        "'LogType=slow-log,DestinationType=cloudwatch-logs,"
        "DestinationDetails={CloudWatchLogsDetails={LogGroup=/aws/elasticache/%s/slow-log}},"
        "LogFormat=json,Enabled=true'\n"
        "(same with LogType=engine-log), or name a log group with --log-group NAME.",
        rg_id, rg_id, rg_id);
}

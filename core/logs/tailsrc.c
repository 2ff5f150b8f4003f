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

/* ---- StartLiveTail adapter ---- */

struct tailsrc_arn {
    char *name;
    char *arn;
};

struct tailsrc_sess;

struct tailsrc_lookup {
    struct tailsrc_sess *sess;
    size_t index; /* of the name */
    struct aws_call *call;
};

struct tailsrc_sess {
    struct tailsrc_live *src;
    char **names;
    char **arns; /* resolved, in order */
    size_t n;
    char *filter;
    struct tailsrc_lookup *lookups;
    size_t pending; /* lookups in flight */
    struct logs_live *live;
    struct tail_live_cb cb;
    void *arg;
    int depth;   /* our callbacks running */
    bool closed; /* closed from inside one: freed when it returns */
    bool ended;
    struct tailsrc_sess *prev, *next;
};

struct tailsrc_live {
    struct aws_client *client;
    long idle_ms;
    struct tail_live_source source;
    struct tailsrc_arn *arns; /* names resolved once */
    size_t n_arns;
    struct tailsrc_sess *sessions;
};

static const char *tailsrc_arn_of(const struct tailsrc_live *s, const char *name)
{
    for (size_t i = 0; i < s->n_arns; i++)
        if (strcmp(s->arns[i].name, name) == 0)
            return s->arns[i].arn;
    return NULL;
}

static void tailsrc_sess_free(struct tailsrc_sess *x)
{
    struct tailsrc_live *s = x->src;
    if (x->prev)
        x->prev->next = x->next;
    else if (s->sessions == x)
        s->sessions = x->next;
    if (x->next)
        x->next->prev = x->prev;
    for (size_t i = 0; i < x->n; i++) {
        free(x->names[i]);
        free(x->arns[i]);
    }
    free(x->names);
    free(x->arns);
    free(x->filter);
    free(x->lookups);
    free(x);
}

/* Cancel what is in flight (no callbacks afterwards). */
static void tailsrc_sess_stop(struct tailsrc_sess *x)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->lookups[i].call) {
            struct aws_call *c = x->lookups[i].call;
            x->lookups[i].call = NULL;
            aws_call_cancel(c);
        }
    x->pending = 0;
    if (x->live) {
        struct logs_live *l = x->live;
        x->live = NULL;
        logs_live_cancel(l);
    }
}

/* The session is over: tell the engine, then free it (unless a callback
 * of ours is still running: then when it returns). */
static void tailsrc_sess_end(struct tailsrc_sess *x, const struct aws_error *err)
{
    if (x->ended || x->closed)
        return;
    x->ended = true;
    tailsrc_sess_stop(x);
    x->depth++;
    x->cb.on_end(err, x->arg);
    x->depth--;
    if (x->depth == 0)
        tailsrc_sess_free(x);
}

/* The name a service identifier stands for: the ARN, the name, or
 * "account:name" / "...:log-group:name". */
static const char *tailsrc_route(const struct tailsrc_sess *x, const char *id)
{
    if (!id)
        return NULL;
    size_t il = strlen(id);
    for (size_t i = 0; i < x->n; i++) {
        if ((x->arns[i] && strcmp(x->arns[i], id) == 0) || strcmp(x->names[i], id) == 0)
            return x->names[i];
        size_t nl = strlen(x->names[i]);
        if (il > nl && id[il - nl - 1] == ':' && strcmp(id + il - nl, x->names[i]) == 0)
            return x->names[i];
    }
    return id;
}

static void tailsrc_live_started(const struct logs_live_start *st, void *arg)
{
    struct tailsrc_sess *x = arg;
    if (x->closed || x->ended)
        return;
    x->depth++;
    x->cb.on_start(st->session_id ? st->session_id : "", x->arg);
    x->depth--;
    if (x->closed && x->depth == 0)
        tailsrc_sess_free(x); /* closed from inside: the session is already cancelled */
}

static void tailsrc_live_update(const struct logs_live_update *u, void *arg)
{
    struct tailsrc_sess *x = arg;
    if (x->closed || x->ended)
        return;
    struct tail_live_event *ev = mem_xcalloc(u->n + 1, sizeof(*ev));
    for (size_t i = 0; i < u->n; i++) {
        const struct logs_live_result *r = &u->results[i];
        ev[i].log_group = tailsrc_route(x, r->log_group_identifier);
        ev[i].log_stream = r->log_stream_name ? r->log_stream_name : "";
        ev[i].message = r->message ? r->message : "";
        ev[i].message_len = r->message ? r->message_len : 0;
        ev[i].timestamp_ms = r->timestamp_ms;
        ev[i].ingestion_ms = r->ingestion_time_ms;
    }
    x->depth++;
    x->cb.on_events(ev, u->n, u->sampled, x->arg);
    x->depth--;
    free(ev);
    if (x->closed && x->depth == 0)
        tailsrc_sess_free(x);
}

static void tailsrc_live_ended(const struct aws_error *err, void *arg)
{
    struct tailsrc_sess *x = arg;
    x->live = NULL; /* the handle dies with this call */
    tailsrc_sess_end(x, err);
}

static void tailsrc_live_connect(struct tailsrc_sess *x)
{
    struct logs_start_live_tail_in in = {
        .log_group_identifiers = (const char *const *)x->arns,
        .n_log_group_identifiers = x->n,
        .log_event_filter_pattern = x->filter,
    };
    struct logs_live_callbacks cb = {tailsrc_live_started, tailsrc_live_update, tailsrc_live_ended,
                                     x};
    x->live = logs_start_live_tail(x->src->client, &in, &cb, x->src->idle_ms);
    if (!x->live) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_set(&e, AWS_ERR_INTERNAL, "LiveSourceUnavailable",
                      "StartLiveTail could not be started");
        tailsrc_sess_end(x, &e);
        aws_error_clear(&e);
    }
}

static void tailsrc_looked_up(struct logs_log_group_list *out, const struct aws_error *err,
                              void *arg)
{
    struct tailsrc_lookup *k = arg;
    struct tailsrc_sess *x = k->sess;
    struct tailsrc_live *s = x->src;
    k->call = NULL;
    x->pending--;
    const char *name = x->names[k->index];
    struct aws_error e;
    aws_error_init(&e);
    if (!out) {
        aws_error_copy(&e, err);
    } else {
        char *arn = NULL;
        for (size_t i = 0; i < out->n && !arn; i++)
            if (out->items[i].name && strcmp(out->items[i].name, name) == 0)
                arn = logs_log_group_tag_arn(&out->items[i]);
        logs_log_group_list_free(out);
        if (!arn) {
            aws_error_set(&e, AWS_ERR_SERVICE, "ResourceNotFoundException",
                          "log group %s does not exist (DescribeLogGroups)", name);
            snprintf(e.service, sizeof(e.service), "CloudWatch Logs");
            snprintf(e.operation, sizeof(e.operation), "DescribeLogGroups");
        } else {
            x->arns[k->index] = arn;
            if (!tailsrc_arn_of(s, name)) {
                s->arns = mem_xrealloc(s->arns, (s->n_arns + 1) * sizeof(*s->arns));
                s->arns[s->n_arns].name = mem_xstrdup(name);
                s->arns[s->n_arns].arn = mem_xstrdup(arn);
                s->n_arns++;
            }
        }
    }
    if (e.kind != AWS_ERR_NONE) {
        tailsrc_sess_end(x, &e);
        aws_error_clear(&e);
        return;
    }
    if (x->pending == 0)
        tailsrc_live_connect(x);
}

static void *tailsrc_live_open(void *ctx, const char *const *log_groups, size_t n,
                               const char *filter_pattern, const struct tail_live_cb *cb, void *arg)
{
    struct tailsrc_live *s = ctx;
    if (n == 0 || !cb || !cb->on_start || !cb->on_events || !cb->on_end)
        return NULL;
    struct tailsrc_sess *x = mem_xcalloc(1, sizeof(*x));
    x->src = s;
    x->n = n;
    x->names = mem_xcalloc(n, sizeof(char *));
    x->arns = mem_xcalloc(n, sizeof(char *));
    x->lookups = mem_xcalloc(n, sizeof(*x->lookups));
    x->filter = mem_xstrdup(filter_pattern && *filter_pattern ? filter_pattern : NULL);
    x->cb = *cb;
    x->arg = arg;
    x->next = s->sessions;
    if (s->sessions)
        s->sessions->prev = x;
    s->sessions = x;
    for (size_t i = 0; i < n; i++) {
        x->names[i] = mem_xstrdup(log_groups[i]);
        x->arns[i] = mem_xstrdup(tailsrc_arn_of(s, log_groups[i]));
    }
    for (size_t i = 0; i < n; i++) {
        if (x->arns[i])
            continue;
        struct logs_describe_log_groups_in in = {
            .log_group_name_prefix = x->names[i],
            .limit = 50,
            .max_pages = 20,
        };
        x->lookups[i].sess = x;
        x->lookups[i].index = i;
        x->pending++;
        x->lookups[i].call =
            logs_describe_log_groups(s->client, &in, tailsrc_looked_up, &x->lookups[i]);
    }
    if (x->pending == 0)
        tailsrc_live_connect(x); /* asynchronous: the call never answers at once */
    return x;
}

static void tailsrc_live_close(void *ctx, void *handle)
{
    (void)ctx;
    struct tailsrc_sess *x = handle;
    if (!x || x->closed)
        return;
    x->closed = true;
    tailsrc_sess_stop(x);
    if (x->depth == 0)
        tailsrc_sess_free(x);
}

struct tailsrc_live *tailsrc_live_new(struct aws_client *c, long idle_ms)
{
    struct tailsrc_live *s = mem_xcalloc(1, sizeof(*s));
    s->client = c;
    s->idle_ms = idle_ms;
    s->source.open = tailsrc_live_open;
    s->source.close = tailsrc_live_close;
    s->source.ctx = s;
    return s;
}

void tailsrc_live_free(struct tailsrc_live *s)
{
    if (!s)
        return;
    while (s->sessions) {
        struct tailsrc_sess *x = s->sessions;
        x->closed = true;
        tailsrc_sess_stop(x);
        tailsrc_sess_free(x);
    }
    for (size_t i = 0; i < s->n_arns; i++) {
        free(s->arns[i].name);
        free(s->arns[i].arn);
    }
    free(s->arns);
    free(s);
}

const struct tail_live_source *tailsrc_live_source(struct tailsrc_live *s)
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

/* events.c - DescribeEvents for a group and its members (see events.h). */
#include "core/model/events.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/elasticache.h"
#include "aws/mem.h"

void events_result_free(struct events_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].source_type);
        free(r->items[i].source_id);
        free(r->items[i].message);
    }
    free(r->items);
    free(r);
}

static bool events_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool events_is_member(const char *rg_id, const char *const *members, size_t n, const char *id)
{
    if (!rg_id || !id)
        return false;
    for (size_t i = 0; i < n; i++)
        if (members[i] && strcasecmp(members[i], id) == 0)
            return true;
    size_t rl = strlen(rg_id), il = strlen(id);
    if (il <= rl + 1 || strncasecmp(id, rg_id, rl) != 0 || id[rl] != '-')
        return false;
    const char *t = id + rl + 1;
    size_t tl = il - rl - 1;
    return (tl == 3 && events_digits(t, 3)) ||
           (tl == 8 && t[4] == '-' && events_digits(t, 4) && events_digits(t + 5, 3));
}

struct events_req {
    events_cb cb;
    void *arg;
    struct aws_call *calls[2];
    bool done[2];
    char *rg_id;
    char **members;
    size_t n_members;
    int max_pages;
    struct events_result *res;
    size_t order; /* arrival number, for a stable sort */
    size_t *seq;  /* per item */
    struct aws_error err;
    bool failed;
};

static void events_req_free(struct events_req *q)
{
    free(q->rg_id);
    for (size_t i = 0; i < q->n_members; i++)
        free(q->members[i]);
    free(q->members);
    events_result_free(q->res);
    free(q->seq);
    aws_error_clear(&q->err);
    free(q);
}

static void events_add(struct events_req *q, const struct elasticache_event *e)
{
    struct events_result *r = q->res;
    r->items = mem_xrealloc(r->items, (r->n + 1) * sizeof(*r->items));
    q->seq = mem_xrealloc(q->seq, (r->n + 1) * sizeof(*q->seq));
    struct events_event *d = &r->items[r->n];
    d->date_ms = e->date_ms;
    d->source_type = mem_xstrdup(e->source_type ? e->source_type : "");
    d->source_id = mem_xstrdup(e->source_identifier ? e->source_identifier : "");
    d->message = mem_xstrdup(e->message ? e->message : "");
    q->seq[r->n] = q->order++;
    r->n++;
}

/* Oldest first; the service lists newest first, so among equal dates the
 * later arrival is the older event. */
static void events_sort(struct events_req *q)
{
    struct events_result *r = q->res;
    for (size_t i = 1; i < r->n; i++) {
        struct events_event e = r->items[i];
        size_t s = q->seq[i];
        size_t j = i;
        while (j > 0 && (r->items[j - 1].date_ms > e.date_ms ||
                         (r->items[j - 1].date_ms == e.date_ms && q->seq[j - 1] < s))) {
            r->items[j] = r->items[j - 1];
            q->seq[j] = q->seq[j - 1];
            j--;
        }
        r->items[j] = e;
        q->seq[j] = s;
    }
}

static void events_finish(struct events_req *q)
{
    events_cb cb = q->cb;
    void *cb_arg = q->arg;
    if (q->failed) {
        struct aws_error e;
        aws_error_init(&e);
        aws_error_copy(&e, &q->err);
        events_req_free(q);
        cb(NULL, &e, cb_arg);
        aws_error_clear(&e);
        return;
    }
    events_sort(q);
    struct events_result *r = q->res;
    q->res = NULL;
    events_req_free(q);
    cb(r, NULL, cb_arg);
}

static void events_listed(struct events_req *q, int which, struct elasticache_event_list *out,
                          const struct aws_error *err)
{
    q->calls[which] = NULL;
    q->done[which] = true;
    if (!out) {
        if (!q->failed) {
            q->failed = true;
            aws_error_copy(&q->err, err);
        }
        /* the other listing is of no use now */
        int other = 1 - which;
        if (q->calls[other]) {
            aws_call_cancel(q->calls[other]);
            q->calls[other] = NULL;
            q->done[other] = true;
        }
    } else {
        q->res->listings++;
        if (out->marker)
            q->res->truncated = true;
        for (size_t i = 0; i < out->n; i++) {
            const struct elasticache_event *e = &out->items[i];
            if (which == 1 && !events_is_member(q->rg_id, (const char *const *)q->members,
                                                q->n_members, e->source_identifier))
                continue;
            if (which == 0 && e->source_identifier && strcasecmp(e->source_identifier, q->rg_id))
                continue;
            events_add(q, e);
        }
        elasticache_event_list_free(out);
    }
    if (q->done[0] && q->done[1])
        events_finish(q);
}

static void events_rg_cb(struct elasticache_event_list *out, const struct aws_error *err, void *arg)
{
    events_listed(arg, 0, out, err);
}

static void events_cc_cb(struct elasticache_event_list *out, const struct aws_error *err, void *arg)
{
    events_listed(arg, 1, out, err);
}

struct events_req *events_fetch(struct aws_client *c, const struct events_in *in, events_cb cb,
                                void *arg)
{
    if (!c || !in || !cb || !in->replication_group_id || !*in->replication_group_id ||
        in->start_ms <= 0 || in->end_ms <= in->start_ms)
        return NULL;
    struct events_req *q = mem_xcalloc(1, sizeof(*q));
    q->cb = cb;
    q->arg = arg;
    aws_error_init(&q->err);
    q->rg_id = mem_xstrdup(in->replication_group_id);
    q->n_members = in->n_member_clusters;
    q->members = mem_xcalloc(q->n_members + 1, sizeof(char *));
    for (size_t i = 0; i < q->n_members; i++)
        q->members[i] = mem_xstrdup(in->member_clusters[i] ? in->member_clusters[i] : "");
    q->res = mem_xcalloc(1, sizeof(*q->res));
    q->res->start_ms = in->start_ms;
    q->res->end_ms = in->end_ms;
    struct elasticache_describe_events_in ein;
    memset(&ein, 0, sizeof(ein));
    ein.start_time_ms = in->start_ms;
    ein.end_time_ms = in->end_ms;
    ein.max_pages = in->max_pages;
    ein.max_records = 100;
    ein.source_type = "replication-group";
    ein.source_identifier = in->replication_group_id;
    q->calls[0] = elasticache_describe_events(c, &ein, events_rg_cb, q);
    ein.source_type = "cache-cluster";
    ein.source_identifier = NULL;
    q->calls[1] = elasticache_describe_events(c, &ein, events_cc_cb, q);
    return q;
}

void events_cancel(struct events_req *r)
{
    if (!r)
        return;
    for (int i = 0; i < 2; i++)
        if (r->calls[i])
            aws_call_cancel(r->calls[i]);
    events_req_free(r);
}

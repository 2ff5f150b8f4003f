/* logs.c - typed CloudWatch Logs calls: builders, parsers, calls (run by typedcall). */
#include "aws/logs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* ================= JSON readers ================= */

/* Copy of a JSON string (NULs kept, NUL-terminated); NULL for another type. */
static char *lg_strdup(const json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    size_t n = json_string_length(v);
    char *s = mem_xmalloc(n + 1);
    memcpy(s, json_string_value(v), n);
    s[n] = '\0';
    return s;
}

static char *lg_str(const json_t *o, const char *key)
{
    return lg_strdup(json_object_get(o, key));
}

/* Integer member in [min, max] (a real with an integral value counts). */
static bool lg_i64(const json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    int64_t x;
    if (json_is_integer(v)) {
        x = (int64_t)json_integer_value(v);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= -9.2e18 && d <= 9.2e18) || d != (double)(int64_t)d)
            return false;
        x = (int64_t)d;
    } else {
        return false;
    }
    if (x < min || x > max)
        return false;
    *out = x;
    return true;
}

/* Epoch milliseconds (>= 0); 0 when absent or malformed. */
static int64_t lg_ms(const json_t *o, const char *key)
{
    int64_t v = 0;
    return lg_i64(o, key, 0, INT64_MAX, &v) ? v : 0;
}

static void lg_opt_int(const json_t *o, const char *key, bool *has, int *v)
{
    int64_t x = 0;
    *has = lg_i64(o, key, -2147483647LL - 1, 2147483647LL, &x);
    *v = *has ? (int)x : 0;
}

static void lg_opt_i64(const json_t *o, const char *key, bool *has, int64_t *v)
{
    *v = 0;
    *has = lg_i64(o, key, INT64_MIN, INT64_MAX, v);
}

static void lg_opt_bool(const json_t *o, const char *key, bool *has, bool *v)
{
    json_t *x = json_object_get(o, key);
    *has = json_is_boolean(x);
    *v = *has && json_is_true(x);
}

static void lg_parse_error(struct aws_error *err, const char *op, const char *fmt, const char *what)
{
    if (!err)
        return;
    aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse", fmt, what);
    snprintf(err->service, sizeof(err->service), "%s", svc_logs.name);
    snprintf(err->operation, sizeof(err->operation), "%s", op);
}

/* The array at key, or NULL when absent; -1 when present but not an
 * array (the response is unusable). */
static int lg_array(const json_t *o, const char *key, const char *op, json_t **arr,
                    struct aws_error *err)
{
    *arr = NULL;
    if (!json_is_object(o)) {
        lg_parse_error(err, op, "%s", "response is not a JSON object");
        return -1;
    }
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v)) {
        lg_parse_error(err, op, "member \"%s\" is not an array", key);
        return -1;
    }
    *arr = v;
    return 0;
}

/* Append the objects of a page's array to items (n in use, each item
 * size bytes, zeroed, then set by fill); entries that are not objects are
 * skipped. Returns the grown array. */
static void *lg_append(void *items, size_t *n, const json_t *arr, size_t size,
                       void (*fill)(const json_t *e, void *item))
{
    size_t cnt = json_array_size(arr);
    size_t cap = *n;
    char *base = mem_xgrow(items, &cap, *n + cnt, size);
    for (size_t i = 0; i < cnt; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_object(e))
            continue;
        char *item = base + (*n)++ * size;
        memset(item, 0, size);
        fill(e, item);
    }
    return base;
}

static void lg_token(const json_t *o, const char *key, char **slot)
{
    free(*slot);
    *slot = lg_str(o, key);
    if (*slot && !**slot) {
        free(*slot);
        *slot = NULL;
    }
}

/* ================= JSON writers ================= */

static void lg_set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, awsjson_string_lossy(v, strlen(v)));
}

static void lg_set_int(json_t *o, const char *key, bool has, long long v)
{
    if (has)
        json_object_set_new(o, key, json_integer((json_int_t)v));
}

static void lg_set_bool(json_t *o, const char *key, bool has, bool v)
{
    if (has)
        json_object_set_new(o, key, json_boolean(v));
}

static void lg_set_strings(json_t *o, const char *key, const char *const *v, size_t n)
{
    if (!v || n == 0)
        return;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *x = v[i] ? v[i] : "";
        json_array_append_new(a, awsjson_string_lossy(x, strlen(x)));
    }
    json_object_set_new(o, key, a);
}

/* ================= simple operations ================= */

void logs_ack_free(struct logs_ack *a)
{
    free(a);
}

json_t *logs_build_create_log_group(const struct logs_create_log_group_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_str(o, "kmsKeyId", in->kms_key_id);
    if (in->tags && in->n_tags) {
        json_t *t = json_object();
        for (size_t i = 0; i < in->n_tags; i++)
            if (in->tags[i].key)
                lg_set_str(t, in->tags[i].key, in->tags[i].value ? in->tags[i].value : "");
        json_object_set_new(o, "tags", t);
    }
    lg_set_str(o, "logGroupClass", in->log_group_class);
    return o;
}

json_t *logs_build_create_log_stream(const struct logs_create_log_stream_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_str(o, "logStreamName", in->log_stream_name);
    return o;
}

json_t *logs_build_put_retention_policy(const struct logs_put_retention_policy_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_int(o, "retentionInDays", true, in->retention_in_days);
    return o;
}

json_t *logs_build_delete_log_group(const struct logs_delete_log_group_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    return o;
}

/* ================= tags ================= */

json_t *logs_build_list_tags_for_resource(const struct logs_list_tags_for_resource_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "resourceArn", in->resource_arn);
    return o;
}

json_t *logs_build_list_tags_log_group(const struct logs_list_tags_log_group_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    return o;
}

void logs_tag_list_free(struct logs_tag_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    free(l);
}

const char *logs_tag_get(const struct logs_tag_list *l, const char *key)
{
    for (size_t i = 0; l && key && i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].value;
    return NULL;
}

int logs_parse_list_tags(const json_t *obj, struct logs_tag_list *out, struct aws_error *err)
{
    static const char op[] = "ListTagsForResource";
    if (!json_is_object(obj)) {
        lg_parse_error(err, op, "%s", "response is not a JSON object");
        return -1;
    }
    json_t *tags = json_object_get(obj, "tags");
    if (!tags || json_is_null(tags))
        return 0;
    if (!json_is_object(tags)) {
        lg_parse_error(err, op, "member \"%s\" is not an object", "tags");
        return -1;
    }
    size_t cnt = json_object_size(tags);
    out->items = cnt ? mem_xcalloc(cnt, sizeof(*out->items)) : NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)tags, k, v)
    {
        if (!json_is_string(v) || out->n >= cnt)
            continue;
        out->items[out->n].key = mem_xstrdup(k);
        out->items[out->n].value = lg_strdup(v);
        out->n++;
    }
    return 0;
}

/* ================= DescribeLogGroups ================= */

json_t *logs_build_describe_log_groups(const struct logs_describe_log_groups_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupNamePrefix", in->log_group_name_prefix);
    lg_set_str(o, "logGroupNamePattern", in->log_group_name_pattern);
    lg_set_str(o, "nextToken", in->next_token);
    lg_set_int(o, "limit", in->limit > 0, in->limit);
    lg_set_str(o, "logGroupClass", in->log_group_class);
    return o;
}

void logs_log_group_list_free(struct logs_log_group_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct logs_log_group *g = &l->items[i];
        free(g->name);
        free(g->arn);
        free(g->kms_key_id);
        free(g->data_protection_status);
        free(g->log_group_class);
        free(g->log_group_arn);
    }
    free(l->items);
    free(l->next_token);
    free(l);
}

static void lg_log_group_fill(const json_t *e, void *item)
{
    struct logs_log_group *g = item;
    g->name = lg_str(e, "logGroupName");
    g->creation_time_ms = lg_ms(e, "creationTime");
    lg_opt_int(e, "retentionInDays", &g->has_retention_in_days, &g->retention_in_days);
    lg_opt_int(e, "metricFilterCount", &g->has_metric_filter_count, &g->metric_filter_count);
    g->arn = lg_str(e, "arn");
    lg_opt_i64(e, "storedBytes", &g->has_stored_bytes, &g->stored_bytes);
    g->kms_key_id = lg_str(e, "kmsKeyId");
    g->data_protection_status = lg_str(e, "dataProtectionStatus");
    g->log_group_class = lg_str(e, "logGroupClass");
    g->log_group_arn = lg_str(e, "logGroupArn");
    lg_opt_bool(e, "deletionProtectionEnabled", &g->has_deletion_protection_enabled,
                &g->deletion_protection_enabled);
}

int logs_parse_describe_log_groups(const json_t *obj, struct logs_log_group_list *out,
                                   struct aws_error *err)
{
    json_t *arr;
    if (lg_array(obj, "logGroups", "DescribeLogGroups", &arr, err) != 0)
        return -1;
    out->items = lg_append(out->items, &out->n, arr, sizeof(*out->items), lg_log_group_fill);
    lg_token(obj, "nextToken", &out->next_token);
    return 0;
}

char *logs_log_group_tag_arn(const struct logs_log_group *g)
{
    if (!g)
        return NULL;
    if (g->log_group_arn && *g->log_group_arn)
        return mem_xstrdup(g->log_group_arn);
    if (!g->arn)
        return NULL;
    size_t n = strlen(g->arn);
    if (n >= 2 && strcmp(g->arn + n - 2, ":*") == 0)
        n -= 2;
    return mem_xstrndup(g->arn, n);
}

/* ================= DescribeLogStreams ================= */

json_t *logs_build_describe_log_streams(const struct logs_describe_log_streams_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_str(o, "logGroupIdentifier", in->log_group_identifier);
    lg_set_str(o, "logStreamNamePrefix", in->log_stream_name_prefix);
    lg_set_str(o, "orderBy", in->order_by);
    lg_set_bool(o, "descending", in->has_descending, in->descending);
    lg_set_str(o, "nextToken", in->next_token);
    lg_set_int(o, "limit", in->limit > 0, in->limit);
    return o;
}

void logs_log_stream_list_free(struct logs_log_stream_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].upload_sequence_token);
        free(l->items[i].arn);
    }
    free(l->items);
    free(l->next_token);
    free(l);
}

static void lg_log_stream_fill(const json_t *e, void *item)
{
    struct logs_log_stream *s = item;
    s->name = lg_str(e, "logStreamName");
    s->creation_time_ms = lg_ms(e, "creationTime");
    s->first_event_timestamp_ms = lg_ms(e, "firstEventTimestamp");
    s->last_event_timestamp_ms = lg_ms(e, "lastEventTimestamp");
    s->last_ingestion_time_ms = lg_ms(e, "lastIngestionTime");
    s->upload_sequence_token = lg_str(e, "uploadSequenceToken");
    s->arn = lg_str(e, "arn");
    lg_opt_i64(e, "storedBytes", &s->has_stored_bytes, &s->stored_bytes);
}

int logs_parse_describe_log_streams(const json_t *obj, struct logs_log_stream_list *out,
                                    struct aws_error *err)
{
    json_t *arr;
    if (lg_array(obj, "logStreams", "DescribeLogStreams", &arr, err) != 0)
        return -1;
    out->items = lg_append(out->items, &out->n, arr, sizeof(*out->items), lg_log_stream_fill);
    lg_token(obj, "nextToken", &out->next_token);
    return 0;
}

/* ================= events ================= */

/* The members of an event object, found in one pass over its keys (a
 * lookup by name hashes the name again, five times an event). */
struct lg_event_members {
    const json_t *id, *stream, *message, *timestamp, *ingestion;
};

static void lg_event_members(const json_t *e, struct lg_event_members *m)
{
    memset(m, 0, sizeof(*m));
    json_t *o = (json_t *)(uintptr_t)e;
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        const char *k = json_object_iter_key(it);
        size_t kl = json_object_iter_key_len(it);
        const json_t *v = json_object_iter_value(it);
#define LG_KEY(name) (kl == sizeof(name) - 1 && memcmp(k, name, sizeof(name) - 1) == 0)
        if (LG_KEY("eventId"))
            m->id = v;
        else if (LG_KEY("logStreamName"))
            m->stream = v;
        else if (LG_KEY("message"))
            m->message = v;
        else if (LG_KEY("timestamp"))
            m->timestamp = v;
        else if (LG_KEY("ingestionTime"))
            m->ingestion = v;
#undef LG_KEY
    }
}

/* Bytes a string member takes in the page's string block (0: none). */
static size_t lg_event_str_size(const json_t *v)
{
    return json_is_string(v) ? json_string_length(v) + 1 : 0;
}

/* A copy of a string member in the block at *at (NULs kept, NUL-
 * terminated); NULL for another type. */
static char *lg_event_str(const json_t *v, char **at, size_t *len)
{
    if (!json_is_string(v))
        return NULL;
    size_t n = json_string_length(v);
    char *s = *at;
    memcpy(s, json_string_value(v), n);
    s[n] = '\0';
    *at += n + 1;
    if (len)
        *len = n;
    return s;
}

/* Epoch milliseconds of a member (>= 0); 0 when absent or malformed. */
static int64_t lg_event_ms(const json_t *v)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        return x >= 0 ? (int64_t)x : 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= 0 && d <= 9.2e18) || d != (double)(int64_t)d)
            return 0;
        return (int64_t)d;
    }
    return 0;
}

/* The events of a page: one allocation holds the array and every string
 * of it (a page of 2,500 events made 7,500 allocations and as many frees
 * before), so lg_events_free frees the array alone. */
static void lg_events_free(struct logs_event *v, size_t n)
{
    (void)n;
    free(v);
}

static void lg_events(const json_t *arr, struct logs_event **v, size_t *n, size_t *malformed)
{
    size_t cnt = json_array_size(arr);
    *v = NULL;
    *n = 0;
    if (!cnt)
        return;
    struct lg_event_members *m = mem_xmalloc(cnt * sizeof(*m));
    size_t bytes = 0, k = 0;
    for (size_t i = 0; i < cnt; i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) {
            (*malformed)++;
            continue;
        }
        lg_event_members(e, &m[k]);
        bytes += lg_event_str_size(m[k].id) + lg_event_str_size(m[k].stream) +
                 lg_event_str_size(m[k].message);
        k++;
    }
    struct logs_event *ev = mem_xcalloc(1, cnt * sizeof(*ev) + bytes);
    char *at = (char *)(ev + cnt);
    for (size_t i = 0; i < k; i++) {
        ev[i].event_id = lg_event_str(m[i].id, &at, NULL);
        ev[i].log_stream_name = lg_event_str(m[i].stream, &at, NULL);
        ev[i].message = lg_event_str(m[i].message, &at, &ev[i].message_len);
        ev[i].timestamp_ms = lg_event_ms(m[i].timestamp);
        ev[i].ingestion_time_ms = lg_event_ms(m[i].ingestion);
    }
    free(m);
    *v = ev;
    *n = k;
}

json_t *logs_build_filter_log_events(const struct logs_filter_log_events_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_str(o, "logGroupIdentifier", in->log_group_identifier);
    lg_set_strings(o, "logStreamNames", in->log_stream_names, in->n_log_stream_names);
    lg_set_str(o, "logStreamNamePrefix", in->log_stream_name_prefix);
    lg_set_int(o, "startTime", in->start_time_ms > 0, in->start_time_ms);
    lg_set_int(o, "endTime", in->end_time_ms > 0, in->end_time_ms);
    lg_set_str(o, "filterPattern", in->filter_pattern);
    lg_set_str(o, "nextToken", in->next_token);
    lg_set_int(o, "limit", in->limit > 0, in->limit);
    lg_set_bool(o, "interleaved", in->has_interleaved, in->interleaved);
    lg_set_bool(o, "unmask", in->has_unmask, in->unmask);
    return o;
}

void logs_filter_log_events_out_free(struct logs_filter_log_events_out *o)
{
    if (!o)
        return;
    lg_events_free(o->events, o->n_events);
    for (size_t i = 0; i < o->n_searched; i++)
        free(o->searched[i].name);
    free(o->searched);
    free(o->next_token);
    free(o);
}

int logs_parse_filter_log_events(const json_t *obj, struct logs_filter_log_events_out *out,
                                 struct aws_error *err)
{
    json_t *events, *searched;
    if (lg_array(obj, "events", "FilterLogEvents", &events, err) != 0 ||
        lg_array(obj, "searchedLogStreams", "FilterLogEvents", &searched, err) != 0)
        return -1;
    lg_events(events, &out->events, &out->n_events, &out->n_malformed);
    size_t cnt = json_array_size(searched);
    out->searched = cnt ? mem_xcalloc(cnt, sizeof(*out->searched)) : NULL;
    for (size_t i = 0; i < cnt; i++) {
        json_t *e = json_array_get(searched, i);
        if (!json_is_object(e))
            continue;
        struct logs_searched_stream *s = &out->searched[out->n_searched++];
        s->name = lg_str(e, "logStreamName");
        lg_opt_bool(e, "searchedCompletely", &s->has_searched_completely, &s->searched_completely);
    }
    lg_token(obj, "nextToken", &out->next_token);
    return 0;
}

json_t *logs_build_get_log_events(const struct logs_get_log_events_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_str(o, "logGroupIdentifier", in->log_group_identifier);
    lg_set_str(o, "logStreamName", in->log_stream_name);
    lg_set_int(o, "startTime", in->start_time_ms > 0, in->start_time_ms);
    lg_set_int(o, "endTime", in->end_time_ms > 0, in->end_time_ms);
    lg_set_str(o, "nextToken", in->next_token);
    lg_set_int(o, "limit", in->limit > 0, in->limit);
    lg_set_bool(o, "startFromHead", in->has_start_from_head, in->start_from_head);
    lg_set_bool(o, "unmask", in->has_unmask, in->unmask);
    return o;
}

void logs_get_log_events_out_free(struct logs_get_log_events_out *o)
{
    if (!o)
        return;
    lg_events_free(o->events, o->n_events);
    free(o->next_forward_token);
    free(o->next_backward_token);
    free(o);
}

int logs_parse_get_log_events(const json_t *obj, struct logs_get_log_events_out *out,
                              struct aws_error *err)
{
    json_t *events;
    if (lg_array(obj, "events", "GetLogEvents", &events, err) != 0)
        return -1;
    lg_events(events, &out->events, &out->n_events, &out->n_malformed);
    out->next_forward_token = lg_str(obj, "nextForwardToken");
    out->next_backward_token = lg_str(obj, "nextBackwardToken");
    return 0;
}

/* ================= PutLogEvents ================= */

json_t *logs_build_put_log_events(const struct logs_put_log_events_in *in)
{
    json_t *o = json_object();
    lg_set_str(o, "logGroupName", in->log_group_name);
    lg_set_str(o, "logStreamName", in->log_stream_name);
    json_t *a = json_array();
    for (size_t i = 0; in->events && i < in->n_events; i++) {
        const struct logs_input_event *e = &in->events[i];
        const char *msg = e->message ? e->message : "";
        size_t len = e->message_len ? e->message_len : strlen(msg);
        json_t *ev = json_object();
        json_object_set_new(ev, "timestamp", json_integer((json_int_t)e->timestamp_ms));
        json_object_set_new(ev, "message", awsjson_string_lossy(msg, len));
        json_array_append_new(a, ev);
    }
    json_object_set_new(o, "logEvents", a);
    lg_set_str(o, "sequenceToken", in->sequence_token);
    return o;
}

void logs_put_log_events_out_free(struct logs_put_log_events_out *o)
{
    if (!o)
        return;
    free(o->next_sequence_token);
    free(o);
}

int logs_parse_put_log_events(const json_t *obj, struct logs_put_log_events_out *out,
                              struct aws_error *err)
{
    if (!json_is_object(obj)) {
        lg_parse_error(err, "PutLogEvents", "%s", "response is not a JSON object");
        return -1;
    }
    out->next_sequence_token = lg_str(obj, "nextSequenceToken");
    json_t *r = json_object_get(obj, "rejectedLogEventsInfo");
    if (json_is_object(r)) {
        lg_opt_int(r, "tooNewLogEventStartIndex", &out->has_too_new_start,
                   &out->too_new_log_event_start_index);
        lg_opt_int(r, "tooOldLogEventEndIndex", &out->has_too_old_end,
                   &out->too_old_log_event_end_index);
        lg_opt_int(r, "expiredLogEventEndIndex", &out->has_expired_end,
                   &out->expired_log_event_end_index);
    }
    return 0;
}

/* ================= calls (aws/typedcall.h runs them) ================= */

/* Describe* calls follow nextToken; FilterLogEvents and GetLogEvents are
 * paged by their callers, one page per call. */
#define LG_PAGED(type)                                                                             \
    TYPEDCALL_PAGED(TYPEDCALL_JSON_TOKEN, type, next_token),                                       \
        .token_in = "nextToken", .token_out = "nextToken", .page_limit = LOGS_PAGE_LIMIT

/* The operations: name, wire name, output, parser form, parser, free,
 * pages (ONE or IN: in->max_pages), then descriptor options. Each row
 * becomes logs_op_NAME and the call logs_NAME (TYPEDCALL_JSON_OP). Event
 * pages (FilterLogEvents, GetLogEvents: up to 10,000 events, a few MB) are
 * parsed into an arena: the parsers copy what they keep. */
#define LOGS_OPS(X)                                                                                \
    X(create_log_group, "CreateLogGroup", struct logs_ack, NONE, 0, logs_ack_free, ONE)            \
    X(create_log_stream, "CreateLogStream", struct logs_ack, NONE, 0, logs_ack_free, ONE)          \
    X(put_retention_policy, "PutRetentionPolicy", struct logs_ack, NONE, 0, logs_ack_free, ONE)    \
    X(delete_log_group, "DeleteLogGroup", struct logs_ack, NONE, 0, logs_ack_free, ONE)            \
    X(list_tags_for_resource, "ListTagsForResource", struct logs_tag_list, JSON,                   \
      logs_parse_list_tags, logs_tag_list_free, ONE)                                               \
    X(list_tags_log_group, "ListTagsLogGroup", struct logs_tag_list, JSON, logs_parse_list_tags,   \
      logs_tag_list_free, ONE)                                                                     \
    X(describe_log_groups, "DescribeLogGroups", struct logs_log_group_list, JSON,                  \
      logs_parse_describe_log_groups, logs_log_group_list_free, IN,                                \
      LG_PAGED(struct logs_log_group_list))                                                        \
    X(describe_log_streams, "DescribeLogStreams", struct logs_log_stream_list, JSON,               \
      logs_parse_describe_log_streams, logs_log_stream_list_free, IN,                              \
      LG_PAGED(struct logs_log_stream_list))                                                       \
    X(filter_log_events, "FilterLogEvents", struct logs_filter_log_events_out, JSON,               \
      logs_parse_filter_log_events, logs_filter_log_events_out_free, ONE, .json_arena = true)      \
    X(get_log_events, "GetLogEvents", struct logs_get_log_events_out, JSON,                        \
      logs_parse_get_log_events, logs_get_log_events_out_free, ONE, .json_arena = true)            \
    X(put_log_events, "PutLogEvents", struct logs_put_log_events_out, JSON,                        \
      logs_parse_put_log_events, logs_put_log_events_out_free, ONE)

#define LOGS_OP(op, ...) TYPEDCALL_JSON_OP(logs, &svc_logs, op, __VA_ARGS__)
LOGS_OPS(LOGS_OP)

/* ================= StartLiveTail ================= */

json_t *logs_build_start_live_tail(const struct logs_start_live_tail_in *in)
{
    json_t *o = json_object();
    /* required, even when empty (the service says what is wrong) */
    json_t *a = json_array();
    for (size_t i = 0; i < in->n_log_group_identifiers; i++) {
        const char *x = in->log_group_identifiers[i] ? in->log_group_identifiers[i] : "";
        json_array_append_new(a, awsjson_string_lossy(x, strlen(x)));
    }
    json_object_set_new(o, "logGroupIdentifiers", a);
    lg_set_strings(o, "logStreamNames", in->log_stream_names, in->n_log_stream_names);
    lg_set_strings(o, "logStreamNamePrefixes", in->log_stream_name_prefixes,
                   in->n_log_stream_name_prefixes);
    lg_set_str(o, "logEventFilterPattern", in->log_event_filter_pattern);
    return o;
}

void logs_live_message_clear(struct logs_live_message *m)
{
    struct logs_live_start *st = &m->start;
    free(st->request_id);
    free(st->session_id);
    for (size_t i = 0; i < st->n_log_group_identifiers; i++)
        free(st->log_group_identifiers[i]);
    free(st->log_group_identifiers);
    free(st->log_event_filter_pattern);
    for (size_t i = 0; i < m->update.n; i++) {
        struct logs_live_result *r = &m->update.results[i];
        free(r->log_stream_name);
        free(r->log_group_identifier);
        free(r->message);
    }
    free(m->update.results);
    aws_error_clear(&m->error);
    memset(m, 0, sizeof(*m));
    aws_error_init(&m->error);
}

static void lg_live_result_fill(const json_t *e, void *item)
{
    struct logs_live_result *r = item;
    r->log_stream_name = lg_str(e, "logStreamName");
    r->log_group_identifier = lg_str(e, "logGroupIdentifier");
    json_t *m = json_object_get(e, "message");
    r->message = lg_strdup(m);
    r->message_len = r->message ? json_string_length(m) : 0;
    r->timestamp_ms = lg_ms(e, "timestamp");
    r->ingestion_time_ms = lg_ms(e, "ingestionTime");
}

static int lg_live_start(const json_t *o, struct logs_live_start *st, struct aws_error *err)
{
    json_t *groups;
    if (lg_array(o, "logGroupIdentifiers", "StartLiveTail", &groups, err) != 0)
        return -1;
    st->request_id = lg_str(o, "requestId");
    st->session_id = lg_str(o, "sessionId");
    st->log_event_filter_pattern = lg_str(o, "logEventFilterPattern");
    size_t n = json_array_size(groups);
    st->log_group_identifiers = n ? mem_xcalloc(n, sizeof(char *)) : NULL;
    for (size_t i = 0; i < n; i++) {
        char *g = lg_strdup(json_array_get(groups, i));
        if (g)
            st->log_group_identifiers[st->n_log_group_identifiers++] = g;
    }
    return 0;
}

static int lg_live_update(const json_t *o, struct logs_live_update *u, struct aws_error *err)
{
    json_t *results;
    if (lg_array(o, "sessionResults", "StartLiveTail", &results, err) != 0)
        return -1;
    json_t *meta = json_object_get(o, "sessionMetadata");
    u->sampled = json_is_object(meta) && json_is_true(json_object_get(meta, "sampled"));
    if (results) {
        size_t cnt = json_array_size(results);
        u->results = lg_append(NULL, &u->n, results, sizeof(*u->results), lg_live_result_fill);
        u->n_malformed = cnt - u->n;
    }
    return 0;
}

/* The text of a header for messages: printable ASCII, at most n - 1. */
static void lg_header_text(const struct eventstream_message *m, const char *name, char *out,
                           size_t n)
{
    eventstream_header_copy(m, name, out, n);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
}

int logs_parse_live_message(const struct eventstream_message *m, struct logs_live_message *out,
                            struct aws_error *err)
{
    static const char op[] = "StartLiveTail";
    memset(out, 0, sizeof(*out));
    aws_error_init(&out->error);
    char mtype[32];
    lg_header_text(m, ":message-type", mtype, sizeof(mtype));
    if (!mtype[0]) {
        lg_parse_error(err, op, "%s", "an event stream message without :message-type");
        return -1;
    }
    if (strcmp(mtype, "error") == 0) {
        /* unmodelled: the code and text are headers */
        char code[96], text[512];
        lg_header_text(m, ":error-code", code, sizeof(code));
        lg_header_text(m, ":error-message", text, sizeof(text));
        out->kind = LOGS_LIVE_END;
        aws_error_set(&out->error, AWS_ERR_SERVICE, code[0] ? code : "StreamError", "%s",
                      text[0] ? text : "the service ended the stream with an error");
        return 0;
    }
    json_t *obj = NULL;
    if (m->payload_len) {
        struct aws_error perr;
        aws_error_init(&perr);
        if (awsjson_parse((const char *)m->payload, m->payload_len, 200, &obj, &perr) != 0) {
            aws_error_clear(&perr);
            obj = NULL;
        }
    }
    int rc = 0;
    if (strcmp(mtype, "exception") == 0) {
        char code[96];
        lg_header_text(m, ":exception-type", code, sizeof(code));
        const char *text =
            json_is_object(obj) ? json_string_value(json_object_get(obj, "message")) : NULL;
        if (!text && json_is_object(obj))
            text = json_string_value(json_object_get(obj, "Message"));
        out->kind = LOGS_LIVE_END;
        aws_error_set(&out->error, AWS_ERR_SERVICE, code[0] ? code : "StreamException", "%s",
                      text && *text ? text : "the service ended the stream");
        out->error.throttling = strcmp(code, "ThrottlingException") == 0 ||
                                strcmp(code, "TooManyRequestsException") == 0;
        out->error.retryable = out->error.throttling;
    } else if (strcmp(mtype, "event") == 0) {
        lg_header_text(m, ":event-type", out->event_type, sizeof(out->event_type));
        if (strcmp(out->event_type, "initial-response") == 0) {
            out->kind = LOGS_LIVE_INITIAL_RESPONSE;
        } else if (strcmp(out->event_type, "sessionStart") == 0 ||
                   strcmp(out->event_type, "sessionUpdate") == 0) {
            bool start = out->event_type[7] == 'S';
            out->kind = start ? LOGS_LIVE_SESSION_START : LOGS_LIVE_SESSION_UPDATE;
            if (!json_is_object(obj)) {
                lg_parse_error(err, op, "a %s event whose payload is not a JSON object",
                               out->event_type);
                rc = -1;
            } else {
                rc = start ? lg_live_start(obj, &out->start, err)
                           : lg_live_update(obj, &out->update, err);
            }
        } else {
            out->kind = LOGS_LIVE_UNKNOWN;
        }
    } else {
        out->kind = LOGS_LIVE_UNKNOWN; /* a message type of a later protocol */
    }
    json_decref(obj);
    if (rc != 0)
        logs_live_message_clear(out);
    return rc;
}

struct logs_live {
    struct aws_call *call;
    struct logs_live_callbacks cb;
    struct eventstream_decoder dec;
    uint64_t bytes;
    int depth;      /* our callbacks running */
    bool cancelled; /* logs_live_cancel() */
    bool ended;     /* on_end ran (or is running) */
    bool checked;   /* the first piece's Content-Type was looked at */
};

static void lg_live_free(struct logs_live *l)
{
    eventstream_decoder_free(&l->dec);
    free(l);
}

/* The end, from inside a piece: stop the call (its release frees l). */
static void lg_live_end_now(struct logs_live *l, struct aws_error *err)
{
    if (l->ended || l->cancelled)
        return;
    l->ended = true;
    snprintf(err->service, sizeof(err->service), "%s", svc_logs.name);
    snprintf(err->operation, sizeof(err->operation), "StartLiveTail");
    struct aws_call *call = l->call;
    l->call = NULL;
    l->depth++;
    aws_call_cancel(call); /* deferred: we are inside its piece */
    if (l->cb.on_end)
        l->cb.on_end(err, l->cb.arg);
    l->depth--;
}

static void lg_live_piece(const struct aws_stream_piece *p, void *arg)
{
    struct logs_live *l = arg;
    if (l->ended || l->cancelled)
        return;
    struct aws_error err;
    aws_error_init(&err);
    if (!l->checked) {
        l->checked = true;
        if (!strstr(p->content_type, "application/vnd.amazon.eventstream")) {
            char ct[96];
            snprintf(ct, sizeof(ct), "%s", p->content_type);
            for (char *c = ct; *c; c++)
                if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                    *c = '?';
            aws_error_set(&err, AWS_ERR_PARSE, "NotAnEventStream",
                          "StartLiveTail answered HTTP %d with Content-Type '%s', not an event "
                          "stream: the endpoint does not serve live tails",
                          p->http_status, ct);
            err.http_status = p->http_status;
            snprintf(err.request_id, sizeof(err.request_id), "%s", p->request_id);
            lg_live_end_now(l, &err);
            aws_error_clear(&err);
            return;
        }
    }
    l->bytes += p->len;
    if (eventstream_decoder_feed(&l->dec, p->data, p->len, &err) != 0) {
        lg_live_end_now(l, &err);
        aws_error_clear(&err);
        return;
    }
    l->depth++;
    for (;;) {
        struct eventstream_message m;
        enum eventstream_status st = eventstream_decoder_next(&l->dec, &m, &err);
        if (st == EVENTSTREAM_NEED_MORE)
            break;
        if (st == EVENTSTREAM_ERROR) {
            lg_live_end_now(l, &err);
            break;
        }
        struct logs_live_message msg;
        if (logs_parse_live_message(&m, &msg, &err) != 0) {
            lg_live_end_now(l, &err);
            break;
        }
        if (msg.kind == LOGS_LIVE_SESSION_START && l->cb.on_start)
            l->cb.on_start(&msg.start, l->cb.arg);
        else if (msg.kind == LOGS_LIVE_SESSION_UPDATE && l->cb.on_update)
            l->cb.on_update(&msg.update, l->cb.arg);
        else if (msg.kind == LOGS_LIVE_END) {
            snprintf(msg.error.request_id, sizeof(msg.error.request_id), "%s", p->request_id);
            lg_live_end_now(l, &msg.error);
        }
        logs_live_message_clear(&msg);
        if (l->ended || l->cancelled)
            break;
    }
    l->depth--;
    aws_error_clear(&err);
}

/* The call ended with its callback: refused, cut, or closed by the server. */
static void lg_live_done(struct aws_response *resp, void *arg)
{
    struct logs_live *l = arg;
    l->call = NULL;
    if (!l->ended && !l->cancelled) {
        struct aws_error err;
        aws_error_init(&err);
        if (resp->err.kind != AWS_ERR_NONE) {
            aws_error_copy(&err, &resp->err);
        } else if (!l->checked) {
            aws_error_set(&err, AWS_ERR_PARSE, "NotAnEventStream",
                          "StartLiveTail answered HTTP %d without an event stream: the endpoint "
                          "does not serve live tails",
                          resp->http_status);
            err.http_status = resp->http_status;
        } else if (eventstream_decoder_pending(&l->dec)) {
            aws_error_set(&err, AWS_ERR_PARSE, "EventStreamTruncated",
                          "the event stream ended inside a message (%zu bytes of it received)",
                          eventstream_decoder_pending(&l->dec));
        } else {
            aws_error_set(&err, AWS_ERR_SERVICE, "StreamEnded",
                          "the service closed the live tail stream without saying why");
        }
        if (!err.request_id[0])
            snprintf(err.request_id, sizeof(err.request_id), "%s", resp->request_id);
        l->ended = true;
        snprintf(err.service, sizeof(err.service), "%s", svc_logs.name);
        snprintf(err.operation, sizeof(err.operation), "StartLiveTail");
        l->depth++;
        if (l->cb.on_end)
            l->cb.on_end(&err, l->cb.arg);
        l->depth--;
        aws_error_clear(&err);
    }
    lg_live_free(l);
}

/* The call ended without its callback (cancelled, or its client freed). */
static void lg_live_release(void *arg)
{
    struct logs_live *l = arg;
    l->call = NULL;
    if (l->depth > 0) {
        /* from inside one of our callbacks: the caller frees */
        l->cancelled = true;
        return;
    }
    lg_live_free(l);
}

struct logs_live *logs_start_live_tail(struct aws_client *c,
                                       const struct logs_start_live_tail_in *in,
                                       const struct logs_live_callbacks *cb, long idle_ms)
{
    if (!c || !in || !cb)
        return NULL;
    struct logs_live *l = mem_xcalloc(1, sizeof(*l));
    l->cb = *cb;
    eventstream_decoder_init(&l->dec, 0);
    struct aws_request req = {
        .svc = &svc_logs,
        .op = "StartLiveTail",
        .json = logs_build_start_live_tail(in),
        .on_release = lg_live_release,
        .host_prefix = "stream-",
        .on_stream = lg_live_piece,
        .idle_timeout_ms = idle_ms > 0 ? idle_ms : 30000,
    };
    l->call = aws_client_call(c, &req, lg_live_done, l);
    if (!l->call) {
        lg_live_free(l);
        return NULL;
    }
    return l;
}

void logs_live_cancel(struct logs_live *l)
{
    if (!l || l->cancelled || l->ended)
        return;
    l->cancelled = true;
    struct aws_call *call = l->call;
    l->call = NULL;
    if (call)
        aws_call_cancel(call); /* its release frees l, now or when the piece returns */
}

uint64_t logs_live_bytes(const struct logs_live *l)
{
    return l ? l->bytes : 0;
}

/* test_logs.c - typed CloudWatch Logs calls (aws/logs.c).
 *
 * 1. Request bodies against botocore's JSON serializer (the compact form
 *    awsjson_encode writes, byte for byte, and the same object).
 * 2. Decoding of every response under .../logs/resp with an expected.json
 *    (crafted from aws-wire.md, moto recordings), field by field.
 * 3. Errors, malformed and hostile bodies.
 * 4. End to end against the sandbox (moto's Logs with SigV4 checked) and a
 *    scripted server (pagination loop, cancel mid-pagination).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/logs.h"
#include "aws/svc.h"

#include "wire_harness.h"

#include "typed_e2e.h"

static const char slow[] = "/aws/elasticache/app-4/slow-log";
static const char engine[] = "/aws/elasticache/app-4/engine-log";

/* ================= 1. request bodies ================= */

static void check_body(const char *case_name, json_t *obj)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "logs/req/%s.compact", case_name);
    char *compact = wire_load(rel, NULL);
    char *got = awsjson_encode(obj, NULL);
    if (strcmp(got, compact) != 0)
        fail_msg("%s:\n got  %s\n want %s", case_name, got, compact);
    /* and the very bytes botocore sends decode to the same object */
    snprintf(rel, sizeof(rel), "logs/req/%s.body", case_name);
    size_t bl;
    char *body = wire_load(rel, &bl);
    json_error_t je;
    json_t *b = json_loadb(body, bl, 0, &je);
    assert_non_null(b);
    assert_true(json_equal(b, obj));
    json_decref(b);
    free(body);
    free(got);
    free(compact);
    json_decref(obj);
}

static void test_req_simple(void **state)
{
    (void)state;
    struct logs_tag_in tags[] = {{"Name", "app-4"}, {"Source", "elcui"}};
    struct logs_create_log_group_in cg = {
        .log_group_name = slow,
        .kms_key_id = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        .tags = tags,
        .n_tags = 2,
        .log_group_class = "STANDARD",
    };
    check_body("create_log_group", logs_build_create_log_group(&cg));
    struct logs_create_log_stream_in cs = {.log_group_name = slow,
                                           .log_stream_name =
                                               "elasticache/redis/app-4-0001-001/0001/slow-log"};
    check_body("create_log_stream", logs_build_create_log_stream(&cs));
    struct logs_put_retention_policy_in pr = {.log_group_name = slow, .retention_in_days = 365};
    check_body("put_retention", logs_build_put_retention_policy(&pr));
    struct logs_delete_log_group_in dg = {.log_group_name = engine};
    check_body("delete_log_group", logs_build_delete_log_group(&dg));
    struct logs_list_tags_log_group_in lt = {.log_group_name = slow};
    check_body("list_tags_log_group", logs_build_list_tags_log_group(&lt));
    struct logs_list_tags_for_resource_in lr = {
        .resource_arn =
            "arn:aws:logs:us-east-2:111122223333:log-group:/aws/elasticache/app-4/slow-log"};
    check_body("list_tags_for_resource", logs_build_list_tags_for_resource(&lr));
}

static void test_req_describe(void **state)
{
    (void)state;
    struct logs_describe_log_groups_in g = {
        .log_group_name_prefix = "/aws/elasticache/", .next_token = "tok/1+2=", .limit = 50};
    check_body("describe_log_groups", logs_build_describe_log_groups(&g));
    struct logs_describe_log_groups_in gp = {.log_group_name_pattern = "app-4",
                                             .log_group_class = "STANDARD"};
    check_body("describe_log_groups_pattern", logs_build_describe_log_groups(&gp));
    struct logs_describe_log_streams_in s = {
        .log_group_identifier =
            "arn:aws:logs:us-east-2:111122223333:log-group:/aws/elasticache/app-4/slow-log",
        .order_by = "LastEventTime",
        .has_descending = true,
        .descending = true,
        .next_token = "n1",
        .limit = 5,
    };
    check_body("describe_log_streams", logs_build_describe_log_streams(&s));
    struct logs_describe_log_streams_in sp = {
        .log_group_name = slow, .log_stream_name_prefix = "elasticache/redis/app-4-0002"};
    check_body("describe_log_streams_prefix", logs_build_describe_log_streams(&sp));
}

static void test_req_events(void **state)
{
    (void)state;
    const char *names[] = {"elasticache/redis/app-4-0001-001/0001/slow-log",
                           "elasticache/redis/app-4-0001-002/0001/slow-log"};
    struct logs_filter_log_events_in f = {
        .log_group_name = slow,
        .log_stream_names = names,
        .n_log_stream_names = 2,
        .start_time_ms = 1714564800000LL,
        .end_time_ms = 1714568400000LL,
        .filter_pattern = "{ $.Command = \"KEYS*\" } \"(2 more arguments)\"",
        .next_token = "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXVrNhKPFp1Fa6xxFb8",
        .limit = 10000,
        .has_interleaved = true,
        .interleaved = true,
        .has_unmask = true,
        .unmask = false,
    };
    check_body("filter_names", logs_build_filter_log_events(&f));
    struct logs_filter_log_events_in fp = {
        .log_group_identifier = engine,
        .log_stream_name_prefix = "elasticache/valkey/app-4-0003",
        .start_time_ms = 1714564800123LL,
        .filter_pattern = "",
    };
    check_body("filter_prefix", logs_build_filter_log_events(&fp));
    struct logs_get_log_events_in g = {
        .log_group_name = slow,
        .log_stream_name = "elasticache/redis/app-4-0001-001/0001/slow-log",
        .start_time_ms = 1,
        .end_time_ms = 1714568400000LL,
        .next_token = "f/38231283910224617213929291237463028475610362018652160000/s",
        .limit = 100,
        .has_start_from_head = true,
        .start_from_head = true,
    };
    check_body("get_log_events", logs_build_get_log_events(&g));
    struct logs_input_event ev[] = {
        {1714564805000LL, "{\"CacheClusterId\":\"app-4-0001-001\",\"Id\":17}", 0},
        {1714564805001LL, "tab\there, quote \" and back\\slash", 0},
    };
    struct logs_put_log_events_in p = {
        .log_group_name = slow,
        .log_stream_name = "elasticache/redis/app-4-0001-001/0001/slow-log",
        .events = ev,
        .n_events = 2,
        .sequence_token = "49590302986",
    };
    check_body("put_log_events", logs_build_put_log_events(&p));
}

static bool contains(const char *h, size_t hl, const char *n, size_t nl)
{
    for (size_t i = 0; i + nl <= hl; i++)
        if (memcmp(h + i, n, nl) == 0)
            return true;
    return false;
}

/* NULs inside a message are kept; bytes that are not UTF-8 become U+FFFD
 * (jansson cannot write them, and the service wants Unicode text). */
static void test_req_raw_bytes(void **state)
{
    (void)state;
    static const char msg[] = "bad \xff\xfe utf8 \x00 nul";
    struct logs_input_event ev[] = {{5, msg, sizeof(msg) - 1}};
    struct logs_put_log_events_in p = {
        .log_group_name = slow, .log_stream_name = "s", .events = ev, .n_events = 1};
    json_t *o = logs_build_put_log_events(&p);
    json_t *m = json_object_get(json_array_get(json_object_get(o, "logEvents"), 0), "message");
    static const char want[] = "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \x00 nul";
    assert_int_equal(json_string_length(m), sizeof(want) - 1);
    assert_memory_equal(json_string_value(m), want, sizeof(want) - 1);
    size_t len;
    char *body = awsjson_encode(o, &len);
    static const char wire[] = "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \\u0000 nul";
    assert_true(contains(body, len, wire, sizeof(wire) - 1));
    /* a cut sequence, an overlong form, a surrogate: each replaced */
    static const char bad2[] = "a\xe2\x82 b\xc0\xaf c\xed\xa0\x80 d\xf0\x9f\x98\x80";
    struct logs_input_event ev2[] = {{6, bad2, 0}};
    p.events = ev2;
    json_t *o2 = logs_build_put_log_events(&p);
    m = json_object_get(json_array_get(json_object_get(o2, "logEvents"), 0), "message");
    assert_string_equal(json_string_value(m),
                        "a\xef\xbf\xbd\xef\xbf\xbd b\xef\xbf\xbd\xef\xbf\xbd "
                        "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd d\xf0\x9f\x98\x80");
    json_decref(o2);
    free(body);
    json_decref(o);
}

/* ================= 2. decoding ================= */

/* Decode a body the way the transport does, plus NULs inside strings. */
static json_t *load_json(const char *rel)
{
    size_t len;
    char *body = wire_load(rel, &len);
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_ALLOW_NUL, &je);
    free(body);
    if (!j)
        fail_msg("%s: %s", rel, je.text);
    return j;
}

static void cmp_event(const struct logs_event *ev, const json_t *e, bool filter)
{
    if (filter) {
        WS(ev->event_id, e, "eventId");
        WS(ev->log_stream_name, e, "logStreamName");
    } else {
        assert_null(ev->event_id);
    }
    WI(ev->timestamp_ms != 0, ev->timestamp_ms, e, "timestamp");
    WI(ev->ingestion_time_ms != 0, ev->ingestion_time_ms, e, "ingestionTime");
    json_t *m = json_object_get(e, "message");
    assert_non_null(ev->message);
    assert_int_equal(ev->message_len, json_string_length(m));
    assert_memory_equal(ev->message, json_string_value(m), ev->message_len);
    assert_int_equal(ev->message[ev->message_len], '\0');
}

static void decode_one(const char *base, const char *op)
{
    print_message("decoding %s (%s)\n", base, op);
    char rel[300];
    snprintf(rel, sizeof(rel), "logs/resp/%s.json", base);
    char relbase[300];
    snprintf(relbase, sizeof(relbase), "logs/resp/%s", base);
    json_t *obj = load_json(rel);
    json_t *e = wire_expected(relbase);
    struct aws_error err;
    aws_error_init(&err);
    if (strcmp(op, "FilterLogEvents") == 0) {
        struct logs_filter_log_events_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(logs_parse_filter_log_events(obj, o, &err), 0);
        assert_int_equal(o->n_events, wire_n(e, "events"));
        for (size_t i = 0; i < o->n_events; i++)
            cmp_event(&o->events[i], wire_at(e, "events", i), true);
        assert_int_equal(o->n_searched, wire_n(e, "searchedLogStreams"));
        for (size_t i = 0; i < o->n_searched; i++) {
            json_t *s = wire_at(e, "searchedLogStreams", i);
            WS(o->searched[i].name, s, "logStreamName");
            WB(o->searched[i].has_searched_completely, o->searched[i].searched_completely, s,
               "searchedCompletely");
        }
        /* botocore keeps a null nextToken as None: absent */
        json_t *t = json_object_get(e, "nextToken");
        if (t && json_is_string(t))
            WS(o->next_token, e, "nextToken");
        else
            assert_null(o->next_token);
        assert_int_equal(o->n_malformed, 0);
        logs_filter_log_events_out_free(o);
    } else if (strcmp(op, "GetLogEvents") == 0) {
        struct logs_get_log_events_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(logs_parse_get_log_events(obj, o, &err), 0);
        assert_int_equal(o->n_events, wire_n(e, "events"));
        for (size_t i = 0; i < o->n_events; i++)
            cmp_event(&o->events[i], wire_at(e, "events", i), false);
        WS(o->next_forward_token, e, "nextForwardToken");
        WS(o->next_backward_token, e, "nextBackwardToken");
        logs_get_log_events_out_free(o);
    } else if (strcmp(op, "DescribeLogGroups") == 0) {
        struct logs_log_group_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(logs_parse_describe_log_groups(obj, l, &err), 0);
        assert_int_equal(l->n, wire_n(e, "logGroups"));
        for (size_t i = 0; i < l->n; i++) {
            const struct logs_log_group *g = &l->items[i];
            json_t *x = wire_at(e, "logGroups", i);
            WS(g->name, x, "logGroupName");
            WT(g->creation_time_ms, x, "creationTime");
            WI(g->has_retention_in_days, g->retention_in_days, x, "retentionInDays");
            WI(g->has_metric_filter_count, g->metric_filter_count, x, "metricFilterCount");
            WS(g->arn, x, "arn");
            WI(g->has_stored_bytes, g->stored_bytes, x, "storedBytes");
            WS(g->kms_key_id, x, "kmsKeyId");
            WS(g->data_protection_status, x, "dataProtectionStatus");
            WS(g->log_group_class, x, "logGroupClass");
            WS(g->log_group_arn, x, "logGroupArn");
            WB(g->has_deletion_protection_enabled, g->deletion_protection_enabled, x,
               "deletionProtectionEnabled");
        }
        WS(l->next_token, e, "nextToken");
        logs_log_group_list_free(l);
    } else if (strcmp(op, "DescribeLogStreams") == 0) {
        struct logs_log_stream_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(logs_parse_describe_log_streams(obj, l, &err), 0);
        assert_int_equal(l->n, wire_n(e, "logStreams"));
        for (size_t i = 0; i < l->n; i++) {
            const struct logs_log_stream *s = &l->items[i];
            json_t *x = wire_at(e, "logStreams", i);
            WS(s->name, x, "logStreamName");
            WT(s->creation_time_ms, x, "creationTime");
            WT(s->first_event_timestamp_ms, x, "firstEventTimestamp");
            WT(s->last_event_timestamp_ms, x, "lastEventTimestamp");
            WT(s->last_ingestion_time_ms, x, "lastIngestionTime");
            WS(s->upload_sequence_token, x, "uploadSequenceToken");
            WS(s->arn, x, "arn");
            WI(s->has_stored_bytes, s->stored_bytes, x, "storedBytes");
        }
        WS(l->next_token, e, "nextToken");
        logs_log_stream_list_free(l);
    } else if (strcmp(op, "PutLogEvents") == 0) {
        struct logs_put_log_events_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(logs_parse_put_log_events(obj, o, &err), 0);
        WS(o->next_sequence_token, e, "nextSequenceToken");
        json_t *r = json_object_get(e, "rejectedLogEventsInfo");
        WI(o->has_too_new_start, o->too_new_log_event_start_index, r, "tooNewLogEventStartIndex");
        WI(o->has_too_old_end, o->too_old_log_event_end_index, r, "tooOldLogEventEndIndex");
        WI(o->has_expired_end, o->expired_log_event_end_index, r, "expiredLogEventEndIndex");
        logs_put_log_events_out_free(o);
    } else if (strcmp(op, "ListTagsForResource") == 0 || strcmp(op, "ListTagsLogGroup") == 0) {
        struct logs_tag_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(logs_parse_list_tags(obj, l, &err), 0);
        json_t *tags = json_object_get(e, "tags");
        assert_int_equal(l->n, json_object_size(tags));
        const char *k;
        json_t *v;
        json_object_foreach(tags, k, v)
        {
            assert_non_null(logs_tag_get(l, k));
            assert_string_equal(logs_tag_get(l, k), json_string_value(v));
        }
        logs_tag_list_free(l);
    } else {
        fail_msg("%s: no decoder for %s", base, op);
    }
    json_decref(e);
    json_decref(obj);
}

static void test_decode_all(void **state)
{
    (void)state;
    int n, moto;
    wire_decode_dir("logs/resp", decode_one, &n, &moto);
    assert_true(n >= 10);
    assert_true(moto >= 4);
}

static void test_decode_meaning(void **state)
{
    (void)state;
    json_t *obj = load_json("logs/resp/filter_example.json");
    struct logs_filter_log_events_out *o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(logs_parse_filter_log_events(obj, o, NULL), 0);
    assert_int_equal(o->n_events, 3);
    assert_string_equal(o->events[0].event_id,
                        "38231283910224617213929291237463028475610362018652160000");
    assert_int_equal(o->events[0].timestamp_ms, 1714564805000LL);
    assert_int_equal(o->events[0].ingestion_time_ms, 1714564806123LL);
    assert_non_null(strstr(o->events[0].message, "\"Duration (us)\":10452"));
    /* escapes decoded to their bytes, NUL kept, nothing cut */
    static const char want[] = "esc \x1b[31mred\x1b[0m tab\t nl\n quote\" bs\\ uni "
                               "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 nul\0end";
    assert_int_equal(o->events[2].message_len, sizeof(want) - 1);
    assert_memory_equal(o->events[2].message, want, sizeof(want) - 1);
    assert_string_equal(
        o->next_token,
        "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXVrNhKPFp1Fa6xxFb8HPbZPkRx5Q");
    assert_true(o->searched[0].searched_completely);
    assert_false(o->searched[1].searched_completely);
    logs_filter_log_events_out_free(o);
    json_decref(obj);

    obj = load_json("logs/resp/log_groups.json");
    struct logs_log_group_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(logs_parse_describe_log_groups(obj, l, NULL), 0);
    assert_true(l->items[0].has_retention_in_days && l->items[0].retention_in_days == 365);
    assert_false(l->items[1].has_retention_in_days); /* never expires */
    assert_int_equal(l->items[0].stored_bytes, 123456789012LL);
    assert_string_equal(l->next_token, "lg-2");
    /* a second page appends */
    assert_int_equal(logs_parse_describe_log_groups(obj, l, NULL), 0);
    assert_int_equal(l->n, 4);
    assert_string_equal(l->items[3].name, engine);
    /* the ARN ListTagsForResource takes: logGroupArn, else arn without ":*" */
    char *arn = logs_log_group_tag_arn(&l->items[0]);
    assert_string_equal(arn, "arn:aws:logs:us-east-2:111122223333:log-group:"
                             "/aws/elasticache/app-4/slow-log");
    free(arn);
    assert_null(logs_log_group_tag_arn(&l->items[1]));
    free(l->items[0].log_group_arn);
    l->items[0].log_group_arn = NULL;
    arn = logs_log_group_tag_arn(&l->items[0]);
    assert_string_equal(arn, "arn:aws:logs:us-east-2:111122223333:log-group:"
                             "/aws/elasticache/app-4/slow-log");
    free(arn);
    assert_null(logs_log_group_tag_arn(NULL));
    logs_log_group_list_free(l);
    json_decref(obj);

    /* tags: every kind of value, looked up by key */
    obj = load_json("logs/resp/list_tags_for_resource.json");
    struct logs_tag_list *t = mem_xcalloc(1, sizeof(*t));
    assert_int_equal(logs_parse_list_tags(obj, t, NULL), 0);
    assert_int_equal(t->n, 4);
    assert_string_equal(logs_tag_get(t, "elcui:stack"), "app-4");
    assert_string_equal(logs_tag_get(t, "empty"), "");
    assert_string_equal(logs_tag_get(t, "uni"), "Zo\xc3\xab & co / \xe4\xb8\xad");
    assert_null(logs_tag_get(t, "elcui:Stack"));
    assert_null(logs_tag_get(t, NULL));
    assert_null(logs_tag_get(NULL, "elcui:stack"));
    logs_tag_list_free(t);
    json_decref(obj);
}

/* ================= 3. errors, hostile bodies ================= */

static json_t *transport_json(const char *rel, int status, struct aws_error *err)
{
    size_t len;
    char *body = wire_load(rel, &len);
    json_t *j = NULL;
    aws_error_init(err);
    int rc = awsjson_parse(body, len, status, &j, err);
    free(body);
    return rc == 0 ? j : NULL;
}

static void test_errors(void **state)
{
    (void)state;
    struct aws_error err;
    assert_null(transport_json("logs/resp/err_not_found.json", 400, &err));
    assert_int_equal(err.kind, AWS_ERR_SERVICE);
    assert_string_equal(err.code, "ResourceNotFoundException");
    assert_string_equal(err.message, "The specified log group does not exist.");
    aws_error_clear(&err);
    assert_null(transport_json("logs/resp/err_throttling.json", 400, &err));
    assert_string_equal(err.code, "ThrottlingException");
    aws_error_clear(&err);
    char *st = wire_load("logs/resp/moto_err_not_found.status", NULL);
    int status = (int)strtol(st, NULL, 10);
    free(st);
    assert_null(transport_json("logs/resp/moto_err_not_found.json", status, &err));
    assert_string_equal(err.code, "ResourceNotFoundException");
    aws_error_clear(&err);
}

static void test_malformed(void **state)
{
    (void)state;
    struct aws_error err;
    /* the protocol layer refuses what is not a JSON object */
    static const char *const refused[] = {"logs/resp/bad_truncated.json",
                                          "logs/resp/bad_array.json", "logs/resp/bad_deep.json",
                                          "logs/resp/bad_bigint.json"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_null(transport_json(refused[i], 200, &err));
        assert_int_equal(err.kind, AWS_ERR_PARSE);
        aws_error_clear(&err);
    }
    /* ... and so do the parsers, when handed something else than an object */
    json_t *arr = json_array();
    struct logs_filter_log_events_out *o = mem_xcalloc(1, sizeof(*o));
    aws_error_init(&err);
    assert_int_equal(logs_parse_filter_log_events(arr, o, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    aws_error_clear(&err);
    logs_filter_log_events_out_free(o);
    struct logs_put_log_events_out *po = mem_xcalloc(1, sizeof(*po));
    assert_int_equal(logs_parse_put_log_events(arr, po, NULL), -1);
    logs_put_log_events_out_free(po);
    json_decref(arr);

    /* "events" of the wrong type: nothing of the page is usable */
    json_t *j = transport_json("logs/resp/bad_events_type.json", 200, &err);
    assert_non_null(j);
    o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(logs_parse_filter_log_events(j, o, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_string_equal(err.operation, "FilterLogEvents");
    assert_non_null(strstr(err.message, "events"));
    aws_error_clear(&err);
    logs_filter_log_events_out_free(o);
    struct logs_get_log_events_out *go = mem_xcalloc(1, sizeof(*go));
    assert_int_equal(logs_parse_get_log_events(j, go, NULL), -1);
    logs_get_log_events_out_free(go);
    json_decref(j);

    /* tags of the wrong type: unusable; values of the wrong type: skipped */
    j = transport_json("logs/resp/bad_tags_type.json", 200, &err);
    assert_non_null(j);
    struct logs_tag_list *t = mem_xcalloc(1, sizeof(*t));
    assert_int_equal(logs_parse_list_tags(j, t, &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_non_null(strstr(err.message, "tags"));
    aws_error_clear(&err);
    assert_int_equal(t->n, 0);
    logs_tag_list_free(t);
    json_decref(j);
    j = transport_json("logs/resp/bad_tag_values.json", 200, &err);
    assert_non_null(j);
    t = mem_xcalloc(1, sizeof(*t));
    assert_int_equal(logs_parse_list_tags(j, t, &err), 0);
    assert_int_equal(t->n, 1);
    assert_string_equal(logs_tag_get(t, "ok"), "v");
    assert_null(logs_tag_get(t, "n"));
    logs_tag_list_free(t);
    json_decref(j);
    arr = json_array();
    t = mem_xcalloc(1, sizeof(*t));
    assert_int_equal(logs_parse_list_tags(arr, t, NULL), -1);
    logs_tag_list_free(t);
    json_decref(arr);

    /* wrong entries are skipped and counted, wrong members are absent */
    j = transport_json("logs/resp/bad_entries.json", 200, &err);
    assert_non_null(j);
    o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(logs_parse_filter_log_events(j, o, &err), 0);
    assert_int_equal(o->n_malformed, 3);
    assert_int_equal(o->n_events, 2);
    assert_string_equal(o->events[0].event_id, "ok");
    assert_int_equal(o->events[0].timestamp_ms, 0);                    /* a string */
    assert_int_equal(o->events[0].ingestion_time_ms, 0);               /* negative */
    assert_null(o->events[0].message);                                 /* a number */
    assert_null(o->events[0].log_stream_name);                         /* an array */
    assert_int_equal(o->events[1].timestamp_ms, 0);                    /* 1e300 */
    assert_int_equal(o->events[1].ingestion_time_ms, 1714564805000LL); /* integral real */
    assert_string_equal(o->events[1].message, "m");
    assert_int_equal(o->n_searched, 1);
    assert_null(o->searched[0].name);
    assert_null(o->next_token); /* a number */
    logs_filter_log_events_out_free(o);
    json_decref(j);
}

/* ================= 4. end to end ================= */

IE_CB(cb_ack, struct logs_ack)
IE_CB(cb_groups, struct logs_log_group_list)
IE_CB(cb_streams, struct logs_log_stream_list)
IE_CB(cb_filter, struct logs_filter_log_events_out)
IE_CB(cb_get, struct logs_get_log_events_out)
IE_CB(cb_put, struct logs_put_log_events_out)
IE_CB(cb_tags, struct logs_tag_list)

static void ack(struct ie_res *r, const char *what)
{
    ie_wait_ok(&e2e_sb, r, what);
    struct logs_ack *a = r->out;
    assert_true(a->request_id[0] != '\0');
    logs_ack_free(a);
}

static int64_t e2e_t0;

static void test_e2e_groups(void **state)
{
    (void)state;
    static const char *const names[] = {"/aws/elasticache/app-4/slow-log",
                                        "/aws/elasticache/app-4/engine-log",
                                        "/aws/elasticache/other/slow-log", "/unrelated/group"};
    struct logs_tag_in tags[] = {{"Name", "app-4"}};
    for (size_t i = 0; i < 4; i++) {
        struct logs_create_log_group_in in = {
            .log_group_name = names[i], .tags = i == 0 ? tags : NULL, .n_tags = i == 0 ? 1 : 0};
        struct ie_res r = {0};
        logs_create_log_group(e2e_sb.c, &in, cb_ack, &r);
        ack(&r, "CreateLogGroup");
    }
    struct logs_put_retention_policy_in pr = {.log_group_name = slow, .retention_in_days = 365};
    struct ie_res r = {0};
    logs_put_retention_policy(e2e_sb.c, &pr, cb_ack, &r);
    ack(&r, "PutRetentionPolicy");

    /* pages of one, concatenated */
    struct logs_describe_log_groups_in in = {.log_group_name_prefix = "/aws/elasticache/",
                                             .limit = 1};
    struct ie_res d = {0};
    logs_describe_log_groups(e2e_sb.c, &in, cb_groups, &d);
    ie_wait_ok(&e2e_sb, &d, "DescribeLogGroups");
    struct logs_log_group_list *l = d.out;
    assert_int_equal(l->n, 3);
    assert_null(l->next_token);
    const struct logs_log_group *g = NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, slow) == 0)
            g = &l->items[i];
    assert_non_null(g);
    assert_true(g->has_retention_in_days && g->retention_in_days == 365);
    assert_true(g->creation_time_ms > 0);
    assert_non_null(g->arn);
    logs_log_group_list_free(l);

    /* max_pages: stop after two, resume with the token */
    in.max_pages = 2;
    struct ie_res p = {0};
    logs_describe_log_groups(e2e_sb.c, &in, cb_groups, &p);
    ie_wait_ok(&e2e_sb, &p, "DescribeLogGroups (two pages)");
    l = p.out;
    assert_int_equal(l->n, 2);
    assert_non_null(l->next_token);
    struct logs_describe_log_groups_in rest = {
        .log_group_name_prefix = "/aws/elasticache/", .limit = 1, .next_token = l->next_token};
    struct ie_res q = {0};
    logs_describe_log_groups(e2e_sb.c, &rest, cb_groups, &q);
    ie_wait_ok(&e2e_sb, &q, "DescribeLogGroups (resumed)");
    struct logs_log_group_list *l2 = q.out;
    assert_int_equal(l2->n, 1);
    assert_string_not_equal(l2->items[0].name, l->items[0].name);
    assert_string_not_equal(l2->items[0].name, l->items[1].name);
    logs_log_group_list_free(l2);
    logs_log_group_list_free(l);
}

/* Tags of a log group, both ways the service lists them. */
static void test_e2e_tags(void **state)
{
    (void)state;
    struct logs_describe_log_groups_in in = {.log_group_name_prefix = slow};
    struct ie_res d = {0};
    logs_describe_log_groups(e2e_sb.c, &in, cb_groups, &d);
    ie_wait_ok(&e2e_sb, &d, "DescribeLogGroups");
    struct logs_log_group_list *l = d.out;
    assert_int_equal(l->n, 1);
    char *arn = logs_log_group_tag_arn(&l->items[0]);
    logs_log_group_list_free(l);
    assert_non_null(arn);
    assert_null(strstr(arn, ":*"));

    struct logs_list_tags_for_resource_in rin = {.resource_arn = arn};
    struct ie_res r = {0};
    assert_non_null(logs_list_tags_for_resource(e2e_sb.c, &rin, cb_tags, &r));
    ie_wait_ok(&e2e_sb, &r, "ListTagsForResource");
    struct logs_tag_list *t = r.out;
    assert_true(t->request_id[0] != '\0');
    assert_int_equal(t->n, 1);
    assert_string_equal(logs_tag_get(t, "Name"), "app-4");
    logs_tag_list_free(t);
    free(arn);

    struct logs_list_tags_log_group_in gin = {.log_group_name = slow};
    struct ie_res g = {0};
    logs_list_tags_log_group(e2e_sb.c, &gin, cb_tags, &g);
    ie_wait_ok(&e2e_sb, &g, "ListTagsLogGroup");
    t = g.out;
    assert_string_equal(logs_tag_get(t, "Name"), "app-4");
    logs_tag_list_free(t);
    /* a group created without tags has none */
    struct logs_list_tags_log_group_in ein = {.log_group_name = engine};
    struct ie_res e = {0};
    logs_list_tags_log_group(e2e_sb.c, &ein, cb_tags, &e);
    ie_wait_ok(&e2e_sb, &e, "ListTagsLogGroup (no tags)");
    t = e.out;
    assert_int_equal(t->n, 0);
    logs_tag_list_free(t);
    struct logs_list_tags_log_group_in nin = {.log_group_name = "/no/such/group"};
    struct ie_res n = {0};
    logs_list_tags_log_group(e2e_sb.c, &nin, cb_tags, &n);
    e2e_wait(&e2e_sb, &n.done, "ListTagsLogGroup (unknown group)");
    assert_null(n.out);
    assert_string_equal(n.err.code, "ResourceNotFoundException");
    assert_string_equal(n.err.operation, "ListTagsLogGroup");
    aws_error_clear(&n.err);
}

static const char *const e2e_streams[] = {"elasticache/redis/app-4-0001-001/0001/slow-log",
                                          "elasticache/redis/app-4-0001-002/0001/slow-log"};

static void test_e2e_put_filter_get(void **state)
{
    (void)state;
    e2e_t0 = aws_client_now_ms(e2e_sb.c) - 60000;
    /* two streams, five events each; one message with escapes and UTF-8 */
    for (int s = 0; s < 2; s++) {
        struct logs_create_log_stream_in cs = {.log_group_name = slow,
                                               .log_stream_name = e2e_streams[s]};
        struct ie_res r = {0};
        logs_create_log_stream(e2e_sb.c, &cs, cb_ack, &r);
        ack(&r, "CreateLogStream");
        char msgs[5][128];
        struct logs_input_event ev[5];
        for (int i = 0; i < 5; i++) {
            snprintf(msgs[i], sizeof(msgs[i]),
                     "{\"CacheClusterId\":\"app-4-0001-00%d\",\"Id\":%d,\"Command\":\"GET ... (1 "
                     "more arguments)\"}",
                     s + 1, i);
            ev[i].timestamp_ms = e2e_t0 + i * 1000 + s;
            ev[i].message = msgs[i];
            ev[i].message_len = 0;
        }
        if (s == 1)
            ev[4].message = "esc \x1b[31mred\x1b[0m tab\t caf\xc3\xa9 \"q\" \\b";
        struct logs_put_log_events_in in = {
            .log_group_name = slow, .log_stream_name = e2e_streams[s], .events = ev, .n_events = 5};
        struct ie_res p = {0};
        logs_put_log_events(e2e_sb.c, &in, cb_put, &p);
        ie_wait_ok(&e2e_sb, &p, "PutLogEvents");
        struct logs_put_log_events_out *po = p.out;
        assert_false(po->has_too_old_end || po->has_too_new_start || po->has_expired_end);
        logs_put_log_events_out_free(po);
    }

    struct logs_describe_log_streams_in ds = {.log_group_name = slow};
    struct ie_res d = {0};
    logs_describe_log_streams(e2e_sb.c, &ds, cb_streams, &d);
    ie_wait_ok(&e2e_sb, &d, "DescribeLogStreams");
    struct logs_log_stream_list *sl = d.out;
    assert_int_equal(sl->n, 2);
    assert_string_equal(sl->items[0].name, e2e_streams[0]);
    assert_true(sl->items[1].first_event_timestamp_ms >= e2e_t0);
    logs_log_stream_list_free(sl);

    /* FilterLogEvents paged by hand: every event once, in time order */
    char *token = NULL;
    size_t total = 0;
    int pages = 0;
    char *ids[16];
    size_t nids = 0;
    bool saw_escape = false;
    do {
        struct logs_filter_log_events_in f = {
            .log_group_name = slow, .start_time_ms = e2e_t0, .limit = 3, .next_token = token};
        struct ie_res r = {0};
        logs_filter_log_events(e2e_sb.c, &f, cb_filter, &r);
        ie_wait_ok(&e2e_sb, &r, "FilterLogEvents");
        struct logs_filter_log_events_out *o = r.out;
        for (size_t i = 0; i < o->n_events; i++) {
            assert_non_null(o->events[i].event_id);
            for (size_t k = 0; k < nids; k++)
                assert_string_not_equal(ids[k], o->events[i].event_id);
            assert_true(nids < 16);
            ids[nids++] = mem_xstrdup(o->events[i].event_id);
            assert_true(o->events[i].timestamp_ms >= e2e_t0);
            assert_true(o->events[i].ingestion_time_ms > 0);
            if (strcmp(o->events[i].message,
                       "esc \x1b[31mred\x1b[0m tab\t caf\xc3\xa9 \"q\" \\b") == 0) {
                saw_escape = true;
                assert_string_equal(o->events[i].log_stream_name, e2e_streams[1]);
            }
        }
        total += o->n_events;
        free(token);
        token = o->next_token ? mem_xstrdup(o->next_token) : NULL;
        logs_filter_log_events_out_free(o);
        pages++;
    } while (token && pages < 50);
    assert_null(token);
    assert_int_equal(total, 10);
    for (size_t k = 0; k < nids; k++)
        free(ids[k]);
    assert_true(pages >= 4);
    assert_true(saw_escape);

    /* one stream, a time window */
    const char *one[] = {e2e_streams[0]};
    struct logs_filter_log_events_in fs = {.log_group_name = slow,
                                           .log_stream_names = one,
                                           .n_log_stream_names = 1,
                                           .start_time_ms = e2e_t0,
                                           .end_time_ms = e2e_t0 + 1500};
    struct ie_res r = {0};
    logs_filter_log_events(e2e_sb.c, &fs, cb_filter, &r);
    ie_wait_ok(&e2e_sb, &r, "FilterLogEvents (one stream, window)");
    struct logs_filter_log_events_out *o = r.out;
    assert_int_equal(o->n_events, 2); /* t0 and t0 + 1 s */
    for (size_t i = 0; i < o->n_events; i++)
        assert_string_equal(o->events[i].log_stream_name, e2e_streams[0]);
    logs_filter_log_events_out_free(o);

    /* a filter pattern is applied by the service */
    struct logs_filter_log_events_in fp = {
        .log_group_name = slow, .start_time_ms = e2e_t0, .filter_pattern = "esc"};
    struct ie_res pr = {0};
    logs_filter_log_events(e2e_sb.c, &fp, cb_filter, &pr);
    ie_wait_ok(&e2e_sb, &pr, "FilterLogEvents (pattern)");
    o = pr.out;
    assert_int_equal(o->n_events, 1);
    assert_string_equal(o->events[0].log_stream_name, e2e_streams[1]);
    logs_filter_log_events_out_free(o);

    /* GetLogEvents forward from the head until the token stops moving */
    char *fwd = NULL;
    size_t got = 0;
    for (int i = 0; i < 20; i++) {
        struct logs_get_log_events_in g = {.log_group_name = slow,
                                           .log_stream_name = e2e_streams[1],
                                           .has_start_from_head = true,
                                           .start_from_head = true,
                                           .limit = 2,
                                           .next_token = fwd};
        struct ie_res gr = {0};
        logs_get_log_events(e2e_sb.c, &g, cb_get, &gr);
        ie_wait_ok(&e2e_sb, &gr, "GetLogEvents");
        struct logs_get_log_events_out *go = gr.out;
        got += go->n_events;
        assert_non_null(go->next_forward_token);
        assert_non_null(go->next_backward_token);
        bool end = fwd && strcmp(fwd, go->next_forward_token) == 0;
        free(fwd);
        fwd = mem_xstrdup(go->next_forward_token);
        logs_get_log_events_out_free(go);
        if (end)
            break;
    }
    free(fwd);
    assert_int_equal(got, 5);
}

/* Hostile bytes delivered by the service (the sandbox writes them into the
 * log backend directly): NUL and escapes kept byte for byte, bytes that
 * are not UTF-8 arrive as U+FFFD (the JSON layer's repair), and the page
 * is never lost. */
static void test_e2e_hostile_message(void **state)
{
    (void)state;
    static const char stream[] = "elasticache/redis/app-4-0001-003/0001/slow-log";
    char body[512];
    snprintf(body, sizeof(body),
             "{\"log_group\":\"%s\",\"stream\":\"%s\",\"message_b64\":"
             "\"YmFkIP/+IGVuZCAAIG51bCAbWzMxbQ==\",\"timestamp_ms\":%lld}",
             slow, stream, (long long)(e2e_t0 + 500));
    assert_int_equal(e2e_control(&e2e_sb, "/_sandbox/logs/inject", body), 200);
    const char *names[] = {stream};
    struct logs_filter_log_events_in f = {.log_group_name = slow,
                                          .log_stream_names = names,
                                          .n_log_stream_names = 1,
                                          .start_time_ms = e2e_t0};
    struct ie_res r = {0};
    logs_filter_log_events(e2e_sb.c, &f, cb_filter, &r);
    ie_wait_ok(&e2e_sb, &r, "FilterLogEvents (hostile message)");
    struct logs_filter_log_events_out *o = r.out;
    assert_int_equal(o->n_events, 1);
    static const char want[] = "bad \xef\xbf\xbd\xef\xbf\xbd end \0 nul \x1b[31m";
    assert_int_equal(o->events[0].message_len, sizeof(want) - 1);
    assert_memory_equal(o->events[0].message, want, sizeof(want) - 1);
    assert_int_equal(o->events[0].timestamp_ms, e2e_t0 + 500);
    logs_filter_log_events_out_free(o);
}

static void test_e2e_errors_delete(void **state)
{
    (void)state;
    struct logs_filter_log_events_in f = {.log_group_name = "/no/such/group"};
    struct ie_res r = {0};
    logs_filter_log_events(e2e_sb.c, &f, cb_filter, &r);
    e2e_wait(&e2e_sb, &r.done, "FilterLogEvents (unknown group)");
    assert_null(r.out);
    assert_int_equal(r.err.kind, AWS_ERR_SERVICE);
    assert_string_equal(r.err.code, "ResourceNotFoundException");
    assert_true(r.err.request_id[0] != '\0');
    aws_error_clear(&r.err);

    struct logs_delete_log_group_in dg = {.log_group_name = engine};
    struct ie_res d = {0};
    logs_delete_log_group(e2e_sb.c, &dg, cb_ack, &d);
    ack(&d, "DeleteLogGroup");
    struct ie_res d2 = {0};
    logs_delete_log_group(e2e_sb.c, &dg, cb_ack, &d2);
    e2e_wait(&e2e_sb, &d2.done, "DeleteLogGroup (again)");
    assert_null(d2.out);
    assert_string_equal(d2.err.code, "ResourceNotFoundException");
    aws_error_clear(&d2.err);
}

/* ---- scripted server ---- */

struct script {
    int mode; /* 0: the same nextToken forever; 1: page 1 then hang */
    int seen;
};

static void script_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                           void *arg)
{
    (void)s;
    (void)req;
    struct script *sc = arg;
    sc->seen++;
    resp->action = SRV_RESPOND;
    resp->status = 200;
    resp->headers = "Content-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: r-1\r\n";
    if (sc->mode == 1 && sc->seen > 1) {
        resp->action = SRV_HANG;
        return;
    }
    resp->body = "{\"logStreams\":[{\"logStreamName\":\"s\"}],\"nextToken\":\"same\"}";
}

static void test_e2e_scripted(void **state)
{
    (void)state;
    struct script sc = {0};
    struct e2e x;
    e2e_local_start(&x, script_handler, &sc);
    struct logs_describe_log_streams_in in = {.log_group_name = slow};
    struct ie_res r = {0};
    logs_describe_log_streams(x.c, &in, cb_streams, &r);
    e2e_wait(&x, &r.done, "DescribeLogStreams (token loop)");
    assert_null(r.out);
    assert_string_equal(r.err.code, "PaginationLoop");
    assert_int_equal(sc.seen, 2);
    aws_error_clear(&r.err);

    sc.mode = 1;
    sc.seen = 0;
    struct ie_res c = {0};
    struct aws_call *h = logs_describe_log_streams(x.c, &in, cb_streams, &c);
    uint64_t deadline = loop_now_ms(x.l) + E2E_CALL_DEADLINE_MS;
    while (sc.seen < 2 && loop_now_ms(x.l) < deadline)
        loop_run_once(x.l, 50);
    assert_int_equal(sc.seen, 2);
    aws_call_cancel(h);
    e2e_idle(&x, 300);
    assert_int_equal(c.calls, 0);
    e2e_stop(&x);
}

/* ---- StartLiveTail against a scripted event stream ---- */

struct live_srv {
    int mode;         /* 0: stream; 1: 400 AccessDenied; 2: 200 JSON, no stream */
    struct buf first; /* frames sent with the headers */
    int conn;
    int requests;
    char target[128];
    char host[128];
    char *body;
};

static void live_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)s;
    struct live_srv *ls = arg;
    ls->requests++;
    ls->conn = req->conn;
    const char *t = srv_hdr(req, "X-Amz-Target"), *h = srv_hdr(req, "Host");
    snprintf(ls->target, sizeof(ls->target), "%s", t ? t : "");
    snprintf(ls->host, sizeof(ls->host), "%s", h ? h : "");
    free(ls->body);
    ls->body = mem_xstrdup(req->body);
    if (ls->mode == 1) {
        resp->action = SRV_RESPOND;
        resp->status = 400;
        resp->headers =
            "Content-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: r-denied\r\n";
        resp->body =
            "{\"__type\":\"AccessDeniedException\",\"message\":\"User is not authorized to "
            "perform: logs:StartLiveTail\"}";
        return;
    }
    if (ls->mode == 2) {
        resp->action = SRV_RESPOND;
        resp->status = 200;
        resp->headers = "Content-Type: application/x-amz-json-1.1\r\n";
        resp->body = "{}";
        return;
    }
    resp->action = SRV_STREAM;
    resp->status = 200;
    resp->headers =
        "Content-Type: application/vnd.amazon.eventstream\r\nx-amzn-RequestId: r-live\r\n";
    resp->body = ls->first.data;
    resp->body_len = ls->first.len;
}

static void live_frame(struct buf *b, const char *mtype, const char *tname, const char *tvalue,
                       const char *payload)
{
    struct eventstream_header_in h[3] = {
        {":message-type", EVENTSTREAM_STRING, 0, mtype, strlen(mtype)},
        {tname, EVENTSTREAM_STRING, 0, tvalue, strlen(tvalue)},
        {":content-type", EVENTSTREAM_STRING, 0, "application/json", 16},
    };
    assert_int_equal(eventstream_encode(b, h, 3, payload, strlen(payload)), 0);
}

struct live_res {
    int starts, updates, ends;
    char session[64];
    size_t results;
    bool sampled;
    char last_msg[128];
    int64_t last_ts;
    struct aws_error err;
    bool done;
    struct logs_live *l;
    bool cancel_on_update;
};

static void live_on_start(const struct logs_live_start *st, void *arg)
{
    struct live_res *r = arg;
    r->starts++;
    snprintf(r->session, sizeof(r->session), "%s", st->session_id ? st->session_id : "");
}

static void live_on_update(const struct logs_live_update *u, void *arg)
{
    struct live_res *r = arg;
    r->updates++;
    r->results += u->n;
    r->sampled = r->sampled || u->sampled;
    if (u->n) {
        snprintf(r->last_msg, sizeof(r->last_msg), "%s", u->results[u->n - 1].message);
        r->last_ts = u->results[u->n - 1].timestamp_ms;
    }
    if (r->cancel_on_update) {
        logs_live_cancel(r->l);
        logs_live_cancel(r->l); /* twice: harmless */
        r->done = true;
    }
}

static void live_on_end(const struct aws_error *err, void *arg)
{
    struct live_res *r = arg;
    r->ends++;
    aws_error_copy(&r->err, err);
    logs_live_cancel(r->l); /* a no-op here */
    r->done = true;
}

static struct logs_live *live_start(struct e2e *x, struct live_res *r)
{
    static const char *const arns[] = {"arn:aws:logs:us-east-2:123456789012:log-group:/a/slow"};
    struct logs_start_live_tail_in in = {
        .log_group_identifiers = arns,
        .n_log_group_identifiers = 1,
        .log_event_filter_pattern = "ERROR",
    };
    struct logs_live_callbacks cb = {live_on_start, live_on_update, live_on_end, r};
    aws_error_init(&r->err);
    r->l = logs_start_live_tail(x->c, &in, &cb, 2000);
    assert_non_null(r->l);
    return r->l;
}

static const char start_json[] =
    "{\"requestId\":\"rq-1\",\"sessionId\":\"sess-1\",\"logGroupIdentifiers\":[\"arn:aws:logs:"
    "us-east-2:123456789012:log-group:/a/slow\"],\"logEventFilterPattern\":\"ERROR\"}";

static void test_live_session(void **state)
{
    (void)state;
    struct live_srv ls = {0};
    buf_init(&ls.first, 0);
    live_frame(&ls.first, "event", ":event-type", "initial-response", "{}");
    live_frame(&ls.first, "event", ":event-type", "sessionStart", start_json);
    struct e2e x;
    e2e_local_start(&x, live_handler, &ls);
    struct live_res r = {0};
    live_start(&x, &r);
    while (r.starts == 0 && !r.done)
        loop_run_once(x.l, 50);
    assert_int_equal(r.starts, 1);
    assert_string_equal(r.session, "sess-1");
    assert_string_equal(ls.target, "Logs_20140328.StartLiveTail");
    /* an endpoint given by the user is used as given: no stream- prefix */
    assert_true(strncmp(ls.host, "127.0.0.1:", 10) == 0);
    json_error_t je;
    json_t *body = json_loads(ls.body, 0, &je);
    assert_non_null(body);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(body, "logGroupIdentifiers"), 0)),
        "arn:aws:logs:us-east-2:123456789012:log-group:/a/slow");
    assert_string_equal(json_string_value(json_object_get(body, "logEventFilterPattern")), "ERROR");
    json_decref(body);

    /* two updates in one frame set, split across chunks at every third byte */
    struct buf more;
    buf_init(&more, 0);
    live_frame(&more, "event", ":event-type", "sessionUpdate",
               "{\"sessionMetadata\":{\"sampled\":false},\"sessionResults\":[{\"logStreamName\":"
               "\"s1\",\"logGroupIdentifier\":\"123456789012:/a/slow\",\"message\":\"ERROR one\","
               "\"timestamp\":1714564805123,\"ingestionTime\":1714564805456}]}");
    live_frame(&more, "event", ":event-type", "sessionUpdate",
               "{\"sessionMetadata\":{\"sampled\":true},\"sessionResults\":[{\"logStreamName\":"
               "\"s2\",\"message\":\"ERROR t\\u0000wo\",\"timestamp\":1714564805124},7]}");
    live_frame(&more, "event", ":event-type", "somethingNew", "{}");
    for (size_t off = 0; off < more.len; off += 3) {
        size_t n = more.len - off < 3 ? more.len - off : 3;
        assert_true(srv_stream_write(x.srv, ls.conn, more.data + off, n));
        loop_run_once(x.l, 5);
    }
    while (r.updates < 2 && !r.done)
        loop_run_once(x.l, 50);
    assert_int_equal(r.updates, 2);
    assert_int_equal(r.results, 2);
    assert_true(r.sampled);
    assert_memory_equal(r.last_msg, "ERROR t", 8);
    assert_true(r.last_ts == 1714564805124LL);
    /* the 3-hour end */
    buf_reset(&more);
    live_frame(&more, "exception", ":exception-type", "SessionTimeoutException",
               "{\"message\":\"Session timed out after 3 hours\"}");
    assert_true(srv_stream_write(x.srv, ls.conn, more.data, more.len));
    e2e_wait(&x, &r.done, "the session's end");
    assert_int_equal(r.ends, 1);
    assert_string_equal(r.err.code, "SessionTimeoutException");
    assert_string_equal(r.err.message, "Session timed out after 3 hours");
    assert_string_equal(r.err.operation, "StartLiveTail");
    assert_string_equal(r.err.request_id, "r-live");
    aws_error_clear(&r.err);
    e2e_idle(&x, 100);
    assert_int_equal(r.ends, 1);
    buf_free(&more);
    buf_free(&ls.first);
    free(ls.body);
    e2e_stop(&x);
}

/* Run a session whose stream is first + what, then ends as told; returns
 * the end's error code in code. */
static void live_faulty(const char *what, size_t what_len, int end, char *code, size_t n, int mode)
{
    struct live_srv ls = {.mode = mode};
    buf_init(&ls.first, 0);
    live_frame(&ls.first, "event", ":event-type", "initial-response", "{}");
    live_frame(&ls.first, "event", ":event-type", "sessionStart", start_json);
    struct e2e x;
    e2e_local_start(&x, live_handler, &ls);
    struct live_res r = {0};
    live_start(&x, &r);
    while (ls.requests == 0 || (mode == 0 && r.starts == 0 && !r.done))
        loop_run_once(x.l, 50);
    if (what_len)
        srv_stream_write(x.srv, ls.conn, what, what_len);
    if (end == 1)
        srv_stream_end(x.srv, ls.conn, true, false);
    else if (end == 2)
        srv_stream_end(x.srv, ls.conn, false, false);
    e2e_wait(&x, &r.done, "the session's end");
    assert_int_equal(r.ends, 1);
    snprintf(code, n, "%s", r.err.code);
    aws_error_clear(&r.err);
    buf_free(&ls.first);
    free(ls.body);
    e2e_stop(&x);
}

static void test_live_faults(void **state)
{
    (void)state;
    char code[96];
    struct buf b;
    buf_init(&b, 0);
    live_frame(&b, "event", ":event-type", "sessionUpdate", "{\"sessionResults\":[]}");
    /* a corrupted CRC */
    b.data[b.len - 1] ^= 0x55;
    live_faulty(b.data, b.len, 0, code, sizeof(code), 0);
    assert_string_equal(code, "EventStreamChecksum");
    /* the body ends (cleanly) inside a message */
    live_faulty(b.data, b.len / 2, 1, code, sizeof(code), 0);
    assert_string_equal(code, "EventStreamTruncated");
    /* the connection is cut inside a message */
    live_faulty(b.data, b.len / 2, 2, code, sizeof(code), 0);
    assert_true(strcmp(code, "PartialResponse") == 0 || strcmp(code, "RecvError") == 0);
    /* a clean end without an exception */
    live_faulty(NULL, 0, 1, code, sizeof(code), 0);
    assert_string_equal(code, "StreamEnded");
    /* silence past the idle time (2 s here) */
    live_faulty(NULL, 0, 0, code, sizeof(code), 0);
    assert_string_equal(code, "OperationTimedOut");
    /* an error message, and a throttling exception */
    buf_reset(&b);
    struct eventstream_header_in eh[] = {
        {":message-type", EVENTSTREAM_STRING, 0, "error", 5},
        {":error-code", EVENTSTREAM_STRING, 0, "InternalFailure", 15},
        {":error-message", EVENTSTREAM_STRING, 0, "boom", 4},
    };
    assert_int_equal(eventstream_encode(&b, eh, 3, NULL, 0), 0);
    live_faulty(b.data, b.len, 0, code, sizeof(code), 0);
    assert_string_equal(code, "InternalFailure");
    buf_reset(&b);
    live_frame(&b, "exception", ":exception-type", "SessionStreamingException",
               "{\"message\":\"x\"}");
    live_faulty(b.data, b.len, 0, code, sizeof(code), 0);
    assert_string_equal(code, "SessionStreamingException");
    /* a payload that is not what its event type says */
    buf_reset(&b);
    live_frame(&b, "event", ":event-type", "sessionUpdate", "[1,2]");
    live_faulty(b.data, b.len, 0, code, sizeof(code), 0);
    assert_string_equal(code, "MalformedResponse");
    /* refused before streaming; an endpoint that is not an event stream */
    live_faulty(NULL, 0, 0, code, sizeof(code), 1);
    assert_string_equal(code, "AccessDeniedException");
    live_faulty(NULL, 0, 0, code, sizeof(code), 2);
    assert_string_equal(code, "NotAnEventStream");
    buf_free(&b);
}

static void test_live_cancel(void **state)
{
    (void)state;
    struct live_srv ls = {0};
    buf_init(&ls.first, 0);
    live_frame(&ls.first, "event", ":event-type", "sessionStart", start_json);
    live_frame(&ls.first, "event", ":event-type", "sessionUpdate", "{\"sessionResults\":[]}");
    live_frame(&ls.first, "event", ":event-type", "sessionUpdate", "{\"sessionResults\":[]}");
    struct e2e x;
    e2e_local_start(&x, live_handler, &ls);
    /* from inside an update: the next update (same piece) never comes */
    struct live_res r = {.cancel_on_update = true};
    live_start(&x, &r);
    e2e_wait(&x, &r.done, "the first update");
    e2e_idle(&x, 200);
    assert_int_equal(r.updates, 1);
    assert_int_equal(r.ends, 0);
    /* from outside, mid-stream */
    struct live_res r2 = {0};
    live_start(&x, &r2);
    while (r2.updates < 2)
        loop_run_once(x.l, 50);
    logs_live_cancel(r2.l);
    e2e_idle(&x, 200);
    assert_int_equal(r2.ends, 0);
    /* before anything was sent */
    struct live_res r3 = {0};
    logs_live_cancel(live_start(&x, &r3));
    e2e_idle(&x, 200);
    assert_int_equal(r3.ends + r3.starts, 0);
    buf_free(&ls.first);
    free(ls.body);
    e2e_stop(&x);
}

/* Without a configured endpoint the call goes to stream-logs.REGION: seen
 * as the CONNECT a proxy receives. */
static void test_live_host_prefix(void **state)
{
    (void)state;
    struct live_srv ls = {.mode = 1};
    buf_init(&ls.first, 0);
    struct e2e x;
    e2e_local_start(&x, live_handler, &ls);
    aws_client_free(x.c);
    x.endpoint[0] = '\0';
    char proxy[64];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", x.srv->port);
    setenv("HTTPS_PROXY", proxy, 1);
    x.c = e2e_new_client(&x, 1);
    struct aws_client *c = x.c;
    char *ep = aws_client_endpoint(c, &svc_logs);
    assert_string_equal(ep, "https://logs.us-east-2.amazonaws.com/");
    free(ep);
    struct live_res r = {0};
    live_start(&x, &r);
    e2e_wait(&x, &r.done, "the proxied attempt");
    unsetenv("HTTPS_PROXY");
    assert_true(x.srv->nreqs >= 1);
    assert_string_equal(x.srv->reqs[0]->method, "CONNECT");
    assert_string_equal(x.srv->reqs[0]->target, "stream-logs.us-east-2.amazonaws.com:443");
    aws_error_clear(&r.err);
    buf_free(&ls.first);
    free(ls.body);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_simple),       cmocka_unit_test(test_req_describe),
        cmocka_unit_test(test_req_events),       cmocka_unit_test(test_req_raw_bytes),
        cmocka_unit_test(test_decode_all),       cmocka_unit_test(test_decode_meaning),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_e2e_scripted),     cmocka_unit_test(test_live_session),
        cmocka_unit_test(test_live_faults),      cmocka_unit_test(test_live_cancel),
        cmocka_unit_test(test_live_host_prefix),
    };
    const struct CMUnitTest sandbox[] = {
        cmocka_unit_test(test_e2e_groups),         cmocka_unit_test(test_e2e_tags),
        cmocka_unit_test(test_e2e_put_filter_get), cmocka_unit_test(test_e2e_hostile_message),
        cmocka_unit_test(test_e2e_errors_delete),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests_name("sandbox", sandbox, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}

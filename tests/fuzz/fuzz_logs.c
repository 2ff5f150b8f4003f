/* fuzz_logs.c - CloudWatch Logs JSON responses through the typed parsers
 * (logs_parse_*), and every event of a FilterLogEvents/GetLogEvents page
 * through the record parser and both renderings (terminal-safe, ASCII
 * JSON: the target aborts otherwise), as `elcui logs` does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsjson.h"
#include "aws/buf.h"
#include "aws/logs.h"
#include "aws/mem.h"
#include "core/logs/logrec.h"
#include "tests/fuzz/fuzz_safe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void records(const struct logs_event *evs, size_t n, const char *stream)
{
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < n && i < 64; i++) {
        struct logrec_event ev = {
            .event_id = evs[i].event_id,
            .log_group = "/aws/elasticache/app-4/slow-log",
            .log_stream = evs[i].log_stream_name ? evs[i].log_stream_name : stream,
            .message = evs[i].message ? evs[i].message : "",
            .message_len = evs[i].message ? evs[i].message_len : 0,
            .timestamp_ms = evs[i].timestamp_ms,
            .ingestion_ms = evs[i].ingestion_time_ms,
            .hint = LOGREC_UNKNOWN,
        };
        struct logrec *r = logrec_new(&ev, NULL, NULL);
        if (logrec_format_human(r, &out) == 0)
            fuzz_assert_terminal_safe("human", out.data ? out.data : "", out.len, true);
        buf_reset(&out);
        if (logrec_format_json(r, &out) == 0)
            fuzz_assert_ascii("json", out.data ? out.data : "", out.len);
        buf_reset(&out);
        logrec_free(r);
    }
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL;
    struct aws_error err;
    aws_error_init(&err);
    if (awsjson_parse((const char *)data, size, 200, &obj, &err) != 0) {
        free(aws_error_format(&err));
        aws_error_clear(&err);
        if (awsjson_parse((const char *)data, size, 400, &obj, &err) == 0)
            json_decref(obj);
        free(aws_error_format(&err));
        aws_error_clear(&err);
        return 0;
    }
    struct logs_filter_log_events_out *f = mem_xcalloc(1, sizeof(*f));
    if (logs_parse_filter_log_events(obj, f, &err) == 0)
        records(f->events, f->n_events, "elasticache/redis/app-4-0001-001/0001/slow-log");
    logs_filter_log_events_out_free(f);
    aws_error_clear(&err);
    struct logs_get_log_events_out *g = mem_xcalloc(1, sizeof(*g));
    if (logs_parse_get_log_events(obj, g, &err) == 0)
        records(g->events, g->n_events, "elasticache/redis/app-4-0002-001/0001/engine-log");
    logs_get_log_events_out_free(g);
    aws_error_clear(&err);
    struct logs_log_group_list *lg = mem_xcalloc(1, sizeof(*lg));
    (void)logs_parse_describe_log_groups(obj, lg, &err);
    logs_log_group_list_free(lg);
    aws_error_clear(&err);
    struct logs_log_stream_list *ls = mem_xcalloc(1, sizeof(*ls));
    (void)logs_parse_describe_log_streams(obj, ls, &err);
    logs_log_stream_list_free(ls);
    aws_error_clear(&err);
    struct logs_put_log_events_out *p = mem_xcalloc(1, sizeof(*p));
    (void)logs_parse_put_log_events(obj, p, &err);
    logs_put_log_events_out_free(p);
    aws_error_clear(&err);
    json_decref(obj);
    return 0;
}

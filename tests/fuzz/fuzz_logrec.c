/* fuzz_logrec.c - slow-log and engine-log records (JSON and TEXT, both
 * log types; logrec_parse_message and logrec_new), stream names, engine
 * times, and the two renderings: the human line must be terminal-safe and
 * the JSON line printable ASCII whatever the message holds (the target
 * aborts otherwise). Input: the message; its length picks the hint and
 * the stream. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "core/logs/logrec.h"
#include "tests/fuzz/fuzz_safe.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool label(void *ctx, const char *cc, const char *node, int64_t at_ms,
                  struct logrec_labels *out)
{
    (void)ctx;
    (void)node;
    (void)at_ms;
    if (!cc || !*cc || cc[0] == 'x')
        return false;
    /* labels carry remote text too (node group ids, AZ names) */
    snprintf(out->shard, sizeof(out->shard), "%.8s", cc);
    snprintf(out->role, sizeof(out->role), "primary");
    snprintf(out->az, sizeof(out->az), "us-east-2a");
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const streams[] = {
        "elasticache/redis/app-4-0001-001/0001/slow-log",
        "elasticache/valkey/app-4-0002-002/0001/engine-log",
        "some-other-stream",
        "",
    };
    static const enum logrec_type hints[] = {LOGREC_UNKNOWN, LOGREC_SLOW, LOGREC_ENGINE};
    const char *msg = (const char *)data;
    enum logrec_type hint = hints[size % 3];

    struct buf scratch, out;
    buf_init(&scratch, 0);
    buf_init(&out, 0);
    struct logrec rec;
    memset(&rec, 0, sizeof(rec));
    (void)logrec_parse_message(msg, size, hint, &rec, &scratch);
    if (rec.command) {
        char name[64];
        logrec_command_name(&rec, name, sizeof(name));
    }
    buf_reset(&scratch);

    struct logrec_event ev = {
        .event_id = "38231283910224617213929291237463028475610362018652160000",
        .log_group = "/aws/elasticache/app-4/slow-log",
        .log_stream = streams[(size / 3) % 4],
        .message = msg,
        .message_len = size,
        .timestamp_ms = 1714564805000LL,
        .ingestion_ms = 1714564806000LL,
        .hint = hint,
    };
    struct logrec *r = logrec_new(&ev, (size & 8) ? label : NULL, NULL);
    (void)logrec_size(r);
    if (logrec_format_human(r, &out) == 0)
        fuzz_assert_terminal_safe("logrec_format_human", out.data ? out.data : "", out.len, true);
    buf_reset(&out);
    if (logrec_format_json(r, &out) == 0)
        fuzz_assert_ascii("logrec_format_json", out.data ? out.data : "", out.len);
    buf_reset(&out);
    logrec_free(r);

    /* the message as a stream name, as an engine time, as a level */
    char *s = fuzz_strdup(data, size < 512 ? size : 512);
    struct logrec_stream st;
    (void)logrec_parse_stream(s, &st);
    ev.log_stream = s;
    r = logrec_new(&ev, label, NULL);
    if (logrec_format_human(r, &out) == 0)
        fuzz_assert_terminal_safe("logrec_format_human(stream)", out.data ? out.data : "", out.len,
                                  true);
    buf_reset(&out);
    if (logrec_format_json(r, &out) == 0)
        fuzz_assert_ascii("logrec_format_json(stream)", out.data ? out.data : "", out.len);
    buf_reset(&out);
    logrec_free(r);
    int64_t ms;
    (void)logrec_parse_engine_time(s, strlen(s), &ms);
    enum logrec_level lv;
    (void)logrec_level_parse(s, &lv);
    free(s);

    /* the renderers alone */
    if (logrec_safe_append(&out, msg, size) == 0)
        fuzz_assert_terminal_safe("logrec_safe_append", out.data ? out.data : "", out.len, false);
    buf_reset(&out);
    if (logrec_json_append(&out, msg, size) == 0)
        fuzz_assert_ascii("logrec_json_append", out.data ? out.data : "", out.len);
    buf_free(&out);
    buf_free(&scratch);
    return 0;
}

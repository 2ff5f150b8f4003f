/* fuzz_logstore.c - the log panel's record store: whatever a message holds
 * (ElastiCache's JSON layouts with odd values, escapes, NUL, invalid UTF-8,
 * TEXT, garbage) and whatever the event id and stream look like, the record
 * the store gives back renders exactly as the one that went in (JSON and
 * human lines, raw message, event id), its spans hold what the parse gave,
 * and search and filters over it do not crash (the target aborts on any
 * difference). Input: byte 0 picks the stream, hint and event id; the rest
 * is the message (also spliced into the canonical slow-log layout). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "core/logs/logrec.h"
#include "core/logs/logstore.h"
#include "core/logs/logsum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool label(void *ctx, const char *cc, const char *node, int64_t at_ms,
                  struct logrec_labels *out)
{
    (void)ctx;
    (void)node;
    (void)at_ms;
    if (!cc || !*cc || cc[0] == 'x')
        return false;
    snprintf(out->shard, sizeof(out->shard), "%.6s", cc);
    snprintf(out->role, sizeof(out->role), "%s", at_ms & 1 ? "replica" : "primary");
    snprintf(out->az, sizeof(out->az), "us-east-2a");
    return true;
}

static void same(const struct logrec *a, const struct logrec *b)
{
    struct buf x, y;
    buf_init(&x, 0);
    buf_init(&y, 0);
    logrec_format_json(a, &x);
    logrec_format_json(b, &y);
    if (x.len != y.len || memcmp(buf_str(&x), buf_str(&y), x.len) != 0)
        abort();
    buf_reset(&x);
    buf_reset(&y);
    logrec_format_human(a, &x);
    logrec_format_human(b, &y);
    if (x.len != y.len || memcmp(buf_str(&x), buf_str(&y), x.len) != 0)
        abort();
    buf_free(&x);
    buf_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const streams[] = {
        "elasticache/redis/app-4-0001-001/0001/slow-log",
        "elasticache/valkey/app-4-0002-002/0001/engine-log",
        "some-other-stream",
        "",
    };
    static const char *const eids[] = {"38231283910224617213929291237463028475610362018652160000",
                                       "12", "", "not-digits-\x01"};
    static const enum logrec_type hints[] = {LOGREC_UNKNOWN, LOGREC_SLOW, LOGREC_ENGINE};
    if (size < 1)
        return 0;
    uint8_t pick = data[0];
    const char *msg = (const char *)data + 1;
    size_t len = size - 1;
    struct logstore *s = logstore_new(3);
    int src = logstore_source(s, "/g", hints[pick % 3]);
    struct logstore_view *v = logstore_view_new(s);
    /* the message as it is, and spliced into ElastiCache's slow-log layout
     * (as the Command, and as the client) */
    struct buf m[3];
    for (int k = 0; k < 3; k++)
        buf_init(&m[k], 0);
    buf_append(&m[0], msg, len);
    buf_appends(&m[1], "{\"CacheClusterId\":\"app-4-0001-001\",\"CacheNodeId\":\"0001\",\"Id\":1,"
                       "\"Timestamp\":1714564805,\"Duration (us)\":10,\"Command\":\"");
    buf_append(&m[1], msg, len);
    buf_appends(&m[1], "\",\"ClientAddress\":\"1.2.3.4:5\",\"ClientName\":\"n\"}");
    buf_appends(&m[2], "{\"CacheClusterId\":\"app-4-0001-001\",\"CacheNodeId\":\"0001\","
                       "\"LogLevel\":\"NOTICE\",\"Role\":\"S\",\"Time\":\"01 May 2024 12:03:41.517 "
                       "UTC\",\"Message\":\"");
    buf_append(&m[2], msg, len);
    buf_appends(&m[2], "\"}");
    struct logstore_full full;
    logstore_full_init(&full);
    for (int k = 0; k < 3; k++) {
        struct logrec_event ev = {
            .event_id = eids[(pick >> 2) % 4],
            .log_group = "/g",
            .log_stream = streams[(pick >> 4) % 4],
            .message = m[k].data ? m[k].data : "",
            .message_len = m[k].len,
            .timestamp_ms = 1714564805000LL + (pick & 3) * 7 - 500,
            .ingestion_ms = (pick & 64) ? 1714564805000LL + 5000000000LL : 1714564806000LL,
            .hint = hints[pick % 3],
        };
        struct logrec *r = logrec_new(&ev, label, NULL);
        uint64_t seq = logstore_push(s, src, r);
        if (!logstore_full(s, seq, &full))
            abort();
        same(r, &full.rec);
        struct logstore_row row;
        if (!logstore_row(s, seq, &row))
            abort();
        if (row.spans && r->type == LOGREC_SLOW &&
            (row.text.n != r->command_len || memcmp(row.text.p, r->command, r->command_len) ||
             row.client.n != r->client_len || memcmp(row.client.p, r->client, r->client_len)))
            abort();
        if (row.spans && r->type == LOGREC_ENGINE &&
            (row.text.n != r->text_len || memcmp(row.text.p, r->text, r->text_len)))
            abort();
        logrec_free(r);
    }
    logstore_push_gap(s, src, 1, 0, "error", len && msg[0] ? "detail" : "");
    /* search and filters over what was kept */
    char q[32];
    snprintf(q, sizeof(q), "%s%.*s", (pick & 128) ? "~" : "", (int)(len < 8 ? len : 8), msg);
    struct logstore_search search;
    logstore_search_init(&search, q);
    logstore_view_count_matches(v, &search);
    logstore_view_find(v, &search, 1, -1);
    logstore_search_free(&search);
    struct logstore_filter f = {.command = "KEYS",
                                .client = "1.2.3.4",
                                .min_duration_us = 5,
                                .shard = "app-4-",
                                .min_level = LOGREC_LEVEL_NOTICE};
    logstore_view_set_filter(v, &f);
    logsum_free(logsum_build(v, pick & 1));
    logstore_full_free(&full);
    for (int k = 0; k < 3; k++)
        buf_free(&m[k]);
    logstore_free(s);
    return 0;
}

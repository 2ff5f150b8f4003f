/* fuzz_resp3.c - RESP3 replies: elcui's own RESP3 reader (core/redis/resp3.h)
 * fed the input whole, one byte at a time, split at a point the input
 * picks and in uneven pieces: every way must give the same replies (their
 * redis-cli and JSON renderings compared) or the same error; a prefix of
 * the input must never give more replies than the whole; what a reply
 * keeps never costs more than the cap (a small cap on odd inputs, so cut
 * replies, dropped strings and hostile lengths are fuzzed too). Every
 * reply goes through exec's renderings (terminal-safe, JSON that parses)
 * and the panel's bounded one. Then the same bytes over a real socket to
 * a scripted node through a connection that switched to RESP3 with
 * HELLO 3 (the first part answers it), with pushes out of band.
 * Input: reply bytes; with FUZZ_SEP, one part per request (fuzz_redis.h). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/redis/rconn.h"
#include "core/redis/resp3.h"
#include "core/redis/rrender.h"
#include "core/redis/rsession.h"
#include "tests/fuzz/fuzz_redis.h"
#include "tests/fuzz/fuzz_safe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const redisReply *r, struct buf *out)
{
    struct buf b;
    buf_init(&b, 0);
    for (int raw = 0; raw < 2; raw++) {
        rrender_reply(&b, r, raw != 0);
        fuzz_assert_lines_safe(raw ? "rrender_reply(raw)" : "rrender_reply", b.data ? b.data : "",
                               b.len);
        if (!raw && out)
            buf_append(out, b.data ? b.data : "", b.len);
        buf_reset(&b);
        rrender_push(&b, r, raw != 0);
        fuzz_assert_lines_safe("rrender_push", b.data ? b.data : "", b.len);
        buf_reset(&b);
    }
    rsession_render(&b, r, NULL, 50, 200, 300, NULL);
    fuzz_assert_lines_safe("rsession_render", b.data ? b.data : "", b.len);
    buf_reset(&b);
    rrender_json(&b, r);
    json_error_t jerr;
    json_t *j = json_loadb(b.data ? b.data : "", b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j) {
        fprintf(stderr, "rrender_json wrote invalid JSON (%s): %.*s\n", jerr.text, (int)b.len,
                b.data ? b.data : "");
        abort();
    }
    json_decref(j);
    if (out)
        buf_append(out, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* Read data in pieces: step(k) gives the size of the k-th piece. The
 * renderings go to out; returns the replies, *failed when it stopped on
 * an error. */
static size_t read_pieces(const uint8_t *data, size_t size, size_t cap, size_t split, size_t unit,
                          struct buf *out, bool *failed)
{
    struct resp3_reader *rd = resp3_reader_new(cap);
    size_t off = 0, replies = 0, k = 0;
    *failed = false;
    while (off < size && !*failed) {
        size_t n = size - off;
        if (split && off < split)
            n = split - off;
        else if (unit && n > unit + k % 5)
            n = unit + k % 5;
        k++;
        size_t pos = 0;
        while (pos < n) {
            size_t used = 0;
            redisReply *r = NULL;
            struct resp3_stats st;
            enum resp3_status s =
                resp3_reader_feed(rd, (const char *)data + off + pos, n - pos, &used, &r, &st);
            if (used > n - pos)
                abort();
            pos += used;
            if (s == RESP3_ERROR) {
                *failed = true;
                buf_appends(out, "ERROR ");
                buf_appends(out, resp3_reader_error(rd));
                break;
            }
            if (s == RESP3_MORE) {
                if (pos != n)
                    abort(); /* more wanted, but bytes left over */
                break;
            }
            if (st.cost > cap)
                abort(); /* what is kept never passes the cap */
            if (!r && st.dropped == 0)
                abort(); /* no reply only when nothing of it fit */
            replies++;
            buf_printf(out, "#%zu %s\n", replies, st.push ? "push" : "reply");
            render(r, out);
            freeReplyObject(r);
        }
        off += n;
    }
    resp3_reader_free(rd);
    return replies;
}

static void direct(const uint8_t *data, size_t size)
{
    size_t cap = size & 1 ? 4096 : (size_t)1 << 20;
    struct buf whole, other;
    buf_init(&whole, 0);
    buf_init(&other, 0);
    bool f1, f2;
    size_t want = read_pieces(data, size, cap, 0, 0, &whole, &f1);
    /* split where the input says, and in uneven pieces */
    size_t split = size ? (size_t)data[0] * 131 % (size + 1) : 0;
    size_t got = read_pieces(data, size, cap, split, 0, &other, &f2);
    if (got != want || f1 != f2 || whole.len != other.len ||
        (whole.len && memcmp(whole.data, other.data, whole.len) != 0)) {
        fprintf(stderr, "split at %zu reads differently\n", split);
        abort();
    }
    buf_reset(&other);
    got = read_pieces(data, size, cap, 0, size < 2048 ? 1 : 7, &other, &f2);
    if (got != want || f1 != f2 || whole.len != other.len ||
        (whole.len && memcmp(whole.data, other.data, whole.len) != 0)) {
        fprintf(stderr, "reading in pieces differs\n");
        abort();
    }
    /* truncated: never more than the whole */
    if (size > 1) {
        buf_reset(&other);
        got = read_pieces(data, (size_t)data[size - 1] % size, cap, 0, 0, &other, &f2);
        if (got > want)
            abort();
    }
    buf_free(&whole);
    buf_free(&other);
}

struct fz {
    int pending;
    bool done;
};

static void got(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct fz *f = arg;
    if (res->reply)
        render(res->reply, NULL);
    redisReply *pushes[RCONN_MAX_PUSHES];
    size_t n = rconn_take_pushes(c, pushes, RCONN_MAX_PUSHES, NULL);
    for (size_t i = 0; i < n; i++) {
        render(pushes[i], NULL);
        freeReplyObject(pushes[i]);
    }
    if (res->trunc && res->trunc->cost > res->trunc->limit)
        abort();
    if (--f->pending == 0)
        f->done = true;
}

static void over_socket(const uint8_t *data, size_t size)
{
    struct loop *l = loop_new();
    struct fzr srv;
    if (fzr_start(&srv, l, data, size) != 0)
        abort();
    struct rconn_options o = {
        .host = "127.0.0.1",
        .port = srv.port,
        .connect_timeout_ms = 200,
        .command_timeout_ms = 200,
        .max_reply_bytes = size & 1 ? 4096 : 1 << 20,
        .protocol = 3, /* HELLO 3 first: the input's first part answers it */
    };
    struct rconn *c = rconn_open(l, &o);
    struct fz f = {0};
    static const char *const cmds[][2] = {
        {"HGETALL", "h"}, {"HELLO", "2"}, {"GET", "k"}, {"HELLO", "3"}, {"SMEMBERS", "s"},
    };
    for (size_t i = 0; c && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (rconn_command_argv(c, 2, cmds[i], NULL, 0, got, &f) == 0)
            f.pending++;
    if (f.pending)
        (void)loop_run_until(l, &f.done, loop_now_ms(l) + 5000);
    if (c)
        rconn_close(c);
    bool never = false;
    (void)loop_run_until(l, &never, loop_now_ms(l) + 1);
    fzr_stop(&srv);
    loop_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    direct(data, size);
    over_socket(data, size);
    return 0;
}

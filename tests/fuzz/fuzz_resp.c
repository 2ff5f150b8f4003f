/* fuzz_resp.c - RESP replies: hiredis's reader fed in uneven chunks (as
 * TCP delivers them), then the same bytes through elcui's own connection
 * (rconn: its reader configuration, its framing, the memory budget of a
 * reply - a small one on odd inputs, so cut replies are fuzzed too - and
 * the command queue) over
 * a real socket to a scripted node, COMMAND INFO entries through
 * rcmd_parse and the key-position rules (rcmd_keys), and every reply
 * through exec's renderings (rrender): the redis-cli and raw forms must be
 * terminal-safe and the JSON form must parse (the target aborts
 * otherwise). The input is also split as an exec prompt line.
 * Input: reply bytes; with FUZZ_SEP, one part per request (fuzz_redis.h). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/redis/rcmd.h"
#include "core/redis/rconn.h"
#include "core/redis/rrender.h"
#include "tests/fuzz/fuzz_reader.h"
#include "tests/fuzz/fuzz_redis.h"
#include "tests/fuzz/fuzz_safe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each_info(const struct rcmd_info *info, void *arg)
{
    (void)arg;
    int idx[16];
    (void)rcmd_keys(info, 6, idx, 16);
}

static void flushed(struct buf *b, void *arg)
{
    (void)arg;
    fuzz_assert_lines_safe("rrender (flushed)", b->data ? b->data : "", b->len);
    buf_reset(b);
}

static void render(const redisReply *r)
{
    struct buf b;
    buf_init(&b, 0);
    for (int raw = 0; raw < 2; raw++) {
        rrender_reply(&b, r, raw != 0);
        fuzz_assert_lines_safe(raw ? "rrender_reply(raw)" : "rrender_reply", b.data ? b.data : "",
                               b.len);
        buf_reset(&b);
        /* text replies (INFO...) and rendering in pieces */
        struct rrender_opts o = {.raw = raw != 0, .text = true, .flush = flushed};
        rrender_reply_opts(&b, r, &o);
        fuzz_assert_lines_safe("rrender_reply(text)", b.data ? b.data : "", b.len);
        buf_reset(&b);
    }
    rrender_json(&b, r);
    json_error_t jerr;
    json_t *j = json_loadb(b.data ? b.data : "", b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j) {
        fprintf(stderr, "rrender_json wrote invalid JSON (%s): %.*s\n", jerr.text, (int)b.len,
                b.data ? b.data : "");
        abort();
    }
    json_decref(j);
    fuzz_assert_lines_safe("rrender_json", b.data ? b.data : "", b.len);
    buf_free(&b);
}

static void walk(const redisReply *r, int depth)
{
    if (!r || depth > 8)
        return;
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements && i < 256; i++) {
            (void)rcmd_parse(r->element[i], each_info, NULL);
            walk(r->element[i], depth + 1);
        }
    }
}

static void direct(const uint8_t *data, size_t size)
{
    redisReader *rd = fuzz_reader_new(); /* arrays capped as rconn caps them */
    if (!rd)
        return;
    size_t off = 0;
    unsigned step = 1 + (size % 7);
    while (off < size) {
        size_t n = size - off < step ? size - off : step;
        if (redisReaderFeed(rd, (const char *)data + off, n) != REDIS_OK)
            break;
        off += n;
        step = step * 3 + 1;
        void *reply = NULL;
        int rc;
        while ((rc = redisReaderGetReply(rd, &reply)) == REDIS_OK && reply) {
            walk(reply, 0);
            render(reply);
            freeReplyObject(reply);
            reply = NULL;
        }
        if (rc != REDIS_OK)
            break;
    }
    redisReaderFree(rd);
}

struct fz {
    int pending;
    bool done;
};

static void got(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct fz *f = arg;
    (void)c;
    if (res->reply) {
        walk(res->reply, 0);
        render(res->reply);
        (void)rcmd_parse(res->reply, each_info, NULL);
    }
    if (res->trunc) {
        char text[400];
        rconn_trunc_text(res->trunc, text, sizeof(text));
        if (res->trunc->cost > res->trunc->limit)
            abort(); /* what is kept never passes the cap */
    }
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
    };
    struct rconn *c = rconn_open(l, &o);
    struct fz f = {0};
    static const char *const cmds[][3] = {
        {"COMMAND", "INFO", "GET"},
        {"GET", "k", NULL},
        {"CLUSTER", "SHARDS", NULL},
    };
    for (size_t i = 0; c && i < 3; i++) {
        int argc = cmds[i][2] ? 3 : 2;
        if (rconn_command_argv(c, argc, cmds[i], NULL, 0, got, &f) == 0)
            f.pending++;
    }
    if (f.pending)
        (void)loop_run_until(l, &f.done, loop_now_ms(l) + 5000);
    if (c)
        rconn_close(c);
    bool never = false;
    (void)loop_run_until(l, &never, loop_now_ms(l) + 1);
    fzr_stop(&srv);
    loop_free(l);
}

static void split_line(const uint8_t *data, size_t size)
{
    char *line = fuzz_strdup(data, size < 4096 ? size : 4096);
    struct rrender_args a;
    memset(&a, 0, sizeof(a));
    if (rrender_split(line, &a) == 0) {
        struct buf b;
        buf_init(&b, 0);
        for (int i = 0; i < a.argc; i++) {
            rrender_quoted(&b, a.argv[i], a.argvlen[i]);
            rrender_safe(&b, a.argv[i], a.argvlen[i]);
        }
        fuzz_assert_lines_safe("rrender_quoted/safe", b.data ? b.data : "", b.len);
        buf_free(&b);
    }
    rrender_args_free(&a);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    direct(data, size);
    over_socket(data, size);
    split_line(data, size);
    return 0;
}

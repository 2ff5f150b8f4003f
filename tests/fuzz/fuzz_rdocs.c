/* fuzz_rdocs.c - what a server says about its commands, and replies
 * shown within bounds: the input read as RESP (hiredis's reader) is
 * parsed as a COMMAND DOCS answer (core/redis/rdocs) and then asked for
 * completions and hints of lines cut from the input; every reply is also
 * rendered within bounds (rsession_render). Hints, candidates and
 * renderings must be terminal-safe (the target aborts otherwise), and
 * the rendering bounded. Input: RESP bytes. */
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/redis/rdocs.h"
#include "core/redis/rsession.h"
#include "tests/fuzz/fuzz_reader.h"
#include "tests/fuzz/fuzz_safe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *what, const char *s)
{
    for (size_t i = 0; s && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            fprintf(stderr, "%s: control byte 0x%02x\n", what, c);
            abort();
        }
    }
}

static void cand(void *ctx, const char *c)
{
    (void)ctx;
    check("candidate", c);
}

static void ask(const struct rdocs *d, const char *line)
{
    char *h = rdocs_hint(d, line);
    check("hint", h);
    free(h);
    (void)rdocs_complete(d, line, strlen(line), cand, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd = fuzz_reader_new(); /* arrays capped as rconn caps them */
    if (!rd)
        return 0;
    redisReaderFeed(rd, (const char *)data, size);
    void *reply = NULL;
    for (int n = 0; n < 8 && redisReaderGetReply(rd, &reply) == REDIS_OK && reply; n++) {
        struct rdocs *d = rdocs_parse(reply, NULL);
        if (d) {
            for (size_t i = 0; i < d->n && i < 20; i++) {
                char line[200];
                check("name", d->cmds[i].name);
                check("args", d->cmds[i].args);
                snprintf(line, sizeof(line), "%s", d->cmds[i].name);
                ask(d, line);
                snprintf(line, sizeof(line), "%s a b ", d->cmds[i].name);
                ask(d, line);
                snprintf(line, sizeof(line), "%.3s", d->cmds[i].name);
                ask(d, line);
                if (d->cmds[i].nsubs) {
                    snprintf(line, sizeof(line), "%s %s x", d->cmds[i].name,
                             d->cmds[i].subs[0].name);
                    ask(d, line);
                }
            }
            rdocs_free(d);
        }
        struct buf b;
        buf_init(&b, 0);
        struct rsession_render_info info;
        struct rrender_opts ro = {.raw = n % 2 == 1, .text = n % 3 == 2};
        rsession_render(&b, reply, &ro, 10, 40, 64, &info);
        fuzz_assert_lines_safe("rsession_render", b.data ? b.data : "", b.len);
        if (b.len > 64 * 1024) {
            fprintf(stderr, "rsession_render: %zu bytes for a bounded rendering\n", b.len);
            abort();
        }
        buf_free(&b);
        freeReplyObject(reply);
        reply = NULL;
    }
    redisReaderFree(rd);
    /* lines cut from the input, against the built-in table */
    char line[256];
    size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
    memcpy(line, data, n);
    line[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    ask(rdocs_builtin(), line);
    return 0;
}

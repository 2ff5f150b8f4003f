/* test_rrender.c - Redis replies for people (redis-cli's rendering, its
 * --raw form) and scripts (JSON), with every terminal control byte
 * neutralised; command lines split like redis-cli; what the interactive
 * history may keep of a line (never a secret). Replies are built with
 * hiredis's own reader from RESP bytes, as they arrive from a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "core/redis/console.h"
#include "core/redis/rrender.h"

static redisReply *parse(const char *resp, size_t len)
{
    redisReader *r = redisReaderCreate();
    redisReaderFeed(r, resp, len);
    void *out = NULL;
    assert_int_equal(redisReaderGetReply(r, &out), REDIS_OK);
    assert_non_null(out);
    redisReaderFree(r);
    return out;
}

static void expect_render(const char *resp, bool raw, const char *want)
{
    redisReply *r = parse(resp, strlen(resp));
    struct buf b;
    buf_init(&b, 0);
    rrender_reply(&b, r, raw);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("render of %s (raw %d):\n got [%s]\nwant [%s]", resp, raw, buf_str(&b), want);
    buf_free(&b);
    freeReplyObject(r);
}

static void expect_json(const char *resp, size_t len, const char *want)
{
    redisReply *r = parse(resp, len);
    struct buf b;
    buf_init(&b, 0);
    rrender_json(&b, r);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("json:\n got [%s]\nwant [%s]", buf_str(&b), want);
    buf_free(&b);
    freeReplyObject(r);
}

static void test_redis_cli_rendering(void **state)
{
    (void)state;
    expect_render("+OK\r\n", false, "OK\n");
    expect_render(":42\r\n", false, "(integer) 42\n");
    expect_render(":-7\r\n", false, "(integer) -7\n");
    expect_render("$-1\r\n", false, "(nil)\n");
    expect_render("$5\r\nhello\r\n", false, "\"hello\"\n");
    expect_render("$0\r\n\r\n", false, "\"\"\n");
    expect_render("-ERR unknown command 'CONFIG'\r\n", false,
                  "(error) ERR unknown command 'CONFIG'\n");
    expect_render("*0\r\n", false, "(empty array)\n");
    expect_render("*2\r\n$1\r\na\r\n:1\r\n", false, "1) \"a\"\n2) (integer) 1\n");
    /* nested, and the index width of ten elements */
    expect_render("*2\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n", false,
                  "1) 1) \"x\"\n   2) \"y\"\n2) \"z\"\n");
    expect_render("*10\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n*1\r\n:10\r\n",
                  false,
                  " 1) (integer) 1\n 2) (integer) 2\n 3) (integer) 3\n 4) (integer) 4\n"
                  " 5) (integer) 5\n 6) (integer) 6\n 7) (integer) 7\n 8) (integer) 8\n"
                  " 9) (integer) 9\n10) 1) (integer) 10\n");
    /* escapes in quoted strings, like sdscatrepr */
    expect_render("$12\r\na\"b\\c\n\r\t\a\b\x01\xff\r\n", false,
                  "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xff\"\n");
    /* raw */
    expect_render("$5\r\nhello\r\n", true, "hello\n");
    expect_render(":3\r\n", true, "3\n");
    expect_render("$-1\r\n", true, "\n");
    expect_render("*2\r\n$1\r\na\r\n$1\r\nb\r\n", true, "a\nb\n");
    expect_render("-ERR x\r\n", true, "ERR x\n");
}

static void test_control_bytes_neutralised(void **state)
{
    (void)state;
    /* ESC sequences, OSC, C1 CSI (raw byte and UTF-8), BEL, DEL, bidi
     * override: never reach the terminal as such, in any form */
    static const char payload[] = "\x1b[2J\x1b]0;pwned\x07\x9b"
                                  "31m\xc2\x9b"
                                  "1m\x7f\xe2\x80\xaeok caf\xc3\xa9 \xe2\x9c\x93";
    char resp[128];
    int rl = snprintf(resp, sizeof(resp), "$%zu\r\n%s\r\n", sizeof(payload) - 1, payload);
    redisReply *r = parse(resp, (size_t)rl);
    assert_int_equal(r->len, sizeof(payload) - 1);
    for (int raw = 0; raw < 2; raw++) {
        struct buf b;
        buf_init(&b, 0);
        rrender_reply(&b, r, raw);
        for (size_t i = 0; i < b.len; i++) {
            unsigned char c = (unsigned char)b.data[i];
            if (c == 0x1b || c == 0x07 || c == 0x7f || c == 0x9b)
                fail_msg("control byte 0x%02x in %s output", c, raw ? "raw" : "quoted");
        }
        assert_null(strstr(buf_str(&b), "\xc2\x9b"));
        assert_null(strstr(buf_str(&b), "\xe2\x80\xae"));
        if (raw) {
            /* text and valid UTF-8 stay readable */
            assert_non_null(strstr(buf_str(&b), "ok caf\xc3\xa9 \xe2\x9c\x93"));
            assert_non_null(strstr(buf_str(&b), "\\x1b[2J"));
        }
        buf_free(&b);
    }
    struct buf b;
    buf_init(&b, 0);
    rrender_json(&b, r);
    for (size_t i = 0; i < b.len; i++)
        assert_true((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] != 0x7f &&
                    (unsigned char)b.data[i] != 0x9b);
    assert_non_null(strstr(buf_str(&b), "\\u001b[2J"));
    /* C1 controls and bidi overrides keep their value, escaped */
    assert_non_null(strstr(buf_str(&b), "\\u009b1m"));
    assert_non_null(strstr(buf_str(&b), "\\u202eok"));
    assert_non_null(strstr(buf_str(&b), "caf\xc3\xa9"));
    buf_free(&b);
    /* status and error lines too */
    expect_render("-ERR \x1b[31mred\r\n", false, "(error) ERR \\x1b[31mred\n");
    expect_render("+\x1b]52;c;AAAA\x07\r\n", true, "\\x1b]52;c;AAAA\\x07\n");
    freeReplyObject(r);
}

#define EXPECT_JSON(resp, want) expect_json(resp, sizeof(resp) - 1, want)

static void test_json(void **state)
{
    (void)state;
    EXPECT_JSON("+OK\r\n", "{\"status\":\"OK\"}");
    EXPECT_JSON("-WRONGTYPE x\r\n", "{\"error\":\"WRONGTYPE x\"}");
    EXPECT_JSON(":5\r\n", "5");
    EXPECT_JSON("$-1\r\n", "null");
    EXPECT_JSON("*-1\r\n", "null");
    EXPECT_JSON("*3\r\n$2\r\n\"\\\r\n:1\r\n*0\r\n", "[\"\\\"\\\\\",1,[]]");
    /* NUL and a lone high byte keep their values */
    EXPECT_JSON("$3\r\na\0\xff\r\n", "\"a\\u0000\\u00ff\"");
}

static void expect_text(const char *resp, bool raw, const char *want)
{
    redisReply *r = parse(resp, strlen(resp));
    struct buf b;
    buf_init(&b, 0);
    struct rrender_opts o = {.raw = raw, .text = true};
    rrender_reply_opts(&b, r, &o);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("text render of %s (raw %d):\n got [%s]\nwant [%s]", resp, raw, buf_str(&b), want);
    buf_free(&b);
    freeReplyObject(r);
}

static void test_text_replies_as_lines(void **state)
{
    (void)state;
    /* INFO as redis-cli prints it: real lines on a terminal and in a pipe */
    static const char info[] = "$40\r\n# Server\r\nredis_version:7.0\r\nuptime:12\r\n\r\n";
    expect_text(info, false, "# Server\nredis_version:7.0\nuptime:12\n");
    expect_text(info, true, "# Server\nredis_version:7.0\nuptime:12\n");
    /* a CR not before LF and other controls stay escaped */
    expect_text("$10\r\na\rb\x1b[2Jc\r\n\r\n", true, "a\\x0db\\x1b[2Jc\n");
    expect_text("$3\r\nabc\r\n", false, "abc\n");
    /* not a text reply: the quoted form, as before */
    expect_render(info, false, "\"# Server\\r\\nredis_version:7.0\\r\\nuptime:12\\r\\n\"\n");
    /* which commands are text */
    const char *a1[] = {"info"};
    const char *a2[] = {"CLUSTER", "info"};
    const char *a3[] = {"cluster", "NODES"};
    const char *a4[] = {"client", "list"};
    const char *a5[] = {"GET", "info"};
    const char *a6[] = {"CLUSTER", "SHARDS"};
    const char *a7[] = {"LATENCY", "DOCTOR"};
    assert_true(rrender_text_command(1, a1, NULL));
    assert_true(rrender_text_command(2, a2, NULL));
    assert_true(rrender_text_command(2, a3, NULL));
    assert_true(rrender_text_command(2, a4, NULL));
    assert_false(rrender_text_command(2, a5, NULL));
    assert_false(rrender_text_command(2, a6, NULL));
    assert_true(rrender_text_command(2, a7, NULL));
    assert_false(rrender_text_command(0, a1, NULL));
}

struct sink {
    struct buf all;
    size_t flushes;
    size_t largest; /* the most the rendering buffer held at a flush */
};

static void sink_flush(struct buf *b, void *arg)
{
    struct sink *k = arg;
    k->flushes++;
    if (b->len > k->largest)
        k->largest = b->len;
    buf_append(&k->all, b->data, b->len);
    buf_reset(b);
}

static void test_large_replies_render_in_pieces(void **state)
{
    (void)state;
    /* a 1 MiB string and a 20000-element array: written as they render,
     * the buffer never holds much more than one piece */
    size_t n = 1024 * 1024;
    struct buf resp;
    buf_init(&resp, 0);
    buf_printf(&resp, "*3\r\n$%zu\r\n", n);
    for (size_t i = 0; i < n; i++)
        buf_appendc(&resp, i % 1000 == 999 ? '\n' : (char)('a' + i % 26));
    buf_appends(&resp, "\r\n*20000\r\n");
    for (int i = 0; i < 20000; i++)
        buf_appends(&resp, ":1\r\n");
    buf_appends(&resp, "-ERR \xc3\xa9t\xc3\xa9\r\n");
    redisReply *r = parse(resp.data, resp.len);
    for (int form = 0; form < 3; form++) {
        struct sink k = {0};
        buf_init(&k.all, 0);
        struct buf b, whole;
        buf_init(&b, 0);
        buf_init(&whole, 0);
        if (form == 2) {
            rrender_json_flushed(&b, r, sink_flush, &k);
            rrender_json(&whole, r);
        } else {
            struct rrender_opts o = {.raw = form == 1, .flush = sink_flush, .arg = &k};
            rrender_reply_opts(&b, r, &o);
            rrender_reply(&whole, r, form == 1);
        }
        buf_append(&k.all, b.data, b.len);
        assert_true(k.flushes > 10);
        assert_true(k.largest < 2 * RRENDER_CHUNK);
        /* in pieces, the same bytes as at once (UTF-8 never split) */
        assert_int_equal(k.all.len, whole.len);
        assert_memory_equal(k.all.data, whole.data, whole.len);
        buf_free(&b);
        buf_free(&whole);
        buf_free(&k.all);
    }
    freeReplyObject(r);
    buf_free(&resp);
}

static void expect_split(const char *line, int argc, const char *const *want)
{
    struct rrender_args a;
    int rc = rrender_split(line, &a);
    if (argc < 0) {
        assert_int_equal(rc, -1);
        assert_int_equal(a.argc, 0);
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(a.argc, argc);
    for (int i = 0; i < argc; i++) {
        assert_int_equal(a.argvlen[i], strlen(want[i]));
        assert_memory_equal(a.argv[i], want[i], a.argvlen[i]);
    }
    rrender_args_free(&a);
}

static void test_split(void **state)
{
    (void)state;
    expect_split("SET a b", 3, (const char *[]){"SET", "a", "b"});
    expect_split("  get   \"hello world\"  ", 2, (const char *[]){"get", "hello world"});
    expect_split("set k \"a\\nb\\x41\\\"\"", 3, (const char *[]){"set", "k", "a\nbA\""});
    expect_split("set k 'it\\'s'", 3, (const char *[]){"set", "k", "it's"});
    expect_split("", 0, NULL);
    expect_split("   ", 0, NULL);
    expect_split("set \"open", -1, NULL);
    expect_split("set 'open", -1, NULL);
    expect_split("set \"a\"b", -1, NULL);
    struct rrender_args a;
    assert_int_equal(rrender_split("set  \"x y\" z", &a), 0);
    assert_int_equal(a.offset[0], 0);
    assert_int_equal(a.offset[1], 5);
    assert_int_equal(a.offset[2], 11);
    rrender_args_free(&a);
}

static void expect_hist(const char *line, const char *want)
{
    char *h = console_history_entry(line);
    if (!want) {
        if (h)
            fail_msg("'%s' kept as '%s'", line, h);
        return;
    }
    if (!h || strcmp(h, want) != 0)
        fail_msg("'%s' kept as '%s', want '%s'", line, h ? h : "(nothing)", want);
    free(h);
}

static void test_history_never_keeps_secrets(void **state)
{
    (void)state;
    expect_hist("GET user:1", "GET user:1");
    expect_hist("  set a \"b c\"  ", "set a \"b c\"");
    expect_hist("AUTH s3cret-token", "AUTH");
    expect_hist("auth default s3cret-token", "auth");
    expect_hist("AUTH \"quoted s3cret\"", "AUTH");
    expect_hist("HELLO 3 AUTH default s3cret SETNAME x", "HELLO 3 AUTH");
    expect_hist("hello 3", "hello 3");
    expect_hist("ACL SETUSER bob on >s3cret ~* +@all", "ACL SETUSER");
    expect_hist("acl setuser bob", "acl setuser");
    expect_hist("ACL WHOAMI", "ACL WHOAMI");
    expect_hist("CONFIG SET requirepass s3cret", "CONFIG SET requirepass");
    expect_hist("config set maxmemory 1gb masterauth s3cret",
                "config set maxmemory 1gb masterauth");
    expect_hist("CONFIG SET masteruser u", "CONFIG SET masteruser");
    expect_hist("CONFIG GET requirepass", "CONFIG GET requirepass");
    expect_hist("MIGRATE h 6379 k 0 5000 AUTH s3cret", "MIGRATE h 6379 k 0 5000 AUTH");
    expect_hist("MIGRATE h 6379 k 0 5000 AUTH2 u s3cret", "MIGRATE h 6379 k 0 5000 AUTH2");
    expect_hist("AUTH \"unterminated s3cret", NULL);
    expect_hist("", NULL);
    expect_hist("   ", NULL);
    assert_null(console_history_entry(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_cli_rendering),
        cmocka_unit_test(test_control_bytes_neutralised),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_text_replies_as_lines),
        cmocka_unit_test(test_large_replies_render_in_pieces),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_history_never_keeps_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

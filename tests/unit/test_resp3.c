/* test_resp3.c - the RESP3 reader (core/redis/resp3.h) and RESP3 on a
 * connection (rconn): every type, nesting, frames split at every byte,
 * truncated frames, hostile lengths and the memory budget on scripted
 * bytes; then a real redis-server started by the test (DEBUG allowed):
 * HELLO 3 and the replies of HGETALL, SMEMBERS, ZSCORE, ZINCRBY, a Lua
 * boolean, DEBUG PROTOCOL attrib/bignum/verbatim/push, CLIENT TRACKING
 * invalidation pushes, SUBSCRIBE pushes, HELLO 2 back to hiredis, pipelines
 * that switch mid-read, the cap, and a node without HELLO (Redis < 6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/redis_fixture.h"

#include "aws/buf.h"
#include "core/redis/rconn.h"
#include "core/redis/resp3.h"
#include "core/redis/rrender.h"
#include "core/redis/rsession.h"

/* ---- helpers ---- */

/* Read every reply of bytes fed in pieces of `step` (0: at once); each
 * rendered (redis-cli form, then JSON) into out. Returns the replies. */
static size_t read_all(const char *p, size_t n, size_t step, size_t cap, struct buf *out,
                       struct resp3_stats *last)
{
    struct resp3_reader *rd = resp3_reader_new(cap);
    size_t replies = 0, off = 0;
    while (off < n) {
        size_t k = step && n - off > step ? step : n - off;
        size_t pos = 0;
        while (pos < k) {
            size_t used = 0;
            redisReply *r = NULL;
            struct resp3_stats st;
            enum resp3_status s = resp3_reader_feed(rd, p + off + pos, k - pos, &used, &r, &st);
            assert_int_not_equal(s, RESP3_ERROR);
            assert_true(used <= k - pos);
            pos += used;
            if (s == RESP3_MORE) {
                assert_int_equal(pos, k);
                break;
            }
            replies++;
            if (last)
                *last = st;
            rrender_reply(out, r, false);
            rrender_json(out, r);
            buf_appendc(out, '\n');
            freeReplyObject(r);
        }
        off += k;
    }
    assert_true(resp3_reader_idle(rd));
    resp3_reader_free(rd);
    return replies;
}

/* One reply from bytes (must be whole and alone). */
static redisReply *one(const char *p, size_t n, size_t cap, struct resp3_stats *st)
{
    struct resp3_reader *rd = resp3_reader_new(cap);
    size_t used = 0;
    redisReply *r = NULL;
    enum resp3_status s = resp3_reader_feed(rd, p, n, &used, &r, st);
    if (s != RESP3_REPLY)
        fail_msg("no reply from %.*s: %s", (int)n, p, resp3_reader_error(rd));
    assert_int_equal(used, n);
    resp3_reader_free(rd);
    return r;
}

static redisReply *ones(const char *p)
{
    return one(p, strlen(p), 0, NULL);
}

static void expect_tty(const redisReply *r, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    rrender_reply(&b, r, false);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("render:\n got [%s]\nwant [%s]", buf_str(&b), want);
    buf_free(&b);
}

/* The reader fails on p, saying needle. */
static void expect_error(const char *p, size_t n, const char *needle)
{
    struct resp3_reader *rd = resp3_reader_new(0);
    size_t used = 0;
    redisReply *r = NULL;
    enum resp3_status s = resp3_reader_feed(rd, p, n, &used, &r, NULL);
    if (s != RESP3_ERROR)
        fail_msg("no error for %.*s", (int)n, p);
    assert_null(r);
    if (!strstr(resp3_reader_error(rd), needle))
        fail_msg("error for %.*s: [%s], want [%s]", (int)n, p, resp3_reader_error(rd), needle);
    /* failed stays failed */
    assert_int_equal(resp3_reader_feed(rd, "+OK\r\n", 5, &used, &r, NULL), RESP3_ERROR);
    resp3_reader_free(rd);
}

/* ---- the reader on scripted bytes ---- */

static void test_every_type(void **state)
{
    (void)state;
    redisReply *r = ones("%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n,3.14\r\n");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(resp3_type(r), RESP3_MAP);
    assert_int_equal(r->elements, 4);
    assert_int_equal(r->element[0]->type, REDIS_REPLY_STATUS);
    assert_int_equal(r->element[1]->integer, 1);
    assert_int_equal(resp3_type(r->element[1]), RESP3_PLAIN);
    assert_string_equal(r->element[2]->str, "second");
    assert_int_equal(resp3_type(r->element[3]), RESP3_DOUBLE);
    assert_string_equal(r->element[3]->str, "3.14");
    expect_tty(r, "1# first => (integer) 1\n2# \"second\" => (double) 3.14\n");
    freeReplyObject(r);

    r = ones("~3\r\n$1\r\na\r\n:2\r\n#f\r\n");
    assert_int_equal(resp3_type(r), RESP3_SET);
    assert_int_equal(resp3_type(r->element[2]), RESP3_BOOL);
    assert_int_equal(r->element[2]->integer, 0);
    expect_tty(r, "1~ \"a\"\n2~ (integer) 2\n3~ (false)\n");
    freeReplyObject(r);

    r = ones(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
    assert_int_equal(resp3_type(r), RESP3_PUSH);
    expect_tty(r, "1) \"message\"\n2) \"ch\"\n3) \"hello\"\n");
    freeReplyObject(r);

    r = ones("#t\r\n");
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_int_equal(r->integer, 1);
    expect_tty(r, "(true)\n");
    freeReplyObject(r);

    r = ones("_\r\n");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    expect_tty(r, "(nil)\n");
    freeReplyObject(r);

    r = ones("=15\r\ntxt:Some string\r\n");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(resp3_type(r), RESP3_VERBATIM);
    assert_string_equal(r->str, "Some string");
    char fmt[4];
    resp3_verbatim_format(r, fmt);
    assert_string_equal(fmt, "txt");
    expect_tty(r, "Some string\n");
    freeReplyObject(r);

    r = ones("(3492890328409238509324850943850943825024385\r\n");
    assert_int_equal(resp3_type(r), RESP3_BIGNUM);
    expect_tty(r, "(big number) 3492890328409238509324850943850943825024385\n");
    freeReplyObject(r);

    r = ones("!21\r\nSYNTAX invalid syntax\r\n");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    expect_tty(r, "(error) SYNTAX invalid syntax\n");
    freeReplyObject(r);

    r = ones(",-inf\r\n");
    expect_tty(r, "(double) -inf\n");
    freeReplyObject(r);

    /* an attribute and the reply it annotates */
    r = ones("|1\r\n+key-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$4\r\nreal\r\n");
    assert_int_equal(resp3_type(r), RESP3_ATTRIBUTED);
    assert_int_equal(r->elements, 2);
    assert_int_equal(resp3_type(r->element[0]), RESP3_MAP);
    assert_string_equal(r->element[1]->str, "real");
    expect_tty(r, "(attribute) 1# key-popularity => \n"
                  "               1) \"key:123\"\n"
                  "               2) (integer) 90\n"
                  "\"real\"\n");
    freeReplyObject(r);

    /* RESP2, its subset: the same trees hiredis builds */
    r = ones("*3\r\n$-1\r\n*-1\r\n-ERR x\r\n");
    assert_int_equal(resp3_type(r), RESP3_PLAIN);
    assert_int_equal(r->element[0]->type, REDIS_REPLY_NIL);
    assert_int_equal(r->element[1]->type, REDIS_REPLY_NIL);
    assert_int_equal(r->element[2]->type, REDIS_REPLY_ERROR);
    expect_tty(r, "1) (nil)\n2) (nil)\n3) (error) ERR x\n");
    freeReplyObject(r);

    /* empty aggregates, as redis-cli names them */
    r = ones("%0\r\n");
    expect_tty(r, "(empty hash)\n");
    freeReplyObject(r);
    r = ones("~0\r\n");
    expect_tty(r, "(empty set)\n");
    freeReplyObject(r);
    r = ones("*0\r\n");
    expect_tty(r, "(empty array)\n");
    freeReplyObject(r);
}

static void test_nesting_and_alignment(void **state)
{
    (void)state;
    /* redis-cli 7's alignment: a map value of several lines starts on a
     * line of its own; one line (even a nested map of one pair) stays */
    redisReply *r = ones("%2\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n$1\r\nb\r\n%1\r\n$1\r\nc\r\n:1\r\n");
    expect_tty(r, "1# \"a\" => \n"
                  "   1) (integer) 1\n"
                  "   2) (integer) 2\n"
                  "2# \"b\" => 1# \"c\" => (integer) 1\n");
    freeReplyObject(r);
    /* ten elements: indexes padded, a map inside an array inside */
    r = ones("*10\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n"
             "%1\r\n$1\r\nx\r\n~1\r\n$1\r\ny\r\n");
    expect_tty(r, " 1) (integer) 1\n 2) (integer) 2\n 3) (integer) 3\n 4) (integer) 4\n"
                  " 5) (integer) 5\n 6) (integer) 6\n 7) (integer) 7\n 8) (integer) 8\n"
                  " 9) (integer) 9\n10) 1# \"x\" => 1~ \"y\"\n");
    freeReplyObject(r);

    /* as deep as hiredis allows (8 aggregates), and no deeper */
    const char *deep8 = "*1\r\n*1\r\n*1\r\n%1\r\n:0\r\n~1\r\n>1\r\n*1\r\n*1\r\n:7\r\n";
    r = ones(deep8);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    const char *deep9 = "*1\r\n*1\r\n*1\r\n*1\r\n%1\r\n:0\r\n~1\r\n>1\r\n*1\r\n*1\r\n:7\r\n";
    expect_error(deep9, strlen(deep9), "nested deeper than 8");
    /* attributes before attributes: bounded too */
    struct buf b;
    buf_init(&b, 0);
    for (int i = 0; i < 40; i++)
        buf_appends(&b, "|0\r\n");
    buf_appends(&b, ":1\r\n");
    expect_error(b.data, b.len, "nested deeper");
    buf_free(&b);
    /* two attributes: one inside the other */
    r = ones("|0\r\n|1\r\n$1\r\nk\r\n$1\r\nv\r\n:5\r\n");
    assert_int_equal(resp3_type(r), RESP3_ATTRIBUTED);
    assert_int_equal(resp3_type(r->element[1]), RESP3_ATTRIBUTED);
    assert_int_equal(r->element[1]->element[1]->integer, 5);
    freeReplyObject(r);
}

/* A pipeline of every type, as a server could send it. */
static const char stream[] =
    "%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n,3.14\r\n"
    "~3\r\n$1\r\na\r\n:2\r\n#f\r\n"
    ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$6\r\nhel\nlo\r\n"
    "#t\r\n_\r\n=15\r\ntxt:Some string\r\n(-349289032840923850932485\r\n"
    "!21\r\nSYNTAX invalid syntax\r\n,inf\r\n,1.0000000000000001e+300\r\n"
    "|1\r\n+key-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$4\r\nreal\r\n"
    "*3\r\n$-1\r\n*-1\r\n-ERR x\r\n+simple with\rCR\r\n$0\r\n\r\n"
    "*2\r\n%1\r\n=8\r\nmkd:a\r\nb\r\n~0\r\n:3\r\n:-9223372036854775808\r\n";

static void test_split_at_every_byte(void **state)
{
    (void)state;
    size_t n = sizeof(stream) - 1;
    struct buf whole, piece;
    buf_init(&whole, 0);
    buf_init(&piece, 0);
    size_t want = read_all(stream, n, 0, 0, &whole, NULL);
    assert_int_equal(want, 16);
    /* one byte at a time */
    assert_int_equal(read_all(stream, n, 1, 0, &piece, NULL), want);
    assert_string_equal(buf_str(&piece), buf_str(&whole));
    /* split in two at every byte, and in pieces of every size */
    for (size_t k = 1; k < n; k++) {
        buf_reset(&piece);
        struct resp3_reader *rd = resp3_reader_new(0);
        size_t got = 0;
        const char *parts[2] = {stream, stream + k};
        size_t lens[2] = {k, n - k};
        for (int p = 0; p < 2; p++) {
            size_t pos = 0;
            while (pos < lens[p]) {
                size_t used;
                redisReply *r;
                enum resp3_status s =
                    resp3_reader_feed(rd, parts[p] + pos, lens[p] - pos, &used, &r, NULL);
                assert_int_not_equal(s, RESP3_ERROR);
                pos += used;
                if (s == RESP3_MORE)
                    break;
                got++;
                rrender_reply(&piece, r, false);
                rrender_json(&piece, r);
                buf_appendc(&piece, '\n');
                freeReplyObject(r);
            }
        }
        resp3_reader_free(rd);
        assert_int_equal(got, want);
        if (strcmp(buf_str(&piece), buf_str(&whole)) != 0)
            fail_msg("split at %zu differs", k);
        buf_reset(&piece);
        assert_int_equal(read_all(stream, n, k, 0, &piece, NULL), want);
        assert_string_equal(buf_str(&piece), buf_str(&whole));
    }
    buf_free(&whole);
    buf_free(&piece);
}

static void test_truncated_frames(void **state)
{
    (void)state;
    /* every proper prefix of a frame is not a reply (and frees cleanly) */
    static const char *const frames[] = {
        "%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n,3.14\r\n",
        "=15\r\ntxt:Some string\r\n",
        "|1\r\n+key-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$4\r\nreal\r\n",
        ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n",
        "(12345678901234567890\r\n",
        "#t\r\n",
    };
    for (size_t f = 0; f < sizeof(frames) / sizeof(frames[0]); f++) {
        size_t n = strlen(frames[f]);
        for (size_t k = 0; k < n; k++) {
            struct resp3_reader *rd = resp3_reader_new(0);
            size_t used;
            redisReply *r = NULL;
            enum resp3_status s = resp3_reader_feed(rd, frames[f], k, &used, &r, NULL);
            assert_int_equal(s, RESP3_MORE);
            assert_int_equal(used, k);
            assert_null(r);
            assert_true(k == 0 || !resp3_reader_idle(rd));
            resp3_reader_free(rd);
        }
    }
}

static void test_hostile_input(void **state)
{
    (void)state;
    expect_error("@x\r\n", 4, "got \"@\" as reply type byte");
    expect_error("\x01", 1, "\\x01");
    expect_error("*2147483648\r\n", 13, "aggregate length out of range");
    expect_error("%-2\r\n", 5, "aggregate length out of range");
    expect_error("|-1\r\n", 5, "aggregate length out of range");
    expect_error("$-2\r\n", 5, "bulk string length out of range");
    expect_error("$99999999999999999999\r\n", 23, "bulk string length out of range");
    expect_error("=-1\r\n", 5, "bulk string length out of range");
    expect_error("=3\r\ntxt\r\n", 9, "without its format");
    expect_error("=5\r\ntxt!a\r\n", 11, "without its format");
    expect_error("$1\r\nab\r\n", 8, "not ended by CRLF");
    expect_error(":12a\r\n", 6, "integer out of range");
    expect_error(":9223372036854775808\r\n", 22, "integer out of range");
    expect_error("#x\r\n", 4, "boolean");
    expect_error("_x\r\n", 4, "null with a value");
    expect_error(",1.5x\r\n", 7, "double");
    expect_error(",0x10\r\n", 7, "double");
    expect_error(",infinity\r\n", 11, "double");
    expect_error("(12a\r\n", 6, "big number");
    expect_error("(\r\n", 3, "big number");
    /* a length line that never ends is not read forever */
    struct buf b;
    buf_init(&b, 0);
    buf_appendc(&b, '*');
    for (int i = 0; i < 100; i++)
        buf_appendc(&b, '1');
    expect_error(b.data, b.len, "line too long");
    buf_free(&b);
    /* a huge announced bulk within a small cap: skipped, never buffered */
    struct resp3_reader *rd = resp3_reader_new(64 * 1024);
    size_t used;
    redisReply *r;
    struct resp3_stats st;
    const char *h = "$1000000\r\n";
    assert_int_equal(resp3_reader_feed(rd, h, strlen(h), &used, &r, &st), RESP3_MORE);
    char chunk[4096];
    memset(chunk, 'x', sizeof(chunk));
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof(chunk) ? left : sizeof(chunk);
        assert_int_equal(resp3_reader_feed(rd, chunk, k, &used, &r, &st), RESP3_MORE);
        left -= k;
    }
    assert_int_equal(resp3_reader_feed(rd, "\r\n", 2, &used, &r, &st), RESP3_REPLY);
    assert_null(r); /* nothing of it fit */
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.dropped_bytes, 1000000);
    assert_int_equal(st.cost, 0);
    /* and the reader goes on with the next reply */
    assert_int_equal(resp3_reader_feed(rd, "+OK\r\n", 5, &used, &r, &st), RESP3_REPLY);
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
    resp3_reader_free(rd);
}

static void test_budget(void **state)
{
    (void)state;
    size_t cap = 64 * 1024;
    /* a map of 10000 pairs: the first pairs kept, whole */
    struct buf b;
    buf_init(&b, 0);
    buf_appends(&b, "%10000\r\n");
    for (int i = 0; i < 10000; i++)
        buf_printf(&b, "$6\r\nf%05d\r\n,%d.5\r\n", i, i);
    struct resp3_stats st;
    redisReply *r = one(b.data, b.len, cap, &st);
    assert_int_equal(resp3_type(r), RESP3_MAP);
    assert_true(r->elements > 0 && r->elements < 20000);
    assert_int_equal(r->elements % 2, 0);
    assert_true(st.dropped > 0);
    assert_true(st.cost <= cap);
    assert_int_equal(st.kept + st.dropped, 20001);
    assert_string_equal(r->element[0]->str, "f00000");
    assert_string_equal(r->element[1]->str, "0.5");
    freeReplyObject(r);

    /* a status line longer than the cap is scanned to its end, dropped */
    buf_reset(&b);
    buf_appends(&b, "*2\r\n:1\r\n+");
    for (int i = 0; i < 100000; i++)
        buf_appendc(&b, 'x');
    buf_appends(&b, "\r\n");
    struct buf whole;
    buf_init(&whole, 0);
    assert_int_equal(read_all(b.data, b.len, 7, cap, &whole, &st), 1);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.dropped_bytes, 100000);
    assert_string_equal(buf_str(&whole), "1) (integer) 1\n[1]\n");
    buf_free(&whole);

    /* a set whose strings do not fit: its first ones kept */
    buf_reset(&b);
    buf_appends(&b, "~3\r\n$5\r\nsmall\r\n$100000\r\n");
    for (int i = 0; i < 100000; i++)
        buf_appendc(&b, 'y');
    buf_appends(&b, "\r\n$5\r\nafter\r\n");
    r = one(b.data, b.len, cap, &st);
    assert_int_equal(resp3_type(r), RESP3_SET);
    assert_int_equal(r->elements, 1);
    assert_int_equal(st.dropped, 2);
    assert_int_equal(st.dropped_bytes, 100005);
    freeReplyObject(r);
    buf_free(&b);
}

static void expect_form(const char *resp, int form, const char *want)
{
    redisReply *r = ones(resp);
    struct buf b;
    buf_init(&b, 0);
    if (form == 0)
        rrender_reply(&b, r, true);
    else if (form == 1)
        rrender_json(&b, r);
    else if (form == 2)
        rrender_push(&b, r, false);
    else if (form == 3)
        rsession_render(&b, r, NULL, 3, 10, 8, NULL);
    else
        rrender_reply(&b, r, false);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("form %d of %s:\n got [%s]\nwant [%s]", form, resp, buf_str(&b), want);
    buf_free(&b);
    freeReplyObject(r);
}

static void test_render_forms(void **state)
{
    (void)state;
    /* --raw, as redis-cli --raw: a map pair per line, "(true)", doubles as written */
    expect_form("%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n,2.5\r\n", 0, "a 1\nb 2.5\n");
    expect_form("#t\r\n", 0, "(true)\n");
    expect_form("~2\r\n$1\r\nx\r\n$1\r\ny\r\n", 0, "x\ny\n");
    expect_form("(-123\r\n", 0, "-123\n");
    expect_form("|1\r\n+k\r\n+v\r\n$4\r\nreal\r\n", 0, "real\n");
    /* JSON keeps the types */
    expect_form("%1\r\n$1\r\na\r\n~1\r\n#f\r\n", 1, "{\"map\":[[\"a\",{\"set\":[false]}]]}");
    expect_form(",1.0000000000000001e+300\r\n", 1, "{\"double\":1.0000000000000001e+300}");
    expect_form(",-inf\r\n", 1, "{\"double\":\"-inf\"}");
    expect_form(",.5\r\n", 1, "{\"double\":\".5\"}"); /* not a JSON number */
    expect_form("(123456789012345678901234567890\r\n", 1,
                "{\"bignum\":\"123456789012345678901234567890\"}");
    expect_form("=8\r\nmkd:# t\n\r\n", 1, "{\"verbatim\":\"# t\\n\",\"format\":\"mkd\"}");
    expect_form(">2\r\n$10\r\ninvalidate\r\n_\r\n", 1, "{\"push\":[\"invalidate\",null]}");
    expect_form("|1\r\n+k\r\n:1\r\n_\r\n", 1,
                "{\"attributes\":{\"map\":[[{\"status\":\"k\"},1]]},\"reply\":null}");
    expect_form("!3\r\nERR\r\n", 1, "{\"error\":\"ERR\"}");
    /* pushes as redis-cli prints them: invalidations on one line */
    expect_form(">2\r\n$10\r\ninvalidate\r\n*2\r\n$1\r\na\r\n$3\r\nb\x1b]\r\n", 2,
                "-> invalidate: 'a', 'b\\x1b]'\n");
    expect_form(">2\r\n$10\r\ninvalidate\r\n_\r\n", 2, "1) \"invalidate\"\n2) (nil)\n");
    /* what a terminal could act on is escaped in every RESP3 form */
    expect_form("=12\r\ntxt:a\x1b[2Jb\tc\r\n", 4, "a\\x1b[2Jb\tc\n");
    expect_form("(12\r\n", 4, "(big number) 12\n");
    expect_form("|1\r\n$3\r\n\x1b[m\r\n:1\r\n:2\r\n", 4,
                "(attribute) 1# \"\\x1b[m\" => (integer) 1\n(integer) 2\n");
    /* the panel's bounds keep a map's pairs whole */
    expect_form("%3\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n$1\r\nc\r\n:3\r\n", 3,
                "1# \"a\" => (integer) 1\n(... 2 more pairs not shown: 3 in all)\n");
    expect_form("~4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", 3,
                "1~ (integer) 1\n2~ (integer) 2\n3~ (integer) 3\n"
                "(... 1 more elements not shown: 4 in all)\n");
}

/* ---- a real redis-server ---- */

struct srv {
    pid_t pid;
    int port;
    char dir[128];
};

static struct srv srv;

static bool srv_answers(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* redis-server on 127.0.0.1 with DEBUG allowed; a few ports are tried (a
 * port taken between our probe and its bind makes it exit). */
static int srv_start(struct srv *s)
{
    snprintf(s->dir, sizeof(s->dir), "/tmp/elcui-resp3-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        int ls = rfx_listen(1, &s->port);
        close(ls);
        char port[16];
        snprintf(port, sizeof(port), "%d", s->port);
        char *const argv[] = {"redis-server",
                              "--port",
                              port,
                              "--bind",
                              "127.0.0.1",
                              "--enable-debug-command",
                              "yes",
                              "--save",
                              "",
                              "--appendonly",
                              "no",
                              "--dir",
                              s->dir,
                              "--loglevel",
                              "warning",
                              NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        int rc = posix_spawnp(&s->pid, "redis-server", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) {
            fprintf(stderr, "test_resp3: cannot run redis-server: %s\n", strerror(rc));
            return -1;
        }
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            if (srv_answers(s->port))
                return 0;
            int st;
            if (waitpid(s->pid, &st, WNOHANG) == s->pid)
                break; /* exited: another port */
            struct timespec t1;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            if ((uint64_t)(t1.tv_sec - t0.tv_sec) * 1000 > rfx_scale(10000)) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
                return -1;
            }
            struct timespec nap = {0, 10 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
    }
    return -1;
}

static void srv_stop(struct srv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
    rfx_rmtree(s->dir);
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    if (srv_start(&srv) != 0) {
        fprintf(stderr, "test_resp3: redis-server (redis-server package) did not start\n");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    srv_stop(&srv);
    return 0;
}

static struct rconn *srv_conn(struct loop *l, int protocol, size_t max_reply)
{
    struct rconn_options o = {
        .host = "127.0.0.1",
        .port = srv.port,
        .connect_timeout_ms = rfx_scale(5000),
        .protocol = protocol,
        .max_reply_bytes = max_reply,
    };
    struct rconn *c = rconn_open(l, &o);
    assert_non_null(c);
    return c;
}

/* Run a command (NULL-terminated words) and return its reply. */
static redisReply *cmd(struct loop *l, struct rconn *c, ...)
{
    const char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, c);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL)
        argv[argc++] = s;
    va_end(ap);
    struct rfx_wait w;
    assert_true(rfx_cmdv(l, c, &w, argc, argv));
    if (w.has_err)
        fail_msg("%s: %s", argv[0], w.err.msg);
    return w.reply;
}

static void expect_cmd_tty(struct loop *l, struct rconn *c, const char *want, ...)
{
    const char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, want);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL)
        argv[argc++] = s;
    va_end(ap);
    struct rfx_wait w;
    assert_true(rfx_cmdv(l, c, &w, argc, argv));
    if (w.has_err)
        fail_msg("%s: %s", argv[0], w.err.msg);
    expect_tty(w.reply, want);
    rfx_wait_free(&w);
}

static void test_server_replies(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn *c = srv_conn(l, 2, 0);
    freeReplyObject(cmd(l, c, "DEL", "h", "s", "z", NULL));
    freeReplyObject(cmd(l, c, "HSET", "h", "f1", "v1", NULL));
    freeReplyObject(cmd(l, c, "SADD", "s", "a", NULL));
    freeReplyObject(cmd(l, c, "ZADD", "z", "1.5", "m", NULL));
    /* RESP2: hiredis */
    expect_cmd_tty(l, c, "1) \"f1\"\n2) \"v1\"\n", "HGETALL", "h", NULL);
    assert_int_equal(rconn_protocol(c), 2);

    redisReply *r = cmd(l, c, "HELLO", "3", NULL);
    assert_int_equal(resp3_type(r), RESP3_MAP);
    assert_int_equal(r->elements, 14);
    assert_string_equal(r->element[4]->str, "proto");
    assert_int_equal(r->element[5]->integer, 3);
    freeReplyObject(r);
    assert_int_equal(rconn_protocol(c), 3);
    struct rconn_info ci;
    rconn_get_info(c, &ci);
    assert_int_equal(ci.protocol, 3);

    expect_cmd_tty(l, c, "1# \"f1\" => \"v1\"\n", "HGETALL", "h", NULL);
    expect_cmd_tty(l, c, "1~ \"a\"\n", "SMEMBERS", "s", NULL);
    expect_cmd_tty(l, c, "(double) 1.5\n", "ZSCORE", "z", "m", NULL);
    freeReplyObject(cmd(l, c, "ZINCRBY", "z", "2.25", "m", NULL));
    expect_cmd_tty(l, c, "(double) 3.75\n", "ZSCORE", "z", "m", NULL);
    /* INCRBYFLOAT answers a bulk string, in RESP3 too */
    freeReplyObject(cmd(l, c, "DEL", "f", NULL));
    expect_cmd_tty(l, c, "\"3.14\"\n", "INCRBYFLOAT", "f", "3.14", NULL);
    expect_cmd_tty(l, c, "(true)\n", "EVAL", "redis.setresp(3); return true", "0", NULL);
    expect_cmd_tty(l, c, "(false)\n", "EVAL", "redis.setresp(3); return false", "0", NULL);
    expect_cmd_tty(l, c, "(empty hash)\n", "HGETALL", "nothing", NULL);
    expect_cmd_tty(l, c, "(nil)\n", "GET", "nothing", NULL);
    /* DEBUG PROTOCOL: every type the server can send */
    expect_cmd_tty(l, c, "(big number) 1234567999999999999999999999999999999\n", "DEBUG",
                   "PROTOCOL", "bignum", NULL);
    r = cmd(l, c, "DEBUG", "PROTOCOL", "verbatim", NULL);
    char fmt[4];
    resp3_verbatim_format(r, fmt);
    assert_string_equal(fmt, "txt");
    expect_tty(r, "This is a verbatim\nstring\n");
    freeReplyObject(r);
    expect_cmd_tty(l, c,
                   "(attribute) 1# \"key-popularity\" => \n"
                   "               1) \"key:123\"\n"
                   "               2) (integer) 90\n"
                   "\"Some real reply following the attribute\"\n",
                   "DEBUG", "PROTOCOL", "attrib", NULL);
    expect_cmd_tty(l, c,
                   "1# (integer) 0 => (false)\n2# (integer) 1 => (true)\n"
                   "3# (integer) 2 => (false)\n",
                   "DEBUG", "PROTOCOL", "map", NULL);
    expect_cmd_tty(l, c, "1~ (integer) 0\n2~ (integer) 1\n3~ (integer) 2\n", "DEBUG", "PROTOCOL",
                   "set", NULL);
    expect_cmd_tty(l, c, "(double) 3.141\n", "DEBUG", "PROTOCOL", "double", NULL);
    expect_cmd_tty(l, c, "(nil)\n", "DEBUG", "PROTOCOL", "null", NULL);
    expect_cmd_tty(l, c, "(true)\n", "DEBUG", "PROTOCOL", "true", NULL);

    /* HELLO 2: RESP2 again, read by hiredis */
    r = cmd(l, c, "HELLO", "2", NULL);
    assert_int_equal(resp3_type(r), RESP3_PLAIN);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    assert_int_equal(rconn_protocol(c), 2);
    expect_cmd_tty(l, c, "1) \"f1\"\n2) \"v1\"\n", "HGETALL", "h", NULL);
    expect_cmd_tty(l, c, "\"3.75\"\n", "ZSCORE", "z", "m", NULL);
    rconn_close(c);
    loop_free(l);
}

/* ---- pushes with replies ---- */

struct pw {
    bool done;
    redisReply *reply;
    struct buf pushes; /* rendered */
    size_t npushes;
    bool trunc;
};

static void pw_cb(struct rconn *c, struct rconn_result *res, void *arg)
{
    struct pw *p = arg;
    p->done = true;
    assert_null(res->err);
    p->reply = rconn_result_steal(res);
    redisReply *pushes[RCONN_MAX_PUSHES];
    p->npushes = rconn_take_pushes(c, pushes, RCONN_MAX_PUSHES, NULL);
    p->trunc = res->trunc != NULL;
    if (res->trunc)
        assert_true(res->trunc->cost <= res->trunc->limit);
    for (size_t i = 0; i < p->npushes; i++) {
        rrender_push(&p->pushes, pushes[i], false);
        freeReplyObject(pushes[i]);
    }
}

static void pw_run(struct loop *l, struct rconn *c, struct pw *p, int argc, const char *const *argv)
{
    memset(p, 0, sizeof(*p));
    buf_init(&p->pushes, 0);
    assert_int_equal(rconn_command_argv(c, argc, argv, NULL, 0, pw_cb, p), 0);
    assert_true(rfx_run(l, &p->done, 10000));
}

static void pw_free(struct pw *p)
{
    if (p->reply)
        freeReplyObject(p->reply);
    buf_free(&p->pushes);
}

static void test_pushes(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn *c = srv_conn(l, 3, 0);
    struct pw p;
    const char *dp[] = {"DEBUG", "PROTOCOL", "push"};
    pw_run(l, c, &p, 3, dp);
    assert_int_equal(p.npushes, 1);
    assert_string_equal(buf_str(&p.pushes), "1) \"server-cpu-usage\"\n2) (integer) 42\n");
    expect_tty(p.reply, "\"Some real reply following the push reply\"\n");
    pw_free(&p);

    /* CLIENT TRACKING: the invalidation arrives as a push, with the next reply */
    struct rconn *other = srv_conn(l, 2, 0);
    freeReplyObject(cmd(l, c, "CLIENT", "TRACKING", "on", NULL));
    freeReplyObject(cmd(l, c, "GET", "tracked", NULL));
    freeReplyObject(cmd(l, other, "SET", "tracked", "1", NULL));
    const char *ping[] = {"PING"};
    pw_run(l, c, &p, 1, ping);
    assert_int_equal(p.npushes, 1);
    assert_string_equal(buf_str(&p.pushes), "-> invalidate: 'tracked'\n");
    expect_tty(p.reply, "PONG\n");
    pw_free(&p);
    rconn_close(other);
    rconn_close(c);
    loop_free(l);
}

static void test_pipelined_switches(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn *c = srv_conn(l, 2, 0);
    freeReplyObject(cmd(l, c, "DEL", "h", NULL));
    freeReplyObject(cmd(l, c, "HSET", "h", "k", "v", NULL));
    /* everything at once: the replies come in one read, and the readers
     * change hands exactly at the HELLO replies */
    static const char *const cmds[][3] = {
        {"HGETALL", "h", NULL}, {"HELLO", "3", NULL},   {"HGETALL", "h", NULL},
        {"HELLO", "2", NULL},   {"HGETALL", "h", NULL}, {"HELLO", "3", NULL},
        {"HGETALL", "h", NULL}, {"HELLO", "2", NULL},   {"PING", NULL, NULL},
    };
    enum resp3_type want[] = {RESP3_PLAIN, RESP3_MAP, RESP3_MAP,   RESP3_PLAIN, RESP3_PLAIN,
                              RESP3_MAP,   RESP3_MAP, RESP3_PLAIN, RESP3_PLAIN};
    size_t n = sizeof(cmds) / sizeof(cmds[0]);
    struct rfx_wait w[9];
    memset(w, 0, sizeof(w));
    for (size_t i = 0; i < n; i++) {
        int argc = cmds[i][1] ? 2 : 1;
        assert_int_equal(rconn_command_argv(c, argc, cmds[i], NULL, 0, rfx_reply_cb, &w[i]), 0);
    }
    assert_true(rfx_run(l, &w[n - 1].done, 10000));
    for (size_t i = 0; i < n; i++) {
        assert_true(w[i].done);
        assert_false(w[i].has_err);
        if (resp3_type(w[i].reply) != want[i])
            fail_msg("reply %zu (%s): type %d, want %d", i, cmds[i][0], (int)resp3_type(w[i].reply),
                     (int)want[i]);
        rfx_wait_free(&w[i]);
    }
    assert_int_equal(rconn_protocol(c), 2);
    /* switched on a live connection by elcui itself */
    assert_int_equal(rconn_set_protocol(c, 3), 0);
    expect_cmd_tty(l, c, "1# \"k\" => \"v\"\n", "HGETALL", "h", NULL);
    assert_int_equal(rconn_protocol(c), 3);
    rconn_close(c);
    loop_free(l);
}

struct subw {
    size_t n;
    struct buf text;
    enum resp3_type types[8];
};

static void sub_cb(struct rconn *c, const redisReply *msg, void *arg)
{
    struct subw *s = arg;
    (void)c;
    if (s->n < 8)
        s->types[s->n] = resp3_type(msg);
    s->n++;
    rrender_reply(&s->text, msg, false);
}

static void test_subscribe_pushes(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn *c = srv_conn(l, 3, 0);
    struct subw s;
    memset(&s, 0, sizeof(s));
    buf_init(&s.text, 0);
    const char *sub[] = {"SUBSCRIBE", "news"};
    assert_int_equal(rconn_push_start(c, 2, sub, NULL, sub_cb, &s), 0);
    uint64_t deadline = loop_now_ms(l) + rfx_scale(10000);
    while (s.n < 1 && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    assert_int_equal(rconn_protocol(c), 3);
    struct rconn *pub = srv_conn(l, 2, 0);
    freeReplyObject(cmd(l, pub, "PUBLISH", "news", "hello", NULL));
    while (s.n < 2 && loop_now_ms(l) < deadline)
        loop_run_once(l, 100);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.types[0], RESP3_PUSH);
    assert_int_equal(s.types[1], RESP3_PUSH);
    assert_string_equal(buf_str(&s.text), "1) \"subscribe\"\n2) \"news\"\n3) (integer) 1\n"
                                          "1) \"message\"\n2) \"news\"\n3) \"hello\"\n");
    buf_free(&s.text);
    rconn_close(pub);
    rconn_close(c);
    loop_free(l);
}

static void test_cap_in_resp3(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rconn *c = srv_conn(l, 3, 64 * 1024);
    freeReplyObject(cmd(l, c, "DEL", "big", "bigs", NULL));
    freeReplyObject(
        cmd(l, c, "EVAL",
            "for i=1,3000 do redis.call('HSET', KEYS[1], 'field'..i, string.rep('v', 60)) end", "1",
            "big", NULL));
    const char *hg[] = {"HGETALL", "big"};
    struct pw p;
    pw_run(l, c, &p, 2, hg);
    assert_int_equal(resp3_type(p.reply), RESP3_MAP);
    assert_true(p.trunc);
    assert_true(p.reply->elements > 0 && p.reply->elements < 6000);
    assert_int_equal(p.reply->elements % 2, 0);
    pw_free(&p);
    /* a string past the cap: too large, and the connection goes on */
    freeReplyObject(cmd(l, c, "SET", "bigs", "x", NULL));
    freeReplyObject(cmd(l, c, "SETRANGE", "bigs", "200000", "y", NULL));
    const char *get[] = {"GET", "bigs"};
    struct rfx_wait g;
    assert_true(rfx_cmdv(l, c, &g, 2, get));
    assert_true(g.has_err);
    assert_int_equal(g.err.code, RCONN_ERR_TOO_LARGE);
    expect_cmd_tty(l, c, "PONG\n", "PING", NULL);
    rconn_close(c);
    loop_free(l);
}

/* ---- a node without HELLO (Redis 5) ---- */

static void redis5(struct rfake *f, int argc, const redisReply *const *argv, struct buf *out,
                   void *arg)
{
    (void)f;
    (void)arg;
    if (rfake_is(argc, argv, 0, "HELLO"))
        buf_appends(out, "-ERR unknown command 'HELLO'\r\n");
    else if (rfake_is(argc, argv, 0, "PING"))
        buf_appends(out, "+PONG\r\n");
    else
        buf_appends(out, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
}

static void test_node_without_hello(void **state)
{
    (void)state;
    struct loop *l = loop_new();
    struct rfake f;
    rfake_start(&f, l, redis5, NULL);
    /* asked for RESP3 when connecting: the connection says why it cannot */
    struct rconn_options o = {.host = "127.0.0.1", .port = f.port, .protocol = 3};
    struct rconn *c = rconn_open(l, &o);
    struct rfx_wait w;
    const char *ping[] = {"PING"};
    rfx_cmdv(l, c, &w, 1, ping);
    assert_true(w.has_err);
    assert_int_equal(w.err.code, RCONN_ERR_PROTOCOL);
    assert_non_null(strstr(w.err.msg, "refused HELLO 3"));
    assert_non_null(strstr(w.err.msg, "RESP3 needs Redis 6 or later"));
    rconn_close(c);
    /* the person's HELLO 3: the error reply, a note, and RESP2 goes on */
    o.protocol = 0;
    c = rconn_open(l, &o);
    const char *hello[] = {"HELLO", "3"};
    assert_true(rfx_cmdv(l, c, &w, 2, hello));
    assert_false(w.has_err);
    assert_int_equal(w.reply->type, REDIS_REPLY_ERROR);
    struct buf b;
    buf_init(&b, 0);
    rrender_hello_note(&b, 2, hello, NULL, w.reply);
    assert_non_null(strstr(buf_str(&b), "RESP3 needs Redis 6 or later"));
    buf_free(&b);
    rfx_wait_free(&w);
    assert_int_equal(rconn_protocol(c), 2);
    const char *hg[] = {"HGETALL", "h"};
    assert_true(rfx_cmdv(l, c, &w, 2, hg));
    assert_false(w.has_err);
    expect_tty(w.reply, "1) \"k\"\n2) \"v\"\n");
    rfx_wait_free(&w);
    rconn_close(c);
    rfake_stop(&f);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_every_type),          cmocka_unit_test(test_nesting_and_alignment),
        cmocka_unit_test(test_split_at_every_byte), cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_hostile_input),       cmocka_unit_test(test_budget),
        cmocka_unit_test(test_render_forms),        cmocka_unit_test(test_node_without_hello),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test(test_server_replies),     cmocka_unit_test(test_pushes),
        cmocka_unit_test(test_pipelined_switches), cmocka_unit_test(test_subscribe_pushes),
        cmocka_unit_test(test_cap_in_resp3),
    };
    int rc = cmocka_run_group_tests_name("resp3 reader", pure, NULL, NULL);
    rc += cmocka_run_group_tests_name("resp3 on redis-server", server, group_setup, group_teardown);
    return rc;
}

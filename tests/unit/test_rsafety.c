/* test_rsafety.c - blocked, unsupported, read-only and dangerous commands,
 * and the command metadata they are judged by (COMMAND INFO parsing, the
 * built-in table, key positions). No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <string.h>

#include "core/redis/rcmd.h"
#include "core/redis/rsafety.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARGS(...) ((int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

static enum rsafety_kind check(const struct rsafety_policy *p, bool confirmed,
                               struct rsafety_verdict *v, int argc, const char *const *argv)
{
    return rsafety_check(p, argc, argv, NULL, NULL, confirmed, v);
}

#define CHECK(p, confirmed, v, ...) check(p, confirmed, v, NARGS(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_blocked_commands(void **state)
{
    (void)state;
    struct rsafety_policy p = {0};
    struct rsafety_verdict v;
    /* ElastiCache's restricted list, in any case, whatever the arguments */
    static const char *const restricted[] = {"bgrewriteaof", "BGSAVE",    "config", "Debug",
                                             "migrate",      "replicaof", "save",   "SLAVEOF",
                                             "shutdown",     "sync"};
    for (size_t i = 0; i < sizeof(restricted) / sizeof(restricted[0]); i++) {
        const char *argv[] = {restricted[i], "x"};
        assert_int_equal(rsafety_check(&p, 2, argv, NULL, NULL, true, &v), RSAFETY_BLOCKED);
        assert_non_null(strstr(v.why, "ElastiCache"));
        assert_true(strlen(v.command) > 0);
    }
    assert_int_equal(CHECK(&p, false, &v, "CONFIG", "SET", "maxmemory", "1"), RSAFETY_BLOCKED);
    assert_string_equal(v.command, "CONFIG");
    assert_non_null(strstr(v.instead, "parameter group"));
    assert_int_equal(CHECK(&p, false, &v, "BGSAVE"), RSAFETY_BLOCKED);
    assert_non_null(strstr(v.instead, "CreateSnapshot"));
    /* managed by the service */
    assert_int_equal(CHECK(&p, true, &v, "CLUSTER", "SETSLOT", "1", "NODE", "x"), RSAFETY_BLOCKED);
    assert_string_equal(v.command, "CLUSTER SETSLOT");
    assert_int_equal(CHECK(&p, true, &v, "cluster", "failover"), RSAFETY_BLOCKED);
    assert_non_null(strstr(v.instead, "elcui failover"));
    assert_int_equal(CHECK(&p, true, &v, "ACL", "SAVE"), RSAFETY_BLOCKED);
    assert_int_equal(CHECK(&p, true, &v, "PSYNC", "?", "-1"), RSAFETY_BLOCKED);
    assert_int_equal(CHECK(&p, true, &v, "MODULE", "LIST"), RSAFETY_BLOCKED);
    /* reads of the cluster are fine */
    assert_int_equal(CHECK(&p, false, &v, "CLUSTER", "SHARDS"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, false, &v, "CLUSTER", "INFO"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, false, &v, "ACL", "WHOAMI"), RSAFETY_OK);
    /* a self-managed node: not blocked */
    struct rsafety_policy self = {.allow_restricted = true};
    assert_int_equal(CHECK(&self, false, &v, "CONFIG", "GET", "x"), RSAFETY_OK);
    assert_int_equal(v.kind, RSAFETY_OK);
}

static void test_unsupported_commands(void **state)
{
    (void)state;
    struct rsafety_policy p = {0};
    struct rsafety_verdict v;
    assert_int_equal(CHECK(&p, true, &v, "SUBSCRIBE", "news"), RSAFETY_UNSUPPORTED);
    assert_int_equal(CHECK(&p, true, &v, "MONITOR"), RSAFETY_UNSUPPORTED);
    assert_non_null(strstr(v.instead, "slow log"));
    assert_int_equal(CHECK(&p, true, &v, "CLIENT", "REPLY", "OFF"), RSAFETY_UNSUPPORTED);
    assert_int_equal(CHECK(&p, true, &v, "CLIENT", "REPLY", "ON"), RSAFETY_OK);
    /* RESP3 is read (core/redis/resp3.h): HELLO 3 goes, and HELLO 2 back */
    assert_int_equal(CHECK(&p, true, &v, "HELLO", "3"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, true, &v, "HELLO", "3", "AUTH", "u", "p"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, true, &v, "HELLO", "2"), RSAFETY_OK);
    struct rsafety_policy ro = {.read_only = true, .cluster = true};
    assert_int_equal(CHECK(&ro, true, &v, "HELLO", "3"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, true, &v, "RESET"), RSAFETY_UNSUPPORTED);
    /* transactions only without cluster mode */
    assert_int_equal(CHECK(&p, false, &v, "MULTI"), RSAFETY_OK);
    struct rsafety_policy cl = {.cluster = true};
    assert_int_equal(CHECK(&cl, false, &v, "MULTI"), RSAFETY_UNSUPPORTED);
    assert_int_equal(CHECK(&cl, false, &v, "watch", "k"), RSAFETY_UNSUPPORTED);
    assert_non_null(strstr(v.instead, "EVAL"));
}

static void test_dangerous_need_confirmation(void **state)
{
    (void)state;
    struct rsafety_policy p = {0};
    struct rsafety_verdict v;
    assert_int_equal(CHECK(&p, false, &v, "FLUSHALL"), RSAFETY_CONFIRM);
    assert_int_equal(CHECK(&p, true, &v, "FLUSHALL"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, false, &v, "flushdb", "ASYNC"), RSAFETY_CONFIRM);
    assert_int_equal(CHECK(&p, false, &v, "KEYS", "*"), RSAFETY_CONFIRM);
    assert_non_null(strstr(v.instead, "SCAN"));
    assert_int_equal(CHECK(&p, false, &v, "SCRIPT", "FLUSH"), RSAFETY_CONFIRM);
    assert_string_equal(v.command, "SCRIPT FLUSH");
    assert_int_equal(CHECK(&p, false, &v, "SCRIPT", "EXISTS", "abc"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, false, &v, "FUNCTION", "FLUSH"), RSAFETY_CONFIRM);
    assert_int_equal(CHECK(&p, false, &v, "CLIENT", "KILL", "ID", "7"), RSAFETY_CONFIRM);
    assert_int_equal(CHECK(&p, false, &v, "CLIENT", "LIST"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, false, &v, "SLOWLOG", "RESET"), RSAFETY_CONFIRM);
    assert_int_equal(CHECK(&p, false, &v, "SLOWLOG", "GET", "10"), RSAFETY_OK);
    /* DEL/UNLINK above the threshold */
    assert_int_equal(CHECK(&p, false, &v, "DEL", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
                     RSAFETY_OK);
    assert_int_equal(
        CHECK(&p, false, &v, "UNLINK", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"),
        RSAFETY_CONFIRM);
    assert_non_null(strstr(v.why, "11 keys"));
    struct rsafety_policy tight = {.del_threshold = 2};
    assert_int_equal(CHECK(&tight, false, &v, "DEL", "a", "b", "c"), RSAFETY_CONFIRM);
    assert_int_equal(CHECK(&tight, true, &v, "DEL", "a", "b", "c"), RSAFETY_OK);
    assert_int_equal(CHECK(&p, false, &v, "GET", "k"), RSAFETY_OK);
    assert_string_equal(rsafety_kind_name(RSAFETY_CONFIRM), "confirm");
}

/* A COMMAND INFO entry as Redis 7.0 sends it. */
static redisReply *str(const char *s)
{
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_STATUS;
    r->len = strlen(s);
    r->str = strdup(s);
    return r;
}

static redisReply *num(long long v)
{
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_INTEGER;
    r->integer = v;
    return r;
}

static redisReply *arr(size_t n)
{
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof(*r->element));
    return r;
}

static redisReply *entry(const char *name, int arity, const char *f1, const char *f2, int first,
                         int last, int step)
{
    redisReply *e = arr(6);
    e->element[0] = str(name);
    e->element[1] = num(arity);
    size_t nf = (f1 ? 1 : 0) + (f2 ? 1 : 0);
    e->element[2] = arr(nf);
    if (f1)
        e->element[2]->element[0] = str(f1);
    if (f2)
        e->element[2]->element[1] = str(f2);
    e->element[3] = num(first);
    e->element[4] = num(last);
    e->element[5] = num(step);
    return e;
}

struct collected {
    struct rcmd_info v[8];
    int n;
};

static void collect(const struct rcmd_info *info, void *arg)
{
    struct collected *c = arg;
    if (c->n < 8)
        c->v[c->n++] = *info;
}

static void test_command_info_parsing(void **state)
{
    (void)state;
    struct collected c = {0};
    redisReply *set = entry("set", -3, "write", "denyoom", 1, 1, 1);
    assert_int_equal(rcmd_parse(set, collect, &c), 1);
    assert_string_equal(c.v[0].name, "set");
    assert_true(c.v[0].flags & RCMD_F_WRITE);
    assert_true(c.v[0].from_server);
    int idx[4];
    assert_int_equal(rcmd_keys(&c.v[0], 3, idx, 4), 1);
    assert_int_equal(idx[0], 1);
    freeReplyObject(set);

    /* a container with subcommands (element 9) */
    redisReply *obj = arr(10);
    redisReply *base = entry("object", -2, NULL, NULL, 0, 0, 0);
    for (int i = 0; i < 6; i++) {
        obj->element[i] = base->element[i];
        base->element[i] = NULL;
    }
    freeReplyObject(base);
    obj->element[6] = arr(0);
    obj->element[7] = arr(0);
    obj->element[8] = arr(0);
    obj->element[9] = arr(1);
    obj->element[9]->element[0] = entry("object|encoding", 3, "readonly", NULL, 2, 2, 1);
    c.n = 0;
    assert_int_equal(rcmd_parse(obj, collect, &c), 2);
    assert_true(c.v[0].flags & RCMD_F_SUBCOMMANDS);
    assert_string_equal(c.v[1].name, "object|encoding");
    assert_int_equal(rcmd_keys(&c.v[1], 3, idx, 4), 1);
    assert_int_equal(idx[0], 2);
    freeReplyObject(obj);

    /* MSET: keys every other argument; BLPOP: last is -2 */
    redisReply *mset = entry("mset", -3, "write", NULL, 1, -1, 2);
    c.n = 0;
    rcmd_parse(mset, collect, &c);
    assert_int_equal(rcmd_keys(&c.v[0], 7, idx, 4), 3);
    assert_int_equal(idx[2], 5);
    freeReplyObject(mset);
    const struct rcmd_info *blpop = rcmd_builtin("blpop");
    assert_non_null(blpop);
    assert_int_equal(rcmd_keys(blpop, 4, idx, 4), 2); /* BLPOP a b 0 */

    /* malformed and unknown */
    redisReply *bad = arr(2);
    bad->element[0] = str("x");
    bad->element[1] = str("y");
    assert_int_equal(rcmd_parse(bad, collect, &c), -1);
    freeReplyObject(bad);
    redisReply *nil = calloc(1, sizeof(*nil));
    nil->type = REDIS_REPLY_NIL;
    assert_int_equal(rcmd_parse(nil, collect, &c), 0);
    freeReplyObject(nil);
    redisReply *neg = entry("evil", 2, NULL, NULL, -4, 1, 1);
    assert_int_equal(rcmd_parse(neg, collect, &c), -1);
    freeReplyObject(neg);

    char name[RCMD_NAME_MAX];
    rcmd_lookup_name(2, ARGV("XINFO", "Stream"), NULL, true, name, sizeof(name));
    assert_string_equal(name, "xinfo|stream");
}

static void test_movable_keys(void **state)
{
    (void)state;
    int idx[8];
    assert_int_equal(rcmd_movable_keys(5, ARGV("EVAL", "s", "2", "k1", "k2"), NULL, idx, 8), 2);
    assert_int_equal(idx[0], 3);
    assert_int_equal(rcmd_movable_keys(3, ARGV("EVAL", "s", "0"), NULL, idx, 8), 0);
    assert_int_equal(rcmd_movable_keys(5, ARGV("ZUNIONSTORE", "dst", "2", "a", "b"), NULL, idx, 8),
                     3);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 3);
    assert_int_equal(
        rcmd_movable_keys(7, ARGV("XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0"), NULL, idx, 8),
        1);
    assert_int_equal(idx[0], 4);
    assert_int_equal(rcmd_movable_keys(3, ARGV("SORT", "list", "ALPHA"), NULL, idx, 8), 1);
    assert_int_equal(rcmd_movable_keys(2, ARGV("GET", "k"), NULL, idx, 8), -1);
    /* a bad count is not trusted */
    assert_int_equal(rcmd_movable_keys(4, ARGV("EVAL", "s", "x1", "k"), NULL, idx, 8), 0);
}

static void test_read_only(void **state)
{
    (void)state;
    struct rsafety_policy ro = {.read_only = true};
    struct rsafety_verdict v;
    /* built-in table when COMMAND INFO is not known */
    assert_int_equal(CHECK(&ro, true, &v, "SET", "k", "v"), RSAFETY_READ_ONLY);
    assert_non_null(strstr(v.why, "command table"));
    assert_int_equal(CHECK(&ro, false, &v, "GET", "k"), RSAFETY_OK);
    assert_int_equal(CHECK(&ro, false, &v, "HSET", "h", "f", "v"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "XGROUP", "CREATE", "s", "g", "$"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "XINFO", "STREAM", "s"), RSAFETY_OK);
    assert_int_equal(CHECK(&ro, false, &v, "PUBLISH", "ch", "m"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "EVAL", "return 1", "0"), RSAFETY_READ_ONLY);
    assert_non_null(strstr(v.instead, "EVAL_RO"));
    assert_int_equal(CHECK(&ro, false, &v, "EVAL_RO", "return 1", "0"), RSAFETY_OK);
    assert_int_equal(CHECK(&ro, false, &v, "SORT", "l"), RSAFETY_READ_ONLY);
    assert_non_null(strstr(v.instead, "SORT_RO"));
    assert_int_equal(CHECK(&ro, false, &v, "PFCOUNT", "h"), RSAFETY_OK);
    assert_int_equal(CHECK(&ro, false, &v, "SCRIPT", "FLUSH"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "CLIENT", "KILL", "ID", "1"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "SLOWLOG", "RESET"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "SLOWLOG", "GET"), RSAFETY_OK);
    assert_int_equal(CHECK(&ro, false, &v, "FLUSHALL"), RSAFETY_READ_ONLY);
    assert_int_equal(CHECK(&ro, false, &v, "PING"), RSAFETY_OK);
    assert_int_equal(CHECK(&ro, false, &v, "INFO", "replication"), RSAFETY_OK);
    /* unknown: cannot tell, so refused */
    assert_int_equal(CHECK(&ro, false, &v, "MYMODULE.DO", "x"), RSAFETY_READ_ONLY);
    assert_non_null(strstr(v.why, "not a command elcui knows"));
    /* blocked stays blocked */
    assert_int_equal(CHECK(&ro, false, &v, "CONFIG", "GET", "x"), RSAFETY_BLOCKED);

    /* COMMAND INFO flags win when given */
    struct rcmd_info mod = {.name = "mymodule.do", .flags = RCMD_F_READONLY, .from_server = true};
    assert_int_equal(rsafety_check(&ro, 2, ARGV("MYMODULE.DO", "x"), NULL, &mod, false, &v),
                     RSAFETY_OK);
    struct rcmd_info w = {.name = "get", .flags = RCMD_F_WRITE, .from_server = true};
    assert_int_equal(rsafety_check(&ro, 2, ARGV("GET", "x"), NULL, &w, false, &v),
                     RSAFETY_READ_ONLY);
    assert_non_null(strstr(v.why, "COMMAND INFO"));
    /* Redis 7.0 reports EVAL with neither write nor readonly */
    struct rcmd_info ev = {.name = "eval", .from_server = true};
    assert_int_equal(rsafety_check(&ro, 3, ARGV("EVAL", "s", "0"), NULL, &ev, false, &v),
                     RSAFETY_READ_ONLY);
    struct rcmd_info ping = {.name = "ping", .from_server = true};
    assert_int_equal(rsafety_check(&ro, 1, ARGV("PING"), NULL, &ping, false, &v), RSAFETY_OK);
    /* not read-only: writes pass */
    struct rsafety_policy rw = {0};
    assert_int_equal(CHECK(&rw, false, &v, "SET", "k", "v"), RSAFETY_OK);
    assert_true(rsafety_is_write(3, ARGV("SET", "k", "v"), NULL, NULL));
    assert_false(rsafety_is_write(2, ARGV("GET", "k"), NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocked_commands),
        cmocka_unit_test(test_unsupported_commands),
        cmocka_unit_test(test_dangerous_need_confirmation),
        cmocka_unit_test(test_command_info_parsing),
        cmocka_unit_test(test_movable_keys),
        cmocka_unit_test(test_read_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_rdocs.c - completion and hints from COMMAND DOCS (core/redis/rdocs):
 * the built-in answer parses (Redis 6.2 and 7.x commands, the 7.2/7.4
 * and Valkey 8 additions); arguments are written as redis-cli writes them;
 * Tab candidates for command names (any case), subcommands and option
 * tokens; the hint drops what is typed (by position and by token, repeats
 * kept as "[key ...]"); a hand-made answer, odd shapes and control bytes
 * in a server's docs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rdocs.h"

struct cands {
    char *v[512];
    size_t n;
};

static void cands_add(void *ctx, const char *c)
{
    struct cands *k = ctx;
    if (k->n < 512)
        k->v[k->n++] = mem_xstrdup(c);
}

static bool cands_has(const struct cands *k, const char *c)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->v[i], c) == 0)
            return true;
    return false;
}

static void cands_free(struct cands *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i]);
    k->n = 0;
}

static size_t complete(const struct rdocs *d, const char *line, struct cands *k)
{
    cands_free(k);
    return rdocs_complete(d, line, strlen(line), cands_add, k);
}

static void expect_hint(const struct rdocs *d, const char *line, const char *want)
{
    char *h = rdocs_hint(d, line);
    if (!want) {
        if (h)
            fail_msg("hint for [%s]: [%s], want none", line, h);
        return;
    }
    if (!h || strcmp(h, want) != 0)
        fail_msg("hint for [%s]: [%s], want [%s]", line, h ? h : "(none)", want);
    free(h);
}

static void test_builtin(void **state)
{
    (void)state;
    const struct rdocs *d = rdocs_builtin();
    assert_non_null(d);
    assert_true(d->n >= 240);
    assert_ptr_equal(rdocs_builtin(), d); /* parsed once */
    assert_non_null(strstr(d->source, "Redis 7.0"));
    const struct rdocs_cmd *set = rdocs_find(d, "set", NULL);
    assert_non_null(set);
    assert_string_equal(set->name, "SET");
    assert_string_equal(set->args, "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT "
                                   "unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
    assert_string_equal(set->since, "1.0.0");
    assert_string_equal(set->group, "string");
    assert_string_equal(rdocs_find(d, "MSET", NULL)->args, "key value [key value ...]");
    assert_string_equal(rdocs_find(d, "DEL", NULL)->args, "key [key ...]");
    assert_string_equal(rdocs_find(d, "PING", NULL)->args, "[message]");
    /* subcommands, Redis 6.2 commands, later additions */
    const struct rdocs_cmd *cl = rdocs_find(d, "CLUSTER", NULL);
    assert_non_null(cl);
    assert_true(cl->nsubs > 20);
    assert_non_null(rdocs_find(d, "cluster", "shards"));
    assert_string_equal(rdocs_find(d, "CLUSTER", "KEYSLOT")->args, "key");
    assert_non_null(rdocs_find(d, "GETDEL", NULL));  /* 6.2 */
    assert_non_null(rdocs_find(d, "WAITAOF", NULL)); /* 7.2 */
    assert_string_equal(rdocs_find(d, "WAITAOF", NULL)->since, "7.2.0");
    assert_string_equal(rdocs_find(d, "HEXPIRE", NULL)->args,
                        "key seconds [NX|XX|GT|LT] FIELDS numfields field [field ...]");
    assert_non_null(rdocs_find(d, "CLIENT", "NO-TOUCH"));
    assert_non_null(rdocs_find(d, "CLUSTER", "SLOT-STATS")); /* Valkey 8 */
    assert_null(rdocs_find(d, "NOSUCHCMD", NULL));
    assert_null(rdocs_find(d, "CLUSTER", "NOSUCH"));
    /* what can be asked of a server in one batch (hiredis reads 8 levels) */
    const char *names[400];
    size_t n = rdocs_askable(d, names, 400);
    assert_true(n > 150);
    bool has_set = false, has_deep = false, has_container = false;
    for (size_t i = 0; i < n; i++) {
        has_set = has_set || strcmp(names[i], "SET") == 0;
        has_deep = has_deep || strcmp(names[i], "BITFIELD") == 0;
        has_container = has_container || strcmp(names[i], "CLUSTER") == 0;
        assert_true(rdocs_find(d, names[i], NULL)->depth <= RDOCS_ASK_DEPTH);
    }
    assert_true(has_set);
    assert_false(has_deep);
    assert_false(has_container);
    rdocs_free((struct rdocs *)d); /* the built-in table stays */
    assert_non_null(rdocs_find(rdocs_builtin(), "GET", NULL));
}

static void test_complete(void **state)
{
    (void)state;
    const struct rdocs *d = rdocs_builtin();
    struct cands k = {0};
    assert_int_equal(complete(d, "CLU", &k), 0);
    assert_int_equal(k.n, 1);
    assert_string_equal(k.v[0], "CLUSTER");
    /* in the case typed */
    complete(d, "clu", &k);
    assert_string_equal(k.v[0], "cluster");
    /* subcommands after the container */
    assert_int_equal(complete(d, "CLUSTER ", &k), 8);
    assert_true(cands_has(&k, "INFO"));
    assert_true(cands_has(&k, "SHARDS"));
    assert_true(k.n > 20);
    assert_int_equal(complete(d, "cluster sh", &k), 8);
    assert_true(cands_has(&k, "shards"));
    /* option tokens of a command, once a letter is typed */
    complete(d, "SET k v ", &k);
    assert_int_equal(k.n, 0);
    assert_int_equal(complete(d, "SET k v E", &k), 8);
    assert_true(cands_has(&k, "EX"));
    assert_true(cands_has(&k, "EXAT"));
    complete(d, "set k v n", &k);
    assert_true(cands_has(&k, "nx"));
    /* nothing for unknown commands or quoted words */
    complete(d, "NOSUCH a", &k);
    assert_int_equal(k.n, 0);
    complete(d, "SET \"E", &k);
    assert_int_equal(k.n, 0);
    cands_free(&k);
}

static void test_hint(void **state)
{
    (void)state;
    const struct rdocs *d = rdocs_builtin();
    const char *set_opts =
        "[GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|"
        "KEEPTTL]";
    char want[400];
    snprintf(want, sizeof(want), " key value [NX|XX] %s", set_opts);
    expect_hint(d, "SET", want);
    expect_hint(d, "set", want);
    snprintf(want, sizeof(want), "key value [NX|XX] %s", set_opts);
    expect_hint(d, "SET ", want);
    snprintf(want, sizeof(want), " value [NX|XX] %s", set_opts);
    expect_hint(d, "SET k", want);
    snprintf(want, sizeof(want), "[NX|XX] %s", set_opts);
    expect_hint(d, "SET k v ", want);
    /* an option by its token, wherever it is typed */
    snprintf(want, sizeof(want), "%s", set_opts);
    expect_hint(d, "SET k v NX ", want);
    expect_hint(d, "SET k v xx ", want);
    expect_hint(d, "SET k v NX GET EX 10 ", NULL);
    /* repeats stay */
    expect_hint(d, "DEL ", "key [key ...]");
    expect_hint(d, "DEL a b ", "[key ...]");
    expect_hint(d, "MSET a 1 ", "[key value ...]");
    /* containers: the subcommands, then the subcommand's arguments */
    char *h = rdocs_hint(d, "CLUSTER");
    assert_non_null(h);
    assert_non_null(strstr(h, "|SHARDS|"));
    free(h);
    expect_hint(d, "CLUSTER KEYSLOT ", "key");
    expect_hint(d, "cluster keyslot", " key");
    expect_hint(d, "CLUSTER NOSUCH ", NULL);
    expect_hint(d, "NOSUCH ", NULL);
    expect_hint(d, "", NULL);
    expect_hint(d, "GET k ", NULL);
    expect_hint(d, "HEXPIRE h 10 ", "[NX|XX|GT|LT] FIELDS numfields field [field ...]");
    expect_hint(d, "HEXPIRE h 10 FIELDS 1 f ", NULL);
}

/* A small answer built by hand: the parser takes what it knows. */
static void test_parse_hand_made(void **state)
{
    (void)state;
    static const char resp[] =
        "*8\r\n"
        "$4\r\necho\r\n*4\r\n$7\r\nsummary\r\n$10\r\nEcho\x1b[2Jit\r\n"
        "$9\r\narguments\r\n*1\r\n*4\r\n$4\r\nname\r\n$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\n"
        "string\r\n"
        "$3\r\nodd\r\n:12\r\n"
        "$11\r\nclient|list\r\n*2\r\n$7\r\nsummary\r\n$4\r\nList\r\n"
        "$4\r\nsort\r\n*2\r\n$9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$7\r\npattern\r\n$4\r\n"
        "type\r\n$7\r\npattern\r\n$5\r\ntoken\r\n$3\r\nGET\r\n$5\r\nflags\r\n*3\r\n$8\r\n"
        "optional\r\n$8\r\nmultiple\r\n$14\r\nmultiple_token\r\n";
    redisReader *rd = redisReaderCreate();
    void *reply = NULL;
    assert_int_equal(redisReaderFeed(rd, resp, sizeof(resp) - 1), REDIS_OK);
    assert_int_equal(redisReaderGetReply(rd, &reply), REDIS_OK);
    assert_non_null(reply);
    struct rdocs *d = rdocs_parse(reply, NULL);
    freeReplyObject(reply);
    redisReaderFree(rd);
    assert_non_null(d);
    assert_int_equal(d->n, 3); /* "odd" is not a command entry */
    /* an entry named container|sub joins its container */
    assert_non_null(rdocs_find(d, "CLIENT", "LIST"));
    assert_string_equal(rdocs_find(d, "client", "list")->summary, "List");
    assert_string_equal(d->source, "server (COMMAND DOCS)");
    assert_string_equal(rdocs_find(d, "ECHO", NULL)->args, "message");
    /* control bytes of a server's text never survive */
    assert_null(strchr(rdocs_find(d, "ECHO", NULL)->summary, '\x1b'));
    assert_string_equal(rdocs_find(d, "SORT", NULL)->args, "[GET pattern [GET pattern ...]]");
    rdocs_free(d);
    /* not an answer at all */
    redisReply err = {.type = REDIS_REPLY_ERROR, .str = "ERR unknown subcommand", .len = 22};
    assert_null(rdocs_parse(&err, NULL));
    redisReply empty = {.type = REDIS_REPLY_ARRAY};
    assert_null(rdocs_parse(&empty, NULL));
    assert_null(rdocs_parse(NULL, NULL));
    assert_null(rdocs_hint(NULL, "SET"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_hint),
        cmocka_unit_test(test_parse_hand_made),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

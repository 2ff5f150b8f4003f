/* rcmd.c - COMMAND INFO parsing, built-in command table, key positions. */
#include "core/redis/rcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Built-in table: Redis 7.0 arity, flags and legacy key positions.
 * Flag letters: w write, r readonly, a admin, p may-replicate,
 * m movablekeys, s pubsub, b blocking, n noscript, c container. */
struct rcmd_row {
    const char *name;
    int arity;
    const char *flags;
    int first, last, step;
};

static const struct rcmd_row rcmd_rows[] = {
    /* strings */
    {"append", -3, "w", 1, 1, 1},
    {"decr", 2, "w", 1, 1, 1},
    {"decrby", 3, "w", 1, 1, 1},
    {"get", 2, "r", 1, 1, 1},
    {"getdel", 2, "w", 1, 1, 1},
    {"getex", -2, "w", 1, 1, 1},
    {"getrange", 4, "r", 1, 1, 1},
    {"getset", 3, "w", 1, 1, 1},
    {"incr", 2, "w", 1, 1, 1},
    {"incrby", 3, "w", 1, 1, 1},
    {"incrbyfloat", 3, "w", 1, 1, 1},
    {"lcs", -3, "r", 1, 2, 1},
    {"mget", -2, "r", 1, -1, 1},
    {"mset", -3, "w", 1, -1, 2},
    {"msetnx", -3, "w", 1, -1, 2},
    {"psetex", 4, "w", 1, 1, 1},
    {"set", -3, "w", 1, 1, 1},
    {"setex", 4, "w", 1, 1, 1},
    {"setnx", 3, "w", 1, 1, 1},
    {"setrange", 4, "w", 1, 1, 1},
    {"strlen", 2, "r", 1, 1, 1},
    {"substr", 4, "r", 1, 1, 1},
    /* bits */
    {"bitcount", -2, "r", 1, 1, 1},
    {"bitfield", -2, "w", 1, 1, 1},
    {"bitfield_ro", -2, "r", 1, 1, 1},
    {"bitop", -4, "w", 2, -1, 1},
    {"bitpos", -3, "r", 1, 1, 1},
    {"getbit", 3, "r", 1, 1, 1},
    {"setbit", 4, "w", 1, 1, 1},
    /* keyspace */
    {"copy", -3, "w", 1, 2, 1},
    {"del", -2, "w", 1, -1, 1},
    {"dump", 2, "r", 1, 1, 1},
    {"exists", -2, "r", 1, -1, 1},
    {"expire", -3, "w", 1, 1, 1},
    {"expireat", -3, "w", 1, 1, 1},
    {"expiretime", 2, "r", 1, 1, 1},
    {"keys", 2, "r", 0, 0, 0},
    {"move", 3, "w", 1, 1, 1},
    {"object", -2, "c", 0, 0, 0},
    {"object|encoding", 3, "r", 2, 2, 1},
    {"object|freq", 3, "r", 2, 2, 1},
    {"object|idletime", 3, "r", 2, 2, 1},
    {"object|refcount", 3, "r", 2, 2, 1},
    {"object|help", 2, "", 0, 0, 0},
    {"persist", 2, "w", 1, 1, 1},
    {"pexpire", -3, "w", 1, 1, 1},
    {"pexpireat", -3, "w", 1, 1, 1},
    {"pexpiretime", 2, "r", 1, 1, 1},
    {"pttl", 2, "r", 1, 1, 1},
    {"randomkey", 1, "r", 0, 0, 0},
    {"rename", 3, "w", 1, 2, 1},
    {"renamenx", 3, "w", 1, 2, 1},
    {"restore", -4, "w", 1, 1, 1},
    {"scan", -2, "r", 0, 0, 0},
    {"sort", -2, "wm", 1, 1, 1},
    {"sort_ro", -2, "r", 1, 1, 1},
    {"touch", -2, "r", 1, -1, 1},
    {"ttl", 2, "r", 1, 1, 1},
    {"type", 2, "r", 1, 1, 1},
    {"unlink", -2, "w", 1, -1, 1},
    {"wait", 3, "", 0, 0, 0},
    /* hashes */
    {"hdel", -3, "w", 1, 1, 1},
    {"hexists", 3, "r", 1, 1, 1},
    {"hget", 3, "r", 1, 1, 1},
    {"hgetall", 2, "r", 1, 1, 1},
    {"hincrby", 4, "w", 1, 1, 1},
    {"hincrbyfloat", 4, "w", 1, 1, 1},
    {"hkeys", 2, "r", 1, 1, 1},
    {"hlen", 2, "r", 1, 1, 1},
    {"hmget", -3, "r", 1, 1, 1},
    {"hmset", -4, "w", 1, 1, 1},
    {"hrandfield", -2, "r", 1, 1, 1},
    {"hscan", -3, "r", 1, 1, 1},
    {"hset", -4, "w", 1, 1, 1},
    {"hsetnx", 4, "w", 1, 1, 1},
    {"hstrlen", 3, "r", 1, 1, 1},
    {"hvals", 2, "r", 1, 1, 1},
    /* lists */
    {"blmove", 6, "wb", 1, 2, 1},
    {"blmpop", -5, "wbm", 0, 0, 0},
    {"blpop", -3, "wb", 1, -2, 1},
    {"brpop", -3, "wb", 1, -2, 1},
    {"brpoplpush", 4, "wb", 1, 2, 1},
    {"lindex", 3, "r", 1, 1, 1},
    {"linsert", 5, "w", 1, 1, 1},
    {"llen", 2, "r", 1, 1, 1},
    {"lmove", 5, "w", 1, 2, 1},
    {"lmpop", -4, "wm", 0, 0, 0},
    {"lpop", -2, "w", 1, 1, 1},
    {"lpos", -3, "r", 1, 1, 1},
    {"lpush", -3, "w", 1, 1, 1},
    {"lpushx", -3, "w", 1, 1, 1},
    {"lrange", 4, "r", 1, 1, 1},
    {"lrem", 4, "w", 1, 1, 1},
    {"lset", 4, "w", 1, 1, 1},
    {"ltrim", 4, "w", 1, 1, 1},
    {"rpop", -2, "w", 1, 1, 1},
    {"rpoplpush", 3, "w", 1, 2, 1},
    {"rpush", -3, "w", 1, 1, 1},
    {"rpushx", -3, "w", 1, 1, 1},
    /* sets */
    {"sadd", -3, "w", 1, 1, 1},
    {"scard", 2, "r", 1, 1, 1},
    {"sdiff", -2, "r", 1, -1, 1},
    {"sdiffstore", -3, "w", 1, -1, 1},
    {"sinter", -2, "r", 1, -1, 1},
    {"sintercard", -3, "rm", 0, 0, 0},
    {"sinterstore", -3, "w", 1, -1, 1},
    {"sismember", 3, "r", 1, 1, 1},
    {"smembers", 2, "r", 1, 1, 1},
    {"smismember", -3, "r", 1, 1, 1},
    {"smove", 4, "w", 1, 2, 1},
    {"spop", -2, "w", 1, 1, 1},
    {"srandmember", -2, "r", 1, 1, 1},
    {"srem", -3, "w", 1, 1, 1},
    {"sscan", -3, "r", 1, 1, 1},
    {"sunion", -2, "r", 1, -1, 1},
    {"sunionstore", -3, "w", 1, -1, 1},
    /* sorted sets */
    {"bzmpop", -5, "wbm", 0, 0, 0},
    {"bzpopmax", -3, "wb", 1, -2, 1},
    {"bzpopmin", -3, "wb", 1, -2, 1},
    {"zadd", -4, "w", 1, 1, 1},
    {"zcard", 2, "r", 1, 1, 1},
    {"zcount", 4, "r", 1, 1, 1},
    {"zdiff", -3, "rm", 0, 0, 0},
    {"zdiffstore", -4, "wm", 1, 1, 1},
    {"zincrby", 4, "w", 1, 1, 1},
    {"zinter", -3, "rm", 0, 0, 0},
    {"zintercard", -3, "rm", 0, 0, 0},
    {"zinterstore", -4, "wm", 1, 1, 1},
    {"zlexcount", 4, "r", 1, 1, 1},
    {"zmpop", -4, "wm", 0, 0, 0},
    {"zmscore", -3, "r", 1, 1, 1},
    {"zpopmax", -2, "w", 1, 1, 1},
    {"zpopmin", -2, "w", 1, 1, 1},
    {"zrandmember", -2, "r", 1, 1, 1},
    {"zrange", -4, "r", 1, 1, 1},
    {"zrangebylex", -4, "r", 1, 1, 1},
    {"zrangebyscore", -4, "r", 1, 1, 1},
    {"zrangestore", -5, "w", 1, 2, 1},
    {"zrank", 3, "r", 1, 1, 1},
    {"zrem", -3, "w", 1, 1, 1},
    {"zremrangebylex", 4, "w", 1, 1, 1},
    {"zremrangebyrank", 4, "w", 1, 1, 1},
    {"zremrangebyscore", 4, "w", 1, 1, 1},
    {"zrevrange", -4, "r", 1, 1, 1},
    {"zrevrangebylex", -4, "r", 1, 1, 1},
    {"zrevrangebyscore", -4, "r", 1, 1, 1},
    {"zrevrank", 3, "r", 1, 1, 1},
    {"zscan", -3, "r", 1, 1, 1},
    {"zscore", 3, "r", 1, 1, 1},
    {"zunion", -3, "rm", 0, 0, 0},
    {"zunionstore", -4, "wm", 1, 1, 1},
    /* hyperloglog */
    {"pfadd", -2, "w", 1, 1, 1},
    {"pfcount", -2, "rp", 1, -1, 1},
    {"pfmerge", -2, "w", 1, -1, 1},
    /* geo */
    {"geoadd", -5, "w", 1, 1, 1},
    {"geodist", -4, "r", 1, 1, 1},
    {"geohash", -2, "r", 1, 1, 1},
    {"geopos", -2, "r", 1, 1, 1},
    {"georadius", -6, "wm", 1, 1, 1},
    {"georadius_ro", -6, "r", 1, 1, 1},
    {"georadiusbymember", -5, "wm", 1, 1, 1},
    {"georadiusbymember_ro", -5, "r", 1, 1, 1},
    {"geosearch", -7, "r", 1, 1, 1},
    {"geosearchstore", -8, "w", 1, 2, 1},
    /* streams */
    {"xack", -4, "w", 1, 1, 1},
    {"xadd", -5, "w", 1, 1, 1},
    {"xautoclaim", -6, "w", 1, 1, 1},
    {"xclaim", -6, "w", 1, 1, 1},
    {"xdel", -3, "w", 1, 1, 1},
    {"xgroup", -2, "c", 0, 0, 0},
    {"xgroup|create", -5, "w", 2, 2, 1},
    {"xgroup|createconsumer", 5, "w", 2, 2, 1},
    {"xgroup|delconsumer", 5, "w", 2, 2, 1},
    {"xgroup|destroy", 4, "w", 2, 2, 1},
    {"xgroup|setid", -5, "w", 2, 2, 1},
    {"xinfo", -2, "c", 0, 0, 0},
    {"xinfo|consumers", 4, "r", 2, 2, 1},
    {"xinfo|groups", 3, "r", 2, 2, 1},
    {"xinfo|stream", -3, "r", 2, 2, 1},
    {"xlen", 2, "r", 1, 1, 1},
    {"xpending", -3, "r", 1, 1, 1},
    {"xrange", -4, "r", 1, 1, 1},
    {"xread", -4, "rbm", 0, 0, 0},
    {"xreadgroup", -7, "wbm", 0, 0, 0},
    {"xrevrange", -4, "r", 1, 1, 1},
    {"xsetid", -3, "w", 1, 1, 1},
    {"xtrim", -4, "w", 1, 1, 1},
    /* scripting and functions */
    {"eval", -3, "npm", 0, 0, 0},
    {"eval_ro", -3, "rnm", 0, 0, 0},
    {"evalsha", -3, "npm", 0, 0, 0},
    {"evalsha_ro", -3, "rnm", 0, 0, 0},
    {"fcall", -3, "npm", 0, 0, 0},
    {"fcall_ro", -3, "rnm", 0, 0, 0},
    {"script", -2, "c", 0, 0, 0},
    {"script|exists", -3, "n", 0, 0, 0},
    {"script|flush", -2, "np", 0, 0, 0},
    {"script|kill", 2, "n", 0, 0, 0},
    {"script|load", 3, "np", 0, 0, 0},
    {"function", -2, "c", 0, 0, 0},
    {"function|delete", 3, "wn", 0, 0, 0},
    {"function|dump", 2, "n", 0, 0, 0},
    {"function|flush", -2, "wn", 0, 0, 0},
    {"function|kill", 2, "n", 0, 0, 0},
    {"function|list", -2, "n", 0, 0, 0},
    {"function|load", -3, "wn", 0, 0, 0},
    {"function|restore", -3, "wn", 0, 0, 0},
    {"function|stats", 2, "n", 0, 0, 0},
    /* pub/sub */
    {"publish", 3, "sp", 0, 0, 0},
    {"spublish", 3, "sp", 1, 1, 1},
    {"subscribe", -2, "sn", 0, 0, 0},
    {"psubscribe", -2, "sn", 0, 0, 0},
    {"ssubscribe", -2, "sn", 1, -1, 1},
    {"unsubscribe", -1, "sn", 0, 0, 0},
    {"punsubscribe", -1, "sn", 0, 0, 0},
    {"sunsubscribe", -1, "sn", 1, -1, 1},
    {"pubsub", -2, "c", 0, 0, 0},
    {"pubsub|channels", -2, "s", 0, 0, 0},
    {"pubsub|numpat", 2, "s", 0, 0, 0},
    {"pubsub|numsub", -2, "s", 0, 0, 0},
    {"pubsub|shardchannels", -2, "s", 0, 0, 0},
    {"pubsub|shardnumsub", -2, "s", 0, 0, 0},
    /* connection and transactions */
    {"asking", 1, "", 0, 0, 0},
    {"auth", -2, "n", 0, 0, 0},
    {"discard", 1, "n", 0, 0, 0},
    {"echo", 2, "", 0, 0, 0},
    {"exec", 1, "n", 0, 0, 0},
    {"hello", -1, "n", 0, 0, 0},
    {"multi", 1, "n", 0, 0, 0},
    {"ping", -1, "", 0, 0, 0},
    {"quit", -1, "n", 0, 0, 0},
    {"readonly", 1, "", 0, 0, 0},
    {"readwrite", 1, "", 0, 0, 0},
    {"reset", 1, "n", 0, 0, 0},
    {"select", 2, "", 0, 0, 0},
    {"unwatch", 1, "n", 0, 0, 0},
    {"watch", -2, "n", 1, -1, 1},
    {"client", -2, "c", 0, 0, 0},
    {"client|getname", 2, "n", 0, 0, 0},
    {"client|id", 2, "n", 0, 0, 0},
    {"client|info", 2, "n", 0, 0, 0},
    {"client|kill", -3, "an", 0, 0, 0},
    {"client|list", -2, "an", 0, 0, 0},
    {"client|no-evict", 3, "an", 0, 0, 0},
    {"client|pause", -3, "an", 0, 0, 0},
    {"client|reply", 3, "n", 0, 0, 0},
    {"client|setname", 3, "n", 0, 0, 0},
    {"client|tracking", -3, "n", 0, 0, 0},
    {"client|unblock", -3, "an", 0, 0, 0},
    {"client|unpause", 2, "an", 0, 0, 0},
    /* server */
    {"acl", -2, "c", 0, 0, 0},
    {"acl|cat", -2, "n", 0, 0, 0},
    {"acl|deluser", -3, "an", 0, 0, 0},
    {"acl|dryrun", -4, "an", 0, 0, 0},
    {"acl|genpass", -2, "n", 0, 0, 0},
    {"acl|getuser", 3, "an", 0, 0, 0},
    {"acl|list", 2, "an", 0, 0, 0},
    {"acl|load", 2, "an", 0, 0, 0},
    {"acl|log", -2, "an", 0, 0, 0},
    {"acl|save", 2, "an", 0, 0, 0},
    {"acl|setuser", -3, "an", 0, 0, 0},
    {"acl|users", 2, "an", 0, 0, 0},
    {"acl|whoami", 2, "n", 0, 0, 0},
    {"bgrewriteaof", 1, "an", 0, 0, 0},
    {"bgsave", -1, "an", 0, 0, 0},
    {"cluster", -2, "c", 0, 0, 0},
    {"cluster|countkeysinslot", 3, "", 0, 0, 0},
    {"cluster|getkeysinslot", 4, "", 0, 0, 0},
    {"cluster|info", 2, "", 0, 0, 0},
    {"cluster|keyslot", 3, "", 0, 0, 0},
    {"cluster|myid", 2, "", 0, 0, 0},
    {"cluster|nodes", 2, "", 0, 0, 0},
    {"cluster|replicas", 3, "a", 0, 0, 0},
    {"cluster|shards", 2, "", 0, 0, 0},
    {"cluster|slots", 2, "", 0, 0, 0},
    {"command", -1, "c", 0, 0, 0},
    {"command|count", 2, "", 0, 0, 0},
    {"command|docs", -2, "", 0, 0, 0},
    {"command|getkeys", -3, "", 0, 0, 0},
    {"command|info", -2, "", 0, 0, 0},
    {"command|list", -2, "", 0, 0, 0},
    {"config", -2, "c", 0, 0, 0},
    {"dbsize", 1, "r", 0, 0, 0},
    {"debug", -2, "an", 0, 0, 0},
    {"failover", -1, "an", 0, 0, 0},
    {"flushall", -1, "w", 0, 0, 0},
    {"flushdb", -1, "w", 0, 0, 0},
    {"info", -1, "", 0, 0, 0},
    {"lastsave", 1, "", 0, 0, 0},
    {"latency", -2, "c", 0, 0, 0},
    {"latency|doctor", 2, "an", 0, 0, 0},
    {"latency|history", 3, "an", 0, 0, 0},
    {"latency|latest", 2, "an", 0, 0, 0},
    {"latency|reset", -2, "an", 0, 0, 0},
    {"lolwut", -1, "r", 0, 0, 0},
    {"memory", -2, "c", 0, 0, 0},
    {"memory|doctor", 2, "", 0, 0, 0},
    {"memory|malloc-stats", 2, "", 0, 0, 0},
    {"memory|purge", 2, "", 0, 0, 0},
    {"memory|stats", 2, "", 0, 0, 0},
    {"memory|usage", -3, "r", 2, 2, 1},
    {"migrate", -6, "wm", 3, 3, 1},
    {"module", -2, "c", 0, 0, 0},
    {"monitor", 1, "an", 0, 0, 0},
    {"psync", -3, "an", 0, 0, 0},
    {"replicaof", 3, "an", 0, 0, 0},
    {"role", 1, "n", 0, 0, 0},
    {"save", 1, "an", 0, 0, 0},
    {"shutdown", -1, "an", 0, 0, 0},
    {"slaveof", 3, "an", 0, 0, 0},
    {"slowlog", -2, "c", 0, 0, 0},
    {"slowlog|get", -2, "a", 0, 0, 0},
    {"slowlog|len", 2, "a", 0, 0, 0},
    {"slowlog|reset", 2, "a", 0, 0, 0},
    {"swapdb", 3, "w", 0, 0, 0},
    {"sync", 1, "an", 0, 0, 0},
    {"time", 1, "", 0, 0, 0},
};

#define RCMD_NROWS (sizeof(rcmd_rows) / sizeof(rcmd_rows[0]))

static unsigned rcmd_flag_letters(const char *s)
{
    unsigned f = 0;
    for (; *s; s++) {
        switch (*s) {
        case 'w':
            f |= RCMD_F_WRITE;
            break;
        case 'r':
            f |= RCMD_F_READONLY;
            break;
        case 'a':
            f |= RCMD_F_ADMIN;
            break;
        case 'p':
            f |= RCMD_F_MAY_REPLICATE;
            break;
        case 'm':
            f |= RCMD_F_MOVABLEKEYS;
            break;
        case 's':
            f |= RCMD_F_PUBSUB;
            break;
        case 'b':
            f |= RCMD_F_BLOCKING;
            break;
        case 'n':
            f |= RCMD_F_NOSCRIPT;
            break;
        case 'c':
            f |= RCMD_F_SUBCOMMANDS;
            break;
        default:
            break;
        }
    }
    return f;
}

static int rcmd_row_cmp(const void *key, const void *row)
{
    return strcmp(key, ((const struct rcmd_row *)row)->name);
}

/* The table is searched with bsearch: keep it sorted (checked once). */
static struct rcmd_info rcmd_cache_info[RCMD_NROWS];
static const struct rcmd_row *rcmd_sorted[RCMD_NROWS];
static int rcmd_ready;

static int rcmd_ptr_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct rcmd_row *const *)a)->name,
                  (*(const struct rcmd_row *const *)b)->name);
}

static int rcmd_sorted_cmp(const void *key, const void *p)
{
    return rcmd_row_cmp(key, *(const struct rcmd_row *const *)p);
}

static void rcmd_init(void)
{
    if (rcmd_ready)
        return;
    for (size_t i = 0; i < RCMD_NROWS; i++)
        rcmd_sorted[i] = &rcmd_rows[i];
    qsort(rcmd_sorted, RCMD_NROWS, sizeof(rcmd_sorted[0]), rcmd_ptr_cmp);
    for (size_t i = 0; i < RCMD_NROWS; i++) {
        const struct rcmd_row *r = rcmd_sorted[i];
        struct rcmd_info *inf = &rcmd_cache_info[i];
        snprintf(inf->name, sizeof(inf->name), "%s", r->name);
        inf->arity = r->arity;
        inf->flags = rcmd_flag_letters(r->flags);
        inf->first = r->first;
        inf->last = r->last;
        inf->step = r->step;
        inf->from_server = false;
    }
    rcmd_ready = 1;
}

const struct rcmd_info *rcmd_builtin(const char *name)
{
    rcmd_init();
    const struct rcmd_row *const *hit =
        bsearch(name, rcmd_sorted, RCMD_NROWS, sizeof(rcmd_sorted[0]), rcmd_sorted_cmp);
    if (!hit)
        return NULL;
    return &rcmd_cache_info[hit - rcmd_sorted];
}

static void rcmd_lower(char *dst, size_t dstsz, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < dstsz; i++) {
        char ch = src[i];
        dst[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    dst[i] = '\0';
}

void rcmd_lookup_name(int argc, const char *const *argv, const size_t *argvlen, bool want_sub,
                      char *out, size_t outsz)
{
    out[0] = '\0';
    if (argc < 1)
        return;
    size_t n0 = argvlen ? argvlen[0] : strlen(argv[0]);
    rcmd_lower(out, outsz, argv[0], n0);
    if (want_sub && argc > 1) {
        size_t used = strlen(out);
        if (used + 2 < outsz) {
            out[used] = '|';
            size_t n1 = argvlen ? argvlen[1] : strlen(argv[1]);
            rcmd_lower(out + used + 1, outsz - used - 1, argv[1], n1);
        }
    }
}

static bool rcmd_is_string(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) && r->str;
}

static unsigned rcmd_flag_name(const char *s)
{
    static const struct {
        const char *name;
        unsigned flag;
    } map[] = {
        {"write", RCMD_F_WRITE},
        {"readonly", RCMD_F_READONLY},
        {"admin", RCMD_F_ADMIN},
        {"may_replicate", RCMD_F_MAY_REPLICATE},
        {"movablekeys", RCMD_F_MOVABLEKEYS},
        {"pubsub", RCMD_F_PUBSUB},
        {"blocking", RCMD_F_BLOCKING},
        {"noscript", RCMD_F_NOSCRIPT},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(s, map[i].name) == 0)
            return map[i].flag;
    return 0;
}

static int rcmd_parse_one(const redisReply *e, struct rcmd_info *out)
{
    if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 6)
        return -1;
    const redisReply *const *el = (const redisReply *const *)e->element;
    if (!rcmd_is_string(el[0]) || el[1]->type != REDIS_REPLY_INTEGER ||
        el[2]->type != REDIS_REPLY_ARRAY || el[3]->type != REDIS_REPLY_INTEGER ||
        el[4]->type != REDIS_REPLY_INTEGER || el[5]->type != REDIS_REPLY_INTEGER)
        return -1;
    memset(out, 0, sizeof(*out));
    rcmd_lower(out->name, sizeof(out->name), el[0]->str, el[0]->len);
    out->arity = (int)el[1]->integer;
    for (size_t i = 0; i < el[2]->elements; i++)
        if (rcmd_is_string(el[2]->element[i]))
            out->flags |= rcmd_flag_name(el[2]->element[i]->str);
    long long first = el[3]->integer, last = el[4]->integer, step = el[5]->integer;
    if (first < 0 || first > 1000000 || last < -1000000 || last > 1000000 || step < 0 ||
        step > 1000000)
        return -1;
    out->first = (int)first;
    out->last = (int)last;
    out->step = (int)step;
    out->from_server = true;
    return 0;
}

int rcmd_parse(const redisReply *entry, void (*each)(const struct rcmd_info *, void *), void *arg)
{
    if (!entry || entry->type == REDIS_REPLY_NIL)
        return 0;
    struct rcmd_info info;
    if (rcmd_parse_one(entry, &info) != 0)
        return -1;
    const redisReply *subs = entry->elements >= 10 ? entry->element[9] : NULL;
    bool has_subs = subs && subs->type == REDIS_REPLY_ARRAY && subs->elements > 0;
    if (has_subs)
        info.flags |= RCMD_F_SUBCOMMANDS;
    each(&info, arg);
    int n = 1;
    for (size_t i = 0; has_subs && i < subs->elements; i++) {
        struct rcmd_info sub;
        if (rcmd_parse_one(subs->element[i], &sub) != 0)
            return -1;
        each(&sub, arg);
        n++;
    }
    return n;
}

int rcmd_keys(const struct rcmd_info *info, int argc, int *idx, int max)
{
    if (!info || info->first <= 0 || info->first >= argc)
        return 0;
    int last = info->last;
    if (last < 0)
        last = argc + last; /* -1: the last argument, -2: the one before */
    if (last >= argc)
        last = argc - 1;
    int step = info->step > 0 ? info->step : 1;
    int n = 0;
    for (int i = info->first; i <= last && n < max; i += step)
        idx[n++] = i;
    return n;
}

static bool rcmd_eq(const char *a, size_t alen, const char *lit)
{
    return alen == strlen(lit) && strncasecmp(a, lit, alen) == 0;
}

/* Parse argv[i] as a small non-negative count. */
static int rcmd_count(const char *const *argv, const size_t *argvlen, int i)
{
    size_t n = argvlen ? argvlen[i] : strlen(argv[i]);
    if (n == 0 || n > 9)
        return -1;
    int v = 0;
    for (size_t k = 0; k < n; k++) {
        if (argv[i][k] < '0' || argv[i][k] > '9')
            return -1;
        v = v * 10 + (argv[i][k] - '0');
    }
    return v;
}

static int rcmd_numkeys_at(int argc, const char *const *argv, const size_t *argvlen, int at,
                           int *idx, int max, int n)
{
    if (at >= argc)
        return n;
    int k = rcmd_count(argv, argvlen, at);
    if (k < 0)
        return n;
    for (int i = 0; i < k && at + 1 + i < argc && n < max; i++)
        idx[n++] = at + 1 + i;
    return n;
}

int rcmd_movable_keys(int argc, const char *const *argv, const size_t *argvlen, int *idx, int max)
{
    if (argc < 1 || max <= 0)
        return -1;
    const char *c = argv[0];
    size_t cl = argvlen ? argvlen[0] : strlen(c);
    static const char *const numkeys2[] = {"eval",  "evalsha",  "eval_ro", "evalsha_ro",
                                           "fcall", "fcall_ro", "blmpop",  "bzmpop"};
    static const char *const numkeys1[] = {"zunion",     "zinter", "zdiff", "zintercard",
                                           "sintercard", "lmpop",  "zmpop"};
    static const char *const dest_numkeys2[] = {"zunionstore", "zinterstore", "zdiffstore"};
    for (size_t i = 0; i < sizeof(numkeys2) / sizeof(numkeys2[0]); i++)
        if (rcmd_eq(c, cl, numkeys2[i]))
            return rcmd_numkeys_at(argc, argv, argvlen, 2, idx, max, 0);
    for (size_t i = 0; i < sizeof(numkeys1) / sizeof(numkeys1[0]); i++)
        if (rcmd_eq(c, cl, numkeys1[i]))
            return rcmd_numkeys_at(argc, argv, argvlen, 1, idx, max, 0);
    for (size_t i = 0; i < sizeof(dest_numkeys2) / sizeof(dest_numkeys2[0]); i++) {
        if (rcmd_eq(c, cl, dest_numkeys2[i])) {
            if (argc < 2)
                return 0;
            idx[0] = 1;
            return rcmd_numkeys_at(argc, argv, argvlen, 2, idx, max, 1);
        }
    }
    if (rcmd_eq(c, cl, "xread") || rcmd_eq(c, cl, "xreadgroup")) {
        for (int i = 1; i < argc; i++) {
            if (rcmd_eq(argv[i], argvlen ? argvlen[i] : strlen(argv[i]), "streams")) {
                int rest = argc - i - 1;
                int n = 0;
                for (int k = 0; k < rest / 2 && n < max; k++)
                    idx[n++] = i + 1 + k;
                return n;
            }
        }
        return 0;
    }
    if (rcmd_eq(c, cl, "sort") || rcmd_eq(c, cl, "georadius") ||
        rcmd_eq(c, cl, "georadiusbymember")) {
        if (argc < 2)
            return 0;
        idx[0] = 1;
        return 1;
    }
    if (rcmd_eq(c, cl, "migrate")) {
        if (argc > 3 && (argvlen ? argvlen[3] : strlen(argv[3])) > 0) {
            idx[0] = 3;
            return 1;
        }
        for (int i = 6; i < argc; i++)
            if (rcmd_eq(argv[i], argvlen ? argvlen[i] : strlen(argv[i]), "keys")) {
                int n = 0;
                for (int k = i + 1; k < argc && n < max; k++)
                    idx[n++] = k;
                return n;
            }
        return 0;
    }
    return -1;
}

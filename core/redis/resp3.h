/* resp3.h - RESP3 replies, read where hiredis 0.14 cannot read them.
 *
 * Why a reader of our own: hiredis 0.14 (Debian 12's, the only one elcui
 * may use) reads RESP2 only. Its reader's type switch (read.c,
 * processItem) knows '+', '-', ':', '$' and '*' and fails every other
 * type byte with "Protocol error, got "%" as reply type byte"; it has no
 * hook for more types and no reply types for them (REDIS_REPLY_* stops at
 * ERROR = 6). So RESP2 connections keep hiredis (rconn), and a connection
 * that switched to RESP3 with HELLO 3 is read by this small incremental
 * reader, which knows RESP3 (and therefore RESP2, its subset): maps '%',
 * sets '~', pushes '>', attributes '|', doubles ',', booleans '#', nulls
 * '_', verbatim strings '=', big numbers '(' and blob errors '!'.
 *
 * The tree it builds is made of hiredis's own redisReply objects, shaped
 * as the RESP2 reply of the same command would be: a map is an ARRAY of
 * its keys and values in turn (as HGETALL or CLUSTER SHARDS in RESP2), a
 * set or a push an ARRAY, a double, big number or verbatim string a
 * STRING (the number as the server wrote it, the verbatim text without
 * its "txt:" prefix), a boolean an INTEGER 1 or 0, a null NIL, a blob
 * error an ERROR. So every part of elcui written for RESP2 (routing on
 * MOVED, CLUSTER SHARDS, COMMAND INFO, pub/sub messages) reads a RESP3
 * reply unchanged, and freeReplyObject() frees it. The RESP3 type rides
 * in a field the RESP2 type leaves unused (`integer` of a STRING or an
 * ARRAY, `len` of an INTEGER), marked so that no reply hiredis builds can
 * be mistaken for one: resp3_type() reads it, and the renderer (rrender)
 * prints each as redis-cli 7 does. An attribute ('|') and the reply it
 * annotates become one ARRAY of two, tagged RESP3_ATTRIBUTED: the
 * attributes (a map) and the reply.
 *
 * Bounds, the same as the RESP2 path's (rconn):
 *  - memory: every object is charged (its struct, its string, its element
 *    vector: RESP3_OBJ_COST, RESP3_BLOCK_COST) against the cap of one
 *    reply; past it the rest of the reply is read and counted but not
 *    kept (aggregates keep their first elements, a map whole pairs; a bulk
 *    string that does not fit is skipped on the wire without being
 *    buffered; a line that does not fit is scanned to its end and
 *    dropped), and the stats say what was dropped;
 *  - time: lines are scanned once (memchr from where the last read
 *    stopped), whatever way the bytes are split;
 *  - depth: aggregates nested deeper than RESP3_MAX_DEPTH are a protocol
 *    error, as in hiredis ("depth > 7"); lengths and numbers have bounded
 *    lines; an aggregate longer than INT_MAX elements is refused.
 * The reader never holds more than one reply; it returns each as soon as
 * its last byte is read, and says how many bytes it used, so a caller can
 * switch readers exactly at a reply's end.
 */
#ifndef ELCUI_CORE_RESP3_H
#define ELCUI_CORE_RESP3_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one reply object costs beyond its payload: the struct and what
 * malloc keeps around each block (the RESP2 path charges the same). */
#define RESP3_OBJ_COST (sizeof(redisReply) + 16)
#define RESP3_BLOCK_COST 16
/* Aggregates nested deeper than this are refused (hiredis 0.14's limit). */
#define RESP3_MAX_DEPTH 8
/* A length, integer, boolean or null line longer than this is not RESP. */
#define RESP3_MAX_HEADER 40
/* A double's line (hiredis allows 326 bytes). */
#define RESP3_MAX_DOUBLE 330

enum resp3_type {
    RESP3_PLAIN = 0,  /* a RESP2 type as hiredis builds it */
    RESP3_MAP,        /* ARRAY: key, value, key, value... */
    RESP3_SET,        /* ARRAY */
    RESP3_PUSH,       /* ARRAY: an out-of-band message (pub/sub, invalidation) */
    RESP3_ATTRIBUTED, /* ARRAY of two: the attributes (a RESP3_MAP), the reply */
    RESP3_DOUBLE,     /* STRING: the number as written ("3.14", "inf", "-inf", "nan") */
    RESP3_BIGNUM,     /* STRING: the digits, with a leading '-' when negative */
    RESP3_VERBATIM,   /* STRING: the text; its format in resp3_verbatim_format() */
    RESP3_BOOL,       /* INTEGER: 1 true, 0 false */
};

/* The RESP3 type of r (RESP3_PLAIN for NULL and every RESP2 reply). */
enum resp3_type resp3_type(const redisReply *r);
/* "map", "set", "push", "attributed", "double", "bignum", "verbatim",
 * "boolean", "" for plain. */
const char *resp3_type_name(enum resp3_type t);
/* Tag r (of the matching RESP2 type) as t; fmt: a verbatim string's
 * three-letter format ("txt"), NULL otherwise. */
void resp3_set_type(redisReply *r, enum resp3_type t, const char *fmt);
/* The format of a verbatim string ("txt", "mkd"; "" for anything else). */
void resp3_verbatim_format(const redisReply *r, char out[4]);
/* An aggregate whose elements go by two (a map, the attributes). */
bool resp3_is_map(const redisReply *r);

/* What the last reply cost and what of it was not kept. */
struct resp3_stats {
    uint64_t kept;          /* objects kept */
    uint64_t dropped;       /* objects read but not kept */
    uint64_t dropped_bytes; /* string bytes read but not kept */
    size_t cost;            /* memory the kept part costs (estimate) */
    bool push;              /* a push message ('>'), even when none of it was kept */
};

enum resp3_status {
    RESP3_MORE,  /* every byte used; the reply is not whole yet */
    RESP3_REPLY, /* a reply ended (*out, or NULL when none of it fit the cap) */
    RESP3_ERROR, /* not RESP: resp3_reader_error() says why; the reader stays failed */
};

struct resp3_reader;

/* cap: what one reply may cost in memory (0: 64 MiB). */
struct resp3_reader *resp3_reader_new(size_t cap);
void resp3_reader_free(struct resp3_reader *rd);
/* Read from p[0..n): stops at the end of a reply. *used: bytes read (all
 * of them unless a reply ended before). With RESP3_REPLY, *out is the
 * reply (the caller frees it with freeReplyObject) or NULL when nothing
 * of it fit, and *st (may be NULL) what it cost. */
enum resp3_status resp3_reader_feed(struct resp3_reader *rd, const char *p, size_t n, size_t *used,
                                    redisReply **out, struct resp3_stats *st);
/* Why the reader failed ("" while it has not). */
const char *resp3_reader_error(const struct resp3_reader *rd);
/* Between replies: nothing of a reply read yet. */
bool resp3_reader_idle(const struct resp3_reader *rd);

#endif

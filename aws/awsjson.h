/* awsjson.h - the JSON 1.1 protocol
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html) with jansson. */
#ifndef ELCUI_AWS_AWSJSON_H
#define ELCUI_AWS_AWSJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_error.h"

/* Compact encoding of a request object (NULL -> "{}"). Caller frees; may
 * hold secrets, so callers wipe it. */
char *awsjson_encode(const json_t *obj, size_t *len);

/* Parse a response. 2xx: empty body or "{}" gives an empty object; an
 * object is returned in *out (caller json_decref); anything else is
 * AWS_ERR_PARSE. Non-2xx: {"__type", "message"|"Message"} gives
 * AWS_ERR_SERVICE (code after the last '#' and before the first ':'),
 * otherwise AWS_ERR_HTTP with the status as the code. 0 on success. */
int awsjson_parse(const char *body, size_t len, int http_status, json_t **out,
                  struct aws_error *err);

/* ---- arena parses ----
 *
 * A page of a bulk read (FilterLogEvents: up to 10,000 events, a few MB)
 * parsed with malloc costs an allocation and a wiping free (aws/mem.c) for
 * every value, and the tree's frees again when it goes. An arena takes
 * every allocation of a parse from a few large mapped blocks instead and
 * gives them back to the system all at once (awsjson_arena_reset: once per
 * page; the
 * next parse starts with one block the size of the last tree, so a bulk
 * read settles on one block a page and holds nothing between pages; an
 * arena of small trees, one log record's message at a time, keeps its one
 * small block, wiped).
 *
 * A tree parsed into an arena is valid until the arena is reset or freed.
 * json_decref() on it, or on any value in it, is harmless and frees
 * nothing; nothing may keep a value of it past the reset (copy what you
 * keep; json_incref does not help). An arena holds one tree at a time:
 * parsing into an arena whose tree has not been released yet parses with
 * malloc instead (correct, only not cheaper). The main thread only. */
struct awsjson_arena;
struct awsjson_arena *awsjson_arena_new(void);
void awsjson_arena_free(struct awsjson_arena *a);
/* Release the tree (unmapped, or wiped when kept); the arena takes the next. */
void awsjson_arena_reset(struct awsjson_arena *a);
/* True while a tree parsed into a is alive (not yet reset). */
bool awsjson_arena_busy(const struct awsjson_arena *a);
/* Bytes the current tree takes, and bytes the arena holds (its blocks). */
size_t awsjson_arena_used(const struct awsjson_arena *a);
size_t awsjson_arena_held(const struct awsjson_arena *a);
/* True when *out was parsed into a (and is released by resetting it). */
bool awsjson_arena_owns(const struct awsjson_arena *a, const json_t *v);

/* awsjson_parse with the tree's memory from a (NULL or busy: malloc). Error
 * bodies (non-2xx) are read with malloc as before. */
int awsjson_parse_arena(struct awsjson_arena *a, const char *body, size_t len, int http_status,
                        json_t **out, struct aws_error *err);
/* json_loadb into a (NULL or busy: malloc). */
json_t *awsjson_loadb_arena(struct awsjson_arena *a, const char *buf, size_t len, size_t flags,
                            json_error_t *je);

/* Readers that tolerate absent members and wrong types. */
const char *awsjson_str(const json_t *obj, const char *key); /* NULL if absent */
long long awsjson_int(const json_t *obj, const char *key, long long def);
double awsjson_num(const json_t *obj, const char *key, double def);
int awsjson_bool(const json_t *obj, const char *key, int def);
/* JSON timestamp (epoch seconds, possibly fractional/exponent) -> ms. */
int64_t awsjson_time_ms(const json_t *obj, const char *key);
char *awsjson_strdup(const json_t *obj, const char *key);
/* An array member: NULL when absent or null; NULL and *bad set when it is
 * of another type (a list that cannot be read is not usable). */
const json_t *awsjson_array(const json_t *obj, const char *key, bool *bad);

/* A JSON string of v[0..n): JSON carries Unicode text only, so bytes that
 * are not UTF-8 become U+FFFD (NULs are kept, as \u0000). */
json_t *awsjson_string_lossy(const char *v, size_t n);

/* Request members. A string member when v is not NULL. */
void awsjson_set_str(json_t *o, const char *key, const char *v);
/* Member "Tags": [{kname: KEY, vname: VALUE}, ...] ("" for NULL) from n
 * tag structs stride bytes apart (the services' *_tag_in), key and value
 * pointing at the first one's members; none when n is 0. */
void awsjson_set_tags(json_t *o, const char *kname, const char *vname, const char *const *key,
                      const char *const *value, size_t n, size_t stride);

#endif

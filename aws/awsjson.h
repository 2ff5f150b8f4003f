/* awsjson.h - the JSON 1.1 protocol (aws-wire.md §4) with jansson. */
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

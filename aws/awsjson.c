/* awsjson.c - JSON 1.1 protocol bodies and error envelopes. */
#include "aws/awsjson.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/mem.h"
#include "aws/unicode.h"

char *awsjson_encode(const json_t *obj, size_t *len)
{
    char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    char *out = mem_xstrdup(s ? s : "{}");
    if (s) {
        mem_wipe(s, strlen(s));
        free(s);
    }
    if (len)
        *len = strlen(out);
    return out;
}

static bool awsjson_blank(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)body[i]))
            return false;
    return true;
}

/* "com.amazonaws.kms#NotFoundException" -> "NotFoundException";
 * "ValidationException:http://..." -> "ValidationException". */
static void awsjson_clean_code(const char *type, char *out, size_t n)
{
    const char *hash = strrchr(type, '#');
    const char *s = hash ? hash + 1 : type;
    size_t l = strcspn(s, ":");
    if (l >= n)
        l = n - 1;
    memcpy(out, s, l);
    out[l] = '\0';
}

static int awsjson_hex4(const char *p, size_t left)
{
    if (left < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    int v = 0;
    for (int i = 2; i < 6; i++) {
        char c = p[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Copy of body with every unpaired surrogate escape replaced by \ufffd
 * (same length), or NULL when there is none. */
static char *awsjson_fix_surrogates(const char *body, size_t len)
{
    char *out = NULL;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (!in_string) {
            if (c == '"')
                in_string = true;
            continue;
        }
        if (c == '"') {
            in_string = false;
            continue;
        }
        if (c != '\\' || i + 1 >= len)
            continue;
        if (body[i + 1] != 'u') {
            i++; /* skip the escaped character */
            continue;
        }
        int v = awsjson_hex4(body + i, len - i);
        if (v < 0)
            continue;
        bool bad = false;
        if (v >= 0xD800 && v <= 0xDBFF) {
            size_t rest = i + 6 <= len ? len - i - 6 : 0;
            int lo = rest ? awsjson_hex4(body + i + 6, rest) : -1;
            if (lo >= 0xDC00 && lo <= 0xDFFF)
                i += 6; /* a proper pair: keep both */
            else
                bad = true;
        } else if (v >= 0xDC00 && v <= 0xDFFF) {
            bad = true;
        }
        if (bad) {
            if (!out) {
                out = mem_xmalloc(len + 1);
                memcpy(out, body, len);
                out[len] = '\0';
            }
            memcpy(out + i, "\\ufffd", 6);
        }
        i += 5;
    }
    return out;
}

int awsjson_parse(const char *body, size_t len, int http_status, json_t **out,
                  struct aws_error *err)
{
    *out = NULL;
    bool ok_status = http_status >= 200 && http_status < 300;
    if (ok_status && (!body || awsjson_blank(body, len))) {
        *out = json_object();
        return 0;
    }
    json_error_t je;
    /* NUL characters are legal JSON (\u0000) and occur in log messages. */
    json_t *j = body ? json_loadb(body, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je) : NULL;
    if (!j && body) {
        /* Some servers send lone UTF-16 surrogate escapes (\udc80 for an
         * invalid byte); jansson rejects them and the whole page would be
         * lost, so they become U+FFFD and the body is parsed again. */
        char *fixed = awsjson_fix_surrogates(body, len);
        if (fixed) {
            j = json_loadb(fixed, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
            free(fixed);
        }
    }
    if (ok_status && j && json_is_null(j)) {
        /* "null" for an operation without output (moto does this); botocore
         * accepts it, so it is an empty object here too */
        json_decref(j);
        *out = json_object();
        return 0;
    }
    if (ok_status) {
        if (!j || !json_is_object(j)) {
            if (j)
                aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                              "JSON response is not an object (%zu bytes)", len);
            else
                aws_error_set(err, AWS_ERR_PARSE, "MalformedResponse",
                              "malformed or truncated JSON response (%zu bytes): %s at line %d "
                              "column %d",
                              len, je.text, je.line, je.column);
            err->http_status = http_status;
            json_decref(j);
            return -1;
        }
        *out = j;
        return 0;
    }
    const char *type = j && json_is_object(j) ? awsjson_str(j, "__type") : NULL;
    if (type && *type) {
        char code[96];
        awsjson_clean_code(type, code, sizeof(code));
        const char *msg = awsjson_str(j, "message");
        if (!msg)
            msg = awsjson_str(j, "Message");
        aws_error_set(err, AWS_ERR_SERVICE, code, "%s", msg ? msg : "");
        if (!msg) {
            free(err->message);
            err->message = NULL;
        }
    } else {
        size_t show = body ? (len > 200 ? 200 : len) : 0;
        char *snippet = mem_xstrndup(body ? body : "", show);
        for (char *c = snippet; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        aws_error_set(err, AWS_ERR_HTTP, "HttpError", "HTTP %d with no readable error body%s%s%s",
                      http_status, show ? ": \"" : "", snippet, show ? "\"" : "");
        free(snippet);
    }
    err->http_status = http_status;
    json_decref(j);
    return -1;
}

const char *awsjson_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long awsjson_int(const json_t *obj, const char *key, long long def)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d > -9.2e18 && d < 9.2e18)
            return (long long)d;
    }
    return def;
}

double awsjson_num(const json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

int awsjson_bool(const json_t *obj, const char *key, int def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

int64_t awsjson_time_ms(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_number(v)) {
        double s = json_number_value(v);
        if (s > 0 && s < 253402300800.0)
            return (int64_t)(s * 1000.0 + 0.5);
        return 0;
    }
    int64_t ms = 0;
    if (json_is_string(v) && awstime_parse_iso8601(json_string_value(v), &ms))
        return ms;
    return 0;
}

char *awsjson_strdup(const json_t *obj, const char *key)
{
    return mem_xstrdup(awsjson_str(obj, key));
}

const json_t *awsjson_array(const json_t *obj, const char *key, bool *bad)
{
    const json_t *a = json_object_get(obj, key);
    if (!a || json_is_null(a))
        return NULL;
    if (!json_is_array(a)) {
        *bad = true;
        return NULL;
    }
    return a;
}

void awsjson_set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

void awsjson_set_tags(json_t *o, const char *kname, const char *vname, const char *const *key,
                      const char *const *value, size_t n, size_t stride)
{
    if (!key || !value || n == 0)
        return;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *k = *(const char *const *)((const char *)key + i * stride);
        const char *v = *(const char *const *)((const char *)value + i * stride);
        json_array_append_new(a, json_pack("{s:s,s:s}", kname, k ? k : "", vname, v ? v : ""));
    }
    json_object_set_new(o, "Tags", a);
}

json_t *awsjson_string_lossy(const char *v, size_t n)
{
    json_t *s = json_stringn(v, n);
    if (s)
        return s;
    struct buf b;
    buf_init(&b, 0);
    const unsigned char *u = (const unsigned char *)v;
    for (size_t i = 0; i < n;) {
        size_t l = unicode_utf8_seq(u + i, n - i, NULL);
        if (l) {
            buf_append(&b, u + i, l);
            i += l;
        } else {
            buf_append(&b, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    s = json_stringn(b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}

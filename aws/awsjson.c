/* awsjson.c - JSON 1.1 protocol bodies and error envelopes. */
#include "aws/awsjson.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/mem.h"

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
    json_t *j = body ? json_loadb(body, len, 0, &je) : NULL;
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

/* aws_error.c - the shared AWS error value. */
#include "aws/aws_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

void aws_error_init(struct aws_error *e)
{
    memset(e, 0, sizeof(*e));
}

void aws_error_clear(struct aws_error *e)
{
    free(e->message);
    memset(e, 0, sizeof(*e));
}

void aws_error_set(struct aws_error *e, enum aws_error_kind kind, const char *code, const char *fmt,
                   ...)
{
    free(e->message);
    e->message = NULL;
    e->kind = kind;
    snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
    if (fmt) {
        struct buf b;
        buf_init(&b, 64 * 1024);
        va_list ap;
        va_start(ap, fmt);
        buf_vprintf(&b, fmt, ap);
        va_end(ap);
        e->message = buf_steal(&b);
    }
}

void aws_error_copy(struct aws_error *dst, const struct aws_error *src)
{
    if (dst == src)
        return;
    free(dst->message);
    *dst = *src;
    dst->message = mem_xstrdup(src->message);
}

bool aws_error_is(const struct aws_error *e, const char *code)
{
    return e && e->kind != AWS_ERR_NONE && strcmp(e->code, code) == 0;
}

const char *aws_error_kind_name(enum aws_error_kind kind)
{
    switch (kind) {
    case AWS_ERR_NONE:
        return "none";
    case AWS_ERR_SERVICE:
        return "service";
    case AWS_ERR_HTTP:
        return "http";
    case AWS_ERR_TRANSPORT:
        return "transport";
    case AWS_ERR_PARSE:
        return "parse";
    case AWS_ERR_CREDENTIALS:
        return "credentials";
    case AWS_ERR_CONFIG:
        return "config";
    case AWS_ERR_CANCELLED:
        return "cancelled";
    case AWS_ERR_INTERNAL:
        return "internal";
    }
    return "unknown";
}

/* Append text with control characters and invalid bytes shown as \xNN, so
 * an error message from the network cannot move the cursor or recolour the
 * terminal. */
static void aws_error_put_safe(struct buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            buf_printf(b, "\\x%02x", *p);
        else
            buf_appendc(b, (char)*p);
    }
}

char *aws_error_format(const struct aws_error *e)
{
    struct buf b;
    buf_init(&b, 128 * 1024);
    if (e->service[0] || e->operation[0]) {
        aws_error_put_safe(&b, e->service);
        if (e->service[0] && e->operation[0])
            buf_appendc(&b, ' ');
        aws_error_put_safe(&b, e->operation);
        buf_appends(&b, ": ");
    }
    if (e->code[0]) {
        aws_error_put_safe(&b, e->code);
        if (e->message && e->message[0])
            buf_appends(&b, ": ");
    }
    if (e->message)
        aws_error_put_safe(&b, e->message);
    if (!e->code[0] && !(e->message && e->message[0]))
        buf_appends(&b, aws_error_kind_name(e->kind));
    bool paren = e->http_status || e->request_id[0] || e->attempts > 1;
    if (paren) {
        const char *sep = "";
        buf_appends(&b, " (");
        if (e->http_status) {
            buf_printf(&b, "HTTP %d", e->http_status);
            sep = ", ";
        }
        if (e->request_id[0]) {
            buf_appends(&b, sep);
            buf_appends(&b, "request id ");
            aws_error_put_safe(&b, e->request_id);
            sep = ", ";
        }
        if (e->attempts > 1) {
            buf_appends(&b, sep);
            buf_printf(&b, "%d attempts", e->attempts);
        }
        buf_appendc(&b, ')');
    }
    return buf_steal(&b);
}

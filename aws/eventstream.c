/* eventstream.c - application/vnd.amazon.eventstream: decoder and encoder. */
#include "aws/eventstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "aws/mem.h"

uint32_t eventstream_crc32(uint32_t crc, const void *data, size_t len)
{
    const Bytef *p = data;
    uLong c = crc;
    /* zlib takes uInt lengths: feed large blocks in slices */
    while (len > 0) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

static uint32_t eventstream_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint16_t eventstream_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | (unsigned)p[1]);
}

static int64_t eventstream_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static void eventstream_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- headers of a decoded message ---- */

const struct eventstream_header *eventstream_header_get(const struct eventstream_message *m,
                                                        const char *name)
{
    if (!m || !name)
        return NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < m->n_headers; i++)
        if (m->headers[i].name_len == n && memcmp(m->headers[i].name, name, n) == 0)
            return &m->headers[i];
    return NULL;
}

bool eventstream_header_is(const struct eventstream_message *m, const char *name, const char *value)
{
    const struct eventstream_header *h = eventstream_header_get(m, name);
    size_t n = strlen(value);
    return h && h->type == EVENTSTREAM_STRING && h->len == n && memcmp(h->data, value, n) == 0;
}

char *eventstream_header_copy(const struct eventstream_message *m, const char *name, char *out,
                              size_t n)
{
    if (!out || n == 0)
        return out;
    out[0] = '\0';
    const struct eventstream_header *h = eventstream_header_get(m, name);
    if (!h || (h->type != EVENTSTREAM_STRING && h->type != EVENTSTREAM_BYTES))
        return out;
    size_t k = h->len < n - 1 ? h->len : n - 1;
    if (k)
        memcpy(out, h->data, k);
    out[k] = '\0';
    return out;
}

/* ---- decoding one message ---- */

static int eventstream_name_cmp(const void *a, const void *b)
{
    const struct eventstream_header *x = *(const struct eventstream_header *const *)a;
    const struct eventstream_header *y = *(const struct eventstream_header *const *)b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c)
        return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

/* The first name that appears twice, or NULL. */
static const struct eventstream_header *eventstream_duplicate(const struct eventstream_header *h,
                                                              size_t n)
{
    if (n < 2)
        return NULL;
    if (n <= 16) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (h[i].name_len == h[j].name_len &&
                    memcmp(h[i].name, h[j].name, h[i].name_len) == 0)
                    return &h[j];
        return NULL;
    }
    const struct eventstream_header **idx = mem_xcalloc(n, sizeof(*idx));
    for (size_t i = 0; i < n; i++)
        idx[i] = &h[i];
    qsort(idx, n, sizeof(*idx), eventstream_name_cmp);
    const struct eventstream_header *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (eventstream_name_cmp(&idx[i - 1], &idx[i]) == 0)
            dup = idx[i];
    free(idx);
    return dup;
}

static size_t eventstream_value_len(enum eventstream_type t)
{
    switch (t) {
    case EVENTSTREAM_TRUE:
    case EVENTSTREAM_FALSE:
        return 0;
    case EVENTSTREAM_BYTE:
        return 1;
    case EVENTSTREAM_SHORT:
        return 2;
    case EVENTSTREAM_INT:
        return 4;
    case EVENTSTREAM_LONG:
    case EVENTSTREAM_TIMESTAMP:
        return 8;
    case EVENTSTREAM_UUID:
        return 16;
    case EVENTSTREAM_BYTES:
    case EVENTSTREAM_STRING:
        return 2; /* the length prefix */
    }
    return 0;
}

static int eventstream_headers(const uint8_t *p, size_t len, struct eventstream_header **headers,
                               size_t *cap, size_t *count, uint64_t at, struct aws_error *err)
{
    size_t pos = 0, n = 0;
    while (pos < len) {
        uint64_t where = at + EVENTSTREAM_PRELUDE_LEN + pos;
        size_t name_len = p[pos];
        if (name_len == 0) {
            aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadHeader",
                          "event stream header at byte %llu has an empty name",
                          (unsigned long long)where);
            return -1;
        }
        if (len - pos < 2 + name_len) {
            aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadHeader",
                          "event stream header at byte %llu runs past the header block",
                          (unsigned long long)where);
            return -1;
        }
        unsigned type = p[pos + 1 + name_len];
        if (type > EVENTSTREAM_UUID) {
            aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadHeader",
                          "event stream header at byte %llu has unknown type %u",
                          (unsigned long long)where, type);
            return -1;
        }
        size_t vpos = pos + 2 + name_len;
        size_t need = eventstream_value_len((enum eventstream_type)type);
        if (len - vpos < need) {
            aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadHeader",
                          "event stream header at byte %llu: its value runs past the header block",
                          (unsigned long long)where);
            return -1;
        }
        *headers = mem_xgrow(*headers, cap, n + 1, sizeof(**headers));
        struct eventstream_header *h = &(*headers)[n];
        memset(h, 0, sizeof(*h));
        h->name = (const char *)p + pos + 1;
        h->name_len = name_len;
        h->type = (enum eventstream_type)type;
        const uint8_t *v = p + vpos;
        switch (h->type) {
        case EVENTSTREAM_TRUE:
            h->ival = 1;
            break;
        case EVENTSTREAM_FALSE:
            h->ival = 0;
            break;
        case EVENTSTREAM_BYTE:
            h->ival = (int8_t)v[0];
            break;
        case EVENTSTREAM_SHORT:
            h->ival = (int16_t)eventstream_be16(v);
            break;
        case EVENTSTREAM_INT:
            h->ival = (int32_t)eventstream_be32(v);
            break;
        case EVENTSTREAM_LONG:
        case EVENTSTREAM_TIMESTAMP:
            h->ival = eventstream_be64(v);
            break;
        case EVENTSTREAM_UUID:
            h->data = v;
            h->len = 16;
            break;
        case EVENTSTREAM_BYTES:
        case EVENTSTREAM_STRING: {
            size_t vl = eventstream_be16(v);
            if (len - vpos - 2 < vl) {
                aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadHeader",
                              "event stream header at byte %llu: a %zu-byte value runs past the "
                              "header block",
                              (unsigned long long)where, vl);
                return -1;
            }
            h->data = v + 2;
            h->len = vl;
            need += vl;
            break;
        }
        }
        pos = vpos + need;
        n++;
    }
    const struct eventstream_header *dup = eventstream_duplicate(*headers, n);
    if (dup) {
        char name[64];
        size_t k = dup->name_len < sizeof(name) - 1 ? dup->name_len : sizeof(name) - 1;
        for (size_t i = 0; i < k; i++) {
            unsigned char ch = (unsigned char)dup->name[i];
            name[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
        }
        name[k] = '\0';
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadHeader",
                      "event stream message at byte %llu has the header '%s' twice",
                      (unsigned long long)at, name);
        return -1;
    }
    *count = n;
    return 0;
}

enum eventstream_status eventstream_decode(const uint8_t *data, size_t len, size_t max_message,
                                           struct eventstream_header **headers, size_t *cap_headers,
                                           uint64_t at, struct eventstream_message *out,
                                           struct aws_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!max_message || max_message > EVENTSTREAM_MAX_MESSAGE_LEN)
        max_message = EVENTSTREAM_MAX_MESSAGE_LEN;
    if (len < EVENTSTREAM_PRELUDE_LEN)
        return EVENTSTREAM_NEED_MORE;
    uint32_t total = eventstream_be32(data);
    uint32_t hlen = eventstream_be32(data + 4);
    uint32_t pcrc = eventstream_be32(data + 8);
    uint32_t want = eventstream_crc32(0, data, 8);
    if (pcrc != want) {
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamChecksum",
                      "event stream message at byte %llu: prelude CRC 0x%08x, computed 0x%08x",
                      (unsigned long long)at, (unsigned)pcrc, (unsigned)want);
        return EVENTSTREAM_ERROR;
    }
    if (total < EVENTSTREAM_MIN_MESSAGE_LEN || hlen > total - EVENTSTREAM_MIN_MESSAGE_LEN) {
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadFrame",
                      "event stream message at byte %llu: total length %u cannot hold %u bytes "
                      "of headers",
                      (unsigned long long)at, (unsigned)total, (unsigned)hlen);
        return EVENTSTREAM_ERROR;
    }
    if (hlen > EVENTSTREAM_MAX_HEADERS_LEN ||
        total - EVENTSTREAM_MIN_MESSAGE_LEN - hlen > EVENTSTREAM_MAX_PAYLOAD_LEN ||
        total > max_message) {
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamTooLarge",
                      "event stream message at byte %llu is %u bytes (%u of headers): above the "
                      "limits (headers %zu, payload %zu, message %zu)",
                      (unsigned long long)at, (unsigned)total, (unsigned)hlen,
                      EVENTSTREAM_MAX_HEADERS_LEN, EVENTSTREAM_MAX_PAYLOAD_LEN, max_message);
        return EVENTSTREAM_ERROR;
    }
    if (len < total)
        return EVENTSTREAM_NEED_MORE;
    uint32_t mcrc = eventstream_be32(data + total - 4);
    want = eventstream_crc32(0, data, total - 4);
    if (mcrc != want) {
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamChecksum",
                      "event stream message at byte %llu (%u bytes): message CRC 0x%08x, computed "
                      "0x%08x",
                      (unsigned long long)at, (unsigned)total, (unsigned)mcrc, (unsigned)want);
        return EVENTSTREAM_ERROR;
    }
    size_t n = 0;
    if (eventstream_headers(data + EVENTSTREAM_PRELUDE_LEN, hlen, headers, cap_headers, &n, at,
                            err) != 0)
        return EVENTSTREAM_ERROR;
    out->headers = *headers;
    out->n_headers = n;
    out->payload = data + EVENTSTREAM_PRELUDE_LEN + hlen;
    out->payload_len = total - EVENTSTREAM_MIN_MESSAGE_LEN - hlen;
    out->total_len = total;
    return EVENTSTREAM_MESSAGE;
}

/* ---- the incremental decoder ---- */

void eventstream_decoder_init(struct eventstream_decoder *d, size_t max_message)
{
    memset(d, 0, sizeof(*d));
    d->max_message = max_message && max_message < EVENTSTREAM_MAX_MESSAGE_LEN
                         ? max_message
                         : EVENTSTREAM_MAX_MESSAGE_LEN;
    /* one whole message plus the next piece's worth */
    buf_init(&d->in, d->max_message + 65536);
}

void eventstream_decoder_free(struct eventstream_decoder *d)
{
    buf_free(&d->in);
    free(d->headers);
    d->headers = NULL;
    d->cap_headers = 0;
}

int eventstream_decoder_feed(struct eventstream_decoder *d, const void *data, size_t len,
                             struct aws_error *err)
{
    if (d->failed)
        return -1;
    if (d->consumed) {
        buf_consume(&d->in, d->consumed);
        d->offset += d->consumed;
        d->consumed = 0;
    }
    if (len == 0)
        return 0;
    if (len > d->in.max - d->in.len || buf_append(&d->in, data, len) != 0) {
        d->failed = true;
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamTooLarge",
                      "event stream: more than %zu bytes without a whole message", d->in.max);
        return -1;
    }
    return 0;
}

enum eventstream_status eventstream_decoder_next(struct eventstream_decoder *d,
                                                 struct eventstream_message *out,
                                                 struct aws_error *err)
{
    memset(out, 0, sizeof(*out));
    if (d->failed) {
        aws_error_set(err, AWS_ERR_PARSE, "EventStreamBadFrame",
                      "event stream: the decoder stopped at an earlier error");
        return EVENTSTREAM_ERROR;
    }
    const uint8_t *p = (const uint8_t *)d->in.data + d->consumed;
    size_t len = d->in.len - d->consumed;
    enum eventstream_status st = eventstream_decode(
        p, len, d->max_message, &d->headers, &d->cap_headers, d->offset + d->consumed, out, err);
    if (st == EVENTSTREAM_ERROR) {
        d->failed = true;
        return st;
    }
    if (st == EVENTSTREAM_MESSAGE) {
        d->consumed += out->total_len;
        d->messages++;
    }
    return st;
}

size_t eventstream_decoder_pending(const struct eventstream_decoder *d)
{
    return d->in.len - d->consumed;
}

/* ---- encoding ---- */

int eventstream_encode(struct buf *out, const struct eventstream_header_in *h, size_t n_headers,
                       const void *payload, size_t payload_len)
{
    struct buf hb;
    buf_init(&hb, EVENTSTREAM_MAX_HEADERS_LEN);
    int rc = 0;
    for (size_t i = 0; i < n_headers && rc == 0; i++) {
        size_t nl = h[i].name ? strlen(h[i].name) : 0;
        if (nl == 0 || nl > 255 || h[i].type > EVENTSTREAM_UUID) {
            rc = -1;
            break;
        }
        uint8_t t[9];
        rc |= buf_appendc(&hb, (char)nl);
        rc |= buf_append(&hb, h[i].name, nl);
        rc |= buf_appendc(&hb, (char)h[i].type);
        uint64_t v = (uint64_t)h[i].ival;
        switch (h[i].type) {
        case EVENTSTREAM_TRUE:
        case EVENTSTREAM_FALSE:
            break;
        case EVENTSTREAM_BYTE:
            t[0] = (uint8_t)v;
            rc |= buf_append(&hb, t, 1);
            break;
        case EVENTSTREAM_SHORT:
            t[0] = (uint8_t)(v >> 8);
            t[1] = (uint8_t)v;
            rc |= buf_append(&hb, t, 2);
            break;
        case EVENTSTREAM_INT:
            eventstream_put32(t, (uint32_t)v);
            rc |= buf_append(&hb, t, 4);
            break;
        case EVENTSTREAM_LONG:
        case EVENTSTREAM_TIMESTAMP:
            eventstream_put32(t, (uint32_t)(v >> 32));
            eventstream_put32(t + 4, (uint32_t)v);
            rc |= buf_append(&hb, t, 8);
            break;
        case EVENTSTREAM_UUID:
            if (!h[i].data || h[i].len != 16) {
                rc = -1;
                break;
            }
            rc |= buf_append(&hb, h[i].data, 16);
            break;
        case EVENTSTREAM_BYTES:
        case EVENTSTREAM_STRING:
            if (h[i].len > 65535 || (h[i].len && !h[i].data)) {
                rc = -1;
                break;
            }
            t[0] = (uint8_t)(h[i].len >> 8);
            t[1] = (uint8_t)h[i].len;
            rc |= buf_append(&hb, t, 2);
            if (h[i].len)
                rc |= buf_append(&hb, h[i].data, h[i].len);
            break;
        }
    }
    if (rc != 0 || payload_len > EVENTSTREAM_MAX_PAYLOAD_LEN || (payload_len && !payload)) {
        buf_free(&hb);
        return -1;
    }
    size_t total = EVENTSTREAM_MIN_MESSAGE_LEN + hb.len + payload_len;
    size_t start = out->len;
    uint8_t pre[12];
    eventstream_put32(pre, (uint32_t)total);
    eventstream_put32(pre + 4, (uint32_t)hb.len);
    eventstream_put32(pre + 8, eventstream_crc32(0, pre, 8));
    rc |= buf_append(out, pre, sizeof(pre));
    if (hb.len)
        rc |= buf_append(out, hb.data, hb.len);
    if (payload_len)
        rc |= buf_append(out, payload, payload_len);
    buf_free(&hb);
    if (rc != 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return -1;
    }
    uint8_t crc[4];
    eventstream_put32(crc, eventstream_crc32(0, out->data + start, out->len - start));
    if (buf_append(out, crc, 4) != 0) {
        out->len = start;
        out->data[start] = '\0';
        return -1;
    }
    return 0;
}

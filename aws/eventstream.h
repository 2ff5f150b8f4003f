/* eventstream.h - the application/vnd.amazon.eventstream framing
 * (https://docs.aws.amazon.com/lexv2/latest/dg/event-stream-encoding.html describes it),
 * as StartLiveTail answers with it.
 *
 * A message, all integers big-endian:
 *
 *   uint32 total_length   = 12 + headers_length + payload_length + 4
 *   uint32 headers_length
 *   uint32 prelude_crc    CRC32 (zlib's, IEEE 802.3) of the 8 bytes before it
 *   headers               headers_length bytes
 *   payload
 *   uint32 message_crc    CRC32 of everything before it
 *
 * A header is uint8 name_len, the name, uint8 type and its value: 0 true
 * and 1 false (no value), 2 int8, 3 int16, 4 int32, 5 int64, 6 bytes and
 * 7 string (uint16 length + bytes), 8 timestamp (int64 ms), 9 UUID (16
 * bytes). Limits as botocore's parser: headers at most 128 KiB, payload
 * at most 24 MiB, no header name twice.
 *
 * The decoder takes the body as it arrives, in pieces of any size (a
 * message may be split anywhere, several may come in one piece), and pops
 * whole messages. Anything wrong (a CRC that does not match, lengths that
 * do not add up, a header running past its block, an unknown header type)
 * is an AWS_ERR_PARSE error naming what and where, and the decoder stays
 * failed: after a framing error nothing that follows can be trusted. A
 * stream that ends with a partial message is eventstream_decoder_pending()
 * bytes short: the caller says so (truncated stream).
 *
 * The encoder writes the same framing (the sandbox and tests check it
 * against botocore's parser; the fuzzer builds valid frames with it).
 */
#ifndef ELCUI_AWS_EVENTSTREAM_H
#define ELCUI_AWS_EVENTSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_error.h"
#include "aws/buf.h"

#define EVENTSTREAM_PRELUDE_LEN 12u
#define EVENTSTREAM_MIN_MESSAGE_LEN 16u
#define EVENTSTREAM_MAX_HEADERS_LEN ((size_t)128 * 1024)
#define EVENTSTREAM_MAX_PAYLOAD_LEN ((size_t)24 * 1024 * 1024)
#define EVENTSTREAM_MAX_MESSAGE_LEN                                                                \
    (EVENTSTREAM_MIN_MESSAGE_LEN + EVENTSTREAM_MAX_HEADERS_LEN + EVENTSTREAM_MAX_PAYLOAD_LEN)

enum eventstream_type {
    EVENTSTREAM_TRUE = 0,
    EVENTSTREAM_FALSE = 1,
    EVENTSTREAM_BYTE = 2,
    EVENTSTREAM_SHORT = 3,
    EVENTSTREAM_INT = 4,
    EVENTSTREAM_LONG = 5,
    EVENTSTREAM_BYTES = 6,
    EVENTSTREAM_STRING = 7,
    EVENTSTREAM_TIMESTAMP = 8,
    EVENTSTREAM_UUID = 9,
};

/* A decoded header; name and data point into the message. */
struct eventstream_header {
    const char *name; /* not NUL-terminated */
    size_t name_len;
    enum eventstream_type type;
    int64_t ival;        /* TRUE/FALSE (1/0), BYTE, SHORT, INT, LONG, TIMESTAMP */
    const uint8_t *data; /* BYTES, STRING, UUID */
    size_t len;
};

struct eventstream_message {
    const struct eventstream_header *headers;
    size_t n_headers;
    const uint8_t *payload;
    size_t payload_len;
    size_t total_len; /* bytes of the whole message */
};

/* The header called name, or NULL. */
const struct eventstream_header *eventstream_header_get(const struct eventstream_message *m,
                                                        const char *name);
/* True when name is a STRING header whose value equals value. */
bool eventstream_header_is(const struct eventstream_message *m, const char *name,
                           const char *value);
/* Copy of a STRING (or BYTES) header's value, NUL-terminated, at most
 * n - 1 bytes; "" when absent or of another type. Returns out. */
char *eventstream_header_copy(const struct eventstream_message *m, const char *name, char *out,
                              size_t n);

/* ---- decoding ---- */

enum eventstream_status {
    EVENTSTREAM_NEED_MORE = 0, /* no whole message buffered yet */
    EVENTSTREAM_MESSAGE,       /* *out holds one (valid until the next feed/next/free) */
    EVENTSTREAM_ERROR,         /* err says what; the decoder stays failed */
};

struct eventstream_decoder {
    struct buf in;                      /* bytes not yet returned */
    size_t consumed;                    /* of in: messages already returned */
    struct eventstream_header *headers; /* of the last message */
    size_t cap_headers;
    size_t max_message;
    uint64_t offset; /* stream offset of in's first byte (for errors) */
    uint64_t messages;
    bool failed;
};

/* max_message: the largest message accepted; 0 = EVENTSTREAM_MAX_MESSAGE_LEN. */
void eventstream_decoder_init(struct eventstream_decoder *d, size_t max_message);
void eventstream_decoder_free(struct eventstream_decoder *d);
/* Add bytes as they arrived. -1 (and the decoder fails) when more than a
 * whole message's worth would be buffered: the peer is not sending
 * frames. */
int eventstream_decoder_feed(struct eventstream_decoder *d, const void *data, size_t len,
                             struct aws_error *err);
/* The next whole message, if any. */
enum eventstream_status eventstream_decoder_next(struct eventstream_decoder *d,
                                                 struct eventstream_message *out,
                                                 struct aws_error *err);
/* Bytes buffered that are not a whole message yet (0 at a clean end). */
size_t eventstream_decoder_pending(const struct eventstream_decoder *d);

/* Decode one whole message at the start of data (no copy: the message
 * points into data). EVENTSTREAM_NEED_MORE when data holds less than the
 * prelude announces. headers/cap_headers: a growable array the caller
 * owns (free it). at: stream offset of data[0], for error messages. */
enum eventstream_status eventstream_decode(const uint8_t *data, size_t len, size_t max_message,
                                           struct eventstream_header **headers, size_t *cap_headers,
                                           uint64_t at, struct eventstream_message *out,
                                           struct aws_error *err);

/* ---- encoding ---- */

struct eventstream_header_in {
    const char *name;
    enum eventstream_type type;
    int64_t ival;     /* TRUE/FALSE ignore it: the type says */
    const void *data; /* BYTES, STRING (len bytes), UUID (16 bytes) */
    size_t len;
};

/* Append one message to out. -1 when a name or value does not fit the
 * format (name over 255 bytes, value over 65535, blocks over the limits). */
int eventstream_encode(struct buf *out, const struct eventstream_header_in *h, size_t n_headers,
                       const void *payload, size_t payload_len);

/* zlib's CRC32 of data, continuing from crc (0 to start). */
uint32_t eventstream_crc32(uint32_t crc, const void *data, size_t len);

#endif

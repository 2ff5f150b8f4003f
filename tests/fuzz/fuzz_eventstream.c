/* fuzz_eventstream.c - the event-stream decoder and StartLiveTail's
 * messages: frames, headers, CRCs, split reads.
 *
 * The first byte picks the mode and the size of the pieces the stream is
 * fed in (low 7 bits; 0: all at once).
 * - raw (high bit clear): the rest is the stream as received.
 * - built (high bit set): the rest is messages separated by FUZZ_SEP, each
 *   "message-type\nevent-or-exception-type\npayload"; they are framed with
 *   correct CRCs (eventstream_encode) so the fuzzer reaches the headers and
 *   the JSON payloads behind them; one of every seven frames then has a
 *   byte flipped.
 * Every whole message goes through logs_parse_live_message. Nothing may
 * crash, leak or read out of bounds; the decoder never holds more than a
 * message's worth.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/eventstream.h"
#include "aws/logs.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_build(const uint8_t *data, size_t size, struct buf *out)
{
    size_t pos = 0, k = 0;
    const uint8_t *part;
    size_t len;
    while (fuzz_next_part(data, size, &pos, &part, &len) && k < 64) {
        const uint8_t *nl1 = memchr(part, '\n', len);
        const uint8_t *nl2 = nl1 ? memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - part)) : NULL;
        char mtype[64] = "event", etype[128] = "sessionUpdate";
        const uint8_t *payload = part;
        size_t plen = len;
        if (nl1 && nl2) {
            size_t a = (size_t)(nl1 - part), b = (size_t)(nl2 - nl1 - 1);
            if (a > 0 && a < sizeof(mtype)) {
                memcpy(mtype, part, a);
                mtype[a] = '\0';
            }
            if (b > 0 && b < sizeof(etype)) {
                memcpy(etype, nl1 + 1, b);
                etype[b] = '\0';
            }
            payload = nl2 + 1;
            plen = len - (size_t)(payload - part);
        }
        const char *tname = strcmp(mtype, "exception") == 0 ? ":exception-type"
                            : strcmp(mtype, "error") == 0   ? ":error-code"
                                                            : ":event-type";
        struct eventstream_header_in h[4] = {
            {":message-type", EVENTSTREAM_STRING, 0, mtype, strlen(mtype)},
            {tname, EVENTSTREAM_STRING, 0, etype, strlen(etype)},
            {":content-type", EVENTSTREAM_STRING, 0, "application/json", 16},
            {":error-message", EVENTSTREAM_STRING, 0, etype, strlen(etype)},
        };
        size_t start = out->len;
        if (eventstream_encode(out, h, tname[1] == 'e' && tname[2] == 'r' ? 4 : 3, payload, plen) ==
                0 &&
            k % 7 == 6 && out->len > start)
            out->data[start + (plen + k) % (out->len - start)] ^= 0x20;
        k++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = data[0] & 0x7f;
    struct buf stream;
    buf_init(&stream, 0);
    if (data[0] & 0x80)
        fuzz_build(data + 1, size - 1, &stream);
    else
        buf_append(&stream, data + 1, size - 1);
    if (step == 0)
        step = stream.len ? stream.len : 1;

    struct eventstream_decoder d;
    eventstream_decoder_init(&d, 1u << 20);
    struct aws_error err;
    aws_error_init(&err);
    bool failed = false;
    for (size_t off = 0; off < stream.len && !failed; off += step) {
        size_t n = stream.len - off < step ? stream.len - off : step;
        if (eventstream_decoder_feed(&d, stream.data + off, n, &err) != 0)
            break;
        for (;;) {
            struct eventstream_message m;
            enum eventstream_status st = eventstream_decoder_next(&d, &m, &err);
            if (st == EVENTSTREAM_ERROR) {
                failed = true;
                break;
            }
            if (st == EVENTSTREAM_NEED_MORE)
                break;
            char tmp[32];
            (void)eventstream_header_copy(&m, ":event-type", tmp, sizeof(tmp));
            (void)eventstream_header_is(&m, ":message-type", "event");
            struct logs_live_message msg;
            struct aws_error perr;
            aws_error_init(&perr);
            if (logs_parse_live_message(&m, &msg, &perr) == 0) {
                for (size_t i = 0; i < msg.update.n; i++)
                    if (msg.update.results[i].message &&
                        strlen(msg.update.results[i].message) > msg.update.results[i].message_len)
                        abort(); /* a message longer than it says */
                logs_live_message_clear(&msg);
            }
            aws_error_clear(&perr);
        }
        aws_error_clear(&err);
    }
    if (eventstream_decoder_pending(&d) > d.max_message + 65536)
        abort();
    aws_error_clear(&err);
    eventstream_decoder_free(&d);
    buf_free(&stream);
    return 0;
}

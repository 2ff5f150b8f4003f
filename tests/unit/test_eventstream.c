/* test_eventstream.c - the event-stream framing: aws-wire's worked example,
 * every header type, split reads, and each way a frame can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"
#include "aws/buf.h"
#include "aws/eventstream.h"

/* aws-wire.md §12.9: the 104-byte initial-response message, as botocore's
 * EventStreamBuffer decodes it. */
static const uint8_t wire_example[] = {
    0x00, 0x00, 0x00, 0x68, 0x00, 0x00, 0x00, 0x56, 0x4e, 0x68, 0x17, 0x24, 0x0d, 0x3a, 0x6d,
    0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x2d, 0x74, 0x79, 0x70, 0x65, 0x07, 0x00, 0x05, 0x65,
    0x76, 0x65, 0x6e, 0x74, 0x0b, 0x3a, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x2d, 0x74, 0x79, 0x70,
    0x65, 0x07, 0x00, 0x10, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x61, 0x6c, 0x2d, 0x72, 0x65, 0x73,
    0x70, 0x6f, 0x6e, 0x73, 0x65, 0x0d, 0x3a, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d,
    0x74, 0x79, 0x70, 0x65, 0x07, 0x00, 0x10, 0x61, 0x70, 0x70, 0x6c, 0x69, 0x63, 0x61, 0x74,
    0x69, 0x6f, 0x6e, 0x2f, 0x6a, 0x73, 0x6f, 0x6e, 0x7b, 0x7d, 0xfe, 0x94, 0x2c, 0x1d,
};

#define STR_HDR(n, v)                                                                              \
    {                                                                                              \
        (n), EVENTSTREAM_STRING, 0, (v), sizeof(v) - 1                                             \
    }

static void test_wire_example_decodes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(wire_example), 104);
    struct eventstream_decoder d;
    eventstream_decoder_init(&d, 0);
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(eventstream_decoder_feed(&d, wire_example, sizeof(wire_example), &err), 0);
    struct eventstream_message m;
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_MESSAGE);
    assert_int_equal(m.n_headers, 3);
    assert_true(eventstream_header_is(&m, ":message-type", "event"));
    assert_true(eventstream_header_is(&m, ":event-type", "initial-response"));
    assert_false(eventstream_header_is(&m, ":event-type", "initial"));
    char ct[64];
    assert_string_equal(eventstream_header_copy(&m, ":content-type", ct, sizeof(ct)),
                        "application/json");
    assert_string_equal(eventstream_header_copy(&m, ":absent", ct, sizeof(ct)), "");
    assert_int_equal(m.payload_len, 2);
    assert_memory_equal(m.payload, "{}", 2);
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_NEED_MORE);
    assert_int_equal(eventstream_decoder_pending(&d), 0);
    assert_int_equal(err.kind, AWS_ERR_NONE);
    eventstream_decoder_free(&d);
}

static void test_encoder_writes_the_example(void **state)
{
    (void)state;
    struct eventstream_header_in h[] = {
        STR_HDR(":message-type", "event"),
        STR_HDR(":event-type", "initial-response"),
        STR_HDR(":content-type", "application/json"),
    };
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(eventstream_encode(&b, h, 3, "{}", 2), 0);
    assert_int_equal(b.len, sizeof(wire_example));
    assert_memory_equal(b.data, wire_example, sizeof(wire_example));
    buf_free(&b);
}

static void test_every_header_type_round_trips(void **state)
{
    (void)state;
    static const uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    struct eventstream_header_in h[] = {
        {"t", EVENTSTREAM_TRUE, 0, NULL, 0},
        {"f", EVENTSTREAM_FALSE, 0, NULL, 0},
        {"b", EVENTSTREAM_BYTE, -5, NULL, 0},
        {"s", EVENTSTREAM_SHORT, -300, NULL, 0},
        {"i", EVENTSTREAM_INT, -70000, NULL, 0},
        {"l", EVENTSTREAM_LONG, -5000000000LL, NULL, 0},
        {"bytes", EVENTSTREAM_BYTES, 0, "a\0b", 3},
        {"str", EVENTSTREAM_STRING, 0, "", 0},
        {"ts", EVENTSTREAM_TIMESTAMP, 1714564805123LL, NULL, 0},
        {"u", EVENTSTREAM_UUID, 0, uuid, 16},
    };
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(eventstream_encode(&b, h, 10, NULL, 0), 0);
    struct eventstream_header *hs = NULL;
    size_t cap = 0;
    struct eventstream_message m;
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(eventstream_decode((const uint8_t *)b.data, b.len, 0, &hs, &cap, 0, &m, &err),
                     EVENTSTREAM_MESSAGE);
    assert_int_equal(m.n_headers, 10);
    assert_int_equal(m.payload_len, 0);
    assert_int_equal(eventstream_header_get(&m, "t")->ival, 1);
    assert_int_equal(eventstream_header_get(&m, "f")->ival, 0);
    assert_int_equal(eventstream_header_get(&m, "b")->ival, -5);
    assert_int_equal(eventstream_header_get(&m, "s")->ival, -300);
    assert_int_equal(eventstream_header_get(&m, "i")->ival, -70000);
    assert_true(eventstream_header_get(&m, "l")->ival == -5000000000LL);
    assert_true(eventstream_header_get(&m, "ts")->ival == 1714564805123LL);
    const struct eventstream_header *x = eventstream_header_get(&m, "bytes");
    assert_int_equal(x->type, EVENTSTREAM_BYTES);
    assert_int_equal(x->len, 3);
    assert_memory_equal(x->data, "a\0b", 3);
    assert_int_equal(eventstream_header_get(&m, "str")->len, 0);
    assert_memory_equal(eventstream_header_get(&m, "u")->data, uuid, 16);
    assert_null(eventstream_header_get(&m, "nope"));
    free(hs);
    /* what the format cannot carry is refused, and out is left as it was */
    size_t before = b.len;
    char big[300];
    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    struct eventstream_header_in bad[] = {{big, EVENTSTREAM_TRUE, 0, NULL, 0}};
    assert_int_equal(eventstream_encode(&b, bad, 1, NULL, 0), -1);
    struct eventstream_header_in badu[] = {{"u", EVENTSTREAM_UUID, 0, uuid, 15}};
    assert_int_equal(eventstream_encode(&b, badu, 1, NULL, 0), -1);
    assert_int_equal(b.len, before);
    buf_free(&b);
}

/* Three messages (one with a 70 KB payload), fed in every split: byte by
 * byte, in 7-byte pieces, and all at once. */
static void test_split_reads(void **state)
{
    (void)state;
    struct buf s;
    buf_init(&s, 0);
    struct eventstream_header_in h1[] = {STR_HDR(":message-type", "event"),
                                         STR_HDR(":event-type", "sessionStart")};
    struct eventstream_header_in h2[] = {STR_HDR(":message-type", "event"),
                                         STR_HDR(":event-type", "sessionUpdate")};
    struct eventstream_header_in h3[] = {STR_HDR(":message-type", "exception"),
                                         STR_HDR(":exception-type", "SessionTimeoutException")};
    size_t big_len = 70000;
    char *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)('a' + i % 26);
    assert_int_equal(eventstream_encode(&s, h1, 2, "{\"sessionId\":\"s1\"}", 18), 0);
    assert_int_equal(eventstream_encode(&s, h2, 2, big, big_len), 0);
    assert_int_equal(eventstream_encode(&s, h3, 2, "{\"message\":\"3h\"}", 16), 0);
    size_t steps[] = {1, 7, s.len};
    for (size_t k = 0; k < 3; k++) {
        struct eventstream_decoder d;
        eventstream_decoder_init(&d, 0);
        struct aws_error err;
        aws_error_init(&err);
        size_t got = 0;
        for (size_t off = 0; off < s.len; off += steps[k]) {
            size_t n = s.len - off < steps[k] ? s.len - off : steps[k];
            assert_int_equal(eventstream_decoder_feed(&d, s.data + off, n, &err), 0);
            struct eventstream_message m;
            enum eventstream_status st;
            while ((st = eventstream_decoder_next(&d, &m, &err)) == EVENTSTREAM_MESSAGE) {
                if (got == 0) {
                    assert_true(eventstream_header_is(&m, ":event-type", "sessionStart"));
                } else if (got == 1) {
                    assert_int_equal(m.payload_len, big_len);
                    assert_memory_equal(m.payload, big, big_len);
                } else {
                    assert_true(
                        eventstream_header_is(&m, ":exception-type", "SessionTimeoutException"));
                }
                got++;
            }
            assert_int_equal(st, EVENTSTREAM_NEED_MORE);
        }
        assert_int_equal(got, 3);
        assert_int_equal(eventstream_decoder_pending(&d), 0);
        assert_int_equal(d.messages, 3);
        eventstream_decoder_free(&d);
    }
    /* a stream cut inside the second message leaves bytes pending */
    struct eventstream_decoder d;
    eventstream_decoder_init(&d, 0);
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(eventstream_decoder_feed(&d, s.data, 1000, &err), 0);
    struct eventstream_message m;
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_MESSAGE);
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_NEED_MORE);
    assert_true(eventstream_decoder_pending(&d) > 0);
    eventstream_decoder_free(&d);
    free(big);
    buf_free(&s);
}

/* Feed bytes, expect an error with code and a text containing needle. */
static void expect_error(const uint8_t *p, size_t len, const char *code, const char *needle)
{
    struct eventstream_decoder d;
    eventstream_decoder_init(&d, 0);
    struct aws_error err;
    aws_error_init(&err);
    struct eventstream_message m;
    assert_int_equal(eventstream_decoder_feed(&d, p, len, &err), 0);
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_ERROR);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_string_equal(err.code, code);
    if (!strstr(err.message, needle))
        fail_msg("'%s' does not say '%s'", err.message, needle);
    /* the decoder stays failed: nothing after a bad frame is trusted */
    aws_error_clear(&err);
    assert_int_equal(eventstream_decoder_feed(&d, wire_example, sizeof(wire_example), &err), -1);
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_ERROR);
    aws_error_clear(&err);
    eventstream_decoder_free(&d);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Fix both CRCs of a message edited by a test (so that only the edit is
 * wrong). */
static void refix(uint8_t *p, size_t total)
{
    put32(p + 8, eventstream_crc32(0, p, 8));
    put32(p + total - 4, eventstream_crc32(0, p, total - 4));
}

static void test_bad_frames(void **state)
{
    (void)state;
    uint8_t m[sizeof(wire_example)];

    memcpy(m, wire_example, sizeof(m));
    m[9] ^= 1;
    expect_error(m, sizeof(m), "EventStreamChecksum", "prelude CRC");

    memcpy(m, wire_example, sizeof(m));
    m[100] ^= 0x80; /* the message CRC */
    expect_error(m, sizeof(m), "EventStreamChecksum", "message CRC");

    memcpy(m, wire_example, sizeof(m));
    m[0x62] = '['; /* the payload, CRC left as it was */
    expect_error(m, sizeof(m), "EventStreamChecksum", "message CRC");

    memcpy(m, wire_example, sizeof(m));
    put32(m, 15); /* shorter than a prelude and a CRC */
    put32(m + 8, eventstream_crc32(0, m, 8));
    expect_error(m, sizeof(m), "EventStreamBadFrame", "total length 15");

    memcpy(m, wire_example, sizeof(m));
    put32(m + 4, 0x60); /* headers longer than the message */
    put32(m + 8, eventstream_crc32(0, m, 8));
    expect_error(m, sizeof(m), "EventStreamBadFrame", "cannot hold");

    memcpy(m, wire_example, sizeof(m));
    put32(m, 0x7fffffff); /* 2 GB announced */
    put32(m + 8, eventstream_crc32(0, m, 8));
    expect_error(m, sizeof(m), "EventStreamTooLarge", "limits");

    memcpy(m, wire_example, sizeof(m));
    m[0x1a] = 11; /* :message-type of an unknown type */
    refix(m, sizeof(m));
    expect_error(m, sizeof(m), "EventStreamBadHeader", "unknown type 11");

    memcpy(m, wire_example, sizeof(m));
    m[0x1c] = 0x60; /* a string value longer than the header block */
    refix(m, sizeof(m));
    expect_error(m, sizeof(m), "EventStreamBadHeader", "runs past");

    memcpy(m, wire_example, sizeof(m));
    m[0x0c] = 0x55; /* a name longer than the header block */
    refix(m, sizeof(m));
    expect_error(m, sizeof(m), "EventStreamBadHeader", "runs past");

    memcpy(m, wire_example, sizeof(m));
    m[0x0c] = 0; /* an empty name */
    refix(m, sizeof(m));
    expect_error(m, sizeof(m), "EventStreamBadHeader", "empty name");

    /* two headers with one name */
    struct eventstream_header_in dup[] = {STR_HDR("x", "1"), STR_HDR("x", "2")};
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(eventstream_encode(&b, dup, 2, NULL, 0), 0);
    expect_error((const uint8_t *)b.data, b.len, "EventStreamBadHeader", "'x' twice");
    buf_reset(&b);
    /* duplicates among many headers (the sorted check) */
    struct eventstream_header_in many[40];
    char names[40][8];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "h%d", i == 39 ? 7 : i);
        many[i] = (struct eventstream_header_in){names[i], EVENTSTREAM_TRUE, 0, NULL, 0};
    }
    assert_int_equal(eventstream_encode(&b, many, 40, NULL, 0), 0);
    expect_error((const uint8_t *)b.data, b.len, "EventStreamBadHeader", "'h7' twice");
    buf_free(&b);
}

/* A peer that never sends a whole frame cannot make the decoder buffer
 * without bound. */
static void test_buffer_is_bounded(void **state)
{
    (void)state;
    struct eventstream_decoder d;
    eventstream_decoder_init(&d, 1024);
    struct aws_error err;
    aws_error_init(&err);
    uint8_t pre[12];
    put32(pre, 1000);
    put32(pre + 4, 0);
    put32(pre + 8, eventstream_crc32(0, pre, 8));
    assert_int_equal(eventstream_decoder_feed(&d, pre, sizeof(pre), &err), 0);
    struct eventstream_message m;
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_NEED_MORE);
    uint8_t junk[4096];
    memset(junk, 0, sizeof(junk));
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++)
        rc = eventstream_decoder_feed(&d, junk, sizeof(junk), &err);
    assert_int_equal(rc, -1);
    assert_string_equal(err.code, "EventStreamTooLarge");
    aws_error_clear(&err);
    eventstream_decoder_free(&d);
    /* a message above max_message is refused from its prelude */
    eventstream_decoder_init(&d, 64);
    assert_int_equal(eventstream_decoder_feed(&d, wire_example, sizeof(wire_example), &err), 0);
    assert_int_equal(eventstream_decoder_next(&d, &m, &err), EVENTSTREAM_ERROR);
    assert_string_equal(err.code, "EventStreamTooLarge");
    aws_error_clear(&err);
    eventstream_decoder_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_example_decodes),
        cmocka_unit_test(test_encoder_writes_the_example),
        cmocka_unit_test(test_every_header_type_round_trips),
        cmocka_unit_test(test_split_reads),
        cmocka_unit_test(test_bad_frames),
        cmocka_unit_test(test_buffer_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* awstime.h - the time formats AWS speaks. */
#ifndef ELCUI_AWS_AWSTIME_H
#define ELCUI_AWS_AWSTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse ISO 8601 UTC ("2024-05-01T12:00:05Z", "...05.123Z", "+00:00"
 * offsets) into epoch milliseconds. false on malformed input. */
bool awstime_parse_iso8601(const char *s, int64_t *ms);
/* "2024-05-01T12:00:05.123Z" (millis always shown). out >= 32 bytes. */
void awstime_format_iso8601(int64_t ms, char *out, size_t n);
/* "2024-05-01T12:00:05Z" (no fraction), as botocore sends timestamps. */
void awstime_format_iso8601_s(int64_t ms, char *out, size_t n);
/* As botocore's query serializer writes a timestamp parameter: whole
 * seconds "2024-05-01T12:00:05Z", microseconds only when the instant has a
 * fraction ("2024-05-01T12:00:05.250000Z"). out >= 32 bytes. */
void awstime_format_iso8601_query(int64_t ms, char *out, size_t n);
/* SigV4 "20240501T120000Z". out >= 17 bytes. */
void awstime_format_amz(int64_t epoch_s, char *out, size_t n);
/* HTTP date (RFC 7231, "Wed, 01 May 2024 12:00:05 GMT") -> epoch ms. */
bool awstime_parse_http_date(const char *s, int64_t *ms);
/* Relative spans for --since: "10m", "2h", "3d", "45s", "500ms", or an
 * ISO 8601 instant. Returns epoch ms relative to now_ms. */
bool awstime_parse_since(const char *s, int64_t now_ms, int64_t *out_ms);
/* Durations like "10ms", "2s", "1500us", "250" (µs) -> microseconds. */
bool awstime_parse_duration_us(const char *s, int64_t *us);

#endif

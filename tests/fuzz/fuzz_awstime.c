/* fuzz_awstime.c - dates and spans from the network and the command line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t v;
    char out[40];
    if (awstime_parse_iso8601(s, &v))
        awstime_format_iso8601(v, out, sizeof(out));
    (void)awstime_parse_http_date(s, &v);
    (void)awstime_parse_since(s, 1714564805000LL, &v);
    (void)awstime_parse_duration_us(s, &v);
    free(s);
    return 0;
}

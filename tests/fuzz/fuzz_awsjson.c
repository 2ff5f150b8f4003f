/* fuzz_awsjson.c - JSON 1.1 responses and error envelopes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "aws/awsjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 400, 500};
    for (size_t i = 0; i < 3; i++) {
        json_t *out;
        struct aws_error err;
        aws_error_init(&err);
        if (awsjson_parse((const char *)data, size, statuses[i], &out, &err) == 0) {
            (void)awsjson_str(out, "nextToken");
            (void)awsjson_int(out, "limit", 0);
            (void)awsjson_time_ms(out, "CreationDate");
            free(awsjson_strdup(out, "__type"));
            size_t len;
            free(awsjson_encode(out, &len));
            json_decref(out);
        } else {
            free(aws_error_format(&err));
        }
        aws_error_clear(&err);
    }
    return 0;
}

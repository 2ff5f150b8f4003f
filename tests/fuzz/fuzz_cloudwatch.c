/* fuzz_cloudwatch.c - CloudWatch GetMetricData responses (query protocol)
 * through cloudwatch_parse_get_metric_data, and the page merge the
 * metrics engine does. Input: one body, or pages separated by FUZZ_SEP. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cloudwatch.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cloudwatch_get_metric_data_out *all = mem_xcalloc(1, sizeof(*all));
    size_t pos = 0;
    const uint8_t *part;
    size_t len;
    for (int pages = 0; pages < 4 && fuzz_next_part(data, size, &pos, &part, &len); pages++) {
        xmlDoc *doc = NULL;
        xmlNode *res;
        char rid[96];
        struct aws_error err;
        aws_error_init(&err);
        if (query_parse((const char *)part, len, 200, "GetMetricData", false, &doc, &res, rid,
                        sizeof(rid), &err) == 0) {
            struct cloudwatch_get_metric_data_out *o = mem_xcalloc(1, sizeof(*o));
            if (cloudwatch_parse_get_metric_data(res, o, &err) == 0) {
                (void)cloudwatch_get_metric_data_find(o, "m0");
                cloudwatch_get_metric_data_merge(all, o);
            }
            cloudwatch_get_metric_data_out_free(o);
            xmlFreeDoc(doc);
        }
        free(aws_error_format(&err));
        aws_error_clear(&err);
    }
    (void)cloudwatch_get_metric_data_find(all, "m1");
    cloudwatch_get_metric_data_out_free(all);
    return 0;
}

/* fuzz_query.c - query/EC2 XML responses, error envelopes, form bodies. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ops[] = {"DescribeReplicationGroups", "DescribeVpcs", "X"};
    const char *body = (const char *)data;
    int status = size && (data[0] & 1) ? 400 : 200;
    bool ec2 = size > 1 && (data[1] & 1);
    for (size_t i = 0; i < 3; i++) {
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        struct aws_error err;
        aws_error_init(&err);
        if (query_parse(body, size, status, ops[i], ec2, &doc, &res, rid, sizeof(rid), &err) == 0) {
            char *t = query_text(res, "ReplicationGroups/ReplicationGroup/ReplicationGroupId");
            free(t);
            (void)query_int(res, "Marker", 0);
            (void)query_time(res, "ReplicationGroups/ReplicationGroup/ReplicationGroupCreateTime");
            size_t n;
            char **v = query_strings(res, "ReplicationGroups", "ReplicationGroup", &n);
            query_strings_free(v);
            for (xmlNode *c = query_first(query_child(res, "vpcSet"), "item"); c;
                 c = query_next(c, "item"))
                free(query_text(c, "vpcId"));
            xmlFreeDoc(doc);
        } else {
            char *m = aws_error_format(&err);
            free(m);
        }
        aws_error_clear(&err);
    }
    struct query_params *p = query_decode(body, size);
    size_t len;
    char *enc = query_encode(p, &len);
    free(enc);
    char *d = query_describe(p);
    free(d);
    query_params_free(p);
    return 0;
}

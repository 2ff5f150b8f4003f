/* fuzz_iam_sts.c - IAM and STS query responses through the typed parsers
 * (iam_parse_*, sts_parse_*: the credential chain's AssumeRole,
 * AssumeRoleWithWebIdentity and GetCallerIdentity answers). The root
 * element picks the operation. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/iam.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "aws/sts.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARSE(type, fn, freefn)                                                                    \
    do {                                                                                           \
        struct type *o = mem_xcalloc(1, sizeof(*o));                                               \
        (void)fn(res, o);                                                                          \
        freefn(o);                                                                                 \
    } while (0)

static void one(const char *op, xmlNode *res)
{
    struct aws_error err;
    aws_error_init(&err);
    if (strcmp(op, "CreatePolicy") == 0 || strcmp(op, "GetPolicy") == 0)
        PARSE(iam_policy_out, iam_parse_policy, iam_policy_out_free);
    else if (strcmp(op, "CreatePolicyVersion") == 0 || strcmp(op, "GetPolicyVersion") == 0)
        PARSE(iam_policy_version_out, iam_parse_policy_version, iam_policy_version_out_free);
    else if (strcmp(op, "ListPolicyVersions") == 0)
        PARSE(iam_policy_version_list, iam_parse_policy_versions, iam_policy_version_list_free);
    else if (strcmp(op, "ListPolicies") == 0)
        PARSE(iam_policy_list, iam_parse_policies, iam_policy_list_free);
    else if (strcmp(op, "ListEntitiesForPolicy") == 0)
        PARSE(iam_policy_entities, iam_parse_policy_entities, iam_policy_entities_free);
    else if (strcmp(op, "GetCallerIdentity") == 0) {
        struct sts_caller_identity o;
        memset(&o, 0, sizeof(o));
        (void)sts_parse_caller_identity(res, &o, &err);
        sts_caller_identity_free(&o);
    } else if (strcmp(op, "AssumeRoleWithWebIdentity") == 0) {
        struct sts_web_identity_out o;
        memset(&o, 0, sizeof(o));
        (void)sts_parse_web_identity(res, &o, &err);
        sts_web_identity_out_free(&o);
    } else {
        struct sts_assume_role_out o;
        memset(&o, 0, sizeof(o));
        (void)sts_parse_assume_role(res, &o, &err);
        sts_assume_role_out_free(&o);
    }
    free(aws_error_format(&err));
    aws_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char op[128];
    fuzz_xml_root(data, size, op, sizeof(op));
    bool is_op = fuzz_strip_response(op) && op[0];
    xmlDoc *doc = NULL;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    if (query_parse((const char *)data, size, 200, is_op ? op : "AssumeRole", false, &doc, &res,
                    rid, sizeof(rid), &err) == 0) {
        one(is_op ? op : "AssumeRole", res);
        xmlFreeDoc(doc);
    } else {
        free(aws_error_format(&err));
        aws_error_clear(&err);
        if (query_parse((const char *)data, size, 403, is_op ? op : "AssumeRole", false, &doc, &res,
                        rid, sizeof(rid), &err) == 0)
            xmlFreeDoc(doc);
        free(aws_error_format(&err));
    }
    aws_error_clear(&err);
    return 0;
}

/* test_query.c - query/EC2 protocol: encoding as botocore does it, XML
 * responses and both error envelopes, malformed bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/query.h"

/* Expected strings come from Python's urllib.parse.urlencode (quote_plus),
 * which is what botocore's query serializer uses. */
static void test_encode_matches_quote_plus(void **state)
{
    (void)state;
    struct query_params *p = query_params_new("CreateReplicationGroup", "2015-02-02");
    query_add_secret(p, "AuthToken", "ab!&#$^<>-cd");
    query_add(p, "ReplicationGroupDescription", "ElastiCache cluster for app-4");
    query_addf_name(p, "/elasticache/app-4/slow-log",
                    "LogDeliveryConfigurations.LogDeliveryConfigurationRequest.%d."
                    "DestinationDetails.CloudWatchLogsDetails.LogGroup",
                    1);
    query_add(p, "Tags.Tag.1.Value", "caf\xc3\xa9 ~x*y");
    size_t len;
    char *body = query_encode(p, &len);
    const char *want =
        "Action=CreateReplicationGroup&Version=2015-02-02&AuthToken=ab%21%26%23%24%5E%3C%3E-cd&"
        "ReplicationGroupDescription=ElastiCache+cluster+for+app-4&"
        "LogDeliveryConfigurations.LogDeliveryConfigurationRequest.1.DestinationDetails."
        "CloudWatchLogsDetails.LogGroup=%2Felasticache%2Fapp-4%2Fslow-log&"
        "Tags.Tag.1.Value=caf%C3%A9+~x%2Ay";
    assert_string_equal(body, want);
    assert_int_equal(len, strlen(want));
    /* the secret is masked when described, never in clear */
    char *desc = query_describe(p);
    assert_non_null(strstr(desc, "AuthToken=****\n"));
    assert_null(strstr(desc, "ab!&"));
    /* decoding gives the parameters back */
    struct query_params *d = query_decode(body, len);
    assert_string_equal(query_get(d, "AuthToken"), "ab!&#$^<>-cd");
    assert_string_equal(query_get(d, "Tags.Tag.1.Value"), "caf\xc3\xa9 ~x*y");
    assert_string_equal(query_get(d, "Action"), "CreateReplicationGroup");
    query_params_free(d);
    free(desc);
    free(body);
    query_params_free(p);
}

static void test_scalars_and_empty(void **state)
{
    (void)state;
    struct query_params *p = query_params_new("DescribeEvents", "2015-02-02");
    query_add_int(p, "Duration", 60);
    query_add_bool(p, "ShowCacheNodeInfo", true);
    query_add(p, "SecurityGroupIds", "");
    char *body = query_encode(p, NULL);
    assert_string_equal(
        body, "Action=DescribeEvents&Version=2015-02-02&Duration=60&ShowCacheNodeInfo=true&"
              "SecurityGroupIds=");
    free(body);
    query_params_free(p);
    /* hostile form bodies decode without crashing */
    const char *bad[] = {"%", "%4", "%zz=%", "&&&", "=", "a=%G1&b", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct query_params *q = query_decode(bad[i], strlen(bad[i]));
        query_params_free(q);
    }
}

static const char rg_ok[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeReplicationGroupsResponse "
    "xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\">\n"
    "  <DescribeReplicationGroupsResult>\n"
    "    <Marker>next-1</Marker>\n"
    "    <ReplicationGroups>\n"
    "      <ReplicationGroup>\n"
    "        <ReplicationGroupId>app-4</ReplicationGroupId>\n"
    "        <Status>available</Status>\n"
    "        <ClusterEnabled>true</ClusterEnabled>\n"
    "        <ConfigurationEndpoint><Address>clustercfg.app-4.abc.use2.cache.amazonaws.com"
    "</Address><Port>6379</Port></ConfigurationEndpoint>\n"
    "        <MemberClusters><ClusterId>app-4-0001-001</ClusterId>"
    "<ClusterId>app-4-0001-002</ClusterId></MemberClusters>\n"
    "        <ReplicationGroupCreateTime>2024-05-01T12:00:05.123Z</ReplicationGroupCreateTime>\n"
    "        <Unknown><Deep>ignored</Deep></Unknown>\n"
    "      </ReplicationGroup>\n"
    "    </ReplicationGroups>\n"
    "  </DescribeReplicationGroupsResult>\n"
    "  <ResponseMetadata><RequestId>req-123</RequestId></ResponseMetadata>\n"
    "</DescribeReplicationGroupsResponse>\n";

static void test_parse_query_success(void **state)
{
    (void)state;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96] = "";
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(query_parse(rg_ok, strlen(rg_ok), 200, "DescribeReplicationGroups", false,
                                 &doc, &res, rid, sizeof(rid), &err),
                     0);
    assert_string_equal(rid, "req-123");
    char *marker = query_text(res, "Marker");
    assert_string_equal(marker, "next-1");
    free(marker);
    xmlNode *rg = query_first(query_child(res, "ReplicationGroups"), "ReplicationGroup");
    assert_non_null(rg);
    assert_null(query_next(rg, "ReplicationGroup"));
    char *id = query_text(rg, "ReplicationGroupId");
    assert_string_equal(id, "app-4");
    free(id);
    assert_true(query_bool(rg, "ClusterEnabled", false));
    assert_false(query_bool(rg, "MultiAZ", false));
    assert_int_equal(query_int(rg, "ConfigurationEndpoint/Port", 0), 6379);
    assert_int_equal(query_int(rg, "ConfigurationEndpoint/Address", -1), -1);
    assert_int_equal(query_time(rg, "ReplicationGroupCreateTime"), 1714564805123LL);
    size_t n;
    char **members = query_strings(rg, "MemberClusters", "ClusterId", &n);
    assert_int_equal(n, 2);
    assert_string_equal(members[1], "app-4-0001-002");
    assert_null(members[2]);
    query_strings_free(members);
    char **none = query_strings(rg, "Nope", "X", &n);
    assert_int_equal(n, 0);
    assert_null(none[0]);
    query_strings_free(none);
    assert_null(query_text(rg, "Missing/Path"));
    xmlFreeDoc(doc);
}

static void test_parse_errors(void **state)
{
    (void)state;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);

    const char *qerr =
        "<ErrorResponse xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><Error>"
        "<Type>Sender</Type><Code>ReplicationGroupNotFoundFault</Code>"
        "<Message>ReplicationGroup my-rg not found.</Message></Error>"
        "<RequestId>8c2f</RequestId></ErrorResponse>";
    assert_int_equal(query_parse(qerr, strlen(qerr), 404, "DescribeReplicationGroups", false, &doc,
                                 &res, rid, sizeof(rid), &err),
                     -1);
    assert_int_equal(err.kind, AWS_ERR_SERVICE);
    assert_string_equal(err.code, "ReplicationGroupNotFoundFault");
    assert_string_equal(err.message, "ReplicationGroup my-rg not found.");
    assert_string_equal(err.request_id, "8c2f");
    assert_int_equal(err.http_status, 404);
    assert_null(doc);

    const char *ec2err = "<?xml version=\"1.0\"?><Response><Errors><Error>"
                         "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                         "</Message></Error></Errors><RequestID>ea96</RequestID></Response>";
    assert_int_equal(query_parse(ec2err, strlen(ec2err), 503, "DescribeVpcs", true, &doc, &res, rid,
                                 sizeof(rid), &err),
                     -1);
    assert_string_equal(err.code, "RequestLimitExceeded");
    assert_string_equal(err.request_id, "ea96");

    /* malformed and truncated bodies on 200 are parse errors */
    size_t cut = strlen(rg_ok) / 2;
    assert_int_equal(query_parse(rg_ok, cut, 200, "DescribeReplicationGroups", false, &doc, &res,
                                 rid, sizeof(rid), &err),
                     -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_non_null(strstr(err.message, "truncated"));
    const char *wrong = "<OtherResponse/>";
    assert_int_equal(query_parse(wrong, strlen(wrong), 200, "DescribeReplicationGroups", false,
                                 &doc, &res, rid, sizeof(rid), &err),
                     -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);
    assert_int_equal(query_parse("", 0, 200, "X", false, &doc, &res, rid, sizeof(rid), &err), -1);
    assert_int_equal(err.kind, AWS_ERR_PARSE);

    /* non-XML error bodies keep the status */
    const char *html = "<html><body>Bad Gateway</body>";
    assert_int_equal(
        query_parse(html, strlen(html), 502, "X", false, &doc, &res, rid, sizeof(rid), &err), -1);
    assert_int_equal(err.kind, AWS_ERR_HTTP);
    assert_int_equal(err.http_status, 502);

    /* entities are not expanded and nothing is fetched */
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                      "\"file:///etc/passwd\">]><XResponse><XResult><A>&x;</A></XResult>"
                      "</XResponse>";
    assert_int_equal(
        query_parse(xxe, strlen(xxe), 200, "X", false, &doc, &res, rid, sizeof(rid), &err), 0);
    char *a = query_text(res, "A");
    assert_null(strstr(a, "root:"));
    free(a);
    xmlFreeDoc(doc);
    aws_error_clear(&err);
}

static void test_ec2_success_and_no_result(void **state)
{
    (void)state;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96] = "";
    struct aws_error err;
    aws_error_init(&err);
    const char *vpc = "<CreateVpcResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                      "<requestId>7a62</requestId><vpc><vpcId>vpc-0a1b</vpcId>"
                      "<tagSet><item><key>Name</key><value>app-4</value></item></tagSet>"
                      "</vpc></CreateVpcResponse>";
    assert_int_equal(
        query_parse(vpc, strlen(vpc), 200, "CreateVpc", true, &doc, &res, rid, sizeof(rid), &err),
        0);
    assert_string_equal(rid, "7a62");
    char *id = query_text(res, "vpc/vpcId");
    assert_string_equal(id, "vpc-0a1b");
    free(id);
    xmlNode *item = query_first(query_path(res, "vpc/tagSet"), "item");
    char *v = query_text(item, "value");
    assert_string_equal(v, "app-4");
    free(v);
    xmlFreeDoc(doc);
    /* query operation without output: the root is the result */
    const char *del = "<DeletePolicyResponse><ResponseMetadata><RequestId>r9</RequestId>"
                      "</ResponseMetadata></DeletePolicyResponse>";
    assert_int_equal(query_parse(del, strlen(del), 200, "DeletePolicy", false, &doc, &res, rid,
                                 sizeof(rid), &err),
                     0);
    assert_string_equal(rid, "r9");
    assert_string_equal((const char *)res->name, "DeletePolicyResponse");
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_matches_quote_plus), cmocka_unit_test(test_scalars_and_empty),
        cmocka_unit_test(test_parse_query_success),       cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_ec2_success_and_no_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

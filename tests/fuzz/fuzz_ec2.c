/* fuzz_ec2.c - EC2 responses (ec2 protocol) through the typed parsers
 * (ec2_parse_*). The root element (<DescribeVpcsResponse>) picks the
 * operation, so recorded bodies are seeds as they are. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ec2.h"
#include "aws/mem.h"
#include "aws/query.h"
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
    if (strcmp(op, "DescribeAvailabilityZones") == 0)
        PARSE(ec2_availability_zone_list, ec2_parse_availability_zones,
              ec2_availability_zone_list_free);
    else if (strcmp(op, "CreateVpc") == 0)
        PARSE(ec2_create_vpc_out, ec2_parse_create_vpc, ec2_create_vpc_out_free);
    else if (strcmp(op, "DescribeVpcs") == 0)
        PARSE(ec2_vpc_list, ec2_parse_vpcs, ec2_vpc_list_free);
    else if (strcmp(op, "DescribeVpcAttribute") == 0) {
        for (int a = 0; a < 2; a++) {
            struct ec2_vpc_attribute_out *o = mem_xcalloc(1, sizeof(*o));
            (void)ec2_parse_vpc_attribute(
                res, a ? EC2_VPC_ENABLE_DNS_HOSTNAMES : EC2_VPC_ENABLE_DNS_SUPPORT, o);
            ec2_vpc_attribute_out_free(o);
        }
    } else if (strcmp(op, "CreateSubnet") == 0)
        PARSE(ec2_create_subnet_out, ec2_parse_create_subnet, ec2_create_subnet_out_free);
    else if (strcmp(op, "DescribeSubnets") == 0)
        PARSE(ec2_subnet_list, ec2_parse_subnets, ec2_subnet_list_free);
    else if (strcmp(op, "CreateRouteTable") == 0)
        PARSE(ec2_create_route_table_out, ec2_parse_create_route_table,
              ec2_create_route_table_out_free);
    else if (strcmp(op, "AssociateRouteTable") == 0)
        PARSE(ec2_associate_route_table_out, ec2_parse_associate_route_table,
              ec2_associate_route_table_out_free);
    else if (strcmp(op, "DescribeRouteTables") == 0)
        PARSE(ec2_route_table_list, ec2_parse_route_tables, ec2_route_table_list_free);
    else if (strcmp(op, "CreateSecurityGroup") == 0)
        PARSE(ec2_create_security_group_out, ec2_parse_create_security_group,
              ec2_create_security_group_out_free);
    else if (strcmp(op, "AuthorizeSecurityGroupIngress") == 0 ||
             strcmp(op, "RevokeSecurityGroupIngress") == 0)
        PARSE(ec2_security_group_ingress_out, ec2_parse_security_group_ingress,
              ec2_security_group_ingress_out_free);
    else if (strcmp(op, "DescribeSecurityGroups") == 0)
        PARSE(ec2_security_group_list, ec2_parse_security_groups, ec2_security_group_list_free);
    else
        PARSE(ec2_result, ec2_parse_result, ec2_result_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char op[128];
    fuzz_xml_root(data, size, op, sizeof(op));
    bool is_op = fuzz_strip_response(op) && op[0];
    static const int statuses[] = {200, 400, 503};
    for (size_t i = 0; i < 3; i++) {
        xmlDoc *doc = NULL;
        xmlNode *res;
        char rid[96];
        struct aws_error err;
        aws_error_init(&err);
        if (query_parse((const char *)data, size, statuses[i], is_op ? op : "DescribeVpcs", true,
                        &doc, &res, rid, sizeof(rid), &err) == 0) {
            if (statuses[i] == 200)
                one(is_op ? op : "", res);
            xmlFreeDoc(doc);
        } else {
            free(aws_error_format(&err));
        }
        aws_error_clear(&err);
        if (i == 0 && doc)
            break; /* a good body: the error statuses add nothing */
    }
    return 0;
}

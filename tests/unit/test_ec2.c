/* test_ec2.c - typed EC2 calls: request encoding byte for byte against
 * botocore's serializer, decoding of moto recordings and aws-wire.md
 * examples field by field against botocore's parser, error envelopes,
 * truncated and hostile bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aws/ec2.h"
#include "aws/mem.h"
#include "aws/query.h"
#include "infra_test.h"
#include "wire_harness.h"
#include "typed_e2e.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct ec2_tag_in stack_tags[] = {{"elcui:stack", "app-4"}, {"Name", "app-4"}};

/* ---- requests ---- */

static void test_requests(void **state)
{
    (void)state;
    struct it_vectors v;
    it_vectors_load(&v, "ec2");

    const char *available[] = {"available"}, *az_type[] = {"availability-zone"};
    struct ec2_filter az_f[] = {{"state", available, 1}, {"zone-type", az_type, 1}};
    struct ec2_describe_availability_zones_in az = {.filters = az_f, .n_filters = 2};
    it_check_query(&v, "describe_azs_available", ec2_build_describe_availability_zones(&az));
    const char *zones[] = {"us-east-2a", "us-east-2b"};
    struct ec2_describe_availability_zones_in az2 = {
        .zone_names = zones, .n_zone_names = 2, .all_availability_zones = true};
    it_check_query(&v, "describe_azs_all", ec2_build_describe_availability_zones(&az2));
    it_check_query(&v, "describe_azs_empty", ec2_build_describe_availability_zones(NULL));

    struct ec2_create_vpc_in cv = {
        .cidr_block = "10.20.32.0/25", .tags = stack_tags, .n_tags = N(stack_tags)};
    it_check_query(&v, "create_vpc", ec2_build_create_vpc(&cv));
    struct ec2_create_vpc_in cv2 = {.cidr_block = "10.0.0.0/16", .instance_tenancy = "default"};
    it_check_query(&v, "create_vpc_tenancy", ec2_build_create_vpc(&cv2));

    const char *stack[] = {"app-4"};
    struct ec2_filter tag_f[] = {{"tag:elcui:stack", stack, 1}};
    struct ec2_describe_vpcs_in dv = {.filters = tag_f, .n_filters = 1, .max_results = 5};
    it_check_query(&v, "describe_vpcs_tag", ec2_build_describe_vpcs(&dv));
    const char *names[] = {"a", "b c"}, *cidr[] = {"10.20.32.0/25"};
    const char *vpc_ids[] = {"vpc-0abc", "vpc-0def"};
    struct ec2_filter two_f[] = {{"tag:Name", names, 2}, {"cidr", cidr, 1}};
    struct ec2_describe_vpcs_in dv2 = {
        .filters = two_f, .n_filters = 2, .vpc_ids = vpc_ids, .n_vpc_ids = 2};
    it_check_query(&v, "describe_vpcs_ids_two_values", ec2_build_describe_vpcs(&dv2));
    struct ec2_describe_vpcs_in dv3 = {.max_results = 1000, .next_token = "tok/en+=="};
    it_check_query(&v, "describe_vpcs_resume", ec2_build_describe_vpcs(&dv3));

    struct ec2_modify_vpc_attribute_in mv = {.vpc_id = "vpc-0a1b2c3d4e5f67890",
                                             .has_enable_dns_support = true,
                                             .enable_dns_support = true};
    it_check_query(&v, "modify_vpc_dns_support", ec2_build_modify_vpc_attribute(&mv));
    struct ec2_modify_vpc_attribute_in mv2 = {.vpc_id = "vpc-0a1b2c3d4e5f67890",
                                              .has_enable_dns_hostnames = true};
    it_check_query(&v, "modify_vpc_dns_hostnames_off", ec2_build_modify_vpc_attribute(&mv2));
    struct ec2_describe_vpc_attribute_in da = {.vpc_id = "vpc-0a1b2c3d4e5f67890",
                                               .attribute = EC2_VPC_ENABLE_DNS_HOSTNAMES};
    it_check_query(&v, "describe_vpc_attribute_hostnames", ec2_build_describe_vpc_attribute(&da));
    da.attribute = EC2_VPC_ENABLE_DNS_SUPPORT;
    it_check_query(&v, "describe_vpc_attribute_support", ec2_build_describe_vpc_attribute(&da));

    struct ec2_tag_in subnet_tags[] = {
        {"elcui:stack", "app-4"}, {"Name", "app-4"}, {"Name2", "app-4-private-1"}};
    struct ec2_create_subnet_in cs = {.vpc_id = "vpc-0a1b2c3d4e5f67890",
                                      .cidr_block = "10.20.32.0/27",
                                      .availability_zone = "us-east-2a",
                                      .tags = subnet_tags,
                                      .n_tags = 3};
    it_check_query(&v, "create_subnet", ec2_build_create_subnet(&cs));
    struct ec2_create_subnet_in cs2 = {
        .vpc_id = "vpc-1", .cidr_block = "10.20.32.96/27", .availability_zone_id = "use2-az3"};
    it_check_query(&v, "create_subnet_az_id", ec2_build_create_subnet(&cs2));
    const char *vpc1[] = {"vpc-1"}, *subnets[] = {"subnet-1", "subnet-2", "subnet-3"};
    struct ec2_filter sf[] = {{"vpc-id", vpc1, 1}, {"tag:elcui:stack", stack, 1}};
    struct ec2_describe_subnets_in ds = {.filters = sf,
                                         .n_filters = 2,
                                         .subnet_ids = subnets,
                                         .n_subnet_ids = 3,
                                         .max_results = 100};
    it_check_query(&v, "describe_subnets", ec2_build_describe_subnets(&ds));
    struct ec2_delete_subnet_in dsub = {"subnet-0123456789abcdef0"};
    it_check_query(&v, "delete_subnet", ec2_build_delete_subnet(&dsub));
    struct ec2_delete_vpc_in dvpc = {"vpc-0123456789abcdef0"};
    it_check_query(&v, "delete_vpc", ec2_build_delete_vpc(&dvpc));

    struct ec2_tag_in rt_tags[] = {{"Name", "app-4-private-1"}};
    struct ec2_create_route_table_in crt = {.vpc_id = "vpc-1", .tags = rt_tags, .n_tags = 1};
    it_check_query(&v, "create_route_table", ec2_build_create_route_table(&crt));
    struct ec2_associate_route_table_in art = {.route_table_id = "rtb-1", .subnet_id = "subnet-1"};
    it_check_query(&v, "associate_route_table", ec2_build_associate_route_table(&art));
    struct ec2_disassociate_route_table_in drt = {"rtbassoc-0123"};
    it_check_query(&v, "disassociate_route_table", ec2_build_disassociate_route_table(&drt));
    const char *assoc_subnet[] = {"subnet-1"}, *rtb[] = {"rtb-1"};
    struct ec2_filter rf[] = {{"association.subnet-id", assoc_subnet, 1}};
    struct ec2_describe_route_tables_in drts = {.filters = rf,
                                                .n_filters = 1,
                                                .route_table_ids = rtb,
                                                .n_route_table_ids = 1,
                                                .max_results = 50,
                                                .next_token = "abc"};
    it_check_query(&v, "describe_route_tables", ec2_build_describe_route_tables(&drts));
    struct ec2_delete_route_table_in delrt = {"rtb-0123"};
    it_check_query(&v, "delete_route_table", ec2_build_delete_route_table(&delrt));

    struct ec2_create_security_group_in csg = {
        .group_name = "app-4-elasticache-sg",
        .description = "Allow inbound to and outbound access from the Amazon "
                       "ElastiCache cluster.",
        .vpc_id = "vpc-1",
        .tags = stack_tags,
        .n_tags = N(stack_tags)};
    it_check_query(&v, "create_security_group", ec2_build_create_security_group(&csg));

    struct ec2_ip_range_in redis_range[] = {
        {"10.20.32.0/25", "Enable communication to the Amazon ElastiCache for Redis cluster."}};
    struct ec2_ip_permission_in redis[] = {{.ip_protocol = "tcp",
                                            .has_ports = true,
                                            .from_port = 6379,
                                            .to_port = 6379,
                                            .ip_ranges = redis_range,
                                            .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in ing = {
        .group_id = "sg-0123", .permissions = redis, .n_permissions = 1};
    it_check_query(&v, "authorize_ingress_redis", ec2_build_authorize_security_group_ingress(&ing));

    struct ec2_ip_range_in r4[] = {{"10.0.0.0/8", NULL}, {"192.168.0.0/16", "b"}};
    struct ec2_ip_range_in r6[] = {{"2001:db8::/32", "v6"}};
    struct ec2_group_pair_in gp[] = {{"sg-0456", "111122223333", "from app"}};
    struct ec2_ip_range_in world[] = {{"0.0.0.0/0", NULL}};
    struct ec2_ip_permission_in mixed[] = {{.ip_protocol = "tcp",
                                            .has_ports = true,
                                            .from_port = 6379,
                                            .to_port = 6380,
                                            .ip_ranges = r4,
                                            .n_ip_ranges = 2,
                                            .ipv6_ranges = r6,
                                            .n_ipv6_ranges = 1,
                                            .groups = gp,
                                            .n_groups = 1},
                                           {.ip_protocol = "-1"},
                                           {.ip_protocol = "icmp",
                                            .has_ports = true,
                                            .from_port = -1,
                                            .to_port = -1,
                                            .ip_ranges = world,
                                            .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in ing2 = {
        .group_id = "sg-0123", .permissions = mixed, .n_permissions = 3};
    it_check_query(&v, "authorize_ingress_mixed",
                   ec2_build_authorize_security_group_ingress(&ing2));
    struct ec2_ip_permission_in rv[] = {{.ip_protocol = "tcp",
                                         .has_ports = true,
                                         .from_port = 6379,
                                         .to_port = 6379,
                                         .ip_ranges = world,
                                         .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in rev = {
        .group_id = "sg-0123", .permissions = rv, .n_permissions = 1};
    it_check_query(&v, "revoke_ingress", ec2_build_revoke_security_group_ingress(&rev));
    struct ec2_ip_permission_in all_out[] = {
        {.ip_protocol = "-1", .ip_ranges = world, .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in eg = {
        .group_id = "sg-0123", .permissions = all_out, .n_permissions = 1};
    it_check_query(&v, "revoke_egress_all", ec2_build_revoke_security_group_egress(&eg));
    struct ec2_ip_range_in https[] = {{"10.0.0.0/8", "https out"}};
    struct ec2_ip_range_in any6[] = {{"::/0", NULL}};
    struct ec2_group_pair_in peer[] = {{"sg-0456", "111122223333", NULL}};
    struct ec2_ip_range_in dns[] = {{"10.20.32.2/32", NULL}};
    struct ec2_ip_permission_in out_mixed[] = {{.ip_protocol = "tcp",
                                                .has_ports = true,
                                                .from_port = 443,
                                                .to_port = 443,
                                                .ip_ranges = https,
                                                .n_ip_ranges = 1,
                                                .ipv6_ranges = any6,
                                                .n_ipv6_ranges = 1,
                                                .groups = peer,
                                                .n_groups = 1},
                                               {.ip_protocol = "udp",
                                                .has_ports = true,
                                                .from_port = 53,
                                                .to_port = 53,
                                                .ip_ranges = dns,
                                                .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in eg2 = {
        .group_id = "sg-0123", .permissions = out_mixed, .n_permissions = 2};
    it_check_query(&v, "revoke_egress_mixed", ec2_build_revoke_security_group_egress(&eg2));

    const char *gname[] = {"app-4-elasticache-sg"}, *sg1[] = {"sg-1"}, *dflt[] = {"default"};
    struct ec2_filter gf[] = {{"vpc-id", vpc1, 1}, {"group-name", gname, 1}};
    struct ec2_describe_security_groups_in dsg = {.filters = gf,
                                                  .n_filters = 2,
                                                  .group_ids = sg1,
                                                  .n_group_ids = 1,
                                                  .group_names = dflt,
                                                  .n_group_names = 1,
                                                  .max_results = 5};
    it_check_query(&v, "describe_security_groups", ec2_build_describe_security_groups(&dsg));
    struct ec2_delete_security_group_in delsg = {"sg-0123"};
    it_check_query(&v, "delete_security_group", ec2_build_delete_security_group(&delsg));

    const char *res[] = {"vpc-1", "subnet-1"};
    struct ec2_tag_in ct_tags[] = {{"elcui:stack", "app-4"}, {"Name", "app-4"}, {"empty", ""}};
    struct ec2_create_tags_in ct = {
        .resource_ids = res, .n_resource_ids = 2, .tags = ct_tags, .n_tags = 3};
    it_check_query(&v, "create_tags", ec2_build_create_tags(&ct));
    const char *res2[] = {"sg-1"};
    struct ec2_tag_in utf8[] = {{"owner", "Zo\xc3\xab & co / ops:team=1"}};
    struct ec2_create_tags_in ct2 = {
        .resource_ids = res2, .n_resource_ids = 1, .tags = utf8, .n_tags = 1};
    it_check_query(&v, "create_tags_utf8", ec2_build_create_tags(&ct2));

    it_vectors_done(&v);
}

/* NULL inputs and NULL members never crash and send nothing optional. */
static void test_requests_null_members(void **state)
{
    (void)state;
    struct query_params *p = ec2_build_create_vpc(NULL);
    assert_int_equal(p->n, 2);
    query_params_free(p);
    struct ec2_filter f[] = {{NULL, NULL, 3}};
    struct ec2_describe_vpcs_in in = {.filters = f, .n_filters = 1};
    p = ec2_build_describe_vpcs(&in);
    assert_string_equal(query_get(p, "Filter.1.Name"), "");
    assert_null(query_get(p, "Filter.1.Value.1"));
    query_params_free(p);
    struct ec2_ip_permission_in perm[] = {{0}};
    struct ec2_security_group_ingress_in ing = {.permissions = perm, .n_permissions = 1};
    p = ec2_build_authorize_security_group_ingress(&ing);
    assert_int_equal(p->n, 2); /* nothing of an empty permission is sent */
    query_params_free(p);
}

/* ---- responses ---- */

static void check_tags(const struct ec2_tag *t, size_t n, const json_t *obj)
{
    assert_int_equal(n, it_len(obj, "Tags"));
    for (size_t i = 0; i < n; i++) {
        it_str_or_empty(t[i].key, it_at(obj, "Tags", i), "Key");
        it_str_or_empty(t[i].value, it_at(obj, "Tags", i), "Value");
    }
}

static void check_vpc(const struct ec2_vpc *v, const json_t *e)
{
    it_str(v->vpc_id, e, "VpcId");
    it_str(v->state, e, "State");
    it_str(v->cidr_block, e, "CidrBlock");
    it_str(v->dhcp_options_id, e, "DhcpOptionsId");
    it_str(v->instance_tenancy, e, "InstanceTenancy");
    it_str(v->owner_id, e, "OwnerId");
    it_bool(v->is_default, e, "IsDefault", false);
    assert_int_equal(v->n_cidr_blocks, it_len(e, "CidrBlockAssociationSet"));
    for (size_t i = 0; i < v->n_cidr_blocks; i++)
        it_str(v->cidr_blocks[i], it_at(e, "CidrBlockAssociationSet", i), "CidrBlock");
    assert_null(v->cidr_blocks[v->n_cidr_blocks]);
    check_tags(v->tags, v->n_tags, e);
}

static void check_subnet(const struct ec2_subnet *s, const json_t *e)
{
    it_str(s->subnet_id, e, "SubnetId");
    it_str(s->vpc_id, e, "VpcId");
    it_str(s->cidr_block, e, "CidrBlock");
    it_str(s->availability_zone, e, "AvailabilityZone");
    it_str(s->availability_zone_id, e, "AvailabilityZoneId");
    it_str(s->state, e, "State");
    it_str(s->subnet_arn, e, "SubnetArn");
    it_str(s->owner_id, e, "OwnerId");
    it_int(s->available_ip_address_count, e, "AvailableIpAddressCount", 0);
    it_bool(s->default_for_az, e, "DefaultForAz", false);
    it_bool(s->map_public_ip_on_launch, e, "MapPublicIpOnLaunch", false);
    check_tags(s->tags, s->n_tags, e);
}

static void check_route_table(const struct ec2_route_table *t, const json_t *e)
{
    it_str(t->route_table_id, e, "RouteTableId");
    it_str(t->vpc_id, e, "VpcId");
    it_str(t->owner_id, e, "OwnerId");
    assert_int_equal(t->n_associations, it_len(e, "Associations"));
    for (size_t i = 0; i < t->n_associations; i++) {
        const json_t *a = it_at(e, "Associations", i);
        it_str(t->associations[i].association_id, a, "RouteTableAssociationId");
        it_str(t->associations[i].route_table_id, a, "RouteTableId");
        it_str(t->associations[i].subnet_id, a, "SubnetId");
        it_str(t->associations[i].gateway_id, a, "GatewayId");
        it_bool(t->associations[i].main, a, "Main", false);
        it_str(t->associations[i].state, json_object_get(a, "AssociationState"), "State");
    }
    assert_int_equal(t->n_routes, it_len(e, "Routes"));
    for (size_t i = 0; i < t->n_routes; i++) {
        const json_t *r = it_at(e, "Routes", i);
        it_str(t->routes[i].destination_cidr_block, r, "DestinationCidrBlock");
        it_str(t->routes[i].destination_ipv6_cidr_block, r, "DestinationIpv6CidrBlock");
        it_str(t->routes[i].gateway_id, r, "GatewayId");
        it_str(t->routes[i].nat_gateway_id, r, "NatGatewayId");
        it_str(t->routes[i].state, r, "State");
        it_str(t->routes[i].origin, r, "Origin");
    }
    check_tags(t->tags, t->n_tags, e);
}

static void check_permissions(const struct ec2_ip_permission *p, size_t n, const json_t *e,
                              const char *key)
{
    assert_int_equal(n, it_len(e, key));
    for (size_t i = 0; i < n; i++) {
        const json_t *pe = it_at(e, key, i);
        it_str(p[i].ip_protocol, pe, "IpProtocol");
        assert_int_equal(p[i].has_ports, json_object_get(pe, "FromPort") != NULL);
        it_int(p[i].from_port, pe, "FromPort", 0);
        it_int(p[i].to_port, pe, "ToPort", 0);
        assert_int_equal(p[i].n_ip_ranges, it_len(pe, "IpRanges"));
        for (size_t j = 0; j < p[i].n_ip_ranges; j++) {
            it_str(p[i].ip_ranges[j].cidr, it_at(pe, "IpRanges", j), "CidrIp");
            it_str(p[i].ip_ranges[j].description, it_at(pe, "IpRanges", j), "Description");
        }
        assert_int_equal(p[i].n_ipv6_ranges, it_len(pe, "Ipv6Ranges"));
        for (size_t j = 0; j < p[i].n_ipv6_ranges; j++) {
            it_str(p[i].ipv6_ranges[j].cidr, it_at(pe, "Ipv6Ranges", j), "CidrIpv6");
            it_str(p[i].ipv6_ranges[j].description, it_at(pe, "Ipv6Ranges", j), "Description");
        }
        assert_int_equal(p[i].n_groups, it_len(pe, "UserIdGroupPairs"));
        for (size_t j = 0; j < p[i].n_groups; j++) {
            const json_t *g = it_at(pe, "UserIdGroupPairs", j);
            it_str(p[i].groups[j].group_id, g, "GroupId");
            it_str(p[i].groups[j].group_name, g, "GroupName");
            it_str(p[i].groups[j].user_id, g, "UserId");
            it_str(p[i].groups[j].vpc_id, g, "VpcId");
            it_str(p[i].groups[j].description, g, "Description");
        }
        assert_int_equal(p[i].n_prefix_list_ids, it_len(pe, "PrefixListIds"));
        for (size_t j = 0; j < p[i].n_prefix_list_ids; j++)
            it_str(p[i].prefix_list_ids[j], it_at(pe, "PrefixListIds", j), "PrefixListId");
    }
}

static void check_security_group(const struct ec2_security_group *g, const json_t *e)
{
    it_str(g->group_id, e, "GroupId");
    it_str(g->group_name, e, "GroupName");
    it_str(g->description, e, "Description");
    it_str(g->vpc_id, e, "VpcId");
    it_str(g->owner_id, e, "OwnerId");
    it_str(g->arn, e, "SecurityGroupArn");
    check_permissions(g->ingress, g->n_ingress, e, "IpPermissions");
    check_permissions(g->egress, g->n_egress, e, "IpPermissionsEgress");
    check_tags(g->tags, g->n_tags, e);
}

static void test_responses_vpcs(void **state)
{
    (void)state;
    const char *creates[] = {"create_vpc", "create_vpc_awsdoc"};
    for (size_t i = 0; i < N(creates); i++) {
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        json_t *exp = it_xml_ok("ec2", creates[i], "CreateVpc", true, &doc, &res, rid);
        struct ec2_create_vpc_out *o = mem_xcalloc(1, sizeof(*o));
        assert_int_equal(ec2_parse_create_vpc(res, o), 0);
        check_vpc(&o->vpc, json_object_get(json_object_get(exp, "parsed"), "Vpc"));
        ec2_create_vpc_out_free(o);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
    const char *lists[] = {"describe_vpcs", "describe_vpcs_next_token"};
    for (size_t i = 0; i < N(lists); i++) {
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        json_t *exp = it_xml_ok("ec2", lists[i], "DescribeVpcs", true, &doc, &res, rid);
        const json_t *p = json_object_get(exp, "parsed");
        struct ec2_vpc_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(ec2_parse_vpcs(res, l), 0);
        assert_int_equal(l->n, it_len(p, "Vpcs"));
        assert_true(l->n > 0);
        for (size_t k = 0; k < l->n; k++)
            check_vpc(&l->items[k], it_at(p, "Vpcs", k));
        /* a second page appends */
        assert_int_equal(ec2_parse_vpcs(res, l), 0);
        assert_int_equal(l->n, 2 * it_len(p, "Vpcs"));
        check_vpc(&l->items[l->n - 1], it_at(p, "Vpcs", it_len(p, "Vpcs") - 1));
        ec2_vpc_list_free(l);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
    /* the crafted page: tag without a value reads as "", two CIDRs */
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    json_t *exp =
        it_xml_ok("ec2", "describe_vpcs_next_token", "DescribeVpcs", true, &doc, &res, rid);
    struct ec2_vpc_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(ec2_parse_vpcs(res, l), 0);
    assert_string_equal(ec2_tag_get(l->items[0].tags, l->items[0].n_tags, "empty"), "");
    assert_string_equal(ec2_tag_get(l->items[0].tags, l->items[0].n_tags, "elcui:stack"), "app-4");
    assert_null(ec2_tag_get(l->items[0].tags, l->items[0].n_tags, "nope"));
    assert_string_equal(l->items[0].cidr_blocks[1], "10.99.0.0/24");
    assert_true(l->items[1].is_default);
    ec2_vpc_list_free(l);
    xmlFreeDoc(doc);
    json_decref(exp);

    exp = it_xml_ok("ec2", "describe_vpc_attribute", "DescribeVpcAttribute", true, &doc, &res, rid);
    struct ec2_vpc_attribute_out *a = mem_xcalloc(1, sizeof(*a));
    assert_int_equal(ec2_parse_vpc_attribute(res, EC2_VPC_ENABLE_DNS_HOSTNAMES, a), 0);
    const json_t *p = json_object_get(exp, "parsed");
    it_str(a->vpc_id, p, "VpcId");
    assert_true(a->has_value);
    it_bool(a->value, json_object_get(p, "EnableDnsHostnames"), "Value", false);
    ec2_vpc_attribute_out_free(a);
    /* asking the parser for the other attribute finds none */
    a = mem_xcalloc(1, sizeof(*a));
    assert_int_equal(ec2_parse_vpc_attribute(res, EC2_VPC_ENABLE_DNS_SUPPORT, a), 0);
    assert_false(a->has_value);
    ec2_vpc_attribute_out_free(a);
    xmlFreeDoc(doc);
    json_decref(exp);
}

static void test_responses_azs_subnets(void **state)
{
    (void)state;
    const char *azs[] = {"describe_availability_zones", "describe_availability_zones_awsdoc"};
    for (size_t i = 0; i < N(azs); i++) {
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        json_t *exp = it_xml_ok("ec2", azs[i], "DescribeAvailabilityZones", true, &doc, &res, rid);
        const json_t *p = json_object_get(exp, "parsed");
        struct ec2_availability_zone_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(ec2_parse_availability_zones(res, l), 0);
        assert_int_equal(l->n, it_len(p, "AvailabilityZones"));
        assert_true(l->n >= 3);
        for (size_t k = 0; k < l->n; k++) {
            const json_t *e = it_at(p, "AvailabilityZones", k);
            it_str(l->items[k].zone_name, e, "ZoneName");
            it_str(l->items[k].zone_id, e, "ZoneId");
            it_str(l->items[k].state, e, "State");
            it_str(l->items[k].region_name, e, "RegionName");
            it_str(l->items[k].zone_type, e, "ZoneType");
            it_str(l->items[k].opt_in_status, e, "OptInStatus");
            it_str(l->items[k].group_name, e, "GroupName");
            it_str(l->items[k].network_border_group, e, "NetworkBorderGroup");
        }
        ec2_availability_zone_list_free(l);
        xmlFreeDoc(doc);
        json_decref(exp);
    }

    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    json_t *exp = it_xml_ok("ec2", "create_subnet", "CreateSubnet", true, &doc, &res, rid);
    struct ec2_create_subnet_out *cs = mem_xcalloc(1, sizeof(*cs));
    assert_int_equal(ec2_parse_create_subnet(res, cs), 0);
    check_subnet(&cs->subnet, json_object_get(json_object_get(exp, "parsed"), "Subnet"));
    ec2_create_subnet_out_free(cs);
    xmlFreeDoc(doc);
    json_decref(exp);

    exp = it_xml_ok("ec2", "describe_subnets_page", "DescribeSubnets", true, &doc, &res, rid);
    const json_t *p = json_object_get(exp, "parsed");
    struct ec2_subnet_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(ec2_parse_subnets(res, l), 0);
    assert_int_equal(l->n, it_len(p, "Subnets"));
    for (size_t k = 0; k < l->n; k++)
        check_subnet(&l->items[k], it_at(p, "Subnets", k));
    ec2_subnet_list_free(l);
    xmlFreeDoc(doc);
    json_decref(exp);
}

static void test_responses_route_tables(void **state)
{
    (void)state;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    json_t *exp = it_xml_ok("ec2", "create_route_table", "CreateRouteTable", true, &doc, &res, rid);
    struct ec2_create_route_table_out *o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(ec2_parse_create_route_table(res, o), 0);
    check_route_table(&o->route_table,
                      json_object_get(json_object_get(exp, "parsed"), "RouteTable"));
    ec2_create_route_table_out_free(o);
    xmlFreeDoc(doc);
    json_decref(exp);

    const char *lists[] = {"describe_route_tables", "describe_route_tables_awsdoc"};
    for (size_t i = 0; i < N(lists); i++) {
        exp = it_xml_ok("ec2", lists[i], "DescribeRouteTables", true, &doc, &res, rid);
        const json_t *p = json_object_get(exp, "parsed");
        struct ec2_route_table_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(ec2_parse_route_tables(res, l), 0);
        assert_int_equal(l->n, it_len(p, "RouteTables"));
        for (size_t k = 0; k < l->n; k++)
            check_route_table(&l->items[k], it_at(p, "RouteTables", k));
        ec2_route_table_list_free(l);
        xmlFreeDoc(doc);
        json_decref(exp);
    }

    exp = it_xml_ok("ec2", "associate_route_table", "AssociateRouteTable", true, &doc, &res, rid);
    struct ec2_associate_route_table_out *a = mem_xcalloc(1, sizeof(*a));
    assert_int_equal(ec2_parse_associate_route_table(res, a), 0);
    const json_t *p = json_object_get(exp, "parsed");
    it_str(a->association_id, p, "AssociationId");
    it_str(a->state, json_object_get(p, "AssociationState"), "State");
    ec2_associate_route_table_out_free(a);
    xmlFreeDoc(doc);
    json_decref(exp);
}

/* The rules an Authorize (SecurityGroupRules) or Revoke
 * (RevokedSecurityGroupRules) answer lists. */
static void check_rules(const struct ec2_security_group_ingress_out *o, const json_t *p,
                        const char *key)
{
    assert_int_equal(o->n_rules, it_len(p, key));
    for (size_t k = 0; k < o->n_rules; k++) {
        const struct ec2_security_group_rule *r = &o->rules[k];
        const json_t *e = it_at(p, key, k);
        it_str(r->rule_id, e, "SecurityGroupRuleId");
        it_str(r->group_id, e, "GroupId");
        it_bool(r->is_egress, e, "IsEgress", false);
        it_str(r->ip_protocol, e, "IpProtocol");
        it_int(r->from_port, e, "FromPort", 0);
        it_int(r->to_port, e, "ToPort", 0);
        it_str(r->cidr_ipv4, e, "CidrIpv4");
        it_str(r->cidr_ipv6, e, "CidrIpv6");
        const json_t *ref = json_object_get(e, "ReferencedGroupInfo");
        it_str(r->referenced_group_id, ref ? ref : e, ref ? "GroupId" : "ReferencedGroupId");
        it_str(r->description, e, "Description");
    }
}

static void test_responses_security_groups(void **state)
{
    (void)state;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    json_t *exp =
        it_xml_ok("ec2", "create_security_group", "CreateSecurityGroup", true, &doc, &res, rid);
    struct ec2_create_security_group_out *o = mem_xcalloc(1, sizeof(*o));
    assert_int_equal(ec2_parse_create_security_group(res, o), 0);
    const json_t *p = json_object_get(exp, "parsed");
    it_str(o->group_id, p, "GroupId");
    it_str(o->arn, p, "SecurityGroupArn");
    check_tags(o->tags, o->n_tags, p);
    ec2_create_security_group_out_free(o);
    xmlFreeDoc(doc);
    json_decref(exp);

    exp = it_xml_ok("ec2", "authorize_security_group_ingress", "AuthorizeSecurityGroupIngress",
                    true, &doc, &res, rid);
    p = json_object_get(exp, "parsed");
    struct ec2_security_group_ingress_out *ing = mem_xcalloc(1, sizeof(*ing));
    assert_int_equal(ec2_parse_security_group_ingress(res, ing), 0);
    it_bool(ing->ret, p, "Return", true);
    check_rules(ing, p, "SecurityGroupRules");
    ec2_security_group_ingress_out_free(ing);
    xmlFreeDoc(doc);
    json_decref(exp);

    /* RevokeSecurityGroupEgress: moto's bare answer, and the documented
     * one with the revoked rules and the rules the group did not have */
    const char *revokes[] = {"revoke_security_group_egress", "revoke_security_group_egress_awsdoc"};
    for (size_t i = 0; i < N(revokes); i++) {
        exp = it_xml_ok("ec2", revokes[i], "RevokeSecurityGroupEgress", true, &doc, &res, rid);
        p = json_object_get(exp, "parsed");
        ing = mem_xcalloc(1, sizeof(*ing));
        assert_int_equal(ec2_parse_security_group_ingress(res, ing), 0);
        it_bool(ing->ret, p, "Return", true);
        check_rules(ing, p, "RevokedSecurityGroupRules");
        check_permissions(ing->unknown, ing->n_unknown, p, "UnknownIpPermissions");
        if (i == 1) {
            assert_int_equal(ing->n_rules, 2);
            assert_int_equal(ing->n_unknown, 1);
            assert_string_equal(ing->unknown[0].ip_ranges[0].cidr, "10.20.32.2/32");
        }
        ec2_security_group_ingress_out_free(ing);
        xmlFreeDoc(doc);
        json_decref(exp);
    }

    const char *lists[] = {"describe_security_groups", "describe_security_groups_awsdoc"};
    for (size_t i = 0; i < N(lists); i++) {
        exp = it_xml_ok("ec2", lists[i], "DescribeSecurityGroups", true, &doc, &res, rid);
        p = json_object_get(exp, "parsed");
        struct ec2_security_group_list *l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(ec2_parse_security_groups(res, l), 0);
        assert_int_equal(l->n, it_len(p, "SecurityGroups"));
        assert_true(l->n > 0);
        for (size_t k = 0; k < l->n; k++)
            check_security_group(&l->items[k], it_at(p, "SecurityGroups", k));
        ec2_security_group_list_free(l);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
}

static void test_responses_results(void **state)
{
    (void)state;
    const char *names[] = {
        "modify_vpc_attribute",  "create_tags",   "create_tags_awsdoc", "delete_route_table",
        "delete_security_group", "delete_subnet", "delete_vpc",         "disassociate_route_table"};
    const char *ops[] = {
        "ModifyVpcAttribute",  "CreateTags",   "CreateTags", "DeleteRouteTable",
        "DeleteSecurityGroup", "DeleteSubnet", "DeleteVpc",  "DisassociateRouteTable"};
    for (size_t i = 0; i < N(names); i++) {
        xmlDoc *doc;
        xmlNode *res;
        char rid[96];
        json_t *exp = it_xml_ok("ec2", names[i], ops[i], true, &doc, &res, rid);
        struct ec2_result r = {{0}, false};
        assert_int_equal(ec2_parse_result(res, &r), 0);
        assert_true(r.ret);
        xmlFreeDoc(doc);
        json_decref(exp);
    }
}

static void test_errors(void **state)
{
    (void)state;
    const char *const names[] = {
        "err_delete_vpc_not_found",    "err_delete_vpc_dependency",
        "err_delete_vpc_awsdoc",       "err_authorize_security_group_ingress_duplicate",
        "err_describe_vpcs_throttled", "err_revoke_security_group_egress_not_found"};
    const char *const ops[] = {"DeleteVpc",    "DeleteVpc",
                               "DeleteVpc",    "AuthorizeSecurityGroupIngress",
                               "DescribeVpcs", "RevokeSecurityGroupEgress"};
    it_xml_errors("ec2", names, ops, N(names), true);
}

/* ---- malformed, truncated, hostile ---- */

struct feed {
    const char *op;
    int which;
};

static int feed_xml(const char *body, size_t len, void *arg)
{
    const struct feed *f = arg;
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    int rc = query_parse(body, len, 200, f->op, true, &doc, &res, rid, sizeof(rid), &err);
    if (rc != 0) {
        assert_true(err.kind == AWS_ERR_PARSE || err.kind == AWS_ERR_SERVICE);
        assert_non_null(err.message);
        aws_error_clear(&err);
        return -1;
    }
    switch (f->which) {
    case 0: {
        struct ec2_vpc_list *l = mem_xcalloc(1, sizeof(*l));
        rc = ec2_parse_vpcs(res, l);
        ec2_vpc_list_free(l);
        break;
    }
    case 1: {
        struct ec2_security_group_list *l = mem_xcalloc(1, sizeof(*l));
        rc = ec2_parse_security_groups(res, l);
        ec2_security_group_list_free(l);
        break;
    }
    case 2: {
        struct ec2_route_table_list *l = mem_xcalloc(1, sizeof(*l));
        rc = ec2_parse_route_tables(res, l);
        ec2_route_table_list_free(l);
        break;
    }
    case 3: {
        struct ec2_create_vpc_out *o = mem_xcalloc(1, sizeof(*o));
        rc = ec2_parse_create_vpc(res, o);
        ec2_create_vpc_out_free(o);
        break;
    }
    default: {
        struct ec2_subnet_list *l = mem_xcalloc(1, sizeof(*l));
        rc = ec2_parse_subnets(res, l);
        ec2_subnet_list_free(l);
        break;
    }
    }
    xmlFreeDoc(doc);
    return rc;
}

static void test_truncated(void **state)
{
    (void)state;
    const char *files[] = {"describe_vpcs_next_token.xml", "describe_security_groups_awsdoc.xml",
                           "describe_route_tables_awsdoc.xml", "create_vpc_awsdoc.xml",
                           "describe_subnets_page.xml"};
    const char *ops[] = {"DescribeVpcs", "DescribeSecurityGroups", "DescribeRouteTables",
                         "CreateVpc", "DescribeSubnets"};
    for (size_t i = 0; i < N(files); i++) {
        size_t len;
        char *body = it_read("ec2", files[i], &len);
        while (len && (body[len - 1] == '\n' || body[len - 1] == ' '))
            body[--len] = '\0';
        struct feed f = {ops[i], (int)i};
        /* no strict prefix of an XML document is well-formed */
        assert_int_equal(it_truncations(body, len, feed_xml, &f), 0);
        assert_int_equal(feed_xml(body, len, &f), 0);
        free(body);
    }
}

static void test_hostile(void **state)
{
    (void)state;
    struct feed vpcs = {"DescribeVpcs", 0};
    /* wrong shapes: text where lists are, nested garbage, absurd numbers */
    const char *b1 = "<DescribeVpcsResponse><vpcSet>just text</vpcSet></DescribeVpcsResponse>";
    assert_int_equal(feed_xml(b1, strlen(b1), &vpcs), 0);
    const char *b2 = "<DescribeVpcsResponse><vpcSet><item><vpcId><b>x</b>y</vpcId><isDefault>"
                     "maybe</isDefault><tagSet><item/><item><key/></item></tagSet>"
                     "<cidrBlockAssociationSet><item/></cidrBlockAssociationSet></item>"
                     "</vpcSet></DescribeVpcsResponse>";
    xmlDoc *doc;
    xmlNode *res;
    char rid[96];
    struct aws_error err;
    aws_error_init(&err);
    assert_int_equal(
        query_parse(b2, strlen(b2), 200, "DescribeVpcs", true, &doc, &res, rid, sizeof(rid), &err),
        0);
    struct ec2_vpc_list *l = mem_xcalloc(1, sizeof(*l));
    assert_int_equal(ec2_parse_vpcs(res, l), 0);
    assert_int_equal(l->n, 1);
    assert_string_equal(l->items[0].vpc_id, "xy");
    assert_false(l->items[0].is_default);
    assert_int_equal(l->items[0].n_tags, 2);
    assert_string_equal(l->items[0].tags[0].key, "");
    assert_int_equal(l->items[0].n_cidr_blocks, 0);
    ec2_vpc_list_free(l);
    xmlFreeDoc(doc);

    struct feed sgs = {"DescribeSecurityGroups", 1};
    const char *b3 = "<DescribeSecurityGroupsResponse><securityGroupInfo><item><"
                     "ipPermissions><item>"
                     "<fromPort>99999999999999999999</fromPort><toPort>-7</"
                     "toPort><ipRanges><item><x/></item>"
                     "</ipRanges><groups><item/></groups><prefixListIds><item/></"
                     "prefixListIds></item>"
                     "</ipPermissions></item></securityGroupInfo></"
                     "DescribeSecurityGroupsResponse>";
    assert_int_equal(feed_xml(b3, strlen(b3), &sgs), 0);
    /* missing required parts: CreateVpc without <vpc> is an error, not a crash */
    struct feed cv = {"CreateVpc", 3};
    const char *b4 = "<CreateVpcResponse><requestId>r</requestId></CreateVpcResponse>";
    assert_int_equal(feed_xml(b4, strlen(b4), &cv), -1);
    const char *b5 = "<CreateVpcResponse><vpc><state>pending</state></vpc></"
                     "CreateVpcResponse>";
    assert_int_equal(feed_xml(b5, strlen(b5), &cv), -1);
    /* entity expansion must not blow up (libxml2 without NOENT) */
    const char *b6 = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
                     "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                     "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                     "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
                     "<DescribeVpcsResponse><vpcSet><item><vpcId>&d;</vpcId></item></vpcSet>"
                     "</DescribeVpcsResponse>";
    feed_xml(b6, strlen(b6), &vpcs);
    /* external entities are never fetched */
    const char *b7 = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                     "\"file:///etc/passwd\">]><DescribeVpcsResponse><vpcSet><item><vpcId>&x;"
                     "</vpcId></item></vpcSet></DescribeVpcsResponse>";
    aws_error_init(&err);
    if (query_parse(b7, strlen(b7), 200, "DescribeVpcs", true, &doc, &res, rid, sizeof(rid),
                    &err) == 0) {
        l = mem_xcalloc(1, sizeof(*l));
        assert_int_equal(ec2_parse_vpcs(res, l), 0);
        if (l->n)
            assert_null(strstr(l->items[0].vpc_id ? l->items[0].vpc_id : "", "root:"));
        ec2_vpc_list_free(l);
        xmlFreeDoc(doc);
    } else {
        aws_error_clear(&err);
    }
    /* deep nesting */
    size_t depth = 5000;
    char *deep = mem_xmalloc(depth * 7 + 200);
    size_t n = 0;
    n += (size_t)snprintf(deep + n, 64, "<DescribeVpcsResponse><vpcSet><item><vpcId>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(deep + n, 8, "<a>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(deep + n, 8, "</a>");
    n += (size_t)snprintf(deep + n, 64, "</vpcId></item></vpcSet></DescribeVpcsResponse>");
    feed_xml(deep, n, &vpcs);
    free(deep);
    /* NULL result nodes */
    assert_int_equal(ec2_parse_vpcs(NULL, NULL), -1);
    assert_int_equal(ec2_parse_result(NULL, NULL), -1);
}

/* ---- end to end: the sandbox (moto with SigV4 checked) ---- */

IE_CB(cb_azs, struct ec2_availability_zone_list)
IE_CB(cb_vpc, struct ec2_create_vpc_out)
IE_CB(cb_vpcs, struct ec2_vpc_list)
IE_CB(cb_result, struct ec2_result)
IE_CB(cb_attr, struct ec2_vpc_attribute_out)
IE_CB(cb_subnet, struct ec2_create_subnet_out)
IE_CB(cb_subnets, struct ec2_subnet_list)
IE_CB(cb_rt, struct ec2_create_route_table_out)
IE_CB(cb_assoc, struct ec2_associate_route_table_out)
IE_CB(cb_rts, struct ec2_route_table_list)
IE_CB(cb_sg, struct ec2_create_security_group_out)
IE_CB(cb_ingress, struct ec2_security_group_ingress_out)
IE_CB(cb_sgs, struct ec2_security_group_list)

/* The seed's network, created, read back, changed and deleted through the
 * whole transport (signing checked by the sandbox). */
static void test_e2e_network(void **state)
{
    (void)state;
    struct e2e *x = &e2e_sb;
    struct ie_res r = {0};
    ie_reset(&r);

    const char *available[] = {"available"};
    struct ec2_filter az_f[] = {{"state", available, 1}};
    struct ec2_describe_availability_zones_in azin = {.filters = az_f, .n_filters = 1};
    ie_wait(x, ec2_describe_availability_zones(x->c, &azin, cb_azs, &r), &r, "AZs");
    ie_ok(&r, "DescribeAvailabilityZones");
    struct ec2_availability_zone_list *azs = r.out;
    assert_true(azs->n >= 3);
    char az[3][32];
    for (int i = 0; i < 3; i++) {
        assert_string_equal(azs->items[i].region_name, x->region);
        snprintf(az[i], sizeof(az[i]), "%s", azs->items[i].zone_name);
    }
    ec2_availability_zone_list_free(azs);

    /* a stack name made for this run: nothing else in the sandbox has it */
    char stack[32];
    e2e_stack_name(stack, false);
    struct ec2_tag_in tags[] = {{"elcui:stack", stack}, {"Name", "app-4"}};
    ie_reset(&r);
    struct ec2_create_vpc_in cv = {.cidr_block = "10.20.32.0/25", .tags = tags, .n_tags = 2};
    ie_wait(x, ec2_create_vpc(x->c, &cv, cb_vpc, &r), &r, "CreateVpc");
    ie_ok(&r, "CreateVpc");
    struct ec2_create_vpc_out *vpc = r.out;
    assert_true(strncmp(vpc->vpc.vpc_id, "vpc-", 4) == 0);
    assert_string_equal(vpc->vpc.cidr_block, "10.20.32.0/25");
    assert_string_equal(ec2_tag_get(vpc->vpc.tags, vpc->vpc.n_tags, "elcui:stack"), stack);
    assert_true(vpc->request_id[0] != '\0');
    char vpc_id[64];
    snprintf(vpc_id, sizeof(vpc_id), "%s", vpc->vpc.vpc_id);
    ec2_create_vpc_out_free(vpc);

    struct ec2_modify_vpc_attribute_in m1 = {
        .vpc_id = vpc_id, .has_enable_dns_support = true, .enable_dns_support = true};
    struct ec2_modify_vpc_attribute_in m2 = {
        .vpc_id = vpc_id, .has_enable_dns_hostnames = true, .enable_dns_hostnames = true};
    ie_reset(&r);
    ie_wait(x, ec2_modify_vpc_attribute(x->c, &m1, cb_result, &r), &r, "ModifyVpcAttribute");
    ie_ok(&r, "ModifyVpcAttribute");
    assert_true(((struct ec2_result *)r.out)->ret);
    ec2_result_free(r.out);
    ie_reset(&r);
    ie_wait(x, ec2_modify_vpc_attribute(x->c, &m2, cb_result, &r), &r, "ModifyVpcAttribute");
    ie_ok(&r, "ModifyVpcAttribute");
    ec2_result_free(r.out);
    struct ec2_describe_vpc_attribute_in da = {vpc_id, EC2_VPC_ENABLE_DNS_HOSTNAMES};
    ie_reset(&r);
    ie_wait(x, ec2_describe_vpc_attribute(x->c, &da, cb_attr, &r), &r, "DescribeVpcAttribute");
    ie_ok(&r, "DescribeVpcAttribute");
    struct ec2_vpc_attribute_out *attr = r.out;
    assert_true(attr->has_value);
    assert_true(attr->value);
    assert_string_equal(attr->vpc_id, vpc_id);
    ec2_vpc_attribute_out_free(attr);

    const char *stack_v[] = {stack};
    struct ec2_filter by_tag[] = {{"tag:elcui:stack", stack_v, 1}};
    struct ec2_describe_vpcs_in dv = {.filters = by_tag, .n_filters = 1, .max_results = 5};
    ie_reset(&r);
    ie_wait(x, ec2_describe_vpcs(x->c, &dv, cb_vpcs, &r), &r, "DescribeVpcs");
    ie_ok(&r, "DescribeVpcs");
    struct ec2_vpc_list *vl = r.out;
    assert_int_equal(vl->n, 1);
    assert_string_equal(vl->items[0].vpc_id, vpc_id);
    assert_null(vl->next_token);
    ec2_vpc_list_free(vl);

    /* three private subnets in three AZs, one "public" in the first */
    const char *cidrs[] = {"10.20.32.0/27", "10.20.32.32/27", "10.20.32.64/27", "10.20.32.96/27"};
    char subnet_ids[4][64];
    for (int i = 0; i < 4; i++) {
        struct ec2_create_subnet_in cs = {.vpc_id = vpc_id,
                                          .cidr_block = cidrs[i],
                                          .availability_zone = az[i % 3],
                                          .tags = tags,
                                          .n_tags = 1};
        ie_reset(&r);
        ie_wait(x, ec2_create_subnet(x->c, &cs, cb_subnet, &r), &r, "CreateSubnet");
        ie_ok(&r, "CreateSubnet");
        struct ec2_create_subnet_out *so = r.out;
        assert_string_equal(so->subnet.availability_zone, az[i % 3]);
        assert_string_equal(so->subnet.cidr_block, cidrs[i]);
        assert_string_equal(so->subnet.vpc_id, vpc_id);
        snprintf(subnet_ids[i], sizeof(subnet_ids[i]), "%s", so->subnet.subnet_id);
        ec2_create_subnet_out_free(so);
    }
    const char *vpc_v[] = {vpc_id};
    struct ec2_filter by_vpc[] = {{"vpc-id", vpc_v, 1}};
    struct ec2_describe_subnets_in ds = {.filters = by_vpc, .n_filters = 1};
    ie_reset(&r);
    ie_wait(x, ec2_describe_subnets(x->c, &ds, cb_subnets, &r), &r, "DescribeSubnets");
    ie_ok(&r, "DescribeSubnets");
    struct ec2_subnet_list *sl = r.out;
    assert_int_equal(sl->n, 4);
    ec2_subnet_list_free(sl);
    /* an overlapping CIDR is the service's error, code and all */
    struct ec2_create_subnet_in dup = {
        .vpc_id = vpc_id, .cidr_block = "10.20.32.0/27", .availability_zone = az[0]};
    ie_reset(&r);
    ie_wait(x, ec2_create_subnet(x->c, &dup, cb_subnet, &r), &r, "CreateSubnet");
    ie_err(&r, "InvalidSubnet.Conflict");
    assert_int_equal(r.err.http_status, 400);

    struct ec2_create_route_table_in crt = {.vpc_id = vpc_id, .tags = tags, .n_tags = 1};
    ie_reset(&r);
    ie_wait(x, ec2_create_route_table(x->c, &crt, cb_rt, &r), &r, "CreateRouteTable");
    ie_ok(&r, "CreateRouteTable");
    char rtb[64];
    snprintf(rtb, sizeof(rtb), "%s",
             ((struct ec2_create_route_table_out *)r.out)->route_table.route_table_id);
    ec2_create_route_table_out_free(r.out);
    struct ec2_associate_route_table_in art = {.route_table_id = rtb, .subnet_id = subnet_ids[0]};
    ie_reset(&r);
    ie_wait(x, ec2_associate_route_table(x->c, &art, cb_assoc, &r), &r, "AssociateRouteTable");
    ie_ok(&r, "AssociateRouteTable");
    char assoc[64];
    snprintf(assoc, sizeof(assoc), "%s",
             ((struct ec2_associate_route_table_out *)r.out)->association_id);
    ec2_associate_route_table_out_free(r.out);
    const char *rtb_v[] = {rtb};
    struct ec2_describe_route_tables_in drt = {.route_table_ids = rtb_v, .n_route_table_ids = 1};
    ie_reset(&r);
    ie_wait(x, ec2_describe_route_tables(x->c, &drt, cb_rts, &r), &r, "DescribeRouteTables");
    ie_ok(&r, "DescribeRouteTables");
    struct ec2_route_table_list *rl = r.out;
    assert_int_equal(rl->n, 1);
    assert_int_equal(rl->items[0].n_associations, 1);
    assert_string_equal(rl->items[0].associations[0].subnet_id, subnet_ids[0]);
    assert_string_equal(rl->items[0].associations[0].association_id, assoc);
    assert_true(rl->items[0].n_routes >= 1);
    assert_string_equal(rl->items[0].routes[0].gateway_id, "local");
    ec2_route_table_list_free(rl);

    struct ec2_create_security_group_in csg = {
        .group_name = "app-4-elasticache-sg",
        .description = "Allow inbound to and outbound access from the Amazon ElastiCache cluster.",
        .vpc_id = vpc_id,
        .tags = tags,
        .n_tags = 2};
    ie_reset(&r);
    ie_wait(x, ec2_create_security_group(x->c, &csg, cb_sg, &r), &r, "CreateSecurityGroup");
    ie_ok(&r, "CreateSecurityGroup");
    char sg[64];
    snprintf(sg, sizeof(sg), "%s", ((struct ec2_create_security_group_out *)r.out)->group_id);
    ec2_create_security_group_out_free(r.out);
    ie_reset(&r);
    ie_wait(x, ec2_create_security_group(x->c, &csg, cb_sg, &r), &r, "CreateSecurityGroup");
    ie_err(&r, "InvalidGroup.Duplicate");

    struct ec2_ip_range_in range[] = {{"10.20.32.0/25", "Enable communication to the Amazon "
                                                        "ElastiCache for Redis cluster."}};
    struct ec2_ip_permission_in perm[] = {{.ip_protocol = "tcp",
                                           .has_ports = true,
                                           .from_port = 6379,
                                           .to_port = 6379,
                                           .ip_ranges = range,
                                           .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in ing = {
        .group_id = sg, .permissions = perm, .n_permissions = 1};
    ie_reset(&r);
    ie_wait(x, ec2_authorize_security_group_ingress(x->c, &ing, cb_ingress, &r), &r, "Authorize");
    ie_ok(&r, "AuthorizeSecurityGroupIngress");
    struct ec2_security_group_ingress_out *io = r.out;
    assert_true(io->ret);
    ec2_security_group_ingress_out_free(io);
    ie_reset(&r);
    ie_wait(x, ec2_authorize_security_group_ingress(x->c, &ing, cb_ingress, &r), &r, "Authorize");
    ie_err(&r, "InvalidPermission.Duplicate");

    const char *sg_v[] = {sg};
    struct ec2_describe_security_groups_in dsg = {.group_ids = sg_v, .n_group_ids = 1};
    ie_reset(&r);
    ie_wait(x, ec2_describe_security_groups(x->c, &dsg, cb_sgs, &r), &r, "DescribeSecurityGroups");
    ie_ok(&r, "DescribeSecurityGroups");
    struct ec2_security_group_list *gl = r.out;
    assert_int_equal(gl->n, 1);
    assert_string_equal(gl->items[0].group_name, "app-4-elasticache-sg");
    assert_string_equal(gl->items[0].vpc_id, vpc_id);
    assert_int_equal(gl->items[0].n_ingress, 1);
    assert_string_equal(gl->items[0].ingress[0].ip_protocol, "tcp");
    assert_true(gl->items[0].ingress[0].has_ports);
    assert_int_equal(gl->items[0].ingress[0].from_port, 6379);
    assert_int_equal(gl->items[0].ingress[0].to_port, 6379);
    assert_string_equal(gl->items[0].ingress[0].ip_ranges[0].cidr, "10.20.32.0/25");
    /* the allow-all egress every new group gets */
    assert_int_equal(gl->items[0].n_egress, 1);
    assert_string_equal(gl->items[0].egress[0].ip_protocol, "-1");
    assert_string_equal(gl->items[0].egress[0].ip_ranges[0].cidr, "0.0.0.0/0");
    ec2_security_group_list_free(gl);

    /* that egress rule revoked, as create does for a new VPC's default
     * group; once gone, revoking it again is the service's NotFound */
    struct ec2_ip_range_in anywhere[] = {{"0.0.0.0/0", NULL}};
    struct ec2_ip_permission_in all_out[] = {
        {.ip_protocol = "-1", .ip_ranges = anywhere, .n_ip_ranges = 1}};
    struct ec2_security_group_ingress_in egress = {
        .group_id = sg, .permissions = all_out, .n_permissions = 1};
    ie_reset(&r);
    ie_wait(x, ec2_revoke_security_group_egress(x->c, &egress, cb_ingress, &r), &r,
            "Revoke egress");
    ie_ok(&r, "RevokeSecurityGroupEgress");
    io = r.out;
    assert_true(io->ret);
    assert_int_equal(io->n_unknown, 0);
    ec2_security_group_ingress_out_free(io);
    ie_reset(&r);
    ie_wait(x, ec2_describe_security_groups(x->c, &dsg, cb_sgs, &r), &r, "DescribeSecurityGroups");
    ie_ok(&r, "DescribeSecurityGroups");
    gl = r.out;
    assert_int_equal(gl->items[0].n_egress, 0);
    assert_int_equal(gl->items[0].n_ingress, 1); /* ingress untouched */
    ec2_security_group_list_free(gl);
    ie_reset(&r);
    ie_wait(x, ec2_revoke_security_group_egress(x->c, &egress, cb_ingress, &r), &r,
            "Revoke egress");
    ie_err(&r, "InvalidPermission.NotFound");
    assert_string_equal(r.err.operation, "RevokeSecurityGroupEgress");

    const char *res_v[] = {vpc_id, sg};
    struct ec2_tag_in owner[] = {{"Owner", "ops team"}};
    struct ec2_create_tags_in ct = {
        .resource_ids = res_v, .n_resource_ids = 2, .tags = owner, .n_tags = 1};
    ie_reset(&r);
    ie_wait(x, ec2_create_tags(x->c, &ct, cb_result, &r), &r, "CreateTags");
    ie_ok(&r, "CreateTags");
    ec2_result_free(r.out);
    const char *owner_v[] = {"ops team"};
    struct ec2_filter by_owner[] = {{"tag:Owner", owner_v, 1}, {"tag:elcui:stack", stack_v, 1}};
    struct ec2_describe_security_groups_in dsg2 = {.filters = by_owner, .n_filters = 2};
    ie_reset(&r);
    ie_wait(x, ec2_describe_security_groups(x->c, &dsg2, cb_sgs, &r), &r, "DescribeSecurityGroups");
    ie_ok(&r, "DescribeSecurityGroups");
    gl = r.out;
    assert_int_equal(gl->n, 1);
    assert_string_equal(ec2_tag_get(gl->items[0].tags, gl->items[0].n_tags, "Owner"), "ops team");
    ec2_security_group_list_free(gl);

    /* a VPC with dependents cannot go */
    struct ec2_delete_vpc_in dvpc = {vpc_id};
    ie_reset(&r);
    ie_wait(x, ec2_delete_vpc(x->c, &dvpc, cb_result, &r), &r, "DeleteVpc");
    ie_err(&r, "DependencyViolation");

    /* teardown in the reverse order */
    struct ec2_disassociate_route_table_in dis = {assoc};
    ie_reset(&r);
    ie_wait(x, ec2_disassociate_route_table(x->c, &dis, cb_result, &r), &r, "Disassociate");
    ie_ok(&r, "DisassociateRouteTable");
    ec2_result_free(r.out);
    struct ec2_delete_route_table_in drt2 = {rtb};
    ie_reset(&r);
    ie_wait(x, ec2_delete_route_table(x->c, &drt2, cb_result, &r), &r, "DeleteRouteTable");
    ie_ok(&r, "DeleteRouteTable");
    ec2_result_free(r.out);
    struct ec2_security_group_ingress_in rev = ing;
    ie_reset(&r);
    ie_wait(x, ec2_revoke_security_group_ingress(x->c, &rev, cb_ingress, &r), &r, "Revoke");
    ie_ok(&r, "RevokeSecurityGroupIngress");
    ec2_security_group_ingress_out_free(r.out);
    struct ec2_delete_security_group_in dsgi = {sg};
    ie_reset(&r);
    ie_wait(x, ec2_delete_security_group(x->c, &dsgi, cb_result, &r), &r, "DeleteSecurityGroup");
    ie_ok(&r, "DeleteSecurityGroup");
    ec2_result_free(r.out);
    for (int i = 0; i < 4; i++) {
        struct ec2_delete_subnet_in dsub = {subnet_ids[i]};
        ie_reset(&r);
        ie_wait(x, ec2_delete_subnet(x->c, &dsub, cb_result, &r), &r, "DeleteSubnet");
        ie_ok(&r, "DeleteSubnet");
        ec2_result_free(r.out);
    }
    ie_reset(&r);
    ie_wait(x, ec2_delete_vpc(x->c, &dvpc, cb_result, &r), &r, "DeleteVpc");
    ie_ok(&r, "DeleteVpc");
    ec2_result_free(r.out);
    ie_reset(&r);
    ie_wait(x, ec2_delete_vpc(x->c, &dvpc, cb_result, &r), &r, "DeleteVpc");
    ie_err(&r, "InvalidVpcID.NotFound");
    assert_true(r.err.request_id[0] != '\0');
    ie_reset(&r);
}

/* ---- end to end: NextToken paging against a scripted server ---- */

struct pager {
    int mode; /* 0: three pages; 1: the same token for ever; 2: page 2 fails */
    int requests;
    bool filter_every_page;
    char tokens[4][32];
};

static int cancel_after; /* cancel the call once this many pages were served */
static struct aws_call *cancel_call;

static void pager_handler(struct srv *s, const struct srv_req *req, struct srv_resp *resp,
                          void *arg)
{
    (void)s;
    struct pager *p = arg;
    if (cancel_after && p->requests == cancel_after && cancel_call) {
        aws_call_cancel(cancel_call);
        cancel_call = NULL;
    }
    struct query_params *q = query_decode(req->body, req->body_len);
    const char *tok = query_get(q, "NextToken");
    const char *f = query_get(q, "Filter.1.Value.1");
    if (!f || strcmp(f, "app-4") != 0 || strcmp(query_get(q, "Action"), "DescribeVpcs") != 0)
        p->filter_every_page = false;
    int page = !tok ? 1 : strcmp(tok, "t2") == 0 ? 2 : strcmp(tok, "t3") == 0 ? 3 : 9;
    snprintf(p->tokens[p->requests < 4 ? p->requests : 3], 32, "%s", tok ? tok : "-");
    p->requests++;
    query_params_free(q);
    static char body[1024];
    resp->action = SRV_RESPOND;
    resp->headers = "Content-Type: text/xml\r\n";
    if (p->mode == 2 && page == 2) {
        resp->status = 400;
        resp->body = "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad "
                     "token</Message></Error></Errors><RequestID>rid-err</RequestID></Response>";
        return;
    }
    const char *next = p->mode == 1 ? "same" : page == 1 ? "t2" : page == 2 ? "t3" : NULL;
    snprintf(body, sizeof(body),
             "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
             "<requestId>rid-%d</requestId><vpcSet><item><vpcId>vpc-p%d</vpcId></item>"
             "<item><vpcId>vpc-q%d</vpcId></item></vpcSet>%s%s%s</DescribeVpcsResponse>",
             page, page, page, next ? "<nextToken>" : "", next ? next : "",
             next ? "</nextToken>" : "");
    resp->status = 200;
    resp->body = body;
}

static void test_e2e_paging(void **state)
{
    (void)state;
    struct pager p = {.filter_every_page = true};
    struct e2e x;
    e2e_local_start(&x, pager_handler, &p);
    const char *stack_v[] = {"app-4"};
    struct ec2_filter f[] = {{"tag:elcui:stack", stack_v, 1}};
    struct ec2_describe_vpcs_in in = {.filters = f, .n_filters = 1, .max_results = 5};
    struct ie_res r = {0};
    ie_reset(&r);
    ie_wait(&x, ec2_describe_vpcs(x.c, &in, cb_vpcs, &r), &r, "three pages");
    ie_ok(&r, "DescribeVpcs");
    struct ec2_vpc_list *l = r.out;
    assert_int_equal(l->n, 6);
    assert_string_equal(l->items[0].vpc_id, "vpc-p1");
    assert_string_equal(l->items[5].vpc_id, "vpc-q3");
    assert_null(l->next_token);
    assert_string_equal(l->request_id, "rid-3");
    ec2_vpc_list_free(l);
    assert_int_equal(p.requests, 3);
    assert_true(p.filter_every_page);
    assert_string_equal(p.tokens[1], "t2");
    assert_string_equal(p.tokens[2], "t3");

    /* max_pages: stop early and hand back where to resume */
    p.requests = 0;
    in.max_pages = 2;
    ie_reset(&r);
    ie_wait(&x, ec2_describe_vpcs(x.c, &in, cb_vpcs, &r), &r, "two pages");
    ie_ok(&r, "DescribeVpcs");
    l = r.out;
    assert_int_equal(l->n, 4);
    assert_string_equal(l->next_token, "t3");
    ec2_vpc_list_free(l);
    assert_int_equal(p.requests, 2);
    /* ... and resume from it */
    p.requests = 0;
    in.max_pages = 0;
    in.next_token = "t3";
    ie_reset(&r);
    ie_wait(&x, ec2_describe_vpcs(x.c, &in, cb_vpcs, &r), &r, "resume");
    ie_ok(&r, "DescribeVpcs");
    l = r.out;
    assert_int_equal(l->n, 2);
    assert_string_equal(l->items[0].vpc_id, "vpc-p3");
    ec2_vpc_list_free(l);
    assert_int_equal(p.requests, 1);
    assert_string_equal(p.tokens[0], "t3");

    /* a server repeating its token is a loop, not a hang */
    p.mode = 1;
    p.requests = 0;
    in.next_token = NULL;
    ie_reset(&r);
    ie_wait(&x, ec2_describe_vpcs(x.c, &in, cb_vpcs, &r), &r, "token loop");
    assert_null(r.out);
    assert_int_equal(r.err.kind, AWS_ERR_PARSE);
    assert_non_null(strstr(r.err.message, "NextToken"));
    assert_int_equal(p.requests, 2);

    /* an error on page 2: the error, no partial list */
    p.mode = 2;
    p.requests = 0;
    ie_reset(&r);
    ie_wait(&x, ec2_describe_vpcs(x.c, &in, cb_vpcs, &r), &r, "page 2 error");
    ie_err(&r, "InvalidParameterValue");
    assert_string_equal(r.err.request_id, "rid-err");
    assert_int_equal(p.requests, 2);

    /* cancelled before the answer: the callback never runs */
    p.mode = 0;
    p.requests = 0;
    ie_reset(&r);
    struct aws_call *call = ec2_describe_vpcs(x.c, &in, cb_vpcs, &r);
    assert_non_null(call);
    aws_call_cancel(call);
    e2e_idle(&x, 200);
    assert_false(r.done);
    /* cancelled between pages: no further request, no callback */
    cancel_after = 1;
    ie_reset(&r);
    p.requests = 0;
    cancel_call = ec2_describe_vpcs(x.c, &in, cb_vpcs, &r);
    e2e_idle(&x, 300);
    assert_false(r.done);
    assert_int_equal(p.requests, 2); /* page 2 was asked, its answer dropped */
    cancel_after = 0;
    ie_reset(&r);
    e2e_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_requests_null_members),
        cmocka_unit_test(test_responses_vpcs),
        cmocka_unit_test(test_responses_azs_subnets),
        cmocka_unit_test(test_responses_route_tables),
        cmocka_unit_test(test_responses_security_groups),
        cmocka_unit_test(test_responses_results),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_hostile),
    };
    const struct CMUnitTest e2e[] = {
        cmocka_unit_test(test_e2e_network),
    };
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_e2e_paging),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests(local, NULL, NULL);
    rc += cmocka_run_group_tests(e2e, e2e_sandbox_up, e2e_sandbox_down);
    return rc;
}

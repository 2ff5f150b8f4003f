/* ec2.h - typed EC2 calls (the EC2 query protocol,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Welcome.html): the network
 * part of a stack (VPC, subnets, route tables, security groups, tags).
 *
 * Conventions (TYPED.md): inputs are structs with only what elcui needs,
 * zero = absent; outputs are heap structs owned by the callback and freed
 * with the matching _free; exactly one of out/err is non-NULL; the callback
 * never runs synchronously; the returned handle works with aws_call_cancel()
 * until the callback has run, across all pages. Describe* calls follow
 * NextToken until done (or max_pages) and deliver the concatenation once,
 * with the last token in next_token (NULL when complete).
 *
 * Request builders (ec2_build_*) and response parsers (ec2_parse_*) are
 * pure functions, so plans can show the exact parameters and tests can
 * compare them with botocore byte for byte.
 */
#ifndef ELCUI_AWS_EC2_H
#define ELCUI_AWS_EC2_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/query.h"

/* ---- shared shapes ---- */

/* Tag in an input (TagSpecification.N.Tag.M / Tag.N). */
struct ec2_tag_in {
    const char *key;
    const char *value;
};

/* Tag in an output (<tagSet><item><key/><value/>). */
struct ec2_tag {
    char *key;
    char *value;
};

/* Filter.N.Name / Filter.N.Value.M, e.g. {"tag:elcui:stack", &stack, 1}. */
struct ec2_filter {
    const char *name;
    const char *const *values;
    size_t n_values;
};

/* Value of the tag with this key, or NULL. */
const char *ec2_tag_get(const struct ec2_tag *tags, size_t n, const char *key);

/* Result of calls without useful output (<return>true</return>). */
struct ec2_result {
    char request_id[96];
    bool ret; /* <return>; true when absent */
};
void ec2_result_free(struct ec2_result *r);

/* ---- DescribeAvailabilityZones (not paginated) ---- */

struct ec2_describe_availability_zones_in {
    const struct ec2_filter *filters; /* e.g. {"state", {"available"}} */
    size_t n_filters;
    const char *const *zone_names;
    size_t n_zone_names;
    bool all_availability_zones;
};

struct ec2_availability_zone {
    char *zone_name; /* us-east-2a */
    char *zone_id;   /* use2-az1 */
    char *state;     /* zoneState: available, impaired, ... */
    char *region_name;
    char *zone_type; /* availability-zone, local-zone, wavelength-zone */
    char *opt_in_status;
    char *group_name;
    char *network_border_group;
};

struct ec2_availability_zone_list {
    char request_id[96];
    struct ec2_availability_zone *items;
    size_t n;
};
void ec2_availability_zone_list_free(struct ec2_availability_zone_list *l);

typedef void (*ec2_describe_availability_zones_cb)(struct ec2_availability_zone_list *out,
                                                   const struct aws_error *err, void *arg);
struct query_params *
ec2_build_describe_availability_zones(const struct ec2_describe_availability_zones_in *in);
int ec2_parse_availability_zones(xmlNode *result, struct ec2_availability_zone_list *out);
struct aws_call *
ec2_describe_availability_zones(struct aws_client *c,
                                const struct ec2_describe_availability_zones_in *in,
                                ec2_describe_availability_zones_cb cb, void *arg);

/* ---- VPCs ---- */

struct ec2_vpc {
    char *vpc_id;
    char *state; /* pending, available */
    char *cidr_block;
    char **cidr_blocks; /* every associated IPv4 block (NULL-terminated) */
    size_t n_cidr_blocks;
    char *dhcp_options_id;
    char *instance_tenancy;
    char *owner_id;
    bool is_default;
    struct ec2_tag *tags;
    size_t n_tags;
};

struct ec2_create_vpc_in {
    const char *cidr_block; /* 10.20.32.0/25 */
    const char *instance_tenancy;
    const struct ec2_tag_in *tags; /* TagSpecification.1 (ResourceType vpc) */
    size_t n_tags;
};

struct ec2_create_vpc_out {
    char request_id[96];
    struct ec2_vpc vpc;
};
void ec2_create_vpc_out_free(struct ec2_create_vpc_out *o);

typedef void (*ec2_create_vpc_cb)(struct ec2_create_vpc_out *out, const struct aws_error *err,
                                  void *arg);
struct query_params *ec2_build_create_vpc(const struct ec2_create_vpc_in *in);
int ec2_parse_create_vpc(xmlNode *result, struct ec2_create_vpc_out *out);
struct aws_call *ec2_create_vpc(struct aws_client *c, const struct ec2_create_vpc_in *in,
                                ec2_create_vpc_cb cb, void *arg);

struct ec2_describe_vpcs_in {
    const char *const *vpc_ids;
    size_t n_vpc_ids;
    const struct ec2_filter *filters;
    size_t n_filters;
    int max_results;        /* 0: service default (5..1000) */
    const char *next_token; /* resume */
    int max_pages;          /* 0: all pages */
};

struct ec2_vpc_list {
    char request_id[96];
    struct ec2_vpc *items;
    size_t n;
    char *next_token;
};
void ec2_vpc_list_free(struct ec2_vpc_list *l);

typedef void (*ec2_describe_vpcs_cb)(struct ec2_vpc_list *out, const struct aws_error *err,
                                     void *arg);
struct query_params *ec2_build_describe_vpcs(const struct ec2_describe_vpcs_in *in);
/* Appends the page's VPCs to out (pages concatenate). */
int ec2_parse_vpcs(xmlNode *result, struct ec2_vpc_list *out);
struct aws_call *ec2_describe_vpcs(struct aws_client *c, const struct ec2_describe_vpcs_in *in,
                                   ec2_describe_vpcs_cb cb, void *arg);

/* ModifyVpcAttribute: AWS accepts one attribute per call. */
struct ec2_modify_vpc_attribute_in {
    const char *vpc_id;
    bool has_enable_dns_support;
    bool enable_dns_support;
    bool has_enable_dns_hostnames;
    bool enable_dns_hostnames;
};
typedef void (*ec2_modify_vpc_attribute_cb)(struct ec2_result *out, const struct aws_error *err,
                                            void *arg);
struct query_params *ec2_build_modify_vpc_attribute(const struct ec2_modify_vpc_attribute_in *in);
struct aws_call *ec2_modify_vpc_attribute(struct aws_client *c,
                                          const struct ec2_modify_vpc_attribute_in *in,
                                          ec2_modify_vpc_attribute_cb cb, void *arg);

/* DescribeVpcAttribute (enableDnsSupport / enableDnsHostnames): what the
 * plan needs to tell "keep" from "change" on an existing VPC. */
enum ec2_vpc_attribute {
    EC2_VPC_ENABLE_DNS_SUPPORT,
    EC2_VPC_ENABLE_DNS_HOSTNAMES,
};
struct ec2_describe_vpc_attribute_in {
    const char *vpc_id;
    enum ec2_vpc_attribute attribute;
};
struct ec2_vpc_attribute_out {
    char request_id[96];
    char *vpc_id;
    bool has_value; /* the answer carried the attribute asked for */
    bool value;
};
void ec2_vpc_attribute_out_free(struct ec2_vpc_attribute_out *o);
typedef void (*ec2_describe_vpc_attribute_cb)(struct ec2_vpc_attribute_out *out,
                                              const struct aws_error *err, void *arg);
struct query_params *
ec2_build_describe_vpc_attribute(const struct ec2_describe_vpc_attribute_in *in);
int ec2_parse_vpc_attribute(xmlNode *result, enum ec2_vpc_attribute attribute,
                            struct ec2_vpc_attribute_out *out);
struct aws_call *ec2_describe_vpc_attribute(struct aws_client *c,
                                            const struct ec2_describe_vpc_attribute_in *in,
                                            ec2_describe_vpc_attribute_cb cb, void *arg);

/* ---- subnets ---- */

struct ec2_subnet {
    char *subnet_id;
    char *vpc_id;
    char *cidr_block;
    char *availability_zone;
    char *availability_zone_id;
    char *state; /* pending, available */
    char *subnet_arn;
    char *owner_id;
    long long available_ip_address_count;
    bool default_for_az;
    bool map_public_ip_on_launch;
    struct ec2_tag *tags;
    size_t n_tags;
};

struct ec2_create_subnet_in {
    const char *vpc_id;
    const char *cidr_block;
    const char *availability_zone;
    const char *availability_zone_id;
    const struct ec2_tag_in *tags; /* ResourceType subnet */
    size_t n_tags;
};
struct ec2_create_subnet_out {
    char request_id[96];
    struct ec2_subnet subnet;
};
void ec2_create_subnet_out_free(struct ec2_create_subnet_out *o);
typedef void (*ec2_create_subnet_cb)(struct ec2_create_subnet_out *out, const struct aws_error *err,
                                     void *arg);
struct query_params *ec2_build_create_subnet(const struct ec2_create_subnet_in *in);
int ec2_parse_create_subnet(xmlNode *result, struct ec2_create_subnet_out *out);
struct aws_call *ec2_create_subnet(struct aws_client *c, const struct ec2_create_subnet_in *in,
                                   ec2_create_subnet_cb cb, void *arg);

struct ec2_describe_subnets_in {
    const char *const *subnet_ids;
    size_t n_subnet_ids;
    const struct ec2_filter *filters; /* vpc-id, tag:elcui:stack, ... */
    size_t n_filters;
    int max_results;
    const char *next_token;
    int max_pages;
};
struct ec2_subnet_list {
    char request_id[96];
    struct ec2_subnet *items;
    size_t n;
    char *next_token;
};
void ec2_subnet_list_free(struct ec2_subnet_list *l);
typedef void (*ec2_describe_subnets_cb)(struct ec2_subnet_list *out, const struct aws_error *err,
                                        void *arg);
struct query_params *ec2_build_describe_subnets(const struct ec2_describe_subnets_in *in);
int ec2_parse_subnets(xmlNode *result, struct ec2_subnet_list *out);
struct aws_call *ec2_describe_subnets(struct aws_client *c,
                                      const struct ec2_describe_subnets_in *in,
                                      ec2_describe_subnets_cb cb, void *arg);

struct ec2_delete_subnet_in {
    const char *subnet_id;
};
typedef void (*ec2_delete_subnet_cb)(struct ec2_result *out, const struct aws_error *err,
                                     void *arg);
struct query_params *ec2_build_delete_subnet(const struct ec2_delete_subnet_in *in);
struct aws_call *ec2_delete_subnet(struct aws_client *c, const struct ec2_delete_subnet_in *in,
                                   ec2_delete_subnet_cb cb, void *arg);

struct ec2_delete_vpc_in {
    const char *vpc_id;
};
typedef void (*ec2_delete_vpc_cb)(struct ec2_result *out, const struct aws_error *err, void *arg);
struct query_params *ec2_build_delete_vpc(const struct ec2_delete_vpc_in *in);
struct aws_call *ec2_delete_vpc(struct aws_client *c, const struct ec2_delete_vpc_in *in,
                                ec2_delete_vpc_cb cb, void *arg);

/* ---- route tables ---- */

struct ec2_route_table_association {
    char *association_id; /* rtbassoc-... */
    char *route_table_id;
    char *subnet_id; /* NULL for the main association */
    char *gateway_id;
    char *state; /* associationState/state: associated, ... */
    bool main;
};

struct ec2_route {
    char *destination_cidr_block;
    char *destination_ipv6_cidr_block;
    char *gateway_id; /* "local" for the VPC route, igw-... */
    char *nat_gateway_id;
    char *state;  /* active, blackhole */
    char *origin; /* CreateRouteTable, CreateRoute, ... */
};

struct ec2_route_table {
    char *route_table_id;
    char *vpc_id;
    char *owner_id;
    struct ec2_route_table_association *associations;
    size_t n_associations;
    struct ec2_route *routes;
    size_t n_routes;
    struct ec2_tag *tags;
    size_t n_tags;
};

struct ec2_create_route_table_in {
    const char *vpc_id;
    const struct ec2_tag_in *tags; /* ResourceType route-table */
    size_t n_tags;
};
struct ec2_create_route_table_out {
    char request_id[96];
    struct ec2_route_table route_table;
};
void ec2_create_route_table_out_free(struct ec2_create_route_table_out *o);
typedef void (*ec2_create_route_table_cb)(struct ec2_create_route_table_out *out,
                                          const struct aws_error *err, void *arg);
struct query_params *ec2_build_create_route_table(const struct ec2_create_route_table_in *in);
int ec2_parse_create_route_table(xmlNode *result, struct ec2_create_route_table_out *out);
struct aws_call *ec2_create_route_table(struct aws_client *c,
                                        const struct ec2_create_route_table_in *in,
                                        ec2_create_route_table_cb cb, void *arg);

struct ec2_associate_route_table_in {
    const char *route_table_id;
    const char *subnet_id;
};
struct ec2_associate_route_table_out {
    char request_id[96];
    char *association_id;
    char *state; /* associationState/state */
};
void ec2_associate_route_table_out_free(struct ec2_associate_route_table_out *o);
typedef void (*ec2_associate_route_table_cb)(struct ec2_associate_route_table_out *out,
                                             const struct aws_error *err, void *arg);
struct query_params *ec2_build_associate_route_table(const struct ec2_associate_route_table_in *in);
int ec2_parse_associate_route_table(xmlNode *result, struct ec2_associate_route_table_out *out);
struct aws_call *ec2_associate_route_table(struct aws_client *c,
                                           const struct ec2_associate_route_table_in *in,
                                           ec2_associate_route_table_cb cb, void *arg);

/* DisassociateRouteTable: lets destroy drop an association before the
 * table (DeleteRouteTable refuses a table that is still associated). */
struct ec2_disassociate_route_table_in {
    const char *association_id;
};
typedef void (*ec2_disassociate_route_table_cb)(struct ec2_result *out, const struct aws_error *err,
                                                void *arg);
struct query_params *
ec2_build_disassociate_route_table(const struct ec2_disassociate_route_table_in *in);
struct aws_call *ec2_disassociate_route_table(struct aws_client *c,
                                              const struct ec2_disassociate_route_table_in *in,
                                              ec2_disassociate_route_table_cb cb, void *arg);

struct ec2_describe_route_tables_in {
    const char *const *route_table_ids;
    size_t n_route_table_ids;
    const struct ec2_filter *filters; /* vpc-id, association.subnet-id, tag:... */
    size_t n_filters;
    int max_results;
    const char *next_token;
    int max_pages;
};
struct ec2_route_table_list {
    char request_id[96];
    struct ec2_route_table *items;
    size_t n;
    char *next_token;
};
void ec2_route_table_list_free(struct ec2_route_table_list *l);
typedef void (*ec2_describe_route_tables_cb)(struct ec2_route_table_list *out,
                                             const struct aws_error *err, void *arg);
struct query_params *ec2_build_describe_route_tables(const struct ec2_describe_route_tables_in *in);
int ec2_parse_route_tables(xmlNode *result, struct ec2_route_table_list *out);
struct aws_call *ec2_describe_route_tables(struct aws_client *c,
                                           const struct ec2_describe_route_tables_in *in,
                                           ec2_describe_route_tables_cb cb, void *arg);

struct ec2_delete_route_table_in {
    const char *route_table_id;
};
typedef void (*ec2_delete_route_table_cb)(struct ec2_result *out, const struct aws_error *err,
                                          void *arg);
struct query_params *ec2_build_delete_route_table(const struct ec2_delete_route_table_in *in);
struct aws_call *ec2_delete_route_table(struct aws_client *c,
                                        const struct ec2_delete_route_table_in *in,
                                        ec2_delete_route_table_cb cb, void *arg);

/* ---- security groups ---- */

struct ec2_ip_range_in {
    const char *cidr; /* CidrIp (IpRanges) or CidrIpv6 (Ipv6Ranges) */
    const char *description;
};
struct ec2_group_pair_in {
    const char *group_id; /* source security group */
    const char *user_id;
    const char *description;
};
struct ec2_ip_permission_in {
    const char *ip_protocol; /* tcp, udp, icmp, -1 */
    bool has_ports;          /* FromPort/ToPort sent */
    int from_port;
    int to_port;
    const struct ec2_ip_range_in *ip_ranges;
    size_t n_ip_ranges;
    const struct ec2_ip_range_in *ipv6_ranges;
    size_t n_ipv6_ranges;
    const struct ec2_group_pair_in *groups; /* model UserIdGroupPairs */
    size_t n_groups;
};

struct ec2_ip_range {
    char *cidr; /* cidrIp / cidrIpv6 */
    char *description;
};
struct ec2_group_pair {
    char *group_id;
    char *group_name;
    char *user_id;
    char *vpc_id;
    char *description;
};
struct ec2_ip_permission {
    char *ip_protocol;
    bool has_ports; /* fromPort present */
    int from_port;
    int to_port;
    struct ec2_ip_range *ip_ranges;
    size_t n_ip_ranges;
    struct ec2_ip_range *ipv6_ranges;
    size_t n_ipv6_ranges;
    struct ec2_group_pair *groups;
    size_t n_groups;
    char **prefix_list_ids; /* NULL-terminated */
    size_t n_prefix_list_ids;
};

struct ec2_security_group {
    char *group_id;
    char *group_name;
    char *description;
    char *vpc_id;
    char *owner_id;
    char *arn; /* securityGroupArn (newer API) */
    struct ec2_ip_permission *ingress;
    size_t n_ingress;
    struct ec2_ip_permission *egress;
    size_t n_egress;
    struct ec2_tag *tags;
    size_t n_tags;
};

struct ec2_create_security_group_in {
    const char *group_name;
    const char *description; /* wire name GroupDescription */
    const char *vpc_id;
    const struct ec2_tag_in *tags; /* ResourceType security-group */
    size_t n_tags;
};
struct ec2_create_security_group_out {
    char request_id[96];
    char *group_id;
    char *arn;
    struct ec2_tag *tags;
    size_t n_tags;
};
void ec2_create_security_group_out_free(struct ec2_create_security_group_out *o);
typedef void (*ec2_create_security_group_cb)(struct ec2_create_security_group_out *out,
                                             const struct aws_error *err, void *arg);
struct query_params *ec2_build_create_security_group(const struct ec2_create_security_group_in *in);
int ec2_parse_create_security_group(xmlNode *result, struct ec2_create_security_group_out *out);
struct aws_call *ec2_create_security_group(struct aws_client *c,
                                           const struct ec2_create_security_group_in *in,
                                           ec2_create_security_group_cb cb, void *arg);

/* AuthorizeSecurityGroupIngress / RevokeSecurityGroupIngress, and
 * RevokeSecurityGroupEgress (the same members: GroupId, IpPermissions). */
struct ec2_security_group_ingress_in {
    const char *group_id;
    const struct ec2_ip_permission_in *permissions;
    size_t n_permissions;
};
struct ec2_security_group_rule {
    char *rule_id; /* sgr-... */
    char *group_id;
    bool is_egress;
    char *ip_protocol;
    int from_port;
    int to_port;
    char *cidr_ipv4;
    char *cidr_ipv6;
    char *referenced_group_id;
    char *description;
};
struct ec2_security_group_ingress_out {
    char request_id[96];
    bool ret;
    /* securityGroupRuleSet (Authorize), revokedSecurityGroupRuleSet (Revoke) */
    struct ec2_security_group_rule *rules;
    size_t n_rules;
    /* unknownIpPermissionSet (Revoke): asked-for rules the group did not have */
    struct ec2_ip_permission *unknown;
    size_t n_unknown;
};
void ec2_security_group_ingress_out_free(struct ec2_security_group_ingress_out *o);
typedef void (*ec2_authorize_security_group_ingress_cb)(struct ec2_security_group_ingress_out *out,
                                                        const struct aws_error *err, void *arg);
typedef void (*ec2_revoke_security_group_ingress_cb)(struct ec2_security_group_ingress_out *out,
                                                     const struct aws_error *err, void *arg);
struct query_params *
ec2_build_authorize_security_group_ingress(const struct ec2_security_group_ingress_in *in);
struct query_params *
ec2_build_revoke_security_group_ingress(const struct ec2_security_group_ingress_in *in);
int ec2_parse_security_group_ingress(xmlNode *result, struct ec2_security_group_ingress_out *out);
struct aws_call *
ec2_authorize_security_group_ingress(struct aws_client *c,
                                     const struct ec2_security_group_ingress_in *in,
                                     ec2_authorize_security_group_ingress_cb cb, void *arg);
struct aws_call *ec2_revoke_security_group_ingress(struct aws_client *c,
                                                   const struct ec2_security_group_ingress_in *in,
                                                   ec2_revoke_security_group_ingress_cb cb,
                                                   void *arg);
/* RevokeSecurityGroupEgress (VPC groups): e.g. the allow-all egress rule a
 * new VPC's default group comes with. A rule the group does not have is
 * InvalidPermission.NotFound, or listed in out->unknown. */
typedef void (*ec2_revoke_security_group_egress_cb)(struct ec2_security_group_ingress_out *out,
                                                    const struct aws_error *err, void *arg);
struct query_params *
ec2_build_revoke_security_group_egress(const struct ec2_security_group_ingress_in *in);
struct aws_call *ec2_revoke_security_group_egress(struct aws_client *c,
                                                  const struct ec2_security_group_ingress_in *in,
                                                  ec2_revoke_security_group_egress_cb cb,
                                                  void *arg);

struct ec2_describe_security_groups_in {
    const char *const *group_ids;
    size_t n_group_ids;
    const char *const *group_names;
    size_t n_group_names;
    const struct ec2_filter *filters; /* vpc-id, group-name, tag:... */
    size_t n_filters;
    int max_results;
    const char *next_token;
    int max_pages;
};
struct ec2_security_group_list {
    char request_id[96];
    struct ec2_security_group *items;
    size_t n;
    char *next_token;
};
void ec2_security_group_list_free(struct ec2_security_group_list *l);
typedef void (*ec2_describe_security_groups_cb)(struct ec2_security_group_list *out,
                                                const struct aws_error *err, void *arg);
struct query_params *
ec2_build_describe_security_groups(const struct ec2_describe_security_groups_in *in);
int ec2_parse_security_groups(xmlNode *result, struct ec2_security_group_list *out);
struct aws_call *ec2_describe_security_groups(struct aws_client *c,
                                              const struct ec2_describe_security_groups_in *in,
                                              ec2_describe_security_groups_cb cb, void *arg);

struct ec2_delete_security_group_in {
    const char *group_id;
};
typedef void (*ec2_delete_security_group_cb)(struct ec2_result *out, const struct aws_error *err,
                                             void *arg);
struct query_params *ec2_build_delete_security_group(const struct ec2_delete_security_group_in *in);
struct aws_call *ec2_delete_security_group(struct aws_client *c,
                                           const struct ec2_delete_security_group_in *in,
                                           ec2_delete_security_group_cb cb, void *arg);

/* ---- tags ---- */

struct ec2_create_tags_in {
    const char *const *resource_ids; /* wire ResourceId.N */
    size_t n_resource_ids;
    const struct ec2_tag_in *tags; /* wire Tag.N.Key / Tag.N.Value */
    size_t n_tags;
};
typedef void (*ec2_create_tags_cb)(struct ec2_result *out, const struct aws_error *err, void *arg);
struct query_params *ec2_build_create_tags(const struct ec2_create_tags_in *in);
struct aws_call *ec2_create_tags(struct aws_client *c, const struct ec2_create_tags_in *in,
                                 ec2_create_tags_cb cb, void *arg);

/* Parser shared by the calls that answer <return>. */
int ec2_parse_result(xmlNode *result, struct ec2_result *out);

#endif

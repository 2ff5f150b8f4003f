/* ec2.c - typed EC2 calls: builders, parsers, calls (run by typedcall). */
#include "aws/ec2.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/mem.h"
#include "aws/svc.h"
#include "aws/typedcall.h"

/* A server that keeps answering with a token must not keep us paging for
 * ever: botocore stops on a repeated token; we also stop at this many. */
#define EC2_MAX_PAGES_HARD 10000

/* ---- small helpers ---- */

const char *ec2_tag_get(const struct ec2_tag *tags, size_t n, const char *key)
{
    for (size_t i = 0; tags && key && i < n; i++)
        if (tags[i].key && strcmp(tags[i].key, key) == 0)
            return tags[i].value;
    return NULL;
}

static void ec2_add_opt(struct query_params *p, const char *name, const char *value)
{
    if (value)
        query_add(p, name, value);
}

/* Name.1, Name.2, ... (empty lists are not sent: ec2 protocol). */
static void ec2_add_strings(struct query_params *p, const char *name, const char *const *v,
                            size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        query_addf_name(p, v[i] ? v[i] : "", "%s.%zu", name, i + 1);
}

static void ec2_add_filters(struct query_params *p, const struct ec2_filter *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        query_addf_name(p, f[i].name ? f[i].name : "", "Filter.%zu.Name", i + 1);
        for (size_t j = 0; f[i].values && j < f[i].n_values; j++)
            query_addf_name(p, f[i].values[j] ? f[i].values[j] : "", "Filter.%zu.Value.%zu", i + 1,
                            j + 1);
    }
}

static void ec2_add_tag_spec(struct query_params *p, const char *resource_type,
                             const struct ec2_tag_in *t, size_t n)
{
    if (!t || n == 0)
        return;
    query_add(p, "TagSpecification.1.ResourceType", resource_type);
    for (size_t i = 0; i < n; i++) {
        query_addf_name(p, t[i].key ? t[i].key : "", "TagSpecification.1.Tag.%zu.Key", i + 1);
        query_addf_name(p, t[i].value ? t[i].value : "", "TagSpecification.1.Tag.%zu.Value", i + 1);
    }
}

static void ec2_add_paging(struct query_params *p, int max_results, const char *next_token)
{
    if (max_results > 0)
        query_add_int(p, "MaxResults", max_results);
    if (next_token && *next_token)
        query_add(p, "NextToken", next_token);
}

static size_t ec2_count_items(const xmlNode *list)
{
    size_t n = 0;
    for (xmlNode *c = query_first(list, "item"); c; c = query_next(c, "item"))
        n++;
    return n;
}

static int ec2_int(const xmlNode *n, const char *path, int def)
{
    long long v = query_int(n, path, def);
    return v >= -2147483647LL - 1 && v <= 2147483647LL ? (int)v : def;
}

/* ---- tags ---- */

static void ec2_tags_free(struct ec2_tag *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].key);
        free(t[i].value);
    }
    free(t);
}

static void ec2_parse_tags(const xmlNode *parent, struct ec2_tag **tags, size_t *n)
{
    xmlNode *set = query_child(parent, "tagSet");
    size_t k = ec2_count_items(set);
    *tags = NULL;
    *n = 0;
    if (k == 0)
        return;
    *tags = mem_xcalloc(k, sizeof(**tags));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        (*tags)[*n].key = query_text(c, "key");
        (*tags)[*n].value = query_text(c, "value");
        if (!(*tags)[*n].key)
            (*tags)[*n].key = mem_xstrdup("");
        if (!(*tags)[*n].value)
            (*tags)[*n].value = mem_xstrdup("");
        (*n)++;
    }
}

/* ---- result ---- */

int ec2_parse_result(xmlNode *result, struct ec2_result *out)
{
    if (!result || !out)
        return -1;
    out->ret = query_bool(result, "return", true);
    return 0;
}

void ec2_result_free(struct ec2_result *r)
{
    free(r);
}

/* ---- availability zones ---- */

struct query_params *
ec2_build_describe_availability_zones(const struct ec2_describe_availability_zones_in *in)
{
    struct query_params *p = query_params_new("DescribeAvailabilityZones", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_filters(p, in->filters, in->n_filters);
    ec2_add_strings(p, "ZoneName", in->zone_names, in->n_zone_names);
    if (in->all_availability_zones)
        query_add_bool(p, "AllAvailabilityZones", true);
    return p;
}

int ec2_parse_availability_zones(xmlNode *result, struct ec2_availability_zone_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *set = query_child(result, "availabilityZoneInfo");
    size_t k = ec2_count_items(set);
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        struct ec2_availability_zone *z = &out->items[out->n++];
        z->zone_name = query_text(c, "zoneName");
        z->zone_id = query_text(c, "zoneId");
        z->state = query_text(c, "zoneState");
        z->region_name = query_text(c, "regionName");
        z->zone_type = query_text(c, "zoneType");
        z->opt_in_status = query_text(c, "optInStatus");
        z->group_name = query_text(c, "groupName");
        z->network_border_group = query_text(c, "networkBorderGroup");
    }
    return 0;
}

void ec2_availability_zone_list_free(struct ec2_availability_zone_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct ec2_availability_zone *z = &l->items[i];
        free(z->zone_name);
        free(z->zone_id);
        free(z->state);
        free(z->region_name);
        free(z->zone_type);
        free(z->opt_in_status);
        free(z->group_name);
        free(z->network_border_group);
    }
    free(l->items);
    free(l);
}

/* ---- VPCs ---- */

static void ec2_vpc_clear(struct ec2_vpc *v)
{
    free(v->vpc_id);
    free(v->state);
    free(v->cidr_block);
    query_strings_free(v->cidr_blocks);
    free(v->dhcp_options_id);
    free(v->instance_tenancy);
    free(v->owner_id);
    ec2_tags_free(v->tags, v->n_tags);
    memset(v, 0, sizeof(*v));
}

static void ec2_vpc_parse(const xmlNode *n, struct ec2_vpc *v)
{
    v->vpc_id = query_text(n, "vpcId");
    v->state = query_text(n, "state");
    v->cidr_block = query_text(n, "cidrBlock");
    /* cidrBlockAssociationSet/item/cidrBlock for every item */
    xmlNode *set = query_child(n, "cidrBlockAssociationSet");
    size_t k = ec2_count_items(set);
    v->cidr_blocks = mem_xcalloc(k + 1, sizeof(char *));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        char *b = query_text(c, "cidrBlock");
        if (b)
            v->cidr_blocks[v->n_cidr_blocks++] = b;
    }
    v->dhcp_options_id = query_text(n, "dhcpOptionsId");
    v->instance_tenancy = query_text(n, "instanceTenancy");
    v->owner_id = query_text(n, "ownerId");
    v->is_default = query_bool(n, "isDefault", false);
    ec2_parse_tags(n, &v->tags, &v->n_tags);
}

struct query_params *ec2_build_create_vpc(const struct ec2_create_vpc_in *in)
{
    struct query_params *p = query_params_new("CreateVpc", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_opt(p, "CidrBlock", in->cidr_block);
    ec2_add_tag_spec(p, "vpc", in->tags, in->n_tags);
    ec2_add_opt(p, "InstanceTenancy", in->instance_tenancy);
    return p;
}

int ec2_parse_create_vpc(xmlNode *result, struct ec2_create_vpc_out *out)
{
    xmlNode *v = query_child(result, "vpc");
    if (!v || !out)
        return -1;
    ec2_vpc_parse(v, &out->vpc);
    return out->vpc.vpc_id ? 0 : -1;
}

void ec2_create_vpc_out_free(struct ec2_create_vpc_out *o)
{
    if (!o)
        return;
    ec2_vpc_clear(&o->vpc);
    free(o);
}

struct query_params *ec2_build_describe_vpcs(const struct ec2_describe_vpcs_in *in)
{
    struct query_params *p = query_params_new("DescribeVpcs", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_filters(p, in->filters, in->n_filters);
    ec2_add_strings(p, "VpcId", in->vpc_ids, in->n_vpc_ids);
    ec2_add_paging(p, in->max_results, in->next_token);
    return p;
}

int ec2_parse_vpcs(xmlNode *result, struct ec2_vpc_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *set = query_child(result, "vpcSet");
    size_t k = ec2_count_items(set);
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item"))
        ec2_vpc_parse(c, &out->items[out->n++]);
    return 0;
}

void ec2_vpc_list_free(struct ec2_vpc_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ec2_vpc_clear(&l->items[i]);
    free(l->items);
    free(l->next_token);
    free(l);
}

struct query_params *ec2_build_modify_vpc_attribute(const struct ec2_modify_vpc_attribute_in *in)
{
    struct query_params *p = query_params_new("ModifyVpcAttribute", svc_ec2.api_version);
    if (!in)
        return p;
    /* AttributeBooleanValue structures: EnableDnsSupport.Value=true */
    if (in->has_enable_dns_hostnames)
        query_add_bool(p, "EnableDnsHostnames.Value", in->enable_dns_hostnames);
    if (in->has_enable_dns_support)
        query_add_bool(p, "EnableDnsSupport.Value", in->enable_dns_support);
    ec2_add_opt(p, "VpcId", in->vpc_id);
    return p;
}

static const char *ec2_vpc_attribute_name(enum ec2_vpc_attribute a)
{
    return a == EC2_VPC_ENABLE_DNS_HOSTNAMES ? "enableDnsHostnames" : "enableDnsSupport";
}

struct query_params *
ec2_build_describe_vpc_attribute(const struct ec2_describe_vpc_attribute_in *in)
{
    struct query_params *p = query_params_new("DescribeVpcAttribute", svc_ec2.api_version);
    if (!in)
        return p;
    query_add(p, "Attribute", ec2_vpc_attribute_name(in->attribute));
    ec2_add_opt(p, "VpcId", in->vpc_id);
    return p;
}

int ec2_parse_vpc_attribute(xmlNode *result, enum ec2_vpc_attribute attribute,
                            struct ec2_vpc_attribute_out *out)
{
    if (!result || !out)
        return -1;
    out->vpc_id = query_text(result, "vpcId");
    char path[64];
    snprintf(path, sizeof(path), "%s/value", ec2_vpc_attribute_name(attribute));
    char *t = query_text(result, path);
    if (t && (strcmp(t, "true") == 0 || strcmp(t, "false") == 0)) {
        out->has_value = true;
        out->value = strcmp(t, "true") == 0;
    }
    free(t);
    return 0;
}

void ec2_vpc_attribute_out_free(struct ec2_vpc_attribute_out *o)
{
    if (!o)
        return;
    free(o->vpc_id);
    free(o);
}

/* ---- subnets ---- */

static void ec2_subnet_clear(struct ec2_subnet *s)
{
    free(s->subnet_id);
    free(s->vpc_id);
    free(s->cidr_block);
    free(s->availability_zone);
    free(s->availability_zone_id);
    free(s->state);
    free(s->subnet_arn);
    free(s->owner_id);
    ec2_tags_free(s->tags, s->n_tags);
    memset(s, 0, sizeof(*s));
}

static void ec2_subnet_parse(const xmlNode *n, struct ec2_subnet *s)
{
    s->subnet_id = query_text(n, "subnetId");
    s->vpc_id = query_text(n, "vpcId");
    s->cidr_block = query_text(n, "cidrBlock");
    s->availability_zone = query_text(n, "availabilityZone");
    s->availability_zone_id = query_text(n, "availabilityZoneId");
    s->state = query_text(n, "state");
    s->subnet_arn = query_text(n, "subnetArn");
    s->owner_id = query_text(n, "ownerId");
    s->available_ip_address_count = query_int(n, "availableIpAddressCount", 0);
    s->default_for_az = query_bool(n, "defaultForAz", false);
    s->map_public_ip_on_launch = query_bool(n, "mapPublicIpOnLaunch", false);
    ec2_parse_tags(n, &s->tags, &s->n_tags);
}

struct query_params *ec2_build_create_subnet(const struct ec2_create_subnet_in *in)
{
    struct query_params *p = query_params_new("CreateSubnet", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_tag_spec(p, "subnet", in->tags, in->n_tags);
    ec2_add_opt(p, "AvailabilityZone", in->availability_zone);
    ec2_add_opt(p, "AvailabilityZoneId", in->availability_zone_id);
    ec2_add_opt(p, "CidrBlock", in->cidr_block);
    ec2_add_opt(p, "VpcId", in->vpc_id);
    return p;
}

int ec2_parse_create_subnet(xmlNode *result, struct ec2_create_subnet_out *out)
{
    xmlNode *s = query_child(result, "subnet");
    if (!s || !out)
        return -1;
    ec2_subnet_parse(s, &out->subnet);
    return out->subnet.subnet_id ? 0 : -1;
}

void ec2_create_subnet_out_free(struct ec2_create_subnet_out *o)
{
    if (!o)
        return;
    ec2_subnet_clear(&o->subnet);
    free(o);
}

struct query_params *ec2_build_describe_subnets(const struct ec2_describe_subnets_in *in)
{
    struct query_params *p = query_params_new("DescribeSubnets", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_filters(p, in->filters, in->n_filters);
    ec2_add_strings(p, "SubnetId", in->subnet_ids, in->n_subnet_ids);
    ec2_add_paging(p, in->max_results, in->next_token);
    return p;
}

int ec2_parse_subnets(xmlNode *result, struct ec2_subnet_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *set = query_child(result, "subnetSet");
    size_t k = ec2_count_items(set);
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item"))
        ec2_subnet_parse(c, &out->items[out->n++]);
    return 0;
}

void ec2_subnet_list_free(struct ec2_subnet_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ec2_subnet_clear(&l->items[i]);
    free(l->items);
    free(l->next_token);
    free(l);
}

struct query_params *ec2_build_delete_subnet(const struct ec2_delete_subnet_in *in)
{
    struct query_params *p = query_params_new("DeleteSubnet", svc_ec2.api_version);
    if (in)
        ec2_add_opt(p, "SubnetId", in->subnet_id);
    return p;
}

struct query_params *ec2_build_delete_vpc(const struct ec2_delete_vpc_in *in)
{
    struct query_params *p = query_params_new("DeleteVpc", svc_ec2.api_version);
    if (in)
        ec2_add_opt(p, "VpcId", in->vpc_id);
    return p;
}

/* ---- route tables ---- */

static void ec2_route_table_clear(struct ec2_route_table *t)
{
    free(t->route_table_id);
    free(t->vpc_id);
    free(t->owner_id);
    for (size_t i = 0; i < t->n_associations; i++) {
        struct ec2_route_table_association *a = &t->associations[i];
        free(a->association_id);
        free(a->route_table_id);
        free(a->subnet_id);
        free(a->gateway_id);
        free(a->state);
    }
    free(t->associations);
    for (size_t i = 0; i < t->n_routes; i++) {
        struct ec2_route *r = &t->routes[i];
        free(r->destination_cidr_block);
        free(r->destination_ipv6_cidr_block);
        free(r->gateway_id);
        free(r->nat_gateway_id);
        free(r->state);
        free(r->origin);
    }
    free(t->routes);
    ec2_tags_free(t->tags, t->n_tags);
    memset(t, 0, sizeof(*t));
}

static void ec2_route_table_parse(const xmlNode *n, struct ec2_route_table *t)
{
    t->route_table_id = query_text(n, "routeTableId");
    t->vpc_id = query_text(n, "vpcId");
    t->owner_id = query_text(n, "ownerId");
    xmlNode *set = query_child(n, "associationSet");
    size_t k = ec2_count_items(set);
    if (k)
        t->associations = mem_xcalloc(k, sizeof(*t->associations));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        struct ec2_route_table_association *a = &t->associations[t->n_associations++];
        a->association_id = query_text(c, "routeTableAssociationId");
        a->route_table_id = query_text(c, "routeTableId");
        a->subnet_id = query_text(c, "subnetId");
        a->gateway_id = query_text(c, "gatewayId");
        a->state = query_text(c, "associationState/state");
        a->main = query_bool(c, "main", false);
    }
    set = query_child(n, "routeSet");
    k = ec2_count_items(set);
    if (k)
        t->routes = mem_xcalloc(k, sizeof(*t->routes));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        struct ec2_route *r = &t->routes[t->n_routes++];
        r->destination_cidr_block = query_text(c, "destinationCidrBlock");
        r->destination_ipv6_cidr_block = query_text(c, "destinationIpv6CidrBlock");
        r->gateway_id = query_text(c, "gatewayId");
        r->nat_gateway_id = query_text(c, "natGatewayId");
        r->state = query_text(c, "state");
        r->origin = query_text(c, "origin");
    }
    ec2_parse_tags(n, &t->tags, &t->n_tags);
}

struct query_params *ec2_build_create_route_table(const struct ec2_create_route_table_in *in)
{
    struct query_params *p = query_params_new("CreateRouteTable", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_tag_spec(p, "route-table", in->tags, in->n_tags);
    ec2_add_opt(p, "VpcId", in->vpc_id);
    return p;
}

int ec2_parse_create_route_table(xmlNode *result, struct ec2_create_route_table_out *out)
{
    xmlNode *t = query_child(result, "routeTable");
    if (!t || !out)
        return -1;
    ec2_route_table_parse(t, &out->route_table);
    return out->route_table.route_table_id ? 0 : -1;
}

void ec2_create_route_table_out_free(struct ec2_create_route_table_out *o)
{
    if (!o)
        return;
    ec2_route_table_clear(&o->route_table);
    free(o);
}

struct query_params *ec2_build_associate_route_table(const struct ec2_associate_route_table_in *in)
{
    struct query_params *p = query_params_new("AssociateRouteTable", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_opt(p, "SubnetId", in->subnet_id);
    ec2_add_opt(p, "RouteTableId", in->route_table_id);
    return p;
}

int ec2_parse_associate_route_table(xmlNode *result, struct ec2_associate_route_table_out *out)
{
    if (!result || !out)
        return -1;
    out->association_id = query_text(result, "associationId");
    out->state = query_text(result, "associationState/state");
    return out->association_id ? 0 : -1;
}

void ec2_associate_route_table_out_free(struct ec2_associate_route_table_out *o)
{
    if (!o)
        return;
    free(o->association_id);
    free(o->state);
    free(o);
}

struct query_params *
ec2_build_disassociate_route_table(const struct ec2_disassociate_route_table_in *in)
{
    struct query_params *p = query_params_new("DisassociateRouteTable", svc_ec2.api_version);
    if (in)
        ec2_add_opt(p, "AssociationId", in->association_id);
    return p;
}

struct query_params *ec2_build_describe_route_tables(const struct ec2_describe_route_tables_in *in)
{
    struct query_params *p = query_params_new("DescribeRouteTables", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_filters(p, in->filters, in->n_filters);
    ec2_add_strings(p, "RouteTableId", in->route_table_ids, in->n_route_table_ids);
    ec2_add_paging(p, in->max_results, in->next_token);
    return p;
}

int ec2_parse_route_tables(xmlNode *result, struct ec2_route_table_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *set = query_child(result, "routeTableSet");
    size_t k = ec2_count_items(set);
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item"))
        ec2_route_table_parse(c, &out->items[out->n++]);
    return 0;
}

void ec2_route_table_list_free(struct ec2_route_table_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ec2_route_table_clear(&l->items[i]);
    free(l->items);
    free(l->next_token);
    free(l);
}

struct query_params *ec2_build_delete_route_table(const struct ec2_delete_route_table_in *in)
{
    struct query_params *p = query_params_new("DeleteRouteTable", svc_ec2.api_version);
    if (in)
        ec2_add_opt(p, "RouteTableId", in->route_table_id);
    return p;
}

/* ---- security groups ---- */

static void ec2_ip_ranges_free(struct ec2_ip_range *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].cidr);
        free(r[i].description);
    }
    free(r);
}

static void ec2_permissions_free(struct ec2_ip_permission *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].ip_protocol);
        ec2_ip_ranges_free(p[i].ip_ranges, p[i].n_ip_ranges);
        ec2_ip_ranges_free(p[i].ipv6_ranges, p[i].n_ipv6_ranges);
        for (size_t j = 0; j < p[i].n_groups; j++) {
            struct ec2_group_pair *g = &p[i].groups[j];
            free(g->group_id);
            free(g->group_name);
            free(g->user_id);
            free(g->vpc_id);
            free(g->description);
        }
        free(p[i].groups);
        query_strings_free(p[i].prefix_list_ids);
    }
    free(p);
}

static void ec2_parse_ranges(const xmlNode *perm, const char *list, const char *cidr_name,
                             struct ec2_ip_range **out, size_t *n)
{
    xmlNode *set = query_child(perm, list);
    size_t k = ec2_count_items(set);
    *out = NULL;
    *n = 0;
    if (k == 0)
        return;
    *out = mem_xcalloc(k, sizeof(**out));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        (*out)[*n].cidr = query_text(c, cidr_name);
        (*out)[*n].description = query_text(c, "description");
        (*n)++;
    }
}

static void ec2_parse_permissions(const xmlNode *parent, const char *list,
                                  struct ec2_ip_permission **out, size_t *n)
{
    xmlNode *set = query_child(parent, list);
    size_t k = ec2_count_items(set);
    *out = NULL;
    *n = 0;
    if (k == 0)
        return;
    *out = mem_xcalloc(k, sizeof(**out));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        struct ec2_ip_permission *p = &(*out)[(*n)++];
        p->ip_protocol = query_text(c, "ipProtocol");
        p->has_ports = query_child(c, "fromPort") != NULL;
        p->from_port = ec2_int(c, "fromPort", 0);
        p->to_port = ec2_int(c, "toPort", 0);
        ec2_parse_ranges(c, "ipRanges", "cidrIp", &p->ip_ranges, &p->n_ip_ranges);
        ec2_parse_ranges(c, "ipv6Ranges", "cidrIpv6", &p->ipv6_ranges, &p->n_ipv6_ranges);
        xmlNode *g = query_child(c, "groups");
        size_t gk = ec2_count_items(g);
        if (gk)
            p->groups = mem_xcalloc(gk, sizeof(*p->groups));
        for (xmlNode *gi = query_first(g, "item"); gi; gi = query_next(gi, "item")) {
            struct ec2_group_pair *gp = &p->groups[p->n_groups++];
            gp->group_id = query_text(gi, "groupId");
            gp->group_name = query_text(gi, "groupName");
            gp->user_id = query_text(gi, "userId");
            gp->vpc_id = query_text(gi, "vpcId");
            gp->description = query_text(gi, "description");
        }
        xmlNode *pl = query_child(c, "prefixListIds");
        size_t pk = ec2_count_items(pl);
        p->prefix_list_ids = mem_xcalloc(pk + 1, sizeof(char *));
        for (xmlNode *pi = query_first(pl, "item"); pi; pi = query_next(pi, "item")) {
            char *id = query_text(pi, "prefixListId");
            if (id)
                p->prefix_list_ids[p->n_prefix_list_ids++] = id;
        }
    }
}

static void ec2_security_group_clear(struct ec2_security_group *g)
{
    free(g->group_id);
    free(g->group_name);
    free(g->description);
    free(g->vpc_id);
    free(g->owner_id);
    free(g->arn);
    ec2_permissions_free(g->ingress, g->n_ingress);
    ec2_permissions_free(g->egress, g->n_egress);
    ec2_tags_free(g->tags, g->n_tags);
    memset(g, 0, sizeof(*g));
}

static void ec2_security_group_parse(const xmlNode *n, struct ec2_security_group *g)
{
    g->group_id = query_text(n, "groupId");
    g->group_name = query_text(n, "groupName");
    g->description = query_text(n, "groupDescription");
    g->vpc_id = query_text(n, "vpcId");
    g->owner_id = query_text(n, "ownerId");
    g->arn = query_text(n, "securityGroupArn");
    ec2_parse_permissions(n, "ipPermissions", &g->ingress, &g->n_ingress);
    ec2_parse_permissions(n, "ipPermissionsEgress", &g->egress, &g->n_egress);
    ec2_parse_tags(n, &g->tags, &g->n_tags);
}

struct query_params *ec2_build_create_security_group(const struct ec2_create_security_group_in *in)
{
    struct query_params *p = query_params_new("CreateSecurityGroup", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_opt(p, "GroupDescription", in->description);
    ec2_add_opt(p, "GroupName", in->group_name);
    ec2_add_opt(p, "VpcId", in->vpc_id);
    ec2_add_tag_spec(p, "security-group", in->tags, in->n_tags);
    return p;
}

int ec2_parse_create_security_group(xmlNode *result, struct ec2_create_security_group_out *out)
{
    if (!result || !out)
        return -1;
    out->group_id = query_text(result, "groupId");
    out->arn = query_text(result, "securityGroupArn");
    ec2_parse_tags(result, &out->tags, &out->n_tags);
    return out->group_id ? 0 : -1;
}

void ec2_create_security_group_out_free(struct ec2_create_security_group_out *o)
{
    if (!o)
        return;
    free(o->group_id);
    free(o->arn);
    ec2_tags_free(o->tags, o->n_tags);
    free(o);
}

static struct query_params *ec2_build_ingress(const char *action,
                                              const struct ec2_security_group_ingress_in *in)
{
    struct query_params *p = query_params_new(action, svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_opt(p, "GroupId", in->group_id);
    for (size_t i = 0; in->permissions && i < in->n_permissions; i++) {
        const struct ec2_ip_permission_in *pm = &in->permissions[i];
        size_t n = i + 1;
        if (pm->ip_protocol)
            query_addf_name(p, pm->ip_protocol, "IpPermissions.%zu.IpProtocol", n);
        if (pm->has_ports) {
            char v[16];
            snprintf(v, sizeof(v), "%d", pm->from_port);
            query_addf_name(p, v, "IpPermissions.%zu.FromPort", n);
            snprintf(v, sizeof(v), "%d", pm->to_port);
            query_addf_name(p, v, "IpPermissions.%zu.ToPort", n);
        }
        for (size_t j = 0; pm->ip_ranges && j < pm->n_ip_ranges; j++) {
            const struct ec2_ip_range_in *r = &pm->ip_ranges[j];
            if (r->cidr)
                query_addf_name(p, r->cidr, "IpPermissions.%zu.IpRanges.%zu.CidrIp", n, j + 1);
            if (r->description)
                query_addf_name(p, r->description, "IpPermissions.%zu.IpRanges.%zu.Description", n,
                                j + 1);
        }
        for (size_t j = 0; pm->ipv6_ranges && j < pm->n_ipv6_ranges; j++) {
            const struct ec2_ip_range_in *r = &pm->ipv6_ranges[j];
            if (r->cidr)
                query_addf_name(p, r->cidr, "IpPermissions.%zu.Ipv6Ranges.%zu.CidrIpv6", n, j + 1);
            if (r->description)
                query_addf_name(p, r->description, "IpPermissions.%zu.Ipv6Ranges.%zu.Description",
                                n, j + 1);
        }
        for (size_t j = 0; pm->groups && j < pm->n_groups; j++) {
            const struct ec2_group_pair_in *g = &pm->groups[j];
            if (g->description)
                query_addf_name(p, g->description, "IpPermissions.%zu.Groups.%zu.Description", n,
                                j + 1);
            if (g->group_id)
                query_addf_name(p, g->group_id, "IpPermissions.%zu.Groups.%zu.GroupId", n, j + 1);
            if (g->user_id)
                query_addf_name(p, g->user_id, "IpPermissions.%zu.Groups.%zu.UserId", n, j + 1);
        }
    }
    return p;
}

struct query_params *
ec2_build_authorize_security_group_ingress(const struct ec2_security_group_ingress_in *in)
{
    return ec2_build_ingress("AuthorizeSecurityGroupIngress", in);
}

struct query_params *
ec2_build_revoke_security_group_ingress(const struct ec2_security_group_ingress_in *in)
{
    return ec2_build_ingress("RevokeSecurityGroupIngress", in);
}

struct query_params *
ec2_build_revoke_security_group_egress(const struct ec2_security_group_ingress_in *in)
{
    return ec2_build_ingress("RevokeSecurityGroupEgress", in);
}

/* Append the rules of the set (Authorize's securityGroupRuleSet, Revoke's
 * revokedSecurityGroupRuleSet: the referenced group is named differently). */
static void ec2_parse_rules(const xmlNode *result, const char *set_name,
                            struct ec2_security_group_ingress_out *out)
{
    xmlNode *set = query_child(result, set_name);
    size_t k = ec2_count_items(set);
    if (k == 0)
        return;
    out->rules = mem_xextend(out->rules, out->n_rules, k, sizeof(*out->rules));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item")) {
        struct ec2_security_group_rule *r = &out->rules[out->n_rules++];
        r->rule_id = query_text(c, "securityGroupRuleId");
        r->group_id = query_text(c, "groupId");
        r->is_egress = query_bool(c, "isEgress", false);
        r->ip_protocol = query_text(c, "ipProtocol");
        r->from_port = ec2_int(c, "fromPort", 0);
        r->to_port = ec2_int(c, "toPort", 0);
        r->cidr_ipv4 = query_text(c, "cidrIpv4");
        r->cidr_ipv6 = query_text(c, "cidrIpv6");
        r->referenced_group_id = query_text(c, "referencedGroupInfo/groupId");
        if (!r->referenced_group_id)
            r->referenced_group_id = query_text(c, "referencedGroupId");
        r->description = query_text(c, "description");
    }
}

int ec2_parse_security_group_ingress(xmlNode *result, struct ec2_security_group_ingress_out *out)
{
    if (!result || !out)
        return -1;
    out->ret = query_bool(result, "return", true);
    ec2_parse_rules(result, "securityGroupRuleSet", out);
    ec2_parse_rules(result, "revokedSecurityGroupRuleSet", out);
    ec2_parse_permissions(result, "unknownIpPermissionSet", &out->unknown, &out->n_unknown);
    return 0;
}

void ec2_security_group_ingress_out_free(struct ec2_security_group_ingress_out *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_rules; i++) {
        struct ec2_security_group_rule *r = &o->rules[i];
        free(r->rule_id);
        free(r->group_id);
        free(r->ip_protocol);
        free(r->cidr_ipv4);
        free(r->cidr_ipv6);
        free(r->referenced_group_id);
        free(r->description);
    }
    free(o->rules);
    ec2_permissions_free(o->unknown, o->n_unknown);
    free(o);
}

struct query_params *
ec2_build_describe_security_groups(const struct ec2_describe_security_groups_in *in)
{
    struct query_params *p = query_params_new("DescribeSecurityGroups", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_filters(p, in->filters, in->n_filters);
    ec2_add_strings(p, "GroupId", in->group_ids, in->n_group_ids);
    ec2_add_strings(p, "GroupName", in->group_names, in->n_group_names);
    ec2_add_paging(p, in->max_results, in->next_token);
    return p;
}

int ec2_parse_security_groups(xmlNode *result, struct ec2_security_group_list *out)
{
    if (!result || !out)
        return -1;
    xmlNode *set = query_child(result, "securityGroupInfo");
    size_t k = ec2_count_items(set);
    if (k == 0)
        return 0;
    out->items = mem_xextend(out->items, out->n, k, sizeof(*out->items));
    for (xmlNode *c = query_first(set, "item"); c; c = query_next(c, "item"))
        ec2_security_group_parse(c, &out->items[out->n++]);
    return 0;
}

void ec2_security_group_list_free(struct ec2_security_group_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        ec2_security_group_clear(&l->items[i]);
    free(l->items);
    free(l->next_token);
    free(l);
}

struct query_params *ec2_build_delete_security_group(const struct ec2_delete_security_group_in *in)
{
    struct query_params *p = query_params_new("DeleteSecurityGroup", svc_ec2.api_version);
    if (in)
        ec2_add_opt(p, "GroupId", in->group_id);
    return p;
}

/* ---- tags ---- */

struct query_params *ec2_build_create_tags(const struct ec2_create_tags_in *in)
{
    struct query_params *p = query_params_new("CreateTags", svc_ec2.api_version);
    if (!in)
        return p;
    ec2_add_strings(p, "ResourceId", in->resource_ids, in->n_resource_ids);
    for (size_t i = 0; in->tags && i < in->n_tags; i++) {
        query_addf_name(p, in->tags[i].key ? in->tags[i].key : "", "Tag.%zu.Key", i + 1);
        query_addf_name(p, in->tags[i].value ? in->tags[i].value : "", "Tag.%zu.Value", i + 1);
    }
    return p;
}

/* ---- the calls (aws/typedcall.h runs them) ---- */

/* Describe* calls follow NextToken -> <nextToken>. */
#define EC2_PAGED(type)                                                                            \
    TYPEDCALL_PAGED(TYPEDCALL_EC2_TOKEN, type, next_token), .page_limit = EC2_MAX_PAGES_HARD

TYPEDCALL_OP(ec2_op_describe_availability_zones, &svc_ec2, "DescribeAvailabilityZones",
             struct ec2_availability_zone_list, ec2_describe_availability_zones_cb, XML_PLAIN,
             ec2_parse_availability_zones, ec2_availability_zone_list_free);
TYPEDCALL_OP(ec2_op_create_vpc, &svc_ec2, "CreateVpc", struct ec2_create_vpc_out, ec2_create_vpc_cb,
             XML_PLAIN, ec2_parse_create_vpc, ec2_create_vpc_out_free);
TYPEDCALL_OP(ec2_op_describe_vpcs, &svc_ec2, "DescribeVpcs", struct ec2_vpc_list,
             ec2_describe_vpcs_cb, XML_PLAIN, ec2_parse_vpcs, ec2_vpc_list_free,
             EC2_PAGED(struct ec2_vpc_list));
TYPEDCALL_OP(ec2_op_modify_vpc_attribute, &svc_ec2, "ModifyVpcAttribute", struct ec2_result,
             ec2_modify_vpc_attribute_cb, XML_PLAIN, ec2_parse_result, ec2_result_free);
TYPEDCALL_OP(ec2_op_create_subnet, &svc_ec2, "CreateSubnet", struct ec2_create_subnet_out,
             ec2_create_subnet_cb, XML_PLAIN, ec2_parse_create_subnet, ec2_create_subnet_out_free);
TYPEDCALL_OP(ec2_op_describe_subnets, &svc_ec2, "DescribeSubnets", struct ec2_subnet_list,
             ec2_describe_subnets_cb, XML_PLAIN, ec2_parse_subnets, ec2_subnet_list_free,
             EC2_PAGED(struct ec2_subnet_list));
TYPEDCALL_OP(ec2_op_delete_subnet, &svc_ec2, "DeleteSubnet", struct ec2_result,
             ec2_delete_subnet_cb, XML_PLAIN, ec2_parse_result, ec2_result_free);
TYPEDCALL_OP(ec2_op_delete_vpc, &svc_ec2, "DeleteVpc", struct ec2_result, ec2_delete_vpc_cb,
             XML_PLAIN, ec2_parse_result, ec2_result_free);
TYPEDCALL_OP(ec2_op_create_route_table, &svc_ec2, "CreateRouteTable",
             struct ec2_create_route_table_out, ec2_create_route_table_cb, XML_PLAIN,
             ec2_parse_create_route_table, ec2_create_route_table_out_free);
TYPEDCALL_OP(ec2_op_associate_route_table, &svc_ec2, "AssociateRouteTable",
             struct ec2_associate_route_table_out, ec2_associate_route_table_cb, XML_PLAIN,
             ec2_parse_associate_route_table, ec2_associate_route_table_out_free);
TYPEDCALL_OP(ec2_op_disassociate_route_table, &svc_ec2, "DisassociateRouteTable", struct ec2_result,
             ec2_disassociate_route_table_cb, XML_PLAIN, ec2_parse_result, ec2_result_free);
TYPEDCALL_OP(ec2_op_describe_route_tables, &svc_ec2, "DescribeRouteTables",
             struct ec2_route_table_list, ec2_describe_route_tables_cb, XML_PLAIN,
             ec2_parse_route_tables, ec2_route_table_list_free,
             EC2_PAGED(struct ec2_route_table_list));
TYPEDCALL_OP(ec2_op_delete_route_table, &svc_ec2, "DeleteRouteTable", struct ec2_result,
             ec2_delete_route_table_cb, XML_PLAIN, ec2_parse_result, ec2_result_free);
TYPEDCALL_OP(ec2_op_create_security_group, &svc_ec2, "CreateSecurityGroup",
             struct ec2_create_security_group_out, ec2_create_security_group_cb, XML_PLAIN,
             ec2_parse_create_security_group, ec2_create_security_group_out_free);
TYPEDCALL_OP(ec2_op_authorize_ingress, &svc_ec2, "AuthorizeSecurityGroupIngress",
             struct ec2_security_group_ingress_out, ec2_authorize_security_group_ingress_cb,
             XML_PLAIN, ec2_parse_security_group_ingress, ec2_security_group_ingress_out_free);
TYPEDCALL_OP(ec2_op_revoke_ingress, &svc_ec2, "RevokeSecurityGroupIngress",
             struct ec2_security_group_ingress_out, ec2_revoke_security_group_ingress_cb, XML_PLAIN,
             ec2_parse_security_group_ingress, ec2_security_group_ingress_out_free);
TYPEDCALL_OP(ec2_op_revoke_egress, &svc_ec2, "RevokeSecurityGroupEgress",
             struct ec2_security_group_ingress_out, ec2_revoke_security_group_egress_cb, XML_PLAIN,
             ec2_parse_security_group_ingress, ec2_security_group_ingress_out_free);
TYPEDCALL_OP(ec2_op_describe_security_groups, &svc_ec2, "DescribeSecurityGroups",
             struct ec2_security_group_list, ec2_describe_security_groups_cb, XML_PLAIN,
             ec2_parse_security_groups, ec2_security_group_list_free,
             EC2_PAGED(struct ec2_security_group_list));
TYPEDCALL_OP(ec2_op_delete_security_group, &svc_ec2, "DeleteSecurityGroup", struct ec2_result,
             ec2_delete_security_group_cb, XML_PLAIN, ec2_parse_result, ec2_result_free);
TYPEDCALL_OP(ec2_op_create_tags, &svc_ec2, "CreateTags", struct ec2_result, ec2_create_tags_cb,
             XML_PLAIN, ec2_parse_result, ec2_result_free);

/* DescribeVpcAttribute's parser needs to know which attribute was asked:
 * one descriptor per attribute. */
static int ec2_parse_dns_support(xmlNode *result, struct ec2_vpc_attribute_out *out)
{
    return ec2_parse_vpc_attribute(result, EC2_VPC_ENABLE_DNS_SUPPORT, out);
}

static int ec2_parse_dns_hostnames(xmlNode *result, struct ec2_vpc_attribute_out *out)
{
    return ec2_parse_vpc_attribute(result, EC2_VPC_ENABLE_DNS_HOSTNAMES, out);
}

TYPEDCALL_OP(ec2_op_dns_support, &svc_ec2, "DescribeVpcAttribute", struct ec2_vpc_attribute_out,
             ec2_describe_vpc_attribute_cb, XML_PLAIN, ec2_parse_dns_support,
             ec2_vpc_attribute_out_free);
TYPEDCALL_OP(ec2_op_dns_hostnames, &svc_ec2, "DescribeVpcAttribute", struct ec2_vpc_attribute_out,
             ec2_describe_vpc_attribute_cb, XML_PLAIN, ec2_parse_dns_hostnames,
             ec2_vpc_attribute_out_free);

struct aws_call *
ec2_describe_availability_zones(struct aws_client *c,
                                const struct ec2_describe_availability_zones_in *in,
                                ec2_describe_availability_zones_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_describe_availability_zones,
                           ec2_build_describe_availability_zones(in), 0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_create_vpc(struct aws_client *c, const struct ec2_create_vpc_in *in,
                                ec2_create_vpc_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_create_vpc, ec2_build_create_vpc(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *ec2_describe_vpcs(struct aws_client *c, const struct ec2_describe_vpcs_in *in,
                                   ec2_describe_vpcs_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_describe_vpcs, ec2_build_describe_vpcs(in),
                           in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_modify_vpc_attribute(struct aws_client *c,
                                          const struct ec2_modify_vpc_attribute_in *in,
                                          ec2_modify_vpc_attribute_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_modify_vpc_attribute, ec2_build_modify_vpc_attribute(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_describe_vpc_attribute(struct aws_client *c,
                                            const struct ec2_describe_vpc_attribute_in *in,
                                            ec2_describe_vpc_attribute_cb cb, void *arg)
{
    return typedcall_query(c,
                           in && in->attribute == EC2_VPC_ENABLE_DNS_HOSTNAMES
                               ? &ec2_op_dns_hostnames
                               : &ec2_op_dns_support,
                           ec2_build_describe_vpc_attribute(in), 0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_create_subnet(struct aws_client *c, const struct ec2_create_subnet_in *in,
                                   ec2_create_subnet_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_create_subnet, ec2_build_create_subnet(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_describe_subnets(struct aws_client *c,
                                      const struct ec2_describe_subnets_in *in,
                                      ec2_describe_subnets_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_describe_subnets, ec2_build_describe_subnets(in),
                           in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_delete_subnet(struct aws_client *c, const struct ec2_delete_subnet_in *in,
                                   ec2_delete_subnet_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_delete_subnet, ec2_build_delete_subnet(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_delete_vpc(struct aws_client *c, const struct ec2_delete_vpc_in *in,
                                ec2_delete_vpc_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_delete_vpc, ec2_build_delete_vpc(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *ec2_create_route_table(struct aws_client *c,
                                        const struct ec2_create_route_table_in *in,
                                        ec2_create_route_table_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_create_route_table, ec2_build_create_route_table(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_associate_route_table(struct aws_client *c,
                                           const struct ec2_associate_route_table_in *in,
                                           ec2_associate_route_table_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_associate_route_table, ec2_build_associate_route_table(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_disassociate_route_table(struct aws_client *c,
                                              const struct ec2_disassociate_route_table_in *in,
                                              ec2_disassociate_route_table_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_disassociate_route_table,
                           ec2_build_disassociate_route_table(in), 0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_describe_route_tables(struct aws_client *c,
                                           const struct ec2_describe_route_tables_in *in,
                                           ec2_describe_route_tables_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_describe_route_tables, ec2_build_describe_route_tables(in),
                           in ? in->max_pages : 0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_delete_route_table(struct aws_client *c,
                                        const struct ec2_delete_route_table_in *in,
                                        ec2_delete_route_table_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_delete_route_table, ec2_build_delete_route_table(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_create_security_group(struct aws_client *c,
                                           const struct ec2_create_security_group_in *in,
                                           ec2_create_security_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_create_security_group, ec2_build_create_security_group(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *
ec2_authorize_security_group_ingress(struct aws_client *c,
                                     const struct ec2_security_group_ingress_in *in,
                                     ec2_authorize_security_group_ingress_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_authorize_ingress,
                           ec2_build_authorize_security_group_ingress(in), 0, (typedcall_fn)cb,
                           arg);
}

struct aws_call *ec2_revoke_security_group_ingress(struct aws_client *c,
                                                   const struct ec2_security_group_ingress_in *in,
                                                   ec2_revoke_security_group_ingress_cb cb,
                                                   void *arg)
{
    return typedcall_query(c, &ec2_op_revoke_ingress, ec2_build_revoke_security_group_ingress(in),
                           0, (typedcall_fn)cb, arg);
}

struct aws_call *ec2_revoke_security_group_egress(struct aws_client *c,
                                                  const struct ec2_security_group_ingress_in *in,
                                                  ec2_revoke_security_group_egress_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_revoke_egress, ec2_build_revoke_security_group_egress(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_describe_security_groups(struct aws_client *c,
                                              const struct ec2_describe_security_groups_in *in,
                                              ec2_describe_security_groups_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_describe_security_groups,
                           ec2_build_describe_security_groups(in), in ? in->max_pages : 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_delete_security_group(struct aws_client *c,
                                           const struct ec2_delete_security_group_in *in,
                                           ec2_delete_security_group_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_delete_security_group, ec2_build_delete_security_group(in), 0,
                           (typedcall_fn)cb, arg);
}

struct aws_call *ec2_create_tags(struct aws_client *c, const struct ec2_create_tags_in *in,
                                 ec2_create_tags_cb cb, void *arg)
{
    return typedcall_query(c, &ec2_op_create_tags, ec2_build_create_tags(in), 0, (typedcall_fn)cb,
                           arg);
}

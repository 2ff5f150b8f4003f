/* export.c - Terraform, aws CLI and spec renderings of a stack, and a live
 * stack gathered into a spec (see export.h). */
#include "core/stack/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/discover.h"
#include "core/stack/stack_validate.h"

/* Stand-ins for what only exists once the stack does; replaced by
 * references (Terraform) or shell variables (CLI). Printable, no character
 * either output escapes. */
#define EX_ACCOUNT "ACCOUNTSENTINEL0"
#define EX_REST_ARN "RESTKEYARNSENTINEL0"
#define EX_SECRET_KEY_ARN "SECRETKEYARNSENTINEL0"
#define EX_SECRET_ARN "SECRETARNSENTINEL0"

/* The seed's token alphabet's complement among printable punctuation:
 * what get-random-password must leave out. */
#define EX_EXCLUDED "\"%'()*+,./:;=?@[\\]_`{|}~"

int export_format_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcasecmp(s, "terraform") == 0 || strcasecmp(s, "tf") == 0 || strcasecmp(s, "hcl") == 0)
        return EXPORT_TERRAFORM;
    if (strcasecmp(s, "cli") == 0 || strcasecmp(s, "sh") == 0)
        return EXPORT_CLI;
    if (strcasecmp(s, "spec") == 0 || strcasecmp(s, "ini") == 0)
        return EXPORT_SPEC;
    return -1;
}

const char *export_format_name(enum export_format f)
{
    switch (f) {
    case EXPORT_TERRAFORM:
        return "terraform";
    case EXPORT_CLI:
        return "cli";
    case EXPORT_SPEC:
        return "spec";
    }
    return "?";
}

void export_files_free(struct export_files *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->items[i].name);
        free(f->items[i].text);
    }
    free(f->items);
    f->items = NULL;
    f->n = 0;
}

static void export_add_file(struct export_files *f, const char *name, char *text, bool exec)
{
    f->items = mem_xrealloc(f->items, (f->n + 1) * sizeof(*f->items));
    f->items[f->n].name = mem_xstrdup(name);
    f->items[f->n].text = text;
    f->items[f->n].executable = exec;
    f->n++;
}

/* ================= HCL ================= */

/* The inside of an HCL string literal (n bytes of s). */
static void hcl_str_body(struct buf *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            buf_printf(o, "\\%c", p[i]);
        else if (p[i] == '\n')
            buf_appends(o, "\\n");
        else if (p[i] == '\t')
            buf_appends(o, "\\t");
        else if (p[i] < 0x20 || p[i] == 0x7f)
            buf_printf(o, "\\u%04x", p[i]);
        else if ((p[i] == '$' || p[i] == '%') && i + 1 < n && p[i + 1] == '{')
            buf_printf(o, "%c%c", p[i], p[i]); /* $${ and %%{ are literal */
        else
            buf_appendc(o, (char)p[i]);
    }
}

/* A quoted HCL string literal. */
static void hcl_str(struct buf *o, const char *s)
{
    buf_appendc(o, '"');
    hcl_str_body(o, s ? s : "", s ? strlen(s) : 0);
    buf_appendc(o, '"');
}

static bool hcl_is_ident(const char *k)
{
    if (!k || !*k || !((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
        return false;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

struct hcl_subst {
    const char *from; /* exact string */
    const char *to;   /* HCL expression */
};

/* A string of a policy document: a reference when it is one of the
 * stand-ins, a template when it contains the account, else a literal. */
static void hcl_policy_string(struct buf *o, const char *s, const struct hcl_subst *subs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, subs[i].from) == 0) {
            buf_appends(o, subs[i].to);
            return;
        }
    /* a template with the account as a reference */
    buf_appendc(o, '"');
    const char *p = s, *a;
    while ((a = strstr(p, EX_ACCOUNT))) {
        hcl_str_body(o, p, (size_t)(a - p));
        buf_appends(o, "${data.aws_caller_identity.current.account_id}");
        p = a + strlen(EX_ACCOUNT);
    }
    hcl_str_body(o, p, strlen(p));
    buf_appendc(o, '"');
}

static void hcl_indent(struct buf *o, int n)
{
    for (int i = 0; i < n; i++)
        buf_appendc(o, ' ');
}

static void hcl_json(struct buf *o, const json_t *v, int ind, const struct hcl_subst *subs,
                     size_t n)
{
    if (json_is_object(v)) {
        buf_appends(o, "{\n");
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            hcl_indent(o, ind + 2);
            if (hcl_is_ident(k))
                buf_appends(o, k);
            else
                hcl_str(o, k);
            buf_appends(o, " = ");
            hcl_json(o, x, ind + 2, subs, n);
            buf_appendc(o, '\n');
        }
        hcl_indent(o, ind);
        buf_appendc(o, '}');
    } else if (json_is_array(v)) {
        bool flat = true;
        size_t i;
        json_t *x;
        json_array_foreach((json_t *)v, i, x) flat =
            flat && !json_is_object(x) && !json_is_array(x);
        buf_appendc(o, '[');
        json_array_foreach((json_t *)v, i, x)
        {
            if (flat) {
                if (i)
                    buf_appends(o, ", ");
            } else {
                buf_appends(o, i ? ",\n" : "\n");
                hcl_indent(o, ind + 2);
            }
            hcl_json(o, x, ind + 2, subs, n);
        }
        if (!flat && json_array_size(v)) {
            buf_appendc(o, '\n');
            hcl_indent(o, ind);
        }
        buf_appendc(o, ']');
    } else if (json_is_string(v)) {
        hcl_policy_string(o, json_string_value(v), subs, n);
    } else if (json_is_true(v)) {
        buf_appends(o, "true");
    } else if (json_is_false(v)) {
        buf_appends(o, "false");
    } else if (json_is_integer(v)) {
        buf_printf(o, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        buf_printf(o, "%.17g", json_real_value(v));
    } else {
        buf_appends(o, "null");
    }
}

/* ---- names ---- */

/* How a derived name reads in HCL (an expression over var.name / locals). */
static const char *const ex_name_expr[STACK_NAME__COUNT] = {
    [STACK_NAME_VPC] = "var.name",
    [STACK_NAME_SUBNET_GROUP] = "\"${var.name}-cache-subnet\"",
    [STACK_NAME_SECURITY_GROUP] = "\"${var.name}-elasticache-sg\"",
    [STACK_NAME_REST_KEY_ALIAS] = "\"alias/${var.name}-encryption-rest\"",
    [STACK_NAME_SECRET_KEY_ALIAS] = "\"alias/${var.name}-encryption-secret\"",
    [STACK_NAME_SLOW_LOG_GROUP] = "\"/elasticache/${var.name}/slow-log\"",
    [STACK_NAME_ENGINE_LOG_GROUP] = "\"/elasticache/${var.name}/engine-log\"",
    [STACK_NAME_SECRET] = "\"${var.name}-elasticache-auth\"",
    [STACK_NAME_REPLICATION_GROUP] = "lower(var.name)",
    [STACK_NAME_DESCRIPTION] = "\"ElastiCache cluster for ${var.name}\"",
    [STACK_NAME_SSM_PREFIX] = "\"/elasticache/${var.name}/${local.replication_group_id}\"",
    [STACK_NAME_SSM_POLICY] = "\"${var.name}-ssm-parameter-read-policy\"",
    [STACK_NAME_SECRET_POLICY] = "\"${var.name}-secret-read-policy\"",
};

/* local.<name> for each name */
static const char *const ex_name_local[STACK_NAME__COUNT] = {
    [STACK_NAME_VPC] = "vpc_name",
    [STACK_NAME_SUBNET_GROUP] = "subnet_group_name",
    [STACK_NAME_SECURITY_GROUP] = "security_group_name",
    [STACK_NAME_REST_KEY_ALIAS] = "rest_key_alias",
    [STACK_NAME_SECRET_KEY_ALIAS] = "secret_key_alias",
    [STACK_NAME_SLOW_LOG_GROUP] = "slow_log_group",
    [STACK_NAME_ENGINE_LOG_GROUP] = "engine_log_group",
    [STACK_NAME_SECRET] = "secret_name",
    [STACK_NAME_REPLICATION_GROUP] = "replication_group_id",
    [STACK_NAME_DESCRIPTION] = "description",
    [STACK_NAME_SSM_PREFIX] = "ssm_prefix",
    [STACK_NAME_SSM_POLICY] = "ssm_read_policy_name",
    [STACK_NAME_SECRET_POLICY] = "secret_read_policy_name",
};

static void hcl_name_value(struct buf *o, const struct stack_spec *s, enum stack_name w)
{
    if (s->name_override[w])
        hcl_str(o, s->name_override[w]);
    else
        buf_appends(o, ex_name_expr[w]);
}

/* Resource label of the replication group: the stem without '-' ("app4",
 * as the seed names it). */
static char *ex_rg_label(const struct stack_spec *s)
{
    struct buf b;
    buf_init(&b, 256);
    for (const char *p = s->name; p && *p; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_')
            buf_appendc(&b, *p);
    char *l = buf_steal(&b);
    if (!*l || (*l >= '0' && *l <= '9')) {
        char *x = mem_xasprintf("rg_%s", l);
        free(l);
        return x;
    }
    return l;
}

static void hcl_list(struct buf *o, char *const *v, size_t n)
{
    buf_appendc(o, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_appends(o, ", ");
        hcl_str(o, v[i]);
    }
    buf_appendc(o, ']');
}

static void hcl_attr_str(struct buf *o, int ind, const char *k, const char *v)
{
    hcl_indent(o, ind);
    buf_printf(o, "%s = ", k);
    hcl_str(o, v);
    buf_appendc(o, '\n');
}

static void hcl_attr(struct buf *o, int ind, const char *k, const char *expr)
{
    hcl_indent(o, ind);
    buf_printf(o, "%s = %s\n", k, expr);
}

static void hcl_attr_int(struct buf *o, int ind, const char *k, long long v)
{
    hcl_indent(o, ind);
    buf_printf(o, "%s = %lld\n", k, v);
}

/* "tags = { Name = ... }" */
static void hcl_name_tag(struct buf *o, int ind, const char *expr)
{
    hcl_indent(o, ind);
    buf_printf(o, "tags = {\n");
    hcl_indent(o, ind + 2);
    buf_printf(o, "Name = %s\n", expr);
    hcl_indent(o, ind);
    buf_appends(o, "}\n");
}

/* ---- what a rendering says beyond the spec ---- */

/* The values of the resources a spec alone cannot carry: the spec's (a
 * plan: what apply will make) or what was read (a live stack). */
struct ex_view {
    const struct stack_spec *s;
    bool ingress; /* the security group has the stack's rule */
    const char *ingress_protocol;
    int ingress_from, ingress_to;
    const char *ingress_cidr; /* NULL: the VPC's CIDR (var.vpc_cidr) */
    const char *ingress_desc;
    bool egress; /* all traffic out */
    const char *egress_desc;
    const char *sg_name_tag; /* NULL: none */
    const char *subnet_group_desc;
    const char *auth_secret_tag; /* NULL: none */
    char *owned;
};

static void ex_view_init(struct ex_view *v, const struct stack_spec *s,
                         const struct export_observed *ob)
{
    memset(v, 0, sizeof(*v));
    v->s = s;
    v->ingress = true;
    v->ingress_protocol = "tcp";
    v->ingress_from = v->ingress_to = s->port;
    v->ingress_desc = STACK_DESC_SG_INGRESS;
    v->egress = true;
    v->egress_desc = STACK_DESC_SG_EGRESS;
    v->sg_name_tag = stack_spec_name(s, STACK_NAME_SECURITY_GROUP);
    v->owned = stack_spec_subnet_group_description(s);
    v->subnet_group_desc = v->owned;
    if (s->auth_token)
        v->auth_secret_tag =
            s->reuse_secret ? s->reuse_secret : stack_spec_name(s, STACK_NAME_SECRET);
    if (!ob)
        return;
    if (ob->sg_read) {
        v->ingress = ob->has_ingress;
        if (ob->has_ingress) {
            v->ingress_protocol = ob->ingress_protocol ? ob->ingress_protocol : "tcp";
            v->ingress_from = ob->ingress_from;
            v->ingress_to = ob->ingress_to;
            v->ingress_cidr =
                ob->ingress_cidr && s->vpc_cidr && strcmp(ob->ingress_cidr, s->vpc_cidr) == 0
                    ? NULL
                    : ob->ingress_cidr;
            v->ingress_desc = ob->ingress_description;
        }
        v->egress = ob->has_egress;
        v->egress_desc = ob->egress_description;
        v->sg_name_tag = ob->sg_name_tag;
    }
    if (ob->subnet_group_read)
        v->subnet_group_desc = ob->subnet_group_description;
    v->auth_secret_tag = ob->auth_secret_tag;
}

static void ex_view_free(struct ex_view *v)
{
    free(v->owned);
    memset(v, 0, sizeof(*v));
}

void export_observed_free(struct export_observed *o)
{
    if (!o)
        return;
    free(o->ingress_protocol);
    free(o->ingress_cidr);
    free(o->ingress_description);
    free(o->egress_description);
    free(o->sg_name_tag);
    free(o->subnet_group_description);
    free(o->auth_secret_tag);
    memset(o, 0, sizeof(*o));
}

/* The HCL for a value that is one of the stack's names when it is, else
 * the value itself. */
static void hcl_name_or_str(struct buf *o, const struct stack_spec *s, enum stack_name w,
                            const char *v)
{
    if (strcmp(v, stack_spec_name(s, w)) == 0)
        buf_printf(o, "local.%s", ex_name_local[w]);
    else
        hcl_str(o, v);
}

/* ---- the files ---- */

static char *tf_provider(const struct stack_spec *s)
{
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# provider.tf - written by `elcui export --format terraform`\n"
                    "terraform {\n"
                    "  required_providers {\n"
                    "    aws = {\n"
                    "      source  = \"hashicorp/aws\"\n"
                    "      version = \"5.20.1\"\n"
                    "    }\n"
                    "    random = {\n"
                    "      source  = \"hashicorp/random\"\n"
                    "      version = \"3.6.3\"\n"
                    "    }\n"
                    "  }\n"
                    "}\n"
                    "\n"
                    "provider \"aws\" {\n"
                    "  region     = var.region\n"
                    "  access_key = var.access_key\n"
                    "  secret_key = var.secret_key\n"
                    "  default_tags {\n"
                    "    tags = {\n"
                    "      \"" STACK_SPEC_TAG_KEY "\" = var.name\n");
    for (size_t i = 0; i < s->n_tags; i++) {
        buf_appends(&o, "      ");
        hcl_str(&o, s->tags[i].key);
        buf_appends(&o, " = ");
        hcl_str(&o, s->tags[i].value);
        buf_appendc(&o, '\n');
    }
    buf_appends(&o, "    }\n"
                    "  }\n"
                    "}\n"
                    "\n"
                    "provider \"random\" {}\n");
    return buf_steal(&o);
}

static void tf_var(struct buf *o, const char *name, const char *type, const char *desc,
                   const char *def_expr, bool sensitive)
{
    buf_printf(o, "\nvariable \"%s\" {\n", name);
    buf_appends(o, "  description = ");
    hcl_str(o, desc);
    buf_printf(o, "\n  type        = %s\n", type);
    if (sensitive)
        buf_appends(o, "  sensitive   = true\n");
    buf_printf(o, "  default     = %s\n}\n", def_expr);
}

static char *tf_variables(const struct stack_spec *s)
{
    struct buf o, d;
    buf_init(&o, 0);
    buf_init(&d, 0);
    buf_appends(&o, "# variable.tf - written by `elcui export --format terraform`\n");
    hcl_str(&d, stack_spec_region(s));
    tf_var(&o, "region", "string", "AWS region", buf_str(&d), false);
    tf_var(&o, "access_key", "string", "AWS access key (empty: the environment's credentials)",
           "\"\"", true);
    tf_var(&o, "secret_key", "string", "AWS secret key (empty: the environment's credentials)",
           "\"\"", true);
    buf_reset(&d);
    hcl_str(&d, s->name);
    tf_var(&o, "name", "string", "name stem of every resource", buf_str(&d), false);
    buf_reset(&d);
    hcl_str(&d, s->vpc_cidr);
    tf_var(&o, "vpc_cidr", "string", "IPv4 CIDR of the VPC", buf_str(&d), false);
    buf_reset(&d);
    hcl_list(&d, s->private_cidrs, s->n_private);
    tf_var(&o, "subnet_cidr_private", "list(any)", "private subnets: the cache's", buf_str(&d),
           false);
    buf_reset(&d);
    hcl_list(&d, s->public_cidrs, s->n_public);
    tf_var(&o, "subnet_cidr_public", "list(any)", "public subnets", buf_str(&d), false);
    buf_reset(&d);
    /* per region, so that changing var.region alone stays valid: a region
     * without an entry takes its available zones */
    if (s->n_azs) {
        buf_appends(&d, "{ ");
        hcl_str(&d, stack_spec_region(s));
        buf_appends(&d, " = ");
        hcl_list(&d, s->azs, s->n_azs);
        buf_appends(&d, " }");
    } else {
        buf_appends(&d, "{}");
    }
    tf_var(&o, "availability_zones", "map(list(string))",
           "zones in subnet order, per region (a region not listed: its available zones)",
           buf_str(&d), false);
    buf_free(&d);
    return buf_steal(&o);
}

static char *tf_data(const struct stack_spec *s)
{
    const char *part = stack_spec_partition(stack_spec_region(s));
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# data.tf - written by `elcui export --format terraform`\n"
                    "data \"aws_caller_identity\" \"current\" {}\n"
                    "\n"
                    "data \"aws_availability_zones\" \"available\" {\n"
                    "  state = \"available\"\n"
                    "}\n"
                    "\n"
                    "locals {\n");
    for (int w = 0; w < STACK_NAME__COUNT; w++) {
        buf_printf(&o, "  %s = ", ex_name_local[w]);
        hcl_name_value(&o, s, (enum stack_name)w);
        buf_appendc(&o, '\n');
    }
    buf_printf(&o,
               "  azs = lookup(var.availability_zones, var.region, "
               "data.aws_availability_zones.available.names)\n"
               "  # computed from the names, not from the resources (no reference cycle)\n"
               "  principal_root_arn = "
               "\"arn:%s:iam::${data.aws_caller_identity.current.account_id}:root\"\n"
               "  principal_logs_arn = \"logs.${var.region}.amazonaws.com\"\n"
               "  slow_log_arn = \"arn:%s:logs:${var.region}:"
               "${data.aws_caller_identity.current.account_id}:log-group:"
               "${local.slow_log_group}\"\n"
               "  engine_log_arn = \"arn:%s:logs:${var.region}:"
               "${data.aws_caller_identity.current.account_id}:log-group:"
               "${local.engine_log_group}\"\n",
               part, part, part);
    /* what is reused or created, in one place */
    buf_appends(&o, "  vpc_id = ");
    if (s->reuse_vpc)
        hcl_str(&o, s->reuse_vpc);
    else
        buf_appends(&o, "aws_vpc.this.id");
    buf_appends(&o, "\n  private_subnet_ids = ");
    if (s->n_reuse_subnets)
        hcl_list(&o, s->reuse_subnets, s->n_reuse_subnets);
    else
        buf_appends(&o, "aws_subnet.private[*].id");
    buf_appends(&o, "\n  cache_security_group_id = ");
    if (s->reuse_security_group)
        hcl_str(&o, s->reuse_security_group);
    else
        buf_appends(&o, "aws_security_group.elasticache.id");
    buf_printf(&o, "\n  rest_key_arn = %s\n",
               s->reuse_kms_key ? "data.aws_kms_key.encryption_rest.arn"
                                : "aws_kms_key.encryption_rest.arn");
    buf_printf(&o, "  rest_key_id = %s\n",
               s->reuse_kms_key ? "data.aws_kms_key.encryption_rest.id"
                                : "aws_kms_key.encryption_rest.id");
    if (s->auth_token) {
        buf_printf(&o, "  secret_key_arn = %s\n",
                   s->reuse_secret_kms_key ? "data.aws_kms_key.encryption_secret.arn"
                                           : "aws_kms_key.encryption_secret.arn");
        buf_printf(&o, "  secret_arn = %s\n",
                   s->reuse_secret ? "data.aws_secretsmanager_secret.elasticache_auth.arn"
                                   : "aws_secretsmanager_secret.elasticache_auth.arn");
    }
    buf_appends(&o, "}\n");
    return buf_steal(&o);
}

static char *tf_network(const struct stack_spec *s)
{
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# network.tf - written by `elcui export --format terraform`\n");
    if (s->reuse_vpc)
        buf_printf(&o, "# the VPC %s is reused, not managed here\n", s->reuse_vpc);
    else
        buf_appends(&o, "resource \"aws_vpc\" \"this\" {\n"
                        "  cidr_block           = var.vpc_cidr\n"
                        "  enable_dns_support   = true\n"
                        "  enable_dns_hostnames = true\n"
                        "  #checkov:skip=CKV2_AWS_11: no flow log (optional in the seed)\n"
                        "  tags = {\n"
                        "    Name = local.vpc_name\n"
                        "  }\n"
                        "}\n");
    if (s->n_reuse_subnets) {
        buf_appends(&o, "# the cache's subnets are reused, not managed here\n");
    } else {
        buf_appends(&o, "\nresource \"aws_subnet\" \"private\" {\n"
                        "  count             = length(var.subnet_cidr_private)\n"
                        "  vpc_id            = local.vpc_id\n"
                        "  cidr_block        = var.subnet_cidr_private[count.index]\n"
                        "  availability_zone = local.azs[count.index % length(local.azs)]\n"
                        "  tags = {\n"
                        "    Name = \"${local.vpc_name}-private-${count.index + 1}\"\n"
                        "  }\n"
                        "}\n"
                        "\n"
                        "resource \"aws_route_table\" \"private\" {\n"
                        "  count  = length(var.subnet_cidr_private)\n"
                        "  vpc_id = local.vpc_id\n"
                        "  tags = {\n"
                        "    Name = \"${local.vpc_name}-private-${count.index + 1}\"\n"
                        "  }\n"
                        "}\n"
                        "\n"
                        "resource \"aws_route_table_association\" \"private\" {\n"
                        "  count          = length(var.subnet_cidr_private)\n"
                        "  subnet_id      = aws_subnet.private[count.index].id\n"
                        "  route_table_id = aws_route_table.private[count.index].id\n"
                        "}\n");
        if (s->n_public)
            buf_appends(&o, "\nresource \"aws_subnet\" \"public\" {\n"
                            "  count             = length(var.subnet_cidr_public)\n"
                            "  vpc_id            = local.vpc_id\n"
                            "  cidr_block        = var.subnet_cidr_public[count.index]\n"
                            "  availability_zone = local.azs[count.index % length(local.azs)]\n"
                            "  tags = {\n"
                            "    Name = \"${local.vpc_name}-public-${count.index + 1}\"\n"
                            "  }\n"
                            "}\n"
                            "\n"
                            "resource \"aws_route_table\" \"public\" {\n"
                            "  vpc_id = local.vpc_id\n"
                            "  tags = {\n"
                            "    Name = \"${local.vpc_name}-public\"\n"
                            "  }\n"
                            "}\n"
                            "\n"
                            "resource \"aws_route_table_association\" \"public\" {\n"
                            "  count          = length(var.subnet_cidr_public)\n"
                            "  subnet_id      = aws_subnet.public[count.index].id\n"
                            "  route_table_id = aws_route_table.public.id\n"
                            "}\n");
    }
    if (!s->reuse_vpc && s->lock_default_security_group)
        buf_appends(&o, "\n# takes over the VPC's default security group and strips its rules\n"
                        "resource \"aws_default_security_group\" \"default\" {\n"
                        "  vpc_id = aws_vpc.this.id\n"
                        "  tags = {\n"
                        "    Name = \"${local.vpc_name}-default\"\n"
                        "  }\n"
                        "}\n");
    return buf_steal(&o);
}

static char *tf_security_group(const struct ex_view *v)
{
    const struct stack_spec *s = v->s;
    if (s->reuse_security_group)
        return NULL;
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# security_group.tf - written by `elcui export --format terraform`\n"
                    "resource \"aws_security_group\" \"elasticache\" {\n"
                    "  name        = local.security_group_name\n"
                    "  description = \"" STACK_DESC_SECURITY_GROUP "\"\n"
                    "  vpc_id      = local.vpc_id\n");
    if (v->sg_name_tag) {
        buf_appends(&o, "  tags = {\n    Name = ");
        hcl_name_or_str(&o, s, STACK_NAME_SECURITY_GROUP, v->sg_name_tag);
        buf_appends(&o, "\n  }\n");
    }
    buf_appends(&o, "}\n");
    if (v->ingress) {
        buf_appends(&o, "\nresource \"aws_security_group_rule\" \"elasticache_ingress\" {\n"
                        "  type              = \"ingress\"\n");
        if (v->ingress_desc)
            hcl_attr_str(&o, 2, "description      ", v->ingress_desc);
        hcl_attr_int(&o, 2, "from_port        ", v->ingress_from);
        hcl_attr_int(&o, 2, "to_port          ", v->ingress_to);
        hcl_attr_str(&o, 2, "protocol         ", v->ingress_protocol);
        buf_appends(&o, "  cidr_blocks       = [");
        if (v->ingress_cidr)
            hcl_str(&o, v->ingress_cidr);
        else
            buf_appends(&o, "var.vpc_cidr");
        buf_appends(&o, "]\n"
                        "  security_group_id = aws_security_group.elasticache.id\n"
                        "}\n");
    } else {
        buf_appends(&o, "# the security group has no ingress rule for the cache\n");
    }
    if (!v->egress) {
        buf_appends(&o, "# the security group lets no traffic out\n");
        return buf_steal(&o);
    }
    buf_appends(&o, "\nresource \"aws_security_group_rule\" \"elasticache_egress\" {\n"
                    "  type              = \"egress\"\n");
    if (v->egress_desc)
        hcl_attr_str(&o, 2, "description      ", v->egress_desc);
    buf_appends(&o, "  from_port         = 0\n"
                    "  to_port           = 0\n"
                    "  protocol          = \"-1\"\n"
                    "  cidr_blocks       = [\"0.0.0.0/0\"]\n"
                    "  security_group_id = aws_security_group.elasticache.id\n"
                    "}\n");
    return buf_steal(&o);
}

/* Substitutions that turn the create engine's policy documents into
 * references. Strings are owned by the table. */
struct ex_subs {
    struct hcl_subst items[16];
    char *owned[16];
    size_t n;
};

static void ex_subs_add(struct ex_subs *t, char *from, const char *to)
{
    t->owned[t->n] = from;
    t->items[t->n].from = from;
    t->items[t->n].to = to;
    t->n++;
}

static void ex_subs_init(struct ex_subs *t, const struct stack_spec *s)
{
    memset(t, 0, sizeof(*t));
    const char *region = stack_spec_region(s);
    const char *part = stack_spec_partition(region);
    ex_subs_add(t, mem_xasprintf("arn:%s:iam::%s:root", part, EX_ACCOUNT),
                "local.principal_root_arn");
    ex_subs_add(t, mem_xasprintf("logs.%s.amazonaws.com", region), "local.principal_logs_arn");
    ex_subs_add(t, stack_spec_log_group_arn(s, EX_ACCOUNT, false), "local.slow_log_arn");
    ex_subs_add(t, stack_spec_log_group_arn(s, EX_ACCOUNT, true), "local.engine_log_arn");
    ex_subs_add(t, mem_xasprintf("secretsmanager.%s.amazonaws.com", region),
                "\"secretsmanager.${var.region}.amazonaws.com\"");
    ex_subs_add(t, mem_xstrdup(EX_ACCOUNT), "data.aws_caller_identity.current.account_id");
    ex_subs_add(t, stack_spec_ssm_arn(s, EX_ACCOUNT, false),
                "aws_ssm_parameter.elasticache_ep.arn");
    ex_subs_add(t, stack_spec_ssm_arn(s, EX_ACCOUNT, true),
                "aws_ssm_parameter.elasticache_port.arn");
    ex_subs_add(t, mem_xstrdup(EX_REST_ARN), "local.rest_key_arn");
    ex_subs_add(t, mem_xstrdup(EX_SECRET_KEY_ARN), "local.secret_key_arn");
    ex_subs_add(t, mem_xstrdup(EX_SECRET_ARN), "local.secret_arn");
    /* the key policies' Id is the key's name */
    ex_subs_add(t, stack_spec_key_name(s, false), "trimprefix(local.rest_key_alias, \"alias/\")");
    ex_subs_add(t, stack_spec_key_name(s, true), "trimprefix(local.secret_key_alias, \"alias/\")");
}

static void ex_subs_free(struct ex_subs *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->owned[i]);
}

static void tf_policy(struct buf *o, json_t *doc, const struct ex_subs *t)
{
    buf_appends(o, "jsonencode(");
    hcl_json(o, doc, 2, t->items, t->n);
    buf_appends(o, ")");
    json_decref(doc);
}

static void tf_key(struct buf *o, const struct stack_spec *s, bool secret, const struct ex_subs *t)
{
    const char *res = secret ? "encryption_secret" : "encryption_rest";
    const char *reuse = secret ? s->reuse_secret_kms_key : s->reuse_kms_key;
    if (reuse) {
        buf_printf(o, "\n# reused key: not managed here\ndata \"aws_kms_key\" \"%s\" {\n", res);
        hcl_attr_str(o, 2, "key_id", reuse);
        buf_appends(o, "}\n");
        return;
    }
    buf_printf(o, "\nresource \"aws_kms_key\" \"%s\" {\n", res);
    hcl_attr_str(o, 2, "description", secret ? STACK_DESC_SECRET_KEY : STACK_DESC_REST_KEY);
    hcl_attr(o, 2, "enable_key_rotation", s->key_rotation ? "true" : "false");
    hcl_attr_int(o, 2, "deletion_window_in_days", s->key_deletion_window);
    char *key_name = stack_spec_key_name(s, secret);
    hcl_name_tag(o, 2,
                 secret ? "trimprefix(local.secret_key_alias, \"alias/\")"
                        : "trimprefix(local.rest_key_alias, \"alias/\")");
    free(key_name);
    buf_appends(o, "}\n");
    buf_printf(o,
               "\nresource \"aws_kms_alias\" \"%s\" {\n"
               "  name          = local.%s\n"
               "  target_key_id = aws_kms_key.%s.key_id\n"
               "}\n",
               res, secret ? "secret_key_alias" : "rest_key_alias", res);
    json_t *doc = secret
                      ? (s->secret_key_policy ? stack_spec_secret_key_policy(s, EX_ACCOUNT) : NULL)
                      : stack_spec_rest_key_policy(s, EX_ACCOUNT);
    if (!doc) {
        buf_printf(o, "# the key keeps KMS's default key policy\n");
        return;
    }
    buf_printf(o, "\nresource \"aws_kms_key_policy\" \"%s_policy\" {\n", res);
    buf_printf(o, "  key_id = aws_kms_key.%s.id\n  policy = ", res);
    tf_policy(o, doc, t);
    buf_appends(o, "\n}\n");
}

static char *tf_kms(const struct stack_spec *s, const struct ex_subs *t)
{
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# kms.tf - written by `elcui export --format terraform`\n"
                    "# The at-rest key encrypts the group, both log groups and the SSM\n"
                    "# parameters; the secret key encrypts the AUTH token's secret.\n");
    tf_key(&o, s, false, t);
    if (s->auth_token && !s->reuse_secret)
        tf_key(&o, s, true, t);
    return buf_steal(&o);
}

static char *tf_cloudwatch(const struct stack_spec *s)
{
    if (!s->slow_log && !s->engine_log)
        return NULL;
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# cloudwatch.tf - written by `elcui export --format terraform`\n"
                    "# After the key policy: CloudWatch Logs refuses a key whose policy does\n"
                    "# not let logs.<region>.amazonaws.com use it yet.\n");
    for (int e = 0; e < 2; e++) {
        if (!(e ? s->engine_log : s->slow_log))
            continue;
        buf_printf(&o, "\nresource \"aws_cloudwatch_log_group\" \"%s\" {\n",
                   e ? "engine_log" : "slow_log");
        buf_printf(&o, "  name              = local.%s\n",
                   e ? "engine_log_group" : "slow_log_group");
        if (s->log_retention_days > 0)
            buf_printf(&o, "  retention_in_days = %d\n", s->log_retention_days);
        buf_appends(&o, "  kms_key_id        = local.rest_key_arn\n");
        if (!s->reuse_kms_key)
            buf_appends(&o, "  depends_on        = [aws_kms_key_policy.encryption_rest_policy]\n");
        buf_appends(&o, "}\n");
    }
    return buf_steal(&o);
}

static char *tf_random(const struct stack_spec *s)
{
    if (!s->auth_token || s->reuse_secret)
        return NULL;
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# random.tf - written by `elcui export --format terraform`\n"
                    "# The AUTH token: 16-128 printable characters, only ! & # $ ^ < > -\n"
                    "# besides letters and digits.\n"
                    "resource \"random_password\" \"auth\" {\n");
    hcl_attr_int(&o, 2, "length", s->token_length);
    hcl_attr(&o, 2, "special", "true");
    hcl_attr_str(&o, 2, "override_special", "!&#$^<>-");
    buf_appends(&o, "}\n");
    if (s->token_file)
        buf_appends(&o, "# (the spec reads its token from a file: that token is not exported)\n");
    return buf_steal(&o);
}

static char *tf_elasticache(const struct ex_view *v)
{
    const struct stack_spec *s = v->s;
    struct buf o;
    buf_init(&o, 0);
    char *label = ex_rg_label(s);
    bool cluster = stack_validate_cluster_mode(s);
    buf_appends(&o, "# elasticache.tf - written by `elcui export --format terraform`\n"
                    "resource \"aws_elasticache_subnet_group\" \"elasticache_subnet\" {\n"
                    "  name        = local.subnet_group_name\n");
    if (v->subnet_group_desc)
        hcl_attr_str(&o, 2, "description", v->subnet_group_desc);
    buf_appends(&o, "  subnet_ids  = local.private_subnet_ids\n"
                    "}\n");
    if (s->auth_token && !s->reuse_secret) {
        buf_appends(&o, "\nresource \"aws_secretsmanager_secret\" \"elasticache_auth\" {\n"
                        "  name                    = local.secret_name\n");
        hcl_attr_int(&o, 2, "recovery_window_in_days", s->secret_recovery_days);
        buf_printf(&o, "  kms_key_id              = %s\n",
                   s->reuse_secret_kms_key ? "data.aws_kms_key.encryption_secret.id"
                                           : "aws_kms_key.encryption_secret.id");
        /* after the key's policy, as the plan orders it: Secrets Manager
         * must be allowed to use the key before the secret is made */
        if (!s->reuse_secret_kms_key && s->secret_key_policy)
            buf_appends(&o, "  depends_on              = "
                            "[aws_kms_key_policy.encryption_secret_policy]\n");
        buf_appends(&o, "  #checkov:skip=CKV2_AWS_57: the AUTH token is not rotated\n"
                        "}\n"
                        "\n"
                        "resource \"aws_secretsmanager_secret_version\" \"auth\" {\n"
                        "  secret_id     = aws_secretsmanager_secret.elasticache_auth.id\n"
                        "  secret_string = random_password.auth.result\n"
                        "}\n");
    } else if (s->auth_token) {
        buf_appends(&o, "\n# reused secret: the token is read from it\n"
                        "data \"aws_secretsmanager_secret\" \"elasticache_auth\" {\n");
        hcl_attr_str(&o, 2, "name", s->reuse_secret);
        buf_appends(&o, "}\n"
                        "\n"
                        "data \"aws_secretsmanager_secret_version\" \"auth\" {\n"
                        "  secret_id = data.aws_secretsmanager_secret.elasticache_auth.id\n"
                        "}\n");
    }
    buf_printf(&o, "\nresource \"aws_elasticache_replication_group\" \"%s\" {\n", label);
    buf_appends(&o, "  replication_group_id       = local.replication_group_id\n"
                    "  description                = local.description\n");
    hcl_attr_str(&o, 2, "engine                    ", s->engine ? s->engine : "redis");
    if (s->engine_version)
        hcl_attr_str(&o, 2, "engine_version            ", s->engine_version);
    hcl_attr_str(&o, 2, "node_type                 ", s->node_type);
    hcl_attr_str(&o, 2, "parameter_group_name      ", s->parameter_group);
    hcl_attr_int(&o, 2, "port                      ", s->port);
    if (cluster) {
        hcl_attr_int(&o, 2, "num_node_groups           ", s->shards);
        hcl_attr_int(&o, 2, "replicas_per_node_group   ", s->replicas);
    } else {
        hcl_attr_int(&o, 2, "num_cache_clusters        ", 1 + s->replicas);
    }
    hcl_attr(&o, 2, "multi_az_enabled          ", s->multi_az ? "true" : "false");
    hcl_attr(&o, 2, "automatic_failover_enabled", s->automatic_failover ? "true" : "false");
    buf_appends(&o, "  subnet_group_name          = "
                    "aws_elasticache_subnet_group.elasticache_subnet.name\n"
                    "  security_group_ids         = [local.cache_security_group_id]\n");
    hcl_attr(&o, 2, "at_rest_encryption_enabled", s->at_rest_encryption ? "true" : "false");
    if (s->at_rest_encryption)
        buf_appends(&o, "  # by ARN: AWS reports the key as an ARN, so nothing differs\n"
                        "  kms_key_id                 = local.rest_key_arn\n");
    hcl_attr(&o, 2, "transit_encryption_enabled", s->transit_encryption ? "true" : "false");
    if (s->auth_token && s->transit_encryption)
        buf_printf(&o, "  auth_token                 = %s\n",
                   s->reuse_secret ? "data.aws_secretsmanager_secret_version.auth.secret_string"
                                   : "aws_secretsmanager_secret_version.auth.secret_string");
    if (s->snapshot_retention > 0)
        hcl_attr_int(&o, 2, "snapshot_retention_limit  ", s->snapshot_retention);
    if (!s->auto_minor_version_upgrade)
        hcl_attr(&o, 2, "auto_minor_version_upgrade", "false");
    for (int e = 0; e < 2; e++) {
        if (!(e ? s->engine_log : s->slow_log))
            continue;
        buf_printf(&o,
                   "  log_delivery_configuration {\n"
                   "    destination      = aws_cloudwatch_log_group.%s.name\n"
                   "    destination_type = \"cloudwatch-logs\"\n",
                   e ? "engine_log" : "slow_log");
        hcl_attr_str(&o, 4, "log_format      ", s->log_format ? s->log_format : "json");
        hcl_attr_str(&o, 4, "log_type        ", e ? "engine-log" : "slow-log");
        buf_appends(&o, "  }\n");
    }
    if (v->auth_secret_tag) {
        /* where elcui's exec and doctor find the AUTH token */
        buf_appends(&o, "  tags = {\n    \"" DISCOVER_TAG_AUTH_SECRET "\" = ");
        if (!s->reuse_secret)
            hcl_name_or_str(&o, s, STACK_NAME_SECRET, v->auth_secret_tag);
        else
            hcl_str(&o, v->auth_secret_tag);
        buf_appends(&o, "\n  }\n");
    }
    if (s->at_rest_encryption)
        buf_appends(&o, "  lifecycle {\n"
                        "    ignore_changes = [kms_key_id]\n"
                        "  }\n");
    buf_appends(&o, "  apply_immediately = true\n}\n");
    free(label);
    return buf_steal(&o);
}

static char *tf_ssm(const struct stack_spec *s)
{
    if (!s->ssm_parameters)
        return NULL;
    char *label = ex_rg_label(s);
    bool cluster = stack_validate_cluster_mode(s);
    struct buf o;
    buf_init(&o, 0);
    buf_printf(&o,
               "# ssm_parameter.tf - written by `elcui export --format terraform`\n"
               "resource \"aws_ssm_parameter\" \"elasticache_ep\" {\n"
               "  name   = \"${local.ssm_prefix}/endpoint\"\n"
               "  type   = \"SecureString\"\n"
               "  key_id = local.rest_key_id\n"
               "  value  = aws_elasticache_replication_group.%s.%s\n"
               "}\n"
               "\n"
               "resource \"aws_ssm_parameter\" \"elasticache_port\" {\n"
               "  name   = \"${local.ssm_prefix}/port\"\n"
               "  type   = \"SecureString\"\n"
               "  key_id = local.rest_key_id\n"
               "  value  = tostring(aws_elasticache_replication_group.%s.port)\n"
               "}\n",
               label, cluster ? "configuration_endpoint_address" : "primary_endpoint_address",
               label);
    free(label);
    return buf_steal(&o);
}

static char *tf_iam(const struct stack_spec *s, const struct ex_subs *t)
{
    bool ssm = s->ssm_read_policy && s->ssm_parameters;
    bool sec = s->secret_read_policy && s->auth_token;
    if (!ssm && !sec)
        return NULL;
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# iam_role.tf - written by `elcui export --format terraform`\n");
    if (ssm) {
        buf_appends(&o, "resource \"aws_iam_policy\" \"ssm_parameter_policy\" {\n"
                        "  name        = local.ssm_read_policy_name\n"
                        "  path        = \"/\"\n"
                        "  description = \"" STACK_DESC_SSM_POLICY "\"\n"
                        "  policy      = ");
        tf_policy(&o, stack_spec_ssm_read_policy(s, EX_ACCOUNT, EX_REST_ARN), t);
        buf_appends(&o, "\n}\n");
    }
    if (sec) {
        buf_appends(&o, ssm ? "\n" : "");
        buf_appends(&o, "resource \"aws_iam_policy\" \"secret_manager_policy\" {\n"
                        "  name        = local.secret_read_policy_name\n"
                        "  path        = \"/\"\n"
                        "  description = \"" STACK_DESC_SECRET_POLICY "\"\n"
                        "  policy      = ");
        tf_policy(&o, stack_spec_secret_read_policy(s, EX_SECRET_ARN, EX_SECRET_KEY_ARN), t);
        buf_appends(&o, "\n}\n");
    }
    return buf_steal(&o);
}

/* ---- layout as `terraform fmt` writes it ----
 * Consecutive one-line attributes at the same indentation align their '='
 * (comment lines do not break the run; blank lines, blocks and attributes
 * whose value spans lines do). */

struct hcl_line {
    const char *start;
    size_t len;
    int indent;
    size_t key_len; /* 0: not a one-line attribute */
    size_t ml_key;  /* an attribute whose value spans lines: its key length */
    bool comment;
};

/* Net brackets a value opens (outside strings). */
static int hcl_open_brackets(const char *p, size_t n)
{
    int depth = 0;
    bool str = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                str = false;
            continue;
        }
        if (c == '"')
            str = true;
        else if (c == '(' || c == '[' || c == '{')
            depth++;
        else if (c == ')' || c == ']' || c == '}')
            depth--;
    }
    return depth;
}

static void hcl_classify(struct hcl_line *l)
{
    const char *p = l->start;
    size_t n = l->len, i = 0;
    while (i < n && p[i] == ' ')
        i++;
    l->indent = (int)i;
    l->key_len = 0;
    l->ml_key = 0;
    l->comment = i < n && p[i] == '#';
    if (i >= n || l->comment)
        return;
    size_t k = i;
    if (p[k] == '"') {
        k++;
        while (k < n && p[k] != '"')
            k += p[k] == '\\' ? 2 : 1;
        k++;
    } else {
        while (k < n && p[k] != ' ' && p[k] != '=')
            k++;
    }
    size_t e = k;
    while (e < n && p[e] == ' ')
        e++;
    if (e >= n || p[e] != '=' || (e + 1 < n && p[e + 1] == '='))
        return;
    if (hcl_open_brackets(p + e + 1, n - e - 1) > 0) {
        l->ml_key = k - i;
        return;
    }
    l->key_len = k - i;
}

static char *hcl_align(const char *text)
{
    size_t cap = 64, nl = 0;
    struct hcl_line *v = mem_xcalloc(cap, sizeof(*v));
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (nl == cap)
            v = mem_xgrow(v, &cap, cap + 1, sizeof(*v));
        v[nl].start = p;
        v[nl].len = len;
        hcl_classify(&v[nl]);
        nl++;
        p += len + (e ? 1 : 0);
    }
    struct buf o;
    buf_init(&o, 0);
    size_t i = 0;
    while (i < nl) {
        if (!v[i].key_len) {
            if (v[i].ml_key) {
                /* "key = value" with one space each side */
                const char *p = v[i].start;
                size_t ks = (size_t)v[i].indent + v[i].ml_key;
                const char *eq = memchr(p + ks, '=', v[i].len - ks);
                const char *val = eq + 1;
                while (val < p + v[i].len && *val == ' ')
                    val++;
                buf_append(&o, p, ks);
                buf_appends(&o, " = ");
                buf_append(&o, val, (size_t)(p + v[i].len - val));
            } else {
                buf_append(&o, v[i].start, v[i].len);
            }
            buf_appendc(&o, '\n');
            i++;
            continue;
        }
        /* the run: attributes (and comments) at this indentation */
        size_t j = i, width = 0;
        while (j < nl && v[j].indent == v[i].indent && (v[j].key_len || v[j].comment)) {
            if (v[j].key_len > width)
                width = v[j].key_len;
            j++;
        }
        while (j > i && v[j - 1].comment)
            j--;
        for (size_t k = i; k < j; k++) {
            const char *p = v[k].start;
            if (!v[k].key_len) {
                buf_append(&o, p, v[k].len);
                buf_appendc(&o, '\n');
                continue;
            }
            size_t ks = (size_t)v[k].indent;
            buf_append(&o, p, ks + v[k].key_len);
            for (size_t pad = v[k].key_len; pad < width; pad++)
                buf_appendc(&o, ' ');
            const char *eq = memchr(p + ks + v[k].key_len, '=', v[k].len - ks - v[k].key_len);
            const char *val = eq + 1;
            while (*val == ' ' && val < p + v[k].len)
                val++;
            buf_appends(&o, " = ");
            buf_append(&o, val, (size_t)(p + v[k].len - val));
            buf_appendc(&o, '\n');
        }
        i = j;
    }
    free(v);
    /* the input's last line had no newline: keep it so */
    if (*text && text[strlen(text) - 1] != '\n' && o.len)
        o.data[--o.len] = '\0';
    return buf_steal(&o);
}

static void export_add_tf(struct export_files *out, const char *name, char *text)
{
    char *a = hcl_align(text);
    free(text);
    export_add_file(out, name, a, false);
}

static void export_terraform(const struct ex_view *v, struct export_files *out)
{
    const struct stack_spec *s = v->s;
    struct ex_subs t;
    ex_subs_init(&t, s);
    char *text;
    export_add_tf(out, "provider.tf", tf_provider(s));
    export_add_tf(out, "variable.tf", tf_variables(s));
    export_add_tf(out, "data.tf", tf_data(s));
    export_add_tf(out, "network.tf", tf_network(s));
    if ((text = tf_security_group(v)))
        export_add_tf(out, "security_group.tf", text);
    export_add_tf(out, "kms.tf", tf_kms(s, &t));
    if ((text = tf_cloudwatch(s)))
        export_add_tf(out, "cloudwatch.tf", text);
    if ((text = tf_random(s)))
        export_add_tf(out, "random.tf", text);
    export_add_tf(out, "elasticache.tf", tf_elasticache(v));
    if ((text = tf_ssm(s)))
        export_add_tf(out, "ssm_parameter.tf", text);
    if ((text = tf_iam(s, &t)))
        export_add_tf(out, "iam_role.tf", text);
    ex_subs_free(&t);
}

/* ================= aws CLI ================= */

/* A single-quoted shell word. */
static void sh_q(struct buf *o, const char *s)
{
    buf_appendc(o, '\'');
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\'')
            buf_appends(o, "'\\''");
        else
            buf_appendc(o, *p);
    }
    buf_appendc(o, '\'');
}

/* JSON for a heredoc: $, ` and \ escaped, then the stand-ins become shell
 * variables. */
static void sh_json_heredoc(struct buf *o, const char *var, json_t *doc)
{
    char *j = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    struct buf e;
    buf_init(&e, 0);
    for (const char *p = j ? j : "{}"; *p; p++) {
        if (*p == '$' || *p == '`' || *p == '\\')
            buf_appendc(&e, '\\');
        buf_appendc(&e, *p);
    }
    free(j);
    static const struct {
        const char *from, *to;
    } vars[] = {
        {EX_ACCOUNT, "${ACCOUNT}"},
        {EX_REST_ARN, "${REST_KEY_ARN}"},
        {EX_SECRET_KEY_ARN, "${SECRET_KEY_ARN}"},
        {EX_SECRET_ARN, "${SECRET_ARN}"},
    };
    char *t = buf_steal(&e);
    for (size_t v = 0; v < sizeof(vars) / sizeof(vars[0]); v++) {
        struct buf r;
        buf_init(&r, 0);
        const char *p = t, *a;
        while ((a = strstr(p, vars[v].from))) {
            buf_append(&r, p, (size_t)(a - p));
            buf_appends(&r, vars[v].to);
            p = a + strlen(vars[v].from);
        }
        buf_appends(&r, p);
        free(t);
        t = buf_steal(&r);
    }
    buf_printf(o, "%s=$(cat <<EOF\n%s\nEOF\n)\n", var, t);
    free(t);
}

/* Tags as the EC2 --tag-specifications shorthand for a resource type. */
static void sh_ec2_tags(struct buf *o, const struct stack_spec *s, const char *type,
                        const char *name)
{
    struct buf t;
    buf_init(&t, 0);
    buf_printf(&t, "ResourceType=%s,Tags=[", type);
    if (name)
        buf_printf(&t, "{Key=Name,Value=%s},", name);
    buf_printf(&t, "{Key=%s,Value=%s}", STACK_SPEC_TAG_KEY, s->name);
    for (size_t i = 0; i < s->n_tags; i++)
        buf_printf(&t, ",{Key=%s,Value=%s}", s->tags[i].key, s->tags[i].value);
    buf_appendc(&t, ']');
    buf_appends(o, " --tag-specifications ");
    sh_q(o, buf_str(&t));
    buf_free(&t);
}

/* [{"Key":..,"Value":..}] (ElastiCache, Secrets Manager, SSM, IAM) or
 * {"k":"v"} (CloudWatch Logs) or TagKey/TagValue (KMS). */
enum sh_tag_style { SH_TAGS_KEY_VALUE, SH_TAGS_MAP, SH_TAGS_KMS };

static void sh_tags(struct buf *o, const struct stack_spec *s, enum sh_tag_style st,
                    const char *name_tag)
{
    json_t *a = st == SH_TAGS_MAP ? json_object() : json_array();
    const char *kk = st == SH_TAGS_KMS ? "TagKey" : "Key";
    const char *vk = st == SH_TAGS_KMS ? "TagValue" : "Value";
    size_t n = s->n_tags + 1 + (name_tag ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        const char *k, *v;
        if (name_tag && i == 0) {
            k = "Name";
            v = name_tag;
        } else if (i == (name_tag ? 1u : 0u)) {
            k = STACK_SPEC_TAG_KEY;
            v = s->name;
        } else {
            size_t t = i - 1 - (name_tag ? 1 : 0);
            k = s->tags[t].key;
            v = s->tags[t].value;
        }
        if (st == SH_TAGS_MAP)
            json_object_set_new(a, k, json_string(v));
        else
            json_array_append_new(a, json_pack("{s:s,s:s}", kk, k, vk, v));
    }
    char *j = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    buf_appends(o, " --tags ");
    sh_q(o, j ? j : "[]");
    free(j);
}

/* sh_tags (Key/Value style) with one more tag when value is set. */
static void sh_tags_extra(struct buf *o, const struct stack_spec *s, const char *key,
                          const char *value)
{
    if (!value) {
        sh_tags(o, s, SH_TAGS_KEY_VALUE, NULL);
        return;
    }
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s,s:s}", "Key", STACK_SPEC_TAG_KEY, "Value", s->name));
    for (size_t i = 0; i < s->n_tags; i++)
        json_array_append_new(
            a, json_pack("{s:s,s:s}", "Key", s->tags[i].key, "Value", s->tags[i].value));
    json_array_append_new(a, json_pack("{s:s,s:s}", "Key", key, "Value", value));
    char *j = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    buf_appends(o, " --tags ");
    sh_q(o, j ? j : "[]");
    free(j);
}

static void sh_key(struct buf *o, const struct stack_spec *s, bool secret)
{
    const char *V = secret ? "SECRET_KEY" : "REST_KEY";
    const char *reuse = secret ? s->reuse_secret_kms_key : s->reuse_kms_key;
    if (reuse) {
        buf_printf(o, "%s_ID=", V);
        sh_q(o, reuse);
        buf_printf(o,
                   "\n# shellcheck disable=SC2046\nset -- $(aws kms describe-key --key-id "
                   "\"$%s_ID\" --query 'KeyMetadata.[KeyId,Arn]' --output text)\n"
                   "%s_ID=$1\n%s_ARN=$2\nsay \"reusing key $%s_ARN\"\n",
                   V, V, V, V);
        return;
    }
    char *kn = stack_spec_key_name(s, secret);
    buf_appends(o, "# shellcheck disable=SC2046\nset -- $(aws kms create-key --description ");
    sh_q(o, secret ? STACK_DESC_SECRET_KEY : STACK_DESC_REST_KEY);
    sh_tags(o, s, SH_TAGS_KMS, kn);
    buf_printf(o, " --query 'KeyMetadata.[KeyId,Arn]' --output text)\n%s_ID=$1\n%s_ARN=$2\n", V, V);
    if (s->key_rotation)
        buf_printf(o, "aws kms enable-key-rotation --key-id \"$%s_ID\"\n", V);
    buf_appends(o, "aws kms create-alias --alias-name ");
    sh_q(o, stack_spec_name(s, secret ? STACK_NAME_SECRET_KEY_ALIAS : STACK_NAME_REST_KEY_ALIAS));
    buf_printf(o, " --target-key-id \"$%s_ID\"\n", V);
    json_t *doc = secret
                      ? (s->secret_key_policy ? stack_spec_secret_key_policy(s, EX_ACCOUNT) : NULL)
                      : stack_spec_rest_key_policy(s, EX_ACCOUNT);
    if (doc) {
        sh_json_heredoc(o, "POLICY", doc);
        buf_printf(o,
                   "aws kms put-key-policy --key-id \"$%s_ID\" --policy-name default --policy "
                   "\"$POLICY\"\n",
                   V);
    }
    buf_printf(
        o, "say \"created key $%s_ARN (alias %s)\"\n", V,
        stack_spec_name(s, secret ? STACK_NAME_SECRET_KEY_ALIAS : STACK_NAME_REST_KEY_ALIAS));
    free(kn);
}

static char *export_cli(const struct ex_view *v)
{
    const struct stack_spec *s = v->s;
    struct buf o;
    buf_init(&o, 0);
    const char *region = stack_spec_region(s);
    bool cluster = stack_validate_cluster_mode(s);
    const char *rg = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP);
    buf_printf(&o,
               "#!/bin/sh\n"
               "# Stack %s (%s) as aws CLI commands - written by `elcui export --format cli`.\n"
               "#\n"
               "# Creates the stack once, in the order elcui's apply uses: network, subnet\n"
               "# group, security group, the at-rest key and its policy BEFORE the log\n"
               "# groups (retried while the policy propagates), the secret key and the\n"
               "# secret BEFORE the replication group, a wait until the group is\n"
               "# available, the SSM parameters after it and the IAM policies last.\n"
               "# It is not idempotent: for re-runs and resume use `elcui create`.\n"
               "#\n"
               "# The AUTH token is made by Secrets Manager (get-random-password, only the\n"
               "# characters AUTH allows), kept in a private temporary file passed as\n"
               "# file://, never printed, and removed on exit.\n"
               "#\n"
               "# Needs the aws CLI (v1 or v2) and credentials; AWS_ENDPOINT_URL is honoured.\n"
               "set -eu\n"
               "umask 077\n",
               s->name, region);
    buf_appends(&o, "REGION=${REGION:-");
    buf_appends(&o, region);
    buf_appends(&o, "}\n"
                    "aws() { command aws --region \"$REGION\" \"$@\"; }\n"
                    "say() { printf '%s\\n' \"$*\" >&2; }\n"
                    "TOKEN_FILE=$(mktemp)\n"
                    "trap 'rm -f \"$TOKEN_FILE\"' EXIT\n"
                    "trap 'exit 130' HUP INT TERM\n"
                    "ACCOUNT=$(aws sts get-caller-identity --query Account --output text)\n\n");

    /* 1-2. network */
    buf_appends(&o, "# 1. VPC\n");
    if (s->reuse_vpc) {
        buf_appends(&o, "VPC_ID=");
        sh_q(&o, s->reuse_vpc);
        buf_appends(&o, "\n");
    } else {
        buf_appends(&o, "VPC_ID=$(aws ec2 create-vpc --cidr-block ");
        sh_q(&o, s->vpc_cidr);
        sh_ec2_tags(&o, s, "vpc", stack_spec_name(s, STACK_NAME_VPC));
        buf_appends(&o, " --query Vpc.VpcId --output text)\n"
                        "aws ec2 wait vpc-available --vpc-ids \"$VPC_ID\"\n"
                        "aws ec2 modify-vpc-attribute --vpc-id \"$VPC_ID\" --enable-dns-support "
                        "'{\"Value\":true}'\n"
                        "aws ec2 modify-vpc-attribute --vpc-id \"$VPC_ID\" --enable-dns-hostnames "
                        "'{\"Value\":true}'\n"
                        "say \"created VPC $VPC_ID\"\n");
    }
    buf_appends(&o, "\n# 2. subnets (private: the cache's) and route tables\n");
    /* the zones belong to their region: another REGION takes its own */
    const char *any_zones = "AZS=$(aws ec2 describe-availability-zones --filters "
                            "Name=state,Values=available --query "
                            "'AvailabilityZones[].ZoneName' --output text)";
    if (s->n_azs) {
        buf_appends(&o, "case \"$REGION\" in\n");
        sh_q(&o, region);
        buf_appends(&o, ") AZS=");
        struct buf z;
        buf_init(&z, 0);
        for (size_t i = 0; i < s->n_azs; i++)
            buf_printf(&z, "%s%s", i ? " " : "", s->azs[i]);
        sh_q(&o, buf_str(&z));
        buf_free(&z);
        buf_printf(&o, " ;;\n*) %s ;;\nesac\n", any_zones);
    } else {
        buf_printf(&o, "%s\n", any_zones);
    }
    buf_appends(&o, "az() { printf '%s\\n' \"$AZS\" | awk -v i=\"$1\" '{ n = split($0, z, /[ "
                    "\\t]+/); print z[(i % n) + 1] }'; }\n");
    if (s->n_reuse_subnets) {
        buf_appends(&o, "SUBNET_IDS=");
        struct buf z;
        buf_init(&z, 0);
        for (size_t i = 0; i < s->n_reuse_subnets; i++)
            buf_printf(&z, "%s%s", i ? " " : "", s->reuse_subnets[i]);
        sh_q(&o, buf_str(&z));
        buf_free(&z);
        buf_appendc(&o, '\n');
    } else {
        buf_appends(&o, "SUBNET_IDS=\n");
        for (int pub = 0; pub < 2; pub++) {
            size_t n = pub ? s->n_public : s->n_private;
            for (size_t i = 0; i < n; i++) {
                char *sn = stack_spec_subnet_name(s, pub != 0, i);
                buf_printf(&o, "SUBNET=$(aws ec2 create-subnet --vpc-id \"$VPC_ID\" --cidr-block ");
                sh_q(&o, pub ? s->public_cidrs[i] : s->private_cidrs[i]);
                buf_printf(&o, " --availability-zone \"$(az %zu)\"", i);
                sh_ec2_tags(&o, s, "subnet", sn);
                buf_appends(&o, " --query Subnet.SubnetId --output text)\n");
                if (!pub) {
                    buf_appends(&o, "SUBNET_IDS=\"$SUBNET_IDS $SUBNET\"\n"
                                    "RTB=$(aws ec2 create-route-table --vpc-id \"$VPC_ID\"");
                    sh_ec2_tags(&o, s, "route-table", sn);
                    buf_appends(&o, " --query RouteTable.RouteTableId --output text)\n"
                                    "aws ec2 associate-route-table --route-table-id \"$RTB\" "
                                    "--subnet-id \"$SUBNET\" >/dev/null\n");
                } else {
                    if (i == 0) {
                        char *pr = stack_spec_public_route_table_name(s);
                        buf_appends(&o, "PUBLIC_RTB=$(aws ec2 create-route-table --vpc-id "
                                        "\"$VPC_ID\"");
                        sh_ec2_tags(&o, s, "route-table", pr);
                        buf_appends(&o, " --query RouteTable.RouteTableId --output text)\n");
                        free(pr);
                    }
                    buf_appends(&o, "aws ec2 associate-route-table --route-table-id "
                                    "\"$PUBLIC_RTB\" --subnet-id \"$SUBNET\" >/dev/null\n");
                }
                buf_printf(&o, "say \"created subnet $SUBNET (%s)\"\n", sn);
                free(sn);
            }
        }
    }
    if (!s->reuse_vpc && s->lock_default_security_group) {
        char *dn = stack_spec_default_sg_name(s);
        buf_appends(&o, "# the VPC's default security group keeps no rules\n"
                        "DEFAULT_SG=$(aws ec2 describe-security-groups --filters "
                        "\"Name=vpc-id,Values=$VPC_ID\" Name=group-name,Values=default --query "
                        "'SecurityGroups[0].GroupId' --output text)\n"
                        "RULES=$(aws ec2 describe-security-groups --group-ids \"$DEFAULT_SG\" "
                        "--query 'SecurityGroups[0].IpPermissions' --output json)\n"
                        "if [ \"$(printf '%s' \"$RULES\" | tr -d ' \\n')\" != \"[]\" ]; then aws "
                        "ec2 revoke-security-group-ingress --group-id \"$DEFAULT_SG\" "
                        "--ip-permissions \"$RULES\" >/dev/null; fi\n"
                        "RULES=$(aws ec2 describe-security-groups --group-ids \"$DEFAULT_SG\" "
                        "--query 'SecurityGroups[0].IpPermissionsEgress' --output json)\n"
                        "if [ \"$(printf '%s' \"$RULES\" | tr -d ' \\n')\" != \"[]\" ]; then aws "
                        "ec2 revoke-security-group-egress --group-id \"$DEFAULT_SG\" "
                        "--ip-permissions \"$RULES\" >/dev/null; fi\n"
                        "aws ec2 create-tags --resources \"$DEFAULT_SG\" --tags ");
        struct buf t;
        buf_init(&t, 0);
        buf_printf(&t, "Key=Name,Value=%s", dn);
        sh_q(&o, buf_str(&t));
        buf_reset(&t);
        buf_printf(&t, "Key=%s,Value=%s", STACK_SPEC_TAG_KEY, s->name);
        buf_appendc(&o, ' ');
        sh_q(&o, buf_str(&t));
        buf_free(&t);
        buf_appendc(&o, '\n');
        free(dn);
    }

    /* 3. subnet group */
    buf_appends(&o, "\n# 3. cache subnet group (the private subnets)\n"
                    "# shellcheck disable=SC2086\n"
                    "aws elasticache create-cache-subnet-group --cache-subnet-group-name ");
    sh_q(&o, stack_spec_name(s, STACK_NAME_SUBNET_GROUP));
    buf_appends(&o, " --cache-subnet-group-description ");
    sh_q(&o, v->subnet_group_desc ? v->subnet_group_desc : "");
    buf_appends(&o, " --subnet-ids $SUBNET_IDS");
    sh_tags(&o, s, SH_TAGS_KEY_VALUE, NULL);
    buf_appends(&o, " >/dev/null\n");

    /* 4. security group */
    buf_appends(&o, "\n# 4. security group: the cache port from the VPC's CIDR only\n");
    if (s->reuse_security_group) {
        buf_appends(&o, "SG_ID=");
        sh_q(&o, s->reuse_security_group);
        buf_appendc(&o, '\n');
    } else {
        buf_appends(&o, "SG_ID=$(aws ec2 create-security-group --group-name ");
        sh_q(&o, stack_spec_name(s, STACK_NAME_SECURITY_GROUP));
        buf_appends(&o, " --description ");
        sh_q(&o, STACK_DESC_SECURITY_GROUP);
        buf_appends(&o, " --vpc-id \"$VPC_ID\"");
        sh_ec2_tags(&o, s, "security-group", v->sg_name_tag);
        buf_appends(&o, " --query GroupId --output text)\n");
        if (v->ingress) {
            json_t *range =
                json_pack("{s:s}", "CidrIp",
                          v->ingress_cidr ? v->ingress_cidr : (s->vpc_cidr ? s->vpc_cidr : ""));
            if (v->ingress_desc)
                json_object_set_new(range, "Description", json_string(v->ingress_desc));
            json_t *perm =
                json_pack("[{s:s,s:i,s:i,s:[o]}]", "IpProtocol", v->ingress_protocol, "FromPort",
                          v->ingress_from, "ToPort", v->ingress_to, "IpRanges", range);
            char *pj = json_dumps(perm, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_decref(perm);
            buf_appends(&o, "aws ec2 authorize-security-group-ingress --group-id \"$SG_ID\" "
                            "--ip-permissions ");
            sh_q(&o, pj ? pj : "[]");
            free(pj);
            buf_appends(&o, " >/dev/null\n");
        }
        buf_appends(&o, "say \"created security group $SG_ID\"\n");
    }

    /* 5-6. at-rest key and policy */
    buf_appends(&o, "\n# 5-6. the at-rest key, its alias and its policy (before the log groups)\n");
    sh_key(&o, s, false);

    /* 7. log groups */
    if (s->slow_log || s->engine_log) {
        buf_appends(&o,
                    "\n# 7. log groups, encrypted with the at-rest key; retried while the key\n"
                    "# policy propagates (\"...not allowed to be used with LogGroup...\")\n"
                    "create_log_group() {\n"
                    "    n=0\n"
                    "    until out=$(aws logs create-log-group --log-group-name \"$1\" "
                    "--kms-key-id \"$REST_KEY_ARN\" --tags \"$2\" 2>&1); do\n"
                    "        n=$((n + 1))\n"
                    "        case \"$out\" in\n"
                    "        *\"not allowed\"* | *KMS* | *AccessDenied*) [ $n -lt 20 ] || { say "
                    "\"$out\"; return 1; }; sleep 3 ;;\n"
                    "        *) say \"$out\"; return 1 ;;\n"
                    "        esac\n"
                    "    done\n"
                    "}\n");
        for (int e = 0; e < 2; e++) {
            if (!(e ? s->engine_log : s->slow_log))
                continue;
            const char *lg =
                stack_spec_name(s, e ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP);
            struct buf tg;
            buf_init(&tg, 0);
            sh_tags(&tg, s, SH_TAGS_MAP, NULL);
            /* sh_tags wrote " --tags '...'": pass just the quoted JSON */
            buf_appends(&o, "create_log_group ");
            sh_q(&o, lg);
            buf_appends(&o, buf_str(&tg) + strlen(" --tags"));
            buf_appendc(&o, '\n');
            buf_free(&tg);
            if (s->log_retention_days > 0) {
                buf_appends(&o, "aws logs put-retention-policy --log-group-name ");
                sh_q(&o, lg);
                buf_printf(&o, " --retention-in-days %d\n", s->log_retention_days);
            }
            buf_printf(&o, "say \"created log group %s\"\n", lg);
        }
    }

    /* 8. secret */
    if (s->auth_token) {
        buf_appends(&o, "\n# 8. the secret's key, the AUTH token and the secret (before the "
                        "group)\n");
        if (s->reuse_secret) {
            buf_appends(&o, "SECRET_ARN=$(aws secretsmanager describe-secret --secret-id ");
            sh_q(&o, s->reuse_secret);
            buf_appends(&o, " --query ARN --output text)\n"
                            "printf '%s' \"$(aws secretsmanager get-secret-value --secret-id "
                            "\"$SECRET_ARN\" --query SecretString --output text)\" > "
                            "\"$TOKEN_FILE\"\n"
                            "SECRET_KEY_ARN=$(aws secretsmanager describe-secret --secret-id "
                            "\"$SECRET_ARN\" --query KmsKeyId --output text)\n"
                            "SECRET_KEY_ARN=$(aws kms describe-key --key-id \"$SECRET_KEY_ARN\" "
                            "--query KeyMetadata.Arn --output text)\n"
                            "say \"reusing secret $SECRET_ARN\"\n");
        } else {
            sh_key(&o, s, true);
            buf_printf(&o,
                       "printf '%%s' \"$(aws secretsmanager get-random-password "
                       "--password-length %d --exclude-characters ",
                       s->token_length);
            sh_q(&o, EX_EXCLUDED);
            buf_appends(&o, " --query RandomPassword --output text)\" > \"$TOKEN_FILE\"\n");
            buf_appends(&o, "SECRET_ARN=$(aws secretsmanager create-secret --name ");
            sh_q(&o, stack_spec_name(s, STACK_NAME_SECRET));
            buf_appends(&o, " --kms-key-id \"$SECRET_KEY_ID\" --secret-string "
                            "\"file://$TOKEN_FILE\"");
            sh_tags(&o, s, SH_TAGS_KEY_VALUE, NULL);
            buf_appends(&o, " --query ARN --output text)\n"
                            "say \"created secret $SECRET_ARN (the token is not shown)\"\n");
        }
    }

    /* 9. replication group */
    buf_appends(&o, "\n# 9. the replication group, then wait until it is available\n"
                    "aws elasticache create-replication-group --replication-group-id ");
    sh_q(&o, rg);
    buf_appends(&o, " --replication-group-description ");
    sh_q(&o, stack_spec_name(s, STACK_NAME_DESCRIPTION));
    buf_appends(&o, " --engine ");
    sh_q(&o, s->engine ? s->engine : "redis");
    if (s->engine_version) {
        buf_appends(&o, " --engine-version ");
        sh_q(&o, s->engine_version);
    }
    buf_appends(&o, " --cache-node-type ");
    sh_q(&o, s->node_type);
    buf_appends(&o, " --cache-parameter-group-name ");
    sh_q(&o, s->parameter_group);
    if (cluster)
        buf_printf(&o, " --num-node-groups %d --replicas-per-node-group %d", s->shards,
                   s->replicas);
    else
        buf_printf(&o, " --num-cache-clusters %d", 1 + s->replicas);
    buf_printf(&o, " --port %d", s->port);
    buf_appends(&o, s->multi_az ? " --multi-az-enabled" : " --no-multi-az-enabled");
    buf_appends(&o, s->automatic_failover ? " --automatic-failover-enabled"
                                          : " --no-automatic-failover-enabled");
    buf_appends(&o, " --cache-subnet-group-name ");
    sh_q(&o, stack_spec_name(s, STACK_NAME_SUBNET_GROUP));
    buf_appends(&o, " --security-group-ids \"$SG_ID\"");
    if (s->at_rest_encryption)
        buf_appends(&o, " --at-rest-encryption-enabled --kms-key-id \"$REST_KEY_ID\"");
    else
        buf_appends(&o, " --no-at-rest-encryption-enabled");
    buf_appends(&o, s->transit_encryption ? " --transit-encryption-enabled"
                                          : " --no-transit-encryption-enabled");
    if (s->auth_token && s->transit_encryption)
        buf_appends(&o, " --auth-token \"file://$TOKEN_FILE\"");
    if (s->snapshot_retention > 0)
        buf_printf(&o, " --snapshot-retention-limit %d", s->snapshot_retention);
    buf_appends(&o, s->auto_minor_version_upgrade ? " --auto-minor-version-upgrade"
                                                  : " --no-auto-minor-version-upgrade");
    if (s->slow_log || s->engine_log) {
        json_t *ld = json_array();
        for (int e = 0; e < 2; e++) {
            if (!(e ? s->engine_log : s->slow_log))
                continue;
            json_array_append_new(
                ld, json_pack("{s:s,s:s,s:{s:{s:s}},s:s}", "LogType", e ? "engine-log" : "slow-log",
                              "DestinationType", "cloudwatch-logs", "DestinationDetails",
                              "CloudWatchLogsDetails", "LogGroup",
                              stack_spec_name(s, e ? STACK_NAME_ENGINE_LOG_GROUP
                                                   : STACK_NAME_SLOW_LOG_GROUP),
                              "LogFormat", s->log_format ? s->log_format : "json"));
        }
        char *lj = json_dumps(ld, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(ld);
        buf_appends(&o, " --log-delivery-configurations ");
        sh_q(&o, lj ? lj : "[]");
        free(lj);
    }
    sh_tags_extra(&o, s, DISCOVER_TAG_AUTH_SECRET, v->auth_secret_tag);
    buf_appends(&o, " >/dev/null\n"
                    "rm -f \"$TOKEN_FILE\"\n"
                    "say \"creating replication group ");
    buf_appends(&o, rg);
    buf_appends(&o, " (this takes minutes)\"\n"
                    "# one wait lasts 10 minutes at most; a 9-node group may take longer\n"
                    "n=0\n"
                    "until aws elasticache wait replication-group-available "
                    "--replication-group-id ");
    sh_q(&o, rg);
    buf_appends(&o, "; do\n"
                    "    n=$((n + 1))\n"
                    "    [ $n -lt 6 ] || { say \"the replication group is not available after an "
                    "hour\"; exit 1; }\n"
                    "    say \"still waiting for the replication group\"\n"
                    "done\n");

    /* 10. SSM */
    if (s->ssm_parameters) {
        buf_appends(&o, "\n# 10. SSM parameters (SecureString, at-rest key), after the group\n");
        buf_appends(&o, "# shellcheck disable=SC2046\nset -- $(aws elasticache "
                        "describe-replication-groups --replication-group-id ");
        sh_q(&o, rg);
        buf_printf(&o, " --query '%s' --output text)\nENDPOINT=$1\nPORT=$2\n",
                   cluster ? "ReplicationGroups[0].ConfigurationEndpoint.[Address,Port]"
                           : "ReplicationGroups[0].NodeGroups[0].PrimaryEndpoint.[Address,Port]");
        for (int port = 0; port < 2; port++) {
            char *pn = stack_spec_ssm_name(s, port != 0);
            buf_appends(&o, "aws ssm put-parameter --name ");
            sh_q(&o, pn);
            buf_printf(&o, " --type SecureString --key-id \"$REST_KEY_ID\" --value \"$%s\"",
                       port ? "PORT" : "ENDPOINT");
            sh_tags(&o, s, SH_TAGS_KEY_VALUE, NULL);
            buf_appends(&o, " >/dev/null\n");
            buf_printf(&o, "say \"created parameter %s\"\n", pn);
            free(pn);
        }
    }

    /* 11. IAM */
    bool ssm_pol = s->ssm_read_policy && s->ssm_parameters;
    bool sec_pol = s->secret_read_policy && s->auth_token;
    if (ssm_pol || sec_pol)
        buf_appends(&o, "\n# 11. the read policies, last (exact ARNs, kms:Decrypt on the key)\n");
    for (int sec = 0; sec < 2; sec++) {
        if (!(sec ? sec_pol : ssm_pol))
            continue;
        sh_json_heredoc(&o, "DOC",
                        sec ? stack_spec_secret_read_policy(s, EX_SECRET_ARN, EX_SECRET_KEY_ARN)
                            : stack_spec_ssm_read_policy(s, EX_ACCOUNT, EX_REST_ARN));
        buf_appends(&o, "POLICY_ARN=$(aws iam create-policy --policy-name ");
        sh_q(&o, stack_spec_name(s, sec ? STACK_NAME_SECRET_POLICY : STACK_NAME_SSM_POLICY));
        buf_appends(&o, " --path / --description ");
        sh_q(&o, sec ? STACK_DESC_SECRET_POLICY : STACK_DESC_SSM_POLICY);
        buf_appends(&o, " --policy-document \"$DOC\"");
        sh_tags(&o, s, SH_TAGS_KEY_VALUE, NULL);
        buf_appends(&o, " --query Policy.Arn --output text)\n"
                        "say \"created policy $POLICY_ARN\"\n");
    }
    buf_printf(&o, "\nsay \"stack %s is ready\"\n", s->name);
    return buf_steal(&o);
}

/* ================= rendering, streams, files ================= */

int export_render_observed(const struct stack_spec *s, const struct export_observed *ob,
                           enum export_format fmt, struct export_files *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!s || !s->name) {
        snprintf(err, errlen, "the spec names no stack");
        return -1;
    }
    struct ex_view v;
    switch (fmt) {
    case EXPORT_TERRAFORM:
        ex_view_init(&v, s, ob);
        export_terraform(&v, out);
        ex_view_free(&v);
        return 0;
    case EXPORT_CLI: {
        char *n = mem_xasprintf("create-%s.sh", s->name);
        ex_view_init(&v, s, ob);
        export_add_file(out, n, export_cli(&v), true);
        ex_view_free(&v);
        free(n);
        return 0;
    }
    case EXPORT_SPEC: {
        char *n = mem_xasprintf("%s.ini", s->name);
        export_add_file(out, n, stack_spec_write(s), false);
        free(n);
        return 0;
    }
    }
    snprintf(err, errlen, "unknown format");
    return -1;
}

int export_render(const struct stack_spec *s, enum export_format fmt, struct export_files *out,
                  char *err, size_t errlen)
{
    return export_render_observed(s, NULL, fmt, out, err, errlen);
}

char *export_files_stream(const struct export_files *f)
{
    struct buf o;
    buf_init(&o, 0);
    for (size_t i = 0; i < f->n; i++) {
        if (f->n > 1)
            buf_printf(&o, "%s# ==== %s ====\n", i ? "\n" : "", f->items[i].name);
        buf_appends(&o, f->items[i].text);
    }
    return buf_steal(&o);
}

char *export_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return mem_xasprintf("/%s", name);
    return mem_xasprintf("%.*s/%s", (int)n, dir, name);
}

int export_files_write(const struct export_files *f, const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        char *path = export_path(dir, f->items[i].name);
        char *tmp = mem_xasprintf("%s.tmp", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                      f->items[i].executable ? 0755 : 0644);
        int rc = -1;
        if (fd >= 0) {
            size_t len = strlen(f->items[i].text), done = 0;
            while (done < len) {
                ssize_t w = write(fd, f->items[i].text + done, len - done);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    break;
                done += (size_t)w;
            }
            rc = done == len && fsync(fd) == 0 ? 0 : -1;
            if (close(fd) != 0)
                rc = -1;
            if (rc == 0 && rename(tmp, path) != 0)
                rc = -1;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            unlink(tmp);
            free(tmp);
            free(path);
            return -1;
        }
        free(tmp);
        free(path);
    }
    return 0;
}

/* ================= a live stack ================= */

struct ex_notes {
    char ***v;
    size_t *n;
};

static void ex_note(struct ex_notes *nt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ex_note(struct ex_notes *nt, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 4096);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    *nt->v = mem_xrealloc(*nt->v, (*nt->n + 1) * sizeof(char *));
    (*nt->v)[(*nt->n)++] = buf_steal(&b);
}

static void ex_set(struct stack_spec *s, struct ex_notes *nt, const char *sec, const char *key,
                   const char *value)
{
    char err[512];
    if (stack_spec_set(s, sec, key, value, err, sizeof(err)) != 0)
        ex_note(nt, "not exported: %s", err);
}

static void ex_set_bool(struct stack_spec *s, struct ex_notes *nt, const char *sec, const char *key,
                        bool v)
{
    ex_set(s, nt, sec, key, v ? "yes" : "no");
}

static void ex_set_int(struct stack_spec *s, struct ex_notes *nt, const char *sec, const char *key,
                       long v)
{
    char t[32];
    snprintf(t, sizeof(t), "%ld", v);
    ex_set(s, nt, sec, key, t);
}

/* [names] override when the live name is not the derived one. */
static void ex_name(struct stack_spec *s, struct ex_notes *nt, enum stack_name w, const char *live)
{
    if (!live || !*live || strcmp(live, stack_spec_name(s, w)) == 0)
        return;
    ex_set(s, nt, "names", stack_spec_name_key(w), live);
}

static bool ex_has_alias(const struct kms_alias_list *l, const char *alias)
{
    return l && kms_alias_list_find(l, alias) != NULL;
}

static const struct ec2_subnet *ex_subnet(const struct export_world *w, const char *id)
{
    for (size_t i = 0; i < w->n_subnets; i++)
        if (w->subnets[i].subnet_id && strcmp(w->subnets[i].subnet_id, id) == 0)
            return &w->subnets[i];
    return NULL;
}

/* Order of a subnet: the number in its Name tag ("-private-2"), else 1000. */
static long ex_subnet_rank(const struct ec2_subnet *sn)
{
    const char *n = ec2_tag_get(sn->tags, sn->n_tags, "Name");
    const char *d = n ? strrchr(n, '-') : NULL;
    if (!d)
        return 1000;
    char *end;
    long v = strtol(d + 1, &end, 10);
    return *end || v < 0 ? 1000 : v;
}

static void ex_sort_subnets(const struct ec2_subnet **v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            long a = ex_subnet_rank(v[j - 1]), b = ex_subnet_rank(v[j]);
            if (a < b || (a == b && strcmp(v[j - 1]->cidr_block ? v[j - 1]->cidr_block : "",
                                           v[j]->cidr_block ? v[j]->cidr_block : "") <= 0))
                break;
            const struct ec2_subnet *t = v[j - 1];
            v[j - 1] = v[j];
            v[j] = t;
        }
}

static void ex_join(struct buf *o, const struct ec2_subnet **v, size_t n, int what)
{
    for (size_t i = 0; i < n; i++) {
        const char *x = what == 0   ? v[i]->cidr_block
                        : what == 1 ? v[i]->availability_zone
                                    : v[i]->subnet_id;
        buf_printf(o, "%s%s", i ? "," : "", x ? x : "");
    }
}

static const struct audit_key *ex_key_of(const struct audit_facts *f, const char *ref)
{
    return ref ? audit_facts_key(f, ref) : NULL;
}

void export_spec_from_world(struct stack_spec *out, const char *name, const char *region,
                            const struct export_world *w, char ***notes, size_t *n_notes)
{
    struct ex_notes nt = {notes, n_notes};
    const struct audit_facts *f = w->facts;
    char err[512];
    stack_spec_init(out);
    if (stack_spec_set_name(out, name, err, sizeof(err)) != 0) {
        ex_note(&nt, "name: %s", err);
        return;
    }
    if (region)
        ex_set(out, &nt, "stack", "region", region);
    if (!f)
        return;

    /* the group */
    ex_name(out, &nt, STACK_NAME_REPLICATION_GROUP, f->rg_id);
    ex_name(out, &nt, STACK_NAME_DESCRIPTION, f->description);
    if (f->engine)
        ex_set(out, &nt, "cache", "engine", f->engine);
    if (f->engine_version) {
        /* "7.1.0" -> "7.1" (what CreateReplicationGroup takes) */
        char v[32];
        snprintf(v, sizeof(v), "%s", f->engine_version);
        char *d1 = strchr(v, '.');
        char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
        if (d2 && v[0] >= '6')
            *d2 = '\0';
        ex_set(out, &nt, "cache", "engine_version", v);
    }
    if (f->node_type)
        ex_set(out, &nt, "cache", "node_type", f->node_type);
    if (f->parameter_group)
        ex_set(out, &nt, "cache", "parameter_group", f->parameter_group);
    if (f->shards > 0)
        ex_set_int(out, &nt, "cache", "shards", f->shards);
    ex_set_int(out, &nt, "cache", "replicas", f->replicas);
    if (f->port > 0)
        ex_set_int(out, &nt, "cache", "port", f->port);
    ex_set_bool(out, &nt, "cache", "multi_az", f->multi_az == AUDIT_TRI_YES);
    ex_set_bool(out, &nt, "cache", "automatic_failover", f->failover == AUDIT_TRI_YES);
    ex_set_bool(out, &nt, "cache", "at_rest_encryption", f->at_rest == AUDIT_TRI_YES);
    ex_set_bool(out, &nt, "cache", "transit_encryption", f->transit == AUDIT_TRI_YES);
    ex_set_bool(out, &nt, "cache", "auth_token", f->auth_token == AUDIT_TRI_YES);
    if (f->has_snapshot_retention)
        ex_set_int(out, &nt, "cache", "snapshot_retention", f->snapshot_retention);
    if (f->auto_minor != AUDIT_TRI_UNKNOWN)
        ex_set_bool(out, &nt, "cache", "auto_minor_version_upgrade",
                    f->auto_minor == AUDIT_TRI_YES);
    if (f->n_user_groups)
        ex_note(&nt, "the group's RBAC user groups are not exported");

    /* log delivery */
    bool slow = false, engine = false;
    int retention = -1;
    for (size_t i = 0; i < f->n_logs; i++) {
        const struct audit_log_delivery *l = &f->logs[i];
        if (!l->destination_type || strcmp(l->destination_type, "cloudwatch-logs") != 0) {
            ex_note(&nt, "%s delivery to %s %s is not exported (only CloudWatch Logs)",
                    l->log_type ? l->log_type : "log",
                    l->destination_type ? l->destination_type : "?",
                    l->destination ? l->destination : "?");
            continue;
        }
        bool is_engine = l->log_type && strcmp(l->log_type, "engine-log") == 0;
        if (is_engine)
            engine = true;
        else
            slow = true;
        ex_name(out, &nt, is_engine ? STACK_NAME_ENGINE_LOG_GROUP : STACK_NAME_SLOW_LOG_GROUP,
                l->destination);
        if (l->format)
            ex_set(out, &nt, "logs", "format", l->format);
        if (l->found == AUDIT_TRI_YES && l->has_retention &&
            (retention < 0 || l->retention_days < retention))
            retention = l->retention_days;
        if (l->found == AUDIT_TRI_YES && !l->has_retention)
            ex_note(&nt, "log group %s never expires; the export keeps %d days",
                    l->destination ? l->destination : "?", out->log_retention_days);
        if (l->found == AUDIT_TRI_NO)
            ex_note(&nt, "log group %s does not exist; the export creates it",
                    l->destination ? l->destination : "?");
    }
    ex_set_bool(out, &nt, "logs", "slow_log", slow);
    ex_set_bool(out, &nt, "logs", "engine_log", engine);
    if (retention > 0)
        ex_set_int(out, &nt, "logs", "retention_days", retention);

    /* keys */
    const struct audit_key *rk = ex_key_of(f, f->kms_key);
    if (!rk && f->n_logs && f->logs[0].kms_key)
        rk = ex_key_of(f, f->logs[0].kms_key);
    if (rk) {
        if (!ex_has_alias(w->rest_aliases, stack_spec_name(out, STACK_NAME_REST_KEY_ALIAS))) {
            ex_set(out, &nt, "reuse", "kms_key", rk->arn ? rk->arn : rk->ref);
            ex_note(&nt, "the at-rest key %s is not aliased %s: the export reuses it",
                    rk->arn ? rk->arn : rk->ref, stack_spec_name(out, STACK_NAME_REST_KEY_ALIAS));
        }
        if (rk->rotation != AUDIT_TRI_UNKNOWN)
            ex_set_bool(out, &nt, "kms", "key_rotation", rk->rotation == AUDIT_TRI_YES);
        if (rk->policy)
            ex_set_bool(out, &nt, "kms", "elasticache_statement",
                        strstr(rk->policy, "elasticache.amazonaws.com") != NULL);
    } else if (f->at_rest == AUDIT_TRI_YES) {
        ex_note(&nt, "the group's at-rest key is AWS owned; the export creates a key");
    }

    /* the secret */
    if (f->auth_token == AUDIT_TRI_YES) {
        if (!f->has_secret || f->secret.found != AUDIT_TRI_YES) {
            ex_note(&nt, "the AUTH token's secret %s was not found: the export makes a new token",
                    stack_spec_name(out, STACK_NAME_SECRET));
        } else {
            const struct audit_key *sk = ex_key_of(f, f->secret.kms_key);
            if (!f->secret.kms_key || (sk && sk->manager && strcmp(sk->manager, "AWS") == 0)) {
                ex_note(&nt, "the secret uses the AWS managed key: the export creates a key");
            } else if (sk) {
                if (!ex_has_alias(w->secret_aliases,
                                  stack_spec_name(out, STACK_NAME_SECRET_KEY_ALIAS))) {
                    ex_set(out, &nt, "reuse", "secret_kms_key", sk->arn ? sk->arn : sk->ref);
                    ex_note(&nt, "the secret's key is not aliased %s: the export reuses it",
                            stack_spec_name(out, STACK_NAME_SECRET_KEY_ALIAS));
                }
                if (sk->policy)
                    ex_set_bool(out, &nt, "kms", "secret_key_policy",
                                strstr(sk->policy, "kms:ViaService") != NULL);
            }
        }
    }

    /* parameters and policies */
    bool params = false;
    for (size_t i = 0; i < f->n_params; i++)
        params = params || f->params[i].found == AUDIT_TRI_YES;
    ex_set_bool(out, &nt, "ssm", "parameters", params);
    for (size_t i = 0; i < f->n_policies; i++) {
        bool sec = strcmp(f->policies[i].name, stack_spec_name(out, STACK_NAME_SECRET_POLICY)) == 0;
        ex_set_bool(out, &nt, "iam", sec ? "secret_read_policy" : "ssm_read_policy",
                    f->policies[i].found == AUDIT_TRI_YES);
    }
    if (!f->n_policies && f->stack) {
        ex_set_bool(out, &nt, "iam", "ssm_read_policy", false);
        ex_set_bool(out, &nt, "iam", "secret_read_policy", false);
    }

    /* network */
    ex_name(out, &nt, STACK_NAME_SUBNET_GROUP, f->subnet_group);
    bool vpc_ours = false;
    if (w->vpc) {
        const char *t = ec2_tag_get(w->vpc->tags, w->vpc->n_tags, STACK_SPEC_TAG_KEY);
        vpc_ours = t && strcmp(t, name) == 0;
        if (w->vpc->cidr_block)
            ex_set(out, &nt, "network", "vpc_cidr", w->vpc->cidr_block);
    }
    if (f->subnet_group && strcasecmp(f->subnet_group, "default") == 0)
        ex_note(&nt, "the group runs in the default subnet group: the export reuses its subnets");
    const struct ec2_subnet *priv[STACK_SPEC_MAX_SUBNETS], *pub[STACK_SPEC_MAX_SUBNETS];
    size_t np = 0, nq = 0;
    for (size_t i = 0; i < f->n_subnets; i++) {
        const struct ec2_subnet *sn = ex_subnet(w, f->subnets[i].key);
        if (sn && np < STACK_SPEC_MAX_SUBNETS)
            priv[np++] = sn;
    }
    if (vpc_ours && np == f->n_subnets && np > 0) {
        for (size_t i = 0; i < w->n_subnets && nq < STACK_SPEC_MAX_SUBNETS; i++) {
            const struct ec2_subnet *sn = &w->subnets[i];
            const char *t = ec2_tag_get(sn->tags, sn->n_tags, STACK_SPEC_TAG_KEY);
            bool in_group = false;
            for (size_t j = 0; j < np; j++)
                in_group = in_group || priv[j] == sn;
            if (!in_group && t && strcmp(t, name) == 0)
                pub[nq++] = sn;
        }
        ex_sort_subnets(priv, np);
        ex_sort_subnets(pub, nq);
        struct buf b;
        buf_init(&b, 0);
        ex_join(&b, priv, np, 0);
        ex_set(out, &nt, "network", "private_subnets", buf_str(&b));
        buf_reset(&b);
        ex_join(&b, pub, nq, 0);
        ex_set(out, &nt, "network", "public_subnets", nq ? buf_str(&b) : "");
        buf_reset(&b);
        ex_join(&b, priv, np, 1);
        ex_set(out, &nt, "network", "availability_zones", buf_str(&b));
        buf_free(&b);
        const char *vn = ec2_tag_get(w->vpc->tags, w->vpc->n_tags, "Name");
        ex_name(out, &nt, STACK_NAME_VPC, vn);
    } else if (f->vpc_id) {
        ex_set(out, &nt, "reuse", "vpc", f->vpc_id);
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < f->n_subnets; i++)
            buf_printf(&b, "%s%s", i ? "," : "", f->subnets[i].key);
        if (f->n_subnets)
            ex_set(out, &nt, "reuse", "subnets", buf_str(&b));
        buf_free(&b);
        if (!vpc_ours)
            ex_note(&nt, "the VPC %s is not tagged %s=%s: the export reuses it and its subnets",
                    f->vpc_id, STACK_SPEC_TAG_KEY, name);
    } else {
        ex_note(&nt, "the group's network could not be read: the export creates a new one");
    }

    /* security group: the stack's own by name, else reused */
    const struct audit_sg *sg = NULL;
    for (size_t i = 0; i < f->n_sgs && !sg; i++)
        if (!f->sgs[i].is_default)
            sg = &f->sgs[i];
    if (f->n_sg_ids > 1)
        ex_note(&nt, "the group has %zu security groups; the export keeps the first", f->n_sg_ids);
    if (sg) {
        bool ours = vpc_ours && sg->name &&
                    strcmp(sg->name, stack_spec_name(out, STACK_NAME_SECURITY_GROUP)) == 0;
        if (!ours && sg->id) {
            ex_set(out, &nt, "reuse", "security_group", sg->id);
            ex_note(&nt, "security group %s is not the stack's own: the export reuses it", sg->id);
        }
    } else if (f->n_sg_ids) {
        ex_set(out, &nt, "reuse", "security_group", f->sg_ids[0]);
    }

    /* tags (elcui:auth-secret is apply's own: it tags the group with the
     * secret it uses, and the Terraform and CLI exports write it) */
    for (size_t i = 0; i < f->n_tags; i++) {
        const char *k = f->tags[i].key;
        if (!k || strcmp(k, STACK_SPEC_TAG_KEY) == 0 || strcmp(k, "Name") == 0 ||
            strcmp(k, DISCOVER_TAG_AUTH_SECRET) == 0)
            continue;
        ex_set(out, &nt, "tags", k, f->tags[i].value ? f->tags[i].value : "");
    }
}

/* The stack's ingress rule in a security group: the one elcui describes as
 * its own, else the first TCP rule with an IPv4 range. */
static const struct ec2_ip_permission *ex_ingress(const struct ec2_security_group *sg,
                                                  const struct ec2_ip_range **range)
{
    const struct ec2_ip_permission *first = NULL;
    const struct ec2_ip_range *first_range = NULL;
    for (size_t i = 0; i < sg->n_ingress; i++) {
        const struct ec2_ip_permission *p = &sg->ingress[i];
        for (size_t j = 0; j < p->n_ip_ranges; j++) {
            const struct ec2_ip_range *r = &p->ip_ranges[j];
            if (r->description && strcmp(r->description, STACK_DESC_SG_INGRESS) == 0) {
                *range = r;
                return p;
            }
            if (!first && p->ip_protocol && strcmp(p->ip_protocol, "tcp") == 0) {
                first = p;
                first_range = r;
            }
        }
    }
    *range = first_range;
    return first;
}

void export_observe_world(const struct stack_spec *spec, const struct export_world *w,
                          struct export_observed *out, char ***notes, size_t *n_notes)
{
    struct ex_notes nt = {notes, n_notes};
    memset(out, 0, sizeof(*out));
    const struct audit_facts *f = w->facts;
    if (w->sg) {
        const struct ec2_security_group *sg = w->sg;
        out->sg_read = true;
        const char *name = ec2_tag_get(sg->tags, sg->n_tags, "Name");
        out->sg_name_tag = name ? mem_xstrdup(name) : NULL;
        const struct ec2_ip_range *r = NULL;
        const struct ec2_ip_permission *p = ex_ingress(sg, &r);
        if (p) {
            out->has_ingress = true;
            out->ingress_protocol = mem_xstrdup(p->ip_protocol);
            out->ingress_from = p->has_ports ? p->from_port : 0;
            out->ingress_to = p->has_ports ? p->to_port : 0;
            out->ingress_cidr = r && r->cidr ? mem_xstrdup(r->cidr) : NULL;
            out->ingress_description = r && r->description ? mem_xstrdup(r->description) : NULL;
            if (out->ingress_from != spec->port || out->ingress_to != spec->port) {
                char ports[32];
                if (out->ingress_to != out->ingress_from)
                    snprintf(ports, sizeof(ports), "ports %d-%d", out->ingress_from,
                             out->ingress_to);
                else
                    snprintf(ports, sizeof(ports), "port %d", out->ingress_from);
                ex_note(&nt,
                        "security group %s allows %s while the group reports port %d: "
                        "Terraform and the CLI script keep each one; a spec has one port (%d)",
                        sg->group_id ? sg->group_id : "?", ports, spec->port, spec->port);
            }
        } else {
            ex_note(&nt, "security group %s has no TCP ingress rule from an IPv4 range",
                    sg->group_id ? sg->group_id : "?");
        }
        for (size_t i = 0; i < sg->n_egress && !out->has_egress; i++) {
            const struct ec2_ip_permission *e = &sg->egress[i];
            for (size_t j = 0; j < e->n_ip_ranges && !out->has_egress; j++)
                if (e->ip_protocol && strcmp(e->ip_protocol, "-1") == 0 && e->ip_ranges[j].cidr &&
                    strcmp(e->ip_ranges[j].cidr, "0.0.0.0/0") == 0) {
                    out->has_egress = true;
                    out->egress_description = e->ip_ranges[j].description
                                                  ? mem_xstrdup(e->ip_ranges[j].description)
                                                  : NULL;
                }
        }
    }
    if (w->subnet_group) {
        out->subnet_group_read = true;
        out->subnet_group_description =
            w->subnet_group->description ? mem_xstrdup(w->subnet_group->description) : NULL;
        char *d = stack_spec_subnet_group_description(spec);
        if (w->subnet_group->description && strcmp(w->subnet_group->description, d) != 0)
            ex_note(&nt,
                    "the subnet group's description is \"%s\": Terraform and the CLI script "
                    "keep it; a spec gets \"%s\"",
                    w->subnet_group->description, d);
        free(d);
    }
    for (size_t i = 0; f && i < f->n_tags; i++) {
        if (!f->tags[i].key || strcmp(f->tags[i].key, DISCOVER_TAG_AUTH_SECRET) != 0)
            continue;
        out->auth_secret_tag = mem_xstrdup(f->tags[i].value ? f->tags[i].value : "");
        const char *want = spec->auth_token
                               ? (spec->reuse_secret ? spec->reuse_secret
                                                     : stack_spec_name(spec, STACK_NAME_SECRET))
                               : NULL;
        if (!want || strcmp(want, out->auth_secret_tag) != 0)
            ex_note(&nt,
                    "the group's tag " DISCOVER_TAG_AUTH_SECRET " names %s: Terraform and the "
                    "CLI script keep it; a spec applied tags the group with %s",
                    out->auth_secret_tag, want ? want : "nothing (no AUTH token)");
    }
}

void export_live_free(struct export_live *l)
{
    if (!l)
        return;
    stack_spec_free(&l->spec);
    export_observed_free(&l->observed);
    for (size_t i = 0; i < l->n_notes; i++)
        free(l->notes[i]);
    free(l->notes);
    memset(l, 0, sizeof(*l));
}

/* ---- gathering ---- */

struct export_req {
    struct aws_client *c;
    export_gather_cb cb;
    void *arg;
    char *name;
    struct audit_req *audit;
    struct audit_facts *facts;
    struct aws_call *calls[6];
    size_t pending;
    struct ec2_vpc_list *vpcs;
    struct ec2_subnet_list *subnets;
    struct kms_alias_list *aliases[2];
    struct ec2_security_group_list *sgs;
    struct elasticache_cache_subnet_group_list *sngs;
    char **notes;
    size_t n_notes;
    unsigned long requests;
};

static void export_req_free(struct export_req *r)
{
    if (r->audit)
        audit_gather_cancel(r->audit);
    for (size_t i = 0; i < sizeof(r->calls) / sizeof(r->calls[0]); i++)
        if (r->calls[i])
            aws_call_cancel(r->calls[i]);
    if (r->facts) {
        audit_facts_free(r->facts);
        free(r->facts);
    }
    ec2_vpc_list_free(r->vpcs);
    ec2_subnet_list_free(r->subnets);
    kms_alias_list_free(r->aliases[0]);
    kms_alias_list_free(r->aliases[1]);
    ec2_security_group_list_free(r->sgs);
    elasticache_cache_subnet_group_list_free(r->sngs);
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->name);
    free(r);
}

void export_gather_cancel(struct export_req *r)
{
    if (r)
        export_req_free(r);
}

static void export_note_err(struct export_req *r, const char *what, const struct aws_error *err)
{
    char *m = aws_error_format(err);
    struct ex_notes nt = {&r->notes, &r->n_notes};
    ex_note(&nt, "could not read %s: %s", what, m);
    free(m);
}

static void export_maybe_finish(struct export_req *r)
{
    if (r->pending)
        return;
    struct export_live *l = mem_xcalloc(1, sizeof(*l));
    struct export_world w = {
        .facts = r->facts,
        .vpc = r->vpcs && r->vpcs->n ? &r->vpcs->items[0] : NULL,
        .subnets = r->subnets ? r->subnets->items : NULL,
        .n_subnets = r->subnets ? r->subnets->n : 0,
        .rest_aliases = r->aliases[0],
        .secret_aliases = r->aliases[1],
        .sg = r->sgs && r->sgs->n ? &r->sgs->items[0] : NULL,
        .subnet_group = r->sngs && r->sngs->n ? &r->sngs->items[0] : NULL,
    };
    l->notes = r->notes;
    l->n_notes = r->n_notes;
    r->notes = NULL;
    r->n_notes = 0;
    export_spec_from_world(&l->spec, r->name, r->facts->region, &w, &l->notes, &l->n_notes);
    export_observe_world(&l->spec, &w, &l->observed, &l->notes, &l->n_notes);
    l->requests = r->requests + r->facts->requests;
    export_gather_cb cb = r->cb;
    void *arg = r->arg;
    export_req_free(r);
    cb(l, NULL, arg);
}

static void export_on_vpcs(struct ec2_vpc_list *out, const struct aws_error *err, void *arg)
{
    struct export_req *r = arg;
    r->calls[0] = NULL;
    r->pending--;
    if (out)
        r->vpcs = out;
    else
        export_note_err(r, "the VPC", err);
    export_maybe_finish(r);
}

static void export_on_subnets(struct ec2_subnet_list *out, const struct aws_error *err, void *arg)
{
    struct export_req *r = arg;
    r->calls[1] = NULL;
    r->pending--;
    if (out)
        r->subnets = out;
    else
        export_note_err(r, "the subnets", err);
    export_maybe_finish(r);
}

static void export_on_aliases(struct export_req *r, int which, struct kms_alias_list *out,
                              const struct aws_error *err)
{
    r->calls[2 + which] = NULL;
    r->pending--;
    if (out)
        r->aliases[which] = out;
    else
        export_note_err(r, which ? "the secret key's aliases" : "the at-rest key's aliases", err);
    export_maybe_finish(r);
}

static void export_on_rest_aliases(struct kms_alias_list *out, const struct aws_error *err,
                                   void *arg)
{
    export_on_aliases(arg, 0, out, err);
}

static void export_on_secret_aliases(struct kms_alias_list *out, const struct aws_error *err,
                                     void *arg)
{
    export_on_aliases(arg, 1, out, err);
}

static void export_list_aliases(struct export_req *r, int which, const struct audit_key *k)
{
    if (!k || !k->arn || !k->manager || strcmp(k->manager, "CUSTOMER") != 0)
        return;
    struct kms_list_aliases_in in = {.key_id = k->arn};
    r->calls[2 + which] =
        kms_list_aliases(r->c, &in, which ? export_on_secret_aliases : export_on_rest_aliases, r);
    if (r->calls[2 + which]) {
        r->pending++;
        r->requests++;
    }
}

static void export_on_sgs(struct ec2_security_group_list *out, const struct aws_error *err,
                          void *arg)
{
    struct export_req *r = arg;
    r->calls[4] = NULL;
    r->pending--;
    if (out)
        r->sgs = out;
    else
        export_note_err(r, "the security group", err);
    export_maybe_finish(r);
}

static void export_on_subnet_group(struct elasticache_cache_subnet_group_list *out,
                                   const struct aws_error *err, void *arg)
{
    struct export_req *r = arg;
    r->calls[5] = NULL;
    r->pending--;
    if (out)
        r->sngs = out;
    else
        export_note_err(r, "the subnet group", err);
    export_maybe_finish(r);
}

/* The group's own security group (the first that is not the VPC's
 * default) and its subnet group, each read for what it holds itself. */
static void export_read_own(struct export_req *r, const struct audit_facts *facts)
{
    const char *sg_id = NULL;
    for (size_t i = 0; i < facts->n_sgs && !sg_id; i++)
        if (!facts->sgs[i].is_default && facts->sgs[i].id)
            sg_id = facts->sgs[i].id;
    if (sg_id) {
        const char *ids[1] = {sg_id};
        struct ec2_describe_security_groups_in in = {.group_ids = ids, .n_group_ids = 1};
        r->calls[4] = ec2_describe_security_groups(r->c, &in, export_on_sgs, r);
        r->pending += r->calls[4] != NULL;
        r->requests++;
    }
    if (facts->subnet_group && strcasecmp(facts->subnet_group, "default") != 0) {
        struct elasticache_describe_cache_subnet_groups_in in = {.name = facts->subnet_group};
        r->calls[5] =
            elasticache_describe_cache_subnet_groups(r->c, &in, export_on_subnet_group, r);
        r->pending += r->calls[5] != NULL;
        r->requests++;
    }
}

static void export_on_facts(struct audit_facts *facts, const struct aws_error *err, void *arg)
{
    struct export_req *r = arg;
    r->audit = NULL;
    if (!facts) {
        export_gather_cb cb = r->cb;
        void *a = r->arg;
        export_req_free(r);
        cb(NULL, err, a);
        return;
    }
    r->facts = facts;
    if (facts->vpc_id) {
        const char *ids[1] = {facts->vpc_id};
        struct ec2_describe_vpcs_in vin = {.vpc_ids = ids, .n_vpc_ids = 1};
        r->calls[0] = ec2_describe_vpcs(r->c, &vin, export_on_vpcs, r);
        struct ec2_filter flt = {"vpc-id", ids, 1};
        struct ec2_describe_subnets_in sin = {.filters = &flt, .n_filters = 1};
        r->calls[1] = ec2_describe_subnets(r->c, &sin, export_on_subnets, r);
        r->pending += (r->calls[0] != NULL) + (r->calls[1] != NULL);
        r->requests += 2;
    }
    const struct audit_key *rk = facts->kms_key ? audit_facts_key(facts, facts->kms_key) : NULL;
    export_list_aliases(r, 0, rk);
    const struct audit_key *sk =
        facts->secret.kms_key ? audit_facts_key(facts, facts->secret.kms_key) : NULL;
    if (sk != rk)
        export_list_aliases(r, 1, sk);
    export_read_own(r, facts);
    if (!r->pending) {
        /* nothing more to ask: finish from here (still inside a callback) */
        export_maybe_finish(r);
    }
}

struct export_req *export_gather_start(struct aws_client *c, const char *name,
                                       const struct stack_spec *spec, export_gather_cb cb,
                                       void *arg)
{
    if (!c || !name || !cb)
        return NULL;
    struct stack_spec tmp;
    const struct stack_spec *s = spec;
    char err[256];
    if (!s) {
        stack_spec_init(&tmp);
        if (stack_spec_set_name(&tmp, name, err, sizeof(err)) != 0) {
            stack_spec_free(&tmp);
            return NULL;
        }
        stack_spec_set(&tmp, "stack", "region", aws_client_region(c), NULL, 0);
        s = &tmp;
    }
    struct export_req *r = mem_xcalloc(1, sizeof(*r));
    r->c = c;
    r->cb = cb;
    r->arg = arg;
    r->name = mem_xstrdup(name);
    struct audit_gather_options o = {
        .rg_id = stack_spec_name(s, STACK_NAME_REPLICATION_GROUP),
        .stack = name,
        .spec = s,
    };
    r->audit = audit_gather_start(c, &o, export_on_facts, r);
    if (s == &tmp)
        stack_spec_free(&tmp);
    if (!r->audit) {
        export_req_free(r);
        return NULL;
    }
    return r;
}

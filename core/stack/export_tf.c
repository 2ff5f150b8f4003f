/* export_tf.c - a stack as Terraform (HCL) files. */
#include "core/stack/export_tf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/discover.h"
#include "core/stack/stack_validate.h"

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

static char *tf_security_group(const struct export_view *v)
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

/* The AUTH token's secret: made (after its key's policy) with its version,
 * or a reused one read. */
static void tf_secret(struct buf *o, const struct stack_spec *s)
{
    if (s->auth_token && !s->reuse_secret) {
        buf_appends(o, "\nresource \"aws_secretsmanager_secret\" \"elasticache_auth\" {\n"
                       "  name                    = local.secret_name\n");
        hcl_attr_int(o, 2, "recovery_window_in_days", s->secret_recovery_days);
        buf_printf(o, "  kms_key_id              = %s\n",
                   s->reuse_secret_kms_key ? "data.aws_kms_key.encryption_secret.id"
                                           : "aws_kms_key.encryption_secret.id");
        /* after the key's policy, as the plan orders it: Secrets Manager
         * must be allowed to use the key before the secret is made */
        if (!s->reuse_secret_kms_key && s->secret_key_policy)
            buf_appends(o, "  depends_on              = "
                           "[aws_kms_key_policy.encryption_secret_policy]\n");
        buf_appends(o, "  #checkov:skip=CKV2_AWS_57: the AUTH token is not rotated\n"
                       "}\n"
                       "\n"
                       "resource \"aws_secretsmanager_secret_version\" \"auth\" {\n"
                       "  secret_id     = aws_secretsmanager_secret.elasticache_auth.id\n"
                       "  secret_string = random_password.auth.result\n"
                       "}\n");
    } else if (s->auth_token) {
        buf_appends(o, "\n# reused secret: the token is read from it\n"
                       "data \"aws_secretsmanager_secret\" \"elasticache_auth\" {\n");
        hcl_attr_str(o, 2, "name", s->reuse_secret);
        buf_appends(o, "}\n"
                       "\n"
                       "data \"aws_secretsmanager_secret_version\" \"auth\" {\n"
                       "  secret_id = data.aws_secretsmanager_secret.elasticache_auth.id\n"
                       "}\n");
    }
}

/* The replication group, its log delivery, tags and lifecycle. */
static void tf_replication_group(struct buf *o, const struct export_view *v)
{
    const struct stack_spec *s = v->s;
    char *label = ex_rg_label(s);
    bool cluster = stack_validate_cluster_mode(s);
    buf_printf(o, "\nresource \"aws_elasticache_replication_group\" \"%s\" {\n", label);
    buf_appends(o, "  replication_group_id       = local.replication_group_id\n"
                   "  description                = local.description\n");
    hcl_attr_str(o, 2, "engine                    ", s->engine ? s->engine : "redis");
    if (s->engine_version)
        hcl_attr_str(o, 2, "engine_version            ", s->engine_version);
    hcl_attr_str(o, 2, "node_type                 ", s->node_type);
    hcl_attr_str(o, 2, "parameter_group_name      ", s->parameter_group);
    hcl_attr_int(o, 2, "port                      ", s->port);
    if (cluster) {
        hcl_attr_int(o, 2, "num_node_groups           ", s->shards);
        hcl_attr_int(o, 2, "replicas_per_node_group   ", s->replicas);
    } else {
        hcl_attr_int(o, 2, "num_cache_clusters        ", 1 + s->replicas);
    }
    hcl_attr(o, 2, "multi_az_enabled          ", s->multi_az ? "true" : "false");
    hcl_attr(o, 2, "automatic_failover_enabled", s->automatic_failover ? "true" : "false");
    buf_appends(o, "  subnet_group_name          = "
                   "aws_elasticache_subnet_group.elasticache_subnet.name\n"
                   "  security_group_ids         = [local.cache_security_group_id]\n");
    hcl_attr(o, 2, "at_rest_encryption_enabled", s->at_rest_encryption ? "true" : "false");
    if (s->at_rest_encryption)
        buf_appends(o, "  # by ARN: AWS reports the key as an ARN, so nothing differs\n"
                       "  kms_key_id                 = local.rest_key_arn\n");
    hcl_attr(o, 2, "transit_encryption_enabled", s->transit_encryption ? "true" : "false");
    if (s->auth_token && s->transit_encryption)
        buf_printf(o, "  auth_token                 = %s\n",
                   s->reuse_secret ? "data.aws_secretsmanager_secret_version.auth.secret_string"
                                   : "aws_secretsmanager_secret_version.auth.secret_string");
    if (s->snapshot_retention > 0)
        hcl_attr_int(o, 2, "snapshot_retention_limit  ", s->snapshot_retention);
    if (!s->auto_minor_version_upgrade)
        hcl_attr(o, 2, "auto_minor_version_upgrade", "false");
    for (int e = 0; e < 2; e++) {
        if (!(e ? s->engine_log : s->slow_log))
            continue;
        buf_printf(o,
                   "  log_delivery_configuration {\n"
                   "    destination      = aws_cloudwatch_log_group.%s.name\n"
                   "    destination_type = \"cloudwatch-logs\"\n",
                   e ? "engine_log" : "slow_log");
        hcl_attr_str(o, 4, "log_format      ", s->log_format ? s->log_format : "json");
        hcl_attr_str(o, 4, "log_type        ", e ? "engine-log" : "slow-log");
        buf_appends(o, "  }\n");
    }
    if (v->auth_secret_tag) {
        /* where elcui's exec and doctor find the AUTH token */
        buf_appends(o, "  tags = {\n    \"" DISCOVER_TAG_AUTH_SECRET "\" = ");
        if (!s->reuse_secret)
            hcl_name_or_str(o, s, STACK_NAME_SECRET, v->auth_secret_tag);
        else
            hcl_str(o, v->auth_secret_tag);
        buf_appends(o, "\n  }\n");
    }
    if (s->at_rest_encryption)
        buf_appends(o, "  lifecycle {\n"
                       "    ignore_changes = [kms_key_id]\n"
                       "  }\n");
    buf_appends(o, "  apply_immediately = true\n}\n");
    free(label);
}

static char *tf_elasticache(const struct export_view *v)
{
    const struct stack_spec *s = v->s;
    struct buf o;
    buf_init(&o, 0);
    buf_appends(&o, "# elasticache.tf - written by `elcui export --format terraform`\n"
                    "resource \"aws_elasticache_subnet_group\" \"elasticache_subnet\" {\n"
                    "  name        = local.subnet_group_name\n");
    if (v->subnet_group_desc)
        hcl_attr_str(&o, 2, "description", v->subnet_group_desc);
    buf_appends(&o, "  subnet_ids  = local.private_subnet_ids\n"
                    "}\n");
    tf_secret(&o, s);
    tf_replication_group(&o, v);
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
    export_files_add(out, name, a, false);
}

void export_tf_render(const struct export_view *v, struct export_files *out)
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

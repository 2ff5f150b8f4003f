/* export_view.c - the values a rendering shows beyond the spec. */
#include "core/stack/export_view.h"

#include <stdlib.h>
#include <string.h>

void export_view_init(struct export_view *v, const struct stack_spec *s,
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

void export_view_free(struct export_view *v)
{
    free(v->owned);
    memset(v, 0, sizeof(*v));
}

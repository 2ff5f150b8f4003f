/* keypolicy.c - key policy statements and the Logs verdict (see keypolicy.h). */
#include "core/stack/keypolicy.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"

/* ---- matching ---- */

static bool keypolicy_glob_n(const char *p, const char *t, size_t tn, bool ic)
{
    /* iterative wildcard match with one back-track point (classic) */
    const char *star = NULL;
    size_t ti = 0, star_ti = 0;
    while (ti < tn) {
        char pc = *p, tc = t[ti];
        if (ic) {
            pc = (char)tolower((unsigned char)pc);
            tc = (char)tolower((unsigned char)tc);
        }
        if (*p == '*') {
            star = ++p;
            star_ti = ti;
        } else if (*p && (*p == '?' || pc == tc)) {
            p++;
            ti++;
        } else if (star) {
            p = star;
            ti = ++star_ti;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

bool keypolicy_glob(const char *pattern, const char *text, bool ignore_case)
{
    /* nothing IAM matches is longer (an ARN is at most 2048 characters):
     * refusing more keeps the quadratic worst case of '*' bounded */
    if (!pattern || !text || strlen(pattern) > KEYPOLICY_MAX_MATCH ||
        strlen(text) > KEYPOLICY_MAX_MATCH)
        return false;
    return keypolicy_glob_n(pattern, text, strlen(text), ignore_case);
}

/* Split an ARN into its six parts (the last one keeps its colons). */
static bool keypolicy_arn_parts(const char *arn, const char *parts[6], size_t lens[6])
{
    const char *p = arn;
    for (int i = 0; i < 5; i++) {
        const char *c = strchr(p, ':');
        if (!c)
            return false;
        parts[i] = p;
        lens[i] = (size_t)(c - p);
        p = c + 1;
    }
    parts[5] = p;
    lens[5] = strlen(p);
    return true;
}

bool keypolicy_arn_match(const char *pattern, const char *arn)
{
    if (!pattern || !arn)
        return false;
    if (strcmp(pattern, "*") == 0)
        return true;
    if (strlen(pattern) > KEYPOLICY_MAX_MATCH || strlen(arn) > KEYPOLICY_MAX_MATCH)
        return false;
    const char *pp[6], *ap[6];
    size_t pl[6], al[6];
    if (!keypolicy_arn_parts(pattern, pp, pl) || !keypolicy_arn_parts(arn, ap, al))
        return false;
    for (int i = 0; i < 6; i++) {
        char *part = mem_xstrndup(pp[i], pl[i]);
        bool ok = keypolicy_glob_n(part, ap[i], al[i], false);
        free(part);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- parsing ---- */

static void keypolicy_strings(const json_t *v, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (json_is_string(v)) {
        *out = mem_xcalloc(1, sizeof(**out));
        (*out)[(*n)++] = mem_xstrdup(json_string_value(v));
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        *out = mem_xcalloc(json_array_size(v) + 1, sizeof(**out));
        json_array_foreach(v, i, x)
        {
            if (json_is_string(x))
                (*out)[(*n)++] = mem_xstrdup(json_string_value(x));
            else if (json_is_boolean(x))
                (*out)[(*n)++] = mem_xstrdup(json_is_true(x) ? "true" : "false");
        }
    } else if (json_is_boolean(v)) {
        *out = mem_xcalloc(1, sizeof(**out));
        (*out)[(*n)++] = mem_xstrdup(json_is_true(v) ? "true" : "false");
    }
}

static void keypolicy_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void keypolicy_principals(struct keypolicy_statement *s, const json_t *pr)
{
    if (json_is_string(pr)) {
        if (strcmp(json_string_value(pr), "*") == 0)
            s->any_principal = true;
        return;
    }
    if (!json_is_object(pr))
        return;
    const char *kind;
    const json_t *v;
    json_object_foreach((json_t *)pr, kind, v)
    {
        char **vals;
        size_t nv;
        keypolicy_strings(v, &vals, &nv);
        for (size_t i = 0; i < nv; i++) {
            if (strcmp(kind, "AWS") == 0 && strcmp(vals[i], "*") == 0)
                s->any_principal = true;
            s->principals = mem_xrealloc(s->principals, (s->n_principals + 1) * sizeof(char *));
            s->principals[s->n_principals++] = mem_xasprintf("%s %s", kind, vals[i]);
        }
        keypolicy_free_strings(vals, nv);
    }
}

static void keypolicy_join(struct buf *b, char *const *v, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%s", i ? sep : "", v[i]);
}

static void keypolicy_describe(struct keypolicy_statement *s)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_printf(&b, "%s ", s->allow ? "Allow" : "Deny");
    if (s->not_principal)
        buf_appends(&b, "everyone but ");
    if (s->any_principal && !s->not_principal)
        buf_appends(&b, "everyone (*)");
    else if (s->n_principals)
        keypolicy_join(&b, s->principals, s->n_principals, ", ");
    else
        buf_appends(&b, "nobody");
    buf_appends(&b, ": ");
    if (s->not_action)
        buf_appends(&b, "every action but ");
    if (s->n_actions)
        keypolicy_join(&b, s->actions, s->n_actions, ", ");
    else
        buf_appends(&b, "no action");
    buf_appends(&b, s->not_resource ? " on everything but " : " on ");
    if (s->n_resources)
        keypolicy_join(&b, s->resources, s->n_resources, ", ");
    else
        buf_appends(&b, "nothing");
    for (size_t i = 0; i < s->n_conds; i++) {
        const struct keypolicy_cond *c = &s->conds[i];
        buf_printf(&b, "%s%s %s = ", i ? " and " : " when ", c->op, c->key);
        keypolicy_join(&b, c->values, c->n_values, ", ");
    }
    s->text = buf_steal(&b);
    buf_free(&b);
}

struct keypolicy *keypolicy_parse(const char *json, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    json_error_t je;
    json_t *doc = json ? json_loads(json, 0, &je) : NULL;
    if (!json_is_object(doc)) {
        if (err)
            snprintf(err, errlen, "the key policy is not a JSON object%s%s", doc ? "" : ": ",
                     doc ? "" : (json ? je.text : "none"));
        json_decref(doc);
        return NULL;
    }
    const json_t *sts = json_object_get(doc, "Statement");
    if (!json_is_array(sts) && !json_is_object(sts)) {
        if (err)
            snprintf(err, errlen, "the key policy has no Statement");
        json_decref(doc);
        return NULL;
    }
    size_t n = json_is_array(sts) ? json_array_size(sts) : 1;
    struct keypolicy *p = mem_xcalloc(1, sizeof(*p));
    p->st = mem_xcalloc(n ? n : 1, sizeof(*p->st));
    for (size_t i = 0; i < n; i++) {
        const json_t *st = json_is_array(sts) ? json_array_get(sts, i) : sts;
        struct keypolicy_statement *s = &p->st[p->n++];
        s->number = i + 1;
        if (!json_is_object(st)) {
            s->label = mem_xasprintf("statement %zu", s->number);
            s->text = mem_xstrdup("not a statement (ignored)");
            continue;
        }
        const char *sid = json_string_value(json_object_get(st, "Sid"));
        s->sid = sid && *sid ? mem_xstrdup(sid) : NULL;
        s->label = s->sid ? mem_xasprintf("statement %zu \"%.120s\"", s->number, s->sid)
                          : mem_xasprintf("statement %zu", s->number);
        const char *eff = json_string_value(json_object_get(st, "Effect"));
        s->allow = eff && strcmp(eff, "Allow") == 0;
        const json_t *pr = json_object_get(st, "Principal");
        if (!pr) {
            pr = json_object_get(st, "NotPrincipal");
            s->not_principal = pr != NULL;
        }
        keypolicy_principals(s, pr);
        const json_t *ac = json_object_get(st, "Action");
        if (!ac) {
            ac = json_object_get(st, "NotAction");
            s->not_action = ac != NULL;
        }
        keypolicy_strings(ac, &s->actions, &s->n_actions);
        const json_t *rs = json_object_get(st, "Resource");
        if (!rs) {
            rs = json_object_get(st, "NotResource");
            s->not_resource = rs != NULL;
        }
        keypolicy_strings(rs, &s->resources, &s->n_resources);
        const json_t *cond = json_object_get(st, "Condition");
        const char *op;
        const json_t *ov;
        json_object_foreach((json_t *)cond, op, ov)
        {
            const char *key;
            const json_t *kv;
            json_object_foreach((json_t *)ov, key, kv)
            {
                s->conds = mem_xrealloc(s->conds, (s->n_conds + 1) * sizeof(*s->conds));
                struct keypolicy_cond *c = &s->conds[s->n_conds++];
                c->op = mem_xstrdup(op);
                c->key = mem_xstrdup(key);
                keypolicy_strings(kv, &c->values, &c->n_values);
            }
        }
        keypolicy_describe(s);
    }
    json_decref(doc);
    return p;
}

void keypolicy_free(struct keypolicy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        struct keypolicy_statement *s = &p->st[i];
        free(s->sid);
        keypolicy_free_strings(s->principals, s->n_principals);
        keypolicy_free_strings(s->actions, s->n_actions);
        keypolicy_free_strings(s->resources, s->n_resources);
        for (size_t j = 0; j < s->n_conds; j++) {
            free(s->conds[j].op);
            free(s->conds[j].key);
            keypolicy_free_strings(s->conds[j].values, s->conds[j].n_values);
        }
        free(s->conds);
        free(s->label);
        free(s->text);
    }
    free(p->st);
    free(p);
}

/* ---- evaluation ---- */

enum keypolicy_match { KP_NO = 0, KP_YES, KP_UNDECIDED };

static bool keypolicy_principal_listed(const struct keypolicy_statement *s, const char *service)
{
    for (size_t i = 0; i < s->n_principals; i++) {
        const char *p = s->principals[i];
        if (strncmp(p, "Service ", 8) != 0)
            continue;
        if (strcasecmp(p + 8, service) == 0)
            return true;
        /* the global name of the Logs principal, which older policies use */
        if (strncasecmp(service, "logs.", 5) == 0 && strcasecmp(p + 8, "logs.amazonaws.com") == 0)
            return true;
    }
    return false;
}

static bool keypolicy_principal_matches(const struct keypolicy_statement *s, const char *service)
{
    bool listed = s->any_principal || keypolicy_principal_listed(s, service);
    return s->not_principal ? !listed : listed;
}

static bool keypolicy_action_matches(const struct keypolicy_statement *s, const char *action)
{
    bool hit = false;
    for (size_t i = 0; i < s->n_actions && !hit; i++)
        hit = keypolicy_glob(s->actions[i], action, true);
    return s->not_action ? !hit : hit;
}

static bool keypolicy_resource_matches(const struct keypolicy_statement *s, const char *key_arn)
{
    if (!key_arn)
        return s->not_resource || s->n_resources > 0;
    bool hit = false;
    for (size_t i = 0; i < s->n_resources && !hit; i++)
        hit = strcmp(s->resources[i], "*") == 0 || keypolicy_arn_match(s->resources[i], key_arn);
    return s->not_resource ? !hit : hit;
}

/* The request's value for a condition key, or NULL when absent; *known
 * false when elcui does not know what the request carries for it. */
static const char *keypolicy_context(const char *key, const char *group_arn, bool *known)
{
    *known = true;
    if (strcasecmp(key, KEYPOLICY_CONTEXT_KEY) == 0)
        return group_arn;
    if (strcasecmp(key, "kms:EncryptionContextKeys") == 0)
        return group_arn ? "aws:logs:arn" : NULL;
    *known = false;
    return NULL;
}

static enum keypolicy_match keypolicy_cond_holds(const struct keypolicy_cond *c,
                                                 const char *group_arn)
{
    const char *op = c->op;
    if (strncmp(op, "ForAnyValue:", 12) == 0)
        op += 12;
    else if (strncmp(op, "ForAllValues:", 13) == 0)
        op += 13;
    char base[64];
    snprintf(base, sizeof(base), "%s", op);
    size_t bl = strlen(base);
    bool if_exists = bl > 8 && strcmp(base + bl - 8, "IfExists") == 0;
    if (if_exists)
        base[bl - 8] = '\0';
    bool known;
    const char *v = keypolicy_context(c->key, group_arn, &known);
    if (!known)
        return KP_UNDECIDED;
    if (strcmp(base, "Null") == 0) {
        bool want_null = c->n_values && strcasecmp(c->values[0], "true") == 0;
        return (v == NULL) == want_null ? KP_YES : KP_NO;
    }
    bool negated = strstr(base, "Not") != NULL;
    bool arn = strncmp(base, "Arn", 3) == 0;
    bool like = strstr(base, "Like") != NULL;
    bool ic = strstr(base, "IgnoreCase") != NULL;
    if (strncmp(base, "String", 6) != 0 && !arn)
        return KP_UNDECIDED; /* numeric, date, bool, IP operators: not about these keys */
    if (!v)
        return if_exists || negated ? KP_YES : KP_NO;
    bool any = false;
    for (size_t i = 0; i < c->n_values && !any; i++) {
        const char *want = c->values[i];
        if (arn)
            any = keypolicy_arn_match(want, v);
        else if (like)
            any = keypolicy_glob(want, v, false);
        else
            any = ic ? strcasecmp(want, v) == 0 : strcmp(want, v) == 0;
    }
    return (negated ? !any : any) ? KP_YES : KP_NO;
}

static enum keypolicy_match keypolicy_statement_matches(const struct keypolicy_statement *s,
                                                        const char *principal, const char *action,
                                                        const char *key_arn, const char *group_arn)
{
    if (!s->text || !keypolicy_principal_matches(s, principal) ||
        !keypolicy_action_matches(s, action) || !keypolicy_resource_matches(s, key_arn))
        return KP_NO;
    enum keypolicy_match m = KP_YES;
    for (size_t i = 0; i < s->n_conds; i++) {
        enum keypolicy_match c = keypolicy_cond_holds(&s->conds[i], group_arn);
        if (c == KP_NO)
            return KP_NO;
        if (c == KP_UNDECIDED)
            m = KP_UNDECIDED;
    }
    return m;
}

enum keypolicy_answer keypolicy_request(const struct keypolicy *p, const char *principal,
                                        const char *action, const char *key_arn,
                                        const char *log_group_arn, int *deciding)
{
    int allow = -1, allow_undecided = -1, deny_undecided = -1;
    *deciding = -1;
    for (size_t i = 0; p && i < p->n; i++) {
        const struct keypolicy_statement *s = &p->st[i];
        enum keypolicy_match m =
            keypolicy_statement_matches(s, principal, action, key_arn, log_group_arn);
        if (m == KP_NO)
            continue;
        if (!s->allow) {
            if (m == KP_YES) {
                *deciding = (int)i; /* an explicit deny wins */
                return KEYPOLICY_DENY;
            }
            if (deny_undecided < 0)
                deny_undecided = (int)i;
        } else if (m == KP_YES && allow < 0) {
            allow = (int)i;
        } else if (m == KP_UNDECIDED && allow_undecided < 0) {
            allow_undecided = (int)i;
        }
    }
    if (deny_undecided >= 0 && (allow >= 0 || allow_undecided >= 0)) {
        *deciding = deny_undecided;
        return KEYPOLICY_UNDECIDED;
    }
    if (allow >= 0) {
        *deciding = allow;
        return KEYPOLICY_ALLOW;
    }
    if (allow_undecided >= 0) {
        *deciding = allow_undecided;
        return KEYPOLICY_UNDECIDED;
    }
    return KEYPOLICY_DENY;
}

/* ---- the Logs verdict ---- */

static const char *const keypolicy_logs_actions[] = KEYPOLICY_LOGS_ACTIONS;

/* Allow statements for the Logs principal and at least one action it
 * needs, conditions aside. */
static bool keypolicy_is_logs_statement(const struct keypolicy_statement *s, const char *service,
                                        const char *key_arn)
{
    if (!s->allow || !s->text || !keypolicy_principal_matches(s, service) ||
        !keypolicy_resource_matches(s, key_arn))
        return false;
    for (size_t a = 0; a < KEYPOLICY_N_LOGS_ACTIONS; a++)
        if (keypolicy_action_matches(s, keypolicy_logs_actions[a]))
            return true;
    return false;
}

static const struct keypolicy_cond *keypolicy_context_cond(const struct keypolicy_statement *s)
{
    for (size_t i = 0; i < s->n_conds; i++)
        if (strcasecmp(s->conds[i].key, KEYPOLICY_CONTEXT_KEY) == 0)
            return &s->conds[i];
    return NULL;
}

static void keypolicy_norm(const char *in, char *out, size_t n)
{
    snprintf(out, n, "%s", in ? in : "");
    size_t l = strlen(out);
    if (l >= 2 && strcmp(out + l - 2, ":*") == 0)
        out[l - 2] = '\0';
}

/* Why a group is allowed: "statement 3 allows it (its ArnEquals
 * kms:EncryptionContext:aws:logs:arn condition lists it)". */
static char *keypolicy_allow_reason(const struct keypolicy_statement *s, const char *arn)
{
    const struct keypolicy_cond *c = keypolicy_context_cond(s);
    if (!c)
        return mem_xasprintf("%s allows it (for any log group: no %s condition)", s->label,
                             KEYPOLICY_CONTEXT_KEY);
    for (size_t i = 0; i < c->n_values; i++)
        if (strcmp(c->values[i], arn) == 0)
            return mem_xasprintf("%s allows it (its %s %s condition lists it)", s->label, c->op,
                                 c->key);
    for (size_t i = 0; i < c->n_values; i++)
        if (keypolicy_arn_match(c->values[i], arn) || keypolicy_glob(c->values[i], arn, false))
            return mem_xasprintf("%s allows it (its %s %s condition matches it with %s)", s->label,
                                 c->op, c->key, c->values[i]);
    return mem_xasprintf("%s allows it (its %s %s condition)", s->label, c->op, c->key);
}

/* Why a group is not allowed, when no statement denies it outright. */
static char *keypolicy_deny_reason(const struct keypolicy *p, const char *service,
                                   const char *key_arn, const char *action)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct keypolicy_statement *s = &p->st[i];
        if (!keypolicy_is_logs_statement(s, service, key_arn))
            continue;
        if (!keypolicy_action_matches(s, action))
            continue;
        const struct keypolicy_cond *c = keypolicy_context_cond(s);
        if (c) {
            struct buf b;
            buf_init(&b, 16384);
            keypolicy_join(&b, c->values, c->n_values, ", ");
            char *r = mem_xasprintf("%s does not cover it: its %s %s condition names only %s",
                                    s->label, c->op, c->key, buf_str(&b));
            buf_free(&b);
            return r;
        }
        return mem_xasprintf("%s does not cover it (another condition)", s->label);
    }
    for (size_t i = 0; i < p->n; i++)
        if (keypolicy_is_logs_statement(&p->st[i], service, key_arn))
            return mem_xasprintf("no statement allows %s for it (%s gives %s only part of "
                                 "what Logs needs)",
                                 action, p->st[i].label, service);
    return mem_xasprintf("no statement lets %s use the key (implicit deny)", service);
}

static void keypolicy_group_eval(const struct keypolicy *p, const char *service,
                                 const char *key_arn, struct keypolicy_group *g)
{
    g->answer = KEYPOLICY_ALLOW;
    g->deciding = -1;
    for (size_t a = 0; a < KEYPOLICY_N_LOGS_ACTIONS; a++) {
        const char *action = keypolicy_logs_actions[a];
        int dec;
        enum keypolicy_answer ans = keypolicy_request(p, service, action, key_arn, g->arn, &dec);
        if (ans == KEYPOLICY_ALLOW) {
            if (g->deciding < 0)
                g->deciding = dec;
            continue;
        }
        if (ans == KEYPOLICY_UNDECIDED) {
            /* the first undecided action tells; a later deny still wins */
            if (g->answer != KEYPOLICY_UNDECIDED) {
                g->answer = KEYPOLICY_UNDECIDED;
                g->deciding = dec;
                g->reason = mem_xasprintf("%s decides %s with a condition elcui cannot "
                                          "evaluate (%s)",
                                          p->st[dec].label, action, p->st[dec].text);
            }
            continue;
        }
        free(g->reason);
        g->deciding = dec;
        g->answer = KEYPOLICY_DENY;
        if (dec >= 0)
            g->reason = mem_xasprintf("%s denies %s", p->st[dec].label, action);
        else
            g->reason = keypolicy_deny_reason(p, service, key_arn, action);
        return;
    }
    if (g->answer == KEYPOLICY_ALLOW)
        g->reason = keypolicy_allow_reason(&p->st[g->deciding], g->arn);
}

/* Statements that let Logs use the key for more than the groups. */
static void keypolicy_beyond(struct keypolicy_verdict *v, const struct keypolicy *p,
                             const char *key_arn)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct keypolicy_statement *s = &p->st[i];
        if (!keypolicy_is_logs_statement(s, v->service, key_arn))
            continue;
        v->n_logs_statements++;
        const struct keypolicy_cond *c = keypolicy_context_cond(s);
        char *why = NULL;
        if (!c) {
            why = mem_xasprintf("%s lets %s use the key for any log group (no %s condition)",
                                s->label, v->service, KEYPOLICY_CONTEXT_KEY);
        } else if (strstr(c->op, "Not")) {
            why = mem_xasprintf("%s lets %s use the key for every log group but those its %s "
                                "condition names",
                                s->label, v->service, c->op);
        } else {
            struct buf b;
            buf_init(&b, 16384);
            for (size_t k = 0; k < c->n_values; k++) {
                const char *val = c->values[k];
                bool ours = false;
                for (size_t g = 0; g < v->n_groups; g++)
                    ours = ours || strcmp(val, v->groups[g].arn) == 0;
                bool pattern = strpbrk(val, "*?") != NULL &&
                               (strncmp(c->op, "Arn", 3) == 0 || strstr(c->op, "Like"));
                if (pattern)
                    buf_printf(&b, "%sallows the pattern %s (more than these log groups)",
                               b.len ? "; " : "", val);
                else if (!ours)
                    buf_printf(&b, "%salso allows %s", b.len ? "; " : "", val);
            }
            if (b.len)
                why = mem_xasprintf("%s %s", s->label, buf_str(&b));
            buf_free(&b);
        }
        if (why) {
            v->beyond = mem_xrealloc(v->beyond, (v->n_beyond + 1) * sizeof(*v->beyond));
            v->beyond[v->n_beyond++] = why;
        }
    }
}

struct keypolicy_verdict *keypolicy_logs_verdict(const struct keypolicy *p, const char *region,
                                                 const char *key_arn, const char *const *group_arns,
                                                 size_t n)
{
    struct keypolicy_verdict *v = mem_xcalloc(1, sizeof(*v));
    v->service = mem_xasprintf("logs.%s.amazonaws.com", region ? region : "");
    v->groups = mem_xcalloc(n ? n : 1, sizeof(*v->groups));
    for (size_t i = 0; i < n; i++) {
        char a[2048];
        keypolicy_norm(group_arns[i], a, sizeof(a));
        bool dup = false;
        for (size_t k = 0; k < v->n_groups; k++)
            dup = dup || strcmp(v->groups[k].arn, a) == 0;
        if (!dup)
            v->groups[v->n_groups++].arn = mem_xstrdup(a);
    }
    if (!p) {
        v->unknown = true;
        v->summary = mem_xstrdup("unknown: the key policy could not be read");
        return v;
    }
    bool all = true;
    const struct keypolicy_group *first_bad = NULL, *first_unknown = NULL;
    for (size_t i = 0; i < v->n_groups; i++) {
        struct keypolicy_group *g = &v->groups[i];
        keypolicy_group_eval(p, v->service, key_arn, g);
        if (g->answer == KEYPOLICY_DENY && !first_bad)
            first_bad = g;
        if (g->answer == KEYPOLICY_UNDECIDED && !first_unknown)
            first_unknown = g;
        all = all && g->answer == KEYPOLICY_ALLOW;
    }
    keypolicy_beyond(v, p, key_arn);
    v->unknown = !first_bad && first_unknown;
    v->ok = all && v->n_beyond == 0;
    if (first_bad)
        v->summary = mem_xasprintf("no: %s may not use the key for %s: %s", v->service,
                                   first_bad->arn, first_bad->reason);
    else if (v->unknown)
        v->summary = mem_xasprintf("unknown for %s: %s", first_unknown->arn, first_unknown->reason);
    else if (v->n_beyond)
        v->summary = mem_xasprintf("no: %s may use the key for more than these log groups: %s",
                                   v->service, v->beyond[0]);
    else if (!v->n_groups)
        v->summary =
            mem_xasprintf("no log group uses the key, and no statement lets %s use it", v->service);
    else
        v->summary = mem_xasprintf("yes: %s may use the key for exactly these %zu log group%s "
                                   "(%s)",
                                   v->service, v->n_groups, v->n_groups == 1 ? "" : "s",
                                   p->st[v->groups[0].deciding].label);
    return v;
}

void keypolicy_verdict_free(struct keypolicy_verdict *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_groups; i++) {
        free(v->groups[i].arn);
        free(v->groups[i].reason);
    }
    free(v->groups);
    keypolicy_free_strings(v->beyond, v->n_beyond);
    free(v->service);
    free(v->summary);
    free(v);
}

/* tail_match.c - client-side record filters of the tail: node, shard,
 * role, level, duration, command, substring and regex. */
#include "core/logs/tail_match.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/mem.h"
#include "core/logs/tail.h"

struct tail_match {
    char *node;
    char *shard;
    enum logrec_role role;
    enum logrec_level min_level;
    int64_t min_duration_us;
    char *command;
    char *substring;
    bool icase;
    bool has_regex;
    regex_t re;
};

struct tail_match *tail_match_new(const struct tail_filter *f, char *err, size_t errlen)
{
    struct tail_match *m = mem_xcalloc(1, sizeof(*m));
    if (!f)
        return m;
    m->node = mem_xstrdup(f->node && *f->node ? f->node : NULL);
    m->shard = mem_xstrdup(f->shard && *f->shard ? f->shard : NULL);
    m->role = f->role;
    m->min_level = f->min_level;
    m->min_duration_us = f->min_duration_us;
    m->command = mem_xstrdup(f->command && *f->command ? f->command : NULL);
    m->substring = mem_xstrdup(f->substring && *f->substring ? f->substring : NULL);
    m->icase = f->icase;
    if (f->regex && *f->regex) {
        int rc = regcomp(&m->re, f->regex, REG_EXTENDED | REG_NOSUB | (f->icase ? REG_ICASE : 0));
        if (rc != 0) {
            char msg[200];
            regerror(rc, &m->re, msg, sizeof(msg));
            if (err && errlen)
                snprintf(err, errlen, "bad regular expression: %s", msg);
            m->has_regex = false;
            tail_match_free(m);
            return NULL;
        }
        m->has_regex = true;
    }
    return m;
}

void tail_match_free(struct tail_match *m)
{
    if (!m)
        return;
    free(m->node);
    free(m->shard);
    free(m->command);
    free(m->substring);
    if (m->has_regex)
        regfree(&m->re);
    free(m);
}

static bool tail_contains(const char *hay, size_t hlen, const char *needle, bool icase)
{
    size_t nl = strlen(needle);
    if (nl == 0)
        return true;
    for (size_t i = 0; i + nl <= hlen; i++) {
        if (icase ? strncasecmp(hay + i, needle, nl) == 0 : memcmp(hay + i, needle, nl) == 0)
            return true;
    }
    return false;
}

/* The filters on the raw message (substring, regex): they need no parse. */
bool tail_match_raw(const struct tail_match *m, const char *msg, size_t len)
{
    if (!m)
        return true;
    if (m->substring && !tail_contains(msg, len, m->substring, m->icase))
        return false;
#ifdef REG_STARTEND
    /* the whole message, a NUL inside included */
    regmatch_t whole = {.rm_so = 0, .rm_eo = (regoff_t)len};
    if (m->has_regex && regexec(&m->re, msg, 1, &whole, REG_STARTEND) != 0)
#else
    if (m->has_regex && regexec(&m->re, msg, 0, NULL, 0) != 0)
#endif
        return false;
    return true;
}

/* The filters on a record's parsed fields (node, shard, role, level,
 * duration, command). */
bool tail_match_fields(const struct tail_match *m, const struct logrec *r)
{
    if (!m)
        return true;
    if (m->node) {
        const char *cl = r->cache_cluster_id, *nd = r->cache_node_id;
        size_t cl_len = strlen(cl);
        bool ok = strcmp(m->node, cl) == 0 || (nd[0] && strcmp(m->node, nd) == 0 && !cl[0]) ||
                  (strncmp(m->node, cl, cl_len) == 0 && m->node[cl_len] == '/' &&
                   strcmp(m->node + cl_len + 1, nd) == 0);
        if (!ok)
            return false;
    }
    if (m->shard) {
        char derived[16];
        const char *shard = r->labels.shard;
        if (!shard[0] && tail_shard_from_cluster_id(r->cache_cluster_id, derived, sizeof(derived)))
            shard = derived;
        if (strcmp(shard, m->shard) != 0)
            return false;
    }
    if (m->role != LOGREC_ROLE_NONE) {
        const char *want = logrec_role_name(m->role);
        const char *have = r->labels.role[0] ? r->labels.role : logrec_role_name(r->role);
        if (strcmp(want, have) != 0)
            return false;
    }
    if (r->type == LOGREC_ENGINE && m->min_level != LOGREC_LEVEL_NONE &&
        (r->level == LOGREC_LEVEL_NONE || r->level < m->min_level))
        return false;
    if (r->type == LOGREC_SLOW && m->min_duration_us > 0 && r->duration_us < m->min_duration_us)
        return false;
    if (r->type == LOGREC_SLOW && m->command) {
        char name[64];
        logrec_command_name(r, name, sizeof(name));
        if (strcasecmp(name, m->command) != 0)
            return false;
    }
    return true;
}

bool tail_match_record(const struct tail_match *m, const struct logrec *r)
{
    return tail_match_fields(m, r) && tail_match_raw(m, r->message, r->message_len);
}

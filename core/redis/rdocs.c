/* rdocs.c - command docs for completion and hints (see rdocs.h). */
#include "core/redis/rdocs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/rdocs_builtin.h"

#define RDOCS_MAX_DEPTH 8
#define RDOCS_MAX_WORDS 256

/* One top-level argument of a command, as the hint walks them. */
struct rdocs_item {
    char *text;    /* "[NX|XX]", "key", "key [key ...]" */
    char *more;    /* a repeat once given: "[key ...]" (else NULL) */
    bool optional; /* may be left out */
    bool multiple; /* takes more words than one occurrence */
    char **lead;   /* tokens that start it (upper case) */
    size_t nlead;
    int words; /* words one occurrence takes at least */
};

/* ---- parsing ---- */

/* Value of key in a flat [k, v, k, v...] array, or NULL. */
static const json_t *rdocs_get(const json_t *m, const char *key)
{
    if (!json_is_array(m))
        return NULL;
    for (size_t i = 0; i + 1 < json_array_size(m); i += 2) {
        const json_t *k = json_array_get(m, i);
        if (json_is_string(k) && strcasecmp(json_string_value(k), key) == 0)
            return json_array_get(m, i + 1);
    }
    return NULL;
}

static const char *rdocs_str(const json_t *m, const char *key)
{
    const json_t *v = rdocs_get(m, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool rdocs_flag(const json_t *m, const char *flag)
{
    const json_t *f = rdocs_get(m, "flags");
    for (size_t i = 0; json_is_array(f) && i < json_array_size(f); i++) {
        const json_t *e = json_array_get(f, i);
        if (json_is_string(e) && strcasecmp(json_string_value(e), flag) == 0)
            return true;
    }
    return false;
}

/* Levels of arrays (a doc of depth 7 is the deepest a batched COMMAND
 * DOCS answer can hold for hiredis 0.14, which reads 8). */
static int rdocs_depth(const json_t *v, int limit)
{
    if (!json_is_array(v) || limit <= 0)
        return 0;
    int best = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        int d = rdocs_depth(json_array_get(v, i), limit - 1);
        if (d > best)
            best = d;
    }
    return best + 1;
}

/* Printable text only: a server's docs never reach the screen raw. */
static void rdocs_clean(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        buf_appendc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
    }
}

static char *rdocs_dup_clean(const char *s)
{
    struct buf b;
    buf_init(&b, 0);
    rdocs_clean(&b, s ? s : "");
    char *o = mem_xstrdup(buf_str(&b));
    buf_free(&b);
    return o;
}

static void rdocs_upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

static void rdocs_format_arg(struct buf *b, const json_t *a, int depth, bool with_optional);

static void rdocs_format_list(struct buf *b, const json_t *list, const char *sep, int depth)
{
    if (!json_is_array(list))
        return;
    bool first = true;
    for (size_t i = 0; i < json_array_size(list); i++) {
        if (!json_is_array(json_array_get(list, i)))
            continue;
        if (!first)
            buf_appends(b, sep);
        first = false;
        rdocs_format_arg(b, json_array_get(list, i), depth + 1, true);
    }
}

/* redis-cli's rendering of one argument of COMMAND DOCS. */
static void rdocs_format_arg(struct buf *b, const json_t *a, int depth, bool with_optional)
{
    if (depth > RDOCS_MAX_DEPTH)
        return;
    const char *type = rdocs_str(a, "type");
    const char *token = rdocs_str(a, "token");
    const char *name = rdocs_str(a, "display_text");
    if (!name)
        name = rdocs_str(a, "name");
    bool pure = type && strcasecmp(type, "pure-token") == 0;
    bool optional = with_optional && rdocs_flag(a, "optional");
    bool multiple = rdocs_flag(a, "multiple");
    bool multiple_token = rdocs_flag(a, "multiple_token");
    struct buf core;
    buf_init(&core, 0);
    if (type && strcasecmp(type, "block") == 0)
        rdocs_format_list(&core, rdocs_get(a, "arguments"), " ", depth);
    else if (type && strcasecmp(type, "oneof") == 0)
        rdocs_format_list(&core, rdocs_get(a, "arguments"), "|", depth);
    else if (!pure)
        rdocs_clean(&core, name ? name : "arg");
    struct buf tok;
    buf_init(&tok, 0);
    if (token) {
        rdocs_clean(&tok, token);
        if (!pure && core.len)
            buf_appendc(&tok, ' ');
    }
    if (optional)
        buf_appendc(b, '[');
    if (multiple && multiple_token) {
        buf_append(b, tok.data, tok.len);
        buf_append(b, core.data, core.len);
        buf_appends(b, " [");
        buf_append(b, tok.data, tok.len);
        buf_append(b, core.data, core.len);
        buf_appends(b, " ...]");
    } else if (multiple) {
        buf_append(b, tok.data, tok.len);
        buf_append(b, core.data, core.len);
        buf_appends(b, " [");
        buf_append(b, core.data, core.len);
        buf_appends(b, " ...]");
    } else {
        buf_append(b, tok.data, tok.len);
        buf_append(b, core.data, core.len);
    }
    if (optional)
        buf_appendc(b, ']');
    buf_free(&core);
    buf_free(&tok);
}

/* Words one occurrence of an argument takes at least. */
static int rdocs_min_words(const json_t *a, int depth)
{
    if (depth > RDOCS_MAX_DEPTH)
        return 1;
    const char *type = rdocs_str(a, "type");
    int n = rdocs_str(a, "token") ? 1 : 0;
    if (type && strcasecmp(type, "pure-token") == 0)
        return 1;
    const json_t *subs = rdocs_get(a, "arguments");
    if (type && strcasecmp(type, "block") == 0 && json_is_array(subs)) {
        for (size_t i = 0; i < json_array_size(subs); i++)
            if (!rdocs_flag(json_array_get(subs, i), "optional"))
                n += rdocs_min_words(json_array_get(subs, i), depth + 1);
        return n ? n : 1;
    }
    if (type && strcasecmp(type, "oneof") == 0 && json_is_array(subs)) {
        int best = -1;
        for (size_t i = 0; i < json_array_size(subs); i++) {
            int w = rdocs_min_words(json_array_get(subs, i), depth + 1);
            if (best < 0 || w < best)
                best = w;
        }
        return n + (best > 0 ? best : 1);
    }
    return n + 1;
}

static void rdocs_add_lead(struct rdocs_item *it, const char *tok)
{
    if (!tok || !*tok)
        return;
    it->lead = mem_xrealloc(it->lead, (it->nlead + 1) * sizeof(*it->lead));
    char *t = rdocs_dup_clean(tok);
    rdocs_upper(t);
    it->lead[it->nlead++] = t;
}

/* The tokens an argument can start with. */
static void rdocs_leads(struct rdocs_item *it, const json_t *a, int depth)
{
    if (depth > RDOCS_MAX_DEPTH)
        return;
    const char *token = rdocs_str(a, "token");
    if (token) {
        rdocs_add_lead(it, token);
        return;
    }
    const char *type = rdocs_str(a, "type");
    const json_t *subs = rdocs_get(a, "arguments");
    if (!type || !json_is_array(subs))
        return;
    if (strcasecmp(type, "oneof") == 0) {
        for (size_t i = 0; i < json_array_size(subs); i++)
            rdocs_leads(it, json_array_get(subs, i), depth + 1);
    } else if (strcasecmp(type, "block") == 0 && json_array_size(subs)) {
        rdocs_leads(it, json_array_get(subs, 0), depth + 1);
    }
}

static void rdocs_parse_args(struct rdocs_cmd *c, const json_t *args)
{
    struct buf all;
    buf_init(&all, 0);
    for (size_t i = 0; json_is_array(args) && i < json_array_size(args); i++) {
        {
            const json_t *a = json_array_get(args, i);
            if (!json_is_array(a))
                continue;
            struct buf t;
            buf_init(&t, 0);
            rdocs_format_arg(&t, a, 0, true);
            c->items = mem_xrealloc(c->items, (c->nitems + 1) * sizeof(*c->items));
            struct rdocs_item *it = &c->items[c->nitems++];
            memset(it, 0, sizeof(*it));
            it->text = mem_xstrdup(buf_str(&t));
            it->optional = rdocs_flag(a, "optional");
            it->multiple = rdocs_flag(a, "multiple");
            it->words = rdocs_min_words(a, 0);
            if (it->multiple && !it->optional) {
                /* what is left to show once one occurrence is typed */
                const char *rep = strstr(it->text, " [");
                if (rep)
                    it->more = mem_xstrdup(rep + 1);
            }
            rdocs_leads(it, a, 0);
            if (all.len)
                buf_appendc(&all, ' ');
            buf_append(&all, t.data, t.len);
            buf_free(&t);
        }
    }
    c->args = mem_xstrdup(buf_str(&all));
    buf_free(&all);
}

static int rdocs_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rdocs_cmd *)a)->name, ((const struct rdocs_cmd *)b)->name);
}

static bool rdocs_parse_cmd(struct rdocs_cmd *c, const json_t *name, const json_t *doc, int depth)
{
    if (!json_is_string(name) || !json_is_array(doc))
        return false;
    const char *full = json_string_value(name);
    if (!*full || strlen(full) > 64)
        return false;
    memset(c, 0, sizeof(*c));
    /* a subcommand is "container|sub": its own word */
    const char *bar = strchr(full, '|');
    c->name = rdocs_dup_clean(bar ? bar + 1 : full);
    rdocs_upper(c->name);
    c->summary = rdocs_dup_clean(rdocs_str(doc, "summary"));
    c->since = rdocs_dup_clean(rdocs_str(doc, "since"));
    c->group = rdocs_dup_clean(rdocs_str(doc, "group"));
    c->depth = rdocs_depth(doc, 64);
    rdocs_parse_args(c, rdocs_get(doc, "arguments"));
    const json_t *subs = rdocs_get(doc, "subcommands");
    if (depth == 0 && json_array_size(subs) >= 2) {
        c->subs = mem_xcalloc(json_array_size(subs) / 2, sizeof(*c->subs));
        for (size_t i = 0; i + 1 < json_array_size(subs); i += 2)
            if (rdocs_parse_cmd(&c->subs[c->nsubs], json_array_get(subs, i),
                                json_array_get(subs, i + 1), depth + 1))
                c->nsubs++;
        qsort(c->subs, c->nsubs, sizeof(*c->subs), rdocs_cmp);
    }
    return true;
}

static void rdocs_cmd_free(struct rdocs_cmd *c)
{
    free(c->name);
    free(c->args);
    free(c->summary);
    free(c->since);
    free(c->group);
    for (size_t i = 0; i < c->nsubs; i++)
        rdocs_cmd_free(&c->subs[i]);
    free(c->subs);
    for (size_t i = 0; i < c->nitems; i++) {
        free(c->items[i].text);
        free(c->items[i].more);
        for (size_t k = 0; k < c->items[i].nlead; k++)
            free(c->items[i].lead[k]);
        free(c->items[i].lead);
    }
    free(c->items);
}

static void rdocs_cmd_free(struct rdocs_cmd *c);

/* A top-level "container|sub" entry (docs asked sub by sub) joins its container. */
static void rdocs_adopt(struct rdocs *d, struct rdocs_cmd *sub, const char *container)
{
    char up[72];
    snprintf(up, sizeof(up), "%s", container);
    rdocs_upper(up);
    struct rdocs_cmd *c = NULL;
    for (size_t i = 0; i < d->n && !c; i++)
        if (strcmp(d->cmds[i].name, up) == 0)
            c = &d->cmds[i];
    if (!c) {
        d->cmds = mem_xrealloc(d->cmds, (d->n + 1) * sizeof(*d->cmds));
        c = &d->cmds[d->n++];
        memset(c, 0, sizeof(*c));
        c->name = mem_xstrdup(up);
        c->args = mem_xstrdup("");
        c->summary = mem_xstrdup("");
        c->since = mem_xstrdup("");
        c->group = mem_xstrdup("");
    }
    for (size_t i = 0; i < c->nsubs; i++)
        if (strcmp(c->subs[i].name, sub->name) == 0) {
            rdocs_cmd_free(&c->subs[i]);
            c->subs[i] = *sub;
            return;
        }
    c->subs = mem_xrealloc(c->subs, (c->nsubs + 1) * sizeof(*c->subs));
    c->subs[c->nsubs++] = *sub;
    qsort(c->subs, c->nsubs, sizeof(*c->subs), rdocs_cmp);
}

static struct rdocs *rdocs_parse_json(const json_t *r, const char *source)
{
    if (!json_is_array(r) || json_array_size(r) < 2)
        return NULL;
    struct rdocs *d = mem_xcalloc(1, sizeof(*d));
    for (size_t i = 0; i + 1 < json_array_size(r); i += 2) {
        struct rdocs_cmd c;
        const json_t *name = json_array_get(r, i);
        if (!rdocs_parse_cmd(&c, name, json_array_get(r, i + 1), 0))
            continue;
        const char *bar = strchr(json_string_value(name), '|');
        if (bar) {
            char container[72];
            snprintf(container, sizeof(container), "%.*s", (int)(bar - json_string_value(name)),
                     json_string_value(name));
            rdocs_adopt(d, &c, container);
            continue;
        }
        d->cmds = mem_xrealloc(d->cmds, (d->n + 1) * sizeof(*d->cmds));
        d->cmds[d->n++] = c;
    }
    if (d->n == 0) {
        free(d->cmds);
        free(d);
        return NULL;
    }
    qsort(d->cmds, d->n, sizeof(*d->cmds), rdocs_cmp);
    /* the same name twice: the later wins */
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (k && strcmp(d->cmds[k - 1].name, d->cmds[i].name) == 0) {
            rdocs_cmd_free(&d->cmds[k - 1]);
            d->cmds[k - 1] = d->cmds[i];
        } else {
            d->cmds[k++] = d->cmds[i];
        }
    }
    d->n = k;
    d->source = mem_xstrdup(source ? source : "server (COMMAND DOCS)");
    return d;
}

/* A reply as JSON: strings (printable, valid UTF-8), integers, arrays. */
static json_t *rdocs_reply_json(const redisReply *r, int depth)
{
    if (!r || depth > 64)
        return json_null();
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < r->len; i++) {
            unsigned char ch = (unsigned char)r->str[i];
            buf_appendc(&b, ch < 0x20 || ch >= 0x7f ? '?' : (char)ch);
        }
        json_t *s = json_stringn(b.data ? b.data : "", b.len);
        buf_free(&b);
        return s ? s : json_null();
    }
    case REDIS_REPLY_INTEGER:
        return json_integer(r->integer);
    case REDIS_REPLY_ARRAY: {
        json_t *a = json_array();
        for (size_t i = 0; i < r->elements; i++)
            json_array_append_new(a, rdocs_reply_json(r->element[i], depth + 1));
        return a;
    }
    default:
        return json_null();
    }
}

struct rdocs *rdocs_parse(const redisReply *r, const char *source)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return NULL;
    json_t *j = rdocs_reply_json(r, 0);
    struct rdocs *d = rdocs_parse_json(j, source);
    json_decref(j);
    return d;
}

static struct rdocs *rdocs_the_builtin;

const struct rdocs *rdocs_builtin(void)
{
    if (rdocs_the_builtin)
        return rdocs_the_builtin;
    json_error_t err;
    json_t *j = json_loadb(rdocs_builtin_json, rdocs_builtin_json_len, 0, &err);
    if (!j)
        return NULL;
    rdocs_the_builtin = rdocs_parse_json(j, rdocs_builtin_origin);
    json_decref(j);
    return rdocs_the_builtin;
}

size_t rdocs_askable(const struct rdocs *d, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->n && n < max; i++) {
        const struct rdocs_cmd *c = &d->cmds[i];
        if (c->nsubs == 0 && c->depth <= RDOCS_ASK_DEPTH)
            names[n++] = c->name;
    }
    return n;
}

void rdocs_free(struct rdocs *d)
{
    if (!d || d == rdocs_the_builtin)
        return;
    for (size_t i = 0; i < d->n; i++)
        rdocs_cmd_free(&d->cmds[i]);
    free(d->cmds);
    free(d->source);
    free(d);
}

static const struct rdocs_cmd *rdocs_lookup(const struct rdocs_cmd *v, size_t n, const char *name,
                                            size_t len)
{
    /* names are stored upper case and sorted by strcmp */
    char up[72];
    if (len >= sizeof(up))
        return NULL;
    for (size_t i = 0; i < len; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[len] = '\0';
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(v[mid].name, up);
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct rdocs_cmd *rdocs_find(const struct rdocs *d, const char *name, const char *sub)
{
    if (!d || !name)
        return NULL;
    const struct rdocs_cmd *c = rdocs_lookup(d->cmds, d->n, name, strlen(name));
    if (c && sub && c->nsubs)
        return rdocs_lookup(c->subs, c->nsubs, sub, strlen(sub));
    return c;
}

/* ---- words of a line being typed ---- */

struct rdocs_words {
    size_t start[RDOCS_MAX_WORDS], len[RDOCS_MAX_WORDS];
    size_t n;
    bool trailing_space; /* the last word is finished */
};

/* Split leniently: quotes group, an unfinished quote runs to the end. */
static void rdocs_split(const char *line, size_t end, struct rdocs_words *w)
{
    memset(w, 0, sizeof(*w));
    size_t i = 0;
    while (i < end) {
        while (i < end && isspace((unsigned char)line[i]))
            i++;
        if (i >= end)
            break;
        size_t s = i;
        while (i < end && !isspace((unsigned char)line[i])) {
            if (line[i] == '"' || line[i] == '\'') {
                char q = line[i++];
                while (i < end && line[i] != q) {
                    if (line[i] == '\\' && i + 1 < end)
                        i++;
                    i++;
                }
            }
            if (i < end)
                i++;
        }
        if (w->n < RDOCS_MAX_WORDS) {
            w->start[w->n] = s;
            w->len[w->n] = i - s;
            w->n++;
        }
    }
    w->trailing_space = end > 0 && isspace((unsigned char)line[end - 1]);
}

/* The candidate in the case of what was typed (lower when it starts lower). */
static void rdocs_emit(const char *word, size_t wl, const char *cand,
                       void (*add)(void *ctx, const char *cand), void *ctx)
{
    if (strlen(cand) < wl || strncasecmp(cand, word, wl) != 0)
        return;
    char *c = mem_xstrdup(cand);
    if (wl && islower((unsigned char)word[0]))
        for (char *p = c; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    add(ctx, c);
    free(c);
}

size_t rdocs_complete(const struct rdocs *d, const char *line, size_t pos,
                      void (*add)(void *ctx, const char *cand), void *ctx)
{
    struct rdocs_words w;
    rdocs_split(line, pos, &w);
    size_t idx = w.trailing_space || w.n == 0 ? w.n : w.n - 1;
    size_t start = idx < w.n ? w.start[idx] : pos;
    const char *word = line + start;
    size_t wl = pos - start;
    if (!d || memchr(word, '"', wl) || memchr(word, '\'', wl))
        return start;
    if (idx == 0) {
        for (size_t i = 0; i < d->n; i++)
            rdocs_emit(word, wl, d->cmds[i].name, add, ctx);
        return start;
    }
    char name[72];
    snprintf(name, sizeof(name), "%.*s", (int)(w.len[0] < 64 ? w.len[0] : 64), line + w.start[0]);
    const struct rdocs_cmd *c = rdocs_find(d, name, NULL);
    if (!c)
        return start;
    if (idx == 1 && c->nsubs) {
        for (size_t i = 0; i < c->nsubs; i++)
            rdocs_emit(word, wl, c->subs[i].name, add, ctx);
        return start;
    }
    if (c->nsubs && w.n > 1) {
        char sub[72];
        snprintf(sub, sizeof(sub), "%.*s", (int)(w.len[1] < 64 ? w.len[1] : 64), line + w.start[1]);
        c = rdocs_lookup(c->subs, c->nsubs, sub, strlen(sub));
        if (!c)
            return start;
    }
    /* option tokens, once something of the word is typed */
    if (wl == 0)
        return start;
    for (size_t i = 0; i < c->nitems; i++)
        for (size_t k = 0; k < c->items[i].nlead; k++)
            rdocs_emit(word, wl, c->items[i].lead[k], add, ctx);
    return start;
}

/* ---- hints ---- */

static bool rdocs_leads_with(const struct rdocs_item *it, const char *word, size_t wl)
{
    for (size_t k = 0; k < it->nlead; k++)
        if (strlen(it->lead[k]) == wl && strncasecmp(it->lead[k], word, wl) == 0)
            return true;
    return false;
}

char *rdocs_hint(const struct rdocs *d, const char *line)
{
    if (!d || !line)
        return NULL;
    size_t end = strlen(line);
    struct rdocs_words w;
    rdocs_split(line, end, &w);
    if (w.n == 0 || w.n >= RDOCS_MAX_WORDS)
        return NULL;
    char name[72];
    snprintf(name, sizeof(name), "%.*s", (int)(w.len[0] < 64 ? w.len[0] : 64), line + w.start[0]);
    const struct rdocs_cmd *c = rdocs_find(d, name, NULL);
    if (!c)
        return NULL;
    size_t first = 1; /* the first argument word */
    struct buf b;
    buf_init(&b, 0);
    const char *lead = w.trailing_space ? "" : " ";
    if (c->nsubs) {
        if (w.n == 1) {
            /* which subcommands there are */
            buf_appends(&b, lead);
            for (size_t i = 0; i < c->nsubs; i++)
                buf_printf(&b, "%s%s", i ? "|" : "", c->subs[i].name);
            return buf_steal(&b);
        }
        char sub[72];
        snprintf(sub, sizeof(sub), "%.*s", (int)(w.len[1] < 64 ? w.len[1] : 64), line + w.start[1]);
        const struct rdocs_cmd *s = rdocs_lookup(c->subs, c->nsubs, sub, strlen(sub));
        if (!s) {
            buf_free(&b);
            return NULL;
        }
        c = s;
        first = 2;
    }
    bool used[256] = {false}, given[256] = {false};
    size_t nitems = c->nitems < 256 ? c->nitems : 256;
    size_t next = 0; /* the next positional argument */
    for (size_t k = first; k < w.n;) {
        const char *word = line + w.start[k];
        size_t wl = w.len[k];
        /* an option named by its token, wherever it is */
        size_t hit = nitems;
        for (size_t i = next; i < nitems && hit == nitems; i++)
            if (!used[i] && rdocs_leads_with(&c->items[i], word, wl))
                hit = i;
        if (hit < nitems) {
            if (!c->items[hit].multiple)
                used[hit] = true;
            given[hit] = true;
            if (!c->items[hit].optional && hit >= next)
                next = hit + (c->items[hit].multiple ? 0 : 1);
            k += (size_t)(c->items[hit].words > 0 ? c->items[hit].words : 1);
            continue;
        }
        /* else the next required argument, by position */
        size_t pos = nitems;
        for (size_t i = next; i < nitems && pos == nitems; i++)
            if (!used[i] && !c->items[i].optional)
                pos = i;
        if (pos == nitems) {
            k++;
            continue;
        }
        if (c->items[pos].multiple) {
            given[pos] = true;
            next = pos; /* a repeat takes every word until an option */
            k++;
            continue;
        }
        used[pos] = true;
        given[pos] = true;
        next = pos + 1;
        k += (size_t)(c->items[pos].words > 0 ? c->items[pos].words : 1);
    }
    size_t last_req = 0;
    for (size_t i = 0; i < nitems; i++)
        if (given[i] && !c->items[i].optional)
            last_req = i;
    bool any = false;
    for (size_t i = 0; i < nitems; i++) {
        if (used[i])
            continue;
        /* arguments before the next positional one are behind us, and so
         * are options before a required argument given after them */
        if (i < next && !c->items[i].optional)
            continue;
        if (c->items[i].optional && i < last_req)
            continue;
        buf_appends(&b, any ? " " : lead);
        buf_appends(&b, given[i] && c->items[i].more ? c->items[i].more : c->items[i].text);
        any = true;
    }
    if (!any) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

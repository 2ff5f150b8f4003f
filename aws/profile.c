/* profile.c - the AWS shared config and credentials files, and the region,
 * endpoint and setting resolution built on them
 * (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html).
 *
 * Parsing goes through libinih with a line reader of our own: Debian's
 * libinih is built with 200-byte lines and 50-byte section and key names,
 * and strips " ;comments" from values, while session tokens run to well
 * over a kilobyte and botocore (Python configparser) keeps ';' in values.
 * So the reader hands libinih every physical line unchanged when it fits,
 * and otherwise replaces the long or special part by a short placeholder
 * ("\x01" + index into a side table) that the handler turns back into the
 * original text. Continuation lines are marked ("\x02") so the handler can
 * tell them from a repeated key. Line numbers stay those of the file.
 */
#include "aws/profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"

#define PROFILE_MAX_FILE ((size_t)16 * 1024 * 1024)
/* Longest section or key name passed through libinih as is (its own limit
 * is 50 bytes including the NUL). */
#define PROFILE_MAX_INI_NAME 40

enum profile_kind {
    PROFILE_KIND_PROFILE,      /* [profile NAME] (config), [NAME] (credentials) */
    PROFILE_KIND_BARE_DEFAULT, /* [default] of the config file */
    PROFILE_KIND_SSO_SESSION,
    PROFILE_KIND_SERVICES,
    PROFILE_KIND_IGNORED, /* a profile section the SDKs ignore (why says why) */
    PROFILE_KIND_OTHER,   /* a config section that is not a profile ([plugins]) */
};

struct profile_entry {
    char *key;                 /* lower-cased */
    char *value;               /* continuation lines joined with '\n' */
    struct profile_entry *sub; /* nested "key =\n  a = b" entries */
    size_t nsub, capsub;
    int line;    /* of the key (sub-entries: of their own line) */
    bool nested; /* "key =" followed by indented "name = value" lines */
};

struct profile_section {
    enum profile_kind kind;
    char *name;      /* profile / session / services name */
    char *raw;       /* the header as written, between the brackets */
    int line;        /* of the first header */
    const char *why; /* IGNORED, OTHER: why it is not a profile */
    struct profile_entry *e;
    size_t n, cap;
};

struct profile_file {
    char *path;
    bool is_config;
    struct profile_section *s;
    size_t n, cap;
};

struct profile_store {
    struct profile_file config;
    struct profile_file creds;
    char **warnings; /* NULL-terminated */
    size_t nwarn, capwarn;
    char **notices; /* NULL-terminated */
    size_t nnotice, capnotice;
};

/* Why a section is not read as a profile. */
#define PROFILE_WHY_CHARS                                                                          \
    "a profile name may only hold letters, digits and - / . % @ _ : + (as in the AWS SDKs)"
#define PROFILE_WHY_SHAPE "[profile NAME] takes exactly one name"
#define PROFILE_WHY_CREDS_PREFIX                                                                   \
    "the credentials file names profiles [NAME], without the word 'profile'"
#define PROFILE_WHY_NO_PREFIX "the config file names profiles [profile NAME]"

/* ---- small helpers ---- */

static bool profile_is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *profile_trim_dup(const char *s, size_t n)
{
    while (n && profile_is_blank((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && profile_is_blank((unsigned char)s[n - 1]))
        n--;
    return mem_xstrndup(s, n);
}

static bool profile_truthy(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

static const char *profile_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void profile_add_warning(struct profile_store *s, char *w)
{
    s->warnings = mem_xgrow(s->warnings, &s->capwarn, s->nwarn + 2, sizeof(*s->warnings));
    s->warnings[s->nwarn++] = w;
    s->warnings[s->nwarn] = NULL;
}

static void profile_add_notice(struct profile_store *s, char *w)
{
    s->notices = mem_xgrow(s->notices, &s->capnotice, s->nnotice + 2, sizeof(*s->notices));
    s->notices[s->nnotice++] = w;
    s->notices[s->nnotice] = NULL;
}

/* ---- shell-like splitting (Python shlex.split, posix mode) ---- */

void profile_shell_words_free(char **words)
{
    if (!words)
        return;
    for (size_t i = 0; words[i]; i++)
        free(words[i]);
    free(words);
}

char **profile_shell_split(const char *line, size_t *count, const char **errmsg)
{
    char **words = NULL;
    size_t n = 0, cap = 0;
    struct buf w;
    buf_init(&w, 1024 * 1024);
    bool in_word = false;
    const char *p = line;
    *errmsg = NULL;
    for (;;) {
        char c = *p;
        if (c == '\0' || profile_is_blank((unsigned char)c) || c == '\n') {
            if (in_word) {
                words = mem_xgrow(words, &cap, n + 2, sizeof(*words));
                words[n++] = buf_steal(&w);
                in_word = false;
            }
            if (c == '\0')
                break;
            p++;
            continue;
        }
        in_word = true;
        if (c == '\\') {
            if (p[1] == '\0') {
                *errmsg = "no character after a backslash";
                goto fail;
            }
            if (buf_appendc(&w, p[1]) != 0)
                goto toolong;
            p += 2;
        } else if (c == '\'') {
            const char *q = strchr(p + 1, '\'');
            if (!q) {
                *errmsg = "no closing quotation";
                goto fail;
            }
            if (buf_append(&w, p + 1, (size_t)(q - p - 1)) != 0)
                goto toolong;
            p = q + 1;
        } else if (c == '"') {
            p++;
            for (;;) {
                if (*p == '\0') {
                    *errmsg = "no closing quotation";
                    goto fail;
                }
                if (*p == '"') {
                    p++;
                    break;
                }
                /* Inside double quotes a backslash escapes only '"' and
                 * '\\' (shlex's escapedquotes), otherwise it stays. */
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    if (buf_appendc(&w, p[1]) != 0)
                        goto toolong;
                    p += 2;
                    continue;
                }
                if (buf_appendc(&w, *p) != 0)
                    goto toolong;
                p++;
            }
        } else {
            if (buf_appendc(&w, c) != 0)
                goto toolong;
            p++;
        }
    }
    buf_free(&w);
    if (!words)
        words = mem_xcalloc(1, sizeof(*words));
    words[n] = NULL;
    if (count)
        *count = n;
    return words;
toolong:
    *errmsg = "word too long";
fail:
    buf_free(&w);
    if (words) {
        words[n] = NULL;
        profile_shell_words_free(words);
    }
    return NULL;
}

/* ---- store construction ---- */

static struct profile_section *profile_section_get(const struct profile_file *f,
                                                   enum profile_kind kind, const char *name)
{
    /* Sections may repeat: one section holds all their keys. */
    for (size_t i = 0; i < f->n; i++)
        if (f->s[i].kind == kind && strcmp(f->s[i].name, name) == 0)
            return &f->s[i];
    return NULL;
}

static struct profile_section *profile_section_add(struct profile_file *f, enum profile_kind kind,
                                                   const char *name, const char *raw, int line,
                                                   const char *why)
{
    f->s = mem_xgrow(f->s, &f->cap, f->n + 1, sizeof(*f->s));
    struct profile_section *sec = &f->s[f->n++];
    memset(sec, 0, sizeof(*sec));
    sec->kind = kind;
    sec->name = mem_xstrdup(name);
    sec->raw = mem_xstrdup(raw);
    sec->line = line;
    sec->why = why;
    return sec;
}

/* The section a profile reads in one file: in the config file
 * "[profile default]" before "[default]" (the SDKs' rule, whatever the
 * order of the two). */
static const struct profile_section *profile_of(const struct profile_file *f, const char *profile)
{
    const struct profile_section *sec = profile_section_get(f, PROFILE_KIND_PROFILE, profile);
    if (!sec && f->is_config && strcmp(profile, "default") == 0)
        sec = profile_section_get(f, PROFILE_KIND_BARE_DEFAULT, profile);
    return sec;
}

static const struct profile_entry *profile_section_find(const struct profile_section *sec,
                                                        const char *key)
{
    if (!sec)
        return NULL;
    for (size_t i = 0; i < sec->n; i++)
        if (strcmp(sec->e[i].key, key) == 0)
            return &sec->e[i];
    return NULL;
}

static void profile_entry_free(struct profile_entry *e)
{
    for (size_t i = 0; i < e->nsub; i++)
        profile_entry_free(&e->sub[i]);
    free(e->sub);
    free(e->key);
    /* Values may be secret keys or session tokens. */
    mem_free_secret(e->value);
    memset(e, 0, sizeof(*e));
}

static void profile_file_free(struct profile_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        for (size_t j = 0; j < f->s[i].n; j++)
            profile_entry_free(&f->s[i].e[j]);
        free(f->s[i].e);
        free(f->s[i].name);
        free(f->s[i].raw);
    }
    free(f->s);
    free(f->path);
    memset(f, 0, sizeof(*f));
}

/* A profile name the SDKs accept: letters, digits and - / . % @ _ : +. */
static bool profile_name_valid(const char *n)
{
    if (!*n)
        return false;
    for (; *n; n++) {
        char c = *n;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !strchr("-/.%@_:+", c))
            return false;
    }
    return true;
}

/* "WORD name" as botocore's _parse_section reads it (shlex, exactly two
 * words): the name, or NULL. */
static char *profile_prefixed_name(const char *raw, const char *word)
{
    size_t l = strlen(word);
    if (strncmp(raw, word, l) != 0 || !profile_is_blank((unsigned char)raw[l]))
        return NULL;
    const char *err = NULL;
    size_t n = 0;
    char **parts = profile_shell_split(raw, &n, &err);
    char *name = NULL;
    if (parts && n == 2 && strcmp(parts[0], word) == 0 && parts[1][0])
        name = mem_xstrdup(parts[1]);
    profile_shell_words_free(parts);
    return name;
}

/* Classify a section header the way botocore's build_profile_map does
 * (config file) or take it as a profile name (credentials file), with the
 * SDKs' rules for names: *why says why a section is not a profile. */
static enum profile_kind profile_classify(bool is_config, const char *raw, char **name,
                                          const char **why)
{
    *name = NULL;
    *why = NULL;
    bool prefixed = strncmp(raw, "profile", 7) == 0 && profile_is_blank((unsigned char)raw[7]);
    if (!is_config) {
        if (prefixed) {
            *name = profile_trim_dup(raw + 7, strlen(raw + 7));
            *why = PROFILE_WHY_CREDS_PREFIX;
            return PROFILE_KIND_IGNORED;
        }
        *name = mem_xstrdup(raw);
        if (profile_name_valid(raw))
            return PROFILE_KIND_PROFILE;
        *why = PROFILE_WHY_CHARS;
        return PROFILE_KIND_IGNORED;
    }
    if (strcmp(raw, "default") == 0) {
        *name = mem_xstrdup(raw);
        return PROFILE_KIND_BARE_DEFAULT;
    }
    if (prefixed) {
        *name = profile_prefixed_name(raw, "profile");
        if (!*name) {
            *name = profile_trim_dup(raw + 7, strlen(raw + 7));
            *why = PROFILE_WHY_SHAPE;
            return PROFILE_KIND_IGNORED;
        }
        if (profile_name_valid(*name))
            return PROFILE_KIND_PROFILE;
        *why = PROFILE_WHY_CHARS;
        return PROFILE_KIND_IGNORED;
    }
    static const struct {
        const char *word;
        enum profile_kind kind;
    } prefixes[] = {
        {"sso-session", PROFILE_KIND_SSO_SESSION},
        {"services", PROFILE_KIND_SERVICES},
    };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        *name = profile_prefixed_name(raw, prefixes[i].word);
        if (*name)
            return prefixes[i].kind;
    }
    *name = mem_xstrdup(raw);
    *why = PROFILE_WHY_NO_PREFIX;
    return PROFILE_KIND_OTHER;
}

/* ---- the line reader fed to libinih ---- */

struct profile_parse {
    struct profile_store *store;
    struct profile_file *file;
    struct buf text; /* whole file (secret: wiped) */
    size_t pos;
    int lineno;   /* physical line last handed out */
    char **table; /* placeholder side table */
    size_t ntable, captable;
    bool have_prev_key; /* libinih's prev_name: a key seen in this section */
    struct profile_section *cur;
    char *cur_raw;  /* raw name of the current section */
    char *last_key; /* key the continuation lines belong to */
    int error_line;
    char *error_what; /* owned */
};

static void profile_parse_error(struct profile_parse *pp, int line, char *what)
{
    if (pp->error_line) {
        free(what);
        return;
    }
    pp->error_line = line;
    pp->error_what = what;
}

/* A section header: the section its keys go to, and notices for what the
 * SDKs ignore. */
static void profile_open_section(struct profile_parse *pp)
{
    struct profile_file *f = pp->file;
    char *pname = NULL;
    const char *why = NULL;
    enum profile_kind kind = profile_classify(f->is_config, pp->cur_raw, &pname, &why);
    struct profile_section *sec = profile_section_get(f, kind, pname);
    if (!sec) {
        sec = profile_section_add(f, kind, pname, pp->cur_raw, pp->lineno, why);
        if (kind == PROFILE_KIND_IGNORED)
            profile_add_notice(pp->store, mem_xasprintf("[%s] on line %d of %s is ignored: %s",
                                                        pp->cur_raw, pp->lineno, f->path, why));
    } else if (kind == PROFILE_KIND_PROFILE || kind == PROFILE_KIND_BARE_DEFAULT) {
        profile_add_notice(pp->store,
                           mem_xasprintf("[%s] on line %d of %s continues the section of line %d "
                                         "(a key set in both keeps the later value)",
                                         pp->cur_raw, pp->lineno, f->path, sec->line));
    }
    pp->cur = sec;
    free(pname);
}

/* One indented line under "key =": a sub-setting "name = value" (botocore's
 * _parse_nested; the SDKs' "sub-property"). Anything else is an error
 * naming the line: dropping it would lose a setting without a word (an
 * endpoint_url of [services] ignored sends calls to AWS instead). */
static void profile_add_sub(struct profile_parse *pp, struct profile_entry *e, const char *text)
{
    const char *eq = strchr(text, '=');
    char *k = eq ? profile_trim_dup(text, (size_t)(eq - text)) : NULL;
    if (!eq || !*k) {
        profile_parse_error(
            pp, pp->lineno,
            mem_xasprintf("'%s' in [%s] has a sub-setting %s: write each line under '%s =' as "
                          "'name = value'",
                          e->key, pp->cur_raw, eq ? "without a name before '='" : "without '='",
                          e->key));
        free(k);
        return;
    }
    /* sub-setting names keep their case, as botocore's do */
    char *v = profile_trim_dup(eq + 1, strlen(eq + 1));
    e->sub = mem_xgrow(e->sub, &e->capsub, e->nsub + 1, sizeof(*e->sub));
    e->sub[e->nsub++] = (struct profile_entry){.key = k, .value = v, .line = pp->lineno};
}

static size_t profile_table_add(struct profile_parse *pp, const char *s, size_t n)
{
    pp->table = mem_xgrow(pp->table, &pp->captable, pp->ntable + 1, sizeof(*pp->table));
    pp->table[pp->ntable] = mem_xstrndup(s, n);
    return pp->ntable++;
}

static const char *profile_table_get(const struct profile_parse *pp, const char *s)
{
    if (s[0] != '\x01')
        return s;
    char *end = NULL;
    unsigned long i = strtoul(s + 1, &end, 10);
    if (end == s + 1 || *end || i >= pp->ntable)
        return s;
    return pp->table[i];
}

static bool profile_needs_placeholder(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ';' || c == '#' || c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* Emit "prefix + text" into out (size num), or a placeholder for text when
 * it does not fit or holds characters libinih would treat specially. */
static void profile_emit(struct profile_parse *pp, char *out, size_t num, const char *prefix,
                         const char *text, size_t tlen, const char *suffix, size_t name_max)
{
    size_t plen = strlen(prefix), slen = strlen(suffix);
    bool ph =
        profile_needs_placeholder(text, tlen) || tlen > name_max || plen + tlen + slen + 2 > num;
    if (!ph) {
        snprintf(out, num, "%s%.*s%s\n", prefix, (int)tlen, text, suffix);
        return;
    }
    size_t i = profile_table_add(pp, text, tlen);
    snprintf(out, num, "%s\x01%zu%s\n", prefix, i, suffix);
}

static char *profile_reader(char *out, int num_i, void *stream)
{
    struct profile_parse *pp = stream;
    size_t num = num_i > 0 ? (size_t)num_i : 0;
    if (pp->pos >= pp->text.len || num < 48)
        return NULL;
    const char *line = pp->text.data + pp->pos;
    const char *nl = memchr(line, '\n', pp->text.len - pp->pos);
    size_t len = nl ? (size_t)(nl - line) : pp->text.len - pp->pos;
    pp->pos += len + (nl ? 1 : 0);
    pp->lineno++;
    if (pp->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    while (len && (line[len - 1] == '\r' || profile_is_blank((unsigned char)line[len - 1])))
        len--;
    size_t lead = 0;
    while (lead < len && profile_is_blank((unsigned char)line[lead]))
        lead++;
    const char *start = line + lead;
    size_t slen = len - lead;

    if (slen == 0 || start[0] == '#' || start[0] == ';') {
        snprintf(out, num, "\n"); /* blank or comment: keep the line count */
        return out;
    }
    if (start[0] == '[') {
        const char *close = memchr(start, ']', slen);
        if (!close) {
            snprintf(out, num, "[\n"); /* libinih reports the error line */
            return out;
        }
        pp->have_prev_key = false;
        const char *name = start + 1;
        size_t nlen = (size_t)(close - name);
        while (nlen && profile_is_blank((unsigned char)*name)) {
            name++;
            nlen--;
        }
        while (nlen && profile_is_blank((unsigned char)name[nlen - 1]))
            nlen--;
        /* Register the section even when it has no keys (libinih only
         * reports sections through their keys). */
        free(pp->cur_raw);
        pp->cur_raw = mem_xstrndup(name, nlen);
        profile_open_section(pp);
        profile_emit(pp, out, num, "[", name, nlen, "]", PROFILE_MAX_INI_NAME);
        return out;
    }
    if (lead > 0 && pp->have_prev_key) {
        /* continuation line of the previous key */
        profile_emit(pp, out, num, " \x02", start, slen, "", (size_t)-1);
        return out;
    }
    const char *sep = NULL;
    for (size_t i = 0; i < slen; i++) {
        if (start[i] == '=' || start[i] == ':') {
            sep = start + i;
            break;
        }
    }
    if (!sep) {
        snprintf(out, num, "?\n"); /* not key = value: libinih's error */
        return out;
    }
    size_t klen = (size_t)(sep - start);
    while (klen && profile_is_blank((unsigned char)start[klen - 1]))
        klen--;
    const char *val = sep + 1;
    size_t vlen = slen - (size_t)(val - start);
    while (vlen && profile_is_blank((unsigned char)*val)) {
        val++;
        vlen--;
    }
    if (klen == 0) {
        snprintf(out, num, "?\n");
        return out;
    }
    pp->have_prev_key = true;
    char keybuf[64];
    if (profile_needs_placeholder(start, klen) || klen > PROFILE_MAX_INI_NAME) {
        size_t i = profile_table_add(pp, start, klen);
        snprintf(keybuf, sizeof(keybuf), "\x01%zu = ", i);
    } else {
        snprintf(keybuf, sizeof(keybuf), "%.*s = ", (int)klen, start);
    }
    /* Secrets always go through the table, so they never sit in libinih's
     * line buffer (which we cannot wipe). */
    bool secret = (klen == 21 && strncasecmp(start, "aws_secret_access_key", klen) == 0) ||
                  (klen == 17 && strncasecmp(start, "aws_session_token", klen) == 0) ||
                  (klen == 18 && strncasecmp(start, "aws_security_token", klen) == 0);
    profile_emit(pp, out, num, keybuf, val, vlen, "", secret ? 0 : (size_t)-1);
    return out;
}

static int profile_handler(void *user, const char *section, const char *name, const char *value)
{
    struct profile_parse *pp = user;
    (void)section; /* the reader tracks sections itself (pp->cur) */
    if (!pp->cur) {
        profile_parse_error(pp, pp->lineno, mem_xstrdup("key outside of any [section]"));
        return 1;
    }
    bool cont = value[0] == '\x02';
    if (cont)
        value++;
    value = profile_table_get(pp, value);
    const char *key = profile_table_get(pp, name);
    struct profile_section *sec = pp->cur;
    if (cont) {
        /* Append to the entry of the key (the last one set); after an empty
         * value the lines are sub-settings. */
        for (size_t i = sec->n; i-- > 0;) {
            struct profile_entry *e = &sec->e[i];
            if (pp->last_key && strcmp(e->key, pp->last_key) == 0) {
                if (!e->nested && !e->value[0])
                    e->nested = true;
                if (e->nested)
                    profile_add_sub(pp, e, value);
                char *joined = mem_xasprintf("%s\n%s", e->value, value);
                mem_free_secret(e->value);
                e->value = joined;
                break;
            }
        }
        return 1;
    }
    char *k = mem_xstrdup(key);
    for (char *c = k; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    free(pp->last_key);
    pp->last_key = mem_xstrdup(k);
    for (size_t i = 0; i < sec->n; i++) {
        if (strcmp(sec->e[i].key, k) == 0) {
            /* A repeated key replaces the earlier value (the SDKs' rule;
             * botocore refuses the file). */
            profile_add_notice(pp->store,
                               mem_xasprintf("'%s' of [%s] is set again on line %d of %s: the "
                                             "value of line %d is replaced",
                                             k, pp->cur_raw, pp->lineno, pp->file->path,
                                             sec->e[i].line));
            profile_entry_free(&sec->e[i]);
            sec->e[i].key = k;
            sec->e[i].value = mem_xstrdup(value);
            sec->e[i].line = pp->lineno;
            return 1;
        }
    }
    sec->e = mem_xgrow(sec->e, &sec->cap, sec->n + 1, sizeof(*sec->e));
    sec->e[sec->n++] =
        (struct profile_entry){.key = k, .value = mem_xstrdup(value), .line = pp->lineno};
    return 1;
}

const char *profile_home(void)
{
    const char *h = profile_env("HOME");
    if (h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : NULL;
}

char *profile_expand_home(const char *path)
{
    if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
        return mem_xstrdup(path);
    const char *home = profile_home();
    return mem_xasprintf("%s%s", home ? home : "", path + 1);
}

static bool profile_file_has_secrets(const struct profile_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        for (size_t j = 0; j < f->s[i].n; j++)
            if (strcmp(f->s[i].e[j].key, "aws_secret_access_key") == 0 ||
                strcmp(f->s[i].e[j].key, "aws_session_token") == 0)
                return true;
    return false;
}

static int profile_load_file(struct profile_store *s, struct profile_file *f, struct aws_error *err)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        aws_error_set(err, AWS_ERR_CONFIG, "ConfigFileUnreadable", "cannot read %s: %s", f->path,
                      strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        aws_error_set(err, AWS_ERR_CONFIG, "ConfigFileUnreadable", "cannot read %s: %s", f->path,
                      S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
        close(fd);
        return -1;
    }
    struct profile_parse pp;
    memset(&pp, 0, sizeof(pp));
    pp.store = s;
    pp.file = f;
    buf_init(&pp.text, PROFILE_MAX_FILE);
    pp.text.secret = true;
    char chunk[8192];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            aws_error_set(err, AWS_ERR_CONFIG, "ConfigFileUnreadable", "cannot read %s: %s",
                          f->path, strerror(errno));
            close(fd);
            buf_free(&pp.text);
            mem_wipe(chunk, sizeof(chunk));
            return -1;
        }
        if (n == 0)
            break;
        if (buf_append(&pp.text, chunk, (size_t)n) != 0) {
            aws_error_set(err, AWS_ERR_CONFIG, "ConfigFileTooLarge", "%s is larger than %zu MiB",
                          f->path, PROFILE_MAX_FILE / (1024 * 1024));
            close(fd);
            buf_free(&pp.text);
            mem_wipe(chunk, sizeof(chunk));
            return -1;
        }
    }
    mem_wipe(chunk, sizeof(chunk));
    close(fd);

    int rc = ini_parse_stream(profile_reader, &pp, profile_handler, &pp);
    int bad = 0;
    const char *what = "expected [section], key = value, or a comment";
    if (rc < 0) {
        aws_error_set(err, AWS_ERR_CONFIG, "ConfigParseError", "cannot parse %s", f->path);
        bad = 1;
    } else if (rc > 0 || pp.error_line) {
        int line = rc;
        if (pp.error_line && (rc == 0 || pp.error_line < rc)) {
            line = pp.error_line;
            what = pp.error_what;
        }
        aws_error_set(err, AWS_ERR_CONFIG, "ConfigParseError", "%s line %d: %s", f->path, line,
                      what);
        bad = 1;
    }
    for (size_t i = 0; i < pp.ntable; i++)
        mem_free_secret(pp.table[i]);
    free(pp.table);
    free(pp.cur_raw);
    free(pp.last_key);
    free(pp.error_what);
    buf_free(&pp.text);
    if (bad)
        return -1;

    const struct profile_section *pd = profile_section_get(f, PROFILE_KIND_PROFILE, "default");
    const struct profile_section *bd = profile_section_get(f, PROFILE_KIND_BARE_DEFAULT, "default");
    if (f->is_config && pd && bd)
        profile_add_notice(s, mem_xasprintf("[default] on line %d of %s is ignored: [profile "
                                            "default] on line %d takes precedence (as in the AWS "
                                            "SDKs; the two are not merged)",
                                            bd->line, f->path, pd->line));

    if (S_ISREG(st.st_mode)) {
        unsigned mode = (unsigned)st.st_mode & 0777;
        bool secrets = !f->is_config || profile_file_has_secrets(f);
        if (secrets && (mode & 077))
            profile_add_warning(s, mem_xasprintf("%s is accessible by other users (mode %04o); "
                                                 "run chmod 600 %s",
                                                 f->path, mode, f->path));
        else if (mode & 022)
            profile_add_warning(s, mem_xasprintf("%s is writable by other users (mode %04o); "
                                                 "run chmod 600 %s",
                                                 f->path, mode, f->path));
    }
    return 0;
}

struct profile_store *profile_load(const char *config_path, const char *creds_path,
                                   struct aws_error *err)
{
    struct profile_store *s = mem_xcalloc(1, sizeof(*s));
    const char *cp = config_path ? config_path : profile_env("AWS_CONFIG_FILE");
    const char *kp = creds_path ? creds_path : profile_env("AWS_SHARED_CREDENTIALS_FILE");
    const char *home = profile_home();
    s->config.path =
        cp ? profile_expand_home(cp) : mem_xasprintf("%s/.aws/config", home ? home : "");
    s->creds.path =
        kp ? profile_expand_home(kp) : mem_xasprintf("%s/.aws/credentials", home ? home : "");
    s->config.is_config = true;
    s->warnings = mem_xcalloc(1, sizeof(*s->warnings));
    s->capwarn = 1;
    s->notices = mem_xcalloc(1, sizeof(*s->notices));
    s->capnotice = 1;
    if (profile_load_file(s, &s->config, err) != 0 || profile_load_file(s, &s->creds, err) != 0) {
        profile_free(s);
        return NULL;
    }
    return s;
}

void profile_free(struct profile_store *s)
{
    if (!s)
        return;
    profile_file_free(&s->config);
    profile_file_free(&s->creds);
    for (size_t i = 0; i < s->nwarn; i++)
        free(s->warnings[i]);
    free(s->warnings);
    for (size_t i = 0; i < s->nnotice; i++)
        free(s->notices[i]);
    free(s->notices);
    free(s);
}

/* ---- lookups ---- */

const char *profile_select(const char *explicit_profile)
{
    if (explicit_profile && *explicit_profile)
        return explicit_profile;
    const char *v = profile_env("AWS_PROFILE");
    if (!v)
        v = profile_env("AWS_DEFAULT_PROFILE");
    return v ? v : "default";
}

bool profile_exists(const struct profile_store *s, const char *profile)
{
    if (!s || !profile)
        return false;
    return profile_of(&s->config, profile) || profile_of(&s->creds, profile);
}

/* name: the variable (ENV) or the file (FILE). */
static void profile_origin_set(struct profile_origin *o, enum profile_origin_kind kind,
                               const char *name, int line)
{
    if (!o)
        return;
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    if (kind == PROFILE_ORIGIN_ENV)
        memcpy(o->env, name, strnlen(name, sizeof(o->env) - 1));
    else if (kind == PROFILE_ORIGIN_FILE)
        o->path = name;
    o->line = line;
}

const char *profile_get_from_at(const struct profile_store *s, enum profile_source from,
                                const char *profile, const char *key, struct profile_origin *o)
{
    profile_origin_set(o, PROFILE_ORIGIN_NONE, NULL, 0);
    if (!s || !profile || !key)
        return NULL;
    const struct profile_file *f = from == PROFILE_FROM_CONFIG ? &s->config : &s->creds;
    const struct profile_entry *e = profile_section_find(profile_of(f, profile), key);
    if (!e)
        return NULL;
    profile_origin_set(o, PROFILE_ORIGIN_FILE, f->path, e->line);
    return e->value;
}

const char *profile_get_from(const struct profile_store *s, enum profile_source from,
                             const char *profile, const char *key)
{
    return profile_get_from_at(s, from, profile, key, NULL);
}

const char *profile_get_at(const struct profile_store *s, const char *profile, const char *key,
                           struct profile_origin *o)
{
    /* The AWS CLI merges the credentials file's profile over the config
     * file's: its value wins for every key. */
    const char *v = profile_get_from_at(s, PROFILE_FROM_CREDENTIALS, profile, key, o);
    return v ? v : profile_get_from_at(s, PROFILE_FROM_CONFIG, profile, key, o);
}

const char *profile_get(const struct profile_store *s, const char *profile, const char *key)
{
    return profile_get_at(s, profile, key, NULL);
}

static int profile_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add name to the sorted-later list v unless it is there. */
static void profile_list_add(const char ***v, size_t *n, size_t *cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], name) == 0)
            return;
    *v = mem_xgrow(*v, cap, *n + 1, sizeof(**v));
    (*v)[(*n)++] = name;
}

const char **profile_names(const struct profile_store *s, size_t *n)
{
    const char **v = NULL;
    size_t cap = 0;
    *n = 0;
    for (int which = 0; s && which < 2; which++) {
        const struct profile_file *f = which ? &s->creds : &s->config;
        for (size_t i = 0; i < f->n; i++)
            if (f->s[i].kind == PROFILE_KIND_PROFILE || f->s[i].kind == PROFILE_KIND_BARE_DEFAULT)
                profile_list_add(&v, n, &cap, f->s[i].name);
    }
    if (*n)
        qsort(v, *n, sizeof(*v), profile_cmp_str);
    return v;
}

const char **profile_keys(const struct profile_store *s, const char *profile, size_t *n)
{
    const char **v = NULL;
    size_t cap = 0;
    *n = 0;
    for (int which = 0; s && profile && which < 2; which++) {
        const struct profile_section *sec = profile_of(which ? &s->config : &s->creds, profile);
        for (size_t i = 0; sec && i < sec->n; i++)
            profile_list_add(&v, n, &cap, sec->e[i].key);
    }
    if (*n)
        qsort(v, *n, sizeof(*v), profile_cmp_str);
    return v;
}

char *profile_not_found_message(const struct profile_store *s, const char *profile)
{
    struct buf b;
    buf_init(&b, 0);
    buf_printf(&b, "profile '%s' is not in %s or %s", profile, s->config.path, s->creds.path);
    for (int which = 0; which < 2; which++) {
        const struct profile_file *f = which ? &s->creds : &s->config;
        for (size_t i = 0; i < f->n; i++) {
            const struct profile_section *sec = &f->s[i];
            if ((sec->kind == PROFILE_KIND_IGNORED || sec->kind == PROFILE_KIND_OTHER) &&
                strcmp(sec->name, profile) == 0)
                buf_printf(&b, "; [%s] on line %d of %s is ignored: %s", sec->raw, sec->line,
                           f->path, sec->why);
        }
    }
    return buf_steal(&b);
}

bool profile_sso_session_exists(const struct profile_store *s, const char *session)
{
    return s && session && profile_section_get(&s->config, PROFILE_KIND_SSO_SESSION, session);
}

const char *profile_sso_session_get(const struct profile_store *s, const char *session,
                                    const char *key)
{
    if (!s || !session || !key)
        return NULL;
    const struct profile_section *sec =
        profile_section_get(&s->config, PROFILE_KIND_SSO_SESSION, session);
    const struct profile_entry *e = profile_section_find(sec, key);
    return e ? e->value : NULL;
}

static const char *profile_services_get_at(const struct profile_store *s, const char *services,
                                           const char *service_key, const char *key,
                                           struct profile_origin *o)
{
    profile_origin_set(o, PROFILE_ORIGIN_NONE, NULL, 0);
    if (!s || !services || !service_key || !key)
        return NULL;
    const struct profile_entry *e = profile_section_find(
        profile_section_get(&s->config, PROFILE_KIND_SERVICES, services), service_key);
    for (size_t i = 0; e && i < e->nsub; i++)
        if (strcmp(e->sub[i].key, key) == 0) {
            profile_origin_set(o, PROFILE_ORIGIN_FILE, s->config.path, e->sub[i].line);
            return e->sub[i].value;
        }
    return NULL;
}

const char *profile_services_get(const struct profile_store *s, const char *services,
                                 const char *service_key, const char *key)
{
    return profile_services_get_at(s, services, service_key, key, NULL);
}

const char *const *profile_warnings(const struct profile_store *s)
{
    static const char *const none[] = {NULL};
    return s ? (const char *const *)s->warnings : none;
}

const char *const *profile_notices(const struct profile_store *s)
{
    static const char *const none[] = {NULL};
    return s ? (const char *const *)s->notices : none;
}

const char *profile_config_path(const struct profile_store *s)
{
    return s ? s->config.path : NULL;
}

const char *profile_creds_path(const struct profile_store *s)
{
    return s ? s->creds.path : NULL;
}

char *profile_resolve_region_at(const struct profile_store *s, const char *profile,
                                const char *explicit_region, struct profile_origin *o)
{
    if (explicit_region && *explicit_region) {
        profile_origin_set(o, PROFILE_ORIGIN_EXPLICIT, NULL, 0);
        return mem_xstrdup(explicit_region);
    }
    static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = profile_env(vars[i]);
        if (v) {
            profile_origin_set(o, PROFILE_ORIGIN_ENV, vars[i], 0);
            return mem_xstrdup(v);
        }
    }
    const char *v = profile_get_at(s, profile, "region", o);
    if (v && *v)
        return mem_xstrdup(v);
    profile_origin_set(o, PROFILE_ORIGIN_NONE, NULL, 0);
    return NULL;
}

char *profile_resolve_region(const struct profile_store *s, const char *profile,
                             const char *explicit_region)
{
    return profile_resolve_region_at(s, profile, explicit_region, NULL);
}

const char *profile_setting_at(const struct profile_store *s, const char *profile,
                               const char *env_name, const char *key, struct profile_origin *o)
{
    const char *v = env_name ? profile_env(env_name) : NULL;
    if (v) {
        profile_origin_set(o, PROFILE_ORIGIN_ENV, env_name, 0);
        return v;
    }
    if (key)
        return profile_get_at(s, profile, key, o);
    profile_origin_set(o, PROFILE_ORIGIN_NONE, NULL, 0);
    return NULL;
}

const char *profile_setting(const struct profile_store *s, const char *profile,
                            const char *env_name, const char *key)
{
    return profile_setting_at(s, profile, env_name, key, NULL);
}

bool profile_ignore_configured_endpoints(const struct profile_store *s, const char *profile)
{
    const char *v = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (v && *v)
        return profile_truthy(v);
    return profile_truthy(profile_get(s, profile, "ignore_configured_endpoint_urls"));
}

static char *profile_configured_endpoint_at(const struct profile_store *s, const char *profile,
                                            const char *env_suffix, const char *config_key,
                                            struct profile_origin *o)
{
    profile_origin_set(o, PROFILE_ORIGIN_NONE, NULL, 0);
    if (profile_ignore_configured_endpoints(s, profile))
        return NULL;
    if (env_suffix) {
        char name[128];
        snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", env_suffix);
        const char *v = profile_env(name);
        if (v) {
            profile_origin_set(o, PROFILE_ORIGIN_ENV, name, 0);
            return mem_xstrdup(v);
        }
    }
    const char *v = profile_env("AWS_ENDPOINT_URL");
    if (v) {
        profile_origin_set(o, PROFILE_ORIGIN_ENV, "AWS_ENDPOINT_URL", 0);
        return mem_xstrdup(v);
    }
    const char *services = profile_get(s, profile, "services");
    if (services && *services && config_key) {
        v = profile_services_get_at(s, services, config_key, "endpoint_url", o);
        if (v && *v)
            return mem_xstrdup(v);
    }
    v = profile_get_at(s, profile, "endpoint_url", o);
    if (v && *v)
        return mem_xstrdup(v);
    profile_origin_set(o, PROFILE_ORIGIN_NONE, NULL, 0);
    return NULL;
}

char *profile_configured_endpoint(const struct profile_store *s, const char *profile,
                                  const char *env_suffix, const char *config_key)
{
    return profile_configured_endpoint_at(s, profile, env_suffix, config_key, NULL);
}

char *profile_resolve_endpoint_at(const struct profile_store *s, const char *profile,
                                  const struct svc *svc, const char *region,
                                  const char *explicit_url, bool *custom, struct profile_origin *o)
{
    bool dummy;
    if (!custom)
        custom = &dummy;
    *custom = true;
    if (explicit_url && *explicit_url) {
        profile_origin_set(o, PROFILE_ORIGIN_EXPLICIT, NULL, 0);
        return mem_xstrdup(explicit_url);
    }
    char *v = profile_configured_endpoint_at(s, profile, svc->env_suffix, svc->config_key, o);
    if (v)
        return v;
    *custom = false;
    profile_origin_set(o, PROFILE_ORIGIN_DEFAULT, NULL, 0);
    return svc_default_endpoint(svc, region);
}

char *profile_resolve_endpoint(const struct profile_store *s, const char *profile,
                               const struct svc *svc, const char *region, const char *explicit_url,
                               bool *custom)
{
    return profile_resolve_endpoint_at(s, profile, svc, region, explicit_url, custom, NULL);
}

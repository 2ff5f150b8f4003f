/* rhistory.c - the Redis prompts' command history (see rhistory.h). */
#include "core/redis/rhistory.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/redis/console.h"

#define RHISTORY_LINE_MAX 65536

struct rhistory {
    char *path; /* "" none */
    char **v;
    size_t n;
};

char *rhistory_default_path(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (state && *state == '/')
        return mem_xasprintf("%s/elcui/history", state);
    if (home && *home)
        return mem_xasprintf("%s/.local/state/elcui/history", home);
    return NULL;
}

/* Make the folders of a file's path, 0700; the file's own folder is made
 * private even when it existed. */
static bool rhistory_mkdirs(const char *file)
{
    char *p = mem_xstrdup(file);
    bool ok = true;
    for (char *s = p + 1; *s && ok; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            ok = false;
        *s = '/';
    }
    char *slash = strrchr(p, '/');
    if (ok && slash && slash != p) {
        *slash = '\0';
        chmod(p, 0700);
    }
    free(p);
    return ok;
}

static bool rhistory_clean(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Append an entry in memory (the oldest go beyond the cap). */
static const char *rhistory_push(struct rhistory *h, char *entry)
{
    if (h->n && strcmp(h->v[h->n - 1], entry) == 0) {
        free(entry);
        return NULL;
    }
    if (h->n == RHISTORY_MAX) {
        free(h->v[0]);
        memmove(h->v, h->v + 1, (h->n - 1) * sizeof(*h->v));
        h->n--;
    }
    h->v = mem_xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
    h->v[h->n++] = entry;
    return entry;
}

static void rhistory_rewrite(struct rhistory *h)
{
    char *tmp = mem_xasprintf("%s.tmp", h->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fchmod(fd, 0600);
        FILE *w = fdopen(fd, "w");
        if (w) {
            for (size_t i = 0; i < h->n; i++)
                fprintf(w, "%s\n", h->v[i]);
            if (fclose(w) == 0 && rename(tmp, h->path) == 0) {
                free(tmp);
                return;
            }
        } else {
            close(fd);
        }
        unlink(tmp);
    }
    free(tmp);
}

static void rhistory_load(struct rhistory *h)
{
    FILE *f = fopen(h->path, "r");
    if (!f)
        return;
    struct buf line;
    buf_init(&line, RHISTORY_LINE_MAX + 2);
    line.secret = true;
    size_t lines = 0;
    bool dirty = false;
    int c;
    for (;;) {
        c = fgetc(f);
        if (c != EOF && c != '\n') {
            if (line.len <= RHISTORY_LINE_MAX)
                buf_appendc(&line, (char)c);
            continue;
        }
        if (line.len || c == '\n') {
            lines++;
            if (line.len && line.data[line.len - 1] == '\r')
                line.len--;
            char *text = mem_xstrndup(line.data ? line.data : "", line.len);
            /* what anything else wrote is filtered like a typed line */
            char *keep = rhistory_clean(text) ? console_history_entry(text) : NULL;
            if (!keep || strcmp(keep, text) != 0)
                dirty = true;
            if (keep)
                rhistory_push(h, keep);
            mem_free_secret(text);
            buf_reset(&line);
        }
        if (c == EOF)
            break;
    }
    fclose(f);
    buf_free(&line);
    /* too long, or it held something it must not: written again */
    if (lines > 2 * RHISTORY_MAX || dirty)
        rhistory_rewrite(h);
}

struct rhistory *rhistory_open(const char *path)
{
    struct rhistory *h = mem_xcalloc(1, sizeof(*h));
    char *p = path ? mem_xstrdup(path) : rhistory_default_path();
    if (p && *p && rhistory_mkdirs(p)) {
        h->path = p;
        rhistory_load(h);
    } else {
        free(p);
        h->path = mem_xstrdup("");
    }
    return h;
}

void rhistory_free(struct rhistory *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
    free(h->path);
    free(h);
}

const char *rhistory_path(const struct rhistory *h)
{
    return h ? h->path : "";
}

const char *rhistory_add(struct rhistory *h, const char *line)
{
    if (!h || !line || !rhistory_clean(line))
        return NULL;
    char *keep = console_history_entry(line);
    if (!keep)
        return NULL;
    if (h->n && strcmp(h->v[h->n - 1], keep) == 0) {
        free(keep);
        return h->v[h->n - 1];
    }
    const char *e = rhistory_push(h, keep);
    if (!e || !h->path[0])
        return e;
    int fd = open(h->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fchmod(fd, 0600);
        struct buf b;
        buf_init(&b, 0);
        buf_appends(&b, e);
        buf_appendc(&b, '\n');
        if (write(fd, b.data, b.len) < 0) {
            /* history is a convenience: a full disk does not stop the session */
        }
        buf_free(&b);
        close(fd);
    }
    return e;
}

size_t rhistory_count(const struct rhistory *h)
{
    return h ? h->n : 0;
}

const char *rhistory_at(const struct rhistory *h, size_t i)
{
    return h && i < h->n ? h->v[i] : NULL;
}

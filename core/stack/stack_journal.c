/* stack_journal.c - the local journal of a stack (atomic JSON file). */
#include "core/stack/stack_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/mem.h"
#include "core/stack/stack_ops.h"

char *stack_journal_default_dir(void)
{
    const char *x = getenv("XDG_STATE_HOME");
    if (x && *x == '/')
        return mem_xasprintf("%s/elcui/stacks", x);
    const char *h = getenv("HOME");
    if (h && *h)
        return mem_xasprintf("%s/.local/state/elcui/stacks", h);
    return NULL;
}

char *stack_journal_path(const char *dir, const char *name)
{
    return mem_xasprintf("%s/%s.json", dir, name);
}

static void jerr(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
    if (err && n)
        snprintf(err, n, fmt, a, b);
}

json_t *stack_journal_load(const char *dir, const char *name, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!dir || !*dir || !name)
        return NULL;
    char *path = stack_journal_path(dir, name);
    json_error_t je;
    json_t *j = NULL;
    if (access(path, F_OK) == 0) {
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!j)
            jerr(err, errlen, "%s: %s (ignored)", path, je.text);
        else if (!json_is_object(j)) {
            jerr(err, errlen, "%s: %s (ignored)", path, "not a JSON object");
            json_decref(j);
            j = NULL;
        }
    }
    free(path);
    return j;
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *stack_journal_spec(const json_t *j)
{
    return jstr(j, "spec");
}

const char *stack_journal_state(const json_t *j)
{
    return jstr(j, "state");
}

const char *stack_journal_region(const json_t *j)
{
    return jstr(j, "region");
}

const char *stack_journal_id(const json_t *j, const char *key)
{
    return jstr(json_object_get(json_object_get(j, "resources"), key), "id");
}

bool stack_journal_creating(const json_t *j, const char *key)
{
    return json_is_true(
        json_object_get(json_object_get(json_object_get(j, "resources"), key), "creating"));
}

const char *stack_journal_arn(const json_t *j, const char *key)
{
    return jstr(json_object_get(json_object_get(j, "resources"), key), "arn");
}

/* mkdir -p with 0700 for what it creates. */
static bool word_in(const char *list, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l && l == wl && strncmp(p, w, l) == 0)
            return true;
        p = e;
    }
    return false;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct stack_journal_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

size_t stack_journal_list(const char *dir, const char *states, struct stack_journal_entry **out)
{
    *out = NULL;
    DIR *d = dir && *dir ? opendir(dir) : NULL;
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= 5 || de->d_name[0] == '.' || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        char *name = mem_xstrndup(de->d_name, l - 5);
        json_t *j = stack_journal_load(dir, name, NULL, 0);
        const char *st = stack_journal_state(j);
        const char *stack = j ? jstr(j, "stack") : NULL;
        if (!j || !st || !stack || strcmp(stack, name) != 0 || (states && !word_in(states, st))) {
            json_decref(j);
            free(name);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = mem_xrealloc(*out, cap * sizeof(**out));
        }
        struct stack_journal_entry *e = &(*out)[n++];
        e->name = name;
        const char *rg = stack_journal_region(j);
        e->region = rg ? mem_xstrdup(rg) : NULL;
        e->state = mem_xstrdup(st);
        json_t *u = json_object_get(j, "updated");
        e->updated = json_is_integer(u) ? (long long)json_integer_value(u) : 0;
        json_decref(j);
    }
    closedir(d);
    if (n > 1)
        qsort(*out, n, sizeof(**out), entry_cmp);
    return n;
}

void stack_journal_list_free(struct stack_journal_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].region);
        free(e[i].state);
    }
    free(e);
}

static int mkdirs(const char *dir)
{
    char *d = mem_xstrdup(dir);
    int rc = 0;
    for (char *p = d + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(d, 0700) != 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    free(d);
    return rc;
}

int stack_journal_save(const char *dir, const struct stack_plan *p, const char *state, char *err,
                       size_t errlen)
{
    if (!dir || !*dir)
        return 0;
    if (mkdirs(dir) != 0) {
        jerr(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) == 0 && (st.st_mode & 077))
        (void)chmod(dir, 0700);
    json_t *j = json_object();
    json_object_set_new(j, "version", json_integer(1));
    json_object_set_new(j, "stack", json_string(p->spec.name));
    json_object_set_new(j, "region", json_string(stack_spec_region(&p->spec)));
    if (p->account)
        json_object_set_new(j, "account", json_string(p->account));
    json_object_set_new(j, "state", json_string(state));
    json_object_set_new(j, "updated", json_integer((json_int_t)time(NULL)));
    char *spec = stack_spec_write(&p->spec);
    json_object_set_new(j, "spec", json_string(spec));
    free(spec);
    json_t *res = json_object();
    for (size_t i = 0; i < p->n; i++) {
        const struct stack_resource *r = &p->res[i];
        bool creating = r->priv && r->priv->creating && !r->id;
        if (!r->id && !r->arn && !creating)
            continue;
        json_t *o = json_object();
        if (creating)
            json_object_set_new(o, "creating", json_true());
        if (r->id)
            json_object_set_new(o, "id", json_string(r->id));
        if (r->arn)
            json_object_set_new(o, "arn", json_string(r->arn));
        json_object_set_new(o, "ours", json_boolean(r->ours));
        json_object_set_new(res, r->key, o);
    }
    json_object_set_new(j, "resources", res);
    char *text = json_dumps(j, JSON_INDENT(1));
    json_decref(j);
    if (!text) {
        jerr(err, errlen, "cannot encode the journal%s%s", "", "");
        return -1;
    }
    char *path = stack_journal_path(dir, p->spec.name);
    char *tmp = mem_xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        jerr(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            jerr(err, errlen, "%s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        jerr(err, errlen, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        jerr(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* Make the rename durable too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    free(text);
    free(tmp);
    free(path);
    return rc;
}

/* export_files.c - an export's files: built, streamed, written. */
#include "core/stack/export_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/mem.h"

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

void export_files_add(struct export_files *f, const char *name, char *text, bool exec)
{
    f->items = mem_xrealloc(f->items, (f->n + 1) * sizeof(*f->items));
    f->items[f->n].name = mem_xstrdup(name);
    f->items[f->n].text = text;
    f->items[f->n].executable = exec;
    f->n++;
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

char *export_files_path(const char *dir, const char *name)
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
        char *path = export_files_path(dir, f->items[i].name);
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

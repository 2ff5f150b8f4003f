/* buf.h - growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * Everything that holds remote data (HTTP bodies, RESP replies, log
 * messages) goes through a buffer with a cap, so a hostile or broken peer
 * cannot make us allocate without bound. data is always NUL-terminated
 * when non-NULL, so text can be used as a C string.
 */
#ifndef ELCUI_AWS_BUF_H
#define ELCUI_AWS_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;  /* 0 means BUF_DEFAULT_MAX */
    bool secret; /* wipe on reset/free */
};

void buf_init(struct buf *b, size_t max);
/* -1 when the cap would be exceeded (nothing appended), else 0. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_appends(struct buf *b, const char *s);
int buf_appendc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (consumed input). */
void buf_consume(struct buf *b, size_t n);
/* Hand the NUL-terminated contents to the caller ("" when empty) and reset. */
char *buf_steal(struct buf *b);
void buf_reset(struct buf *b);            /* len = 0, keep memory */
void buf_free(struct buf *b);             /* release memory (wiped when secret) */
const char *buf_str(const struct buf *b); /* "" when empty */

#endif

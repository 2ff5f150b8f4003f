/* mem.h - allocation that aborts on exhaustion, and wiping of secrets.
 *
 * Out-of-memory is not a recoverable condition for an interactive console
 * (htop's and tmux's x* wrappers take the same stance): mem_x* print one
 * line and abort. Secrets (AUTH tokens, secret keys) are wiped with
 * mem_wipe()/mem_free_secret() before their memory is released.
 */
#ifndef ELCUI_AWS_MEM_H
#define ELCUI_AWS_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *mem_xmalloc(size_t n);
void *mem_xcalloc(size_t n, size_t size);
void *mem_xrealloc(void *p, size_t n);
/* Grow an array to hold at least want items (amortised doubling). */
void *mem_xgrow(void *p, size_t *cap, size_t want, size_t item_size);
/* Grow an array of n items by k zeroed ones (realloc to n + k). */
void *mem_xextend(void *p, size_t n, size_t k, size_t item_size);
char *mem_xstrdup(const char *s); /* NULL in, NULL out */
char *mem_xstrndup(const char *s, size_t n);
char *mem_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *mem_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Append s (taken) to the array *v of *n strings. */
void mem_xpush(char ***v, size_t *n, char *s);

/* Zero memory in a way the compiler may not elide. */
void mem_wipe(void *p, size_t n);
/* Wipe a NUL-terminated string, then free it. NULL is fine. */
void mem_free_secret(char *s);
/* Replace *dst (wiped and freed) with a copy of src. */
void mem_replace_secret(char **dst, const char *src);
/* Constant-time comparison; 0 when equal. */
int mem_ct_compare(const void *a, const void *b, size_t n);

#endif

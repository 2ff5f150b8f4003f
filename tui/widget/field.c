/* field.c - a one-line text field. */
#include "tui/widget/field.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "aws/mem.h"
#include "tui/keymap.h"

void field_init(struct field *f, size_t max)
{
    memset(f, 0, sizeof(*f));
    f->max = max ? max : 1024;
    f->cap = 64;
    f->text = mem_xcalloc(1, f->cap);
}

void field_free(struct field *f)
{
    free(f->text);
    memset(f, 0, sizeof(*f));
}

const char *field_text(const struct field *f)
{
    return f->text ? f->text : "";
}

static void field_reserve(struct field *f, size_t need)
{
    if (need + 1 <= f->cap)
        return;
    size_t cap = f->cap ? f->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    f->text = mem_xrealloc(f->text, cap);
    f->cap = cap;
}

static bool field_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

void field_set(struct field *f, const char *text)
{
    size_t n = strlen(text ? text : "");
    if (n > f->max)
        n = f->max;
    while (n > 0 && field_cont((unsigned char)text[n]))
        n--; /* never cut a character in two */
    field_reserve(f, n);
    memcpy(f->text, text ? text : "", n);
    f->text[n] = '\0';
    f->len = n;
    f->cursor = n;
}

void field_clear(struct field *f)
{
    field_set(f, "");
}

static size_t field_prev(const struct field *f, size_t at)
{
    if (at == 0)
        return 0;
    at--;
    while (at > 0 && field_cont((unsigned char)f->text[at]))
        at--;
    return at;
}

static size_t field_next(const struct field *f, size_t at)
{
    if (at >= f->len)
        return f->len;
    at++;
    while (at < f->len && field_cont((unsigned char)f->text[at]))
        at++;
    return at;
}

static void field_cut(struct field *f, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(f->text + from, f->text + to, f->len - to + 1);
    f->len -= to - from;
    if (f->cursor > to)
        f->cursor -= to - from;
    else if (f->cursor > from)
        f->cursor = from;
}

static bool field_space(char c)
{
    return c == ' ' || c == '\t';
}

static enum field_result field_insert(struct field *f, int cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            return FIELD_IGNORED;
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else if (cp < 0x110000) {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    } else {
        return FIELD_IGNORED;
    }
    if (f->len + n > f->max)
        return FIELD_MOVED; /* full: the key is still the field's */
    field_reserve(f, f->len + n);
    memmove(f->text + f->cursor + n, f->text + f->cursor, f->len - f->cursor + 1);
    memcpy(f->text + f->cursor, u, n);
    f->len += n;
    f->cursor += n;
    return FIELD_CHANGED;
}

enum field_result field_key(struct field *f, int key)
{
    size_t at;
    switch (key) {
    case KEYMAP_FN(KEY_BACKSPACE):
        if (f->cursor == 0)
            return FIELD_MOVED;
        field_cut(f, field_prev(f, f->cursor), f->cursor);
        return FIELD_CHANGED;
    case KEYMAP_FN(KEY_DC):
    case 4: /* C-d */
        if (f->cursor >= f->len)
            return FIELD_MOVED;
        field_cut(f, f->cursor, field_next(f, f->cursor));
        return FIELD_CHANGED;
    case KEYMAP_FN(KEY_LEFT):
    case 2: /* C-b */
        f->cursor = field_prev(f, f->cursor);
        return FIELD_MOVED;
    case KEYMAP_FN(KEY_RIGHT):
    case 6: /* C-f */
        f->cursor = field_next(f, f->cursor);
        return FIELD_MOVED;
    case KEYMAP_FN(KEY_HOME):
    case 1: /* C-a */
        f->cursor = 0;
        return FIELD_MOVED;
    case KEYMAP_FN(KEY_END):
    case 5: /* C-e */
        f->cursor = f->len;
        return FIELD_MOVED;
    case 21: /* C-u */
        field_cut(f, 0, f->cursor);
        return FIELD_CHANGED;
    case 11: /* C-k */
        field_cut(f, f->cursor, f->len);
        return FIELD_CHANGED;
    case 23: /* C-w */
        at = f->cursor;
        while (at > 0 && field_space(f->text[at - 1]))
            at--;
        while (at > 0 && !field_space(f->text[at - 1]))
            at--;
        field_cut(f, at, f->cursor);
        return FIELD_CHANGED;
    default:
        break;
    }
    /* printable code points only: no C0, DEL or C1 controls */
    if (key >= 0x20 && key != 0x7f && !(key >= 0x80 && key < 0xa0) && key < KEYMAP_FN_BASE)
        return field_insert(f, key);
    return FIELD_IGNORED;
}

/* Columns of one code point (non-printable counts as one: drawn '?'). */
static int field_cp_width(const char *s, size_t n, size_t *used)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    wchar_t wc;
    size_t r = mbrtowc(&wc, s, n, &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
        *used = 1;
        while (*used < n && field_cont((unsigned char)s[*used]))
            (*used)++;
        return 1;
    }
    *used = r;
    int w = wcwidth(wc);
    return w < 0 ? 1 : w;
}

static void field_put_cp(WINDOW *w, const char *s, size_t n)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    wchar_t wc;
    size_t r = mbrtowc(&wc, s, n, &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0 || wcwidth(wc) < 0) {
        waddch(w, '?');
        return;
    }
    wchar_t one[2] = {wc, 0};
    waddnwstr(w, one, 1);
}

void field_draw(const struct field *f, WINDOW *w, int y, int x, int width)
{
    if (width <= 0)
        return;
    /* the columns before the cursor; scroll so the cursor stays visible */
    int before = 0;
    for (size_t i = 0, u; i < f->cursor; i += u)
        before += field_cp_width(f->text + i, f->len - i, &u);
    int skip = before >= width ? before - width + 1 : 0;
    wmove(w, y, x);
    int col = 0, used = 0;
    attr_t at;
    short pair;
    wattr_get(w, &at, &pair, NULL);
    size_t i = 0;
    for (size_t u; i < f->len && used < width; i += u) {
        int cw = field_cp_width(f->text + i, f->len - i, &u);
        if (col < skip) {
            col += cw;
            continue;
        }
        if (used + cw > width)
            break;
        if (i == f->cursor)
            wattr_set(w, at ^ A_REVERSE, pair, NULL);
        field_put_cp(w, f->text + i, u);
        if (i == f->cursor)
            wattr_set(w, at, pair, NULL);
        used += cw;
        col += cw;
    }
    if (f->cursor >= f->len && used < width) {
        wattr_set(w, at ^ A_REVERSE, pair, NULL);
        waddch(w, ' ');
        wattr_set(w, at, pair, NULL);
        used++;
    }
    for (; used < width; used++)
        waddch(w, ' ');
}

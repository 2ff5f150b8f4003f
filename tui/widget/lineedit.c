/* lineedit.c - a small line editor (see lineedit.h). */
#include "tui/widget/lineedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

enum le_esc {
    LE_ESC_NONE,
    LE_ESC_START, /* ESC seen */
    LE_ESC_CSI,   /* ESC [ (parameters follow) */
    LE_ESC_SS3,   /* ESC O */
};

struct lineedit {
    lineedit_write_fn out;
    void *arg;
    char *prompt;
    size_t prompt_cols;
    int cols;
    char *text; /* NUL-terminated */
    size_t len, cap, pos;
    bool active;
    enum le_esc esc;
    char csi[16];
    size_t csi_len;
    char **hist;
    size_t nhist;
    size_t hist_idx;  /* == nhist: the line being typed */
    char *hist_saved; /* the line being typed while walking the history */
};

static size_t le_cols_of(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

struct lineedit *lineedit_new(lineedit_write_fn out, void *arg)
{
    struct lineedit *le = mem_xcalloc(1, sizeof(*le));
    le->out = out;
    le->arg = arg;
    le->prompt = mem_xstrdup("");
    le->cols = 80;
    le->cap = 128;
    le->text = mem_xcalloc(le->cap, 1);
    return le;
}

void lineedit_free(struct lineedit *le)
{
    if (!le)
        return;
    free(le->prompt);
    mem_wipe(le->text, le->cap);
    free(le->text);
    for (size_t i = 0; i < le->nhist; i++)
        free(le->hist[i]);
    free(le->hist);
    free(le->hist_saved);
    free(le);
}

void lineedit_set_prompt(struct lineedit *le, const char *prompt)
{
    free(le->prompt);
    size_t n = prompt ? strlen(prompt) : 0;
    le->prompt = mem_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)prompt[i];
        if (c >= 0x20 && c != 0x7f)
            le->prompt[o++] = (char)c;
    }
    le->prompt[o] = '\0';
    le->prompt_cols = le_cols_of(le->prompt, o);
}

void lineedit_set_width(struct lineedit *le, int cols)
{
    le->cols = cols > 10 ? cols : 10;
}

const char *lineedit_text(const struct lineedit *le)
{
    return le->text;
}

size_t lineedit_cursor(const struct lineedit *le)
{
    return le->pos;
}

void lineedit_redraw(struct lineedit *le)
{
    if (!le->active)
        return;
    struct buf b;
    buf_init(&b, 0);
    buf_appends(&b, "\r");
    /* the prompt gets at most half the width */
    size_t width = (size_t)le->cols - 1;
    size_t pcols = le->prompt_cols;
    const char *p = le->prompt;
    while (pcols > width / 2) {
        p++;
        while (((unsigned char)*p & 0xc0) == 0x80)
            p++;
        pcols--;
    }
    buf_appends(&b, p);
    size_t room = width - pcols;
    /* scroll so the cursor is visible */
    size_t start = 0;
    while (le_cols_of(le->text + start, le->pos - start) >= room) {
        start++;
        while (start < le->pos && ((unsigned char)le->text[start] & 0xc0) == 0x80)
            start++;
    }
    size_t end = start, shown = 0;
    while (end < le->len && shown < room) {
        end++;
        while (end < le->len && ((unsigned char)le->text[end] & 0xc0) == 0x80)
            end++;
        shown++;
    }
    buf_append(&b, le->text + start, end - start);
    buf_appends(&b, "\x1b[0K\r");
    size_t col = pcols + le_cols_of(le->text + start, le->pos - start);
    if (col)
        buf_printf(&b, "\x1b[%zuC", col);
    le->out(b.data, b.len, le->arg);
    buf_free(&b);
}

/* The finished line as typed, then a new line. */
static void lineedit_redraw_final(struct lineedit *le)
{
    le->active = true;
    le->pos = le->len;
    lineedit_redraw(le);
    le->active = false;
    le->out("\r\n", 2, le->arg);
}

void lineedit_clear(struct lineedit *le)
{
    le->out("\r\x1b[0K", 5, le->arg);
}

static void le_set_text(struct lineedit *le, const char *s)
{
    size_t n = strlen(s);
    if (n + 1 > le->cap) {
        le->cap = n + 1;
        le->text = mem_xrealloc(le->text, le->cap);
    }
    memcpy(le->text, s, n + 1);
    le->len = n;
    le->pos = n;
}

void lineedit_start(struct lineedit *le)
{
    le->active = true;
    le->len = le->pos = 0;
    le->text[0] = '\0';
    le->esc = LE_ESC_NONE;
    le->hist_idx = le->nhist;
    free(le->hist_saved);
    le->hist_saved = NULL;
    lineedit_redraw(le);
}

bool lineedit_history_add(struct lineedit *le, const char *line)
{
    if (!line || !*line)
        return false;
    if (le->nhist && strcmp(le->hist[le->nhist - 1], line) == 0)
        return false;
    if (le->nhist == LINEEDIT_HISTORY_MAX) {
        free(le->hist[0]);
        memmove(le->hist, le->hist + 1, (le->nhist - 1) * sizeof(*le->hist));
        le->nhist--;
    }
    le->hist = mem_xrealloc(le->hist, (le->nhist + 1) * sizeof(*le->hist));
    le->hist[le->nhist++] = mem_xstrdup(line);
    le->hist_idx = le->nhist;
    return true;
}

size_t lineedit_history_count(const struct lineedit *le)
{
    return le->nhist;
}

const char *lineedit_history_at(const struct lineedit *le, size_t i)
{
    return i < le->nhist ? le->hist[i] : NULL;
}

/* ---- editing ---- */

static void le_insert(struct lineedit *le, char c)
{
    if (le->len + 1 >= LINEEDIT_MAX_LINE)
        return;
    if (le->len + 2 > le->cap) {
        size_t cap = le->cap * 2;
        char *t = mem_xmalloc(cap);
        memcpy(t, le->text, le->len + 1);
        mem_wipe(le->text, le->cap);
        free(le->text);
        le->text = t;
        le->cap = cap;
    }
    memmove(le->text + le->pos + 1, le->text + le->pos, le->len - le->pos + 1);
    le->text[le->pos++] = c;
    le->len++;
}

static size_t le_prev(const struct lineedit *le, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)le->text[i] & 0xc0) == 0x80)
        i--;
    return i;
}

static size_t le_next(const struct lineedit *le, size_t i)
{
    if (i >= le->len)
        return le->len;
    i++;
    while (i < le->len && ((unsigned char)le->text[i] & 0xc0) == 0x80)
        i++;
    return i;
}

static void le_delete_range(struct lineedit *le, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(le->text + from, le->text + to, le->len - to + 1);
    le->len -= to - from;
    if (le->pos > to)
        le->pos -= to - from;
    else if (le->pos > from)
        le->pos = from;
}

static size_t le_word_left(const struct lineedit *le)
{
    size_t i = le->pos;
    while (i > 0 && le->text[i - 1] == ' ')
        i--;
    while (i > 0 && le->text[i - 1] != ' ')
        i--;
    return i;
}

static size_t le_word_right(const struct lineedit *le)
{
    size_t i = le->pos;
    while (i < le->len && le->text[i] == ' ')
        i++;
    while (i < le->len && le->text[i] != ' ')
        i++;
    return i;
}

static void le_history_move(struct lineedit *le, int dir)
{
    if (dir < 0 && le->hist_idx == 0)
        return;
    if (dir > 0 && le->hist_idx >= le->nhist)
        return;
    if (le->hist_idx == le->nhist) {
        free(le->hist_saved);
        le->hist_saved = mem_xstrdup(le->text);
    }
    le->hist_idx = dir < 0 ? le->hist_idx - 1 : le->hist_idx + 1;
    if (le->hist_idx == le->nhist)
        le_set_text(le, le->hist_saved ? le->hist_saved : "");
    else
        le_set_text(le, le->hist[le->hist_idx]);
}

/* The number in a CSI parameter string ("3" of ESC [ 3 ~), 0 when none. */
static int le_csi_number(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '9' && v < 1000; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* CSI / SS3 final byte with its parameters. */
static void le_escape(struct lineedit *le, char final)
{
    switch (final) {
    case 'A':
        le_history_move(le, -1);
        break;
    case 'B':
        le_history_move(le, 1);
        break;
    case 'C':
        le->pos = le_next(le, le->pos);
        break;
    case 'D':
        le->pos = le_prev(le, le->pos);
        break;
    case 'H':
        le->pos = 0;
        break;
    case 'F':
        le->pos = le->len;
        break;
    case '~':
        switch (le_csi_number(le->csi, le->csi_len)) {
        case 1:
        case 7:
            le->pos = 0;
            break;
        case 4:
        case 8:
            le->pos = le->len;
            break;
        case 3:
            le_delete_range(le, le->pos, le_next(le, le->pos));
            break;
        default:
            break; /* Insert, Page Up/Down, function keys: nothing */
        }
        break;
    default:
        break;
    }
}

enum lineedit_event lineedit_feed(struct lineedit *le, const char *in, size_t n, size_t *used,
                                  char **line)
{
    *line = NULL;
    size_t i = 0;
    enum lineedit_event ev = LINEEDIT_NONE;
    bool dirty = false;
    while (i < n && le->active && ev == LINEEDIT_NONE) {
        unsigned char c = (unsigned char)in[i++];
        if (le->esc == LE_ESC_START) {
            if (c == '[') {
                le->esc = LE_ESC_CSI;
                le->csi_len = 0;
            } else if (c == 'O') {
                le->esc = LE_ESC_SS3;
            } else {
                le->esc = LE_ESC_NONE;
                if (c == 'b' || c == 'B')
                    le->pos = le_word_left(le);
                else if (c == 'f' || c == 'F')
                    le->pos = le_word_right(le);
                dirty = true;
            }
            continue;
        }
        if (le->esc == LE_ESC_CSI) {
            if (c >= 0x40 && c <= 0x7e) {
                le->esc = LE_ESC_NONE;
                le_escape(le, (char)c);
                dirty = true;
            } else if (le->csi_len + 1 < sizeof(le->csi)) {
                le->csi[le->csi_len++] = (char)c;
            }
            continue;
        }
        if (le->esc == LE_ESC_SS3) {
            le->esc = LE_ESC_NONE;
            le->csi_len = 0;
            le_escape(le, (char)c);
            dirty = true;
            continue;
        }
        switch (c) {
        case '\r':
        case '\n':
            le->active = false;
            *line = mem_xstrndup(le->text, le->len);
            ev = LINEEDIT_LINE;
            break;
        case 0x03: /* Ctrl-C */
            le->active = false;
            ev = LINEEDIT_INTERRUPT;
            break;
        case 0x04: /* Ctrl-D */
            if (le->len == 0) {
                le->active = false;
                ev = LINEEDIT_EOF;
            } else {
                le_delete_range(le, le->pos, le_next(le, le->pos));
            }
            break;
        case 0x01:
            le->pos = 0;
            break;
        case 0x05:
            le->pos = le->len;
            break;
        case 0x02:
            le->pos = le_prev(le, le->pos);
            break;
        case 0x06:
            le->pos = le_next(le, le->pos);
            break;
        case 0x0b: /* Ctrl-K */
            le_delete_range(le, le->pos, le->len);
            break;
        case 0x15: /* Ctrl-U */
            le_delete_range(le, 0, le->pos);
            break;
        case 0x17: /* Ctrl-W */
            le_delete_range(le, le_word_left(le), le->pos);
            break;
        case 0x08:
        case 0x7f:
            le_delete_range(le, le_prev(le, le->pos), le->pos);
            break;
        case 0x10: /* Ctrl-P */
            le_history_move(le, -1);
            break;
        case 0x0e: /* Ctrl-N */
            le_history_move(le, 1);
            break;
        case 0x0c: /* Ctrl-L */
            le->out("\x1b[H\x1b[2J", 7, le->arg);
            break;
        case 0x1b:
            le->esc = LE_ESC_START;
            break;
        default:
            if (c >= 0x20)
                le_insert(le, (char)c);
            /* other control bytes are ignored */
            break;
        }
        dirty = true;
    }
    *used = i;
    if (ev == LINEEDIT_LINE) {
        lineedit_redraw_final(le);
    } else if (ev == LINEEDIT_INTERRUPT) {
        le->out("^C\r\n", 4, le->arg);
    } else if (ev == LINEEDIT_EOF) {
        le->out("\r\n", 2, le->arg);
    } else if (dirty) {
        lineedit_redraw(le);
    }
    if (ev != LINEEDIT_NONE) {
        mem_wipe(le->text, le->cap);
        le->len = le->pos = 0;
    }
    return ev;
}

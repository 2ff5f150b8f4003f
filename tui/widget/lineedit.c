/* lineedit.c - the line editor of the Redis prompts (see lineedit.h). */
#include "tui/widget/lineedit.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "tui/keymap.h"

enum le_esc {
    LE_ESC_NONE,
    LE_ESC_START, /* ESC seen */
    LE_ESC_CSI,   /* ESC [ (parameters follow) */
    LE_ESC_SS3,   /* ESC O */
};

/* What a key asks of the model, whichever front end it came from. */
enum le_act {
    LE_A_NONE,
    LE_A_INSERT, /* one byte of text */
    LE_A_ENTER,
    LE_A_INTERRUPT,
    LE_A_DELETE_OR_EOF,
    LE_A_HOME,
    LE_A_END,
    LE_A_LEFT,
    LE_A_RIGHT,
    LE_A_WORD_LEFT,
    LE_A_WORD_RIGHT,
    LE_A_BACKSPACE,
    LE_A_DELETE,
    LE_A_KILL_END,
    LE_A_KILL_START,
    LE_A_KILL_WORD,
    LE_A_YANK,
    LE_A_TRANSPOSE,
    LE_A_HIST_PREV,
    LE_A_HIST_NEXT,
    LE_A_SEARCH,
    LE_A_COMPLETE,
    LE_A_CLEAR_SCREEN,
    LE_A_CANCEL, /* C-g; Esc while searching (curses) */
};

struct lineedit {
    lineedit_write_fn out;
    void *arg;
    char *prompt;
    size_t prompt_cols;
    int cols;
    char *text; /* NUL-terminated; may hold a secret: wiped */
    size_t len, cap, pos;
    bool active;
    /* termios decoding */
    enum le_esc esc;
    char csi[16];
    size_t csi_len;
    bool paste;   /* inside a bracketed paste */
    bool last_cr; /* a "\r\n" is one Enter */
    /* history: our own list, or the caller's */
    char **hist;
    size_t nhist;
    struct lineedit_history src;
    bool has_src;
    size_t hist_idx;  /* == count: the line being typed */
    char *hist_saved; /* the line being typed while walking the history */
    /* kill buffer */
    char *kill;
    /* ctrl-r */
    bool searching;
    bool search_failed;
    struct buf query;
    size_t match; /* history index of the match (valid when has_match) */
    bool has_match;
    char *search_saved; /* the text before the search */
    size_t search_saved_pos;
    char *search_prompt;
    /* completion */
    lineedit_complete_fn complete;
    void *complete_arg;
    char **cands;
    size_t ncands;
    size_t cand_start; /* where the completed word starts */
    size_t cycle;
    bool cycling;
    char cand_text[1024];
    bool cands_new; /* termios: print the candidates once */
    /* hint */
    lineedit_hint_fn hinter;
    void *hint_arg;
    char *hint;
    char *hint_for; /* the text the hint was made for */
};

static size_t le_cols_of(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

/* A copy of s without control characters. */
static char *le_clean_dup(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *o = mem_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f)
            o[k++] = (char)c;
    }
    o[k] = '\0';
    return o;
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
    buf_init(&le->query, 1024);
    le->query.secret = true;
    return le;
}

static void le_drop_cands(struct lineedit *le)
{
    for (size_t i = 0; i < le->ncands; i++)
        free(le->cands[i]);
    free(le->cands);
    le->cands = NULL;
    le->ncands = 0;
    le->cycling = false;
    le->cand_text[0] = '\0';
    le->cands_new = false;
}

static void le_drop_hint(struct lineedit *le)
{
    free(le->hint);
    mem_free_secret(le->hint_for);
    le->hint = NULL;
    le->hint_for = NULL;
}

static void le_end_search(struct lineedit *le)
{
    le->searching = false;
    le->search_failed = false;
    le->has_match = false;
    buf_reset(&le->query);
    mem_free_secret(le->search_saved);
    le->search_saved = NULL;
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
    mem_free_secret(le->hist_saved);
    mem_free_secret(le->kill);
    le_end_search(le);
    buf_free(&le->query);
    free(le->search_prompt);
    le_drop_cands(le);
    le_drop_hint(le);
    free(le);
}

void lineedit_set_prompt(struct lineedit *le, const char *prompt)
{
    free(le->prompt);
    le->prompt = le_clean_dup(prompt);
    le->prompt_cols = le_cols_of(le->prompt, strlen(le->prompt));
}

void lineedit_set_width(struct lineedit *le, int cols)
{
    le->cols = cols > 10 ? cols : 10;
}

void lineedit_set_completer(struct lineedit *le, lineedit_complete_fn fn, void *arg)
{
    le->complete = fn;
    le->complete_arg = arg;
}

void lineedit_set_hinter(struct lineedit *le, lineedit_hint_fn fn, void *arg)
{
    le->hinter = fn;
    le->hint_arg = arg;
    le_drop_hint(le);
}

void lineedit_set_history(struct lineedit *le, const struct lineedit_history *h)
{
    le->has_src = h != NULL;
    if (h)
        le->src = *h;
    le->hist_idx = le->has_src ? le->src.count(le->src.arg) : le->nhist;
}

static size_t le_hcount(const struct lineedit *le)
{
    return le->has_src ? le->src.count(le->src.arg) : le->nhist;
}

static const char *le_hat(const struct lineedit *le, size_t i)
{
    if (le->has_src) {
        const char *s = i < le->src.count(le->src.arg) ? le->src.at(le->src.arg, i) : NULL;
        return s ? s : "";
    }
    return i < le->nhist ? le->hist[i] : "";
}

const char *lineedit_text(const struct lineedit *le)
{
    return le->text;
}

size_t lineedit_cursor(const struct lineedit *le)
{
    return le->pos;
}

bool lineedit_active(const struct lineedit *le)
{
    return le->active;
}

const char *lineedit_candidates(const struct lineedit *le)
{
    return le->cand_text;
}

/* ---- the view, and the termios drawing of it ---- */

static const char *le_hint(struct lineedit *le)
{
    if (!le->hinter || le->searching || le->pos != le->len)
        return NULL;
    if (le->hint_for && strcmp(le->hint_for, le->text) == 0)
        return le->hint;
    le_drop_hint(le);
    le->hint_for = mem_xstrdup(le->text);
    char *h = le->hinter(le->text, le->hint_arg);
    le->hint = h ? le_clean_dup(h) : NULL;
    free(h);
    return le->hint;
}

static const char *le_search_prompt(struct lineedit *le)
{
    free(le->search_prompt);
    char *q = le_clean_dup(buf_str(&le->query));
    le->search_prompt =
        mem_xasprintf("(%sreverse-i-search)`%s': ", le->search_failed ? "failed " : "", q);
    free(q);
    return le->search_prompt;
}

void lineedit_view(struct lineedit *le, int cols, struct lineedit_view *v)
{
    memset(v, 0, sizeof(*v));
    v->searching = le->searching;
    const char *prompt = le->searching ? le_search_prompt(le) : le->prompt;
    size_t pcols = le_cols_of(prompt, strlen(prompt));
    size_t width = cols > 2 ? (size_t)cols - 1 : 1;
    /* the prompt gets at most half the width */
    const char *p = prompt;
    while (pcols > width / 2 && *p) {
        p++;
        while (((unsigned char)*p & 0xc0) == 0x80)
            p++;
        pcols--;
    }
    v->prompt = prompt;
    v->prompt_skip = (size_t)(p - prompt);
    size_t room = width > pcols ? width - pcols : 1;
    /* scroll so the cursor is visible: the leftmost start whose text up
     * to the cursor fits, found walking back from the cursor (a line
     * pasted or yanked to megabytes costs the width, not its length) */
    size_t start = le->pos, back = 0;
    while (start > 0 && back + 1 < room) {
        start--;
        while (start > 0 && ((unsigned char)le->text[start] & 0xc0) == 0x80)
            start--;
        back++;
    }
    size_t end = start, shown = 0;
    while (end < le->len && shown < room) {
        end++;
        while (end < le->len && ((unsigned char)le->text[end] & 0xc0) == 0x80)
            end++;
        shown++;
    }
    v->text = le->text + start;
    v->len = end - start;
    v->cursor = (int)(pcols + le_cols_of(le->text + start, le->pos - start));
    const char *h = end == le->len ? le_hint(le) : NULL;
    if (h && *h && room > shown + 1) {
        size_t hc = le_cols_of(h, strlen(h));
        size_t fit = room - shown - 1;
        v->hint = h;
        v->hint_cols = (int)(hc < fit ? hc : fit);
    }
}

/* The first n columns of s (one column per code point). */
static size_t le_bytes_for_cols(const char *s, size_t ncols)
{
    size_t i = 0, c = 0;
    while (s[i] && c < ncols) {
        i++;
        while (s[i] && ((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
        c++;
    }
    return i;
}

void lineedit_redraw(struct lineedit *le)
{
    if (!le->active || !le->out)
        return;
    struct lineedit_view v;
    lineedit_view(le, le->cols, &v);
    struct buf b;
    buf_init(&b, 0);
    b.secret = true;
    if (le->cands_new && le->cand_text[0]) {
        /* the candidates of a Tab, once, above the prompt (as bash does) */
        buf_appends(&b, "\r\x1b[0K");
        buf_appends(&b, le->cand_text);
        buf_appends(&b, "\r\n");
        le->cands_new = false;
    }
    buf_appends(&b, "\r");
    buf_appends(&b, v.prompt + v.prompt_skip);
    buf_append(&b, v.text, v.len);
    if (v.hint) {
        buf_appends(&b, "\x1b[2m");
        buf_append(&b, v.hint, le_bytes_for_cols(v.hint, (size_t)v.hint_cols));
        buf_appends(&b, "\x1b[0m");
    }
    buf_appends(&b, "\x1b[0K\r");
    if (v.cursor)
        buf_printf(&b, "\x1b[%dC", v.cursor);
    le->out(b.data, b.len, le->arg);
    buf_free(&b);
}

/* The finished line as typed, then a new line. */
static void lineedit_redraw_final(struct lineedit *le)
{
    le->active = true;
    le->pos = le->len;
    lineedit_hint_fn h = le->hinter;
    le->hinter = NULL; /* no hint left on the screen */
    lineedit_redraw(le);
    le->hinter = h;
    le->active = false;
    if (le->out)
        le->out("\r\n", 2, le->arg);
}

void lineedit_clear(struct lineedit *le)
{
    if (le->out)
        le->out("\r\x1b[0K", 5, le->arg);
}

/* ---- editing ---- */

static void le_reserve(struct lineedit *le, size_t need)
{
    if (need <= le->cap)
        return;
    size_t cap = le->cap;
    while (cap < need)
        cap *= 2;
    char *t = mem_xmalloc(cap);
    memcpy(t, le->text, le->len + 1);
    mem_wipe(le->text, le->cap);
    free(le->text);
    le->text = t;
    le->cap = cap;
}

static void le_set_text(struct lineedit *le, const char *s)
{
    size_t n = strlen(s);
    if (n >= LINEEDIT_MAX_LINE)
        n = LINEEDIT_MAX_LINE - 1;
    le_reserve(le, n + 1);
    memcpy(le->text, s, n);
    mem_wipe(le->text + n, le->cap - n);
    le->len = n;
    le->pos = n;
}

void lineedit_set_text(struct lineedit *le, const char *text)
{
    char *c = le_clean_dup(text);
    le_set_text(le, c);
    mem_free_secret(c);
    le_drop_cands(le);
}

void lineedit_start(struct lineedit *le)
{
    le->active = true;
    mem_wipe(le->text, le->cap);
    le->len = le->pos = 0;
    le->esc = LE_ESC_NONE;
    le->hist_idx = le_hcount(le);
    mem_free_secret(le->hist_saved);
    le->hist_saved = NULL;
    le_end_search(le);
    le_drop_cands(le);
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
    le->hist[le->nhist++] = le_clean_dup(line);
    if (!le->has_src)
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

static void le_insert(struct lineedit *le, const char *s, size_t n)
{
    if (le->len + n + 1 >= LINEEDIT_MAX_LINE)
        return;
    le_reserve(le, le->len + n + 1);
    memmove(le->text + le->pos + n, le->text + le->pos, le->len - le->pos + 1);
    memcpy(le->text + le->pos, s, n);
    le->pos += n;
    le->len += n;
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

static void le_delete_range(struct lineedit *le, size_t from, size_t to, bool keep)
{
    if (to <= from)
        return;
    if (keep) {
        mem_free_secret(le->kill);
        le->kill = mem_xstrndup(le->text + from, to - from);
    }
    memmove(le->text + from, le->text + to, le->len - to + 1);
    mem_wipe(le->text + le->len - (to - from) + 1, to - from);
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

static void le_transpose(struct lineedit *le)
{
    if (le->len < 2 || le->pos == 0)
        return;
    /* at the end: the last two; else the one before the cursor with the one under it */
    size_t b = le->pos == le->len ? le_prev(le, le->len) : le->pos;
    size_t a = le_prev(le, b);
    size_t e = le_next(le, b);
    size_t la = b - a, lb = e - b;
    char tmp[8];
    if (la > 4 || lb > 4)
        return;
    memcpy(tmp, le->text + a, la);
    memmove(le->text + a, le->text + b, lb);
    memcpy(le->text + a + lb, tmp, la);
    le->pos = e;
}

static void le_history_move(struct lineedit *le, int dir)
{
    size_t count = le_hcount(le);
    if (le->hist_idx > count)
        le->hist_idx = count;
    if (dir < 0 && le->hist_idx == 0)
        return;
    if (dir > 0 && le->hist_idx >= count)
        return;
    if (le->hist_idx == count) {
        mem_free_secret(le->hist_saved);
        le->hist_saved = mem_xstrdup(le->text);
    }
    le->hist_idx = dir < 0 ? le->hist_idx - 1 : le->hist_idx + 1;
    if (le->hist_idx == count)
        le_set_text(le, le->hist_saved ? le->hist_saved : "");
    else
        le_set_text(le, le_hat(le, le->hist_idx));
}

/* ---- ctrl-r ---- */

/* The newest entry at or before index from that holds the query. */
static void le_search_from(struct lineedit *le, size_t from, bool have_from)
{
    const char *q = buf_str(&le->query);
    size_t count = le_hcount(le);
    if (!have_from || from >= count) {
        if (count == 0) {
            le->search_failed = le->query.len > 0;
            return;
        }
        from = count - 1;
    }
    for (size_t i = from + 1; i-- > 0;) {
        const char *h = le_hat(le, i);
        const char *hit = strstr(h, q);
        if (hit) {
            le->match = i;
            le->has_match = true;
            le->search_failed = false;
            le_set_text(le, h);
            le->pos = (size_t)(hit - h);
            return;
        }
    }
    le->search_failed = true;
}

static void le_search_start(struct lineedit *le)
{
    le->searching = true;
    le->search_failed = false;
    le->has_match = false;
    buf_reset(&le->query);
    mem_free_secret(le->search_saved);
    le->search_saved = mem_xstrdup(le->text);
    le->search_saved_pos = le->pos;
}

static void le_search_cancel(struct lineedit *le)
{
    if (le->search_saved) {
        le_set_text(le, le->search_saved);
        le->pos = le->search_saved_pos <= le->len ? le->search_saved_pos : le->len;
    }
    le_end_search(le);
}

/* ---- completion ---- */

static void le_cand_add(void *ctx, const char *cand)
{
    struct lineedit *le = ctx;
    if (!cand || !*cand || le->ncands >= LINEEDIT_MAX_CANDS)
        return;
    for (size_t i = 0; i < le->ncands; i++)
        if (strcmp(le->cands[i], cand) == 0)
            return;
    le->cands = mem_xrealloc(le->cands, (le->ncands + 1) * sizeof(*le->cands));
    le->cands[le->ncands++] = le_clean_dup(cand);
}

/* Replace text[start..pos) with s (and a space when it ends the line). */
static void le_replace_word(struct lineedit *le, size_t start, const char *s, bool space)
{
    le_delete_range(le, start, le->pos, false);
    le_insert(le, s, strlen(s));
    if (space && le->pos == le->len)
        le_insert(le, " ", 1);
}

static void le_complete(struct lineedit *le)
{
    if (!le->complete)
        return;
    if (le->cycling && le->ncands > 1) {
        le->cycle = (le->cycle + 1) % le->ncands;
        le_replace_word(le, le->cand_start, le->cands[le->cycle], false);
        return;
    }
    le_drop_cands(le);
    size_t start = le->complete(le->text, le->pos, le_cand_add, le, le->complete_arg);
    if (start > le->pos)
        start = le->pos;
    size_t wl = le->pos - start;
    /* keep the candidates that start with the word (any case), sorted */
    size_t m = 0;
    for (size_t i = 0; i < le->ncands; i++) {
        if (strlen(le->cands[i]) >= wl && strncasecmp(le->cands[i], le->text + start, wl) == 0)
            le->cands[m++] = le->cands[i];
        else
            free(le->cands[i]);
    }
    le->ncands = m;
    for (size_t i = 1; i < le->ncands; i++)
        for (size_t j = i; j > 0 && strcmp(le->cands[j - 1], le->cands[j]) > 0; j--) {
            char *t = le->cands[j];
            le->cands[j] = le->cands[j - 1];
            le->cands[j - 1] = t;
        }
    le->cand_start = start;
    if (le->ncands == 0) {
        snprintf(le->cand_text, sizeof(le->cand_text), "no completion");
        return;
    }
    if (le->ncands == 1) {
        char *only = mem_xstrdup(le->cands[0]);
        le_drop_cands(le);
        le_replace_word(le, start, only, true);
        free(only);
        return;
    }
    size_t lcp = strlen(le->cands[0]);
    for (size_t i = 1; i < le->ncands; i++) {
        size_t k = 0;
        while (k < lcp && le->cands[i][k] && le->cands[i][k] == le->cands[0][k])
            k++;
        lcp = k;
    }
    size_t used = 0;
    for (size_t i = 0; i < le->ncands && used + 1 < sizeof(le->cand_text); i++) {
        int w = snprintf(le->cand_text + used, sizeof(le->cand_text) - used, "%s%s", i ? "  " : "",
                         le->cands[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    le->cands_new = true;
    if (lcp > wl) {
        char *pre = mem_xstrndup(le->cands[0], lcp);
        le_replace_word(le, start, pre, false);
        free(pre);
    } else if (wl == 0) {
        /* nothing typed yet: the list only; the next Tab takes the first */
        le->cycling = true;
        le->cycle = le->ncands - 1;
    } else {
        /* nothing more in common: Tab now cycles through them */
        le->cycling = true;
        le->cycle = 0;
        le_replace_word(le, start, le->cands[0], false);
    }
}

/* ---- actions ---- */

/* An action in normal editing; the event it ends with. */
static enum lineedit_event le_edit(struct lineedit *le, enum le_act act, char byte)
{
    if (act != LE_A_COMPLETE && act != LE_A_NONE && le->ncands)
        le_drop_cands(le);
    switch (act) {
    case LE_A_NONE:
        break;
    case LE_A_INSERT:
        le_insert(le, &byte, 1);
        break;
    case LE_A_ENTER:
        return LINEEDIT_LINE;
    case LE_A_INTERRUPT:
        return LINEEDIT_INTERRUPT;
    case LE_A_DELETE_OR_EOF:
        if (le->len == 0)
            return LINEEDIT_EOF;
        le_delete_range(le, le->pos, le_next(le, le->pos), false);
        break;
    case LE_A_HOME:
        le->pos = 0;
        break;
    case LE_A_END:
        le->pos = le->len;
        break;
    case LE_A_LEFT:
        le->pos = le_prev(le, le->pos);
        break;
    case LE_A_RIGHT:
        le->pos = le_next(le, le->pos);
        break;
    case LE_A_WORD_LEFT:
        le->pos = le_word_left(le);
        break;
    case LE_A_WORD_RIGHT:
        le->pos = le_word_right(le);
        break;
    case LE_A_BACKSPACE:
        le_delete_range(le, le_prev(le, le->pos), le->pos, false);
        break;
    case LE_A_DELETE:
        le_delete_range(le, le->pos, le_next(le, le->pos), false);
        break;
    case LE_A_KILL_END:
        le_delete_range(le, le->pos, le->len, true);
        break;
    case LE_A_KILL_START:
        le_delete_range(le, 0, le->pos, true);
        break;
    case LE_A_KILL_WORD:
        le_delete_range(le, le_word_left(le), le->pos, true);
        break;
    case LE_A_YANK:
        if (le->kill)
            le_insert(le, le->kill, strlen(le->kill));
        break;
    case LE_A_TRANSPOSE:
        le_transpose(le);
        break;
    case LE_A_HIST_PREV:
        le_history_move(le, -1);
        break;
    case LE_A_HIST_NEXT:
        le_history_move(le, 1);
        break;
    case LE_A_SEARCH:
        le_search_start(le);
        break;
    case LE_A_COMPLETE:
        le_complete(le);
        break;
    case LE_A_CLEAR_SCREEN:
        if (le->out)
            le->out("\x1b[H\x1b[2J", 7, le->arg);
        break;
    case LE_A_CANCEL:
        break;
    }
    return LINEEDIT_NONE;
}

/* An action while searching the history. */
static enum lineedit_event le_search_act(struct lineedit *le, enum le_act act, char byte)
{
    switch (act) {
    case LE_A_INSERT:
        if (le->query.len < 256)
            buf_appendc(&le->query, byte);
        le_search_from(le, 0, false);
        return LINEEDIT_NONE;
    case LE_A_BACKSPACE:
        if (le->query.len) {
            size_t n = le->query.len - 1;
            while (n > 0 && ((unsigned char)le->query.data[n] & 0xc0) == 0x80)
                n--;
            le->query.len = n;
            le->query.data[n] = '\0';
        }
        if (le->query.len)
            le_search_from(le, 0, false);
        else
            le->search_failed = false;
        return LINEEDIT_NONE;
    case LE_A_SEARCH:
        if (le->has_match && le->match > 0)
            le_search_from(le, le->match - 1, true);
        else if (le->query.len)
            le->search_failed = true;
        return LINEEDIT_NONE;
    case LE_A_CANCEL:
        le_search_cancel(le);
        return LINEEDIT_NONE;
    case LE_A_INTERRUPT:
        le_search_cancel(le);
        return LINEEDIT_INTERRUPT;
    case LE_A_NONE:
        return LINEEDIT_NONE;
    default:
        /* any other key: keep the match and edit it */
        le_end_search(le);
        le->hist_idx = le_hcount(le);
        return le_edit(le, act, byte);
    }
}

static enum lineedit_event le_act(struct lineedit *le, enum le_act act, char byte)
{
    if (le->searching)
        return le_search_act(le, act, byte);
    return le_edit(le, act, byte);
}

/* ---- termios: bytes ---- */

/* The number in a CSI parameter string ("3" of ESC [ 3 ~), 0 when none. */
static int le_csi_number(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '9' && v < 1000; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* A CSI / SS3 final byte with its parameters. */
static enum le_act le_escape(struct lineedit *le, char final)
{
    switch (final) {
    case 'A':
        return LE_A_HIST_PREV;
    case 'B':
        return LE_A_HIST_NEXT;
    case 'C':
        return LE_A_RIGHT;
    case 'D':
        return LE_A_LEFT;
    case 'H':
        return LE_A_HOME;
    case 'F':
        return LE_A_END;
    case '~':
        switch (le_csi_number(le->csi, le->csi_len)) {
        case 1:
        case 7:
            return LE_A_HOME;
        case 4:
        case 8:
            return LE_A_END;
        case 3:
            return LE_A_DELETE;
        case 200:
            le->paste = true;
            return LE_A_NONE;
        case 201:
            le->paste = false;
            return LE_A_NONE;
        default:
            return LE_A_NONE; /* Insert, Page Up/Down, function keys: nothing */
        }
    default:
        return LE_A_NONE;
    }
}

/* A control byte outside escapes. */
static enum le_act le_control(unsigned char c)
{
    switch (c) {
    case '\r':
    case '\n':
        return LE_A_ENTER;
    case 0x01:
        return LE_A_HOME;
    case 0x02:
        return LE_A_LEFT;
    case 0x03:
        return LE_A_INTERRUPT;
    case 0x04:
        return LE_A_DELETE_OR_EOF;
    case 0x05:
        return LE_A_END;
    case 0x06:
        return LE_A_RIGHT;
    case 0x07:
        return LE_A_CANCEL;
    case 0x08:
    case 0x7f:
        return LE_A_BACKSPACE;
    case '\t':
        return LE_A_COMPLETE;
    case 0x0b:
        return LE_A_KILL_END;
    case 0x0c:
        return LE_A_CLEAR_SCREEN;
    case 0x0e:
        return LE_A_HIST_NEXT;
    case 0x10:
        return LE_A_HIST_PREV;
    case 0x12:
        return LE_A_SEARCH;
    case 0x14:
        return LE_A_TRANSPOSE;
    case 0x15:
        return LE_A_KILL_START;
    case 0x17:
        return LE_A_KILL_WORD;
    case 0x19:
        return LE_A_YANK;
    default:
        return LE_A_NONE; /* other control bytes are ignored */
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
        enum le_act act = LE_A_NONE;
        bool cr = false;
        if (le->esc == LE_ESC_START) {
            if (c == '[') {
                le->esc = LE_ESC_CSI;
                le->csi_len = 0;
            } else if (c == 'O') {
                le->esc = LE_ESC_SS3;
            } else {
                le->esc = LE_ESC_NONE;
                if (!le->paste && (c == 'b' || c == 'B'))
                    act = LE_A_WORD_LEFT;
                else if (!le->paste && (c == 'f' || c == 'F'))
                    act = LE_A_WORD_RIGHT;
                else if (!le->paste && c == 0x1b)
                    le->esc = LE_ESC_START;
                dirty = true;
            }
        } else if (le->esc == LE_ESC_CSI) {
            if (c >= 0x40 && c <= 0x7e) {
                le->esc = LE_ESC_NONE;
                act = le_escape(le, (char)c);
                if (le->paste && act != LE_A_NONE)
                    act = LE_A_NONE; /* keys inside a paste are text, not moves */
                dirty = true;
            } else if (le->csi_len + 1 < sizeof(le->csi)) {
                le->csi[le->csi_len++] = (char)c;
            }
        } else if (le->esc == LE_ESC_SS3) {
            le->esc = LE_ESC_NONE;
            le->csi_len = 0;
            act = le->paste ? LE_A_NONE : le_escape(le, (char)c);
            dirty = true;
        } else if (c == 0x1b) {
            le->esc = LE_ESC_START;
        } else if (c >= 0x20 && c != 0x7f) {
            act = LE_A_INSERT;
        } else if (le->paste) {
            /* a paste is text: lines end lines, a tab is a space */
            if (c == '\r' || c == '\n') {
                cr = c == '\r';
                act = c == '\n' && le->last_cr ? LE_A_NONE : LE_A_ENTER;
            } else if (c == '\t') {
                act = LE_A_INSERT;
                c = ' ';
            }
            dirty = true;
        } else {
            cr = c == '\r';
            act = c == '\n' && le->last_cr ? LE_A_NONE : le_control(c);
            dirty = true;
        }
        le->last_cr = cr;
        if (act != LE_A_NONE) {
            ev = le_act(le, act, (char)c);
            dirty = true;
        }
    }
    *used = i;
    if (ev == LINEEDIT_LINE) {
        *line = mem_xstrndup(le->text, le->len);
        lineedit_redraw_final(le);
    } else if (ev == LINEEDIT_INTERRUPT) {
        le->active = false;
        if (le->out)
            le->out("^C\r\n", 4, le->arg);
    } else if (ev == LINEEDIT_EOF) {
        le->active = false;
        if (le->out)
            le->out("\r\n", 2, le->arg);
    } else if (dirty) {
        lineedit_redraw(le);
    }
    if (ev != LINEEDIT_NONE) {
        le->active = false;
        mem_wipe(le->text, le->cap);
        le->len = le->pos = 0;
        le_drop_hint(le);
        le_drop_cands(le);
    }
    return ev;
}

/* ---- curses: keys ---- */

static enum le_act le_curses_act(struct lineedit *le, int key)
{
    switch (key) {
    case KEYMAP_ENTER:
        return LE_A_ENTER;
    case KEYMAP_TAB:
        return LE_A_COMPLETE;
    case KEYMAP_ESC:
        return le->searching ? LE_A_CANCEL : LE_A_NONE;
    case KEYMAP_FN(KEY_BACKSPACE):
        return LE_A_BACKSPACE;
    case KEYMAP_FN(KEY_DC):
        return LE_A_DELETE;
    case KEYMAP_FN(KEY_LEFT):
        return LE_A_LEFT;
    case KEYMAP_FN(KEY_RIGHT):
        return LE_A_RIGHT;
    case KEYMAP_FN(KEY_HOME):
        return LE_A_HOME;
    case KEYMAP_FN(KEY_END):
        return LE_A_END;
    case KEYMAP_FN(KEY_UP):
        return LE_A_HIST_PREV;
    case KEYMAP_FN(KEY_DOWN):
        return LE_A_HIST_NEXT;
    default:
        break;
    }
    if (key > 0 && key < 0x20 && key != 0x0c && key != 0x03)
        return le_control((unsigned char)key);
    return LE_A_NONE;
}

enum lineedit_event lineedit_key(struct lineedit *le, int key, char **line)
{
    *line = NULL;
    if (!le->active)
        return LINEEDIT_IGNORED;
    enum lineedit_event ev = LINEEDIT_NONE;
    if (key >= 0x20 && key != 0x7f && key < KEYMAP_FN_BASE) {
        /* a code point: its UTF-8 bytes */
        char u[4];
        size_t n;
        unsigned cp = (unsigned)key;
        if (cp >= 0x80 && cp < 0xa0)
            return LINEEDIT_NONE; /* C1 controls never enter a line */
        if (cp < 0x80) {
            u[0] = (char)cp;
            n = 1;
        } else if (cp < 0x800) {
            u[0] = (char)(0xc0 | (cp >> 6));
            u[1] = (char)(0x80 | (cp & 0x3f));
            n = 2;
        } else if (cp < 0x10000) {
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
            return LINEEDIT_NONE;
        }
        for (size_t i = 0; i < n && ev == LINEEDIT_NONE; i++)
            ev = le_act(le, LE_A_INSERT, u[i]);
    } else {
        enum le_act act = le_curses_act(le, key);
        if (act == LE_A_NONE)
            return LINEEDIT_IGNORED;
        ev = le_act(le, act, 0);
    }
    if (ev == LINEEDIT_LINE)
        *line = mem_xstrndup(le->text, le->len);
    if (ev != LINEEDIT_NONE) {
        le->active = false;
        mem_wipe(le->text, le->cap);
        le->len = le->pos = 0;
        le_drop_hint(le);
        le_drop_cands(le);
    }
    return ev;
}

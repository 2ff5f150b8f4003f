/* theme.c - semantic colour roles and theme files. */
#include "tui/theme.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"

static const char *const theme_names[THEME_ROLE_COUNT] = {
    [THEME_NORMAL] = "normal",   [THEME_HEADER] = "header",   [THEME_TITLE] = "title",
    [THEME_STATUS] = "status",   [THEME_KEY] = "key",         [THEME_SELECTED] = "selected",
    [THEME_COLUMN] = "column",   [THEME_PRIMARY] = "primary", [THEME_REPLICA] = "replica",
    [THEME_FAILED] = "failed",   [THEME_OK] = "ok",           [THEME_BUSY] = "busy",
    [THEME_WARNING] = "warning", [THEME_ERROR] = "error",     [THEME_DIM] = "dim",
    [THEME_SLOW] = "slow",       [THEME_BANNER] = "banner",   [THEME_MATCH] = "match",
};

const char *theme_role_name(enum theme_role r)
{
    return r < THEME_ROLE_COUNT ? theme_names[r] : "?";
}

void theme_default(struct theme *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "default");
    for (int i = 0; i < THEME_ROLE_COUNT; i++)
        t->styles[i] = (struct theme_style){-1, -1, 0};
    t->styles[THEME_HEADER] = (struct theme_style){7, 4, THEME_ATTR_BOLD};
    t->styles[THEME_TITLE] = (struct theme_style){-1, -1, THEME_ATTR_BOLD};
    t->styles[THEME_STATUS] = (struct theme_style){0, 6, 0};
    t->styles[THEME_KEY] = (struct theme_style){7, 0, THEME_ATTR_BOLD};
    t->styles[THEME_SELECTED] = (struct theme_style){-1, -1, THEME_ATTR_REVERSE};
    t->styles[THEME_COLUMN] = (struct theme_style){-1, -1, THEME_ATTR_UNDERLINE};
    t->styles[THEME_PRIMARY] = (struct theme_style){2, -1, THEME_ATTR_BOLD};
    t->styles[THEME_REPLICA] = (struct theme_style){6, -1, 0};
    t->styles[THEME_FAILED] = (struct theme_style){1, -1, THEME_ATTR_BOLD};
    t->styles[THEME_OK] = (struct theme_style){2, -1, 0};
    t->styles[THEME_BUSY] = (struct theme_style){3, -1, 0};
    t->styles[THEME_WARNING] = (struct theme_style){3, -1, THEME_ATTR_BOLD};
    t->styles[THEME_ERROR] = (struct theme_style){1, -1, THEME_ATTR_BOLD};
    t->styles[THEME_DIM] = (struct theme_style){-1, -1, THEME_ATTR_DIM};
    t->styles[THEME_SLOW] = (struct theme_style){5, -1, 0};
    t->styles[THEME_BANNER] = (struct theme_style){7, 1, THEME_ATTR_BOLD};
    t->styles[THEME_MATCH] = (struct theme_style){0, 3, THEME_ATTR_BOLD};
}

/* xterm's default palette for colours 0-15 */
static const unsigned char theme_rgb16[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

static void theme_rgb(short c, int *r, int *g, int *b)
{
    static const int cube[6] = {0, 95, 135, 175, 215, 255};
    if (c < 16) {
        *r = theme_rgb16[c][0];
        *g = theme_rgb16[c][1];
        *b = theme_rgb16[c][2];
    } else if (c < 232) {
        int i = c - 16;
        *r = cube[i / 36];
        *g = cube[(i / 6) % 6];
        *b = cube[i % 6];
    } else {
        *r = *g = *b = 8 + 10 * (c - 232);
    }
}

short theme_fit_colour(short c, int colors)
{
    if (c < 0 || c < colors)
        return c;
    if (colors < 8)
        return -1;
    int n = colors >= 16 ? 16 : 8;
    if (c >= 8 && c < 16 && n == 8)
        return (short)(c - 8);
    int r, g, b;
    theme_rgb(c, &r, &g, &b);
    short best = 0;
    long bestd = -1;
    for (short i = 0; i < n; i++) {
        long dr = r - theme_rgb16[i][0], dg = g - theme_rgb16[i][1], db = b - theme_rgb16[i][2];
        long d = dr * dr + dg * dg + db * db;
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

static const char *const theme_colours[] = {"black", "red",     "green", "yellow",
                                            "blue",  "magenta", "cyan",  "white"};

static bool theme_colour(const char *s, size_t n, short *out)
{
    if (n == 7 && strncmp(s, "default", 7) == 0) {
        *out = -1;
        return true;
    }
    for (short i = 0; i < 8; i++) {
        size_t l = strlen(theme_colours[i]);
        if (n == l && strncmp(s, theme_colours[i], l) == 0) {
            *out = i;
            return true;
        }
        if (n == l + 6 && strncmp(s, "bright", 6) == 0 &&
            strncmp(s + 6, theme_colours[i], l) == 0) {
            *out = (short)(i + 8);
            return true;
        }
    }
    const char *num = NULL;
    if (n > 6 && strncmp(s, "colour", 6) == 0)
        num = s + 6;
    else if (n > 5 && strncmp(s, "color", 5) == 0)
        num = s + 5;
    if (!num)
        return false;
    int v = 0;
    size_t digits = n - (size_t)(num - s);
    if (digits == 0 || digits > 3)
        return false;
    for (size_t i = 0; i < digits; i++) {
        if (!isdigit((unsigned char)num[i]))
            return false;
        v = v * 10 + (num[i] - '0');
    }
    if (v > 255)
        return false;
    *out = (short)v;
    return true;
}

bool theme_parse_style(const char *s, struct theme_style *out)
{
    struct theme_style st = {-1, -1, 0};
    const char *p = s;
    bool any = false;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ' && *e != '\t')
            e++;
        size_t n = (size_t)(e - p);
        if (n > 3 && (strncmp(p, "fg=", 3) == 0 || strncmp(p, "bg=", 3) == 0)) {
            short c;
            if (!theme_colour(p + 3, n - 3, &c))
                return false;
            if (p[0] == 'f')
                st.fg = c;
            else
                st.bg = c;
        } else if (n == 4 && strncmp(p, "bold", 4) == 0) {
            st.attrs |= THEME_ATTR_BOLD;
        } else if (n == 9 && strncmp(p, "underline", 9) == 0) {
            st.attrs |= THEME_ATTR_UNDERLINE;
        } else if (n == 7 && strncmp(p, "reverse", 7) == 0) {
            st.attrs |= THEME_ATTR_REVERSE;
        } else if (n == 3 && strncmp(p, "dim", 3) == 0) {
            st.attrs |= THEME_ATTR_DIM;
        } else if (n == 6 && strncmp(p, "italic", 6) == 0) {
            st.attrs |= THEME_ATTR_ITALIC;
        } else if (n == 4 && strncmp(p, "none", 4) == 0) {
            st.attrs = 0;
        } else {
            return false;
        }
        any = true;
        p = e;
    }
    if (!any)
        return false;
    *out = st;
    return true;
}

static void theme_problem(char *errs, size_t errs_len, int line, const char *msg, const char *what)
{
    if (!errs || !errs_len)
        return;
    size_t used = strnlen(errs, errs_len);
    if (used + 1 >= errs_len)
        return;
    snprintf(errs + used, errs_len - used, "%d: %s '%.60s'\n", line, msg, what);
}

int theme_parse(struct theme *t, const char *text, size_t len, char *errs, size_t errs_len)
{
    int problems = 0, lineno = 0;
    size_t i = 0;
    if (errs && errs_len)
        errs[0] = '\0';
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        char *line = mem_xstrndup(text + i, j - i);
        if (strlen(line) != j - i) {
            theme_problem(errs, errs_len, lineno, "NUL byte in line", "");
            problems++;
            free(line);
            i = j + 1;
            continue;
        }
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (*p && *p != '#' && *p != ';') {
            char *eq = strchr(p, '=');
            if (!eq) {
                theme_problem(errs, errs_len, lineno, "expected 'role = style', got", p);
                problems++;
            } else {
                char *k = p, *ke = eq;
                while (ke > k && isspace((unsigned char)ke[-1]))
                    ke--;
                *ke = '\0';
                char *v = eq + 1;
                while (isspace((unsigned char)*v))
                    v++;
                int role = -1;
                for (int r = 0; r < THEME_ROLE_COUNT; r++)
                    if (strcmp(k, theme_names[r]) == 0)
                        role = r;
                struct theme_style st;
                if (strcmp(k, "name") == 0) {
                    snprintf(t->name, sizeof(t->name), "%s", v);
                } else if (role < 0) {
                    theme_problem(errs, errs_len, lineno, "unknown role", k);
                    problems++;
                } else if (!theme_parse_style(v, &st)) {
                    theme_problem(errs, errs_len, lineno, "bad style", v);
                    problems++;
                } else {
                    t->styles[role] = st;
                }
            }
        }
        free(line);
        i = j + 1;
    }
    return problems;
}

static int theme_read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n) != 0) {
            rc = -1;
            break;
        }
    fclose(f);
    return rc;
}

/* The folders themes are looked up in, in order; returns how many. */
static int theme_dirs(char dirs[3][900])
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int nd = 0;
    if (xdg && *xdg)
        snprintf(dirs[nd++], 900, "%s/elcui/themes", xdg);
    else if (home && *home)
        snprintf(dirs[nd++], 900, "%s/.config/elcui/themes", home);
    snprintf(dirs[nd++], 900, "%s/themes", ELCUI_DATADIR);
    snprintf(dirs[nd++], 900, "themes");
    return nd;
}

void theme_list(void (*emit)(void *ctx, const char *name), void *ctx)
{
    char dirs[3][900];
    int nd = theme_dirs(dirs);
    char seen[64][64];
    int nseen = 0;
    for (int i = 0; i < nd; i++) {
        DIR *d = opendir(dirs[i]);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l <= 6 || l - 6 >= sizeof(seen[0]) || strcmp(e->d_name + l - 6, ".theme") != 0 ||
                e->d_name[0] == '.')
                continue;
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)(l - 6), e->d_name);
            bool dup = false;
            for (int k = 0; k < nseen; k++)
                dup = dup || strcmp(seen[k], name) == 0;
            if (dup)
                continue;
            if (nseen < 64)
                snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
            emit(ctx, name);
        }
        closedir(d);
    }
}

int theme_load(struct theme *t, const char *name, char *errs, size_t errs_len)
{
    struct buf b;
    buf_init(&b, 256 * 1024);
    int found = -1;
    if (strchr(name, '/')) {
        found = theme_read_file(name, &b);
    } else {
        char dirs[3][900];
        int nd = theme_dirs(dirs);
        for (int i = 0; i < nd && found != 0; i++) {
            char *p = mem_xasprintf("%s/%s.theme", dirs[i], name);
            buf_reset(&b);
            found = theme_read_file(p, &b);
            free(p);
        }
    }
    if (found != 0) {
        if (errs && errs_len)
            snprintf(errs, errs_len, "theme '%s' not found (or larger than 256 KiB): %s\n", name,
                     strerror(errno ? errno : ENOENT));
        buf_free(&b);
        return -1;
    }
    theme_default(t);
    snprintf(t->name, sizeof(t->name), "%s", name);
    theme_parse(t, buf_str(&b), b.len, errs, errs_len);
    buf_free(&b);
    return 0;
}

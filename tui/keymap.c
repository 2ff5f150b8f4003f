/* keymap.c - the keymap table: key names, dispatch, clashes, docs. */
#include "tui/keymap.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/mem.h"
#include "core/config.h"

#define KEYMAP_ENTRY(id, name, keys, scope, flags, help) {id, name, keys, scope, flags, help},
const struct keymap_entry keymap_entries[] = {KEYMAP_REQUESTS(KEYMAP_ENTRY)};
#undef KEYMAP_ENTRY
const size_t keymap_nentries = sizeof(keymap_entries) / sizeof(*keymap_entries);

#define KEYMAP_SCREEN(name, scopes, command, summary) {name, scopes, command, summary},
const struct keymap_screen keymap_screens[] = {KEYMAP_SCREENS(KEYMAP_SCREEN)};
#undef KEYMAP_SCREEN
const size_t keymap_nscreens = sizeof(keymap_screens) / sizeof(*keymap_screens);

struct keymap_name {
    const char *name;
    int key;
};

static const struct keymap_name keymap_names[] = {
    {"Enter", KEYMAP_ENTER},
    {"Esc", KEYMAP_ESC},
    {"Tab", KEYMAP_TAB},
    {"Space", ' '},
    {"S-Tab", KEYMAP_FN(KEY_BTAB)},
    {"Backspace", KEYMAP_FN(KEY_BACKSPACE)},
    {"Del", KEYMAP_FN(KEY_DC)},
    {"Ins", KEYMAP_FN(KEY_IC)},
    {"Up", KEYMAP_FN(KEY_UP)},
    {"Down", KEYMAP_FN(KEY_DOWN)},
    {"Left", KEYMAP_FN(KEY_LEFT)},
    {"Right", KEYMAP_FN(KEY_RIGHT)},
    {"Home", KEYMAP_FN(KEY_HOME)},
    {"End", KEYMAP_FN(KEY_END)},
    {"PgUp", KEYMAP_FN(KEY_PPAGE)},
    {"PgDn", KEYMAP_FN(KEY_NPAGE)},
};

bool keymap_key_parse(const char *name, size_t len, int *key)
{
    if (len == 1 && name[0] > ' ' && name[0] < 0x7f) {
        *key = (unsigned char)name[0];
        return true;
    }
    for (size_t i = 0; i < sizeof(keymap_names) / sizeof(*keymap_names); i++)
        if (strlen(keymap_names[i].name) == len && strncmp(keymap_names[i].name, name, len) == 0) {
            *key = keymap_names[i].key;
            return true;
        }
    if (len == 3 && name[0] == 'C' && name[1] == '-') {
        char c = name[2];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        /* C-h, C-i, C-m and C-[ are Backspace, Tab, Enter and Esc */
        if (c >= 'a' && c <= 'z' && c != 'h' && c != 'i' && c != 'm') {
            *key = c - 'a' + 1;
            return true;
        }
        if (c == '\\' || c == ']' || c == '^' || c == '_') {
            *key = c & 0x1f;
            return true;
        }
        return false;
    }
    if ((len == 2 || len == 3) && name[0] == 'F') {
        int n = name[1] - '0';
        if (n < 1 || n > 9 || (len == 3 && (name[2] < '0' || name[2] > '9')))
            return false;
        if (len == 3)
            n = n * 10 + (name[2] - '0');
        if (n < 1 || n > 12)
            return false;
        *key = KEYMAP_FN(KEY_F(n));
        return true;
    }
    return false;
}

void keymap_key_name(int key, char *out, size_t n)
{
    for (size_t i = 0; i < sizeof(keymap_names) / sizeof(*keymap_names); i++)
        if (keymap_names[i].key == key) {
            snprintf(out, n, "%s", keymap_names[i].name);
            return;
        }
    if (key > ' ' && key < 0x7f) {
        snprintf(out, n, "%c", key);
        return;
    }
    if (key >= 1 && key < 0x20) {
        snprintf(out, n, "C-%c", key < 27 ? 'a' + key - 1 : "\\]^_"[key - 28]);
        return;
    }
    for (int f = 1; f <= 12; f++)
        if (key == KEYMAP_FN(KEY_F(f))) {
            snprintf(out, n, "F%d", f);
            return;
        }
    snprintf(out, n, "?");
}

int keymap_normalize(int key)
{
    if (key == '\n' || key == KEYMAP_FN(KEY_ENTER))
        return KEYMAP_ENTER;
    if (key == 127 || key == 8)
        return KEYMAP_FN(KEY_BACKSPACE);
    return key;
}

/* Parse "j Down" into keys; false with err for a bad name. */
static bool keymap_parse_keys(const char *text, int *keys, size_t *nkeys, char *err, size_t errlen)
{
    *nkeys = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        /* a ',' on its own is the comma key */
        if (*e == ',')
            e++;
        while (*e && *e != ' ' && *e != '\t' && !(*e == ',' && e > p))
            e++;
        size_t len = (size_t)(e - p);
        int k;
        if (len == 4 && strncmp(p, "none", 4) == 0 && *nkeys == 0) {
            p = e;
            continue;
        }
        if (!keymap_key_parse(p, len, &k)) {
            snprintf(err, errlen,
                     "'%.*s' is not a key name (j, G, C-s, Enter, Esc, Tab, S-Tab, Space, "
                     "Backspace, Del, Up, Down, Left, Right, Home, End, PgUp, PgDn, F1...F12)",
                     (int)(len > 40 ? 40 : len), p);
            return false;
        }
        if (*nkeys >= KEYMAP_MAX_KEYS) {
            snprintf(err, errlen, "at most %d keys per request", KEYMAP_MAX_KEYS);
            return false;
        }
        bool dup = false;
        for (size_t i = 0; i < *nkeys; i++)
            dup = dup || keys[i] == k;
        if (!dup)
            keys[(*nkeys)++] = k;
        p = e;
    }
    return true;
}

static void keymap_err(char *errs, size_t errs_len, const char *fmt, const char *a, const char *b,
                       const char *c)
{
    if (!errs || !errs_len)
        return;
    size_t used = strnlen(errs, errs_len);
    if (used + 1 >= errs_len)
        return;
    snprintf(errs + used, errs_len - used, fmt, a, b, c);
}

int keymap_init(struct keymap *km, const struct keymap_entry *entries, size_t n,
                const struct keymap_screen *screens, size_t nscreens, char *errs, size_t errs_len)
{
    memset(km, 0, sizeof(*km));
    km->entries = entries;
    km->n = n;
    km->screens = screens;
    km->nscreens = nscreens;
    km->keys = mem_xcalloc(n ? n : 1, sizeof(*km->keys));
    km->nkeys = mem_xcalloc(n ? n : 1, sizeof(*km->nkeys));
    if (errs && errs_len)
        errs[0] = '\0';
    int problems = 0;
    for (size_t i = 0; i < n; i++) {
        char err[256];
        if (!keymap_parse_keys(entries[i].keys, km->keys[i], &km->nkeys[i], err, sizeof(err))) {
            keymap_err(errs, errs_len, "request '%s': %s%s\n", entries[i].name, err, "");
            problems++;
        }
    }
    return problems;
}

int keymap_init_default(struct keymap *km, char *errs, size_t errs_len)
{
    return keymap_init(km, keymap_entries, keymap_nentries, keymap_screens, keymap_nscreens, errs,
                       errs_len);
}

void keymap_free(struct keymap *km)
{
    free(km->keys);
    free(km->nkeys);
    memset(km, 0, sizeof(*km));
}

int keymap_bind(struct keymap *km, const char *name, const char *keys, char *err, size_t errlen)
{
    for (size_t i = 0; i < km->n; i++) {
        if (strcmp(km->entries[i].name, name) != 0)
            continue;
        int k[KEYMAP_MAX_KEYS];
        size_t nk;
        if (!keymap_parse_keys(keys, k, &nk, err, errlen))
            return -1;
        memcpy(km->keys[i], k, sizeof(k));
        km->nkeys[i] = nk;
        return 0;
    }
    /* name the requests there are, so a typo is easy to fix */
    struct buf b;
    buf_init(&b, 4096);
    for (size_t i = 0; i < km->n; i++)
        buf_printf(&b, "%s%s", i ? " " : "", km->entries[i].name);
    snprintf(err, errlen, "unknown request '%s' (requests: %s)", name, buf_str(&b));
    buf_free(&b);
    return -1;
}

int keymap_load(struct keymap *km, const struct config *c, char *errs, size_t errs_len)
{
    struct buf b;
    buf_init(&b, 64 * 1024);
    char e[4096];
    int bad = keymap_init_default(km, e, sizeof(e));
    if (bad)
        buf_printf(&b, "the built-in keymap: %s", e);
    const char *path = c && c->path ? c->path : "config";
    for (size_t i = 0; c && i < c->nkeys; i++) {
        if (keymap_bind(km, c->keys[i].name, c->keys[i].keys, e, sizeof(e)) != 0) {
            buf_printf(&b, "%s:%d: [keys] %s\n", path, c->keys[i].line, e);
            bad++;
        }
    }
    int clashes = keymap_check(km, e, sizeof(e));
    if (clashes) {
        /* name the lines that made them */
        const char *p = e;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            buf_printf(&b, "%s: [keys] %.*s\n", path, (int)n, p);
            p += n + (nl ? 1 : 0);
        }
        bad += clashes;
    }
    if (errs && errs_len)
        snprintf(errs, errs_len, "%s", buf_str(&b));
    buf_free(&b);
    return bad;
}

/* Is word in the space-separated list? */
static bool keymap_word_in(const char *list, const char *word)
{
    size_t wl = strlen(word);
    const char *p = list;
    while (p && *p) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == wl && strncmp(p, word, l) == 0)
            return true;
        p = e;
    }
    return false;
}

const struct keymap_screen *keymap_screen_find(const struct keymap *km, const char *screen)
{
    for (size_t i = 0; i < km->nscreens; i++)
        if (strcmp(km->screens[i].name, screen) == 0)
            return &km->screens[i];
    return NULL;
}

static bool keymap_scope_on(const struct keymap_screen *sc, const char *scope)
{
    return strcmp(scope, "global") == 0 || (sc && keymap_word_in(sc->scopes, scope));
}

bool keymap_applies(const struct keymap *km, size_t entry, const char *screen)
{
    if (entry >= km->n)
        return false;
    return keymap_scope_on(keymap_screen_find(km, screen), km->entries[entry].scope);
}

int keymap_check(const struct keymap *km, char *errs, size_t errs_len)
{
    if (errs && errs_len)
        errs[0] = '\0';
    int problems = 0;
    for (size_t i = 0; i < km->n; i++)
        for (size_t j = i + 1; j < km->n; j++)
            for (size_t a = 0; a < km->nkeys[i]; a++)
                for (size_t b = 0; b < km->nkeys[j]; b++) {
                    if (km->keys[i][a] != km->keys[j][b])
                        continue;
                    /* a clash only where both apply: some screen has both */
                    for (size_t s = 0; s < km->nscreens; s++) {
                        const struct keymap_screen *sc = &km->screens[s];
                        if (!keymap_scope_on(sc, km->entries[i].scope) ||
                            !keymap_scope_on(sc, km->entries[j].scope))
                            continue;
                        char kn[32], pair[160];
                        keymap_key_name(km->keys[i][a], kn, sizeof(kn));
                        snprintf(pair, sizeof(pair), "'%s' and '%s'", km->entries[i].name,
                                 km->entries[j].name);
                        keymap_err(errs, errs_len, "key '%s' is bound to both %s on screen %s\n",
                                   kn, pair, sc->name);
                        problems++;
                        break;
                    }
                }
    return problems;
}

const struct keymap_entry *keymap_entry_for(const struct keymap *km, int req, size_t *index)
{
    for (size_t i = 0; i < km->n; i++)
        if (km->entries[i].req == req) {
            if (index)
                *index = i;
            return &km->entries[i];
        }
    return NULL;
}

int keymap_lookup(const struct keymap *km, const char *screen, int key)
{
    const struct keymap_screen *sc = keymap_screen_find(km, screen);
    int global = REQ_NONE;
    for (size_t i = 0; i < km->n; i++)
        for (size_t k = 0; k < km->nkeys[i]; k++) {
            if (km->keys[i][k] != key)
                continue;
            if (strcmp(km->entries[i].scope, "global") == 0)
                global = km->entries[i].req;
            else if (keymap_scope_on(sc, km->entries[i].scope))
                return km->entries[i].req; /* a screen's own keys first */
        }
    return global;
}

void keymap_keys_text(const struct keymap *km, size_t entry, const char *sep, char *out, size_t n)
{
    size_t used = 0;
    if (n)
        out[0] = '\0';
    for (size_t k = 0; entry < km->n && k < km->nkeys[entry] && used < n; k++) {
        char kn[32];
        keymap_key_name(km->keys[entry][k], kn, sizeof(kn));
        int w = snprintf(out + used, n - used, "%s%s", k ? sep : "", kn);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

void keymap_hints(const struct keymap *km, const char *screen, bool read_only, char *out, size_t n)
{
    size_t used = 0;
    if (n)
        out[0] = '\0';
    /* the screen's own hints first, the global ones (help, :, quit) last */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < km->n && used < n; i++) {
            const struct keymap_entry *e = &km->entries[i];
            bool global = strcmp(e->scope, "global") == 0;
            if (!(e->flags & KEYMAP_HINT) || global != (pass == 1) || km->nkeys[i] == 0 ||
                !keymap_applies(km, i, screen) || (read_only && (e->flags & KEYMAP_WRITE)))
                continue;
            char kn[32];
            keymap_key_name(km->keys[i][0], kn, sizeof(kn));
            int w = snprintf(out + used, n - used, "%s%s %s", used ? "  " : "", kn, e->name);
            if (w < 0)
                break;
            used += (size_t)w;
        }
}

json_t *keymap_json(const struct keymap *km)
{
    json_t *o = json_object(), *screens = json_array(), *reqs = json_array();
    for (size_t s = 0; s < km->nscreens; s++) {
        const struct keymap_screen *sc = &km->screens[s];
        json_t *scopes = json_array();
        json_array_append_new(scopes, json_string("global"));
        const char *p = sc->scopes;
        while (p && *p) {
            while (*p == ' ')
                p++;
            const char *e = strchr(p, ' ');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (l)
                json_array_append_new(scopes, json_stringn(p, l));
            p = e;
        }
        json_t *so = json_object();
        json_object_set_new(so, "name", json_string(sc->name));
        json_object_set_new(so, "scopes", scopes);
        json_object_set_new(so, "command", json_string(sc->command));
        json_object_set_new(so, "summary", json_string(sc->summary));
        json_array_append_new(screens, so);
    }
    for (size_t i = 0; i < km->n; i++) {
        const struct keymap_entry *e = &km->entries[i];
        json_t *keys = json_array(), *defs = json_array();
        for (size_t k = 0; k < km->nkeys[i]; k++) {
            char kn[32];
            keymap_key_name(km->keys[i][k], kn, sizeof(kn));
            json_array_append_new(keys, json_string(kn));
        }
        int dk[KEYMAP_MAX_KEYS];
        size_t ndk = 0;
        char err[256];
        if (keymap_parse_keys(e->keys, dk, &ndk, err, sizeof(err)))
            for (size_t k = 0; k < ndk; k++) {
                char kn[32];
                keymap_key_name(dk[k], kn, sizeof(kn));
                json_array_append_new(defs, json_string(kn));
            }
        json_t *ro = json_object();
        json_object_set_new(ro, "name", json_string(e->name));
        json_object_set_new(ro, "keys", keys);
        json_object_set_new(ro, "defaults", defs);
        json_object_set_new(ro, "scope", json_string(e->scope));
        json_object_set_new(ro, "write", json_boolean(e->flags & KEYMAP_WRITE));
        json_object_set_new(ro, "hint", json_boolean(e->flags & KEYMAP_HINT));
        json_object_set_new(ro, "help", json_string(e->help));
        json_array_append_new(reqs, ro);
    }
    json_object_set_new(o, "screens", screens);
    json_object_set_new(o, "requests", reqs);
    return o;
}

/* roff-escape text: backslashes, and a leading '.' or '\''. */
static void keymap_roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

void keymap_man(const struct keymap *km, FILE *f)
{
    fputs(".SS Screens\n"
          "Every screen takes the global keys and those of its scopes (below).\n",
          f);
    for (size_t s = 0; s < km->nscreens; s++) {
        const struct keymap_screen *sc = &km->screens[s];
        fputs(".TP\n.B ", f);
        keymap_roff(f, sc->name);
        if (sc->command[0]) {
            fputs(" \\fR(\\fB", f);
            keymap_roff(f, sc->command);
            fputs("\\fR)", f);
        }
        fputc('\n', f);
        keymap_roff(f, sc->summary);
        fputs(".\nScopes: global", f);
        const char *p = sc->scopes;
        while (p && *p) {
            while (*p == ' ')
                p++;
            const char *e = strchr(p, ' ');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (l)
                fprintf(f, ", %.*s", (int)l, p);
            p = e;
        }
        fputs(".\n", f);
    }
    fputs(".SS Keys\n"
          "Each line: the keys, the request name (what\n"
          ".B [keys]\n"
          "rebinds), its scope and what it does.\n"
          "Requests marked\n"
          ".B write\n"
          "are hidden and refused in read-only sessions.\n",
          f);
    for (size_t i = 0; i < km->n; i++) {
        const struct keymap_entry *e = &km->entries[i];
        fputs(".TP\n", f);
        if (km->nkeys[i] == 0) {
            fputs("(no key)", f);
        } else {
            for (size_t k = 0; k < km->nkeys[i]; k++) {
                char kn[32];
                keymap_key_name(km->keys[i][k], kn, sizeof(kn));
                fputs(k ? "\\fR, \\fB" : "\\fB", f);
                keymap_roff(f, kn);
            }
            fputs("\\fR", f);
        }
        fputs("\n\\fB", f);
        keymap_roff(f, e->name);
        fputs("\\fR (", f);
        keymap_roff(f, e->scope);
        fputs((e->flags & KEYMAP_WRITE) ? ", write): " : "): ", f);
        keymap_roff(f, e->help);
        fputs(".\n", f);
    }
}

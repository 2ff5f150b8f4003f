/* keymap.h - the console's one keymap table (tig's request list, tmux's
 * key tables).
 *
 * Every key the console answers is a request in KEYMAP_REQUESTS: its name
 * (what `[keys]` in the config file rebinds), its default keys, the scope
 * it belongs to, flags and a one-line help. Every screen is a line in
 * KEYMAP_SCREENS naming the scopes it takes keys from ("global" is
 * implied). From these two lists come the key dispatch (keymap_lookup),
 * the `?` help screen, the status-line hints, `elcui keys [--json|--man]`
 * (the KEYS and SCREENS sections of elcui(1) are its --man output) and the
 * clash check run on the defaults and after every rebinding.
 *
 * Adding a screen: one line in KEYMAP_SCREENS, its requests in
 * KEYMAP_REQUESTS (REQ_ ids are generated), one `:` command in cmdline.c,
 * and its file in tui/screen/.
 *
 * Keys are ints: a character is its code point, a curses function key is
 * KEYMAP_FN(KEY_x). Names in the usual notation: "j", "G", "/", "Space",
 * "C-s", "Enter", "Esc", "Tab", "S-Tab", "Backspace", "Del", "Ins", "Up",
 * "Down", "Left", "Right", "Home", "End", "PgUp", "PgDn", "F1".."F12".
 * Only ASCII characters can be bound; C-h, C-i, C-m and C-[ are
 * Backspace, Tab, Enter and Esc and must be written so.
 */
#ifndef ELCUI_TUI_KEYMAP_H
#define ELCUI_TUI_KEYMAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define KEYMAP_FN_BASE 0x200000
#define KEYMAP_FN(k) (KEYMAP_FN_BASE + (k))
#define KEYMAP_MAX_KEYS 6
#define KEYMAP_ESC 27
#define KEYMAP_ENTER '\r'
#define KEYMAP_TAB '\t'

/* Entry flags. */
enum {
    KEYMAP_HINT = 1,  /* shown in the status line */
    KEYMAP_WRITE = 2, /* changes something: hidden and refused when read-only */
};

/* clang-format off */
/* X(ID, name, default keys, scope, flags, help) */
#define KEYMAP_REQUESTS(X)                                                                         \
    X(REQ_QUIT, "quit", "q", "global", KEYMAP_HINT, "quit elcui")                                  \
    X(REQ_HELP, "help", "? F1", "global", KEYMAP_HINT, "the keys of this screen and the : commands") \
    X(REQ_COMMAND, "command", ":", "global", KEYMAP_HINT, "command line (:groups, :group NAME...; Tab completes)") \
    X(REQ_BACK, "back", "Esc", "global", 0, "back: clear the filter, else close the dialog or screen") \
    X(REQ_PREVIOUS, "previous", "-", "global", 0, "the previous screen again (as k9s's -)")        \
    X(REQ_REDRAW, "redraw", "C-l", "global", 0, "redraw the whole terminal")                        \
    X(REQ_DOWN, "down", "j Down", "list", 0, "next row")                                            \
    X(REQ_UP, "up", "k Up", "list", 0, "previous row")                                              \
    X(REQ_PAGE_DOWN, "page-down", "PgDn C-f Space", "list", 0, "one page down")                     \
    X(REQ_PAGE_UP, "page-up", "PgUp C-b", "list", 0, "one page up")                                 \
    X(REQ_FIRST, "first", "g Home", "list", 0, "first row")                                         \
    X(REQ_LAST, "last", "G End", "list", 0, "last row")                                             \
    X(REQ_SCROLL_LEFT, "scroll-left", "Left h", "list", 0, "scroll left (wide tables, long lines)") \
    X(REQ_SCROLL_RIGHT, "scroll-right", "Right l", "list", 0, "scroll right")                       \
    X(REQ_FILTER, "filter", "/", "list", KEYMAP_HINT, "filter rows: text, or ~regex; Enter keeps it, Esc drops it (log panel: search)") \
    X(REQ_SORT, "sort", "s", "table", KEYMAP_HINT, "sort by the next column")                       \
    X(REQ_SORT_REVERSE, "sort-reverse", "S", "table", 0, "reverse the sort order")                  \
    X(REQ_OPEN, "open", "Enter", "open", KEYMAP_HINT, "open the selected row")                      \
    X(REQ_REFRESH, "refresh", "r", "data", KEYMAP_HINT, "refresh now (it also refreshes on its own)") \
    X(REQ_NEXT_PANEL, "next-panel", "Tab", "panels", KEYMAP_HINT, "next panel of the screen")       \
    X(REQ_PREV_PANEL, "prev-panel", "S-Tab", "panels", 0, "previous panel of the screen")           \
    X(REQ_CONTEXT, "context", "i", "groups", KEYMAP_HINT, "where every setting comes from (:context)") \
    X(REQ_CONFIRM, "confirm", "Enter", "dialog", KEYMAP_HINT, "confirm (after typing what the dialog asks)") \
    X(REQ_EVENTS, "events", "e", "inspect", KEYMAP_HINT, "the group's failover timeline: events and role changes per shard (:events)") \
    X(REQ_METRICS, "metrics", "m", "inspect", KEYMAP_HINT, "the group's nodes with sparklines of their metrics (:metrics)") \
    X(REQ_AUDIT, "audit", "a", "inspect", KEYMAP_HINT, "the group's audit findings by severity (:audit)") \
    X(REQ_KEY_POLICY, "key-policy", "K", "inspect", 0, "the group's KMS keys, their policies and its log groups (:keys)") \
    X(REQ_SNAPSHOT, "snapshot", "x", "inspect", 0, "write an incident snapshot of the group to files (:snapshot)") \
    X(REQ_FAILOVER, "failover", "F", "placement", KEYMAP_HINT | KEYMAP_WRITE, "test a shard's failover: pick it, type its id, watch it") \
    X(REQ_WINDOW_1H, "window-1h", "1", "window", 0, "show the last hour") \
    X(REQ_WINDOW_3H, "window-3h", "2", "window", 0, "show the last 3 hours") \
    X(REQ_WINDOW_12H, "window-12h", "3", "window", 0, "show the last 12 hours") \
    X(REQ_WINDOW_24H, "window-24h", "4", "window", 0, "show the last 24 hours") \
    X(REQ_CREATE, "create", "c", "groups", KEYMAP_HINT, "the create wizard: a new stack planned, reviewed, applied (:create)") \
    X(REQ_DESTROY, "destroy", "D", "stack", KEYMAP_HINT | KEYMAP_WRITE, "destroy the stack elcui made around this group: what goes, type its name (:destroy)") \
    X(REQ_WIZ_NEXT_PAGE, "next-page", "C-n", "pages", KEYMAP_HINT, "the next page (refused while this one has an error)") \
    X(REQ_WIZ_PREV_PAGE, "prev-page", "C-p", "pages", KEYMAP_HINT, "the previous page (what was typed stays)") \
    X(REQ_WIZ_NEXT_FIELD, "next-field", "Tab Down", "fields", 0, "the next field; scrolls a plan, progress or summary") \
    X(REQ_WIZ_PREV_FIELD, "prev-field", "S-Tab Up", "fields", 0, "the previous field; scrolls back") \
    X(REQ_WIZ_SCROLL_DOWN, "scroll-down", "PgDn", "progress", 0, "one page further down") \
    X(REQ_WIZ_SCROLL_UP, "scroll-up", "PgUp", "progress", 0, "one page further up") \
    X(REQ_WIZ_EXPORT, "export", "x", "pages", KEYMAP_HINT, "review: export the plan as Terraform, aws CLI commands or a spec file") \
    X(REQ_WIZ_RETRY, "retry", "r", "progress", KEYMAP_HINT | KEYMAP_WRITE, "plan again and go on after a failure or a stop (nothing is made twice)") \
    X(REQ_WIZ_CHOICE_NEXT, "choice-next", "Right", "choice", 0, "the next option of a choice; the next subnet of a list") \
    X(REQ_WIZ_CHOICE_PREV, "choice-prev", "Left", "choice", 0, "the previous option of a choice; the previous subnet") \
    X(REQ_WIZ_TOGGLE, "toggle", "Space", "choice", 0, "switch yes/no; pick or drop the subnet under the cursor") \
    X(REQ_CONSOLE, "console", "C", "redis", 0, "the command panel on the group (from the nodes panel: on the selected node)") \
    X(REQ_LATENCY, "latency", "P", "redis", 0, "latency per node: min/avg/max/p99 per interval, with sparklines") \
    X(REQ_DOCTOR, "doctor", "d", "redis", 0, "the connectivity doctor: DNS, TCP, TLS, AUTH, slots, PING per node") \
    X(REQ_TARGET, "target", "F2", "console", KEYMAP_HINT, "pick the target: slot-routed, primaries, replicas, all, a shard, an AZ, a node") \
    X(REQ_OLDER, "older", "PgUp", "console", 0, "scroll the replies back") \
    X(REQ_NEWER, "newer", "PgDn", "console", 0, "scroll the replies forward") \
    X(REQ_PAUSE, "pause", "s", "stream", KEYMAP_HINT, "pause the view (messages are still received and counted) or resume it") \
    X(REQ_LOGS, "logs", "L", "tail", 0, "the group's slow and engine log, live (:logs); from the nodes panel: the node's") \
    X(REQ_LOG_FOLLOW, "follow", "s", "logs", KEYMAP_HINT, "follow new records, or pause (records still arrive: +N new)") \
    X(REQ_LOG_EXPAND, "expand", "e Enter", "logs", KEYMAP_HINT, "the selected record in full, every field, as pretty JSON") \
    X(REQ_LOG_FILTERS, "filters", "f", "logs", KEYMAP_HINT, "filters: node, shard, role, AZ, level, minimum duration, command, client") \
    X(REQ_LOG_SUMMARY, "summary", "t", "logs", KEYMAP_HINT, "the slow-log summary by command over the window shown") \
    X(REQ_LOG_SAVE, "save", "C-s", "logs", KEYMAP_HINT, "save the rows shown (text or JSON lines) in $XDG_STATE_HOME/elcui/, 0600") \
    X(REQ_LOG_PAGER, "pager", "o", "logs", 0, "open the saved file in $PAGER (saved as text first when it is not)") \
    X(REQ_LOG_NEXT, "search-next", "n", "logs", 0, "the next row the search finds") \
    X(REQ_LOG_PREV, "search-prev", "N", "logs", 0, "the previous row the search finds") \
    X(REQ_LOG_STREAMS, "streams", "v", "logs", 0, "slow log and engine log merged in time order, the slow log, or the engine log") \
    X(REQ_LOG_WRAP, "wrap", "w", "logs", 0, "wrap long messages") \
    X(REQ_LOG_ZONE, "time-zone", "z", "logs", 0, "times in UTC or in local time (the heading says which)") \
    X(REQ_LOG_WIN_TAIL, "window-tail", "0", "logs", 0, "read from 30 seconds ago, then follow (the range is read again, each record once)") \
    X(REQ_LOG_WIN_1M, "window-1m", "1", "logs", 0, "read the last minute, then follow") \
    X(REQ_LOG_WIN_5M, "window-5m", "2", "logs", 0, "read the last 5 minutes, then follow") \
    X(REQ_LOG_WIN_15M, "window-15m", "3", "logs", 0, "read the last 15 minutes, then follow") \
    X(REQ_LOG_WIN_30M, "window-30m", "4", "logs", 0, "read the last 30 minutes, then follow") \
    X(REQ_LOG_WIN_1H, "window-1h", "5", "logs", 0, "read the last hour, then follow") \
    X(REQ_LOG_WIN_3H, "window-3h", "6", "logs", 0, "read the last 3 hours, then follow") \
    X(REQ_LOG_BY_NODE, "by-node", "p", "logsum", KEYMAP_HINT, "a row per command, or per command and node") \
    X(REQ_LOG_RECORDS, "records", "t", "logsum", KEYMAP_HINT, "back to the records")


/* X(name, scopes besides "global", `:` command, what it shows) */
#define KEYMAP_SCREENS(X)                                                                          \
    X("groups", "list table open data groups inspect redis tail", ":groups", "the region's replication groups, refreshed in the background") \
    X("group", "list table data panels inspect placement stack redis tail", ":group NAME", "one group: facts, log delivery, the shards x AZs placement with its risks, and its nodes (:nodes)") \
    X("events", "list table data window inspect", ":events [NAME]", "a group's failover timeline: service events and observed role changes, shard by shard") \
    X("metrics", "list table data window inspect", ":metrics [NAME]", "a group's nodes with sparklines, min/avg/max and the latest value of eight metrics, sortable by any") \
    X("audit", "list table open data inspect", ":audit [NAME]", "a group's audit findings by severity, with Checkov and Security Hub ids and the fix") \
    X("finding", "list", "", "one audit finding in full") \
    X("keys", "list data inspect", ":keys [NAME]", "a group's KMS keys, their policy statements, whether CloudWatch Logs may use them for exactly its log groups, and the log groups") \
    X("snapshot", "list inspect", ":snapshot [NAME]", "an incident snapshot of a group written to files (Markdown and JSON), and where") \
    X("failover", "list dialog", "", "pick a shard and type its id to test its failover; its progress, live") \
    X("logs", "list logs", ":logs [NAME]", "a group's slow log and engine log, live, each record once, labelled by shard, role and AZ, filtered, searched and saved; GAP rows where a range could not be read") \
    X("log-summary", "list table logsum", "", "the slow log of the panel by command (or command and node): count, p50, p99, max, total time, top clients, nodes; live") \
    X("log-record", "list", "", "one log record in full, every field, as pretty JSON") \
    X("log-filters", "dialog", "", "the log panel's filters: Up/Down or Tab between fields, C-n/C-p the values seen, Enter applies, Esc leaves") \
    X("context", "list", ":context", "where every setting comes from: profile, region, credentials, endpoints, files") \
    X("messages", "list", ":messages", "every message and error of the session, in full") \
    X("help", "list", ":help", "the keys of the screen below and the : commands") \
    X("confirm", "dialog", "", "a dialog that asks to type a name before a change") \
    X("wizard", "pages fields choice progress open", ":create", "the create wizard: account, name and sizing, network, security, logs, best practices, review, apply, summary") \
    X("export", "dialog fields choice", "", "export the reviewed plan as Terraform, aws CLI commands or a spec file") \
    X("destroy", "dialog fields progress", ":destroy NAME", "what the destroy of a stack deletes, in order, and what it leaves; type the name; progress") \
    X("console", "console", ":console [NAME]", "Redis commands to the group: a target always in sight (F2), completion and hints, replies labelled with their node and redirects; Esc cancels, : and ? on an empty line") \
    X("target", "list open", ":target SPEC", "the console's targets to pick from: slot-routed, all primaries, all replicas, all nodes, each shard's primary or replicas, each AZ, each node") \
    X("stream", "list stream", "", "a message stream of the console (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, MONITOR): messages with their time, their count and rate; Esc ends it on the server") \
    X("latency", "list table data", ":latency [NAME]", "latency per node: each node's last window (min/avg/max/p99, wall-clock stamp) with a sparkline, sortable, and the selected node's windows") \
    X("doctor", "list table data", ":doctor [NAME]", "the connectivity doctor drawn as it runs: DNS, TCP, TLS, AUTH, PING per endpoint, the slots, the verdict and the usual cause")
/* clang-format on */

#define KEYMAP_REQ_ID(id, name, keys, scope, flags, help) id,
enum keymap_request { REQ_NONE = -1, KEYMAP_REQUESTS(KEYMAP_REQ_ID) REQ_COUNT };
#undef KEYMAP_REQ_ID

struct keymap_entry {
    int req;
    const char *name;
    const char *keys; /* default keys, space-separated names */
    const char *scope;
    unsigned flags;
    const char *help;
};

struct keymap_screen {
    const char *name;
    const char *scopes;
    const char *command;
    const char *summary;
};

struct keymap {
    const struct keymap_entry *entries;
    size_t n;
    const struct keymap_screen *screens;
    size_t nscreens;
    int (*keys)[KEYMAP_MAX_KEYS]; /* current binding of each entry */
    size_t *nkeys;
};

/* The built-in tables. */
extern const struct keymap_entry keymap_entries[];
extern const size_t keymap_nentries;
extern const struct keymap_screen keymap_screens[];
extern const size_t keymap_nscreens;

/* Parse a key name; false when it is not one. */
bool keymap_key_parse(const char *name, size_t len, int *key);
/* Name of a key ("C-s", "PgDn", "j"); "?" for what has no name. */
void keymap_key_name(int key, char *out, size_t n);
/* Keys read from the terminal into the keymap's space: Enter is '\r',
 * Backspace KEYMAP_FN(KEY_BACKSPACE) whatever the terminal sent. */
int keymap_normalize(int key);

/* A keymap over tables (the built-in ones: keymap_init_default). Problems
 * with the tables' default keys are appended to errs ("...\n"); returns
 * how many. */
int keymap_init(struct keymap *km, const struct keymap_entry *entries, size_t n,
                const struct keymap_screen *screens, size_t nscreens, char *errs, size_t errs_len);
int keymap_init_default(struct keymap *km, char *errs, size_t errs_len);
void keymap_free(struct keymap *km);

struct config;
/* The built-in keymap with the config file's [keys] over it (c may be
 * NULL), checked for clashes. Every problem goes to errs, one line each
 * ("FILE:LINE: [keys] ..."); returns how many (the console refuses to
 * start on any). */
int keymap_load(struct keymap *km, const struct config *c, char *errs, size_t errs_len);

/* Rebind request name to keys ("j Down"; "" or "none" unbinds). -1 with
 * the reason in err for an unknown name or a bad key name. */
int keymap_bind(struct keymap *km, const char *name, const char *keys, char *err, size_t errlen);
/* Every key bound twice on some screen, one line each in errs ("key 'j'
 * is both 'down' and 'x' on screen groups\n"); returns how many. */
int keymap_check(const struct keymap *km, char *errs, size_t errs_len);

/* Index of the entry for a request (entries need not be in id order). */
const struct keymap_entry *keymap_entry_for(const struct keymap *km, int req, size_t *index);
const struct keymap_screen *keymap_screen_find(const struct keymap *km, const char *screen);
/* Does the entry apply on the screen ("global" always does)? */
bool keymap_applies(const struct keymap *km, size_t entry, const char *screen);
/* The request a key means on a screen, or REQ_NONE. */
int keymap_lookup(const struct keymap *km, const char *screen, int key);
/* "j/Down" (the current keys joined by '/'; "" when unbound). */
void keymap_keys_text(const struct keymap *km, size_t entry, const char *sep, char *out, size_t n);
/* Status-line hints for a screen: "Enter open  / filter  ? help..." of the
 * KEYMAP_HINT entries that apply (write entries left out when read_only). */
void keymap_hints(const struct keymap *km, const char *screen, bool read_only, char *out, size_t n);

/* {"screens": [{name, scopes, command, summary}],
 *  "requests": [{name, keys, defaults, scope, write, help}]} */
json_t *keymap_json(const struct keymap *km);
/* The SCREENS and KEYS sections of elcui(1) (roff), from the defaults. */
void keymap_man(const struct keymap *km, FILE *f);

#endif

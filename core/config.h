/* config.h - elcui's own configuration file,
 * $XDG_CONFIG_HOME/elcui/config (~/.config/elcui/config), INI:
 *
 *     [console]
 *     theme = midnight
 *     read_only = true          ; start every session read-only
 *     refresh = 10              ; seconds between inventory refreshes
 *     [redis]
 *     cacert = /etc/ssl/private-ca.pem
 *     connect_to = clustercfg.app-4.x.use2.cache.amazonaws.com:6379:127.0.0.1:16379
 *     resolve = *.use2.cache.amazonaws.com:*:@/home/me/.config/elcui/hosts
 *     [logs]
 *     ring_size = 100000
 *     rate = 4                  ; FilterLogEvents requests per second, all tails
 *     warn_ms = 10              ; slow-log durations from here are a warning...
 *     error_ms = 100            ; ...and from here an error (the log panel's colours)
 *     source = auto             ; the log panel follows through StartLiveTail when
 *                               ; allowed (auto), only (live), or polls only (poll)
 *     [environments]
 *     prod = PRODUCTION, red    ; profile (or account id) = label, colour
 *     [keys]
 *     down = j Down             ; a console request = its keys (tui/keymap.h)
 *
 * connect_to and resolve lines are --connect-to and --resolve rules
 * (core/redis/rconn.h), checked as the command line checks them; they come
 * after the command line's rules and those of $ELCUI_CONNECT_TO and
 * $ELCUI_RESOLVE (config_load_env), and the first matching rule wins.
 *
 * Command-line options win over the file. Unknown keys and bad values are
 * reported with their line and otherwise ignored; the file never stops
 * elcui from starting. The one exception is [keys], which this file only
 * collects: the console checks the names and keys against its keymap and
 * refuses to start on an unknown name, a bad key or a clash.
 */
#ifndef ELCUI_CORE_CONFIG_H
#define ELCUI_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/logs/tail.h"
#include "core/session.h"

#define CONFIG_MAX_CONNECT_TO 32
#define CONFIG_MAX_ENVS 32

struct config_env {
    char *match;  /* profile name or 12-digit account id */
    char *label;  /* shown in the console header */
    char *colour; /* a theme colour name: red, yellow, colour208... */
};

/* One line of [keys]: request name = keys, as written. */
struct config_key {
    char *name;
    char *keys;
    int line;
};

struct config {
    char *path; /* where it was read from (NULL: defaults only) */
    char *theme;
    int read_only; /* -1 unset, 0, 1 */
    int refresh_s; /* 0 unset */
    char *redis_cacert;
    char *connect_to[CONFIG_MAX_CONNECT_TO]; /* connect_to and resolve lines, in order */
    size_t nconnect_to;
    char *env_rules[CONFIG_MAX_CONNECT_TO]; /* $ELCUI_CONNECT_TO, then $ELCUI_RESOLVE */
    size_t nenv_rules;
    long ring_size;                    /* 0 unset */
    double log_rate;                   /* 0 unset */
    int64_t log_warn_us, log_error_us; /* [logs] warn_ms, error_ms; 0 unset */
    enum tail_source_mode log_source;  /* [logs] source (AUTO when unset) */
    struct config_env envs[CONFIG_MAX_ENVS];
    size_t nenvs;
    struct config_key *keys; /* [keys], in file order */
    size_t nkeys, capkeys;
    char *read_only_source; /* "read_only in FILE:LINE" when the file turns it on */
};

void config_init(struct config *c);
void config_free(struct config *c);
/* Parse text; problems appended to errs as "LINE: message\n". Returns the
 * number of problems. */
int config_parse(struct config *c, const char *text, size_t len, char *errs, size_t errs_len);
/* Default path ($XDG_CONFIG_HOME or ~/.config)/elcui/config; caller frees;
 * NULL when neither is set. */
char *config_default_path(void);
/* Load path (NULL: the default). A missing file is not an error (0). A file
 * that cannot be read returns -1 with a message in errs. */
int config_load(struct config *c, const char *path, char *errs, size_t errs_len);
/* The rules of $ELCUI_CONNECT_TO and $ELCUI_RESOLVE (white-space separated
 * --connect-to and --resolve rules). -1 with a message in errs ("$VAR:
 * what is wrong") when one is bad: unlike the file, a variable set for
 * this run stops elcui (exit status 2), as a bad option would. */
int config_load_env(struct config *c, char *errs, size_t errs_len);
/* Fill the options the command line left unset. The strings stay owned by
 * c, which must outlive o. */
void config_apply(const struct config *c, struct session_options *o);
/* The environment entry for a profile or account, or NULL. */
const struct config_env *config_env_for(const struct config *c, const char *profile,
                                        const char *account);

#endif

/* cmd_keys.c - `elcui keys [--json|--man] [--defaults]`. */
#include "tui/cmd/cmd_keys.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "tui/cmdline.h"
#include "tui/keymap.h"

static void cmd_keys_usage(FILE *f)
{
    fprintf(f, "usage: elcui keys [--json | --man] [--defaults]\n"
               "\n"
               "The console's keys: every request with its keys (as the config file's [keys]\n"
               "leaves them), its scope and what it does, and every screen with the scopes it\n"
               "takes keys from. A [keys] problem (an unknown request, a bad key name, a key\n"
               "bound twice on a screen) is printed with its file and line, exit status 2;\n"
               "the console does not start with one either.\n"
               "\n"
               "  --json      {\"screens\": [{name, scopes, command, summary}],\n"
               "              \"requests\": [{name, keys, defaults, scope, write, hint, help}]}\n"
               "  --man       the SCREENS and KEYS sections of elcui(1), in roff (built-in keys)\n"
               "  --defaults  the built-in keys, without the config file's [keys]\n"
               "\n"
               "Exit status: 0 ok, 2 usage or a [keys] problem.\n");
}

static const struct option cmd_keys_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"man", no_argument, NULL, 'm'},
    {"defaults", no_argument, NULL, 'd'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void cmd_keys_text(const struct keymap *km)
{
    printf("%-22s %-14s %-8s %s\n", "KEYS", "REQUEST", "SCOPE", "WHAT IT DOES");
    for (size_t i = 0; i < km->n; i++) {
        char keys[128];
        keymap_keys_text(km, i, " ", keys, sizeof(keys));
        printf("%-22s %-14s %-8s %s%s\n", keys[0] ? keys : "(none)", km->entries[i].name,
               km->entries[i].scope, km->entries[i].help,
               (km->entries[i].flags & KEYMAP_WRITE) ? " (write: refused when read-only)" : "");
    }
    printf("\n%-10s %-14s %s\n", "SCREEN", "COMMAND", "SCOPES (and global)");
    for (size_t s = 0; s < km->nscreens; s++)
        printf("%-10s %-14s %s\n", km->screens[s].name,
               km->screens[s].command[0] ? km->screens[s].command : "-", km->screens[s].scopes);
}

static void cmd_keys_roff(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

/* The `:` commands, after the keys: the same table the command line runs. */
static void cmd_keys_man_commands(void)
{
    fputs(".SS Commands\n"
          "Typed after\n"
          ".BR : ;\n"
          "Tab completes the command and its argument, Up and Down walk the history.\n",
          stdout);
    for (size_t i = 0; i < cmdline_ncmds; i++) {
        const struct cmdline_cmd *c = &cmdline_cmds[i];
        fputs(".TP\n.B :", stdout);
        cmd_keys_roff(c->name);
        if (c->args[0]) {
            fputs(" \\fI", stdout);
            cmd_keys_roff(c->args);
            fputs("\\fR", stdout);
        }
        fputs("\n", stdout);
        cmd_keys_roff(c->help);
        if (c->aliases[0]) {
            fputs(" (also ", stdout);
            for (const char *p = c->aliases; *p;) {
                const char *e = strchr(p, ' ');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                printf("%s\\fB:%.*s\\fR", p == c->aliases ? "" : ", ", (int)n, p);
                p += n + (e ? 1 : 0);
            }
            fputs(")", stdout);
        }
        fputs(".\n", stdout);
    }
}

/* What the command line asks for. */
struct cmd_keys {
    bool json, man, defaults;
};

static enum cli_opt cmd_keys_option(void *ctx, int opt, char *arg)
{
    struct cmd_keys *k = ctx;
    (void)arg;
    switch (opt) {
    case 'j':
        k->json = true;
        break;
    case 'm':
        k->man = true;
        break;
    case 'd':
        k->defaults = true;
        break;
    default:
        return CLI_OPT_UNKNOWN;
    }
    return CLI_OPT_TAKEN;
}

static int cmd_keys_run(struct session_options *opts, int argc, char **argv)
{
    struct cmd_keys k = {false, false, false};
    int prc = cli_getopt(&cmd_keys_entry, argc, argv, cmd_keys_option, &k);
    if (prc != 0)
        return cli_getopt_exit(prc);
    bool json = k.json, man = k.man, defaults = k.defaults;
    if (optind < argc)
        return cli_usage_error("keys", "unexpected argument '%s'", argv[optind]);
    if (json && man)
        return cli_usage_error("keys", "--json and --man do not go together");
    struct keymap km;
    char errs[8192];
    /* the man page documents the built-in keys, whatever the user rebound */
    int bad = keymap_load(&km, defaults || man ? NULL : opts->config, errs, sizeof(errs));
    if (bad) {
        for (const char *p = errs; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(stderr, "elcui keys: %.*s\n", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
        keymap_free(&km);
        return CLI_EXIT_USAGE;
    }
    if (json) {
        json_t *o = keymap_json(&km);
        char *t = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", t ? t : "{}");
        free(t);
        json_decref(o);
    } else if (man) {
        keymap_man(&km, stdout);
        cmd_keys_man_commands();
    } else {
        cmd_keys_text(&km);
    }
    keymap_free(&km);
    return CLI_EXIT_OK;
}

const struct cli_command cmd_keys_entry = {
    .name = "keys",
    .args = "[--json|--man]",
    .summary = "the console's keys, as [keys] leaves them",
    .run = cmd_keys_run,
    .options = cmd_keys_options,
    .shortopts = "h",
    .usage = cmd_keys_usage,
};

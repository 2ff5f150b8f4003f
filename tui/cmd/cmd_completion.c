/* cmd_completion.c - bash and zsh completion from the option tables. */
#include "tui/cmd/cmd_completion.h"

#include <stdio.h>
#include <string.h>

#include "tui/theme.h"

static const struct option cmd_completion_own_options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void cmd_completion_usage(FILE *f)
{
    fprintf(f, "usage: elcui completion bash|zsh\n"
               "\n"
               "Print a completion script for the shell: subcommands, the global options\n"
               "and each command's options (from the tables the parsers use), profiles from\n"
               "the AWS config file, themes, and files where an option takes one.\n"
               "\n"
               "  bash:  source <(elcui completion bash)   (or install it in\n"
               "         /usr/share/bash-completion/completions/elcui; make install does)\n"
               "  zsh:   elcui completion zsh > \"${fpath[1]}/_elcui\"   (make install puts it\n"
               "         in share/zsh/site-functions)\n"
               "\n"
               "Exit status: 0 ok, 2 usage.\n");
}

/* Options whose value is a file. */
static bool cmd_completion_file(const char *name)
{
    static const char *const files[] = {"config", "redis-cacert", "spec",
                                        "output", "cacert",       "token-file"};
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
        if (strcmp(name, files[i]) == 0)
            return true;
    return false;
}

static void cmd_completion_words(const struct option *o, bool with_arg_only)
{
    bool first = true;
    for (; o && o->name; o++) {
        if (with_arg_only && o->has_arg != required_argument)
            continue;
        printf("%s--%s", first ? "" : " ", o->name);
        first = false;
    }
}

static void cmd_completion_theme(void *ctx, const char *name)
{
    bool *first = ctx;
    printf("%s%s", *first ? "" : " ", name);
    *first = false;
}

static void cmd_completion_themes(void)
{
    bool first = true;
    theme_list(cmd_completion_theme, &first);
}

static void cmd_completion_files(void)
{
    const char *seen[64];
    size_t n = 0;
    printf("--config|--redis-cacert");
    for (const struct cli_command *const *cp = cli_commands, *c; (c = *cp) != NULL; cp++)
        for (const struct option *o = c->options; o && o->name; o++) {
            if (o->has_arg != required_argument || !cmd_completion_file(o->name) ||
                !strcmp(o->name, "config") || !strcmp(o->name, "redis-cacert"))
                continue;
            bool dup = false;
            for (size_t i = 0; i < n; i++)
                dup = dup || !strcmp(seen[i], o->name);
            if (dup || n >= 64)
                continue;
            seen[n++] = o->name;
            printf("|--%s", o->name);
        }
}

static const char cmd_completion_profiles[] =
    "sed -n 's/^[[:space:]]*\\[profile[[:space:]]\\{1,\\}\\([^]]*\\)\\].*/\\1/p; "
    "s/^[[:space:]]*\\[\\(default\\)\\].*/\\1/p' \"${AWS_CONFIG_FILE:-$HOME/.aws/config}\" "
    "2>/dev/null";

static void cmd_completion_bash(void)
{
    printf("# bash completion for elcui, written by `elcui completion bash` from the\n"
           "# option tables of elcui %s. Do not edit: run it again.\n"
           "_elcui() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    local commands=\"",
           ELCUI_VERSION);
    for (const struct cli_command *const *cp = cli_commands, *c; (c = *cp) != NULL; cp++)
        printf("%s%s", cp == cli_commands ? "" : " ", c->name);
    printf("\"\n    local global=\"");
    cmd_completion_words(cli_global_options, false);
    printf("\"\n    local global_arg=\" ");
    cmd_completion_words(cli_global_options, true);
    printf(" \"\n"
           "    local cmd='' i\n"
           "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "        case ${COMP_WORDS[i]} in\n"
           "        -*) [[ $global_arg == *\" ${COMP_WORDS[i]} \"* ]] && ((i++)) ;;\n"
           "        *) cmd=${COMP_WORDS[i]}; break ;;\n"
           "        esac\n"
           "    done\n"
           "    case $prev in\n"
           "    --profile) COMPREPLY=($(compgen -W \"$(%s)\" -- \"$cur\")); return ;;\n"
           "    --theme) COMPREPLY=($(compgen -W \"",
           cmd_completion_profiles);
    cmd_completion_themes();
    printf("\" -- \"$cur\")); return ;;\n    ");
    cmd_completion_files();
    printf(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
           "    esac\n"
           "    if [[ -z $cmd ]]; then\n"
           "        if [[ $cur == -* ]]; then\n"
           "            COMPREPLY=($(compgen -W \"$global\" -- \"$cur\"))\n"
           "        else\n"
           "            COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
           "        fi\n"
           "        return\n"
           "    fi\n"
           "    local opts=''\n"
           "    case $cmd in\n");
    for (const struct cli_command *const *cp = cli_commands, *c; (c = *cp) != NULL; cp++) {
        printf("    %s) opts=\"", c->name);
        cmd_completion_words(c->options, false);
        printf("\" ;;\n");
    }
    printf("    esac\n"
           "    [[ $cmd == completion && $cur != -* ]] && COMPREPLY=($(compgen -W \"bash zsh\" -- "
           "\"$cur\")) && return\n"
           "    [[ $cur == -* ]] && COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
           "}\n"
           "complete -o default -F _elcui elcui\n");
}

static void cmd_completion_zsh_quote(const char *s)
{
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else if (*s == ':')
            fputs("\\:", stdout);
        else
            putchar(*s);
    }
}

static void cmd_completion_zsh(void)
{
    printf("#compdef elcui\n"
           "# zsh completion for elcui, written by `elcui completion zsh` from the option\n"
           "# tables of elcui %s. Do not edit: run it again.\n"
           "_elcui() {\n"
           "    local -a cmds global global_arg opts\n"
           "    cmds=(\n",
           ELCUI_VERSION);
    for (const struct cli_command *const *cp = cli_commands, *c; (c = *cp) != NULL; cp++) {
        printf("        '");
        cmd_completion_zsh_quote(c->name);
        printf(":");
        cmd_completion_zsh_quote(c->summary);
        printf("'\n");
    }
    printf("    )\n    global=(");
    cmd_completion_words(cli_global_options, false);
    printf(")\n    global_arg=(");
    cmd_completion_words(cli_global_options, true);
    printf(")\n"
           "    local cmd='' i=2\n"
           "    while (( i < CURRENT )); do\n"
           "        case ${words[i]} in\n"
           "        (-*) (( ${global_arg[(Ie)${words[i]}]} )) && (( i++ )) ;;\n"
           "        (*) cmd=${words[i]}; break ;;\n"
           "        esac\n"
           "        (( i++ ))\n"
           "    done\n"
           "    case ${words[CURRENT-1]} in\n"
           "    (--profile) compadd -- ${(f)\"$(%s)\"}; return ;;\n"
           "    (--theme) compadd -- ",
           cmd_completion_profiles);
    cmd_completion_themes();
    printf("; return ;;\n    (");
    cmd_completion_files();
    printf(") _files; return ;;\n"
           "    esac\n"
           "    if [[ -z $cmd ]]; then\n"
           "        if [[ ${words[CURRENT]} == -* ]]; then\n"
           "            compadd -- $global\n"
           "        else\n"
           "            _describe command cmds\n"
           "        fi\n"
           "        return\n"
           "    fi\n"
           "    case $cmd in\n");
    for (const struct cli_command *const *cp = cli_commands, *c; (c = *cp) != NULL; cp++) {
        printf("    (%s) opts=(", c->name);
        cmd_completion_words(c->options, false);
        printf(") ;;\n");
    }
    printf("    esac\n"
           "    [[ $cmd == completion && ${words[CURRENT]} != -* ]] && compadd -- bash zsh && "
           "return\n"
           "    if [[ ${words[CURRENT]} == -* ]]; then\n"
           "        compadd -- $opts\n"
           "    else\n"
           "        _files\n"
           "    fi\n"
           "}\n"
           "_elcui \"$@\"\n");
}

static int cmd_completion_run(struct session_options *opts, int argc, char **argv)
{
    (void)opts;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cmd_completion_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc != 2)
        return cli_usage_error("completion", "name the shell: bash or zsh");
    if (!strcmp(argv[1], "bash"))
        cmd_completion_bash();
    else if (!strcmp(argv[1], "zsh"))
        cmd_completion_zsh();
    else
        return cli_usage_error("completion", "no completion for '%s' (bash or zsh)", argv[1]);
    return CLI_EXIT_OK;
}

const struct cli_command cmd_completion_entry = {
    .name = "completion",
    .args = "bash|zsh",
    .summary = "shell completion for commands and options",
    .run = cmd_completion_run,
    .options = cmd_completion_own_options,
    .shortopts = "h",
    .usage = cmd_completion_usage,
};

/* test_config.c - elcui's configuration file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"

static void test_parse_all_keys(void **state)
{
    (void)state;
    const char *text = "# elcui\n"
                       "[console]\n"
                       "theme = midnight\n"
                       "read_only = yes\n"
                       "refresh = 15\n"
                       "[redis]\n"
                       "cacert = /etc/ca.pem\n"
                       "connect_to = a.example:6379:127.0.0.1:16379\n"
                       "connect_to = b.example:6379:127.0.0.1:16380\n"
                       "[logs]\n"
                       "ring_size = 50000\n"
                       "rate = 2.5\n"
                       "warn_ms = 5\n"
                       "error_ms = 250.5\n"
                       "source = poll\n"
                       "[environments]\n"
                       "prod = PRODUCTION, red\n"
                       "111122223333 = staging\n";
    struct config c;
    config_init(&c);
    char errs[512];
    assert_int_equal(config_parse(&c, text, strlen(text), errs, sizeof(errs)), 0);
    assert_string_equal(errs, "");
    assert_string_equal(c.theme, "midnight");
    assert_int_equal(c.read_only, 1);
    assert_int_equal(c.refresh_s, 15);
    assert_string_equal(c.redis_cacert, "/etc/ca.pem");
    assert_int_equal(c.nconnect_to, 2);
    assert_string_equal(c.connect_to[1], "b.example:6379:127.0.0.1:16380");
    assert_int_equal(c.ring_size, 50000);
    assert_true(c.log_rate > 2.49 && c.log_rate < 2.51);
    assert_int_equal(c.log_warn_us, 5000);
    assert_int_equal(c.log_error_us, 250500);
    assert_int_equal(c.log_source, TAIL_SOURCE_POLL);
    const struct config_env *e = config_env_for(&c, "prod", NULL);
    assert_non_null(e);
    assert_string_equal(e->label, "PRODUCTION");
    assert_string_equal(e->colour, "red");
    e = config_env_for(&c, "dev", "111122223333");
    assert_non_null(e);
    assert_string_equal(e->label, "staging");
    assert_string_equal(e->colour, "red");
    assert_null(config_env_for(&c, "dev", "999"));

    /* the command line wins; the file fills the rest */
    struct session_options o;
    memset(&o, 0, sizeof(o));
    o.theme = "mono";
    config_apply(&c, &o);
    assert_string_equal(o.theme, "mono");
    assert_true(o.read_only);
    assert_string_equal(o.redis_cacert, "/etc/ca.pem");
    assert_int_equal(o.nconnect_to, 2);
    config_free(&c);
}

static void test_problems_are_reported_by_line(void **state)
{
    (void)state;
    char long_line[300];
    memset(long_line, 'x', sizeof(long_line));
    memcpy(long_line, "theme = ", 8);
    long_line[sizeof(long_line) - 1] = '\0';
    char text[1024];
    snprintf(
        text, sizeof(text),
        "[console]\nread_only = maybe\nrefresh = 1\ncolour = red\n[nope]\na = b\n"
        "[logs]\nrate = 9\n[environments]\nprod = ,blue\n[logs]\nwarn_ms = -1\nerror_ms = soon\n"
        "source = push\n");
    struct config c;
    config_init(&c);
    char errs[2048];
    int n = config_parse(&c, text, strlen(text), errs, sizeof(errs));
    assert_int_equal(n, 9);
    assert_non_null(strstr(errs,
                           "14: source wants auto (StartLiveTail when allowed, else polling), "
                           "live or poll, not 'push'"));
    assert_int_equal(c.log_source, TAIL_SOURCE_AUTO);
    assert_non_null(strstr(errs, "12: warn_ms wants milliseconds above 0"));
    assert_non_null(strstr(errs, "13: error_ms wants milliseconds above 0 (a slow-log duration "
                                 "from which it is coloured), not 'soon'"));
    assert_non_null(strstr(errs, "2: read_only wants true or false"));
    assert_non_null(strstr(errs, "3: refresh wants seconds"));
    assert_non_null(strstr(errs, "4: unknown key 'colour' in [console]"));
    assert_non_null(strstr(errs, "6: unknown section [nope]"));
    assert_non_null(strstr(errs, "8: rate wants"));
    assert_non_null(strstr(errs, "10: environment 'prod' needs a label"));
    assert_int_equal(c.read_only, -1);
    config_free(&c);

    snprintf(text, sizeof(text), "[console]\n%s\n", long_line);
    config_init(&c);
    assert_int_equal(config_parse(&c, text, strlen(text), errs, sizeof(errs)), 1);
    assert_non_null(strstr(errs, "2: line longer than"));
    assert_null(c.theme);
    config_free(&c);

    const char nul[] = "[console]\ntheme = a\0b\n";
    config_init(&c);
    assert_int_equal(config_parse(&c, nul, sizeof(nul) - 1, errs, sizeof(errs)), 1);
    assert_non_null(strstr(errs, "NUL"));
    config_free(&c);

    const char *bad = "[console\ntheme\n";
    config_init(&c);
    assert_true(config_parse(&c, bad, strlen(bad), errs, sizeof(errs)) >= 1);
    assert_non_null(strstr(errs, "not INI syntax"));
    config_free(&c);
}

/* Connection rules: [redis] resolve and connect_to lines checked as the
 * options are; $ELCUI_CONNECT_TO and $ELCUI_RESOLVE between the command
 * line's and the file's, and a bad variable stops elcui. */
static void test_connection_rules(void **state)
{
    (void)state;
    const char *text = "[redis]\n"
                       "resolve = *.use2.cache.amazonaws.com:*:@/tmp/hosts\n"
                       "resolve = a.example:6379:a.b:1\n"
                       "connect_to = b.example:6379:127.0.0.1\n"
                       "connect_to = c.example:6379:127.0.0.1:16379\n";
    struct config c;
    config_init(&c);
    char errs[1024];
    assert_int_equal(config_parse(&c, text, strlen(text), errs, sizeof(errs)), 2);
    assert_non_null(strstr(errs, "3: bad --resolve 'a.example:6379:a.b:1'"));
    assert_non_null(strstr(errs, "4: bad --connect-to 'b.example:6379:127.0.0.1'"));
    assert_int_equal(c.nconnect_to, 2);
    assert_string_equal(c.connect_to[0], "*.use2.cache.amazonaws.com:*:@/tmp/hosts");

    setenv("ELCUI_CONNECT_TO", " d.example:1:127.0.0.1:2 ", 1);
    setenv("ELCUI_RESOLVE", "e.example:*:10.0.0.1,10.0.0.2\t*.f.example:*:@/x/hosts\n", 1);
    assert_int_equal(config_load_env(&c, errs, sizeof(errs)), 0);
    assert_int_equal(c.nenv_rules, 3);
    struct session_options o;
    memset(&o, 0, sizeof(o));
    o.connect_to[o.nconnect_to++] = "g.example:1:127.0.0.1:3"; /* the command line's */
    config_apply(&c, &o);
    assert_int_equal(o.nconnect_to, 6);
    assert_string_equal(o.connect_to[0], "g.example:1:127.0.0.1:3");
    assert_string_equal(o.connect_to[1], "d.example:1:127.0.0.1:2");
    assert_string_equal(o.connect_to[2], "e.example:*:10.0.0.1,10.0.0.2");
    assert_string_equal(o.connect_to[3], "*.f.example:*:@/x/hosts");
    assert_string_equal(o.connect_to[4], "*.use2.cache.amazonaws.com:*:@/tmp/hosts");
    config_free(&c);

    /* a bad rule in a variable is an error naming the variable */
    config_init(&c);
    setenv("ELCUI_RESOLVE", "h.example:1:not-an-address", 1);
    assert_int_equal(config_load_env(&c, errs, sizeof(errs)), -1);
    assert_non_null(strstr(errs, "$ELCUI_RESOLVE: bad --resolve 'h.example:1:not-an-address'"));
    config_free(&c);
    config_init(&c);
    setenv("ELCUI_CONNECT_TO", "i.example:1:10.0.0.1", 1);
    assert_int_equal(config_load_env(&c, errs, sizeof(errs)), -1);
    assert_non_null(strstr(errs, "$ELCUI_CONNECT_TO: bad --connect-to"));
    config_free(&c);
    unsetenv("ELCUI_CONNECT_TO");
    unsetenv("ELCUI_RESOLVE");
}

static void test_load_paths(void **state)
{
    (void)state;
    char dir[] = "/tmp/elcui-config-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("XDG_CONFIG_HOME", dir, 1);
    struct config c;
    config_init(&c);
    char errs[256];
    /* no file at the default place: fine, defaults */
    assert_int_equal(config_load(&c, NULL, errs, sizeof(errs)), 0);
    assert_null(c.path);
    /* an explicit path that does not exist is an error */
    assert_int_equal(config_load(&c, "/nonexistent/elcui.conf", errs, sizeof(errs)), -1);
    assert_non_null(strstr(errs, "No such file"));
    char sub[300], path[320];
    snprintf(sub, sizeof(sub), "%s/elcui", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof(path), "%s/config", sub);
    FILE *f = fopen(path, "w");
    fputs("[console]\ntheme = mono\n", f);
    fclose(f);
    assert_int_equal(config_load(&c, NULL, errs, sizeof(errs)), 0);
    assert_string_equal(c.path, path);
    assert_string_equal(c.theme, "mono");
    config_free(&c);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

/* [keys] is only collected here (the console checks names and keys); the
 * read-only switch says where it came from. */
static void test_keys_section_and_read_only_source(void **state)
{
    (void)state;
    const char *text = "[console]\n"
                       "read_only = true\n"
                       "[keys]\n"
                       "down = n Down\n"
                       "nosuch = x\n";
    struct config c;
    config_init(&c);
    char errs[512];
    assert_int_equal(config_parse(&c, text, strlen(text), errs, sizeof(errs)), 0);
    assert_int_equal(c.nkeys, 2);
    assert_string_equal(c.keys[0].name, "down");
    assert_string_equal(c.keys[0].keys, "n Down");
    assert_int_equal(c.keys[0].line, 4);
    assert_string_equal(c.keys[1].name, "nosuch");
    assert_int_equal(c.keys[1].line, 5);
    assert_string_equal(c.read_only_source, "read_only in the config file:2");
    struct session_options o;
    memset(&o, 0, sizeof(o));
    config_apply(&c, &o);
    assert_true(session_read_only(&o));
    assert_string_equal(session_read_only_source(&o), "read_only in the config file:2");
    /* --read-only on the command line stays the reason */
    memset(&o, 0, sizeof(o));
    o.read_only = true;
    config_apply(&c, &o);
    assert_string_equal(session_read_only_source(&o), "--read-only");
    memset(&o, 0, sizeof(o));
    assert_false(session_read_only(&o));
    assert_null(session_read_only_source(&o));
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_all_keys),
        cmocka_unit_test(test_problems_are_reported_by_line),
        cmocka_unit_test(test_connection_rules),
        cmocka_unit_test(test_load_paths),
        cmocka_unit_test(test_keys_section_and_read_only_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

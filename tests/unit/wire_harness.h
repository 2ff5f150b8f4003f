/* wire_harness.h - shared helpers of the typed-call tests (test_elasticache.c,
 * test_logs.c, test_cloudwatch.c, and through infra_test.h the infrastructure
 * ones): wire vectors from
 * tests/tools/gen_wire_vectors.py, field-by-field comparison against what
 * botocore parsed, and per-run secrets. Header-only; include it once, after
 * cmocka.h.
 */
#ifndef ELCUI_TESTS_WIRE_HARNESS_H
#define ELCUI_TESTS_WIRE_HARNESS_H

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/mem.h"

#define WIRE_DIR "tests/unit/data/wire/"

/* Whole file into memory (NUL-terminated); NULL when it cannot be read. */
static __attribute__((unused)) char *wire_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = mem_xmalloc(cap);
    size_t r;
    while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2)
            b = mem_xgrow(b, &cap, cap * 2, 1);
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

/* A wire vector file; fails the test when missing. */
static __attribute__((unused)) char *wire_load(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), WIRE_DIR "%s", rel);
    char *b = wire_read_file(path, len);
    if (!b)
        fail_msg("missing wire vector %s (run tests/tools/gen_wire_vectors.py)", path);
    return b;
}

static __attribute__((unused)) bool wire_exists(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), WIRE_DIR "%s", rel);
    return access(path, R_OK) == 0;
}

/* The "parsed" member of <rel>.expected.json (new reference). */
static __attribute__((unused)) json_t *wire_expected(const char *rel_base)
{
    char path[512];
    snprintf(path, sizeof(path), WIRE_DIR "%s.expected.json", rel_base);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &je);
    if (!root)
        fail_msg("%s: %s", path, je.text);
    json_t *p = json_incref(json_object_get(root, "parsed"));
    json_decref(root);
    if (!p)
        fail_msg("%s: no \"parsed\" member", path);
    return p;
}

/* Every recorded response of a folder under WIRE_DIR that has an
 * <base>.expected.json: decode(base, operation) for each. *n counts them,
 * *moto those recorded from moto (base "moto_..."). */
static __attribute__((unused)) void
wire_decode_dir(const char *dir, void (*decode)(const char *base, const char *op), int *n,
                int *moto)
{
    char dpath[512];
    snprintf(dpath, sizeof(dpath), WIRE_DIR "%s", dir);
    DIR *d = opendir(dpath);
    assert_non_null(d);
    struct dirent *de;
    *n = *moto = 0;
    while ((de = readdir(d))) {
        const char *suffix = ".expected.json";
        size_t l = strlen(de->d_name), sl = strlen(suffix);
        if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
            continue;
        char base[256];
        snprintf(base, sizeof(base), "%.*s", (int)(l - sl), de->d_name);
        char path[800];
        snprintf(path, sizeof(path), "%s/%s.expected.json", dpath, base);
        json_t *root = json_load_file(path, JSON_ALLOW_NUL, NULL);
        assert_non_null(root);
        char op[96];
        snprintf(op, sizeof(op), "%s", json_string_value(json_object_get(root, "operation")));
        json_decref(root);
        decode(base, op);
        (*n)++;
        if (strncmp(base, "moto_", 5) == 0)
            (*moto)++;
    }
    closedir(d);
}

/* Alphanumeric secret made for this run only (never committed). */
static __attribute__((unused)) void wire_random_token(char *out, size_t len)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char raw[256];
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || len > sizeof(raw) || read(fd, raw, len) != (ssize_t)len)
        fail_msg("cannot read /dev/urandom");
    close(fd);
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = set[raw[i] % (sizeof(set) - 1)];
    out[len - 1] = '\0';
}

/* Replace every occurrence of from by to (new string). */
static __attribute__((unused)) char *wire_replace(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + fl, from))
        n++;
    char *out = mem_xmalloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1);
    char *o = out;
    const char *p = s, *q;
    while ((q = strstr(p, from))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    size_t rest = strlen(p);
    memcpy(o, p, rest + 1);
    return out;
}

/* ---- field checks: got vs the expected object's member key ---- */

#define WS(got, obj, key) wire_check_str((got), (obj), (key), __FILE__, __LINE__)
#define WB(has, v, obj, key) wire_check_bool((has), (v), (obj), (key), __FILE__, __LINE__)
#define WI(has, v, obj, key) wire_check_int((has), (long long)(v), (obj), (key), __FILE__, __LINE__)
#define WT(ms, obj, key)                                                                           \
    wire_check_int((ms) != 0, (long long)(ms), (obj), (key), __FILE__, __LINE__)
#define WL(strs, n, obj, key) wire_check_strings((strs), (n), (obj), (key), __FILE__, __LINE__)

static __attribute__((unused)) void wire_check_str(const char *got, const json_t *obj,
                                                   const char *key, const char *file, int line)
{
    json_t *e = json_object_get(obj, key);
    if (!e) {
        if (got)
            fail_msg("%s:%d: %s: expected absent, got \"%s\"", file, line, key, got);
        return;
    }
    if (!json_is_string(e))
        fail_msg("%s:%d: %s: expected value is not a string", file, line, key);
    if (!got)
        fail_msg("%s:%d: %s: expected \"%s\", got NULL", file, line, key, json_string_value(e));
    if (strcmp(got, json_string_value(e)) != 0)
        fail_msg("%s:%d: %s: expected \"%s\", got \"%s\"", file, line, key, json_string_value(e),
                 got);
}

static __attribute__((unused)) void wire_check_bool(bool has, bool v, const json_t *obj,
                                                    const char *key, const char *file, int line)
{
    json_t *e = json_object_get(obj, key);
    if (!e) {
        if (has)
            fail_msg("%s:%d: %s: expected absent, got %d", file, line, key, v);
        return;
    }
    if (!has)
        fail_msg("%s:%d: %s: expected %s, got absent", file, line, key,
                 json_is_true(e) ? "true" : "false");
    if (v != json_is_true(e))
        fail_msg("%s:%d: %s: expected %d, got %d", file, line, key, json_is_true(e), v);
}

static __attribute__((unused)) void wire_check_int(bool has, long long v, const json_t *obj,
                                                   const char *key, const char *file, int line)
{
    json_t *e = json_object_get(obj, key);
    if (!e) {
        if (has)
            fail_msg("%s:%d: %s: expected absent, got %lld", file, line, key, v);
        return;
    }
    if (!json_is_integer(e))
        fail_msg("%s:%d: %s: expected value is not an integer", file, line, key);
    if (!has)
        fail_msg("%s:%d: %s: expected %lld, got absent", file, line, key,
                 (long long)json_integer_value(e));
    if (v != (long long)json_integer_value(e))
        fail_msg("%s:%d: %s: expected %lld, got %lld", file, line, key,
                 (long long)json_integer_value(e), v);
}

/* A list of strings: botocore gives [] or leaves the key out for an empty
 * or missing wrapper; we give NULL/0 for both. */
static __attribute__((unused)) void wire_check_strings(char *const *got, size_t n,
                                                       const json_t *obj, const char *key,
                                                       const char *file, int line)
{
    json_t *e = json_object_get(obj, key);
    size_t want = json_array_size(e);
    if (n != want)
        fail_msg("%s:%d: %s: expected %zu items, got %zu", file, line, key, want, n);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(e, i);
        if (!got || !got[i] || !json_is_string(s) || strcmp(got[i], json_string_value(s)) != 0)
            fail_msg("%s:%d: %s[%zu]: expected \"%s\", got \"%s\"", file, line, key, i,
                     json_string_value(s), got && got[i] ? got[i] : "(null)");
    }
    if (n && got[n] != NULL)
        fail_msg("%s:%d: %s: list not NULL-terminated", file, line, key);
}

/* Number of items of the expected list at key (0 when absent). */
static __attribute__((unused)) size_t wire_n(const json_t *obj, const char *key)
{
    return json_array_size(json_object_get(obj, key));
}

static __attribute__((unused)) json_t *wire_at(const json_t *obj, const char *key, size_t i)
{
    return json_array_get(json_object_get(obj, key), i);
}

#endif

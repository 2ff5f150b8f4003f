/* awstime.c - ISO 8601, SigV4 and HTTP dates; relative spans for --since. */
#include "aws/awstime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const awstime_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Read exactly n digits. */
static bool awstime_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (no timegm, which
 * is not in C11/POSIX). */
static int64_t awstime_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool awstime_valid(int y, int mo, int d, int h, int mi, int s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
           h <= 23 && mi <= 59 && s <= 60;
}

static int64_t awstime_epoch_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
    return ((awstime_days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + s) * 1000 + ms;
}

bool awstime_parse_iso8601(const char *s, int64_t *ms)
{
    if (!s)
        return false;
    const char *p = s;
    int y, mo, d, h, mi, sec, frac = 0;
    while (*p == ' ')
        p++;
    if (!awstime_digits(&p, 4, &y) || *p++ != '-' || !awstime_digits(&p, 2, &mo) || *p++ != '-' ||
        !awstime_digits(&p, 2, &d))
        return false;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return false;
    p++;
    if (!awstime_digits(&p, 2, &h) || *p++ != ':' || !awstime_digits(&p, 2, &mi) || *p++ != ':' ||
        !awstime_digits(&p, 2, &sec))
        return false;
    if (*p == '.' || *p == ',') {
        p++;
        int nd = 0;
        while (isdigit((unsigned char)*p)) {
            if (nd < 3)
                frac = frac * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0)
            return false;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int64_t off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (!awstime_digits(&p, 2, &oh))
            return false;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p) && !awstime_digits(&p, 2, &om))
            return false;
        if (oh > 23 || om > 59)
            return false;
        off_min = sign * (oh * 60 + om);
    }
    while (*p == ' ')
        p++;
    if (*p)
        return false;
    if (!awstime_valid(y, mo, d, h, mi, sec))
        return false;
    *ms = awstime_epoch_ms(y, mo, d, h, mi, sec, frac) - off_min * 60000;
    return true;
}

static void awstime_split(int64_t ms, struct tm *tm, int *millis)
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    *millis = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    if (!gmtime_r(&t, tm))
        memset(tm, 0, sizeof(*tm)); /* beyond struct tm's years: never read garbage */
}

void awstime_format_iso8601(int64_t ms, char *out, size_t n)
{
    struct tm tm;
    int millis;
    awstime_split(ms, &tm, &millis);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void awstime_format_iso8601_s(int64_t ms, char *out, size_t n)
{
    struct tm tm;
    int millis;
    awstime_split(ms, &tm, &millis);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void awstime_format_iso8601_query(int64_t ms, char *out, size_t n)
{
    struct tm tm;
    int millis;
    awstime_split(ms, &tm, &millis);
    if (millis)
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d000Z", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    else
        awstime_format_iso8601_s(ms, out, n);
}

void awstime_format_amz(int64_t epoch_s, char *out, size_t n)
{
    struct tm tm;
    int millis;
    awstime_split(epoch_s * 1000, &tm, &millis);
    snprintf(out, n, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool awstime_parse_http_date(const char *s, int64_t *ms)
{
    /* IMF-fixdate: "Wed, 01 May 2024 12:00:05 GMT". Month names parsed
     * here, not with strptime, so the locale cannot change the result. */
    if (!s)
        return false;
    const char *p = strchr(s, ',');
    p = p ? p + 1 : s;
    while (*p == ' ')
        p++;
    int d, y, h, mi, sec, mo = -1;
    if (!awstime_digits(&p, 2, &d) || *p++ != ' ')
        return false;
    for (int i = 0; i < 12; i++)
        if (strncmp(p, awstime_months[i], 3) == 0)
            mo = i + 1;
    if (mo < 0)
        return false;
    p += 3;
    if (*p++ != ' ' || !awstime_digits(&p, 4, &y) || *p++ != ' ' || !awstime_digits(&p, 2, &h) ||
        *p++ != ':' || !awstime_digits(&p, 2, &mi) || *p++ != ':' || !awstime_digits(&p, 2, &sec))
        return false;
    while (*p == ' ')
        p++;
    if (strncmp(p, "GMT", 3) != 0 && strncmp(p, "UTC", 3) != 0)
        return false;
    if (!awstime_valid(y, mo, d, h, mi, sec))
        return false;
    *ms = awstime_epoch_ms(y, mo, d, h, mi, sec, 0);
    return true;
}

/* Number with an optional fraction followed by a unit; scale = unit in
 * the caller's base. */
static bool awstime_number_unit(const char *s, double *num, const char **unit)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return false;
    double v = strtod(s, &end);
    if (end == s || v < 0 || v != v)
        return false;
    *num = v;
    *unit = end;
    return true;
}

bool awstime_parse_since(const char *s, int64_t now_ms, int64_t *out_ms)
{
    if (!s)
        return false;
    int64_t abs_ms;
    if (awstime_parse_iso8601(s, &abs_ms)) {
        *out_ms = abs_ms;
        return true;
    }
    double v;
    const char *u;
    if (!awstime_number_unit(s, &v, &u))
        return false;
    double mult;
    if (strcmp(u, "ms") == 0)
        mult = 1;
    else if (strcmp(u, "s") == 0 || strcmp(u, "sec") == 0)
        mult = 1000;
    else if (strcmp(u, "m") == 0 || strcmp(u, "min") == 0)
        mult = 60000;
    else if (strcmp(u, "h") == 0)
        mult = 3600000;
    else if (strcmp(u, "d") == 0)
        mult = 86400000;
    else if (strcmp(u, "w") == 0)
        mult = 7 * 86400000.0;
    else
        return false;
    double span = v * mult;
    if (span > 3650.0 * 86400000.0)
        return false;
    *out_ms = now_ms - (int64_t)span;
    return true;
}

bool awstime_parse_duration_us(const char *s, int64_t *us)
{
    double v;
    const char *u;
    if (!awstime_number_unit(s, &v, &u))
        return false;
    double mult;
    if (*u == '\0' || strcmp(u, "us") == 0 || strcmp(u, "\xc2\xb5s") == 0)
        mult = 1;
    else if (strcmp(u, "ms") == 0)
        mult = 1000;
    else if (strcmp(u, "s") == 0)
        mult = 1000000;
    else if (strcmp(u, "m") == 0 || strcmp(u, "min") == 0)
        mult = 60000000.0;
    else
        return false;
    double r = v * mult;
    if (r > 9.0e15)
        return false;
    *us = (int64_t)(r + 0.5);
    return true;
}

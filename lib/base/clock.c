/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* /proc/self/stat is one line of 52 fields; its comm is at most 64 bytes. */
#define PROC_STAT_MAX 2048
#define PROC_STAT_STARTTIME 22

static long long clock_ms(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long clock_now_ms(void) {
        return clock_ms(CLOCK_MONOTONIC);
}

/* starttime in clock ticks since boot; -1 when it can't be read. */
static long long starttime_ticks(void) {
        char buf[PROC_STAT_MAX];
        const char *p;
        ssize_t n;
        int fd;

        fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        (void) close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        /* comm (field 2) is in parentheses and may hold spaces and ')': the
         * fields after it start after the last ')'. */
        p = strrchr(buf, ')');
        for (int field = 2; p && field < PROC_STAT_STARTTIME; field++)
                p = strchr(p + 1, ' ');
        if (!p)
                return -1;
        return strtoll(p + 1, NULL, 10);
}

long long clock_process_start_ms(void) {
        long long mono = clock_now_ms(), boot = clock_ms(CLOCK_BOOTTIME);
        long long ticks = starttime_ticks(), hz = sysconf(_SC_CLK_TCK), age;

        if (ticks < 0 || hz <= 0)
                return mono;
        age = boot - ticks * 1000 / hz;
        return age >= 0 && age <= CLOCK_START_AGE_MAX_MS ? mono - age : mono;
}

long long clock_tick_ms(void) {
        long hz = sysconf(_SC_CLK_TCK);

        return hz > 0 && hz < 1000 ? (1000 + hz - 1) / hz : 1;
}

/* ---- RFC 3339 times ------------------------------------------------------- */

static int digits(const char *p, int n) {
        int v = 0;

        for (int i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -1;
                v = v * 10 + (p[i] - '0');
        }
        return v;
}

int clock_days_in_month(int year, int month) {
        static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return days[month - 1] + (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
}

int64_t clock_days_since_epoch(int year, int month, int day) {
        int64_t n = 365 * (int64_t) (year - 1970);

        n += ((year - 1) / 4 - (year - 1) / 100 + (year - 1) / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
        for (int i = 1; i < month; i++)
                n += clock_days_in_month(year, i);
        return n + day - 1;
}

int clock_parse_rfc3339(const char *p, size_t n, int64_t *ret_s, int32_t *ret_ns) {
        struct tm tm = {};
        int64_t off = 0;
        int32_t ns = 0, scale = 100000000;
        size_t i = 19;

        if (n < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
            p[13] != ':' || p[16] != ':')
                return -EINVAL;
        tm.tm_year = digits(p, 4) - 1900;
        tm.tm_mon = digits(p + 5, 2) - 1;
        tm.tm_mday = digits(p + 8, 2);
        tm.tm_hour = digits(p + 11, 2);
        tm.tm_min = digits(p + 14, 2);
        tm.tm_sec = digits(p + 17, 2);
        if (tm.tm_year < -1900 + 1970 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
            tm.tm_mday > clock_days_in_month(tm.tm_year + 1900, tm.tm_mon + 1) || tm.tm_hour < 0 || tm.tm_hour > 23 ||
            tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
                return -EINVAL;     /* 2025-02-31 is no day */
        if (p[i] == '.') {
                if (++i >= n || p[i] < '0' || p[i] > '9')
                        return -EINVAL;
                for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, scale /= 10)
                        ns += (int32_t) (p[i] - '0') * scale;
        }
        if (i < n && (p[i] == 'Z' || p[i] == 'z'))
                i++;
        else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
                int h = digits(p + i + 1, 2), m = digits(p + i + 4, 2);

                if (h < 0 || h > 23 || m < 0 || m > 59)
                        return -EINVAL;
                off = (p[i] == '-' ? -1 : 1) * (int64_t) (h * 3600 + m * 60);
                i += 6;
        }
        if (i != n)
                return -EINVAL;
        *ret_s = clock_days_since_epoch(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
                 tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - off;
        if (ret_ns)
                *ret_ns = ns;
        return 0;
}

bool clock_age_seconds(const char *t, long long *ret) {
        int64_t s;

        if (!t || clock_parse_rfc3339(t, strlen(t), &s, NULL) < 0)
                return false;
        *ret = (long long) (time(NULL) - s);
        return true;
}

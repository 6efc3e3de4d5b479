/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
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

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deadlines run on CLOCK_MONOTONIC, in milliseconds: a wall clock that
 * jumps must not stretch or cut them. */
long long clock_now_ms(void);

/* When this process started, on the same clock: /proc/self/stat's
 * starttime (proc(5) field 22, set at fork, which for a hook is the
 * runtime's fork+exec) moved from CLOCK_BOOTTIME onto CLOCK_MONOTONIC.  It
 * counts in clock ticks (10 ms at the usual USER_HZ of 100) and is rounded
 * down, so it is early by up to a tick, never late: the process started
 * before it plus clock_tick_ms() (and a millisecond of rounding).  Now,
 * where /proc is missing or the two clocks disagree by more than
 * CLOCK_START_AGE_MAX_MS (a faked clock, e.g. libfaketime's). */
long long clock_process_start_ms(void);
/* A clock tick (sysconf(_SC_CLK_TCK)) in milliseconds, at least 1. */
long long clock_tick_ms(void);

#define CLOCK_START_AGE_MAX_MS 10000

/* An RFC 3339 date-time (section 5.6), the n bytes at p:
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), "t", "z" and a blank for
 * the T too.  Each field within its range (2025-02-31 is no day, where
 * timegm() would make it March 3rd), years from 1970.  Seconds since the
 * epoch in *ret_s, the fraction in *ret_ns (may be NULL); -EINVAL.  No
 * time zone is read (glibc's timegm() opens /etc/localtime: a syscall
 * the hook's hit can't spend). */
int clock_parse_rfc3339(const char *p, size_t n, int64_t *ret_s, int32_t *ret_ns);
/* How many seconds ago the RFC 3339 time t was (negative: ahead of the
 * clock); false when there is no t or it does not parse. */
bool clock_age_seconds(const char *t, long long *ret);
/* The days of month (1-12) of year; days from 1970-01-01 to year-month-day
 * (year >= 1970). */
int clock_days_in_month(int year, int month);
int64_t clock_days_since_epoch(int year, int month, int day);

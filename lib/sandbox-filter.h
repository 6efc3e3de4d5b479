/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

/* Two values each child puts into its copy of a program: its result fd
 * and its pid (lib/sandbox.c).  Neither is a syscall number, flag or
 * command the filter compares with otherwise. */
#define FILTER_FD_STANDIN 0x5ca1ab1e
#define FILTER_PID_STANDIN 0x0badcafe

/* The program of one kind of child (writer: the image reader; else the
 * analysis), compiled by libseccomp: *ret (malloc'ed) of *ret_n
 * instructions.  A negative errno when libseccomp can't. */
int sandbox_filter_build(bool writer, struct sock_filter **ret, size_t *ret_n);

/* The program of one kind of child as this binary has it: the one the
 * build made (1), else sandbox_filter_build()'s, compiled once per
 * process (0); a negative errno when it can't be compiled. */
int sandbox_filter_program(bool writer, const struct sock_filter **ret, size_t *ret_n);

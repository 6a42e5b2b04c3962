/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/wire/vlog.h - the BPF verifier's log as libbpf hands it over (one
 * message of any length, "-- BEGIN PROG LOAD LOG --" ... "-- END PROG LOAD
 * LOG --"): recognise it and find its tail, where the verifier says why it
 * rejected a program. Pure functions; the loader prints.
 */
#ifndef LS_VLOG_H
#define LS_VLOG_H

#include <stddef.h>

/* Lines of the verifier log an error always shows (the reason is last). */
#define VLOG_TAIL_LINES 20

/* vlog_is_load_log() - 1 if libbpf message @msg carries a program's verifier log. */
int vlog_is_load_log(const char *msg);

/*
 * vlog_tail() - the start of the last @lines lines of @msg (a trailing newline
 * does not count as a line; libbpf's "-- END PROG LOAD LOG --" line does not
 * count either). Returns a pointer into @msg, @msg itself when it has fewer.
 */
const char *vlog_tail(const char *msg, unsigned int lines);

#endif

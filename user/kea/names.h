/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/kea/names.h - host names cleaned the way Kea cleans them
 * (hostname-char-set / hostname-char-replacement, Kea's
 * isc::util::str::StringSanitizer): every match of the character-set
 * expression is replaced by the replacement (which may be empty), then
 * the name is lower-cased for DNS. Pure; the expression is compiled once.
 */
#ifndef LS_NAMES_H
#define LS_NAMES_H

#include <regex.h>
#include <stddef.h>

#define NAMES_DEFAULT_CHAR_SET "[^A-Za-z0-9.-]"	/* Kea's default */

/* names_compile() - compile @set (POSIX ERE; Kea's bracket sets read the same). 0 or -EINVAL. */
int names_compile(regex_t *re, const char *set);

/*
 * names_sanitize() - @in[0..n) with every match of @re replaced by @repl,
 * lower case, into @out (cap bytes, always terminated). Returns the length,
 * or -ENOSPC when it does not fit (@out then holds what fitted).
 */
int names_sanitize(const regex_t *re, const char *repl, const char *in, size_t n, char *out,
		   size_t cap);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/common/util.h - the small conversions every part needs, written once
 * (as Knot's contrib/sockaddr.h): hex digits and strings, addresses, and
 * the monotonic clock in milliseconds.
 *
 * Address families are 4 and 6 everywhere in leasesnoop (the event ABI, the
 * lease table, the ownership store, the DNS engine); AF_INET/AF_INET6 exist
 * only where a socket or inet_ntop()/inet_pton() needs them, through
 * util_af(). Addresses are 16-byte arrays, a v4 address in the first 4.
 */
#ifndef LS_UTIL_H
#define LS_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Room for any address as text, NUL included (INET6_ADDRSTRLEN). */
#define UTIL_ADDR_TEXT 46

/* util_hex_val() - the value of hex digit @c (either case), or -1. */
int util_hex_val(int c);

/*
 * util_hex_parse() - decode @s into at most @max bytes: plain hex
 * ("000c29ab", an even number of digits) or Kea's colon form ("0:c:29:ab",
 * groups of one or two digits, none empty). "" is 0 bytes. Returns the
 * number of bytes, or -EINVAL (bad digit, bad group, odd length, more than
 * @max bytes).
 */
int util_hex_parse(const char *s, uint8_t *out, size_t max);

/*
 * util_hex_format() - @len bytes as lower-case hex, @sep between bytes
 * (0: none; ':' as Kea writes identifiers). Stops at a whole byte when
 * @size is short; always NUL-terminates when @size > 0. Returns the
 * characters written.
 */
size_t util_hex_format(const uint8_t *b, size_t len, char sep, char *buf, size_t size);

/* util_af() - AF_INET for 4, AF_INET6 for 6, AF_UNSPEC otherwise. */
int util_af(int family);

/* util_addr_len() - 4 for family 4, 16 for 6, 0 otherwise. */
size_t util_addr_len(int family);

/*
 * util_addr_text() - @addr of @family (4 or 6) as text into @buf (at least
 * UTIL_ADDR_TEXT bytes to fit any); "?" for another family. Returns @buf.
 */
const char *util_addr_text(int family, const uint8_t *addr, char *buf, size_t size);

/*
 * util_addr_parse() - @s, an IPv4 or IPv6 address, into @addr (16 bytes,
 * zero-filled; v4 in the first 4). Returns its family (4 or 6), or -EINVAL.
 * With @family 4 or 6, only that family is accepted.
 */
int util_addr_parse(const char *s, int family, uint8_t addr[16]);

/* util_mono_ms() - CLOCK_MONOTONIC in milliseconds (deadlines, backoffs, latencies). */
uint64_t util_mono_ms(void);

#endif

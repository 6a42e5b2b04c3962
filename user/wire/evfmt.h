/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/evfmt.h - renders a struct ls_event as one JSON object per line (the
 * `--events --json` contract of DESIGN.md) or as a readable text line, and
 * decodes the DHCP FQDN encodings into presentation-format names.
 */
#ifndef LS_EVFMT_H
#define LS_EVFMT_H

#include <stddef.h>
#include <stdio.h>

#include "ringbuf/event.h"

/* evfmt_type_name() - "ack", "nak", "release", "decline", "reply"; "?" if unknown. */
const char *evfmt_type_name(unsigned int type);

/*
 * evfmt_fqdn() - decode an FQDN option's name into @out (presentation
 * format, trailing dot when fully qualified, RFC 1035 escapes). @ascii selects
 * the deprecated ASCII encoding (RFC 4702 E=0). Returns the length written,
 * or -EINVAL when a wire-format name is malformed (@out then holds "").
 */
int evfmt_fqdn(const unsigned char *name, size_t len, int ascii, char *out, size_t outsz);

/* evfmt_counter_name() - snake_case name of an enum ls_counter; "?" if unknown. */
const char *evfmt_counter_name(unsigned int idx);

/* evfmt_counters_json() - all counters as one JSON object line {"name":value,…}. */
int evfmt_counters_json(FILE *f, const struct ls_counters *c);

/* evfmt_json() - write @ev as one JSON object and a newline. Returns 0 or -EIO. */
int evfmt_json(FILE *f, const struct ls_event *ev);

/* evfmt_text() - write @ev as one human-readable line. Returns 0 or -EIO. */
int evfmt_text(FILE *f, const struct ls_event *ev);

#endif

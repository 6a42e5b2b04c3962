/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/dnsmsg.h - RFC 2136 UPDATE messages: a builder that
 * collects prerequisite and update RRs for one zone and renders them to wire
 * form (names compressed, room left for the TSIG RR), and a reply parser
 * that extracts what the engine checks (ID, QR, opcode, zone, rcode).
 */
#ifndef LS_DNSMSG_H
#define LS_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSMSG_TYPE_A 1
#define DNSMSG_TYPE_PTR 12
#define DNSMSG_TYPE_AAAA 28
#define DNSMSG_TYPE_DHCID 49
#define DNSMSG_TYPE_ANY 255
#define DNSMSG_CLASS_IN 1
#define DNSMSG_CLASS_NONE 254
#define DNSMSG_CLASS_ANY 255
#define DNSMSG_OPCODE_UPDATE 5

enum dnsmsg_sect { DNSMSG_PREREQ, DNSMSG_UPDATE };

struct dnsmsg;

/*
 * dnsmsg_new() - start an UPDATE for @zone (presentation form). Returns 0,
 * -EINVAL for a bad name or -ENOMEM.
 */
int dnsmsg_new(struct dnsmsg **out, const char *zone);

/* dnsmsg_free() - NULL is a no-op. */
void dnsmsg_free(struct dnsmsg *m);

/*
 * dnsmsg_add_rr() - append an RR to the prerequisite or update section.
 * @rdata is raw RDATA (A: 4 bytes, AAAA: 16, DHCID: any) of @rdlen bytes,
 * except for PTR where it is the target name in presentation form. @rdata
 * NULL means an empty RDATA (the RFC 2136 "exists"/"delete" forms with class
 * ANY or NONE). Returns 0, -EINVAL or -ENOMEM.
 */
int dnsmsg_add_rr(struct dnsmsg *m, enum dnsmsg_sect sect, const char *owner, uint16_t type,
		  uint16_t rrclass, uint32_t ttl, const void *rdata, size_t rdlen);

/* dnsmsg_rr_count() - RRs in both sections so far. */
size_t dnsmsg_rr_count(const struct dnsmsg *m);

/*
 * dnsmsg_to_wire() - render with ID @id into a new buffer *@buf (free()) of
 * *@len bytes and capacity *@len + @room (room for the TSIG RR). Names are
 * compressed (RFC 1035 §4.1.4), owners and PTR targets alike. Returns 0,
 * -EMSGSIZE (over 65535 bytes) or -ENOMEM.
 */
int dnsmsg_to_wire(const struct dnsmsg *m, uint16_t id, size_t room, uint8_t **buf, size_t *len);

struct dnsmsg_reply {
	uint16_t id;
	bool qr;
	int opcode;
	int rcode;
	char zone[256];		/* lower case, trailing dot; "" if the zone section is empty */
};

/*
 * dnsmsg_reply_shape_ok() - 1 when @buf[0..len) walks as a DNS message whose
 * sections hold at most one TSIG RR, as the very last RR (RFC 8945), and at
 * most one OPT RR, in the additional section (RFC 6891); 0 otherwise. Checks
 * the layout only, before ldns sees the bytes.
 */
int dnsmsg_reply_shape_ok(const uint8_t *buf, size_t len);

/*
 * dnsmsg_parse_reply() - parse @buf[0..len) into @r. The TSIG RR, if any, is
 * not checked here (see tsig_verify()). Returns 0 or LS_EDNS_FORMAT (also for
 * a reply that fails dnsmsg_reply_shape_ok(), e.g. two TSIG RRs).
 */
int dnsmsg_parse_reply(const uint8_t *buf, size_t len, struct dnsmsg_reply *r);

/* One answer RR of a query reply (dnsmsg_parse_answer()). */
struct dnsmsg_rr {
	uint16_t type;
	uint16_t rdlen;
	uint8_t rdata[64];	/* A, AAAA, DHCID (RDATA up to 64 bytes; longer is cut, rdlen kept) */
	char name[256];		/* PTR target: lower case, trailing dot; "" for other types */
};

/**
 * dnsmsg_query_to_wire() - render a QUERY for (@qname, IN, @qtype) with ID
 * @id, RD clear, into a new buffer of *@len bytes plus @room spare (for TSIG).
 * Returns 0, -EINVAL (bad name) or -ENOMEM; the caller frees *@buf.
 */
int dnsmsg_query_to_wire(const char *qname, uint16_t qtype, uint16_t id, size_t room,
			 uint8_t **buf, size_t *len);

/**
 * dnsmsg_parse_answer() - parse the reply to a query: header into @r (its
 * zone field holds the question name), and the answer RRs owned by the
 * question name and of type @qtype into @rrs (at most @cap, the count in
 * *@n). CNAMEs and other owners are skipped. Returns 0 or LS_EDNS_FORMAT.
 */
int dnsmsg_parse_answer(const uint8_t *buf, size_t len, uint16_t qtype, struct dnsmsg_reply *r,
			struct dnsmsg_rr *rrs, size_t cap, size_t *n);

/* dnsmsg_rcode_name() - "NOERROR", "YXDOMAIN", … for logs. */
const char *dnsmsg_rcode_name(int rcode);

#endif

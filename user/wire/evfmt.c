// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/evfmt.c - JSON/text rendering of lease events. Field names and
 * formats follow DESIGN.md: absent fields are omitted, bytes are lower-case
 * hex, names are presentation format with a trailing dot for FQDNs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "user/common/util.h"
#include "user/wire/evfmt.h"

const char *evfmt_type_name(unsigned int type)
{
	static const char *const names[] = {
		[LS_EV_V4_ACK] = "ack",	       [LS_EV_V4_NAK] = "nak",
		[LS_EV_V4_RELEASE] = "release", [LS_EV_V4_DECLINE] = "decline",
		[LS_EV_V6_REPLY] = "reply",     [LS_EV_V6_RELEASE] = "release",
		[LS_EV_V6_DECLINE] = "decline",
	};

	if (type >= LS_EV_TYPE_MAX_ || !names[type])
		return "?";
	return names[type];
}

const char *evfmt_counter_name(unsigned int idx)
{
	static const char *const names[LS_CNT_MAX] = {
		[LS_CNT_PKTS] = "packets",
		[LS_CNT_PKT_NOT_DHCP] = "not_dhcp",
		[LS_CNT_PKT_DHCP] = "dhcp_packets",
		[LS_CNT_PKT_IGNORED] = "dhcp_ignored_type",
		[LS_CNT_IP_FRAG] = "ip_fragments",
		[LS_CNT_EV_V4_ACK] = "ev_v4_ack",
		[LS_CNT_EV_V4_NAK] = "ev_v4_nak",
		[LS_CNT_EV_V4_RELEASE] = "ev_v4_release",
		[LS_CNT_EV_V4_DECLINE] = "ev_v4_decline",
		[LS_CNT_EV_V6_REPLY] = "ev_v6_reply",
		[LS_CNT_EV_V6_RELEASE] = "ev_v6_release",
		[LS_CNT_EV_V6_DECLINE] = "ev_v6_decline",
		[LS_CNT_V4_NO_ADDR] = "v4_no_address",
		[LS_CNT_V6_STATUS_FAIL] = "v6_status_fail",
		[LS_CNT_V6_NO_LEASE] = "v6_no_lease",
		[LS_CNT_MAL_TRUNC_HDR] = "mal_truncated_header",
		[LS_CNT_MAL_BAD_IP] = "mal_bad_ip",
		[LS_CNT_MAL_EXT_HDRS] = "mal_ipv6_ext_headers",
		[LS_CNT_MAL_BAD_UDP] = "mal_bad_udp",
		[LS_CNT_MAL_DHCP_SHORT] = "mal_dhcp_short",
		[LS_CNT_MAL_OPT_OVERRUN] = "mal_option_overrun",
		[LS_CNT_MAL_OPT_LEN] = "mal_option_length",
		[LS_CNT_MAL_NO_MSGTYPE] = "mal_no_message_type",
		[LS_CNT_MAL_RELAY_DEPTH] = "mal_relay_depth",
		[LS_CNT_MAL_OPT_LOOP] = "mal_option_loop",
		[LS_CNT_FIELD_TRUNC] = "field_truncated",
		[LS_CNT_PKT_TOO_BIG] = "packet_too_big",
		[LS_CNT_LEASES_EXCESS] = "leases_excess",
		[LS_CNT_OPT_IGNORED] = "option_bad_length_ignored",
		[LS_CNT_RB_FULL] = "ring_full_drops",
	};

	if (idx >= LS_CNT_MAX || !names[idx])
		return "?";
	return names[idx];
}

int evfmt_counters_json(FILE *f, const struct ls_counters *c)
{
	for (unsigned int i = 0; i < LS_CNT_MAX; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "{", evfmt_counter_name(i),
			(unsigned long long)c->c[i]);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

/* Append one label byte in RFC 1035 presentation form. */
static size_t put_label_char(char *out, size_t pos, size_t outsz, unsigned char c)
{
	char tmp[5];
	int n;

	if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
	    c == '$')
		n = snprintf(tmp, sizeof(tmp), "\\%c", c);
	else if (c <= 0x20 || c >= 0x7f)
		n = snprintf(tmp, sizeof(tmp), "\\%03u", c);
	else
		n = snprintf(tmp, sizeof(tmp), "%c", c);
	if (pos + n < outsz)
		memcpy(out + pos, tmp, n);
	return pos + n;
}

static size_t put_char(char *out, size_t pos, size_t outsz, char c)
{
	if (pos + 1 < outsz)
		out[pos] = c;
	return pos + 1;
}

int evfmt_fqdn(const unsigned char *name, size_t len, int ascii, char *out, size_t outsz)
{
	size_t i = 0, pos = 0;

	if (!outsz)
		return -EINVAL;
	if (ascii) {
		/* RFC 4702 §2.3.1: plain ASCII, possibly NUL-terminated */
		for (i = 0; i < len && name[i]; i++)
			pos = name[i] == '.' ? put_char(out, pos, outsz, '.')
					     : put_label_char(out, pos, outsz, name[i]);
	} else {
		while (i < len) {
			size_t l = name[i++];

			if (l == 0) {	/* root label: fully qualified (or the root itself) */
				pos = put_char(out, pos, outsz, '.');
				break;
			}
			if (l > 63 || i + l > len) {
				out[0] = '\0';
				return -EINVAL;
			}
			if (pos)
				pos = put_char(out, pos, outsz, '.');
			for (size_t j = 0; j < l; j++)
				pos = put_label_char(out, pos, outsz, name[i + j]);
			i += l;
		}
		/* no root label: a partial name (RFC 4702 §2.3.1), no trailing dot */
	}
	if (pos >= outsz) {
		out[outsz - 1] = '\0';
		return -ENOSPC;
	}
	out[pos] = '\0';
	return pos;
}

static void put_hex(FILE *f, const unsigned char *b, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%02x", i && sep ? sep : "", b[i]);
}

/* JSON string with every byte outside printable ASCII escaped. */
static void put_jstr(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void addr_str(const struct ls_event *ev, const unsigned char *a, char *buf, size_t n)
{
	util_addr_text(ev->family == 6 ? 6 : 4, a, buf, n);
}

int evfmt_json(FILE *f, const struct ls_event *ev)
{
	char a[INET6_ADDRSTRLEN], name[1024];
	static const unsigned char zero[16];
	int v6 = ev->family == 6;

	fprintf(f, "{\"family\":%u,\"type\":\"%s\"", ev->family, evfmt_type_name(ev->type));
	if (v6 || memcmp(ev->addr, zero, 4)) {
		addr_str(ev, ev->addr, a, sizeof(a));
		fprintf(f, ",\"addr\":\"%s\"", a);
	}
	if (v6) {
		static const char *const ia[] = { "na", "ta", "pd" };

		fprintf(f, ",\"prefix_len\":%u,\"ia_type\":\"%s\"", ev->prefix_len,
			ev->ia_type < 3 ? ia[ev->ia_type] : "?");
	} else {
		fputs(",\"hwaddr\":\"", f);
		put_hex(f, ev->chaddr, ev->hlen < LS_CHADDR_MAX ? ev->hlen : LS_CHADDR_MAX, ":");
		fprintf(f, "\",\"htype\":%u", ev->htype);
	}
	if (ev->flags & LS_EVF_CLIENT_ID) {
		fprintf(f, ",\"%s\":\"", v6 ? "duid" : "client_id");
		put_hex(f, ev->client_id, ev->client_id_len, NULL);
		fputc('"', f);
	}
	if (v6)
		fprintf(f, ",\"iaid\":%u", ev->iaid);
	if (ev->flags & LS_EVF_HOSTNAME) {
		fputs(",\"hostname\":", f);
		put_jstr(f, ev->hostname, ev->hostname_len);
	}
	if (ev->flags & LS_EVF_FQDN) {
		int r = evfmt_fqdn(ev->fqdn, ev->fqdn_len, !!(ev->flags & LS_EVF_FQDN_ASCII), name,
				   sizeof(name));

		if (r >= 0) {
			fputs(",\"fqdn\":", f);
			put_jstr(f, name, r);
		} else {
			fputs(",\"fqdn_invalid\":\"", f);
			put_hex(f, ev->fqdn, ev->fqdn_len, NULL);
			fputc('"', f);
		}
		fprintf(f, ",\"fqdn_flags\":%u", ev->fqdn_flags);
	}
	if (ev->flags & LS_EVF_LEASE_TIME)
		fprintf(f, ",\"valid_lifetime\":%u", ev->valid_lft);
	if (v6)
		fprintf(f, ",\"preferred_lifetime\":%u", ev->pref_lft);
	if (ev->flags & LS_EVF_SERVER_ID) {
		if (v6) {
			fputs(",\"server_duid\":\"", f);
			put_hex(f, ev->server_id, ev->server_id_len, NULL);
			fputc('"', f);
		} else {
			addr_str(ev, ev->server_id, a, sizeof(a));
			fprintf(f, ",\"server_id\":\"%s\"", a);
		}
	}
	fprintf(f, v6 ? ",\"xid\":\"0x%06x\"" : ",\"xid\":\"0x%08x\"", ev->xid);
	fprintf(f, ",\"relayed\":%s", ev->flags & LS_EVF_RELAYED ? "true" : "false");
	if (ev->flags & LS_EVF_RELAYED) {
		addr_str(ev, ev->relay_addr, a, sizeof(a));
		fprintf(f, v6 ? ",\"relay_peer\":\"%s\",\"relay_hops\":%u" : ",\"giaddr\":\"%s\"", a,
			ev->relay_hops);
	}
	fputs(",\"vlan\":[", f);
	for (unsigned int i = 0; i < ev->n_vlan && i < 2; i++)
		fprintf(f, "%s%u", i ? "," : "", ev->vlan[i]);
	fprintf(f, "],\"dir\":\"%s\",\"ifindex\":%u", ev->dir == LS_DIR_EGRESS ? "egress" : "ingress",
		ev->ifindex);
	if (ev->flags & LS_EVF_TRUNC)
		fputs(",\"truncated\":true", f);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

int evfmt_text(FILE *f, const struct ls_event *ev)
{
	char a[INET6_ADDRSTRLEN], name[1024] = "";
	int v6 = ev->family == 6;

	addr_str(ev, ev->addr, a, sizeof(a));
	fprintf(f, "%-7s v%u %-7s %s", ev->dir == LS_DIR_EGRESS ? "egress" : "ingress", ev->family,
		evfmt_type_name(ev->type), a);
	if (v6)
		fprintf(f, "/%u iaid=%u", ev->prefix_len, ev->iaid);
	else {
		fputs(" hw=", f);
		put_hex(f, ev->chaddr, ev->hlen < LS_CHADDR_MAX ? ev->hlen : LS_CHADDR_MAX, ":");
	}
	if (ev->flags & LS_EVF_CLIENT_ID) {
		fputs(v6 ? " duid=" : " id=", f);
		put_hex(f, ev->client_id, ev->client_id_len, NULL);
	}
	if (ev->flags & LS_EVF_HOSTNAME)
		fprintf(f, " host=%.*s", ev->hostname_len, ev->hostname);
	if (ev->flags & LS_EVF_FQDN &&
	    evfmt_fqdn(ev->fqdn, ev->fqdn_len, !!(ev->flags & LS_EVF_FQDN_ASCII), name,
		       sizeof(name)) >= 0)
		fprintf(f, " fqdn=%s", name);
	if (ev->flags & LS_EVF_LEASE_TIME)
		fprintf(f, " valid=%u", ev->valid_lft);
	fprintf(f, " xid=0x%x%s ifindex=%u\n", ev->xid, ev->flags & LS_EVF_RELAYED ? " relayed" : "",
		ev->ifindex);
	return ferror(f) ? -EIO : 0;
}

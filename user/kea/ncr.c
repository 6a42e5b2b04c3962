// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/kea/ncr.c - decoding Kea's NameChangeRequests (ncr.h). Every field
 * is checked the way Kea's NameChangeRequest::fromJSON() and validateContent()
 * check it, so what D2 would refuse is refused here too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "user/common/errcode.h"
#include "user/kea/ncr.h"

static const char *const known[] = {
	"change-type", "forward-change", "reverse-change", "fqdn", "ip-address", "dhcid",
	"lease-expires-on", "lease-length", "use-conflict-resolution", "conflict-resolution-mode",
	NULL,
};

int ncr_parse_time(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int v[6] = { 0 }, w[6] = { 4, 2, 2, 2, 2, 2 };
	int64_t days;
	int y, m;

	if (!s || strlen(s) != 14)
		return -EINVAL;
	for (int i = 0, p = 0; i < 6; i++)
		for (int k = 0; k < w[i]; k++, p++) {
			if (s[p] < '0' || s[p] > '9')
				return -EINVAL;
			v[i] = v[i] * 10 + (s[p] - '0');
		}
	y = v[0];
	m = v[1];
	if (y < 1970 || m < 1 || m > 12 || v[2] < 1 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -EINVAL;
	if (v[2] > mdays[m - 1] + (m == 2 && (y % 4 == 0 && (y % 100 || y % 400 == 0))))
		return -EINVAL;
	/* days from the civil date (H. Hinnant's algorithm), no timegm()/TZ involved */
	y -= m <= 2;
	{
		int64_t era = y / 400, yoe = y - era * 400;
		int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + v[2] - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	*out = days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return 0;
}

/* Kea's isc::dns::Name: labels of 1..63 octets, 255 octets in all; "." alone is refused */
static int fqdn_copy(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s), lab = 0, wire = 1;

	if (!n || n + 2 > cap || !strcmp(s, "."))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (!lab && !(i == n - 1 && i))
				return -EINVAL;	/* empty label */
			wire += lab + 1;
			lab = 0;
		} else if (c <= ' ' || c >= 0x7f || c == '\\') {
			return -EINVAL;	/* Kea's names never carry these; no escapes here */
		} else if (++lab > 63) {
			return -EINVAL;
		}
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (lab)
		wire += lab + 1;
	if (wire > 255)
		return -EINVAL;
	if (out[n - 1] != '.')
		out[n++] = '.';
	out[n] = 0;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int get_bool(const json_t *o, const char *k, bool *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

int ncr_decode(const uint8_t *buf, size_t len, struct ncr *out, const char **why)
{
	json_t *j = NULL, *v;
	json_error_t jerr;
	const char *s, *k;
	size_t jl;
	json_int_t i;
	int err = LS_EPARSE;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len < 2) {
		*why = "truncated length";
		return LS_EPARSE;
	}
	jl = (size_t)buf[0] << 8 | buf[1];
	if (len > NCR_MAX_LEN + 2 || jl > NCR_MAX_LEN) {
		*why = "datagram too large";
		return LS_EPARSE;
	}
	if (jl != len - 2) {
		*why = "length does not match the datagram";
		return LS_EPARSE;
	}
	j = json_loadb((const char *)buf + 2, jl, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		*why = j ? "not a JSON map" : "not JSON";
		goto out;
	}
	json_object_foreach(j, k, v) {
		int n = 0;

		while (known[n] && strcmp(known[n], k))
			n++;
		if (!known[n])
			out->unknown_fields++;
	}
	v = json_object_get(j, "change-type");
	i = json_integer_value(v);
	if (!json_is_integer(v) || (i != NCR_ADD && i != NCR_REMOVE)) {
		*why = v ? "bad 'change-type'" : "missing 'change-type'";
		goto out;
	}
	out->change = (enum ncr_change)i;
	if (get_bool(j, "forward-change", &out->fwd)) {
		*why = "missing or bad 'forward-change'";
		goto out;
	}
	if (get_bool(j, "reverse-change", &out->rev)) {
		*why = "missing or bad 'reverse-change'";
		goto out;
	}
	if (!out->fwd && !out->rev) {
		*why = "neither forward nor reverse change";
		goto out;
	}
	s = json_string_value(json_object_get(j, "fqdn"));
	if (!s || fqdn_copy(s, out->fqdn, sizeof(out->fqdn))) {
		*why = s ? "bad 'fqdn'" : "missing 'fqdn'";
		goto out;
	}
	s = json_string_value(json_object_get(j, "ip-address"));
	if (s && inet_pton(AF_INET, s, out->addr) == 1)
		out->family = 4;
	else if (s && inet_pton(AF_INET6, s, out->addr) == 1)
		out->family = 6;
	if (!out->family) {
		*why = s ? "bad 'ip-address'" : "missing 'ip-address'";
		goto out;
	}
	s = json_string_value(json_object_get(j, "dhcid"));
	jl = s ? strlen(s) : 0;
	if (!jl || jl % 2 || jl / 2 > NCR_DHCID_MAX || jl / 2 < 3) {
		*why = s ? "bad 'dhcid'" : "missing 'dhcid'";
		goto out;
	}
	for (size_t p = 0; p < jl; p += 2) {
		int hi = hexval(s[p]), lo = hexval(s[p + 1]);

		if (hi < 0 || lo < 0) {
			*why = "bad 'dhcid'";
			goto out;
		}
		out->dhcid[p / 2] = (uint8_t)(hi << 4 | lo);
	}
	out->dhcid_len = jl / 2;
	s = json_string_value(json_object_get(j, "lease-expires-on"));
	if (!s || ncr_parse_time(s, &out->expires)) {
		*why = s ? "bad 'lease-expires-on'" : "missing 'lease-expires-on'";
		goto out;
	}
	v = json_object_get(j, "lease-length");
	i = json_integer_value(v);
	if (!json_is_integer(v) || i < 0 || i > (json_int_t)UINT32_MAX) {
		*why = v ? "bad 'lease-length'" : "missing 'lease-length'";
		goto out;
	}
	out->lease_length = (uint32_t)i;
	out->cr_mode = NCR_CR_CHECK_WITH_DHCID;
	v = json_object_get(j, "use-conflict-resolution");
	if (v) {
		if (!json_is_boolean(v)) {
			*why = "bad 'use-conflict-resolution'";
			goto out;
		}
		out->cr_mode = json_is_true(v) ? NCR_CR_CHECK_WITH_DHCID : NCR_CR_NO_CHECK_WITH_DHCID;
	}
	v = json_object_get(j, "conflict-resolution-mode");
	if (v) {
		static const char *const modes[] = { "check-with-dhcid", "no-check-with-dhcid",
						     "check-exists-with-dhcid",
						     "no-check-without-dhcid" };
		int m = 0;

		s = json_string_value(v);
		while (s && m < 4 && strcmp(modes[m], s))
			m++;
		if (!s || m == 4) {
			*why = "bad 'conflict-resolution-mode'";
			goto out;
		}
		out->cr_mode = (enum ncr_cr_mode)m;
	}
	err = 0;
out:
	json_decref(j);
	return err;
}

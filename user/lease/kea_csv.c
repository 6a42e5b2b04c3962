// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/kea_csv.c - Kea memfile lease file parsing and line reading. Follows
 * Kea 2.x (src/lib/util/csv_file.cc, src/lib/dhcpsrv/csv_lease_file4/6.cc):
 * fields split on every ',' (no quoting: Kea escapes the separator instead),
 * blank lines skipped, a row must have exactly as many fields as its file's
 * header, and columns are looked up by name so every schema version reads.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/lease/kea_csv.h"
#include "user/common/log.h"
#include "user/common/util.h"

static const char *const col_names[KEA_COL_MAX_] = {
	[KEA_COL_ADDRESS] = "address",
	[KEA_COL_HWADDR] = "hwaddr",
	[KEA_COL_CLIENT_ID] = "client_id",
	[KEA_COL_DUID] = "duid",
	[KEA_COL_VALID_LIFETIME] = "valid_lifetime",
	[KEA_COL_EXPIRE] = "expire",
	[KEA_COL_SUBNET_ID] = "subnet_id",
	[KEA_COL_PREF_LIFETIME] = "pref_lifetime",
	[KEA_COL_LEASE_TYPE] = "lease_type",
	[KEA_COL_IAID] = "iaid",
	[KEA_COL_PREFIX_LEN] = "prefix_len",
	[KEA_COL_FQDN_FWD] = "fqdn_fwd",
	[KEA_COL_FQDN_REV] = "fqdn_rev",
	[KEA_COL_HOSTNAME] = "hostname",
	[KEA_COL_STATE] = "state",
	[KEA_COL_USER_CONTEXT] = "user_context",
	[KEA_COL_HWTYPE] = "hwtype",
	[KEA_COL_HWADDR_SOURCE] = "hwaddr_source",
	[KEA_COL_POOL_ID] = "pool_id",
};

/* Columns without which Kea itself refuses a file (its minimum valid schema). */
static const enum kea_col req_v4[] = {
	KEA_COL_ADDRESS, KEA_COL_HWADDR, KEA_COL_CLIENT_ID, KEA_COL_VALID_LIFETIME,
	KEA_COL_EXPIRE, KEA_COL_SUBNET_ID, KEA_COL_FQDN_FWD, KEA_COL_FQDN_REV, KEA_COL_HOSTNAME,
};
static const enum kea_col req_v6[] = {
	KEA_COL_ADDRESS, KEA_COL_DUID, KEA_COL_VALID_LIFETIME, KEA_COL_EXPIRE,
	KEA_COL_SUBNET_ID, KEA_COL_PREF_LIFETIME, KEA_COL_LEASE_TYPE, KEA_COL_IAID,
	KEA_COL_PREFIX_LEN, KEA_COL_FQDN_FWD, KEA_COL_FQDN_REV, KEA_COL_HOSTNAME,
};

const char *kea_csv_col_name(enum kea_col c)
{
	return (unsigned)c < KEA_COL_MAX_ ? col_names[c] : "?";
}

int kea_csv_parse_header(struct kea_csv_hdr *h, const char *line, size_t len,
			 enum kea_col *missing)
{
	const enum kea_col *req;
	size_t nreq, start = 0;
	int n = 0;

	memset(h, 0, sizeof(*h));
	memset(h->col, -1, sizeof(h->col));
	*missing = KEA_COL_MAX_;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ',')
			continue;
		if (n >= KEA_COLS_MAX)
			return LS_ECSV_HEADER;
		for (int c = 0; c < KEA_COL_MAX_; c++) {
			size_t cl = strlen(col_names[c]);

			if (cl == i - start && !memcmp(line + start, col_names[c], cl) &&
			    h->col[c] < 0) {
				h->col[c] = n;
				break;
			}
		}
		n++;
		start = i + 1;
	}
	h->ncols = n;
	for (int c = 0; c < KEA_COL_MAX_; c++)
		if (h->col[c] >= 0)
			h->cols |= 1u << c;
	if (h->col[KEA_COL_DUID] >= 0) {
		h->family = 6;
		req = req_v6;
		nreq = sizeof(req_v6) / sizeof(req_v6[0]);
	} else if (h->col[KEA_COL_CLIENT_ID] >= 0) {
		h->family = 4;
		req = req_v4;
		nreq = sizeof(req_v4) / sizeof(req_v4[0]);
	} else {
		*missing = h->col[KEA_COL_ADDRESS] >= 0 ? KEA_COL_CLIENT_ID : KEA_COL_MAX_;
		return LS_ECSV_HEADER;
	}
	for (size_t i = 0; i < nreq; i++) {
		if (h->col[req[i]] < 0) {
			*missing = req[i];
			return LS_ECSV_HEADER;
		}
	}
	return 0;
}

size_t kea_csv_unescape(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		/* "&#x" then exactly two hex digits, as CSVRow::unescapeCharacters */
		if (s[i] == '&' && i + 4 < len && s[i + 1] == '#' && s[i + 2] == 'x' &&
		    util_hex_val(s[i + 3]) >= 0 && util_hex_val(s[i + 4]) >= 0) {
			s[o++] = (char)(util_hex_val(s[i + 3]) << 4 | util_hex_val(s[i + 4]));
			i += 5;
			continue;
		}
		s[o++] = s[i++];
	}
	s[o] = '\0';
	return o;
}

size_t kea_csv_escape(const char *s, size_t len, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!size)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		/* CSVRow::escapeCharacters: controls, non-ASCII, separator, '&' */
		if (c < 0x20 || c > 0x7e || c == ',' || c == '&') {
			if (o + 5 >= size)
				break;
			memcpy(buf + o, "&#x", 3);
			buf[o + 3] = hex[c >> 4];
			buf[o + 4] = hex[c & 15];
			o += 5;
		} else {
			if (o + 1 >= size)
				break;
			buf[o++] = c;
		}
	}
	buf[o] = '\0';
	return o;
}

/* Strict unsigned decimal, as boost::lexical_cast: digits only, no sign. */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (x > max / 10 || (x == max / 10 && (uint64_t)(*s - '0') > max % 10))
			return -ERANGE;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t x;
	int err = parse_u64(s, max, &x);

	if (!err)
		*v = (uint32_t)x;
	return err;
}

/* An optional numeric column: absent or empty (v6 hwtype without hwaddr) is 0. */
static int parse_opt(const struct kea_csv_hdr *h, char **f, enum kea_col c, uint32_t max,
		     uint32_t *v)
{
	*v = 0;
	if (h->col[c] < 0 || !*f[h->col[c]])
		return 0;
	return parse_u32(f[h->col[c]], max, v);
}

int kea_csv_parse_row(const struct kea_csv_hdr *h, char *line, size_t len, struct kea_row *r,
		      const char **why)
{
	char *f[KEA_COLS_MAX];
	uint32_t v;
	int n = 0, k;
	size_t start = 0;

#define BAD(col)                                   \
	do {                                       \
		*why = kea_csv_col_name(col);      \
		return LS_ECSV_ROW;                \
	} while (0)
#define COL(c) f[h->col[c]]

	*why = "column count";
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ',')
			continue;
		if (n >= h->ncols)
			return LS_ECSV_ROW;
		f[n++] = line + start;
		line[i] = '\0';	/* i == len writes the caller's spare terminator slot */
		start = i + 1;
	}
	if (n != h->ncols)
		return LS_ECSV_ROW;

	memset(r, 0, offsetof(struct kea_row, hwaddr));
	r->family = h->family;
	r->cols = h->cols;
	if (util_addr_parse(COL(KEA_COL_ADDRESS), h->family, r->addr) < 0)
		BAD(KEA_COL_ADDRESS);
	if (parse_u32(COL(KEA_COL_VALID_LIFETIME), UINT32_MAX, &r->valid_lft))
		BAD(KEA_COL_VALID_LIFETIME);
	if (parse_u64(COL(KEA_COL_EXPIRE), UINT64_MAX, &r->expire) || r->expire < r->valid_lft)
		BAD(KEA_COL_EXPIRE);
	if (parse_u32(COL(KEA_COL_SUBNET_ID), UINT32_MAX, &r->subnet_id))
		BAD(KEA_COL_SUBNET_ID);
	if (parse_u32(COL(KEA_COL_FQDN_FWD), 1, &v))	/* lexical_cast<bool>: "0"/"1" */
		BAD(KEA_COL_FQDN_FWD);
	r->fqdn_fwd = v;
	if (parse_u32(COL(KEA_COL_FQDN_REV), 1, &v))
		BAD(KEA_COL_FQDN_REV);
	r->fqdn_rev = v;
	if (h->col[KEA_COL_STATE] >= 0) {	/* added in schema 2.0, default 0 */
		if (parse_u32(COL(KEA_COL_STATE), UINT8_MAX, &v))
			BAD(KEA_COL_STATE);
		r->state = v;
	}
	if (parse_opt(h, f, KEA_COL_POOL_ID, UINT32_MAX, &r->pool_id))
		BAD(KEA_COL_POOL_ID);
	if (h->col[KEA_COL_HWADDR] >= 0) {
		k = util_hex_parse(COL(KEA_COL_HWADDR), r->hwaddr, KEA_HWADDR_MAX);
		if (k < 0)
			BAD(KEA_COL_HWADDR);
		r->hwaddr_len = k;
	}
	if (h->family == 4) {
		r->prefix_len = 32;
		/* CSVLeaseFile4::next: a blank hwaddr is only valid when declined */
		if (!r->hwaddr_len && r->state != KEA_STATE_DECLINED)
			BAD(KEA_COL_HWADDR);
		k = util_hex_parse(COL(KEA_COL_CLIENT_ID), r->id, KEA_ID_MAX);
		if (k < 0)
			BAD(KEA_COL_CLIENT_ID);
		r->id_len = k;
	} else {
		k = util_hex_parse(COL(KEA_COL_DUID), r->id, KEA_ID_MAX);
		if (k <= 0)
			BAD(KEA_COL_DUID);
		r->id_len = k;
		if (parse_u32(COL(KEA_COL_PREF_LIFETIME), UINT32_MAX, &r->pref_lft))
			BAD(KEA_COL_PREF_LIFETIME);
		if (parse_u32(COL(KEA_COL_LEASE_TYPE), KEA_TYPE_PD, &v))
			BAD(KEA_COL_LEASE_TYPE);
		r->type = v;
		if (parse_u32(COL(KEA_COL_IAID), UINT32_MAX, &r->iaid))
			BAD(KEA_COL_IAID);
		if (parse_u32(COL(KEA_COL_PREFIX_LEN), 128, &v))
			BAD(KEA_COL_PREFIX_LEN);
		r->prefix_len = v;
		if (parse_opt(h, f, KEA_COL_HWTYPE, UINT16_MAX, &v))
			BAD(KEA_COL_HWTYPE);
		r->hwtype = v;
		if (parse_opt(h, f, KEA_COL_HWADDR_SOURCE, UINT8_MAX, &v))
			BAD(KEA_COL_HWADDR_SOURCE);
		r->hwaddr_source = v;
	}
	r->hostname = COL(KEA_COL_HOSTNAME);
	r->hostname_len = kea_csv_unescape(COL(KEA_COL_HOSTNAME), strlen(r->hostname));
	if (h->col[KEA_COL_USER_CONTEXT] >= 0) {
		r->user_context = COL(KEA_COL_USER_CONTEXT);
		r->user_context_len = kea_csv_unescape(COL(KEA_COL_USER_CONTEXT),
						       strlen(r->user_context));
	} else {
		r->user_context = "";
	}
	return 0;
#undef BAD
#undef COL
}

/* ------------------------------------------------------------------------ */

#define RD_CHUNK (1u << 20)		/* read(2) size: 1 MiB */
#define LINE_MAX_BYTES (16u << 20)	/* a longer line is a bad row, skipped */
#define BAD_LOG_MAX 10			/* bad rows logged per file, then counted only */

struct kea_csv_file {
	int fd;
	int hdr_ok;		/* 1 header parsed, -1 header refused, 0 not yet */
	int skipping;		/* inside an over-long line: drop up to its newline */
	char *path;
	char *buf;
	size_t cap, len;	/* buf holds [0, len): one incomplete line at most */
	uint64_t lineno;
	off_t off;		/* bytes of complete lines consumed */
	struct kea_csv_hdr hdr;
	struct kea_csv_stats st;
};

int kea_csv_open(struct kea_csv_file **out, const char *path)
{
	struct kea_csv_file *f;
	int err;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	f->cap = RD_CHUNK + 1;
	f->buf = malloc(f->cap);
	if (!f->path || !f->buf) {
		err = -ENOMEM;
		goto fail;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		err = -errno;
		goto fail;
	}
	*out = f;
	return 0;
fail:
	f->fd = -1;
	kea_csv_close(f);
	return err;
}

static void bad_row(struct kea_csv_file *f, const char *why)
{
	f->st.bad_rows++;
	if (f->st.bad_rows <= BAD_LOG_MAX)
		pr_warn("kea_csv: bad row skipped '%s' (line %llu: %s)", f->path,
			(unsigned long long)f->lineno, why);
	if (f->st.bad_rows == BAD_LOG_MAX)
		pr_warn("kea_csv: further bad rows in '%s' are counted, not logged", f->path);
}

/* One complete line without its newline; line[len] may be written. */
static int do_line(struct kea_csv_file *f, char *line, size_t len, kea_csv_row_fn fn, void *ctx)
{
	struct kea_row row;
	const char *why;
	enum kea_col miss;
	int err;

	f->lineno++;
	f->st.lines++;
	if (!len)	/* Kea's CSVFile::next skips blank lines */
		return 0;
	if (!f->hdr_ok) {
		err = kea_csv_parse_header(&f->hdr, line, len, &miss);
		if (err) {
			f->hdr_ok = -1;
			if (miss == KEA_COL_MAX_)
				pr_err_rl("kea_csv: not a Kea lease file header '%s' (line %llu)",
				       f->path, (unsigned long long)f->lineno);
			else if (miss == KEA_COL_CLIENT_ID)
				pr_err_rl("kea_csv: header has neither column 'client_id' (v4) nor "
				       "'duid' (v6) in '%s' (line %llu)",
				       f->path, (unsigned long long)f->lineno);
			else
				pr_err_rl("kea_csv: header lacks column '%s' in '%s' (line %llu)",
				       kea_csv_col_name(miss), f->path,
				       (unsigned long long)f->lineno);
			return err;
		}
		f->hdr_ok = 1;
		return 0;
	}
	if (kea_csv_parse_row(&f->hdr, line, len, &row, &why)) {
		bad_row(f, why);
		return 0;
	}
	f->st.rows++;
	err = fn(ctx, &row);
	return err < 0 ? err : 1;
}

int kea_csv_read(struct kea_csv_file *f, kea_csv_row_fn fn, void *ctx)
{
	int rows = 0, err = 0;

	if (f->hdr_ok < 0)
		return LS_ECSV_HEADER;
	for (;;) {
		size_t pos = 0;
		ssize_t n;
		char *nl;

		if (f->cap - 1 - f->len < RD_CHUNK / 2) {
			size_t ncap = f->cap * 2;

			if (ncap > LINE_MAX_BYTES + RD_CHUNK + 1) {
				/* an absurd line: drop what we have, skip to its end */
				f->off += f->len;
				f->len = 0;
				f->skipping = 1;
			} else {
				char *nb = realloc(f->buf, ncap);

				if (!nb)
					return -ENOMEM;
				f->buf = nb;
				f->cap = ncap;
			}
		}
		n = read(f->fd, f->buf + f->len, f->cap - 1 - f->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_err_rl("kea_csv: cannot read '%s' (%s)", f->path, ls_strerror(err));
			return err;
		}
		if (n == 0)
			break;
		f->len += n;
		while ((nl = memchr(f->buf + pos, '\n', f->len - pos))) {
			size_t ll = nl - (f->buf + pos);

			f->st.bytes += ll + 1;
			f->off += ll + 1;
			if (f->skipping) {
				f->skipping = 0;
				f->lineno++;
				bad_row(f, "line too long");
			} else {
				err = do_line(f, f->buf + pos, ll, fn, ctx);
				if (err < 0) {
					pos += ll + 1;
					memmove(f->buf, f->buf + pos, f->len - pos);
					f->len -= pos;
					return err;
				}
				rows += err;
			}
			pos += ll + 1;
		}
		if (f->skipping) {	/* still inside the over-long line */
			f->off += f->len - pos;
			f->len = pos;
		}
		memmove(f->buf, f->buf + pos, f->len - pos);
		f->len -= pos;
	}
	return rows;
}

int kea_csv_finish(struct kea_csv_file *f)
{
	if (!f->len && !f->skipping)
		return 0;
	f->lineno++;
	f->off += f->len;
	f->len = 0;
	f->skipping = 0;
	bad_row(f, "torn last line");
	return 1;
}

const struct kea_csv_hdr *kea_csv_header(const struct kea_csv_file *f)
{
	return f->hdr_ok > 0 ? &f->hdr : NULL;
}

int kea_csv_fd(const struct kea_csv_file *f)
{
	return f->fd;
}

off_t kea_csv_offset(const struct kea_csv_file *f)
{
	return f->off;
}

void kea_csv_get_stats(const struct kea_csv_file *f, struct kea_csv_stats *st)
{
	*st = f->st;
}

void kea_csv_close(struct kea_csv_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->path);
	free(f);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/kea_csv.h - Kea memfile lease file reading: the header-driven column
 * map, one row parsed exactly as Kea's CSVLeaseFile4/6 would (escapes, hex
 * identifiers, 0/1 booleans, cltt = expire - valid_lifetime), and a line
 * reader over an open file that hands out complete rows only: a torn last
 * line is held until its newline arrives, and a bad row is counted, logged
 * with file and line, and skipped. Knows nothing of the lease table.
 */
#ifndef LS_KEA_CSV_H
#define LS_KEA_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Columns leasesnoop knows, in the order Kea writes them (v4 then v6 only). */
enum kea_col {
	KEA_COL_ADDRESS = 0,
	KEA_COL_HWADDR,
	KEA_COL_CLIENT_ID,	/* v4 */
	KEA_COL_DUID,		/* v6 */
	KEA_COL_VALID_LIFETIME,
	KEA_COL_EXPIRE,
	KEA_COL_SUBNET_ID,
	KEA_COL_PREF_LIFETIME,	/* v6 */
	KEA_COL_LEASE_TYPE,	/* v6 */
	KEA_COL_IAID,		/* v6 */
	KEA_COL_PREFIX_LEN,	/* v6 */
	KEA_COL_FQDN_FWD,
	KEA_COL_FQDN_REV,
	KEA_COL_HOSTNAME,
	KEA_COL_STATE,
	KEA_COL_USER_CONTEXT,
	KEA_COL_HWTYPE,		/* v6, Kea >= 1.4 */
	KEA_COL_HWADDR_SOURCE,	/* v6, Kea >= 1.4 */
	KEA_COL_POOL_ID,	/* Kea >= 2.4 */
	KEA_COL_MAX_,
};

/* Lease states as Kea numbers them (src/lib/dhcpsrv/lease.h). */
enum kea_state {
	KEA_STATE_DEFAULT = 0,
	KEA_STATE_DECLINED = 1,
	KEA_STATE_EXPIRED_RECLAIMED = 2,
	KEA_STATE_RELEASED = 3,
	KEA_STATE_REGISTERED = 4,
};

/* v6 lease_type column (same numbering as enum ls_ia_type). */
enum kea_lease_type { KEA_TYPE_NA = 0, KEA_TYPE_TA = 1, KEA_TYPE_PD = 2 };

#define KEA_HWADDR_MAX 20	/* Kea's HWAddr::MAX_HWADDR_LEN */
#define KEA_ID_MAX 255		/* client-id (RFC 2132: <= 255), DUID (RFC 8415: <= 130) */
#define KEA_COLS_MAX 64		/* columns a header may have, known or not */

/* The column map of one file, from its header line. */
struct kea_csv_hdr {
	uint8_t family;		/* 4 or 6, from the columns present */
	uint8_t ncols;		/* columns in the header, every row must have as many */
	uint32_t cols;		/* bit (1 << enum kea_col) per known column present */
	int8_t col[KEA_COL_MAX_];	/* row index of each known column, -1 when absent */
};

/* One parsed row. Strings point into the caller's line buffer. */
struct kea_row {
	uint8_t family;
	uint32_t cols;		/* bit (1 << enum kea_col) set for each column its file has */
	uint8_t addr[16];	/* v4 in the first 4 bytes */
	uint8_t prefix_len;	/* 32 (v4), 128 (NA/TA) or the delegated length */
	uint8_t type;		/* enum kea_lease_type; KEA_TYPE_NA for v4 */
	uint8_t state;		/* enum kea_state */
	uint8_t fqdn_fwd, fqdn_rev;
	uint8_t hwaddr_len, hwaddr_source;
	uint16_t hwtype;
	uint16_t id_len;	/* client_id (v4) or duid (v6); 0 when empty */
	uint32_t valid_lft, pref_lft, subnet_id, iaid, pool_id;
	uint64_t expire;	/* Unix time; cltt = expire - valid_lft */
	const char *hostname;	/* unescaped, NUL-terminated; may contain NUL bytes */
	const char *user_context;	/* unescaped JSON text or "" */
	size_t hostname_len, user_context_len;
	uint8_t hwaddr[KEA_HWADDR_MAX];
	uint8_t id[KEA_ID_MAX];
};

/*
 * kea_csv_col_name() - the column's name in Kea's header ("address", ...).
 * Never NULL for a valid @c.
 */
const char *kea_csv_col_name(enum kea_col c);

/*
 * kea_csv_parse_header() - build @h from a header line (no newline). Columns
 * are found by name; unknown ones are ignored. The family is v6 when a "duid"
 * column is present, v4 when "client_id" is. Returns 0, or LS_ECSV_HEADER
 * with *@missing set to the first required column absent (KEA_COL_MAX_ when
 * the line is not a lease file header at all).
 */
int kea_csv_parse_header(struct kea_csv_hdr *h, const char *line, size_t len,
			 enum kea_col *missing);

/*
 * kea_csv_parse_row() - parse one data line (no newline) as @h says. @line
 * is modified in place (fields NUL-terminated, escapes decoded) and
 * @line[@len] must be writable; @r points into it. Returns 0, or
 * LS_ECSV_ROW with *@why naming the offending column or "column count"
 * (a static string).
 */
int kea_csv_parse_row(const struct kea_csv_hdr *h, char *line, size_t len, struct kea_row *r,
		      const char **why);

/*
 * kea_csv_unescape() - decode Kea's "&#xNN" escapes (two hex digits, either
 * case) in @s[0..@len) in place; anything else, including a tag without two
 * hex digits, stays literal as in Kea's CSVRow::unescapeCharacters. NUL
 * terminates the result and returns its length.
 */
size_t kea_csv_unescape(char *s, size_t len);

/* kea_csv_escape() - Kea's escapeCharacters() for output; returns length. */
size_t kea_csv_escape(const char *s, size_t len, char *buf, size_t size);

struct kea_csv_file;

/*
 * kea_csv_row_fn - called by kea_csv_read() for every good row, in file
 * order. A negative return stops the read and is passed back.
 */
typedef int (*kea_csv_row_fn)(void *ctx, const struct kea_row *row);

/* Counters of one open file (cumulative). */
struct kea_csv_stats {
	uint64_t lines;		/* complete lines, header and blank lines included */
	uint64_t rows;		/* good rows handed out */
	uint64_t bad_rows;	/* rows skipped (count, address, number ...) */
	uint64_t bytes;		/* bytes consumed (complete lines) */
};

/*
 * kea_csv_open() - open @path for reading from its start; the header is read
 * by the first kea_csv_read(). Returns 0, -ENOENT when absent, or a negative
 * errno. Free with kea_csv_close().
 */
int kea_csv_open(struct kea_csv_file **out, const char *path);

/*
 * kea_csv_read() - read what the file holds now, up to its current end,
 * calling @fn for every complete good row. A last line without its newline
 * is kept back (a torn append) and completed by a later call. Returns the
 * number of rows handed out, LS_ECSV_HEADER when the header is unusable
 * (logged once), or a negative errno / @fn's error.
 */
int kea_csv_read(struct kea_csv_file *f, kea_csv_row_fn fn, void *ctx);

/*
 * kea_csv_finish() - the file will not grow any more (rotated away): a held
 * torn line is counted as a bad row and dropped. Returns 1 if one was.
 */
int kea_csv_finish(struct kea_csv_file *f);

/* kea_csv_header() - the file's column map, or NULL before its header is read. */
const struct kea_csv_hdr *kea_csv_header(const struct kea_csv_file *f);

/* kea_csv_fd() - the open descriptor (for fstat); owned by @f. */
int kea_csv_fd(const struct kea_csv_file *f);

/* kea_csv_offset() - bytes of complete lines consumed so far. */
off_t kea_csv_offset(const struct kea_csv_file *f);

/* kea_csv_get_stats() - copy the file's counters to @st. */
void kea_csv_get_stats(const struct kea_csv_file *f, struct kea_csv_stats *st);

/* kea_csv_close() - close and free @f; NULL is a no-op. */
void kea_csv_close(struct kea_csv_file *f);

#endif

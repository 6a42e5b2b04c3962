/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/ctl/confread.h - the one JSON configuration reader. Every map of the
 * configuration (the Leasesnoop map and its sub-maps, Kea D2's sections,
 * "high-availability", "metrics") is described by a table of items, as in
 * Knot's src/knot/conf/schema.c: a key, a type, a range or a list of names,
 * a default, where the value goes (an offset into the caller's struct),
 * flags, and for maps and lists the table of what they hold. The reader
 * applies the defaults, rejects unknown keys and wrong types, checks ranges,
 * and stores the values; it never acts on them (building zones, opening
 * sockets is the caller's, in its own functions). Every map accepts
 * "comment" (a string) and "user-context" (a map), as Kea does.
 *
 * Every message has one of four forms, with the key path printed one way
 * (maps joined by '.', list entries as [i]: forward-ddns.ddns-domains[0].key-name)
 * and the line where the text of the file is known:
 *
 *   config: unknown key 'ttl.percnt' in '/etc/ls.conf' line 12
 *   config: missing key 'forward-ddns.ddns-domains[0].name' in '/etc/ls.conf' line 20
 *   config: bad key 'ttl.percent' in '/etc/ls.conf' line 12 (must be an integer from 1 to 100, not 0)
 *   config: syntax error in '/etc/ls.conf' line 3 column 9 (<jansson's text>)
 */
#ifndef LS_CONFREAD_H
#define LS_CONFREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum confread_type {
	CONFREAD_END = 0,	/* ends a table */
	CONFREAD_ANY,		/* accepted, not stored (another program's key); key "*": any key */
	CONFREAD_STR,		/* char *, strdup()ed (the previous value freed): the caller frees it */
	CONFREAD_CSTR,		/* const char *, borrowed from the JSON tree */
	CONFREAD_BUF,		/* char[.size], copied; a longer string is refused */
	CONFREAD_BOOL,		/* bool */
	CONFREAD_U32,		/* uint32_t, an integer in [.min, .max] */
	CONFREAD_MS,		/* uint32_t milliseconds from a number of seconds (may be
				 * fractional), in [.min, .max] milliseconds */
	CONFREAD_ENUM,		/* a string among .names[.min ….max], stored as its index
				 * in an integer of .size bytes */
	CONFREAD_FN,		/* read by .fn (its wording for messages: .want) */
	CONFREAD_JSON,		/* const json_t *, borrowed: read later by its owner */
	CONFREAD_MAP,		/* a map read with the table .sub into the struct at .offset */
	CONFREAD_LIST,		/* a list, see struct confread_item */
};

/* flags */
#define CONFREAD_REQUIRED	0x01	/* missing is an error */
#define CONFREAD_NONEMPTY	0x02	/* STR/CSTR/BUF: "" is refused */
#define CONFREAD_NOCASE		0x04	/* ENUM: names match case-insensitively */
#define CONFREAD_DEFAULT	0x08	/* set .def / .def_str before reading */
#define CONFREAD_SECRET		0x10	/* never print the value */
#define CONFREAD_WRAPPER	0x20	/* MAP: not printed in key paths (the "Leasesnoop" map) */

struct confread;

/*
 * struct confread_item - one key of a map. @offset is where the value goes,
 * relative to the struct the map is read into; a MAP's table is relative to
 * base + @offset.
 *
 * A LIST reads each entry with @sub, a table of one item and the end (its
 * key unused, its offset relative to the entry). Entries are either stored
 * in place (@each NULL: an array of @elem_size-byte entries at @offset, the
 * count in the int at @count_offset, at most @max entries) or read one at a
 * time into a zeroed scratch entry that @each(cr, entry, index, base) then
 * applies (the scratch is freed shallowly: its strings should be CSTR). A
 * LIST holds at least @min entries; @max 0 is no limit.
 *
 * @check (optional) runs after the value is stored, with @field the stored
 * value (a MAP: its struct) and @base the struct of the map holding it: for
 * what a type cannot say (one DNS label, min not above max). It reports
 * with confread_bad() and returns its result, or 0.
 */
struct confread_item {
	const char *key;
	enum confread_type type;
	unsigned int flags;
	size_t offset;
	size_t size;			/* BUF: buffer size; ENUM: sizeof the integer */
	int64_t min, max;		/* U32, MS, LIST: range; ENUM: first and last name */
	int64_t def;			/* BOOL, U32, MS, ENUM default (CONFREAD_DEFAULT) */
	const char *def_str;		/* STR, BUF default (CONFREAD_DEFAULT) */
	const char *const *names;	/* ENUM */
	const struct confread_item *sub;	/* MAP: its table; LIST: the entry's, one item */
	size_t elem_size, count_offset;	/* LIST */
	int (*each)(struct confread *cr, void *entry, size_t idx, void *base);	/* LIST */
	size_t seen_offset;		/* MAP: 1 + offset of a bool in its struct, set when present */
	int (*fn)(struct confread *cr, const json_t *v, void *field);	/* FN */
	const char *want;		/* FN: what the value must be, for messages */
	int (*check)(struct confread *cr, const char *key, void *field, void *base);
};

/* Table-writing helpers: T is the struct type, F the field. */
#define CONFREAD_OFF(T, F)	offsetof(T, F)
#define CONFREAD_SZ(T, F)	sizeof(((T *)0)->F)

#define CONFREAD_DEPTH_MAX 16

struct confread_seg {
	const char *key;	/* NULL: a list entry */
	size_t idx;
	bool wrapper;		/* not printed */
};

/* The state of one read: the file, its text (for line numbers), the key path. */
struct confread {
	const char *file;
	const char *text;	/* NULL: no line numbers */
	int depth;
	struct confread_seg path[CONFREAD_DEPTH_MAX];
};

/*
 * confread_init() - start reading a value of @file; @text is the file's text
 * as parsed (confread_load()), or NULL when not known (no line numbers).
 * Neither is copied.
 */
void confread_init(struct confread *cr, const char *file, const char *text);

/*
 * confread_load() - read the JSON file @path, comments (#, //, C-style)
 * allowed, duplicate keys refused: *@root is a new reference, *@text the
 * text with comments blanked (free()), for confread_init(). Returns 0,
 * LS_ECONFIG (a syntax error, logged with line and column) or a negative
 * errno (logged).
 */
int confread_load(const char *path, json_t **root, char **text);

/* confread_strip_comments() - blank #, // and C-style comments outside strings, keeping newlines. */
void confread_strip_comments(char *s);

/*
 * confread_defaults() - set the defaults of @items (and of their maps) in
 * @base. Returns 0 or -ENOMEM.
 */
int confread_defaults(const struct confread_item *items, void *base);

/*
 * confread_map() - read the map @obj at the current path with @items into
 * @base: unknown keys, wrong types, values out of range and missing
 * required keys are refused (logged). Defaults are not set here (see
 * confread_defaults()). Returns 0, LS_ECONFIG or -ENOMEM.
 */
int confread_map(struct confread *cr, const json_t *obj, const struct confread_item *items,
		 void *base);

/*
 * confread_value() - read the value @v of the single @item, at key @key of
 * the current path (NULL: @v is the current path), into @base. Returns 0,
 * LS_ECONFIG or -ENOMEM.
 */
int confread_value(struct confread *cr, const char *key, const json_t *v,
		   const struct confread_item *item, void *base);

/*
 * confread_one() - read the one-item table @map (its item names the map, as
 * HA_CONFIG_ITEM does) from @obj of @file into @base: defaults first, then
 * the value when @obj is not NULL. For the parts whose settings are read on
 * their own (ha, metrics). Returns 0 or the reader's error.
 */
int confread_one(const struct confread_item *map, const json_t *obj, const char *file,
		 void *base);

/* confread_push() / confread_push_idx() / confread_pop() - walk the key path. */
void confread_push(struct confread *cr, const char *key, bool wrapper);
void confread_push_idx(struct confread *cr, size_t idx);
void confread_pop(struct confread *cr);

/*
 * confread_path() - the current path, with @key (may be NULL) appended, in
 * @buf: "forward-ddns.ddns-domains[0].name". Returns @buf.
 */
char *confread_path(const struct confread *cr, const char *key, char *buf, size_t len);

/*
 * confread_line() - the line of @key (NULL: of the current path) in the
 * text, or 0 if the text is not known or does not hold it.
 */
unsigned int confread_line(const struct confread *cr, const char *key);

/*
 * confread_bad() - log "config: bad key '<path>.<key>' in '<file>' line N
 * (<reason>)". Returns LS_ECONFIG.
 */
int confread_bad(struct confread *cr, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * confread_bad_value() - confread_bad() saying "must be @what, not <@v as
 * confread_describe() shows it>": for CONFREAD_FN readers. Returns LS_ECONFIG.
 */
int confread_bad_value(struct confread *cr, const char *key, const char *what, const json_t *v);

/* confread_missing() - log "config: missing key '<path>.<key>' in …". Returns LS_ECONFIG. */
int confread_missing(struct confread *cr, const char *key);

/*
 * confread_describe() - @v as a message shows it: a string in double
 * quotes (cut at 40 characters), a number, true, false, null, "a map",
 * "a list of N entries", "an empty list". Returns @buf.
 */
char *confread_describe(const json_t *v, char *buf, size_t len);

#endif

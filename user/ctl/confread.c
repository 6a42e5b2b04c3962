// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/ctl/confread.c - the table-driven reader of user/ctl/confread.h.
 * jansson parses the file (comments blanked first, keeping offsets); the
 * reader walks a map's keys once to refuse unknown ones, then its table in
 * table order, so a value that depends on another (a key-name on a key)
 * always finds it read. jansson keeps no positions in its tree, so a line
 * number is found only when a message needs one, by following the key path
 * through the text jansson has already accepted.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/ctl/confread.h"

#define PATH_MAX_LEN 512
#define WANT_MAX 256

void confread_init(struct confread *cr, const char *file, const char *text)
{
	memset(cr, 0, sizeof(*cr));
	cr->file = file;
	cr->text = text;
}

void confread_push(struct confread *cr, const char *key, bool wrapper)
{
	/* deeper than any table goes: keep counting so pops stay paired */
	if (cr->depth < CONFREAD_DEPTH_MAX)
		cr->path[cr->depth] = (struct confread_seg){ .key = key, .wrapper = wrapper };
	cr->depth++;
}

void confread_push_idx(struct confread *cr, size_t idx)
{
	if (cr->depth < CONFREAD_DEPTH_MAX)
		cr->path[cr->depth] = (struct confread_seg){ .idx = idx };
	cr->depth++;
}

void confread_pop(struct confread *cr)
{
	if (cr->depth > 0)
		cr->depth--;
}

/* comments and files */

void confread_strip_comments(char *s)
{
	bool in_str = false;

	for (char *p = s; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
			continue;
		}
		if (*p == '"') {
			in_str = true;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		} else if (p[0] == '/' && p[1] == '*') {
			*p++ = ' ';
			*p = ' ';
			while (p[1] && !(p[1] == '*' && p[2] == '/')) {
				p++;
				if (*p != '\n')
					*p = ' ';
			}
			if (p[1]) {
				p[1] = ' ';
				p[2] = ' ';
				p += 2;
			}
		}
	}
}

int confread_load(const char *path, json_t **root, char **text_out)
{
	FILE *f = fopen(path, "re");
	json_error_t jerr;
	char *text = NULL;
	size_t cap = 0, n = 0;
	int err = 0;

	*root = NULL;
	*text_out = NULL;
	if (!f) {
		err = -errno;
		pr_err("config: cannot open '%s' (%s)", path, ls_strerror(err));
		return err;
	}
	for (;;) {
		size_t r;

		if (n + 4096 + 1 > cap) {
			char *t = realloc(text, cap = cap * 2 + 8192);

			if (!t) {
				err = -ENOMEM;
				goto out;
			}
			text = t;
		}
		r = fread(text + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		pr_err("config: cannot read '%s' (%s)", path, ls_strerror(err));
		goto out;
	}
	text[n] = 0;
	confread_strip_comments(text);
	*root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root) {
		pr_err("config: syntax error in '%s' line %d column %d (%s)", path, jerr.line,
		       jerr.column, jerr.text);
		err = LS_ECONFIG;
	}
out:
	fclose(f);
	if (err)
		free(text);
	else
		*text_out = text;
	return err;
}

/* key paths and line numbers */

char *confread_path(const struct confread *cr, const char *key, char *buf, size_t len)
{
	size_t n = 0;
	int i, d = cr->depth < CONFREAD_DEPTH_MAX ? cr->depth : CONFREAD_DEPTH_MAX;

	buf[0] = '\0';
	for (i = 0; i <= d && n < len; i++) {
		const struct confread_seg *s = i < d ? &cr->path[i] : NULL;
		const char *k = s ? s->key : key;

		if (s && s->wrapper)
			continue;
		if (!s && !key)
			break;
		if (s && !s->key)
			n += snprintf(buf + n, len - n, "[%zu]", s->idx);
		else
			n += snprintf(buf + n, len - n, "%s%s", n ? "." : "", k);
	}
	return buf;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* @p at the opening quote; returns past the closing one */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

/* @p at a value jansson accepted; returns past it */
static const char *skip_value(const char *p)
{
	int depth = 0;

	if (*p == '"')
		return skip_string(p);
	if (*p != '{' && *p != '[') {
		while (*p && !strchr(",]} \t\r\n", *p))
			p++;
		return p;
	}
	for (; *p; p++) {
		if (*p == '"') {
			p = skip_string(p) - 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return p;
}

/* does the JSON string at @p (its opening quote) spell @key? */
static bool key_is(const char *p, const char *key)
{
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";

	for (p++; *p && *p != '"'; p++, key++) {
		char c = *p;

		if (c == '\\') {
			const char *e = strchr(esc, p[1]);

			/* \uXXXX and the like: no line rather than a wrong one */
			if (!p[1] || !e || (e - esc) % 2)
				return false;
			c = e[1];
			p++;
		}
		if (c != *key)
			return false;
	}
	return *p == '"' && !*key;
}

/* the position of @s's key (a map) or entry (a list) in the value at @p, or NULL */
static const char *find_seg(const char *p, const struct confread_seg *s, const char **val)
{
	size_t i = 0;

	p = skip_ws(p);
	if (*p != (s->key ? '{' : '['))
		return NULL;
	for (p = skip_ws(p + 1); *p && *p != '}' && *p != ']'; p = skip_ws(p), i++) {
		const char *at = p;

		if (s->key) {
			bool hit;

			if (*p != '"')
				return NULL;
			hit = key_is(p, s->key);
			p = skip_ws(skip_string(p));
			if (*p != ':')
				return NULL;
			p = skip_ws(p + 1);
			if (hit) {
				*val = p;
				return at;
			}
		} else if (i == s->idx) {
			*val = p;
			return at;
		}
		p = skip_ws(skip_value(p));
		if (*p == ',')
			p++;
	}
	return NULL;
}

unsigned int confread_line(const struct confread *cr, const char *key)
{
	struct confread_seg last = { .key = key };
	const char *p, *at = NULL;
	unsigned int line = 1;
	int i;

	if (!cr->text || cr->depth > CONFREAD_DEPTH_MAX)
		return 0;
	p = cr->text;
	for (i = 0; i <= cr->depth; i++) {
		const struct confread_seg *s = i < cr->depth ? &cr->path[i] : &last;

		if (i == cr->depth && !key)
			break;
		at = find_seg(p, s, &p);
		if (!at)
			return 0;
	}
	if (!at)
		return 0;
	for (p = cr->text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* messages */

static void report(struct confread *cr, const char *what, const char *key, unsigned int line,
		   const char *reason)
{
	char path[PATH_MAX_LEN], where[32] = "";

	if (line)
		snprintf(where, sizeof(where), " line %u", line);
	confread_path(cr, key, path, sizeof(path));
	if (!*path)
		pr_err("config: %s top level in '%s'%s%s%s%s", what, cr->file, where,
		       reason ? " (" : "", reason ?: "", reason ? ")" : "");
	else
		pr_err("config: %s key '%s' in '%s'%s%s%s%s", what, path, cr->file, where,
		       reason ? " (" : "", reason ?: "", reason ? ")" : "");
}

int confread_bad(struct confread *cr, const char *key, const char *fmt, ...)
{
	char reason[WANT_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	report(cr, "bad", key, confread_line(cr, key), reason);
	return LS_ECONFIG;
}

int confread_missing(struct confread *cr, const char *key)
{
	/* the line of the map that lacks it */
	report(cr, "missing", key, confread_line(cr, NULL), NULL);
	return LS_ECONFIG;
}

static int unknown(struct confread *cr, const char *key)
{
	report(cr, "unknown", key, confread_line(cr, key), NULL);
	return LS_ECONFIG;
}

char *confread_describe(const json_t *v, char *buf, size_t len)
{
	const char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		snprintf(buf, len, "\"%.40s%s\"", s, strlen(s) > 40 ? "…" : "");
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "a map");
		break;
	case JSON_ARRAY:
		if (!json_array_size(v))
			snprintf(buf, len, "an empty list");
		else
			snprintf(buf, len, "a list of %zu entr%s", json_array_size(v),
				 json_array_size(v) == 1 ? "y" : "ies");
		break;
	default:
		snprintf(buf, len, "null");
		break;
	}
	return buf;
}

/* what a value of @it must be, in words */
static const char *want(const struct confread_item *it, char *buf, size_t len)
{
	size_t n;

	switch (it->type) {
	case CONFREAD_STR:
	case CONFREAD_CSTR:
		snprintf(buf, len, "a %sstring", it->flags & CONFREAD_NONEMPTY ? "non-empty " : "");
		break;
	case CONFREAD_BUF:
		snprintf(buf, len, "a %sstring of at most %zu characters",
			 it->flags & CONFREAD_NONEMPTY ? "non-empty " : "", it->size - 1);
		break;
	case CONFREAD_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case CONFREAD_U32:
		snprintf(buf, len, "an integer from %lld to %lld", (long long)it->min,
			 (long long)it->max);
		break;
	case CONFREAD_MS:
		snprintf(buf, len, "a number of seconds from %g to %g", it->min / 1000.0,
			 it->max / 1000.0);
		break;
	case CONFREAD_ENUM:
		n = snprintf(buf, len, "one of");
		for (int64_t i = it->min; i <= it->max && n < len; i++)
			n += snprintf(buf + n, len - n, "%s %s", i > it->min ? "," : "",
				      it->names[i]);
		break;
	case CONFREAD_MAP:
		snprintf(buf, len, "a map");
		break;
	case CONFREAD_LIST:
		if (it->max && it->min)
			snprintf(buf, len, "a list of %lld to %lld entries", (long long)it->min,
				 (long long)it->max);
		else if (it->max)
			snprintf(buf, len, "a list of at most %lld entries", (long long)it->max);
		else if (it->min)
			snprintf(buf, len, "a list of at least %lld entr%s", (long long)it->min,
				 it->min == 1 ? "y" : "ies");
		else
			snprintf(buf, len, "a list");
		break;
	default:
		snprintf(buf, len, "%s", it->want ?: "something else");
		break;
	}
	return buf;
}

int confread_bad_value(struct confread *cr, const char *key, const char *what, const json_t *v)
{
	char d[64];

	return confread_bad(cr, key, "must be %s, not %s", what, confread_describe(v, d, sizeof(d)));
}

/* "must be <want>, not <what @v is>" about @key (NULL: the current path) */
static int bad_value(struct confread *cr, const char *key, const struct confread_item *it,
		     const json_t *v)
{
	char w[WANT_MAX];

	if ((it->flags & CONFREAD_SECRET) && json_is_string(v))
		return confread_bad(cr, key, "must be %s", want(it, w, sizeof(w)));
	return confread_bad_value(cr, key, want(it, w, sizeof(w)), v);
}

/* storing */

static void store_int(void *p, size_t size, int64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 8: *(uint64_t *)p = (uint64_t)v; break;
	default: *(uint32_t *)p = (uint32_t)v; break;
	}
}

static int set_str(char **field, const char *s)
{
	char *d = strdup(s);

	if (!d)
		return -ENOMEM;
	free(*field);
	*field = d;
	return 0;
}

int confread_defaults(const struct confread_item *items, void *base)
{
	const struct confread_item *it;
	char *p;
	int err;

	for (it = items; it->type != CONFREAD_END; it++) {
		p = (char *)base + it->offset;
		if (it->type == CONFREAD_MAP) {
			err = confread_defaults(it->sub, p);
			if (err)
				return err;
		}
		if (!(it->flags & CONFREAD_DEFAULT))
			continue;
		switch (it->type) {
		case CONFREAD_STR:
			err = set_str((char **)p, it->def_str);
			if (err)
				return err;
			break;
		case CONFREAD_BUF:
			snprintf(p, it->size, "%s", it->def_str);
			break;
		case CONFREAD_BOOL:
			*(bool *)p = it->def;
			break;
		case CONFREAD_U32:
		case CONFREAD_MS:
			*(uint32_t *)p = (uint32_t)it->def;
			break;
		case CONFREAD_ENUM:
			store_int(p, it->size, it->def);
			break;
		default:
			break;
		}
	}
	return 0;
}

static int read_string(struct confread *cr, const char *key, const json_t *v,
		       const struct confread_item *it, void *p)
{
	const char *s;

	if (!json_is_string(v) || ((it->flags & CONFREAD_NONEMPTY) && !json_string_length(v)))
		return bad_value(cr, key, it, v);
	s = json_string_value(v);
	switch (it->type) {
	case CONFREAD_STR:
		return set_str(p, s);
	case CONFREAD_CSTR:
		*(const char **)p = s;
		return 0;
	default:
		if (json_string_length(v) >= it->size)
			return bad_value(cr, key, it, v);
		memcpy(p, s, json_string_length(v) + 1);
		return 0;
	}
}

static int read_enum(struct confread *cr, const char *key, const json_t *v,
		     const struct confread_item *it, void *p)
{
	const char *s = json_string_value(v);

	for (int64_t i = it->min; s && i <= it->max; i++) {
		if (it->flags & CONFREAD_NOCASE ? !strcasecmp(s, it->names[i]) :
						  !strcmp(s, it->names[i])) {
			store_int(p, it->size, i);
			return 0;
		}
	}
	return bad_value(cr, key, it, v);
}

static int read_list(struct confread *cr, const char *key, const json_t *v,
		     const struct confread_item *it, void *base)
{
	size_t n = json_array_size(v), i;
	char *dst = (char *)base + it->offset;
	void *scratch = NULL;
	int err = 0;

	if (!json_is_array(v) || n < (size_t)it->min || (it->max && n > (size_t)it->max))
		return bad_value(cr, key, it, v);
	if (it->each) {
		scratch = malloc(it->elem_size);
		if (!scratch)
			return -ENOMEM;
	}
	if (key)
		confread_push(cr, key, false);
	for (i = 0; i < n && !err; i++) {
		void *entry = it->each ? scratch : dst + i * it->elem_size;

		confread_push_idx(cr, i);
		if (it->each)
			memset(scratch, 0, it->elem_size);
		err = confread_defaults(it->sub, entry);
		err = err ?: confread_value(cr, NULL, json_array_get(v, i), it->sub, entry);
		if (!err && it->each)
			err = it->each(cr, entry, i, base);
		else if (!err)
			*(int *)((char *)base + it->count_offset) = (int)i + 1;
		confread_pop(cr);
	}
	if (key)
		confread_pop(cr);
	free(scratch);
	return err;
}

int confread_value(struct confread *cr, const char *key, const json_t *v,
		   const struct confread_item *it, void *base)
{
	char *p = (char *)base + it->offset;
	double d;
	int err = 0;

	switch (it->type) {
	case CONFREAD_END:
	case CONFREAD_ANY:
		return 0;
	case CONFREAD_STR:
	case CONFREAD_CSTR:
	case CONFREAD_BUF:
		err = read_string(cr, key, v, it, p);
		break;
	case CONFREAD_BOOL:
		if (!json_is_boolean(v))
			return bad_value(cr, key, it, v);
		*(bool *)p = json_is_true(v);
		break;
	case CONFREAD_U32:
		if (!json_is_integer(v) || json_integer_value(v) < it->min ||
		    json_integer_value(v) > it->max)
			return bad_value(cr, key, it, v);
		*(uint32_t *)p = (uint32_t)json_integer_value(v);
		break;
	case CONFREAD_MS:
		d = json_number_value(v);
		if (!json_is_number(v) || !isfinite(d) || d < it->min / 1000.0 ||
		    d > it->max / 1000.0)
			return bad_value(cr, key, it, v);
		*(uint32_t *)p = (uint32_t)(d * 1000 + 0.5);
		break;
	case CONFREAD_ENUM:
		err = read_enum(cr, key, v, it, p);
		break;
	case CONFREAD_FN:
		if (key)
			confread_push(cr, key, false);
		err = it->fn(cr, v, p);
		if (key)
			confread_pop(cr);
		break;
	case CONFREAD_JSON:
		*(const json_t **)p = v;
		break;
	case CONFREAD_MAP:
		if (!json_is_object(v))
			return bad_value(cr, key, it, v);
		if (key)
			confread_push(cr, key, it->flags & CONFREAD_WRAPPER);
		err = confread_map(cr, v, it->sub, p);
		if (key)
			confread_pop(cr);
		if (!err && it->seen_offset)
			*(bool *)(p + it->seen_offset - 1) = true;
		break;
	case CONFREAD_LIST:
		err = read_list(cr, key, v, it, base);
		break;
	}
	if (!err && it->check)
		err = it->check(cr, key, p, base);
	return err;
}

/* Kea accepts these in every map: "comment" a string, "user-context" a map. */
static const struct confread_item kea_items[] = {
	{ .key = "comment", .type = CONFREAD_CSTR },
	{ .key = "user-context", .type = CONFREAD_FN, .want = "a map" },
	{ .type = CONFREAD_END },
};

static const struct confread_item *find_item(const struct confread_item *items, const char *k)
{
	for (; items->type != CONFREAD_END; items++)
		if (!strcmp(items->key, k))
			return items;
	return NULL;
}

int confread_map(struct confread *cr, const json_t *obj, const struct confread_item *items,
		 void *base)
{
	const struct confread_item *it, *any = find_item(items, "*");
	const char *k;
	json_t *v;
	int err;

	if (!json_is_object(obj)) {
		static const struct confread_item map = { .type = CONFREAD_MAP };

		return bad_value(cr, NULL, &map, obj);
	}
	json_object_foreach((json_t *)obj, k, v) {
		it = find_item(kea_items, k);
		if (it) {
			if ((it->type == CONFREAD_CSTR && !json_is_string(v)) ||
			    (it->type == CONFREAD_FN && !json_is_object(v)))
				return bad_value(cr, k, it, v);
			continue;
		}
		if (!find_item(items, k) && !any)
			return unknown(cr, k);
	}
	for (it = items; it->type != CONFREAD_END; it++) {
		v = json_object_get(obj, it->key);
		if (!v || !strcmp(it->key, "*"))
			continue;
		err = confread_value(cr, it->key, v, it, base);
		if (err)
			return err;
	}
	/* what is there is judged first, what is missing last */
	for (it = items; it->type != CONFREAD_END; it++)
		if ((it->flags & CONFREAD_REQUIRED) && !json_object_get(obj, it->key))
			return confread_missing(cr, it->key);
	return 0;
}

int confread_one(const struct confread_item *map, const json_t *obj, const char *file,
		 void *base)
{
	struct confread cr;
	int err = confread_defaults(map, base);

	if (err || !obj)
		return err;
	confread_init(&cr, file, NULL);
	return confread_value(&cr, map[0].key, obj, &map[0], base);
}

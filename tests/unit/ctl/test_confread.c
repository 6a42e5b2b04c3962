// SPDX-License-Identifier: GPL-2.0-only
/*
 * tests/unit/ctl/test_confread.c - user/ctl/confread.c on a table of its
 * own: every type, ranges, defaults (also of an absent map), nested maps and
 * lists (in place and applied one entry at a time), "comment" and
 * "user-context" in every map, unknown keys, missing keys, the key path
 * printed one way, line numbers, comments in files and syntax errors.
 * Messages are compared whole, from "config:" on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/ctl/confread.h"

struct inner {
	uint32_t n;
	bool seen;
	char buf[8];
};

struct entry {
	const char *name;
	uint32_t weight;
};

struct top {
	char *s;
	const char *cs;
	bool b;
	uint32_t u, ms;
	int color;
	uint8_t small;
	const json_t *raw;
	struct inner in;
	char *list[3];
	int n_list;
	int applied;
	uint32_t weights;
	int odd;
};

static const char *const colors[] = { "none", "red", "green", "blue" };
static const char *const sizes[] = { "s", "m", "l" };

static int odd_read(struct confread *cr, const json_t *v, void *field)
{
	if (!json_is_integer(v) || !(json_integer_value(v) & 1))
		return confread_bad_value(cr, NULL, "an odd integer", v);
	*(int *)field = (int)json_integer_value(v);
	return 0;
}

static int inner_check(struct confread *cr, const char *key, void *field, void *base)
{
	const struct inner *in = field;

	(void)base;
	if (in->n == 13) {
		confread_push(cr, key, false);
		confread_bad(cr, "n", "is unlucky");
		confread_pop(cr);
		return LS_ECONFIG;
	}
	return 0;
}

static int entry_apply(struct confread *cr, void *e, size_t idx, void *base)
{
	const struct entry *en = e;
	struct top *t = base;

	if (!strcmp(en->name, "dup") && idx > 0)
		return confread_bad(cr, "name", "duplicate \"%s\"", en->name);
	t->applied++;
	t->weights += en->weight;
	return 0;
}

static const struct confread_item inner_items[] = {
	{ .key = "n", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = offsetof(struct inner, n), .min = 1, .max = 100, .def = 7 },
	{ .key = "buf", .type = CONFREAD_BUF, .flags = CONFREAD_DEFAULT | CONFREAD_NONEMPTY,
	  .offset = offsetof(struct inner, buf), .size = 8, .def_str = "dflt" },
	{ .type = CONFREAD_END },
};

static const struct confread_item str_entry[] = {
	{ .type = CONFREAD_STR, .flags = CONFREAD_NONEMPTY },
	{ .type = CONFREAD_END },
};

static const struct confread_item entry_items[] = {
	{ .key = "name", .type = CONFREAD_CSTR, .flags = CONFREAD_REQUIRED,
	  .offset = offsetof(struct entry, name) },
	{ .key = "weight", .type = CONFREAD_U32, .flags = CONFREAD_DEFAULT,
	  .offset = offsetof(struct entry, weight), .min = 0, .max = 10, .def = 1 },
	{ .type = CONFREAD_END },
};

static const struct confread_item entry_entry[] = {
	{ .type = CONFREAD_MAP, .sub = entry_items },
	{ .type = CONFREAD_END },
};

static const struct confread_item items[] = {
	{ .key = "s", .type = CONFREAD_STR, .flags = CONFREAD_DEFAULT, .offset = offsetof(struct top, s),
	  .def_str = "default" },
	{ .key = "cs", .type = CONFREAD_CSTR, .flags = CONFREAD_NONEMPTY,
	  .offset = offsetof(struct top, cs) },
	{ .key = "b", .type = CONFREAD_BOOL, .flags = CONFREAD_DEFAULT, .offset = offsetof(struct top, b),
	  .def = true },
	{ .key = "u", .type = CONFREAD_U32, .offset = offsetof(struct top, u), .min = 5, .max = 10 },
	{ .key = "ms", .type = CONFREAD_MS, .flags = CONFREAD_DEFAULT, .offset = offsetof(struct top, ms),
	  .min = 10, .max = 3600000, .def = 1500 },
	{ .key = "color", .type = CONFREAD_ENUM, .flags = CONFREAD_NOCASE | CONFREAD_DEFAULT,
	  .offset = offsetof(struct top, color), .size = sizeof(int), .names = colors, .min = 1,
	  .max = 3, .def = 2 },
	{ .key = "size", .type = CONFREAD_ENUM, .offset = offsetof(struct top, small),
	  .size = sizeof(uint8_t), .names = sizes, .min = 0, .max = 2 },
	{ .key = "raw", .type = CONFREAD_JSON, .offset = offsetof(struct top, raw) },
	{ .key = "other", .type = CONFREAD_ANY },
	{ .key = "odd", .type = CONFREAD_FN, .fn = odd_read, .offset = offsetof(struct top, odd),
	  .want = "an odd integer" },
	{ .key = "inner", .type = CONFREAD_MAP, .offset = offsetof(struct top, in), .sub = inner_items,
	  .seen_offset = 1 + offsetof(struct inner, seen), .check = inner_check },
	{ .key = "list", .type = CONFREAD_LIST, .offset = offsetof(struct top, list), .sub = str_entry,
	  .elem_size = sizeof(char *), .count_offset = offsetof(struct top, n_list), .max = 3 },
	{ .key = "entries", .type = CONFREAD_LIST, .flags = CONFREAD_REQUIRED, .min = 1,
	  .sub = entry_entry, .elem_size = sizeof(struct entry), .each = entry_apply },
	{ .type = CONFREAD_END },
};

static char logged[4096];

/* the last message logged, from "config:" on (the backend's prefix may change) */
static const char *last_msg(void)
{
	char *p = NULL, *q = logged, *nl;

	while ((q = strstr(q, "config: "))) {
		p = q;
		q++;
	}
	if (!p)
		return "";
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	return p;
}

static void top_free(struct top *t)
{
	free(t->s);
	for (int i = 0; i < t->n_list; i++)
		free(t->list[i]);
	memset(t, 0, sizeof(*t));
}

/* read @text (no file) into @t; the message, if any, in logged */
static int read_text(const char *text, struct top *t, bool with_lines)
{
	struct confread cr;
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	FILE *old = stderr, *mem;
	int err;

	assert_non_null(j);
	memset(t, 0, sizeof(*t));
	memset(logged, 0, sizeof(logged));
	mem = fmemopen(logged, sizeof(logged) - 1, "w");
	assert_non_null(mem);
	assert_int_equal(confread_defaults(items, t), 0);
	confread_init(&cr, "t.conf", with_lines ? text : NULL);
	stderr = mem;
	err = confread_map(&cr, j, items, t);
	stderr = old;
	fclose(mem);
	assert_int_equal(cr.depth, 0);
	json_decref(j);
	return err;
}

static void expect_bad(const char *text, const char *msg)
{
	struct top t;

	if (read_text(text, &t, false) != LS_ECONFIG)
		fail_msg("accepted: %s", text);
	if (strcmp(last_msg(), msg))
		fail_msg("for %s\n# expected: %s\n#      got: %s", text, msg, last_msg());
	top_free(&t);
}

#define E1 "\"entries\": [ { \"name\": \"a\" } ]"

static void test_types_and_defaults(void **state)
{
	struct top t;

	(void)state;
	/* defaults, also of a map that is absent */
	assert_int_equal(read_text("{" E1 "}", &t, false), 0);
	assert_string_equal(t.s, "default");
	assert_null(t.cs);
	assert_true(t.b);
	assert_int_equal(t.ms, 1500);
	assert_int_equal(t.color, 2);
	assert_int_equal(t.in.n, 7);
	assert_string_equal(t.in.buf, "dflt");
	assert_false(t.in.seen);
	assert_int_equal(t.applied, 1);
	assert_int_equal(t.weights, 1);
	top_free(&t);
	/* every type */
	assert_int_equal(read_text("{ \"s\": \"x\", \"cs\": \"y\", \"b\": false, \"u\": 10, \"ms\": 0.25,"
				   "\"color\": \"BLUE\", \"size\": \"l\", \"raw\": [1], \"other\": { \"q\": 1 },"
				   "\"odd\": 3, \"inner\": { \"n\": 100, \"buf\": \"1234567\" },"
				   "\"list\": [ \"p\", \"q\", \"r\" ],"
				   "\"entries\": [ { \"name\": \"a\", \"weight\": 10 }, { \"name\": \"b\" } ] }",
				   &t, false), 0);
	assert_string_equal(t.s, "x");
	assert_non_null(t.cs);	/* borrowed: checked in test_raw_borrowed */
	assert_false(t.b);
	assert_int_equal(t.u, 10);
	assert_int_equal(t.ms, 250);
	assert_int_equal(t.color, 3);
	assert_int_equal(t.small, 2);
	assert_non_null(t.raw);
	assert_int_equal(t.odd, 3);
	assert_int_equal(t.in.n, 100);
	assert_true(t.in.seen);
	assert_string_equal(t.in.buf, "1234567");
	assert_int_equal(t.n_list, 3);
	assert_string_equal(t.list[2], "r");
	assert_int_equal(t.applied, 2);
	assert_int_equal(t.weights, 11);
	top_free(&t);
}

static void test_raw_borrowed(void **state)
{
	struct top t;
	struct confread cr;
	json_t *j = json_loads("{ \"raw\": [1, 2], \"cs\": \"y\", " E1 " }", 0, NULL);

	(void)state;
	memset(&t, 0, sizeof(t));
	confread_init(&cr, "t.conf", NULL);
	assert_int_equal(confread_map(&cr, j, items, &t), 0);
	assert_ptr_equal(t.raw, json_object_get(j, "raw"));
	assert_ptr_equal(t.cs, json_string_value(json_object_get(j, "cs")));
	json_decref(j);
	top_free(&t);
}

static void test_rejects(void **state)
{
	(void)state;
	/* types and ranges */
	expect_bad("{ \"s\": 1, " E1 " }", "config: bad key 's' in 't.conf' (must be a string, not 1)");
	expect_bad("{ \"cs\": \"\", " E1 " }",
		   "config: bad key 'cs' in 't.conf' (must be a non-empty string, not \"\")");
	expect_bad("{ \"b\": \"true\", " E1 " }",
		   "config: bad key 'b' in 't.conf' (must be true or false, not \"true\")");
	expect_bad("{ \"u\": 4, " E1 " }",
		   "config: bad key 'u' in 't.conf' (must be an integer from 5 to 10, not 4)");
	expect_bad("{ \"u\": 11, " E1 " }",
		   "config: bad key 'u' in 't.conf' (must be an integer from 5 to 10, not 11)");
	expect_bad("{ \"u\": 7.5, " E1 " }",
		   "config: bad key 'u' in 't.conf' (must be an integer from 5 to 10, not 7.5)");
	expect_bad("{ \"ms\": 0.001, " E1 " }",
		   "config: bad key 'ms' in 't.conf' (must be a number of seconds from 0.01 to 3600, not 0.001)");
	expect_bad("{ \"ms\": null, " E1 " }",
		   "config: bad key 'ms' in 't.conf' (must be a number of seconds from 0.01 to 3600, not null)");
	expect_bad("{ \"color\": \"none\", " E1 " }",
		   "config: bad key 'color' in 't.conf' (must be one of red, green, blue, not \"none\")");
	expect_bad("{ \"size\": \"L\", " E1 " }",
		   "config: bad key 'size' in 't.conf' (must be one of s, m, l, not \"L\")");
	expect_bad("{ \"odd\": 2, " E1 " }", "config: bad key 'odd' in 't.conf' (must be an odd integer, not 2)");
	expect_bad("{ \"inner\": [], " E1 " }",
		   "config: bad key 'inner' in 't.conf' (must be a map, not an empty list)");
	expect_bad("{ \"inner\": { \"buf\": \"12345678\" }, " E1 " }",
		   "config: bad key 'inner.buf' in 't.conf' (must be a non-empty string of at most 7 characters, not \"12345678\")");
	expect_bad("{ \"inner\": { \"n\": 13 }, " E1 " }",
		   "config: bad key 'inner.n' in 't.conf' (is unlucky)");
	/* lists: bounds, entries, entries applied one by one */
	expect_bad("{ \"list\": [ \"a\", \"b\", \"c\", \"d\" ], " E1 " }",
		   "config: bad key 'list' in 't.conf' (must be a list of at most 3 entries, not a list of 4 entries)");
	expect_bad("{ \"list\": [ \"a\", \"\" ], " E1 " }",
		   "config: bad key 'list[1]' in 't.conf' (must be a non-empty string, not \"\")");
	expect_bad("{ \"entries\": [] }",
		   "config: bad key 'entries' in 't.conf' (must be a list of at least 1 entry, not an empty list)");
	expect_bad("{ \"entries\": [ { \"name\": \"a\" }, { \"weight\": 2 } ] }",
		   "config: missing key 'entries[1].name' in 't.conf'");
	expect_bad("{ \"entries\": [ { \"name\": \"a\" }, { \"name\": \"b\", \"weight\": 11 } ] }",
		   "config: bad key 'entries[1].weight' in 't.conf' (must be an integer from 0 to 10, not 11)");
	expect_bad("{ \"entries\": [ { \"name\": \"a\" }, { \"name\": \"dup\" } ] }",
		   "config: bad key 'entries[1].name' in 't.conf' (duplicate \"dup\")");
	expect_bad("{ \"entries\": [ \"a\" ] }",
		   "config: bad key 'entries[0]' in 't.conf' (must be a map, not \"a\")");
	/* unknown and missing keys; what is there is judged before what is missing */
	expect_bad("{ \"colour\": \"red\", " E1 " }", "config: unknown key 'colour' in 't.conf'");
	expect_bad("{ \"inner\": { \"m\": 1 }, " E1 " }", "config: unknown key 'inner.m' in 't.conf'");
	expect_bad("{ \"entries\": [ { \"name\": \"a\", \"x\": 1 } ] }",
		   "config: unknown key 'entries[0].x' in 't.conf'");
	expect_bad("{ \"u\": 1 }", "config: bad key 'u' in 't.conf' (must be an integer from 5 to 10, not 1)");
	expect_bad("{ }", "config: missing key 'entries' in 't.conf'");
	expect_bad("[]", "config: bad top level in 't.conf' (must be a map, not an empty list)");
}

/* Kea's "comment" and "user-context" in every map, of their own types */
static void test_comment_user_context(void **state)
{
	struct top t;

	(void)state;
	assert_int_equal(read_text("{ \"comment\": \"top\", \"user-context\": { \"a\": [1] },"
				   "\"inner\": { \"comment\": \"in\", \"user-context\": {} },"
				   "\"entries\": [ { \"name\": \"a\", \"comment\": \"e\","
				   "\"user-context\": { \"x\": 1 } } ] }", &t, false), 0);
	assert_true(t.in.seen);
	top_free(&t);
	expect_bad("{ \"comment\": 1, " E1 " }", "config: bad key 'comment' in 't.conf' (must be a string, not 1)");
	expect_bad("{ \"inner\": { \"user-context\": \"x\" }, " E1 " }",
		   "config: bad key 'inner.user-context' in 't.conf' (must be a map, not \"x\")");
	expect_bad("{ \"entries\": [ { \"name\": \"a\", \"comment\": [] } ] }",
		   "config: bad key 'entries[0].comment' in 't.conf' (must be a string, not an empty list)");
}

/* "*" lets any key through; a wrapper map is not printed in paths */
static void test_any_and_wrapper(void **state)
{
	static const struct confread_item open_items[] = {
		{ .key = "u", .type = CONFREAD_U32, .offset = offsetof(struct top, u), .max = 3 },
		{ .key = "*", .type = CONFREAD_ANY },
		{ .type = CONFREAD_END },
	};
	static const struct confread_item root[] = {
		{ .key = "Wrap", .type = CONFREAD_MAP, .flags = CONFREAD_WRAPPER | CONFREAD_REQUIRED,
		  .sub = items },
		{ .type = CONFREAD_END },
	};
	const char *text = "{\n  \"Wrap\": {\n    \"inner\": {\n      \"n\": 0\n    }\n  }\n}\n";
	struct confread cr;
	struct top t = { 0 };
	json_t *j = json_loads("{ \"u\": 2, \"whatever\": [1], \"else\": {} }", 0, NULL);
	FILE *old = stderr, *mem;

	(void)state;
	confread_init(&cr, "t.conf", NULL);
	assert_int_equal(confread_map(&cr, j, open_items, &t), 0);
	assert_int_equal(t.u, 2);
	json_decref(j);

	j = json_loads(text, 0, NULL);
	confread_init(&cr, "w.conf", text);
	memset(logged, 0, sizeof(logged));
	mem = fmemopen(logged, sizeof(logged) - 1, "w");
	stderr = mem;
	assert_int_equal(confread_map(&cr, j, root, &t), LS_ECONFIG);
	stderr = old;
	fclose(mem);
	assert_string_equal(last_msg(),
			    "config: bad key 'inner.n' in 'w.conf' line 4 (must be an integer from 1 to 100, not 0)");
	json_decref(j);
	top_free(&t);
}

static void test_path_and_lines(void **state)
{
	const char *text =
		"{\n"					/* 1 */
		"  \"a\": {\n"				/* 2 */
		"    \"l\": [ 1,\n"			/* 3 */
		"      { \"k\\\"q\": \"x\", \"s\": \"]}[{\" },\n"	/* 4 */
		"      { \"m\": [\n"			/* 5 */
		"        [], { \"deep\": true } ] } ],\n"	/* 6 */
		"    \"b\": 2 },\n"			/* 7 */
		"  \"c\": \"v\"\n"			/* 8 */
		"}\n";
	struct confread cr;
	char buf[128];
	json_t *j = json_loads(text, 0, NULL);

	(void)state;
	assert_non_null(j);	/* the text is JSON jansson accepts */
	json_decref(j);
	confread_init(&cr, "f", text);
	assert_string_equal(confread_path(&cr, NULL, buf, sizeof(buf)), "");
	assert_int_equal(confread_line(&cr, "c"), 8);
	assert_int_equal(confread_line(&cr, "zz"), 0);
	confread_push(&cr, "a", false);
	assert_int_equal(confread_line(&cr, NULL), 2);
	assert_int_equal(confread_line(&cr, "b"), 7);
	confread_push(&cr, "l", false);
	confread_push_idx(&cr, 1);
	assert_string_equal(confread_path(&cr, "k\"q", buf, sizeof(buf)), "a.l[1].k\"q");
	assert_int_equal(confread_line(&cr, NULL), 4);
	assert_int_equal(confread_line(&cr, "k\"q"), 4);
	assert_int_equal(confread_line(&cr, "s"), 4);
	confread_pop(&cr);
	confread_push_idx(&cr, 2);
	confread_push(&cr, "m", false);
	confread_push_idx(&cr, 1);
	assert_string_equal(confread_path(&cr, "deep", buf, sizeof(buf)), "a.l[2].m[1].deep");
	assert_int_equal(confread_line(&cr, "deep"), 6);
	confread_pop(&cr);
	confread_push_idx(&cr, 9);
	assert_int_equal(confread_line(&cr, NULL), 0);
	confread_pop(&cr);
	confread_pop(&cr);
	confread_pop(&cr);
	confread_pop(&cr);
	/* a wrapper is walked for lines, not printed */
	confread_init(&cr, "f", text);
	confread_push(&cr, "a", true);
	assert_string_equal(confread_path(&cr, "b", buf, sizeof(buf)), "b");
	assert_int_equal(confread_line(&cr, "b"), 7);
	/* no text: no lines */
	confread_init(&cr, "f", NULL);
	assert_int_equal(confread_line(&cr, "c"), 0);
	/* a key with a \u escape: no line rather than a wrong one */
	confread_init(&cr, "f", "{ \"\\u0061\": 1,\n \"a\": 2 }");
	assert_int_equal(confread_line(&cr, "a"), 2);
}

static void test_describe(void **state)
{
	char buf[64];
	json_t *j = json_loads("[\"0123456789012345678901234567890123456789X\", -3, 1.5, true, false,"
			       " null, {}, [1], [1, 2]]", 0, NULL);

	(void)state;
	assert_string_equal(confread_describe(json_array_get(j, 0), buf, sizeof(buf)),
			    "\"0123456789012345678901234567890123456789…\"");
	assert_string_equal(confread_describe(json_array_get(j, 1), buf, sizeof(buf)), "-3");
	assert_string_equal(confread_describe(json_array_get(j, 2), buf, sizeof(buf)), "1.5");
	assert_string_equal(confread_describe(json_array_get(j, 3), buf, sizeof(buf)), "true");
	assert_string_equal(confread_describe(json_array_get(j, 4), buf, sizeof(buf)), "false");
	assert_string_equal(confread_describe(json_array_get(j, 5), buf, sizeof(buf)), "null");
	assert_string_equal(confread_describe(json_array_get(j, 6), buf, sizeof(buf)), "a map");
	assert_string_equal(confread_describe(json_array_get(j, 7), buf, sizeof(buf)), "a list of 1 entry");
	assert_string_equal(confread_describe(json_array_get(j, 8), buf, sizeof(buf)), "a list of 2 entries");
	json_decref(j);
}

/* files: every comment style, strings left alone, lines kept; syntax errors */
static void test_load(void **state)
{
	char path[] = "/tmp/ls-test-confread-XXXXXX";
	const char *text = "# hash\n{ // slashes\n  \"a\": \"# not // a /* comment */\", /* block\n"
			   " over lines */ \"b\": 1 }\n";
	json_t *j;
	char *t;
	FILE *old = stderr, *mem;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(confread_load(path, &j, &t), 0);
	assert_string_equal(json_string_value(json_object_get(j, "a")), "# not // a /* comment */");
	assert_int_equal(json_integer_value(json_object_get(j, "b")), 1);
	assert_int_equal(strlen(t), strlen(text));
	{
		struct confread cr;

		confread_init(&cr, path, t);
		assert_int_equal(confread_line(&cr, "b"), 4);
	}
	json_decref(j);
	free(t);
	/* a duplicate key is a syntax error with its line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\n \"a\": 1,\n \"a\": 2 }", 20), 20);
	close(fd);
	memset(logged, 0, sizeof(logged));
	mem = fmemopen(logged, sizeof(logged) - 1, "w");
	stderr = mem;
	assert_int_equal(confread_load(path, &j, &t), LS_ECONFIG);
	stderr = old;
	fclose(mem);
	assert_null(j);
	assert_null(t);
	assert_non_null(strstr(last_msg(), "config: syntax error in '"));
	assert_non_null(strstr(last_msg(), "' line 3 column "));
	assert_non_null(strstr(last_msg(), "duplicate object key"));
	unlink(path);
	mem = fmemopen(logged, sizeof(logged) - 1, "w");
	stderr = mem;
	assert_int_equal(confread_load(path, &j, &t), -ENOENT);
	stderr = old;
	fclose(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_defaults),
		cmocka_unit_test(test_raw_borrowed),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_comment_user_context),
		cmocka_unit_test(test_any_and_wrapper),
		cmocka_unit_test(test_path_and_lines),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests_name("confread", tests, NULL, NULL);
}

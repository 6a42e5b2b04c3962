// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/owner.c - the ownership store on LMDB. Keys are family + 16 address
 * bytes; values a small versioned encoding (fixed fields, then the identity
 * and the three names with their lengths) so a million bindings stay near
 * 200 MB of map. One write transaction is kept open between commits:
 * owner_get() reads through it, so the reconciler sees its own intents
 * before they are durable. LMDB's default commit fsyncs data and meta page.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/sync/owner.h"

#define OWNER_MAP_SIZE (16ULL << 30)	/* sparse; grows on disk only as used */
#define OWNER_ENC_VER 1
#define OWNER_HDR_LEN 64

struct owner {
	const struct owner_ops *ops;	/* another backend (owner_open_ops()), or NULL: LMDB */
	void *ops_ctx;
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;		/* the open write batch, or NULL */
	/*
	 * Reads while no batch is open go through one read transaction kept
	 * between calls (reset at each commit: only our own writes make it
	 * stale) and a cursor on it: a full pass asks for the bindings in key
	 * order, so most lookups are one step of the cursor instead of a
	 * transaction and a descent from the root each (owner_seek_plan()).
	 */
	MDB_txn *rtxn;		/* NULL: none yet */
	MDB_cursor *rcur;
	bool rtxn_live;		/* rtxn begun or renewed since the last commit */
	bool rcur_at;		/* rcur is positioned at rkey */
	uint8_t rkey[17];
	int lock_fd;
	char *snap_dir;		/* OWNER_F_SNAPSHOT: the private copy to delete */
	uint64_t puts, dels, commits;
};

static int store_err(const char *what, const char *obj, int rc)
{
	pr_err("owner: %s '%s' (%s)", what, obj, mdb_strerror(rc));
	return LS_ESTORE;
}

static size_t enc(const struct owner_rec *r, uint8_t *buf)
{
	size_t fl = strnlen(r->fqdn, ZONES_NAME_MAX - 1), fz = strnlen(r->fwd_zone, ZONES_NAME_MAX - 1),
	       rz = strnlen(r->rev_zone, ZONES_NAME_MAX - 1), idl = r->id_len;
	uint8_t *p = buf;
	uint16_t u16;

	if (idl > OWNER_ID_MAX)
		idl = OWNER_ID_MAX;
	memset(buf, 0, OWNER_HDR_LEN);
	p[0] = OWNER_ENC_VER;
	p[1] = r->family;
	p[2] = r->state;
	p[3] = r->fwd;
	p[4] = r->rev;
	p[5] = r->mode;
	p[6] = r->id_type;
	p[7] = r->prefix_len;	/* was always 0: older stores read as addresses */
	u16 = (uint16_t)idl;
	memcpy(p + 8, &u16, 2);
	u16 = (uint16_t)fl;
	memcpy(p + 10, &u16, 2);
	u16 = (uint16_t)fz;
	memcpy(p + 12, &u16, 2);
	u16 = (uint16_t)rz;
	memcpy(p + 14, &u16, 2);
	memcpy(p + 16, &r->ttl, 4);
	memcpy(p + 20, &r->iaid, 4);
	memcpy(p + 24, &r->created, 8);
	memcpy(p + 32, &r->updated, 8);
	p += OWNER_HDR_LEN;
	memcpy(p, r->dhcid, DHCID_RDATA_LEN);
	p += DHCID_RDATA_LEN;
	memcpy(p, r->id, idl);
	p += idl;
	memcpy(p, r->fqdn, fl);
	p += fl;
	memcpy(p, r->fwd_zone, fz);
	p += fz;
	memcpy(p, r->rev_zone, rz);
	p += rz;
	return (size_t)(p - buf);
}

static int dec(const MDB_val *k, const MDB_val *v, struct owner_rec *r)
{
	const uint8_t *p = v->mv_data;
	uint16_t idl, fl, fz, rz;

	if (v->mv_size < OWNER_HDR_LEN + DHCID_RDATA_LEN || p[0] != OWNER_ENC_VER ||
	    k->mv_size != 17)
		return LS_ESTORE;
	memset(r, 0, sizeof(*r));
	memcpy(&idl, p + 8, 2);
	memcpy(&fl, p + 10, 2);
	memcpy(&fz, p + 12, 2);
	memcpy(&rz, p + 14, 2);
	if (idl > OWNER_ID_MAX || fl >= ZONES_NAME_MAX || fz >= ZONES_NAME_MAX ||
	    rz >= ZONES_NAME_MAX ||
	    v->mv_size != (size_t)OWNER_HDR_LEN + DHCID_RDATA_LEN + idl + fl + fz + rz)
		return LS_ESTORE;
	r->family = p[1];
	r->state = p[2];
	r->fwd = p[3];
	r->rev = p[4];
	r->mode = p[5];
	r->id_type = p[6];
	r->prefix_len = p[7];
	r->id_len = idl;
	memcpy(&r->ttl, p + 16, 4);
	memcpy(&r->iaid, p + 20, 4);
	memcpy(&r->created, p + 24, 8);
	memcpy(&r->updated, p + 32, 8);
	memcpy(r->addr, (const uint8_t *)k->mv_data + 1, 16);
	p += OWNER_HDR_LEN;
	memcpy(r->dhcid, p, DHCID_RDATA_LEN);
	p += DHCID_RDATA_LEN;
	memcpy(r->id, p, idl);
	p += idl;
	memcpy(r->fqdn, p, fl);
	p += fl;
	memcpy(r->fwd_zone, p, fz);
	p += fz;
	memcpy(r->rev_zone, p, rz);
	return 0;
}

size_t owner_encode(const struct owner_rec *r, uint8_t *buf)
{
	return enc(r, buf);
}

int owner_decode(int family, const uint8_t *addr, const uint8_t *v, size_t len,
		 struct owner_rec *r)
{
	uint8_t kb[17] = { (uint8_t)family };
	MDB_val k = { 17, kb }, val = { len, (void *)v };
	int err;

	memcpy(kb + 1, addr, 16);
	err = dec(&k, &val, r);
	if (!err && r->family != family)
		err = LS_ESTORE;
	return err;
}

int owner_open_ops(struct owner **out, const struct owner_ops *ops, void *ctx)
{
	struct owner *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return -ENOMEM;
	o->ops = ops;
	o->ops_ctx = ctx;
	o->lock_fd = -1;
	*out = o;
	return 0;
}

static void mkkey(uint8_t kb[17], int family, const uint8_t *addr)
{
	memset(kb, 0, 17);
	kb[0] = (uint8_t)family;
	memcpy(kb + 1, addr, family == 4 ? 4 : 16);
}

static int wtxn(struct owner *o)
{
	int rc;

	if (o->txn)
		return 0;
	rc = mdb_txn_begin(o->env, NULL, 0, &o->txn);
	if (rc) {
		o->txn = NULL;
		return store_err("cannot begin a transaction in", "store", rc);
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Copy the live store of @dir (if any) into a new temporary directory. */
static int snapshot(const char *dir, char **out)
{
	char tmpl[] = "/tmp/leasesnoop-dryrun-XXXXXX", path[4200];
	MDB_env *env = NULL;
	int rc;

	if (!mkdtemp(tmpl))
		return -errno;
	*out = strdup(tmpl);
	if (!*out)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (access(path, R_OK))
		return 0;	/* nothing owned yet: start empty */
	rc = mdb_env_create(&env);
	if (!rc)
		rc = mdb_env_set_mapsize(env, OWNER_MAP_SIZE);
	if (!rc)
		rc = mdb_env_open(env, dir, MDB_RDONLY, 0640);
	if (!rc)
		rc = mdb_env_copy(env, tmpl);
	if (env)
		mdb_env_close(env);
	if (rc)
		return store_err("cannot copy the store", dir, rc);
	return 0;
}

int owner_open(struct owner **out, const char *dir, unsigned int flags)
{
	struct owner *o;
	MDB_txn *txn = NULL;
	char path[4200];
	const char *where = dir;
	int err = 0, rc;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->lock_fd = -1;
	err = mkdir_p(dir);
	if (err) {
		pr_err("owner: cannot create state-dir '%s' (%s)", dir, ls_strerror(err));
		goto fail;
	}
	if (flags & OWNER_F_SNAPSHOT) {
		err = snapshot(dir, &o->snap_dir);
		if (err)
			goto fail;
		where = o->snap_dir;
	} else {
		snprintf(path, sizeof(path), "%s/leasesnoop.lock", dir);
		o->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
		if (o->lock_fd < 0) {
			err = -errno;
			pr_err("owner: cannot open '%s' (%s)", path, ls_strerror(err));
			goto fail;
		}
		if (flock(o->lock_fd, LOCK_EX | LOCK_NB)) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			pr_err("owner: cannot lock '%s' (%s: is another leasesnoop running?)", path,
			       ls_strerror(err));
			goto fail;
		}
	}
	rc = mdb_env_create(&o->env);
	if (!rc)
		rc = mdb_env_set_mapsize(o->env, OWNER_MAP_SIZE);
	if (!rc)
		rc = mdb_env_open(o->env, where, MDB_NOTLS, 0640);
	if (!rc)
		rc = mdb_txn_begin(o->env, NULL, 0, &txn);
	if (!rc)
		rc = mdb_dbi_open(txn, NULL, 0, &o->dbi);
	if (!rc) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (rc) {
		if (txn)
			mdb_txn_abort(txn);
		err = store_err("cannot open the store", where, rc);
		goto fail;
	}
	*out = o;
	return 0;
fail:
	owner_close(o);
	return err;
}

void owner_close(struct owner *o)
{
	if (!o)
		return;
	if (o->ops) {
		o->ops->commit(o->ops_ctx);
		free(o);
		return;
	}
	if (o->txn)
		owner_commit(o);
	if (o->rcur)
		mdb_cursor_close(o->rcur);
	if (o->rtxn)
		mdb_txn_abort(o->rtxn);
	if (o->env)
		mdb_env_close(o->env);
	if (o->snap_dir) {
		char p[4200];

		snprintf(p, sizeof(p), "%s/data.mdb", o->snap_dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/lock.mdb", o->snap_dir);
		unlink(p);
		rmdir(o->snap_dir);
		free(o->snap_dir);
	}
	if (o->lock_fd >= 0)
		close(o->lock_fd);
	free(o);
}

enum owner_seek owner_seek_plan(const uint8_t *at, const uint8_t *key, size_t len)
{
	if (!at)
		return OWNER_SEEK_RANGE;
	return memcmp(key, at, len) > 0 ? OWNER_SEEK_NEXT : OWNER_SEEK_RANGE;
}

/* The kept read transaction and its cursor, current as of the last commit. */
static int rtxn_ready(struct owner *o)
{
	int rc;

	if (o->rtxn && o->rtxn_live)
		return 0;
	if (o->rtxn) {
		rc = mdb_txn_renew(o->rtxn);
		if (!rc)
			rc = mdb_cursor_renew(o->rtxn, o->rcur);
	} else {
		rc = mdb_txn_begin(o->env, NULL, MDB_RDONLY, &o->rtxn);
		if (!rc)
			rc = mdb_cursor_open(o->rtxn, o->dbi, &o->rcur);
	}
	if (rc) {
		if (o->rcur)
			mdb_cursor_close(o->rcur);
		if (o->rtxn)
			mdb_txn_abort(o->rtxn);
		o->rcur = NULL;
		o->rtxn = NULL;
		return store_err("cannot read", "store", rc);
	}
	o->rtxn_live = true;
	o->rcur_at = false;
	return 0;
}

/* Our own commit made the kept snapshot old: read again from the next get on. */
static void rtxn_stale(struct owner *o)
{
	if (o->rtxn && o->rtxn_live)
		mdb_txn_reset(o->rtxn);
	o->rtxn_live = false;
	o->rcur_at = false;
}

/* LMDB's default key order: bytes, then length */
static int key_cmp(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int d = memcmp(a->mv_data, b->mv_data, n);

	return d ? d : (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
}

/* Look @k up with the kept cursor: a step forward when @k follows where it is. */
static int rcur_get(struct owner *o, const MDB_val *k, MDB_val *v)
{
	MDB_val ck;
	int rc = MDB_NOTFOUND, seek = 1;

	if (owner_seek_plan(o->rcur_at ? o->rkey : NULL, k->mv_data, 17) == OWNER_SEEK_NEXT) {
		rc = mdb_cursor_get(o->rcur, &ck, v, MDB_NEXT);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
		/* the next binding is @k, lies beyond it, or there is none: settled */
		seek = !rc && key_cmp(&ck, k) < 0;
	}
	if (seek) {
		ck = *k;
		rc = mdb_cursor_get(o->rcur, &ck, v, MDB_SET_RANGE);
	}
	o->rcur_at = !rc && ck.mv_size == 17;
	if (o->rcur_at)
		memcpy(o->rkey, ck.mv_data, 17);
	if (rc)
		return rc;
	return key_cmp(&ck, k) ? MDB_NOTFOUND : 0;
}

int owner_get(struct owner *o, int family, const uint8_t *addr, struct owner_rec *rec)
{
	uint8_t kb[17];
	MDB_val k = { 17, kb }, v;
	int rc, err;

	if (o->ops)
		return o->ops->get(o->ops_ctx, family, addr, rec);
	mkkey(kb, family, addr);
	if (o->txn) {
		rc = mdb_get(o->txn, o->dbi, &k, &v);	/* sees the batch's own writes */
	} else {
		err = rtxn_ready(o);
		if (err)
			return err;
		rc = rcur_get(o, &k, &v);
	}
	if (rc == MDB_NOTFOUND)
		err = -ENOENT;
	else if (rc)
		err = store_err("cannot read", "store", rc);
	else if ((err = dec(&k, &v, rec)))
		pr_err("owner: corrupt record in the store (skipped)");
	return err;
}

int owner_put(struct owner *o, const struct owner_rec *rec)
{
	uint8_t kb[17], buf[OWNER_HDR_LEN + DHCID_RDATA_LEN + OWNER_ID_MAX + 3 * ZONES_NAME_MAX];
	MDB_val k = { 17, kb }, v;
	int rc, err;

	if (o->ops)
		return o->ops->put(o->ops_ctx, rec);
	err = wtxn(o);
	if (err)
		return err;
	mkkey(kb, rec->family, rec->addr);
	v.mv_data = buf;
	v.mv_size = enc(rec, buf);
	rc = mdb_put(o->txn, o->dbi, &k, &v, 0);
	if (rc)
		return store_err("cannot write", rec->fqdn, rc);
	o->puts++;
	return 0;
}

int owner_del(struct owner *o, int family, const uint8_t *addr)
{
	uint8_t kb[17];
	MDB_val k = { 17, kb };
	int rc, err;

	if (o->ops)
		return o->ops->del(o->ops_ctx, family, addr);
	err = wtxn(o);
	if (err)
		return err;
	mkkey(kb, family, addr);
	rc = mdb_del(o->txn, o->dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc)
		return store_err("cannot delete from", "store", rc);
	o->dels++;
	return 0;
}

int owner_commit(struct owner *o)
{
	int rc;

	if (o->ops)
		return o->ops->commit(o->ops_ctx);
	if (!o->txn)
		return 0;
	rc = mdb_txn_commit(o->txn);
	o->txn = NULL;
	rtxn_stale(o);
	if (rc)
		return store_err("cannot commit", "store", rc);
	o->commits++;
	return 0;
}

int owner_keys(struct owner *o, struct owner_key **out, size_t *n)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_stat ms;
	MDB_val k, v;
	struct owner_key *a = NULL;
	size_t cnt = 0;
	int err, rc;

	*out = NULL;
	*n = 0;
	if (o->ops)
		return o->ops->keys(o->ops_ctx, out, n);
	err = owner_commit(o);
	if (err)
		return err;
	rc = mdb_txn_begin(o->env, NULL, MDB_RDONLY, &txn);
	if (!rc)
		rc = mdb_stat(txn, o->dbi, &ms);
	if (!rc)
		rc = mdb_cursor_open(txn, o->dbi, &cur);
	if (rc) {
		err = store_err("cannot read", "store", rc);
		goto out;
	}
	a = calloc(ms.ms_entries + 1, sizeof(*a));
	if (!a) {
		err = -ENOMEM;
		goto out;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && cnt < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 17)
			continue;
		a[cnt].family = ((const uint8_t *)k.mv_data)[0];
		memcpy(a[cnt].addr, (const uint8_t *)k.mv_data + 1, 16);
		cnt++;
	}
	*out = a;
	*n = cnt;
	a = NULL;
out:
	free(a);
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	return err;
}

void owner_get_stats(struct owner *o, struct owner_stats *st)
{
	MDB_txn *txn = o->txn;
	MDB_stat ms;

	memset(st, 0, sizeof(*st));
	if (o->ops) {
		o->ops->stats(o->ops_ctx, st);
		return;
	}
	st->puts = o->puts;
	st->dels = o->dels;
	st->commits = o->commits;
	if (!txn && mdb_txn_begin(o->env, NULL, MDB_RDONLY, &txn))
		return;
	if (!mdb_stat(txn, o->dbi, &ms)) {
		st->records = ms.ms_entries;
		st->map_bytes = (uint64_t)(ms.ms_branch_pages + ms.ms_leaf_pages +
					   ms.ms_overflow_pages) * ms.ms_psize;
	}
	if (txn != o->txn)
		mdb_txn_abort(txn);
}

const char *owner_state_name(unsigned int state)
{
	static const char *const names[] = { "?", "adding", "added", "removing", "conflict",
					     "failed" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/gss.c - GSS-TSIG contexts: credentials, the TKEY exchange (RFC 3645
 * §4.1: our token in a TKEY query, the server's in its answer, one round
 * trip for Kerberos), renewal and expiry. The decisions are gss_plan() and
 * gss_backoff_ms(); the rest applies them with GSS-API calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>

#include "user/common/errcode.h"
#include "user/common/log.h"
#include "user/dns/gss.h"
#include "user/dns/gsswork.h"
#include "user/dns/tkey.h"

#define GSS_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_INTEG_FLAG)
#define MARGIN_MAX_MS 10000	/* a context stops being used this long before it expires … */
#define MARGIN_DIV 10		/* … or a tenth of its life, whichever is shorter */

struct gss_ctx {
	unsigned int refs;
	gss_ctx_id_t ctx;
	struct tsig_key key;
};

struct gss_peer {
	struct gss *g;
	struct dnsio_peer *peer;
	const struct zones_gss *cfg;
	gss_cred_id_t cred;
	char ccache[64];		/* MEMORY: cache for tickets got from the keytab */
	struct gss_ctx *cur;
	struct gss_timing t;
	bool had;			/* a context existed before: the next one is a renewal */
	unsigned int failures;		/* negotiations failed in a row */
	unsigned int rejections;	/* contexts refused by the server in a row */
	/* the negotiation under way: its Kerberos step on the worker, then its TKEY exchange */
	struct krb_job *job;		/* on the worker (gsswork.h): cred and ccache are its meanwhile */
	gss_ctx_id_t nctx;
	gss_name_t ntarget;
	bool ncomplete;			/* GSS-API said complete already on the first call */
	OM_uint32 ntime;		/* seconds asked for the context (tkey-lifetime, within the ticket's) */
	char nname[TSIG_NAME_MAX + 1];
	uint16_t nid;
	struct gss_peer *next;
};

struct gss {
	struct dnsio *io;
	struct gsswork *work;		/* the thread the Kerberos steps run on */
	struct gss_peer *peers;
	struct gss_stats st;
};

/*
 * Numbers our private caches across every set of the process: a set freed
 * at a reload may leave a Kerberos step running whose drop forgets its
 * cache; the next set's caches must not share its name. The loop's alone.
 */
static unsigned int ccache_seq;

enum fail_kind { FAIL_CRED, FAIL_TKEY, FAIL_TIMEOUT, FAIL_OTHER };

/*
 * The Kerberos step of a negotiation, run on the worker: everything it
 * reads is a copy, everything it makes (credentials, the context begun,
 * our first token) is its own until the loop takes the job back.
 */
enum krb_step { KRB_OK, KRB_NAME, KRB_CRED, KRB_TICKET };

struct krb_job {
	struct gsswork_job wj;		/* first: the worker sees this */
	struct gss_peer *gp;		/* who asked (the loop's; never read on the worker) */
	struct zones_gss cfg;		/* the settings, copied: a reload may free the originals */
	char ccache[64];		/* our private MEMORY: cache, or "" */
	gss_cred_id_t cred;		/* in: kept from before, or none; out: what the step used */
	/* out */
	enum krb_step step;		/* KRB_OK, or the step that failed */
	gss_name_t target;
	gss_ctx_id_t ctx;
	gss_buffer_desc token;		/* our first token, for the TKEY query */
	OM_uint32 major;
	OM_uint32 ntime;		/* the seconds GSS-API gives the context */
	char why[256];			/* GSS-API's words for a failure */
};

/* ---- decisions ---- */

enum gss_plan gss_plan(const struct gss_timing *t, const struct zones_gss *cfg, uint64_t now)
{
	bool usable = false;

	if (t->have && t->expires > t->established) {
		uint64_t margin = (t->expires - t->established) / MARGIN_DIV;

		if (margin > MARGIN_MAX_MS)
			margin = MARGIN_MAX_MS;
		usable = now + margin < t->expires;
	}
	if (usable) {
		if (!t->negotiating && now >= t->retry_at &&
		    now >= t->established + (uint64_t)cfg->rekey_interval * 1000)
			return GSS_PLAN_USE_RENEW;
		return GSS_PLAN_USE;
	}
	if (t->negotiating || now < t->retry_at)
		return GSS_PLAN_WAIT;
	return GSS_PLAN_NEGOTIATE;
}

uint64_t gss_backoff_ms(unsigned int failures, uint32_t retry_interval_s)
{
	uint64_t cap = (uint64_t)(retry_interval_s ? retry_interval_s : 1) * 1000, d = 1000;

	for (unsigned int i = 1; i < failures && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

/* ---- GSS-API helpers ---- */

/* GSS-API's own words for @major/@minor: "Unspecified GSS failure. … (Cannot contact any KDC …)" */
static void reason(OM_uint32 major, OM_uint32 minor, char *buf, size_t cap)
{
	OM_uint32 mctx = 0, m2;
	gss_buffer_desc msg;
	size_t o = 0;
	int type = GSS_C_GSS_CODE;
	OM_uint32 code = major;

	buf[0] = 0;
	for (int pass = 0; pass < 2; pass++) {
		do {
			msg = (gss_buffer_desc)GSS_C_EMPTY_BUFFER;
			/* a minor code is the mechanism's (krb5's): the mechglue maps it for no OID */
			if (GSS_ERROR(gss_display_status(&m2, code, type, GSS_C_NO_OID, &mctx, &msg)))
				break;
			if (o < cap)
				o += (size_t)snprintf(buf + o, cap - o, "%s%.*s", o ? "; " : "",
						      (int)msg.length, (const char *)msg.value);
			gss_release_buffer(&m2, &msg);
		} while (mctx);
		if (!minor)
			break;
		type = GSS_C_MECH_CODE;
		code = minor;
		mctx = 0;
	}
}

static int ctx_get_mic(void *arg, const uint8_t *data, size_t len, uint8_t *mic, size_t cap,
		       size_t *mic_len)
{
	struct gss_ctx *c = arg;
	gss_buffer_desc in = { len, (void *)data }, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	char why[256];

	major = gss_get_mic(&minor, c->ctx, GSS_C_QOP_DEFAULT, &in, &out);
	if (GSS_ERROR(major)) {
		reason(major, minor, why, sizeof(why));
		pr_err_rl("gss: cannot sign with context '%s' (%s)", c->key.name, why);
		return LS_EGSS;
	}
	if (out.length > cap) {
		gss_release_buffer(&minor, &out);
		return -ENOSPC;
	}
	memcpy(mic, out.value, out.length);
	*mic_len = out.length;
	gss_release_buffer(&minor, &out);
	return 0;
}

static int ctx_verify_mic(void *arg, const uint8_t *data, size_t len, const uint8_t *mic,
			  size_t mic_len)
{
	struct gss_ctx *c = arg;
	gss_buffer_desc in = { len, (void *)data }, tok = { mic_len, (void *)mic };
	OM_uint32 major, minor;

	/* replay/sequence findings are supplementary bits: pipelined replies arrive out of order */
	major = gss_verify_mic(&minor, c->ctx, &in, &tok, NULL);
	return GSS_ERROR(major) ? LS_ETSIG_BADSIG : 0;
}

static const struct tsig_mic_ops mic_ops = { ctx_get_mic, ctx_verify_mic };

void gss_ctx_put(struct gss_ctx *c)
{
	OM_uint32 minor;

	if (!c || --c->refs)
		return;
	if (c->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &c->ctx, GSS_C_NO_BUFFER);
	free(c);
}

const struct tsig_key *gss_ctx_key(const struct gss_ctx *c)
{
	return &c->key;
}

/* ---- one server's negotiation ---- */

/*
 * Empty our private MEMORY: cache (never the operator's credentials-cache):
 * MIT keeps using an expired ticket found there instead of getting a new
 * one from the keytab, and says "Ticket expired" even when the KDC is up.
 */
static void ccache_forget(const char *name)
{
	krb5_context k;
	krb5_ccache cc;

	if (!name[0] || krb5_init_context(&k))
		return;
	if (!krb5_cc_resolve(k, name, &cc))
		krb5_cc_destroy(k, cc);
	krb5_free_context(k);
}

static void neg_clear(struct gss_peer *gp)
{
	OM_uint32 minor;

	if (gp->nctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &gp->nctx, GSS_C_NO_BUFFER);
	if (gp->ntarget != GSS_C_NO_NAME)
		gss_release_name(&minor, &gp->ntarget);
	gp->ncomplete = false;
	gp->t.negotiating = false;
}

static const char *client_name(const struct gss_peer *gp)
{
	return gp->cfg->client_principal[0] ? gp->cfg->client_principal : "(default principal)";
}

__attribute__((format(printf, 3, 4)))
static void neg_fail(struct gss_peer *gp, enum fail_kind k, const char *fmt, ...)
{
	struct gss *g = gp->g;
	uint64_t d;
	char why[512];
	va_list ap;
	OM_uint32 minor;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	neg_clear(gp);
	/*
	 * A Kerberos failure: read the keytab / cache again next time (the
	 * operator may have replaced it), with no ticket kept from before.
	 */
	if (k == FAIL_CRED && gp->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &gp->cred);
	if (k == FAIL_CRED)
		ccache_forget(gp->ccache);
	gp->failures++;
	d = gss_backoff_ms(gp->failures, gp->cfg->retry_interval);
	gp->t.retry_at = dnsio_now_ms() + d;
	g->st.failures++;
	if (k == FAIL_CRED)
		g->st.cred_failures++;
	else if (k == FAIL_TKEY)
		g->st.tkey_errors++;
	else if (k == FAIL_TIMEOUT)
		g->st.timeouts++;
	/* the first failure in a row always; repeats (one per backoff step) rate-limited */
	if (gp->failures == 1)
		pr_err("gss: no GSS-TSIG context with '%s' (server '%s', client '%s'): %s; next try in %llu ms",
		       dnsio_peer_name(gp->peer), gp->cfg->server_principal, client_name(gp), why,
		       (unsigned long long)d);
	else
		pr_err_rl("gss: no GSS-TSIG context with '%s' (server '%s', client '%s'): %s; try %u failed, next in %llu ms",
			  dnsio_peer_name(gp->peer), gp->cfg->server_principal, client_name(gp), why,
			  gp->failures, (unsigned long long)d);
}

/* On the worker: credentials for @j (from the keytab, the cache, or the default cache). */
static int acquire(struct krb_job *j)
{
	const struct zones_gss *c = &j->cfg;
	gss_key_value_element_desc el[2];
	gss_key_value_set_desc store = { 0, el };
	gss_OID_set_desc mechs = { 1, (gss_OID)gss_mech_krb5 };
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor, m2;

	if (c->client_keytab[0])
		el[store.count++] = (gss_key_value_element_desc){ "client_keytab", c->client_keytab };
	if (c->credentials_cache[0] || j->ccache[0])
		el[store.count++] = (gss_key_value_element_desc){
			"ccache", c->credentials_cache[0] ? c->credentials_cache : j->ccache };
	if (c->client_principal[0]) {
		gss_buffer_desc b = { strlen(c->client_principal), (void *)c->client_principal };

		major = gss_import_name(&minor, &b, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &name);
		if (GSS_ERROR(major)) {
			reason(major, minor, j->why, sizeof(j->why));
			return LS_EGSS;
		}
	}
	major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
				      store.count ? &store : NULL, &j->cred, NULL, NULL);
	if (GSS_ERROR(major))
		reason(major, minor, j->why, sizeof(j->why));
	if (name != GSS_C_NO_NAME)
		gss_release_name(&m2, &name);
	if (GSS_ERROR(major)) {
		j->cred = GSS_C_NO_CREDENTIAL;
		return LS_EGSS;
	}
	return 0;
}

/* " from keytab 'X'" / " from cache 'Y'": where the credentials come from, for messages */
static const char *cred_src(const struct gss_peer *gp, char *buf, size_t cap)
{
	const struct zones_gss *c = gp->cfg;

	if (c->client_keytab[0])
		snprintf(buf, cap, " from keytab '%s'", c->client_keytab);
	else if (c->credentials_cache[0])
		snprintf(buf, cap, " from cache '%s'", c->credentials_cache);
	else
		snprintf(buf, cap, " from the default cache");
	return buf;
}

static void established(struct gss_peer *gp, struct gss_ctx *c, uint32_t tkey_exp)
{
	uint64_t now = dnsio_now_ms(), life = (uint64_t)gp->cfg->tkey_lifetime * 1000;
	time_t wall = time(NULL);

	/* the server's expiration (RFC 2930 §2.3) and the Kerberos ticket's end both bound it */
	if (tkey_exp > (uint64_t)wall && ((uint64_t)tkey_exp - (uint64_t)wall) * 1000 < life)
		life = ((uint64_t)tkey_exp - (uint64_t)wall) * 1000;
	if (gp->ntime != GSS_C_INDEFINITE && gp->ntime && (uint64_t)gp->ntime * 1000 < life)
		life = (uint64_t)gp->ntime * 1000;
	neg_clear(gp);
	gss_ctx_put(gp->cur);
	gp->cur = c;
	gp->t.have = true;
	gp->had = true;
	gp->t.established = now;
	gp->t.expires = now + life;
	gp->t.retry_at = 0;
	gp->failures = 0;
	gp->g->st.established++;
	pr_info("gss: GSS-TSIG context '%s' with '%s' as '%s' for %llu s", c->key.name,
		dnsio_peer_name(gp->peer), client_name(gp), (unsigned long long)(life / 1000));
}

static int tkey_reply(void *arg, int status, const uint8_t *msg, size_t len)
{
	struct gss_peer *gp = arg;
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	struct tkey_answer a;
	struct gss_ctx *c;
	OM_uint32 major, minor;
	char why[256];
	int err, terr = 0;

	if (status) {
		neg_fail(gp, FAIL_TIMEOUT, "no answer to the TKEY query (%s)", ls_strerror(status));
		return 0;
	}
	err = tkey_answer_parse(msg, len, gp->nid, gp->nname, &a);
	if (err == LS_EDNS_ID)
		return -1;	/* not the answer to our query: keep waiting for it */
	if (err) {
		neg_fail(gp, FAIL_TKEY, "TKEY answer does not parse (%s)", ls_strerror(err));
		return 0;
	}
	if (tkey_answer_check(&a)) {
		neg_fail(gp, FAIL_TKEY, "server answered the TKEY query with rcode %d, TKEY error %s (%u)%s",
			 a.rcode, tkey_error_name(a.error), a.error,
			 a.has_tkey ? "" : ", no TKEY record");
		return 0;
	}
	if (!gp->ncomplete) {
		in.value = (void *)a.token;
		in.length = a.token_len;
		major = gss_init_sec_context(&minor, gp->cred, &gp->nctx, gp->ntarget,
					     (gss_OID)gss_mech_krb5, GSS_FLAGS, 0,
					     GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL);
		gss_release_buffer(&minor, &out);
		if (GSS_ERROR(major)) {
			reason(major, minor, why, sizeof(why));
			neg_fail(gp, FAIL_TKEY, "the server's token is not accepted (%s)", why);
			return 0;
		}
		if (major != GSS_S_COMPLETE) {
			neg_fail(gp, FAIL_TKEY, "the mechanism wants more than one round trip (not supported)");
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		neg_fail(gp, FAIL_OTHER, "%s", ls_strerror(-ENOMEM));
		return 0;
	}
	c->refs = 1;
	err = tsig_key_init(&c->key, gp->nname, "gss-tsig", NULL, 0);
	if (err) {
		free(c);
		neg_fail(gp, FAIL_OTHER, "bad context name '%s'", gp->nname);
		return 0;
	}
	c->ctx = gp->nctx;
	gp->nctx = GSS_C_NO_CONTEXT;
	c->key.mic = &mic_ops;
	c->key.mic_arg = c;
	/* RFC 3645 §4.1.3: the final answer is signed with the new context; the query was not */
	if (a.has_tsig) {
		err = tsig_verify(&c->key, msg, len, NULL, 0, time(NULL), &terr);
		if (err) {
			gss_ctx_put(c);
			neg_fail(gp, FAIL_TKEY, "the TKEY answer's signature does not verify (%s)",
				 ls_strerror(err));
			return 0;
		}
	}
	established(gp, c, a.expiration);
	return 0;
}

/* The Kerberos life left to a context: the ticket's, 10 % (at least 2 s) kept back. */
static uint32_t ticket_life(OM_uint32 t)
{
	uint32_t keep;

	if (t == GSS_C_INDEFINITE || !t)
		return UINT32_MAX;
	keep = t / 10 > 2 ? t / 10 : 2;
	return t > keep ? t - keep : 1;
}

/*
 * On the worker: the Kerberos step. Credentials when there are none, then
 * the first gss_init_sec_context(): a service ticket for the server, from
 * the KDC when not cached (here krb5 waits kdc_timeout per KDC and retries
 * when none answers). Nothing of the loop's is touched.
 */
static void krb_run(struct gsswork_job *wj)
{
	struct krb_job *j = (struct krb_job *)wj;
	gss_buffer_desc tb = { strlen(j->cfg.server_principal), j->cfg.server_principal };
	OM_uint32 minor;
	bool fresh = false;

	j->major = gss_import_name(&minor, &tb, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &j->target);
	if (GSS_ERROR(j->major)) {
		reason(j->major, minor, j->why, sizeof(j->why));
		j->step = KRB_NAME;
		return;
	}
	for (;;) {
		if (j->cred == GSS_C_NO_CREDENTIAL) {
			if (acquire(j)) {
				j->step = KRB_CRED;
				return;
			}
			fresh = true;
		}
		j->major = gss_init_sec_context(&minor, j->cred, &j->ctx, j->target,
						(gss_OID)gss_mech_krb5, GSS_FLAGS, 0,
						GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL,
						&j->token, NULL, &j->ntime);
		/*
		 * Credentials kept from an earlier negotiation may hold an expired
		 * ticket (MIT does not always refresh it from the keytab), or one
		 * that ends before the context should: once, start again with new
		 * ones before calling it a failure or a short context.
		 */
		if (fresh || (!GSS_ERROR(j->major) && ticket_life(j->ntime) >= j->cfg.tkey_lifetime))
			break;
		gss_release_buffer(&minor, &j->token);
		if (j->ctx != GSS_C_NO_CONTEXT)
			gss_delete_sec_context(&minor, &j->ctx, GSS_C_NO_BUFFER);
		gss_release_cred(&minor, &j->cred);
		ccache_forget(j->ccache);
	}
	if (GSS_ERROR(j->major)) {
		reason(j->major, minor, j->why, sizeof(j->why));
		gss_release_buffer(&minor, &j->token);
		j->step = KRB_TICKET;
		return;
	}
	j->step = KRB_OK;
}

/* Free @j and all it holds (a job taken back, or one nobody will take back). */
static void krb_job_free(struct krb_job *j)
{
	OM_uint32 minor;

	gss_release_buffer(&minor, &j->token);
	if (j->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &j->ctx, GSS_C_NO_BUFFER);
	if (j->target != GSS_C_NO_NAME)
		gss_release_name(&minor, &j->target);
	if (j->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &j->cred);
	free(j);
}

/* A job whose set was freed meanwhile (gss_free()): its cache goes with it. */
static void krb_drop(struct gsswork_job *wj)
{
	struct krb_job *j = (struct krb_job *)wj;

	ccache_forget(j->ccache);
	krb_job_free(j);
}

/* On the loop: hand the Kerberos step of @gp's negotiation to the worker. */
static void negotiate(struct gss_peer *gp)
{
	struct gss *g = gp->g;
	struct krb_job *j;

	g->st.negotiations++;
	if (gp->had)
		g->st.renewals++;
	neg_clear(gp);
	j = calloc(1, sizeof(*j));
	if (!j) {
		neg_fail(gp, FAIL_OTHER, "%s", ls_strerror(-ENOMEM));
		return;
	}
	/* one private cache per server for its whole life, its name never used again */
	if (gp->cfg->client_keytab[0] && !gp->cfg->credentials_cache[0] && !gp->ccache[0])
		snprintf(gp->ccache, sizeof(gp->ccache), "MEMORY:leasesnoop-gss-%u-%u",
			 (unsigned int)getpid(), ++ccache_seq);
	j->wj.run = krb_run;
	j->wj.drop = krb_drop;
	j->gp = gp;
	j->cfg = *gp->cfg;
	memcpy(j->ccache, gp->ccache, sizeof(j->ccache));
	j->cred = gp->cred;		/* the worker's until the job is back */
	gp->cred = GSS_C_NO_CREDENTIAL;
	j->target = GSS_C_NO_NAME;
	j->ctx = GSS_C_NO_CONTEXT;
	j->token = (gss_buffer_desc)GSS_C_EMPTY_BUFFER;
	gp->job = j;
	gp->t.negotiating = true;
	gsswork_submit(g->work, &j->wj);
}

/* On the loop: the Kerberos step is done; on to the TKEY exchange, or a failure. */
static void negotiated(struct gss_peer *gp, struct krb_job *j)
{
	struct gss *g = gp->g;
	uint8_t *q = NULL;
	size_t qlen = 0, cap;
	uint32_t rnd = 0, now, life;
	char host[256] = "", src[300];
	int err;

	gp->job = NULL;
	gp->cred = j->cred;
	j->cred = GSS_C_NO_CREDENTIAL;
	switch (j->step) {
	case KRB_NAME:
		neg_fail(gp, FAIL_CRED, "bad server principal (%s)", j->why);
		krb_job_free(j);
		return;
	case KRB_CRED:
		neg_fail(gp, FAIL_CRED, "no credentials%s (%s)", cred_src(gp, src, sizeof(src)), j->why);
		krb_job_free(j);
		return;
	case KRB_TICKET:
		neg_fail(gp, FAIL_CRED, "no ticket%s (%s)", cred_src(gp, src, sizeof(src)), j->why);
		krb_job_free(j);
		return;
	case KRB_OK:
		break;
	}
	gp->ntarget = j->target;
	j->target = GSS_C_NO_NAME;
	gp->nctx = j->ctx;
	j->ctx = GSS_C_NO_CONTEXT;
	gp->ntime = j->ntime;
	gp->ncomplete = j->major == GSS_S_COMPLETE;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)dnsio_now_ms() ^ (uint32_t)getpid();
	gethostname(host, sizeof(host) - 1);
	tkey_key_name(gp->nname, sizeof(gp->nname), rnd, host);
	cap = 512 + j->token.length;
	q = malloc(cap);
	now = (uint32_t)time(NULL);
	gp->nid = dnsio_alloc_id(gp->peer);
	/*
	 * Ask for no more than the Kerberos ticket allows, with a margin: the
	 * server's GSS-API context ends with the ticket whatever the TKEY
	 * expiration says, and its clock may be a little ahead of ours.
	 */
	life = gp->cfg->tkey_lifetime;
	if (ticket_life(gp->ntime) < life)
		life = ticket_life(gp->ntime);
	gp->ntime = life;	/* what the context is good for, from here on */
	err = q ? tkey_query_build(q, cap, &qlen, gp->nid, gp->nname, j->token.value,
				   j->token.length, now, now + life) : -ENOMEM;
	krb_job_free(j);
	if (!err)
		err = dnsio_send(g->io, gp->peer, gp->cfg->tcp, q, qlen, gp->nid,
				 gp->cfg->exchange_timeout_ms, tkey_reply, gp);
	free(q);
	if (err) {
		neg_fail(gp, FAIL_OTHER, "cannot send the TKEY query (%s)", ls_strerror(err));
		return;
	}
	gp->t.negotiating = true;
}

/* ---- the set ---- */

int gss_new(struct gss **out, struct dnsio *io)
{
	struct gss *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return -ENOMEM;
	err = gsswork_new(&g->work);
	if (err) {
		free(g);
		return err;
	}
	g->io = io;
	*out = g;
	return 0;
}

void gss_free(struct gss *g)
{
	OM_uint32 minor;

	if (!g)
		return;
	while (g->peers) {
		struct gss_peer *gp = g->peers;

		g->peers = gp->next;
		neg_clear(gp);
		gss_ctx_put(gp->cur);
		if (gp->cred != GSS_C_NO_CREDENTIAL)
			gss_release_cred(&minor, &gp->cred);
		/* a Kerberos step still out: its job forgets the cache when the worker drops it */
		if (!gp->job)
			ccache_forget(gp->ccache);
		free(gp);
	}
	/* never waits for a step krb5 is stuck in: the worker drops it and goes */
	gsswork_free(g->work);
	free(g);
}

int gss_fd(const struct gss *g)
{
	return gsswork_fd(g->work);
}

bool gss_busy(const struct gss *g)
{
	struct gsswork_stats ws;

	gsswork_get_stats(g->work, &ws);
	return ws.busy > 0;
}

void gss_poll(struct gss *g)
{
	struct gsswork_job *wj = gsswork_done(g->work);

	while (wj) {
		struct gsswork_job *n = wj->next;
		struct krb_job *j = (struct krb_job *)wj;

		negotiated(j->gp, j);
		wj = n;
	}
}

struct gss_peer *gss_peer_get(struct gss *g, struct dnsio_peer *p, const struct zones_gss *cfg)
{
	struct gss_peer *gp;

	for (gp = g->peers; gp; gp = gp->next)
		if (gp->peer == p && (gp->cfg == cfg || !memcmp(gp->cfg, cfg, sizeof(*cfg))))
			return gp;
	gp = calloc(1, sizeof(*gp));
	if (!gp)
		return NULL;
	gp->g = g;
	gp->peer = p;
	gp->cfg = cfg;
	gp->cred = GSS_C_NO_CREDENTIAL;
	gp->nctx = GSS_C_NO_CONTEXT;
	gp->ntarget = GSS_C_NO_NAME;
	gp->next = g->peers;
	g->peers = gp;
	return gp;
}

bool gss_peer_ready(struct gss_peer *gp, uint64_t now)
{
	enum gss_plan p;

	if (gp->t.have && now >= gp->t.expires) {
		/* expired unused: a message signed with it would be refused */
		gss_ctx_put(gp->cur);
		gp->cur = NULL;
		gp->t.have = false;
	}
	p = gss_plan(&gp->t, gp->cfg, now);
	if (p == GSS_PLAN_NEGOTIATE || p == GSS_PLAN_USE_RENEW)
		negotiate(gp);
	return p == GSS_PLAN_USE || p == GSS_PLAN_USE_RENEW;
}

struct gss_ctx *gss_peer_ctx(struct gss_peer *gp)
{
	if (!gp->cur)
		return NULL;
	gp->cur->refs++;
	return gp->cur;
}

unsigned int gss_peer_rejected(struct gss_peer *gp, struct gss_ctx *c)
{
	gp->g->st.rejected++;
	if (c && gp->cur == c) {
		gss_ctx_put(gp->cur);
		gp->cur = NULL;
		gp->t.have = false;
	}
	return ++gp->rejections;
}

void gss_peer_accepted(struct gss_peer *gp)
{
	gp->rejections = 0;
}

const char *gss_peer_name(const struct gss_peer *gp)
{
	return gp->cfg->server_principal;
}

int gss_peer_wait_ms(const struct gss_peer *gp, uint64_t now)
{
	uint64_t w;

	if (gp->t.negotiating || gp->t.have || !gp->failures)
		return -1;
	w = gp->t.retry_at > now ? gp->t.retry_at - now : 0;
	return w > 600000 ? 600000 : (int)w;
}

void gss_get_stats(const struct gss *g, struct gss_stats *st)
{
	struct gsswork_stats ws;

	*st = g->st;
	gsswork_get_stats(g->work, &ws);
	st->kerberos_steps = ws.jobs;
	st->kerberos_ms = ws.run_ms;
	st->kerberos_max_ms = ws.max_ms;
	st->kerberos_pending = ws.busy;
	st->contexts = 0;
	for (const struct gss_peer *gp = g->peers; gp; gp = gp->next)
		st->contexts += gp->t.have;
}

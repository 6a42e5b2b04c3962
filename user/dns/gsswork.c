// SPDX-License-Identifier: GPL-2.0-only
/*
 * user/dns/gsswork.c - the worker thread behind user/dns/gss.c: a mutex,
 * a condition the worker sleeps on, a queue of jobs to run, a queue of jobs
 * run, and an eventfd that says the second is not empty.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "user/dns/gsswork.h"

struct gsswork {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct gsswork_job *todo, **todo_tail;
	struct gsswork_job *done, **done_tail;
	bool closing;
	int efd;
	struct gsswork_stats st;	/* jobs, run_ms, max_ms: under mu */
	unsigned int busy;		/* the loop's alone */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void drop_list(struct gsswork_job *j)
{
	while (j) {
		struct gsswork_job *n = j->next;

		j->drop(j);
		j = n;
	}
}

static void *worker(void *arg)
{
	struct gsswork *w = arg;
	struct gsswork_job *j;
	uint64_t t0, one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->todo && !w->closing)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->closing)
			break;
		j = w->todo;
		w->todo = j->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		j->next = NULL;
		pthread_mutex_unlock(&w->mu);

		t0 = mono_ms();
		j->run(j);
		j->run_ms = mono_ms() - t0;

		pthread_mutex_lock(&w->mu);
		w->st.jobs++;
		w->st.run_ms += j->run_ms;
		if (j->run_ms > w->st.max_ms)
			w->st.max_ms = j->run_ms;
		if (w->closing) {
			/* nobody takes it back: ours to free */
			pthread_mutex_unlock(&w->mu);
			j->drop(j);
			pthread_mutex_lock(&w->mu);
			break;
		}
		*w->done_tail = j;
		w->done_tail = &j->next;
		/* an eventfd write fails only when the count would overflow */
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* the count is already non-zero: the loop wakes anyway */
		}
	}
	/* gsswork_free() was called: nothing will be taken back */
	j = w->todo;
	w->todo = NULL;
	pthread_mutex_unlock(&w->mu);
	drop_list(j);
	drop_list(w->done);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	close(w->efd);
	free(w);
	return NULL;
}

int gsswork_new(struct gsswork **out)
{
	struct gsswork *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	pthread_attr_t at;
	pthread_t th;
	int err;

	if (!w)
		return -ENOMEM;
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		err = -errno;
		free(w);
		return err;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	/* signals are the loop's: the worker blocks them all */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&th, &at, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	if (err) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		close(w->efd);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

void gsswork_free(struct gsswork *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->closing = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	/* the worker frees @w: not a byte of it is touched from here on */
}

int gsswork_fd(const struct gsswork *w)
{
	return w->efd;
}

void gsswork_submit(struct gsswork *w, struct gsswork_job *j)
{
	j->next = NULL;
	j->run_ms = 0;
	w->busy++;
	pthread_mutex_lock(&w->mu);
	*w->todo_tail = j;
	w->todo_tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

struct gsswork_job *gsswork_done(struct gsswork *w)
{
	struct gsswork_job *j;
	uint64_t n;

	if (!w->busy)
		return NULL;	/* nothing out: no lock, no read (the loop calls this every turn) */
	pthread_mutex_lock(&w->mu);
	j = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	/* under mu: a job finished after this read writes the eventfd again */
	if (read(w->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing was signalled */
	}
	pthread_mutex_unlock(&w->mu);
	for (struct gsswork_job *k = j; k; k = k->next)
		w->busy--;
	return j;
}

void gsswork_get_stats(const struct gsswork *w, struct gsswork_stats *st)
{
	struct gsswork *m = (struct gsswork *)w;	/* the lock, not the state, changes */

	pthread_mutex_lock(&m->mu);
	*st = m->st;
	pthread_mutex_unlock(&m->mu);
	st->busy = w->busy;
}

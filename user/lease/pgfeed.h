/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/pgfeed.h - the PostgreSQL backend of the SQL lease source
 * (user/lease/sqlfeed.h), through libpq: leasesnoop's schema "leasesnoop"
 * beside Kea's (a change table, one SECURITY DEFINER trigger function, the
 * triggers leasesnoop_change on lease4/lease6, NOTIFY leasesnoop_change as
 * the wake-up), non-blocking connection set-up, TCP keepalives and a
 * statement timeout on every session.
 */
#ifndef LS_PGFEED_H
#define LS_PGFEED_H

#include "user/lease/sqlfeed.h"

extern const struct sqlfeed_backend pgfeed_backend;

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * user/lease/myfeed.h - the MySQL/MariaDB backend of the SQL lease source
 * (user/lease/sqlfeed.h), through libmariadb: the same trigger design as
 * PostgreSQL's, in Kea's database (MySQL has no schemas within a
 * database): the tables leasesnoop_change and leasesnoop_schema_version,
 * six triggers leasesnoop_lease{4,6}_{ins,upd,del}. No NOTIFY: the change
 * table is polled. Sessions connect synchronously (bounded by
 * connect-timeout), with read/write timeouts; a "host" that is a path is
 * the server's unix socket.
 */
#ifndef LS_MYFEED_H
#define LS_MYFEED_H

#include "user/lease/sqlfeed.h"

extern const struct sqlfeed_backend myfeed_backend;

#endif

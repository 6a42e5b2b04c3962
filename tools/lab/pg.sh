# shellcheck shell=sh
# tools/lab/pg.sh - a throwaway PostgreSQL cluster for tests, demos and
# benchmarks (Debian's postgresql packages). Source it. initdb refuses to
# run as root, so the cluster belongs to the "postgres" user; it listens on
# a unix socket in its own folder only (listen_addresses ''), so nothing
# else on the machine can reach it and parallel clusters never clash; the
# socket is reachable from any network namespace (it is a file). fsync is
# off: the cluster lives as long as the test. Passwords are checked
# (scram-sha-256): "postgres" is the superuser's, "kea" the role kea's.
#
#   lab_pg_start DIR PORT     initdb into DIR/pg, start, create role "kea"
#                             (password "kea") owning database "kea", and run
#                             `kea-admin db-init pgsql` there. DIR must exist.
#   lab_pg_stop DIR           stop it (fast shutdown: sessions are cut)
#   lab_pg_restart DIR        start it again after a stop
#   lab_pg_sql DIR SQL        run SQL as "kea" in "kea" (psql -At: bare rows)
#   lab_pg_kea_db DIR         the "lease-database" map Kea and leasesnoop share
#   lab_pg_kea_admin DIR CMD… kea-admin CMD pgsql with the connection options

lab_pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1
}

lab_pg_start() {
	_pd=$1/pg
	_pb=$(lab_pg_bindir)
	[ -x "$_pb/initdb" ] || { echo "lab_pg: no initdb (install postgresql)" >&2; return 1; }
	chmod 755 "$1"
	mkdir -p "$_pd"
	chown postgres "$_pd"
	echo "$2" > "$1/pg.port"
	echo postgres > "$_pd/pwfile"
	chown postgres "$_pd/pwfile"
	( cd / && runuser -u postgres -- "$_pb/initdb" -D "$_pd/data" -A scram-sha-256 -U postgres \
		--pwfile="$_pd/pwfile" >"$_pd/initdb.log" 2>&1 ) || { tail -5 "$_pd/initdb.log" >&2; return 1; }
	lab_pg_restart "$1" || return 1
	PGPASSWORD=postgres psql -qAt -h "$_pd" -p "$2" -U postgres -d postgres \
		-c "CREATE ROLE kea LOGIN PASSWORD 'kea'" \
		-c "CREATE DATABASE kea OWNER kea" >/dev/null || return 1
	lab_pg_kea_admin "$1" db-init >"$_pd/kea-admin.log" 2>&1 ||
		{ tail -5 "$_pd/kea-admin.log" >&2; return 1; }
}

lab_pg_restart() {
	( cd / && runuser -u postgres -- "$(lab_pg_bindir)/pg_ctl" -D "$1/pg/data" -l "$1/pg/server.log" -w \
		-o "-k $1/pg -p $(cat "$1/pg.port") -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null 2>&1 ) || { tail -5 "$1/pg/server.log" >&2; return 1; }
}

lab_pg_stop() {
	[ -f "$1/pg/data/postmaster.pid" ] || return 0
	( cd / && runuser -u postgres -- "$(lab_pg_bindir)/pg_ctl" -D "$1/pg/data" -m fast -w stop >/dev/null 2>&1 )
}

# lab_pg_psql DIR [ARG...] - psql as Kea's user (statements on stdin);
# lab_pg_sql DIR SQL - one statement
lab_pg_psql() {
	_pq=$1; shift
	PGPASSWORD=kea psql -qAt -h "$_pq/pg" -p "$(cat "$_pq/pg.port")" -U kea -d kea "$@"
}
lab_pg_sql() { lab_pg_psql "$1" -c "$2"; }

lab_pg_kea_db() {
	printf '{ "type": "postgresql", "name": "kea", "host": "%s", "port": %s, "user": "kea", "password": "kea" }' \
		"$1/pg" "$(cat "$1/pg.port")"
}

lab_pg_kea_admin() {
	_d=$1 _c=$2
	shift 2
	kea-admin "$_c" pgsql -h "$_d/pg" -P "$(cat "$_d/pg.port")" -u kea -p kea -n kea "$@"
}

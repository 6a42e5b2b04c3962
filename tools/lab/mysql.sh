# shellcheck shell=sh
# tools/lab/mysql.sh - a throwaway MariaDB server for tests, demos and
# benchmarks (Debian's mariadb-server). Source it. The server runs as the
# "mysql" user on a data folder of its own, with networking off: its only
# way in is the unix socket DIR/my/sock, reachable from any network
# namespace (it is a file), so parallel servers never clash. Kea's MySQL
# backend has no socket setting: a client asking for "localhost" takes the
# socket from MYSQL_UNIX_PORT, so lab_my_start exports it (Kea, kea-admin's
# client library and leasesnoop all read it). Durability is off.
#
#   lab_my_start DIR        initialise DIR/my, start, create user "kea"
#                           (password "kea") with database "kea", run
#                           `kea-admin db-init mysql` there; export MYSQL_UNIX_PORT
#   lab_my_stop DIR         stop it (SIGTERM, wait)
#   lab_my_restart DIR      start it again after a stop
#   lab_my_sql DIR SQL      run SQL as "kea" in "kea" (bare rows, tab-separated)
#   lab_my_kea_db           the "lease-database" map Kea and leasesnoop share
#   lab_my_kea_admin DIR CMD…  kea-admin CMD mysql with the connection options

lab_my_restart() {
	( cd / && exec mariadbd --no-defaults --datadir="$1/my/data" --socket="$1/my/sock" \
		--skip-networking --user=mysql --pid-file="$1/my/mariadbd.pid" \
		--log-error="$1/my/server.log" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
		--innodb-buffer-pool-size=64M ) >/dev/null 2>&1 &
	for _t in $(seq 1 100); do
		mariadb-admin --no-defaults -S "$1/my/sock" -uroot ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	tail -5 "$1/my/server.log" >&2
	return 1
}

lab_my_start() {
	command -v mariadbd >/dev/null || { echo "lab_my: no mariadbd (install mariadb-server)" >&2; return 1; }
	chmod 755 "$1"
	mkdir -p "$1/my"
	chown mysql "$1/my"
	( cd / && mariadb-install-db --no-defaults --datadir="$1/my/data" --user=mysql \
		--auth-root-authentication-method=normal >"$1/my/install.log" 2>&1 ) ||
		{ tail -5 "$1/my/install.log" >&2; return 1; }
	lab_my_restart "$1" || return 1
	mariadb --no-defaults -S "$1/my/sock" -uroot -e "CREATE DATABASE kea;
	  CREATE USER kea@localhost IDENTIFIED BY 'kea'; GRANT ALL ON kea.* TO kea@localhost;" || return 1
	MYSQL_UNIX_PORT=$1/my/sock
	export MYSQL_UNIX_PORT
	lab_my_kea_admin "$1" db-init >"$1/my/kea-admin.log" 2>&1 ||
		{ tail -5 "$1/my/kea-admin.log" >&2; return 1; }
}

lab_my_stop() {
	[ -f "$1/my/mariadbd.pid" ] || return 0
	_p=$(cat "$1/my/mariadbd.pid")
	kill -TERM "$_p" 2>/dev/null
	for _t in $(seq 1 100); do
		kill -0 "$_p" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$1/my/mariadbd.pid"
}

lab_my_sql() {
	# Kea's tables are latin1: talk latin1, or CONCAT() mixes collations
	mariadb --no-defaults -S "$1/my/sock" -ukea -pkea -N -B --default-character-set=latin1 kea -e "$2"
}

lab_my_kea_db() {
	printf '{ "type": "mysql", "name": "kea", "host": "localhost", "user": "kea", "password": "kea" }'
}

lab_my_kea_admin() {
	_d=$1 _c=$2
	shift 2
	# kea-admin's mysql client reads the socket from its configuration, not the environment
	kea-admin "$_c" mysql -h localhost -u kea -p kea -n kea -x "--socket=$_d/my/sock" "$@"
}

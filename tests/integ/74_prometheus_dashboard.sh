#!/bin/sh
# tests/integ/74_prometheus_dashboard.sh - the Grafana dashboard shipped in
# doc/grafana-dashboard.json against a real Prometheus: a daemon puts leases
# into a real BIND (one zone the server does not serve, so failures by rcode
# exist), Prometheus (Debian's, on a free loopback port, a scratch config and
# storage dir) scrapes its /metrics every second, and every panel's query is
# evaluated through the HTTP API (/api/v1/query): each must parse and return
# data. The dashboard is Grafana's dashboard model (panels with gridPos,
# a Prometheus datasource, the panels the operator's manual names), and the
# new series (build info, process metrics) are scraped with sane values.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq curl prometheus
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DASH="$LS_TOP/doc/grafana-dashboard.json"
ls_bind_lab prom
PROM_PID=
prom_down() { [ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; }; }
LS_LAB_DOWN=prom_down
NEXPR=$(jq '[.panels[] | select(.type != "row") | .targets[].expr] | length' "$DASH")
tap_plan $((NEXPR + 10))

FZ=prom.example.
RZ=64.10.in-addr.arpa.
BADZ=refused.example.	# configured, not served by BIND: NOTAUTH, a failure by rcode
PORT=$(lab_dns_free_port)
MPORT=$(lab_dns_free_port)
while [ "$MPORT" = "$PORT" ] || [ "$MPORT" = $((PORT + 1)) ]; do MPORT=$((MPORT + 2)); done
PPORT=$((MPORT + 1))	# lab_dns_free_port: P and P+1 are free
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
mkdir -p "$DIR/dns" "$DIR/prom"
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v now=$NOW 'BEGIN { for (i = 0; i < 20; i++)
		printf "10.64.1.%d,02:00:00:00:01:%02x,,3600,%d,1,1,1,h%d.prom.example.,0,\n", i + 1, i, now + 3600, i }'
	echo "10.64.2.1,02:00:00:00:02:01,,3600,$((NOW + 3600)),1,1,1,x.refused.example.,0,"
} > "$DIR/kea-leases4.csv"

# 1. the dashboard's shape (Grafana's dashboard model)
tap_is "dashboard: schemaVersion, title, uid" "$(jq -c '[(.schemaVersion > 30), .title, .uid]' "$DASH")" '[true,"leasesnoop","leasesnoop"]'
tap_is "dashboard: every panel has a gridPos and every query panel a Prometheus datasource" \
	"$(jq '[.panels[] | select(.gridPos.w == null or (.type != "row" and .datasource.type != "prometheus"))] | length' "$DASH")" 0
tap_is "dashboard: the panels the manual names" \
	"$(jq -c '[.panels[].title | select(test("^(DNS changes per second by result|Pending changes|Failures by rcode|UPDATE latency per server|Lease-file lag|HA state)$"))] | length' "$DASH")" 6
tap_is "dashboard: the latency panel is a heatmap of buckets" \
	"$(jq -r '.panels[] | select(.title == "UPDATE latency per server") | "\(.type) \(.targets[0].format)"' "$DASH")" "heatmap heatmap"

# 2. BIND, the daemon with /metrics, Prometheus scraping it
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -f "$BADZ" -r "$RZ" \
	-x "\"metrics\": { \"listen\": \"127.0.0.1:$MPORT\" }" > "$DIR/ls.conf"
if start; then tap_pass "the daemon starts"; else tap_fail "the daemon starts" "$(cat "$DIR/ls.err")"; fi
settle 30 || tap_diag "not idle in 30 s"
cat > "$DIR/prom.yml" <<YEOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: leasesnoop
    static_configs: [ { targets: [ "127.0.0.1:$MPORT" ] } ]
YEOF
prometheus --config.file="$DIR/prom.yml" --storage.tsdb.path="$DIR/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$DIR/prom.log" 2>&1 &
PROM_PID=$!
q() { curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
value() { q "$1" | jq -r '.data.result[0].value[1] // empty'; }
# rate() needs two samples in its window, a 5 s margin: five scrapes of an up target
scraped() { [ "$(value 'count_over_time(up{job="leasesnoop"}[1m]) >= 5 and up == 1' 2>/dev/null)" != "" ]; }
if wait_for 60 scraped; then tap_pass "Prometheus scrapes the daemon (5 scrapes, up)"
else tap_fail "Prometheus scrapes the daemon (5 scrapes, up)" "$(tail -5 "$DIR/prom.log")" "$(q up)"; fi

# 3. every panel's query: parses, returns data
jq -r '.panels[] | select(.type != "row") | .title as $t | .targets[] | "\($t)\t\(.expr)"' "$DASH" > "$DIR/exprs"
while IFS="	" read -r title expr; do
	ans=$(q "$expr")
	if [ "$(echo "$ans" | jq -r '.status')" = success ] && [ "$(echo "$ans" | jq '.data.result | length')" -gt 0 ]; then
		tap_pass "panel '$title': $expr"
	else
		tap_fail "panel '$title': $expr" "$ans"
	fi
done < "$DIR/exprs"

# 4. the new series, scraped
tap_is "build info: the running version" "$(q 'leasesnoop_build_info' | jq -r '.data.result[0].metric.version')" \
	"$("$LS_BIN" --version | head -1)"
tap_is "failures by rcode: the NOTAUTH the server gave" \
	"$(q 'sum by (result) (leasesnoop_dns_changes_total{result="notauth"})' | jq -r '.data.result[0].metric.result')" notauth
RSS=$(value 'process_resident_memory_bytes')
START=$(value 'process_start_time_seconds')
FDS=$(value 'process_open_fds')
if [ "${RSS:-0}" -gt 1000000 ] && [ "${START:-0}" -ge $((NOW - 60)) ] && [ "${START:-0}" -le "$(date +%s)" ] &&
	[ "${FDS:-0}" -ge 5 ]; then
	tap_pass "process metrics: rss $RSS, started $START, $FDS fds"
else
	tap_fail "process metrics: rss $RSS, started $START, $FDS fds"
fi
tap_done

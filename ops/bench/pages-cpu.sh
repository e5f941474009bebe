#!/bin/bash
# CPU time per request of the portal and of nginx serving the very same bytes, measured from each
# server's own CPU accounting (/proc/PID/stat utime+stime) over a wrk run. Unlike requests per
# second, this does not depend on how much of a shared machine each server was given while it ran,
# so it stays comparable under load from other processes. Companion of
# ../shared/bench/pages-vs-nginx.sh (same set-up: fresh data dir, embedded defaults, nginx with
# sendfile and gzip_static, wrk -t2 -c64).
#
# Run from the project's root:  ops/bench/pages-cpu.sh [PATH ...]
#   default paths: / and the plan's page; env SECS (8), CONNS (64), ROUNDS (3), MODES ("identity gzip")
# Needs wrk, nginx, go, curl, python3 (apt-get install -y wrk nginx-light).
set -u
paths=("$@"); ((${#paths[@]})) || paths=(/ /van-ban/53-kh-ubnd-2017)
secs=${SECS:-8} conns=${CONNS:-64} rounds=${ROUNDS:-3} modes=${MODES:-identity gzip}
for t in wrk nginx go curl python3; do command -v $t >/dev/null || { echo "needs $t (apt-get install -y wrk nginx-light)"; exit 2; }; done
work=$(mktemp -d /tmp/pages-cpu.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
go build -o "$work/portal" ./cmd/portal || { echo "build failed"; exit 2; }
pp=$(port) np=$(port)
mkdir -p "$work/data" "$work/www"
# mktemp -d makes $work 0700; nginx's workers run as nobody when it is started as root, and
# without this they answer every request with a 153-byte 404 ("Permission denied" in its log).
chmod 711 "$work"
PORTAL_ADDR=127.0.0.1:$pp PORTAL_DATA_DIR=$work/data "$work/portal" serve >"$work/portal.log" 2>&1 & pids+=($!)
portal_pid=$!
for _ in $(seq 1 150); do curl -fsS -o /dev/null "http://127.0.0.1:$pp/healthz" 2>/dev/null && break; sleep 0.2; done
curl -fsS -o /dev/null "http://127.0.0.1:$pp/healthz" || { echo "portal did not start: $(tail -3 "$work/portal.log")"; exit 2; }
cat >"$work/nginx.conf" <<CONF
worker_processes auto; daemon off; error_log $work/error.log; pid $work/nginx.pid;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000; default_type text/html;
  server { listen 127.0.0.1:$np; root $work/www; gzip_static on; gzip_vary on;
    location / { try_files \$uri =404; } } }
CONF
nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
nginx_pid=$!
sleep 0.5
# ticks: CPU clock ticks used so far by a process and its children (nginx's workers).
ticks() { local t=0 p; for p in "$1" $(pgrep -P "$1"); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
hz=$(getconf CLK_TCK)
# run URL AE PID: prints "requests cpu_us_per_request"
run() {
  local c0 c1 n
  c0=$(ticks "$3")
  n=$(wrk -t2 -c"$conns" -d"${secs}s" -H "Accept-Encoding: $2" "$1" 2>/dev/null | awk '/requests in/ {print $1}')
  c1=$(ticks "$3")
  python3 -c "print(${n:-0}, round(($c1-$c0)*1e6/$hz/max(${n:-0},1),1))"
}
i=0
for path in "${paths[@]}"; do
  i=$((i + 1))
  curl -fsS -H 'Accept-Encoding: identity' "http://127.0.0.1:$pp$path" -o "$work/www/p$i.html" || { echo "no page at $path"; exit 2; }
  gzip -6 -k -f "$work/www/p$i.html"
  for mode in $modes; do
    ae=identity; [[ $mode == gzip ]] && ae=gzip
    # Both servers must answer 200 with the bytes compared; anything else measures an error page.
    for u in "http://127.0.0.1:$pp$path" "http://127.0.0.1:$np/p$i.html"; do
      got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Accept-Encoding: $ae" "$u")
      [[ ${got%% *} == 200 && ${got#* } -gt 200 ]] || { echo "$u answered $got (status, bytes): not the page"; exit 2; }
    done
    for r in $(seq 1 "$rounds"); do
      read -r pn pc < <(run "http://127.0.0.1:$pp$path" "$ae" "$portal_pid")
      read -r nn nc < <(run "http://127.0.0.1:$np/p$i.html" "$ae" "$nginx_pid")
      echo "$path $mode round $r: portal $pc us CPU/request ($pn requests), nginx $nc us CPU/request ($nn requests), load $(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done

#!/bin/bash
# Runs ../shared/bench/pages-vs-nginx.sh (the issue's measure, unchanged) so that nginx serves the
# page instead of an error.
#
# Why: the shared script serves nginx's files from `mktemp -d` (mode 0700, owned by the user who
# runs it). Started as root, nginx runs its workers as `nobody`, which may not enter that folder:
# every request then gets a 153-byte 404 and the log says "stat() … failed (13: Permission denied)".
# The ratio it prints is then the portal's page against nginx's error page. This wrapper puts a
# shim named nginx first in PATH that starts nginx with `user <the caller>;`, checks on a folder
# made the same way that nginx answers 200 with the file's bytes, and then runs the shared script.
#
# Run from the project's root:  ops/bench/pages-vs-nginx.sh [PATH ...]   (same arguments and env;
# PAGES_VS_NGINX names the shared script when it is not at ../shared/bench/pages-vs-nginx.sh)
set -eu
script=${PAGES_VS_NGINX:-../shared/bench/pages-vs-nginx.sh} # where the shared script is
[[ -r $script ]] || { echo "no $script: run from the project's root or set PAGES_VS_NGINX"; exit 2; }
real=$(command -v nginx) || { echo "needs nginx (apt-get install -y wrk nginx-light)"; exit 2; }
shim=$(mktemp -d /tmp/nginx-shim.XXXXXX)
check=$(mktemp -d /tmp/pages-vs-nginx-check.XXXXXX)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$shim" "$check"; }
trap cleanup EXIT
chmod 755 "$shim"
printf '#!/bin/sh\nexec %q -g "user %s;" "$@"\n' "$real" "$(id -un)" >"$shim/nginx"
chmod 755 "$shim/nginx"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$check/www"
head -c 20000 /dev/urandom | base64 >"$check/www/p.html"
cat >"$check/nginx.conf" <<CONF
worker_processes 1; daemon off; error_log $check/error.log; pid $check/nginx.pid;
events { worker_connections 64; }
http { access_log off; sendfile on; default_type text/html;
  server { listen 127.0.0.1:$port; root $check/www; location / { try_files \$uri =404; } } }
CONF
"$shim/nginx" -c "$check/nginx.conf" -p "$check" & pid=$!
got=
for _ in $(seq 1 50); do got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/p.html") && break; sleep 0.1; done
want="200 $(wc -c <"$check/www/p.html")"
[[ $got == "$want" ]] || { echo "nginx through the shim answered '$got', want '$want': $(tail -1 "$check/error.log")"; exit 2; }
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "nginx serves files from a 0700 folder through the shim ($got); running $script"
PATH=$shim:$PATH bash "$script" "$@"

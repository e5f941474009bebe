#!/bin/bash
# Lighthouse (mobile profile, its default) on the pages of docs/quality.md (the six of issue 14 and the search page without a query) and on a control
# page, RUNS times each, interleaved round by round so that every page meets the same machine; prints
# the medians as the Markdown table of docs/quality.md, with the date, the load average (uptime)
# before and after, Chromium's version and the command.
#
# The control page is the home page's own <head> (same stylesheet, deferred script, icons,
# manifest) with a heading and one sentence as its body, served by python3's http.server with copies
# of the assets the head names. It is the floor of this machine: what Lighthouse scores for the
# browser's own work (starting a renderer, a JavaScript context, fonts) with almost no page. If the
# control is under 98 too, the machine is the limit, not the pages.
#
# Run from the project's root:  ops/bench/lighthouse.sh
#   env: PORT (18401; the portal and the control take turns on it), RUNS (3), OUT (a new temporary
#   folder: every report's JSON is kept there), CHROME_PATH (/usr/bin/chromium), LH_PREFIX (/tmp/lh:
#   where `npm install --prefix "$LH_PREFIX" -E lighthouse@12.2.3` is run when Lighthouse is missing).
# Needs go, curl, python3, node and npm (for Lighthouse), Chromium.
set -u
port=${PORT:-18401} runs=${RUNS:-3} chrome=${CHROME_PATH:-/usr/bin/chromium} prefix=${LH_PREFIX:-/tmp/lh}
pages=(/ /van-ban /van-ban/53-kh-ubnd-2017 /tim-kiem "/tim-kiem?q=cai+nghien" /tin-bao /cai-nghien)
lh=$prefix/node_modules/.bin/lighthouse
for t in go curl python3 node; do command -v $t >/dev/null || { echo "needs $t"; exit 2; }; done
[ -x "$chrome" ] || { echo "no Chromium at $chrome (set CHROME_PATH)"; exit 2; }
if [ ! -x "$lh" ]; then
	npm install --prefix "$prefix" -E lighthouse@12.2.3 >/dev/null || { echo "npm install lighthouse failed"; exit 2; }
fi
out=${OUT:-$(mktemp -d /tmp/lighthouse.XXXXXX)}
mkdir -p "$out"
work=$(mktemp -d /tmp/lighthouse-work.XXXXXX)
server=
stop() { [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }; server=; }
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT
base=http://127.0.0.1:$port
up() { for _ in $(seq 1 150); do curl -fsS -o /dev/null "$base$1" 2>/dev/null && return 0; sleep 0.2; done; return 1; }
portal() {
	PORTAL_ADDR=127.0.0.1:$port PORTAL_BASE_URL=$base PORTAL_DATA_DIR=$work/data "$work/portal" serve >>"$work/portal.log" 2>&1 &
	server=$!
	up /healthz || { echo "portal did not start: $(tail -3 "$work/portal.log")"; exit 2; }
}
control() {
	(cd "$work/control" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
	server=$!
	up /control.html || { echo "control server did not start"; exit 2; }
}
go build -o "$work/portal" ./cmd/portal || { echo "build failed"; exit 2; }
mkdir -p "$work/data" "$work/control"
portal
# The control page and copies of what its head loads.
curl -fsS "$base/" -o "$work/home.html" || exit 2
python3 - "$work/home.html" "$work/control/control.html" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
head = s[:s.index("</head>") + len("</head>")]
open(sys.argv[2], "w", encoding="utf-8").write(head + "\n<body>\n<main><h1>Trang đối chứng</h1>"
    "<p>Cùng phần đầu trang với trang chủ, gần như không có nội dung.</p></main>\n</body>\n</html>\n")
PY
for u in $(grep -o '\(href\|src\)="/[^"]*"' "$work/control/control.html" | sed 's/^[a-z]*="//; s/"$//' | grep -v '^/$' | sort -u); do
	mkdir -p "$work/control$(dirname "$u")"
	curl -fsS "$base$u" -o "$work/control$u" 2>/dev/null || true
done
load_before=$(uptime)
started=$(date -u '+%Y-%m-%d %H:%M')
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --disable-background-networking --disable-component-update --disable-sync --no-first-run"
run() { # run NAME URL
	CHROME_PATH=$chrome "$lh" "$2" --chrome-flags="$flags" \
		--only-categories=performance,accessibility,best-practices,seo --output=json --output-path="$out/$1.json" --quiet ||
		echo "lighthouse failed on $2 ($1)" >&2
}
name() { local p=${1#/}; p=${p//\//_}; p=${p//[?=+]/_}; echo "${p:-home}"; }
for r in $(seq 1 "$runs"); do
	for p in "${pages[@]}"; do run "$(name "$p")-$r" "$base$p"; done
	stop
	control
	run "control-$r" "$base/control.html"
	stop
	[ "$r" -lt "$runs" ] && portal
done
load_after=$(uptime)
echo "Lighthouse $("$lh" --version), $("$chrome" --version 2>/dev/null), $started–$(date -u '+%H:%M') UTC, $runs runs per page, medians."
echo "Load before: ${load_before##*load average: }; after: ${load_after##*load average: } ($(nproc) CPUs). Reports: $out"
echo
python3 - "$out" "$runs" "${pages[@]}" <<'PY'
import json, os, statistics, sys
out, runs, pages = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def name(p):
    n = p.strip("/").replace("/", "_")
    for c in "?=+": n = n.replace(c, "_")
    return n or "home"
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
print("| page | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS | performance, each run |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for label, key in [(f"`{p}`", name(p)) for p in pages] + [("control (same head, one sentence)", "control")]:
    reps = []
    for r in range(1, runs + 1):
        f = os.path.join(out, f"{key}-{r}.json")
        if os.path.exists(f):
            with open(f, encoding="utf-8") as fh:
                reps.append(json.load(fh))
    if not reps:
        print(f"| {label} | no report |||||||||"); continue
    def cat(k):
        return med([round(x["categories"][k]["score"] * 100) if x["categories"].get(k, {}).get("score") is not None else None for x in reps])
    def audit(k):
        return med([x["audits"][k].get("numericValue") for x in reps])
    fcp, lcp, tbt, cls = audit("first-contentful-paint"), audit("largest-contentful-paint"), audit("total-blocking-time"), audit("cumulative-layout-shift")
    s = lambda v: "" if v is None else f"{v / 1000:.1f} s"
    each = ", ".join(str(round(x["categories"]["performance"]["score"] * 100)) for x in reps if x["categories"]["performance"]["score"] is not None)
    fmt = lambda v: "" if v is None else f"{v:g}"
    print(f"| {label} | {fmt(cat('performance'))} | {fmt(cat('accessibility'))} | {fmt(cat('best-practices'))} | {fmt(cat('seo'))} | "
          f"{s(fcp)} | {s(lcp)} | {'' if tbt is None else f'{tbt:,.0f} ms'} | {'' if cls is None else f'{cls:.3g}'} | {each} |")
PY

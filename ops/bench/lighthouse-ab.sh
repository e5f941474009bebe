#!/bin/bash
# Lighthouse on two or more builds of the portal in the same minutes: each build runs on a port of
# its own (BASE_PORT, BASE_PORT+1, …) with an empty data dir, and every page is measured on every
# build in turn, the order rotated each round, so that the machine's load falls on all builds alike.
# Besides the scores it reads each run's trace (--save-assets) for the renderer main thread's CPU
# time (thread time, "tdur"), which the load of other processes moves much less than the wall-clock
# task durations that Total Blocking Time is made of; and it counts the runs in which the whole
# document was laid out unstyled before the stylesheet arrived (see docs/quality.md).
#
# Run from the project's root, each build given as NAME=BINARY (build them first with go build):
#   ops/bench/lighthouse-ab.sh main=/tmp/portal-main branch=/tmp/portal-branch
#   env: BASE_PORT (18411), RUNS (3), OUT (a new temporary folder: reports and traces stay there),
#   PAGES (the six pages of docs/quality.md, space-separated), CHROME_PATH (/usr/bin/chromium),
#   LH_PREFIX (/tmp/lh, where lighthouse@12.2.3 is installed with npm when missing).
# Needs curl, python3, node and npm, Chromium. Prints a Markdown table of medians per page and build.
set -u
[ $# -ge 2 ] || { echo "usage: $0 NAME=BINARY NAME=BINARY [...]"; exit 2; }
base_port=${BASE_PORT:-18411} runs=${RUNS:-3} chrome=${CHROME_PATH:-/usr/bin/chromium} prefix=${LH_PREFIX:-/tmp/lh}
read -r -a pages <<<"${PAGES:-/ /van-ban /van-ban/53-kh-ubnd-2017 /tim-kiem?q=cai+nghien /tin-bao /cai-nghien}"
lh=$prefix/node_modules/.bin/lighthouse
for t in curl python3 node; do command -v $t >/dev/null || { echo "needs $t"; exit 2; }; done
[ -x "$chrome" ] || { echo "no Chromium at $chrome (set CHROME_PATH)"; exit 2; }
if [ ! -x "$lh" ]; then
	npm install --prefix "$prefix" -E lighthouse@12.2.3 >/dev/null || { echo "npm install lighthouse failed"; exit 2; }
fi
out=${OUT:-$(mktemp -d /tmp/lighthouse-ab.XXXXXX)}
mkdir -p "$out"
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --disable-background-networking --disable-component-update --disable-sync --no-first-run"
pids=() names=() ports=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
i=0
for nb in "$@"; do
	n=${nb%%=*} bin=${nb#*=} port=$((base_port + i))
	i=$((i + 1))
	[[ $n =~ ^[A-Za-z][A-Za-z0-9]*$ ]] || { echo "build name $n: letters and digits only"; exit 2; }
	[ -x "$bin" ] || { echo "no binary $bin"; exit 2; }
	rm -rf "$out/data-$n"
	mkdir -p "$out/data-$n"
	PORTAL_ADDR=127.0.0.1:$port PORTAL_BASE_URL=http://127.0.0.1:$port PORTAL_DATA_DIR=$out/data-$n "$bin" serve >>"$out/$n.log" 2>&1 &
	pids+=($!) names+=("$n") ports+=("$port")
	ok=
	for _ in $(seq 1 150); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && { ok=1; break; }; sleep 0.2; done
	[ -n "$ok" ] || { echo "$n did not start: $(tail -3 "$out/$n.log")"; exit 2; }
	for p in "${pages[@]}"; do curl -s -o /dev/null "http://127.0.0.1:$port$p"; done # fill the page cache
done
name() { local p=${1#/}; p=${p//\//_}; p=${p//[?=+]/_}; echo "${p:-home}"; }
load_before=$(uptime)
started=$(date -u '+%Y-%m-%d %H:%M')
nb=${#names[@]}
for r in $(seq 1 "$runs"); do
	for p in "${pages[@]}"; do
		for k in $(seq 0 $((nb - 1))); do
			j=$(((k + r) % nb))
			CHROME_PATH=$chrome "$lh" "http://127.0.0.1:${ports[$j]}$p" --chrome-flags="$flags" --only-categories=performance \
				--output=json --output-path="$out/$(name "$p")~${names[$j]}~$r.json" --save-assets --quiet ||
				echo "lighthouse failed on $p (${names[$j]}, round $r)" >&2
		done
	done
done
load_after=$(uptime)
echo "Lighthouse $("$lh" --version), $("$chrome" --version 2>/dev/null), $started–$(date -u '+%H:%M') UTC, $runs runs per page and build, medians."
echo "Load before: ${load_before##*load average: }; after: ${load_after##*load average: } ($(nproc) CPUs). Reports: $out"
echo
python3 - "$out" <<'PY'
import collections, glob, json, os, re, statistics, sys
out = sys.argv[1]

def trace(path):
    """CPU ms of the renderer main thread's tasks and layouts, and whether a layout of the whole
    document ran before the stylesheet's response (unstyled)."""
    with open(path, encoding="utf-8") as fh:
        d = json.load(fh)
    ev = d["traceEvents"] if isinstance(d, dict) else d
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e.get("ph") == "M" and e.get("name") == "thread_name"}
    mains = collections.Counter((e.get("pid"), e.get("tid")) for e in ev if names.get((e.get("pid"), e.get("tid"))) == "CrRendererMain")
    main = mains.most_common(1)[0][0]
    css = next((e["args"]["data"]["requestId"] for e in ev if e.get("name") == "ResourceSendRequest"
                and e["args"]["data"].get("url", "").endswith(".css")), None)
    css_at = next((e["ts"] for e in ev if e.get("name") == "ResourceReceiveResponse" and e["args"]["data"].get("requestId") == css), None)
    s = collections.Counter()
    for e in ev:
        if (e.get("pid"), e.get("tid")) != main or e.get("ph") != "X":
            continue
        if e["name"] in ("RunTask", "ThreadControllerImpl::RunTask"):
            s["task"] += e.get("tdur", 0)
        elif e["name"] == "Layout":
            if css_at is not None and e["ts"] < css_at and e["args"]["beginData"]["totalObjects"] > 20:
                s["unstyled"] += 1
            else:
                s["layout"] += e.get("tdur", 0)
        elif e["name"] == "UpdateLayoutTree":
            s["style"] += e.get("tdur", 0)
    return s

rows = collections.defaultdict(list)
for f in sorted(glob.glob(os.path.join(out, "*~*~*.json"))):
    m = re.match(r"(.*)~(.*)~(\d+)\.json$", os.path.basename(f))
    if not m:
        continue  # a trace or a DevTools log
    with open(f, encoding="utf-8") as fh:
        r = json.load(fh)
    if r["categories"]["performance"]["score"] is None:
        continue
    t = trace(f[:-5] + "-0.trace.json")
    a = r["audits"]
    rows[(m.group(1), m.group(2))].append(dict(score=round(r["categories"]["performance"]["score"] * 100),
        tbt=a["total-blocking-time"]["numericValue"], cls=a["cumulative-layout-shift"]["numericValue"],
        task=t["task"] / 1000, layout=t["layout"] / 1000, style=t["style"] / 1000, unstyled=t["unstyled"]))
med = statistics.median
print("| page | build | performance (each run) | TBT | main thread CPU | styled layout CPU | style CPU | runs with an unstyled layout | CLS |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (page, build), xs in sorted(rows.items()):
    print(f"| {page} | {build} | {med([x['score'] for x in xs]):g} ({', '.join(str(x['score']) for x in xs)}) | "
          f"{med([x['tbt'] for x in xs]):,.0f} ms | {med([x['task'] for x in xs]):.1f} ms | {med([x['layout'] for x in xs]):.1f} ms | "
          f"{med([x['style'] for x in xs]):.1f} ms | {sum(1 for x in xs if x['unstyled'])} of {len(xs)} | {max(x['cls'] for x in xs):.3g} |")
PY

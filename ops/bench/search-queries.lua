-- wrk script: cycles ten queries against /api/v1/search, one per request,
-- in turn on every connection (see search-http.sh and docs/performance.md,
-- "Search over HTTP"). The queries are the classes of the issue: number,
-- accent-free, with accents, typo, phrase, plus number with year and
-- left-over Telex.
local queries = {
  "424/QĐ-TTg",
  "cai nghien",
  "cai nghiện ma túy",
  "phong chong ma tuy",
  "metadone",
  "\"giảm tác hại\"",
  "tang cuong",
  "ke hoach 53",
  "tooij phamj",
  "hòa nhập cộng đồng",
}
local paths = {}
local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
for i, q in ipairs(queries) do
  paths[i] = "/api/v1/search?q=" .. urlencode(q)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors status %d, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end

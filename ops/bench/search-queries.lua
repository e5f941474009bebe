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
-- SEARCH_COLD=1: every request adds eight random punctuation marks to its
-- query (" .,;,..;,"), which the query parser ignores (same words, same
-- results) but which make it a different query for the portal's result
-- cache (65,536 variants per query against a cache of 256): this measures
-- the engine and the snippets, not the cache.
local cold = os.getenv("SEARCH_COLD") == "1"
local marks = { ".", ",", ";", ":" }
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
local n = 0
request = function()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  if cold then
    local t = {}
    for i = 1, 8 do t[i] = marks[math.random(#marks)] end
    path = path .. urlencode(" " .. table.concat(t))
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors status %d, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end

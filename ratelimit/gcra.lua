-- GCRA rate limiting in one atomic step. A fork of the script of
-- github.com/go-redis/redis_rate/v10 (lua.go), itself after
-- github.com/rwz/redis-gcra; see redis.go for why it is forked.
-- Copyright (c) 2013 The github.com/go-redis/redis_rate Authors (BSD-2-Clause,
-- full text in LICENSE.redis_rate beside this file).
-- Copyright (c) 2017 Pavel Pravosud (redis-gcra, MIT).
-- Changes: the clock is read in whole seconds (TIME's microseconds are
-- dropped), the stored arrival time is whole seconds plus multiples of the
-- emission interval (rounded up to the microsecond, and compared with a
-- tolerance of 0.1 ms so that the rounding of an interval such as 3600/7 s
-- never costs a unit), the key expires at
-- the whole second its window ends (SET ... EXAT), a refund that frees
-- the key deletes it, the caller's key material must still be the one in
-- Redis, and what the in-process limiter granted during an outage can be
-- merged in.
--
-- KEYS[1]  the limiter key (prefix, scope, HMAC of the caller's key)
-- KEYS[2]  the key-material key of the current period
-- ARGV[1]  SHA-1 (hex) of the key-material value the caller derived
--          KEYS[1] with; another value means the material changed
-- ARGV[2]  emission interval, seconds (Period / Rate)
-- ARGV[3]  burst tolerance, seconds (interval * Rate)
-- ARGV[4]  cost: 1 takes a unit, -1 gives one back, 0 only merges
-- ARGV[5]  debt, seconds: what the in-process limiter granted, added on
--          top of the stored arrival time (0: none)
-- ARGV[6]  floor, Unix seconds: the arrival time is raised to it (0: none)
--
-- Returns {-1} when the material changed, else {allowed (0|1), remaining,
-- retry_after seconds (string), arrival time Unix seconds (string)}.
if redis.replicate_commands then redis.replicate_commands() end

local material = redis.call('GET', KEYS[2])
if not material or redis.sha1hex(material) ~= ARGV[1] then
  return {-1}
end

local now = tonumber(redis.call('TIME')[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local debt = tonumber(ARGV[5])
local floor = tonumber(ARGV[6])

-- Below this, in seconds, a difference is rounding, not time.
local tolerance = 0.0001

local function fmt(t)
  if t == math.floor(t) then return string.format('%.0f', t) end
  return string.format('%.6f', math.ceil(t * 1000000) / 1000000)
end

local function store(t)
  if t <= now + tolerance then
    redis.call('DEL', KEYS[1])
    return
  end
  redis.call('SET', KEYS[1], fmt(t), 'EXAT', math.ceil(t))
end

local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local merged = false
if debt > 0 then
  tat = tat + debt
  merged = true
end
if floor > tat then
  tat = floor
  merged = true
end

if cost > 0 then
  local new_tat = tat + interval * cost
  local allow_at = new_tat - burst
  if now + tolerance < allow_at then
    if merged then store(tat) end
    return {0, 0, fmt(allow_at - now), fmt(tat)}
  end
  store(new_tat)
  return {1, math.floor((now - allow_at + tolerance) / interval), '0', fmt(new_tat)}
end
if cost < 0 then
  local new_tat = tat + interval * cost
  store(new_tat)
  return {1, 0, '0', fmt(math.max(new_tat, now))}
end
if merged then store(tat) end
return {1, 0, '0', fmt(tat)}

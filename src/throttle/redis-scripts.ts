/**
 * The two Lua scripts of the Redis limits store: one admits a call (every
 * check at once, all-or-nothing), one finishes it. Time comes from Redis's
 * own `TIME`, so instances whose clocks differ still share one window.
 *
 * Layout, per check `i` (1-based): `KEYS[2i-1]` is the check's sorted set,
 * `KEYS[2i]` the running total of a token budget (declared for every check so
 * that all keys of a call are named to Redis; unused by rates and concurrency).
 *
 * - rate: members are lease ids scored by admission time; the count is `ZCARD`.
 * - tokens: members are `<lease id>|<tokens>` (`<lease id>.s|<tokens>` once settled) scored by admission time; the total
 *   sits in its own key and entries leaving the window are subtracted from it.
 * - concurrency: members are lease ids scored by the time the lease expires.
 *
 * Every key gets a `PEXPIRE` as long as its longest-lived entry, so a counter
 * with nothing left in its window vanishes on its own.
 *
 * @module
 */

/**
 * Admits a call. `ARGV`: lease id, lease lifetime (ms), concurrency retry hint
 * (ms), then per check: kind (`r`, `t`, `c`), limit, window (ms; 0 for `c`),
 * cost. Returns `{1}` when admitted, else `{0, index, retryAfterMs}` for the
 * first check without room (`retryAfterMs` is `"inf"` when it never will have).
 */
export const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local nowText = string.format('%.3f', now)
local lease = ARGV[1]
local ttl = tonumber(ARGV[2])
local hint = tonumber(ARGV[3])
local n = (#ARGV - 3) / 4

local function amount(member)
  return tonumber(string.match(member, '|(%d+)$'))
end

local function refuse(i, wait)
  if wait == nil then return {0, i, 'inf'} end
  return {0, i, string.format('%.3f', wait)}
end

for i = 1, n do
  local base = 3 + (i - 1) * 4
  local kind = ARGV[base + 1]
  local limit = tonumber(ARGV[base + 2])
  local window = tonumber(ARGV[base + 3])
  local cost = tonumber(ARGV[base + 4])
  local key = KEYS[2 * i - 1]
  if kind == 'r' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.3f', now - window))
    local count = redis.call('ZCARD', key)
    if count + cost > limit then
      if cost > limit then return refuse(i, nil) end
      local due = redis.call('ZRANGE', key, count + cost - limit - 1, count + cost - limit - 1, 'WITHSCORES')
      return refuse(i, tonumber(due[2]) + window - now)
    end
  elseif kind == 't' then
    local totalKey = KEYS[2 * i]
    local edge = string.format('%.3f', now - window)
    local gone = redis.call('ZRANGEBYSCORE', key, '-inf', edge)
    local stored = redis.call('GET', totalKey)
    local total = 0
    if #gone > 0 then redis.call('ZREMRANGEBYSCORE', key, '-inf', edge) end
    if redis.call('ZCARD', key) == 0 then
      if stored then redis.call('DEL', totalKey) end
    elseif not stored then
      -- The total went missing (evicted): count it again once.
      for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do total = total + amount(member) end
      redis.call('SET', totalKey, string.format('%.0f', total))
      local ttl = redis.call('PTTL', key)
      if ttl > 0 then redis.call('PEXPIRE', totalKey, ttl) end
    else
      total = tonumber(stored)
      if #gone > 0 then
        local freed = 0
        for _, member in ipairs(gone) do freed = freed + amount(member) end
        total = redis.call('DECRBY', totalKey, string.format('%.0f', freed))
      end
    end
    local need = total + math.max(cost, 1) - limit
    if need > 0 then
      if cost > limit then return refuse(i, nil) end
      local freed = 0
      local start = 0
      while true do
        local page = redis.call('ZRANGE', key, start, start + 99, 'WITHSCORES')
        if #page == 0 then return refuse(i, window) end
        for j = 1, #page, 2 do
          freed = freed + amount(page[j])
          if freed >= need then return refuse(i, tonumber(page[j + 1]) + window - now) end
        end
        start = start + 100
      end
    end
  else
    redis.call('ZREMRANGEBYSCORE', key, '-inf', nowText)
    local count = redis.call('ZCARD', key)
    if count + 1 > limit then
      local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      return refuse(i, math.min(hint, tonumber(first[2]) - now))
    end
  end
end

for i = 1, n do
  local base = 3 + (i - 1) * 4
  local kind = ARGV[base + 1]
  local window = ARGV[base + 3]
  local cost = ARGV[base + 4]
  local key = KEYS[2 * i - 1]
  if kind == 'r' then
    redis.call('ZADD', key, nowText, lease)
    redis.call('PEXPIRE', key, window)
  elseif kind == 't' then
    local totalKey = KEYS[2 * i]
    redis.call('ZADD', key, nowText, lease .. '|' .. cost)
    redis.call('INCRBY', totalKey, cost)
    redis.call('PEXPIRE', key, window)
    redis.call('PEXPIRE', totalKey, window)
  else
    redis.call('ZADD', key, string.format('%.3f', now + ttl), lease)
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    redis.call('PEXPIRE', key, string.format('%.0f', math.ceil(tonumber(last[2]) - now)))
  end
end
return {1}
`;

/**
 * Finishes a lease. `ARGV`: lease id, settled usage (`""` keeps reservations
 * as charged, a whole number settles them to it, `"x"` cancels the admission
 * altogether), then per check: kind (`r`, `t`, `c`) and its reserved cost.
 * Concurrency slots are freed; a token reservation still in its window
 * (member `<lease>|<reserved>`) becomes a settled entry (`<lease>.s|<used>`)
 * and the total moves by the difference; a cancel takes back rate entries and
 * reservations. Only unsettled entries are touched, so finishing twice changes nothing.
 */
export const FINISH_SCRIPT = `
local lease = ARGV[1]
local used = ARGV[2]
local n = (#ARGV - 2) / 2
for i = 1, n do
  local kind = ARGV[2 + (i - 1) * 2 + 1]
  local reserved = ARGV[2 + (i - 1) * 2 + 2]
  local key = KEYS[2 * i - 1]
  if kind == 'c' or kind == 'r' then
    redis.call('ZREM', key, lease)
  else
    local old = lease .. '|' .. reserved
    local score = redis.call('ZSCORE', key, old)
    if score then
      local totalKey = KEYS[2 * i]
      local delta = -tonumber(reserved)
      redis.call('ZREM', key, old)
      if used ~= 'x' then
        local settled = used
        if settled == '' then settled = reserved end
        redis.call('ZADD', key, score, lease .. '.s|' .. settled)
        delta = delta + tonumber(settled)
      end
      if delta ~= 0 then
        redis.call('INCRBY', totalKey, string.format('%.0f', delta))
        local ttl = redis.call('PTTL', key)
        if ttl > 0 then redis.call('PEXPIRE', totalKey, ttl) end
      end
    end
  end
end
return 1
`;

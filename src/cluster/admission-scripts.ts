/**
 * The Lua scripts of the cluster-wide run admission (redis-admission.ts). Each runs atomically
 * in Redis, so "is the key free, is the user under the limit, then take both" is one decision
 * however many instances ask at once. Times come from Redis's own clock (TIME), never from an
 * instance's, so instances whose clocks disagree still agree on what has expired.
 *
 * Keys: the holder of a run key is a string `<prefix>live-run:<key>` whose value is the owner
 * token `<instanceId>#<uuid>`, with a PX expiry of the lease; a user's live runs are a sorted set
 * `<prefix>user-live-runs:<userId>` of members `<instanceId>#<key>` scored by their lease's
 * expiry (ms since the epoch, Redis time).
 */

/** Redis's clock in ms (TIME answers seconds and microseconds). */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Admit. KEYS: holder, user set. ARGV: token, member, lease (ms), limit, this instance's token
 * prefix (`<instanceId>#`). Answers `{1}` admitted, `{0, 'conflict'}` when another instance
 * holds the key, `{0, 'too_many', <live runs>}` at the limit. A holder of this instance's own is
 * taken over: the registry of this instance has already decided the key is free here, so that
 * hold is one whose release is still on its way (a chat socket's next task right after its
 * `Done:`); the release, matching by token, then leaves the new hold alone.
 */
export const ADMIT = `${NOW}
local lease = tonumber(ARGV[3])
local holder = redis.call('GET', KEYS[1])
if holder and string.sub(holder, 1, string.len(ARGV[5])) ~= ARGV[5] then return {0, 'conflict'} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local live = redis.call('ZCARD', KEYS[2])
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then live = live - 1 end
if live >= tonumber(ARGV[4]) then return {0, 'too_many', live} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', lease)
redis.call('ZADD', KEYS[2], now + lease, ARGV[2])
redis.call('PEXPIRE', KEYS[2], lease)
return {1}`;

/** Release. KEYS: holder, user set. ARGV: token, member. Only the token's own hold is released. */
export const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;

/**
 * Renew many holds at once. KEYS: holder and user set of each hold, in pairs. ARGV: lease (ms),
 * then token and member of each hold, in pairs. A hold that expired meanwhile (Redis was out of
 * reach longer than the lease) is taken again when nobody else took the key. Answers one number
 * per hold: 1 renewed, 0 lost (another instance holds the key now).
 */
export const RENEW = `${NOW}
local lease = tonumber(ARGV[1])
local result = {}
for i = 1, #KEYS / 2 do
  local holder, users = KEYS[2 * i - 1], KEYS[2 * i]
  local token, member = ARGV[2 * i], ARGV[2 * i + 1]
  local current = redis.call('GET', holder)
  if current == token or not current then
    redis.call('SET', holder, token, 'PX', lease)
    redis.call('ZADD', users, now + lease, member)
    redis.call('PEXPIRE', users, lease)
    result[i] = 1
  else
    result[i] = 0
  end
end
return result`;

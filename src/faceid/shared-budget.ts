/**
 * The per-action budget shared by every replica, kept in Redis. Tencent counts 20 requests per second per action
 * for the whole account, so N replicas each throttling to 20/s would spend N times the budget; with a shared
 * budget each replica may use all of it when the others are idle, and together they never exceed it.
 *
 * One key per action holds when its next slot opens, on Redis's own clock (replicas' clocks may disagree by more
 * than the window); a Lua script reads and advances it atomically, and hands the slots round-robin to the callers
 * busy on any replica (see TAKE_SLOT_SCRIPT), so fairness does not depend on the load balancer. Every key has a
 * TTL and the busy set a cap, so Redis memory stays bounded. When Redis cannot answer, the budget fails open to the replica's local throttle, and says so in the log: Tencent still
 * enforces its limit, and its RequestLimitExceeded answers are retried.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PACING_CATCH_UP_MS, type SharedGrant, type SharedSlotAnswer, type SharedSlotCandidate } from './throttle.js';

/** A budget of slots per sliding window, shared through some store, handed round-robin to the busy callers. */
export interface SharedBudget {
  /**
   * Grants `candidates` (this replica's callers with requests waiting, next in turn first) up to `maxGrants`
   * (default 1) slots of `action` that the budget has now, each to the caller whose turn it is across all
   * replicas; when none, says how long to wait. Resolves undefined when the store cannot answer (fail open: the
   * replica then paces itself).
   */
  take(action: string, candidates: readonly SharedSlotCandidate[], limit: number, windowMs: number, maxGrants?: number): Promise<SharedSlotAnswer | undefined>;
  /** Resolves true once the store answers, false if it has not within `timeoutMs` (the budget then fails open). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Options of createRedisSharedBudget. */
export interface RedisSharedBudgetOptions {
  /** `redis://host:port/db` or `rediss://…`. */
  url: string;
  logger: Logger;
  /** Namespace of the keys, so several gateways (or tests) can share one Redis. @default 'faceid-gateway' */
  keyPrefix?: string;
  /** Longest wait for Redis before failing open. @default SHARED_BUDGET_COMMAND_TIMEOUT_MS */
  commandTimeoutMs?: number;
  /** The clock of the pause after a failure, in ms; a wall clock set back would stretch the pause. @default performance.now */
  now?: () => number;
  /** Called each time Redis could not be asked. */
  onUnavailable?: () => void;
  /**
   * The time (ms) the script counts with, for deterministic tests. @default Redis's own clock (`TIME`), which all
   * replicas share whatever their own clocks say
   */
  clock?: (() => number) | undefined;
}

/**
 * Up to `want` slots of an action's budget, each for the candidate whose turn comes first. Four rules, all on
 * Redis's clock:
 *
 * - Total pace: grants one every window / limit ms across all replicas (a GCRA). A replica that wakes a little late
 *   for its slot keeps up to LATE_CREDIT_MS of that lateness, so timer jitter does not erode the budget. While
 *   callers wait (some were registered busy before the call), the slots that fell due within SHARED_CATCH_UP_MS
 *   while the replicas were too busy to ask are granted too, several in one call: a replica whose event loop turns
 *   over every few hundred milliseconds (a flood being refused) asks about once per turn, and one slot per call
 *   spent 2.7 of the 20 a second. After an idle spell there is no catch-up, so no burst. Either way the send-times rule below
 *   keeps every sliding window to `limit` grants.
 * - Send times: each replica reports how long after its grant each request actually left, as soon as it has
 *   (REPORT_SENT_SCRIPT); a grant never comes less than a window after the `limit`-th latest send, so a request
 *   slow to leave one replica cannot squeeze a `limit` + 1-th arrival into a second upstream (the local throttle's
 *   rule 2, for all replicas together).
 * - Fair turns: every replica registers its busy callers (a sorted set, scored by when the registration lapses
 *   unless renewed), and a caller's next grant comes at least `busy` × spacing after its last one, where `busy` is
 *   the number of registered callers. With k busy callers each gets every k-th slot at most, so k greedy callers
 *   share the budget equally wherever they are; a caller that asks less leaves its turns to the others, and one
 *   whose last queue empties is unregistered at its last grant, so a lone caller takes every slot. Its last turn is
 *   kept while it rests (a window, or a round of turns if longer), so a caller that sends one request at a time,
 *   idle between a grant and its next request, still waits its turn when it comes back rather than go first.
 * - Even queues: a caller waiting on n replicas has n queues (zset: replica|caller → lapse time); each takes its
 *   caller's turns in rotation (a queue's next grant comes at least n × busy × spacing after its last one), so
 *   each drains at 1/n of its caller's turns, and the replicas predict waits from the number of busy queues.
 *
 * KEYS: the action's next free time; its busy callers (zset: caller → lapse time); their last grant times (hash);
 * its latest `limit` grants (zset: grant id → send time); the grant id counter; its busy queues (zset); their last
 * grant times (hash); each caller's number of busy queues (hash); the replicas that asked lately (zset: replica →
 * lapse time, REPLICA_SEEN_MS after its last call); the resting callers, whose last turn is still kept (zset: caller →
 * when it is forgotten). ARGV: limit, window ms, credit ms, grace ms, most busy
 * callers, key TTL ms, the time in ms or '' for Redis's clock, the replica's id; then per candidate: caller id,
 * requests it has waiting; last, the replica-seen window in ms, the catch-up span in ms and the most slots to grant. Returns {wait ms (0 when granted),
 * busy callers, busy queues, replicas seen, then per grant: index of the granted candidate (0-based), grant id}.
 */
const TAKE_SLOT_SCRIPT = `
local now = tonumber(ARGV[7])
if now == nil then
  local now_parts = redis.call('TIME')
  now = tonumber(now_parts[1]) * 1000 + tonumber(now_parts[2]) / 1000
end
local limit, window, credit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local grace, max_busy, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local spacing = window / limit
local replica = ARGV[8]
local first = 9
local seen_ms, catch_up, want = tonumber(ARGV[#ARGV - 2]), tonumber(ARGV[#ARGV - 1]), tonumber(ARGV[#ARGV])
local candidates = (#ARGV - 2 - first) / 2

redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', now)
redis.call('ZADD', KEYS[9], now + seen_ms, replica)
local replicas = redis.call('ZCARD', KEYS[9])

local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #lapsed > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('HDEL', KEYS[3], unpack(lapsed))
end
local rested = redis.call('ZRANGEBYSCORE', KEYS[10], '-inf', now)
if #rested > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[10], '-inf', now)
  redis.call('HDEL', KEYS[3], unpack(rested))
end
local function forget_queue(queue)
  local caller = string.sub(queue, string.find(queue, '|', 1, true) + 1)
  redis.call('HDEL', KEYS[7], queue)
  if redis.call('HINCRBY', KEYS[8], caller, -1) <= 0 then redis.call('HDEL', KEYS[8], caller) end
end
for _, queue in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now)) do forget_queue(queue) end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
local backlogged = redis.call('ZCARD', KEYS[2]) > 0
for i = 1, candidates do
  local caller = ARGV[first + 2 * (i - 1)]
  if redis.call('ZSCORE', KEYS[2], caller) or redis.call('ZCARD', KEYS[2]) < max_busy then
    redis.call('ZADD', KEYS[2], 'GT', now + grace, caller)
    redis.call('ZREM', KEYS[10], caller)
  end
  local queue = replica .. '|' .. caller
  if redis.call('ZSCORE', KEYS[6], queue) or redis.call('ZCARD', KEYS[6]) < max_busy then
    if redis.call('ZADD', KEYS[6], 'GT', now + grace, queue) == 1 then redis.call('HINCRBY', KEYS[8], caller, 1) end
  end
end
-- Each candidate's requests waiting, last turn, its queue's last turn and its number of queues, read once: a call
-- may grant several slots, and only the granted caller's change.
local queued, last_turn, queue_turn, queue_count = {}, {}, {}, {}
for i = 1, candidates do
  local caller = ARGV[first + 2 * (i - 1)]
  queued[i] = tonumber(ARGV[first + 2 * (i - 1) + 1])
  last_turn[i] = tonumber(redis.call('HGET', KEYS[3], caller) or '')
  queue_turn[i] = tonumber(redis.call('HGET', KEYS[7], replica .. '|' .. caller) or '')
  queue_count[i] = tonumber(redis.call('HGET', KEYS[8], caller) or '1')
end
-- Catch-up: while callers wait (some registered before this call), slots that fell due while the replicas were
-- late to ask are still granted; after an idle spell, only the timer jitter (credit) is.
local reach = credit
if backlogged then reach = catch_up end

local granted = {}
local wait = nil
local busy, queues = 1, 1
for g = 1, want do
  busy = math.max(1, redis.call('ZCARD', KEYS[2]))
  queues = math.max(1, redis.call('ZCARD', KEYS[6]))
  local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
  local sent = redis.call('ZRANGE', KEYS[4], limit - 1, limit - 1, 'REV', 'WITHSCORES')
  if sent[2] then next_free = math.max(next_free, tonumber(sent[2]) + window) end
  -- The next slot goes to the candidate whose turn comes first (in turn order among equals).
  local best, best_at = nil, nil
  for i = 1, candidates do
    if queued[i] > 0 then
      local at = next_free
      if last_turn[i] then at = math.max(at, last_turn[i] + busy * spacing - credit) end
      if queue_turn[i] and queue_count[i] > 1 then
        at = math.max(at, queue_turn[i] + queue_count[i] * busy * spacing - credit)
      end
      if best_at == nil or at < best_at then best, best_at = i, at end
    end
  end
  if best == nil then break end
  if best_at > now then
    if #granted == 0 then wait = best_at - now end
    break
  end
  local caller = ARGV[first + 2 * (best - 1)]
  local queue = replica .. '|' .. caller
  -- The budget's next slot and the caller's next turn both count from when they fell due, not from now, so the
  -- slots made up in one call go to each busy caller in its share, and the callers of a replica that asks later
  -- in the same busy spell still find theirs.
  redis.call('SET', KEYS[1], tostring(math.max(next_free, now - reach) + spacing), 'PX', math.ceil(window * 2))
  local turn = math.max(best_at, now - reach)
  queued[best] = queued[best] - 1
  last_turn[best] = turn
  -- A caller's last turn is kept only while it is registered busy: one beyond the cap would otherwise leave an
  -- entry that no lapse ever removes.
  local registered = redis.call('ZSCORE', KEYS[2], caller)
  if queued[best] <= 0 then
    if redis.call('ZREM', KEYS[6], queue) == 1 then forget_queue(queue) end
    -- Still waiting on another replica, the caller stays busy with its turn: forgotten here, its next turn there
    -- would come at once instead of after everyone else's.
    if registered and tonumber(redis.call('HGET', KEYS[8], caller) or '0') > 0 then
      redis.call('HSET', KEYS[3], caller, tostring(turn))
    else
      redis.call('ZREM', KEYS[2], caller)
      -- Its last turn is kept while it still counts (resting): a caller sending one request at a time is idle
      -- between its grant and its next request, and forgotten there, its next turn came before everyone else's:
      -- it took every slot it asked for, and a busy caller on another replica got what was left.
      if registered and (redis.call('ZSCORE', KEYS[10], caller) or redis.call('ZCARD', KEYS[10]) < max_busy) then
        redis.call('HSET', KEYS[3], caller, tostring(turn))
        redis.call('ZADD', KEYS[10], turn + math.max(window, busy * spacing), caller)
      else
        redis.call('HDEL', KEYS[3], caller)
      end
    end
  else
    if registered then redis.call('HSET', KEYS[3], caller, tostring(turn)) end
    if redis.call('ZSCORE', KEYS[6], queue) then
      redis.call('HSET', KEYS[7], queue, tostring(turn))
      queue_turn[best] = turn
    end
  end
  local id = redis.call('INCR', KEYS[5])
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(limit + 1))
  granted[#granted + 1] = best - 1
  granted[#granted + 1] = id
end
-- After the grants, which may create keys (the first send time, a caller's rest): every key this call wrote expires.
for k = 2, 10 do redis.call('PEXPIRE', KEYS[k], ttl) end
if #granted > 0 then
  return {0, busy, queues, replicas, unpack(granted)}
end
wait = math.max(1, math.ceil(wait or 1))
for i = 1, candidates do
  local caller = ARGV[first + 2 * (i - 1)]
  redis.call('ZADD', KEYS[2], 'XX', 'GT', now + wait + grace, caller)
  redis.call('ZADD', KEYS[6], 'XX', 'GT', now + wait + grace, replica .. '|' .. caller)
end
return {wait, busy, queues, replicas}
`;

/**
 * A granted request's send delay, reported as soon as it left: its grant's send time (on Redis's clock, recorded at
 * the grant) moves that much later. KEYS: the action's latest grants (zset: grant id → send time). ARGV: grant id,
 * ms from grant to send. Reported with the replica's next call instead, a replica that went quiet after one grant
 * never corrected it, and a request more than the guard (25 ms) late to leave let another replica's grant land a
 * `limit` + 1-th request in its second.
 */
const REPORT_SENT_SCRIPT = `
local granted_at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if granted_at then redis.call('ZADD', KEYS[1], 'XX', 'GT', tonumber(granted_at) + tonumber(ARGV[2]), ARGV[1]) end
return 0
`;

/**
 * How long a replica counts as present after it last asked for a slot. A replica whose Redis calls fail paces
 * itself at its share of the limit, one over the replicas seen (see the throttle): ten seconds covers replicas
 * that take turns at being busy, and a replica gone for good stops counting soon after.
 */
export const REPLICA_SEEN_MS = 10_000;

/** Lateness a replica may make up after an idle spell, and in a caller's turns (see TAKE_SLOT_SCRIPT). */
const LATE_CREDIT_MS = 10;

/**
 * How far behind its pace the budget may fall while callers wait and still make up the slots it missed (see
 * TAKE_SLOT_SCRIPT): the local throttle's PACING_CATCH_UP_MS, for all replicas together.
 */
export const SHARED_CATCH_UP_MS = PACING_CATCH_UP_MS;

/**
 * How long a busy caller's registration outlives the wait its replica was told, so a replica that wakes late still
 * finds it: as late as the budget makes up for (SHARED_CATCH_UP_MS) and a little more. A replica busy refusing a
 * flood asks once per turn of its event loop; had its callers lapsed in between, the other replicas' callers
 * would have taken their turns (measured with 250 ms and turns of 300 ms: 94 % of the slots to one of two equal
 * callers). A caller whose requests all left stays counted at most this long after its wait.
 */
const BUSY_GRACE_MS = SHARED_CATCH_UP_MS + 100;

/**
 * Busy callers one action may register in Redis, and resting callers whose last turn it keeps: bounds its memory
 * (two sorted sets of at most this many entries each, and a hash of their turns); callers beyond it are still
 * served, only not counted in `busy`, and a resting caller beyond it is forgotten at its grant, as before.
 */
export const MAX_SHARED_BUSY_CALLERS = 1000;

/** Idle keys vanish after this: longer than any wait the script hands out. */
const KEY_TTL_MS = 120_000;

/**
 * How long a slot's script may take before the replica gives up on Redis for this slot. A slow Redis that still
 * answers is waited for: given up on, the script still runs there and takes a grant nobody uses, while the replica
 * paces itself besides (a Redis 300 ms away made three replicas send 40 a second). One second tolerates a Redis far
 * away or loaded, and a replica asks Redis one slot at a time, so a slow one only slows that replica's share.
 */
export const SHARED_BUDGET_COMMAND_TIMEOUT_MS = 1000;

/**
 * After a call fails, the replica paces itself (at its share, see the throttle) this long before asking Redis
 * again, so a Redis that does not answer costs one timeout per pause, not one per slot.
 */
export const SHARED_BUDGET_RETRY_PAUSE_MS = 2000;

/** How often a failing Redis is reported in the log. */
const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;

/**
 * Longest caller id stored in Redis as it is. A caller id is client text (`jwt:<sub>`: an identity provider may
 * issue subjects of kilobytes, up to what a header holds), and Redis keeps each busy caller in five places: with
 * 11 KB subjects, 30 callers grew its memory by 1.4 MB. Longer ids are stored by their SHA-256, 43 characters.
 */
export const MAX_SHARED_CALLER_KEY_LENGTH = 64;

/** The caller's id as the shared budget stores it: as it is, or its hash when longer than MAX_SHARED_CALLER_KEY_LENGTH. */
export function sharedCallerKey(callerId: string): string {
  return callerId.length <= MAX_SHARED_CALLER_KEY_LENGTH ? callerId : `sha256:${createHash('sha256').update(callerId).digest('base64url')}`;
}

/** Creates the Redis-backed budget. Connects in the background; until connected it fails open. */
export function createRedisSharedBudget(options: RedisSharedBudgetOptions): SharedBudget {
  const prefix = options.keyPrefix ?? 'faceid-gateway';
  const redis = new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? SHARED_BUDGET_COMMAND_TIMEOUT_MS,
    // Fail fast rather than queue: a token request must not wait on a Redis reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Connection errors are reported through failed commands below; without a listener ioredis would print them.
  redis.on('error', () => undefined);
  // EVALSHA after the first call: the script is sent once per connection, not with every slot.
  redis.defineCommand('takeFairBudgetSlot', { numberOfKeys: 10, lua: TAKE_SLOT_SCRIPT });
  redis.defineCommand('reportBudgetSlotSent', { numberOfKeys: 1, lua: REPORT_SENT_SCRIPT });
  /** Tells this replica's queues apart from other replicas' in Redis. */
  const replicaId = randomUUID().slice(0, 8);
  const scripts = redis as unknown as {
    takeFairBudgetSlot(...args: Array<string | number>): Promise<unknown>;
    reportBudgetSlotSent(...args: Array<string | number>): Promise<unknown>;
  };
  let lastReportedAt = Number.NEGATIVE_INFINITY;
  const now = options.now ?? (() => performance.now());
  /** Until when Redis is not asked, after a failure. */
  let pausedUntil = Number.NEGATIVE_INFINITY;

  return {
    async take(action, candidates, limit, windowMs, maxGrants = 1) {
      if (now() < pausedUntil) return undefined;
      try {
        const answer = (await scripts.takeFairBudgetSlot(
          `${prefix}:budget:${action}`,
          `${prefix}:busy:${action}`,
          `${prefix}:last:${action}`,
          `${prefix}:sent:${action}`,
          `${prefix}:seq:${action}`,
          `${prefix}:queues:${action}`,
          `${prefix}:queue-last:${action}`,
          `${prefix}:queue-count:${action}`,
          `${prefix}:replicas:${action}`,
          `${prefix}:resting:${action}`,
          limit,
          windowMs,
          LATE_CREDIT_MS,
          BUSY_GRACE_MS,
          MAX_SHARED_BUSY_CALLERS,
          KEY_TTL_MS,
          options.clock ? options.clock() : '',
          replicaId,
          ...candidates.flatMap((candidate) => [sharedCallerKey(candidate.callerId), candidate.queued]),
          REPLICA_SEEN_MS,
          SHARED_CATCH_UP_MS,
          Math.max(1, Math.floor(maxGrants)),
        )) as number[];
        const granted: SharedGrant[] = [];
        for (let at = 4; at + 1 < answer.length; at += 2) {
          const grantId = Number(answer[at + 1]);
          granted.push({
            index: Number(answer[at]),
            markSent(delayMs) {
              // Sent on the same connection as every later call, so Redis applies it before them. Lost when Redis
              // is away: the replica then paces itself, and the grant keeps its grant time as its send time.
              return scripts.reportBudgetSlotSent(`${prefix}:sent:${action}`, grantId, Math.max(0, Math.round(delayMs))).then(
                () => undefined,
                () => undefined,
              );
            },
          });
        }
        return {
          granted,
          waitMs: Number(answer[0]),
          busyCallers: Number(answer[1]),
          busyQueues: Number(answer[2]),
          replicas: Number(answer[3]),
        };
      } catch (error) {
        pausedUntil = now() + SHARED_BUDGET_RETRY_PAUSE_MS;
        options.onUnavailable?.();
        if (Date.now() - lastReportedAt > UNAVAILABLE_LOG_INTERVAL_MS) {
          lastReportedAt = Date.now();
          options.logger.warn(
            { action, reason: error instanceof Error ? error.message : String(error) },
            'shared budget unavailable: throttling with this replica\'s own limit until Redis answers',
          );
        }
        return undefined;
      }
    },
    async ready(timeoutMs) {
      if (redis.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          redis.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        redis.once('ready', onReady);
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}

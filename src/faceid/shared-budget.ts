/**
 * The per-action budget shared by every replica, kept in Redis. Tencent counts 20 requests per second per action
 * for the whole account, so N replicas each throttling to 20/s would spend N times the budget; with a shared
 * budget each replica may use all of it when the others are idle, and together they never exceed it.
 *
 * One key per action holds when its next slot opens, on Redis's own clock (replicas' clocks may disagree by more
 * than the window); a Lua script reads and advances it atomically. When Redis
 * cannot answer, the budget fails open to the replica's local throttle, and says so in the log: Tencent still
 * enforces its limit, and its RequestLimitExceeded answers are retried.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A budget of slots per sliding window, shared through some store. */
export interface SharedBudget {
  /** Takes a slot of `action` if fewer than `limit` were taken in the last `windowMs`: resolves 0, else the ms until one frees. */
  tryTake(action: string, limit: number, windowMs: number): Promise<number>;
  /** Resolves true once the store answers, false if it has not within `timeoutMs` (the budget then fails open). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisSharedBudgetOptions {
  /** `redis://host:port/db` or `rediss://…`. */
  url: string;
  logger: Logger;
  /** Namespace of the keys, so several gateways (or tests) can share one Redis. @default 'faceid-gateway' */
  keyPrefix?: string;
  /** Longest wait for Redis before failing open. @default 250 */
  commandTimeoutMs?: number;
  /** Called each time Redis could not be asked. */
  onUnavailable?: () => void;
}

/**
 * Paces grants across all replicas, one every window / limit ms (a GCRA with no burst). A replica that wakes a
 * little late for its slot keeps up to LATE_CREDIT_MS of that lateness, so timer jitter does not erode the
 * budget; any `limit` + 1 consecutive grants still span at least window - LATE_CREDIT_MS, which with the guard in
 * the window (1,025 ms) stays over one second, so no sliding second holds more than `limit` grants.
 * KEYS[1]: the action's next free time (ms, Redis clock). ARGV: limit, window ms, credit ms. Returns 0 or the wait.
 */
const TAKE_SLOT_SCRIPT = `
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + tonumber(now_parts[2]) / 1000
local spacing = tonumber(ARGV[2]) / tonumber(ARGV[1])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_free > now then
  return math.max(1, math.ceil(next_free - now))
end
local base = math.max(next_free, now - tonumber(ARGV[3]))
redis.call('SET', KEYS[1], tostring(base + spacing), 'PX', math.ceil(tonumber(ARGV[2]) * 2))
return 0
`;

/** Lateness a replica may make up (see TAKE_SLOT_SCRIPT); must stay below the throttle's window guard. */
const LATE_CREDIT_MS = 10;

/** How often a failing Redis is reported in the log. */
const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;

/** Creates the Redis-backed budget. Connects in the background; until connected it fails open. */
export function createRedisSharedBudget(options: RedisSharedBudgetOptions): SharedBudget {
  const prefix = options.keyPrefix ?? 'faceid-gateway';
  const redis = new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? 250,
    // Fail fast rather than queue: a token request must not wait on a Redis reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Connection errors are reported through failed commands below; without a listener ioredis would print them.
  redis.on('error', () => undefined);
  // EVALSHA after the first call: the script is sent once per connection, not with every slot.
  redis.defineCommand('takeBudgetSlot', { numberOfKeys: 1, lua: TAKE_SLOT_SCRIPT });
  const takeSlot = (key: string, limit: number, windowMs: number): Promise<unknown> =>
    (redis as unknown as { takeBudgetSlot(...args: Array<string | number>): Promise<unknown> }).takeBudgetSlot(
      key,
      limit,
      windowMs,
      LATE_CREDIT_MS,
    );
  let lastReportedAt = Number.NEGATIVE_INFINITY;

  return {
    async tryTake(action, limit, windowMs) {
      try {
        return Number(await takeSlot(`${prefix}:budget:${action}`, limit, windowMs));
      } catch (error) {
        options.onUnavailable?.();
        if (Date.now() - lastReportedAt > UNAVAILABLE_LOG_INTERVAL_MS) {
          lastReportedAt = Date.now();
          options.logger.warn(
            { action, reason: error instanceof Error ? error.message : String(error) },
            'shared budget unavailable: throttling with this replica\'s own limit until Redis answers',
          );
        }
        return 0;
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

/** The local Redis the shared-budget tests run against (CI starts one; `.ci/run`). */
import { Redis } from 'ioredis';

/** Where the tests expect Redis. */
export const REDIS_URL = 'redis://127.0.0.1:6379/0';

/** Whether Redis answers a PING at REDIS_URL, without retrying. */
export async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

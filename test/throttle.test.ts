import { describe, expect, it } from 'vitest';
import { SELFIE_MUTATION, ekycTokenRequest, harnessPerTest, selfieTokenRequest, type Harness } from './helpers/harness.js';

const start = harnessPerTest();

/** Most arrivals in any window of `windowMs` that starts at an arrival (the worst case for a sliding window). */
function maxPerWindow(arrivals: number[], windowMs = 1000): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end += 1;
    best = Math.max(best, end - start);
  }
  return best;
}

/** Arrivals per second, relative to the limit, between the end of the first window and the last arrival. */
function sustainedUtilisation(arrivals: number[], limit: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const from = sorted[0]! + 1000;
  const steady = sorted.filter((time) => time >= from);
  const seconds = (sorted.at(-1)! - from) / 1000;
  return (steady.length - 1) / seconds / limit;
}

describe('throttle', () => {
  it('keeps every sliding second at or under 20 arrivals per action while using at least 95% of the budget', async () => {
    const { emulator, graphql } = await start({ client: { maxQueueWaitMs: 9000, totalTimeoutMs: 20_000 } });
    const requests = [selfieTokenRequest({}), ekycTokenRequest({})];
    // Warm the process first: a cold start stalls the event loop the emulator shares with the gateway, which
    // would make the emulator's clock, not the throttle, decide the measured arrival times.
    await Promise.all(requests.map((request) => graphql(request)));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    emulator.clearRecords();

    // Sustained load: 40 calls per second per action, twice the limit, for four seconds.
    const perAction = 160;
    const pending: Array<ReturnType<Harness['graphql']>> = [];
    for (let tick = 0; tick < perAction; tick += 1) {
      for (const request of requests) pending.push(graphql(request));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const responses = await Promise.all(pending);
    expect(responses.filter((response) => response.body.errors)).toEqual([]);
    expect(emulator.requests.filter((request) => request.responseCode !== 'OK')).toEqual([]);

    for (const action of ['GetFaceIdTokenIntl', 'ApplySdkVerificationToken']) {
      const arrivals = emulator.requests.filter((request) => request.action === action).map((request) => request.receivedAtMs);
      expect(arrivals).toHaveLength(perAction);
      const worst = maxPerWindow(arrivals);
      const utilisation = sustainedUtilisation(arrivals, 20);
      console.info(`${action}: max ${worst} per sliding second, sustained utilisation ${(utilisation * 100).toFixed(1)}%`);
      expect(worst).toBeLessThanOrEqual(20);
      expect(worst).toBeGreaterThanOrEqual(19);
      expect(utilisation).toBeGreaterThanOrEqual(0.95);
      expect(utilisation).toBeLessThanOrEqual(1);
    }
  });

  it('answers RATE_LIMITED at once, with retryAfter, when the expected wait exceeds the queue bound', async () => {
    const { emulator, graphql } = await start({ client: { rateLimitPerSecond: 2, maxQueueWaitMs: 1500 } });
    const started = Date.now();
    const timed = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await graphql(SELFIE_MUTATION, { input: {} });
        return { response, ms: Date.now() - started };
      }),
    );
    // Slots open every 512.5 ms at 2/s: the 4th caller would wait about 1,537 ms, beyond the 1,500 ms bound.
    const served = timed.filter(({ response }) => response.body.data?.getSelfieToken);
    const limited = timed.filter(({ response }) => response.body.errors);
    expect(served).toHaveLength(3);
    expect(limited).toHaveLength(7);
    for (const { response, ms } of limited) {
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.body.errors![0]!.extensions).toEqual({ code: 'RATE_LIMITED', retryable: true, retryAfter: 2 });
      expect(response.body.errors![0]!.message).toMatch(/Too many GetFaceIdTokenIntl requests: the next slot is \d+ ms away, beyond the 1500 ms queue bound\./);
      expect(ms).toBeLessThan(500);
    }
    expect(emulator.requests).toHaveLength(3);
  });

  it('spends no slot for a caller that disconnects while queued', async () => {
    const { emulator, listen } = await start({ client: { rateLimitPerSecond: 1, maxQueueWaitMs: 5000 } });
    const url = await listen();
    const send = (signal?: AbortSignal) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(selfieTokenRequest({})),
        signal,
      });

    const first = await send();
    expect(first.status).toBe(200);
    const firstArrival = emulator.requests[0]!.receivedAtMs;

    const leaving = new AbortController();
    const abandoned = send(leaving.signal).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = send();
    await new Promise((resolve) => setTimeout(resolve, 200));
    leaving.abort();
    expect(await abandoned).toBeInstanceOf(Error);

    const second = await waiting;
    expect(second.status).toBe(200);
    expect(emulator.requests).toHaveLength(2);
    // The caller that stayed took the slot the leaver would have had: one window after the first, not two.
    const gap = emulator.requests[1]!.receivedAtMs - firstArrival;
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(gap).toBeLessThan(1600);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(emulator.requests).toHaveLength(2);
  });
});

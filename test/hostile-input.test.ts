/**
 * Hostile input against a real gateway process in a production configuration, measured from the outside: each
 * attack gets a documented error code quickly, /health keeps answering while it runs, and the process's resident
 * memory stays bounded. Each case states its bounds; the figures are printed (`[hostile] …`) so a run can be quoted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplyEkycTokenDocument } from '../schema/generated/graphql.js';
import { signToken } from './helpers/credentials.js';
import { graphqlRequest } from './helpers/harness.js';
import { postJson, report, startProductionGateway, whileProbingHealth, type ProductionGateway } from './helpers/hostile.js';

/**
 * Ceiling on the process's resident memory after a burst of large bodies: each body is parsed (yoga's JSON parse,
 * bounded by the 8 MiB body limit) and dropped, so memory follows the bodies in flight, not the bodies seen. When
 * V8 collects them is its own affair, so the bound is a ceiling, on a 512 MiB heap, rather than a growth figure.
 */
const BURST_RSS_CEILING_MIB = 1024;
/** /health must answer within this while an attack runs (it answers in about a millisecond when idle). */
const HEALTH_BOUND_MS = 1_000;

let gateway: ProductionGateway;
let authorization: string;
beforeAll(async () => {
  gateway = await startProductionGateway();
  authorization = `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc', sub: 'attacker' })}`;
});
afterAll(async () => {
  if (gateway && !gateway.alive()) console.log(`[hostile] the gateway died:\n${gateway.process.stderr().slice(-4000)}`);
  await gateway?.stop();
});

/** Sends `count` requests, `concurrency` at a time; returns every answer's status and code, and the slowest. */
async function flood(count: number, concurrency: number, body: (index: number) => unknown, headers: Record<string, string> = {}) {
  const codes = new Set<string>();
  let slowestMs = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const answer = await postJson(gateway.url, body(index), headers);
        const parsed = JSON.parse(answer.text) as { errors?: Array<{ extensions?: { code?: string } }> };
        codes.add(`${answer.status} ${parsed.errors?.[0]?.extensions?.code ?? 'OK'}`);
        slowestMs = Math.max(slowestMs, answer.ms);
      }
    }),
  );
  return { codes: [...codes], slowestMs };
}

describe('hostile input against a production gateway', () => {
  it('keeps memory, /metrics and logs bounded under 600 distinct 1 MB operation names (bounds: alive on a 512 MiB heap, RSS < 1 GiB, /metrics < 64 KiB)', async () => {
    const rssBefore = gateway.rssMiB();
    // 600 MiB of names against a 512 MiB heap: keeping what they carry would end the process.
    const figures = await whileProbingHealth(gateway.port, () =>
      flood(600, 4, (index) => ({ operationName: `Op${index}${'x'.repeat(1024 * 1024)}`, query: '{ __typename }' })),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
    const rssAfter = gateway.rssMiB();
    report('distinct 1 MB operationName x600', {
      answers: figures.result.codes.join('|'),
      slowestAnswerMs: figures.result.slowestMs,
      healthMaxMs: figures.healthMaxMs,
      rssBeforeMiB: rssBefore,
      rssAfterMiB: rssAfter,
      metricsBytes: metrics.length,
      longestLogLine: Math.max(...gateway.process.stdout().split('\n').map((line) => line.length)),
    });
    expect(figures.result.codes).toEqual(['400 BAD_REQUEST']);
    expect(figures.healthMaxMs).toBeLessThan(HEALTH_BOUND_MS);
    expect(gateway.alive()).toBe(true);
    expect(rssAfter).toBeLessThan(BURST_RSS_CEILING_MIB);
    expect(metrics.length).toBeLessThan(64 * 1024);
    expect(metrics).not.toContain('xxxxxxxx');
    expect(Math.max(...gateway.process.stdout().split('\n').map((line) => line.length))).toBeLessThan(2_000);
  });

  it.each([
    ['8 MB of metaData', { metaData: 'm'.repeat(8 * 1024 * 1024 - 1024) }, '400 BAD_USER_INPUT'],
    ['2,000,000 cardOcrDisplayFields', { cardOcrDisplayFields: Array.from({ length: 2_000_000 }, () => 'N') }, '400 BAD_USER_INPUT'],
    ['1,600,000 selectedWarningCodes', { selectedWarningCodes: Array.from({ length: 1_600_000 }, () => 1) }, '400 BAD_USER_INPUT'],
  ])('refuses %s at once, before any upstream call (bounds: /health < 1 s, RSS < 1 GiB after 12 requests)', async (attack, input, answer) => {
    const body = JSON.stringify(graphqlRequest(ApplyEkycTokenDocument, { input: input as never }));
    const upstreamBefore = gateway.emulator.requests.length;
    await flood(4, 2, () => body, { authorization });
    const rssBefore = gateway.rssMiB();
    const figures = await whileProbingHealth(gateway.port, () => flood(12, 1, () => body, { authorization }));
    const rssAfter = gateway.rssMiB();
    report(attack, {
      answers: figures.result.codes.join('|'),
      slowestAnswerMs: figures.result.slowestMs,
      healthMaxMs: figures.healthMaxMs,
      rssBeforeMiB: rssBefore,
      rssAfterMiB: rssAfter,
    });
    expect(figures.result.codes).toEqual([answer]);
    expect(gateway.emulator.requests.length).toBe(upstreamBefore);
    expect(figures.healthMaxMs).toBeLessThan(HEALTH_BOUND_MS);
    expect(gateway.alive()).toBe(true);
    expect(rssAfter).toBeLessThan(BURST_RSS_CEILING_MIB);
  });
});

/**
 * Hostile GraphQL documents against the real process in its production configuration (JWT authentication,
 * introspection off), sent without credentials unless stated. For each attack: the answer, the time to answer,
 * the slowest /health answer meanwhile, and the process's resident memory (`[hostile] …` lines, to be quoted). The
 * bounds asserted are generous, far above the measured values, so a busy machine does not fail them; the process
 * runs on a small heap, so memory kept per request would end it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { MAX_DOCUMENT_BYTES } from '../src/protection/document-limits.js';
import { signToken } from './helpers/credentials.js';
import { ATTACKED_HEAP_MIB, report, startProductionGateway, whileProbingHealth, type ProductionGateway } from './helpers/hostile.js';

/** Slowest /health answer allowed while an attack runs. */
const HEALTH_BOUND_MS = 2000;
/**
 * Resident memory the process may reach. It runs on a ATTACKED_HEAP_MIB heap, so documents kept per request
 * (before documents were bounded, 18 documents of 8 MB in the parse cache exhausted the heap) would end it; the
 * rest is V8's garbage of megabyte bodies, collected when V8 sees fit. Finer retention is measured in-process
 * (the parse-cache test in document-limits.test.ts).
 */
const RSS_CEILING_MIB = 1024;

let gateway: ProductionGateway;
/**
 * Credentials that may mint, sent with every attack: a body past 64 KiB from anyone else is refused before it is
 * read (request-body-limit.test.ts), and these attacks are on what comes after.
 */
let minter: Record<string, string>;

interface Answer {
  status: number;
  text: string;
  codes: string[];
}

async function post(body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...minter, ...headers },
    body,
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, text, codes: (parsed.errors ?? []).map((error) => error.extensions?.code ?? 'NONE') };
}

/** Runs `attack` while /health is probed; reports the time, the slowest /health answer and the memory. */
async function underAttack<T>(name: string, attack: () => Promise<T>): Promise<{ result: T; ms: number; healthMaxMs: number }> {
  const rssBefore = gateway.rssMiB();
  const figures = await whileProbingHealth(gateway, attack);
  report(name, {
    ms: figures.attackMs,
    ownMs: figures.attackOwnMs,
    healthMaxMs: figures.healthMaxMs,
    healthMaxOwnMs: figures.healthMaxOwnMs,
    healthFailures: figures.healthFailures,
    rssBeforeMiB: rssBefore,
    rssAfterMiB: gateway.rssMiB(),
  });
  // The gateway's own times (startStopwatch): the CPU waits that work outside the gateway caused are left out.
  return { result: figures.result, ms: figures.attackOwnMs, healthMaxMs: figures.healthMaxOwnMs };
}

/** The process is still up, on its small heap, under the memory ceiling. */
function expectBoundedAndAlive(): void {
  expect(gateway.alive()).toBe(true);
  expect(gateway.rssMiB()).toBeLessThan(RSS_CEILING_MIB);
}

function doublingFragments(levels: number, leaf: string, on: string): string {
  const fragments = Array.from({ length: levels }, (_unused, index) => `fragment F${index} on ${on} { ...F${index + 1} ...F${index + 1} }`);
  return `${fragments.join('\n')}\nfragment F${levels} on ${on} { ${leaf} }`;
}

beforeAll(async () => {
  gateway = await startProductionGateway();
  minter = { authorization: `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc', sub: 'document-attacker' })}` };
  report('gateway started', { heapMiB: ATTACKED_HEAP_MIB, rssMiB: gateway.rssMiB() });
}, 60_000);

afterAll(async () => {
  const errorLines = (gateway?.process.stdout() ?? '').split('\n').filter((line) => /"level":(50|60)/.test(line));
  await gateway?.stop();
  expect(errorLines).toEqual([]);
});

describe('hostile documents against the production process', () => {
  it('refuses 50 distinct 8 MB documents before parsing them, and keeps none of them', async () => {
    const sendBatch = (batch: number, count: number) => async () => {
      const answers: Answer[] = [];
      for (let index = 0; index < count; index += 1) {
        // Distinct text each time, so no cache could answer from an earlier one.
        const query = `query Q${batch}x${index} { __typename }\n#${'x'.repeat(MAX_REQUEST_BODY_BYTES - 1024)}`;
        answers.push(await post(JSON.stringify({ query })));
      }
      return answers;
    };
    const first = await underAttack('first 25 distinct 8 MB documents', sendBatch(1, 25));
    const second = await underAttack('next 25 distinct 8 MB documents', sendBatch(2, 25));
    for (const { result, healthMaxMs } of [first, second]) {
      expect(new Set(result.map((answer) => `${answer.status} ${answer.codes.join()}`))).toEqual(new Set(['400 DOCUMENT_TOO_LARGE']));
      expect(healthMaxMs).toBeLessThan(HEALTH_BOUND_MS);
    }
    expectBoundedAndAlive();
  }, 90_000);

  it('parses and caches 2,000 distinct documents just under the size limit within the cache bound', async () => {
    const sendBatch = (batch: number) => async () => {
      const answers: Answer[] = [];
      for (let index = 0; index < 1000; index += 1) {
        const fields = Array.from({ length: 24 }, (_unused, field) => `f${field}: __typename`).join(' ');
        const query = `query Q${batch}x${index} { ${fields} }\n#${'y'.repeat(MAX_DOCUMENT_BYTES - 1024)}`;
        answers.push(await post(JSON.stringify({ query })));
      }
      return answers;
    };
    const first = await underAttack('first 1,000 distinct 15 KB documents', sendBatch(1));
    const second = await underAttack('next 1,000 distinct 15 KB documents', sendBatch(2));
    for (const { result, healthMaxMs } of [first, second]) {
      // Parsed, cached, then refused by the alias limit: each one cost a parse and a cache entry.
      expect(new Set(result.map((answer) => `${answer.status} ${answer.codes.join()}`))).toEqual(new Set(['400 OPERATION_LIMIT_EXCEEDED']));
      expect(healthMaxMs).toBeLessThan(HEALTH_BOUND_MS);
    }
    expectBoundedAndAlive();
  }, 90_000);

  it('validates the 24-level doubling fragment document without blocking /health', async () => {
    const query = `{ ...F0 }\n${doublingFragments(24, '__typename', 'Query')}`;
    const { result, ms, healthMaxMs } = await underAttack('24-level fragment bomb', async () => {
      const answers: Answer[] = [];
      for (let round = 0; round < 20; round += 1) answers.push(await post(JSON.stringify({ query: `${query}\n#${round}` })));
      return answers;
    });
    // Within every limit (no aliases, depth 1): it validates, and the unauthenticated caller reads __typename.
    expect(result.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(ms).toBeLessThan(20 * HEALTH_BOUND_MS);
    expect(healthMaxMs).toBeLessThan(HEALTH_BOUND_MS);
    expectBoundedAndAlive();
  });

  it('refuses token mutations hidden in fragments at validation, before authentication or any Tencent call', async () => {
    const hidden = Array.from({ length: 12 }, (_unused, index) => `t${index}: getSelfieToken(input: {}) { sdkToken }`).join(' ');
    const query = `mutation Many { ...F0 }\n${doublingFragments(3, hidden, 'Mutation')}`;
    const authorization = `Bearer ${await signToken({ scope: 'faceid:selfie faceid:ekyc' })}`;
    const { result } = await underAttack('12 token mutations behind fragments', async () => [
      await post(JSON.stringify({ query })),
      await post(JSON.stringify({ query }), { authorization }),
    ]);
    for (const answer of result) {
      expect(answer.status).toBe(400);
      // 96 aliases once the fragments are expanded, and 12 distinct token mutations.
      expect(answer.codes).toEqual(['OPERATION_LIMIT_EXCEEDED', 'OPERATION_LIMIT_EXCEEDED']);
      expect(answer.text).toContain('Operation \\"Many\\" asks for 12 tokens; the limit is 2 per operation');
    }
    expect(gateway.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['5,000', 5000],
    ['100,000', 100_000],
  ])('answers %s nested selections with 400 DOCUMENT_TOO_LARGE, no stack overflow', async (label, levels) => {
    const query = `${'{a'.repeat(levels)}${'}'.repeat(levels)}`;
    const { result, healthMaxMs } = await underAttack(`${label} nested selections`, () => post(JSON.stringify({ query })));
    expect(result.status).toBe(400);
    expect(result.codes).toEqual(['DOCUMENT_TOO_LARGE']);
    expect(healthMaxMs).toBeLessThan(HEALTH_BOUND_MS);
  });

  it('never sends back or logs a value it refuses', async () => {
    const sentinel = 'HOSTILE-ECHO-SENTINEL-'.repeat(20);
    const image = `${sentinel}${'A'.repeat(4 * 1024 * 1024)}`;
    const selfie = 'mutation Selfie($input: GetSelfieTokenInput!) { getSelfieToken(input: $input) { sdkToken } }';
    const { result } = await underAttack('value echo attempts', async () => [
      await post(JSON.stringify({ query: selfie, variables: { input: { image: [image], extra: { text: sentinel } } } })),
      await post(JSON.stringify({ query: selfie, variables: { input: { image, checkMode: sentinel, [sentinel]: 1 } } })),
      await post(JSON.stringify({ query: `mutation { getSelfieToken(input: { extra: ["${sentinel}"] }) { sdkToken } }` })),
    ]);
    for (const answer of result) {
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain(sentinel.slice(0, 40));
    }
    expect(gateway.process.stdout()).not.toContain(sentinel.slice(0, 40));
    expectBoundedAndAlive();
  });
});

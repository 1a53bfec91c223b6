/** Logs and metrics stay small whatever a client names its operations or itself. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/observability/metrics.js';
import { MAX_LOGGED_CLIENT_TEXT, operationLabelOf } from '../src/observability/request-log.js';
import { startHarness, type Harness } from './helpers/harness.js';

let harness: Harness;
const metrics = createMetrics();
beforeAll(async () => {
  harness = await startHarness({ app: { metrics } });
});
afterAll(() => harness.close());

async function post(body: Record<string, unknown>): Promise<Response> {
  return harness.app.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('bounded logs and metrics', () => {
  it.each([
    ['GetSelfieToken', 'GetSelfieToken'],
    ['ApplyEkycToken', 'ApplyEkycToken'],
    ['GatewayInfo', 'GatewayInfo'],
    ['IntrospectionQuery', 'IntrospectionQuery'],
    ['anonymous', 'anonymous'],
    ['MyOwnQuery', 'other'],
    ['x'.repeat(100_000), 'other'],
  ])('labels the operation %# as %s', (operation, label) => {
    expect(operationLabelOf(operation)).toBe(label);
  });

  it('keeps /metrics and each log line small when 200 requests carry distinct 20 KB operation names', async () => {
    const before = (await (await harness.app.fetch('http://gateway.test/metrics')).text()).length;
    for (let index = 0; index < 200; index += 1) {
      const name = `Op${index}_${'n'.repeat(20_000)}`;
      await post({ operationName: name, query: `query ${name} { __typename }` });
      await post({ query: `query ${name}Doc { __typename }` });
    }
    const text = await (await harness.app.fetch('http://gateway.test/metrics')).text();
    const operationLabels = new Set([...text.matchAll(/faceid_gateway_requests_total\{operation="([^"]*)"/g)].map((match) => match[1]));
    expect([...operationLabels]).toEqual(['other']);
    // Process metrics change between scrapes; the request counters add a handful of lines, not 400 names.
    expect(text.length - before).toBeLessThan(2_000);
    const lines = harness.log.lines.filter((line) => line.includes('"msg":"request"'));
    expect(lines.length).toBeGreaterThanOrEqual(400);
    for (const line of lines) expect(line.length).toBeLessThan(1_000);
    const operations = harness.log.entries().filter((entry) => entry.msg === 'request').map((entry) => String(entry.operation));
    expect(Math.max(...operations.map((operation) => operation.length))).toBe(MAX_LOGGED_CLIENT_TEXT + 1);
  });
});

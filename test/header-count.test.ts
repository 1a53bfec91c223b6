/**
 * A request with more header lines than node keeps (MAX_HEADERS_COUNT) is refused for that, over real HTTP,
 * instead of being judged on what was left of it (a Content-Type past the 100th line made it a CSRF refusal).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEADERS_COUNT } from '../src/http-server.js';
import { startHarness, type Harness } from './helpers/harness.js';

let harness: Harness;
let port: number;
beforeAll(async () => {
  harness = await startHarness();
  port = Number(new URL(await harness.listen()).port);
});
afterAll(() => harness.close());

/** Sends a JSON POST of `{ __typename }` after `extra` header lines; resolves with the whole answer. */
function postWithHeaderLines(extra: number): Promise<string> {
  const body = JSON.stringify({ query: '{ __typename }' });
  const filler = Array.from({ length: extra }, (_unused, index) => `X-Filler-${index}: 1\r\n`).join('');
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n${filler}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    );
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
  });
}

describe('header lines', () => {
  it(`refuses a request of more than ${MAX_HEADERS_COUNT} header lines with 400 BAD_REQUEST, whatever came after the ${MAX_HEADERS_COUNT}th`, async () => {
    const answer = await postWithHeaderLines(150);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      errors: [
        {
          message: `The request has more than ${MAX_HEADERS_COUNT} header lines, and the rest were not read; send fewer (a browser sends about twenty).`,
          extensions: { code: 'BAD_REQUEST', retryable: false },
        },
      ],
    });
  });

  it(`answers a request of ${MAX_HEADERS_COUNT} header lines`, async () => {
    // Host, Connection, Content-Type and Content-Length, and the rest filler.
    const answer = await postWithHeaderLines(MAX_HEADERS_COUNT - 4);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer).toContain('{"data":{"__typename":"Query"}}');
  });
});

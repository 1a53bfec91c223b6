/**
 * A WebSocket handshake (what graphql-ws opens for subscriptions) is refused over real HTTP with a message that
 * says the API answers over HTTP only, instead of the "Must provide query string." a plain GET would get.
 */
import http from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers/harness.js';

let harness: Harness;
let url: string;
beforeAll(async () => {
  harness = await startHarness();
  url = await harness.listen();
});
afterAll(() => harness.close());

/** A WebSocket opening handshake, as RFC 6455 writes it; resolves with the answer the server gives instead. */
function handshake(target: string, upgrade = 'websocket'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(target, {
      headers: {
        connection: 'Upgrade',
        upgrade,
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-protocol': 'graphql-transport-ws',
      },
    });
    request.on('upgrade', () => reject(new Error('the server switched protocols')));
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('WebSocket upgrades', () => {
  it.each(['websocket', 'WebSocket', 'h2c, websocket'])('refuses an upgrade to %s with 400 BAD_REQUEST saying the API answers over HTTP only', async (upgrade) => {
    const answer = await handshake(url, upgrade);
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      errors: [
        {
          message:
            'This API has no subscriptions and does not accept WebSocket connections (graphql-ws, subscriptions-transport-ws): send queries and mutations as HTTP POST (or queries as GET).',
          extensions: { code: 'BAD_REQUEST', retryable: false },
        },
      ],
    });
  });

  it('leaves a GET query without an upgrade alone', async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('gives graphql-ws a refused handshake, not a connection, and stays up', async () => {
    const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    const failure = await new Promise<unknown>((resolve) => {
      client.on('error', resolve);
      client.on('connected', () => resolve(new Error('connected')));
    });
    await client.dispose();
    expect(String((failure as { message?: string }).message ?? failure)).toMatch(/Unexpected server response: 400/);
    expect((await fetch(`${url.replace(/\/graphql$/, '')}/health`)).status).toBe(200);
  });
});

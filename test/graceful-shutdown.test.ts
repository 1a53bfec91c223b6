import http from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaceIdEmulator, type FaceIdEmulator } from '../src/emulator/index.js';
import { MAX_PIPELINED_REQUESTS } from '../src/http-server.js';
import { TEST_KEY_PAIR } from './helpers/harness.js';
import { spawnGateway, stopIfRunning, type GatewayProcess } from './helpers/gateway-process.js';

let gateway: GatewayProcess | undefined;
let emulator: FaceIdEmulator | undefined;
afterEach(async () => {
  await stopIfRunning(gateway);
  await emulator?.close();
});

const SELFIE = JSON.stringify({ query: 'mutation { getSelfieToken(input: {}) { sdkToken } }' });

/** One POST on its own connection; resolves with the status and body, or the connection error code. */
function post(port: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const request = http.request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end(SELFIE);
  });
}

/** A gateway process on an emulator that answers every token call after 600 ms (both stopped after each test). */
async function startSlowGateway(): Promise<{ port: number; gateway: GatewayProcess; emulator: FaceIdEmulator }> {
  const slowEmulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }] });
  emulator = slowEmulator;
  slowEmulator.scriptFault('GetFaceIdTokenIntl', { kind: 'latency', ms: 600 }, { times: 100 });
  const spawned = spawnGateway({
    PORT: '0',
    TENCENTCLOUD_SECRET_ID: TEST_KEY_PAIR.secretId,
    TENCENTCLOUD_SECRET_KEY: TEST_KEY_PAIR.secretKey,
    FACEID_ENDPOINT: slowEmulator.url,
    SHUTDOWN_TIMEOUT_MS: '10000',
  });
  gateway = spawned;
  return { port: await spawned.listening, gateway: spawned, emulator: slowEmulator };
}

describe('graceful shutdown', () => {
  it('finishes every accepted request, in flight or queued, refuses new connections, then exits 0', async () => {
    // Every upstream call takes 600 ms and slots open every 51 ms, so at SIGTERM (400 ms) some of the 15 calls
    // are waiting on Tencent and the rest are still queued in the throttle.
    const { port, gateway, emulator } = await startSlowGateway();

    const accepted = Array.from({ length: 15 }, () => post(port));
    await new Promise((resolve) => setTimeout(resolve, 400));
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const late = await post(port);
    const queuedAtSigterm = emulator.requests.length;

    const results = await Promise.all(accepted);
    for (const result of results) {
      expect(result).toMatchObject({ status: 200 });
      expect(JSON.parse((result as { body: string }).body).data.getSelfieToken.sdkToken).toMatch(/^[0-9A-F-]{36}$/);
    }
    expect(late).toEqual({ error: 'ECONNREFUSED' });
    expect(queuedAtSigterm).toBeLessThan(15);
    expect(await gateway.exited).toBe(0);
    expect(emulator.requests.filter((request) => request.responseCode === 'OK')).toHaveLength(15);
    const log = gateway.stdout();
    expect(log).toContain('shutting down: draining in-flight requests');
    expect(log).toContain('"msg":"stopped"');
  }, 30_000);
});

describe('graceful shutdown of pipelined requests', () => {
  it('finishes every request one connection pipelined, and warns of no listener leak', async () => {
    const { port, gateway } = await startSlowGateway();
    const body = JSON.stringify({ query: 'mutation { getSelfieToken(input: {}) { sdkToken } }' });
    const one = `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const socket = connect(port, '127.0.0.1', () => socket.write(one.repeat(MAX_PIPELINED_REQUESTS)));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 400));
    gateway.child.kill('SIGTERM');
    await closed;
    expect(received.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(MAX_PIPELINED_REQUESTS);
    // Only the last answer closes the connection.
    expect(received.match(/\r\nConnection: close\r\n/gi)).toHaveLength(1);
    expect(received.trimEnd().endsWith('}}}')).toBe(true);
    expect(received.match(/"sdkToken":"[0-9A-F-]{36}"/g)).toHaveLength(MAX_PIPELINED_REQUESTS);
    expect(await gateway.exited).toBe(0);
    expect(gateway.stderr()).not.toContain('MaxListenersExceededWarning');
  }, 30_000);

  it('adds one close listener per connection, however many requests it carries one after another', async () => {
    const { port, gateway } = await startSlowGateway();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let index = 0; index < 40; index += 1) {
      await new Promise<void>((resolve, reject) => {
        const request = http.request({ port, host: '127.0.0.1', path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
          sockets.add(request.socket);
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', reject);
        request.end('{"query":"{ __typename }"}');
      });
    }
    agent.destroy();
    expect(sockets.size).toBe(1);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.stderr()).not.toContain('MaxListenersExceededWarning');
  }, 30_000);
});

describe('draining', () => {
  it('never runs a request pipelined after an answer that closes its connection (RFC 9112 §9.6): nothing is minted for an answer nobody gets', async () => {
    const { port, gateway, emulator } = await startSlowGateway();
    const raw = (body: string) => `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // A token call waits 600 ms on Tencent. Draining, a query pipelined behind it is answered at once but held for
    // its turn, and is the connection's last answer, so it says Connection: close. A second token call pipelined
    // after that can never be answered on this connection.
    socket.write(raw(SELFIE));
    await pause(100);
    gateway.child.kill('SIGTERM');
    await pause(150);
    socket.write(raw('{"query":"{ __typename }"}'));
    await pause(150);
    socket.write(raw(SELFIE));
    await closed;
    expect(received.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    expect(received.match(/"sdkToken":"[0-9A-F-]{36}"/g)).toHaveLength(1);
    expect(received.match(/\r\nConnection: close\r\n/gi)).toHaveLength(1);
    expect(await gateway.exited).toBe(0);
    expect(emulator.requests.filter((request) => request.action === 'GetFaceIdTokenIntl')).toHaveLength(1);
  }, 30_000);

  it('tells every keep-alive client answered after SIGTERM to close its connection, so none sends on one that closes under it', async () => {
    const { port, gateway } = await startSlowGateway();
    const agent = new http.Agent({ keepAlive: true });
    const answered = Array.from(
      { length: 3 },
      () =>
        new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
          const request = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
          });
          request.on('error', reject);
          request.end(SELFIE);
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    gateway.child.kill('SIGTERM');

    expect(await Promise.all(answered)).toEqual(Array.from({ length: 3 }, () => ({ status: 200, connection: 'close' })));
    agent.destroy();
    expect(await gateway.exited).toBe(0);
  }, 30_000);
});

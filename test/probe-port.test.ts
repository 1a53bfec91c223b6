/**
 * HEALTH_PORT: the orchestrator's probes on a listening socket of their own. Node accepts one connection per turn of
 * its event loop, so behind thousands of connections waiting on the main port a probe there waits its turn; on the
 * probe port it is accepted at once.
 */
import { connect, type Socket } from 'node:net';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report, startProductionGateway, type ProductionGateway } from './helpers/hostile.js';

/** Longest a probe on the probe port may take while the main port is flooded (about 10 ms when nothing is). */
const PROBE_BOUND_MS = 3_000;

let gateway: ProductionGateway;
let probePort: number;
beforeAll(async () => {
  gateway = await startProductionGateway({ HEALTH_PORT: '0', INTROSPECTION: 'true' });
  const deadline = Date.now() + 10_000;
  let match: RegExpExecArray | null = null;
  while (!(match = /health probes on http:\/\/localhost:(\d+)\/health/.exec(gateway.process.stdout())) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  probePort = Number(match?.[1]);
}, 20_000);
afterAll(() => gateway.stop());

async function probe(port: number, path = '/health', method = 'GET'): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(20_000) });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

describe('the probe port', () => {
  it('answers GET and HEAD of /health and /ready, and 404 to anything else', async () => {
    expect(probePort).toBeGreaterThan(0);
    expect(probePort).not.toBe(gateway.port);
    expect((await probe(probePort, '/health')).status).toBe(200);
    expect((await probe(probePort, '/ready')).status).toBe(200);
    expect((await probe(probePort, '/health', 'HEAD')).status).toBe(200);
    expect((await probe(probePort, '/graphql')).status).toBe(404);
    expect((await probe(probePort, '/metrics')).status).toBe(404);
    expect((await probe(probePort, '/health', 'POST')).status).toBe(404);
  });

  it(`answers within ${PROBE_BOUND_MS} ms while 400 connections, each pipelining 16 introspection queries it does not read, wait on the main port`, async () => {
    const body = JSON.stringify({ query: getIntrospectionQuery() });
    const pipelined = Buffer.from(
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`.repeat(16),
    );
    const sockets: Socket[] = [];
    for (let index = 0; index < 400; index += 1) {
      const socket = connect(gateway.port, '127.0.0.1', () => {
        socket.pause();
        socket.write(pipelined);
      });
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const probes = [];
      for (let index = 0; index < 5; index += 1) {
        probes.push(await probe(probePort));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      report('probe port while 400 connections × 16 introspection queries wait', {
        probeMaxMs: Math.round(Math.max(...probes.map(({ ms }) => ms))),
        mainPortProbeMs: Math.round((await probe(gateway.port).catch(() => ({ ms: Number.NaN }))).ms),
      });
      for (const { status, ms } of probes) {
        expect(status).toBe(200);
        expect(ms).toBeLessThan(PROBE_BOUND_MS);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    expect(gateway.alive()).toBe(true);
  }, 60_000);
});

/** One raw request with `host` as its Host header (and `connection`, a header line); resolves with the whole answer once the server closes. */
function withHost(port: number, path: string, host: string, connection = ''): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${connection}\r\n`));
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
  });
}

describe('a Host header no URL can be built from', () => {
  // The fetch adapter under graphql-yoga built the request's URL from the Host outside yoga's error masking, and
  // answered these 500 with its stack trace in plain text, on every path of both ports.
  const hosts = ['[ZZMARKER', 'ZZMARKER here', 'zzmarker:99999', 'zzmarker.999.1.1.999', 'zz%zzmarker'];
  it.each(hosts)('is refused 400 BAD_REQUEST without a stack or an echo on both ports: Host %j', async (host) => {
    const paths: Array<[number, string]> = [[gateway.port, '/graphql?query=%7B__typename%7D'], [gateway.port, '/health'], [gateway.port, '/metrics'], [probePort, '/health']];
    for (const [port, path] of paths) {
      const answer = await withHost(port, path, host);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head.split('\r\n')[0], `${path} on port ${port}`).toBe('HTTP/1.1 400 Bad Request');
      expect(head).toMatch(/\r\nConnection: close/i);
      expect(JSON.parse(body)).toEqual({
        errors: [{ message: "The Host header is not a valid host: send the server's host name or IP address, with a port from 0 to 65535 if any.", extensions: { code: 'BAD_REQUEST', retryable: false } }],
      });
      expect(answer.toLowerCase()).not.toContain('zzmarker');
    }
  });

  it('is counted in faceid_gateway_rejections_total, and a valid Host is still served', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
    expect(metrics).toContain(`faceid_gateway_rejections_total{reason="invalid_request_url"} ${hosts.length * 3}`);
    for (const host of ['localhost', `127.0.0.1:${gateway.port}`, '[::1]:8080', 'EXAMPLE.com.', 'xn--bcher-kva.example']) {
      expect((await withHost(gateway.port, '/health', host, 'Connection: close\r\n')).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    }
  });
});


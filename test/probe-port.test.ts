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

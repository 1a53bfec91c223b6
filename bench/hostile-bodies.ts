/**
 * What hostile request bodies cost the gateway. Each case runs against a gateway just started (dist/server.js, on
 * its built-in emulator, no authentication: bodies are read before anyone is authenticated) and prints the
 * answers, the gateway's CPU time spent on the case (/proc), the time to the last answer, and its resident memory
 * before and at its peak (sampled every 20 ms):
 *
 * - one-byte chunks: one token request padded to N bytes and framed a byte per chunk, written at once;
 * - many JSON values: N requests at once, each an 8 MB body whose variables hold a list of empty objects;
 * - held bodies: N connections, each sending all but the last 100 KB of a body of the largest size, then waiting.
 *
 *   npm run bench:hostile-bodies
 */
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { buildGateway } from '../scripts/build.js';
import { startGateway } from './bench-processes.js';
import { cpuMs, rssMb } from './load-helpers.js';

const TOKEN_REQUEST_HEAD =
  '{"query":"mutation($i: GetSelfieTokenInput!, $p: [String]) { getSelfieToken(input: $i) { sdkToken } }","variables":{"i":{"checkMode":"LIVENESS","securityLevel":"MOTION"},"p":';

/** The whole request: headers, then `padding` one-byte chunks inside the token request's unused variable. */
function fragmentedRequest(padding: number): Buffer {
  const head = `${TOKEN_REQUEST_HEAD}["`;
  const tail = '"]}}';
  const framedHead = `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${head.length.toString(16)}\r\n${head}\r\n`;
  const framedTail = `${tail.length.toString(16)}\r\n${tail}\r\n0\r\n\r\n`;
  const oneByteChunk = Buffer.from('1\r\na\r\n');
  const chunks = Buffer.allocUnsafe(padding * oneByteChunk.length);
  for (let at = 0; at < chunks.length; at += oneByteChunk.length) oneByteChunk.copy(chunks, at);
  return Buffer.concat([Buffer.from(framedHead), chunks, Buffer.from(framedTail)]);
}

/** A token request of `bytes` whose unused variable is a list of empty objects. */
function manyValuesBody(bytes: number): Buffer {
  const items = Math.floor((bytes - TOKEN_REQUEST_HEAD.length - 4) / 3);
  return Buffer.from(`${TOKEN_REQUEST_HEAD}[${'{},'.repeat(items - 1)}{}]}}`);
}

/** The status line of the first answer on a socket that wrote `request` at once (or why there was none). */
function sendRaw(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = (outcome?: string) => {
      socket.destroy();
      resolve(outcome ?? (received.split('\r\n')[0]?.replace('HTTP/1.1 ', '') || 'no answer'));
    };
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n')) done();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done(received ? undefined : error.code));
    socket.on('close', () => done());
    socket.write(request);
  });
}

/** POSTs `body` and resolves with the status and the first error code. */
function post(port: number, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const request = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(`${response.statusCode} ${/"code":"(\w+)"/.exec(text)?.[1] ?? 'OK'}`));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    request.end(body);
  });
}

/** Opens a connection that sends all but the last 100 KB of a body of the largest size, and answers what it hears. */
function holdBody(port: number, answers: string[]): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('data', (data: Buffer) => answers.push(data.toString('latin1').split('\r\n')[0]!.replace('HTTP/1.1 ', '')));
  socket.on('error', () => undefined);
  socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: ${MAX_REQUEST_BODY_BYTES}\r\n\r\n`);
  socket.write(Buffer.alloc(MAX_REQUEST_BODY_BYTES - 100_000, 0x20));
  return socket;
}

function tally(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return [...counts].map(([outcome, count]) => `${count} × ${outcome}`).join(', ') || 'none yet';
}

interface Case {
  name: string;
  run(port: number): Promise<string>;
}

const cases: Case[] = [
  ...[100_000, 1_000_000, 4_000_000].map((chunks) => ({
    name: `${chunks.toLocaleString('en-US')} one-byte chunks (${((chunks * 6) / 1e6).toFixed(1)} MB on the wire)`,
    run: async (port: number) => sendRaw(port, fragmentedRequest(chunks)),
  })),
  ...[5, 20].map((requests) => ({
    name: `${requests} × 8 MB of empty objects in the variables, at once`,
    run: async (port: number) => {
      const body = manyValuesBody(MAX_REQUEST_BODY_BYTES);
      return tally(await Promise.all(Array.from({ length: requests }, () => post(port, body))));
    },
  })),
  {
    name: '100 connections holding most of an 8 MB body',
    run: async (port: number) => {
      const answers: string[] = [];
      const sockets: Socket[] = [];
      for (let connection = 0; connection < 100; connection++) {
        sockets.push(holdBody(port, answers));
        await sleep(20);
      }
      await sleep(3000);
      for (const socket of sockets) socket.destroy();
      return `${answers.length} answered: ${tally(answers)}; the rest held`;
    },
  },
];

await buildGateway();
console.log('| case | answers | gateway CPU (ms) | time to answer (ms) | gateway RSS before → peak (MB) |');
console.log('|---|---|---|---|---|');
for (const { name, run } of cases) {
  const gateway = await startGateway({ LOG_LEVEL: 'warn' }, join(tmpdir(), 'faceid-gateway-hostile-bodies.log'));
  const pid = gateway.child.pid!;
  await sleep(500);
  const rssBefore = rssMb(pid);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  const cpuBefore = cpuMs(pid);
  const startedAt = performance.now();
  const answers = await run(gateway.port);
  const answeredMs = performance.now() - startedAt;
  await sleep(200); // what the gateway does after answering (closing, collecting) still counts
  clearInterval(sampler);
  const cpu = cpuMs(pid) - cpuBefore;
  console.log(`| ${name} | ${answers} | ${Math.round(cpu)} | ${Math.round(answeredMs)} | ${Math.round(rssBefore)} → ${Math.round(Math.max(peak, rssMb(pid)))} |`);
  await gateway.stop();
}

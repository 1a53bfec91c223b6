/**
 * What a body sent in one-byte chunks costs the gateway: for each number of chunks given (default 100,000,
 * 1,000,000 and 4,000,000), a gateway just started (dist/server.js, on its built-in emulator) receives one token
 * request padded to that many bytes and framed a byte per chunk, written at once over one connection. Prints the
 * answer, the gateway's CPU time spent on it (/proc) and its peak resident memory (sampled every 20 ms).
 *
 *   npm run bench:fragmented-body -- [chunks …]
 */
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildGateway } from '../scripts/build.js';
import { startGateway } from './bench-processes.js';
import { cpuMs, rssMb } from './load-helpers.js';

const counts = process.argv.slice(2).map(Number);
const CHUNK_COUNTS = counts.length > 0 ? counts : [100_000, 1_000_000, 4_000_000];

/** The whole request: headers, then `padding` one-byte chunks inside a token request's unused variable. */
function fragmentedRequest(host: string, padding: number): Buffer {
  const head = '{"query":"mutation($i: GetSelfieTokenInput!, $p: String) { getSelfieToken(input: $i) { sdkToken } }","variables":{"i":{"checkMode":"LIVENESS","securityLevel":"MOTION"},"p":"';
  const tail = '"}}';
  const framedHead = `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${head.length.toString(16)}\r\n${head}\r\n`;
  const framedTail = `${tail.length.toString(16)}\r\n${tail}\r\n0\r\n\r\n`;
  const oneByteChunk = Buffer.from('1\r\na\r\n');
  const body = Buffer.allocUnsafe(padding * oneByteChunk.length);
  for (let at = 0; at < body.length; at += oneByteChunk.length) oneByteChunk.copy(body, at);
  return Buffer.concat([Buffer.from(framedHead), body, Buffer.from(framedTail)]);
}

/** Writes `request` at once; resolves with the answer's status line once it arrives (or the socket ends). */
function send(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received.split('\r\n')[0] || 'no answer');
    };
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request);
  });
}

await buildGateway();
console.log('| one-byte chunks | on the wire | answer | gateway CPU (ms) | time to answer (ms) | gateway RSS before → peak (MB) |');
console.log('|---|---|---|---|---|---|');
for (const chunks of CHUNK_COUNTS) {
  const gateway = await startGateway({ LOG_LEVEL: 'warn' }, join(tmpdir(), 'faceid-gateway-fragmented-body.log'));
  const pid = gateway.child.pid!;
  await sleep(500);
  const request = fragmentedRequest(`127.0.0.1:${gateway.port}`, chunks);
  const rssBefore = rssMb(pid);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  const cpuBefore = cpuMs(pid);
  const startedAt = performance.now();
  const answer = await send(gateway.port, request);
  const answeredMs = performance.now() - startedAt;
  await sleep(200); // work the gateway does after answering (closing, collecting) still counts
  clearInterval(sampler);
  console.log(
    `| ${chunks.toLocaleString('en-US')} | ${(request.length / 1e6).toFixed(1)} MB | ${answer.replace('HTTP/1.1 ', '')} | ${Math.round(cpuMs(pid) - cpuBefore)} | ${Math.round(answeredMs)} | ${Math.round(rssBefore)} → ${Math.round(Math.max(peak, rssMb(pid)))} |`,
  );
  await gateway.stop();
}

/**
 * The hand-written `node:http` endpoint of the benchmark's references: POST a JSON body
 * `{ "checkMode": "liveness", "extra": "..." }`, get `{ "sdkToken", "requestId" }` (400 for a body that is not JSON,
 * 502 with the client's message when minting fails). No validation, no logs, no metrics, no authentication: the least
 * a service minting FaceID tokens can do. bench/reference-endpoint.ts mints with the official SDK, bench/bare-http.ts
 * with got or `http.request`; everything else about the two is this one endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint reads from a request. */
export interface BareMintInput {
  checkMode?: string;
  extra?: string;
}

/** Mints one token and calls back, in the callback style of the official SDK. */
export type BareMint = (input: BareMintInput, done: (error: Error | null, answer?: { sdkToken: string; requestId: string }) => void) => void;

/** Listens on 127.0.0.1:PORT (0: any free port) and prints `listening on <url>` for the benchmark to read. */
export function listenBareEndpoint(mint: BareMint): void {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      let input: BareMintInput;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(400, { error: 'not JSON' });
      }
      mint(input, (error, token) => (error || !token ? answer(502, { error: error?.message ?? 'no token' }) : answer(200, token)));
    });
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
}

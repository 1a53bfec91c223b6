/**
 * Sends a POST with a chunked body over a raw socket, in chunks of a chosen size, all in one write: every HTTP chunk
 * is at least one piece for the server's parser, however TCP splits or merges the bytes. fetch and http.request
 * cannot send chunks this small on purpose.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection after its answer. */
  closedByServer: boolean;
}

/** The chunked framing of `body` in chunks of `chunkBytes` (the last may be shorter), built in one buffer. */
export function chunkedFraming(body: Buffer, chunkBytes: number): Buffer {
  const sizeLine = (length: number) => `${length.toString(16)}\r\n`;
  const full = Math.floor(body.length / chunkBytes);
  const rest = body.length % chunkBytes;
  const framed = Buffer.allocUnsafe(full * (sizeLine(chunkBytes).length + chunkBytes + 2) + (rest ? sizeLine(rest).length + rest + 2 : 0) + 5);
  let at = 0;
  for (let offset = 0; offset < body.length; offset += chunkBytes) {
    const length = Math.min(chunkBytes, body.length - offset);
    at += framed.write(sizeLine(length), at, 'latin1');
    at += body.copy(framed, at, offset, offset + length);
    at += framed.write('\r\n', at, 'latin1');
  }
  framed.write('0\r\n\r\n', at, 'latin1');
  return framed;
}

/** POSTs `body` to `url` chunked in `chunkBytes` pieces and reads the first answer. */
export function postChunked(url: string, body: string, chunkBytes: number, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { hostname, port, pathname } = new URL(url);
  const head =
    `POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nTransfer-Encoding: chunked\r\n` +
    Object.entries({ 'content-type': 'application/json', ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answer: Omit<RawAnswer, 'closedByServer'> | undefined;
    const timer = setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const end = received.indexOf('\r\n\r\n');
      if (answer || end < 0) return;
      const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const parsed = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(parsed['content-length']);
      if (received.length < end + 4 + length) return;
      answer = { status: Number(statusLine!.split(' ')[1]), headers: parsed, body: received.subarray(end + 4, end + 4 + length).toString('utf8') };
      // A server that keeps the connection would leave it open: give it a moment to close, then stop waiting.
      setTimeout(() => {
        clearTimeout(timer);
        const closedByServer = socket.readableEnded || socket.destroyed;
        socket.destroy();
        resolve({ ...answer!, closedByServer });
      }, 200);
    });
    // The server may close while the upload is still being written: the answer is what counts.
    socket.on('error', (error) => {
      if (!answer) {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.write(Buffer.concat([Buffer.from(head), chunkedFraming(Buffer.from(body), chunkBytes)]));
  });
}

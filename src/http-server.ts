/**
 * The HTTP server in front of the app, with the limits that keep slow, idle and excess connections from holding
 * the process: a client that cannot finish its headers, its body, or its next request in time is cut off, and
 * connections past the cap are closed as soon as they are accepted. Building it listens on nothing: server.ts does.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
// Node's own, not the global: a test that fakes the global timers still gets its requests served.
import { setImmediate } from 'node:timers';
import { ERROR_CODES } from './errors.js';

/** The connection limits; each is a configuration variable (see config.ts). */
export interface HttpServerLimits {
  /** Time to receive a request's headers; past it node answers 408 and closes. @default 15000 */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included; past it node answers 408 and closes. @default 180000 */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed. @default 30000 */
  idleTimeoutMs: number;
  /**
   * How long an idle keep-alive connection waits for its next request: the timeout each answer's Keep-Alive header
   * states. The connection is kept `keepAliveGraceMs` longer than that. @default 5000
   */
  keepAliveTimeoutMs: number;
  /** How much longer than the stated keep-alive timeout an idle connection is kept, up to the idle timeout. @default KEEP_ALIVE_GRACE_MS */
  keepAliveGraceMs?: number | undefined;
  /** Open connections at most; more are closed as soon as they are accepted. @default 4096 */
  maxConnections: number;
  /** Largest request line plus headers; past it node answers 431 and closes. @default 16384 */
  maxHeaderBytes: number;
  /**
   * Slowest body accepted, averaged from the request's start once the grace period has passed; a slower one is
   * answered 408 and closed. 0 turns the check off. @default 1024
   */
  minBodyBytesPerSecond: number;
  /** How long a body may be slower than the minimum before it counts. @default 10000 */
  bodyRateGraceMs?: number | undefined;
  /** Requests one connection may have unanswered at once (HTTP/1.1 pipelining); past it the connection is closed. @default MAX_PIPELINED_REQUESTS */
  maxPipelinedRequests?: number | undefined;
}

/**
 * Headers are under 16 KiB: even at 2G speeds (~5 KB/s) they arrive in a few seconds. 15 s allows for a slow
 * TLS-terminating hop and a lossy link, and cuts a header drip-feeder in at most 16 s (see the check interval).
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 15_000;
/**
 * The largest request is an 8 MiB base64 image plus 64 KiB: about 170 s at 50 KB/s (a slow 3G upload). 180 s
 * lets that through; a body dripped more slowly than that is cut.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 180_000;
/**
 * Longer than a call may wait for Tencent (FACEID_TIMEOUT_MS, 15 s by default), during which the socket is quiet;
 * short enough that a connection that stops sending anything mid-request is released soon.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Node's own default: reuse helps a client minting several tokens in a row; idle sockets cost a descriptor each. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * How much longer than the Keep-Alive timeout it states an idle connection is kept open. A client that reads that
 * header (undici, which is node's fetch, and node's agent) stops reusing a connection 1–2 s before the stated
 * timeout, by a timer of its event loop; when its loop is held up past that moment (encoding a large body, a long
 * garbage collection, a busy machine), it still sends its next request on the connection. Closed under that
 * request, the connection fails it with no answer ("fetch failed: write EPIPE"), a POST its client cannot safely
 * send again. Node itself keeps a connection a second past what it states, so an event loop held up for a few
 * seconds lost its request; 10 s more covers such stalls (node still adds its second: 16 s in all by default). An
 * idle connection costs a descriptor and a few KiB, and one that never sends a request is already kept for the
 * headers timeout (15 s).
 */
export const KEEP_ALIVE_GRACE_MS = 10_000;
/**
 * Well under the file-descriptor limits containers get (node raises its soft limit to the hard one, commonly
 * 65536 or more) while far above what 20 tokens per second per action need. Lower it where `ulimit -Hn` is small.
 */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** Node's default: room for a JWT of several KiB plus the usual headers. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/**
 * A body dripped at a byte a second defeats the idle timeout and would hold its connection for the whole request
 * timeout. 1 KiB/s is a tenth of a poor 2G upload, so no real client is near it, and it cuts a drip-feeder after
 * the grace period instead of after three minutes.
 */
export const DEFAULT_MIN_BODY_BYTES_PER_SECOND = 1024;
/** Time for TCP slow start and a mobile radio waking up before an upload is judged by its rate. */
export const DEFAULT_BODY_RATE_GRACE_MS = 10_000;

/** Every default, as one set of limits (what tests and embedders start from). */
export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
  minBodyBytesPerSecond: DEFAULT_MIN_BODY_BYTES_PER_SECOND,
};

/**
 * Header lines kept per request; node drops the rest unread. The gateway reads fewer than ten, and a browser
 * sends about twenty: 100 leaves room for proxies' additions while capping what a request can make node store.
 */
export const MAX_HEADERS_COUNT = 100;
/**
 * How often node looks for connections past the headers and request timeouts (its default is 30 s, which would
 * let a drip-feeder stay up to 30 s past the timeout). A pass walks the open connections: cheap at once a second.
 */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1000;

/**
 * Requests one connection may have unanswered at once. Node starts every request it parses from a socket read (up
 * to 64 KiB: about a thousand short GETs) before it waits for any answer, and answers pipelined requests in order,
 * so a client that writes requests without reading answers had a thousand requests per connection in the app at
 * once: 150 connections sending 8 MB in all ran a 512 MiB heap out of memory in 22 s. No browser or GraphQL client
 * pipelines (each waits for an answer, or opens another connection); 16 leaves room for a tool that does.
 */
export const MAX_PIPELINED_REQUESTS = 16;

/** The 'pipelineOverflow' event: a connection was closed for having more than this many requests unanswered. */
export const PIPELINE_OVERFLOW_EVENT = 'pipelineOverflow';

/**
 * Hands each request to `next`, unless its connection already has `maxUnanswered` requests unanswered: then the
 * connection is closed, and that request and every later one parsed from the same read are dropped without
 * reaching the app (node still emits them, one by one, after the socket is destroyed). The server emits
 * PIPELINE_OVERFLOW_EVENT once per closed connection. Counts live on the socket and go with it.
 */
function boundPipelining(server: Server, maxUnanswered: number, next: RequestListener): RequestListener {
  const unanswered = new WeakMap<Socket, number>();
  return (request, response) => {
    const { socket } = request;
    if (socket.destroyed) return;
    const count = (unanswered.get(socket) ?? 0) + 1;
    if (count > maxUnanswered) {
      socket.destroy();
      server.emit(PIPELINE_OVERFLOW_EVENT, maxUnanswered);
      return;
    }
    unanswered.set(socket, count);
    response.once('close', () => unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1));
    next(request, response);
  };
}

/**
 * Requests served between two polls for I/O at most. A refusal costs about half a millisecond of CPU and a minted
 * token about one, so however many requests wait, the sockets are polled again after 10–20 ms of serving them.
 */
export const MAX_REQUESTS_SERVED_PER_POLL = 16;

/**
 * Length at which the queue of requests waiting to be served is first swept of those whose client left; after a
 * sweep, the next comes at twice what is left. Requests are appended as node parses them and a client may leave
 * before its turn, so without sweeps the queue would hold every departed client's requests until their turn.
 */
export const MIN_WAITING_SWEEP_LENGTH = 1024;

/** A request listener that queues; `waiting` is how many requests it holds. */
export type QueuingRequestListener = RequestListener & { readonly waiting: number };

/**
 * Serves requests in the order they were read, at most `perPoll` between two polls for I/O, each from an immediate
 * of its own rather than from the socket read that parsed it.
 *
 * Why: node's poll phase runs the callback of every socket with data, in passes of up to 1,024, and goes on with
 * another pass while the last one was full (up to 48 passes) before it returns. With the whole request path inside
 * those callbacks, a flood of 1,200 clients retrying at once kept one poll phase running for up to 9 s, and whatever
 * only the next poll phase picks up waited that long. libuv adds a new socket to the set it polls only when a poll
 * phase starts: the connect of a new upstream connection was seen seconds late, granted requests left seconds late,
 * and 11–14 of Tencent's 20 a second reached it (`npm run bench:retry-flood`). Served from the check phase all at
 * once, the requests a poll phase read still held the next one back for a second: the shared budget's Redis
 * answers, read there, then came once a second, and 6–9 a second reached Tencent. In slices, the poll phase is left
 * with parsing and with the work that resumes on an answer (upstream, Redis), and the requests served between two
 * polls are bounded: upstream connects, upstream answers and Redis answers are seen as they come.
 *
 * Each request has an immediate of its own so that its promise continuations run before the next request starts
 * (node drains them between immediates); immediates queued while immediates run wait for the next loop iteration,
 * which polls first. Cost: one immediate per request, a few microseconds; no wait when the process is not busy.
 *
 * A request whose client left while it waited is dropped unserved, without taking a place in the slice: nobody
 * can read its answer, and a graceful shutdown has already counted its connection gone. The queue then holds the
 * live requests (at most the connection cap times the pipelining bound) and at most as many departed ones again,
 * or MIN_WAITING_SWEEP_LENGTH.
 */
export function serveBetweenPolls(app: RequestListener, perPoll: number, servedFirst: ReadonlySet<string> = new Set()): QueuingRequestListener {
  // Probes (GETs of the paths in `servedFirst`) wait in a queue of their own, and take turns with the others.
  let first: Array<[IncomingMessage, ServerResponse]> = [];
  let waiting: Array<[IncomingMessage, ServerResponse]> = [];
  let sweepAt = MIN_WAITING_SWEEP_LENGTH;
  let scheduled = 0;
  const isGone = ([request]: [IncomingMessage, ServerResponse]) => request.destroyed || request.socket.destroyed;
  const schedule = () => {
    const count = Math.min(first.length + waiting.length, perPoll) - scheduled;
    for (let index = 0; index < count; index += 1) setImmediate(serveNext);
    scheduled += Math.max(0, count);
  };
  const takeFrom = (queue: Array<[IncomingMessage, ServerResponse]>) => {
    let next = queue.shift();
    while (next && isGone(next)) next = queue.shift();
    return next;
  };
  // Probes and the other requests take turns while both wait: a probe waits one request at most, and probes sent
  // by the thousand (anyone may send them) take no more than half of the slots.
  let probeServedLast = false;
  const takeNext = () => {
    const probe = probeServedLast ? undefined : takeFrom(first);
    probeServedLast = probe !== undefined;
    return probe ?? takeFrom(waiting) ?? takeFrom(first);
  };
  function serveNext(): void {
    scheduled -= 1;
    const next = takeNext();
    // The last of a slice schedules the next: its immediates run after the next poll.
    if (scheduled === 0) schedule();
    if (next) app(next[0], next[1]);
  }
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    (servedFirst.size > 0 && isProbeRequest(request, servedFirst) ? first : waiting).push([request, response]);
    if (first.length + waiting.length >= sweepAt) {
      first = first.filter((entry) => !isGone(entry));
      waiting = waiting.filter((entry) => !isGone(entry));
      sweepAt = Math.max(MIN_WAITING_SWEEP_LENGTH, 2 * (first.length + waiting.length));
    }
    if (scheduled < perPoll) schedule();
  };
  return Object.defineProperty(listener, 'waiting', { get: () => first.length + waiting.length }) as QueuingRequestListener;
}

/** The 'invalidRequestUrl' event: a request was refused 400 because no URL can be built from its Host and target. */
export const INVALID_REQUEST_URL_EVENT = 'invalidRequestUrl';

/** What is wrong with a request whose URL cannot be built: its Host header, or its request target. */
export type RequestUrlProblem = 'host' | 'target';

const REQUEST_URL_PROBLEM_MESSAGES: Record<RequestUrlProblem, string> = {
  host: "The Host header is not a valid host: send the server's host name or IP address, with a port from 0 to 65535 if any.",
  target: 'The request target is not a valid URL path: send a path such as /graphql, with its query string percent-encoded.',
};

/**
 * Whether the app can build this request's URL, `http://<Host><target>`, as the WHATWG URL parser reads it; if
 * not, which part is at fault. The app's fetch adapter (@whatwg-node/server) builds that URL before graphql-yoga
 * sees the request, outside yoga's error masking: a Host such as `[x`, `a b` or `a:99999` made it answer 500 with
 * its stack trace (file paths of the bundle) in plain text. A request without Host (HTTP/1.0; node refuses
 * HTTP/1.1 without one) gets the listening address from the adapter, which always parses.
 */
export function requestUrlProblem(request: IncomingMessage): RequestUrlProblem | undefined {
  const { host } = request.headers;
  if (host === undefined || URL.canParse(`http://${host}${request.url ?? ''}`)) return undefined;
  return URL.canParse(`http://${host}/`) ? 'target' : 'host';
}

/**
 * Answers 400 BAD_REQUEST in the error contract's shape, naming the part at fault without repeating it, and
 * closes the connection: a client that sends a broken Host is not one whose later requests can be trusted to parse.
 */
function refuseRequestUrl(response: ServerResponse, problem: RequestUrlProblem): void {
  const { status, retryable } = ERROR_CODES.BAD_REQUEST;
  const body = JSON.stringify({ errors: [{ message: REQUEST_URL_PROBLEM_MESSAGES[problem], extensions: { code: 'BAD_REQUEST', retryable } }] });
  response.shouldKeepAlive = false;
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** Whether `request` is a GET or HEAD of one of `paths`, whatever its query string: a health probe. */
export function isProbeRequest(request: IncomingMessage, paths: ReadonlySet<string>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const url = request.url ?? '';
  const end = url.indexOf('?');
  return paths.has(end === -1 ? url : url.slice(0, end));
}

/**
 * Creates the HTTP server for `app` with `limits`; the caller listens. Waiting probes (GETs of `servedFirst`) take
 * turns with the other waiting requests rather than queueing behind them: behind a flood, a liveness probe that
 * timed out would have the orchestrator restart a gateway that is only busy, dropping every request it holds.
 */
export function createHttpServer(app: RequestListener, limits: HttpServerLimits, servedFirst: ReadonlySet<string> = new Set()): Server {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
  });
  const bounded = boundPipelining(server, limits.maxPipelinedRequests ?? MAX_PIPELINED_REQUESTS, serveBetweenPolls(app, MAX_REQUESTS_SERVED_PER_POLL, servedFirst));
  const graceMs = keepAliveGraceMs(limits);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs + graceMs;
  const isLingering = lingerAfterClosingAnswers(server);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // A request the client sent after the body a closing answer refused: never run (RFC 9112 §9.6).
    if (isLingering(request.socket)) return;
    if (graceMs > 0) stateKeepAliveTimeout(response, limits.keepAliveTimeoutMs);
    const problem = requestUrlProblem(request);
    if (problem === undefined) return void bounded(request, response);
    refuseRequestUrl(response, problem);
    server.emit(INVALID_REQUEST_URL_EVENT, problem);
  });
  // `Expect: 100-continue` asks whether to send the body. Node says yes to every such request before the app sees
  // it, inviting even a body the app will refuse on its headers (too large, a wrong type, CSRF); handled as a plain
  // request, the invitation is the body reader's to send (writeContinue, when it starts reading), and a request
  // refused first gets its refusal instead.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));
  // Any other expectation is answered 417 by node itself, which would state the keep-alive timeout with the grace.
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    stateKeepAliveTimeout(response, limits.keepAliveTimeoutMs);
    response.writeHead(417);
    response.end();
  });
  // Node hands a CONNECT (a proxy tunnel) to 'connect' listeners only, and with none it closes the socket without a
  // word; this is no proxy, so the client is told so.
  // Node no longer times such a socket out, and end() only closes this side: the socket is destroyed once the
  // answer is written, or after CONNECT_REFUSAL_LINGER_MS if the client does not read it.
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => undefined);
    const linger = setTimeout(() => socket.destroy(), CONNECT_REFUSAL_LINGER_MS);
    linger.unref();
    socket.end(CONNECT_REFUSAL, () => {
      clearTimeout(linger);
      socket.destroy();
    });
  });
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.maxConnections = limits.maxConnections;
  // With no 'timeout' listener, node destroys a socket idle for this long.
  server.setTimeout(limits.idleTimeoutMs);
  if (limits.minBodyBytesPerSecond > 0) guardBodyRate(server, limits.minBodyBytesPerSecond, limits.bodyRateGraceMs ?? DEFAULT_BODY_RATE_GRACE_MS);
  return server;
}

/**
 * The keep-alive grace `limits` allow: KEEP_ALIVE_GRACE_MS unless told otherwise, and never more than what the idle
 * timeout leaves after the keep-alive timeout (node adds its own second after both).
 */
export function keepAliveGraceMs(limits: HttpServerLimits): number {
  if (limits.keepAliveTimeoutMs === 0) return 0; // node then keeps idle connections until the idle timeout
  return Math.max(0, Math.min(limits.keepAliveGraceMs ?? KEEP_ALIVE_GRACE_MS, limits.idleTimeoutMs - limits.keepAliveTimeoutMs));
}

/**
 * Has `response`'s Keep-Alive header state `timeoutMs` rather than the server's keepAliveTimeout, which holds the
 * grace too. Node copies the server's value into this field of each response when it parses the request and writes
 * the header from it (and only when the connection is kept). Node 24's keepAliveTimeoutBuffer does the same
 * publicly; test/http-server.test.ts fails if a node stops reading the field.
 */
function stateKeepAliveTimeout(response: ServerResponse, timeoutMs: number): void {
  (response as ServerResponse & { _keepAliveTimeout: number })._keepAliveTimeout = timeoutMs;
}

/**
 * How long a connection whose closing answer went out while its request's body was still arriving is kept before
 * it is destroyed: time for the client to read the answer, however busy its event loop. @default 5000
 */
export const LINGER_AFTER_CLOSING_ANSWER_MS = 5_000;

/**
 * Closes a connection whose closing 413 answer went out before its request's body had arrived in two steps, as
 * nginx's lingering close does: the answer and a FIN are sent at once, and the socket is destroyed
 * LINGER_AFTER_CLOSING_ANSWER_MS later. Node destroyed it at once, and a socket closed with unread data answers the
 * client's next segment with a reset, which can reach the client before it has read the answer: node's fetch,
 * uploading a 9 MB body, got `EPIPE` instead of the 413 4 times in 10, and a router forwarding an image past the
 * limit reported an internal error instead of REQUEST_ENTITY_TOO_LARGE. Unlike nginx, the rest of the upload is not
 * read meanwhile: parsing it would cost what the body bounds spare (a body of a million one-byte chunks), and the
 * client's writes simply stall. Returns whether a socket lingers: a request parsed from it then is not to be run.
 */
function lingerAfterClosingAnswers(server: Server): (socket: Socket) => boolean {
  const latestRequest = new WeakMap<Socket, [IncomingMessage, ServerResponse]>();
  const lingering = new WeakSet<Socket>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!lingering.has(request.socket)) latestRequest.set(request.socket, [request, response]);
  });
  server.on('connection', (socket: Socket) => {
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      const [request, response] = latestRequest.get(socket) ?? [];
      // Only a body refused for its size: the other refusals mid-body keep their connection (an upload over the
      // held-body budget is read to its end) or are cut at once for what their rest would cost (too many pieces).
      if (!request || request.complete || response?.statusCode !== 413 || socket.destroyed || socket.readableEnded) return destroySoon();
      lingering.add(socket);
      socket.end();
      const linger = setTimeout(() => socket.destroy(), LINGER_AFTER_CLOSING_ANSWER_MS);
      linger.unref();
      socket.once('close', () => clearTimeout(linger));
      // Nothing more is read: parsing the rest of the upload would cost what the body bounds were set to spare (a
      // body of one-byte chunks), and the client needs only time to read the answer. A request node parsed from
      // what it had read already is one the server must not run (RFC 9112 §9.6): the returned check says so.
      socket.pause();
    };
  });
  return (socket) => lingering.has(socket);
}

/** Longest a refused CONNECT's socket is kept for its answer to be read. */
const CONNECT_REFUSAL_LINGER_MS = 5_000;

/** The answer to a CONNECT: this server tunnels nothing. */
const CONNECT_REFUSAL = 'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, OPTIONS\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** What node itself sends when a request times out. */
const REQUEST_TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

/**
 * Cuts requests whose body arrives slower than `minBytesPerSecond`. It samples the socket's byte count rather
 * than listening to the body, which the app reads: the check never changes how the body flows. Entries leave
 * the map when the body is complete or the socket is gone, so it holds at most one entry per open connection.
 */
function guardBodyRate(server: Server, minBytesPerSecond: number, graceMs: number): void {
  const uploads = new Map<IncomingMessage, { response: ServerResponse; startedAt: number; bytesReadAtStart: number }>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.socket.destroyed) return; // dropped by the pipelining bound, or its client is gone
    uploads.set(request, { response, startedAt: performance.now(), bytesReadAtStart: request.socket.bytesRead });
  });
  const timer = setInterval(() => {
    const now = performance.now();
    for (const [request, upload] of uploads) {
      const { socket } = request;
      if (request.complete || socket.destroyed) {
        uploads.delete(request);
        continue;
      }
      const elapsedMs = now - upload.startedAt;
      if (elapsedMs < graceMs || ((socket.bytesRead - upload.bytesReadAtStart) * 1000) / elapsedMs >= minBytesPerSecond) continue;
      uploads.delete(request);
      // As node does at its request timeout: the 408 goes out unless an answer has begun, then the socket closes.
      if (socket.writable && !upload.response.headersSent) socket.write(REQUEST_TIMEOUT_RESPONSE);
      socket.destroy();
    }
  }, CONNECTIONS_CHECK_INTERVAL_MS);
  timer.unref();
  server.once('close', () => clearInterval(timer));
}

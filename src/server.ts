/**
 * The process: reads the environment, starts the gateway, listens, and shuts down gracefully on SIGTERM/SIGINT.
 * The only file that touches process.env or the network port.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import { HEALTH_PROBE_PATHS } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createGateway } from './gateway.js';
import { INVALID_REQUEST_URL_EVENT, MAX_PIPELINED_REQUESTS, PIPELINE_OVERFLOW_EVENT, createHttpServer, isProbeRequest } from './http-server.js';
import { createLogger } from './logger.js';

/** How often draining checks whether every connection has finished. */
const DRAIN_POLL_MS = 50;
/** Connections refused at the cap are logged as one line per this period: a flood must not flood the log too. */
const DROPPED_CONNECTIONS_LOG_MS = 10_000;
/**
 * Connections the kernel may hold for accept(): Node's default (511) overflows when a burst opens thousands at
 * once, and each dropped handshake is retried by the client a whole second later, so a flood would be refused
 * seconds late instead of at once. The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/**
 * A warning for an event a flood repeats thousands of times: the first is logged at once, and the count of the
 * others, if any, at the end of DROPPED_CONNECTIONS_LOG_MS; then the next one is logged at once again.
 */
function warnOncePerPeriod(first: () => void, repeated: (count: number) => void): () => void {
  let count = 0;
  return () => {
    count += 1;
    if (count > 1) return;
    first();
    setTimeout(() => {
      if (count > 1) repeated(count);
      count = 0;
    }, DROPPED_CONNECTIONS_LOG_MS).unref();
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, { heapLimitBytes: getHeapStatistics().heap_size_limit });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`faceid-gateway cannot start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const gateway = await createGateway(config, logger);
  /**
   * Requests that came on a connection after an answer that closes it: RFC 9112 §9.6 says they must not be
   * processed, and node would run them and drop their answers (a token minted that nobody receives).
   */
  const afterClosingAnswer = new WeakSet<IncomingMessage>();
  const app: RequestListener = (request, response) => {
    if (!afterClosingAnswer.has(request)) gateway.app(request, response);
  };
  const server = createHttpServer(app, config.http, HEALTH_PROBE_PATHS);
  const { maxConnections } = config.http;
  server.on(
    'drop',
    warnOncePerPeriod(
      () => logger.warn({ maxConnections }, 'connection refused: HTTP_MAX_CONNECTIONS open connections reached'),
      (dropped) => logger.warn({ dropped, maxConnections, periodMs: DROPPED_CONNECTIONS_LOG_MS }, 'connections refused at HTTP_MAX_CONNECTIONS'),
    ),
  );
  const warnPipelining = warnOncePerPeriod(
    () => logger.warn({ maxPipelinedRequests: MAX_PIPELINED_REQUESTS }, 'connection closed: more pipelined requests unanswered than MAX_PIPELINED_REQUESTS'),
    (closed) => logger.warn({ closed, maxPipelinedRequests: MAX_PIPELINED_REQUESTS, periodMs: DROPPED_CONNECTIONS_LOG_MS }, 'connections closed for pipelining'),
  );
  server.on(PIPELINE_OVERFLOW_EVENT, () => {
    gateway.metrics.countRejection('pipelined_requests');
    warnPipelining();
  });
  // Answered before the app sees them (so without a request line in the log): counted, and a warning now and then.
  const warnInvalidUrl = warnOncePerPeriod(
    () => logger.warn('request refused: no URL can be built from its Host header and request target'),
    (refused) => logger.warn({ refused, periodMs: DROPPED_CONNECTIONS_LOG_MS }, 'requests refused for an invalid Host header or request target'),
  );
  server.on(INVALID_REQUEST_URL_EVENT, () => {
    gateway.metrics.countRejection('invalid_request_url');
    warnInvalidUrl();
  });
  let inFlight = 0;
  let stopping = false;
  /**
   * The responses each connection still owes, in the order its requests came. Draining, only the last of them says
   * Connection: close: node closes the connection once that response is written, and drops every response still
   * queued behind it, so a close on an earlier one lost the answers of the requests pipelined after it (tokens
   * minted, then never delivered).
   */
  const owedOnConnection = new WeakMap<Socket, Map<ServerResponse, () => void>>();
  /** The connections that owe at least one response, for the drain. */
  const owing = new Set<Map<ServerResponse, () => void>>();
  // Only the close this drain asked for is moved to a later response: one node decided (the client asked for it,
  // or spoke HTTP/1.0) stays.
  const closedByDrain = new WeakSet<ServerResponse>();
  const closeAfterLast = (owed: Map<ServerResponse, () => void>) => {
    let last: ServerResponse | undefined;
    for (const response of owed.keys()) {
      if (!response.headersSent && closedByDrain.delete(response)) response.shouldKeepAlive = true;
      last = response;
    }
    if (last && !last.headersSent && last.shouldKeepAlive) {
      last.shouldKeepAlive = false;
      closedByDrain.add(last);
    }
  };
  server.on('request', (request, response) => {
    // A request dropped by the pipelining bound never reaches the app; one whose socket closes before it is
    // answered ends with the socket (node emits no 'close' for the responses still queued behind it).
    const { socket } = request;
    if (socket.destroyed) return;
    inFlight += 1;
    // One 'close' listener per connection, not per request: more than ten on one socket (a connection may pipeline
    // MAX_PIPELINED_REQUESTS) make node print a leak warning for every such connection.
    let owed = owedOnConnection.get(socket);
    if (!owed) {
      const created = new Map<ServerResponse, () => void>();
      owedOnConnection.set(socket, created);
      socket.once('close', () => [...created.values()].forEach((end) => end()));
      owed = created;
    }
    const owedHere = owed;
    // An answer owed here already says Connection: close, for good: the one node decided (the client asked, or
    // spoke HTTP/1.0), or the drain's once written. The connection closes after it, so this request is never run.
    // (The drain's close on an answer not yet written moves to this request's instead, below.)
    for (const earlier of owedHere.keys()) {
      if (!earlier.shouldKeepAlive && (earlier.headersSent || !closedByDrain.has(earlier))) {
        afterClosingAnswer.add(request);
        return;
      }
    }
    const end = () => {
      if (!owedHere.delete(response)) return;
      inFlight -= 1;
      if (owedHere.size === 0) owing.delete(owedHere);
    };
    owedHere.set(response, end);
    owing.add(owedHere);
    response.once('close', end);
    // Draining, the connection's last response says Connection: close, so the client sends its next request to
    // another replica rather than on a connection that closes under it (a POST it could not safely retry).
    if (stopping) closeAfterLast(owedHere);
  });
  exitIfCannotListen(server, 'PORT', config.port, config.host);
  server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { port, upstream: gateway.facts.upstream, region: config.region, auth: config.auth.mode, maxHeldBodyBytes: config.maxHeldBodyBytes },
      `faceid-gateway listening on http://localhost:${port}/graphql`,
    );
    // Lines are written in batches: whoever waits for this one (an orchestrator, a test) should not wait for more.
    logger.flush();
  });

  const healthServer = config.healthPort === undefined ? undefined : listenForProbes(gateway.app, config, logger);

  /**
   * Stop taking connections, let every accepted request (including those queued in the throttle) finish within
   * SHUTDOWN_TIMEOUT_MS, then exit 0. Keep-alive sockets are closed as soon as they are idle so clients
   * reconnect elsewhere instead of sending to a closing process.
   */
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    for (const owed of owing) closeAfterLast(owed);
    gateway.setReady(false);
    logger.info({ signal, inFlight, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining in-flight requests');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = Date.now() + config.shutdownTimeoutMs;
    while (inFlight > 0 && Date.now() < deadline) {
      server.closeIdleConnections();
      await sleep(DRAIN_POLL_MS);
    }
    if (inFlight > 0) logger.warn({ inFlight }, 'shutdown deadline reached: closing the remaining connections');
    server.closeAllConnections();
    await closed;
    // Liveness holds, and readiness says no, until the last request has been answered.
    healthServer?.closeAllConnections();
    healthServer?.close();
    await gateway.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * Ends the process with one line naming the variable when `server` cannot listen (a port in use, or one it may not
 * bind), as a configuration error does, rather than with node's stack of an unhandled 'error' event.
 */
function exitIfCannotListen(server: Server, variable: 'PORT' | 'HEALTH_PORT', port: number, host: string): void {
  const onError = (error: NodeJS.ErrnoException) => {
    const why = error.code === 'EADDRINUSE' ? 'is in use' : error.code === 'EACCES' ? 'may not be bound by this process' : `cannot be bound (${error.code ?? error.message})`;
    process.stderr.write(`faceid-gateway cannot start. ${variable}: port ${port} on ${host} ${why}.\n`);
    process.exit(1);
  };
  server.once('error', onError);
  server.once('listening', () => server.off('error', onError));
}

/** Most connections the probe port keeps open: an orchestrator opens one or two at a time. */
const MAX_PROBE_CONNECTIONS = 64;

/**
 * The probe port (HEALTH_PORT): GET and HEAD of /health and /ready, answered by the app as on the main port; 404
 * for anything else, so that no GraphQL is served past the main port's limits. Node accepts one connection per turn
 * of its event loop: with thousands of connections waiting to be accepted on the main port, a probe there waited
 * behind all of them (over 20 s), while on a listening socket of its own it is accepted at the next turn.
 */
function listenForProbes(app: RequestListener, config: Config, logger: Logger): Server {
  const answerProbe: RequestListener = (request, response) => {
    if (isProbeRequest(request, HEALTH_PROBE_PATHS)) return void app(request, response);
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('This port answers only GET /health and GET /ready.\n');
  };
  // No keep-alive grace: a probe is a GET its prober simply sends again, and an idle connection kept for it would
  // hold one of the few MAX_PROBE_CONNECTIONS.
  const server = createHttpServer(answerProbe, { ...config.http, maxConnections: MAX_PROBE_CONNECTIONS, keepAliveGraceMs: 0 });
  exitIfCannotListen(server, 'HEALTH_PORT', config.healthPort!, config.host);
  server.listen({ port: config.healthPort, host: config.host }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.healthPort;
    logger.info({ port }, `health probes on http://localhost:${port}/health and /ready`);
    logger.flush();
  });
  return server;
}

void main();

/** GraphiQL, served on GET /graphql with every asset inlined: it works with no internet access. */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import { refusal } from './errors.js';

/** The operation GraphiQL opens with. */
export const GRAPHIQL_EXAMPLE_OPERATION = `# Mint a selfie verification SDK token. Press the run button.
mutation GetSelfieToken {
  getSelfieToken(input: { checkMode: LIVENESS, securityLevel: MOTION, actionList: [BLINK] }) {
    sdkToken
    requestId
    expiresAt
  }
}
`;

/** Yoga's GraphiQL options, and the plugin that delivers the page: off, or on with the offline renderer and the example operation. */
export function graphiqlOptions(enabled: boolean): Pick<YogaServerOptions<object, object>, 'graphiql' | 'renderGraphiQL'> & { plugins: Plugin[] } {
  if (!enabled) return { graphiql: false, plugins: [useGraphiQLOffNotice()] };
  const renderer = createPageRenderer();
  return {
    // Headers typed in GraphiQL are a bearer token or an API key more often than not: kept for the page's life only,
    // never in the browser's localStorage, where any script of the origin could read them after the tab is closed.
    graphiql: { title: 'faceid-gateway', defaultQuery: GRAPHIQL_EXAMPLE_OPERATION, shouldPersistHeaders: false },
    renderGraphiQL: renderer.render,
    plugins: [useGraphiQLDelivery(renderer.rendered)],
  };
}

/** What a browser opening the endpoint is told when GraphiQL is off. */
export const GRAPHIQL_OFF_MESSAGE =
  'This gateway does not serve GraphiQL (GRAPHIQL=false): send a GraphQL request instead, a POST of application/json {"query": …} or a GET with ?query=.';

/**
 * With GraphiQL off, a browser's GET of the endpoint (an HTML Accept, no operation) is told so, where yoga said
 * "Must provide query string.", which reads as a broken page rather than a switch.
 */
function useGraphiQLOffNotice(): Plugin {
  return {
    onRequestParse({ request, url }) {
      if (request.method !== 'GET' || !(request.headers.get('accept') ?? '').includes('text/html')) return;
      if (url.searchParams.has('query') || url.searchParams.has('extensions')) return;
      throw refusal('BAD_REQUEST', GRAPHIQL_OFF_MESSAGE);
    },
  };
}

/** The rendered page, with what a browser needs to cache it and the compressed forms it may ask for. */
interface RenderedPage {
  html: Buffer;
  /** A strong validator: the page's hash. */
  etag: string;
  gzip: () => Promise<Buffer>;
  brotli: () => Promise<Buffer>;
}

/** Compressed once, on the thread pool, when first asked for: 9 MB → 2.4 MB (gzip, 0.4 s), 1.9 MB (brotli, 1 s). */
function lazily(compress: () => Promise<Buffer>): () => Promise<Buffer> {
  let result: Promise<Buffer> | undefined;
  return () => {
    if (!result) {
      const started = compress();
      // A failed compression is tried again by the next request, not served as a failure for good.
      started.catch(() => {
        if (result === started) result = undefined;
      });
      result = started;
    }
    return result;
  };
}

function renderedPage(html: Buffer): RenderedPage {
  return {
    html,
    etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`,
    gzip: lazily(() => promisify(gzip)(html, { level: 9 })),
    brotli: lazily(() =>
      promisify(brotliCompress)(html, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: html.length } }),
    ),
  };
}

/** The content codings a request accepts, as `Accept-Encoding` lists them (q=0 refuses one). */
function acceptedEncodings(header: string | null): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').slice(0, 256).split(',')) {
    const [coding = '', ...parameters] = part.trim().toLowerCase().split(';');
    const refused = parameters.some((parameter) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(parameter));
    if (coding && !refused) accepted.add(coding.trim());
  }
  return accepted;
}

/**
 * Sends the GraphiQL page as a browser expects a 9 MB page: compressed when it accepts brotli or gzip, with an ETag
 * and `Cache-Control: no-cache`, so a return visit costs a 304 instead of the page, and with its charset. yoga
 * sends the rendered page as `text/html` with none of these: every visit took 9 MB, 3.5 s over loopback.
 */
function useGraphiQLDelivery(rendered: () => RenderedPage | undefined): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const page = rendered();
      if (!page || request.method !== 'GET' || response.headers.get('content-type') !== 'text/html') return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'text/html; charset=utf-8');
      headers.set('etag', page.etag);
      headers.set('cache-control', 'no-cache');
      headers.set('vary', 'Accept-Encoding');
      headers.delete('content-length');
      const validators = request.headers.get('if-none-match') ?? '';
      if (validators.split(',').some((validator) => validator.trim().replace(/^W\//, '') === page.etag || validator.trim() === '*')) {
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const accepted = acceptedEncodings(request.headers.get('accept-encoding'));
      const coding = accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : undefined;
      // The ponyfill's Response sends a buffer as it is, without a copy (see createPageRenderer).
      const send = (body: Buffer) => setResponse(new fetchAPI.Response(body as unknown as BodyInit, { status: 200, headers }));
      if (!coding) return send(page.html);
      const body = await (coding === 'br' ? page.brotli() : page.gzip());
      headers.set('content-encoding', coding);
      send(body);
    },
  };
}

/**
 * The page, rendered once and served as one shared buffer. The renderer inlines GraphiQL (a 9 MB module): it is
 * loaded when a browser first asks for the page, so a gateway that nobody explores never spends the start-up time
 * and memory on it. Rendered for each request, every GET cost 90 ms of CPU and a new 9 MB string, which node copied
 * again for each client that did not read it: 300 such clients ended a gateway with a 512 MB heap. A buffer is
 * written without a copy, so a client that does not read holds a reference, not a page.
 */
function createPageRenderer(): { render: NonNullable<YogaServerOptions<object, object>['renderGraphiQL']>; rendered: () => RenderedPage | undefined } {
  let page: { options: string; html: Promise<Buffer> } | undefined;
  let latest: RenderedPage | undefined;
  const render: NonNullable<YogaServerOptions<object, object>['renderGraphiQL']> = (options) => {
    // The options are the server's own (title, default query, endpoint), the same for every request; should they
    // ever differ, the page is rendered again rather than served stale.
    const key = JSON.stringify(options ?? {});
    if (page?.options !== key) {
      const html = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => Buffer.from(renderGraphiQL(options)));
      page = { options: key, html };
      latest = undefined;
      html.then(
        (body) => {
          if (page?.html === html) latest = renderedPage(body);
        },
        () => {
          if (page?.html === html) page = undefined;
        },
      );
    }
    // yoga passes what the renderer returns to a Response, which takes a buffer as it is and sends it as it is.
    return page.html as unknown as Promise<string>;
  };
  return { render, rendered: () => latest };
}

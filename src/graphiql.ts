/** GraphiQL, served on GET /graphql with every asset inlined: it works with no internet access. */
import type { YogaServerOptions } from 'graphql-yoga';

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

/** Yoga's GraphiQL options: off, or on with the offline renderer and the example operation. */
export function graphiqlOptions(enabled: boolean): Pick<YogaServerOptions<object, object>, 'graphiql' | 'renderGraphiQL'> {
  if (!enabled) return { graphiql: false };
  return {
    // Headers typed in GraphiQL are a bearer token or an API key more often than not: kept for the page's life only,
    // never in the browser's localStorage, where any script of the origin could read them after the tab is closed.
    graphiql: { title: 'faceid-gateway', defaultQuery: GRAPHIQL_EXAMPLE_OPERATION, shouldPersistHeaders: false },
    renderGraphiQL: createPageRenderer(),
  };
}

/**
 * The page, rendered once and served as one shared buffer. The renderer inlines GraphiQL (a 9 MB module): it is
 * loaded when a browser first asks for the page, so a gateway that nobody explores never spends the start-up time
 * and memory on it. Rendered for each request, every GET cost 90 ms of CPU and a new 9 MB string, which node copied
 * again for each client that did not read it: 300 such clients ended a gateway with a 512 MB heap. A buffer is
 * written without a copy, so a client that does not read holds a reference, not a page.
 */
function createPageRenderer(): NonNullable<YogaServerOptions<object, object>['renderGraphiQL']> {
  let page: { options: string; html: Promise<Buffer> } | undefined;
  return (options) => {
    // The options are the server's own (title, default query, endpoint), the same for every request; should they
    // ever differ, the page is rendered again rather than served stale.
    const key = JSON.stringify(options ?? {});
    if (page?.options !== key) {
      const html = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => Buffer.from(renderGraphiQL(options)));
      page = { options: key, html };
      html.catch(() => {
        if (page?.html === html) page = undefined;
      });
    }
    // yoga passes what the renderer returns to a Response, which takes a buffer as it is and sends it as it is.
    return page.html as unknown as Promise<string>;
  };
}

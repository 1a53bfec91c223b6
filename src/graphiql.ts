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
    // The renderer inlines GraphiQL (a 9 MB module): load it when a browser first asks for the page, so a gateway
    // that nobody explores never spends the start-up time and memory on it.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
  };
}

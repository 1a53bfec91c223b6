import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GENERATED_SDL_NOTICE, SCHEMA_ARTIFACTS } from '../scripts/schema-sdl.js';
import { createAuthenticator } from '../src/auth/authenticate.js';
import { API_KEYS, REQUIRED_AUTH, signToken } from './helpers/credentials.js';
import {
  GATEWAY_INFO_QUERY,
  ekycTokenRequest,
  graphqlRequest,
  selfieTokenRequest,
  startHarness,
  type GraphQLRequest,
  type Harness,
  type HarnessOptions,
} from './helpers/harness.js';
import { fetchSubgraphSdl, startAccountsSubgraph, startRouter, type AccountsSubgraph, type Router } from './helpers/router.js';

/** The gateway (on a real port), the accounts subgraph, and a router composed from both. */
interface RoutedGateway {
  harness: Harness;
  gatewayUrl: string;
  accounts: AccountsSubgraph;
  router: Router;
  close(): Promise<void>;
}

async function startRoutedGateway(options?: HarnessOptions): Promise<RoutedGateway> {
  const harness = await startHarness(options);
  const gatewayUrl = await harness.listen();
  const accounts = await startAccountsSubgraph();
  const router = await startRouter({ subgraphs: [{ name: 'faceid', url: gatewayUrl }, accounts] });
  return {
    harness,
    gatewayUrl,
    accounts,
    router,
    async close() {
      await router.close();
      await accounts.close();
      await harness.close();
    },
  };
}

interface RouterResponse {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** Sends one request to the router, as a client would. */
async function throughRouter(router: Router, request: GraphQLRequest, headers: Record<string, string> = {}): Promise<RouterResponse> {
  const response = await fetch(router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify(request),
  });
  return { status: response.status, body: (await response.json()) as RouterResponse['body'] };
}

describe('the gateway behind a router', () => {
  let stack: RoutedGateway;
  beforeAll(async () => {
    stack = await startRoutedGateway();
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.harness.emulator.clearRecords());

  it('serves over HTTP the subgraph SDL committed as schema/subgraph.graphql', async () => {
    const committed = readFileSync(new URL(`../${SCHEMA_ARTIFACTS.subgraph}`, import.meta.url), 'utf8');
    expect(`${GENERATED_SDL_NOTICE}\n${await fetchSubgraphSdl(stack.gatewayUrl)}\n`).toBe(committed);
  });

  it('composes with another subgraph into one supergraph', () => {
    const supergraph = buildSchema(stack.router.supergraphSdl);
    expect(Object.keys(supergraph.getQueryType()!.getFields()).sort()).toEqual(['accounts', 'ekycVerificationResult', 'gateway', 'me', 'selfieVerificationResult']);
    expect(Object.keys(supergraph.getMutationType()!.getFields()).sort()).toEqual(['applyEkycToken', 'getSelfieToken']);
  });

  it.each([
    ['getSelfieToken', selfieTokenRequest({ checkMode: 'LIVENESS' }), 'GetFaceIdTokenIntl'],
    ['applyEkycToken', ekycTokenRequest({ idCardType: 'PASSPORT' }), 'ApplySdkVerificationToken'],
  ])('mints a token with %s', async (field, request, action) => {
    const { emulator } = stack.harness;
    const response = await throughRouter(stack.router, request);
    expect(response.body.errors).toBeUndefined();
    const token = response.body.data![field] as { sdkToken: string; requestId: string; expiresAt: string };
    expect(token.sdkToken).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(emulator.requests.map((recorded) => recorded.action)).toEqual([action]);
    expect(token.requestId).toBe(emulator.requests[0]!.responseRequestId);
    expect(Date.parse(token.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('answers the GatewayInfo query exactly as the gateway does', async () => {
    const direct = await stack.harness.graphql(GATEWAY_INFO_QUERY);
    const routed = await throughRouter(stack.router, graphqlRequest(GATEWAY_INFO_QUERY));
    expect(direct.body.data?.gateway.upstream).toBe('EMULATOR');
    expect(routed.body).toEqual(direct.body);
  });

  it('answers one query from both subgraphs', async () => {
    const response = await throughRouter(stack.router, { query: '{ gateway { upstream region } me { id name } }' }, { authorization: 'Bearer any' });
    expect(response.body).toEqual({
      data: { gateway: { upstream: 'EMULATOR', region: 'ap-singapore' }, me: { id: 'account-1', name: 'Test Account' } },
    });
  });

  it('joins another subgraph\'s account to its eKYC result through the sdkToken entity key', async () => {
    const minted = await throughRouter(stack.router, ekycTokenRequest({}));
    const sdkToken = minted.body.data!.applyEkycToken.sdkToken as string;
    stack.accounts.linkKycVerification(sdkToken);
    stack.harness.emulator.completeVerification(sdkToken, 'SUCCESS');

    const response = await throughRouter(stack.router, { query: '{ me { name kycVerification { sdkToken outcome } } }' }, { authorization: 'Bearer any' });

    expect(response.body).toEqual({ data: { me: { name: 'Test Account', kycVerification: { sdkToken, outcome: 'SUCCESS' } } } });
    expect(stack.harness.emulator.requests.at(-1)!.action).toBe('GetSdkVerificationResult');
  });

  it('forwards Authorization, x-api-key and x-request-id to a subgraph, and no other header', async () => {
    const sent = { authorization: 'Bearer any', 'x-api-key': 'key-router-test', 'x-request-id': 'request-router-test' };
    const response = await throughRouter(stack.router, { query: '{ me { id } }' }, { ...sent, 'x-not-forwarded': 'private' });
    expect(response.body.data).toEqual({ me: { id: 'account-1' } });
    const received = stack.accounts.requests.at(-1)!;
    expect({ authorization: received.authorization, 'x-api-key': received['x-api-key'], 'x-request-id': received['x-request-id'] }).toEqual(sent);
    expect(received['x-not-forwarded']).toBeUndefined();
  });

  it.each<[failure: string, arrange: (harness: Harness) => void, request: GraphQLRequest, expected: (harness: Harness) => Record<string, unknown>]>([
    [
      'a Tencent InternalError that outlasts the retries',
      ({ emulator }) => emulator.scriptFault('GetFaceIdTokenIntl', { kind: 'tencentError', code: 'InternalError' }, { times: 3 }),
      selfieTokenRequest({}),
      ({ emulator }) => ({
        code: 'UPSTREAM_UNAVAILABLE',
        retryable: true,
        tencentCode: 'InternalError',
        requestId: emulator.requests.at(-1)!.responseRequestId,
      }),
    ],
    [
      'a Tencent rate limit that outlasts the retries',
      ({ emulator }) => emulator.scriptFault('GetFaceIdTokenIntl', { kind: 'tencentError', code: 'RequestLimitExceeded' }, { times: 3 }),
      selfieTokenRequest({}),
      ({ emulator }) => ({
        code: 'RATE_LIMITED',
        retryable: true,
        retryAfter: 1,
        tencentCode: 'RequestLimitExceeded',
        requestId: emulator.requests.at(-1)!.responseRequestId,
      }),
    ],
    [
      'the gateway\'s own validation',
      () => undefined,
      ekycTokenRequest({ checkMode: 'LIVENESS_AND_COMPARE' }),
      () => ({ code: 'BAD_USER_INPUT', retryable: false, field: 'input.compareImage' }),
    ],
  ])('keeps the error contract in extensions for %s', async (_failure, arrange, request, expected) => {
    arrange(stack.harness);
    const response = await throughRouter(stack.router, request);
    // The router answers HTTP 200 where the gateway answered 503 or 400, and adds the subgraph's name:
    // behind a router, clients must read `extensions`, which arrive intact.
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.extensions).toEqual({ ...expected(stack.harness), serviceName: 'faceid' });
    expect(response.body.data).toBeNull();
  });
});

describe('the gateway behind a router, with authentication required', () => {
  let stack: RoutedGateway;
  beforeAll(async () => {
    stack = await startRoutedGateway({ app: { authenticate: createAuthenticator(REQUIRED_AUTH) } });
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.harness.emulator.clearRecords());

  it.each<[caller: string, headers: () => Promise<Record<string, string>>, request: GraphQLRequest, field: string]>([
    ['an API key with faceid:selfie', async () => ({ 'x-api-key': API_KEYS.selfieBackend }), selfieTokenRequest({}), 'getSelfieToken'],
    ['a JWT with faceid:ekyc', async () => ({ authorization: `Bearer ${await signToken({ scope: 'faceid:ekyc' })}` }), ekycTokenRequest({}), 'applyEkycToken'],
  ])('mints a token for %s: the router forwarded the credentials', async (_caller, headers, request, field) => {
    const response = await throughRouter(stack.router, request, await headers());
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data![field].sdkToken).toMatch(/^[0-9A-F-]{36}$/);
    expect(stack.harness.emulator.requests).toHaveLength(1);
  });

  it.each<[caller: string, headers: Record<string, string>, request: GraphQLRequest, code: string]>([
    ['no credentials', {}, selfieTokenRequest({}), 'UNAUTHENTICATED'],
    ['an API key without faceid:ekyc', { 'x-api-key': API_KEYS.selfieBackend }, ekycTokenRequest({}), 'FORBIDDEN'],
  ])('refuses %s with the scope error in extensions', async (_caller, headers, request, code) => {
    const response = await throughRouter(stack.router, request, headers);
    expect(response.body.errors![0]!.extensions).toEqual({ code, retryable: false, serviceName: 'faceid' });
    expect(stack.harness.emulator.requests).toHaveLength(0);
  });

  it('logs the client\'s x-request-id, its operation name and the caller its forwarded API key names', async () => {
    await throughRouter(stack.router, selfieTokenRequest({}), { 'x-api-key': API_KEYS.selfieBackend, 'x-request-id': 'routed-request-1' });
    const logged = stack.harness.log.entries().find((entry) => entry.msg === 'request' && entry.requestId === 'routed-request-1');
    expect(logged).toMatchObject({ caller: 'key:selfie-backend', operation: 'GetSelfieToken', status: 200 });
  });
});

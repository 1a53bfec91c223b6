/**
 * What a Federation router in front of the gateway must deliver to its clients: composition by introspecting the
 * subgraphs, a mutation routed with the caller's credentials, a query spanning the gateway and a second subgraph,
 * and the gateway's errors with `code`, `retryable` and `field` (or `retryAfter`) intact. Each router's test file
 * provides how to start it over the running gateway process and the accounts subgraph; the tests are defined once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  COMPAT_OPERATIONS,
  INVALID_SELFIE_FIELD,
  INVALID_SELFIE_INPUT,
  RATE_LIMIT_BURST,
  SDK_TOKEN,
  startCompatGateway,
  type CompatGateway,
} from './compat-gateway.js';
import { ACCOUNTS_PAGE_LENGTH, startAccountsSubgraph, type AccountsSubgraph, type SubgraphEndpoint } from './router.js';

/** A router started for the contract. */
export interface RouterUnderTest {
  /** The router's GraphQL endpoint. */
  url: string;
  close(): Promise<void>;
}

interface RoutedResponse {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** Defines the router contract's tests; `start` composes a router over the subgraphs (gateway first). */
export function defineRouterContract(start: (subgraphs: readonly SubgraphEndpoint[]) => Promise<RouterUnderTest>): void {
  let gateway: CompatGateway;
  let accounts: AccountsSubgraph;
  let router: RouterUnderTest;

  beforeAll(async () => {
    gateway = await startCompatGateway();
    accounts = await startAccountsSubgraph();
    router = await start([{ name: 'faceid', url: gateway.url }, accounts]);
  }, 60_000);
  afterAll(async () => {
    await router?.close();
    await accounts?.close();
    await gateway?.close();
  });

  /** Sends one request to the router as a plain client would (Accept: application/json). */
  async function send(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<RoutedResponse> {
    const response = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as RoutedResponse['body'] };
  }

  it('routes a mutation with the caller credentials and mints a token', async () => {
    const response = await send(COMPAT_OPERATIONS.ekyc, { input: {} }, gateway.trusted);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.applyEkycToken.sdkToken).toMatch(SDK_TOKEN);
  });

  it('answers a query spanning the gateway and the accounts subgraph', async () => {
    const response = await send('{ me { id name } gateway { upstream region } }', {}, gateway.trusted);
    expect(response.body).toEqual({
      data: { me: { id: 'account-1', name: 'Test Account' }, gateway: { upstream: 'EMULATOR', region: 'ap-singapore' } },
    });
  });

  it('keeps code, retryable and field of a validation error', async () => {
    const response = await send(COMPAT_OPERATIONS.selfie, { input: INVALID_SELFIE_INPUT }, gateway.trusted);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false, field: INVALID_SELFIE_FIELD });
  });

  it('keeps code and retryable of FORBIDDEN', async () => {
    const response = await send(COMPAT_OPERATIONS.ekyc, { input: {} }, gateway.selfieOnly);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', retryable: false });
  });

  // The results are read at FACEID_RATE_LIMIT (1 a second) with no queue: one read goes through, the others are
  // refused RATE_LIMITED, each on its own; the one read finds the token unknown (it was never minted).
  const RESULT_CODES = new Set(['SDK_TOKEN_UNKNOWN', 'RATE_LIMITED']);

  it(`resolves a page of ${ACCOUNTS_PAGE_LENGTH} accounts' verifications reference by reference, never refusing the router's batch`, async () => {
    accounts.linkKycVerification('F0000000-0000-4000-8000-000000000000');
    const response = await send('{ accounts { id kycVerification { sdkToken outcome } } }', {}, gateway.resultReader);
    expect(response.body.data?.accounts).toHaveLength(ACCOUNTS_PAGE_LENGTH);
    const codes = (response.body.errors ?? []).map((error) => error.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((code) => !RESULT_CODES.has(code as string))).toEqual([]);
  });

  it(`keeps code, retryable and retryAfter of RATE_LIMITED for the excess of ${RATE_LIMIT_BURST} concurrent mutations`, async () => {
    const responses = await Promise.all(
      Array.from({ length: RATE_LIMIT_BURST }, () => send(COMPAT_OPERATIONS.selfie, { input: {} }, gateway.trusted)),
    );
    const limited = responses.filter((response) => response.body.errors?.length);
    expect(limited.length).toBeGreaterThanOrEqual(RATE_LIMIT_BURST - 1);
    for (const response of limited) {
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfter: expect.any(Number) });
    }
  });
}

import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { parse, print } from 'graphql';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { GetSelfieTokenDocument } from '../schema/generated/graphql.js';
import { buildGateway } from '../scripts/build.js';
import { persistedOperationId } from '../src/protection/persisted-operations.js';
import { startFaceIdEmulator, type FaceIdEmulator } from '../src/emulator/index.js';
import { TEST_KEY_PAIR, selfieTokenRequest } from './helpers/harness.js';
import { spawnGateway, stopIfRunning, type GatewayProcess } from './helpers/gateway-process.js';
import { REDIS_URL, redisAnswers } from './helpers/redis.js';

let gateway: GatewayProcess | undefined;
let emulator: FaceIdEmulator | undefined;
afterEach(async () => {
  await stopIfRunning(gateway);
  await emulator?.close();
  gateway = undefined;
  emulator = undefined;
});

async function mintSelfieToken(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(selfieTokenRequest({ checkMode: 'LIVENESS' })),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
}

async function upstreamOf(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ gateway { upstream } }' }),
  });
  return ((await response.json()) as { data: { gateway: { upstream: string } } }).data.gateway.upstream;
}

describe('the gateway process', () => {
  it('refuses to start in production without credentials, naming TENCENTCLOUD_SECRET_ID', async () => {
    gateway = spawnGateway({ NODE_ENV: 'production', PORT: '0', ALLOW_UNAUTHENTICATED: 'true' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('faceid-gateway cannot start. Invalid configuration:');
    expect(gateway.stderr()).toContain('TENCENTCLOUD_SECRET_ID');
    expect(gateway.stderr()).not.toMatch(/\n\s+at /);
  });

  it('lists every configuration problem at once and prints no secret', async () => {
    gateway = spawnGateway({ PORT: 'eighty', FACEID_RATE_LIMIT: '0', TENCENTCLOUD_SECRET_KEY: 'do-not-print-this-key' });
    expect(await gateway.exited).toBe(1);
    const stderr = gateway.stderr();
    expect(stderr).toContain('PORT must be a whole number');
    expect(stderr).toContain('FACEID_RATE_LIMIT must be a whole number');
    expect(stderr).toContain('TENCENTCLOUD_SECRET_ID is required when TENCENTCLOUD_SECRET_KEY is set');
    expect(stderr).not.toContain('do-not-print-this-key');
  });

  it.each(['PORT', 'HEALTH_PORT'])('says in one line, without a stack, that %s is in use', async (variable) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as AddressInfo).port);
    try {
      gateway = spawnGateway({ HOST: '127.0.0.1', PORT: '0', [variable]: port });
      expect(await gateway.exited).toBe(1);
      expect(gateway.stderr()).toContain(`faceid-gateway cannot start. ${variable}: port ${port} on 127.0.0.1 is in use.`);
      expect(gateway.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it('runs on the built-in emulator without credentials, says so loudly, and stops cleanly on SIGTERM', async () => {
    gateway = spawnGateway({ PORT: '0' });
    const port = await gateway.listening;
    const warning = gateway
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((entry) => entry.msg.startsWith('EMULATOR MODE'));
    expect(warning?.level).toBe(40);

    const { status, body } = await mintSelfieToken(port);
    expect(status).toBe(200);
    expect(body.data.getSelfieToken.sdkToken).toMatch(/^[0-9A-F-]{36}$/);
    expect(await upstreamOf(port)).toBe('EMULATOR');
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('sizes the held-body budget to the heap it is given, and says so in the listening line', async () => {
    gateway = spawnGateway({ PORT: '0', NODE_OPTIONS: '--max-old-space-size=512' });
    await gateway.listening;
    const listening = gateway
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; maxHeldBodyBytes?: number })
      .find((entry) => entry.msg.startsWith('faceid-gateway listening'));
    // An eighth of V8's limit for a 512 MiB old space (560 MiB with the young generation).
    expect(listening?.maxHeldBodyBytes).toBe(70 * 2 ** 20);
  });

  it('uses Tencent (here an emulator standing in for it) when credentials are given, even in production', async () => {
    emulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }] });
    gateway = spawnGateway({
      NODE_ENV: 'production',
      PORT: '0',
      TENCENTCLOUD_SECRET_ID: TEST_KEY_PAIR.secretId,
      TENCENTCLOUD_SECRET_KEY: TEST_KEY_PAIR.secretKey,
      FACEID_ENDPOINT: emulator.url,
      ALLOW_UNAUTHENTICATED: 'true',
    });
    const port = await gateway.listening;
    expect(gateway.stdout()).not.toContain('EMULATOR MODE');
    const { body } = await mintSelfieToken(port);
    expect(body.data.getSelfieToken.sdkToken).toBeTruthy();
    expect(emulator.requests).toHaveLength(1);
    expect(await upstreamOf(port)).toBe('CUSTOM_ENDPOINT');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });
});

describe('the compiled gateway (what npm start runs)', () => {
  it('builds to dist/server.js and serves from there: health, a minted token, persisted operations, GraphiQL and the shared budget', async () => {
    await buildGateway();
    emulator = await startFaceIdEmulator({ keyPairs: [{ ...TEST_KEY_PAIR }] });
    const upstream = {
      PORT: '0',
      TENCENTCLOUD_SECRET_ID: TEST_KEY_PAIR.secretId,
      TENCENTCLOUD_SECRET_KEY: TEST_KEY_PAIR.secretKey,
      FACEID_ENDPOINT: emulator.url,
    };
    gateway = spawnGateway(upstream, 'compiled');
    const port = await gateway.listening;
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const { body } = await mintSelfieToken(port);
    expect(body.data.getSelfieToken.sdkToken).toBeTruthy();
    // GraphiQL's renderer is a chunk of its own, loaded on the first page view.
    const page = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('faceid-gateway');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    // schema/operations is read from disk at start-up: the path must resolve from dist/ as it does from src/.
    gateway = spawnGateway({ ...upstream, PERSISTED_OPERATIONS_ONLY: 'true' }, 'compiled');
    const persistedPort = await gateway.listening;
    const hash = persistedOperationId(parse(print(GetSelfieTokenDocument)));
    const persisted = await fetch(`http://127.0.0.1:${persistedPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { input: {} }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    expect(((await persisted.json()) as { data: { getSelfieToken: { sdkToken: string } } }).data.getSelfieToken.sdkToken).toBeTruthy();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);

    // ioredis is loaded only when a shared budget is configured: it is in a chunk of its own, not in server.js.
    const bundled = (file: string) => readFileSync(`dist/${file}`, 'utf8').includes('node_modules/ioredis/');
    expect(bundled('server.js')).toBe(false);
    expect(readdirSync('dist').filter((file) => file.endsWith('.js') && bundled(file))).toEqual([expect.stringMatching(/^shared-budget-\w+\.js$/)]);
    if (!(await redisAnswers())) {
      if (process.env.CI) throw new Error(`CI must run this test, but Redis does not answer at ${REDIS_URL}`);
      console.warn(`Skipping the compiled gateway's shared budget: no Redis at ${REDIS_URL}`);
      return;
    }
    gateway = spawnGateway({ ...upstream, FACEID_SHARED_BUDGET_REDIS_URL: REDIS_URL }, 'compiled');
    const sharedPort = await gateway.listening;
    const before = Date.now();
    expect((await mintSelfieToken(sharedPort)).body.data.getSelfieToken.sdkToken).toBeTruthy();
    const redis = new Redis(REDIS_URL);
    try {
      // The slot the token took, on Redis's clock: the budget was in force, not the local fallback.
      expect(Number(await redis.get('faceid-gateway:budget:GetFaceIdTokenIntl'))).toBeGreaterThan(before);
    } finally {
      redis.disconnect();
    }
    expect(gateway.stdout()).not.toContain('did not answer');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });
});


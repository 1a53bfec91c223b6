/** Query.gateway: what a client needs to know before it asks for a token. */
import type { GatewayFacts } from '../context.js';
import {
  EKYC_TOKEN_TTL_SECONDS,
  MAX_EXTRA_BYTES,
  MAX_IMAGE_BASE64_LENGTH,
  MAX_LIVENESS_ACTIONS,
  RETRY_LIMIT_RANGE,
  SELFIE_TOKEN_TTL_SECONDS,
} from '../faceid/requests.js';
import { builder } from './builder.js';

const UpstreamEnum = builder.enumType('Upstream', {
  description: 'Where the gateway obtains tokens.',
  values: {
    TENCENT_CLOUD: { description: 'Tencent Cloud FaceID at its public endpoint: tokens work with the real SDK.' },
    CUSTOM_ENDPOINT: {
      description:
        'An endpoint set by FACEID_ENDPOINT that speaks Tencent\'s protocol: a proxy or private endpoint of Tencent Cloud, or a standalone FaceID emulator.',
    },
    EMULATOR: {
      description: 'The built-in FaceID emulator (development only): tokens are well-formed but the real SDK rejects them.',
    },
  } as const,
});

const TokenLimits = builder.objectRef<GatewayFacts>('TokenLimits').implement({
  description: 'The limits the gateway enforces before calling Tencent; check them client-side to fail fast.',
  fields: (t) => ({
    maxImageBase64Length: t.int({
      description: 'Largest `image` / `compareImage`, in base64 characters.',
      resolve: () => MAX_IMAGE_BASE64_LENGTH,
    }),
    maxExtraBytes: t.int({ description: 'Largest `extra`, in UTF-8 bytes.', resolve: () => MAX_EXTRA_BYTES }),
    maxActions: t.int({ description: 'Most actions in `actionList`.', resolve: () => MAX_LIVENESS_ACTIONS }),
    minRetryLimit: t.int({ description: 'Smallest `retryLimit`.', resolve: () => RETRY_LIMIT_RANGE.min }),
    maxRetryLimit: t.int({ description: 'Largest `retryLimit`.', resolve: () => RETRY_LIMIT_RANGE.max }),
    requestsPerSecondPerMutation: t.exposeInt('rateLimitPerSecond', {
      description: 'Tokens this gateway mints per second for each mutation; beyond it callers queue briefly, then get RATE_LIMITED.',
    }),
    selfieTokenLifetimeSeconds: t.int({
      description: 'Lifetime of a selfie SDK token.',
      resolve: () => SELFIE_TOKEN_TTL_SECONDS,
    }),
    ekycTokenLifetimeSeconds: t.int({ description: 'Lifetime of an eKYC SDK token.', resolve: () => EKYC_TOKEN_TTL_SECONDS }),
  }),
});

const Gateway = builder.objectRef<GatewayFacts>('Gateway').implement({
  description: 'This gateway: where its tokens come from and the limits it enforces.',
  fields: (t) => ({
    upstream: t.expose('upstream', { type: UpstreamEnum, description: 'Whether tokens come from Tencent Cloud or the emulator.' }),
    region: t.exposeString('region', { description: 'Tencent Cloud region the tokens are minted in, e.g. ap-singapore.' }),
    limits: t.field({ type: TokenLimits, description: 'Input limits and token lifetimes.', resolve: (facts) => facts }),
  }),
});

builder.queryType({
  description:
    'Reads. `gateway` costs no Tencent request; each verification result field (backends only) costs one.',
  fields: (t) => ({
    gateway: t.field({
      type: Gateway,
      description: 'Facts about this gateway. Costs no Tencent request.',
      resolve: (_root, _args, context) => context.facts,
    }),
  }),
});

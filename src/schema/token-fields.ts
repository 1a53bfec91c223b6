/** Fields that the selfie and the eKYC schema share: the liveness options and the token payload. */
import type { InputFieldBuilder, SchemaTypes } from '@pothos/core';
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { isGatewayError, toGraphQLError } from '../errors.js';
import type { CallOptions, IssuedToken } from '../faceid/client.js';
import { MAX_EXTRA_BYTES, MAX_IMAGE_BASE64_LENGTH, RETRY_LIMIT_RANGE } from '../faceid/requests.js';
import { builder } from './builder.js';
import { ActionEnum, CheckModeEnum, SdkVersionEnum, SecurityLevelEnum } from './enums.js';
import { DateTime } from './scalars.js';

/** How an image field must be sent; shared by `image` and `compareImage`. */
export const IMAGE_FORMAT_DESCRIPTION = `Standard base64 of a JPEG, PNG or BMP photo, at most ${MAX_IMAGE_BASE64_LENGTH} base64 characters (about 6 MiB of image). A \`data:image/...;base64,\` prefix, as FileReader.readAsDataURL produces, is accepted and stripped.`;

/** The liveness options both token inputs take. */
export function livenessInputFields<Types extends SchemaTypes>(
  t: InputFieldBuilder<Types, 'InputObject'>,
  checkModeDescription: string,
) {
  return {
    checkMode: t.field({ type: CheckModeEnum, description: checkModeDescription }),
    securityLevel: t.field({
      type: SecurityLevelEnum,
      description: 'How liveness is detected. Default MOTION_AND_REFLECTION (Tencent\'s default).',
    }),
    actionList: t.field({
      type: [ActionEnum],
      description:
        'One or two distinct actions, in the order the user performs them. Only with securityLevel MOTION or MOTION_AND_REFLECTION. Default: Tencent picks BLINK.',
    }),
    extra: t.string({
      description: `Your own pass-through value, returned with the verification result (at most ${MAX_EXTRA_BYTES} bytes in UTF-8). Default none.`,
    }),
    sdkVersion: t.field({ type: SdkVersionEnum, description: 'SDK edition the token is for. Default BASIC.' }),
    retryLimit: t.int({
      description: `How many times the user may retry liveness, ${RETRY_LIMIT_RANGE.min}–${RETRY_LIMIT_RANGE.max}. Default ${RETRY_LIMIT_RANGE.max}.`,
    }),
  };
}

/** Declares a token payload type; both token types have the same shape but are distinct in the contract. */
export function tokenPayloadType(name: string, description: string, lifetime: string) {
  return builder.objectRef<IssuedToken>(name).implement({
    description,
    fields: (t) => ({
      sdkToken: t.exposeString('sdkToken', {
        description: 'The SDK token to pass to the Tencent FaceID SDK, and later to the result API. Valid for one verification.',
      }),
      requestId: t.exposeString('requestId', {
        description: "Tencent's RequestId of the call that minted the token; quote it to Tencent support.",
      }),
      expiresAt: t.expose('expiresAt', {
        type: DateTime,
        description: `When the token expires: ${lifetime} after the gateway sent the request (a conservative bound).`,
      }),
    }),
  });
}

/**
 * Runs one FaceID call (a token mint or a result read) for the caller: passes the caller's id (fairness) and abort signal (a caller that
 * leaves while queued spends no slot), records Tencent's RequestId for the request log, and turns a gateway
 * error into its GraphQL error. Thrown from the resolver, a GraphQLError without an `originalError` passes
 * yoga's masking untouched (and unlogged: it is expected, not a bug). Pass the resolver's `info` so the error
 * carries its field's location and path.
 */
export async function resolveFaceIdCall<T extends { requestId: string }>(
  context: GatewayContext,
  call: (options: CallOptions) => Promise<T>,
  info?: GraphQLResolveInfo,
): Promise<T> {
  try {
    const answer = await call({ signal: context.request.signal, callerId: context.caller.id, holdAnswer: context.holdAnswer });
    context.trace.tencentRequestIds.push(answer.requestId);
    return answer;
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    if (error.requestId) context.trace.tencentRequestIds.push(error.requestId);
    // Located at the field already, so graphql-js reports it as is instead of wrapping it in another error.
    throw toGraphQLError(error, info ? { nodes: info.fieldNodes, path: responsePathAsArray(info.path) } : {});
  }
}

/**
 * The action-handler registry: one entry per Tencent action, each a parameter table (seed 000 / 001 and
 * faceid-api.md, with the exact wire types), the rules that span parameters, and the answer it produces.
 * The token actions remember what they mint in a VerificationStore; the result actions read it back.
 */
import { MAX_EXTRA_BYTES } from '../faceid/requests.js';
import { FaceIdAction } from '../faceid/wire.js';
import { apiFailure, createSdkToken, type ApiFailure } from './envelope.js';
import type { VerificationKind, VerificationStore } from './verifications.js';
import { validateParameters, type ParameterRule, type ParameterSchema, type ParameterValues } from './parameters.js';

/** How one action checks its parameters and what it answers. */
export interface ActionHandler {
  /** The action's parameter table: every key a request may send, with its wire type and constraints. */
  readonly parameters: ParameterSchema;
  /** Rules that span parameters, run once every parameter passed its own rule. */
  readonly crossCheck?: (params: ParameterValues) => ApiFailure | undefined;
  /** The response fields, without RequestId (the envelope adds it). */
  readonly respond: (params: ParameterValues) => Record<string, unknown>;
}

/** Action name → handler. */
export type ActionRegistry = ReadonlyMap<string, ActionHandler>;

/** The outcome of running one action on a parsed body. */
export type ActionOutcome = { ok: true; fields: Record<string, unknown> } | { ok: false; failure: ApiFailure };

/**
 * A sibling FaceID API caps base64 images at 8 MB; GetFaceIdTokenIntl documents ImageSizeTooLarge without a
 * figure, so the emulator uses that cap, counted in base64 characters.
 */
export const MAX_IMAGE_BASE64_LENGTH = 8 * 1024 * 1024;

/**
 * Standard padded base64 without a `data:` prefix, which is what Tencent decodes. A flat character class plus a
 * length check, not a grouped pattern: images run to millions of characters and must not make the regex backtrack.
 */
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(value: string): boolean {
  return value.length % 4 === 0 && BASE64_PATTERN.test(value);
}

const LIVENESS_ACTIONS = ['blink', 'mouth', 'nod', 'shake'];

/** Seed 001's 21 document types, spelled as the API spells them (note `TaiWanIDCard`). */
export const ID_CARD_TYPES: readonly string[] = [
  'HK', 'ML', 'IndonesiaIDCard', 'PhilippinesVoteID', 'PhilippinesDrivingLicense', 'PhilippinesTinID',
  'PhilippinesSSSID', 'PhilippinesUMID', 'MLIDPassport', 'MacaoIDCard', 'ThailandIDCard', 'MainlandIDCard',
  'SingaporeIDCard', 'JapanIDCard', 'MLDrivingLicense', 'IndonesiaDrivingLicense', 'ThailandDrivingLicense',
  'SingaporeDrivingLicense', 'JapanDrivingLicense', 'TaiWanIDCard', 'HMTPermit',
];

/** A base64 photo. Messages name the parameter and its length, never its content. */
const base64Image: ParameterRule = {
  type: 'String',
  check: (value, name) => {
    const image = value as string;
    if (image.length > MAX_IMAGE_BASE64_LENGTH) {
      return apiFailure('FailedOperation.ImageSizeTooLarge', `The image in \`${name}\` is too large: ${image.length} base64 characters, the limit is ${MAX_IMAGE_BASE64_LENGTH}.`);
    }
    if (!isBase64(image)) {
      return apiFailure('FailedOperation.ImageDecodeFailed', `The image in \`${name}\` could not be decoded: send standard padded base64 without a \`data:\` prefix.`);
    }
    return undefined;
  },
};

/** `blink`, `mouth`, `nod`, `shake`: one or two distinct, comma-joined without spaces. */
const actionList: ParameterRule = {
  type: 'String',
  check: (value, name) => {
    const actions = (value as string).split(',');
    const valid =
      actions.length >= 1 &&
      actions.length <= 2 &&
      new Set(actions).size === actions.length &&
      actions.every((action) => LIVENESS_ACTIONS.includes(action));
    return valid
      ? undefined
      : apiFailure('InvalidParameterValue', `The value of \`${name}\` must be 1 or 2 distinct actions out of ${LIVENESS_ACTIONS.join(', ')}, comma-joined without spaces (e.g. "blink,mouth").`);
  },
};

/** The seeds: "takes effect only when the security level is 2 or 4; otherwise, the interface reports an error". */
function checkActionListLevel(params: ParameterValues, levelName: string, level: string | number): ApiFailure | undefined {
  if (params['ActionList'] === undefined || String(level) === '2' || String(level) === '4') return undefined;
  return apiFailure('InvalidParameterValue', `\`ActionList\` is only allowed when \`${levelName}\` is 2 or 4 (motion-based liveness); \`${levelName}\` is ${JSON.stringify(level)}.`);
}

/**
 * A photo that is "required when" another parameter has some value is optional to Tencent's API framework
 * (which would say MissingParameter), so the check is the action's own; the docs list only InvalidParameter
 * among these actions' business errors, so that is the code used.
 */
function requireImage(params: ParameterValues, imageName: string, because: string): ApiFailure | undefined {
  const image = params[imageName];
  if (typeof image === 'string' && image.length > 0) return undefined;
  return apiFailure('InvalidParameter', `\`${imageName}\` is required when ${because}.`);
}

/**
 * Extra, the caller's pass-through value: bounded as the gateway bounds it, since every minted token keeps its Extra
 * until it is forgotten (10,000 tokens of a 5 MiB Extra would be 50 GB).
 */
const extra: ParameterRule = {
  type: 'String',
  check: (value, name) =>
    Buffer.byteLength(value as string) > MAX_EXTRA_BYTES
      ? apiFailure('InvalidParameterValue', `The value of \`${name}\` must be at most ${MAX_EXTRA_BYTES} bytes in UTF-8.`)
      : undefined,
};

/** Seed 000: selfie verification SDK token. Note SecureLevel is a String here. */
const getFaceIdTokenIntl: Omit<ActionHandler, 'respond'> = {
  parameters: {
    CheckMode: { type: 'String', oneOf: ['liveness', 'compare'] },
    SecureLevel: { type: 'String', oneOf: ['1', '2', '3', '4'] },
    Image: base64Image,
    Extra: extra,
    ActionList: actionList,
    SdkVersion: { type: 'String', oneOf: ['BASIC', 'ENHANCED', 'PRO', 'PLUS'] },
    RetryLimit: { type: 'Integer', min: 1, max: 5 },
  },
  crossCheck: (params) =>
    (params['CheckMode'] === 'compare' ? requireImage(params, 'Image', '`CheckMode` is "compare"') : undefined) ??
    checkActionListLevel(params, 'SecureLevel', (params['SecureLevel'] as string | undefined) ?? '4'),
};

/** Seed 001: eKYC SDK token. Note SecurityLevel (not SecureLevel) and CheckMode are Integers here. */
const applySdkVerificationToken: Omit<ActionHandler, 'respond'> = {
  parameters: {
    CheckMode: { type: 'Integer', oneOf: [1, 2, 3] },
    SecurityLevel: { type: 'Integer', min: 1, max: 4 },
    IdCardType: { type: 'String', oneOf: ID_CARD_TYPES },
    CompareImage: base64Image,
    NeedVerifyIdCard: { type: 'Boolean' }, // deprecated, still in the seed's example: accepted and ignored
    DisableChangeOcrResult: { type: 'Boolean' },
    DisableCheckOcrWarnings: { type: 'Boolean' },
    Extra: extra,
    ActionList: actionList,
    // The docs give this action's SdkVersion no closed vocabulary, so only its type is checked.
    SdkVersion: { type: 'String' },
    RetryLimit: { type: 'Integer', min: 1, max: 5 },
    SelectedWarningCodes: { type: 'Array of Integer' },
    AllowExpiredDocument: { type: 'Boolean' },
    SkipResultPage: { type: 'Boolean' },
    SkipLaunchPage: { type: 'Boolean' },
    SkipOcrConfirmPage: { type: 'Boolean' },
    HideProgressBar: { type: 'Boolean' },
    AllowUploadPhoto: { type: 'Boolean' },
    EnableForgeryDetectionImages: { type: 'Boolean' },
    CardOcrDisplayFields: { type: 'Array of String' },
    MetaData: { type: 'String' },
  },
  crossCheck: (params) =>
    (params['CheckMode'] === 2 ? requireImage(params, 'CompareImage', '`CheckMode` is 2 (liveness + face comparison)') : undefined) ??
    checkActionListLevel(params, 'SecurityLevel', (params['SecurityLevel'] as number | undefined) ?? 4),
};

/** A token action that remembers each token it mints, with the parameters that shape its result. */
function minting(handler: Omit<ActionHandler, 'respond'>, kind: VerificationKind, store: VerificationStore): ActionHandler {
  return {
    ...handler,
    respond: (params) => {
      const sdkToken = createSdkToken();
      store.register(kind, sdkToken, params);
      return { SdkToken: sdkToken };
    },
  };
}

/**
 * GetFaceIdResultIntl / GetSdkVerificationResult: `SdkToken` is their one parameter. A token this emulator did
 * not mint for the matching token action is BizTokenIllegal; one past its result's retention, BizTokenExpired.
 */
function reading(kind: VerificationKind, store: VerificationStore): ActionHandler {
  return {
    parameters: { SdkToken: { type: 'String' } },
    crossCheck: (params) => store.check(kind, params['SdkToken']),
    respond: (params) => store.result(kind, params['SdkToken'] as string),
  };
}

/** The actions the emulator answers; the token store links the token actions to the result actions. */
export function createActionRegistry(store: VerificationStore): ActionRegistry {
  return new Map<string, ActionHandler>([
    [FaceIdAction.GetFaceIdTokenIntl, minting(getFaceIdTokenIntl, 'selfie', store)],
    [FaceIdAction.ApplySdkVerificationToken, minting(applySdkVerificationToken, 'ekyc', store)],
    [FaceIdAction.GetFaceIdResultIntl, reading('selfie', store)],
    [FaceIdAction.GetSdkVerificationResult, reading('ekyc', store)],
  ]);
}

/** Parses the body (a JSON object, else InvalidParameter), validates it, and produces the answer. */
export function runAction(handler: ActionHandler, body: Uint8Array): ActionOutcome {
  let params: unknown;
  try {
    params = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { ok: false, failure: apiFailure('InvalidParameter', 'The request body must be a UTF-8 JSON object.') };
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, failure: apiFailure('InvalidParameter', 'The request body must be a JSON object of the action\'s parameters.') };
  }
  const values = params as ParameterValues;
  const failure = validateParameters(handler.parameters, values) ?? handler.crossCheck?.(values);
  return failure ? { ok: false, failure } : { ok: true, fields: handler.respond(values) };
}

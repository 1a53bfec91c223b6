/**
 * Tencent's wire format: action names, API version, PascalCase parameters and the response envelope.
 * Nothing outside src/faceid and src/emulator speaks these names.
 */
import {
  InvalidInputError,
  RateLimitedError,
  SdkTokenExpiredError,
  SdkTokenUnknownError,
  UpstreamFailedError,
  UpstreamMisconfiguredError,
  UpstreamUnavailableError,
  type GatewayError,
} from '../errors.js';
import type {
  CheckMode,
  EkycTokenRequest,
  IdCardType,
  LivenessAction,
  SecurityLevel,
  SelfieTokenRequest,
} from './requests.js';

/** FaceID API 3.0 version shared by every action the gateway uses. */
export const FACEID_API_VERSION = '2018-03-01';
/** Service name: signed into the credential scope. */
export const FACEID_SERVICE = 'faceid';
/** The content type the gateway sends and signs (the official intl SDK sends the same). */
export const FACEID_CONTENT_TYPE = 'application/json';
/** @default the public international endpoint */
export const FACEID_DEFAULT_ENDPOINT = 'https://faceid.intl.tencentcloudapi.com';

/** Regions Tencent documents for the FaceID international token actions. */
export const FACEID_REGIONS = ['ap-singapore', 'ap-jakarta', 'ap-bangkok', 'ap-hongkong', 'sa-saopaulo'] as const;
export type FaceIdRegion = (typeof FACEID_REGIONS)[number];

/** The FaceID actions the gateway calls, by Tencent name. */
export const FaceIdAction = {
  /** Seed 000: selfie verification SDK token. */
  GetFaceIdTokenIntl: 'GetFaceIdTokenIntl',
  /** Seed 001: eKYC (document + selfie) SDK token. */
  ApplySdkVerificationToken: 'ApplySdkVerificationToken',
  /** The result of a selfie verification, by the SdkToken of GetFaceIdTokenIntl. */
  GetFaceIdResultIntl: 'GetFaceIdResultIntl',
  /** The result of an eKYC verification, by the SdkToken of ApplySdkVerificationToken. */
  GetSdkVerificationResult: 'GetSdkVerificationResult',
} as const;
export type FaceIdActionName = (typeof FaceIdAction)[keyof typeof FaceIdAction];
export const FACEID_ACTIONS: readonly FaceIdActionName[] = Object.values(FaceIdAction);

/** Selfie `CheckMode` strings; OCR is not a selfie mode (validation rejects it before this table is read). */
export const SELFIE_CHECK_MODE_WIRE: Record<Exclude<CheckMode, 'OCR_LIVENESS_AND_COMPARE'>, string> = {
  LIVENESS: 'liveness',
  LIVENESS_AND_COMPARE: 'compare',
};

/** eKYC `CheckMode` integers. */
export const EKYC_CHECK_MODE_WIRE: Record<CheckMode, number> = {
  OCR_LIVENESS_AND_COMPARE: 1,
  LIVENESS_AND_COMPARE: 2,
  LIVENESS: 3,
};

/** Security levels 1–4: the selfie action sends them as strings (`SecureLevel`), eKYC as integers (`SecurityLevel`). */
export const SECURITY_LEVEL_WIRE: Record<SecurityLevel, number> = {
  VIDEO: 1,
  MOTION: 2,
  REFLECTION: 3,
  MOTION_AND_REFLECTION: 4,
};

/** `ActionList` words. */
export const LIVENESS_ACTION_WIRE: Record<LivenessAction, string> = {
  BLINK: 'blink',
  MOUTH: 'mouth',
  NOD: 'nod',
  SHAKE: 'shake',
};

/** `IdCardType` strings of seed 001, spelled exactly as Tencent does (note `TaiWanIDCard`). */
export const ID_CARD_TYPE_WIRE: Record<IdCardType, string> = {
  HONG_KONG_ID_CARD: 'HK',
  MALAYSIA_ID_CARD: 'ML',
  INDONESIA_ID_CARD: 'IndonesiaIDCard',
  PHILIPPINES_VOTER_ID: 'PhilippinesVoteID',
  PHILIPPINES_DRIVING_LICENSE: 'PhilippinesDrivingLicense',
  PHILIPPINES_TIN_ID: 'PhilippinesTinID',
  PHILIPPINES_SSS_ID: 'PhilippinesSSSID',
  PHILIPPINES_UMID: 'PhilippinesUMID',
  PASSPORT: 'MLIDPassport',
  MACAO_ID_CARD: 'MacaoIDCard',
  THAILAND_ID_CARD: 'ThailandIDCard',
  MAINLAND_CHINA_ID_CARD: 'MainlandIDCard',
  SINGAPORE_ID_CARD: 'SingaporeIDCard',
  JAPAN_ID_CARD: 'JapanIDCard',
  MALAYSIA_DRIVING_LICENSE: 'MLDrivingLicense',
  INDONESIA_DRIVING_LICENSE: 'IndonesiaDrivingLicense',
  THAILAND_DRIVING_LICENSE: 'ThailandDrivingLicense',
  SINGAPORE_DRIVING_LICENSE: 'SingaporeDrivingLicense',
  JAPAN_DRIVING_LICENSE: 'JapanDrivingLicense',
  TAIWAN_ID_CARD: 'TaiWanIDCard',
  HONG_KONG_MACAO_TAIWAN_PERMIT: 'HMTPermit',
};

/** A Tencent request body: PascalCase keys, absent values left out (the SDKs drop nulls too). */
export type WirePayload = Record<string, string | number | boolean | readonly (string | number)[]>;

function compact(entries: Record<string, WirePayload[string] | null | undefined>): WirePayload {
  const payload: WirePayload = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value !== null && value !== undefined) payload[key] = value;
  }
  return payload;
}

function actionListWire(actions: readonly LivenessAction[] | null | undefined): string | undefined {
  return actions ? actions.map((action) => LIVENESS_ACTION_WIRE[action]).join(',') : undefined;
}

/** GetFaceIdTokenIntl body of a validated selfie request. */
export function toGetFaceIdTokenIntlPayload(request: SelfieTokenRequest): WirePayload {
  const checkMode = request.checkMode as keyof typeof SELFIE_CHECK_MODE_WIRE | null | undefined;
  return compact({
    CheckMode: checkMode ? SELFIE_CHECK_MODE_WIRE[checkMode] : undefined,
    SecureLevel: request.securityLevel ? String(SECURITY_LEVEL_WIRE[request.securityLevel]) : undefined,
    Image: request.image,
    Extra: request.extra,
    ActionList: actionListWire(request.actionList),
    SdkVersion: request.sdkVersion,
    RetryLimit: request.retryLimit,
  });
}

/** ApplySdkVerificationToken body of a validated eKYC request. */
export function toApplySdkVerificationTokenPayload(request: EkycTokenRequest): WirePayload {
  return compact({
    CheckMode: request.checkMode ? EKYC_CHECK_MODE_WIRE[request.checkMode] : undefined,
    SecurityLevel: request.securityLevel ? SECURITY_LEVEL_WIRE[request.securityLevel] : undefined,
    IdCardType: request.idCardType ? ID_CARD_TYPE_WIRE[request.idCardType] : undefined,
    CompareImage: request.compareImage,
    DisableChangeOcrResult: request.disableChangeOcrResult,
    DisableCheckOcrWarnings: request.disableCheckOcrWarnings,
    Extra: request.extra,
    ActionList: actionListWire(request.actionList),
    SdkVersion: request.sdkVersion,
    RetryLimit: request.retryLimit,
    SelectedWarningCodes: request.selectedWarningCodes,
    AllowExpiredDocument: request.allowExpiredDocument,
    SkipResultPage: request.skipResultPage,
    SkipLaunchPage: request.skipLaunchPage,
    SkipOcrConfirmPage: request.skipOcrConfirmPage,
    HideProgressBar: request.hideProgressBar,
    AllowUploadPhoto: request.allowUploadPhoto,
    EnableForgeryDetectionImages: request.enableForgeryDetectionImages,
    CardOcrDisplayFields: request.cardOcrDisplayFields,
    MetaData: request.metaData,
  });
}

/** The body of both result actions: the SdkToken is their only parameter. */
export function toResultPayload(sdkToken: string): WirePayload {
  return { SdkToken: sdkToken };
}

/** A token answer, in the gateway's terms. */
export interface TokenAnswer {
  sdkToken: string;
  requestId: string;
}

/** What Tencent said, read from the `{"Response": ...}` envelope. */
export type ParsedEnvelope =
  | { kind: 'token'; answer: TokenAnswer }
  | { kind: 'error'; code: string; message: string; requestId: string | undefined }
  | { kind: 'unparsable'; reason: string; requestId: string | undefined };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Any action's answer, read from the envelope: its `Response` object when it is not an error. */
export type ParsedResponse =
  | { kind: 'response'; response: Record<string, unknown>; requestId: string }
  | Exclude<ParsedEnvelope, { kind: 'token' }>;

/** Reads an HTTP 200 body of any action. Never throws: a body it cannot read is `unparsable`. */
export function parseResponseEnvelope(body: string): ParsedResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'unparsable', reason: 'the body is not JSON', requestId: undefined };
  }
  const response = isRecord(parsed) ? parsed.Response : undefined;
  if (!isRecord(response)) return { kind: 'unparsable', reason: 'the body has no Response object', requestId: undefined };
  const requestId = typeof response.RequestId === 'string' ? response.RequestId : undefined;
  if (isRecord(response.Error)) {
    const { Code, Message } = response.Error;
    return {
      kind: 'error',
      code: typeof Code === 'string' ? Code : 'Unknown',
      message: typeof Message === 'string' ? Message : '',
      requestId,
    };
  }
  if (requestId === undefined) return { kind: 'unparsable', reason: 'the Response has no RequestId', requestId };
  return { kind: 'response', response, requestId };
}

/** Reads an HTTP 200 body of a token action. Never throws: a body it cannot read is `unparsable`. */
export function parseTokenEnvelope(body: string): ParsedEnvelope {
  const parsed = parseResponseEnvelope(body);
  if (parsed.kind !== 'response') return parsed;
  const { response, requestId } = parsed;
  if (typeof response.SdkToken !== 'string' || response.SdkToken === '') {
    return { kind: 'unparsable', reason: 'the Response has no SdkToken or RequestId', requestId };
  }
  return { kind: 'token', answer: { sdkToken: response.SdkToken, requestId } };
}

/** How the gateway treats a Tencent error code. */
export type TencentErrorClass = 'input' | 'rateLimited' | 'transient' | 'misconfigured' | 'failed' | 'sdkTokenUnknown' | 'sdkTokenExpired';

/** The result actions' answer to an SdkToken they never issued (or issued for the other action). */
export const SDK_TOKEN_UNKNOWN_CODE = 'InvalidParameterValue.BizTokenIllegal';
/**
 * Tencent's answer to a request whose X-TC-Timestamp is over 5 minutes from its clock. The client signs again and
 * tries once more; repeated, it is the operator's clock (UPSTREAM_MISCONFIGURED, logged as an error).
 */
export const SIGNATURE_EXPIRED_CODE = 'AuthFailure.SignatureExpire';
/** The result actions' answer to an SdkToken whose result is no longer kept (72 h selfie, 3 days eKYC). */
export const SDK_TOKEN_EXPIRED_CODE = 'InvalidParameterValue.BizTokenExpired';

const INPUT_CODES = new Set([
  'MissingParameter',
  'UnknownParameter',
  'FailedOperation.ImageSizeTooLarge',
  'FailedOperation.ImageDecodeFailed',
  'RequestSizeLimitExceeded',
]);
const TRANSIENT_CODES = new Set(['ServiceUnavailable', 'ResourceUnavailable', 'ResourceInsufficient']);
const MISCONFIGURED_CODES = new Set(['UnsupportedRegion', 'InvalidAction', 'NoSuchVersion', 'IpNotInWhitelist']);

function hasPrefix(code: string, prefix: string): boolean {
  return code === prefix || code.startsWith(`${prefix}.`);
}

/** Classifies a Tencent error code; see docs/throttling.md and faceid-api.md. */
export function classifyTencentError(code: string): TencentErrorClass {
  if (code === SDK_TOKEN_UNKNOWN_CODE) return 'sdkTokenUnknown';
  if (code === SDK_TOKEN_EXPIRED_CODE) return 'sdkTokenExpired';
  if (hasPrefix(code, 'InvalidParameter') || hasPrefix(code, 'InvalidParameterValue') || INPUT_CODES.has(code)) {
    return 'input';
  }
  if (hasPrefix(code, 'RequestLimitExceeded') || code === 'FailedOperation.RequestLimitExceeded') return 'rateLimited';
  if (hasPrefix(code, 'InternalError') || TRANSIENT_CODES.has(code) || /^FailedOperation\.\w*SystemError$/.test(code)) {
    return 'transient';
  }
  // SignatureExpire is the gateway's clock, not the caller: an operator problem like the other AuthFailures (once
  // the client has signed again and been refused again).
  if (hasPrefix(code, 'AuthFailure') || hasPrefix(code, 'UnauthorizedOperation') || MISCONFIGURED_CODES.has(code)) {
    return 'misconfigured';
  }
  return 'failed';
}

/** Tencent sends no Retry-After; one second is its window, so that is when the next slot opens. */
const TENCENT_RATE_LIMIT_RETRY_AFTER_SECONDS = 1;
const MAX_FORWARDED_MESSAGE_LENGTH = 300;

/**
 * Tencent's message, fit for a client: bounded in length, with any long base64-looking run (an echoed image)
 * cut out, so no image byte can travel back in an error.
 */
export function sanitizeTencentMessage(message: string): string {
  const cleaned = message.replace(/[A-Za-z0-9+/=]{64,}/g, '[…]');
  return cleaned.length > MAX_FORWARDED_MESSAGE_LENGTH ? `${cleaned.slice(0, MAX_FORWARDED_MESSAGE_LENGTH)}…` : cleaned;
}

/** The gateway error for a Tencent error answer. */
export function tencentErrorToGatewayError(
  action: string,
  error: { code: string; message: string; requestId: string | undefined },
): GatewayError {
  const context = { action, tencentCode: error.code, requestId: error.requestId };
  const message = sanitizeTencentMessage(error.message);
  switch (classifyTencentError(error.code)) {
    case 'input':
      return new InvalidInputError(`Tencent Cloud rejected the request (${error.code}): ${message}`, context);
    case 'rateLimited':
      return new RateLimitedError(`Tencent Cloud's frequency limit for ${action} was reached (${error.code}); retry shortly.`, {
        ...context,
        retryAfterSeconds: TENCENT_RATE_LIMIT_RETRY_AFTER_SECONDS,
      });
    case 'transient':
      return new UpstreamUnavailableError(`Tencent Cloud had a transient failure (${error.code}); retry shortly.`, context);
    case 'misconfigured':
      return new UpstreamMisconfiguredError(`Tencent Cloud refused the gateway's configuration (${error.code}): ${message}`, context);
    case 'failed':
      return new UpstreamFailedError(`Tencent Cloud could not complete ${action} (${error.code}): ${message}`, context);
    // Tencent's own text is left out: it may quote the token, which is a bearer credential for the result.
    case 'sdkTokenUnknown':
      return new SdkTokenUnknownError(`Tencent Cloud knows no verification of this SDK token for ${action} (${error.code}).`, context);
    case 'sdkTokenExpired':
      return new SdkTokenExpiredError(`The verification result of this SDK token is no longer kept by Tencent Cloud (${error.code}).`, context);
  }
}

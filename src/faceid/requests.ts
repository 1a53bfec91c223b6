/**
 * The two token requests in the gateway's own terms, and the checks they must pass before any upstream call.
 *
 * Names here are the public GraphQL names (SCREAMING_SNAKE enum values, camelCase fields); the translation to
 * Tencent's wire format lives in wire.ts. Every rule throws an InvalidInputError naming the input field, so a
 * request that reaches the throttle is one Tencent is expected to accept.
 */
import { InvalidInputError } from '../errors.js';

export const CHECK_MODES = ['LIVENESS', 'LIVENESS_AND_COMPARE', 'OCR_LIVENESS_AND_COMPARE'] as const;
export type CheckMode = (typeof CHECK_MODES)[number];

export const SECURITY_LEVELS = ['VIDEO', 'MOTION', 'REFLECTION', 'MOTION_AND_REFLECTION'] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

export const LIVENESS_ACTIONS = ['BLINK', 'MOUTH', 'NOD', 'SHAKE'] as const;
export type LivenessAction = (typeof LIVENESS_ACTIONS)[number];

export const SDK_VERSIONS = ['BASIC', 'ENHANCED', 'PRO', 'PLUS'] as const;
export type SdkVersion = (typeof SDK_VERSIONS)[number];

export const ID_CARD_TYPES = [
  'HONG_KONG_ID_CARD',
  'MALAYSIA_ID_CARD',
  'INDONESIA_ID_CARD',
  'PHILIPPINES_VOTER_ID',
  'PHILIPPINES_DRIVING_LICENSE',
  'PHILIPPINES_TIN_ID',
  'PHILIPPINES_SSS_ID',
  'PHILIPPINES_UMID',
  'PASSPORT',
  'MACAO_ID_CARD',
  'THAILAND_ID_CARD',
  'MAINLAND_CHINA_ID_CARD',
  'SINGAPORE_ID_CARD',
  'JAPAN_ID_CARD',
  'MALAYSIA_DRIVING_LICENSE',
  'INDONESIA_DRIVING_LICENSE',
  'THAILAND_DRIVING_LICENSE',
  'SINGAPORE_DRIVING_LICENSE',
  'JAPAN_DRIVING_LICENSE',
  'TAIWAN_ID_CARD',
  'HONG_KONG_MACAO_TAIWAN_PERMIT',
] as const;
export type IdCardType = (typeof ID_CARD_TYPES)[number];

/** Security levels with which Tencent accepts an action list (motion-based liveness). */
export const SECURITY_LEVELS_WITH_ACTIONS: readonly SecurityLevel[] = ['MOTION', 'MOTION_AND_REFLECTION'];
/** Tencent's default security level for both actions. */
export const DEFAULT_SECURITY_LEVEL: SecurityLevel = 'MOTION_AND_REFLECTION';
/** How many liveness actions one check may ask for. */
export const MAX_LIVENESS_ACTIONS = 2;
/** Range of `retryLimit` accepted by Tencent. */
export const RETRY_LIMIT_RANGE = { min: 1, max: 5 } as const;
/** Largest `extra` in UTF-8 bytes. Seed 001 says "1,024 bits", which no pass-through field means; bytes it is. */
export const MAX_EXTRA_BYTES = 1024;
/**
 * Largest image, in base64 characters (about 6 MiB of JPEG). Tencent documents no limit for these two actions;
 * its sibling face APIs cap base64 images at 8 MiB, so larger images would be refused upstream anyway.
 */
export const MAX_IMAGE_BASE64_LENGTH = 8 * 1024 * 1024;
/**
 * Largest `metaData` in UTF-8 bytes. Tencent documents no limit for this SDK-configuration string; a
 * configuration is a few hundred bytes, so 8 KiB is beyond any honest request and far below the body limit.
 */
export const MAX_META_DATA_BYTES = 8 * 1024;
/** Most `cardOcrDisplayFields` entries: a document has a few dozen OCR fields at most. */
export const MAX_CARD_OCR_DISPLAY_FIELDS = 32;
/** Longest `cardOcrDisplayFields` entry: Tencent's field names are short identifiers (`Name`, `IDNumber`). */
export const MAX_CARD_OCR_FIELD_NAME_LENGTH = 64;
/** What a Tencent OCR field name looks like. */
const CARD_OCR_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Most `selectedWarningCodes` entries: Tencent's OCR warnings are about a dozen codes. */
export const MAX_SELECTED_WARNING_CODES = 32;
/** Range of Tencent's OCR warning codes (-9101 card border incomplete, -9102 photocopy, … all -9xxx). */
export const WARNING_CODE_RANGE = { min: -9999, max: -9000 } as const;
/** Lifetime of a selfie SDK token (seed 000). */
export const SELFIE_TOKEN_TTL_SECONDS = 10 * 60;
/**
 * Lifetime of an eKYC SDK token: 7,200 s in seed 001, the specification. Tencent's SDK models say 10 minutes
 * for the same field; the seed is followed, and the conflict is noted in docs/schema.md.
 */
export const EKYC_TOKEN_TTL_SECONDS = 7200;

/** Input of `getSelfieToken`; `null` means the same as absent (GraphQL allows both). */
export interface SelfieTokenRequest {
  checkMode?: CheckMode | null;
  securityLevel?: SecurityLevel | null;
  image?: string | null;
  extra?: string | null;
  actionList?: readonly LivenessAction[] | null;
  sdkVersion?: SdkVersion | null;
  retryLimit?: number | null;
}

/** Input of `applyEkycToken`; `null` means the same as absent. */
export interface EkycTokenRequest {
  checkMode?: CheckMode | null;
  securityLevel?: SecurityLevel | null;
  idCardType?: IdCardType | null;
  compareImage?: string | null;
  disableChangeOcrResult?: boolean | null;
  disableCheckOcrWarnings?: boolean | null;
  extra?: string | null;
  actionList?: readonly LivenessAction[] | null;
  sdkVersion?: SdkVersion | null;
  retryLimit?: number | null;
  selectedWarningCodes?: readonly number[] | null;
  allowExpiredDocument?: boolean | null;
  skipResultPage?: boolean | null;
  skipLaunchPage?: boolean | null;
  skipOcrConfirmPage?: boolean | null;
  hideProgressBar?: boolean | null;
  allowUploadPhoto?: boolean | null;
  enableForgeryDetectionImages?: boolean | null;
  cardOcrDisplayFields?: readonly string[] | null;
  metaData?: string | null;
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
/** `data:image/<type>[;<parameter>=<value>]…;base64,` (RFC 2397); scheme, type and parameters in any case. */
const IMAGE_DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]+(?:;[a-z0-9!#$&^_.+-]+=[^;,]*)*;base64,/i;

function reject(field: string, message: string): never {
  throw new InvalidInputError(`${field}: ${message}`, { field });
}

/**
 * Checks a base64 image and returns it without a `data:image/...;base64,` prefix, which browsers produce with
 * FileReader.readAsDataURL and Tencent does not accept. The message never contains image bytes.
 */
export function normalizeImage(field: string, value: string): string {
  let base64 = value;
  if (base64.slice(0, 5).toLowerCase() === 'data:') {
    if (!IMAGE_DATA_URL_PREFIX.test(base64)) {
      reject(field, 'a data: URL must be an image in base64 (data:image/<type>;base64,...)');
    }
    base64 = base64.slice(base64.indexOf(',') + 1);
  }
  if (base64.length === 0) reject(field, 'must not be empty');
  if (base64.length > MAX_IMAGE_BASE64_LENGTH) {
    reject(field, `is ${base64.length} base64 characters; the limit is ${MAX_IMAGE_BASE64_LENGTH} (about 6 MiB of image)`);
  }
  if (base64.length % 4 !== 0 || !BASE64_PATTERN.test(base64)) {
    reject(field, 'must be standard base64 (A-Z, a-z, 0-9, +, / with = padding; no line breaks, no base64url)');
  }
  // Canonical: the bits past the last byte are zero (`QR==` decodes as `QQ==` would). Only the last quantum can
  // hold such bits, so only it is decoded again, not the whole image.
  const tail = base64.slice(-4);
  if (Buffer.from(tail, 'base64').toString('base64') !== tail) {
    reject(field, 'must be canonical base64: its last characters carry bits past the end of the data (a truncated or hand-edited encoding)');
  }
  return base64;
}

function checkExtra(field: string, extra: string): void {
  const bytes = Buffer.byteLength(extra, 'utf8');
  if (bytes > MAX_EXTRA_BYTES) reject(field, `is ${bytes} bytes in UTF-8; the limit is ${MAX_EXTRA_BYTES}`);
}

function checkMetaData(field: string, metaData: string): void {
  const bytes = Buffer.byteLength(metaData, 'utf8');
  if (bytes > MAX_META_DATA_BYTES) reject(field, `is ${bytes} bytes in UTF-8; the limit is ${MAX_META_DATA_BYTES}`);
}

function checkCardOcrDisplayFields(field: string, names: readonly string[]): void {
  if (names.length > MAX_CARD_OCR_DISPLAY_FIELDS) reject(field, `lists ${names.length} fields; the limit is ${MAX_CARD_OCR_DISPLAY_FIELDS}`);
  names.forEach((name, index) => {
    const at = `${field}[${index}]`;
    if (name.trim() === '') reject(at, 'must not be empty');
    if (name.length > MAX_CARD_OCR_FIELD_NAME_LENGTH) reject(at, `is ${name.length} characters; the limit is ${MAX_CARD_OCR_FIELD_NAME_LENGTH}`);
    if (!CARD_OCR_FIELD_NAME.test(name)) reject(at, 'must be a Tencent OCR field name: a letter, then letters, digits or _');
  });
}

function checkSelectedWarningCodes(field: string, codes: readonly number[]): void {
  if (codes.length > MAX_SELECTED_WARNING_CODES) reject(field, `lists ${codes.length} codes; the limit is ${MAX_SELECTED_WARNING_CODES}`);
  codes.forEach((code, index) => {
    if (!Number.isInteger(code) || code < WARNING_CODE_RANGE.min || code > WARNING_CODE_RANGE.max) {
      reject(`${field}[${index}]`, `must be a Tencent OCR warning code, from ${WARNING_CODE_RANGE.min} to ${WARNING_CODE_RANGE.max}`);
    }
  });
  if (new Set(codes).size !== codes.length) reject(field, 'must not repeat a code');
}

function checkRetryLimit(field: string, retryLimit: number): void {
  if (!Number.isInteger(retryLimit) || retryLimit < RETRY_LIMIT_RANGE.min || retryLimit > RETRY_LIMIT_RANGE.max) {
    reject(field, `must be an integer from ${RETRY_LIMIT_RANGE.min} to ${RETRY_LIMIT_RANGE.max}`);
  }
}

function checkActionList(
  field: string,
  actions: readonly LivenessAction[],
  securityLevel: SecurityLevel,
  securityLevelField: string,
): void {
  if (actions.length === 0 || actions.length > MAX_LIVENESS_ACTIONS) {
    reject(field, `must list one or two actions, not ${actions.length}`);
  }
  if (new Set(actions).size !== actions.length) reject(field, 'must not repeat an action');
  if (!SECURITY_LEVELS_WITH_ACTIONS.includes(securityLevel)) {
    reject(
      field,
      `is only allowed when ${securityLevelField} is MOTION or MOTION_AND_REFLECTION (the default); it is ${securityLevel}`,
    );
  }
}

function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** Validates a selfie token request; returns it with images normalized. Throws InvalidInputError. */
export function validateSelfieTokenRequest(request: SelfieTokenRequest): SelfieTokenRequest {
  const checkMode = request.checkMode ?? 'LIVENESS';
  const securityLevel = request.securityLevel ?? DEFAULT_SECURITY_LEVEL;
  let image = request.image;
  if (checkMode === 'OCR_LIVENESS_AND_COMPARE') {
    reject(
      'input.checkMode',
      'OCR_LIVENESS_AND_COMPARE needs an identity document; use applyEkycToken for it (selfie checks take LIVENESS or LIVENESS_AND_COMPARE)',
    );
  }
  if (checkMode === 'LIVENESS_AND_COMPARE') {
    if (!present(image)) reject('input.image', 'is required when checkMode is LIVENESS_AND_COMPARE');
    image = normalizeImage('input.image', image);
  } else if (present(image)) {
    reject('input.image', `is only used when checkMode is LIVENESS_AND_COMPARE; checkMode is ${checkMode}, so the image was not sent`);
  }
  if (present(request.actionList)) checkActionList('input.actionList', request.actionList, securityLevel, 'input.securityLevel');
  if (present(request.retryLimit)) checkRetryLimit('input.retryLimit', request.retryLimit);
  if (present(request.extra)) checkExtra('input.extra', request.extra);
  return { ...request, image };
}

/** Validates an eKYC token request; returns it with images normalized. Throws InvalidInputError. */
export function validateEkycTokenRequest(request: EkycTokenRequest): EkycTokenRequest {
  const checkMode = request.checkMode ?? 'OCR_LIVENESS_AND_COMPARE';
  const securityLevel = request.securityLevel ?? DEFAULT_SECURITY_LEVEL;
  let compareImage = request.compareImage;
  if (checkMode === 'LIVENESS_AND_COMPARE') {
    if (!present(compareImage)) reject('input.compareImage', 'is required when checkMode is LIVENESS_AND_COMPARE');
    compareImage = normalizeImage('input.compareImage', compareImage);
  } else if (present(compareImage)) {
    reject(
      'input.compareImage',
      `is only used when checkMode is LIVENESS_AND_COMPARE; checkMode is ${checkMode}, so the image was not sent`,
    );
  }
  if (present(request.actionList)) checkActionList('input.actionList', request.actionList, securityLevel, 'input.securityLevel');
  if (present(request.retryLimit)) checkRetryLimit('input.retryLimit', request.retryLimit);
  if (present(request.extra)) checkExtra('input.extra', request.extra);
  if (present(request.metaData)) checkMetaData('input.metaData', request.metaData);
  if (present(request.cardOcrDisplayFields)) checkCardOcrDisplayFields('input.cardOcrDisplayFields', request.cardOcrDisplayFields);
  if (present(request.selectedWarningCodes)) checkSelectedWarningCodes('input.selectedWarningCodes', request.selectedWarningCodes);
  return { ...request, compareImage };
}

/** Longest SDK token accepted by the result fields; Tencent's are 36-character UUIDs. */
export const MAX_SDK_TOKEN_LENGTH = 128;
const SDK_TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * Checks the SDK token of a result request. The token is a bearer credential for the result, so the message
 * gives its length but never its text.
 */
export function validateSdkToken(field: string, sdkToken: string): string {
  const token = sdkToken.trim();
  if (token.length === 0) reject(field, 'must not be empty');
  if (token.length > MAX_SDK_TOKEN_LENGTH) reject(field, `is ${token.length} characters; SDK tokens are at most ${MAX_SDK_TOKEN_LENGTH}`);
  if (!SDK_TOKEN_PATTERN.test(token)) reject(field, 'must be an SDK token as minted (letters, digits, "-" and "_")');
  return token;
}

/**
 * Verification results in the gateway's terms, read from the answers of GetFaceIdResultIntl (selfie) and
 * GetSdkVerificationResult (eKYC). The Tencent field names (from the intl SDK's models, faceid v20180301) are
 * read here and nowhere else; the schema only sees the types below.
 *
 * Every value here may be personal data (names, document numbers, faces, the caller's own `extra`). Nothing in
 * this module logs, and the readers' failure reasons are fixed sentences that never quote a value.
 */

/** The outcome of a verification, or of one attempt's liveness or comparison step, by Tencent result code. */
export const VERIFICATION_OUTCOME_BY_CODE = {
  '0': 'SUCCESS',
  '1001': 'LIVENESS_ENGINE_FAILED',
  '1002': 'SUSPECTED_SPOOFED_RECORDING',
  '1004': 'FACE_DETECTION_FAILED',
  '1005': 'LIVENESS_FAILED',
  '1201': 'POOR_LIGHTING',
  '2004': 'IMAGE_SIZE_OUT_OF_RANGE',
  '2012': 'MULTIPLE_FACES',
  '2013': 'NO_COMPLETE_FACE',
  '2014': 'LOW_IMAGE_QUALITY',
  '2015': 'FACE_COMPARISON_FAILED',
  '2016': 'SIMILARITY_BELOW_THRESHOLD',
  '2017': 'FACE_OCCLUDED',
  '-999': 'NOT_FINISHED',
} as const;
/** A documented outcome, or UNKNOWN for a code Tencent has not documented (the raw code is kept beside it). */
export type VerificationOutcome = (typeof VERIFICATION_OUTCOME_BY_CODE)[keyof typeof VERIFICATION_OUTCOME_BY_CODE] | 'UNKNOWN';
/** Every outcome, in the order of Tencent's table. */
export const VERIFICATION_OUTCOMES: readonly VerificationOutcome[] = [...Object.values(VERIFICATION_OUTCOME_BY_CODE), 'UNKNOWN'];

/** Why liveness failed (`LivenessInfoTag`, PLUS and PRO SDKs only), by Tencent tag. */
export const LIVENESS_TAG_BY_CODE = {
  '01': 'EYES_CLOSED',
  '02': 'ACTION_NOT_COMPLETED',
  '03': 'SUSPECTED_PHOTO_REPLAY',
  '04': 'SUSPECTED_SYNTHETIC_IMAGE',
  '05': 'SUSPECTED_SYNTHETIC_VIDEO',
  '06': 'SUSPECTED_SYNTHETIC_ACTION',
  '07': 'SUSPECTED_FRAUD_TEMPLATE',
  '08': 'SUSPECTED_WATERMARK',
  '09': 'LIGHT_VERIFICATION_FAILED',
  '10': 'FACE_VERIFICATION_FAILED',
  '11': 'POOR_FACE_QUALITY',
  '12': 'POOR_CAPTURE_QUALITY',
  '13': 'SUSPECTED_ADVERSARIAL_ATTACK',
} as const;
/** A documented liveness failure reason. */
export type LivenessTag = (typeof LIVENESS_TAG_BY_CODE)[keyof typeof LIVENESS_TAG_BY_CODE];

/** `DeviceInfoLevel` (ENHANCED and PLUS SDKs only), by Tencent level. */
export const DEVICE_RISK_LEVEL_BY_CODE = { '1': 'SECURE', '2': 'LOW_RISK', '3': 'MEDIUM_RISK', '4': 'HIGH_RISK' } as const;
/** The risk level of the user's device. */
export type DeviceRiskLevel = (typeof DEVICE_RISK_LEVEL_BY_CODE)[keyof typeof DEVICE_RISK_LEVEL_BY_CODE];

/** `WarnCardInfos` of an eKYC card attempt, by Tencent code. */
export const CARD_WARNING_BY_CODE = {
  '-9101': 'DOCUMENT_COVERED',
  '-9102': 'DOCUMENT_PHOTOCOPIED',
  '-9103': 'DOCUMENT_PHOTOGRAPHED_FROM_SCREEN',
  '-9107': 'DOCUMENT_REFLECTIVE',
  '-9108': 'IMAGE_BLURRY',
  '-9109': 'WARNING_CHECK_NOT_ENABLED',
} as const;
/** A documented document warning. */
export type CardWarning = (typeof CARD_WARNING_BY_CODE)[keyof typeof CARD_WARNING_BY_CODE];

/**
 * Largest base64 media item (best frame, video) the gateway passes on, in characters (24 MiB, about 18 MiB of
 * video). Tencent documents no size; a longer item is left out (`base64: null`) rather than held and re-sent.
 */
export const MAX_RESULT_MEDIA_BASE64_LENGTH = 24 * 1024 * 1024;
/** Tencent keeps attempt lists short (`RetryLimit` ≤ 5); anything past this many is cut, keeping the last ones. */
export const MAX_RESULT_ATTEMPTS = 16;
/** OCR fields kept per document: the longest documented document has 22. */
export const MAX_OCR_FIELDS = 64;
/** Longest OCR value kept, in characters; longer values are cut. */
export const MAX_OCR_VALUE_LENGTH = 1024;
/** Longest `Description` / message kept, in characters. */
const MAX_DESCRIPTION_LENGTH = 1024;
/** Tencent's file URLs (`FileInfo.Url`) are valid for 10 minutes. */
export const RESULT_FILE_URL_TTL_SECONDS = 10 * 60;
/** How long Tencent keeps a selfie result (faceid-api.md). */
export const SELFIE_RESULT_RETENTION_SECONDS = 72 * 3600;
/** How long Tencent keeps an eKYC result (faceid-api.md). */
export const EKYC_RESULT_RETENTION_SECONDS = 3 * 24 * 3600;

/** A base64 media item returned inline (selfie results). */
export interface InlineMedia {
  /** The base64 text, or null when it is longer than MAX_RESULT_MEDIA_BASE64_LENGTH. */
  base64: string | null;
  /** Length of the base64 text Tencent sent. */
  base64Length: number;
}

/** A file Tencent hosts for a short time (eKYC results). */
export interface ResultFile {
  url: string;
  md5: string | null;
  sizeBytes: number | null;
  /** Conservative: RESULT_FILE_URL_TTL_SECONDS after the gateway sent the request that returned the URL. */
  expiresAt: Date;
}

/** A coded outcome: the gateway's name, Tencent's code and its description. */
export interface CodedOutcome {
  outcome: VerificationOutcome;
  code: string;
  description: string | null;
}

/** Liveness failure reasons: the documented ones by name, and every code as sent. */
export interface LivenessTags {
  tags: LivenessTag[];
  codes: string[];
}

/** What both results share. */
interface ResultBase {
  sdkToken: string;
  /** Tencent's RequestId of the read. */
  requestId: string;
  result: CodedOutcome;
  /** The caller's pass-through `extra` from the token request. */
  extra: string | null;
  deviceRiskLevel: DeviceRiskLevel | null;
}

/** GetFaceIdResultIntl, read. */
export interface SelfieVerificationResult extends ResultBase {
  /** 0–100; meaningful only for LIVENESS_AND_COMPARE checks. */
  similarity: number | null;
  livenessTags: LivenessTags;
  bestFrame: InlineMedia | null;
  video: InlineMedia | null;
  actionVideo: InlineMedia | null;
}

/** One field of an OCR result, by Tencent's name (nested objects flattened as `Address.City`). */
export interface OcrField {
  name: string;
  value: string;
}

/** An identity document as read by OCR: the common fields picked out, every field kept by name. */
export interface DocumentOcr {
  /** Tencent's name of the document structure, e.g. `HKIDCard`, `InternationalIDPassport`. */
  documentKind: string;
  fullName: string | null;
  documentNumber: string | null;
  birthDate: string | null;
  sex: string | null;
  address: string | null;
  nationality: string | null;
  issueDate: string | null;
  expiryDate: string | null;
  fields: OcrField[];
}

/** A field the user corrected on the OCR confirmation page. */
export interface OcrEdit {
  fieldName: string;
  originalValue: string | null;
  revisedValue: string | null;
}

/** What every attempt carries. */
interface Attempt {
  /** 0-based, in Tencent's order. */
  index: number;
  /** True for the last attempt: Tencent uses the final one as the valid result. */
  authoritative: boolean;
  /** Tencent's RequestId of the attempt. */
  requestId: string | null;
}

/** One document (OCR) attempt of an eKYC verification (`CardVerifyResult`). */
export interface CardAttempt extends Attempt {
  passed: boolean | null;
  edited: boolean | null;
  warnings: CardWarning[];
  warningCodes: number[];
  ocr: DocumentOcr | null;
  edits: OcrEdit[];
  cardImage: ResultFile | null;
  cardVideo: ResultFile | null;
  ocrJson: ResultFile | null;
}

/** One liveness and comparison attempt of an eKYC verification (`CompareResult`). */
export interface CompareAttempt extends Attempt {
  result: CodedOutcome;
  liveness: CodedOutcome | null;
  comparison: CodedOutcome | null;
  similarity: number | null;
  livenessTags: LivenessTags;
  bestFrame: ResultFile | null;
  profileImage: ResultFile | null;
  liveVideo: ResultFile | null;
  actionVideo: ResultFile | null;
  liveData: ResultFile | null;
}

/** GetSdkVerificationResult, read. */
export interface EkycVerificationResult extends ResultBase {
  chargeCount: number | null;
  cardAttempts: CardAttempt[];
  compareAttempts: CompareAttempt[];
}

/** What a reader returns when the answer lacks what every result has; the reason quotes no value. */
export interface UnreadableResult {
  unreadable: string;
}

type Wire = Record<string, unknown>;

function isRecord(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, maxLength = MAX_DESCRIPTION_LENGTH): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') return null;
  return value.length > maxLength ? value.slice(0, maxLength) : value;
}

function number(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function boolean(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function codeOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return typeof value === 'string' && value !== '' && value.length <= 32 ? value : null;
}

/** The gateway's name of a Tencent result code; UNKNOWN for an undocumented one. */
export function outcomeOfCode(code: string): VerificationOutcome {
  return Object.hasOwn(VERIFICATION_OUTCOME_BY_CODE, code)
    ? VERIFICATION_OUTCOME_BY_CODE[code as keyof typeof VERIFICATION_OUTCOME_BY_CODE]
    : 'UNKNOWN';
}

function codedOutcome(code: unknown, description: unknown): CodedOutcome | null {
  const raw = codeOf(code);
  return raw === null ? null : { outcome: outcomeOfCode(raw), code: raw, description: text(description) };
}

function livenessTagsOf(value: unknown): LivenessTags {
  const codes = Array.isArray(value) ? value.map((item) => codeOf(item)).filter((item): item is string => item !== null).slice(0, 32) : [];
  const tags = codes
    .filter((code) => Object.hasOwn(LIVENESS_TAG_BY_CODE, code))
    .map((code) => LIVENESS_TAG_BY_CODE[code as keyof typeof LIVENESS_TAG_BY_CODE]);
  return { tags, codes };
}

function deviceRiskLevelOf(value: unknown): DeviceRiskLevel | null {
  const code = codeOf(value);
  return code !== null && Object.hasOwn(DEVICE_RISK_LEVEL_BY_CODE, code)
    ? DEVICE_RISK_LEVEL_BY_CODE[code as keyof typeof DEVICE_RISK_LEVEL_BY_CODE]
    : null;
}

function inlineMedia(value: unknown): InlineMedia | null {
  if (typeof value !== 'string' || value === '') return null;
  return { base64: value.length > MAX_RESULT_MEDIA_BASE64_LENGTH ? null : value, base64Length: value.length };
}

function resultFile(value: unknown, sentAt: number): ResultFile | null {
  if (!isRecord(value) || typeof value.Url !== 'string' || !/^https?:\/\//i.test(value.Url) || value.Url.length > 8192) return null;
  return {
    url: value.Url,
    md5: typeof value.MD5 === 'string' && /^[0-9a-f]{32}$/i.test(value.MD5) ? value.MD5 : null,
    sizeBytes: number(value.Size),
    expiresAt: new Date(sentAt + RESULT_FILE_URL_TTL_SECONDS * 1000),
  };
}

/** Keeps at most MAX_RESULT_ATTEMPTS entries, the last ones: the final attempt is the one that counts. */
function attemptsOf<T>(value: unknown, read: (item: Wire, index: number, authoritative: boolean) => T): T[] {
  if (!Array.isArray(value)) return [];
  const items = value.filter(isRecord);
  const first = Math.max(0, items.length - MAX_RESULT_ATTEMPTS);
  return items.slice(first).map((item, offset) => read(item, first + offset, first + offset === items.length - 1));
}

/** OCR candidates for the common fields, in order of preference, across Tencent's document structures. */
const OCR_COMMON_FIELDS = {
  fullName: ['FullName', 'Name', 'EnName', 'Nama', 'EnglishName', 'ChineseName', 'CnName', 'ChName'],
  documentNumber: ['LicenseNumber', 'IdNum', 'ID', 'NIK', 'Number', 'LicenseNo', 'VIN', 'CRN', 'PersonalNumber'],
  birthDate: ['Birthday', 'DateOfBirth', 'TempatTglLahir'],
  sex: ['Sex', 'JenisKelamin'],
  address: ['FormattedAddress', 'Address', 'Alamat', 'Address.FormattedAddress'],
  nationality: ['Nationality', 'NationalityCode', 'Citizenship', 'KewargaNegaraan'],
  issueDate: ['IssuedDate', 'IssueDate', 'DateOfIssue', 'CurrentIssueDate', 'FirstIssueDate'],
  expiryDate: ['DateOfExpiration', 'ExpirationDate', 'ExpiresDate', 'DateOfExpiry', 'BerlakuHingga', 'ValidDate', 'DueDate'],
} as const satisfies Record<string, readonly string[]>;

function flattenOcr(value: Wire, prefix: string, into: OcrField[]): void {
  for (const [key, item] of Object.entries(value)) {
    if (into.length >= MAX_OCR_FIELDS) return;
    const name = `${prefix}${key}`.slice(0, 128);
    if (isRecord(item)) flattenOcr(item, `${name}.`, into);
    else {
      const itemText = text(item, MAX_OCR_VALUE_LENGTH);
      if (itemText !== null) into.push({ name, value: itemText });
    }
  }
}

/** Reads `NormalCardInfo` when present (Tencent's newer, normalized names), else `CardInfo`. */
function documentOcrOf(attempt: Wire): DocumentOcr | null {
  for (const container of [attempt.NormalCardInfo, attempt.CardInfo]) {
    if (!isRecord(container)) continue;
    const entry = Object.entries(container).find(([, value]) => isRecord(value));
    if (!entry) continue;
    const [documentKind, card] = entry as [string, Wire];
    const fields: OcrField[] = [];
    flattenOcr(card, '', fields);
    const pick = (names: readonly string[]) => names.map((name) => fields.find((field) => field.name === name)?.value).find((value) => value !== undefined) ?? null;
    const given = pick(['GivenName', 'FirstName']);
    const middle = pick(['MiddleName']);
    const family = pick(['Surname', 'LastName']);
    const composedName = [given, middle, family].filter((part) => part !== null).join(' ');
    return {
      documentKind: documentKind.slice(0, 64),
      fullName: pick(OCR_COMMON_FIELDS.fullName) ?? (composedName === '' ? null : composedName),
      documentNumber: pick(OCR_COMMON_FIELDS.documentNumber),
      birthDate: pick(OCR_COMMON_FIELDS.birthDate),
      sex: pick(OCR_COMMON_FIELDS.sex),
      address: pick(OCR_COMMON_FIELDS.address),
      nationality: pick(OCR_COMMON_FIELDS.nationality),
      issueDate: pick(OCR_COMMON_FIELDS.issueDate),
      expiryDate: pick(OCR_COMMON_FIELDS.expiryDate),
      fields,
    };
  }
  return null;
}

function cardAttemptOf(item: Wire, index: number, authoritative: boolean, sentAt: number): CardAttempt {
  const warningCodes = Array.isArray(item.WarnCardInfos)
    ? item.WarnCardInfos.filter((code): code is number => Number.isInteger(code)).slice(0, 32)
    : [];
  return {
    index,
    authoritative,
    requestId: text(item.RequestId, 128),
    passed: boolean(item.IsPass),
    edited: boolean(item.IsEdit),
    warningCodes,
    warnings: warningCodes
      .map(String)
      .filter((code) => Object.hasOwn(CARD_WARNING_BY_CODE, code))
      .map((code) => CARD_WARNING_BY_CODE[code as keyof typeof CARD_WARNING_BY_CODE]),
    ocr: documentOcrOf(item),
    edits: Array.isArray(item.EditDetails)
      ? item.EditDetails.filter(isRecord)
          .slice(0, MAX_OCR_FIELDS)
          .flatMap((edit) => {
            const fieldName = text(edit.FieldName, 128);
            return fieldName === null
              ? []
              : [{ fieldName, originalValue: text(edit.OriginalFieldValue, MAX_OCR_VALUE_LENGTH), revisedValue: text(edit.RevisedFieldValue, MAX_OCR_VALUE_LENGTH) }];
          })
      : [],
    cardImage: resultFile(item.CardImage, sentAt),
    cardVideo: resultFile(item.CardVideo, sentAt),
    ocrJson: resultFile(item.CardInfoOcrJson, sentAt),
  };
}

function compareAttemptOf(item: Wire, index: number, authoritative: boolean, sentAt: number): CompareAttempt {
  return {
    index,
    authoritative,
    requestId: text(item.RequestId, 128),
    result: codedOutcome(item.ErrorCode, item.ErrorMsg) ?? { outcome: 'UNKNOWN', code: '', description: text(item.ErrorMsg) },
    liveness: codedOutcome(item.LiveErrorCode, item.LiveErrorMsg),
    comparison: codedOutcome(item.CompareErrorCode, item.CompareErrorMsg),
    similarity: number(item.Sim),
    livenessTags: livenessTagsOf(item.LivenessInfoTag),
    bestFrame: resultFile(item.BestFrame, sentAt),
    profileImage: resultFile(item.ProfileImage, sentAt),
    liveVideo: resultFile(item.LiveVideo, sentAt),
    actionVideo: resultFile(item.ActionVideo, sentAt),
    liveData: resultFile(item.LiveData, sentAt),
  };
}

function baseOf(sdkToken: string, requestId: string, response: Wire): Omit<ResultBase, 'result'> & { result: CodedOutcome | null } {
  return {
    sdkToken,
    requestId,
    result: codedOutcome(response.Result, response.Description),
    extra: typeof response.Extra === 'string' && response.Extra !== '' ? response.Extra : null,
    deviceRiskLevel: deviceRiskLevelOf(response.DeviceInfoLevel),
  };
}

/** Reads a GetFaceIdResultIntl `Response`. */
export function readSelfieResult(sdkToken: string, requestId: string, response: Wire): SelfieVerificationResult | UnreadableResult {
  const base = baseOf(sdkToken, requestId, response);
  if (base.result === null) return { unreadable: 'the Response has no Result code' };
  return {
    ...base,
    result: base.result,
    similarity: number(response.Similarity),
    livenessTags: livenessTagsOf(response.LivenessInfoTag),
    bestFrame: inlineMedia(response.BestFrame),
    video: inlineMedia(response.Video),
    actionVideo: inlineMedia(response.ActionVideo),
  };
}

/** Reads a GetSdkVerificationResult `Response`; `sentAt` dates the file URLs' expiry. */
export function readEkycResult(
  sdkToken: string,
  requestId: string,
  response: Wire,
  sentAt: number,
): EkycVerificationResult | UnreadableResult {
  const base = baseOf(sdkToken, requestId, response);
  if (base.result === null) return { unreadable: 'the Response has no Result code' };
  return {
    ...base,
    result: base.result,
    chargeCount: number(response.ChargeCount),
    cardAttempts: attemptsOf(response.CardVerifyResults, (item, index, last) => cardAttemptOf(item, index, last, sentAt)),
    compareAttempts: attemptsOf(response.CompareResults, (item, index, last) => compareAttemptOf(item, index, last, sentAt)),
  };
}

/** True when a reader could not read the answer. */
export function isUnreadableResult(value: object): value is UnreadableResult {
  return 'unreadable' in value;
}

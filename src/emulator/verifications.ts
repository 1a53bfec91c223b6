/**
 * The emulator's memory of the tokens it minted, so that the whole flow can be played offline: a token is
 * minted (GetFaceIdTokenIntl / ApplySdkVerificationToken), completed with an outcome through the control
 * (`POST /__emulator/verifications/<SdkToken>` or `completeVerification`), then read
 * (GetFaceIdResultIntl / GetSdkVerificationResult) in exactly the shapes of the intl SDK's models.
 *
 * Every result is fake and deterministic: names, numbers and images are made up, never derived from a request.
 */
import { createHash } from 'node:crypto';
import { VERIFICATION_OUTCOME_BY_CODE } from '../faceid/results.js';
import { EKYC_TOKEN_TTL_SECONDS, SELFIE_TOKEN_TTL_SECONDS } from '../faceid/requests.js';
import { EKYC_RESULT_RETENTION_SECONDS, SELFIE_RESULT_RETENTION_SECONDS } from '../faceid/results.js';
import { apiFailure, createRequestId, type ApiFailure } from './envelope.js';

/** Which token action minted a token, and so which result action reads it. */
export type VerificationKind = 'selfie' | 'ekyc';

/** An outcome the control accepts: the gateway's outcome names (Tencent's result codes, named). */
export type EmulatorOutcome = (typeof VERIFICATION_OUTCOME_BY_CODE)[keyof typeof VERIFICATION_OUTCOME_BY_CODE];

/** Outcome name → Tencent result code. */
export const EMULATOR_OUTCOME_CODES: Readonly<Record<EmulatorOutcome, string>> = Object.fromEntries(
  Object.entries(VERIFICATION_OUTCOME_BY_CODE).map(([code, outcome]) => [outcome, code]),
) as Record<EmulatorOutcome, string>;

/** Tencent's descriptions of its result codes (GetFaceIdResultIntlResponse.Result in the intl SDK). */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  '0': 'Success',
  '1001': 'Failed to call the liveness engine.',
  '1002': 'Suspected spoofed recording.',
  '1004': 'Face detection failed.',
  '1005': 'Liveness detection failed.',
  '1201': 'Lighting is too dark or overexposed.',
  '2004': 'The image passed in is too large or too small.',
  '2012': 'Multiple faces detected.',
  '2013': 'No face was detected, or the face detected was incomplete.',
  '2014': 'The image resolution is too low or the quality does not meet the requirements.',
  '2015': 'Face comparison failed.',
  '2016': 'The similarity did not reach the standard passing threshold.',
  '2017': 'Facial occlusion detected.',
  '-999': "The verification process wasn't finished.",
};

/**
 * Tokens remembered at most; past it the oldest is forgotten (and then reads as BizTokenIllegal). 10,000 tokens
 * of a few hundred bytes each keep a long-running emulator under a few MB.
 */
export const MAX_STORED_VERIFICATIONS = 10_000;

/** What the emulator keeps of a minted token: the parameters that shape its fake result, never an image. */
interface StoredVerification {
  kind: VerificationKind;
  mintedAtMs: number;
  extra: string | undefined;
  compare: boolean;
  sdkVersion: string | undefined;
  idCardType: string;
  ocr: boolean;
  outcomeCode: string;
}

/** Why a completion was refused. */
export type CompletionRefusal = 'unknown_token' | 'token_expired' | 'unknown_outcome';

/** The token memory. */
export interface VerificationStore {
  /** Remembers a freshly minted token with the parameters of its request. */
  register(kind: VerificationKind, sdkToken: string, params: Readonly<Record<string, unknown>>): void;
  /** Sets the outcome of a token's verification; re-completing replaces it. */
  complete(sdkToken: string, outcome: string): { ok: true; kind: VerificationKind; resultCode: string } | { ok: false; refusal: CompletionRefusal };
  /** BizTokenIllegal / BizTokenExpired for a token the `kind` result action cannot read, else undefined. */
  check(kind: VerificationKind, sdkToken: unknown): ApiFailure | undefined;
  /** The result action's response fields (without RequestId) for a token `check` accepted. */
  result(kind: VerificationKind, sdkToken: string): Record<string, unknown>;
  /** How many tokens are remembered. */
  readonly size: number;
}

const TOKEN_TTL_SECONDS: Record<VerificationKind, number> = { selfie: SELFIE_TOKEN_TTL_SECONDS, ekyc: EKYC_TOKEN_TTL_SECONDS };
const RETENTION_SECONDS: Record<VerificationKind, number> = { selfie: SELFIE_RESULT_RETENTION_SECONDS, ekyc: EKYC_RESULT_RETENTION_SECONDS };

/** Fake file bytes: a JPEG or MP4 signature followed by filler, so a client that sniffs the type is satisfied. */
export function fakeFileBytes(name: string): Buffer {
  const signature = name.endsWith('.mp4')
    ? Buffer.from([0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32])
    : name.endsWith('.json')
      ? Buffer.alloc(0)
      : Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
  return Buffer.concat([signature, Buffer.from(`FaceID emulator fake ${name}`)]);
}

/** The fake OCR card of a document type, as `CardInfo` holds it (key and fields as in the intl SDK's models). */
function fakeCardInfo(idCardType: string): Record<string, Record<string, unknown>> {
  switch (idCardType) {
    case 'HK':
      return {
        HKIDCard: {
          CnName: '陳大文', EnName: 'CHAN, Tai Man', TelexCode: '7115 1129 2429', Sex: 'M', Birthday: '01-01-1990',
          Permanent: '1', IdNum: 'Z683365(5)', Symbol: '***AZ', FirstIssueDate: '(01-79)', CurrentIssueDate: '15-09-18',
        },
      };
    case 'ML':
      return { MLIDCard: { Name: 'SITI BINTI AHMAD', ID: '900101-14-5678', Sex: 'PEREMPUAN', Address: '12 JALAN EMULATOR, 50000 KUALA LUMPUR', Type: 'MyKad', Birthday: '1990/01/01' } };
    case 'MLIDPassport':
      return {
        InternationalIDPassport: {
          LicenseNumber: 'E00000001', FullName: 'DOE JANE', Surname: 'DOE', GivenName: 'JANE', Birthday: '1990-01-01', Sex: 'F',
          DateOfExpiration: '2031-01-01', IssuingCountry: 'SGP', NationalityCode: 'SGP',
          PassportCodeFirst: 'P<SGPDOE<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<', PassportCodeSecond: 'E00000001<SGP9001012F3101014<<<<<<<<<<<<<<00',
        },
      };
    default:
      return {
        GeneralCard: {
          LicenseNumber: 'EMU-0000-0001', FullName: 'JANE DOE', FirstName: 'JANE', LastName: 'DOE', Sex: 'F', Birthday: '1990-01-01',
          Nationality: 'Emulatoria', IssuedDate: '2021-01-01', ExpirationDate: '2031-01-01', IssuedCountry: 'EMU',
        },
      };
  }
}

/** Creates an empty token memory. `baseUrl` is the emulator's own URL, for the fake files' download links. */
export function createVerificationStore(options: { now: () => number; baseUrl: () => string; capacity?: number }): VerificationStore {
  const { now, baseUrl, capacity = MAX_STORED_VERIFICATIONS } = options;
  const stored = new Map<string, StoredVerification>();

  function fileInfo(sdkToken: string, name: string): Record<string, unknown> {
    const bytes = fakeFileBytes(name);
    return {
      Url: `${baseUrl()}/__emulator/files/${encodeURIComponent(sdkToken)}/${name}`,
      MD5: createHash('md5').update(bytes).digest('hex'),
      Size: bytes.length,
    };
  }

  function selfieResult(sdkToken: string, entry: StoredVerification): Record<string, unknown> {
    const code = entry.outcomeCode;
    const finished = code !== '-999';
    const detailedTags = entry.sdkVersion === 'PLUS' || entry.sdkVersion === 'PRO';
    const deviceLevel = entry.sdkVersion === 'ENHANCED' || entry.sdkVersion === 'PLUS';
    const livenessFailed = code === '1002' || code === '1005';
    return {
      Result: code,
      Description: DESCRIPTIONS[code],
      BestFrame: finished ? fakeFileBytes(`${sdkToken}-best-frame.jpg`).toString('base64') : null,
      Video: finished ? fakeFileBytes(`${sdkToken}-video.mp4`).toString('base64') : null,
      ActionVideo: finished ? fakeFileBytes(`${sdkToken}-action-video.mp4`).toString('base64') : null,
      Similarity: entry.compare && finished ? (code === '2016' ? 41.5 : code === '0' ? 92.37 : 0) : 0,
      Extra: entry.extra ?? null,
      DeviceInfoLevel: deviceLevel && finished ? (code === '0' ? '1' : '3') : '',
      LivenessInfoTag: detailedTags && livenessFailed ? ['03', '05'] : [],
    };
  }

  function compareAttempt(sdkToken: string, entry: StoredVerification, code: string, attempt: number): Record<string, unknown> {
    const livenessCodes = ['0', '1001', '1002', '1004', '1005', '1201'];
    const livenessCode = livenessCodes.includes(code) ? code : '0';
    const compared = livenessCode === '0';
    const file = (name: string) => fileInfo(sdkToken, `attempt-${attempt}-${name}`);
    return {
      ErrorCode: code,
      ErrorMsg: DESCRIPTIONS[code],
      LiveData: file('live-data.json'),
      LiveVideo: file('live-video.mp4'),
      ActionVideo: file('action-video.mp4'),
      LiveErrorCode: livenessCode,
      LiveErrorMsg: DESCRIPTIONS[livenessCode],
      BestFrame: file('best-frame.jpg'),
      ProfileImage: entry.ocr ? file('profile-image.jpg') : null,
      CompareErrorCode: compared ? code : null,
      CompareErrorMsg: compared ? DESCRIPTIONS[code] : null,
      Sim: compared ? (code === '0' ? 92.37 : 41.5) : null,
      IsNeedCharge: false,
      CardInfoInputJson: null,
      RequestId: createRequestId(),
      LivenessInfoTag: (entry.sdkVersion === 'PLUS' || entry.sdkVersion === 'PRO') && (code === '1002' || code === '1005') ? ['03', '05'] : [],
    };
  }

  function ekycResult(sdkToken: string, entry: StoredVerification): Record<string, unknown> {
    const code = entry.outcomeCode;
    const finished = code !== '-999';
    // A success is played as a retry that worked: one failed attempt, then the authoritative one.
    const attemptCodes = !finished ? [] : code === '0' ? ['2013', '0'] : [code];
    const cardAttempts = finished && entry.ocr
      ? [
          {
            IsPass: true,
            IsEdit: false,
            CardVideo: null,
            CardImage: fileInfo(sdkToken, 'card-image.jpg'),
            CardInfoOcrJson: fileInfo(sdkToken, 'card-ocr.json'),
            RequestId: createRequestId(),
            CardInfo: fakeCardInfo(entry.idCardType),
            WarnCardInfos: code === '0' ? [] : [-9108],
            EditDetails: [],
          },
        ]
      : [];
    return {
      Result: code,
      Description: DESCRIPTIONS[code],
      ChargeCount: finished ? 1 : 0,
      CardVerifyResults: cardAttempts,
      CompareResults: attemptCodes.map((attemptCode, attempt) => compareAttempt(sdkToken, entry, attemptCode, attempt)),
      Extra: entry.extra ?? null,
      DeviceInfoLevel: (entry.sdkVersion === 'ENHANCED' || entry.sdkVersion === 'PLUS') && finished ? (code === '0' ? '1' : '3') : '',
    };
  }

  return {
    register(kind, sdkToken, params) {
      if (stored.size >= capacity) stored.delete(stored.keys().next().value!);
      stored.set(sdkToken, {
        kind,
        mintedAtMs: now(),
        extra: typeof params.Extra === 'string' ? params.Extra : undefined,
        compare: kind === 'selfie' ? params.CheckMode === 'compare' : params.CheckMode !== 3,
        sdkVersion: typeof params.SdkVersion === 'string' ? params.SdkVersion : undefined,
        idCardType: typeof params.IdCardType === 'string' ? params.IdCardType : 'HK',
        ocr: kind === 'ekyc' && (params.CheckMode ?? 1) === 1,
        outcomeCode: '-999',
      });
    },
    complete(sdkToken, outcome) {
      const entry = stored.get(sdkToken);
      if (!entry) return { ok: false, refusal: 'unknown_token' };
      if (!Object.hasOwn(EMULATOR_OUTCOME_CODES, outcome)) return { ok: false, refusal: 'unknown_outcome' };
      // The SDK can only run a verification while its token is valid.
      if (now() > entry.mintedAtMs + TOKEN_TTL_SECONDS[entry.kind] * 1000) return { ok: false, refusal: 'token_expired' };
      entry.outcomeCode = EMULATOR_OUTCOME_CODES[outcome as EmulatorOutcome];
      return { ok: true, kind: entry.kind, resultCode: entry.outcomeCode };
    },
    check(kind, sdkToken) {
      if (sdkToken === undefined) return apiFailure('MissingParameter', 'The parameter `SdkToken` is required.');
      const entry = typeof sdkToken === 'string' ? stored.get(sdkToken) : undefined;
      if (!entry || entry.kind !== kind) {
        return apiFailure('InvalidParameterValue.BizTokenIllegal', 'The SdkToken is illegal: no verification of this action was started with it.');
      }
      if (now() > entry.mintedAtMs + RETENTION_SECONDS[kind] * 1000) {
        return apiFailure('InvalidParameterValue.BizTokenExpired', 'The SdkToken has expired: its verification result is no longer kept.');
      }
      return undefined;
    },
    result(kind, sdkToken) {
      const entry = stored.get(sdkToken)!;
      return kind === 'selfie' ? selfieResult(sdkToken, entry) : ekycResult(sdkToken, entry);
    },
    get size() {
      return stored.size;
    },
  };
}

/**
 * Query.selfieVerificationResult and Query.ekycVerificationResult: what became of a verification, for backends
 * (Tencent GetFaceIdResultIntl and GetSdkVerificationResult).
 *
 * Queries, not mutations: reading a result changes nothing at Tencent and answers the same every time until the
 * result is dropped, so it is safe to retry and to resolve as a federation entity. What makes them unlike the
 * free `gateway` query — each costs one Tencent request from the action's budget and carries personal data — is
 * handled where it matters: the `faceid:result` scope, one throttle per action, refusal over GET (a token in a
 * URL lands in access logs; a GET can be prefetched or replayed) and `Cache-Control: no-store`
 * (src/protection/result-responses.ts).
 */
import { getArgumentValues, Kind, type GraphQLField, type GraphQLResolveInfo, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import { InvalidInputError, refusal } from '../errors.js';
import type { CallOptions } from '../faceid/client.js';
import { MAX_SDK_TOKEN_LENGTH, validateSdkToken } from '../faceid/requests.js';
import {
  CARD_WARNING_BY_CODE,
  DEVICE_RISK_LEVEL_BY_CODE,
  EKYC_RESULT_RETENTION_SECONDS,
  LIVENESS_TAG_BY_CODE,
  MAX_RESULT_MEDIA_BASE64_LENGTH,
  RESULT_FILE_URL_TTL_SECONDS,
  SELFIE_RESULT_RETENTION_SECONDS,
  VERIFICATION_OUTCOME_BY_CODE,
  type CardAttempt,
  type CardWarning,
  type CodedOutcome,
  type CompareAttempt,
  type DeviceRiskLevel,
  type DocumentOcr,
  type EkycVerificationResult,
  type InlineMedia,
  type LivenessTag,
  type OcrEdit,
  type OcrField,
  type ResultFile,
  type SelfieVerificationResult,
  type VerificationOutcome,
} from '../faceid/results.js';
import { SCOPES, builder, scopeRefusal } from './builder.js';
import { resolveFaceIdCall } from './token-fields.js';
import { DateTime } from './scalars.js';

type EnumValues<T extends string> = Record<T, { description: string }>;

/**
 * The values of an enum named from a Tencent code table: each value's description, followed by the Tencent code it
 * stands for (`byCode` maps codes to values; `label` says how Tencent's name is shown, e.g. `code -1101`).
 */
function tencentCodedValues<T extends string>(
  descriptions: Record<T, string>,
  byCode: Readonly<Record<string, T>>,
  label: (code: string) => string,
): EnumValues<T> {
  const codeOf = Object.fromEntries(Object.entries(byCode).map(([code, value]) => [value, code])) as Partial<Record<T, string>>;
  return Object.fromEntries(
    (Object.entries(descriptions) as Array<[T, string]>).map(([value, description]) => {
      const code = codeOf[value];
      return [value, { description: code === undefined ? description : `${description} ${label(code)}.` }];
    }),
  ) as EnumValues<T>;
}

const OUTCOME_DESCRIPTIONS: Record<VerificationOutcome, string> = {
  SUCCESS: 'The verification passed.',
  LIVENESS_ENGINE_FAILED: 'Tencent could not call its liveness engine.',
  SUSPECTED_SPOOFED_RECORDING: 'A spoofed (replayed or recorded) face is suspected.',
  FACE_DETECTION_FAILED: 'Face detection failed.',
  LIVENESS_FAILED: 'Liveness detection failed: see livenessTags for the reason, when the SDK edition reports one.',
  POOR_LIGHTING: 'The lighting was too dark or overexposed.',
  IMAGE_SIZE_OUT_OF_RANGE: 'The image passed in was too large or too small.',
  MULTIPLE_FACES: 'More than one face was detected.',
  NO_COMPLETE_FACE: 'No face was detected, or the face was incomplete.',
  LOW_IMAGE_QUALITY: 'The image resolution or quality was too low.',
  FACE_COMPARISON_FAILED: 'Face comparison failed.',
  SIMILARITY_BELOW_THRESHOLD: 'The faces were compared and the similarity did not reach the passing threshold.',
  FACE_OCCLUDED: 'The face was occluded.',
  NOT_FINISHED: 'The user has not finished the verification yet (or never started it): read again later.',
  UNKNOWN: 'A result code Tencent has not documented; `resultCode` holds it as sent.',
};
export const VerificationOutcomeEnum = builder.enumType('VerificationOutcome', {
  description: 'The outcome of a verification, or of one attempt\'s liveness or comparison step, named from Tencent\'s result codes.',
  values: tencentCodedValues<VerificationOutcome>(OUTCOME_DESCRIPTIONS, VERIFICATION_OUTCOME_BY_CODE, (code) => `Tencent code ${code}`),
});

const LIVENESS_TAG_DESCRIPTIONS: Record<LivenessTag, string> = {
  EYES_CLOSED: 'The user kept their eyes closed throughout.',
  ACTION_NOT_COMPLETED: 'The user did not complete the requested action.',
  SUSPECTED_PHOTO_REPLAY: 'A photo replay attack is suspected.',
  SUSPECTED_SYNTHETIC_IMAGE: 'A synthetic image is suspected.',
  SUSPECTED_SYNTHETIC_VIDEO: 'A synthetic video is suspected.',
  SUSPECTED_SYNTHETIC_ACTION: 'A synthetic action is suspected.',
  SUSPECTED_FRAUD_TEMPLATE: 'A fraud template is suspected.',
  SUSPECTED_WATERMARK: 'A watermark is suspected.',
  LIGHT_VERIFICATION_FAILED: 'Reflection (light) verification failed.',
  FACE_VERIFICATION_FAILED: 'Face verification failed.',
  POOR_FACE_QUALITY: 'The face quality was poor.',
  POOR_CAPTURE_QUALITY: 'The capture quality was not acceptable.',
  SUSPECTED_ADVERSARIAL_ATTACK: 'An adversarial sample attack is suspected.',
};
export const LivenessTagEnum = builder.enumType('LivenessTag', {
  description:
    'Why liveness detection failed (Tencent `LivenessInfoTag`). Tencent documents it for the PLUS and PRO SDK editions in selfie results, and for PLUS only in eKYC results.',
  values: tencentCodedValues<LivenessTag>(LIVENESS_TAG_DESCRIPTIONS, LIVENESS_TAG_BY_CODE, (code) => `Tencent tag "${code}"`),
});

const DEVICE_RISK_DESCRIPTIONS: Record<DeviceRiskLevel, string> = {
  SECURE: 'Secure device.',
  LOW_RISK: 'Low-risk device.',
  MEDIUM_RISK: 'Medium-risk device.',
  HIGH_RISK: 'High-risk device.',
};
export const DeviceRiskLevelEnum = builder.enumType('DeviceRiskLevel', {
  description: 'Risk level of the user\'s device (Tencent `DeviceInfoLevel`); reported by the ENHANCED and PLUS SDK editions only.',
  values: tencentCodedValues<DeviceRiskLevel>(DEVICE_RISK_DESCRIPTIONS, DEVICE_RISK_LEVEL_BY_CODE, (code) => `Tencent level ${code}`),
});

const CARD_WARNING_DESCRIPTIONS: Record<CardWarning, string> = {
  DOCUMENT_COVERED: 'The document was partly covered.',
  DOCUMENT_PHOTOCOPIED: 'The document is a photocopy.',
  DOCUMENT_PHOTOGRAPHED_FROM_SCREEN: 'The document was photographed from a screen.',
  DOCUMENT_REFLECTIVE: 'The document reflected light.',
  IMAGE_BLURRY: 'The image was blurry.',
  WARNING_CHECK_NOT_ENABLED: 'This warning check is not enabled for the account.',
};
export const CardWarningEnum = builder.enumType('CardWarning', {
  description: 'A warning raised while reading an identity document (Tencent `WarnCardInfos`).',
  values: tencentCodedValues<CardWarning>(CARD_WARNING_DESCRIPTIONS, CARD_WARNING_BY_CODE, (code) => `Tencent code ${code}`),
});

const VerificationStep = builder.objectRef<CodedOutcome>('VerificationStep').implement({
  description: 'A coded outcome: the gateway\'s name for it, Tencent\'s code and Tencent\'s description.',
  fields: (t) => ({
    outcome: t.field({ type: VerificationOutcomeEnum, description: 'The outcome, named.', resolve: (step) => step.outcome }),
    resultCode: t.exposeString('code', { description: 'Tencent\'s result code as sent, e.g. "0", "1005", "-999".' }),
    description: t.exposeString('description', { nullable: true, description: 'Tencent\'s description of the outcome.' }),
  }),
});

const LIVENESS_TAG_FIELDS = {
  livenessTags:
    'Why liveness failed, for the documented reasons (Tencent reports them for the PLUS and PRO SDK editions in selfie results, PLUS only in eKYC results); empty otherwise.',
  livenessTagCodes: 'Every `LivenessInfoTag` code as sent, documented or not.',
};

const Base64Media = builder.objectRef<InlineMedia>('Base64Media').implement({
  description: `A media item returned inline, in base64. Tencent returns it with every read of the result for ${SELFIE_RESULT_RETENTION_SECONDS / 3600} hours; it does not expire before. Personal data: store it only as your policy allows.`,
  fields: (t) => ({
    base64: t.exposeString('base64', {
      nullable: true,
      description: `Standard base64 of the file; null when it is longer than ${MAX_RESULT_MEDIA_BASE64_LENGTH} characters (the gateway does not pass on larger items).`,
    }),
    base64Length: t.exposeInt('base64Length', { description: 'Length of the base64 text Tencent sent, even when `base64` is null.' }),
  }),
});

const ResultFileType = builder.objectRef<ResultFile>('ResultFile').implement({
  description: `A file Tencent hosts for ${RESULT_FILE_URL_TTL_SECONDS / 60} minutes after the read that returned it; read the result again for a fresh URL.`,
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Download URL. Valid until `expiresAt`; it grants access to personal data, so do not log it.' }),
    md5: t.exposeString('md5', { nullable: true, description: 'MD5 of the file (hex), to check the download.' }),
    sizeBytes: t.exposeInt('sizeBytes', { nullable: true, description: 'Size of the file in bytes.' }),
    expiresAt: t.expose('expiresAt', {
      type: DateTime,
      description: `When the URL stops working: ${RESULT_FILE_URL_TTL_SECONDS / 60} minutes after the gateway sent the read (a conservative bound).`,
    }),
  }),
});

const OcrFieldType = builder.objectRef<OcrField>('OcrField').implement({
  description: 'One field of a document\'s OCR result, by Tencent\'s name.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Tencent\'s field name, e.g. `IdNum`, `EnName`; nested fields are dotted (`Address.City`).' }),
    value: t.exposeString('value', { description: 'The value read, as Tencent returned it.' }),
  }),
});

const DocumentOcrType = builder.objectRef<DocumentOcr>('DocumentOcr').implement({
  description:
    'An identity document as read by OCR. Tencent returns one of some twenty document structures, each with its own field names; the fields every document has are picked out here, and `fields` keeps every field by Tencent\'s name. Values are as printed on the document (date formats vary by document).',
  fields: (t) => ({
    documentKind: t.exposeString('documentKind', { description: 'Tencent\'s name of the document structure, e.g. `HKIDCard`, `MLIDCard`, `InternationalIDPassport`, `GeneralCard`.' }),
    fullName: t.exposeString('fullName', { nullable: true, description: 'Full name (in Latin script when the document has both).' }),
    documentNumber: t.exposeString('documentNumber', { nullable: true, description: 'The document or identity number.' }),
    birthDate: t.exposeString('birthDate', { nullable: true, description: 'Date of birth, as printed.' }),
    sex: t.exposeString('sex', { nullable: true, description: 'Sex, as printed (e.g. `M`, `F`, `LELAKI`).' }),
    address: t.exposeString('address', { nullable: true, description: 'Address, when the document has one.' }),
    nationality: t.exposeString('nationality', { nullable: true, description: 'Nationality or citizenship, when the document has one.' }),
    issueDate: t.exposeString('issueDate', { nullable: true, description: 'Date of issue, when the document has one.' }),
    expiryDate: t.exposeString('expiryDate', { nullable: true, description: 'Date of expiry, when the document has one.' }),
    fields: t.field({ type: [OcrFieldType], description: 'Every field Tencent returned for the document.', resolve: (ocr) => ocr.fields }),
  }),
});

const OcrEditType = builder.objectRef<OcrEdit>('OcrEdit').implement({
  description: 'A field the user corrected on the OCR confirmation page.',
  fields: (t) => ({
    fieldName: t.exposeString('fieldName', { description: 'Tencent\'s field name.' }),
    originalValue: t.exposeString('originalValue', { nullable: true, description: 'The value OCR read.' }),
    revisedValue: t.exposeString('revisedValue', { nullable: true, description: 'The value the user entered.' }),
  }),
});

const attemptFields = {
  index: '0-based position of the attempt, in the order the user made them.',
  authoritative: 'True for the last attempt: Tencent uses the final attempt as the valid result.',
  requestId: 'Tencent\'s RequestId of the attempt.',
};

const CardAttemptType = builder.objectRef<CardAttempt>('CardAttempt').implement({
  description: 'One identity document (OCR) attempt of an eKYC verification.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: attemptFields.index }),
    authoritative: t.exposeBoolean('authoritative', { description: attemptFields.authoritative }),
    requestId: t.exposeString('requestId', { nullable: true, description: attemptFields.requestId }),
    passed: t.exposeBoolean('passed', { nullable: true, description: 'Whether the document was read and verified.' }),
    edited: t.exposeBoolean('edited', { nullable: true, description: 'Whether the user changed the OCR result.' }),
    warnings: t.field({ type: [CardWarningEnum], description: 'The documented warnings raised.', resolve: (attempt) => attempt.warnings }),
    warningCodes: t.intList({ description: 'Every warning code as sent, documented or not.', resolve: (attempt) => attempt.warningCodes }),
    ocr: t.field({ type: DocumentOcrType, nullable: true, description: 'The document as read; null when OCR failed.', resolve: (attempt) => attempt.ocr }),
    edits: t.field({ type: [OcrEditType], description: 'The user\'s corrections of the OCR result; empty when `edited` is false.', resolve: (attempt) => attempt.edits }),
    cardImage: t.field({ type: ResultFileType, nullable: true, description: 'The photo of the document (heavy media: select it only when you need it).', resolve: (attempt) => attempt.cardImage }),
    cardVideo: t.field({ type: ResultFileType, nullable: true, description: 'The video of the document, when video-based document verification is on.', resolve: (attempt) => attempt.cardVideo }),
    ocrJson: t.field({ type: ResultFileType, nullable: true, description: 'The OCR result as a JSON file, as Tencent stores it.', resolve: (attempt) => attempt.ocrJson }),
  }),
});

const CompareAttemptType = builder.objectRef<CompareAttempt>('CompareAttempt').implement({
  description: 'One liveness and face comparison attempt of an eKYC verification.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: attemptFields.index }),
    authoritative: t.exposeBoolean('authoritative', { description: attemptFields.authoritative }),
    requestId: t.exposeString('requestId', { nullable: true, description: attemptFields.requestId }),
    result: t.field({ type: VerificationStep, description: 'The attempt\'s final outcome.', resolve: (attempt) => attempt.result }),
    liveness: t.field({ type: VerificationStep, nullable: true, description: 'The liveness step\'s outcome.', resolve: (attempt) => attempt.liveness }),
    comparison: t.field({ type: VerificationStep, nullable: true, description: 'The face comparison step\'s outcome; null when comparison did not run.', resolve: (attempt) => attempt.comparison }),
    similarity: t.exposeFloat('similarity', { nullable: true, description: 'Similarity of the two faces, 0–100.' }),
    livenessTags: t.field({ type: [LivenessTagEnum], description: LIVENESS_TAG_FIELDS.livenessTags, resolve: (attempt) => attempt.livenessTags.tags }),
    livenessTagCodes: t.stringList({ description: LIVENESS_TAG_FIELDS.livenessTagCodes, resolve: (attempt) => attempt.livenessTags.codes }),
    bestFrame: t.field({ type: ResultFileType, nullable: true, description: 'The best frame of the face (heavy media).', resolve: (attempt) => attempt.bestFrame }),
    profileImage: t.field({ type: ResultFileType, nullable: true, description: 'The portrait cut from the document (heavy media).', resolve: (attempt) => attempt.profileImage }),
    liveVideo: t.field({ type: ResultFileType, nullable: true, description: 'The liveness video, with its colour reflections (heavy media).', resolve: (attempt) => attempt.liveVideo }),
    actionVideo: t.field({ type: ResultFileType, nullable: true, description: 'The video of the user\'s actions (heavy media).', resolve: (attempt) => attempt.actionVideo }),
    liveData: t.field({ type: ResultFileType, nullable: true, description: 'Tencent\'s liveness algorithm package of the attempt.', resolve: (attempt) => attempt.liveData }),
  }),
});

const resultFields = {
  sdkToken: 'The SDK token the result belongs to.',
  requestId: 'Tencent\'s RequestId of this read; quote it to Tencent support.',
  outcome: 'The verification\'s outcome: NOT_FINISHED until the user completes it.',
  extra: 'Your `extra` from the token request, passed through.',
  deviceRiskLevel: 'Risk level of the user\'s device (ENHANCED and PLUS SDK editions only); null when not reported.',
};

export const SelfieVerificationResultType = builder.objectRef<SelfieVerificationResult>('SelfieVerificationResult').implement({
  description: `The result of a selfie verification (Tencent GetFaceIdResultIntl), kept by Tencent for ${SELFIE_RESULT_RETENTION_SECONDS / 3600} hours after the token was minted. Personal data throughout.`,
  authScopes: { result: true },
  fields: (t) => ({
    sdkToken: t.exposeString('sdkToken', { description: resultFields.sdkToken }),
    requestId: t.exposeString('requestId', { description: resultFields.requestId }),
    outcome: t.field({ type: VerificationOutcomeEnum, description: resultFields.outcome, resolve: (result) => result.result.outcome }),
    result: t.field({ type: VerificationStep, description: 'The outcome with Tencent\'s code and description.', resolve: (result) => result.result }),
    similarity: t.exposeFloat('similarity', {
      nullable: true,
      description: 'Similarity to the photo of the token request, 0–100. Meaningful for LIVENESS_AND_COMPARE only (Tencent returns 0 for LIVENESS).',
    }),
    extra: t.exposeString('extra', { nullable: true, description: resultFields.extra }),
    deviceRiskLevel: t.field({ type: DeviceRiskLevelEnum, nullable: true, description: resultFields.deviceRiskLevel, resolve: (result) => result.deviceRiskLevel }),
    livenessTags: t.field({ type: [LivenessTagEnum], description: LIVENESS_TAG_FIELDS.livenessTags, resolve: (result) => result.livenessTags.tags }),
    livenessTagCodes: t.stringList({ description: LIVENESS_TAG_FIELDS.livenessTagCodes, resolve: (result) => result.livenessTags.codes }),
    bestFrame: t.field({ type: Base64Media, nullable: true, description: 'The best frame of the face (heavy media: often hundreds of KB).', resolve: (result) => result.bestFrame }),
    video: t.field({ type: Base64Media, nullable: true, description: 'The verification video, with its colour reflections (heavy media: often MBs).', resolve: (result) => result.video }),
    actionVideo: t.field({ type: Base64Media, nullable: true, description: 'The video of the user\'s actions (heavy media: often MBs).', resolve: (result) => result.actionVideo }),
  }),
});

export const EkycVerificationResultType = builder.objectRef<EkycVerificationResult>('EkycVerificationResult').implement({
  description: `The result of an eKYC verification (Tencent GetSdkVerificationResult), kept by Tencent for ${EKYC_RESULT_RETENTION_SECONDS / 86400} days after the token was minted. Personal data throughout.`,
  authScopes: { result: true },
  fields: (t) => ({
    sdkToken: t.exposeString('sdkToken', { description: resultFields.sdkToken }),
    requestId: t.exposeString('requestId', { description: resultFields.requestId }),
    outcome: t.field({ type: VerificationOutcomeEnum, description: resultFields.outcome, resolve: (result) => result.result.outcome }),
    result: t.field({ type: VerificationStep, description: 'The outcome with Tencent\'s code and description.', resolve: (result) => result.result }),
    chargeCount: t.exposeInt('chargeCount', { nullable: true, description: 'How many verifications Tencent charged for this token.' }),
    extra: t.exposeString('extra', { nullable: true, description: resultFields.extra }),
    deviceRiskLevel: t.field({ type: DeviceRiskLevelEnum, nullable: true, description: resultFields.deviceRiskLevel, resolve: (result) => result.deviceRiskLevel }),
    cardAttempts: t.field({ type: [CardAttemptType], description: 'The document (OCR) attempts, in order; the last one is authoritative. Empty without OCR.', resolve: (result) => result.cardAttempts }),
    compareAttempts: t.field({ type: [CompareAttemptType], description: 'The liveness and comparison attempts, in order; the last one is authoritative.', resolve: (result) => result.compareAttempts }),
    finalCardAttempt: t.field({ type: CardAttemptType, nullable: true, description: 'The authoritative (last) document attempt.', resolve: (result) => result.cardAttempts.at(-1) ?? null }),
    finalCompareAttempt: t.field({ type: CompareAttemptType, nullable: true, description: 'The authoritative (last) liveness and comparison attempt.', resolve: (result) => result.compareAttempts.at(-1) ?? null }),
  }),
});

const sdkTokenArgDescription = `The SDK token minted by the token mutation (at most ${MAX_SDK_TOKEN_LENGTH} characters). A bearer credential for the result: keep it out of URLs and logs.`;
const costNote = 'Backends only (scope faceid:result). Costs one Tencent request from the action\'s budget on every read; served over POST only, with Cache-Control: no-store.';

builder.queryField('selfieVerificationResult', (t) =>
  t.field({
    authScopes: { result: true },
    type: SelfieVerificationResultType,
    description: `The result of the selfie verification of an SDK token from getSelfieToken (Tencent GetFaceIdResultIntl). ${costNote} An unknown token fails with SDK_TOKEN_UNKNOWN, one past ${SELFIE_RESULT_RETENTION_SECONDS / 3600} hours with SDK_TOKEN_EXPIRED.`,
    args: { sdkToken: t.arg.string({ required: true, description: sdkTokenArgDescription }) },
    resolve: (_root, { sdkToken }, context, info) =>
      resolveFaceIdCall(context, (options) => context.faceid.getSelfieResult(sdkToken, options), info),
  }),
);

builder.queryField('ekycVerificationResult', (t) =>
  t.field({
    authScopes: { result: true },
    type: EkycVerificationResultType,
    description: `The result of the eKYC verification of an SDK token from applyEkycToken (Tencent GetSdkVerificationResult). ${costNote} An unknown token fails with SDK_TOKEN_UNKNOWN, one past ${EKYC_RESULT_RETENTION_SECONDS / 86400} days with SDK_TOKEN_EXPIRED.`,
    args: { sdkToken: t.arg.string({ required: true, description: sdkTokenArgDescription }) },
    resolve: (_root, { sdkToken }, context, info) =>
      resolveFaceIdCall(context, (options) => context.faceid.getEkycResult(sdkToken, options), info),
  }),
);

/**
 * Both results are federation entities keyed by `sdkToken`, so other subgraphs can join on a verification: a
 * subgraph that keeps the SDK token of a user's verification (an onboarding or accounts service) returns
 * `{ __typename: "EkycVerificationResult", sdkToken }` from its own field, and the router fetches the result from
 * this gateway through `_entities`. Resolving a reference is the same Tencent read as the query field (signed,
 * throttled per action, each one costing budget), so the `faceid:result` scope is checked before the call, not
 * only on the result type afterwards; and the response is no-store and POST-only like the query's.
 */
function resolveReference<T extends { requestId: string }>(context: GatewayContext, read: (options: CallOptions) => Promise<T>): Promise<T> {
  if (!context.caller.scopes.has(SCOPES.result)) throw scopeRefusal(context.caller, [SCOPES.result]);
  return resolveFaceIdCall(context, read);
}

builder.asEntity(SelfieVerificationResultType, {
  key: builder.selection<{ sdkToken: string }>('sdkToken'),
  resolveReference: ({ sdkToken }, context) => resolveReference(context, (options) => context.faceid.getSelfieResult(sdkToken, options)),
});

builder.asEntity(EkycVerificationResultType, {
  key: builder.selection<{ sdkToken: string }>('sdkToken'),
  resolveReference: ({ sdkToken }, context) => resolveReference(context, (options) => context.faceid.getEkycResult(sdkToken, options)),
});

/** The names of the result types: a response that selects any of them carries personal data. */
export const RESULT_TYPE_NAMES: ReadonlySet<string> = new Set(['SelfieVerificationResult', 'EkycVerificationResult']);

/**
 * Checks the references a router sends to `_entities` before @apollo/subgraph resolves them: a reference that is no
 * object, names no entity type of this subgraph or has no string `sdkToken` is the caller's mistake, refused as
 * BAD_USER_INPUT naming where it is. Unchecked, each was an INTERNAL_SERVER_ERROR logged with a stack, and an unknown
 * type name was copied whole into the error log, before any scope was checked.
 */
/**
 * References one request may resolve, over every `_entities` field it selects (a router's merged fetches are
 * aliases of it): each is a Tencent read from the result actions' budget of 20 a second, shared by every caller,
 * and holds its answer until the request is answered. Routers do not split batches (Apollo Gateway, Hive Gateway):
 * a page listing 21 accounts' verifications is one `_entities` call of 21, so the bound is what a list page holds,
 * not a second of budget; the reads past what the fair queue admits within its wait bound come back RATE_LIMITED
 * one by one, with `retryAfter`, beside the others' results.
 */
export const MAX_ENTITY_REFERENCES = 100;

/** The references of every `_entities` field of the operation, through fragments; counted once per request. */
function entityReferencesOf(info: GraphQLResolveInfo, entitiesField: GraphQLField<unknown, unknown>): number {
  let count = 0;
  const visited = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== entitiesField.name) continue;
        // Arguments the validation already checked: a bad value cannot reach here.
        const { representations } = getArgumentValues(entitiesField, selection, info.variableValues) as { representations?: unknown };
        if (Array.isArray(representations)) count += representations.length;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(info.operation.selectionSet);
  return count;
}

export function guardEntityReferences(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) return schema;
  const typeList = [...RESULT_TYPE_NAMES].join(' or ');
  // Per request (its context): the references of all its `_entities` fields, counted when the first one runs.
  const referencesInRequest = new WeakMap<object, number>();
  field.resolve = (source, args: { representations?: unknown }, context: GatewayContext, info) => {
    // Every reference is a verification result: a caller who may not read them is told so before its input is
    // judged, as for the result queries.
    if (!context.caller.scopes.has(SCOPES.result)) throw scopeRefusal(context.caller, [SCOPES.result]);
    const references = Array.isArray(args.representations) ? args.representations : [];
    let total = referencesInRequest.get(context);
    if (total === undefined) {
      total = entityReferencesOf(info, field);
      referencesInRequest.set(context, total);
    }
    if (total > MAX_ENTITY_REFERENCES) {
      // Every `_entities` field of the request is refused, so none of them is read.
      throw refusal(
        'BAD_USER_INPUT',
        `This request holds ${total} entity references in all; at most ${MAX_ENTITY_REFERENCES} are resolved per request, each a Tencent read from a budget of 20 a second: fetch fewer at a time.`,
        { extensions: { field: 'representations' } },
      );
    }
    references.forEach((reference: unknown, index) => {
      const where = `representations[${index}]`;
      if (typeof reference !== 'object' || reference === null || Array.isArray(reference)) {
        throw refusal('BAD_USER_INPUT', `${where} must be an object with __typename and sdkToken.`, { extensions: { field: where } });
      }
      const { __typename: typename, sdkToken } = reference as Record<string, unknown>;
      if (typeof typename !== 'string' || !RESULT_TYPE_NAMES.has(typename)) {
        throw refusal('BAD_USER_INPUT', `${where}.__typename must be ${typeList}.`, { extensions: { field: `${where}.__typename` } });
      }
      if (typeof sdkToken !== 'string') {
        throw refusal('BAD_USER_INPUT', `${where}.sdkToken must be a string.`, { extensions: { field: `${where}.sdkToken` } });
      }
      // The form too, before any reference is read: one bad token refuses the request rather than leaving the
      // others to spend Tencent budget on an answer that comes back with an error beside it.
      try {
        validateSdkToken(`${where}.sdkToken`, sdkToken);
      } catch (error) {
        if (error instanceof InvalidInputError) throw refusal('BAD_USER_INPUT', error.message, { extensions: { field: `${where}.sdkToken` } });
        throw error;
      }
    });
    return resolve(source, args, context, info);
  };
  return schema;
}

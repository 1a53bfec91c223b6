/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A liveness action the user performs in front of the camera, for the MOTION security levels. */
export type Action =
  /** Blink (Tencent "blink"; the action Tencent picks when none is given). */
  | 'BLINK'
  /** Open the mouth (Tencent "mouth"). */
  | 'MOUTH'
  /** Nod the head (Tencent "nod"). */
  | 'NOD'
  /** Shake the head (Tencent "shake"). */
  | 'SHAKE';

/** Options of an eKYC verification. Every field is optional; Tencent's default applies to those left out. */
export type ApplyEkycTokenInput = {
  /** One or two distinct actions, in the order the user performs them. Only with securityLevel MOTION or MOTION_AND_REFLECTION. Default: Tencent picks BLINK. */
  actionList?: Array<Action> | null | undefined;
  /** Accept an expired Hong Kong identity card (the only document it applies to). Default: Tencent's, which Tencent's SDK documents as true: an expired HKID is accepted unless this is false. */
  allowExpiredDocument?: boolean | null | undefined;
  /** Let the user upload a document photo instead of taking one. Default false. */
  allowUploadPhoto?: boolean | null | undefined;
  /** OCR fields the SDK shows the user, by Tencent field name (a letter, then letters, digits or _; at most 64 characters): at most 32 names. Default: all. */
  cardOcrDisplayFields?: Array<string> | null | undefined;
  /** What to check. Default OCR_LIVENESS_AND_COMPARE. */
  checkMode?: CheckMode | null | undefined;
  /** The photo to compare the face with. Required with checkMode LIVENESS_AND_COMPARE, rejected otherwise. Standard base64 of a JPEG, PNG or BMP photo, at most 8388608 base64 characters (about 6 MiB of image). A `data:image/...;base64,` prefix, as FileReader.readAsDataURL produces, is accepted and stripped. */
  compareImage?: string | null | undefined;
  /** Forbid the user to edit the OCR result. Default false. Tencent documents it as not applied yet. */
  disableChangeOcrResult?: boolean | null | undefined;
  /** Return the OCR result even when there are OCR warnings. Default false (a warning withholds the result). Applies to Hong Kong and Malaysian identity cards and passports only. */
  disableCheckOcrWarnings?: boolean | null | undefined;
  /** Return the images used for document forgery detection with the result. Default false. */
  enableForgeryDetectionImages?: boolean | null | undefined;
  /** Your own pass-through value, returned with the verification result (at most 1024 bytes in UTF-8). Default none. */
  extra?: string | null | undefined;
  /** Hide the SDK's progress bar. Default false. */
  hideProgressBar?: boolean | null | undefined;
  /** The identity document to read. Default HONG_KONG_ID_CARD. */
  idCardType?: IdCardType | null | undefined;
  /** Tencent `MetaData`: SDK configuration passed through as is, at most 8192 bytes in UTF-8. Default none. */
  metaData?: string | null | undefined;
  /** How many times the user may retry liveness, 1–5. Default 5. */
  retryLimit?: number | null | undefined;
  /** SDK edition the token is for. Default BASIC. */
  sdkVersion?: SdkVersion | null | undefined;
  /** How liveness is detected. Default MOTION_AND_REFLECTION (Tencent's default). */
  securityLevel?: SecurityLevel | null | undefined;
  /** OCR warning codes to act on (Tencent `SelectedWarningCodes`, e.g. -9101): at most 32 distinct codes from -9999 to -9000. Default: Tencent's selection. */
  selectedWarningCodes?: Array<number> | null | undefined;
  /** Skip the SDK's launch page. Default false. */
  skipLaunchPage?: boolean | null | undefined;
  /** Skip the page where the user confirms the OCR result. Default false. */
  skipOcrConfirmPage?: boolean | null | undefined;
  /** Skip the SDK's result page. Default false. */
  skipResultPage?: boolean | null | undefined;
};

/** A warning raised while reading an identity document (Tencent `WarnCardInfos`). */
export type CardWarning =
  /** The document was partly covered. Tencent code -9101. */
  | 'DOCUMENT_COVERED'
  /** The document is a photocopy. Tencent code -9102. */
  | 'DOCUMENT_PHOTOCOPIED'
  /** The document was photographed from a screen. Tencent code -9103. */
  | 'DOCUMENT_PHOTOGRAPHED_FROM_SCREEN'
  /** The document reflected light. Tencent code -9107. */
  | 'DOCUMENT_REFLECTIVE'
  /** The image was blurry. Tencent code -9108. */
  | 'IMAGE_BLURRY'
  /** This warning check is not enabled for the account. Tencent code -9109. */
  | 'WARNING_CHECK_NOT_ENABLED';

/** What a verification checks. */
export type CheckMode =
  /** Liveness detection only. Selfie: Tencent `CheckMode` "liveness" (the default). eKYC: `CheckMode` 3. */
  | 'LIVENESS'
  /** Liveness detection, then comparison with a photo you supply (`image` for a selfie check, `compareImage` for eKYC). Selfie: "compare". eKYC: 2. */
  | 'LIVENESS_AND_COMPARE'
  /** Read an identity document (OCR), detect liveness, and compare the face with the document photo. eKYC only: `CheckMode` 1, Tencent's eKYC default. Rejected by getSelfieToken. */
  | 'OCR_LIVENESS_AND_COMPARE';

/** Risk level of the user's device (Tencent `DeviceInfoLevel`); reported by the ENHANCED and PLUS SDK editions only. */
export type DeviceRiskLevel =
  /** High-risk device. Tencent level 4. */
  | 'HIGH_RISK'
  /** Low-risk device. Tencent level 2. */
  | 'LOW_RISK'
  /** Medium-risk device. Tencent level 3. */
  | 'MEDIUM_RISK'
  /** Secure device. Tencent level 1. */
  | 'SECURE';

/** Options of a selfie verification. Every field is optional; Tencent's default applies to those left out. */
export type GetSelfieTokenInput = {
  /** One or two distinct actions, in the order the user performs them. Only with securityLevel MOTION or MOTION_AND_REFLECTION. Default: Tencent picks BLINK. */
  actionList?: Array<Action> | null | undefined;
  /** LIVENESS (default) or LIVENESS_AND_COMPARE; OCR_LIVENESS_AND_COMPARE is an eKYC mode and is rejected here. */
  checkMode?: CheckMode | null | undefined;
  /** Your own pass-through value, returned with the verification result (at most 1024 bytes in UTF-8). Default none. */
  extra?: string | null | undefined;
  /** The photo to compare the face with. Required with checkMode LIVENESS_AND_COMPARE, rejected otherwise. Standard base64 of a JPEG, PNG or BMP photo, at most 8388608 base64 characters (about 6 MiB of image). A `data:image/...;base64,` prefix, as FileReader.readAsDataURL produces, is accepted and stripped. */
  image?: string | null | undefined;
  /** How many times the user may retry liveness, 1–5. Default 5. */
  retryLimit?: number | null | undefined;
  /** SDK edition the token is for. Default BASIC. */
  sdkVersion?: SdkVersion | null | undefined;
  /** How liveness is detected. Default MOTION_AND_REFLECTION (Tencent's default). */
  securityLevel?: SecurityLevel | null | undefined;
};

/** The identity document an eKYC check reads. Default HONG_KONG_ID_CARD. */
export type IdCardType =
  /** Hong Kong (China) identity card. Tencent "HK", the default. */
  | 'HONG_KONG_ID_CARD'
  /** Exit/entry permit (card) for travelling to and from Hong Kong, Macao or Taiwan (China). Tencent "HMTPermit". */
  | 'HONG_KONG_MACAO_TAIWAN_PERMIT'
  /** Indonesian driver's license. Tencent "IndonesiaDrivingLicense". */
  | 'INDONESIA_DRIVING_LICENSE'
  /** Indonesian identity card (KTP). Tencent "IndonesiaIDCard". */
  | 'INDONESIA_ID_CARD'
  /** Japanese driver's license. Tencent "JapanDrivingLicense". */
  | 'JAPAN_DRIVING_LICENSE'
  /** Japanese identity card (My Number card). Tencent "JapanIDCard". */
  | 'JAPAN_ID_CARD'
  /** Macao (China) identity card. Tencent "MacaoIDCard". */
  | 'MACAO_ID_CARD'
  /** Mainland China resident identity card. Tencent "MainlandIDCard". */
  | 'MAINLAND_CHINA_ID_CARD'
  /** Malaysian driver's license. Tencent "MLDrivingLicense". */
  | 'MALAYSIA_DRIVING_LICENSE'
  /** Malaysian identity card (MyKad). Tencent "ML". */
  | 'MALAYSIA_ID_CARD'
  /** Passport issued in Hong Kong, Macao or Taiwan (China) or any other country or region. Tencent "MLIDPassport". */
  | 'PASSPORT'
  /** Philippine driver's license. Tencent "PhilippinesDrivingLicense". */
  | 'PHILIPPINES_DRIVING_LICENSE'
  /** Philippine SSS ID. Tencent "PhilippinesSSSID". */
  | 'PHILIPPINES_SSS_ID'
  /** Philippine TIN ID. Tencent "PhilippinesTinID". */
  | 'PHILIPPINES_TIN_ID'
  /** Philippine UMID. Tencent "PhilippinesUMID". */
  | 'PHILIPPINES_UMID'
  /** Philippine voter's ID. Tencent "PhilippinesVoteID". */
  | 'PHILIPPINES_VOTER_ID'
  /** Singapore driver's license. Tencent "SingaporeDrivingLicense". */
  | 'SINGAPORE_DRIVING_LICENSE'
  /** Singapore identity card (NRIC). Tencent "SingaporeIDCard". */
  | 'SINGAPORE_ID_CARD'
  /** Taiwan (China) identity card. Tencent "TaiWanIDCard". */
  | 'TAIWAN_ID_CARD'
  /** Thai driver's license. Tencent "ThailandDrivingLicense". */
  | 'THAILAND_DRIVING_LICENSE'
  /** Thai identity card. Tencent "ThailandIDCard". */
  | 'THAILAND_ID_CARD';

/** Why liveness detection failed (Tencent `LivenessInfoTag`). Tencent documents it for the PLUS and PRO SDK editions in selfie results, and for PLUS only in eKYC results. */
export type LivenessTag =
  /** The user did not complete the requested action. Tencent tag "02". */
  | 'ACTION_NOT_COMPLETED'
  /** The user kept their eyes closed throughout. Tencent tag "01". */
  | 'EYES_CLOSED'
  /** Face verification failed. Tencent tag "10". */
  | 'FACE_VERIFICATION_FAILED'
  /** Reflection (light) verification failed. Tencent tag "09". */
  | 'LIGHT_VERIFICATION_FAILED'
  /** The capture quality was not acceptable. Tencent tag "12". */
  | 'POOR_CAPTURE_QUALITY'
  /** The face quality was poor. Tencent tag "11". */
  | 'POOR_FACE_QUALITY'
  /** An adversarial sample attack is suspected. Tencent tag "13". */
  | 'SUSPECTED_ADVERSARIAL_ATTACK'
  /** A fraud template is suspected. Tencent tag "07". */
  | 'SUSPECTED_FRAUD_TEMPLATE'
  /** A photo replay attack is suspected. Tencent tag "03". */
  | 'SUSPECTED_PHOTO_REPLAY'
  /** A synthetic action is suspected. Tencent tag "06". */
  | 'SUSPECTED_SYNTHETIC_ACTION'
  /** A synthetic image is suspected. Tencent tag "04". */
  | 'SUSPECTED_SYNTHETIC_IMAGE'
  /** A synthetic video is suspected. Tencent tag "05". */
  | 'SUSPECTED_SYNTHETIC_VIDEO'
  /** A watermark is suspected. Tencent tag "08". */
  | 'SUSPECTED_WATERMARK';

/** Edition of the Tencent FaceID mobile/web SDK the token is for; must match the SDK your app embeds. */
export type SdkVersion =
  /** Basic edition (Tencent's default). */
  | 'BASIC'
  /** Enhanced edition. */
  | 'ENHANCED'
  /** Plus edition. */
  | 'PLUS'
  /** Pro edition. */
  | 'PRO';

/** How liveness is detected; security rises from VIDEO to MOTION_AND_REFLECTION. Sent to Tencent as 1–4 (a string `SecureLevel` for selfie checks, an integer `SecurityLevel` for eKYC). */
export type SecurityLevel =
  /** Motion-based liveness detection: the user performs the actions of `actionList` (level 2). */
  | 'MOTION'
  /** Motion- and reflection-based liveness detection (level 4), the most secure. Tencent's default for both checks. */
  | 'MOTION_AND_REFLECTION'
  /** Reflection-based liveness detection: the screen flashes colours (level 3). */
  | 'REFLECTION'
  /** Video-based liveness detection (level 1). */
  | 'VIDEO';

/** Where the gateway obtains tokens. */
export type Upstream =
  /** An endpoint set by FACEID_ENDPOINT that speaks Tencent's protocol: a proxy or private endpoint of Tencent Cloud, or a standalone FaceID emulator. */
  | 'CUSTOM_ENDPOINT'
  /** The built-in FaceID emulator (development only): tokens are well-formed but the real SDK rejects them. */
  | 'EMULATOR'
  /** Tencent Cloud FaceID at its public endpoint: tokens work with the real SDK. */
  | 'TENCENT_CLOUD';

/** The outcome of a verification, or of one attempt's liveness or comparison step, named from Tencent's result codes. */
export type VerificationOutcome =
  /** Face comparison failed. Tencent code 2015. */
  | 'FACE_COMPARISON_FAILED'
  /** Face detection failed. Tencent code 1004. */
  | 'FACE_DETECTION_FAILED'
  /** The face was occluded. Tencent code 2017. */
  | 'FACE_OCCLUDED'
  /** The image passed in was too large or too small. Tencent code 2004. */
  | 'IMAGE_SIZE_OUT_OF_RANGE'
  /** Tencent could not call its liveness engine. Tencent code 1001. */
  | 'LIVENESS_ENGINE_FAILED'
  /** Liveness detection failed: see livenessTags for the reason, when the SDK edition reports one. Tencent code 1005. */
  | 'LIVENESS_FAILED'
  /** The image resolution or quality was too low. Tencent code 2014. */
  | 'LOW_IMAGE_QUALITY'
  /** More than one face was detected. Tencent code 2012. */
  | 'MULTIPLE_FACES'
  /** The user has not finished the verification yet (or never started it): read again later. Tencent code -999. */
  | 'NOT_FINISHED'
  /** No face was detected, or the face was incomplete. Tencent code 2013. */
  | 'NO_COMPLETE_FACE'
  /** The lighting was too dark or overexposed. Tencent code 1201. */
  | 'POOR_LIGHTING'
  /** The faces were compared and the similarity did not reach the passing threshold. Tencent code 2016. */
  | 'SIMILARITY_BELOW_THRESHOLD'
  /** The verification passed. Tencent code 0. */
  | 'SUCCESS'
  /** A spoofed (replayed or recorded) face is suspected. Tencent code 1002. */
  | 'SUSPECTED_SPOOFED_RECORDING'
  /** A result code Tencent has not documented; `resultCode` holds it as sent. */
  | 'UNKNOWN';

export type ApplyEkycTokenMutationVariables = Exact<{
  input: ApplyEkycTokenInput;
}>;


export type ApplyEkycTokenMutation = { applyEkycToken: { sdkToken: string, requestId: string, expiresAt: string } };

export type EkycVerificationResultQueryVariables = Exact<{
  sdkToken: string;
  withFiles?: boolean;
}>;


export type EkycVerificationResultQuery = { ekycVerificationResult: { sdkToken: string, requestId: string, outcome: VerificationOutcome, chargeCount: number | null, extra: string | null, deviceRiskLevel: DeviceRiskLevel | null, result: { outcome: VerificationOutcome, resultCode: string, description: string | null }, cardAttempts: Array<{ index: number, authoritative: boolean, requestId: string | null, passed: boolean | null, edited: boolean | null, warnings: Array<CardWarning>, warningCodes: Array<number>, ocr: { documentKind: string, fullName: string | null, documentNumber: string | null, birthDate: string | null, sex: string | null, address: string | null, nationality: string | null, issueDate: string | null, expiryDate: string | null, fields: Array<{ name: string, value: string }> } | null, edits: Array<{ fieldName: string, originalValue: string | null, revisedValue: string | null }>, cardImage?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null, cardVideo?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null, ocrJson?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null }>, compareAttempts: Array<{ index: number, authoritative: boolean, requestId: string | null, similarity: number | null, livenessTags: Array<LivenessTag>, livenessTagCodes: Array<string>, result: { outcome: VerificationOutcome, resultCode: string, description: string | null }, liveness: { outcome: VerificationOutcome, resultCode: string, description: string | null } | null, comparison: { outcome: VerificationOutcome, resultCode: string, description: string | null } | null, bestFrame?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null, profileImage?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null, liveVideo?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null, actionVideo?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null, liveData?: { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string } | null }> } };

export type ResultFileFieldsFragment = { url: string, md5: string | null, sizeBytes: number | null, expiresAt: string };

export type GatewayInfoQueryVariables = Exact<{ [key: string]: never; }>;


export type GatewayInfoQuery = { gateway: { upstream: Upstream, region: string, limits: { maxImageBase64Length: number, maxExtraBytes: number, maxActions: number, minRetryLimit: number, maxRetryLimit: number, requestsPerSecondPerMutation: number, selfieTokenLifetimeSeconds: number, ekycTokenLifetimeSeconds: number } } };

export type GetSelfieTokenMutationVariables = Exact<{
  input: GetSelfieTokenInput;
}>;


export type GetSelfieTokenMutation = { getSelfieToken: { sdkToken: string, requestId: string, expiresAt: string } };

export type SelfieVerificationResultQueryVariables = Exact<{
  sdkToken: string;
  withMedia?: boolean;
}>;


export type SelfieVerificationResultQuery = { selfieVerificationResult: { sdkToken: string, requestId: string, outcome: VerificationOutcome, similarity: number | null, extra: string | null, deviceRiskLevel: DeviceRiskLevel | null, livenessTags: Array<LivenessTag>, livenessTagCodes: Array<string>, result: { outcome: VerificationOutcome, resultCode: string, description: string | null }, bestFrame?: { base64: string | null, base64Length: number } | null, video?: { base64: string | null, base64Length: number } | null, actionVideo?: { base64: string | null, base64Length: number } | null } };

export const ResultFileFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ResultFileFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ResultFile"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"md5"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]} as unknown as DocumentNode<ResultFileFieldsFragment, unknown>;
export const ApplyEkycTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ApplyEkycToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ApplyEkycTokenInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"applyEkycToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sdkToken"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<ApplyEkycTokenMutation, ApplyEkycTokenMutationVariables>;
export const EkycVerificationResultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"EkycVerificationResult"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sdkToken"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},"defaultValue":{"kind":"BooleanValue","value":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ekycVerificationResult"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"sdkToken"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sdkToken"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sdkToken"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"resultCode"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"Field","name":{"kind":"Name","value":"chargeCount"}},{"kind":"Field","name":{"kind":"Name","value":"extra"}},{"kind":"Field","name":{"kind":"Name","value":"deviceRiskLevel"}},{"kind":"Field","name":{"kind":"Name","value":"cardAttempts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"authoritative"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"passed"}},{"kind":"Field","name":{"kind":"Name","value":"edited"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"warningCodes"}},{"kind":"Field","name":{"kind":"Name","value":"ocr"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"documentKind"}},{"kind":"Field","name":{"kind":"Name","value":"fullName"}},{"kind":"Field","name":{"kind":"Name","value":"documentNumber"}},{"kind":"Field","name":{"kind":"Name","value":"birthDate"}},{"kind":"Field","name":{"kind":"Name","value":"sex"}},{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"nationality"}},{"kind":"Field","name":{"kind":"Name","value":"issueDate"}},{"kind":"Field","name":{"kind":"Name","value":"expiryDate"}},{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"edits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fieldName"}},{"kind":"Field","name":{"kind":"Name","value":"originalValue"}},{"kind":"Field","name":{"kind":"Name","value":"revisedValue"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cardImage"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cardVideo"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ocrJson"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"compareAttempts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"authoritative"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"resultCode"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"Field","name":{"kind":"Name","value":"liveness"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"resultCode"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"Field","name":{"kind":"Name","value":"comparison"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"resultCode"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"Field","name":{"kind":"Name","value":"similarity"}},{"kind":"Field","name":{"kind":"Name","value":"livenessTags"}},{"kind":"Field","name":{"kind":"Name","value":"livenessTagCodes"}},{"kind":"Field","name":{"kind":"Name","value":"bestFrame"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"profileImage"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"liveVideo"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"actionVideo"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"liveData"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withFiles"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ResultFileFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ResultFileFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ResultFile"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"md5"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]} as unknown as DocumentNode<EkycVerificationResultQuery, EkycVerificationResultQueryVariables>;
export const GatewayInfoDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GatewayInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gateway"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upstream"}},{"kind":"Field","name":{"kind":"Name","value":"region"}},{"kind":"Field","name":{"kind":"Name","value":"limits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"maxImageBase64Length"}},{"kind":"Field","name":{"kind":"Name","value":"maxExtraBytes"}},{"kind":"Field","name":{"kind":"Name","value":"maxActions"}},{"kind":"Field","name":{"kind":"Name","value":"minRetryLimit"}},{"kind":"Field","name":{"kind":"Name","value":"maxRetryLimit"}},{"kind":"Field","name":{"kind":"Name","value":"requestsPerSecondPerMutation"}},{"kind":"Field","name":{"kind":"Name","value":"selfieTokenLifetimeSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"ekycTokenLifetimeSeconds"}}]}}]}}]}}]} as unknown as DocumentNode<GatewayInfoQuery, GatewayInfoQueryVariables>;
export const GetSelfieTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GetSelfieToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GetSelfieTokenInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"getSelfieToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sdkToken"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<GetSelfieTokenMutation, GetSelfieTokenMutationVariables>;
export const SelfieVerificationResultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SelfieVerificationResult"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sdkToken"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"withMedia"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},"defaultValue":{"kind":"BooleanValue","value":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"selfieVerificationResult"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"sdkToken"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sdkToken"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sdkToken"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"resultCode"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}},{"kind":"Field","name":{"kind":"Name","value":"similarity"}},{"kind":"Field","name":{"kind":"Name","value":"extra"}},{"kind":"Field","name":{"kind":"Name","value":"deviceRiskLevel"}},{"kind":"Field","name":{"kind":"Name","value":"livenessTags"}},{"kind":"Field","name":{"kind":"Name","value":"livenessTagCodes"}},{"kind":"Field","name":{"kind":"Name","value":"bestFrame"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withMedia"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base64"}},{"kind":"Field","name":{"kind":"Name","value":"base64Length"}}]}},{"kind":"Field","name":{"kind":"Name","value":"video"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withMedia"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base64"}},{"kind":"Field","name":{"kind":"Name","value":"base64Length"}}]}},{"kind":"Field","name":{"kind":"Name","value":"actionVideo"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"withMedia"}}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"base64"}},{"kind":"Field","name":{"kind":"Name","value":"base64Length"}}]}}]}}]}}]} as unknown as DocumentNode<SelfieVerificationResultQuery, SelfieVerificationResultQueryVariables>;
/**
 * The enums of the public contract. Values are the gateway's names; the Tencent value each one becomes is given
 * in its description, and the mapping itself lives in src/faceid/wire.ts.
 */
import type { CheckMode, IdCardType, LivenessAction, SdkVersion, SecurityLevel } from '../faceid/requests.js';
import { builder } from './builder.js';

type EnumValues<T extends string> = Record<T, { description: string }>;

const checkModeValues: EnumValues<CheckMode> = {
  LIVENESS: {
    description:
      'Liveness detection only. Selfie: Tencent `CheckMode` "liveness" (the default). eKYC: `CheckMode` 3.',
  },
  LIVENESS_AND_COMPARE: {
    description:
      'Liveness detection, then comparison with a photo you supply (`image` for a selfie check, `compareImage` for eKYC). Selfie: "compare". eKYC: 2.',
  },
  OCR_LIVENESS_AND_COMPARE: {
    description:
      'Read an identity document (OCR), detect liveness, and compare the face with the document photo. eKYC only: `CheckMode` 1, Tencent\'s eKYC default. Rejected by getSelfieToken.',
  },
};

export const CheckModeEnum = builder.enumType('CheckMode', {
  description: 'What a verification checks.',
  values: checkModeValues,
});

const securityLevelValues: EnumValues<SecurityLevel> = {
  VIDEO: { description: 'Video-based liveness detection (level 1).' },
  MOTION: { description: 'Motion-based liveness detection: the user performs the actions of `actionList` (level 2).' },
  REFLECTION: { description: 'Reflection-based liveness detection: the screen flashes colours (level 3).' },
  MOTION_AND_REFLECTION: {
    description: 'Motion- and reflection-based liveness detection (level 4), the most secure. Tencent\'s default for both checks.',
  },
};

export const SecurityLevelEnum = builder.enumType('SecurityLevel', {
  description:
    'How liveness is detected; security rises from VIDEO to MOTION_AND_REFLECTION. Sent to Tencent as 1–4 (a string `SecureLevel` for selfie checks, an integer `SecurityLevel` for eKYC).',
  values: securityLevelValues,
});

const actionValues: EnumValues<LivenessAction> = {
  BLINK: { description: 'Blink (Tencent "blink"; the action Tencent picks when none is given).' },
  MOUTH: { description: 'Open the mouth (Tencent "mouth").' },
  NOD: { description: 'Nod the head (Tencent "nod").' },
  SHAKE: { description: 'Shake the head (Tencent "shake").' },
};

export const ActionEnum = builder.enumType('Action', {
  description: 'A liveness action the user performs in front of the camera, for the MOTION security levels.',
  values: actionValues,
});

const sdkVersionValues: EnumValues<SdkVersion> = {
  BASIC: { description: 'Basic edition (Tencent\'s default).' },
  ENHANCED: { description: 'Enhanced edition.' },
  PRO: { description: 'Pro edition.' },
  PLUS: { description: 'Plus edition.' },
};

export const SdkVersionEnum = builder.enumType('SdkVersion', {
  description: 'Edition of the Tencent FaceID mobile/web SDK the token is for; must match the SDK your app embeds.',
  values: sdkVersionValues,
});

const idCardTypeValues: EnumValues<IdCardType> = {
  HONG_KONG_ID_CARD: { description: 'Hong Kong (China) identity card. Tencent "HK", the default.' },
  MALAYSIA_ID_CARD: { description: 'Malaysian identity card (MyKad). Tencent "ML".' },
  INDONESIA_ID_CARD: { description: 'Indonesian identity card (KTP). Tencent "IndonesiaIDCard".' },
  PHILIPPINES_VOTER_ID: { description: "Philippine voter's ID. Tencent \"PhilippinesVoteID\"." },
  PHILIPPINES_DRIVING_LICENSE: { description: "Philippine driver's license. Tencent \"PhilippinesDrivingLicense\"." },
  PHILIPPINES_TIN_ID: { description: 'Philippine TIN ID. Tencent "PhilippinesTinID".' },
  PHILIPPINES_SSS_ID: { description: 'Philippine SSS ID. Tencent "PhilippinesSSSID".' },
  PHILIPPINES_UMID: { description: 'Philippine UMID. Tencent "PhilippinesUMID".' },
  PASSPORT: {
    description: 'Passport issued in Hong Kong, Macao or Taiwan (China) or any other country or region. Tencent "MLIDPassport".',
  },
  MACAO_ID_CARD: { description: 'Macao (China) identity card. Tencent "MacaoIDCard".' },
  THAILAND_ID_CARD: { description: 'Thai identity card. Tencent "ThailandIDCard".' },
  MAINLAND_CHINA_ID_CARD: { description: 'Mainland China resident identity card. Tencent "MainlandIDCard".' },
  SINGAPORE_ID_CARD: { description: 'Singapore identity card (NRIC). Tencent "SingaporeIDCard".' },
  JAPAN_ID_CARD: { description: 'Japanese identity card (My Number card). Tencent "JapanIDCard".' },
  MALAYSIA_DRIVING_LICENSE: { description: "Malaysian driver's license. Tencent \"MLDrivingLicense\"." },
  INDONESIA_DRIVING_LICENSE: { description: "Indonesian driver's license. Tencent \"IndonesiaDrivingLicense\"." },
  THAILAND_DRIVING_LICENSE: { description: "Thai driver's license. Tencent \"ThailandDrivingLicense\"." },
  SINGAPORE_DRIVING_LICENSE: { description: "Singapore driver's license. Tencent \"SingaporeDrivingLicense\"." },
  JAPAN_DRIVING_LICENSE: { description: "Japanese driver's license. Tencent \"JapanDrivingLicense\"." },
  TAIWAN_ID_CARD: { description: 'Taiwan (China) identity card. Tencent "TaiWanIDCard".' },
  HONG_KONG_MACAO_TAIWAN_PERMIT: {
    description: 'Exit/entry permit (card) for travelling to and from Hong Kong, Macao or Taiwan (China). Tencent "HMTPermit".',
  },
};

export const IdCardTypeEnum = builder.enumType('IdCardType', {
  description: 'The identity document an eKYC check reads. Default HONG_KONG_ID_CARD.',
  values: idCardTypeValues,
});

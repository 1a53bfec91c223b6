/** applyEkycToken: a token for the eKYC SDK, document plus selfie (Tencent ApplySdkVerificationToken). */
import {
  MAX_CARD_OCR_DISPLAY_FIELDS,
  MAX_CARD_OCR_FIELD_NAME_LENGTH,
  MAX_META_DATA_BYTES,
  MAX_SELECTED_WARNING_CODES,
  WARNING_CODE_RANGE,
} from '../faceid/requests.js';
import { builder } from './builder.js';
import { IdCardTypeEnum } from './enums.js';
import { IMAGE_FORMAT_DESCRIPTION, livenessInputFields, resolveFaceIdCall, tokenPayloadType } from './token-fields.js';

export const ApplyEkycTokenInput = builder.inputType('ApplyEkycTokenInput', {
  description: 'Options of an eKYC verification. Every field is optional; Tencent\'s default applies to those left out.',
  fields: (t) => ({
    ...livenessInputFields(t, 'What to check. Default OCR_LIVENESS_AND_COMPARE.'),
    idCardType: t.field({ type: IdCardTypeEnum, description: 'The identity document to read. Default HONG_KONG_ID_CARD.' }),
    compareImage: t.string({
      description: `The photo to compare the face with. Required with checkMode LIVENESS_AND_COMPARE, rejected otherwise. ${IMAGE_FORMAT_DESCRIPTION}`,
    }),
    disableChangeOcrResult: t.boolean({
      description: 'Forbid the user to edit the OCR result. Default false. Tencent documents it as not applied yet.',
    }),
    disableCheckOcrWarnings: t.boolean({
      description:
        'Return the OCR result even when there are OCR warnings. Default false (a warning withholds the result). Applies to Hong Kong and Malaysian identity cards and passports only.',
    }),
    selectedWarningCodes: t.intList({
      description: `OCR warning codes to act on (Tencent \`SelectedWarningCodes\`, e.g. -9101): at most ${MAX_SELECTED_WARNING_CODES} distinct codes from ${WARNING_CODE_RANGE.min} to ${WARNING_CODE_RANGE.max}. Default: Tencent's selection.`,
    }),
    allowExpiredDocument: t.boolean({
      description:
        "Accept an expired Hong Kong identity card (the only document it applies to). Default: Tencent's, which Tencent's SDK documents as true: an expired HKID is accepted unless this is false.",
    }),
    skipResultPage: t.boolean({ description: 'Skip the SDK\'s result page. Default false.' }),
    skipLaunchPage: t.boolean({ description: 'Skip the SDK\'s launch page. Default false.' }),
    skipOcrConfirmPage: t.boolean({ description: 'Skip the page where the user confirms the OCR result. Default false.' }),
    hideProgressBar: t.boolean({ description: 'Hide the SDK\'s progress bar. Default false.' }),
    allowUploadPhoto: t.boolean({ description: 'Let the user upload a document photo instead of taking one. Default false.' }),
    enableForgeryDetectionImages: t.boolean({
      description: 'Return the images used for document forgery detection with the result. Default false.',
    }),
    cardOcrDisplayFields: t.stringList({
      description: `OCR fields the SDK shows the user, by Tencent field name (a letter, then letters, digits or _; at most ${MAX_CARD_OCR_FIELD_NAME_LENGTH} characters): at most ${MAX_CARD_OCR_DISPLAY_FIELDS} names. Default: all.`,
    }),
    metaData: t.string({
      description: `Tencent \`MetaData\`: SDK configuration passed through as is, at most ${MAX_META_DATA_BYTES} bytes in UTF-8. Default none.`,
    }),
  }),
});

export const EkycToken = tokenPayloadType(
  'EkycToken',
  'An eKYC SDK token (Tencent ApplySdkVerificationToken).',
  '7,200 seconds (2 hours)',
);

builder.mutationField('applyEkycToken', (t) =>
  t.field({
    authScopes: { ekyc: true },
    type: EkycToken,
    description:
      'Mints an SDK token for one eKYC verification (identity document OCR, liveness and face comparison), through Tencent ApplySdkVerificationToken.',
    args: { input: t.arg({ type: ApplyEkycTokenInput, required: true, description: 'What the eKYC verification checks, and how.' }) },
    resolve: (_root, { input }, context, info) =>
      resolveFaceIdCall(context, (options) => context.faceid.applyEkycToken(input, options), info),
  }),
);

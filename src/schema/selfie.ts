/** getSelfieToken: a token for the selfie verification SDK (Tencent GetFaceIdTokenIntl). */
import { builder } from './builder.js';
import { IMAGE_FORMAT_DESCRIPTION, livenessInputFields, resolveFaceIdCall, tokenPayloadType } from './token-fields.js';

export const GetSelfieTokenInput = builder.inputType('GetSelfieTokenInput', {
  description: 'Options of a selfie verification. Every field is optional; Tencent\'s default applies to those left out.',
  fields: (t) => ({
    ...livenessInputFields(
      t,
      'LIVENESS (default) or LIVENESS_AND_COMPARE; OCR_LIVENESS_AND_COMPARE is an eKYC mode and is rejected here.',
    ),
    image: t.string({
      description: `The photo to compare the face with. Required with checkMode LIVENESS_AND_COMPARE, rejected otherwise. ${IMAGE_FORMAT_DESCRIPTION}`,
    }),
  }),
});

export const SelfieToken = tokenPayloadType(
  'SelfieToken',
  'A selfie verification SDK token (Tencent GetFaceIdTokenIntl).',
  '10 minutes',
);

builder.mutationField('getSelfieToken', (t) =>
  t.field({
    authScopes: { selfie: true },
    type: SelfieToken,
    description:
      'Mints an SDK token for one selfie (liveness, optionally face-compare) verification, through Tencent GetFaceIdTokenIntl.',
    args: { input: t.arg({ type: GetSelfieTokenInput, required: true, description: 'What the selfie verification checks, and how.' }) },
    resolve: (_root, { input }, context, info) =>
      resolveFaceIdCall(context, (options) => context.faceid.getSelfieToken(input, options), info),
  }),
);

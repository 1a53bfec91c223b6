/** The built-in FaceID emulator: a local stand-in for faceid.intl.tencentcloudapi.com. */
export { MAX_RECORDED_BODY_BYTES, MAX_RECORDED_REQUESTS, startFaceIdEmulator } from './server.js';
export type { FaceIdEmulator, FaceIdEmulatorOptions, RecordedRequest } from './server.js';
export type { EmulatorKeyPair } from './authenticate.js';
export type { EmulatorFault } from './faults.js';
export { EMULATOR_DEVELOPMENT_KEY_PAIR } from './development-key-pair.js';
export type { EmulatorOutcome, VerificationKind } from './verifications.js';
export { EMULATOR_OUTCOME_CODES, MAX_STORED_VERIFICATIONS } from './verifications.js';
export { EMULATOR_CONTROL_PREFIX } from './control.js';

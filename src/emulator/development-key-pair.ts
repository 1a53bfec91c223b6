/** The emulator's public, obviously fake credentials for local development. */
import type { EmulatorKeyPair } from './authenticate.js';

/**
 * Accepted by `npm run emulator` when no TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY are set. Public by
 * design (it is printed at start-up and committed here): it opens nothing but a local emulator.
 */
export const EMULATOR_DEVELOPMENT_KEY_PAIR: EmulatorKeyPair = Object.freeze({
  secretId: 'AKIDFACEIDEMULATOR0000000000000000',
  secretKey: 'faceid-emulator-development-key',
});

/** The benchmark's upstream: the FaceID emulator with its rate limit lifted, as a process of its own. */
import { startFaceIdEmulator } from '../src/emulator/index.js';

const emulator = await startFaceIdEmulator({
  keyPairs: [{ secretId: process.env.TENCENTCLOUD_SECRET_ID!, secretKey: process.env.TENCENTCLOUD_SECRET_KEY! }],
  rateLimitPerSecond: Number.MAX_SAFE_INTEGER,
});
// The emulator records every request for tests; the benchmark sends tens of thousands, so forget them.
setInterval(() => emulator.clearRecords(), 1000).unref();
console.log(`listening on ${emulator.url}`);

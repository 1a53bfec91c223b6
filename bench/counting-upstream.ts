/**
 * The FaceID emulator with its rate limit lifted, as a process of its own, that reports when every request arrived:
 * a line `arrivals [ms, …]` on stderr every 200 ms. `npm run bench:retry-flood` judges the gateway's pace by it.
 */
import { startFaceIdEmulator } from '../src/emulator/index.js';

const REPORT_INTERVAL_MS = 200;

const emulator = await startFaceIdEmulator({
  keyPairs: [{ secretId: process.env.TENCENTCLOUD_SECRET_ID!, secretKey: process.env.TENCENTCLOUD_SECRET_KEY! }],
  rateLimitPerSecond: Number.MAX_SAFE_INTEGER,
});
setInterval(() => {
  const arrivals = emulator.requests.map((request) => request.receivedAtMs);
  emulator.clearRecords();
  if (arrivals.length > 0) process.stderr.write(`arrivals ${JSON.stringify(arrivals)}\n`);
}, REPORT_INTERVAL_MS).unref();
console.log(`listening on ${emulator.url}`);

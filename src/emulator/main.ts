/**
 * `npm run emulator`: the FaceID emulator as a process. The only emulator file that reads process.env, listens
 * for signals or exits. It logs one start-up line and never a request, an Authorization header or a body.
 */
import { EmulatorConfigError, loadEmulatorConfig, type EmulatorProcessConfig } from './config.js';
import { startFaceIdEmulator } from './server.js';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let config: EmulatorProcessConfig;
try {
  config = loadEmulatorConfig(process.env);
} catch (error) {
  if (error instanceof EmulatorConfigError) fail(error.message);
  throw error;
}

const emulator = await startFaceIdEmulator({ keyPairs: [config.keyPair], port: config.port }).catch((error: NodeJS.ErrnoException) =>
  fail(`FaceID emulator could not listen on port ${config.port}: ${error.code ?? error.message}`),
);

// The secret key is printed only when it is the public development one; a real key never reaches a log.
const credentials = config.usesDevelopmentKeyPair
  ? `SecretId ${config.keyPair.secretId}, SecretKey ${config.keyPair.secretKey} (public development key pair)`
  : `SecretId ${config.keyPair.secretId} (from TENCENTCLOUD_SECRET_ID)`;
console.log(`FaceID emulator listening on ${emulator.url}, accepting ${credentials}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

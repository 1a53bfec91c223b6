/**
 * `npm run bench:spread-literals`: why the FaceID client empties got's `cacheOptions` (clearUnusedCacheOptions).
 * Times got's own `createNativeRequestOptions` with got's default `cacheOptions` and with an empty one, then the
 * shape behind the difference: an object literal that starts with a spread and goes on with more properties, by
 * the size of the spread object and the number of properties after it. On Node 20's V8 every property after a
 * non-empty spread is slow; run it on a newer Node to see whether the hook is still needed. Asserts nothing.
 */
import got, { Options } from 'got';

const CALLS = 100_000;
const WARM_UP_CALLS = 10_000;

/** Microseconds per call of `call`, after a warm-up. */
function microsPerCall(call: () => unknown): number {
  for (let index = 0; index < WARM_UP_CALLS; index += 1) call();
  const startedAt = performance.now();
  for (let index = 0; index < CALLS; index += 1) call();
  return ((performance.now() - startedAt) * 1000) / CALLS;
}

const options = new Options('http://127.0.0.1/', { method: 'POST', body: '{}' }, got.defaults.options);
console.log(`node ${process.version}; µs per call, ${CALLS.toLocaleString('en-US')} calls after ${WARM_UP_CALLS.toLocaleString('en-US')} to warm up\n`);
console.log(`got createNativeRequestOptions, got's default cacheOptions (${Object.keys(options.cacheOptions).length} entries): ${microsPerCall(() => options.createNativeRequestOptions()).toFixed(2)}`);
options.cacheOptions = {};
console.log(`got createNativeRequestOptions, empty cacheOptions: ${microsPerCall(() => options.createNativeRequestOptions()).toFixed(2)}\n`);

const SPREADS: ReadonlyArray<[string, object]> = [
  ['{}', {}],
  ['1 entry', { a: 1 }],
  ['4 undefined entries', { shared: undefined, cacheHeuristic: undefined, immutableMinTimeToLive: undefined, ignoreCargoCult: undefined }],
];
const PROPERTIES_AFTER = [1, 4, 8, 16, 32];
console.log(`| spread | ${PROPERTIES_AFTER.map((count) => `then ${count}`).join(' | ')} |`);
console.log(`|---|${PROPERTIES_AFTER.map(() => '---').join('|')}|`);
for (const [label, spread] of SPREADS) {
  const cells = PROPERTIES_AFTER.map((count) => {
    // One function per shape, as a literal written in source would be.
    const literal = new Function('spread', `return { ...spread, ${Array.from({ length: count }, (_, index) => `p${index}: ${index}`).join(', ')} };`) as (
      spread: object,
    ) => object;
    return microsPerCall(() => literal(spread)).toFixed(2);
  });
  console.log(`| ${label} | ${cells.join(' | ')} |`);
}

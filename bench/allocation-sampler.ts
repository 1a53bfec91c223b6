/**
 * Loaded into the profiled gateway with `--import` when `npm run bench:profile` runs with PROFILE_ALLOCATIONS=1:
 * V8's sampling heap profiler, told to keep the objects that garbage collection has already freed, so the profile
 * shows everything allocated (what the collector has to clear), not only what is alive at the end. Written to
 * ALLOCATION_PROFILE_FILE when the process exits; an in-process inspector session answers synchronously, so the
 * profile can be taken in the `exit` handler.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** One sample per this many bytes on average: fine enough for objects of a few hundred bytes. */
const SAMPLING_INTERVAL_BYTES = 4096;
const file = process.env.ALLOCATION_PROFILE_FILE;
if (!file) throw new Error('ALLOCATION_PROFILE_FILE must name the file the allocation profile is written to');

const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: SAMPLING_INTERVAL_BYTES,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
process.once('exit', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) throw error;
    writeFileSync(file, JSON.stringify(result.profile));
  });
});

import { describe, expect, it } from 'vitest';
import { createRateWindow } from '../src/emulator/rate-window.js';

describe('createRateWindow', () => {
  const clocked = (limit: number) => {
    let now = 0;
    const window = createRateWindow({ limit, now: () => now });
    return { window, advance: (ms: number) => (now += ms) };
  };

  it('admits `limit` requests per key in a window, then refuses', () => {
    const { window } = clocked(3);
    const outcomes = Array.from({ length: 4 }, () => window.tryAdmit('A').admitted);

    expect(outcomes).toEqual([true, true, true, false]);
    expect(window.tryAdmit('B').admitted).toBe(true);
  });

  it('slides: a slot frees exactly one second after its request was admitted', () => {
    const { window, advance } = clocked(2);
    window.tryAdmit('A'); // t=0
    advance(600);
    window.tryAdmit('A'); // t=600
    advance(399);
    expect(window.tryAdmit('A').admitted).toBe(false); // t=999: both still inside
    advance(1);
    expect(window.tryAdmit('A').admitted).toBe(true); // t=1000: the first has left
    expect(window.tryAdmit('A').admitted).toBe(false);
  });

  it('does not count refused requests, so retries do not extend a lock-out', () => {
    const { window, advance } = clocked(1);
    window.tryAdmit('A'); // admitted at t=0
    for (let step = 0; step < 9; step += 1) {
      advance(100);
      expect(window.tryAdmit('A').admitted).toBe(false);
    }
    advance(100); // t=1000
    expect(window.tryAdmit('A').admitted).toBe(true);
  });

  it('reports how many admitted requests fill the window', () => {
    const { window } = clocked(2);
    window.tryAdmit('A');
    window.tryAdmit('A');
    expect(window.tryAdmit('A')).toEqual({ admitted: false, inWindow: 2 });
  });

  it('judges a request checked late (a slow body) by the windows around its arrival, not by admissions over a second after it', () => {
    let now = 0;
    const window = createRateWindow({ limit: 2, now: () => now });
    now = 1800;
    window.tryAdmit('A');
    now = 1900;
    window.tryAdmit('A');
    now = 2000;
    // Arrived at 700: every window holding it ends before 1700, and holds nothing else.
    expect(window.tryAdmit('A', 700).admitted).toBe(true);
    // Arrived at 1000: [1000, 2000) would hold it with 1800 and 1900.
    expect(window.tryAdmit('A', 1000)).toEqual({ admitted: false, inWindow: 2 });
  });

  it('never lets any window of a second hold more than `limit` admissions, whatever order requests are checked in', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round += 1) {
      let now = 0;
      const limit = 1 + Math.floor(random() * 4);
      const window = createRateWindow({ limit, now: () => now });
      const admitted: number[] = [];
      for (let request = 0; request < 40; request += 1) {
        now += Math.floor(random() * 300);
        // Headers up to 2 s before the check, as a slow upload's are. The windows holding the request start at an
        // admission less than a second before it, or at the request itself: the fullest of them must stay in bounds.
        const arrivedAt = now - (random() < 0.3 ? Math.floor(random() * 2000) : 0);
        const fullest = Math.max(0, ...[arrivedAt, ...admitted.filter((time) => time <= arrivedAt && time > arrivedAt - 1000)].map((start) => admitted.filter((time) => time >= start && time < start + 1000).length));
        const { admitted: ok } = window.tryAdmit('A', arrivedAt);
        expect(ok, `round ${round}, request ${request}`).toBe(fullest < limit);
        if (ok) admitted.push(arrivedAt);
      }
    }
  });
});


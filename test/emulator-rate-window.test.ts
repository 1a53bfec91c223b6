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
});

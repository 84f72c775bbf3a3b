import { describe, expect, it } from 'vitest';

import { SecretRedactor } from '../secrets/secret-redactor.js';
import { RestartBackoff } from './restart-backoff.js';
import { StderrTail } from './stderr-tail.js';

describe('RestartBackoff', () => {
  it('doubles from the initial delay up to the ceiling, and resets after a healthy run', () => {
    const backoff = new RestartBackoff({ initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 });
    const delays = Array.from({ length: 9 }, () => backoff.next());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    backoff.noteRunEnded(59_999);
    expect(backoff.next()).toBe(30_000);
    backoff.noteRunEnded(60_000);
    expect(backoff.next()).toBe(500);
  });
});

describe('StderrTail', () => {
  it('keeps the last lines within its limits, redacted', () => {
    const redactor = new SecretRedactor();
    const tail = new StderrTail(redactor, 3, 1024);
    tail.write('one\ntwo\nthree\nfour\nfi');
    tail.write('ve\n');
    redactor.add('secret-value-1');
    tail.write('token secret-value-1 leaked');
    expect(tail.snapshot()).toEqual(['four', 'five', 'token [REDACTED] leaked']);
    tail.flush();
    expect(tail.snapshot()).toEqual(['four', 'five', 'token [REDACTED] leaked']);
  });

  it('SEC-5 redacts a multi-line secret split over chunks, even when each of its lines is short', () => {
    const redactor = new SecretRedactor();
    redactor.add('ab12\ncd34\nef56');
    const tail = new StderrTail(redactor, 50, 1024);
    tail.write('before\nab1');
    tail.write('2\ncd34\ne');
    tail.write('f56\nafter\n');
    expect(tail.snapshot()).toEqual(['before', '[REDACTED]', 'after']);
  });

  it('drops old lines to stay under the byte limit', () => {
    const tail = new StderrTail(new SecretRedactor(), 50, 20);
    tail.write('aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n');
    expect(tail.snapshot()).toEqual(['bbbbbbbbbb', 'cccccccccc']);
  });
});

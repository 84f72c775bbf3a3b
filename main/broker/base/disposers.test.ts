import { describe, expect, it } from 'vitest';

import { Disposers } from './disposers.js';

describe('Disposers', () => {
  it('runs disposers newest first, awaiting each, once', async () => {
    const order: string[] = [];
    const d = new Disposers();
    d.add('lock', () => order.push('lock'));
    d.add('audit', async () => {
      await new Promise((r) => setImmediate(r));
      order.push('audit');
    });
    d.add('http', () => order.push('http'));
    await d.dispose(() => undefined);
    await d.dispose(() => undefined);
    expect(order).toEqual(['http', 'audit', 'lock']);
  });

  it('a throwing disposer is reported and the rest still run', async () => {
    const order: string[] = [];
    const errors: string[] = [];
    const d = new Disposers();
    d.add('first', () => order.push('first'));
    d.add('broken', () => {
      throw new Error('boom');
    });
    await d.dispose((name, error) => errors.push(`${name}: ${(error as Error).message}`));
    expect(order).toEqual(['first']);
    expect(errors).toEqual(['broken: boom']);
  });

  it('refuses a piece added after close', async () => {
    const d = new Disposers();
    await d.dispose(() => undefined);
    expect(() => d.add('late', () => undefined)).toThrow(/after its owner was closed/);
  });
});

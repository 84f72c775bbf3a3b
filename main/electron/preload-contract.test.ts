import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { BROKER_API_METHODS } from '../contract/window-api.js';
import { API_CHANNELS, EVENT_CHANNEL } from './ipc-channels.js';

const PRELOAD = fileURLToPath(new URL('../../dist/preload/broker-bridge.cjs', import.meta.url));

/** Runs the built preload with `electron` faked at the boundary; returns what it exposed and sent. */
function loadPreload() {
  const exposed = new Map<string, unknown>();
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return channel === 'broker:restartServer'
          ? Promise.reject(
              new Error(
                'Error invoking remote method \'broker:restartServer\': Error: SERVER_NOT_FOUND: No server named "x".',
              ),
            )
          : Promise.resolve({ ok: true });
      },
      on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
      removeListener: (channel: string) => listeners.delete(channel),
    },
  };
  const module = { exports: {} };
  runInNewContext(readFileSync(PRELOAD, 'utf8'), {
    require: (name: string) => {
      if (name !== 'electron') throw new Error(`a sandboxed preload may not require ${name}`);
      return electron;
    },
    module,
    exports: module.exports,
  });
  return { exposed, invoked, listeners };
}

describe('preload bridge', () => {
  it('exposes one `window.broker` object of named functions, one per contract call, and no ipcRenderer', () => {
    const { exposed } = loadPreload();
    expect([...exposed.keys()]).toEqual(['broker']);
    const broker = exposed.get('broker') as Record<string, unknown>;
    expect(Object.keys(broker).sort()).toEqual([...Object.keys(BROKER_API_METHODS), 'onEvent'].sort());
    for (const value of Object.values(broker)) expect(typeof value).toBe('function');
  });

  it('sends each call on its own enumerated channel with its one argument', async () => {
    const { exposed, invoked } = loadPreload();
    const broker = exposed.get('broker') as Record<string, (input: unknown) => Promise<unknown>>;
    for (const method of Object.keys(BROKER_API_METHODS)) await broker[method]?.({}).catch(() => undefined);
    expect(invoked.map((i) => i.channel).sort()).toEqual([...API_CHANNELS].sort());
    expect(invoked.every((i) => i.args.length === 1)).toBe(true);
  });

  it('turns main-process errors back into their code and message', async () => {
    const { exposed } = loadPreload();
    const broker = exposed.get('broker') as Record<string, (input: unknown) => Promise<unknown>>;
    await expect(broker['restartServer']!({ name: 'x' })).rejects.toMatchObject({
      code: 'SERVER_NOT_FOUND',
      message: 'No server named "x".',
    });
  });

  it('relays live events and stops when unsubscribed', () => {
    const { exposed, listeners } = loadPreload();
    const broker = exposed.get('broker') as { onEvent: (fn: (e: unknown) => void) => () => void };
    const got: unknown[] = [];
    const stop = broker.onEvent((e) => got.push(e));
    listeners.get(EVENT_CHANNEL)?.({ sender: 'ignored' }, { type: 'status' });
    expect(got).toEqual([{ type: 'status' }]);
    stop();
    expect(listeners.has(EVENT_CHANNEL)).toBe(false);
  });
});

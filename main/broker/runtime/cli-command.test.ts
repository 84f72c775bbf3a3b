import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { absoluteCliCommand, cliCommand, setCliInvocation } from './cli-command.js';
import { defaultConfigPath, defaultDataDir } from './paths.js';

let tmp: ReturnType<typeof makeTempDir>;
let script: string;
beforeEach(() => {
  tmp = makeTempDir();
  script = join(tmp.path, 'app', 'bin', 'mcp-auth-broker.js');
  mkdirSync(join(tmp.path, 'app', 'bin'), { recursive: true });
  writeFileSync(script, '#!/usr/bin/env node\n');
  chmodSync(script, 0o755);
});
afterEach(() => tmp.remove());

const defaults = () => ({ configPath: defaultConfigPath(), dataDir: defaultDataDir() });

describe('printed commands work as printed (14.6)', () => {
  it('not on PATH: node and the script by absolute path', () => {
    setCliInvocation(script, defaults(), { PATH: '/usr/bin' });
    expect(cliCommand('secret set gh')).toBe(`${process.execPath} ${script} secret set gh`);
  });

  it('on PATH through npm link / npm install -g: the bare name, but never for MCP clients', () => {
    const bin = join(tmp.path, 'global-bin');
    mkdirSync(bin);
    symlinkSync(script, join(bin, 'mcp-auth-broker'));
    setCliInvocation(script, defaults(), { PATH: `/usr/bin:${bin}` });
    expect(cliCommand('ui')).toBe('mcp-auth-broker ui');
    expect(absoluteCliCommand('connect')).toBe(`${process.execPath} ${script} connect`);
  });

  it("npx's own node_modules/.bin does not count as being on PATH", () => {
    const bin = join(tmp.path, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(script, join(bin, 'mcp-auth-broker'));
    setCliInvocation(script, defaults(), { PATH: bin });
    expect(cliCommand('ui')).toBe(`${process.execPath} ${script} ui`);
  });

  it('a non-default config or data dir is carried, quoted for the shell', () => {
    setCliInvocation(script, { configPath: "/t/my config's.json", dataDir: '/t/data' }, { PATH: '' });
    expect(cliCommand('login github')).toBe(
      `${process.execPath} ${script} login github --config '/t/my config'\\''s.json' --data-dir /t/data`,
    );
    setCliInvocation('mcp-auth-broker', defaults(), {});
    expect(cliCommand('ui')).toBe('mcp-auth-broker ui');
  });
});

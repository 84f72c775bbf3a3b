import { execFileSync, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { BrowserJar, registerClient, startTestAuthzServer } from '../../test-support/authz-test-kit.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

/**
 * Opt-in (MAB_CONFORMANCE=1; needs the npm registry): the authorization-server scenarios of
 * `@modelcontextprotocol/conformance` 0.2.0 (`conformance authorization`, Node 22) against the
 * broker's authorization server. Node 22 and the suite are installed into a temp folder (npm package
 * `node@22`), never into the project. The test plays the person: it reads the authorization URL the
 * suite prints and approves it on the consent page. Results: docs/conformance.md.
 */
const CONFORMANCE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
const skip = process.env['MAB_CONFORMANCE'] !== '1' ? 'set MAB_CONFORMANCE=1 to run it' : undefined;
if (skip) console.warn(`skipping the authorization-server conformance run: ${skip}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe.skipIf(skip !== undefined)('MCP conformance (authorization-server scenarios)', () => {
  it('passes authorization-server-metadata-endpoint and authorization-code-grant', async () => {
    const tools = makeTempDir('mab-conf-');
    const srv = await startTestAuthzServer({ servers: ['alpha'] });
    try {
      execFileSync(
        'npm',
        ['install', '--prefix', tools.path, '--no-audit', '--no-fund', 'node@22', CONFORMANCE],
        {
          stdio: 'ignore',
        },
      );
      const port = await freePort();
      const reg = await registerClient(srv.issuer, {
        client_name: 'conformance',
        redirect_uris: [`http://127.0.0.1:${String(port)}/callback`],
      });
      const cli = join(tools.path, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
      const child = spawn(
        join(tools.path, 'node_modules/.bin/node'),
        [cli, 'authorization', '--url', srv.issuer, '--client-id', String(reg.body['client_id'])].concat([
          '--resource',
          `${srv.issuer}/mcp`,
          '-p',
          String(port),
        ]),
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      let approved = false;
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const url = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)\n/.exec(output)?.[1];
        if (!url || approved) return;
        approved = true;
        const jar = new BrowserJar(srv.issuer);
        void jar
          .walk(url)
          .then((page) => (page.kind === 'page' ? jar.answer(page, 'approve') : page))
          .then((end) => (end.kind === 'redirect' ? fetch(end.location) : undefined));
      });
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      console.log(output.slice(output.indexOf('=== SUMMARY')));
      expect(output).toContain('✓ authorization-server-metadata-endpoint');
      expect(output).toContain('✓ authorization-code-grant');
      expect(exit).toBe(0);
    } finally {
      await srv.close();
      tools.remove();
    }
  }, 300_000);
});

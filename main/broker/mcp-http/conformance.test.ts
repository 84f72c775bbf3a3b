import { spawn } from 'node:child_process';

import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { describe, expect, it } from 'vitest';

import { windowPerson } from '../../test-support/authz-test-kit.js';
import { startBearerRelay } from '../../test-support/bearer-relay.js';
import { approveConsent, chromiumMissing, launchChromium } from '../../test-support/chromium-consent.js';
import { MemoryOAuthClient } from '../../test-support/memory-oauth-client.js';
import { startResourceBroker } from '../../test-support/resource-broker.js';

/**
 * Opt-in (MAB_CONFORMANCE=1; needs the npm registry): runs `@modelcontextprotocol/conformance`
 * server scenarios against `/mcp` through a test-only relay that adds a bearer token obtained
 * through the real flow (registration, consent in Chromium, code exchange). Results: docs/conformance.md.
 */
const SCENARIOS = (
  process.env['MAB_CONFORMANCE_SCENARIOS'] ??
  'server-initialize,ping,logging-set-level,tools-list,resources-list,prompts-list,dns-rebinding-protection'
).split(',');
const skip = process.env['MAB_CONFORMANCE'] !== '1' ? 'set MAB_CONFORMANCE=1 to run it' : chromiumMissing();
if (skip) console.warn(`skipping the MCP conformance run: ${skip}`);

function runScenario(url: string, scenario: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'npx',
      ['-y', '@modelcontextprotocol/conformance@0.1.13', 'server', '--url', url, '--scenario', scenario],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe.skipIf(skip !== undefined)('MCP conformance (server scenarios) through a bearer relay', () => {
  it('runs the selected scenarios and reports which pass', async () => {
    const rb = await startResourceBroker({ withAuthorizationServer: true });
    const chromium = await launchChromium();
    const urls: URL[] = [];
    const oauth = await MemoryOAuthClient.start((url) => urls.push(url));
    try {
      const answered = oauth.nextAuthorizationResponse();
      expect(await auth(oauth, { serverUrl: rb.resource })).toBe('REDIRECT');
      await approveConsent(chromium.browser, urls[0]!, {
        person: windowPerson(rb.broker.authz!.pendingConsents),
      });
      const code = (await answered).code ?? '';
      expect(await auth(oauth, { serverUrl: rb.resource, authorizationCode: code })).toBe('AUTHORIZED');
      const relay = await startBearerRelay(rb.resource, () => oauth.tokens()?.access_token ?? '');
      const results: string[] = [];
      for (const scenario of SCENARIOS) {
        const { code: exit, output } = await runScenario(relay.url, scenario);
        results.push(`${scenario}: ${exit === 0 ? 'PASS' : 'FAIL'}`);
        if (exit !== 0) console.log(`--- ${scenario}\n${output.slice(-3000)}`);
      }
      relay.close();
      console.log(`conformance results:\n${results.join('\n')}`);
      expect(results.length).toBe(SCENARIOS.length);
    } finally {
      oauth.close();
      await chromium.close();
      await rb.stop();
    }
  }, 600_000);
});

import { describe, expect, it } from 'vitest';

import { redirectUriRefusal } from './redirect-uri-policy.js';

describe('redirect URI policy (allowlist)', () => {
  it('SEC-8 allows loopback http, https, reverse-domain private-use schemes and the named MCP client schemes', () => {
    for (const uri of [
      'http://127.0.0.1:7777/callback',
      'http://[::1]:7777/callback',
      'http://localhost/callback',
      'https://vscode.dev/redirect',
      'com.example.app:/oauth2redirect',
      'com.example.app://callback',
      'cursor://anysphere.cursor-mcp/oauth/callback',
      'vscode://vscode.github-authentication/did-authenticate',
      'vscode-insiders://vscode.github-authentication/did-authenticate',
      'claude://claude.ai/oauth/callback',
      'windsurf://codeium.windsurf/callback',
    ])
      expect(redirectUriRefusal(uri), uri).toBeUndefined();
  });

  it('SEC-8 refuses schemes outside the allowlist: ms-msdt, view-source, chrome, mailto and other single-label schemes', () => {
    for (const uri of [
      'ms-msdt:/id PCWDiagnostic /skip force',
      'view-source:https://example.com/',
      'chrome://settings/',
      'mailto:someone@example.com',
      'ms-settings:privacy',
      'search-ms:query=x',
      'tel:+15555550100',
      'steam://run/1',
      'javascript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'ws://127.0.0.1/x',
      'http://evil.example/cb',
      'https://127.0.0.1/cb',
      'http://127.0.0.1/cb#frag',
    ])
      expect(redirectUriRefusal(uri), uri).toEqual(expect.any(String));
  });
});

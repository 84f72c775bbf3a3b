import { describe, expect, it } from 'vitest';

import { parseConfig } from './config-file.js';
import { ConfigSchema } from './config-schema.js';

describe('remote server entries in the config (issue 5)', () => {
  it('reads a url entry as a remote server with defaults, next to stdio servers', () => {
    const config = ConfigSchema.parse({
      servers: {
        linear: { url: 'https://mcp.linear.app/mcp' },
        corp: { url: 'wss://mcp.corp.example/ws', transport: 'websocket', auth: { provider: 'corp:work' } },
        keyed: {
          url: 'https://api.example/sse',
          transport: 'sse',
          auth: { header: 'X-Api-Key', secret: 'k' },
        },
        local: { command: 'node', args: ['server.js'] },
      },
    });
    expect(Object.keys(config.servers)).toEqual(['local']);
    expect(config.remoteServers['linear']).toEqual({
      url: 'https://mcp.linear.app/mcp',
      transport: 'streamable-http',
      auth: 'oauth',
      enabled: true,
    });
    expect(config.remoteServers['corp']?.auth).toEqual({ provider: 'corp:work' });
    expect(config.remoteServers['keyed']?.transport).toBe('sse');
  });

  it('names the JSON path of a bad remote entry', () => {
    expect(() =>
      parseConfig(
        {
          servers: {
            linear: {
              url: 'https://x.example/mcp',
              transport: 'carrier-pigeon',
              auth: 'maybe',
              command: 'x',
            },
          },
        },
        'config.json',
      ),
    ).toThrow(
      /\$\.servers\.linear\.transport[\s\S]*\$\.servers\.linear\.auth[\s\S]*\$\.servers\.linear: unknown field "command"/,
    );
  });
});

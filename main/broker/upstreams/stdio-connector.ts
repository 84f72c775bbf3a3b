import type { StdioServerConfig } from '../config/config-schema.js';
import { resolveServerEnv } from './child-env.js';
import { describeExit, ObservedStdioTransport } from './observed-stdio-transport.js';
import { describeStartFailure } from './upstream-connection.js';
import type { ConnectorEvents, OpenedTransport, UpstreamConnector } from './upstream-connector.js';
import type { UpstreamDeps } from './upstream-types.js';

/**
 * A stdio MCP server: each connection spawns the child with its environment built from the config
 * (secrets and provider tokens injected, nothing else of the broker's), stderr piped to the
 * supervisor, pid and exit observed for status and audit.
 */
export function stdioConnector(
  name: string,
  config: StdioServerConfig,
  deps: Pick<UpstreamDeps, 'secrets' | 'redactor' | 'credentials'>,
): UpstreamConnector {
  return {
    async open(events: ConnectorEvents): Promise<OpenedTransport> {
      const { env, secretNames } = await resolveServerEnv(
        config,
        deps.secrets,
        deps.redactor,
        name,
        deps.credentials,
      );
      const transport = new ObservedStdioTransport({
        command: config.command,
        args: config.args,
        env,
        stderr: 'pipe',
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      });
      transport.stderr?.on('data', (chunk: unknown) => {
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) events.onStderr(chunk);
      });
      return { transport, secretNames };
    },
    describeStartFailure: (error, transport) => describeStartFailure(error, config.command, transport),
    describeLoss: (transport) => `it ${describeExit(transport?.exit)}`,
  };
}

import type { StdioServerConfig } from '../config/config-schema.js';
import { resolveServerEnv } from './child-env.js';
import { describeExit, ObservedStdioTransport } from './observed-stdio-transport.js';
import { ProcessGroupTransport } from './process-group-transport.js';
import { describeStartFailure } from './upstream-connection.js';
import type { ConnectorEvents, OpenedTransport, UpstreamConnector } from './upstream-connector.js';
import type { UpstreamDeps } from './upstream-types.js';

/**
 * A stdio MCP server: each connection spawns the child with its environment built from the config
 * (secrets and provider tokens injected, nothing else of the broker's), stderr piped to the
 * supervisor, pid and exit observed for status and audit.
 *
 * On POSIX the child leads a process group of its own and stopping it ends the whole group
 * (`ProcessGroupTransport`). On Windows the SDK's transport is used: it ends the child only, and a
 * grandchild (`npx` → `node mcp-remote`) can outlive it. Ending the tree there needs a job object
 * (`AssignProcessToJobObject` with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE), which Node cannot create
 * without a native module; that gap is known and documented in the README.
 */
export function stdioConnector(
  name: string,
  config: StdioServerConfig,
  deps: Pick<UpstreamDeps, 'secrets' | 'redactor' | 'credentials' | 'timing' | 'serverLogs'>,
): UpstreamConnector {
  const log = deps.serverLogs?.forServer(name);
  return {
    async open(events: ConnectorEvents): Promise<OpenedTransport> {
      const { env, secretNames } = await resolveServerEnv(
        config,
        deps.secrets,
        deps.redactor,
        name,
        deps.credentials,
      );
      const params = {
        command: config.command,
        args: config.args,
        env,
        stderr: 'pipe' as const,
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      };
      const transport =
        process.platform === 'win32'
          ? new ObservedStdioTransport(params)
          : new ProcessGroupTransport({ ...params, graceMs: deps.timing.stopGraceMs });
      log?.mark(`starting ${config.command}`);
      transport.stderr?.on('data', (chunk: unknown) => {
        if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return;
        events.onStderr(chunk);
        log?.write(chunk);
      });
      // Logged after the last stderr line ('exit' and the end of stderr come in either order).
      const exited = transport instanceof ProcessGroupTransport ? transport.exited : Promise.resolve();
      transport.stderr?.once('end', () => {
        void exited.then(() =>
          log?.mark(`process ${String(transport.spawnedPid)} ${describeExit(transport.exit)}`),
        );
      });
      return { transport, secretNames };
    },
    describeStartFailure: (error, transport) => describeStartFailure(error, config.command, transport),
    describeLoss: (transport) => `it ${describeExit(transport?.exit)}`,
    endsCrashLoops: true,
  };
}

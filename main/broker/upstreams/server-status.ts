import type { ServerStatus } from '../../contract/status.js';
import type { UpstreamSupervisor } from './upstream-supervisor.js';

/** The status of `upstream` (all text in it is redacted), whose allowed tools are exposed as `tools`. */
export function serverStatus(upstream: UpstreamSupervisor, tools: string[]): ServerStatus {
  const { pid, lastError, startedAt, retrying } = upstream;
  return {
    name: upstream.name,
    state: upstream.state,
    ...(pid === undefined ? {} : { pid }),
    enabled: upstream.policy.enabled,
    toolCount: tools.length,
    tools,
    restarts: upstream.restarts,
    ...(lastError === undefined ? {} : { lastError }),
    ...(retrying === undefined ? {} : { retrying }),
    stderrTail: upstream.stderrTail(),
    ...(startedAt === undefined ? {} : { startedAt: new Date(startedAt).toISOString() }),
  };
}

import type { UpstreamSupervisor } from './upstream-supervisor.js';
import type { UpstreamState } from './upstream-types.js';

/** One server as `status` shows it. All text is redacted. */
export interface ServerStatus {
  name: string;
  state: UpstreamState;
  pid?: number;
  enabled: boolean;
  toolCount: number;
  /** Exposed names of the tools it offers (filters applied). */
  tools: string[];
  /** Start attempts after the first (automatic restarts and explicit ones). */
  restarts: number;
  /** Why it is not running, with the last stderr lines. */
  lastError?: string;
  stderrTail: string[];
  /** ISO time the current process finished starting. */
  startedAt?: string;
}

/** The status of `upstream`, whose allowed tools are exposed as `tools`. */
export function serverStatus(upstream: UpstreamSupervisor, tools: string[]): ServerStatus {
  const { pid, lastError, startedAt } = upstream;
  return {
    name: upstream.name,
    state: upstream.state,
    ...(pid === undefined ? {} : { pid }),
    enabled: upstream.policy.enabled,
    toolCount: tools.length,
    tools,
    restarts: upstream.restarts,
    ...(lastError === undefined ? {} : { lastError }),
    stderrTail: upstream.stderrTail(),
    ...(startedAt === undefined ? {} : { startedAt: new Date(startedAt).toISOString() }),
  };
}

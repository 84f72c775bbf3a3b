import { ChildProcess } from 'node:child_process';

import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The SDK's stdio transport, plus what the broker needs to explain a crash: the pid that was
 * spawned (the SDK forgets it once the process is gone) and the exit code or signal.
 *
 * The SDK does not expose the child process, so the exit is observed through its private
 * `_process` field when it is a real `ChildProcess`; if a future SDK renames it, `exit` simply
 * stays `undefined` and messages say "exited unexpectedly" instead of naming the code.
 */
export class ObservedStdioTransport extends StdioClientTransport {
  /** Pid of the spawned process, kept after it exits. */
  spawnedPid: number | undefined;
  /** Set once the process has exited. */
  exit: ChildExit | undefined;

  override async start(): Promise<void> {
    await super.start();
    this.spawnedPid = this.pid ?? undefined;
    const child: unknown = Reflect.get(this, '_process');
    if (child instanceof ChildProcess) {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
      });
    }
  }
}

/** "exited with code 1", "was killed by SIGKILL" or "exited unexpectedly". */
export function describeExit(exit: ChildExit | undefined): string {
  if (exit?.code !== undefined && exit.code !== null) return `exited with code ${exit.code}`;
  if (exit?.signal) return `was killed by ${exit.signal}`;
  return 'exited unexpectedly';
}

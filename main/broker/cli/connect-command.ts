import { connectHelp, connectMain } from '../shim/connect-main.js';
import type { CliIo } from './cli-context.js';

export { connectHelp };

/** `connect` through the CLI (in-process callers); bin/ dispatches it before the CLI loads. */
export function connectCommand(args: string[], io: CliIo): Promise<number> {
  return connectMain(args, io);
}

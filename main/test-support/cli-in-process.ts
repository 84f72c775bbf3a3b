import { PassThrough } from 'node:stream';

import { runCli } from '../broker/cli/index.js';

/**
 * `mcp-auth-broker …` run in this process against one data dir; it reaches a running broker over the
 * real 0600 control socket, like the installed CLI.
 */
export async function cliInProcess(
  args: string[],
  home: { configPath: string; dataDir: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli([...args, '--config', home.configPath, '--data-dir', home.dataDir], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: {},
    cliScript: 'mcp-auth-broker',
  });
  return { code, stdout: out, stderr: err };
}

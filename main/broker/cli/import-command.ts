import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { ImportResponseSchema } from '../../contract/control-api.js';
import type { ImportResult } from '../../contract/window-api.js';
import { BrokerError } from '../base/errors.js';
import { loadConfigFile, writeConfigFile } from '../config/config-file.js';
import { requestControl } from '../control/control-client.js';
import { readMcpServersFile } from '../import/mcp-config-import.js';
import { runImport } from '../import/run-import.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { viaBrokerOrLocal } from './secret-command.js';

export const importHelp = `Usage: mcp-auth-broker import FILE [--json] [--config FILE] [--data-dir DIR]

Imports the MCP servers of a Claude Desktop config (claude_desktop_config.json) or a Cursor config
(~/.cursor/mcp.json) into the broker's config. Env values that look like credentials (names with
token, key, secret, password, pat or auth, or long random values) are moved into the keychain as
"<server>-<VAR>" and replaced by {"secret": "<server>-<VAR>"}; the command lists which ones moved.
A name already in the keychain (or given to another variable) is never overwritten: the value goes
to "<server>-<VAR>-2" (-3, …) instead, and the line says so.
FILE itself is never changed: remove the old entries (or install the broker entry from the window's
Connect screen) once the broker runs them.`;

function report(io: CliIo, result: ImportResult): void {
  for (const name of result.imported) writeLine(io.stdout, `imported ${name}`);
  for (const { name, reason } of result.skipped) writeLine(io.stdout, `skipped  ${name}: ${reason}`);
  for (const m of result.moved) {
    const why = m.note === undefined ? '' : ` (${m.note})`;
    writeLine(io.stdout, `moved    ${m.server}: ${m.variable} → keychain secret "${m.secret}"${why}`);
  }
  if (result.imported.length === 0) writeLine(io.stdout, 'Nothing was imported.');
}

export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } }, true);
  if (values.help) return (writeLine(io.stdout, importHelp), 0);
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new BrokerError('USAGE', `Give one file.\n\n${importHelp}`);
  const path = resolve(file);
  const where = locations(values, io.env);
  const result = await viaBrokerOrLocal(
    where,
    (): Promise<ImportResult> =>
      requestControl(where.dataDir, 'POST', '/import', ImportResponseSchema, { path }),
    async (store, audit) => {
      if (!existsSync(where.configPath)) writeConfigFile(where.configPath, { servers: {} });
      const existing = new Set(Object.keys(loadConfigFile(where.configPath).servers));
      const outcome = await runImport(readMcpServersFile(path), {
        configPath: where.configPath,
        store,
        audit,
        existing,
      });
      return { imported: outcome.imported, skipped: outcome.skipped, moved: outcome.moved };
    },
  );
  if (values.json) writeLine(io.stdout, JSON.stringify(result, null, 2));
  else report(io, result);
  return result.imported.length > 0 || result.skipped.length === 0 ? 0 : 1;
}

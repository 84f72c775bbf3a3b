import { existsSync } from 'node:fs';

import { type AuditKeying, readAuditKeying } from '../audit/audit-anchor.js';
import { followAudit, formatAuditRecord, readAuditTail } from '../audit/audit-read.js';
import { verifyAuditChain } from '../audit/audit-verify.js';
import { BrokerError, messageOf } from '../base/errors.js';
import { loadConfigFile } from '../config/config-file.js';
import { ConfigSchema } from '../config/config-schema.js';
import { dataDirPath, locations } from '../runtime/paths.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';

export const auditHelp = `Usage: mcp-auth-broker audit verify [--json]
       mcp-auth-broker audit tail [-n N] [--json] [--follow]

verify: checks the hash chain of the whole audit log (across rotated files), each line's key (HMAC
        under a key in the keychain) and the keychain's anchor of the last record. Exit 0 when
        intact; exit 4 naming the first bad line when a line was edited, removed, reordered or
        forged, or files were deleted.
tail:   prints the last N events (default 20); --json prints one JSON object per line; --follow
        keeps printing new events until Ctrl-C.`;

export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { json: { type: 'boolean' }, n: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } },
    true,
  );
  const sub = positionals[0];
  if (values.help || !sub) return (writeLine(io.stdout, auditHelp), values.help ? 0 : 2);
  const dir = dataDirPath(locations(values, io.env).dataDir, 'audit');
  if (sub === 'verify') {
    const { keying, note } = await keyingForVerify(values, io, dir);
    const result = verifyAuditChain(dir, keying);
    if (note !== undefined) writeLine(io.stderr, note);
    if (values.json) writeLine(io.stdout, JSON.stringify(result));
    else if (result.ok)
      writeLine(
        io.stdout,
        `Audit log intact: ${String(result.records)} events in ${String(result.files.length)} file(s).`,
      );
    else
      writeLine(
        io.stdout,
        `Audit log BROKEN at ${result.file} line ${String(result.line)}: ${result.reason}`,
      );
    return result.ok ? 0 : 4;
  }
  if (sub !== 'tail')
    throw new BrokerError('USAGE', `Unknown audit subcommand "${sub}". Try: audit verify | audit tail`);
  const count = values.n === undefined ? 20 : Number(values.n);
  if (!Number.isInteger(count) || count < 0)
    throw new BrokerError('USAGE', `-n must be a whole number, got "${values.n ?? ''}".`);
  const print = (r: Parameters<typeof formatAuditRecord>[0]) =>
    writeLine(io.stdout, values.json ? JSON.stringify(r) : formatAuditRecord(r));
  const recent = readAuditTail(dir, count);
  recent.forEach(print);
  if (!values.follow) return 0;
  const controller = new AbortController();
  const lastSeq = recent.at(-1)?.seq;
  followAudit(dir, print, controller.signal, lastSeq === undefined ? {} : { afterSeq: lastSeq });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      controller.abort();
      resolve();
    });
  });
  return 0;
}

/** The chain key and keychain anchor, or why they could not be read (then only the hashes are checked). */
async function keyingForVerify(
  values: Parameters<typeof locations>[0],
  io: CliIo,
  dir: string,
): Promise<{ keying?: AuditKeying; note?: string }> {
  const where = locations(values, io.env);
  try {
    const config = existsSync(where.configPath) ? loadConfigFile(where.configPath) : ConfigSchema.parse({});
    const keying = await readAuditKeying(openSecretStore(config.secretStore, where.dataDir), dir);
    return keying === undefined
      ? { note: 'Note: this log is not keyed yet (legacy); only its hash chain was checked.' }
      : { keying };
  } catch (error) {
    return {
      note: `Note: the keychain anchor was not checked (${messageOf(error)}); only the hash chain was.`,
    };
  }
}

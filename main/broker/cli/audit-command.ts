import { join } from 'node:path';
import { followAudit, formatAuditRecord, readAuditTail } from '../audit/audit-read.js';
import { verifyAuditChain } from '../audit/audit-verify.js';
import { BrokerError } from '../errors.js';
import { locations, parseCommand, writeLine, type CliIo } from './cli-context.js';

export const auditHelp = `Usage: mcp-auth-broker audit verify [--json]
       mcp-auth-broker audit tail [-n N] [--json] [--follow]

verify: checks the hash chain of the whole audit log (across rotated files). Exit 0 when intact;
        exit 4 naming the first bad line when a line was edited, removed or reordered.
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
  const dir = join(locations(values, io.env).dataDir, 'audit');
  if (sub === 'verify') {
    const result = verifyAuditChain(dir);
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

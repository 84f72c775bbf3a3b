import type { ImportPlan, ImportResult } from '../../contract/window-api.js';
import type { ClientFile } from '../import/client-discovery.js';
import type { FoundServer } from '../import/found-server.js';
import { writeLine } from './cli-context.js';

/** Text output of `mcp-auth-broker import`: the files found, the plan (--dry-run), what was done. */

type Origin = NonNullable<ImportPlan['servers'][number]['origins']>[number];

const originText = (o: Origin) =>
  `${o.client} ${o.file ?? '(pasted)'}${o.path.length > 2 ? ` ${o.path.slice(0, -1).join(' › ')}` : ''}`;

/** `import` with no file: the client files present, with their servers. */
export function reportDiscovered(
  out: NodeJS.WritableStream,
  files: { file: ClientFile; servers: FoundServer[] | Error }[],
): void {
  if (files.length === 0) {
    writeLine(out, 'No MCP client config found here. Give a file: mcp-auth-broker import FILE');
    return;
  }
  writeLine(out, 'MCP client configs found:');
  for (const { file, servers } of files) {
    const what =
      servers instanceof Error
        ? `unreadable: ${servers.message}`
        : servers.map((s) => s.name).join(', ') || '(no servers)';
    writeLine(out, `  ${file.client.padEnd(15)} ${file.path}\n  ${' '.repeat(15)} ${what}`);
  }
  writeLine(
    out,
    '\nPreview: mcp-auth-broker import --all --dry-run   Import: mcp-auth-broker import --all (or FILE)',
  );
}

/** `--dry-run`: each server, what happens to it, each secret (name and origin, never the value). */
export function reportPlan(out: NodeJS.WritableStream, plan: ImportPlan): void {
  for (const server of plan.servers) {
    const action = server.action ?? (server.problem === undefined ? 'import' : 'skip');
    const head = action === 'skip' ? `skip: ${server.problem ?? ''}` : action;
    writeLine(out, `${server.name}  ${head}${server.enabled === false ? ' (disabled)' : ''}`);
    writeLine(out, `    ${server.kind === 'remote' ? 'url    ' : 'command'} ${server.command}`);
    for (const origin of server.origins ?? []) writeLine(out, `    from    ${originText(origin)}`);
    for (const s of server.secrets) {
      const verb = s.action === 'reuse' ? 'reuses' : s.action === 'set-later' ? 'needs ' : 'moves ';
      const why = [s.reason, s.note].filter((t) => t !== undefined).join('; ');
      writeLine(
        out,
        `    secret  ${s.id ?? s.variable} ${verb} → keychain "${s.secret}"${why ? ` (${why})` : ''}`,
      );
    }
    for (const note of server.notes ?? []) writeLine(out, `    note    ${note}`);
  }
  writeLine(
    out,
    '\nNothing was changed. Change a choice with --no-secret ID / --secret ID (ID as shown after "secret"), --only NAME, --update.',
  );
}

export function reportResult(out: NodeJS.WritableStream, result: ImportResult): void {
  for (const name of result.imported) writeLine(out, `imported ${name}`);
  for (const { name, reason } of result.skipped) writeLine(out, `skipped  ${name}: ${reason}`);
  for (const m of result.moved) {
    if (m.action === 'set-later') {
      writeLine(out, `needs    ${m.server}: ${m.variable} → run: mcp-auth-broker secret set ${m.secret}`);
      continue;
    }
    const verb = m.action === 'reuse' ? 'reused  ' : 'moved   ';
    const why = m.note === undefined ? '' : ` (${m.note})`;
    writeLine(out, `${verb} ${m.server}: ${m.variable} → keychain secret "${m.secret}"${why}`);
  }
  if (result.imported.length === 0) writeLine(out, 'Nothing was imported.');
  else
    writeLine(out, 'The client files were not changed: remove the old entries (they still hold the tokens).');
}

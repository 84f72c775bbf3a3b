import { parse, type ParseError, printParseErrorCode } from 'jsonc-parser';

import { BrokerError } from '../base/errors.js';
import {
  type ClientEntry,
  clientEntry,
  type ClientId,
  entriesAt,
  type EntryOrigin,
  isObject,
} from './client-entry.js';

/**
 * The JSON family of MCP client files, comments and trailing commas allowed (JSONC: VS Code, Zed and
 * Cursor files often have them):
 * - `{"mcpServers": {…}}` — Claude Desktop, Cursor, Windsurf, Gemini CLI, Claude Code `.mcp.json`;
 * - `{"projects": {"/path": {"mcpServers": {…}}}}` — Claude Code `~/.claude.json` (next to its user `mcpServers`);
 * - `{"servers": {…}, "inputs": […]}` — VS Code `.vscode/mcp.json`; `{"mcp": {"servers": …}}` in its settings.json;
 * - `{"context_servers": {…}}` — Zed settings.json;
 * - pasted text: a whole file, one `"name": {…}` entry, or a bare `{command, args, env}` object.
 */

/** The client a file belongs to, from its path. */
export function clientOfPath(file: string): ClientId | undefined {
  const p = file.replaceAll('\\', '/').toLowerCase();
  const rules: [RegExp, ClientId][] = [
    [/claude_desktop_config\.json$/, 'claude-desktop'],
    [/(^|\/)\.cursor\//, 'cursor'],
    [/(^|\/)(\.vscode|code\/user|code - insiders\/user)\//, 'vscode'],
    [/(^|\/)(\.claude\.json|\.mcp\.json)$/, 'claude-code'],
    [/windsurf/, 'windsurf'],
    [/(^|\/)\.gemini\//, 'gemini'],
    [/(^|\/)\.codex\/|\.toml$/, 'codex'],
    [/(^|\/)zed\//, 'zed'],
  ];
  return rules.find(([re]) => re.test(p))?.[1];
}

function parseJsonc(text: string): { value: unknown; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  return { value, errors };
}

/** Parses a client file or pasted text; a pasted `"name": {…}` fragment gets its braces back. */
function parseLenient(text: string, where: string): unknown {
  const trimmed = text.trim().replace(/,\s*$/, '');
  const whole = parseJsonc(trimmed);
  if (whole.errors.length === 0) return whole.value;
  const fragment = parseJsonc(`{${trimmed}}`);
  if (fragment.errors.length === 0) return fragment.value;
  const first = whole.errors[0];
  const what = first ? `${printParseErrorCode(first.error)} at offset ${String(first.offset)}` : 'unreadable';
  throw new BrokerError(
    'IMPORT_INVALID',
    `${where} is not valid JSON (${what}). Paste a whole "mcpServers" block or one "name": {…} entry.`,
  );
}

/** The label of a bare pasted entry: its package (last non-flag arg) or its program. */
function bareLabel(value: Record<string, unknown>): string {
  const args: unknown[] = Array.isArray(value['args']) ? (value['args'] as unknown[]) : [];
  const last = [...args].reverse().find((a): a is string => typeof a === 'string' && !a.startsWith('-'));
  if (last !== undefined) return last;
  if (typeof value['command'] === 'string') return value['command'].split(/[\\/]/).pop() ?? 'server';
  return 'remote';
}

function passwordInputs(inputs: unknown): Set<string> {
  const ids = new Set<string>();
  if (!Array.isArray(inputs)) return ids;
  for (const input of inputs as unknown[]) {
    if (isObject(input) && typeof input['id'] === 'string' && input['password'] === true)
      ids.add(input['id']);
  }
  return ids;
}

function vscodeEntries(value: Record<string, unknown>, base: Omit<EntryOrigin, 'path'>): ClientEntry[] {
  const inMcp = isObject(value['mcp']) ? value['mcp'] : undefined;
  const flat = value['mcp.servers'];
  const found = [
    ...entriesAt(value['servers'], ['servers'], base),
    ...entriesAt(inMcp?.['servers'], ['mcp', 'servers'], base),
    ...entriesAt(flat, ['mcp.servers'], base),
  ];
  const secretInputs = new Set([...passwordInputs(value['inputs']), ...passwordInputs(inMcp?.['inputs'])]);
  return found.map((entry) => ({ ...entry, passwordInputs: secretInputs }));
}

function claudeCodeProjects(projects: unknown, base: Omit<EntryOrigin, 'path'>): ClientEntry[] {
  if (!isObject(projects)) return [];
  return Object.entries(projects).flatMap(([project, settings]) =>
    isObject(settings) ? entriesAt(settings['mcpServers'], ['projects', project, 'mcpServers'], base) : [],
  );
}

function knownShapes(
  value: Record<string, unknown>,
  base: Omit<EntryOrigin, 'path'>,
): ClientEntry[] | undefined {
  const shapes = ['mcpServers', 'projects', 'servers', 'mcp', 'mcp.servers', 'context_servers'];
  if (!shapes.some((key) => isObject(value[key]))) return undefined;
  const zedBase = base.client === 'other' ? { ...base, client: 'zed' as const } : base;
  return [
    ...entriesAt(value['mcpServers'], ['mcpServers'], base),
    ...claudeCodeProjects(value['projects'], base),
    ...vscodeEntries(value, base.client === 'other' ? { ...base, client: 'vscode' } : base),
    ...entriesAt(value['context_servers'], ['context_servers'], zedBase),
  ];
}

/**
 * Every server entry in the JSON(C) `text`, with where each came from. `file` (absolute) names the
 * client; pasted text (no file) may be any of the shapes above.
 */
export function parseJsonClientFile(text: string, file?: string): ClientEntry[] {
  const base: Omit<EntryOrigin, 'path'> = {
    client: (file === undefined ? undefined : clientOfPath(file)) ?? 'other',
    ...(file === undefined ? {} : { file }),
  };
  const value = parseLenient(text, file ?? 'This');
  if (!isObject(value)) throw new BrokerError('IMPORT_INVALID', 'Expected a JSON object with MCP servers.');
  const known = knownShapes(value, base);
  if (known !== undefined) return known;
  if (typeof value['command'] === 'string' || typeof value['url'] === 'string') {
    return [clientEntry(bareLabel(value), value, { ...base, path: [] })];
  }
  // A pasted `"name": {…}` fragment (or several): an object of entries.
  if (file === undefined) return entriesAt(value, [], base);
  return [];
}

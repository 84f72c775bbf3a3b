import { readFileSync } from 'node:fs';

import type { z } from 'zod';

import { writeFileAtomic } from '../base/atomic-file.js';
import { BrokerError } from '../base/errors.js';
import { type BrokerConfig, ConfigSchema } from './config-schema.js';

/** One problem in a config file: where (a JSON path like `$.servers.github.env.TOKEN`) and what to do. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends BrokerError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    super('CONFIG_INVALID', `Invalid config file ${file}:\n${lines}\nFix the entries above and try again.`);
    this.name = 'ConfigError';
  }
}

function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${String(seg)}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `missing: expected ${issue.expected}`;
  }
  return issue.message;
}

/** Validates parsed JSON against the schema; throws ConfigError naming every bad path. */
export function parseConfig(value: unknown, file: string): BrokerConfig {
  const result = ConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    path: jsonPath(issue.path),
    message: describeIssue(issue),
  }));
  throw new ConfigError(file, problems);
}

/** Line and column of a character offset, for JSON syntax errors. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${String(line)}, column ${String(column)}`;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const match = /position (\d+)/.exec(detail);
    const where = match?.[1] ? ` at ${position(text, Number(match[1]))}` : '';
    throw new ConfigError(file, [
      { path: '$', message: `not valid JSON${where} (${detail}). Check for a missing comma or quote.` },
    ]);
  }
}

/** Reads and validates the config file. Throws ConfigError (CONFIG_INVALID) or CONFIG_UNREADABLE. */
export function loadConfigFile(file: string): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BrokerError(
      'CONFIG_UNREADABLE',
      code === 'ENOENT'
        ? `Config file ${file} does not exist. Run "mcp-auth-broker serve" once to create a default one, or pass --config.`
        : `Cannot read config file ${file} (${code ?? 'unknown error'}). Check its permissions.`,
      { cause: error },
    );
  }
  return parseConfig(parseJson(text, file), file);
}

/** Writes a config file atomically (0600), pretty-printed. */
export function writeConfigFile(file: string, config: unknown): void {
  writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n', 0o600);
}

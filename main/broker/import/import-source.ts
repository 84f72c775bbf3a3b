import type { ImportOptions, ImportSource } from '../../contract/window-api.js';
import { type FoundServer, foundServers, type Platform } from './found-server.js';
import type { PlanOptions } from './import-plan.js';
import { parseMcpServers, readClientFile } from './mcp-config-import.js';

/** The servers of an import source: one file, several (identical entries merged), or pasted text. */
export function foundServersOf(source: ImportSource, platform?: Platform): FoundServer[] {
  if ('text' in source) return parseMcpServers(source.text, platform);
  const paths = 'paths' in source ? source.paths : [source.path];
  return foundServers(paths.flatMap(readClientFile), platform);
}

/** The person's choices as plan options. */
export function importOptions(options: ImportOptions | undefined): Pick<PlanOptions, 'overrides' | 'update'> {
  if (options === undefined) return {};
  return {
    overrides: { noSecret: new Set(options.noSecret ?? []), secret: new Set(options.secret ?? []) },
    ...(options.update === undefined ? {} : { update: options.update }),
  };
}

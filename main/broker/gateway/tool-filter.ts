import type { ToolFilter } from '../config/config-schema.js';

/**
 * The per-server `tools` filter of the config: `{"allow": [...]}` lists the only upstream tools a
 * server may expose; `{"deny": [...]}` hides the ones listed. Names are upstream tool names, matched
 * exactly. A filtered-out tool is neither listed nor callable.
 */
export function isToolAllowed(filter: ToolFilter | undefined, tool: string): boolean {
  if (filter === undefined) return true;
  if ('allow' in filter) return filter.allow.includes(tool);
  return !filter.deny.includes(tool);
}

/** Short text for error messages: which rule hid the tool. */
export function describeFilter(filter: ToolFilter | undefined): string {
  if (filter === undefined) return 'no tool filter';
  return 'allow' in filter
    ? 'it is not in the server\'s "tools.allow" list'
    : 'it is in the server\'s "tools.deny" list';
}

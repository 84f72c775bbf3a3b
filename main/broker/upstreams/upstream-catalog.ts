import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';

/**
 * What one upstream server offers, as last listed. Kept after the server goes away, so calls to
 * the tools of a crashed server get a clear "unavailable" error instead of "unknown tool".
 */
export interface UpstreamCatalog {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
}

/** The parts a list_changed notification refreshes. */
export type CatalogPart = 'tools' | 'prompts' | 'resources';

/** A catalog with nothing in it. */
export function emptyCatalog(): UpstreamCatalog {
  return { tools: [], prompts: [], resources: [], resourceTemplates: [] };
}

/** Stops a server that keeps handing out cursors from holding the broker forever. */
const MAX_PAGES = 100;

async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (result.nextCursor === undefined || result.nextCursor === '') break;
    cursor = result.nextCursor;
  }
  return items;
}

const cursorParams = (cursor: string | undefined) => (cursor === undefined ? undefined : { cursor });

/** Lists every tool (all pages); empty when the server has no tools capability. */
export async function fetchTools(client: Client, timeout: number): Promise<Tool[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  return collectPages(async (cursor) => {
    const result = await client.listTools(cursorParams(cursor), { timeout });
    return { items: result.tools, nextCursor: result.nextCursor };
  });
}

/** Lists every prompt (all pages); empty when the server has no prompts capability. */
export async function fetchPrompts(client: Client, timeout: number): Promise<Prompt[]> {
  if (!client.getServerCapabilities()?.prompts) return [];
  return collectPages(async (cursor) => {
    const result = await client.listPrompts(cursorParams(cursor), { timeout });
    return { items: result.prompts, nextCursor: result.nextCursor };
  });
}

/** Lists every resource and resource template; empty when the server has no resources capability. */
export async function fetchResources(
  client: Client,
  timeout: number,
): Promise<Pick<UpstreamCatalog, 'resources' | 'resourceTemplates'>> {
  if (!client.getServerCapabilities()?.resources) return { resources: [], resourceTemplates: [] };
  const resources = await collectPages(async (cursor) => {
    const result = await client.listResources(cursorParams(cursor), { timeout });
    return { items: result.resources, nextCursor: result.nextCursor };
  });
  const resourceTemplates = await collectPages(async (cursor) => {
    const result = await client.listResourceTemplates(cursorParams(cursor), { timeout });
    return { items: result.resourceTemplates, nextCursor: result.nextCursor };
  });
  return { resources, resourceTemplates };
}

/** Lists everything a freshly started server offers. */
export async function fetchCatalog(client: Client, timeout: number): Promise<UpstreamCatalog> {
  const [tools, prompts, resources] = await Promise.all([
    fetchTools(client, timeout),
    fetchPrompts(client, timeout),
    fetchResources(client, timeout),
  ]);
  return { tools, prompts, ...resources };
}

/** Re-lists one part of the catalog (after a list_changed notification). */
export async function refreshCatalogPart(
  client: Client,
  part: CatalogPart,
  timeout: number,
): Promise<Partial<UpstreamCatalog>> {
  switch (part) {
    case 'tools':
      return { tools: await fetchTools(client, timeout) };
    case 'prompts':
      return { prompts: await fetchPrompts(client, timeout) };
    case 'resources':
      return fetchResources(client, timeout);
  }
}

/** The catalog parts whose content differs between `before` and `after`. */
export function changedParts(before: UpstreamCatalog, after: UpstreamCatalog): CatalogPart[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const parts: CatalogPart[] = [];
  if (!same(before.tools, after.tools)) parts.push('tools');
  if (!same(before.prompts, after.prompts)) parts.push('prompts');
  if (!same(before.resources, after.resources) || !same(before.resourceTemplates, after.resourceTemplates)) {
    parts.push('resources');
  }
  return parts;
}

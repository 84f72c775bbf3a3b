import type { ApiInput, ApiOutput } from '../../contract/window-api.js';
import type { AddServerRequest } from './add-server.js';
import { catalogEntry, catalogServer, starterCatalog } from './starter-catalog.js';

/** The catalog as the window and `add --list` show it: what each server needs, never a value. */
export function catalogListing(): ApiOutput<'listCatalog'> {
  return {
    servers: starterCatalog().map((s) => ({
      ...{ id: s.id, title: s.title, description: s.description, homepage: s.homepage },
      ...(s.stdio ? { command: [s.stdio.command, ...s.stdio.args].join(' ') } : {}),
      ...(s.remote ? { url: s.remote.url } : {}),
      fields: s.fields.map((f) => ({ id: f.id, label: f.label, secret: f.secret === true })),
    })),
  };
}

/** A catalog pick, a command or a URL, as the entry and secrets to add. */
export function resolveAddRequest(input: ApiInput<'addServer'>): AddServerRequest {
  if ('catalog' in input)
    return {
      name: input.name,
      ...catalogEntry(catalogServer(input.catalog), input.name, input.values ?? {}),
    };
  if ('command' in input)
    return { name: input.name, entry: { command: input.command, args: input.args ?? [] }, secrets: {} };
  return {
    name: input.name,
    entry: { url: input.url, ...(input.transport ? { transport: input.transport } : {}) },
    secrets: {},
  };
}

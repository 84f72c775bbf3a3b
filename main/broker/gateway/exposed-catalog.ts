import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';

import type { UpstreamSupervisor } from '../upstreams/upstream-supervisor.js';
import { isToolAllowed } from './tool-filter.js';
import { assignExposedNames, type NameAssignment } from './tool-naming.js';

/** Server names a client may use; `undefined` means all of them. */
export type ServerScope = ReadonlySet<string> | undefined;

/** An upstream item behind an exposed name. */
export interface ResolvedItem {
  upstream: UpstreamSupervisor;
  /** The item's name on the upstream server. */
  name: string;
}

const inScope = (scope: ServerScope, server: string) => scope === undefined || scope.has(server);

/** A stopped or disabled server's tools are not offered; a crashed or failing one keeps its last list. */
const isListed = (upstream: UpstreamSupervisor) =>
  upstream.state !== 'stopped' && upstream.state !== 'disabled';

/**
 * What the gateway offers to clients, built from every upstream's last known catalog: tools and
 * prompts under their exposed names (`<prefix><name>`, `<server>__<name>` by default), tool
 * filters applied, scope applied. Names are computed over all catalogs whatever a server's state,
 * so they stay stable while a server restarts; call `invalidate()` when a catalog changes.
 */
export class ExposedCatalog {
  private tools: NameAssignment | undefined;
  private prompts: NameAssignment | undefined;

  constructor(private readonly upstreams: ReadonlyMap<string, UpstreamSupervisor>) {}

  /** Forgets the computed names (after a tools or prompts list changed). */
  invalidate(): void {
    this.tools = undefined;
    this.prompts = undefined;
  }

  /** Exposed tool names ↔ upstream tools (filtered-out tools included, so calls can be denied). */
  toolNames(): NameAssignment {
    this.tools ??= assignExposedNames(
      this.sorted().flatMap((u) =>
        u.catalog.tools.map((t) => ({ server: u.name, name: t.name, prefix: u.policy.prefix })),
      ),
    );
    return this.tools;
  }

  /** Exposed prompt names ↔ upstream prompts. */
  promptNames(): NameAssignment {
    this.prompts ??= assignExposedNames(
      this.sorted().flatMap((u) =>
        u.catalog.prompts.map((p) => ({ server: u.name, name: p.name, prefix: u.policy.prefix })),
      ),
    );
    return this.prompts;
  }

  /** Tools a client in `scope` sees, renamed, filters applied. */
  listTools(scope: ServerScope): Tool[] {
    const names = this.toolNames();
    return this.visible(scope).flatMap((upstream) =>
      upstream.catalog.tools
        .filter((tool) => isToolAllowed(upstream.policy.tools, tool.name))
        .map((tool) => ({ ...tool, name: names.exposedName(upstream.name, tool.name) ?? tool.name })),
    );
  }

  /** Exposed names of one server's allowed tools (for `status`). */
  serverToolNames(upstream: UpstreamSupervisor): string[] {
    const names = this.toolNames();
    return upstream.catalog.tools
      .filter((tool) => isToolAllowed(upstream.policy.tools, tool.name))
      .map((tool) => names.exposedName(upstream.name, tool.name) ?? tool.name);
  }

  /** Prompts a client in `scope` sees, renamed. */
  listPrompts(scope: ServerScope): Prompt[] {
    const names = this.promptNames();
    return this.visible(scope).flatMap((upstream) =>
      upstream.catalog.prompts.map((p) => ({
        ...p,
        name: names.exposedName(upstream.name, p.name) ?? p.name,
      })),
    );
  }

  /** Resources a client in `scope` sees; when two servers list one URI, the first by name wins. */
  listResources(scope: ServerScope): Resource[] {
    const seen = new Set<string>();
    return this.visible(scope).flatMap((upstream) =>
      upstream.catalog.resources.filter((r) => !seen.has(r.uri) && seen.add(r.uri)),
    );
  }

  /** Resource templates a client in `scope` sees. */
  listResourceTemplates(scope: ServerScope): ResourceTemplate[] {
    return this.visible(scope).flatMap((upstream) => upstream.catalog.resourceTemplates);
  }

  resolveTool(exposed: string): ResolvedItem | undefined {
    return this.resolve(this.toolNames(), exposed);
  }

  resolvePrompt(exposed: string): ResolvedItem | undefined {
    return this.resolve(this.promptNames(), exposed);
  }

  /** The server in `scope` that listed exactly this resource URI. */
  findResource(uri: string, scope: ServerScope): UpstreamSupervisor | undefined {
    return this.visible(scope).find((u) => u.catalog.resources.some((r) => r.uri === uri));
  }

  /** The server in `scope` with a resource template (RFC 6570) matching `uri`. */
  findTemplate(uri: string, scope: ServerScope): UpstreamSupervisor | undefined {
    return this.visible(scope).find((u) =>
      u.catalog.resourceTemplates.some((t) => templateMatches(t.uriTemplate, uri)),
    );
  }

  /** The server in `scope` that lists a resource template written exactly `uriTemplate`. */
  findTemplateByText(uriTemplate: string, scope: ServerScope): UpstreamSupervisor | undefined {
    return this.visible(scope).find((u) =>
      u.catalog.resourceTemplates.some((t) => t.uriTemplate === uriTemplate),
    );
  }

  /** Servers in `scope` whose catalog is offered, sorted by name. */
  visible(scope: ServerScope): UpstreamSupervisor[] {
    return this.sorted().filter((u) => isListed(u) && inScope(scope, u.name));
  }

  private resolve(names: NameAssignment, exposed: string): ResolvedItem | undefined {
    const item = names.resolve(exposed);
    const upstream = item === undefined ? undefined : this.upstreams.get(item.server);
    return item && upstream ? { upstream, name: item.name } : undefined;
  }

  private sorted(): UpstreamSupervisor[] {
    return [...this.upstreams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function templateMatches(template: string, uri: string): boolean {
  try {
    return new UriTemplate(template).match(uri) !== null;
  } catch {
    return false;
  }
}

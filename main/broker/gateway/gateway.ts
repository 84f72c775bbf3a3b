import { EventEmitter } from 'node:events';

import {
  type CallToolResult,
  ErrorCode,
  type GetPromptResult,
  McpError,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

import type { ServerStatus } from '../../contract/status.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { BROKER_VERSION } from '../base/version.js';
import type { StdioServerConfig } from '../config/config-schema.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { ProviderCredentials } from '../upstreams/child-env.js';
import type { ServerLogs } from '../upstreams/server-logs.js';
import { serverStatus } from '../upstreams/server-status.js';
import { stdioConnector } from '../upstreams/stdio-connector.js';
import { stdioPolicy } from '../upstreams/upstream-policy.js';
import { UpstreamSupervisor } from '../upstreams/upstream-supervisor.js';
import {
  DEFAULT_UPSTREAM_TIMING,
  type UpstreamDeps,
  type UpstreamLogMessage,
  type UpstreamTiming,
} from '../upstreams/upstream-types.js';
import { type CallContext, type CallProgress, withCancel } from './call-context.js';
import { ExposedCatalog, type ResolvedItem, type ServerScope } from './exposed-catalog.js';
import {
  accessDeniedError,
  auditErrorCode,
  redactToolResult,
  toMcpError,
  unknownNameError,
  unknownResourceError,
} from './gateway-errors.js';
import { describeFilter, isToolAllowed } from './tool-filter.js';

export type { CallContext } from './call-context.js';
export { ACCESS_DENIED_CODE, RESOURCE_NOT_FOUND_CODE, SERVER_UNAVAILABLE_CODE } from './gateway-errors.js';

/** Timings of the gateway; every field can be overridden (tests use small values). */
export interface GatewayTiming extends UpstreamTiming {
  /** Longest a routed request may take (ms; 10 min by default, reset by each progress notification). */
  callTimeoutMs: number;
}

export const DEFAULT_GATEWAY_TIMING: GatewayTiming = {
  ...DEFAULT_UPSTREAM_TIMING,
  callTimeoutMs: 10 * 60_000,
};

export interface GatewayDeps {
  servers: Record<string, StdioServerConfig>;
  secrets: SecretStore;
  /** Provider account tokens for `{"provider": …}` env references (issue 3). */
  credentials?: ProviderCredentials | undefined;
  audit: AuditSink;
  logger: Logger;
  clock: Clock;
  redactor: SecretRedactor;
  timing?: Partial<GatewayTiming>;
  /** Where stdio servers' stderr is kept on disk (issue 15 point 3). */
  serverLogs?: ServerLogs | undefined;
  /** Upstreams of other kinds (remote MCP servers, issue 5), built with the gateway's upstream deps. */
  extraUpstreams?: (deps: UpstreamDeps) => UpstreamSupervisor[];
}

/** Events for the front layer: list changes (no payload), upstream log messages, status changes. */
export interface GatewayEvents {
  toolsChanged: [];
  resourcesChanged: [];
  promptsChanged: [];
  log: [UpstreamLogMessage];
  statusChanged: [];
}

/**
 * The aggregation point: runs every configured stdio server and answers MCP requests for all of
 * them, with tools and prompts namespaced `<server>__<name>`, config filters and client scopes
 * applied, every tool call audited, and errors that name the server and say why it is down.
 */
export class Gateway extends EventEmitter<GatewayEvents> {
  private readonly upstreams = new Map<string, UpstreamSupervisor>();
  private readonly catalog = new ExposedCatalog(this.upstreams);
  private readonly timing: GatewayTiming;

  constructor(private readonly deps: GatewayDeps) {
    super();
    // Every connected client session subscribes; there is no meaningful listener limit.
    this.setMaxListeners(0);
    this.timing = { ...DEFAULT_GATEWAY_TIMING, ...deps.timing };
    const clientInfo = { name: 'mcp-auth-broker', version: BROKER_VERSION };
    for (const [name, config] of Object.entries(deps.servers)) {
      const upstream = this.stdioUpstream(name, config);
      this.upstreams.set(name, upstream);
      this.relay(upstream);
    }
    for (const upstream of deps.extraUpstreams?.({ ...deps, timing: this.timing, clientInfo }) ?? []) {
      this.upstreams.set(upstream.name, upstream);
      this.relay(upstream);
    }
  }

  /** Starts every enabled server concurrently; resolves when each runs or has failed. */
  async start(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.start()));
  }

  /** Stops every server (children are ended; `server.exit` is audited). */
  async stop(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.stop()));
  }

  /** Every configured server, sorted by name. */
  status(): ServerStatus[] {
    return [...this.upstreams.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((u) => serverStatus(u, this.catalog.serverToolNames(u)));
  }

  /**
   * The server behind an exposed tool or prompt name, from the name index (no status built): the
   * server that listed it (filtered-out tools included), else the server named by its
   * prefix, if configured. Used to check a token's scope before a call is routed.
   */
  serverOfExposedName(name: string, kind: 'tool' | 'prompt'): string | undefined {
    const item = kind === 'tool' ? this.catalog.resolveTool(name) : this.catalog.resolvePrompt(name);
    if (item) return item.upstream.name;
    return this.serverByPrefix(name)?.name;
  }

  /**
   * The server whose prefix starts `exposed` (at most one: the config refuses prefixes that start
   * one another), for names not listed yet, e.g. while that server starts.
   */
  private serverByPrefix(exposed: string): UpstreamSupervisor | undefined {
    for (const upstream of this.upstreams.values()) {
      if (exposed.startsWith(upstream.policy.prefix)) return upstream;
    }
    return undefined;
  }

  /** Restarts one server now (fresh backoff); resolves once it runs or has failed. */
  async restartServer(name: string): Promise<void> {
    const upstream = this.upstreams.get(name);
    if (!upstream) throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
    await upstream.restart();
  }

  /**
   * Adds a server, or replaces one with a new config (its old process is stopped first); starts it
   * when enabled. Resolves once it runs or has failed. Used when the person edits servers in the UI.
   */
  async putServer(name: string, config: StdioServerConfig): Promise<void> {
    await this.putUpstream(this.stdioUpstream(name, config));
  }

  /** A stdio server: its supervisor with a stdio connector and the policy from its config. */
  private stdioUpstream(name: string, config: StdioServerConfig): UpstreamSupervisor {
    const clientInfo = { name: 'mcp-auth-broker', version: BROKER_VERSION };
    const deps = { ...this.deps, timing: this.timing, clientInfo };
    return new UpstreamSupervisor(name, stdioPolicy(name, config), stdioConnector(name, config, deps), deps);
  }

  /** Like `putServer` for an upstream of another kind (a remote MCP server, issue 5). */
  async putUpstream(upstream: UpstreamSupervisor): Promise<void> {
    const old = this.upstreams.get(upstream.name);
    if (old) {
      await old.stop();
      old.removeAllListeners();
    }
    this.upstreams.set(upstream.name, upstream);
    this.catalog.invalidate();
    this.relay(upstream);
    this.emit('toolsChanged');
    this.emit('statusChanged');
    await upstream.start();
  }

  /** Stops a server and forgets it (its entry was removed from the config); false when unknown. */
  async removeServer(name: string): Promise<boolean> {
    const old = this.upstreams.get(name);
    if (!old) return false;
    await old.stop();
    old.removeAllListeners();
    this.upstreams.delete(name);
    this.catalog.invalidate();
    this.emit('toolsChanged');
    this.emit('statusChanged');
    return true;
  }

  /** Enabled servers whose env references the secret `secretName`, sorted (to restart after a change). */
  serversUsingSecret(secretName: string): string[] {
    return [...this.upstreams.values()]
      .filter((u) => u.policy.enabled && u.policy.secretNames.includes(secretName))
      .map((u) => u.name)
      .sort();
  }

  /** Enabled servers whose env references provider account `accountId` (`github`, `github:work`). */
  serversUsingAccount(accountId: string): string[] {
    return [...this.upstreams.values()]
      .filter((u) => u.policy.enabled && u.policy.accounts.includes(accountId))
      .map((u) => u.name)
      .sort();
  }

  /** Restarts a server between calls (held calls go to the new process; none is cut off). */
  async restartServerWhenIdle(name: string): Promise<void> {
    await this.upstreams.get(name)?.restartWhenIdle();
  }

  /** Tools of every server in `scope` (all when undefined), namespaced, filters applied. */
  listTools(scope?: ReadonlySet<string>): Tool[] {
    return this.catalog.listTools(scope);
  }

  /** Prompts of every server in `scope`, namespaced like tools. */
  listPrompts(scope?: ReadonlySet<string>): Prompt[] {
    return this.catalog.listPrompts(scope);
  }

  /** Resources of every server in `scope`, URIs unchanged (the first server by name wins a duplicate). */
  listResources(scope?: ReadonlySet<string>): Resource[] {
    return this.catalog.listResources(scope);
  }

  /** Resource templates of every server in `scope`, unchanged. */
  listResourceTemplates(scope?: ReadonlySet<string>): ResourceTemplate[] {
    return this.catalog.listResourceTemplates(scope);
  }

  /**
   * Relays one client request by method (the JSON-RPC router's entry): `tools/call`, `prompts/get`,
   * `resources/read`, `completion/complete`, and any method the broker does not know, which goes to
   * the only server in scope (else MethodNotFound). Names are un-prefixed, scope and filters checked
   * on the name, the request sent on the upstream's channel (progress and cancellation mapped there)
   * and the upstream's result returned as it came, scrubbed of known secret values. Tool calls are
   * audited (`tool.call` / `tool.denied`, never the arguments). Throws McpError.
   */
  async route(
    method: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Record<string, unknown>> {
    switch (method) {
      case 'tools/call':
        return this.routeTool(params, ctx);
      case 'prompts/get': {
        const { upstream, name } = await this.resolvePrompt(params['name'], ctx.scope);
        return this.relayScrubbed(upstream, method, { ...params, name }, ctx);
      }
      case 'resources/read':
        return this.relayScrubbed(
          await this.resourceServer(String(params['uri']), ctx.scope),
          method,
          params,
          ctx,
        );
      case 'completion/complete':
        return this.routeCompletion(params, ctx);
      default: {
        const visible = this.catalog.visible(ctx.scope);
        if (visible.length !== 1 || !visible[0]) {
          throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 100)}`);
        }
        return this.relayScrubbed(visible[0], method, params, ctx);
      }
    }
  }

  /**
   * Calls a tool by its exposed name (see `route`). Throws McpError: InvalidParams for an unknown
   * tool, `ACCESS_DENIED_CODE` when filtered out or out of scope, `SERVER_UNAVAILABLE_CODE` when its
   * server is down or goes down during the call. A result with `isError` is returned as a result,
   * scrubbed of secrets (see `redactToolResult`).
   */
  async callTool(
    exposedName: string,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<CallToolResult> {
    return (await this.route(
      'tools/call',
      { name: exposedName, arguments: args },
      withCancel(ctx),
    )) as CallToolResult;
  }

  /** Gets a prompt by its exposed name (namespaced like tools); whole known secret values are scrubbed. */
  async getPrompt(
    exposedName: string,
    args: Record<string, string>,
    ctx: CallContext,
  ): Promise<GetPromptResult> {
    return (await this.route(
      'prompts/get',
      { name: exposedName, arguments: args },
      withCancel(ctx),
    )) as GetPromptResult;
  }

  /**
   * Reads a resource from the server that listed its URI (lists are refreshed once on a miss), or
   * else from the first server with a matching resource template. Whole known secret values are scrubbed.
   */
  async readResource(uri: string, ctx: CallContext): Promise<ReadResourceResult> {
    return (await this.route('resources/read', { uri }, withCancel(ctx))) as ReadResourceResult;
  }

  private async routeTool(
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Record<string, unknown>> {
    const exposedName = String(params['name']);
    const { upstream, name: tool } = await this.resolveTarget('tool', exposedName, ctx.scope);
    const id = ctx.clientId === undefined ? {} : { clientId: ctx.clientId };
    const base = { client: ctx.client, ...id, server: upstream.name, tool };
    const denial = this.toolDenial(upstream, tool, ctx.scope);
    if (denial !== undefined) {
      this.deps.audit.record({ type: 'tool.denied', outcome: 'denied', ...base, message: denial });
      throw accessDeniedError('tool', exposedName, denial);
    }
    const started = this.deps.clock.now();
    const duration = () => this.deps.clock.now() - started;
    try {
      // Provider tokens due for refresh are refreshed (and the server restarted) before the call.
      for (const id of upstream.policy.accounts) await this.deps.credentials?.accessToken(id);
      const result = await this.relayRequest(upstream, 'tools/call', { ...params, name: tool }, ctx);
      const outcome = result['isError'] === true ? 'error' : 'ok';
      this.deps.audit.record({ type: 'tool.call', outcome, ...base, durationMs: duration() });
      return redactToolResult(result as CallToolResult, this.deps.redactor);
    } catch (error) {
      const errorCode = ctx.cancel?.cancelled === true ? 'cancelled' : auditErrorCode(error);
      this.deps.audit.record({
        type: 'tool.call',
        outcome: 'error',
        ...base,
        durationMs: duration(),
        errorCode,
      });
      throw toMcpError(error, this.deps.redactor);
    }
  }

  /** `completion/complete` for a namespaced prompt or a resource (template) URI. */
  private async routeCompletion(
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Record<string, unknown>> {
    const ref = params['ref'] as Record<string, unknown>;
    if (ref['type'] === 'ref/prompt') {
      const { upstream, name } = await this.resolvePrompt(ref['name'], ctx.scope);
      return this.relayScrubbed(upstream, 'completion/complete', { ...params, ref: { ...ref, name } }, ctx);
    }
    const uri = String(ref['uri']);
    const found =
      this.catalog.findResource(uri, ctx.scope) ?? this.catalog.findTemplateByText(uri, ctx.scope);
    if (!found) throw unknownResourceError(uri);
    return this.relayScrubbed(found, 'completion/complete', params, ctx);
  }

  private async resolvePrompt(exposed: unknown, scope: ServerScope): Promise<ResolvedItem> {
    const exposedName = String(exposed);
    const found = await this.resolveTarget('prompt', exposedName, scope);
    if (scope !== undefined && !scope.has(found.upstream.name)) {
      throw accessDeniedError(
        'prompt',
        exposedName,
        `this client may not use server "${found.upstream.name}"`,
      );
    }
    return found;
  }

  /** `relayRequest`, with the result scrubbed of whole known secret values and failures as McpErrors. */
  private async relayScrubbed(
    upstream: UpstreamSupervisor,
    method: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Record<string, unknown>> {
    try {
      const result = await this.relayRequest(upstream, method, params, ctx);
      return this.deps.redactor.redactDeep(result, true) as Record<string, unknown>;
    } catch (error) {
      throw toMcpError(error, this.deps.redactor);
    }
  }

  /** Sends one request on the upstream's channel (waiting for a starting server, drain respected). */
  private relayRequest(
    upstream: UpstreamSupervisor,
    method: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Record<string, unknown>> {
    const timeoutMs = upstream.policy.callTimeoutMs ?? this.timing.callTimeoutMs;
    const { onprogress, cancel } = ctx;
    const redactor = this.deps.redactor;
    const relayProgress =
      onprogress === undefined
        ? undefined
        : (p: CallProgress) =>
            onprogress(p.message === undefined ? p : { ...p, message: redactor.redact(p.message) });
    return upstream.request((_client, channel) =>
      channel.call(method, params, { timeoutMs, onprogress: relayProgress, cancel }),
    );
  }

  private async resourceServer(uri: string, scope: ServerScope): Promise<UpstreamSupervisor> {
    let found = this.catalog.findResource(uri, scope);
    if (!found) {
      const running = this.catalog.visible(scope).filter((u) => u.state === 'running');
      await Promise.all(running.map((u) => u.relist('resources')));
      found = this.catalog.findResource(uri, scope) ?? this.catalog.findTemplate(uri, scope);
    }
    if (!found) throw unknownResourceError(uri);
    return found;
  }

  /**
   * The upstream item behind an exposed name. A name that starts with the prefix of a server that
   * is starting waits for it; of a server that is down, fails with why it is down.
   */
  private async resolveTarget(
    kind: 'tool' | 'prompt',
    exposed: string,
    scope: ServerScope,
  ): Promise<ResolvedItem> {
    const resolve = () =>
      kind === 'tool' ? this.catalog.resolveTool(exposed) : this.catalog.resolvePrompt(exposed);
    const found = resolve();
    if (found) return found;
    const upstream = this.serverByPrefix(exposed);
    if (!upstream || upstream.state === 'running' || (scope !== undefined && !scope.has(upstream.name))) {
      throw unknownNameError(kind, exposed);
    }
    try {
      await upstream.waitUntilRunning();
    } catch (error) {
      throw toMcpError(error, this.deps.redactor);
    }
    const late = resolve();
    if (!late) throw unknownNameError(kind, exposed);
    return late;
  }

  /** Why a tool may not be called, or `undefined` when it may. */
  private toolDenial(upstream: UpstreamSupervisor, tool: string, scope: ServerScope): string | undefined {
    if (scope !== undefined && !scope.has(upstream.name)) {
      return `this client may not use server "${upstream.name}"`;
    }
    const filter = upstream.policy.tools;
    return isToolAllowed(filter, tool) ? undefined : `${describeFilter(filter)} in the broker config`;
  }

  /** Re-emits an upstream's events; names are recomputed when a list changes. */
  private relay(upstream: UpstreamSupervisor): void {
    let listed = false;
    upstream.on('toolsChanged', () => {
      this.catalog.invalidate();
      this.emit('toolsChanged');
    });
    upstream.on('promptsChanged', () => {
      this.catalog.invalidate();
      this.emit('promptsChanged');
    });
    upstream.on('resourcesChanged', () => this.emit('resourcesChanged'));
    upstream.on('log', (message) => this.emit('log', message));
    upstream.on('statusChanged', () => {
      const nowListed = upstream.state !== 'stopped' && upstream.state !== 'disabled';
      if (nowListed !== listed) {
        listed = nowListed;
        const { tools, prompts, resources, resourceTemplates } = upstream.catalog;
        if (tools.length > 0) this.emit('toolsChanged');
        if (prompts.length > 0) this.emit('promptsChanged');
        if (resources.length + resourceTemplates.length > 0) this.emit('resourcesChanged');
      }
      this.emit('statusChanged');
    });
  }
}

import type { AuditRecordView } from '../../../main/contract/audit.js';
import type { ServerInfo } from '../../../main/contract/status.js';
import type {
  ApiInput,
  ApiKeyList,
  ApiOutput,
  BrokerApi,
  BrokerEvent,
  ClientList,
  ImportPlan,
  ProviderList,
  TokenList,
} from '../../../main/contract/window-api.js';

/** A call the fake received: method name and input. */
export interface RecordedCall {
  method: string;
  input: unknown;
}

export interface FakeState {
  servers: ServerInfo[];
  audit: AuditRecordView[];
  tokens?: TokenList;
  clients?: ClientList;
  apiKeys?: ApiKeyList;
  plan?: ImportPlan;
  providers?: ProviderList;
  signIn?: ApiOutput<'signIn'>;
  auditStatus?: ApiOutput<'getStatus'>['audit'];
}

const UNAVAILABLE = 'Provider sign-in is not configured: add a provider to the config.';

export function server(name: string, extra: Partial<ServerInfo> = {}): ServerInfo {
  return {
    name,
    state: 'running',
    enabled: true,
    toolCount: 1,
    tools: [`${name}__echo`],
    restarts: 0,
    stderrTail: [],
    command: 'node server.js',
    env: [],
    ...extra,
  };
}

export function record(seq: number, extra: Partial<AuditRecordView> = {}): AuditRecordView {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString(),
    type: 'tool.call',
    outcome: 'ok',
    server: 'alpha',
    tool: 'echo',
    prev: '0'.repeat(64),
    hash: '1'.repeat(64),
    ...extra,
  };
}

/**
 * An in-memory `BrokerApi` for component tests: the screens are what is under test, so the broker
 * behind the contract is a small, honest fake that records calls and can push live events.
 */
export function fakeBrokerApi(
  state: FakeState,
): BrokerApi & { calls: RecordedCall[]; emit: (e: BrokerEvent) => void } {
  const calls: RecordedCall[] = [];
  const listeners = new Set<(e: BrokerEvent) => void>();
  const rec = <T>(method: string, input: unknown, out: T): Promise<T> => {
    calls.push({ method, input });
    return Promise.resolve(out);
  };
  const ok = { ok: true } as const;
  const status = () => ({
    broker: {
      pid: 1,
      version: '0.1.0',
      url: 'http://127.0.0.1:1',
      startedAt: '',
      secretStore: 'test store',
      clients: 0,
    },
    servers: state.servers,
    ...(state.auditStatus ? { audit: state.auditStatus } : {}),
  });
  return {
    calls,
    emit: (e) => {
      for (const l of listeners) l(e);
    },
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getStatus: (i) => rec('getStatus', i, status()),
    restartServer: (i) => rec('restartServer', i, ok),
    setServerEnabled: (i: ApiInput<'setServerEnabled'>) => {
      state.servers = state.servers.map((s) =>
        s.name === i.name ? { ...s, enabled: i.enabled, state: i.enabled ? 'running' : 'disabled' } : s,
      );
      return rec('setServerEnabled', i, ok);
    },
    pauseAllServers: (i) => rec('pauseAllServers', i, ok),
    planImport: (i) => rec('planImport', i, state.plan ?? { servers: [] }),
    runImport: (i) => {
      const names = state.plan?.servers.filter((s) => !s.problem).map((s) => s.name) ?? [];
      const moved = (state.plan?.servers ?? []).flatMap((s) =>
        s.secrets.map((x) => ({ server: s.name, ...x })),
      );
      state.servers = [...state.servers, ...names.map((n) => server(n))];
      return rec('runImport', i, { imported: names, skipped: [], moved });
    },
    queryAudit: (i) => rec('queryAudit', i, { records: state.audit, matched: state.audit.length }),
    exportAudit: (i) =>
      rec('exportAudit', i, { jsonl: state.audit.map((r) => JSON.stringify(r)).join('\n') }),
    verifyAudit: (i) =>
      rec('verifyAudit', i, { ok: true, records: state.audit.length, files: ['audit.jsonl'] }),
    listSecrets: (i) => rec('listSecrets', i, { names: [] }),
    listCatalog: (i) =>
      rec('listCatalog', i, {
        servers: [
          {
            id: 'github',
            title: 'GitHub',
            description: 'Repositories, issues, pull requests and code search.',
            homepage: 'https://github.com/modelcontextprotocol/servers',
            command: 'npx -y @modelcontextprotocol/server-github',
            fields: [{ id: 'token', label: 'Personal access token', secret: true }],
          },
          {
            id: 'sentry',
            title: 'Sentry',
            description: 'Issues and events.',
            homepage: 'https://docs.sentry.io/product/sentry-mcp/',
            url: 'https://mcp.sentry.dev/mcp',
            fields: [],
          },
        ],
      }),
    addServer: (i) => {
      state.servers = [...state.servers, server(i.name)];
      return rec('addServer', i, { name: i.name, secrets: 'catalog' in i ? [`${i.name}-GITHUB_TOKEN`] : [] });
    },
    removeServer: (i) => {
      state.servers = state.servers.filter((s) => s.name !== i.name);
      return rec('removeServer', i, ok);
    },
    getServerLog: (i) =>
      rec('getServerLog', i, {
        server: i.name,
        lines: ['2026-12-03T10:00:00.000Z ── starting ──', '2026-12-03T10:00:00.100Z listening on stdio'],
      }),
    getConnectInfo: (i) =>
      rec('getConnectInfo', i, {
        mcpUrl: 'http://127.0.0.1:47821/mcp',
        targets: [
          {
            id: 'claude-desktop' as const,
            label: 'Claude Desktop',
            path: '/home/u/.config/Claude/claude_desktop_config.json',
            exists: true,
            installed: false,
            via: 'stdio' as const,
            accepts: ['stdio' as const],
            snippet: '{"mcpServers":{"broker":{}}}',
            moved: ['github'],
          },
        ],
      }),
    installConnect: (i) =>
      rec('installConnect', i, {
        path: '/home/u/.config/Claude/claude_desktop_config.json',
        via: 'stdio' as const,
        backup: '/x.sealed',
        removed: i.removeImported === false ? [] : ['github'],
      }),
    uninstallConnect: (i) =>
      rec('uninstallConnect', i, {
        path: '/home/u/.config/Claude/claude_desktop_config.json',
        restored: 'exact' as const,
        returned: ['github'],
      }),
    listProviders: (i) =>
      rec('listProviders', i, state.providers ?? { available: false, message: UNAVAILABLE, providers: [] }),
    signIn: (i) => rec('signIn', i, state.signIn ?? {}),
    signOut: (i) => rec('signOut', i, ok),
    listTokens: (i) =>
      rec('listTokens', i, state.tokens ?? { available: false, message: UNAVAILABLE, tokens: [] }),
    refreshToken: (i) => rec('refreshToken', i, ok),
    revokeToken: (i) => rec('revokeToken', i, ok),
    listClients: (i) =>
      rec('listClients', i, state.clients ?? { available: false, message: 'No clients yet.', clients: [] }),
    revokeClient: (i) => rec('revokeClient', i, ok),
    listApiKeys: (i) => rec('listApiKeys', i, state.apiKeys ?? { available: true, keys: [] }),
    revokeApiKey: (i) => rec('revokeApiKey', i, ok),
    approveConsent: (i) => rec('approveConsent', i, ok),
    denyConsent: (i) => rec('denyConsent', i, ok),
  };
}

import { type ComponentType, useCallback, useEffect, useState } from 'react';

import type { Status } from '../../main/contract/status.js';
import type { BrokerEvent } from '../../main/contract/window-api.js';
import { useBrokerEvents, useLoad } from './api-context.js';
import { AuditScreen } from './screens/audit-screen.js';
import { ClientsScreen } from './screens/clients-screen.js';
import { ConnectScreen } from './screens/connect-screen.js';
import { DeviceCodeSignIn, signInProviderFromHash } from './screens/device-code-sign-in.js';
import { ProvidersScreen } from './screens/providers-screen.js';
import { ServersScreen } from './screens/servers-screen.js';
import { TokensScreen } from './screens/tokens-screen.js';

export const SCREENS: { id: string; label: string; component: ComponentType }[] = [
  { id: 'servers', label: 'Servers', component: ServersScreen },
  { id: 'providers', label: 'Providers', component: ProvidersScreen },
  { id: 'tokens', label: 'Tokens', component: TokensScreen },
  { id: 'clients', label: 'Clients', component: ClientsScreen },
  { id: 'audit', label: 'Audit', component: AuditScreen },
  { id: 'connect', label: 'Connect', component: ConnectScreen },
];

function screenFromHash(): string {
  const id = window.location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return SCREENS.some((s) => s.id === id) ? id : 'servers';
}

/** One line: is the broker up, how many servers run. */
function StatusLine() {
  const loaded = useLoad((api) => api.getStatus({}));
  const [live, setLive] = useState<Status | undefined>();
  const onEvent = useCallback((e: BrokerEvent) => {
    if (e.type === 'status') setLive(e.status);
  }, []);
  useBrokerEvents(onEvent);
  const status = live ?? loaded.data;
  if (loaded.error)
    return (
      <p className="status bad" role="status">
        Broker not reachable: {loaded.error.message}
      </p>
    );
  if (!status)
    return (
      <p className="status" role="status">
        Connecting…
      </p>
    );
  const running = status.servers.filter((s) => s.state === 'running').length;
  const audit = status.audit;
  return (
    <>
      <p className="status" role="status">
        {status.broker.paused ? 'Paused · ' : ''}
        {running}/{status.servers.length} servers running · {status.broker.secretStore} · v
        {status.broker.version}
      </p>
      {audit?.writable === false && (
        <p className="status bad" role="alert">
          The audit log cannot be written{audit.since ? ` since ${audit.since}` : ''}
          {audit.error ? ` (${audit.error})` : ''}
          {audit.lost ? `; ${String(audit.lost)} records lost so far` : ''}. The broker keeps serving and
          records the gap once the disk takes writes again.
        </p>
      )}
    </>
  );
}

/** The window: navigation on the left, the chosen screen on the right. */
export function App() {
  const [screen, setScreen] = useState(screenFromHash);
  // `#/sign-in/<provider>`: the tray's small sign-in window, without the navigation.
  const [signIn, setSignIn] = useState(() => signInProviderFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => {
      setScreen(screenFromHash());
      setSignIn(signInProviderFromHash(window.location.hash));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  if (signIn) return <DeviceCodeSignIn provider={signIn} />;
  const Current = SCREENS.find((s) => s.id === screen)?.component ?? ServersScreen;
  return (
    <div className="app">
      <aside>
        <h1>MCP Auth Broker</h1>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <a href={`#/${s.id}`} aria-current={s.id === screen ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <StatusLine />
      </aside>
      <main>
        <Current />
      </main>
    </div>
  );
}

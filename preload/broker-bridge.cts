// The desktop window's bridge (Electron preload; contextIsolation + sandbox). It exposes exactly
// one object, `window.broker`, whose named functions each invoke one enumerated IPC channel; the
// renderer never sees `ipcRenderer`. A sandboxed preload can only require('electron'), so the
// channel names are spelled out here; main/electron/preload-contract.test.ts checks they match the
// contract. Inputs are validated again (zod) by the main process handlers.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS and may only require('electron')
import electron = require('electron');
import type { BrokerApi, BrokerEvent } from '../main/contract/window-api.js' with {
  'resolution-mode': 'import',
};

const { contextBridge, ipcRenderer } = electron;
type Calls = Omit<BrokerApi, 'onEvent'>;

/** `CODE: message` from the main process back into an Error with `code`. */
function unwrap(error: unknown): never {
  const text = error instanceof Error ? error.message : String(error);
  const match = /(?:Error invoking remote method '[^']+': )?(?:Error: )?([A-Z_]+): ([\s\S]*)$/.exec(text);
  const wrapped = new Error(match?.[2] ?? text) as Error & { code: string };
  wrapped.name = 'BrokerApiError';
  wrapped.code = match?.[1] ?? 'INTERNAL';
  throw wrapped;
}

function invoke<K extends keyof Calls>(channel: `broker:${K}`) {
  return ((input: Parameters<Calls[K]>[0]) => ipcRenderer.invoke(channel, input).catch(unwrap)) as Calls[K];
}

const broker = {
  getStatus: invoke('broker:getStatus'),
  restartServer: invoke('broker:restartServer'),
  setServerEnabled: invoke('broker:setServerEnabled'),
  pauseAllServers: invoke('broker:pauseAllServers'),
  planImport: invoke('broker:planImport'),
  runImport: invoke('broker:runImport'),
  queryAudit: invoke('broker:queryAudit'),
  exportAudit: invoke('broker:exportAudit'),
  verifyAudit: invoke('broker:verifyAudit'),
  listSecrets: invoke('broker:listSecrets'),
  getConnectInfo: invoke('broker:getConnectInfo'),
  listCatalog: invoke('broker:listCatalog'),
  addServer: invoke('broker:addServer'),
  removeServer: invoke('broker:removeServer'),
  getServerLog: invoke('broker:getServerLog'),
  installConnect: invoke('broker:installConnect'),
  uninstallConnect: invoke('broker:uninstallConnect'),
  listProviders: invoke('broker:listProviders'),
  signIn: invoke('broker:signIn'),
  signOut: invoke('broker:signOut'),
  listTokens: invoke('broker:listTokens'),
  refreshToken: invoke('broker:refreshToken'),
  revokeToken: invoke('broker:revokeToken'),
  listClients: invoke('broker:listClients'),
  revokeClient: invoke('broker:revokeClient'),
  listApiKeys: invoke('broker:listApiKeys'),
  revokeApiKey: invoke('broker:revokeApiKey'),
  approveConsent: invoke('broker:approveConsent'),
  denyConsent: invoke('broker:denyConsent'),
  onEvent(listener: (event: BrokerEvent) => void): () => void {
    const relay = (_event: electron.IpcRendererEvent, payload: BrokerEvent) => listener(payload);
    ipcRenderer.on('broker:event', relay);
    return () => ipcRenderer.removeListener('broker:event', relay);
  },
} satisfies BrokerApi;

contextBridge.exposeInMainWorld('broker', broker);

import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import type { BrokerApi } from '../../main/contract/window-api.js';
import { ApiProvider } from './api-context.js';
import { App } from './app.js';
import { createHttpBrokerApi } from './http-broker-api.js';
import { secretFromOpener, shareSessionSecret, takeSessionSecret } from './session-secret.js';

declare global {
  interface Window {
    /** The Electron preload bridge; absent in browser mode. */
    broker?: BrokerApi;
  }
}

/** Browser mode: the session secret from the login page, or from the window that opened this one. */
function browserModeApi(): BrokerApi {
  const secret = takeSessionSecret() ?? secretFromOpener();
  void Promise.resolve(secret).then((value) => value && shareSessionSecret(value));
  return createHttpBrokerApi(secret);
}

const api: BrokerApi = window.broker ?? browserModeApi();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ApiProvider value={api}>
        <App />
      </ApiProvider>
    </StrictMode>,
  );
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { BrokerApi } from '../../main/broker/api/broker-api.js';
import { ApiProvider } from './api-context.js';
import { App } from './app.js';
import { createHttpBrokerApi, takeSessionSecret } from './http-broker-api.js';
import './styles.css';

declare global {
  interface Window {
    /** The Electron preload bridge; absent in browser mode. */
    broker?: BrokerApi;
  }
}

const api: BrokerApi = window.broker ?? createHttpBrokerApi(takeSessionSecret());
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

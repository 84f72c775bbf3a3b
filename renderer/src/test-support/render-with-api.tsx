import { render } from '@testing-library/react';
import type { ReactElement } from 'react';

import type { BrokerApi } from '../../../main/contract/window-api.js';
import { ApiProvider } from '../api-context.js';

/** Renders `ui` with `api` as the window's BrokerApi. */
export function renderWithApi(ui: ReactElement, api: BrokerApi) {
  return render(<ApiProvider value={api}>{ui}</ApiProvider>);
}

import type { ProviderService } from '../broker/providers/provider-service.js';
import type { SignInEvent, Sleep } from '../broker/providers/sign-in-events.js';
import { actAsPerson } from './oauth-person.js';

/** Polls every 20 ms whatever interval the provider asks for. */
export const fastSleep: Sleep = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Signs `accountId` in through `service` with the device flow, the person approving in the background. */
export async function signInByDevice(service: ProviderService, accountId: string): Promise<SignInEvent[]> {
  const events: SignInEvent[] = [];
  let person: Promise<unknown> | undefined;
  await service.login(accountId, {
    mode: 'device',
    onEvent: (event) => {
      events.push(event);
      const start = events[0];
      if (event.event === 'waiting' && !person && start?.event === 'device_code') {
        person = actAsPerson(start.verificationUriComplete ?? start.verificationUri, {
          userCode: start.userCode,
        });
      }
    },
  });
  await person;
  return events;
}

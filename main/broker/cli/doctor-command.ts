import { BrokerError } from '../base/errors.js';
import { doctorLogin } from '../upstream-oauth/doctor-login.js';
import { renderReport, runOAuthDoctor } from '../upstream-oauth/oauth-doctor.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { openBrowser } from './open-browser.js';

export const doctorHelp = `Usage: mcp-auth-broker doctor <url> [--json] [--login [--no-open]] [--client-id ID]

Walks the MCP authorization discovery of a remote MCP server step by step, the way the broker does it:
the 401 challenge, the protected resource metadata (RFC 9728), the authorization server metadata URLs
tried (RFC 8414 / OpenID), the issuer and PKCE S256 checks, the client registration, and the
authorization request it would send. Ends with a diagnosis and the fix. Secrets are never printed.
  --json        the report as one JSON object
  --login       go on: sign in in the browser and list the server's tools (a connection test);
                the tokens are kept in memory only
  --no-open     with --login: print the sign-in URL instead of opening the browser
  --client-id   a pre-registered client id to use instead of dynamic registration
Exit code 0 when everything passed, 1 otherwise.`;

export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      json: { type: 'boolean' },
      login: { type: 'boolean' },
      'no-open': { type: 'boolean' },
      'client-id': { type: 'string' },
    },
    true,
  );
  if (values.help || positionals.length === 0) return (writeLine(io.stdout, doctorHelp), values.help ? 0 : 2);
  if (positionals.length > 1) throw new BrokerError('USAGE', 'doctor takes one URL.');
  const url = positionals[0] ?? '';
  const clientId = values['client-id'];
  const report = await runOAuthDoctor(url, clientId === undefined ? {} : { clientId });
  if (values.login && report.diagnosis.code === 'ok') {
    const noOpen = values['no-open'] === true;
    await doctorLogin(report, {
      ...(clientId === undefined ? {} : { clientId }),
      onEvent: (event) => {
        if (event.event !== 'browser' || values.json) return;
        writeLine(
          io.stderr,
          noOpen ? `Open this URL to sign in:\n${event.url}` : `Opening your browser: ${event.url}`,
        );
      },
      openUrl: noOpen ? () => Promise.resolve() : openBrowser,
    });
  }
  writeLine(io.stdout, values.json ? JSON.stringify(report, null, 2) : renderReport(report));
  return report.diagnosis.code === 'ok' ? 0 : 1;
}

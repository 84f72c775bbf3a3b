// A separate process that appends audit records as fast as it can, rotating often, until killed.
// Usage: node audit-writer.mjs <dir> <maxFileBytes>. Uses the built log (npm run build).
import { AuditLog } from '../../dist/main/broker/audit/audit-log.js';

const [dir, maxFileBytes] = process.argv.slice(2);
const log = AuditLog.open({ dir, maxFileBytes: Number(maxFileBytes), clock: { now: () => Date.now() } });
let n = 0;
const tick = () => {
  for (let i = 0; i < 5; i++) log.record({ type: 'tool.call', outcome: 'ok', tool: `tool${++n}` });
  if (n === 5) process.stdout.write('writing\n');
  setImmediate(tick);
};
process.on('SIGTERM', () => {
  log.close();
  process.exit(0);
});
tick();

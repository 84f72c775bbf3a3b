import type { AuditRecordView } from '../../../main/contract/audit.js';

const BUCKETS = 12;

/** Tool calls per server in equal time slices of the records shown. */
export function bucketToolCalls(records: readonly AuditRecordView[]): {
  servers: { name: string; counts: number[]; total: number }[];
  from: number;
  to: number;
} {
  const calls = records.filter((r) => r.type === 'tool.call' && r.server !== undefined);
  const times = calls.map((r) => Date.parse(r.time));
  const from = Math.min(...times);
  const to = Math.max(...times);
  const span = Math.max(1, to - from);
  const byServer = new Map<string, number[]>();
  calls.forEach((r, i) => {
    const counts = byServer.get(r.server ?? '') ?? new Array<number>(BUCKETS).fill(0);
    const slot = Math.min(BUCKETS - 1, Math.floor((((times[i] ?? from) - from) / span) * BUCKETS));
    counts[slot] = (counts[slot] ?? 0) + 1;
    byServer.set(r.server ?? '', counts);
  });
  const servers = [...byServer.entries()]
    .map(([name, counts]) => ({ name, counts, total: counts.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total);
  return { servers, from, to };
}

/** A row of bars per server: how tool calls spread over the time of the records shown. */
export function ToolCallChart({ records }: { records: readonly AuditRecordView[] }) {
  const { servers, from, to } = bucketToolCalls(records);
  if (servers.length === 0) return null;
  const max = Math.max(...servers.flatMap((s) => s.counts));
  const fmt = (ms: number) => new Date(ms).toLocaleTimeString();
  return (
    <figure className="chart" aria-label="Tool calls per server over time">
      <figcaption>
        Tool calls per server, {fmt(from)} – {fmt(to)}
      </figcaption>
      <table>
        <tbody>
          {servers.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td>
                <svg
                  viewBox={`0 0 ${String(BUCKETS * 10)} 20`}
                  role="img"
                  aria-label={`${s.name}: ${String(s.total)} calls`}
                >
                  {s.counts.map((c, i) => {
                    const h = max === 0 ? 0 : Math.max(c > 0 ? 2 : 0, (c / max) * 20);
                    return <rect key={i} x={i * 10 + 1} y={20 - h} width={8} height={h} className="bar" />;
                  })}
                </svg>
              </td>
              <td className="num">{s.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

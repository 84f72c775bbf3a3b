import { z } from 'zod';

/**
 * What a server's tool and prompt names are exposed under (issue 12 point 4). The default is
 * `<server>__` (server names hold no `_`, so two default prefixes never collide); `"prefix": "gh_"`
 * chooses another one, and `"prefix": false` exposes the names as the server gives them, which
 * makes a broker with that one server a drop-in replacement for it.
 */
export const ServerPrefixSchema = z
  .union([z.literal(false), z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, '1-32 letters, digits, "_" or "-"')])
  .optional();

export type ServerPrefix = z.infer<typeof ServerPrefixSchema>;

/** The default prefix of a server's names: `<server>__`. */
export function defaultPrefix(server: string): string {
  return `${server}__`;
}

/** The text in front of a server's exposed names: its `prefix`, `<server>__` by default, '' for false. */
export function exposedPrefix(server: string, prefix: ServerPrefix): string {
  if (prefix === false) return '';
  return prefix ?? defaultPrefix(server);
}

/**
 * Why two servers' exposed names could be the same, or undefined. Names are `<prefix><name>`, so
 * they can collide exactly when one prefix starts the other (a server without a prefix therefore
 * has to be the only one): that is refused when the config is read, not discovered at a call.
 */
export function prefixConflict(
  servers: ReadonlyArray<readonly [name: string, prefix: ServerPrefix]>,
): { server: string; message: string } | undefined {
  const effective = servers.map(([name, prefix]) => ({ name, prefix: exposedPrefix(name, prefix) }));
  for (const [i, a] of effective.entries()) {
    for (const b of effective.slice(i + 1)) {
      const [shorter, longer] = a.prefix.length <= b.prefix.length ? [a, b] : [b, a];
      if (!longer.prefix.startsWith(shorter.prefix)) continue;
      const what =
        shorter.prefix === ''
          ? `server "${shorter.name}" has no prefix, so any of its names could also be one of "${longer.name}"'s`
          : `the prefix "${shorter.prefix}" of server "${shorter.name}" starts the prefix "${longer.prefix}" of server "${longer.name}"`;
      return {
        server: longer.name,
        message: `Servers "${shorter.name}" and "${longer.name}" could expose the same tool or prompt name: ${what}. Give one of them a different "prefix" (a server with "prefix": false must be the only server).`,
      };
    }
  }
  return undefined;
}

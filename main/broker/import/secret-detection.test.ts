import { describe, expect, it } from 'vitest';

import { looksLikeSecret, secretReason, shannonEntropy } from './secret-detection.js';

// Fake tokens of the real shapes (random, never valid anywhere).
export const FAKE = {
  ghp: 'ghp_Zk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0Ue5GiK',
  githubPat: 'github_pat_11ABCDEFG0Zk3f9QmV2xLr_7TwYb4Nc8Hd1Jp6Sa0Ue5GiKwq9',
  gho: 'gho_Qm7Vx2Lr9TwYb4Nc8Hd1Jp6Sa0Ue5GiKzk3f',
  xoxb: 'xoxb-2741963385-5819367214-Zk3f9QmV2xLr7TwYb4Nc8Hd1',
  xoxp: 'xoxp-2741963385-5819367214-7731-Qm7Vx2Lr9TwYb4Nc8Hd1',
  sk: 'sk-proj-Zk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0Ue5GiK',
  skLive: 'sk_live_51Zk3f9QmV2xLr7TwYb4Nc8Hd1',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlLXVzZXIifQ.Zk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0Ue5GiKqq',
  akia: 'AKIAZK3F9QMV2XLR7TWY',
  random: 'q8Fz3LmN0vR7tYp2WcK9sDe4HbG6jA1u',
  pgPassword: 'Pg-s3cret-Zk3f9Qm',
} as const;

describe('secret detection table (14.3)', () => {
  it.each([
    ['GITHUB_PERSONAL_ACCESS_TOKEN', FAKE.ghp],
    ['X', FAKE.githubPat],
    ['X', FAKE.gho],
    ['SLACK_BOT_TOKEN', FAKE.xoxb],
    ['X', FAKE.xoxp],
    ['OPENAI', FAKE.sk],
    ['STRIPE', FAKE.skLive],
    ['ID_TOKEN_VALUE', FAKE.jwt],
    ['AWS_ACCESS_KEY_ID', FAKE.akia],
    ['SOMETHING', FAKE.random],
    ['DB_PASSWORD', 'hunter2'],
    ['API_KEY', 'abc'],
    ['GITLAB_PAT', 'abc'],
    ['AUTH_HEADER', 'Bearer abc'],
  ])('positive: %s', (name, value) => {
    expect(secretReason(name, value), `${name}=${value}`).toBeDefined();
  });

  it.each([
    ['SLACK_CHANNEL_IDS', 'C01234567,C07654321'],
    ['SLACK_TEAM_ID', 'T01ABCDEF23'],
    ['LOG_LEVEL', 'debug'],
    ['API_KEY', 'true'],
    ['GITHUB_TOKEN', ''],
    ['PORT', '5432'],
    ['TIMEOUT', '30000'],
    ['ALLOWED_DIRS', '/home/someone/projects/notes-archive'],
    ['KEY_PATH', '/home/someone/.ssh/id_ed25519'],
    ['AUTH_URL', 'https://auth.example.com/oauth/authorize'],
    ['TOKEN_TYPE', 'bearer'],
    ['ENDPOINT', 'https://api.example.com/v1/endpoint'],
    ['GREETING', 'hello world, how are you today'],
    ['PACKAGE', '@modelcontextprotocol/server-filesystem'],
    ['PROJECT_ID', '123e4567-e89b-12d3-a456-426614174000'],
    ['WIN_PATH', 'C:\\Users\\someone\\Documents'],
    ['DB_HOST', 'db.internal.example.com'],
    ['NODE_ENV', 'production'],
  ])('negative: %s', (name, value) => {
    expect(looksLikeSecret(name, value), `${name}=${value}`).toBe(false);
  });

  it('entropy of a constant string is 0', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
  });
});

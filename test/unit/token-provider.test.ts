// KeystoneAuth with an issued token: the token is used at once, while it is
// saved to the cache and the cache lock released in the background; settled()
// (awaited by the client's close) waits for both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IssuedToken, KeystoneClient, TokenStore } from '../../src/services/keystone.js';
import { KeystoneAuth } from '../../src/services/token-provider.js';

const issued: IssuedToken = {
  token: 'tok-1',
  expires_at: new Date(Date.now() + 3600e3).toISOString(),
  methods: ['password'],
  user: { id: 'u', name: 'admin' },
  catalog: [],
};

test('an issued token is returned before the cache has it; settled() waits for the save and the lock release', async () => {
  const events: string[] = [];
  let finishSave: () => void = () => undefined;
  const store: TokenStore = {
    load: async () => undefined,
    save: (t) => {
      events.push(`save ${t.token}`);
      return new Promise<void>((resolve) => {
        finishSave = () => {
          events.push('saved');
          resolve();
        };
      });
    },
    evict: async () => undefined,
    lock: async () => {
      events.push('lock');
      return async () => {
        events.push('unlock');
      };
    },
  };
  const client = { issueToken: async () => issued } as unknown as KeystoneClient;
  const auth = new KeystoneAuth(client, true, store);

  assert.equal(await auth.token(), 'tok-1');
  assert.deepEqual(events, ['lock', 'save tok-1'], 'the token is in use while the save is under way, lock still held');
  let settled = false;
  const waiting = auth.settled().then(() => {
    settled = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'settled() waits for the save');
  finishSave();
  await waiting;
  assert.deepEqual(events, ['lock', 'save tok-1', 'saved', 'unlock']);
});

test('a token from the cache takes no lock and leaves nothing to settle', async () => {
  let locked = false;
  const store: TokenStore = {
    load: async () => issued,
    save: async () => assert.fail('a cached token is not saved again'),
    evict: async () => undefined,
    lock: async () => {
      locked = true;
      return async () => undefined;
    },
  };
  const auth = new KeystoneAuth({ issueToken: async () => assert.fail('no token request') } as unknown as KeystoneClient, true, store);
  assert.equal(await auth.token(), 'tok-1');
  await auth.settled();
  assert.equal(locked, false);
});

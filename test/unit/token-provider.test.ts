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

test('img token revoke with an empty cache: the token issued for it is saved before the entry is evicted, never after', async () => {
  const { FakeCloud } = await import('../helpers/fake-cloud.js');
  const { CloudClient } = await import('../../src/services/client.js');
  const cloud = await FakeCloud.start();
  try {
    const env = cloud.env('admin');
    const events: string[] = [];
    const store: TokenStore = {
      load: async () => undefined,
      // A slow disk: the save finishes well after Keystone answered the revoke.
      save: async () => {
        await new Promise((r) => setTimeout(r, 200));
        events.push('saved');
      },
      evict: async () => {
        events.push('evicted');
      },
      lock: async () => async () => undefined,
    };
    const client = new CloudClient(
      {
        auth: {
          authUrl: env['OS_AUTH_URL'] as string, authType: 'password', username: env['OS_USERNAME'], password: env['OS_PASSWORD'],
          userDomainName: env['OS_USER_DOMAIN_NAME'], projectName: env['OS_PROJECT_NAME'], projectDomainName: env['OS_PROJECT_DOMAIN_NAME'],
        },
        interface: 'public', identityApiVersion: '3', imageApiVersion: '2', insecure: false,
      },
      { tokenStore: store },
    );
    await (await client.keystone()).revoke();
    await client.close();
    assert.deepEqual(events, ['saved', 'evicted']);
  } finally {
    await cloud.close();
  }
});

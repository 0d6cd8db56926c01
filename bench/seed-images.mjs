#!/usr/bin/env node
// Creates COUNT queued images tagged TAG, 8 requests in flight, for the
// large-listing benchmark:  node bench/seed-images.mjs GLANCE_URL TOKEN_HEADER_FILE TAG COUNT
import { readFileSync } from 'node:fs';

const [glance, headerFile, tag, countArg] = process.argv.slice(2);
const token = /X-Auth-Token:\s*(\S+)/.exec(readFileSync(headerFile, 'utf8'))[1];
const count = Number(countArg);
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const res = await fetch(`${glance}/v2/images`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${tag}-${String(i).padStart(5, '0')}`, disk_format: 'raw', container_format: 'bare', tags: [tag] }),
    });
    if (res.status !== 201) throw new Error(`create ${i}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
console.error(`seed-images: created ${count} images tagged ${tag}`);

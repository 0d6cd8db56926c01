#!/usr/bin/env node
// Bundles img into one CommonJS file, dist/img.cjs, which bin/img runs
// through V8's code cache (see bin/img). Part of `npm run build`, after tsc.
//
// Why: a start of img used to load ~60 modules (img's ESM, commander and
// undici's CommonJS) and compile each from source; Node 20 has no compile
// cache for ES modules. One CommonJS file can be compiled once and then
// loaded from a V8 code cache, which halves the start-up cost.
//
// The bundle differs from the tsc build (dist/src, used by the unit tests
// that import modules) only in six places, all here:
//   - src/version.ts becomes the version string itself;
//   - undici's HTTP/2 client is left out: img never offers h2 (undici only
//     negotiates it with allowH2), and loading node:http2 and node:tls at
//     every start costs ~10 ms. If undici ever asked for it, the stub throws.
//   - node:child_process, which commander loads at start for subcommands
//     that are separate executables (img has none), is loaded when first
//     used instead (~3 ms per start);
//   - undici's node:assert and node:http become small stand-ins (STUBS below):
//     undici uses only assert(value, message) and, from http, a number and a
//     class to compare with; loading the real modules costs ~4 ms and ~2 ms
//     per start (node:http pulls in Node's HTTP server too). With them gone,
//     a request loads only net and stream;
//   - undici's llhttp (HTTP parsing in WebAssembly) is compiled after V8's
//     --liftoff-only is set: otherwise V8 also compiles it with TurboFan on
//     background threads, ~150 ms of CPU that a process making a few
//     requests never gets back, and that its exit waits for. The flag is not
//     given to node at start: any non-default V8 flag makes V8 refuse the
//     compiled built-ins Node ships, ~10 ms per start (bin/img); set at the
//     first connection, it comes after the built-ins a request needs;
//   - typescript, an optional peer of cosmiconfig for .ts config files
//     (which img never reads), is not bundled.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** What the bundle has in place of the modules named in the header. */
const STUBS = {
  'client-h2': "module.exports = function connectH2 () { throw new Error('img does not speak HTTP/2') }",
  child_process: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] })",
  // undici calls assert(value[, message]); a failed one is a bug in undici, reported as Node's would
  // be. Anything else it might call one day (assert.strictEqual…) is node:assert's own, loaded then.
  assert: `function assert (value, message) {
    if (value) return
    if (message instanceof Error) throw message
    throw Object.assign(new Error(message ?? 'The expression evaluated to a falsy value'), { name: 'AssertionError', code: 'ERR_ASSERTION' })
  }
  module.exports = new Proxy(assert, { get: (f, key) => key in f ? f[key] : require('node:assert')[key] })`,
  // undici reads http.maxHeaderSize once at load, for clients given no maxHeaderSize (Node's
  // default is 16 KiB), and compares request bodies' constructor with IncomingMessage, which img
  // never sends (a class of its own matches nothing).
  http: 'module.exports = { maxHeaderSize: 16384, IncomingMessage: class IncomingMessage {} }',
  // llhttp compiled by Liftoff alone (see the header). The flag stays set: turning it off again
  // (with the two flags it turned off) lets V8 compile the module with TurboFan after all. bin/img
  // resets all three, from the mark left here, before it writes a code cache at exit.
  'liftoff-module': `module.exports = function liftoffModule (bytes) {
    require('node:v8').setFlagsFromString('--liftoff-only')
    globalThis[Symbol.for('img.v8.liftoffOnly')] = true
    return new WebAssembly.Module(bytes)
  }`,
};

/** @type {import('esbuild').Plugin} */
const bundleOnly = {
  name: 'img-bundle-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({
      contents: `export const version = ${JSON.stringify(version)};`,
      loader: 'ts',
    }));
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      args.importer.includes(`undici${path.sep}lib${path.sep}dispatcher`) ? { path: 'client-h2', namespace: 'img-stub' } : undefined,
    );
    // undici's own requires of node:assert and node:http (see the header).
    b.onResolve({ filter: /^node:(assert|http)$/ }, (args) =>
      args.importer.includes(`${path.sep}undici${path.sep}`) ? { path: args.path.slice(5), namespace: 'img-stub' } : undefined,
    );
    // undici compiles llhttp in client-h1.js: through the stand-in below (see the header).
    b.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const compiled = source.replaceAll('new WebAssembly.Module(', "require('img-liftoff-module')(");
      if (compiled === source) throw new Error('bundle: undici no longer compiles llhttp with new WebAssembly.Module; see STUBS');
      return { contents: compiled, loader: 'js' };
    });
    b.onResolve({ filter: /^img-liftoff-module$/ }, () => ({ path: 'liftoff-module', namespace: 'img-stub' }));
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`) ? { path: 'child_process', namespace: 'img-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'img-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

const result = await build({
  entryPoints: [path.join(root, 'src', 'main.ts')],
  outfile: path.join(root, 'dist', 'img.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['typescript'],
  // import() of a built-in stays lazy but becomes require(): bin/img runs the
  // bundle as a vm.Script, which has no ES module loader behind it.
  supported: { 'dynamic-import': false },
  plugins: [bundleOnly],
  // Smaller source: less to read at each start (V8 needs the source even
  // with cached code). Identifiers are not minified, so stack traces under
  // --debug stay readable; esbuild's keepNames is off: it would wrap every
  // function and class in a defineProperty call run at start (~1,250 of them),
  // to keep names that only a collision in the bundle's scope renames (a few
  // functions get a number: emitList2; no class does).
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle: dist/img.cjs (${(bytes / 1024).toFixed(0)} KiB, img ${version})`);

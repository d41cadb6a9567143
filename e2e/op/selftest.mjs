#!/usr/bin/env node
// Self-test of the FranceConnect+ test OP (fcplus-op.mjs): plays the RP with plain
// fetch and manual cookies, runs the code flow, the tamper modes and the end session.
// Usage: node e2e/op/selftest.mjs        (VERBOSE=1 to print the OP's stderr)
// Prints `N passed, M failed`; exits non-zero on any failure.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { fileURLToPath } from 'node:url';

import {
  compactDecrypt,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';

const OP_SCRIPT = fileURLToPath(new URL('./fcplus-op.mjs', import.meta.url));
const CLIENT_ID = 'selftest-client';
const CLIENT_SECRET = 'selftest-secret-0123456789abcdef0123';
const ALICE_SUB = 'fc-5f3a1c0e7b2d4a9e8c61f0aa';

let passed = 0;
let failed = 0;
function check(name, condition, detail) {
  if (condition) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}${detail === undefined ? '' : ` -- ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  }
}
async function checkAsync(name, fn) {
  try {
    const result = await fn();
    check(name, result !== false, result === false ? 'returned false' : undefined);
  } catch (err) {
    check(name, false, `${err.code ?? ''} ${err.message}`);
  }
}
async function rejects(fn, code) {
  try {
    await fn();
    return { rejected: false };
  } catch (err) {
    return { rejected: true, ok: code === undefined || err.code === code, code: err.code, message: err.message };
  }
}

const b64 = (buf) => Buffer.from(buf).toString('base64url');
const random43 = () => b64(randomBytes(32));
const text = new TextDecoder();

// --- RP side: keys and JWKS server --------------------------------------------------
const rsa = await generateKeyPair('RSA-OAEP-256', { modulusLength: 2048, extractable: true });
const ec = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
const rsaPub = { ...(await exportJWK(rsa.publicKey)), kid: 'rp-rsa-enc-1', use: 'enc', alg: 'RSA-OAEP-256' };
const ecPub = { ...(await exportJWK(ec.publicKey)), kid: 'rp-ec-enc-1', use: 'enc', alg: 'ECDH-ES' };
const RP_KEYS = { 'RSA-OAEP-256': rsa.privateKey, 'ECDH-ES': ec.privateKey };
const RP_KIDS = { 'RSA-OAEP-256': rsaPub.kid, 'ECDH-ES': ecPub.kid };

const jwksServer = http.createServer((req, res) => {
  if (req.url === '/jwks.json') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: [rsaPub, ecPub] }));
  } else {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise((resolve) => { jwksServer.listen(0, '127.0.0.1', resolve); });
const RP_BASE = `http://127.0.0.1:${jwksServer.address().port}`;
const REDIRECT_URI = `${RP_BASE}/cb`;
const POST_LOGOUT_URI = `${RP_BASE}/logged-out`;

// --- OP process ---------------------------------------------------------------------
function startOp(extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OP_SCRIPT], {
      env: {
        ...process.env,
        OP_PORT: '0',
        OP_CLIENT_ID: CLIENT_ID,
        OP_CLIENT_SECRET: CLIENT_SECRET,
        OP_REDIRECT_URIS: `${REDIRECT_URI},http://localhost:1/unused`,
        OP_POST_LOGOUT_REDIRECT_URIS: POST_LOGOUT_URI,
        OP_CLIENT_JWKS_URI: `${RP_BASE}/jwks.json`,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const op = { child, stdout: '', stderr: '', issuer: undefined };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { op.stderr += d; });
    const timer = setTimeout(() => reject(new Error(`OP not ready in time; stderr: ${op.stderr}`)), 15000);
    child.stdout.on('data', (d) => {
      op.stdout += d;
      const m = /^FCPLUS-OP READY (\S+)$/m.exec(op.stdout);
      if (m && !op.issuer) {
        op.issuer = m[1];
        clearTimeout(timer);
        resolve(op);
      }
    });
    child.on('exit', (code) => {
      op.exitCode = code;
      if (!op.issuer) {
        clearTimeout(timer);
        reject(new Error(`OP exited (${code}); stderr: ${op.stderr}`));
      }
    });
  });
}

function stopOp(op) {
  return new Promise((resolve) => {
    if (op.exitCode !== undefined) { resolve(op.exitCode); return; }
    op.child.on('exit', (code, signal) => resolve(code ?? signal));
    op.child.kill('SIGTERM');
  });
}

// --- HTTP with a manual cookie jar ---------------------------------------------------
class Jar {
  constructor() { this.cookies = new Map(); }

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expires = attrs.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      const gone = value === '' || (expires && Date.parse(expires.slice(8)) < Date.now())
        || (maxAge && Number(maxAge.slice(8)) <= 0);
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }

  names() { return [...this.cookies.keys()]; }
}

async function request(jar, url, options = {}) {
  const headers = new Headers(options.headers);
  if (jar.cookies.size) headers.set('cookie', jar.header());
  const response = await fetch(url, { ...options, headers, redirect: 'manual' });
  jar.store(response);
  return response;
}

// Follows redirects inside the OP; stops at a non-redirect or at a URL outside the OP.
async function follow(op, jar, url, options) {
  let response = await request(jar, url, options);
  let current = url;
  for (let hops = 0; hops < 10; hops += 1) {
    if (![302, 303, 307].includes(response.status)) {
      return { response, url: current };
    }
    current = new URL(response.headers.get('location'), current).href;
    if (!current.startsWith(op.issuer)) return { response, url: current, left: true };
    response = await request(jar, current);
  }
  throw new Error('too many redirects');
}

const pkce = () => {
  const verifier = random43();
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function discover(op) {
  const response = await fetch(`${op.issuer}/.well-known/openid-configuration`);
  return response.json();
}

// Runs the authorization code flow up to (and including) the token request.
async function codeFlow(op, meta, {
  account = 'alice', autoLogin = false, tamper = null, acr = 'eidas2', jar = new Jar(),
  scope = 'openid given_name family_name birthdate email', usePkce = true, verifierOverride,
  cancel = false,
} = {}) {
  if (autoLogin || tamper) {
    const r = await fetch(`${op.issuer}/__test/next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: autoLogin ? account : null, tamper }),
    });
    if (r.status !== 204) throw new Error(`/__test/next answered ${r.status}`);
  }
  const state = random43();
  const nonce = random43();
  const { verifier, challenge } = pkce();
  const auth = new URL(meta.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope,
    acr_values: acr,
    state,
    nonce,
    ...(usePkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  });
  let step = await follow(op, jar, auth.href);
  const out = { state, nonce, verifier, jar, loginPage: undefined };
  if (!step.left) {
    if (step.response.status !== 200 || !/\/interaction\/[^/]+$/.test(step.url)) {
      throw new Error(`expected the login page, got ${step.response.status} at ${step.url}: ${await step.response.text()}`);
    }
    const html = await step.response.text();
    out.loginPage = html;
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error('no form on the login page');
    step = await follow(op, jar, new URL(action, step.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: cancel ? 'cancel=1' : `account=${account}`,
    });
  }
  if (!step.left) throw new Error(`did not get back to the RP: ${step.response.status} ${step.url}`);
  const callback = new URL(step.url);
  out.callback = callback;
  if (cancel) return out;
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  const tokenResponse = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      ...(usePkce ? { code_verifier: verifierOverride ?? verifier } : {}),
    }),
  });
  out.tokenStatus = tokenResponse.status;
  out.tokens = await tokenResponse.json();
  return out;
}

async function opKeys(meta) {
  return createLocalJWKSet(await (await fetch(meta.jwks_uri)).json());
}

// Decrypts (when a JWE) and returns { jwe header, jws, jws header, payload (unverified) }.
async function open(token, encAlg) {
  const parts = token.split('.');
  const out = { parts: parts.length };
  let jws = token;
  if (parts.length === 5) {
    out.jweHeader = decodeProtectedHeader(token);
    const { plaintext } = await compactDecrypt(token, RP_KEYS[encAlg]);
    jws = text.decode(plaintext);
  }
  out.jws = jws;
  out.jwsHeader = decodeProtectedHeader(jws);
  out.payload = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString('utf8'));
  return out;
}

// The checks an RP does on the id_token; throws on the first defect.
async function rpValidate(token, flow, meta, keys, encAlg) {
  if (token.split('.').length !== 5) throw Object.assign(new Error('not encrypted'), { code: 'NOT_JWE' });
  const opened = await open(token, encAlg);
  const { payload } = await jwtVerify(opened.jws, keys, {
    issuer: meta.issuer, audience: CLIENT_ID, algorithms: ['ES256'], requiredClaims: ['exp', 'iat', 'sub'],
  });
  if (payload.nonce !== flow.nonce) throw Object.assign(new Error('nonce mismatch'), { code: 'NONCE' });
  if (!['eidas2', 'eidas3'].includes(payload.acr)) throw Object.assign(new Error('acr too low'), { code: 'ACR' });
  return payload;
}

function formOf(html) {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  const inputs = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)) inputs[m[1]] = m[2];
  return { action, inputs };
}

// --- the tests -------------------------------------------------------------------------
async function suiteRsa() {
  const encAlg = 'RSA-OAEP-256';
  const op = await startOp();
  try {
    check('READY line names an http://127.0.0.1 issuer', /^http:\/\/127\.0\.0\.1:\d+$/.test(op.issuer), op.issuer);
    const port = new URL(op.issuer).port;
    await checkAsync('ping on 127.0.0.1', async () => (await fetch(`${op.issuer}/__test/ping`)).status === 200);
    await checkAsync('ping on localhost', async () => {
      const r = await fetch(`http://localhost:${port}/__test/ping`);
      return r.status === 200 && (await r.text()) === 'ok';
    });

    const meta = await discover(op);
    check('discovery issuer', meta.issuer === op.issuer, meta.issuer);
    check('discovery endpoints', meta.authorization_endpoint === `${op.issuer}/auth`
      && meta.token_endpoint === `${op.issuer}/token` && meta.userinfo_endpoint === `${op.issuer}/me`
      && meta.end_session_endpoint === `${op.issuer}/session/end` && meta.jwks_uri === `${op.issuer}/jwks`, meta);
    check('discovery acr_values_supported', JSON.stringify(meta.acr_values_supported) === '["eidas1","eidas2","eidas3"]');
    check('discovery scopes', ['openid', 'given_name', 'family_name', 'birthdate', 'email', 'gender', 'birthplace',
      'birthcountry', 'preferred_username'].every((s) => meta.scopes_supported.includes(s)), meta.scopes_supported);
    check('discovery PKCE S256', JSON.stringify(meta.code_challenge_methods_supported) === '["S256"]');
    check('discovery id_token encryption', meta.id_token_encryption_alg_values_supported.includes('RSA-OAEP-256')
      && meta.id_token_encryption_enc_values_supported.includes('A256GCM'));
    const jwks = await (await fetch(meta.jwks_uri)).json();
    const es = jwks.keys.find((k) => k.alg === 'ES256');
    check('OP JWKS: ES256 and RS256 public keys with kid', es?.kid && es.crv === 'P-256' && !es.d
      && jwks.keys.some((k) => k.alg === 'RS256' && k.kid && !k.d), jwks);
    const keys = await opKeys(meta);

    // Real flow, login page.
    const flow = await codeFlow(op, meta);
    const page = flow.loginPage ?? '';
    check('login page is accessible HTML', /<html lang="fr">/.test(page) && /<title>[^<]+<\/title>/.test(page)
      && /<main>/.test(page) && page.includes('<h1>FranceConnect+ (test)</h1>'));
    check('login page has one button per account', page.includes('<button type="submit" name="account" value="alice">Alice Martin (eidas2)</button>')
      && page.includes('value="bruno">Bruno Petit (eidas2)')
      && page.includes('value="claire">Claire Durand (eidas3)')
      && page.includes('value="low">Léa Bas (eidas1)') && /name="cancel"[^>]*>Cancel</.test(page));
    check('callback carries state and iss', flow.callback.searchParams.get('state') === flow.state
      && flow.callback.searchParams.get('iss') === op.issuer, flow.callback.href);
    check('OP session cookie set', flow.jar.names().includes('_session'), flow.jar.names());
    check('token response 200', flow.tokenStatus === 200, flow.tokens);
    const idt = flow.tokens.id_token ?? '';
    let realPayload;
    await checkAsync('id_token is a JWE (RSA-OAEP-256, A256GCM, cty JWT, RP kid)', async () => {
      const h = decodeProtectedHeader(idt);
      return idt.split('.').length === 5 && h.alg === encAlg && h.enc === 'A256GCM'
        && h.cty === 'JWT' && h.kid === RP_KIDS[encAlg];
    });
    await checkAsync('id_token decrypts and verifies (ES256, OP kid), nonce, aud, acr=eidas2, sub', async () => {
      realPayload = await rpValidate(idt, flow, meta, keys, encAlg);
      const opened = await open(idt, encAlg);
      if (opened.jwsHeader.alg !== 'ES256' || opened.jwsHeader.kid !== es.kid) return false;
      return realPayload.acr === 'eidas2' && realPayload.sub === ALICE_SUB && realPayload.aud === CLIENT_ID
        && realPayload.nonce === flow.nonce && typeof realPayload.auth_time === 'number'
        && realPayload.exp - realPayload.iat === 300;
    });
    if (process.env.VERBOSE) console.log('real id_token:', (await open(idt, encAlg)).jwsHeader, realPayload);

    await checkAsync('userinfo is a signed then encrypted JWT with the identity claims', async () => {
      const r = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${flow.tokens.access_token}` } });
      if (r.status !== 200 || !r.headers.get('content-type').startsWith('application/jwt')) return false;
      const body = await r.text();
      const h = decodeProtectedHeader(body);
      if (body.split('.').length !== 5 || h.alg !== encAlg || h.enc !== 'A256GCM') return false;
      const opened = await open(body, encAlg);
      const { payload } = await jwtVerify(opened.jws, keys, { issuer: op.issuer, audience: CLIENT_ID, algorithms: ['ES256'] });
      return payload.sub === ALICE_SUB && payload.given_name === 'Alice' && payload.family_name === 'Martin'
        && payload.birthdate === '1985-04-12' && payload.email === 'alice.martin@example.com'
        && payload.gender === undefined;
    });

    // Second round with the existing OP session and one more scope: consent, no page.
    await checkAsync('existing session + new scope: consent granted without a page', async () => {
      const again = await codeFlow(op, meta, { jar: flow.jar, scope: 'openid given_name gender birthplace birthcountry' });
      if (again.loginPage !== undefined || again.tokenStatus !== 200) return false;
      const opened = await open(again.tokens.id_token, encAlg);
      const r = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${again.tokens.access_token}` } });
      const ui = (await open(await r.text(), encAlg)).payload;
      return opened.payload.sub === ALICE_SUB && opened.payload.nonce === again.nonce
        && ui.gender === 'female' && ui.birthplace === '75056' && ui.birthcountry === '99100';
    });

    // End session with the encrypted id_token as hint.
    await checkAsync('end session (GET, encrypted id_token_hint) shows a page, then redirects with state', async () => {
      const st = random43();
      const u = new URL(meta.end_session_endpoint);
      u.search = new URLSearchParams({ id_token_hint: idt, post_logout_redirect_uri: POST_LOGOUT_URI, state: st });
      const r = await request(flow.jar, u.href);
      const html = await r.text();
      if (r.status !== 200) throw new Error(`status ${r.status}: ${html.slice(0, 400)}`);
      if (!/<html lang="fr">/.test(html) || !/<main>/.test(html) || !/<h1>/.test(html)
        || !/>Sign out<\/button>/.test(html) || !/<script>[^<]*submit\(\)/.test(html)) {
        throw new Error(`unexpected page: ${html}`);
      }
      const form = formOf(html);
      const r2 = await request(flow.jar, new URL(form.action, meta.end_session_endpoint).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form.inputs),
      });
      const loc = new URL(r2.headers.get('location') ?? '', op.issuer);
      return r2.status === 303 && `${loc.origin}${loc.pathname}` === POST_LOGOUT_URI && loc.searchParams.get('state') === st
        && !flow.jar.names().includes('_session');
    });
    await checkAsync('after sign-out the next authorization shows the login page again', async () => {
      const f = await codeFlow(op, meta, { jar: flow.jar, account: 'bruno' });
      const p = await rpValidate(f.tokens.id_token, f, meta, keys, encAlg);
      return f.loginPage !== undefined && p.sub === 'fc-9b0e44d2c1a8470fb35e2c17';
    });

    // End session with the decrypted (signed) id_token as hint, by POST.
    await checkAsync('end session (POST, signed id_token_hint) also works', async () => {
      const f = await codeFlow(op, meta, { account: 'alice' });
      const { jws } = await open(f.tokens.id_token, encAlg);
      const st = random43();
      const r = await request(f.jar, meta.end_session_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id_token_hint: jws, post_logout_redirect_uri: POST_LOGOUT_URI, state: st }),
      });
      const html = await r.text();
      if (r.status !== 200) throw new Error(`status ${r.status}: ${html.slice(0, 400)}`);
      const form = formOf(html);
      const r2 = await request(f.jar, new URL(form.action, op.issuer).href, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.inputs),
      });
      const loc = new URL(r2.headers.get('location') ?? '', op.issuer);
      return r2.status === 303 && loc.href.startsWith(POST_LOGOUT_URI) && loc.searchParams.get('state') === st;
    });
    await checkAsync('end session (POST, encrypted id_token_hint) also works', async () => {
      const f = await codeFlow(op, meta, { account: 'alice', autoLogin: true });
      const st = random43();
      const r = await request(f.jar, meta.end_session_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id_token_hint: f.tokens.id_token, post_logout_redirect_uri: POST_LOGOUT_URI, state: st }),
      });
      const html = await r.text();
      if (r.status !== 200) throw new Error(`status ${r.status}: ${html.slice(0, 400)}`);
      const form = formOf(html);
      const r2 = await request(f.jar, new URL(form.action, op.issuer).href, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.inputs),
      });
      const loc = new URL(r2.headers.get('location') ?? '', op.issuer);
      return r2.status === 303 && loc.href.startsWith(POST_LOGOUT_URI) && loc.searchParams.get('state') === st;
    });
    await checkAsync('end session without post_logout_redirect_uri ends on the success page', async () => {
      const f = await codeFlow(op, meta, { account: 'alice', autoLogin: true });
      const u = new URL(meta.end_session_endpoint);
      u.search = new URLSearchParams({ id_token_hint: f.tokens.id_token });
      const html = await (await request(f.jar, u.href)).text();
      const form = formOf(html);
      const r2 = await request(f.jar, new URL(form.action, op.issuer).href, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.inputs),
      });
      const end = await follow(op, f.jar, new URL(r2.headers.get('location'), op.issuer).href);
      const done = await end.response.text();
      return r2.status === 303 && end.response.status === 200 && /<html lang="fr">/.test(done) && /<main>/.test(done)
        && /<h1>/.test(done) && /déconnecté/.test(done);
    });
    await checkAsync('end session with an unknown encrypted hint is refused (400)', async () => {
      const f = await codeFlow(op, meta, { account: 'alice', autoLogin: true });
      const parts = f.tokens.id_token.split('.');
      parts[3] = b64(randomBytes(16)); // changed ciphertext: not a token this OP handed out
      const u = new URL(meta.end_session_endpoint);
      u.search = new URLSearchParams({ id_token_hint: parts.join('.'), post_logout_redirect_uri: POST_LOGOUT_URI });
      const r = await request(f.jar, u.href);
      return r.status === 400;
    });

    // Auto-login and account acr.
    await checkAsync('auto-login (/__test/next) skips the page, one-shot', async () => {
      const f = await codeFlow(op, meta, { account: 'claire', autoLogin: true });
      const p = await rpValidate(f.tokens.id_token, f, meta, keys, encAlg);
      const f2 = await codeFlow(op, meta, { account: 'bruno' });
      return f.loginPage === undefined && p.sub === 'fc-1c7d2e90a4b64f0c9d8e3b52' && f2.loginPage !== undefined;
    });
    await checkAsync('acr is the account\'s: claire eidas3 when eidas2 asked', async () => {
      const f = await codeFlow(op, meta, { account: 'claire', acr: 'eidas2' });
      return (await open(f.tokens.id_token, encAlg)).payload.acr === 'eidas3';
    });
    await checkAsync('acr is the account\'s: low eidas1 when eidas3 asked', async () => {
      const f = await codeFlow(op, meta, { account: 'low', acr: 'eidas3', autoLogin: true });
      const o = await open(f.tokens.id_token, encAlg);
      const r = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${f.tokens.access_token}` } });
      const ui = (await open(await r.text(), encAlg)).payload;
      return o.payload.acr === 'eidas1' && ui.given_name === 'Léa';
    });
    await checkAsync('Cancel returns error=access_denied to the RP', async () => {
      const f = await codeFlow(op, meta, { cancel: true });
      return f.callback.href.startsWith(REDIRECT_URI) && f.callback.searchParams.get('error') === 'access_denied'
        && f.callback.searchParams.get('state') === f.state;
    });
    await checkAsync('PKCE: a wrong code_verifier is refused (invalid_grant)', async () => {
      const f = await codeFlow(op, meta, { autoLogin: true, verifierOverride: random43() });
      return f.tokenStatus === 400 && f.tokens.error === 'invalid_grant';
    });
    await checkAsync('PKCE: optional for this confidential client (no code_challenge works)', async () => {
      const f = await codeFlow(op, meta, { autoLogin: true, usePkce: false });
      return f.tokenStatus === 200;
    });
    await checkAsync('/__test/next refuses unknown account / tamper mode', async () => {
      const a = await fetch(`${op.issuer}/__test/next`, { method: 'POST', body: '{"account":"nobody"}' });
      const b = await fetch(`${op.issuer}/__test/next`, { method: 'POST', body: '{"tamper":"nope"}' });
      return a.status === 400 && b.status === 400;
    });

    await tamperSuite(op, meta, keys, encAlg, es.kid, jwks);

    await checkAsync('tamper is one-shot: the next token is the real one', async () => {
      await codeFlow(op, meta, { autoLogin: true, tamper: 'wrong-nonce' });
      const f = await codeFlow(op, meta, { autoLogin: true });
      await rpValidate(f.tokens.id_token, f, meta, keys, encAlg);
      return true;
    });
  } finally {
    const code = await stopOp(op);
    check('OP exits 0 on SIGTERM', code === 0, code);
    check('OP printed exactly one line on stdout', op.stdout.split('\n').filter(Boolean).length === 1, op.stdout);
    if (process.env.VERBOSE && op.stderr) console.log(`--- OP stderr ---\n${op.stderr}---`);
  }
}

async function tamperSuite(op, meta, keys, encAlg, opKid, jwks) {
  const run = (tamper) => codeFlow(op, meta, { account: 'alice', autoLogin: true, tamper });
  const label = (m) => `tamper ${m} [${encAlg}]`;

  await checkAsync(label('valid: accepted by the RP checks'), async () => {
    const f = await run('valid');
    const p = await rpValidate(f.tokens.id_token, f, meta, keys, encAlg);
    const o = await open(f.tokens.id_token, encAlg);
    return p.acr === 'eidas2' && p.sub === ALICE_SUB && o.jwsHeader.kid === opKid
      && o.jweHeader.cty === 'JWT' && o.jweHeader.kid === RP_KIDS[encAlg] && o.jweHeader.alg === encAlg
      && o.jweHeader.enc === 'A256GCM' && p.exp - p.iat === 300;
  });
  await checkAsync(label('none: untouched'), async () => {
    const f = await run('none');
    await rpValidate(f.tokens.id_token, f, meta, keys, encAlg);
    return true;
  });
  await checkAsync(label('unencrypted: a 3-part JWS, validly signed'), async () => {
    const f = await run('unencrypted');
    const t = f.tokens.id_token;
    const { payload } = await jwtVerify(t, keys, { issuer: op.issuer, audience: CLIENT_ID });
    const r = await rejects(() => rpValidate(t, f, meta, keys, encAlg), 'NOT_JWE');
    return t.split('.').length === 3 && payload.nonce === f.nonce && r.rejected && r.ok;
  });
  await checkAsync(label('wrong-nonce: another 43-char nonce'), async () => {
    const f = await run('wrong-nonce');
    const o = await open(f.tokens.id_token, encAlg);
    const r = await rejects(() => rpValidate(f.tokens.id_token, f, meta, keys, encAlg), 'NONCE');
    return o.payload.nonce !== f.nonce && o.payload.nonce.length === 43 && r.rejected && r.ok;
  });
  await checkAsync(label('wrong-audience: aud someone-else'), async () => {
    const f = await run('wrong-audience');
    const o = await open(f.tokens.id_token, encAlg);
    const r = await rejects(() => rpValidate(f.tokens.id_token, f, meta, keys, encAlg), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    return o.payload.aud === 'someone-else' && r.rejected && r.ok;
  });
  await checkAsync(label('expired: exp 10 min ago'), async () => {
    const f = await run('expired');
    const o = await open(f.tokens.id_token, encAlg);
    const now = Math.floor(Date.now() / 1000);
    const r = await rejects(() => rpValidate(f.tokens.id_token, f, meta, keys, encAlg), 'ERR_JWT_EXPIRED');
    return Math.abs(o.payload.exp - (now - 600)) <= 5 && Math.abs(o.payload.iat - (now - 1200)) <= 5
      && Math.abs(o.payload.auth_time - (now - 1200)) <= 5 && r.rejected && r.ok;
  });
  await checkAsync(label('low-acr: acr eidas1'), async () => {
    const f = await run('low-acr');
    const o = await open(f.tokens.id_token, encAlg);
    const r = await rejects(() => rpValidate(f.tokens.id_token, f, meta, keys, encAlg), 'ACR');
    return o.payload.acr === 'eidas1' && r.rejected && r.ok;
  });
  await checkAsync(label('unknown-kid: kid not in the OP JWKS'), async () => {
    const f = await run('unknown-kid');
    const o = await open(f.tokens.id_token, encAlg);
    const r = await rejects(() => rpValidate(f.tokens.id_token, f, meta, keys, encAlg), 'ERR_JWKS_NO_MATCHING_KEY');
    return o.jwsHeader.kid.startsWith('unknown-') && !jwks.keys.some((k) => k.kid === o.jwsHeader.kid)
      && o.jwsHeader.alg === 'ES256' && r.rejected && r.ok;
  });
  await checkAsync(label('alg-none: encrypted unsecured JWS'), async () => {
    const f = await run('alg-none');
    const o = await open(f.tokens.id_token, encAlg);
    const r = await rejects(() => rpValidate(f.tokens.id_token, f, meta, keys, encAlg));
    return o.parts === 5 && o.jwsHeader.alg === 'none' && o.jws.endsWith('.') && o.jws.split('.').length === 3
      && o.payload.nonce === f.nonce && r.rejected;
  });
  await checkAsync(label('bad-signature: right kid, signature flipped'), async () => {
    const f = await run('bad-signature');
    const o = await open(f.tokens.id_token, encAlg);
    const r = await rejects(() => compactVerify(o.jws, keys), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    return o.jwsHeader.kid === opKid && o.payload.nonce === f.nonce && r.rejected && r.ok;
  });
}

async function suiteEc() {
  const encAlg = 'ECDH-ES';
  const op = await startOp({ OP_ENC_ALG: encAlg });
  try {
    const meta = await discover(op);
    const keys = await opKeys(meta);
    const jwks = await (await fetch(meta.jwks_uri)).json();
    const es = jwks.keys.find((k) => k.alg === 'ES256');
    const flow = await codeFlow(op, meta);
    await checkAsync('ECDH-ES: id_token is a JWE to the RP EC key, decrypts and verifies', async () => {
      const h = decodeProtectedHeader(flow.tokens.id_token);
      const p = await rpValidate(flow.tokens.id_token, flow, meta, keys, encAlg);
      return h.alg === 'ECDH-ES' && h.enc === 'A256GCM' && h.kid === RP_KIDS[encAlg] && h.epk?.crv === 'P-256'
        && p.acr === 'eidas2' && p.sub === ALICE_SUB;
    });
    await checkAsync('ECDH-ES: userinfo decrypts and verifies', async () => {
      const r = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${flow.tokens.access_token}` } });
      const body = await r.text();
      const o = await open(body, encAlg);
      const { payload } = await jwtVerify(o.jws, keys, { issuer: op.issuer, audience: CLIENT_ID });
      return o.jweHeader.alg === 'ECDH-ES' && payload.given_name === 'Alice';
    });
    await tamperSuite(op, meta, keys, encAlg, es.kid, jwks);
  } finally {
    const code = await stopOp(op);
    check('ECDH-ES OP exits 0 on SIGTERM', code === 0, code);
    if (process.env.VERBOSE && op.stderr) console.log(`--- OP stderr ---\n${op.stderr}---`);
  }
}

try {
  await suiteRsa();
  await suiteEc();
} catch (err) {
  failed += 1;
  console.log(`FAIL unexpected error: ${err.stack ?? err}`);
} finally {
  jwksServer.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

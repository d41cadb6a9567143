#!/usr/bin/env node
// Test OpenID Connect provider playing FranceConnect+ for Espace's tests and demo.
//
// Built on the real `oidc-provider` package; `jose` forges the tampered tokens.
// See e2e/op/README.md for how to start it and for the test control endpoint.
//
// stdout carries exactly one line, `FCPLUS-OP READY <issuer>`; everything else
// (errors, oidc-provider notices) goes to stderr.

import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { URL } from 'node:url';

import {
  CompactEncrypt,
  CompactSign,
  base64url,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';

// --- keep stdout for the READY line only --------------------------------------
// oidc-provider prints its notices with console.info (stdout) and warns at import
// time that Node 20 is not its preferred runtime (it runs fine on 20.19+).
// Notices are sent to stderr, and that single runtime warning is dropped.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);
const originalWarn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
  originalWarn(...args);
};

const { default: Provider, errors: oidcErrors } = await import('oidc-provider');
// The in-memory adapter of oidc-provider itself, without its "development only" warning.
const { createMemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');

// --- settings --------------------------------------------------------------------
const env = process.env;
const list = (value) => value.split(',').map((s) => s.trim()).filter(Boolean);

const OP_HOST = env.OP_HOST || '127.0.0.1';
const OP_PORT = Number.parseInt(env.OP_PORT ?? '9090', 10);
const OP_CLIENT_ID = env.OP_CLIENT_ID || 'espace-demo';
const OP_CLIENT_SECRET = env.OP_CLIENT_SECRET || 'espace-demo-secret-0123456789abcdef';
const OP_REDIRECT_URIS = list(env.OP_REDIRECT_URIS || 'http://localhost:8080/login/franceconnect/callback');
const OP_POST_LOGOUT_REDIRECT_URIS = list(env.OP_POST_LOGOUT_REDIRECT_URIS
  || 'http://localhost:8080/login/franceconnect/logged-out');
const OP_CLIENT_JWKS_URI = env.OP_CLIENT_JWKS_URI || 'http://localhost:8080/.well-known/jwks.json';
const OP_ENC_ALG = env.OP_ENC_ALG || 'RSA-OAEP-256';
// How the real (untampered) ID tokens and userinfo are signed.
const OP_SIG_ALG = env.OP_SIG_ALG || 'ES256';
if (!['ES256', 'RS256'].includes(OP_SIG_ALG)) {
  console.error(`fcplus-op: OP_SIG_ALG must be ES256 or RS256, not ${OP_SIG_ALG}`);
  process.exit(2);
}

if (!['RSA-OAEP-256', 'ECDH-ES'].includes(OP_ENC_ALG)) {
  console.error(`fcplus-op: OP_ENC_ALG must be RSA-OAEP-256 or ECDH-ES, not ${OP_ENC_ALG}`);
  process.exit(2);
}
if (!Number.isInteger(OP_PORT) || OP_PORT < 0 || OP_PORT > 65535) {
  console.error(`fcplus-op: OP_PORT must be a port number, not ${env.OP_PORT}`);
  process.exit(2);
}

const ENC = 'A256GCM';
const ACR_VALUES = ['eidas1', 'eidas2', 'eidas3'];
const IDENTITY_CLAIMS = [
  'given_name', 'family_name', 'birthdate', 'email', 'gender',
  'birthplace', 'birthcountry', 'preferred_username',
];

const ROUTES = {
  authorization: '/auth',
  token: '/token',
  userinfo: '/me',
  jwks: '/jwks',
  end_session: '/session/end',
};

// --- test accounts ---------------------------------------------------------------
const ACCOUNTS = {
  alice: {
    sub: 'fc-5f3a1c0e7b2d4a9e8c61f0aa', given_name: 'Alice', family_name: 'Martin',
    birthdate: '1985-04-12', gender: 'female', birthplace: '75056', birthcountry: '99100',
    email: 'alice.martin@example.com', acr: 'eidas2',
  },
  bruno: {
    sub: 'fc-9b0e44d2c1a8470fb35e2c17', given_name: 'Bruno', family_name: 'Petit',
    birthdate: '1979-11-02', gender: 'male', birthplace: '69123', birthcountry: '99100',
    email: 'bruno.petit@example.com', acr: 'eidas2',
  },
  claire: {
    sub: 'fc-1c7d2e90a4b64f0c9d8e3b52', given_name: 'Claire', family_name: 'Durand',
    birthdate: '1990-01-30', gender: 'female', birthplace: '13055', birthcountry: '99100',
    email: 'claire.durand@example.com', acr: 'eidas3',
  },
  low: {
    sub: 'fc-77aa00bb11cc22dd33ee44ff', given_name: 'Léa', family_name: 'Bas',
    birthdate: '2000-06-06', gender: 'female', birthplace: '33063', birthcountry: '99100',
    email: 'lea.bas@example.com', acr: 'eidas1',
  },
};
const ACCOUNTS_BY_SUB = new Map(Object.values(ACCOUNTS).map((a) => [a.sub, a]));

const TAMPER_MODES = new Set([
  'none', 'valid', 'unencrypted', 'wrong-nonce', 'wrong-audience', 'expired',
  'low-acr', 'unknown-kid', 'alg-none', 'bad-signature', 'no-kid',
]);

// One-shot settings from POST /__test/next.
const pending = { account: null, tamper: null };

// --- keys ------------------------------------------------------------------------
async function signingJwk(alg, options) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `${alg.toLowerCase()}-${randomUUID()}`, alg, use: 'sig' };
}
const ES256_JWK = await signingJwk('ES256');
const RS256_JWK = await signingJwk('RS256', { modulusLength: 2048 });
const ES256_KEY = await importJWK(ES256_JWK, 'ES256');

// --- small helpers ----------------------------------------------------------------
const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#161616}
button{display:block;width:100%;margin:.5rem 0;padding:.75rem;font-size:1rem;border:2px solid #000091;background:#000091;color:#fff;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#000091}
button:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}`;

function page({ title, body, script }) {
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>${script ? `\n<script>${script}</script>` : ''}
</body>
</html>`;
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const randomString = (bytes = 32) => base64url.encode(randomBytes(bytes)); // 32 bytes -> 43 chars
const epoch = () => Math.floor(Date.now() / 1000);

// --- forged tokens (tamper modes) -------------------------------------------------
async function rpEncryptionKey() {
  const response = await fetch(OP_CLIENT_JWKS_URI, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`RP JWKS ${OP_CLIENT_JWKS_URI} answered ${response.status}`);
  const { keys = [] } = await response.json();
  const usable = keys.filter((k) => k.use === undefined || k.use === 'enc');
  const wantedKty = OP_ENC_ALG === 'ECDH-ES' ? 'EC' : 'RSA';
  const jwk = usable.find((k) => k.use === 'enc' && k.alg === OP_ENC_ALG)
    ?? usable.find((k) => k.kty === wantedKty && (k.alg === undefined || k.alg === OP_ENC_ALG)
      && (wantedKty !== 'EC' || k.crv === 'P-256'));
  if (!jwk) throw new Error(`no ${OP_ENC_ALG} encryption key in ${OP_CLIENT_JWKS_URI}`);
  return { jwk, key: await importJWK({ ...jwk, alg: OP_ENC_ALG }, OP_ENC_ALG) };
}

async function encryptForRp(jws) {
  const { jwk, key } = await rpEncryptionKey();
  const header = { alg: OP_ENC_ALG, enc: ENC, cty: 'JWT' };
  if (jwk.kid) header.kid = jwk.kid;
  return new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader(header).encrypt(key);
}

async function signEs256(payload, key = ES256_KEY, kid = ES256_JWK.kid) {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid }) // same header as oidc-provider's id_tokens
    .sign(key);
}

async function forgeIdToken(mode, code) {
  const now = epoch();
  const claims = {
    iss: provider.issuer,
    sub: code.accountId,
    aud: code.clientId,
    iat: now,
    exp: now + 300,
    auth_time: code.authTime,
    nonce: code.nonce,
    acr: code.acr,
  };
  if (claims.nonce === undefined) delete claims.nonce;

  switch (mode) {
    case 'wrong-nonce': claims.nonce = randomString(); break;
    case 'wrong-audience': claims.aud = 'someone-else'; break;
    case 'expired':
      claims.iat = now - 1200; claims.exp = now - 600; claims.auth_time = now - 1200; break;
    case 'low-acr': claims.acr = 'eidas1'; break;
    default: break;
  }

  let jws;
  if (mode === 'unknown-kid') {
    const { privateKey } = await generateKeyPair('ES256');
    jws = await signEs256(claims, privateKey, `unknown-${randomString(9)}`);
  } else if (mode === 'no-kid') {
    // Good, but the header names no key: the only ES256 key must serve.
    jws = await signEs256(claims, ES256_KEY, undefined);
  } else if (mode === 'alg-none') {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    jws = `${header}.${base64url.encode(JSON.stringify(claims))}.`;
  } else {
    jws = await signEs256(claims);
    if (mode === 'bad-signature') {
      const [h, p, s] = jws.split('.');
      const flipped = Buffer.from(base64url.decode(s)).map((b) => b ^ 0xff);
      jws = `${h}.${p}.${base64url.encode(flipped)}`;
    }
  }

  return mode === 'unencrypted' ? jws : encryptForRp(jws);
}

// --- encrypted id_token_hint support for end session -------------------------------
// oidc-provider only accepts a signed (JWS) id_token_hint. FranceConnect+ RPs send
// back the id_token they received, which is a JWE encrypted to the RP: the OP cannot
// decrypt it. So the OP remembers the id_tokens it handed out and, at the end
// session endpoint, swaps a known encrypted hint for an equivalent JWS it signs.
const issuedIdTokens = new Map(); // encrypted id_token -> { sub, aud, iat, exp, ... }
function rememberIdToken(idToken, claims) {
  issuedIdTokens.set(idToken, claims);
  while (issuedIdTokens.size > 1000) issuedIdTokens.delete(issuedIdTokens.keys().next().value);
}
async function signedHintFor(hint) {
  if (typeof hint !== 'string' || hint.split('.').length !== 5) return hint;
  const claims = issuedIdTokens.get(hint);
  if (!claims) return hint; // unknown: oidc-provider rejects it as usual
  return signEs256(claims);
}

// --- provider ----------------------------------------------------------------------
const claims = { openid: ['sub'] };
for (const name of IDENTITY_CLAIMS) claims[name] = [name];

function clientBasedCORS(ctx, origin, client) {
  if (origin === 'null') return false;
  return ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none';
}

function renderError(ctx, out, error) {
  if (!(error instanceof oidcErrors.OIDCProviderError) || error.statusCode >= 500) {
    console.error('fcplus-op: error page:', error);
  }
  ctx.type = 'html';
  ctx.body = page({
    title: 'Erreur – FranceConnect+ (test)',
    body: `<h1>FranceConnect+ (test)</h1>
<p>Une erreur est survenue.</p>
<dl>${Object.entries(out).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`,
  });
}

async function logoutSource(ctx, form) {
  // The provided form holds the xsrf token; logout=yes also ends the OP session.
  const formHtml = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  ctx.body = page({
    title: 'Déconnexion – FranceConnect+ (test)',
    body: `<h1>FranceConnect+ (test)</h1>
<p>Fournisseur d'identité de test : déconnexion en cours.</p>
${formHtml}
<button type="submit" form="op.logoutForm" lang="en">Sign out</button>`,
    script: "document.getElementById('op.logoutForm').submit();",
  });
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page({
    title: 'Déconnecté – FranceConnect+ (test)',
    body: `<h1>FranceConnect+ (test)</h1>
<p>Fournisseur d'identité de test : vous êtes déconnecté.</p>`,
  });
}

function findAccount(ctx, id) {
  const account = ACCOUNTS_BY_SUB.get(id);
  if (!account) return undefined;
  return {
    accountId: id,
    async claims() {
      const out = { sub: id };
      for (const name of IDENTITY_CLAIMS) if (account[name] !== undefined) out[name] = account[name];
      return out;
    },
  };
}

let provider; // set once the port is known (the issuer carries it)
let providerCallback;

function createProvider(issuer) {
  const p = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    clients: [{
      client_id: OP_CLIENT_ID,
      client_secret: OP_CLIENT_SECRET,
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: OP_REDIRECT_URIS,
      post_logout_redirect_uris: OP_POST_LOGOUT_REDIRECT_URIS,
      jwks_uri: OP_CLIENT_JWKS_URI,
      require_auth_time: true, // auth_time in every id_token, like FranceConnect+
      id_token_signed_response_alg: OP_SIG_ALG,
      id_token_encrypted_response_alg: OP_ENC_ALG,
      id_token_encrypted_response_enc: ENC,
      userinfo_signed_response_alg: OP_SIG_ALG,
      userinfo_encrypted_response_alg: OP_ENC_ALG,
      userinfo_encrypted_response_enc: ENC,
    }],
    jwks: { keys: [ES256_JWK, RS256_JWK] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: ROUTES,
    responseTypes: ['code'],
    acrValues: ACR_VALUES,
    scopes: ['openid', ...IDENTITY_CLAIMS],
    claims,
    findAccount,
    clientBasedCORS,
    renderError,
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      encryption: { enabled: true },
      jwtUserinfo: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    ttl: {
      // oidc-provider's default values, written out (its default functions print notices).
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
    },
    // oidc-provider's fetch refuses loopback / private addresses (SSRF protection),
    // which is where Espace's jwks_uri lives in tests and in the demo.
    fetch: (url, options) => {
      const { dispatcher, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
  });

  // Tamper the next successful token response if asked to; remember issued id_tokens.
  p.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || typeof ctx.body?.id_token !== 'string') return;
    const code = ctx.oidc.entities.AuthorizationCode;
    if (!code) return;
    const mode = pending.tamper;
    if (mode && mode !== 'none') {
      pending.tamper = null;
      try {
        ctx.body = { ...ctx.body, id_token: await forgeIdToken(mode, code) };
      } catch (err) {
        console.error(`fcplus-op: could not forge a "${mode}" id_token:`, err);
        ctx.status = 500;
        ctx.body = { error: 'server_error', error_description: 'could not forge the id_token' };
        return;
      }
    } else if (mode === 'none') {
      pending.tamper = null;
    }
    const now = epoch();
    rememberIdToken(ctx.body.id_token, {
      iss: p.issuer, sub: code.accountId, aud: code.clientId, iat: now, exp: now + 300,
    });
  });

  const logError = (label) => (ctx, err) => console.error(`fcplus-op: ${label}:`, err?.message ?? err,
    err?.error_description ?? '', err?.cause?.message ?? '');
  for (const event of [
    'server_error', 'authorization.error', 'grant.error', 'userinfo.error',
    'end_session.error', 'jwks.error', 'discovery.error', 'check_session.error',
  ]) {
    p.on(event, logError(event));
  }
  return p;
}

// --- interactions ------------------------------------------------------------------
async function grantFor(details, accountId) {
  const { params } = details;
  let grant;
  if (details.grantId) grant = await provider.Grant.find(details.grantId);
  if (!grant || grant.accountId !== accountId) {
    grant = new provider.Grant({ accountId, clientId: params.client_id });
  }
  if (params.scope) grant.addOIDCScope(params.scope);
  const missing = details.prompt?.details ?? {};
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  if (params.claims) {
    try {
      const requested = JSON.parse(params.claims);
      const names = [...Object.keys(requested.userinfo ?? {}), ...Object.keys(requested.id_token ?? {})];
      if (names.length) grant.addOIDCClaims(names);
    } catch { /* oidc-provider already validated it */ }
  }
  return grant.save();
}

async function finishLogin(req, res, details, name) {
  const account = ACCOUNTS[name];
  const grantId = await grantFor({ ...details, grantId: undefined }, account.sub);
  await provider.interactionFinished(req, res, {
    login: { accountId: account.sub, acr: account.acr },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

function loginPage(uid) {
  const buttons = Object.entries(ACCOUNTS).map(([name, a]) => `<button type="submit" name="account" value="${escapeHtml(name)}">${escapeHtml(`${a.given_name} ${a.family_name} (${a.acr})`)}</button>`).join('\n');
  return page({
    title: 'Connexion – FranceConnect+ (test)',
    body: `<h1>FranceConnect+ (test)</h1>
<p>Fournisseur d'identité de test : choisissez un compte fictif.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
${buttons}
<button type="submit" name="cancel" value="1" class="secondary" lang="en">Cancel</button>
</form>`,
  });
}

async function interactionRoute(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page({ title: 'Erreur – FranceConnect+ (test)', body: '<h1>FranceConnect+ (test)</h1><p>Interaction inconnue.</p>' }));
    return;
  }
  const prompt = details.prompt.name;

  if (req.method === 'GET' && action === undefined) {
    if (prompt === 'login') {
      if (pending.account) {
        const name = pending.account;
        pending.account = null;
        await finishLogin(req, res, details, name);
        return;
      }
      send(res, 200, loginPage(uid));
      return;
    }
    if (prompt === 'consent') {
      const grantId = await grantFor(details, details.session.accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    throw new Error(`unsupported prompt ${prompt}`);
  }

  if (req.method === 'POST' && action === 'login') {
    const form = new URLSearchParams(await readBody(req));
    if (form.has('cancel')) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const name = form.get('account');
    if (!Object.hasOwn(ACCOUNTS, name ?? '')) {
      send(res, 400, page({ title: 'Erreur – FranceConnect+ (test)', body: '<h1>FranceConnect+ (test)</h1><p>Compte inconnu.</p>' }));
      return;
    }
    await finishLogin(req, res, details, name);
    return;
  }

  send(res, 405, 'method not allowed', 'text/plain; charset=utf-8');
}

// --- test control ------------------------------------------------------------------
async function testNext(req, res) {
  let body;
  try {
    body = JSON.parse((await readBody(req)) || '{}');
  } catch {
    send(res, 400, 'invalid JSON', 'text/plain; charset=utf-8');
    return;
  }
  const account = body?.account ?? null;
  const tamper = body?.tamper ?? null;
  if (account !== null && !Object.hasOwn(ACCOUNTS, account)) {
    send(res, 400, `unknown account ${account}`, 'text/plain; charset=utf-8');
    return;
  }
  if (tamper !== null && !TAMPER_MODES.has(tamper)) {
    send(res, 400, `unknown tamper mode ${tamper}`, 'text/plain; charset=utf-8');
    return;
  }
  pending.account = account;
  pending.tamper = tamper;
  res.statusCode = 204;
  res.end();
}

// --- end session: encrypted id_token_hint -------------------------------------------
async function rewriteEndSession(req, url) {
  let params = url.searchParams;
  if (req.method === 'POST') {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return;
    params = new URLSearchParams(await readBody(req));
    // Hand it on as the equivalent GET request (the body has been read).
    req.method = 'GET';
    delete req.headers['content-type'];
    delete req.headers['content-length'];
    delete req.headers['transfer-encoding'];
  }
  const hint = params.get('id_token_hint');
  if (hint) params.set('id_token_hint', await signedHintFor(hint));
  req.url = `${url.pathname}?${params}`;
}

// --- HTTP server -------------------------------------------------------------------
async function handle(req, res) {
  const url = new URL(req.url, 'http://op.invalid');
  const { pathname } = url;
  try {
    if (pathname === '/__test/ping' && req.method === 'GET') {
      send(res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    if (pathname === '/__test/next' && req.method === 'POST') {
      await testNext(req, res);
      return;
    }
    const m = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(pathname);
    if (m) {
      await interactionRoute(req, res, m[1], m[2]);
      return;
    }
    if (pathname === ROUTES.end_session) await rewriteEndSession(req, url);
  } catch (err) {
    const expected = err instanceof oidcErrors.SessionNotFound;
    if (!expected) console.error('fcplus-op: interaction error:', err);
    if (!res.headersSent) {
      send(res, expected ? 400 : 500, page({
        title: 'Erreur – FranceConnect+ (test)',
        body: `<h1>FranceConnect+ (test)</h1><p>${expected ? 'Session de connexion introuvable ou expirée.' : 'Erreur interne.'}</p>`,
      }));
    } else {
      res.end();
    }
    return;
  }
  providerCallback(req, res);
}

const server = http.createServer((req, res) => { handle(req, res); });
server.on('error', (err) => {
  console.error('fcplus-op: server error:', err.message);
  process.exit(1);
});
server.listen(OP_PORT, OP_HOST, () => {
  const { port } = server.address();
  const host = OP_HOST.includes(':') ? `[${OP_HOST}]` : OP_HOST;
  const issuer = `http://${host}:${port}`;
  provider = createProvider(issuer);
  providerCallback = provider.callback();
  process.stdout.write(`FCPLUS-OP READY ${issuer}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

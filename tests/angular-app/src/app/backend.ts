// Stands in for the app's backend: embed configurations and GenerateToken answers, with
// unsigned JWT-shaped tokens minted in the page whose payload says their number and expiry.
// What the test reads (window.app.record) holds numbers and times, never tokens.
import { models } from 'powerbi-client';

const params = new URLSearchParams(location.search);
const STANDIN = params.get('standin') ?? 'https://fake.powerbi.com:8443';
export const LIFETIME_MS = Number(params.get('lifetime') ?? 6000);
export const MARGIN_MS = Number(params.get('margin') ?? 2000);
export const CHECK_INTERVAL_MS = 500;
/** ?badOptions=1: options the refresher rejects (a provider that is not a function), to see where the error goes. */
export const BAD_OPTIONS = params.has('badOptions');
const GROUP_ID = 'a7c3e1f5-2b4d-4f6a-8c9e-0d1b3a5c7e20';
export const REPORTS = { a: '5b2a9d6e-1c4f-4e8a-9b7d-3f6e2a1c0d93', b: '0c4e6a8b-3d5f-4a7c-9e1b-2f4d6a8c0e31' };
export type Which = keyof typeof REPORTS;

export const record = {
  providerCalls: [] as { n: number; at: number; exp: number; report: Which; reason: string }[],
  events: [] as { type: string; at: number }[],
  renders: 0,
  bootedAt: 0,
  inAngularZone: null as boolean | null,
};

let minted = 0;
const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/** A token as GenerateToken would answer it. */
export function mint() {
  const exp = Date.now() + LIFETIME_MS;
  const n = ++minted;
  const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ exp: exp / 1000, n })}.stand-in`;
  return { n, token, exp, expiration: new Date(exp).toISOString() };
}

/** The embed configuration a backend hands the page, with its first token. */
export function embedConfig(which: Which) {
  return {
    type: 'report',
    id: REPORTS[which],
    embedUrl: `${STANDIN}/reportEmbed?reportId=${REPORTS[which]}&groupId=${GROUP_ID}`,
    accessToken: mint().token,
    tokenType: models.TokenType.Embed,
  };
}

// Stands in for the app's backend, in the page: embed configurations for the local stand-in of
// the Power BI service (tests/standin, whose address the test passes as ?standin=) and tokens,
// unsigned JWT-shaped strings whose payload says their number. Also what the test reads
// (`window.app.record`): numbers and times, never tokens.
import { TokenRefresher } from "powerbi-token-refresh/web";
import { models } from "powerbi-client";

const params = new URLSearchParams(location.search);
const STANDIN = params.get("standin") ?? "https://fake.powerbi.com:8443";
export const LIFETIME_MS = Number(params.get("lifetime") ?? 6000);
export const MARGIN_MS = Number(params.get("margin") ?? 2000);
const GROUP_ID = "a7c3e1f5-2b4d-4f6a-8c9e-0d1b3a5c7e20";
const REPORTS = ["5b2a9d6e-1c4f-4e8a-9b7d-3f6e2a1c0d93", "0e8f4c2a-7d1b-4a9e-8f3c-6b5d2e1a9c47"];

export const record = { providerCalls: [], embeds: 0, mounts: 0, unmounts: 0, events: [], errors: [] };
// Until this runs, `window.app` is the <div id="app"> (named access): the test checks `record`.
window.app = {
  record,
  // Throws until the composable has loaded the .wasm (the app never calls init() itself).
  startedCount: () => {
    try {
      return TokenRefresher.startedCount();
    } catch {
      return 0;
    }
  },
};

let minted = 0;
const b64url = (value) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
function mint() {
  const exp = Date.now() + LIFETIME_MS;
  const n = ++minted;
  const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ exp: exp / 1000, n })}.stand-in`;
  return { n, token, exp, expiration: new Date(exp).toISOString() };
}

/** The embed configuration a backend would hand the page for report `index`, with its first token. */
export function embedConfigFromBackend(index) {
  const first = mint();
  const id = REPORTS[index % REPORTS.length];
  return {
    expiration: first.expiration,
    embedConfig: {
      type: "report",
      id,
      embedUrl: `${STANDIN}/reportEmbed?reportId=${id}&groupId=${GROUP_ID}`,
      accessToken: first.token,
      tokenType: models.TokenType.Embed,
    },
  };
}

/** GenerateToken, as a backend answers it; `provider` says which function of the app's asked. */
export async function getNewAccessToken({ reportId, signal }, provider) {
  const at = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the backend's round trip
  signal.throwIfAborted();
  const answer = mint();
  record.providerCalls.push({ n: answer.n, at, exp: answer.exp, reportId, provider });
  return { token: answer.token, expiration: answer.expiration };
}

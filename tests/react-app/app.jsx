// A React 19 app as people build them: the real powerbi-client-react and powerbi-client, the
// package's useTokenRefresher, StrictMode. Built twice by tests/react-app.test.mjs: by Vite with
// no plugin (vite.jsx: the `web` entry, `powerbi-token-refresh/web/react`) and by webpack 5
// (webpack.jsx: the main entry, `powerbi-token-refresh/react`); each hands startApp() its hook.
// The report comes from the local stand-in of the Power BI service (tests/standin), whose
// address the test passes as ?standin=; tokens are unsigned JWT-shaped strings minted in the page.
// The test reads `window.app.record`.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { PowerBIEmbed } from "powerbi-client-react";
import { models } from "powerbi-client";

/** `useTokenRefresher` and `TokenRefresher` from one entry; `ready` once it can construct one. */
export function startApp({ useTokenRefresher, TokenRefresher, ready, entry }) {
  const params = new URLSearchParams(location.search);
  const STANDIN = params.get("standin") ?? "https://fake.powerbi.com:8443";
  const LIFETIME_MS = Number(params.get("lifetime") ?? 6000);
  const MARGIN_MS = Number(params.get("margin") ?? 2000);
  const REPORT_ID = "5b2a9d6e-1c4f-4e8a-9b7d-3f6e2a1c0d93";
  const GROUP_ID = "a7c3e1f5-2b4d-4f6a-8c9e-0d1b3a5c7e20";

  // What the test reads: numbers and times, never tokens.
  const record = { providerCalls: [], embedTokens: [], renders: 0, statusMounts: 0, embeds: 0, events: [] };
  window.app = { entry, record, ready: ready.then(() => true), startedCount: () => TokenRefresher.startedCount() };

  let minted = 0;
  const b64url = (value) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  /** Stands in for the backend's GenerateToken: a JWT-shaped token whose payload says its number. */
  function mint() {
    const exp = Date.now() + LIFETIME_MS;
    const n = ++minted;
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ exp: exp / 1000, n })}.stand-in`;
    return { n, token, exp, expiration: new Date(exp).toISOString() };
  }

  /** The embed configuration a backend would hand the page, with its first token. */
  function embedConfigFromBackend() {
    const first = mint();
    record.embedTokens.push({ n: first.n, at: Date.now(), exp: first.exp });
    return {
      expiration: first.expiration,
      embedConfig: {
        type: "report",
        id: REPORT_ID,
        embedUrl: `${STANDIN}/reportEmbed?reportId=${REPORT_ID}&groupId=${GROUP_ID}`,
        accessToken: first.token,
        tokenType: models.TokenType.Embed,
      },
    };
  }

  function Report({ config }) {
    const [embed, setEmbed] = useState(null);
    const onEmbed = (e) => {
      record.embeds += 1;
      setEmbed(e);
    };
    return (
      <section>
        <PowerBIEmbed embedConfig={config.embedConfig} getEmbeddedComponent={onEmbed} cssClassName="report" />
        {/* Mounted once the embed exists, so StrictMode runs the hook's effect twice with it. */}
        {embed && <TokenStatus embed={embed} expiration={config.expiration} />}
      </section>
    );
  }

  /** Keeps the embed's token fresh and says how it goes. */
  function TokenStatus({ embed, expiration }) {
    const [now, setNow] = useState(Date.now());
    const render = ++record.renders;
    useEffect(() => {
      record.statusMounts += 1; // 2 on each mount under StrictMode in development
      const timer = setInterval(() => setNow(Date.now()), 250); // re-renders four times a second
      return () => clearInterval(timer);
    }, []);

    const { lastEvent, status } = useTokenRefresher(embed, {
      reportId: REPORT_ID,
      groupId: GROUP_ID,
      expiration,
      minutesBeforeExpiration: MARGIN_MS / 60_000,
      checkIntervalMs: 500,
      minRefreshGapMs: 1000,
      // A new function on every render, as inline providers are: must not restart the refresher.
      getNewAccessToken: async ({ reportId, signal }) => {
        const at = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 50)); // the backend's round trip
        signal.throwIfAborted();
        const answer = mint();
        record.providerCalls.push({ n: answer.n, at, exp: answer.exp, render, reportId });
        return { token: answer.token, expiration: answer.expiration };
      },
    });
    useEffect(() => {
      if (lastEvent) record.events.push({ type: lastEvent.type, code: lastEvent.code ?? null, at: Date.now() });
    }, [lastEvent]);

    let text = "waiting for the first refresh";
    if (lastEvent?.type === "error") text = `Could not renew access (${lastEvent.code}); trying again.`;
    else if (status?.expiration) {
      const left = Math.max(0, Date.parse(status.expiration) - now);
      text = `${lastEvent?.type ?? "started"}: token good for ${(left / 1000).toFixed(1)} s more`;
    }
    return (
      <p id="status" role="status">
        {status?.running ? "refresher running · " : "refresher stopped · "}
        {text}
      </p>
    );
  }

  function App() {
    const [shown, setShown] = useState(true);
    const [config, setConfig] = useState(embedConfigFromBackend);
    const toggle = () => {
      if (!shown) setConfig(embedConfigFromBackend()); // a new embed gets a new first token
      setShown(!shown);
    };
    return (
      <main>
        <h1>React app (StrictMode, powerbi-client-react)</h1>
        <button id="toggle" type="button" onClick={toggle}>
          {shown ? "Hide the report" : "Show the report"}
        </button>
        {shown && <Report config={config} />}
      </main>
    );
  }

  createRoot(document.getElementById("root")).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

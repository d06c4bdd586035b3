"use client";
// The report as a Next.js app has it: a client component with useTokenRefresher beside
// powerbi-client-react's PowerBIEmbed, which is loaded in the browser only (`ssr: false`):
// powerbi-client-react reads `self` as it is imported, which fails on the server. The hook itself
// renders on the server too (idle: nothing starts before an effect). The report comes from the
// local stand-in of the Power BI service (tests/standin), at `settings.standin`; tokens are
// unsigned JWT-shaped strings minted in the page. The test reads `window.app.record`.
import dynamic from "next/dynamic";
import { useEffect, useState } from "react";

const PowerBIEmbed = dynamic(() => import("powerbi-client-react").then((m) => m.PowerBIEmbed), {
  ssr: false,
  loading: () => <p id="loading">Loading the report…</p>,
});

const REPORT_ID = "5b2a9d6e-1c4f-4e8a-9b7d-3f6e2a1c0d93";
const GROUP_ID = "a7c3e1f5-2b4d-4f6a-8c9e-0d1b3a5c7e20";
const EMBED_TOKEN = 1; // powerbi-client's models.TokenType.Embed, without importing it on the server

/** Stands in for the backend's GenerateToken: a JWT-shaped token whose payload says its number. */
function makeMint(lifetimeMs) {
  let minted = 0;
  const b64url = (value) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return () => {
    const exp = Date.now() + lifetimeMs;
    const n = ++minted;
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ exp: exp / 1000, n })}.stand-in`;
    return { n, token, exp, expiration: new Date(exp).toISOString() };
  };
}

export function Report({ settings, entry, useTokenRefresher, TokenRefresher }) {
  const standin = settings.standin ?? "https://fake.powerbi.com:8443";
  const lifetimeMs = Number(settings.lifetime ?? 6000);
  const marginMs = Number(settings.margin ?? 2000);
  const [app, setApp] = useState(null);
  const [config, setConfig] = useState(null);
  const [embed, setEmbed] = useState(null);

  // In the browser only: what the test reads (numbers and times, never tokens), and the embed
  // configuration a backend would hand the page, with its first token.
  useEffect(() => {
    const record = { providerCalls: [], events: [], embeds: 0, hydrated: true };
    const mint = makeMint(lifetimeMs);
    const first = mint();
    window.app = { entry, record, mint, startedCount: () => TokenRefresher.startedCount() };
    setApp(window.app);
    setConfig({
      expiration: first.expiration,
      embedConfig: {
        type: "report",
        id: REPORT_ID,
        embedUrl: `${standin}/reportEmbed?reportId=${REPORT_ID}&groupId=${GROUP_ID}`,
        accessToken: first.token,
        tokenType: EMBED_TOKEN,
      },
    });
  }, [entry, standin, lifetimeMs, TokenRefresher]);

  const { lastEvent, status } = useTokenRefresher(embed, {
    reportId: REPORT_ID,
    groupId: GROUP_ID,
    expiration: config?.expiration,
    minutesBeforeExpiration: marginMs / 60_000,
    checkIntervalMs: 500,
    minRefreshGapMs: 1000,
    getNewAccessToken: async ({ signal }) => {
      const at = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 50)); // the backend's round trip
      signal.throwIfAborted();
      const answer = app.mint();
      app.record.providerCalls.push({ n: answer.n, at, exp: answer.exp });
      return { token: answer.token, expiration: answer.expiration };
    },
  });
  useEffect(() => {
    if (lastEvent) app.record.events.push({ type: lastEvent.type, code: lastEvent.code ?? null, at: Date.now() });
  }, [lastEvent, app]);

  let text = "waiting for the report";
  if (lastEvent?.type === "error") text = `Could not renew access (${lastEvent.code}); trying again.`;
  else if (lastEvent) text = `${lastEvent.type}: token good until ${status?.expiration}`;
  return (
    <main>
      <h1>Next.js app ({entry} entry)</h1>
      <p id="status" role="status">
        {status?.running ? "refresher running · " : "refresher idle · "}
        {text}
      </p>
      {config && (
        <PowerBIEmbed
          embedConfig={config.embedConfig}
          cssClassName="report"
          getEmbeddedComponent={(e) => {
            app.record.embeds += 1;
            setEmbed(e);
          }}
        />
      )}
    </main>
  );
}

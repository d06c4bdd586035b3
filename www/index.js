// The demo page: embeds a report with a token from the local endpoint, then lets TokenRefresher
// keep that token fresh, and shows everything it does. The server says which report
// (GET /api/config): the simulated embed (default), or a real Power BI report through the real
// powerbi-client, loaded only then (a separate chunk) so the simulated page never has it.
//
// Settings can be changed from the URL, e.g. ?margin=0.1&interval=1000 to see refreshes within
// seconds when the server mints short-lived tokens (DEMO_TOKEN_LIFETIME_SECONDS):
//   margin    minutesBeforeExpiration (default 1)
//   interval  checkIntervalMs         (default 5000)
//   timeout   providerTimeoutMs       (default 8000)
//   retry     retryDelayMs            (default 2000)
//   debug     present: debug logging to the console (never whole tokens)

import { TokenRefresher } from "powerbi-token-refresh";
import { installSimulatedPowerBi, formatDuration, tokenTail } from "./simulated-powerbi.js";
import { createGlance } from "./glance.js";

// Made-up ids for the simulated embed (it and the local endpoint accept any); in Power BI mode
// the server names the report.
const SIMULATED_REPORT_ID = "4af8e2d1-7c3b-4e9a-9d61-2f5b8c0e7a13";
const SIMULATED_GROUP_ID = "b1d5c7e9-0f2a-4c6e-8b3d-5a7f9e1c2d40";

const $ = (id) => document.getElementById(id);
const container = $("report-container");

// ---------------------------------------------------------------------------------- timeline

const MAX_LOG_ENTRIES = 200;

/** Adds a line to the timeline (newest first). kind: refreshed | error | expired | info */
function log(kind, message) {
  const now = new Date();
  const item = document.createElement("li");
  item.className = kind;
  const time = document.createElement("time");
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString();
  const label = document.createElement("span");
  label.className = "kind";
  label.textContent = kind;
  const text = document.createElement("span");
  text.className = "message";
  text.textContent = message;
  item.append(time, label, text);
  $("log").prepend(item);
  while ($("log").children.length > MAX_LOG_ENTRIES) $("log").lastElementChild.remove();
}

/** 2000 -> "2", 1500 -> "1.5", 45000 -> "45" */
function seconds(ms) {
  const s = ms / 1000;
  return s < 10 && !Number.isInteger(s) ? s.toFixed(1) : String(Math.round(s));
}

function describeDuration(ms) {
  if (ms >= 60_000 && ms % 60_000 === 0) {
    const minutes = ms / 60_000;
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds(ms)} seconds`;
}

// ---------------------------------------------------------------------------------- settings

function readSettings(params) {
  const number = (name, fallback, min) => {
    const raw = params.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (raw.trim() !== "" && Number.isFinite(value) && value >= min) return value;
    log("info", `Ignored ?${name}=${raw}: not a number ≥ ${min}; using ${fallback}`);
    return fallback;
  };
  return {
    minutesBeforeExpiration: number("margin", 1, 0),
    checkIntervalMs: number("interval", 5000, 1),
    providerTimeoutMs: number("timeout", 8000, 1),
    retryDelayMs: number("retry", 2000, 1),
    debug: params.has("debug"),
  };
}

// ---------------------------------------------------------------------------------- token endpoint

/** Set in main(): the strip and bar that show tokens, calls and events over time. */
let glance;

/** The app's token provider: asks the local endpoint, as an app asks its backend. */
async function getNewAccessToken({ reportId, groupId, reason, signal }) {
  const query = new URLSearchParams({ reportId, groupId, reason });
  const ended = glance?.call();
  let ok = false;
  try {
    const response = await fetch(`/api/token?${query}`, { signal, cache: "no-store" });
    if (!response.ok) {
      const message = (await response.json().catch(() => ({}))).error?.message;
      throw new Error(`the token endpoint answered HTTP ${response.status}${message ? `: ${message}` : ""}`);
    }
    const answer = await response.json(); // { token, tokenId, expiration }
    ok = true;
    return answer;
  } finally {
    ended?.(ok);
    pollEndpoint(); // show the new call count at once
  }
}

function showEndpoint({ source, mode, calls, lifetimeSeconds }) {
  $("endpoint-source").textContent = source === "powerbi" ? "Power BI GenerateToken" : "simulated (local fake tokens)";
  $("endpoint-mode").textContent = mode;
  $("endpoint-calls").textContent = String(calls);
  $("endpoint-lifetime").textContent =
    lifetimeSeconds === null ? "set by Power BI" : formatDuration(lifetimeSeconds * 1000);
  for (const button of document.querySelectorAll("button[data-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  }
}

async function pollEndpoint() {
  try {
    const response = await fetch("/api/status", { cache: "no-store" });
    if (response.ok) showEndpoint(await response.json());
  } catch {
    // The dev server is restarting or gone; the next poll will tell.
  }
}

const MODE_TEXT = {
  normal: "answers with a new token",
  fail: "answers HTTP 500",
  stall: "never answers",
};

async function setMode(mode) {
  const response = await fetch("/api/mode", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ mode }),
  });
  if (!response.ok) throw new Error(`POST /api/mode answered HTTP ${response.status}`);
  const status = await response.json();
  showEndpoint(status);
  return status;
}

// ---------------------------------------------------------------------------------- refresher view

function embeddedTokenTail() {
  try {
    return tokenTail(window.powerbi.get(container).config.accessToken);
  } catch {
    return "(none)";
  }
}

function renderStatus(refresher) {
  const status = refresher.status;
  $("status-state").textContent = status.refreshing ? "refreshing…" : status.running ? "running" : "stopped";
  $("status-expires").textContent =
    status.expiresInMs === null
      ? "unknown"
      : status.expiresInMs > 0
        ? formatDuration(status.expiresInMs)
        : `expired ${formatDuration(-status.expiresInMs)} ago`;
  $("status-refreshes").textContent = String(status.refreshCount);
  $("status-failures").textContent =
    status.failures > 0 ? `${status.failures} (last: ${status.lastError})` : "0";
  $("status-retry").textContent =
    status.nextRetryInMs === null ? "—" : `in ${Math.ceil(status.nextRetryInMs / 1000)} s`;
  $("start").disabled = status.running;
  $("stop").disabled = !status.running;
}

function listen(refresher) {
  refresher.on("refreshed", (e) => {
    const attempts = e.attempts > 1 ? `, after ${e.attempts} attempts` : "";
    glance.token(e.expiresAt);
    glance.mark(e.attempts > 1 ? "recovered" : "refreshed", `refreshed (${e.reason}${attempts})`);
    log(
      "refreshed",
      `The embed now holds token ${embeddedTokenTail()}, valid for ${formatDuration(e.expiresInMs)}` +
        ` (until ${new Date(e.expiresAt).toLocaleTimeString()}); reason: ${e.reason}${attempts}`,
    );
  });
  refresher.on("error", (e) => {
    const cause = e.cause instanceof Error ? ` Cause: ${e.cause.message}.` : "";
    // No retry time: the refresher stopped (NoEmbedsLeft), or nothing to retry (ReloadFailed).
    const retry =
      e.retryInMs !== null ? `Retry in ${seconds(e.retryInMs)} s.` : refresher.status.running ? "" : "No retry: stopped.";
    glance.mark("error", `${e.code} (failure ${e.attempt})`);
    if (e.retryAt !== null) glance.mark("retry", `retry planned after ${e.code}`, e.retryAt);
    log("error", `${e.code} (failure ${e.attempt}): ${e.message}.${cause} ${retry}`);
  });
  refresher.on("expired", (e) => {
    glance.mark("expired", `expired ${seconds(e.expiredForMs)} s ago`);
    log(
      "expired",
      `The embed's token expired ${seconds(e.expiredForMs)} s ago (at ${new Date(e.expiration).toLocaleTimeString()});` +
        " a real report would stop loading data until a refresh succeeds",
    );
  });
}


// ---------------------------------------------------------------------------------- embedding

/** Shows which mode the page is in: the notice, the badge, and per-mode styling (body[data-source]). */
function showSource(config) {
  document.body.dataset.source = config.source;
  $("notice-simulated").hidden = config.source !== "simulated";
  $("notice-powerbi").hidden = config.source !== "powerbi";
  $("source-badge").textContent = config.source === "powerbi" ? "real Power BI" : "simulated embed";
  if (config.source === "powerbi") $("report-name").textContent = config.name || config.reportId;
}

/** The simulated embed: a local stand-in for window.powerbi that draws the token it holds. */
function embedSimulated(first) {
  installSimulatedPowerBi(window);
  window.powerbi.embed(container, {
    type: "report",
    id: SIMULATED_REPORT_ID,
    groupId: SIMULATED_GROUP_ID,
    embedUrl: "simulated://app.powerbi.com/reportEmbed",
    tokenType: "Embed",
    accessToken: first.token,
  });
}

/** The real report, with the real powerbi-client (which creates window.powerbi as it loads). */
async function embedPowerBi(config, first) {
  const { models } = await import(/* webpackChunkName: "powerbi-client" */ "powerbi-client");
  const embed = window.powerbi.embed(container, {
    type: "report",
    id: config.reportId,
    groupId: config.groupId,
    embedUrl: config.embedUrl,
    tokenType: models.TokenType.Embed, // GenerateToken's embed token (app owns data)
    accessToken: first.token,
  });
  embed.on("loaded", () => log("info", "Power BI: the report loaded"));
  embed.on("error", (event) => {
    const { message, errorCode } = event.detail ?? {};
    log("error", `Power BI: ${errorCode ?? ""} ${message ?? "error"}`.trim());
  });
}

// ---------------------------------------------------------------------------------- start-up

async function main() {
  const settings = readSettings(new URLSearchParams(location.search));
  const marginMs = settings.minutesBeforeExpiration * 60_000;
  $("margin-text").textContent = describeDuration(marginMs);
  $("status-settings").textContent =
    `refresh ${describeDuration(marginMs)} before expiry · check every ${seconds(settings.checkIntervalMs)} s` +
    ` · provider timeout ${seconds(settings.providerTimeoutMs)} s · first retry after ${seconds(settings.retryDelayMs)} s`;
  glance = createGlance({ bar: $("token-bar"), strip: $("glance"), marginMs });

  const configResponse = await fetch("/api/config", { cache: "no-store" });
  const config = await configResponse.json();
  if (!configResponse.ok) throw new Error(config.error?.message ?? `GET /api/config answered HTTP ${configResponse.status}`);
  showSource(config);
  const reportId = config.reportId ?? SIMULATED_REPORT_ID;
  const groupId = config.groupId ?? SIMULATED_GROUP_ID;

  // The endpoint's mode outlives page loads; start from a working one so the first embed works.
  const before = await (await fetch("/api/status", { cache: "no-store" })).json();
  if (before.mode !== "normal") log("info", `Token endpoint was set to "${before.mode}"; reset it to "normal" to embed`);
  await setMode("normal");

  // Embed with a first token, as an app does: its backend calls GenerateToken.
  const first = await getNewAccessToken({ reportId, groupId, reason: "embed", signal: AbortSignal.timeout(30_000) });
  if (config.source === "powerbi") await embedPowerBi(config, first);
  else embedSimulated(first);
  glance.token(Date.parse(first.expiration));
  log(
    "info",
    `Embedded the report with token ${tokenTail(first.token)}, valid until ${new Date(first.expiration).toLocaleTimeString()}`,
  );

  const refresher = new TokenRefresher({
    container,
    reportId,
    groupId,
    expiration: first.expiration,
    getNewAccessToken,
    ...settings,
  });
  listen(refresher);
  refresher.start();
  window.demoRefresher = refresher; // for poking at it from the console

  $("refresh-now").addEventListener("click", async () => {
    log("info", "Refresh now: asked for a new token");
    await refresher.refreshNow();
  });
  $("stop").addEventListener("click", () => {
    refresher.stop();
    log("info", "Refresher stopped: no more checks until Start");
    renderStatus(refresher);
  });
  $("start").addEventListener("click", () => {
    refresher.start();
    log("info", "Refresher started");
    renderStatus(refresher);
  });
  for (const button of document.querySelectorAll("button[data-mode]")) {
    button.addEventListener("click", async () => {
      const { mode } = button.dataset;
      try {
        await setMode(mode);
        log("info", `Token endpoint set to "${mode}": it ${MODE_TEXT[mode]}`);
      } catch (error) {
        log("error", `Could not set the token endpoint's mode: ${error.message}`);
      }
    });
  }
  $("clear-log").addEventListener("click", () => $("log").replaceChildren());

  const render = () => {
    renderStatus(refresher);
    glance.render();
  };
  render();
  setInterval(render, 250);
  setInterval(pollEndpoint, 1000);
}

main().catch((error) => {
  log("error", `The demo could not start: ${error.message}`);
  console.error("The demo could not start:", error);
});

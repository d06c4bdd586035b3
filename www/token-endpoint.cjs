// The demo's token endpoint: the app backend that calls Power BI's GenerateToken — for real when
// given a Power BI backend (www/powerbi-backend.cjs, from the PBI_* variables), else simulated.
//
// It runs inside webpack-dev-server (see `setupMiddlewares` in webpack.config.js) and answers:
//
//   GET  /api/config                        -> { source: "simulated" }
//                                              | { source: "powerbi", reportId, groupId, name, embedUrl }
//   GET  /api/token?reportId=..&groupId=..  -> { token, tokenId, expiration }   (GenerateToken's answer)
//   GET  /api/status                        -> { source, mode, calls, lifetimeSeconds }
//   POST /api/mode   {"mode":"fail"}        -> the same as /api/status
//
// Modes, so a visitor can watch the refresher cope with a bad backend (in front of either source):
//   normal  answer a new token: simulated, one that expires in `lifetimeSeconds`; Power BI, its own
//   fail    answer HTTP 500
//   stall   never answer (the refresher's providerTimeoutMs gives up on it)
//
// Simulated tokens are fake JWTs signed with a throwaway key made at start-up: nothing verifies
// them; the simulated embed only reads their `exp`. In Power BI mode the report is the configured
// one whatever the query says. A whole token is never logged, only its last 4 characters.

"use strict";

const crypto = require("node:crypto");

const MODES = ["normal", "fail", "stall"];
const DEFAULT_LIFETIME_SECONDS = 180;

/** The lifetime from `DEMO_TOKEN_LIFETIME_SECONDS`, or the 3-minute default. */
function lifetimeFromEnv(env = process.env) {
  const raw = env.DEMO_TOKEN_LIFETIME_SECONDS;
  if (raw === undefined || raw === "") return DEFAULT_LIFETIME_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw new Error(`DEMO_TOKEN_LIFETIME_SECONDS must be a number of seconds, 1 or more (got "${raw}")`);
  }
  return Math.round(seconds);
}

function base64url(value) {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** Only the end of a token, for logs. */
function tail(token) {
  return `…${token.slice(-4)}`;
}

/**
 * Creates the endpoint. Returns `{ middleware, state }`: `middleware` is a connect/express style
 * `(req, res, next)` handler that passes on anything outside /api/. `powerBi`: a backend from
 * powerbi-backend.cjs for real tokens, or null for simulated ones.
 */
function createTokenEndpoint({ lifetimeSeconds = lifetimeFromEnv(), log = console.log, powerBi = null } = {}) {
  const signingKey = crypto.randomBytes(32);
  const source = powerBi ? "powerbi" : "simulated";
  // Power BI decides its tokens' lifetime (that of the Azure AD token behind them, ~1 hour).
  const state = { mode: "normal", calls: 0, lifetimeSeconds: powerBi ? null : lifetimeSeconds };

  function mint(reportId, groupId) {
    // GenerateToken answers whole seconds ("2024-05-01T12:00:00Z"); so does this.
    const now = Math.floor(Date.now() / 1000);
    const exp = now + lifetimeSeconds;
    const tokenId = crypto.randomUUID();
    const header = base64url({ alg: "HS256", typ: "JWT" });
    const payload = base64url({
      iss: "powerbi-token-refresh demo",
      aud: "simulated-powerbi",
      sub: "demo-user",
      reportId,
      ...(groupId && { groupId }),
      iat: now,
      nbf: now,
      exp,
      jti: tokenId,
    });
    const signature = crypto
      .createHmac("sha256", signingKey)
      .update(`${header}.${payload}`)
      .digest("base64url");
    const expiration = new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { token: `${header}.${payload}.${signature}`, tokenId, expiration };
  }

  function sendJson(res, status, body) {
    res.statusCode = status;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.end(JSON.stringify(body));
  }

  function status() {
    return { source, mode: state.mode, calls: state.calls, lifetimeSeconds: state.lifetimeSeconds };
  }

  /** Answers an upstream failure with its status and safe message (see UpstreamError). */
  function sendUpstreamError(res, what, error) {
    log(`[token-endpoint] ${what}: ${error.message}`);
    sendJson(res, error.status ?? 502, { error: { code: "PowerBiFailed", message: error.message } });
  }

  async function handleConfig(res) {
    if (!powerBi) return sendJson(res, 200, { source });
    try {
      const report = await powerBi.report();
      sendJson(res, 200, {
        source,
        reportId: report.id,
        groupId: powerBi.workspaceId,
        name: report.name,
        embedUrl: report.embedUrl,
      });
    } catch (error) {
      sendUpstreamError(res, "report", error);
    }
  }

  function handleToken(req, res, url) {
    state.calls += 1;
    const reason = url.searchParams.get("reason") ?? ""; // the refresher's, for the log only
    const call = `call ${state.calls}${/^[a-z]{1,16}$/.test(reason) ? ` (${reason})` : ""}`;
    const reportId = url.searchParams.get("reportId");
    const groupId = url.searchParams.get("groupId");
    if (!reportId) {
      sendJson(res, 400, { error: { code: "BadRequest", message: "reportId is required" } });
      return;
    }
    switch (state.mode) {
      case "fail":
        log(`[token-endpoint] ${call}: mode "fail" -> HTTP 500`);
        sendJson(res, 500, {
          error: { code: "SimulatedFailure", message: "The demo token endpoint is set to fail" },
        });
        return;
      case "stall":
        // No answer: the request stays open until the client gives up (or the server stops).
        log(`[token-endpoint] ${call}: mode "stall" -> no answer`);
        return;
      default: {
        if (!powerBi) {
          const answer = mint(reportId, groupId);
          log(`[token-endpoint] ${call}: token ${tail(answer.token)} expires ${answer.expiration}`);
          sendJson(res, 200, answer);
          return;
        }
        powerBi.embedToken().then(
          (answer) => {
            log(`[token-endpoint] ${call}: GenerateToken -> token ${tail(answer.token)} expires ${answer.expiration}`);
            sendJson(res, 200, answer);
          },
          (error) => sendUpstreamError(res, call, error),
        );
      }
    }
  }

  function handleMode(req, res) {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
      if (body.length > 1024) req.destroy();
    });
    req.on("end", () => {
      let mode;
      try {
        mode = body ? JSON.parse(body).mode : undefined;
      } catch {
        mode = undefined;
      }
      if (!MODES.includes(mode)) {
        sendJson(res, 400, {
          error: { code: "BadRequest", message: `send {"mode": ${MODES.map((m) => `"${m}"`).join(" | ")}}` },
        });
        return;
      }
      if (mode !== state.mode) log(`[token-endpoint] mode: ${state.mode} -> ${mode}`);
      state.mode = mode;
      sendJson(res, 200, status());
    });
  }

  function middleware(req, res, next) {
    const url = new URL(req.url, "http://localhost");
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /api/config":
        return handleConfig(res);
      case "GET /api/token":
        return handleToken(req, res, url);
      case "GET /api/status":
        return sendJson(res, 200, status());
      case "POST /api/mode":
        return handleMode(req, res);
      default:
        if (url.pathname.startsWith("/api/")) {
          return sendJson(res, 404, { error: { code: "NotFound", message: `no route ${route}` } });
        }
        return next();
    }
  }

  return { middleware, state };
}

module.exports = { createTokenEndpoint, lifetimeFromEnv, MODES, DEFAULT_LIFETIME_SECONDS };

// The demo's backend against the real Power BI service ("embed for your customers", app owns
// data), used by the token endpoint when PBI_* variables name a service principal and a report:
//
//   Azure AD   POST {PBI_AAD_BASE}/{tenant}/oauth2/v2.0/token    client credentials -> access token
//   Power BI   GET  {PBI_API_BASE}/v1.0/myorg/groups/{ws}/reports/{report}                -> embedUrl
//              POST {PBI_API_BASE}/v1.0/myorg/groups/{ws}/reports/{report}/GenerateToken
//                   {"accessLevel":"View"}                     -> { token, tokenId, expiration }
//
// Secrets stay here: the client secret and the Azure AD token never reach the page or the log,
// and an embed token is logged by its last 4 characters only. Node 18+ (global fetch).

"use strict";

const VARIABLES = ["PBI_TENANT_ID", "PBI_CLIENT_ID", "PBI_CLIENT_SECRET", "PBI_WORKSPACE_ID", "PBI_REPORT_ID"];
const SCOPE = "https://analysis.windows.net/powerbi/api/.default";
/** Get a new Azure AD token this long before the cached one expires. */
const AAD_MARGIN_MS = 5 * 60_000;
const TIMEOUT_MS = 20_000;

/** An upstream call failed: `message` is safe to show (no secrets), `status` is the HTTP status to answer. */
class UpstreamError extends Error {
  constructor(message, status = 502) {
    super(message);
    this.status = status;
  }
}

/**
 * The backend when all of VARIABLES are set, `null` when none is (the simulated demo); throws
 * when only some are, naming the missing ones (never printing a value).
 */
function powerBiFromEnv(env = process.env, options = {}) {
  const missing = VARIABLES.filter((name) => !env[name]);
  if (missing.length === VARIABLES.length) return null;
  if (missing.length > 0) {
    throw new Error(`Power BI mode needs ${VARIABLES.join(", ")}; missing: ${missing.join(", ")}`);
  }
  return createPowerBiBackend({
    tenantId: env.PBI_TENANT_ID,
    clientId: env.PBI_CLIENT_ID,
    clientSecret: env.PBI_CLIENT_SECRET,
    workspaceId: env.PBI_WORKSPACE_ID,
    reportId: env.PBI_REPORT_ID,
    aadBase: env.PBI_AAD_BASE || "https://login.microsoftonline.com",
    apiBase: env.PBI_API_BASE || "https://api.powerbi.com",
    ...options,
  });
}

const trimSlash = (url) => url.replace(/\/+$/, "");

function createPowerBiBackend({ tenantId, clientId, clientSecret, workspaceId, reportId, aadBase, apiBase, log = console.log }) {
  const reportPath = `/v1.0/myorg/groups/${encodeURIComponent(workspaceId)}/reports/${encodeURIComponent(reportId)}`;
  let aad = null; // { token, expiresAt } — cached: one Azure AD call serves many embed tokens
  let aadPending = null; // joins concurrent callers into one Azure AD call
  let report = null; // { id, name, embedUrl } — does not change while the server runs

  async function readJson(response) {
    try {
      return await response.json();
    } catch {
      return {};
    }
  }

  async function fetchAadToken() {
    const url = `${trimSlash(aadBase)}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope: SCOPE,
    });
    let response;
    try {
      response = await fetch(url, { method: "POST", body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new UpstreamError(`Azure AD could not be reached (${error.message})`);
    }
    const json = await readJson(response);
    if (!response.ok || typeof json.access_token !== "string") {
      // `error` is a code such as invalid_client; error_description may quote the request, so not shown.
      throw new UpstreamError(`Azure AD answered HTTP ${response.status}${json.error ? ` (${json.error})` : ""}`);
    }
    const lifetimeMs = Number(json.expires_in) * 1000;
    aad = { token: json.access_token, expiresAt: Date.now() + (Number.isFinite(lifetimeMs) ? lifetimeMs : 0) };
    log(`[powerbi] Azure AD token for the service principal, valid ${Math.round(lifetimeMs / 60_000)} min`);
    return aad.token;
  }

  function aadToken() {
    if (aad && aad.expiresAt - Date.now() > AAD_MARGIN_MS) return Promise.resolve(aad.token);
    aadPending ??= fetchAadToken().finally(() => (aadPending = null));
    return aadPending;
  }

  /** A Power BI REST call with the service principal's bearer token; the answer's JSON. */
  async function api(what, method, path, body) {
    const token = await aadToken();
    let response;
    try {
      response = await fetch(`${trimSlash(apiBase)}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body && { "Content-Type": "application/json" }),
        },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new UpstreamError(`the Power BI REST API could not be reached (${error.message})`);
    }
    const json = await readJson(response);
    if (!response.ok) {
      if (response.status === 401) aad = null; // maybe revoked: ask Azure AD again next time
      const code = json.error?.code ? ` (${json.error.code})` : "";
      const requestId = response.headers.get("requestid") ?? response.headers.get("x-ms-request-id");
      throw new UpstreamError(
        `Power BI answered HTTP ${response.status}${code} to ${what}` +
          (requestId ? `, request id ${requestId}` : ""),
      );
    }
    return json;
  }

  return {
    workspaceId,
    reportId,
    /** The report's id, name and embedUrl (GET Report In Group), asked once. */
    async report() {
      if (!report) {
        const { id, name, embedUrl } = await api("Get Report In Group", "GET", reportPath);
        if (typeof embedUrl !== "string") throw new UpstreamError("Power BI's report has no embedUrl");
        report = { id: id ?? reportId, name: name ?? "", embedUrl };
      }
      return report;
    },
    /** A new embed token for the report (Reports GenerateTokenInGroup): { token, tokenId, expiration }. */
    async embedToken() {
      const { token, tokenId, expiration } = await api("GenerateToken", "POST", `${reportPath}/GenerateToken`, {
        accessLevel: "View",
      });
      if (typeof token !== "string" || !token) throw new UpstreamError("GenerateToken answered no token");
      return { token, tokenId, expiration };
    },
  };
}

module.exports = { powerBiFromEnv, createPowerBiBackend, UpstreamError, VARIABLES };

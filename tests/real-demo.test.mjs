// The demo in Power BI mode, end to end with no network: local stand-ins of Azure AD and the
// Power BI REST API (recording every request), the demo's dev server pointed at them by the PBI_*
// variables, and the page in headless Chromium, where page.route answers the report iframe
// (https://app.powerbi.com/...) with a small stand-in speaking powerbi-client's postMessage
// protocol (shared/docs/powerbi-client.md). Checks the client-credentials request, the bearer
// token on the REST calls, that the page embedded through the real powerbi-client, that the
// refresher called the token endpoint again (the stand-in's tokens live 12 s) and that the
// iframe received the new token through `POST /report/token`. Assumes pkg/ is built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { randomBytes, randomUUID } from "node:crypto";
import { CHROMIUM, CHROMIUM_ARGS, startDemoServer, waitUntilServing } from "../scripts/demo-server.mjs";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const TENANT = "72f988bf-0000-4000-8000-00000000test";
const CLIENT_ID = "0c1e2d3f-4a5b-4c6d-8e7f-001122334455";
const CLIENT_SECRET = `secret-${randomBytes(12).toString("hex")}`;
const WORKSPACE = "b1d5c7e9-0f2a-4c6e-8b3d-5a7f9e1c2d40";
const REPORT = "4af8e2d1-7c3b-4e9a-9d61-2f5b8c0e7a13";
const AAD_TOKEN = `aad-${randomBytes(24).toString("base64url")}`;
const EMBED_URL = `https://app.powerbi.com/reportEmbed?reportId=${REPORT}&groupId=${WORKSPACE}`;
const EMBED_TOKEN_SECONDS = 12;
const WAIT_MS = 60_000;

/** Azure AD and the Power BI REST API on one local port (under /aad and /api), recording requests. */
async function startCloudStandIn() {
  const requests = [];
  const embedTokens = [];
  const state = { refuseGenerateToken: false };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      requests.push({ method: req.method, path: url.pathname, headers: req.headers, body });
      const json = (status, value) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const api = `/api/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT}`;
      if (req.method === "POST" && url.pathname === `/aad/${TENANT}/oauth2/v2.0/token`) {
        return json(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: AAD_TOKEN });
      }
      if (req.headers.authorization !== `Bearer ${AAD_TOKEN}`) {
        return json(401, { error: { code: "TokenNotProvided" } });
      }
      if (req.method === "GET" && url.pathname === api) {
        return json(200, { id: REPORT, name: "Sales (stand-in)", embedUrl: EMBED_URL, datasetId: randomUUID() });
      }
      if (req.method === "POST" && url.pathname === `${api}/GenerateToken` && state.refuseGenerateToken) {
        res.setHeader("RequestId", "stand-in-request-1");
        return json(403, { error: { code: "PowerBINotAuthorizedException", message: "stand-in refuses" } });
      }
      if (req.method === "POST" && url.pathname === `${api}/GenerateToken`) {
        const token = `H4sI-embed-${embedTokens.length + 1}-${randomBytes(16).toString("base64url")}`;
        embedTokens.push(token);
        const expiration = new Date(Date.now() + EMBED_TOKEN_SECONDS * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
        return json(200, { "@odata.context": "stand-in", token, tokenId: randomUUID(), expiration });
      }
      json(404, { error: { code: "NotFound" } });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, requests, embedTokens, state, close: () => new Promise((done) => server.close(done)) };
}

// The report iframe: answers powerbi-client's load (202, then the loaded and rendered events) and
// token requests (202), records every request from the host in window.received.
const IFRAME_STANDIN = `<!doctype html><meta charset="utf-8"><title>report stand-in</title>
<body>report stand-in<script>
  const uid = new URLSearchParams(location.search).get("uid");
  window.received = [];
  let next = 0;
  addEventListener("message", (event) => {
    const m = event.data;
    if (!m || typeof m !== "object" || typeof m.method !== "string") return; // replies to our posts
    window.received.push({ method: m.method, url: m.url, body: m.body });
    const reply = (statusCode, body) =>
      event.source.postMessage({ statusCode, headers: { id: m.headers && m.headers.id }, body }, "*");
    const post = (url, body) =>
      event.source.postMessage({ method: "POST", url, headers: { id: "standin-" + ++next, uid }, body }, "*");
    if (m.method === "POST" && m.url === "/report/load") {
      reply(202, {});
      post("/reports/" + uid + "/events/loaded", { initiator: "sdk" });
      post("/reports/" + uid + "/events/rendered", {});
    } else if (m.method === "POST" && m.url === "/report/token") {
      reply(202, {});
    } else {
      reply(404, { message: "not in the stand-in" });
    }
  });
</script>`;

test("demo in Power BI mode: client credentials, GenerateToken, real powerbi-client, refresh", { timeout: 180_000 }, async (t) => {
  assert.ok(existsSync(new URL("../pkg/powerbi_token_refresh.js", import.meta.url)), "pkg/ is not built");
  const cloud = await startCloudStandIn();
  const server = await startDemoServer({
    PBI_TENANT_ID: TENANT,
    PBI_CLIENT_ID: CLIENT_ID,
    PBI_CLIENT_SECRET: CLIENT_SECRET,
    PBI_WORKSPACE_ID: WORKSPACE,
    PBI_REPORT_ID: REPORT,
    PBI_AAD_BASE: `${cloud.base}/aad`,
    PBI_API_BASE: `${cloud.base}/api`,
  });
  let browser;
  try {
    await waitUntilServing(server, WAIT_MS);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors = [];
    const consoleText = [];
    const outside = []; // anything the page tried to reach beyond localhost and the stand-in
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => consoleText.push(message.text()));
    await page.route(
      (url) => !["localhost", "app.powerbi.com"].includes(url.hostname),
      (route) => (outside.push(route.request().url()), route.abort()),
    );
    await page.route("https://app.powerbi.com/**", (route) =>
      route.fulfill({ contentType: "text/html", body: IFRAME_STANDIN }),
    );

    await page.goto(`${server.url}/?margin=0.1&interval=1000&retry=1000`);

    // The page says it is real Power BI, and embedded through powerbi-client into the stand-in.
    await page.locator("#notice-powerbi").waitFor({ state: "visible", timeout: WAIT_MS });
    assert.ok(!(await page.locator("#notice-simulated").isVisible()), "the simulated notice is hidden");
    assert.match(await page.locator("#report-name").innerText(), /Sales \(stand-in\)/);
    await page.locator("#log li.info", { hasText: "the report loaded" }).waitFor({ timeout: WAIT_MS });
    const embedded = await page.evaluate(() => {
      const embed = window.powerbi.get(document.getElementById("report-container"));
      return { simulated: Boolean(window.powerbi.simulated), iframe: embed.iframe?.src, sdk: embed.config?.uniqueId !== undefined };
    });
    assert.equal(embedded.simulated, false, "window.powerbi is powerbi-client, not the simulated one");
    assert.ok(embedded.iframe.startsWith(EMBED_URL), `the iframe shows the embedUrl (${embedded.iframe})`);
    assert.ok(embedded.sdk, "the embed is powerbi-client's (its config has a uniqueId)");
    t.diagnostic(`embedded by powerbi-client into ${embedded.iframe.split("?")[0]}`);
    const frame = page.frames().find((f) => f.url().startsWith("https://app.powerbi.com/"));
    assert.ok(frame, "the report iframe is there");
    const load = (await frame.evaluate(() => window.received)).find((r) => r.url === "/report/load");
    assert.equal(load.body.accessToken, cloud.embedTokens[0], "the report loaded with GenerateToken's first token");
    assert.equal(load.body.tokenType, 1, "as an embed token (models.TokenType.Embed)");

    // The refresher asks the endpoint again before the 12-second token expires, and the new
    // token reaches the iframe through powerbi-client's setAccessToken.
    await page.locator("#log li.refreshed").first().waitFor({ timeout: WAIT_MS });
    const tokenPosts = (await frame.evaluate(() => window.received)).filter((r) => r.url === "/report/token");
    assert.ok(cloud.embedTokens.length >= 2, `GenerateToken was called again (${cloud.embedTokens.length})`);
    assert.ok(tokenPosts.length >= 1, "the iframe received POST /report/token");
    assert.ok(cloud.embedTokens.slice(1).includes(tokenPosts[0].body), "with a token GenerateToken made later");
    t.diagnostic(`GenerateToken calls: ${cloud.embedTokens.length}; POST /report/token: ${tokenPosts.length}`);

    // Power BI refuses: the refresher reports it with what the server safely passed on.
    cloud.state.refuseGenerateToken = true;
    await page.click("#refresh-now");
    const refused = page.locator("#log li.error", { hasText: "PowerBINotAuthorizedException" }).first();
    await refused.waitFor({ timeout: WAIT_MS });
    assert.match(await refused.innerText(), /HTTP 502: Power BI answered HTTP 403 .* to GenerateToken, request id stand-in-request-1/);
    cloud.state.refuseGenerateToken = false;

    // What the server sent upstream: one client-credentials call, then bearer calls.
    const aad = cloud.requests.filter((r) => r.path.startsWith("/aad/"));
    assert.equal(aad.length, 1, "the Azure AD token is cached");
    assert.equal(aad[0].method, "POST");
    assert.equal(aad[0].path, `/aad/${TENANT}/oauth2/v2.0/token`);
    assert.match(aad[0].headers["content-type"], /^application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(aad[0].body)), {
      grant_type: "client_credentials",
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: "https://analysis.windows.net/powerbi/api/.default",
    });
    const rest = cloud.requests.filter((r) => r.path.startsWith("/api/"));
    assert.ok(rest.every((r) => r.headers.authorization === `Bearer ${AAD_TOKEN}`), "every REST call has the bearer token");
    assert.equal(rest.filter((r) => r.method === "GET").length, 1, "the report is asked for once");
    for (const r of rest.filter((r) => r.path.endsWith("/GenerateToken"))) {
      assert.deepEqual(JSON.parse(r.body), { accessLevel: "View" });
      assert.match(r.headers["content-type"], /^application\/json/);
    }

    // No secret and no whole token on the page or in any log; nothing went to the internet.
    assert.deepEqual(pageErrors, [], "no uncaught errors on the page");
    assert.deepEqual(outside, [], "no request left localhost and the routed iframe");
    // powerbi-client itself writes the token into the container's `powerbi-access-token`
    // attribute (setAccessToken does too); everything else on the page must not hold it.
    const shown = await page.evaluate(() => {
      const copy = document.documentElement.cloneNode(true);
      copy.querySelector("#report-container").removeAttribute("powerbi-access-token");
      return copy.outerHTML + document.body.innerText;
    });
    const logged = consoleText.join("\n") + server.output();
    for (const secret of [CLIENT_SECRET, AAD_TOKEN, ...cloud.embedTokens]) {
      assert.ok(!shown.includes(secret), "a secret or whole token is on the page");
      assert.ok(!logged.includes(secret), "a secret or whole token was logged");
    }
    assert.match(server.output(), /Power BI mode/, "the server says which mode it runs in");
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
    await cloud.close();
  }
});

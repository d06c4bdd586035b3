// The stand-in of Power BI's embed iframe (served by server.mjs as embed.html). It speaks the
// postMessage protocol of the real powerbi-client (http-post-message inside powerbi.js):
//
//   request  { method, url, headers: { id, uid, ... }, body }   either direction
//   reply    { statusCode, headers: { id }, body }              posted back to event.source
//
// From the host (powerbi-client) it answers:
//   POST /<type>/load, /<type>/prepare   202, then events loaded (+ rendered unless prepare);
//                                        embed.reload() posts the same load again
//   POST /report/render                  202, then rendered (phased embedding)
//   POST /<type>/token                   202 (accept), 403 + IError (reject) or nothing (hang),
//                                        as configured
//   anything else                        404 + IError
// <type> is report (also for visual), dashboard, tile or qna. Events go to the host as requests
// to /reports/<uid>/events/<name> (report, visual), /dashboards/<uid>/..., /tile/<uid>/...,
// /qna/<uid>/...
//
// Expiry as the service does it: when the token it holds is a JWT whose `exp` (seconds, may be
// fractional) passes before a newer token was accepted, it emits the error event TokenExpired
// and is dead; a token accepted later does not revive it, only a new load does.
//
// The test page controls and reads it with messages tagged `standin` (anything else that is
// not protocol is ignored): { standin: <command>, id, ... } -> { standin: <command>, reply: true,
// id, ... }. Commands: configure, emitError, emitEvent, expireNow, askToken, releaseHung, log.
// See tests/support/real_powerbi.js for the page side.

(function () {
  "use strict";

  const params = new URLSearchParams(location.search);
  const TOKEN_EXPIRED = {
    message: "TokenExpired",
    errorCode: "TokenExpired",
    detailedMessage: "Access token has expired, resubmit with a new access token",
    level: 6,
  };
  const REJECTED = {
    message: "Failed to set the access token",
    detailedMessage: "The stand-in was told to reject setAccessToken",
    errorCode: "403",
    level: 6,
  };
  // Event paths per load path type (powerbi-client's Service registers these routes).
  const EVENT_PREFIX = { report: "reports", dashboard: "dashboards", tile: "tile", qna: "qna" };

  const state = {
    uid: params.get("uid"),
    type: null, // from the load path: report | dashboard | tile | qna
    host: null, // the window that loads us (powerbi-client's)
    tokenReply: "accept", // accept | reject | hang
    tokenReplies: [], // one-shot replies used before tokenReply
    rejectError: REJECTED,
    held: null, // { token, exp } — exp in ms or null for a token that is not a JWT
    dead: false,
    expiredAt: null, // the exp (ms) of the token whose expiry killed us, last time
    expiries: [],
    timer: null,
    tokens: [], // every POST /<type>/token: { token, at, exp, outcome, whileDead }
    loads: [], // ms of every load / prepare
    loadRequests: [], // { at, path, token, exp, type }
    hookAnswers: [], // { at, statusCode, body }
    events: [], // events we emitted: { name, at, statusCode }
    requests: [], // every protocol request from the host: { at, method, url }
    hung: [], // token requests left unanswered: { source, id, token }
    pending: new Map(), // our requests to the host: id -> { resolve, record }
    nextId: 0,
  };

  // --- tokens ---------------------------------------------------------------------------------

  function base64urlJson(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    return JSON.parse(atob(padded));
  }

  /// The `exp` claim in ms, or null when the token is not a JWT with a numeric exp.
  function expOf(token) {
    if (typeof token !== "string") return null;
    const parts = token.split(".");
    if (parts.length !== 3) return null;
    try {
      const payload = base64urlJson(parts[1]);
      return typeof payload.exp === "number" && isFinite(payload.exp) ? payload.exp * 1000 : null;
    } catch (_) {
      return null;
    }
  }

  function tail(token) {
    return typeof token === "string" ? `…${token.slice(-4)}` : String(token);
  }

  function hold(token) {
    state.held = { token, exp: expOf(token) };
    arm();
  }

  /// Watches the held token's expiry; also checked on every message, in case timers lag.
  function arm() {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.dead || !state.held || state.held.exp === null) return;
    const wait = state.held.exp - Date.now();
    if (wait <= 0) {
      die(state.held.exp);
      return;
    }
    state.timer = setTimeout(checkExpiry, Math.min(wait + 1, 2147483647));
  }

  function checkExpiry() {
    if (state.dead || !state.held || state.held.exp === null) return;
    if (state.held.exp <= Date.now()) die(state.held.exp);
    else arm(); // woke early
  }

  function die(exp) {
    if (state.dead) return;
    state.dead = true;
    state.expiredAt = exp;
    state.expiries.push(exp);
    clearTimeout(state.timer);
    state.timer = null;
    show();
    emit("error", TOKEN_EXPIRED);
  }

  // --- talking to the host --------------------------------------------------------------------

  function reply(source, request, statusCode, body) {
    const id = request.headers && request.headers.id;
    source.postMessage({ statusCode, headers: { id }, body }, "*");
  }

  /// A request to the host; resolves with its reply ({ statusCode, body }).
  function post(url, body) {
    const host = state.host || window.parent;
    state.nextId += 1;
    const id = `standin-${state.nextId}-${Math.random().toString(36).slice(2, 8)}`;
    const headers = { id, uid: state.uid, "x-sdk-type": "standin" };
    const answered = new Promise((resolve) => state.pending.set(id, resolve));
    host.postMessage({ method: "POST", url, headers, body }, "*");
    return answered;
  }

  function eventUrl(name) {
    const prefix = EVENT_PREFIX[state.type || "report"];
    return `/${prefix}/${state.uid}/events/${name}`;
  }

  function emit(name, body) {
    const record = { name, at: Date.now(), statusCode: null };
    state.events.push(record);
    post(eventUrl(name), body).then((answer) => {
      record.statusCode = answer.statusCode;
    });
  }

  // --- requests from powerbi-client -----------------------------------------------------------

  function onRequest(request, source) {
    const at = Date.now();
    state.requests.push({ at, method: request.method, url: request.url });
    if (request.headers && request.headers.uid) state.uid = request.headers.uid;
    const match = /^\/(report|dashboard|tile|qna)\/(load|prepare|render|token)$/.exec(request.url);
    if (request.method !== "POST" || !match) {
      reply(source, request, 404, {
        message: "NotSupported",
        detailedMessage: `The stand-in does not implement ${request.method} ${request.url}`,
        level: 3,
      });
      return;
    }
    const [, type, action] = match;
    if (action === "token") onToken(request, source, at);
    else if (action === "render") {
      reply(source, request, 202, {});
      emit("rendered", {});
    } else onLoad(request, source, type, action, at);
  }

  function onLoad(request, source, type, action, at) {
    const config = request.body || {};
    state.host = source;
    state.type = type;
    if (config.uniqueId) state.uid = config.uniqueId;
    state.loads.push(at);
    const token = config.accessToken;
    state.loadRequests.push({ at, path: request.url, token, exp: expOf(token), type: config.type });
    reply(source, request, 202, {});
    // A new load starts a new life: only this revives a dead embed.
    state.dead = false;
    hold(token);
    if (state.dead) return; // loaded with an expired token: the error event was emitted instead
    show();
    emit("loaded", { initiator: "sdk" });
    if (action === "load") emit("rendered", {});
  }

  function onToken(request, source, at) {
    checkExpiry();
    const token = request.body;
    const how = state.tokenReplies.length ? state.tokenReplies.shift() : state.tokenReply;
    const entry = { token, at, exp: expOf(token), outcome: how, whileDead: state.dead };
    state.tokens.push(entry);
    if (how === "hang") {
      state.hung.push({ source, request, entry });
      return;
    }
    answerToken(source, request, entry, how);
  }

  function answerToken(source, request, entry, how) {
    if (how === "reject") {
      entry.outcome = "reject";
      reply(source, request, 403, state.rejectError);
      return;
    }
    entry.outcome = "accept";
    entry.acceptedAt = Date.now();
    reply(source, request, 202, {});
    if (state.dead) {
      // Too late: the service keeps showing the error until the embed is loaded again.
      state.held = { token: entry.token, exp: entry.exp };
    } else {
      hold(entry.token);
    }
    show();
  }

  function onResponse(response) {
    const resolve = state.pending.get(response.headers.id);
    if (!resolve) return;
    state.pending.delete(response.headers.id);
    resolve({ statusCode: response.statusCode, body: response.body });
  }

  // --- the test page's commands ---------------------------------------------------------------

  const commands = {
    /// { tokenReply?, tokenReplies?, rejectError? }
    configure(message) {
      if (message.tokenReply !== undefined) state.tokenReply = replyMode(message.tokenReply);
      if (message.tokenReplies !== undefined) state.tokenReplies = message.tokenReplies.map(replyMode);
      if (message.rejectError !== undefined) state.rejectError = message.rejectError;
      return { tokenReply: state.tokenReply, tokenReplies: state.tokenReplies.slice() };
    },
    /// { error, die? }: an error event with that IError body; `die: true` also makes us dead.
    emitError(message) {
      if (message.die) {
        state.dead = true;
        clearTimeout(state.timer);
        show();
      }
      emit("error", message.error || TOKEN_EXPIRED);
      return {};
    },
    /// { name, body }: any event, e.g. "info" or "rendered".
    emitEvent(message) {
      emit(message.name, message.body === undefined ? {} : message.body);
      return {};
    },
    /// Expires the held token now, as if its exp had passed.
    expireNow() {
      die(Date.now());
      return {};
    },
    /// Asks the host for a token through powerbi-client's accessTokenProvider hook; answers
    /// with the host's reply once it comes. A 2xx string answer becomes the held token.
    async askToken() {
      const at = Date.now();
      const answer = await post(`/reports/${state.uid}/eventHooks/newAccessToken`, {});
      const record = { at, answeredAt: Date.now(), statusCode: answer.statusCode, body: answer.body };
      state.hookAnswers.push(record);
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      if (ok && typeof answer.body === "string" && answer.body) {
        const entry = { token: answer.body, at: record.answeredAt, exp: expOf(answer.body), outcome: "hook", whileDead: state.dead };
        state.tokens.push(entry);
        if (!state.dead) hold(answer.body);
      }
      return { statusCode: answer.statusCode, body: answer.body };
    },
    /// { how: "accept" | "reject" }: answers every token request left hanging.
    releaseHung(message) {
      const hung = state.hung.splice(0);
      for (const h of hung) answerToken(h.source, h.request, h.entry, replyMode(message.how || "accept"));
      return { released: hung.length };
    },
    log() {
      checkExpiry();
      return {
        uid: state.uid,
        type: state.type,
        tokens: state.tokens.map((t) => Object.assign({}, t)),
        loads: state.loads.slice(),
        loadRequests: state.loadRequests.map((l) => Object.assign({}, l)),
        expiredAt: state.expiredAt,
        expiries: state.expiries.slice(),
        dead: state.dead,
        held: state.held && Object.assign({}, state.held),
        hookAnswers: state.hookAnswers.map((h) => Object.assign({}, h)),
        events: state.events.map((e) => Object.assign({}, e)),
        requests: state.requests.map((r) => Object.assign({}, r)),
        hung: state.hung.length,
        tokenReply: state.tokenReply,
      };
    },
  };

  function replyMode(how) {
    if (how === "accept" || how === "reject" || how === "hang") return how;
    throw new Error(`tokenReply must be accept, reject or hang, not ${JSON.stringify(how)}`);
  }

  async function onCommand(message, source) {
    const name = message.standin;
    let payload;
    try {
      if (!Object.prototype.hasOwnProperty.call(commands, name)) throw new Error(`unknown command ${name}`);
      payload = await commands[name](message);
    } catch (e) {
      payload = { error: String(e && e.message ? e.message : e) };
    }
    // No `headers` here: powerbi-client's proxy on the page sees this too and must not take it
    // for a reply to one of its requests.
    source.postMessage(Object.assign({}, payload, { standin: name, reply: true, id: message.id }), "*");
  }

  // --- dispatch -------------------------------------------------------------------------------

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || typeof data !== "object" || !event.source) return;
    if (typeof data.standin === "string") {
      if (!data.reply) onCommand(data, event.source);
      return;
    }
    checkExpiry();
    if (typeof data.method === "string" && typeof data.url === "string") {
      onRequest(data, event.source);
    } else if (typeof data.statusCode === "number" && data.headers && data.headers.id) {
      onResponse(data);
    }
  });

  function show() {
    const status = document.getElementById("status");
    if (!status) return;
    const token = state.held ? tail(state.held.token) : "none";
    const exp = state.held && state.held.exp !== null ? new Date(state.held.exp).toISOString() : "unknown";
    status.textContent = `stand-in ${state.type || "?"} ${state.uid || ""}: token ${token}, exp ${exp}${state.dead ? " — TokenExpired" : ""}`;
    document.body.className = state.dead ? "dead" : "";
  }
})();

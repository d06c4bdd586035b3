// A SIMULATED Power BI embed: a small local stand-in for powerbi-client, so the demo runs with no
// Power BI account. powerbi-client only embeds real Power BI URLs; this does just enough of its
// surface for the refresher:
//
//   window.powerbi.embed(container, config)  creates the embed and stores it on the container
//   window.powerbi.get(container)            returns it (throws if there is none, as powerbi-client does)
//   embed.config.accessToken                 the token it holds
//   embed.setAccessToken(token) -> Promise   swaps the token (rejects a malformed or expired one)
//   embed.reload() -> Promise                what the refresher calls after an expired token was
//                                            replaced (a real report needs it to load data again)
//
// Instead of a report it draws a box showing which token it holds (only the last 4 characters)
// and how long that token has left, read from the token's `exp` claim. It turns red when the
// token expires. It never logs a token.

const TICK_MS = 250;
/** setAccessToken answers after a short delay, like the iframe's postMessage round trip. */
const SET_TOKEN_DELAY_MS = 150;

/** The `exp` of a JWT in ms since the epoch; throws if the token is not one. */
function jwtExpiresAt(token) {
  const payload = typeof token === "string" ? token.split(".")[1] : undefined;
  if (!payload) throw new TypeError("the access token is not a JWT");
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const { exp } = JSON.parse(json);
  if (typeof exp !== "number") throw new TypeError("the access token has no exp claim");
  return exp * 1000;
}

/** "…wXyZ": all of a token anyone may see. */
export function tokenTail(token) {
  return typeof token === "string" && token.length > 4 ? `…${token.slice(-4)}` : "…";
}

/** 125000 -> "2:05" */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class SimulatedEmbed {
  constructor(container, config) {
    this.container = container;
    this.config = { ...config };
    this.tokensReceived = 1;
    this.reloads = 0;
    this.expiresAt = jwtExpiresAt(config.accessToken);
    this.lifetimeMs = Math.max(1, this.expiresAt - Date.now());

    this.box = element("div", "sim-embed");
    const label = element("div", "sim-embed__label", "Simulated embed — not Power BI");
    this.title = element("div", "sim-embed__title", `Report ${config.id ?? ""}`);
    this.tokenLine = element("div", "sim-embed__token");
    this.countdown = element("div", "sim-embed__countdown");
    const bar = element("div", "sim-embed__bar");
    this.barFill = element("div", "sim-embed__bar-fill");
    bar.append(this.barFill);
    this.box.append(label, this.title, this.tokenLine, this.countdown, bar);
    container.replaceChildren(this.box);

    this.timer = setInterval(() => this.render(), TICK_MS);
    this.render();
  }

  setAccessToken(token) {
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        if (!this.timer) return reject(new Error("the embed was reset"));
        let expiresAt;
        try {
          expiresAt = jwtExpiresAt(token);
        } catch (error) {
          return reject(error);
        }
        if (expiresAt <= Date.now()) return reject(new Error("the access token has expired"));
        this.config.accessToken = token;
        this.expiresAt = expiresAt;
        this.lifetimeMs = Math.max(1, expiresAt - Date.now());
        this.tokensReceived += 1;
        this.render();
        this.flash();
        resolve();
      }, SET_TOKEN_DELAY_MS);
    });
  }

  reload() {
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        if (!this.timer) return reject(new Error("the embed was reset"));
        this.reloads += 1;
        this.render();
        resolve();
      }, SET_TOKEN_DELAY_MS);
    });
  }

  render() {
    const left = this.expiresAt - Date.now();
    const expired = left <= 0;
    this.box.classList.toggle("expired", expired);
    this.box.dataset.tokenTail = tokenTail(this.config.accessToken);
    this.box.dataset.expiresAt = String(this.expiresAt);
    this.tokenLine.textContent =
      `Token ${tokenTail(this.config.accessToken)} · #${this.tokensReceived} received` +
      (this.reloads ? ` · reloaded ${this.reloads}×` : "");
    this.countdown.textContent = expired
      ? `EXPIRED ${formatDuration(-left)} ago`
      : `${formatDuration(left)} left`;
    this.barFill.style.width = `${expired ? 0 : Math.min(100, (100 * left) / this.lifetimeMs)}%`;
  }

  flash() {
    this.box.classList.remove("flash");
    void this.box.offsetWidth; // restart the animation
    this.box.classList.add("flash");
  }

  reset() {
    clearInterval(this.timer);
    this.timer = undefined;
    this.box.remove();
  }
}

/** Installs the stand-in as `window.powerbi` (unless a real powerbi-client is already there). */
export function installSimulatedPowerBi(target = window) {
  if (target.powerbi && !target.powerbi.simulated) {
    throw new Error("window.powerbi is already a real powerbi-client; not replacing it");
  }
  const service = {
    simulated: true,
    embed(container, config) {
      container.powerBiEmbed?.reset();
      container.powerBiEmbed = new SimulatedEmbed(container, config);
      return container.powerBiEmbed;
    },
    get(container) {
      if (!container.powerBiEmbed) {
        throw new Error("Could not find embedded component in the container");
      }
      return container.powerBiEmbed;
    },
    reset(container) {
      container.powerBiEmbed?.reset();
      delete container.powerBiEmbed;
    },
  };
  target.powerbi = service;
  return service;
}

// A minimal W3C WebDriver client over fetch, for page-level tests in browsers Playwright cannot
// drive (WebKitGTK's MiniBrowser through WebKitWebDriver). Only what the tests use: sessions,
// windows, navigation and script execution. https://www.w3.org/TR/webdriver2/

export class WebDriverError extends Error {
  constructor(command, status, value) {
    super(`${command}: ${value?.error ?? `HTTP ${status}`}: ${value?.message ?? ""}`.trim());
    this.error = value?.error;
  }
}

async function call(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let value;
  try {
    value = JSON.parse(text).value;
  } catch {
    value = { error: "invalid response", message: text.slice(0, 200) };
  }
  if (!response.ok) throw new WebDriverError(`${method} ${path}`, response.status, value);
  return value;
}

/** One session: a browser with one or more windows, one of them current. */
export class WebDriverSession {
  /** `url` is the driver's (e.g. WEBKIT_WEBDRIVER_URL); `capabilities` go in alwaysMatch. */
  static async start(url, capabilities = {}) {
    const value = await call(url, "POST", "/session", { capabilities: { alwaysMatch: capabilities } });
    return new WebDriverSession(url, value.sessionId, value.capabilities);
  }

  constructor(driverUrl, id, capabilities) {
    this.driverUrl = driverUrl;
    this.id = id;
    this.capabilities = capabilities;
  }

  command(method, path, body) {
    return call(this.driverUrl, method, `/session/${this.id}${path}`, body);
  }

  /** Loads `url` in the current window; resolves when the page has loaded. */
  navigate(url) {
    return this.command("POST", "/url", { url });
  }

  /** Goes back in the current window's history; resolves when the page is shown. */
  back() {
    return this.command("POST", "/back", {});
  }

  /** Runs `fn` (a function, or a function body as a string) in the page with `args`; resolves with what it returns (awaited). */
  execute(fn, ...args) {
    const body = typeof fn === "function" ? `return (${fn}).apply(null, arguments);` : fn;
    return this.command("POST", "/execute/sync", { script: body, args });
  }

  windowHandle() {
    return this.command("GET", "/window");
  }

  windowHandles() {
    return this.command("GET", "/window/handles");
  }

  /** Opens a new tab (or window: the browser decides) and returns its handle, without switching to it. */
  async newWindow() {
    return (await this.command("POST", "/window/new", { type: "tab" })).handle;
  }

  switchTo(handle) {
    return this.command("POST", "/window", { handle });
  }

  /** Closes the current window; the session has no current window until switchTo(). */
  closeWindow() {
    return this.command("DELETE", "/window");
  }

  /** Ends the session and closes its browser. */
  end() {
    return call(this.driverUrl, "DELETE", `/session/${this.id}`);
  }
}

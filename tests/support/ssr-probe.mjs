// Imports one module as a server would and says what the import did, as one line of JSON:
//   node ssr-probe.mjs <specifier> <own dir>
// Run from a copy placed in an app's folder, so the specifier resolves from the app's
// node_modules with Node's conditions (`node`, `import`). Before importing, it lays traps:
// - browser globals (window, document, self, navigator, …), absent in Node 20, become getters
//   that return undefined (as if absent, so framework code guarded by `typeof` still runs) and
//   record each read with the first stack frame under <own dir>, the package under test (a
//   framework's own guarded checks are not the package's doing);
// - every way to compile or instantiate WebAssembly (WebAssembly.compile, instantiate, their
//   streaming forms, new Module, new Instance: Node's own .wasm ES module loading goes through
//   these too) records the call, whoever makes it.
// Prints { ok, error, exports, globals: [{ name, at }], frameworkGlobals: [name], wasm: [name] }.
const [specifier, ownDir] = process.argv.slice(2);

const BROWSER_GLOBALS = [
  "window", "document", "self", "navigator", "location", "history", "top", "parent", "frames",
  "localStorage", "sessionStorage", "indexedDB", "screen", "customElements", "HTMLElement",
  "Element", "Node", "MutationObserver", "requestAnimationFrame", "cancelAnimationFrame",
  "matchMedia", "getComputedStyle", "addEventListener", "removeEventListener", "postMessage",
  "BroadcastChannel", "Worker", "XMLHttpRequest",
];
const globals = [];
const frameworkGlobals = new Set();
const wasm = [];

/** The first stack frame inside the package under test, or null. */
function ownFrame() {
  const stack = new Error().stack.split("\n").slice(2);
  return stack.find((line) => line.includes(ownDir))?.trim() ?? null;
}

for (const name of BROWSER_GLOBALS) {
  // Those Node has too (BroadcastChannel) keep their value; reads are recorded all the same.
  const had = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      const at = ownFrame();
      if (at) globals.push({ name, at });
      else frameworkGlobals.add(name);
      return had ? ("value" in had ? had.value : had.get.call(globalThis)) : undefined;
    },
  });
}

for (const name of ["compile", "instantiate", "compileStreaming", "instantiateStreaming"]) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (...args) {
    wasm.push(name);
    return original.apply(this, args);
  };
}
for (const name of ["Module", "Instance"]) {
  WebAssembly[name] = new Proxy(WebAssembly[name], {
    construct(target, args, newTarget) {
      wasm.push(`new ${name}`);
      return Reflect.construct(target, args, newTarget);
    },
  });
}

let result;
try {
  const module = await import(specifier);
  result = { ok: true, error: null, exports: Object.keys(module).sort() };
} catch (error) {
  result = { ok: false, error: String(error?.stack ?? error), exports: [] };
}
// Anything the import scheduled runs before we report.
await new Promise((resolve) => setTimeout(resolve, 50));
console.log(JSON.stringify({ ...result, globals, frameworkGlobals: [...frameworkGlobals].sort(), wasm }));

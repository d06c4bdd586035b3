// The demo at a glance: a bar of the time left on the current token, and a strip showing each
// token's life, every call to the token endpoint, refreshes, failures, planned retries and
// expiries, on one time axis with "now" two thirds of the way along (the future shows when the
// token expires and when a retry is due). Plain DOM, redrawn a few times a second.

import { formatDuration } from "./simulated-powerbi.js";

const MAX_MARKS = 400;
/** The strip shows 3 token lifetimes (2 past, 1 ahead), within these bounds. */
const MIN_SPAN_MS = 30_000;
const MAX_SPAN_MS = 3 * 3_600_000;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const clock = (ms) => new Date(ms).toLocaleTimeString();

/**
 * `bar`, `strip`: the elements to draw into. `marginMs`: the refresher's minutesBeforeExpiration,
 * to show where a refresh falls due (at the margin, or half way for tokens shorter than twice it).
 */
export function createGlance({ bar, strip, marginMs }) {
  const tokens = []; // { from, until }: each token the embed held, in order
  const calls = []; // { at, outcome: "pending" | "ok" | "failed" }
  const marks = []; // { at, kind: refreshed | recovered | error | retry | expired, title }

  const trim = (list) => list.length > MAX_MARKS && list.splice(0, list.length - MAX_MARKS);
  const dueLeftMs = (token) => Math.min(marginMs, (token.until - token.from) / 2);

  function renderBar(now) {
    const token = tokens.at(-1);
    const fill = bar.querySelector(".token-bar__fill");
    const due = bar.querySelector(".token-bar__due");
    const text = bar.querySelector(".token-bar__text");
    if (!token) return;
    const lifetime = Math.max(1, token.until - token.from);
    const left = token.until - now;
    const dueLeft = dueLeftMs(token);
    bar.dataset.state = left <= 0 ? "expired" : left <= dueLeft ? "due" : "fresh";
    fill.style.width = `${Math.max(0, Math.min(100, (100 * left) / lifetime))}%`;
    due.style.left = `${(100 * dueLeft) / lifetime}%`;
    text.textContent =
      left <= 0
        ? `expired ${formatDuration(-left)} ago`
        : `${formatDuration(left)} left of ${formatDuration(lifetime)} · ` +
          (left > dueLeft ? `refresh due in ${formatDuration(left - dueLeft)}` : "refresh due now");
  }

  function renderStrip(now) {
    const lifetime = tokens.length ? tokens.at(-1).until - tokens.at(-1).from : MIN_SPAN_MS;
    const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, 3 * lifetime));
    const start = now - (2 * span) / 3;
    const end = start + span;
    const x = (t) => `${((100 * (t - start)) / span).toFixed(3)}%`;
    const visible = (t) => t >= start && t <= end;

    const rows = {};
    for (const [name, label] of [
      ["tokens", "tokens"],
      ["calls", `endpoint calls: ${calls.length}`],
      ["events", "refresher"],
    ]) {
      const row = el("div", `glance-row glance-row--${name}`);
      row.append(el("span", "glance-row__label", label));
      const track = el("div", "glance-row__track");
      row.append(track);
      rows[name] = track;
    }

    // Each token from when the embed got it until it expired; a red gap where none was valid.
    tokens.forEach((token, i) => {
      const next = tokens[i + 1]?.from ?? now;
      if (token.until > start && token.from < end) {
        const seg = el("span", `seg ${i % 2 ? "odd" : "even"}`);
        seg.style.left = x(Math.max(start, token.from));
        seg.style.right = `${(100 - (100 * (Math.min(end, token.until) - start)) / span).toFixed(3)}%`;
        seg.title = `token ${i + 1}: ${clock(token.from)} – ${clock(token.until)}`;
        rows.tokens.append(seg);
      }
      if (token.until < next && next > start) {
        const gap = el("span", "seg gap");
        gap.style.left = x(Math.max(start, token.until));
        gap.style.right = `${(100 - (100 * (Math.min(end, next) - start)) / span).toFixed(3)}%`;
        gap.title = `no valid token: ${clock(token.until)} – ${clock(next)}`;
        rows.tokens.append(gap);
      }
    });
    const current = tokens.at(-1);
    if (current && visible(current.until - dueLeftMs(current))) {
      const due = el("span", "due-line");
      due.style.left = x(current.until - dueLeftMs(current));
      due.title = "refresh falls due";
      rows.tokens.append(due);
    }

    for (const call of calls) {
      if (!visible(call.at)) continue;
      const tick = el("span", `mark call ${call.outcome}`);
      tick.style.left = x(call.at);
      tick.title = `call to the token endpoint at ${clock(call.at)}: ${call.outcome}`;
      rows.calls.append(tick);
    }
    for (const mark of marks) {
      if (!visible(mark.at)) continue;
      const node = el("span", `mark ${mark.kind}`);
      node.style.left = x(mark.at);
      node.title = `${clock(mark.at)} ${mark.title}`;
      rows.events.append(node);
    }

    const axis = el("div", "glance-axis");
    axis.append(
      el("span", "glance-axis__start", `−${formatDuration(now - start)}`),
      el("span", "glance-axis__now", "now"),
      el("span", "glance-axis__end", `+${formatDuration(end - now)}`),
    );
    const nowLine = el("div", "glance-now");
    strip.replaceChildren(...Object.values(rows).map((track) => track.parentElement), nowLine, axis);
  }

  return {
    /** The embed now holds a token valid until `until` (ms). */
    token(until, from = Date.now()) {
      tokens.push({ from, until });
      trim(tokens);
    },
    /** A call to the token endpoint started; returns a function that records how it ended. */
    call(at = Date.now()) {
      const call = { at, outcome: "pending" };
      calls.push(call);
      trim(calls);
      return (ok) => (call.outcome = ok ? "ok" : "failed");
    },
    mark(kind, title, at = Date.now()) {
      marks.push({ at, kind, title });
      trim(marks);
    },
    render(now = Date.now()) {
      renderBar(now);
      renderStrip(now);
    },
  };
}

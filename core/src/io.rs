//! What goes into the [`Machine`](crate::machine::Machine) and what comes out: the whole
//! vocabulary between the decisions and the browser. The shell turns callbacks into [`Input`]s
//! and [`Command`]s into calls; the simulation and the property tests do the same with virtual
//! time.

use crate::anchor::Claims;
use crate::failure::{Code, Failure};
use crate::schedule::Reason;
use crate::Millis;

/// What the machine may look at as an input arrives. The shell reads the browser only when asked
/// (an idle check reads the clocks and the embeds' presence, nothing else); [`Now`] holds it all,
/// for the simulation and the tests.
pub trait Senses {
    /// `Date.now()`: what deadlines are measured on.
    fn wall(&self) -> Millis;
    /// `performance.now()`: cannot be set, so it tells a clock turned back from sleep.
    fn mono(&self) -> Millis;
    /// `navigator.onLine` (false only when the browser is sure it is offline).
    fn online(&self) -> bool;
    /// `document.hidden`.
    fn hidden(&self) -> bool;
    /// Whether embed `index` left the page (its container or iframe was removed). Asks the page
    /// each time: the machine asks only when it looks.
    fn gone(&self, index: usize) -> bool;
}

/// Everything [`Senses`] tells, read at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Now {
    /// `Date.now()`: what deadlines are measured on.
    pub wall: Millis,
    /// `performance.now()`: cannot be set, so it tells a clock turned back from sleep.
    pub mono: Millis,
    /// `navigator.onLine` (false only when the browser is sure it is offline).
    pub online: bool,
    /// `document.hidden`.
    pub hidden: bool,
    /// Indices of the embeds that left the page (container or iframe removed).
    pub gone: Vec<usize>,
}

impl Senses for Now {
    fn wall(&self) -> Millis {
        self.wall
    }
    fn mono(&self) -> Millis {
        self.mono
    }
    fn online(&self) -> bool {
        self.online
    }
    fn hidden(&self) -> bool {
        self.hidden
    }
    fn gone(&self, index: usize) -> bool {
        self.gone.contains(&index)
    }
}

/// A usable answer from the token provider, read by the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub token: String,
    pub claims: Claims,
}

/// Something that happened. Answers to a command carry that command's `ticket`: an answer whose
/// ticket is not the one the machine waits for (its attempt was abandoned, stopped, or already
/// answered) changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Input<C> {
    /// `start()`; `peers`: a channel and a lock to share refreshes with other tabs are open.
    Start { peers: bool },
    /// `stop()`.
    Stop,
    /// The expiration of the token the embeds hold at first (the `expiration` option, else the
    /// `exp` of the embed's own JWT), or why the option could not be read. Given once, before
    /// the first check (see [`Machine::wants_initial`](crate::machine::Machine::wants_initial)).
    Initial(Result<Option<Millis>, Failure<C>>),
    /// The interval. The idle check's cost is in what it reads: the wall clock only. A clock
    /// turned back shows at the next other input, the deadline's timer at the latest (timers run
    /// on the monotonic clock).
    Tick,
    /// A sign the page may have been away (shown, focused, resumed), or the first check.
    Check,
    /// The page was shown (`pageshow`), maybe back from the back/forward cache: the other tabs
    /// may hold a newer token.
    Restored,
    /// The page is being frozen (Page Lifecycle `freeze`): whatever it holds for the other tabs
    /// must go, since a frozen page answers nothing.
    Frozen,
    /// `visibilitychange`: a page shown again may have been away (hidden pages are left alone).
    VisibilityChanged,
    /// The deadline of [`Machine::poll_timeout`](crate::machine::Machine::poll_timeout) came
    /// (its timer may fire a moment early), or the yield of [`Command::Yield`] did. Whatever is
    /// due then is done; anything else waits for the next one.
    Timeout,
    /// The browser is online again.
    Online,
    /// The embed raised `TokenExpired`: it is dead whatever the clock says.
    EmbedSaysExpired,
    /// `refreshNow()`: the shell has queued its promise.
    RefreshNow,
    /// `accessTokenProvider` was called (its promise is queued); `embed_token` is the token the
    /// first embed holds, in case no refresh happened yet.
    TokenWanted { embed_token: Option<String> },
    /// The tabs' lock was granted to [`Command::RequestLock`].
    LockGranted { ticket: u32 },
    /// The provider answered [`Command::CallProvider`], failed, or timed out.
    Answered {
        ticket: u32,
        answer: Result<Answer, Failure<C>>,
    },
    /// What `setAccessToken` came to on each embed of [`Command::SetToken`] (`NoEmbed` when the
    /// embed could not be found).
    TokenSet {
        ticket: u32,
        results: Vec<(usize, Result<bool, Failure<C>>)>,
    },
    /// What `reload()` came to on each embed of [`Command::Reload`]: `Ok(false)` when
    /// powerbi-client skipped it (its load was under 100 ms old, or the iframe not loaded).
    Reloaded {
        ticket: u32,
        results: Vec<(usize, Result<bool, Failure<C>>)>,
    },
    /// Another tab asks for the current token.
    PeerHello,
    /// Another tab shared a token (its `expiresAt` already range-checked by the shell).
    PeerToken { token: String, expires_at: Millis },
    /// The tab holding the lock got this failure from the provider; it keeps the lock and
    /// retries for every tab.
    PeerFailed { code: Code },
}

/// What the shell should do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command<C> {
    /// Feed [`Input::Timeout`] once the current task is done (a microtask, which no
    /// throttling delays): a `stop()` in the same task comes first, and handlers added after
    /// `start()` in the same task hear what follows.
    Yield,
    /// A new attempt begins: make a fresh abort signal for what it asks.
    Begin,
    /// Ask for the tabs' lock (given up when the attempt's signal aborts).
    RequestLock { ticket: u32 },
    /// Call the token provider and wait at most `timeout_ms` for its answer. If no embed can be
    /// found, answer that failure instead: a token nobody can use costs the app a request.
    CallProvider {
        ticket: u32,
        reason: Reason,
        timeout_ms: u32,
    },
    /// `setAccessToken(token)` on these embeds, all started at once, with one deadline.
    SetToken {
        ticket: u32,
        token: String,
        embeds: Vec<usize>,
    },
    /// `reload()` these embeds, with the same deadline rule.
    Reload { ticket: u32, embeds: Vec<usize> },
    /// Abort the attempt's signal: the provider (or the lock request) may give up.
    Abort,
    /// Release the tabs' lock, after `linger_ms`.
    ReleaseLock { linger_ms: u32 },
    /// Ask the other tabs for their token.
    Hello,
    /// Give the other tabs this token.
    Publish { token: String, expires_at: Millis },
    /// Tell the other tabs the provider failed with `code`: this tab keeps the lock and retries.
    PublishFailure { code: Code },
    /// Tell the handlers.
    Emit(Event<C>),
    /// Settle every queued promise (`refreshNow()`: `true`/`false`; `accessTokenProvider`: the
    /// token, or a rejection with the message).
    Settle(Result<String, &'static str>),
    /// The refresher stopped: drop what runs (interval, listeners, channel) and let it go.
    Stopped,
    /// A line for the `debug` log (only made with `debug` on). Never a whole token.
    Log {
        message: &'static str,
        detail: Detail,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    None,
    Number(Millis),
    Text(&'static str),
}

/// What the handlers hear.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<C> {
    Refreshed {
        expires_at: Millis,
        expires_in: Millis,
        reason: Reason,
        attempts: u32,
    },
    Error {
        failure: Failure<C>,
        /// Failures in a row so far.
        attempt: u32,
        /// The next attempt, if one is planned.
        retry: Option<Retry>,
    },
    Expired {
        expires_at: Option<Millis>,
        expired_for: Millis,
    },
    /// This device's clock differs from the token issuer's by `skew`.
    ClockSkew { skew: Millis },
}

/// When the next attempt after a failure comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// On the wall clock.
    pub at: Millis,
    /// From now.
    pub in_ms: Millis,
}

/// A snapshot for `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub running: bool,
    pub refreshing: bool,
    pub expires_at: Option<Millis>,
    pub expires_in: Option<Millis>,
    pub failures: u32,
    pub next_retry_in: Option<Millis>,
    pub last_error: Option<crate::failure::Code>,
    pub refresh_count: u32,
}

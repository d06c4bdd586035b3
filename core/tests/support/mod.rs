//! What the machine's host tests share.
#![allow(dead_code)] // each test file uses its own part

use powerbi_token_refresh_core::io::{Command, Now};
use powerbi_token_refresh_core::machine::Settings;
use powerbi_token_refresh_core::schedule::Policy;
use powerbi_token_refresh_core::Millis;

pub const MINUTE: Millis = 60_000;

/// A page at `wall`, online, visible, its embeds on the page; the monotonic clock a second in.
pub fn page_at(wall: Millis) -> Now {
    Now {
        wall,
        mono: 1_000,
        online: true,
        hidden: false,
        gone: Vec::new(),
    }
}

/// The package's defaults (README "Options"), one embed.
pub fn defaults() -> Settings {
    Settings {
        policy: Policy {
            margin: 10 * MINUTE,
            retry_base: 5_000,
            retry_cap: 5 * MINUTE,
            min_gap: 5_000,
            check_interval: 30_000,
        },
        provider_timeout_ms: 30_000,
        reload_after_expiry: true,
        embeds: 1,
        debug: false,
    }
}

/// What `stop()` may ask for: only to let go (settle, release, abort, report, log).
pub fn lets_go<C>(command: &Command<C>) -> bool {
    matches!(
        command,
        Command::Settle(_)
            | Command::Log { .. }
            | Command::Stopped
            | Command::ReleaseLock { .. }
            | Command::Abort
            | Command::Emit(_)
    )
}

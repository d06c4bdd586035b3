//! The machine holds no more memory after 100,000 refreshes than after 1,000: a counting
//! allocator wraps the system's and keeps the live bytes and allocations, and one machine (alone,
//! then with other tabs) is driven through refresh after refresh as the shell would, with a
//! 2.5 KB token each time, reading `status()` each round.
//!
//! One test in this file on purpose: the counts are global, and a second test running at the
//! same time on another thread would move them.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use powerbi_token_refresh_core::anchor::Claims;
use powerbi_token_refresh_core::io::{Answer, Command, Event, Input, Now};
use powerbi_token_refresh_core::machine::{Machine, Settings};
use powerbi_token_refresh_core::Millis;

use support::MINUTE;

/// The system allocator, counting what is live.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_ALLOCATIONS: AtomicIsize = AtomicIsize::new(0);

fn allocated(bytes: usize) {
    LIVE_BYTES.fetch_add(bytes as isize, Ordering::Relaxed);
    LIVE_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            allocated(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            allocated(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        LIVE_ALLOCATIONS.fetch_sub(1, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(ptr, layout, new_size);
        if !moved.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        moved
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Live bytes and allocations now.
fn live() -> (isize, isize) {
    (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_ALLOCATIONS.load(Ordering::Relaxed),
    )
}

const T0: Millis = 1_764_324_000_000;
const HOUR: Millis = 60 * MINUTE;
const REFRESHES: u32 = 100_000;
const WARM_UP: u32 = 1_000;
/// What the machine may hold more at the end than after the warm-up.
const SLACK_BYTES: isize = 4 * 1024;
const TOKEN_BYTES: usize = 2_500;

/// One machine and its clocks, answering every command at once as the shell would.
struct Shell {
    machine: Machine<()>,
    now: Now,
    /// What the last input brought (emptied each input, its room kept).
    commands: Vec<Command<()>>,
    /// A token's bytes, but for the refresh count at its end.
    template: String,
    refreshed: u32,
}

impl Shell {
    fn feed(&mut self, input: Input<()>) {
        self.machine.handle(&self.now, input);
        self.commands.clear();
        while let Some(command) = self.machine.next_command() {
            self.commands.push(command);
        }
        for command in &self.commands {
            if let Command::Emit(Event::Refreshed { .. }) = command {
                self.refreshed += 1;
            }
        }
    }

    /// The answer the shell feeds back for what came out, if any.
    fn answer(&self) -> Option<Input<()>> {
        self.commands.iter().find_map(|command| match command {
            Command::Yield => Some(Input::Timeout),
            Command::RequestLock { ticket } => Some(Input::LockGranted { ticket: *ticket }),
            Command::CallProvider { ticket, .. } => Some(Input::Answered {
                ticket: *ticket,
                answer: Ok(Answer {
                    // The same length each time, a new string each time.
                    token: format!("{}{:010}", self.template, self.refreshed),
                    claims: Claims {
                        expires_at: Some(self.now.wall + HOUR),
                        ..Claims::default()
                    },
                }),
            }),
            Command::SetToken { ticket, embeds, .. } => Some(Input::TokenSet {
                ticket: *ticket,
                results: embeds.iter().map(|&i| (i, Ok(true))).collect(),
            }),
            Command::Reload { ticket, embeds } => Some(Input::Reloaded {
                ticket: *ticket,
                results: embeds.iter().map(|&i| (i, Ok(true))).collect(),
            }),
            _ => None,
        })
    }

    /// The attempt waits for its deadline (the hello's answers): the shell's timer fires then.
    fn wait_out(&mut self) -> Option<Input<()>> {
        let at = self.machine.poll_timeout(&self.now)?;
        if !self.machine.refreshing() {
            return None;
        }
        self.pass((at - self.now.wall).max(0));
        Some(Input::Timeout)
    }

    /// Feeds `trigger`, then the answer to each command, until nothing more is asked.
    fn refresh(&mut self, trigger: Input<()>) {
        let before = self.refreshed;
        let mut next = Some(trigger);
        while let Some(input) = next {
            self.feed(input);
            next = self.answer().or_else(|| self.wait_out());
        }
        assert_eq!(self.refreshed, before + 1, "one refresh per round");
        let status = self.machine.status(self.now.wall);
        assert!(status.running && !status.refreshing);
        assert_eq!(status.refresh_count, self.refreshed);
        assert_eq!(status.failures, 0);
    }

    /// Both clocks move on by `ms`.
    fn pass(&mut self, ms: Millis) {
        self.now.wall += ms;
        self.now.mono += ms;
    }
}

/// Live bytes and allocations after the warm-up and at the end, for one machine driven through
/// [`REFRESHES`] refreshes.
fn drive(peers: bool) -> [(isize, isize); 2] {
    let settings = Settings {
        debug: true,
        ..support::defaults()
    };
    let mut shell = Shell {
        machine: Machine::new(settings, 11),
        now: support::page_at(T0),
        commands: Vec::new(),
        template: "x".repeat(TOKEN_BYTES - 10),
        refreshed: 0,
    };
    shell.feed(Input::Start { peers });
    assert!(shell.machine.wants_initial());
    shell.feed(Input::Initial(Ok(Some(T0 + 5 * MINUTE)))); // due at once
    shell.refresh(Input::Check);
    let mut warm = (0, 0);
    for round in 1..REFRESHES {
        if round == WARM_UP {
            warm = live();
        }
        // Past the due time (10 minutes before the hour's end): the deadline's timer fires.
        shell.pass(50 * MINUTE + 1);
        shell.refresh(Input::Timeout);
    }
    let end = live();
    assert_eq!(shell.refreshed, REFRESHES, "refreshed events");
    [warm, end]
}

#[test]
fn a_hundred_thousand_refreshes_hold_no_more_memory_than_a_thousand() {
    // The counter counts: a buffer shows while it lives, and goes with it.
    let (bytes, allocations) = live();
    let buffer = vec![0u8; 10_000];
    assert!(live().0 >= bytes + 10_000 && live().1 > allocations);
    drop(buffer);
    assert_eq!(live(), (bytes, allocations));

    let mut rows = Vec::new();
    for peers in [false, true] {
        let [warm, end] = drive(peers);
        assert!(
            end.0 <= warm.0 + SLACK_BYTES,
            "peers {peers}: {} live bytes after {WARM_UP} refreshes, {} after {REFRESHES}",
            warm.0,
            end.0
        );
        assert!(
            end.1 <= warm.1 + 8,
            "peers {peers}: {} live allocations after {WARM_UP} refreshes, {} after {REFRESHES}",
            warm.1,
            end.1
        );
        rows.push((peers, warm, end));
    }
    // Printed only now: captured output is memory too.
    println!("\nlive heap, one machine, {TOKEN_BYTES} B tokens");
    println!(
        "{:<12} {:>28} {:>28}",
        "", "after 1,000 refreshes", "after 100,000 refreshes"
    );
    for (peers, warm, end) in rows {
        let label = if peers { "other tabs" } else { "alone" };
        println!(
            "{label:<12} {:>28} {:>28}",
            format!("{} B in {} allocations", warm.0, warm.1),
            format!("{} B in {} allocations", end.0, end.1)
        );
    }
}

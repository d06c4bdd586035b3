//! What the machine may look at as an input arrives ([`Senses`]): the wall clock, read at once
//! (an idle check needs it); whether the embeds are still on the page, the monotonic clock,
//! online and hidden, read only when asked (an idle check mostly does not ask). The browser
//! objects are looked up once (each `window()` is a global lookup and an `instanceof`).

use std::cell::Cell;

use web_sys::{Document, Navigator, Performance};

use crate::clock::wall;
use crate::embed;
use crate::options::Source;
use refresh_core::io::Senses;
use refresh_core::Millis;

pub struct Page {
    performance: Option<Performance>,
    navigator: Option<Navigator>,
    document: Option<Document>,
}

impl Page {
    pub fn new() -> Self {
        let window = web_sys::window();
        Self {
            performance: window.as_ref().and_then(|w| w.performance()),
            navigator: window.as_ref().map(|w| w.navigator()),
            document: window.and_then(|w| w.document()),
        }
    }

    /// Bits for the retry jitter, which only needs tabs to differ: the wall clock and this page's
    /// own time origin (`performance.now()` in microseconds) do.
    pub fn seed(&self) -> u64 {
        let mono = self.performance.as_ref().map_or(0.0, |p| p.now() * 1000.0);
        (wall() as u64) ^ ((mono as u64) << 20)
    }

    /// The page as of now, for the embeds of `sources`.
    pub fn now<'a>(&'a self, sources: &'a [Source]) -> Live<'a> {
        Live {
            page: self,
            sources,
            wall: wall(),
            mono: Cell::new(None),
            online: Cell::new(None),
        }
    }
}

/// The wall clock as read when the input arrived; the rest on demand.
pub struct Live<'a> {
    page: &'a Page,
    sources: &'a [Source],
    wall: Millis,
    mono: Cell<Option<Millis>>,
    online: Cell<Option<bool>>,
}

impl Senses for Live<'_> {
    fn wall(&self) -> Millis {
        self.wall
    }

    /// `performance.now()`: cannot be set by anyone, unlike `Date.now()`. Read at most once per
    /// input, and not for an interval tick.
    fn mono(&self) -> Millis {
        once(&self.mono, || {
            let performance = self.page.performance.as_ref();
            performance.map_or(0, |p| p.now() as Millis)
        })
    }

    /// `false` only when the browser is sure it is offline. Read at most once per input.
    fn online(&self) -> bool {
        once(&self.online, || {
            self.page.navigator.as_ref().is_none_or(Navigator::on_line)
        })
    }

    fn hidden(&self) -> bool {
        self.page.document.as_ref().is_some_and(Document::hidden)
    }

    /// Asks the DOM; an interval tick asks only now and then (the machine's `PRESENCE_TICKS`).
    fn gone(&self, index: usize) -> bool {
        self.sources.get(index).is_some_and(embed::gone)
    }
}

/// `read()` the first time, then what it gave (a `Cell`: `OnceCell` would bring a panic path).
fn once<T: Copy>(cell: &Cell<Option<T>>, read: impl FnOnce() -> T) -> T {
    let value = cell.get().unwrap_or_else(read);
    cell.set(Some(value));
    value
}

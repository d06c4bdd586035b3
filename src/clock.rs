//! The wall clock, `Date.now()`: what deadlines are measured on.

use refresh_core::Millis;

pub fn wall() -> Millis {
    js_sys::Date::now() as Millis
}

//! The shell's failures: the machine's [`Failure`] with the JavaScript value that caused it.

pub use refresh_core::failure::Code;

pub type RefreshError = refresh_core::failure::Failure<wasm_bindgen::JsValue>;

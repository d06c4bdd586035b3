//! The shell's failures: the machine's [`Failure`] with the JavaScript value that caused it.

pub use crate::failure::Code;

pub type RefreshError = crate::failure::Failure<wasm_bindgen::JsValue>;

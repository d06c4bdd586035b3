//! Everything that can go wrong, each with a name a program can match on and a message a person
//! can act on. Each becomes an `error` event, never an exception.

use crate::expiration::ExpirationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// `powerbi.get(container)` threw, or there is no `window.powerbi` to ask.
    NoEmbed,
    /// No `getNewAccessToken` option and no global `getNewUserAccessToken` function.
    NoProvider,
    /// The provider threw synchronously.
    ProviderThrew,
    /// The provider's promise rejected.
    ProviderRejected,
    /// The provider did not answer within `providerTimeoutMs`.
    ProviderTimeout,
    /// The provider answered `null` or `undefined`.
    ProviderReturnedNothing,
    /// The provider answered something that is neither a token string nor `{ token, expiration }`.
    InvalidAnswer,
    /// The token is an empty string.
    EmptyToken,
    /// The expiration could not be read.
    InvalidExpiration,
    /// The new token had already expired by the local clock.
    TokenAlreadyExpired,
    /// `setAccessToken` threw or rejected.
    SetAccessTokenFailed,
    /// `setAccessToken` did not settle within `setAccessTokenTimeoutMs`.
    SetAccessTokenTimeout,
    /// An embed's container (or its iframe) left the page: it is dropped, the others go on.
    EmbedRemoved,
    /// Every embed left the page: the refresher stopped.
    NoEmbedsLeft,
    /// `reload()` after an expired token was replaced threw, rejected, timed out or was skipped.
    ReloadFailed,
}

impl Code {
    /// Every code, in the order of their numbers (what another tab sends).
    const ALL: [Code; 15] = [
        Self::NoEmbed,
        Self::NoProvider,
        Self::ProviderThrew,
        Self::ProviderRejected,
        Self::ProviderTimeout,
        Self::ProviderReturnedNothing,
        Self::InvalidAnswer,
        Self::EmptyToken,
        Self::InvalidExpiration,
        Self::TokenAlreadyExpired,
        Self::SetAccessTokenFailed,
        Self::SetAccessTokenTimeout,
        Self::EmbedRemoved,
        Self::NoEmbedsLeft,
        Self::ReloadFailed,
    ];

    /// The code's number, as it travels between tabs: a name would cost a string comparison
    /// per code to read back.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The code numbered `n` (as another tab sends it), if there is one.
    pub fn from_number(n: f64) -> Option<Self> {
        let index = n as usize;
        (index as f64 == n).then(|| Self::ALL.get(index).copied())?
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoEmbed => "NoEmbed",
            Self::NoProvider => "NoProvider",
            Self::ProviderThrew => "ProviderThrew",
            Self::ProviderRejected => "ProviderRejected",
            Self::ProviderTimeout => "ProviderTimeout",
            Self::ProviderReturnedNothing => "ProviderReturnedNothing",
            Self::InvalidAnswer => "InvalidAnswer",
            Self::EmptyToken => "EmptyToken",
            Self::InvalidExpiration => "InvalidExpiration",
            Self::TokenAlreadyExpired => "TokenAlreadyExpired",
            Self::SetAccessTokenFailed => "SetAccessTokenFailed",
            Self::SetAccessTokenTimeout => "SetAccessTokenTimeout",
            Self::EmbedRemoved => "EmbedRemoved",
            Self::NoEmbedsLeft => "NoEmbedsLeft",
            Self::ReloadFailed => "ReloadFailed",
        }
    }
}

/// What went wrong, why, and the JavaScript value that caused it (`C`: the shell's `JsValue`,
/// `()` in host tests), handed back untouched in the `error` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<C> {
    pub code: Code,
    pub message: &'static str,
    pub cause: C,
    /// Which embed (its index in the `container` or `embed` list), when it concerns one.
    pub embed: Option<usize>,
}

impl<C: Default> Failure<C> {
    pub fn new(code: Code, message: &'static str) -> Self {
        Self::caused_by(code, message, C::default())
    }
}

impl<C> Failure<C> {
    pub fn caused_by(code: Code, message: &'static str, cause: C) -> Self {
        Self {
            code,
            message,
            cause,
            embed: None,
        }
    }

    /// The same failure, about the embed at `index`.
    pub fn of_embed(mut self, index: usize) -> Self {
        self.embed = Some(index);
        self
    }
}

impl<C: Default> From<ExpirationError> for Failure<C> {
    fn from(e: ExpirationError) -> Self {
        Self::new(Code::InvalidExpiration, e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn every_code_comes_back_from_its_number_and_nothing_else_does() {
        for code in Code::ALL {
            assert_eq!(Code::from_number(f64::from(code.number())), Some(code));
        }
        for n in [-1.0, 0.5, 15.0, 1e300, f64::NAN, f64::INFINITY, -0.0 - 1.0] {
            assert_eq!(Code::from_number(n), None, "{n}");
        }
        assert_eq!(Code::from_number(-0.0), Some(Code::NoEmbed));
    }
}

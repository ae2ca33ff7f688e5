//! Logging in: credentials that never show in `Debug` output or logs, and
//! the few actions the client itself needs (`Login`, `Challenge`, `Logoff`,
//! `Ping`, and `CoreSettings` for the server's version), written by hand with the same derives as the generated ones so
//! that the runtime does not depend on `ami-generated`.

use std::fmt;

use md5::{Digest, Md5};

use crate::derive::{AmiAction, AmiResponse};
use crate::wire::{Ack, Goodbye, Header, ValueError, WireValue};

/// A password: sent on the wire, never printed. `Debug` shows `Secret(***)`
/// and there is no `Display`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the rare code that must see it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl WireValue for Secret {
    const EXPECTED: &'static str = "text";

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        Ok(Secret::new(value))
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
    }

    fn check_wire(&self) -> Result<(), ValueError> {
        // Checked here so that the error never quotes the secret.
        if self.0.contains(['\r', '\n']) {
            return Err(ValueError::new("***", "a secret without CR or LF"));
        }
        Ok(())
    }
}

/// How to authenticate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Login` with `Secret`: the secret crosses the wire in clear.
    #[default]
    Plain,
    /// `Challenge`, then `Login` with `AuthType: MD5` and
    /// `Key` = lowercase hex md5(challenge + secret).
    Md5,
}

/// Who logs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The manager user (`[name]` in `manager.conf`).
    pub username: String,
    /// Its secret.
    pub secret: Secret,
    /// How to authenticate.
    pub method: AuthMethod,
    /// The `Events` parameter of `Login` (`on`, `off`, or a class list such
    /// as `call,agent`); `None` keeps the server's setting.
    pub events: Option<String>,
}

impl Credentials {
    /// Plain login as `username`.
    pub fn new(username: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Credentials {
            username: username.into(),
            secret: secret.into(),
            method: AuthMethod::Plain,
            events: None,
        }
    }
}

/// The MD5 login key: lowercase hex of md5(challenge + secret).
pub fn md5_key(challenge: &str, secret: &Secret) -> String {
    let mut hasher = Md5::new();
    hasher.update(challenge.as_bytes());
    hasher.update(secret.expose().as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Action: Login`. Its `Debug` output hides the secret and the key.
#[derive(Clone, AmiAction)]
#[ami(action = "Login", response = Ack, shape = "single")]
pub struct Login {
    /// Manager user.
    #[ami(name = "Username", required)]
    pub username: String,
    /// Plain secret.
    #[ami(name = "Secret")]
    pub secret: Option<Secret>,
    /// `MD5` for a challenge login.
    #[ami(name = "AuthType")]
    pub auth_type: Option<String>,
    /// The MD5 key of a challenge login.
    #[ami(name = "Key")]
    pub key: Option<Secret>,
    /// Event classes to receive.
    #[ami(name = "Events")]
    pub events: Option<String>,
    /// Other headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .field("secret", &self.secret)
            .field("auth_type", &self.auth_type)
            .field("key", &self.key)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// `Action: Challenge`: asks for the challenge of an MD5 login.
#[derive(Clone, Debug, AmiAction)]
#[ami(action = "Challenge", response = ChallengeResponse, shape = "single")]
pub struct Challenge {
    /// Always `MD5`.
    #[ami(name = "AuthType", required)]
    pub auth_type: String,
    /// Other headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// The reply to [`Challenge`].
#[derive(Clone, Debug, AmiResponse)]
pub struct ChallengeResponse {
    /// The challenge to hash with the secret.
    #[ami(name = "Challenge", required)]
    pub challenge: String,
    /// Other headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// `Action: Logoff`: the server answers `Response: Goodbye` and closes.
#[derive(Clone, Debug, Default, AmiAction)]
#[ami(action = "Logoff", response = Goodbye, shape = "goodbye")]
pub struct Logoff {
    /// Other headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// `Action: Ping`: the keepalive.
#[derive(Clone, Debug, Default, AmiAction)]
#[ami(action = "Ping", response = Ack, shape = "single")]
pub struct Ping {
    /// Other headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// `Action: CoreSettings`, asked right after login for the server's
/// version (only the two version fields are typed here).
#[derive(Clone, Debug, Default, AmiAction)]
#[ami(action = "CoreSettings", response = CoreSettingsVersions, shape = "single")]
pub struct CoreSettings {
    /// Other headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// The version fields of the reply to [`CoreSettings`].
#[derive(Clone, Debug, AmiResponse)]
pub struct CoreSettingsVersions {
    /// The AMI protocol version (`11.0.0`).
    #[ami(name = "AMIversion")]
    pub ami_version: Option<String>,
    /// The Asterisk release (`22.10.1`).
    #[ami(name = "AsteriskVersion")]
    pub asterisk_version: Option<String>,
    /// Every other setting, as received.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::encode_action;

    #[test]
    fn md5_key_is_lowercase_hex_of_challenge_then_secret() {
        // md5("123456789" + "mysecret")
        assert_eq!(
            md5_key("123456789", &Secret::new("mysecret")),
            "aba26d296bb0ae595d7c90fb8e38e67e"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_and_errors() {
        let login = Login {
            username: "admin".into(),
            secret: Some(Secret::new("hunter2")),
            auth_type: None,
            key: None,
            events: None,
            extra: Vec::new(),
        };
        assert!(!format!("{login:?}").contains("hunter2"));
        assert!(!format!("{:?}", Credentials::new("admin", "hunter2")).contains("hunter2"));
        let mut out = Vec::new();
        encode_action(&login, Some("1"), &mut out).unwrap();
        assert_eq!(
            out,
            b"Action: Login\r\nActionID: 1\r\nUsername: admin\r\nSecret: hunter2\r\n\r\n"
        );
        let bad = Login {
            secret: Some(Secret::new("hun\r\nter2")),
            ..login
        };
        let err = encode_action(&bad, None, &mut out).unwrap_err();
        assert!(!err.to_string().contains("hun"), "{err}");
    }
}

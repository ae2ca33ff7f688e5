//! Connection strings: `ami://user:secret@host:5038?events=off` and
//! `amis://` for TLS, parsed into a [`ClientBuilder`].
//!
//! ```text
//! ami[s]://USER:SECRET@HOST[:PORT][/][?OPTION=VALUE[&OPTION=VALUE...]]
//! ```
//!
//! * `ami` connects over TCP (default port 5038), `amis` over TLS (the `tls`
//!   feature; default port 5039; the host is also the TLS server name).
//! * `USER` and `SECRET` are percent-decoded: write `@ : / ? # % &` and
//!   spaces in them as `%40 %3A %2F %3F %23 %25 %26 %20`. The secret ends at
//!   the last `@` of the string, so an unencoded `@` or `/` in it still
//!   parses.
//! * `HOST` is a name, an IPv4 address, or an IPv6 address in brackets
//!   (`[::1]`).
//!
//! | option | values | default | builder method |
//! | --- | --- | --- | --- |
//! | `events` | `on`, `off`, or event classes (`call,agent`) | the server's setting | [`ClientBuilder::events`] |
//! | `auth` | `plain`, `md5` | `plain` | [`ClientBuilder::md5`] |
//! | `timeout` | a duration: `500ms`, `5s`, `2m` | `30s` | [`ClientBuilder::timeout`] |
//! | `keepalive` | a duration, or `off` | `30s` | [`ClientBuilder::keepalive`] |
//! | `reconnect` | `on`, `off` | `on` | [`ClientBuilder::reconnect`] |
//! | `detect_version` | `on`, `off` | `on` | [`ClientBuilder::detect_version`] |
//!
//! Option values are percent-decoded too. An unknown option, a repeated one
//! or a bad value is an error that names it and its column; no error
//! message ever quotes the user name or the secret, and the builder's
//! `Debug` output hides the secret.

use std::fmt;
use std::time::Duration;

use super::{AuthMethod, Backoff, ClientBuilder, Secret};

/// Where a [`ClientBuilder`] made from a connection string connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address (an IPv6 address without its brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// TLS (`amis://`) or plain TCP (`ami://`).
    pub tls: bool,
}

impl Endpoint {
    /// Default port of plain AMI (`ami://`).
    pub const PORT: u16 = 5038;
    /// Default port of AMI over TLS (`amis://`).
    pub const TLS_PORT: u16 = 5039;

    /// `host:port`, with an IPv6 address in brackets, as
    /// [`ClientBuilder::connect_tcp`] takes it.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Why a connection string was refused: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UrlError {
    /// Column (1-based, in characters) where the problem is.
    pub column: usize,
    /// What is wrong.
    pub kind: UrlErrorKind,
}

/// What is wrong with a connection string. None of these carries the user
/// name or the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlErrorKind {
    /// The scheme is not `ami` or `amis`.
    Scheme(String),
    /// No `://` after the scheme.
    MissingSlashes,
    /// `amis://` without the `tls` feature.
    TlsDisabled,
    /// No `USER:SECRET@` before the host.
    MissingCredentials,
    /// A user name with no `:SECRET`.
    MissingSecret,
    /// An empty user name.
    EmptyUser,
    /// A `%` not followed by two hex digits, or an escape that decodes to
    /// invalid UTF-8, in the named part (`user`, `secret`, an option).
    PercentEncoding(&'static str),
    /// No host.
    MissingHost,
    /// An IPv6 address with no closing `]`.
    UnclosedBracket,
    /// The port is not a number from 1 to 65535.
    Port(String),
    /// A path after the host (only `/` may follow it).
    Path,
    /// A `#fragment`.
    Fragment,
    /// An option this parser does not know.
    UnknownOption(String),
    /// An option given twice.
    RepeatedOption(String),
    /// An option with no `=VALUE`, or a value it does not take.
    OptionValue {
        /// The option.
        option: String,
        /// The value given.
        value: String,
        /// What it takes.
        expected: &'static str,
    },
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection string, column {}: ", self.column)?;
        match &self.kind {
            UrlErrorKind::Scheme(s) => {
                write!(f, "unknown scheme `{s}` (expected `ami://` or `amis://`)")
            }
            UrlErrorKind::MissingSlashes => f.write_str("expected `://` after the scheme"),
            UrlErrorKind::TlsDisabled => {
                f.write_str("`amis://` needs the `tls` feature of ami-runtime")
            }
            UrlErrorKind::MissingCredentials => {
                f.write_str("no `user:secret@` before the host (ami://user:secret@host)")
            }
            UrlErrorKind::MissingSecret => {
                f.write_str("no `:secret` after the user name (ami://user:secret@host)")
            }
            UrlErrorKind::EmptyUser => f.write_str("empty user name"),
            UrlErrorKind::PercentEncoding(part) => write!(
                f,
                "bad percent-encoding in the {part} (`%` must be followed by two hex \
                 digits, and the result be UTF-8)"
            ),
            UrlErrorKind::MissingHost => f.write_str("no host"),
            UrlErrorKind::UnclosedBracket => f.write_str("IPv6 address without its closing `]`"),
            UrlErrorKind::Port(p) => write!(f, "port `{p}` is not a number from 1 to 65535"),
            UrlErrorKind::Path => {
                f.write_str("unexpected path after the host (only `/` may follow it)")
            }
            UrlErrorKind::Fragment => f.write_str("unexpected `#` fragment"),
            UrlErrorKind::UnknownOption(o) => {
                write!(f, "unknown option `{o}` (known: {})", OPTIONS.join(", "))
            }
            UrlErrorKind::RepeatedOption(o) => write!(f, "option `{o}` given twice"),
            UrlErrorKind::OptionValue {
                option,
                value,
                expected,
            } => write!(f, "option `{option}`: `{value}` is not {expected}"),
        }
    }
}

impl std::error::Error for UrlError {}

const OPTIONS: [&str; 6] = [
    "events",
    "auth",
    "timeout",
    "keepalive",
    "reconnect",
    "detect_version",
];

/// The string being parsed, to turn byte offsets into columns.
struct Input<'a>(&'a str);

impl Input<'_> {
    fn err(&self, byte: usize, kind: UrlErrorKind) -> UrlError {
        let byte = byte.min(self.0.len());
        UrlError {
            column: self.0[..byte].chars().count() + 1,
            kind,
        }
    }

    /// `s[start..end]` percent-decoded; errors name `part` and the column.
    fn decode(&self, start: usize, end: usize, part: &'static str) -> Result<String, UrlError> {
        let bytes = &self.0.as_bytes()[start..end];
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => return Err(self.err(start + i, UrlErrorKind::PercentEncoding(part))),
                }
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).map_err(|_| self.err(start, UrlErrorKind::PercentEncoding(part)))
    }
}

/// `500ms`, `5s`, `2m`.
fn parse_duration(value: &str) -> Option<Duration> {
    let split = value.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(number)),
        "s" => Some(Duration::from_secs(number)),
        "m" => number.checked_mul(60).map(Duration::from_secs),
        _ => None,
    }
}

fn parse_switch(value: &str) -> Option<bool> {
    match value {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

impl ClientBuilder {
    /// A builder from a connection string,
    /// `ami://user:secret@host:5038?events=off&timeout=5s` (see the
    /// [module docs](crate::client::url) for the syntax and the options); then
    /// [`ClientBuilder::connect`]. Also available as `str::parse`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ami_runtime::client::{AuthMethod, ClientBuilder};
    ///
    /// let builder = ClientBuilder::from_url("ami://admin:s%40cret@pbx.example.com?auth=md5&timeout=5s")?;
    /// let endpoint = builder.endpoint().unwrap();
    /// assert_eq!(endpoint.addr(), "pbx.example.com:5038");
    /// assert!(!endpoint.tls);
    /// let config = builder.config();
    /// assert_eq!(config.credentials.username, "admin");
    /// assert_eq!(config.credentials.secret.expose(), "s@cret");
    /// assert_eq!(config.credentials.method, AuthMethod::Md5);
    /// assert_eq!(config.timeout, Duration::from_secs(5));
    /// // The secret never shows in Debug output.
    /// assert!(!format!("{builder:?}").contains("s@cret"));
    ///
    /// // Errors say what is wrong and where, never quoting the secret.
    /// let err = ClientBuilder::from_url("ami://admin:s3cret@pbx:50x38").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "connection string, column 24: port `50x38` is not a number from 1 to 65535"
    /// );
    /// # Ok::<(), ami_runtime::client::UrlError>(())
    /// ```
    pub fn from_url(url: &str) -> Result<ClientBuilder, UrlError> {
        let input = Input(url);
        let Some(colon) = url.find(':') else {
            return Err(input.err(0, UrlErrorKind::MissingSlashes));
        };
        let scheme = &url[..colon];
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "ami" => false,
            "amis" => true,
            _ => return Err(input.err(0, UrlErrorKind::Scheme(scheme.to_owned()))),
        };
        if tls && !cfg!(feature = "tls") {
            return Err(input.err(0, UrlErrorKind::TlsDisabled));
        }
        if !url[colon..].starts_with("://") {
            return Err(input.err(colon, UrlErrorKind::MissingSlashes));
        }
        let start = colon + 3;
        if let Some(hash) = url[start..].find('#') {
            return Err(input.err(start + hash, UrlErrorKind::Fragment));
        }

        // Credentials: up to the last `@`, so that an unencoded `@` or `/`
        // in the secret is still taken as part of it.
        let Some(at) = url[start..].rfind('@').map(|i| start + i) else {
            return Err(input.err(start, UrlErrorKind::MissingCredentials));
        };
        let Some(sep) = url[start..at].find(':').map(|i| start + i) else {
            return Err(input.err(at, UrlErrorKind::MissingSecret));
        };
        if sep == start {
            return Err(input.err(start, UrlErrorKind::EmptyUser));
        }
        let username = input.decode(start, sep, "user name")?;
        let secret = Secret::new(input.decode(sep + 1, at, "secret")?);

        // Host and port, up to `/` or `?`.
        let host_start = at + 1;
        let host_end = url[host_start..]
            .find(['/', '?'])
            .map_or(url.len(), |i| host_start + i);
        let authority = &url[host_start..host_end];
        let (host, port_at) = if let Some(rest) = authority.strip_prefix('[') {
            let Some(close) = rest.find(']') else {
                return Err(input.err(host_start, UrlErrorKind::UnclosedBracket));
            };
            (&rest[..close], host_start + close + 2)
        } else {
            let end = authority.find(':').map_or(host_end, |i| host_start + i);
            (&url[host_start..end], end)
        };
        if host.is_empty() {
            return Err(input.err(host_start, UrlErrorKind::MissingHost));
        }
        let port = if port_at < host_end {
            let text = &url[port_at..host_end];
            let Some(digits) = text.strip_prefix(':') else {
                return Err(input.err(port_at, UrlErrorKind::Port(text.to_owned())));
            };
            match digits.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(input.err(port_at + 1, UrlErrorKind::Port(digits.to_owned()))),
            }
        } else if tls {
            Endpoint::TLS_PORT
        } else {
            Endpoint::PORT
        };

        // Nothing but `/` before the options.
        let mut rest = host_end;
        if url[rest..].starts_with('/') {
            rest += 1;
        }
        if rest < url.len() && !url[rest..].starts_with('?') {
            return Err(input.err(rest, UrlErrorKind::Path));
        }

        let mut builder = ClientBuilder::new(username, secret);
        builder.endpoint = Some(Endpoint {
            host: host.to_owned(),
            port,
            tls,
        });
        let mut seen: Vec<&str> = Vec::new();
        let mut pos = rest + 1;
        while pos < url.len() {
            let end = url[pos..].find('&').map_or(url.len(), |i| pos + i);
            if end > pos {
                let (name, value_at) = match url[pos..end].find('=') {
                    Some(eq) => (&url[pos..pos + eq], Some(pos + eq + 1)),
                    None => (&url[pos..end], None),
                };
                if !OPTIONS.contains(&name) {
                    return Err(input.err(pos, UrlErrorKind::UnknownOption(name.to_owned())));
                }
                if seen.contains(&name) {
                    return Err(input.err(pos, UrlErrorKind::RepeatedOption(name.to_owned())));
                }
                seen.push(name);
                let value = match value_at {
                    Some(at) => input.decode(at, end, "option value")?,
                    None => String::new(),
                };
                let column = value_at.unwrap_or(end);
                builder = apply_option(builder, name, &value).map_err(|expected| {
                    input.err(
                        column,
                        UrlErrorKind::OptionValue {
                            option: name.to_owned(),
                            value: value.clone(),
                            expected,
                        },
                    )
                })?;
            }
            pos = end + 1;
        }
        Ok(builder)
    }

    /// Where [`ClientBuilder::connect`] connects: set by a connection string.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }
}

/// One `name=value` option; `Err` says what the value should be.
fn apply_option(
    builder: ClientBuilder,
    name: &str,
    value: &str,
) -> Result<ClientBuilder, &'static str> {
    Ok(match name {
        "events" if !value.is_empty() => builder.events(value),
        "events" => return Err("`on`, `off` or a list of event classes"),
        "auth" => match value {
            "md5" => builder.md5(),
            "plain" => {
                let mut b = builder;
                b.config.credentials.method = AuthMethod::Plain;
                b
            }
            _ => return Err("`plain` or `md5`"),
        },
        "timeout" => {
            builder.timeout(parse_duration(value).ok_or("a duration (`500ms`, `5s`, `2m`)")?)
        }
        "keepalive" => match value {
            "off" => builder.keepalive(None),
            _ => builder.keepalive(Some(
                parse_duration(value).ok_or("a duration (`500ms`, `5s`, `2m`) or `off`")?,
            )),
        },
        "reconnect" => {
            let on = parse_switch(value).ok_or("`on` or `off`")?;
            builder.reconnect(on.then(Backoff::default))
        }
        "detect_version" => builder.detect_version(parse_switch(value).ok_or("`on` or `off`")?),
        // `from_url` only passes known names.
        _ => builder,
    })
}

impl std::str::FromStr for ClientBuilder {
    type Err = UrlError;

    /// [`ClientBuilder::from_url`].
    fn from_str(url: &str) -> Result<Self, UrlError> {
        ClientBuilder::from_url(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(url: &str) -> UrlError {
        ClientBuilder::from_url(url).expect_err(url)
    }

    #[test]
    fn defaults_and_ports() {
        let b = ClientBuilder::from_url("ami://admin:secret@pbx").unwrap();
        assert_eq!(b.endpoint().unwrap().addr(), "pbx:5038");
        let b = ClientBuilder::from_url("ami://admin:secret@10.0.0.1:15038/").unwrap();
        assert_eq!(b.endpoint().unwrap().addr(), "10.0.0.1:15038");
        let b = ClientBuilder::from_url("AMI://admin:secret@[::1]:6000").unwrap();
        assert_eq!(b.endpoint().unwrap().host, "::1");
        assert_eq!(b.endpoint().unwrap().addr(), "[::1]:6000");
        let b = ClientBuilder::from_url("ami://admin:secret@[::1]").unwrap();
        assert_eq!(b.endpoint().unwrap().addr(), "[::1]:5038");
        assert_eq!(b.config().timeout, Duration::from_secs(30));
        assert!(b.config().keepalive.is_some());
        assert!(b.config().reconnect.is_some());
    }

    #[cfg(feature = "tls")]
    #[test]
    fn amis_defaults_to_5039() {
        let b = ClientBuilder::from_url("amis://admin:secret@pbx.example.com").unwrap();
        let endpoint = b.endpoint().unwrap();
        assert!(endpoint.tls);
        assert_eq!(endpoint.addr(), "pbx.example.com:5039");
    }

    #[test]
    fn credentials_are_percent_decoded_and_may_hold_at_and_slash() {
        let b = ClientBuilder::from_url("ami://us%20er:p%40ss%3Aw%2Fd@h").unwrap();
        assert_eq!(b.config().credentials.username, "us er");
        assert_eq!(b.config().credentials.secret.expose(), "p@ss:w/d");
        let b = ClientBuilder::from_url("ami://user:p@ss/w:rd@h:1").unwrap();
        assert_eq!(b.config().credentials.secret.expose(), "p@ss/w:rd");
        assert_eq!(b.endpoint().unwrap().addr(), "h:1");
        let b = ClientBuilder::from_url("ami://user:%C3%A9t%C3%A9@h").unwrap();
        assert_eq!(b.config().credentials.secret.expose(), "été");
    }

    #[test]
    fn options_set_the_builder() {
        let b = ClientBuilder::from_url(
            "ami://a:b@h?events=call%2Cagent&auth=md5&timeout=500ms&keepalive=off&reconnect=off&detect_version=off",
        )
        .unwrap();
        let c = b.config();
        assert_eq!(c.credentials.events.as_deref(), Some("call,agent"));
        assert_eq!(c.credentials.method, AuthMethod::Md5);
        assert_eq!(c.timeout, Duration::from_millis(500));
        assert_eq!(c.keepalive, None);
        assert_eq!(c.reconnect, None);
        assert!(!c.detect_version);
        let c = ClientBuilder::from_url("ami://a:b@h/?keepalive=2m&auth=plain&&events=off")
            .unwrap()
            .config()
            .clone();
        assert_eq!(c.keepalive, Some(Duration::from_secs(120)));
        assert_eq!(c.credentials.method, AuthMethod::Plain);
        assert_eq!(c.credentials.events.as_deref(), Some("off"));
    }

    #[test]
    fn errors_name_the_problem_and_the_column() {
        let cases: [(&str, usize, &str); 16] = [
            ("http://a:b@h", 1, "unknown scheme `http`"),
            ("ami:/a:b@h", 4, "expected `://`"),
            ("ami://h:5038", 7, "no `user:secret@`"),
            ("ami://admin@h", 12, "no `:secret`"),
            ("ami://:b@h", 7, "empty user name"),
            ("ami://a:b%2@h", 10, "percent-encoding in the secret"),
            ("ami://a:%FF@h", 9, "percent-encoding in the secret"),
            ("ami://a:b@", 11, "no host"),
            ("ami://a:b@:5038", 11, "no host"),
            ("ami://a:b@[::1:5038", 11, "closing `]`"),
            ("ami://a:b@h:0", 13, "port `0`"),
            ("ami://a:b@h:99999", 13, "port `99999`"),
            ("ami://a:b@h/x", 13, "unexpected path"),
            ("ami://a:b@h#x", 12, "fragment"),
            (
                "ami://a:b@h?timeout=5&x",
                21,
                "option `timeout`: `5` is not a duration",
            ),
            (
                "ami://a:b@h?auth=md5&color=red",
                22,
                "unknown option `color` (known: events,",
            ),
        ];
        for (url, column, message) in cases {
            let e = err(url);
            assert_eq!(e.column, column, "{url}: {e}");
            assert!(e.to_string().contains(message), "{url}: {e}");
        }
        let e = err("ami://a:b@h?reconnect=on&reconnect=off");
        assert_eq!(e.kind, UrlErrorKind::RepeatedOption("reconnect".into()));
        assert_eq!(e.column, 26);
        let e = err("ami://a:b@h?events");
        assert!(e.to_string().contains("option `events`: `` is not"), "{e}");
    }

    #[test]
    fn the_secret_never_shows() {
        for url in [
            "ami://admin:hunter2%@h",
            "ami://admin:hunter2@h:x",
            "ami://admin:hunter2@h?x=1",
            "ami://admin:hunter2@",
        ] {
            let e = err(url);
            assert!(!e.to_string().contains("hunter2"), "{e}");
            assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
        }
        let b = ClientBuilder::from_url("ami://admin:hunter2@h").unwrap();
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}

//! Errors of encoding and decoding, each naming the message, the field and the value.

use std::fmt;

/// A header value that does not parse as the type the spec gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValueError {
    /// The offending value.
    pub value: String,
    /// What was expected instead.
    pub expected: String,
}

impl ValueError {
    /// A value error.
    pub fn new(value: impl Into<String>, expected: impl Into<String>) -> Self {
        ValueError {
            value: value.into(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value {:?}: expected {}",
            self.value, self.expected
        )
    }
}

impl std::error::Error for ValueError {}

/// What went wrong with one field while decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldError {
    /// A required header is absent.
    Missing {
        /// Wire name of the missing header.
        field: String,
    },
    /// A header value does not parse.
    Invalid {
        /// Wire name of the header, as received.
        field: String,
        /// Why the value was refused.
        error: ValueError,
    },
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::Missing { field } => write!(f, "missing required field {field}"),
            FieldError::Invalid { field, error } => write!(f, "field {field}: {error}"),
        }
    }
}

impl std::error::Error for FieldError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FieldError::Invalid { error, .. } => Some(error),
            FieldError::Missing { .. } => None,
        }
    }
}

/// A message that could not be decoded into its typed struct.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// Which message: `event Hangup`, `response to Ping`, `action Originate`.
    pub message: String,
    /// What was wrong with it.
    pub kind: DecodeErrorKind,
}

/// The reason a message could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A field is missing or does not parse.
    Field(FieldError),
    /// The message is not of the expected kind (an event where a response was expected...).
    Unexpected {
        /// What was expected.
        expected: String,
        /// What arrived.
        found: String,
    },
}

impl DecodeError {
    /// A field error in `message`.
    pub fn field(message: impl Into<String>, error: FieldError) -> Self {
        DecodeError {
            message: message.into(),
            kind: DecodeErrorKind::Field(error),
        }
    }

    /// `message` is not what was expected.
    pub fn unexpected(
        message: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        DecodeError {
            message: message.into(),
            kind: DecodeErrorKind::Unexpected {
                expected: expected.into(),
                found: found.into(),
            },
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DecodeErrorKind::Field(e) => write!(f, "{}: {e}", self.message),
            DecodeErrorKind::Unexpected { expected, found } => {
                write!(f, "{}: expected {expected}, found {found}", self.message)
            }
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DecodeErrorKind::Field(e) => Some(e),
            DecodeErrorKind::Unexpected { .. } => None,
        }
    }
}

/// An action that was refused before any byte of it was produced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodeError {
    /// Wire name of the action.
    pub action: &'static str,
    /// What is wrong.
    pub kind: EncodeErrorKind,
}

/// Why an action cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// A required parameter is empty.
    MissingRequired {
        /// Wire name of the parameter.
        param: String,
    },
    /// A value that may not be sent (outside its enumeration, malformed).
    InvalidValue {
        /// Wire name of the parameter.
        param: String,
        /// Why.
        error: ValueError,
    },
    /// A CR, LF or NUL in a header name or value: CR and LF would inject
    /// headers, and Asterisk cuts a value short at a NUL.
    LineBreak {
        /// Wire name of the header.
        param: String,
        /// The offending value (or name).
        value: String,
    },
    /// A constraint between parameters does not hold.
    Constraint {
        /// The constraint, in words ("exactly one of Endpoint, URI").
        rule: String,
    },
}

impl EncodeError {
    /// An encode error of `action`.
    pub fn new(action: &'static str, kind: EncodeErrorKind) -> Self {
        EncodeError { action, kind }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.action;
        match &self.kind {
            EncodeErrorKind::MissingRequired { param } => {
                write!(f, "action {a}: required parameter {param} is empty")
            }
            EncodeErrorKind::InvalidValue { param, error } => {
                write!(f, "action {a}: parameter {param}: {error}")
            }
            EncodeErrorKind::LineBreak { param, value } => write!(
                f,
                "action {a}: parameter {param}: CR, LF or NUL in {value:?} would inject headers or cut the value short"
            ),
            EncodeErrorKind::Constraint { rule } => {
                write!(f, "action {a}: constraint violated: {rule}")
            }
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            EncodeErrorKind::InvalidValue { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    /// The messages of `e` and of each of its sources, outermost first.
    fn chain(e: &dyn Error) -> Vec<String> {
        let mut out = vec![e.to_string()];
        let mut next = e.source();
        while let Some(cause) = next {
            out.push(cause.to_string());
            next = cause.source();
        }
        out
    }

    #[test]
    fn errors_chain_to_their_cause() {
        let invalid = FieldError::Invalid {
            field: "Cause".into(),
            error: ValueError::new("x", "an unsigned integer"),
        };
        let decode = DecodeError::field("event Hangup", invalid);
        assert_eq!(
            chain(&decode),
            [
                "event Hangup: field Cause: invalid value \"x\": expected an unsigned integer",
                "field Cause: invalid value \"x\": expected an unsigned integer",
                "invalid value \"x\": expected an unsigned integer",
            ]
        );
        let missing = DecodeError::field(
            "event Hangup",
            FieldError::Missing {
                field: "Channel".into(),
            },
        );
        assert_eq!(chain(&missing).len(), 2);
        assert!(
            DecodeError::unexpected("response to Ping", "a response", "an event")
                .source()
                .is_none()
        );

        let encode = EncodeError::new(
            "Hangup",
            EncodeErrorKind::InvalidValue {
                param: "Cause".into(),
                error: ValueError::new("-1", "an unsigned integer"),
            },
        );
        assert_eq!(chain(&encode).len(), 2);
        let send = crate::proto::SendError::Encode(encode);
        // Displayed as the encode error itself, so its source is the value error.
        assert_eq!(chain(&send).len(), 2);
    }
}

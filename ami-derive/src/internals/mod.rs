//! The front end shared by every derive: attribute parsing (`attr`), the
//! model built from the input (`ast`), the checks across fields (`check`) and
//! the error collector (`ctxt`). Code generation lives beside this module and
//! only ever sees a model that passed every check.

pub mod ast;
pub mod attr;
pub mod check;
pub mod ctxt;

/// Which derive is running; decides the attributes it accepts and what it
/// requires (a message struct must keep unknown headers, for instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derive {
    /// `#[derive(AmiFields)]`: a field group.
    Fields,
    /// `#[derive(AmiEvent)]`.
    Event,
    /// `#[derive(AmiResponse)]`.
    Response,
    /// `#[derive(AmiAction)]`.
    Action,
    /// `#[derive(AmiEnum)]`.
    Enum,
    /// `#[derive(AmiEvents)]`.
    Events,
}

impl Derive {
    /// The derive's name, as users write it.
    pub fn name(self) -> &'static str {
        match self {
            Derive::Fields => "AmiFields",
            Derive::Event => "AmiEvent",
            Derive::Response => "AmiResponse",
            Derive::Action => "AmiAction",
            Derive::Enum => "AmiEnum",
            Derive::Events => "AmiEvents",
        }
    }

    /// Whether the derive applies to enums (otherwise to structs).
    pub fn on_enum(self) -> bool {
        matches!(self, Derive::Enum | Derive::Events)
    }

    /// Whether the derive decodes whole messages, which must keep the headers
    /// no field knows in an `#[ami(extra)]` field.
    pub fn is_message(self) -> bool {
        matches!(self, Derive::Event | Derive::Response | Derive::Action)
    }
}

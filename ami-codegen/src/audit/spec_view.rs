//! What the audit needs of the spec's versions and deviations, in one place:
//! the model's [`Versions`](crate::model::Versions) and
//! [`Deviation`]s of each kind of item.

use crate::model::{Action, EnumValue, Event, Field};
pub use crate::model::{Availability, Deviation, DeviationKind, Version};

/// In which versions an item exists.
pub type Avail<'m> = Availability<'m>;

/// Availability of an action.
pub fn action_avail(a: &Action) -> Avail<'_> {
    a.versions.availability()
}

/// Availability of an event.
pub fn event_avail(e: &Event) -> Avail<'_> {
    e.versions.availability()
}

/// Availability of a parameter or field.
pub fn field_avail(f: &Field) -> Avail<'_> {
    f.versions.availability()
}

/// Availability of an enum value.
pub fn value_avail(v: &EnumValue) -> Avail<'_> {
    v.versions.availability()
}

/// Deviations of an action.
pub fn action_devs(a: &Action) -> &[Deviation] {
    &a.deviations
}

/// Deviations of an event.
pub fn event_devs(e: &Event) -> &[Deviation] {
    &e.deviations
}

/// Deviations of a parameter or field.
pub fn field_devs(f: &Field) -> &[Deviation] {
    &f.deviations
}

/// Deviations of an enum value.
pub fn value_devs(v: &EnumValue) -> &[Deviation] {
    &v.deviations
}

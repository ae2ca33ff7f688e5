//! Broken spec fixtures, one problem class each: every problem is
//! reported, each as `file:LINE:COL: message`, and nothing panics.

use std::fs;
use std::path::Path;

use ami_codegen::diagnostic::SourceFile;

fn fixtures() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/broken"
    ))
}

/// Load one fixture on its own and compare every diagnostic.
fn check(name: &str, expected: &[&str]) {
    let path = fixtures().join(format!("{name}.toml"));
    let text = fs::read_to_string(&path).unwrap();
    let source = SourceFile::new(format!("tests/fixtures/broken/{name}.toml"), text);
    let diagnostics = match ami_codegen::load_sources(vec![source]) {
        Ok(_) => panic!("{name}: the broken spec was accepted"),
        Err(d) => d,
    };
    let got: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(got, expected, "{name}");
}

#[test]
fn every_fixture_has_a_test() {
    let this = include_str!("broken_specs.rs");
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.trim_end_matches(".toml");
        assert!(
            this.contains(&format!("fn {stem}()")),
            "fixture {name} has no test"
        );
    }
}

#[test]
fn collisions() {
    check(
        "collisions",
        &[
            "tests/fixtures/broken/collisions.toml:16:8: generated type name `QueueAction` of action `QueueStatus` collides with action `Queue` (at tests/fixtures/broken/collisions.toml:5:8)",
            "tests/fixtures/broken/collisions.toml:21:8: generated type name `QueueStatus` of group `Status` of action `QueueStatus` collides with the enum of parameter `Status` of action `Queue` (at tests/fixtures/broken/collisions.toml:10:8)",
        ],
    );
}

#[test]
fn constraints() {
    check(
        "constraints",
        &[
            "tests/fixtures/broken/constraints.toml:24:30: constraint names `Contact`, which is not a parameter of action `PJSIPNotify`",
            "tests/fixtures/broken/constraints.toml:27:8: unknown constraint kind `one_of` (expected one of exactly_one, at_most_one, together, requires)",
            "tests/fixtures/broken/constraints.toml:32:11: constraint names `Channel`, a required parameter of action `PJSIPNotify`: it is always set",
            "tests/fixtures/broken/constraints.toml:34:1: a constraint of action `PJSIPNotify` needs at least two params",
        ],
    );
}

#[test]
fn duplicates() {
    check(
        "duplicates",
        &[
            "tests/fixtures/broken/duplicates.toml:14:8: parameter `channel` is listed twice in action `Hangup` (names are case-insensitive; first at line 9, column 8)",
            "tests/fixtures/broken/duplicates.toml:18:8: duplicate action `HANGUP` (names are case-insensitive; first defined at tests/fixtures/broken/duplicates.toml:5:8)",
            "tests/fixtures/broken/duplicates.toml:30:8: field `Cause` is listed twice in event `Hangup` (names are case-insensitive; first at line 26, column 8)",
            "tests/fixtures/broken/duplicates.toml:34:8: duplicate event `hangup` (names are case-insensitive; first defined at tests/fixtures/broken/duplicates.toml:22:8)",
        ],
    );
}

#[test]
fn enums() {
    check(
        "enums",
        &[
            "tests/fixtures/broken/enums.toml:10:8: parameter `Mode` of action `Park` is an enum without values: add [[...value]] entries",
            "tests/fixtures/broken/enums.toml:17:1: parameter `Timeout` of action `Park` has values but its type is `uint`, not `enum`",
            "tests/fixtures/broken/enums.toml:25:8: enum value `0` of parameter `Status` of action `Park` makes no Rust identifier: give it a rust_name",
            "tests/fixtures/broken/enums.toml:31:8: enum values `on-hold` and `OnHold` of parameter `Status` of action `Park` both map to the variant `OnHold`: give one a rust_name",
            "tests/fixtures/broken/enums.toml:34:8: enum value `unknown` of parameter `Status` of action `Park` maps to `Unknown`, the variant that keeps unlisted values: give it another rust_name",
            "tests/fixtures/broken/enums.toml:37:8: enum value `ON-HOLD` of parameter `Status` of action `Park` is listed twice (values are case-insensitive; first at line 28, column 8)",
        ],
    );
}

#[test]
fn examples() {
    check(
        "examples",
        &[
            "tests/fixtures/broken/examples.toml:17:1: example header `Cause` is not a parameter of action `Hangup`",
            "tests/fixtures/broken/examples.toml:23:1: blank line inside a wire example: it would end the message there",
            "tests/fixtures/broken/examples.toml:28:11: example request of action `Hangup` lacks the required parameter Channel, so its response must be `Response: Error`",
            "tests/fixtures/broken/examples.toml:37:1: example request of action `Hangup` must start with `Action: Hangup`",
            "tests/fixtures/broken/examples.toml:40:1: example response must start with a `Response:` header",
            "tests/fixtures/broken/examples.toml:43:1: example event `Hungup` is not an event of the spec",
            "tests/fixtures/broken/examples.toml:55:1: example of action `CoreShowChannels` has a successful list response, so it needs exactly one `CoreShowChannelsComplete` completion event (found 0)",
        ],
    );
}

#[test]
fn family_mismatch() {
    check(
        "family_mismatch",
        &[
            "tests/fixtures/broken/family_mismatch.toml:1:10: family `queues` does not match the file name: expected `family_mismatch`",
        ],
    );
}

#[test]
fn flags() {
    check(
        "flags",
        &[
            "tests/fixtures/broken/flags.toml:12:12: parameter `Variable` of action `Originate` is repeated or indexed, so it cannot be required (it is a Vec)",
            "tests/fixtures/broken/flags.toml:18:9: parameter `Codec` of action `Originate` is both repeated and indexed: choose one",
            "tests/fixtures/broken/flags.toml:23:9: unknown index style `brackets` (expected one of dash6, paren)",
            "tests/fixtures/broken/flags.toml:26:8: free parameter `Header1` cannot be required: it has no field",
            "tests/fixtures/broken/flags.toml:34:11: example `soon` of parameter `Timeout` of action `Originate` is not a valid `uint`",
        ],
    );
}

#[test]
fn implicit_fields() {
    check(
        "implicit_fields",
        &[
            "tests/fixtures/broken/implicit_fields.toml:9:8: parameter name `ActionID` is a framing header the runtime writes itself",
            "tests/fixtures/broken/implicit_fields.toml:15:8: field `Message` of the response of action `Ping` is implicit (every response has `message`): remove it",
            "tests/fixtures/broken/implicit_fields.toml:19:8: field name `EventList` is a framing header the runtime consumes itself",
            "tests/fixtures/broken/implicit_fields.toml:27:8: field `Privilege` of event `Pong` is implicit (every event has `privilege`): remove it",
            "tests/fixtures/broken/implicit_fields.toml:31:8: field name `Event` is a framing header the runtime consumes itself",
            "tests/fixtures/broken/implicit_fields.toml:35:8: field `Timestamp` of event `Pong` is implicit (every event has `timestamp`): remove it",
            "tests/fixtures/broken/implicit_fields.toml:39:8: field `SystemName` of event `Pong` is implicit (every event has `system_name`): remove it",
        ],
    );
}

#[test]
fn list_response() {
    check(
        "list_response",
        &[
            "tests/fixtures/broken/list_response.toml:9:8: the response of action `QueueStatus` is a list without `complete` (the completion event)",
            "tests/fixtures/broken/list_response.toml:18:12: `complete` is for list responses, but the response of action `QueueSummary` is `single`",
            "tests/fixtures/broken/list_response.toml:25:8: unknown response kind `text` (expected one of single, list, command, raw, goodbye)",
        ],
    );
}

#[test]
fn misplaced() {
    check(
        "misplaced",
        &["tests/fixtures/broken/misplaced.toml:4:1: shared groups belong in spec/common.toml"],
    );
}

#[test]
fn rust_names() {
    check(
        "rust_names",
        &[
            "tests/fixtures/broken/rust_names.toml:13:8: `CallerID` and `Caller-ID` of action `Setvar` both map to the Rust field `caller_id`: give one a rust_name",
            "tests/fixtures/broken/rust_names.toml:17:8: `Extra` of action `Setvar` maps to the Rust field `extra`, which every such struct has: give it another rust_name",
            "tests/fixtures/broken/rust_names.toml:21:8: parameter `3rdParty` of action `Setvar` makes no Rust field name: give it a rust_name",
            "tests/fixtures/broken/rust_names.toml:26:13: rust_name `Value` of parameter `Value` of action `Setvar` is not a snake_case Rust identifier (keywords take a trailing `_`)",
            "tests/fixtures/broken/rust_names.toml:30:8: event `0Event` makes no Rust identifier: give it a rust_name",
            "tests/fixtures/broken/rust_names.toml:34:8: event name ` DataGet Tree` cannot be matched: it is empty, or holds `:`, a control character, or whitespace other than inner spaces",
            "tests/fixtures/broken/rust_names.toml:39:8: `Named\tCallgroup` cannot be a header name: it is empty, or holds `:`, a control character, or whitespace other than inner spaces",
        ],
    );
}

#[test]
fn syntax_error() {
    check(
        "syntax_error",
        &["tests/fixtures/broken/syntax_error.toml:7:28: invalid basic string (in action `Ping`)"],
    );
}

#[test]
fn unknown_key() {
    check(
        "unknown_key",
        &[
            "tests/fixtures/broken/unknown_key.toml:7:1: unknown field `returns`, expected one of `name`, `rust_name`, `synopsis`, `description`, `module`, `privilege`, `since`, `deprecated`, `removed`, `note`, `deviation`, `see_also`, `events`, `param`, `group`, `constraint`, `response`, `example` (in action `Ping`)",
        ],
    );
}

#[test]
fn unknown_refs() {
    check(
        "unknown_refs",
        &[
            "tests/fixtures/broken/unknown_refs.toml:7:13: see_also of action `Status` names unknown action `Hangup`",
            "tests/fixtures/broken/unknown_refs.toml:8:11: events of action `Status` names unknown event `Newchannel`",
            "tests/fixtures/broken/unknown_refs.toml:13:12: complete of the response of action `Status` names unknown event `StatusDone`",
            "tests/fixtures/broken/unknown_refs.toml:20:9: event `Status` uses unknown group `ChannelSnap`",
        ],
    );
}

#[test]
fn unknown_type() {
    check(
        "unknown_type",
        &[
            "tests/fixtures/broken/unknown_type.toml:10:8: unknown type `integer` of parameter `Cause` of action `Hangup` (expected one of string, int, uint, float, bool, var, enum)",
        ],
    );
}

#[test]
fn unsatisfiable() {
    check(
        "unsatisfiable",
        &[
            "tests/fixtures/broken/unsatisfiable.toml:16:1: the constraints of action `Redirect` cannot all hold at once",
        ],
    );
}

#[test]
fn versions() {
    check(
        "versions",
        &[
            "tests/fixtures/broken/versions.toml:7:9: invalid version `Asterisk 20.4`: it does not have three parts (expected MAJOR.MINOR.PATCH, like `18.19.0`), in `since` of action `CoreShowChannelMap`",
            "tests/fixtures/broken/versions.toml:8:14: invalid version `21`: it does not have three parts (expected MAJOR.MINOR.PATCH, like `18.19.0`), in `deprecated` of action `CoreShowChannelMap`",
            "tests/fixtures/broken/versions.toml:9:23: unknown deviation kind `optional` of action `CoreShowChannelMap` (expected one of undocumented, required, type, values, missing, renamed)",
            "tests/fixtures/broken/versions.toml:14:21: `since` of parameter `Channel` of action `CoreShowChannelMap` lists branch 18 twice (18.19.0 and 18.20.0): keep the first release of each branch",
            "tests/fixtures/broken/versions.toml:14:32: invalid version `20.x.0`: a part is not a decimal number (expected MAJOR.MINOR.PATCH, like `18.19.0`), in `since` of parameter `Channel` of action `CoreShowChannelMap`",
            "tests/fixtures/broken/versions.toml:15:14: the `missing` deviation of parameter `Channel` of action `CoreShowChannelMap` needs `name`: the name in Asterisk's documentation",
            "tests/fixtures/broken/versions.toml:15:81: the `required` deviation of parameter `Channel` of action `CoreShowChannelMap` gives no reason: say why in `why`",
            "tests/fixtures/broken/versions.toml:22:11: action `SIPpeers` is removed in 21.0.0, before it is deprecated (22.0.0)",
            "tests/fixtures/broken/versions.toml:22:11: action `SIPpeers` is removed in 21.0.0, no later than its `since` 21.0.0",
            "tests/fixtures/broken/versions.toml:27:9: `since` of event `Cdr` is an empty list: remove it or list a version",
            "tests/fixtures/broken/versions.toml:35:14: invalid version `1.2.3.4`: it does not have three parts (expected MAJOR.MINOR.PATCH, like `18.19.0`), in `deprecated` of value `ANSWERED` of field `Disposition` of event `Cdr`",

        ],
    );
}

#[test]
fn secret() {
    check(
        "secret",
        &[
            "tests/fixtures/broken/secret.toml:11:10: parameter `Key` of action `Login` is secret, which only a `string` can be, not `uint`",
            "tests/fixtures/broken/secret.toml:20:10: field `Password` of event `AuthDetail` is secret, which only a `string` can be, not `bool`",
        ],
    );
}

#[test]
fn missing_key() {
    check(
        "missing_key",
        &[
            "tests/fixtures/broken/missing_key.toml:13:1: missing field `type` (in parameter `Cause` of action `Hangup`)",
        ],
    );
}

#[test]
fn misspelt_key() {
    check(
        "misspelt_key",
        &[
            "tests/fixtures/broken/misspelt_key.toml:6:1: unknown field `synopis`, expected one of `name`, `user_event`, `rust_name`, `synopsis`, `description`, `privilege`, `since`, `deprecated`, `removed`, `note`, `deviation`, `use`, `field` (did you mean `synopsis`?) (in event `Hangup`)",
        ],
    );
}

#[test]
fn misspelt_refs() {
    check(
        "misspelt_refs",
        &[
            "tests/fixtures/broken/misspelt_refs.toml:7:13: see_also of action `Status` names unknown action `Stauts` (did you mean `Status`?)",
            "tests/fixtures/broken/misspelt_refs.toml:8:11: events of action `Status` names unknown event `Newchanel` (did you mean `Newchannel`?)",
            "tests/fixtures/broken/misspelt_refs.toml:12:8: unknown type `unit` of parameter `Timeout` of action `Status` (did you mean `uint`?) (expected one of string, int, uint, float, bool, var, enum)",
        ],
    );
}

//! User specs (`ami_codegen::Builder`): validated against the base spec
//! compiled into the crate, every problem located in the user's file, and
//! the Rust they give.

use std::fs;
use std::path::PathBuf;

use ami_codegen::builder::load_user_sources;
use ami_codegen::diagnostic::SourceFile;
use ami_codegen::{Builder, RegenError};

/// The diagnostics of one user file `spec/<stem>.toml`.
fn problems(stem: &str, text: &str) -> Vec<String> {
    let source = SourceFile::new(format!("spec/{stem}.toml"), text);
    match load_user_sources(vec![source]) {
        Ok(_) => panic!("the broken user spec was accepted"),
        Err(d) => d.iter().map(ToString::to_string).collect(),
    }
}

const HEAD: &str = "family = \"billing\"\ntitle = \"Billing\"\n";

#[test]
fn names_of_the_base_spec_are_taken() {
    let text = format!(
        "{HEAD}
[[action]]
name = \"hangup\"
synopsis = \"Mine.\"

[[event]]
name = \"Newchannel\"
synopsis = \"Mine.\"

[[group]]
name = \"ChannelSnapshot\"
[[group.field]]
name = \"X\"
type = \"string\"
"
    );
    let got = problems("billing", &text);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[0].starts_with(
        "spec/billing.toml:5:8: action `hangup` is already defined by the base spec (at the base spec's spec/channel.toml:"
    ), "{}", got[0]);
    assert!(
        got[0].ends_with("): a user spec adds names of its own"),
        "{}",
        got[0]
    );
    assert!(got[1].starts_with(
        "spec/billing.toml:9:8: event `Newchannel` is already defined by the base spec (at the base spec's spec/channel.toml:"
    ), "{}", got[1]);
    assert!(got[1].ends_with(
        "): a user spec adds events of its own, or subtypes of `UserEvent` (`user_event = \"...\"`)"
    ), "{}", got[1]);
    assert!(got[2].starts_with(
        "spec/billing.toml:13:8: group `ChannelSnapshot` is already defined by the base spec (at the base spec's spec/common.toml:"
    ), "{}", got[2]);
}

#[test]
fn families_of_the_base_spec_are_taken() {
    let got = problems("queue", "family = \"queue\"\ntitle = \"Mine\"\n");
    assert_eq!(
        got,
        ["spec/queue.toml:1:10: family `queue` is a family of the base spec (spec/queue.toml, `ami_generated::queue`): give the file and its family another name"]
    );
}

#[test]
fn references_are_checked_against_both_specs() {
    let text = format!(
        "{HEAD}
[[action]]
name = \"BillingList\"
synopsis = \"List.\"
see_also = [\"CoreShowChannels\", \"NoSuchAction\"]
events = [\"Hangup\", \"UserEvent: NoSuchSubtype\"]
[action.response]
kind = \"list\"
items = [\"UserEvent: Charge\", \"CoreShowChannel\"]
complete = \"UserEvent: Charge\"

[[event]]
name = \"UserEvent\"
user_event = \"Charge\"
synopsis = \"A charge.\"
[[event.use]]
group = \"ChannelSnaphot\"
"
    );
    assert_eq!(
        problems("billing", &text),
        [
            "spec/billing.toml:7:33: see_also of action `BillingList` names unknown action `NoSuchAction`",
            "spec/billing.toml:8:21: events of action `BillingList` names unknown event `UserEvent: NoSuchSubtype`",
            "spec/billing.toml:11:10: event `UserEvent: Charge` is both an item and the completion event",
            "spec/billing.toml:12:12: complete of the response of action `BillingList` is `UserEvent: Charge`, a subtype of `UserEvent`: a list ends on an event told apart by its `Event` header alone",
            "spec/billing.toml:19:9: event `UserEvent: Charge` uses unknown group `ChannelSnaphot` (did you mean `ChannelSnapshot`?)",
        ]
    );
}

#[test]
fn subtypes_are_checked() {
    let text = format!(
        "{HEAD}
[[event]]
name = \"Hangup2\"
user_event = \"Charge\"
synopsis = \"Not a UserEvent.\"

[[event]]
name = \"UserEvent\"
user_event = \"Charge\"
synopsis = \"A charge.\"

[[event]]
name = \"userevent\"
user_event = \"charge\"
synopsis = \"The same subtype.\"

[[event]]
name = \"UserEvent\"
user_event = \"Bad: name\"
synopsis = \"Unmatchable.\"

[[event]]
name = \"UserEvent\"
user_event = \"Asterisk\"
synopsis = \"The name of the fallback variant.\"
"
    );
    assert_eq!(
        problems("billing", &text),
        [
            "spec/billing.toml:6:14: user_event `Charge` makes a subtype of `UserEvent`, selected by its `UserEvent` header: event `Hangup2` has no such header (name the event `UserEvent`)",
            "spec/billing.toml:16:14: duplicate event `userevent: charge` (names are case-insensitive; first defined at spec/billing.toml:11:14)",
            "spec/billing.toml:21:14: user_event `Bad: name` cannot be matched: it is empty, or holds `:`, a control character, or whitespace other than inner spaces",
            "spec/billing.toml:26:14: event Rust name `Asterisk` is reserved for the variant of the user's event enum that holds `ami_generated::Event`: give it another rust_name",
        ]
    );
}

/// A fresh directory under the target dir's temp area.
fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_builder_writes_one_file_for_include() {
    let root = temp_dir("user_spec_ok");
    let spec = root.join("spec");
    fs::create_dir_all(&spec).unwrap();
    fs::write(
        spec.join("billing.toml"),
        format!(
            "{HEAD}
[[action]]
name = \"BillingCharge\"
synopsis = \"Charge a call.\"
events = [\"UserEvent: Charge\"]
[[action.param]]
name = \"Channel\"
type = \"string\"
required = true

[[event]]
name = \"UserEvent\"
user_event = \"Charge\"
synopsis = \"A charge.\"
[[event.use]]
group = \"ChannelSnapshot\"
[[event.field]]
name = \"Amount\"
type = \"float\"
required = true
"
        ),
    )
    .unwrap();
    let out = root.join("out");
    fs::create_dir_all(&out).unwrap();
    let path = Builder::new(&spec)
        .event_enum("BillingEvent")
        .rerun_if_changed(false)
        .generate_to(&out)
        .unwrap();
    assert_eq!(path, out.join("ami_spec.rs"));
    let code = fs::read_to_string(&path).unwrap();
    assert!(
        code.starts_with("// @generated by ami_codegen::Builder from "),
        "{code}"
    );
    // No inner attribute at the top: `include!` refuses them.
    assert!(
        !code
            .lines()
            .any(|l| l.starts_with("#!") || l.starts_with("//!")),
        "{code}"
    );
    for expected in [
        "pub mod billing {",
        "use ::ami_generated::common::ChannelSnapshot;",
        "#[ami(action = \"BillingCharge\", response = Ack, shape = \"single\")]",
        "#[ami(event = \"UserEvent\", user_event = \"Charge\")]",
        "pub struct ChargeEvent {",
        "/// * [`ChargeEvent`]: A charge.",
        "pub enum BillingEvent {",
        "#[ami(name = \"UserEvent\", user_event = \"Charge\")]",
        "Charge(Box<self::billing::ChargeEvent>),",
        "#[ami(fallback)]",
        "Asterisk(::ami_generated::Event),",
    ] {
        assert!(code.contains(expected), "missing {expected:?} in\n{code}");
    }
    // Generating again gives the same bytes.
    assert_eq!(
        Builder::new(&spec)
            .event_enum("BillingEvent")
            .generate()
            .unwrap(),
        code
    );
}

#[test]
fn builder_errors_say_where() {
    let root = temp_dir("user_spec_broken");
    fs::write(
        root.join("billing.toml"),
        format!("{HEAD}\n[[event]]\nname = \"Hangup\"\n"),
    )
    .unwrap();
    let err = Builder::new(&root)
        .rerun_if_changed(false)
        .generate()
        .unwrap_err();
    let RegenError::Spec(diags) = &err else {
        panic!("{err}");
    };
    assert_eq!(diags.len(), 1, "{err}");
    let prefix = root.to_string_lossy().replace('\\', "/");
    let shown = format!("{err:?}");
    assert!(
        shown.starts_with(&format!(
            "{prefix}/billing.toml:4:1: missing field `synopsis`"
        )),
        "{shown}"
    );
    assert!(shown.ends_with("error: the spec has 1 problem"), "{shown}");

    let err = Builder::new(&root)
        .event_enum("my_events")
        .generate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: ami_codegen::Builder: event_enum `my_events` is not an UpperCamelCase Rust identifier"
    );
    let empty = temp_dir("user_spec_empty");
    let err = Builder::new(&empty).generate().unwrap_err();
    assert!(
        err.to_string()
            .ends_with("no spec file (*.toml) in this directory"),
        "{err}"
    );
}

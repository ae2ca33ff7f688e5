//! Behaviour beyond the contract: corner cases of decoding and encoding that
//! the generated code must get right (nested groups, error naming, events
//! enums without an unknown variant, `#[cfg]` on variants...).

use ami_runtime::derive::{AmiAction, AmiEnum, AmiEvent, AmiEvents, AmiFields};
use ami_runtime::wire::{
    decode_message, encode_action, encode_event, Ack, Action, AmiBool, AmiStr, DecodeErrorKind,
    EncodeErrorKind, Event, FieldError, Fields, FromEvent, Header, Message, MessageRole, Var,
    WireValue,
};

/// A value with two spellings.
#[derive(Clone, Debug, PartialEq, Eq, AmiEnum)]
pub enum Mode {
    /// On.
    #[ami(value = "on")]
    On,
    /// Off.
    #[ami(value = "Off")]
    Off,
    /// Other.
    #[ami(unknown)]
    Unknown(String),
}

/// A variable line inside a category (`Line-000002-000001`).
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Category {
    /// Name.
    #[ami(name = "Category", required)]
    pub name: String,
    /// Lines, indexed by a second index.
    #[ami(name = "Line", index = "dash6")]
    pub lines: Vec<String>,
}

/// A group nested under two prefixes.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Inner {
    /// Id.
    #[ami(name = "Id", required)]
    pub id: String,
    /// Flag.
    #[ami(name = "Flag")]
    pub flag: Option<AmiBool>,
}

/// Wraps Inner under a prefix of its own.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Outer {
    /// The inner group.
    #[ami(flatten, prefix = "In")]
    pub inner: Inner,
    /// Its own value.
    #[ami(name = "Mode")]
    pub mode: Option<Mode>,
}

/// An event with nested groups and indexed groups.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "Nested")]
pub struct NestedEvent {
    /// Outer group under a prefix.
    #[ami(flatten, prefix = "Out")]
    pub outer: Option<Outer>,
    /// Categories.
    #[ami(group, index = "dash6")]
    pub categories: Vec<Category>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// A second event.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "Other")]
pub struct OtherEvent {
    /// Value.
    #[ami(name = "Value")]
    pub value: Option<i64>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// Events without an unknown variant; one variant is configured out.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
pub enum Closed {
    /// Nested.
    #[ami(name = "Nested")]
    Nested(NestedEvent),
    /// Other.
    #[cfg(test)]
    #[ami(name = "Other")]
    Other(OtherEvent),
    /// Never compiled.
    #[cfg(not(test))]
    #[ami(name = "Ghost")]
    Ghost(DoesNotExist),
}

/// An action with `at_most_one` and no other parameter kinds.
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Pick", response = Ack)]
#[ami(at_most_one(a, b))]
pub struct PickAction {
    /// A.
    #[ami(name = "A")]
    pub a: Option<String>,
    /// B.
    #[ami(name = "B", repeated)]
    pub b: Vec<String>,
    /// Extra headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// An action with an enumeration and a boolean that keeps its spelling.
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "SetMode", response = Ack)]
pub struct SetModeAction {
    /// Mode.
    #[ami(name = "Mode", required)]
    pub mode: Mode,
    /// Flag.
    #[ami(name = "Flag")]
    pub flag: Option<AmiBool>,
    /// Extra headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// An action whose extra field is declared first and is not called `extra`.
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Raw", response = "ami_runtime::wire::RawText", shape = "raw")]
pub struct RawAction {
    /// Extra headers.
    #[ami(extra)]
    pub unknown: Vec<Header>,
    /// Channel.
    #[ami(name = "Channel", required)]
    pub r#type: String,
}

fn msg(text: &str) -> Message {
    Message::parse_block(text).unwrap()
}

#[test]
fn enum_values_and_expected() {
    assert_eq!(Mode::VALUES, ["on", "Off"]);
    assert_eq!(Mode::EXPECTED, "one of on, Off");
    assert_eq!(Mode::parse_wire(" OFF ").unwrap(), Mode::Off);
    assert_eq!(Mode::Unknown("x".into()).to_string(), "x");
    let err = Mode::Unknown("x".into()).check_wire().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value \"x\": expected one of on, Off"
    );
}

#[test]
fn nested_prefixes_and_indexes_decode() {
    let m = msg("Event: Nested\nOutInId: 7\noutinflag: Yes\nOutMode: ON\n\
        Category-000001: b\nLine-000001-000001: b1\nLine-000001-000000: b0\n\
        Category-000000: a\nFoo-123456: kept\n");
    let e = NestedEvent::from_event(&m).unwrap();
    let outer = e.outer.as_ref().unwrap();
    assert_eq!(outer.inner.id, "7");
    assert_eq!(outer.inner.flag.as_ref().unwrap().text, "Yes");
    assert_eq!(outer.mode, Some(Mode::On));
    assert_eq!(e.categories.len(), 2);
    assert_eq!(e.categories[0].name, "a");
    assert_eq!(e.categories[1].lines, ["b0", "b1"]);
    // An indexed header no entry knows creates no entry and is kept.
    assert_eq!(e.extra, [Header::new("Foo-123456", "kept")]);
}

#[test]
fn missing_fields_are_named_with_prefixes_and_indexes() {
    let err = NestedEvent::from_event(&msg("Event: Nested\nOutInFlag: no\n")).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::Field(FieldError::Missing {
            field: "OutInId".into()
        })
    );
    let err = NestedEvent::from_event(&msg("Event: Nested\nLine-000003-000000: x\n")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event Nested: missing required field Category-000003"
    );
}

#[test]
fn groups_decode_directly_under_a_prefix() {
    let m = msg("InId: 1\nInFlag: 1\nInFlag: on\nInFlag: off\n");
    let outer: Outer = decode_message(&m, MessageRole::Event, String::new).unwrap();
    // `on` says the same as `1` for a boolean and is dropped; `off` is not,
    // and a group has no extra field: the message owner keeps it.
    assert_eq!(outer.inner.flag.unwrap().text, "1");
}

#[test]
fn wrong_event_is_refused() {
    let err = OtherEvent::from_event(&msg("Event: Nested\n")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event Other: expected Event: Other, found Event: Nested"
    );
    assert!(OtherEvent::accepts("OTHER"));
    assert_eq!(<OtherEvent as Event>::NAME, "Other");
}

#[test]
fn closed_events_enum() {
    assert!(Closed::accepts("other"));
    assert!(!Closed::accepts("ghost"));
    let e = Closed::from_event(&msg("Event: OTHER\nValue: 3\nX: y\n")).unwrap();
    assert_eq!(e.name(), "Other");
    let mut unknown = Vec::new();
    e.unknown_headers(&mut unknown);
    assert_eq!(unknown, [&Header::new("X", "y")]);
    let err = Closed::from_event(&msg("Event: Ghost\n")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event Ghost: expected one of Nested, Other, found Event: Ghost"
    );
    let err = Closed::from_event(&msg("Response: Success\n")).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::Unexpected { .. }));
}

/// Events with an unknown variant.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
pub enum Open {
    /// Nested.
    #[ami(name = "Nested")]
    Nested(NestedEvent),
    /// Other, boxed.
    #[ami(name = "Other")]
    Other(Box<OtherEvent>),
    /// Anything else.
    #[ami(unknown)]
    Unknown(Message),
}

#[test]
fn decoding_from_the_read_buffer_matches_decoding_an_owned_copy() {
    let stream = "Event: Nested\r\nOutInId: 7\r\noutinflag: Yes\r\nCategory-000000: a\r\n\
        Line-000000-000001: l1\r\nLine-000000-000000: l0\r\nNew: x\r\n\r\n\
        Event: OTHER\r\nValue: 3\r\nValue: 4\r\n\r\n\
        Event: Ghost\r\nA: b\r\n\r\n\
        Event: Other\r\nValue: three\r\n\r\n\
        Event: Nested\r\nOutInFlag: no\r\n\r\n\
        Response: Success\r\n\r\n";
    let mut framer = ami_runtime::proto::Framer::new();
    framer.feed(stream.as_bytes());
    let mut seen = 0;
    while let Some(produced) = framer.advance() {
        assert_eq!(produced, ami_runtime::proto::Produced::Message);
        let raw = framer.message().unwrap();
        let owned = raw.to_message();
        assert_eq!(Open::from_event(&raw), Open::from_event(&owned));
        assert_eq!(raw.decode_event::<Open>(), Open::from_event(&owned));
        assert_eq!(Closed::from_event(&raw), Closed::from_event(&owned));
        assert_eq!(
            NestedEvent::from_event(&raw),
            NestedEvent::from_event(&owned)
        );
        assert_eq!(
            <Box<OtherEvent>>::from_event(&raw),
            OtherEvent::from_event(&owned).map(Box::new)
        );
        seen += 1;
    }
    assert_eq!(seen, 6);
    let ghost = msg("Event: Ghost\nA: b\n");
    assert_eq!(Open::from_event(&ghost), Ok(Open::Unknown(ghost.clone())));
    let other = Open::from_event(&msg("Event: other\nValue: 3\nX: y\n")).unwrap();
    assert_eq!(other.name(), "Other");
    assert!(matches!(&other, Open::Other(e) if e.value == Some(3)));
    assert!(<Box<OtherEvent>>::accepts("OTHER"));
    let mut unknown = Vec::new();
    other.unknown_headers(&mut unknown);
    assert_eq!(unknown, [&Header::new("X", "y")]);
}

fn encode<A: Action>(a: &A) -> Result<String, ami_runtime::wire::EncodeError> {
    let mut out = Vec::new();
    encode_action(a, None, &mut out).map(|()| String::from_utf8(out).unwrap())
}

#[test]
fn at_most_one_and_repeated_counts_as_set() {
    let a = PickAction::new().with_a("x").with_b(vec!["y".into()]);
    assert_eq!(
        encode(&a).unwrap_err().to_string(),
        "action Pick: constraint violated: at most one of A, B"
    );
    let a = PickAction::new().with_b(vec!["y".into(), "z".into()]);
    assert_eq!(encode(&a).unwrap(), "Action: Pick\r\nB: y\r\nB: z\r\n\r\n");
}

#[test]
fn enums_and_spelled_booleans_encode_as_spelled_and_unknown_values_are_refused() {
    let flag = |text: &str| AmiBool {
        value: true,
        text: text.to_owned().into(),
    };
    let a = SetModeAction::new(Mode::On).with_flag(flag("Yes"));
    assert_eq!(
        encode(&a).unwrap(),
        "Action: SetMode\r\nMode: on\r\nFlag: Yes\r\n\r\n"
    );
    let a = SetModeAction::new(Mode::Off).with_flag(AmiBool::new(false));
    assert_eq!(
        encode(&a).unwrap(),
        "Action: SetMode\r\nMode: Off\r\nFlag: false\r\n\r\n"
    );
    for unknown in ["x", "", "a\r\nAction: Logoff"] {
        let a = SetModeAction::new(Mode::Unknown(unknown.into()));
        assert_eq!(
            encode(&a).unwrap_err().to_string(),
            format!(
                "action SetMode: parameter Mode: invalid value {unknown:?}: expected one of on, Off"
            )
        );
    }
    let a = SetModeAction::new(Mode::On).with_flag(flag("maybe"));
    assert_eq!(
        encode(&a).unwrap_err().to_string(),
        "action SetMode: parameter Flag: invalid value \"maybe\": \
         expected a boolean (yes/no, true/false, 1/0, on/off)"
    );
    let a = SetModeAction::new(Mode::On).with_flag(flag("yes\r\nAction: Logoff"));
    assert!(encode(&a).is_err());
}

#[test]
fn extra_headers_go_last_and_round_trip() {
    let a = RawAction::new("SIP/1").with_unknown(vec![Header::new("X-Y", "z")]);
    let text = encode(&a).unwrap();
    assert_eq!(text, "Action: Raw\r\nChannel: SIP/1\r\nX-Y: z\r\n\r\n");
    assert_eq!(RawAction::from_message(&msg(&text)).unwrap(), a);
    let err = RawAction::from_message(&msg("Action: Other\n")).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::Unexpected { .. }));
    assert_eq!(RawAction::SHAPE, ami_runtime::wire::ResponseShape::RawText);
}

#[test]
fn groups_encode_with_prefixes_and_indexes() {
    let mut out = Vec::new();
    let mut enc = ami_runtime::wire::Encoder::new(&mut out, "T");
    let e = NestedEvent {
        outer: Some(Outer::new(Inner::new("1").with_flag(AmiBool::new(true))).with_mode(Mode::Off)),
        categories: vec![
            Category::new("a"),
            Category::new("b").with_lines(vec!["l0".into(), "l1".into()]),
        ],
        extra: Vec::new(),
    };
    Fields::encode(&e, &mut enc).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "OutInId: 1\r\nOutInFlag: true\r\nOutMode: Off\r\nCategory-000000: a\r\n\
         Category-000001: b\r\nLine-000001-000000: l0\r\nLine-000001-000001: l1\r\n"
    );
}

/// Throughput of typed decoding; run with
/// `cargo test --release -p ami-derive --test behaviour -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, meaningful in release mode only"]
fn decode_throughput() {
    let text = "Event: Nested\r\nPrivilege: call,all\r\nOutInId: 1494854593.3149\r\n\
        OutInFlag: Yes\r\nOutMode: on\r\nCategory-000000: general\r\n\
        Line-000000-000000: context=default\r\nLine-000000-000001: allow=ulaw\r\n\
        Category-000001: trunk\r\nLine-000001-000000: host=dynamic\r\nSomethingNew: 42\r\n\r\n";
    let m = msg(text);
    let rounds = 200_000;
    let start = std::time::Instant::now();
    let mut total = 0;
    for _ in 0..rounds {
        let e = NestedEvent::from_event(std::hint::black_box(&m)).unwrap();
        total += e.categories.len();
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(total, 2 * rounds);
    let mb = (text.len() * rounds) as f64 / 1e6;
    println!("decoded {mb:.0} MB of headers at {:.0} MB/s", mb / secs);
}

/// A subtype of `UserEvent`, selected by its `UserEvent` header.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "UserEvent", user_event = "Quality")]
pub struct QualityEvent {
    /// Score.
    #[ami(name = "Score", required)]
    pub score: u64,
    /// Headers this struct does not know.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// Any `UserEvent`.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "UserEvent")]
pub struct AnyUserEvent {
    /// The subtype.
    #[ami(name = "UserEvent", required)]
    pub user_event: String,
    /// Headers this struct does not know.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// The events a "base" crate knows.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
pub enum BaseEvents {
    /// Any `UserEvent`.
    #[ami(name = "UserEvent")]
    UserEvent(AnyUserEvent),
    /// Other.
    #[ami(name = "Other")]
    Other(OtherEvent),
    /// The rest.
    #[ami(unknown)]
    Unknown(Message),
}

/// A user's events: its subtype first (declared after the plain
/// `UserEvent`, still tried first), then the base enum.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
pub enum MyEvents {
    /// A plain `UserEvent` of this enum's own.
    #[ami(name = "UserEvent")]
    AnyUser(AnyUserEvent),
    /// The subtype.
    #[ami(name = "UserEvent", user_event = "Quality")]
    Quality(QualityEvent),
    /// Everything else.
    #[ami(fallback)]
    Base(BaseEvents),
}

/// A subtype and a fallback without a plain `UserEvent`.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
pub enum Layered {
    /// The subtype.
    #[ami(name = "UserEvent", user_event = "Quality")]
    Quality(Box<QualityEvent>),
    /// Everything else.
    #[ami(fallback)]
    Base(BaseEvents),
}

/// Only the subtype: other events are refused.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
pub enum OnlyQuality {
    /// The subtype.
    #[ami(name = "UserEvent", user_event = "Quality")]
    Quality(QualityEvent),
}

#[test]
fn a_user_event_subtype_checks_and_consumes_its_header() {
    let quality = msg("Event: UserEvent\nuserevent: QUALITY\nScore: 4\nNote: x\n");
    let e = QualityEvent::from_event(&quality).unwrap();
    assert_eq!(e.score, 4);
    assert_eq!(e.extra, [Header::new("Note", "x")]);
    assert_eq!(<QualityEvent as Event>::USER_EVENT, Some("Quality"));
    // The name is necessary, the header decides.
    assert!(QualityEvent::accepts("userevent"));
    assert!(QualityEvent::accepts_message(&quality, "UserEvent"));
    let other = msg("Event: UserEvent\nUserEvent: Other\nScore: 4\n");
    assert!(!QualityEvent::accepts_message(&other, "UserEvent"));
    assert_eq!(
        QualityEvent::from_event(&other).unwrap_err().to_string(),
        "event UserEvent Quality: expected UserEvent: Quality, found UserEvent: Other"
    );
    let bare = msg("Event: UserEvent\nScore: 4\n");
    assert_eq!(
        QualityEvent::from_event(&bare).unwrap_err().to_string(),
        "event UserEvent Quality: expected UserEvent: Quality, found no UserEvent header"
    );
    // Encoding writes the header right after `Event`.
    let mut out = Vec::new();
    encode_event(&e, &mut out).unwrap();
    assert_eq!(
        out,
        b"Event: UserEvent\r\nUserEvent: Quality\r\nScore: 4\r\nNote: x\r\n\r\n"
    );
}

#[test]
fn enums_pick_subtypes_first_then_fall_back() {
    let quality = msg("Event: UserEvent\nUserEvent: quality\nScore: 2\n");
    let other_user = msg("Event: UserEvent\nUserEvent: Other\n");
    let other = msg("Event: Other\nValue: 1\n");
    let ghost = msg("Event: Ghost\nX: y\n");

    assert!(
        matches!(MyEvents::from_event(&quality).unwrap(), MyEvents::Quality(q) if q.score == 2)
    );
    assert!(
        matches!(MyEvents::from_event(&other_user).unwrap(), MyEvents::AnyUser(u) if u.user_event == "Other")
    );
    assert!(matches!(
        MyEvents::from_event(&other).unwrap(),
        MyEvents::Base(BaseEvents::Other(_))
    ));
    let unknown = MyEvents::from_event(&ghost).unwrap();
    assert!(matches!(&unknown, MyEvents::Base(BaseEvents::Unknown(_))));
    assert_eq!(unknown.name(), "Ghost");
    let mut headers = Vec::new();
    unknown.unknown_headers(&mut headers);
    assert_eq!(headers.len(), 2, "{headers:?}");

    assert!(matches!(
        Layered::from_event(&quality).unwrap(),
        Layered::Quality(_)
    ));
    let fell = Layered::from_event(&other_user).unwrap();
    assert!(matches!(&fell, Layered::Base(BaseEvents::UserEvent(_))));
    assert_eq!(fell.name(), "UserEvent");
    let mut out = Vec::new();
    fell.encode(&mut out).unwrap();
    assert_eq!(out, b"Event: UserEvent\r\nUserEvent: Other\r\n\r\n");
    assert!(Layered::accepts("anything"));
    assert!(Layered::accepts_message(&other_user, "UserEvent"));

    assert!(OnlyQuality::accepts("UserEvent"));
    assert!(!OnlyQuality::accepts("Other"));
    assert!(OnlyQuality::accepts_message(&quality, "UserEvent"));
    assert!(!OnlyQuality::accepts_message(&other_user, "UserEvent"));
    assert_eq!(
        OnlyQuality::from_event(&other_user)
            .unwrap_err()
            .to_string(),
        "event UserEvent: expected one of UserEvent (Quality), found Event: UserEvent"
    );
}

/// A group with a list, to write under a prefix.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Listed {
    /// Tags.
    #[ami(name = "Tag", repeated)]
    pub tags: Vec<String>,
    /// A variable.
    #[ami(name = "V")]
    pub v: Option<Var>,
}

/// Every kind of entry of a derived encoding table, mixed, the extra
/// headers declared in the middle.
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Table", response = Ack)]
pub struct TableAction {
    /// A number.
    #[ami(name = "Count", required)]
    pub count: u32,
    /// Extra headers (written last).
    #[ami(extra)]
    pub extra: Vec<Header>,
    /// A number of the same type as `count`, in the same run.
    #[ami(name = "Total")]
    pub total: u32,
    /// An enumeration.
    #[ami(name = "Mode")]
    pub mode: Option<Mode>,
    /// Never set here.
    #[ami(name = "Absent")]
    pub absent: Option<i64>,
    /// Variables.
    #[ami(name = "Variable", repeated)]
    pub variables: Vec<Var>,
    /// Repeated numbers, in one run with the indexed ones.
    #[ami(name = "Num", repeated)]
    pub nums: Vec<u64>,
    /// Indexed numbers.
    #[ami(name = "Line", index = "paren")]
    pub lines: Vec<u64>,
    /// A group without a prefix.
    #[ami(flatten)]
    pub plain: Inner,
    /// An optional group, present.
    #[ami(flatten, prefix = "Opt")]
    pub optional: Option<Listed>,
    /// An optional group, absent.
    #[ami(flatten, prefix = "None")]
    pub none: Option<Listed>,
    /// Indexed groups.
    #[ami(group, index = "dash6")]
    pub categories: Vec<Category>,
    /// Text.
    #[ami(name = "Last")]
    pub last: Option<String>,
    /// Text, absent, in a run of three.
    #[ami(name = "Gap")]
    pub gap: Option<String>,
    /// Text, last of the fields.
    #[ami(name = "Tail")]
    pub tail: Option<String>,
}

fn table_action() -> TableAction {
    TableAction::new(3u32, 4u32, Inner::new("i"))
        .with_extra(vec![Header::new("X-Extra", "e")])
        .with_mode(Mode::On)
        .with_variables(vec![Var::new("A", "1"), Var::new("B", "2")])
        .with_nums(vec![7, 8])
        .with_lines(vec![10, 11])
        .with_optional(
            Listed::new()
                .with_tags(vec!["t1".into(), "t2".into()])
                .with_v(Var::new("k", "v")),
        )
        .with_categories(vec![Category::new("c").with_lines(vec!["l".into()])])
        .with_last("end")
        .with_tail("tail")
}

#[test]
fn every_kind_of_table_entry_encodes_in_declaration_order() {
    assert_eq!(
        encode(&table_action()).unwrap(),
        "Action: Table\r\nCount: 3\r\nTotal: 4\r\nMode: on\r\nVariable: A=1\r\nVariable: B=2\r\n\
         Num: 7\r\nNum: 8\r\nLine(0): 10\r\nLine(1): 11\r\nId: i\r\nOptTag: t1\r\nOptTag: t2\r\nOptV: k=v\r\n\
         Category-000000: c\r\nLine-000000-000000: l\r\nLast: end\r\n\
         Tail: tail\r\nX-Extra: e\r\n\r\n"
    );
}

#[test]
fn table_entries_refuse_values_with_their_full_names() {
    let refused = |a: TableAction| match encode(&a).unwrap_err().kind {
        EncodeErrorKind::LineBreak { param, .. } => param,
        EncodeErrorKind::MissingRequired { param } => format!("required {param}"),
        other => format!("{other:?}"),
    };
    let mut a = table_action();
    a.optional.as_mut().unwrap().tags[1] = "t\n".into();
    assert_eq!(refused(a), "OptTag");
    let mut a = table_action();
    a.optional.as_mut().unwrap().v = Some(Var::new("k", "v\r"));
    assert_eq!(refused(a), "OptV");
    let mut a = table_action();
    a.variables[0] = Var::new("A", "\0");
    assert_eq!(refused(a), "Variable");
    let mut a = table_action();
    a.plain.id = " ".into();
    assert_eq!(refused(a), "required Id");
    let mut a = table_action();
    a.categories[0].lines[0] = "l\r\n".into();
    assert_eq!(refused(a), "Line-000000-000000");
    let mut a = table_action();
    a.tail = Some("t\r".into());
    assert_eq!(refused(a), "Tail");
    let mut a = table_action();
    a.extra[0].value = "e\n".into();
    assert_eq!(refused(a), "X-Extra");
    let mut a = table_action();
    a.mode = Some(Mode::Unknown("x".into()));
    assert!(matches!(
        encode(&a).unwrap_err().kind,
        EncodeErrorKind::InvalidValue { param, .. } if param == "Mode"
    ));
    // A refused action writes nothing.
    let mut out = b"before".to_vec();
    assert!(encode_action(&a, Some("1"), &mut out).is_err());
    assert_eq!(out, b"before");
}

/// The types whose fields the table loop reads itself (`AmiStr`, `u64`,
/// `i64`, `bool` and their `Option`s), beside one it does not (`u32`).
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Direct {
    /// Required text.
    #[ami(name = "Text", required)]
    pub text: AmiStr,
    /// Optional text.
    #[ami(name = "OptText")]
    pub opt_text: Option<AmiStr>,
    /// Optional text, absent.
    #[ami(name = "NoText")]
    pub no_text: Option<AmiStr>,
    /// Unsigned.
    #[ami(name = "UInt")]
    pub uint: u64,
    /// Optional unsigned.
    #[ami(name = "OptUInt")]
    pub opt_uint: Option<u64>,
    /// Signed.
    #[ami(name = "Int")]
    pub int: i64,
    /// Optional signed, absent.
    #[ami(name = "OptInt")]
    pub opt_int: Option<i64>,
    /// Boolean.
    #[ami(name = "Flag")]
    pub flag: bool,
    /// Optional boolean.
    #[ami(name = "OptFlag")]
    pub opt_flag: Option<bool>,
    /// Not read by the loop itself.
    #[ami(name = "Small")]
    pub small: Option<u32>,
    /// A variable.
    #[ami(name = "Var")]
    pub var: Option<Var>,
    /// Repeated text.
    #[ami(name = "Tag", repeated)]
    pub tags: Vec<AmiStr>,
    /// Repeated variables.
    #[ami(name = "Variable", repeated)]
    pub variables: Vec<Var>,
    /// Indexed text (through its writer, for the index).
    #[ami(name = "Line", index = "dash6")]
    pub lines: Vec<AmiStr>,
    /// Text under a name too long for the loop's padded copy (through its
    /// writer).
    #[ami(name = "AHeaderNameOfThirtyOneBytes0123")]
    pub long: Option<AmiStr>,
}

/// [`Direct`] at the top level and under a prefix (where every field goes
/// through its writer).
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Direct", response = Ack)]
pub struct DirectAction {
    /// The fields at the top level.
    #[ami(flatten)]
    pub top: Direct,
    /// The same under a prefix.
    #[ami(flatten, prefix = "In")]
    pub inner: Option<Direct>,
    /// Extra headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

fn direct() -> Direct {
    Direct::new(
        "PJSIP/alice-00000001",
        18_446_744_073_709_551_615u64,
        -42i64,
        true,
    )
    // Over 23 bytes: held in a shared buffer rather than inline.
    .with_opt_text(AmiStr::from(
        "a text of more than twenty-three bytes".to_owned(),
    ))
    .with_opt_uint(0u64)
    .with_opt_flag(false)
    .with_small(7u32)
    .with_var(Var::new("CDR(userfield)", "bench"))
    .with_tags(vec!["t1".into(), "t2".into()])
    .with_variables(vec![Var::new("X", "1"), Var::new("Y", "")])
    .with_lines(vec!["l0".into()])
    .with_long("x")
}

const DIRECT_LINES: &str = "Text: PJSIP/alice-00000001\r\nOptText: a text of more than twenty-three bytes\r\n\
    UInt: 18446744073709551615\r\nOptUInt: 0\r\nInt: -42\r\nFlag: true\r\nOptFlag: false\r\nSmall: 7\r\n\
    Var: CDR(userfield)=bench\r\nTag: t1\r\nTag: t2\r\nVariable: X=1\r\nVariable: Y=\r\nLine-000000: l0\r\n\
    AHeaderNameOfThirtyOneBytes0123: x\r\n";

#[test]
fn fields_read_by_the_table_loop_encode_as_their_values_do() {
    let a = DirectAction::new(direct()).with_inner(direct().with_opt_int(i64::MIN));
    let inner = DIRECT_LINES.replace("\r\n", "\r\nIn").replace(
        "Int: -42\r\nInFlag",
        &format!("Int: -42\r\nInOptInt: {}\r\nInFlag", i64::MIN),
    );
    let expected = format!(
        "Action: Direct\r\nActionID: 9\r\n{DIRECT_LINES}In{}\r\n",
        inner.strip_suffix("In").unwrap()
    );
    let mut out = Vec::new();
    encode_action(&a, Some("9"), &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), expected);
    // Each value the same as through the general path (`WireValue::write_wire`).
    let mut v = Vec::new();
    i64::MIN.write_wire(&mut v);
    assert_eq!(v, i64::MIN.to_string().as_bytes());

    let refused = |a: DirectAction| {
        let mut out = b"before".to_vec();
        let error = encode_action(&a, Some("9"), &mut out).unwrap_err();
        assert_eq!(out, b"before", "a refused action writes nothing");
        match error.kind {
            EncodeErrorKind::LineBreak { param, value } => format!("{param}: {value:?}"),
            EncodeErrorKind::MissingRequired { param } => format!("required {param}"),
            other => format!("{other:?}"),
        }
    };
    let mut a = DirectAction::new(direct());
    a.top.text = " ".into();
    assert_eq!(refused(a), "required Text");
    let mut a = DirectAction::new(direct());
    a.top.text = "".into();
    assert_eq!(refused(a), "required Text");
    let mut a = DirectAction::new(direct());
    a.top.text = "x\r\nAction: Logoff".into();
    assert_eq!(refused(a), "Text: \"x\\r\\nAction: Logoff\"");
    let mut a = DirectAction::new(direct());
    a.top.opt_text = Some(AmiStr::from(
        "a long text with a NUL \0 past its first words".to_owned(),
    ));
    assert_eq!(
        refused(a),
        "OptText: \"a long text with a NUL \\0 past its first words\""
    );
    let mut a = DirectAction::new(direct()).with_inner(direct());
    a.inner.as_mut().unwrap().opt_text = Some("\n".into());
    assert_eq!(refused(a), "InOptText: \"\\n\"");
    let mut a = DirectAction::new(direct());
    a.top.tags[1] = "t\r".into();
    assert_eq!(refused(a), "Tag: \"t\\r\"");
    let mut a = DirectAction::new(direct());
    a.top.variables[1] = Var::new("Y", "\n");
    assert_eq!(refused(a), "Variable: \"Y=\\n\"");
    let mut a = DirectAction::new(direct());
    a.top.var = Some(Var::new("A=B", "c"));
    assert!(matches!(
        encode(&a).unwrap_err().kind,
        EncodeErrorKind::InvalidValue { param, .. } if param == "Var"
    ));
    let mut a = DirectAction::new(direct());
    a.top.variables[0] = Var::new("", "1");
    assert!(matches!(
        encode(&a).unwrap_err().kind,
        EncodeErrorKind::InvalidValue { param, .. } if param == "Variable"
    ));
}

thread_local! {
    /// How many `Counted` values this thread made and dropped.
    static COUNTED: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// A value that counts how many of it are made and dropped: what decoding
/// builds in place and must drop again when a later field is missing.
#[derive(Debug, PartialEq)]
pub struct Counted(String);

impl Counted {
    fn new(text: &str) -> Self {
        COUNTED.with(|c| c.set((c.get().0 + 1, c.get().1)));
        Counted(text.to_owned())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        COUNTED.with(|c| c.set((c.get().0, c.get().1 + 1)));
    }
}

impl WireValue for Counted {
    const EXPECTED: &'static str = "text";

    fn parse_wire(value: &str) -> Result<Self, ami_runtime::wire::ValueError> {
        Ok(Counted::new(value))
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
    }
}

// With the runtime's `serde` feature on, the derives want every value type
// to say how it looks in JSON.
ami_runtime::__if_serde! {
    impl ami_runtime::wire::serde_support::SerdeValue for Counted {
        const KIND: ami_runtime::wire::serde_support::JsonKind =
            ami_runtime::wire::serde_support::JsonKind::Str;
        fn value_ref(&self) -> ami_runtime::wire::serde_support::ValueRef<'_> {
            ami_runtime::wire::serde_support::ValueRef::Str(&self.0)
        }
    }
}

/// A group built in place inside the struct that holds it.
#[derive(Debug, PartialEq, AmiFields)]
pub struct Held {
    /// Required.
    #[ami(name = "Held", required)]
    pub held: Counted,
    /// Optional.
    #[ami(name = "Also")]
    pub also: Option<Counted>,
    /// Repeated.
    #[ami(name = "More", repeated)]
    pub more: Vec<Counted>,
}

/// Groups built in place between and before required values.
#[derive(Debug, PartialEq, AmiEvent)]
#[ami(event = "InPlace")]
pub struct InPlaceEvent {
    /// First group.
    #[ami(flatten, prefix = "A")]
    pub a: Held,
    /// Required, between the groups.
    #[ami(name = "Middle", required)]
    pub middle: Counted,
    /// Second group.
    #[ami(flatten, prefix = "B")]
    pub b: Held,
    /// Required, last.
    #[ami(name = "Last", required)]
    pub last: Counted,
    /// Optional, after everything.
    #[ami(name = "Tail")]
    pub tail: Option<Counted>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[test]
fn structs_built_in_place_drop_what_they_built_on_errors() {
    let counted = || COUNTED.with(|c| c.get());
    let whole = "Event: InPlace\nAHeld: a\nAAlso: a2\nAMore: a3\nAMore: a4\nMiddle: m\n\
        BHeld: b\nBMore: b3\nLast: l\nTail: t\nX: kept\n";
    // Whole: by value (`finish`) and boxed (`finish_into` straight into the
    // box), the same event.
    let by_value = InPlaceEvent::from_event(&msg(whole)).unwrap();
    let boxed = <Box<InPlaceEvent>>::from_named_event(&msg(whole), "InPlace").unwrap();
    assert_eq!(*boxed, by_value);
    assert_eq!(by_value.a.held, Counted::new("a"));
    assert_eq!(by_value.a.more, [Counted::new("a3"), Counted::new("a4")]);
    assert_eq!(by_value.b.also, None);
    assert_eq!(by_value.b.more, [Counted::new("b3")]);
    assert_eq!(by_value.last, Counted::new("l"));
    assert_eq!(by_value.tail, Some(Counted::new("t")));
    assert_eq!(by_value.extra, [Header::new("X", "kept")]);
    drop((by_value, boxed));
    let (made, dropped) = counted();
    assert_eq!(made, dropped);

    // A missing field fails after groups were built in place (both, then
    // one) or before (none): the error names the first missing field in
    // declaration order, as `finish` always did, and every value made is
    // dropped (none leaks, none is dropped twice).
    for (text, missing) in [
        (
            "Event: InPlace\nAHeld: a\nAMore: a3\nMiddle: m\nBHeld: b\nTail: t\n",
            "Last",
        ),
        (
            "Event: InPlace\nAHeld: a\nAAlso: a2\nMiddle: m\nBAlso: b2\nLast: l\n",
            "BHeld",
        ),
        ("Event: InPlace\nAHeld: a\nBHeld: b\nLast: l\n", "Middle"),
        ("Event: InPlace\nAAlso: a2\nMiddle: m\nBHeld: b\n", "AHeld"),
    ] {
        for boxed in [false, true] {
            let before = counted();
            let err = if boxed {
                <Box<InPlaceEvent>>::from_named_event(&msg(text), "InPlace").unwrap_err()
            } else {
                InPlaceEvent::from_event(&msg(text)).unwrap_err()
            };
            assert_eq!(
                err.to_string(),
                format!("event InPlace: missing required field {missing}")
            );
            let after = counted();
            assert!(after.0 > before.0, "{text:?}");
            assert_eq!(after.0 - before.0, after.1 - before.1, "{text:?} {boxed}");
        }
    }
}

/// A struct with a field named as a framing header (`ActionID`).
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct NamesFraming {
    /// Never filled: `ActionID` is framing in every role.
    #[ami(name = "ActionID")]
    pub action_id: Option<String>,
    /// A plain value.
    #[ami(name = "Foo")]
    pub foo: Option<String>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// A group with a field named `List` (`EventList` under the prefix `Event`).
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct ListGroup {
    /// List.
    #[ami(name = "List")]
    pub list: Option<String>,
}

/// A struct whose group prefix starts a framing name (`Event` + `List`).
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct PrefixStartsFraming {
    /// Under `Event`.
    #[ami(flatten, prefix = "Event")]
    pub inner: Option<ListGroup>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// A group with a field named as a framing header.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct FramingGroup {
    /// EventList.
    #[ami(name = "EventList")]
    pub event_list: Option<String>,
}

/// That group flattened without a prefix.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct HasFramingGroup {
    /// The group.
    #[ami(flatten)]
    pub group: FramingGroup,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// Leaves every framing name: own names, a prefix that starts none, an
/// unprefixed group that leaves them.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct PlainFraming {
    /// Foo.
    #[ami(name = "Foo")]
    pub foo: Option<String>,
    /// Under `In`.
    #[ami(flatten, prefix = "In")]
    pub inner: Option<Inner>,
    /// Unprefixed.
    #[ami(flatten)]
    pub listed: ListGroup,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[test]
fn framing_headers_are_consumed_whichever_order_decoding_tests_them_in() {
    let leaves = [
        NamesFraming::LEAVES_FRAMING,
        PrefixStartsFraming::LEAVES_FRAMING,
        HasFramingGroup::LEAVES_FRAMING,
        Inner::LEAVES_FRAMING,
        ListGroup::LEAVES_FRAMING,
        PlainFraming::LEAVES_FRAMING,
    ];
    assert_eq!(leaves, [false, false, false, true, true, true]);
    // Framing headers first, last and in between, in other cases.
    let m = msg(
        "Event: X\nActionID: 7\nFoo: f\nEVENTLIST: start\nOther: o\naction: a\n\
                 Response: r\nUserEvent: u\nList: l\nInId: i\nEvent: again\n",
    );
    let names = |extra: &[Header]| extra.iter().map(|h| h.name.to_string()).collect::<Vec<_>>();
    for (role, kept, named_kept) in [
        (
            MessageRole::Event,
            "Other action Response UserEvent",
            "Other action Response UserEvent List InId",
        ),
        (
            MessageRole::UserEvent,
            "Other action Response",
            "Other action Response List InId",
        ),
        (
            MessageRole::Response,
            "Event Other action UserEvent Event",
            "Event Other action UserEvent List InId Event",
        ),
        (
            MessageRole::Action,
            "Event EVENTLIST Other Response UserEvent Event",
            "Event EVENTLIST Other Response UserEvent List InId Event",
        ),
    ] {
        let plain: PlainFraming = decode_message(&m, role, String::new).unwrap();
        assert_eq!(plain.foo.as_deref(), Some("f"));
        assert_eq!(plain.listed.list.as_deref(), Some("l"));
        assert_eq!(plain.inner.as_ref().map(|i| i.id.as_str()), Some("i"));
        assert_eq!(names(&plain.extra).join(" "), kept, "{role:?}");
        // A struct that names a framing header keeps the test first: the
        // framing header goes neither to the field nor to the extras.
        let named: NamesFraming = decode_message(&m, role, String::new).unwrap();
        assert_eq!(named.action_id, None, "{role:?}");
        assert_eq!(named.foo.as_deref(), Some("f"));
        assert_eq!(names(&named.extra).join(" "), named_kept, "{role:?}");
    }
}

//! The contract between `ami-codegen` (which emits structs like these) and
//! `ami-derive` (which gives them behaviour). Every attribute that generated
//! code uses appears here, and each behaviour the issue asks for is asserted.

use ami_runtime::derive::{AmiAction, AmiEnum, AmiEvent, AmiEvents, AmiFields, AmiResponse};
use ami_runtime::wire::{
    decode_action, encode_action, Action, EncodeErrorKind, Encoder, EventList, Fields, FromEvent,
    FromResponse, Header, IndexStyle, Message, Reply, ResponseShape, Var, WireValue,
};

/// How a transfer ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash, AmiEnum)]
pub enum TransferResult {
    /// It worked.
    #[ami(value = "Success")]
    Success,
    /// Invalid target.
    #[ami(value = "Invalid")]
    Invalid,
    /// Value name that is not a valid identifier on the wire side.
    #[ami(value = "Not Permitted")]
    NotPermitted,
    /// A value this spec does not know: kept when decoding, refused when encoding.
    #[ami(unknown)]
    Unknown(String),
}

/// A channel snapshot group.
#[derive(Clone, Debug, PartialEq, AmiFields)]
#[non_exhaustive]
pub struct ChannelSnapshot {
    /// Channel name.
    #[ami(name = "Channel")]
    pub channel: String,
    /// State number.
    #[ami(name = "ChannelState")]
    pub channel_state: Option<u32>,
    /// Caller number.
    #[ami(name = "CallerIDNum")]
    pub caller_id_num: Option<String>,
}

/// A transfer event.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "BlindTransfer")]
#[non_exhaustive]
pub struct BlindTransferEvent {
    /// Privilege class.
    #[ami(name = "Privilege")]
    pub privilege: Option<String>,
    /// Result.
    #[ami(name = "Result")]
    pub result: TransferResult,
    /// Transferer.
    #[ami(flatten, prefix = "Transferer")]
    pub transferer: ChannelSnapshot,
    /// Transferee (absent when the transfer failed early).
    #[ami(flatten, prefix = "Transferee")]
    pub transferee: Option<ChannelSnapshot>,
    /// Is external.
    #[ami(name = "IsExternal")]
    pub is_external: Option<bool>,
    /// Headers this spec does not know, kept as received.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// A status event with a bare group and repeated variables.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "Status")]
#[non_exhaustive]
pub struct StatusEvent {
    /// Privilege class.
    #[ami(name = "Privilege")]
    pub privilege: Option<String>,
    /// The channel.
    #[ami(flatten)]
    pub channel: ChannelSnapshot,
    /// Linked id.
    #[ami(name = "Linkedid")]
    pub linkedid: Option<String>,
    /// Variables.
    #[ami(name = "Variable", repeated)]
    pub variables: Vec<Var>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// List completion.
#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "StatusComplete")]
#[non_exhaustive]
pub struct StatusCompleteEvent {
    /// Privilege class.
    #[ami(name = "Privilege")]
    pub privilege: Option<String>,
    /// Count.
    #[ami(name = "ListItems", required)]
    pub list_items: u32,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// One UpdateConfig step (an indexed parameter group).
#[derive(Clone, Debug, PartialEq, AmiFields)]
#[non_exhaustive]
pub struct UpdateStep {
    /// What to do.
    #[ami(name = "Action", required)]
    pub action: String,
    /// Category.
    #[ami(name = "Cat")]
    pub cat: Option<String>,
}

/// A request with every parameter shape.
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Demo", response = DemoResponse, shape = "single")]
#[ami(
    exactly_one(endpoint, uri),
    together(exten, context),
    requires(data, application)
)]
#[non_exhaustive]
pub struct DemoAction {
    /// Required.
    #[ami(name = "Channel", required)]
    pub channel: String,
    /// Optional int.
    #[ami(name = "Timeout")]
    pub timeout: Option<u64>,
    /// Optional enum.
    #[ami(name = "Result")]
    pub result: Option<TransferResult>,
    /// Endpoint.
    #[ami(name = "Endpoint")]
    pub endpoint: Option<String>,
    /// URI.
    #[ami(name = "URI")]
    pub uri: Option<String>,
    /// Exten.
    #[ami(name = "Exten")]
    pub exten: Option<String>,
    /// Context.
    #[ami(name = "Context")]
    pub context: Option<String>,
    /// Application.
    #[ami(name = "Application")]
    pub application: Option<String>,
    /// Data.
    #[ami(name = "Data")]
    pub data: Option<String>,
    /// Repeated.
    #[ami(name = "Variable", repeated)]
    pub variables: Vec<Var>,
    /// Indexed scalar: UnitAmount(0), UnitAmount(1)...
    #[ami(name = "UnitAmount", index = "paren")]
    pub unit_amounts: Vec<u32>,
    /// Indexed group: Action-000000, Cat-000000, ...
    #[ami(group, index = "dash6")]
    pub steps: Vec<UpdateStep>,
    /// Extra headers sent after the known ones.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// The response of Demo.
#[derive(Clone, Debug, PartialEq, AmiResponse)]
#[non_exhaustive]
pub struct DemoResponse {
    /// Message.
    #[ami(name = "Message")]
    pub message: Option<String>,
    /// Ping.
    #[ami(name = "Ping", required)]
    pub ping: String,
    /// Categories (Category-000000...).
    #[ami(name = "Category", index = "dash6")]
    pub categories: Vec<String>,
    /// Unknown headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// A list action.
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Status", response = EventList<StatusEvent, StatusCompleteEvent>, shape = "list", complete = "StatusComplete")]
#[non_exhaustive]
pub struct StatusAction {
    /// Channel.
    #[ami(name = "Channel")]
    pub channel: Option<String>,
    /// Extra headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

/// All events.
#[derive(Clone, Debug, PartialEq, AmiEvents)]
#[non_exhaustive]
pub enum AnyEvent {
    /// BlindTransfer.
    #[ami(name = "BlindTransfer")]
    BlindTransfer(BlindTransferEvent),
    /// Status.
    #[ami(name = "Status")]
    Status(StatusEvent),
    /// Anything else, kept raw.
    #[ami(unknown)]
    Unknown(Message),
}

fn msg(text: &str) -> Message {
    Message::parse_block(text).unwrap()
}

fn encode<A: Action>(a: &A) -> Result<String, ami_runtime::wire::EncodeError> {
    let mut out = Vec::new();
    encode_action(a, None, &mut out).map(|()| String::from_utf8(out).unwrap())
}

#[test]
fn enum_parses_case_insensitively_and_keeps_unknown() {
    assert_eq!(
        TransferResult::parse_wire("success").unwrap(),
        TransferResult::Success
    );
    assert_eq!(
        TransferResult::parse_wire("Weird").unwrap(),
        TransferResult::Unknown("Weird".into())
    );
    assert!(TransferResult::Unknown("Weird".into())
        .check_wire()
        .is_err());
    assert_eq!(TransferResult::NotPermitted.as_str(), "Not Permitted");
    assert_eq!(TransferResult::Success.to_string(), "Success");
}

#[test]
fn event_with_prefixed_groups_decodes() {
    let m = msg(
        "Event: BlindTransfer\nPrivilege: call,all\nResult: Success\n\
        TransfererChannel: SIP/a\ntransfererchannelstate: 6\nTransfererCallerIDNum: 100\n\
        TransfereeChannel: SIP/b\nIsExternal: Yes\nNewField: new\n",
    );
    let e = BlindTransferEvent::from_event(&m).unwrap();
    assert_eq!(e.result, TransferResult::Success);
    assert_eq!(e.transferer.channel, "SIP/a");
    assert_eq!(e.transferer.channel_state, Some(6));
    assert_eq!(e.transferee.as_ref().unwrap().channel, "SIP/b");
    assert_eq!(e.is_external, Some(true));
    assert_eq!(e.extra, vec![Header::new("NewField", "new")]);
    let mut unknown = Vec::new();
    FromEvent::unknown_headers(&e, &mut unknown);
    assert_eq!(unknown.len(), 1);

    // The optional group is None when none of its headers came.
    let m = msg("Event: BlindTransfer\nResult: Invalid\nTransfererChannel: SIP/a\n");
    let e = BlindTransferEvent::from_event(&m).unwrap();
    assert_eq!(e.transferee, None);
}

#[test]
fn missing_and_invalid_fields_are_named() {
    let m = msg("Event: BlindTransfer\nResult: Success\n");
    let err = BlindTransferEvent::from_event(&m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event BlindTransfer: missing required field TransfererChannel"
    );
    let m = msg(
        "Event: BlindTransfer\nResult: Success\nTransfererChannel: x\nTransfererChannelState: up\n",
    );
    let err = BlindTransferEvent::from_event(&m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event BlindTransfer: field TransfererChannelState: invalid value \"up\": expected a non-negative integer"
    );
}

#[test]
fn repeated_headers_are_kept_and_duplicate_scalars_are_not_lost() {
    let m = msg("Event: Status\nChannel: SIP/1\nLinkedid: 1.1\nVariable: a=1\nLinkedid: 1.1\nVariable: b=2\nLinkedid: 2.2\n");
    let e = StatusEvent::from_event(&m).unwrap();
    assert_eq!(e.variables, vec![Var::new("a", "1"), Var::new("b", "2")]);
    assert_eq!(e.linkedid.as_deref(), Some("1.1"));
    // The identical repeat carries nothing new; the different one is kept.
    assert_eq!(e.extra, vec![Header::new("Linkedid", "2.2")]);
}

#[test]
fn events_enum_dispatches_and_keeps_unknown() {
    let m = msg("Event: status\nChannel: SIP/1\n");
    assert!(matches!(
        AnyEvent::from_event(&m).unwrap(),
        AnyEvent::Status(_)
    ));
    let m = msg("Event: Brand New\nX: y\n");
    let e = AnyEvent::from_event(&m).unwrap();
    assert_eq!(e, AnyEvent::Unknown(m));
    assert_eq!(e.name(), "Brand New");
    assert!(AnyEvent::accepts("anything"));
}

fn demo() -> DemoAction {
    DemoAction::new("SIP/100")
        .with_endpoint("ep")
        .with_timeout(30)
        .with_variables(vec![Var::new("a", "1"), Var::new("b", "2")])
        .with_unit_amounts(vec![5, 6])
        .with_steps(vec![UpdateStep::new("NewCat").with_cat("x")])
}

#[test]
fn action_encodes_in_spec_order() {
    assert_eq!(DemoAction::NAME, "Demo");
    assert_eq!(DemoAction::SHAPE, ResponseShape::Single);
    assert_eq!(
        encode(&demo()).unwrap(),
        "Action: Demo\r\nChannel: SIP/100\r\nTimeout: 30\r\nEndpoint: ep\r\n\
         Variable: a=1\r\nVariable: b=2\r\nUnitAmount(0): 5\r\nUnitAmount(1): 6\r\n\
         Action-000000: NewCat\r\nCat-000000: x\r\n\r\n"
    );
}

#[test]
fn action_round_trips_through_a_message() {
    let text = encode(&demo()).unwrap();
    let decoded: DemoAction = decode_action(&msg(&text)).unwrap();
    assert_eq!(decoded, demo());
}

#[test]
fn action_refusals_name_the_problem() {
    let mut a = demo();
    a.channel = "x\r\nAction: Hangup".into();
    assert!(matches!(
        encode(&a).unwrap_err().kind,
        EncodeErrorKind::LineBreak { .. }
    ));
    let mut a = demo();
    a.channel = String::new();
    assert!(matches!(
        encode(&a).unwrap_err().kind,
        EncodeErrorKind::MissingRequired { .. }
    ));
    let a = demo().with_result(TransferResult::Unknown("bogus".into()));
    assert!(matches!(
        encode(&a).unwrap_err().kind,
        EncodeErrorKind::InvalidValue { .. }
    ));
    let a = demo().with_uri("sip:x");
    assert_eq!(
        encode(&a).unwrap_err().to_string(),
        "action Demo: constraint violated: exactly one of Endpoint, URI"
    );
    let a = demo().with_exten("100");
    assert_eq!(
        encode(&a).unwrap_err().to_string(),
        "action Demo: constraint violated: Exten, Context go together"
    );
    let a = demo().with_data("x");
    assert_eq!(
        encode(&a).unwrap_err().to_string(),
        "action Demo: constraint violated: Data requires Application"
    );
    let mut a = demo();
    a.extra.push(Header::new("X-Evil", "a\nb"));
    assert!(encode(&a).is_err());
}

/// `encode_action` writes a derived action through its table in one
/// function (`Fields::ENCODE_TABLE`), constraints checked by the table's
/// first entry; `Fields::encode` with an `Encoder` goes through the same
/// table by another path. Both write the same bytes, and a refused action
/// (a constraint, a line break) writes nothing after what `out` held.
#[test]
fn whole_message_and_fields_encode_agree_and_refusals_write_nothing() {
    let before = b"Action: Ping\r\n\r\n".to_vec();
    let refused = [
        demo().with_uri("sip:x"),
        demo().with_exten("100"),
        demo().with_data("x"),
        DemoAction::new("SIP/1\r\nAction: Hangup").with_endpoint("ep"),
    ];
    for action in std::iter::once(demo()).chain(refused) {
        let mut whole = before.clone();
        let whole_result = encode_action(&action, Some("7"), &mut whole);
        let mut fields = before.clone();
        let fields_result = action.encode(&mut Encoder::new(&mut fields, "Demo"));
        assert_eq!(whole_result.is_ok(), fields_result.is_ok());
        match whole_result {
            Ok(()) => {
                let head = b"Action: Demo\r\nActionID: 7\r\n";
                assert_eq!(whole[..before.len()], before);
                assert_eq!(&whole[before.len()..][..head.len()], head);
                assert_eq!(
                    whole[before.len() + head.len()..],
                    [&fields[before.len()..], b"\r\n"].concat()
                );
            }
            Err(error) => {
                assert_eq!(Some(error), fields_result.err());
                assert_eq!(whole, before);
            }
        }
    }
    // A constraint is checked before any field is written.
    let mut fields = Vec::new();
    let result = demo()
        .with_uri("sip:x")
        .encode(&mut Encoder::new(&mut fields, "Demo"));
    assert!(result.is_err());
    assert!(fields.is_empty());
}

#[test]
fn response_decodes_fields_and_indexed_headers() {
    let reply = Reply::single(msg(
        "Response: Success\nActionID: 1\nPing: Pong\nCategory-000001: b\nCategory-000000: a\nMessage: hi\n",
    ));
    let r = DemoResponse::from_reply(&reply, "Demo").unwrap();
    assert_eq!(r.ping, "Pong");
    assert_eq!(r.categories, ["a", "b"]);
    assert_eq!(r.message.as_deref(), Some("hi"));
    assert!(r.extra.is_empty());
}

#[test]
fn list_action_reply() {
    assert_eq!(
        StatusAction::SHAPE,
        ResponseShape::List {
            complete: "StatusComplete"
        }
    );
    let reply = Reply {
        head: msg("Response: Success\nEventList: start\nMessage: will follow\n"),
        items: vec![msg("Event: Status\nChannel: SIP/1\n")],
        complete: Some(msg(
            "Event: StatusComplete\nEventList: Complete\nListItems: 1\n",
        )),
    };
    let r = <StatusAction as Action>::Response::from_reply(&reply, "Status").unwrap();
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.complete.list_items, 1);
}

#[test]
fn group_fields_trait_is_usable_directly() {
    // IndexStyle is re-exported for generated code; groups implement Fields.
    let _ = IndexStyle::Dash6;
    fn is_fields<T: Fields>() {}
    is_fields::<ChannelSnapshot>();
    is_fields::<UpdateStep>();
}

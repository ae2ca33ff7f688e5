//! Headers every event may carry, typed on every generated event:
//! `Privilege`, `Timestamp` (`timestampevents = yes`) and `SystemName`
//! (`systemname` in `asterisk.conf`). They never land in `extra`.

use ami_generated::Event;
use ami_runtime::wire::{FromEvent, Message};

#[test]
fn timestamp_and_system_name_are_typed() {
    let msg = Message::parse_block(
        "Event: Hangup\r\nPrivilege: call,all\r\nTimestamp: 1732870000.123456\r\n\
         SystemName: pbx-east\r\nChannel: PJSIP/100-00000001\r\nChannelState: 6\r\n\
         ChannelStateDesc: Up\r\nCallerIDNum: 100\r\nCallerIDName: Alice\r\n\
         ConnectedLineNum: 200\r\nConnectedLineName: Bob\r\nLanguage: en\r\n\
         AccountCode: \r\nContext: default\r\nExten: 200\r\nPriority: 1\r\n\
         Uniqueid: 1732870000.1\r\nLinkedid: 1732870000.1\r\nCause: 16\r\n\
         Cause-txt: Normal Clearing\r\n",
    )
    .unwrap();
    let Event::Hangup(hangup) = Event::from_event(&msg).unwrap() else {
        panic!("not a Hangup");
    };
    assert_eq!(hangup.privilege.as_deref(), Some("call,all"));
    assert_eq!(hangup.timestamp, Some(1_732_870_000.123_456));
    assert_eq!(hangup.system_name.as_deref(), Some("pbx-east"));
    assert!(hangup.extra.is_empty(), "{:?}", hangup.extra);
}

#[test]
fn they_are_optional() {
    let msg = Message::parse_block("Event: FullyBooted\r\nStatus: Fully Booted\r\n").unwrap();
    let Event::FullyBooted(booted) = Event::from_event(&msg).unwrap() else {
        panic!("not FullyBooted");
    };
    assert_eq!(booted.timestamp, None);
    assert_eq!(booted.system_name, None);
}

#[test]
fn a_malformed_timestamp_is_refused_with_its_header_named() {
    let msg = Message::parse_block("Event: FullyBooted\r\nTimestamp: soon\r\n").unwrap();
    let err = Event::from_event(&msg).unwrap_err();
    assert!(err.to_string().contains("Timestamp"), "{err}");
}

//! The audit's reader of Asterisk's XML documentation, on fixture documents
//! of our own (`tests/fixtures/audit/`) and inline snippets.

use std::io::Write;
use std::path::{Path, PathBuf};

use ami_codegen::audit::xml::{self, DocField, DocList, DocSet};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit/asterisk-20.5.0-docs.xml")
}

fn read_fixture() -> DocSet {
    xml::read_file(&fixture()).expect("the fixture reads")
}

fn names(fields: &[DocField]) -> Vec<&str> {
    fields.iter().map(|f| f.name.as_str()).collect()
}

fn field<'a>(fields: &'a [DocField], name: &str) -> &'a DocField {
    fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name} in {:?}", names(fields)))
}

/// Wrap elements in a `<docs>` document.
fn docs(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE docs SYSTEM \"appdocsxml.dtd\">\n\
         <docs xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n{body}\n</docs>\n"
    )
}

#[test]
fn actions_have_module_since_and_required_flags() {
    let set = read_fixture();
    let names: Vec<&str> = set.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["KettleBoil", "KettleFill", "Login", "TeapotBrew"]);
    let boil = set.action("kettleboil").expect("found ignoring case");
    assert_eq!(boil.modules, ["res_kettle"]);
    assert_eq!(boil.since, ["18.19.0", "20.4.0"]);
    assert_eq!(boil.line, 24);
    assert_eq!(field(&boil.params, "Kettle").required, Some(true));
    assert_eq!(field(&boil.params, "Temperature").required, None);
    let login = set.action("Login").unwrap();
    assert_eq!(field(&login.params, "Username").required, Some(true));
    assert!(set.action("TeapotBrew").unwrap().since.is_empty());
}

#[test]
fn enumlists_give_top_level_values_only() {
    let set = read_fixture();
    let boil = set.action("KettleBoil").unwrap();
    assert_eq!(
        field(&boil.params, "Mode").values,
        ["gentle", "rolling", "whistle"]
    );
    assert_eq!(
        field(&set.action("Login").unwrap().params, "AuthType").values,
        ["plain", "MD5"]
    );
}

#[test]
fn includes_of_other_elements_parameters_are_resolved() {
    let set = read_fixture();
    let boil = set.action("KettleBoil").unwrap();
    assert_eq!(
        names(&boil.params),
        ["ActionID", "Kettle", "Temperature", "Water", "Mode"]
    );
    // Water comes from KettleFill: its definition, required flag included.
    let water = field(&boil.params, "Water");
    assert_eq!(water.required, Some(true));
    assert_eq!(water.line, 65);
    assert_eq!(set.events.len(), 4);
}

#[test]
fn list_elements_and_completion_events() {
    let set = read_fixture();
    assert_eq!(
        set.action("KettleBoil").unwrap().list,
        Some(DocList {
            items: vec!["KettleEntry".into()],
            complete: vec!["KettleListComplete".into()],
        })
    );
    // Both events by include: the completion event is defined inside
    // another action's <responses>.
    assert_eq!(
        set.action("KettleFill").unwrap().list,
        Some(DocList {
            items: vec!["KettleEntry".into()],
            complete: vec!["KettleListComplete".into()],
        })
    );
    assert_eq!(set.action("Login").unwrap().list, None);
    // The completion event defined inside <responses> is an event too.
    let complete = set.event("KettleListComplete").unwrap();
    assert_eq!(names(&complete.fields), ["EventList", "ListItems"]);
    assert_eq!(complete.classes, ["EVENT_FLAG_COMMAND"]);
}

#[test]
fn channel_snapshot_expands_with_its_prefix() {
    let set = read_fixture();
    let entry = set.event("KettleEntry").unwrap();
    let expected: Vec<String> = xml::CHANNEL_SNAPSHOT
        .iter()
        .map(|f| format!("Kettle{f}"))
        .chain(["Temperature".to_owned(), "Temp-txt".to_owned()])
        .collect();
    let mut got = names(&entry.fields);
    assert_eq!(got.remove(0), "ActionID");
    assert_eq!(got, expected);
    let state = field(&entry.fields, "KettleChannelStateDesc");
    assert_eq!(state.values.len(), 11);
    assert!(state.values.contains(&"Dialing Offhook".to_owned()));
    assert_eq!(field(&entry.fields, "Temperature").required, Some(true));
}

#[test]
fn bridge_snapshot_expands_bare_and_prefixed() {
    let text = docs(
        "<managerEvent name=\"Merged\" module=\"m\"><managerEventInstance class=\"EVENT_FLAG_CALL\">\
         <syntax><bridge_snapshot/><bridge_snapshot prefix=\"To\"/></syntax>\
         </managerEventInstance></managerEvent>",
    );
    let set = xml::parse("inline.xml", &text).unwrap();
    let fields = &set.event("Merged").unwrap().fields;
    assert_eq!(fields.len(), 2 * xml::BRIDGE_SNAPSHOT.len());
    assert_eq!(fields[0].name, "BridgeUniqueid");
    assert_eq!(
        field(fields, "ToBridgeVideoSourceMode").values,
        ["none", "talker", "single"]
    );
    assert_eq!(field(fields, "ToBridgeVideoSource").required, Some(false));
}

#[test]
fn an_include_of_all_parameters_takes_the_snapshots_too() {
    let text = docs(
        "<managerEvent name=\"In\"><managerEventInstance><syntax>\
         <channel_snapshot prefix=\"Agent\"/><parameter name=\"Agent\"/>\
         </syntax></managerEventInstance></managerEvent>\n\
         <managerEvent name=\"Out\"><managerEventInstance><syntax>\
         <xi:include xpointer=\"xpointer(/docs/managerEvent[@name='In']/managerEventInstance/syntax/parameter)\"/>\
         <parameter name=\"Logintime\"/>\
         </syntax></managerEventInstance></managerEvent>",
    );
    let set = xml::parse("inline.xml", &text).unwrap();
    let fields = &set.event("Out").unwrap().fields;
    assert_eq!(fields.len(), xml::CHANNEL_SNAPSHOT.len() + 2);
    assert_eq!(fields[0].name, "AgentChannel");
    assert_eq!(
        names(fields)[xml::CHANNEL_SNAPSHOT.len()..],
        ["Agent", "Logintime"]
    );
}

#[test]
fn event_instances_are_merged() {
    let set = read_fixture();
    let boiled = set.event("KettleBoiled").unwrap();
    // Kettle is in both instances (once by include), Seconds and Dry in one each.
    assert_eq!(names(&boiled.fields), ["Kettle", "Seconds", "Dry"]);
    assert_eq!(boiled.classes, ["EVENT_FLAG_CALL", "EVENT_FLAG_SYSTEM"]);
    assert_eq!(boiled.since, ["20.3.0"]);
    assert_eq!(boiled.modules, ["res_kettle"]);
}

#[test]
fn duplicate_definitions_merge_into_one() {
    let text = docs(
        "<manager name=\"Box\" module=\"app_box\"><syntax><parameter name=\"A\"/></syntax></manager>\n\
         <manager name=\"Box\" module=\"app_box_odbc\"><syntax><parameter name=\"B\" required=\"true\"/></syntax></manager>",
    );
    let set = xml::parse("inline.xml", &text).unwrap();
    assert_eq!(set.actions.len(), 1);
    let box_ = &set.actions[0];
    assert_eq!(box_.modules, ["app_box", "app_box_odbc"]);
    assert_eq!(names(&box_.params), ["A", "B"]);
    assert_eq!(box_.line, 4);
}

#[test]
fn gzip_and_plain_read_the_same() {
    let plain = read_fixture();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let gz = dir.join("audit-fixture-20.5.0-docs.xml.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(std::fs::read(fixture()).unwrap().as_slice())
        .unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let zipped = xml::read_file(&gz).unwrap();
    assert_eq!(zipped.source, gz.display().to_string());
    assert_eq!(
        format!("{:?}", zipped.actions),
        format!("{:?}", plain.actions)
    );
    assert_eq!(
        format!("{:?}", zipped.events),
        format!("{:?}", plain.events)
    );
}

#[test]
fn an_include_that_points_at_nothing_is_a_warning() {
    let text = docs(
        "<manager name=\"A\"><syntax>\n\
         <xi:include xpointer=\"xpointer(/docs/manager[@name='Nope']/syntax/parameter[@name='X'])\"/>\n\
         </syntax></manager>",
    );
    let set = xml::parse("inline.xml", &text).unwrap();
    assert!(set.actions[0].params.is_empty());
    assert_eq!(
        set.warnings,
        ["5: xi:include /docs/manager[@name='Nope']/syntax/parameter[@name='X'] points at nothing"]
    );
}

#[test]
fn errors_name_the_file_the_line_and_the_problem() {
    let cases = [
        (
            docs("<manager name=\"A\"><syntax></manager>"),
            "bad.xml:4: not well-formed XML",
        ),
        (
            "<?xml version=\"1.0\"?>\n<html/>\n".to_owned(),
            "bad.xml:1: the root element is <html>, not <docs>",
        ),
        (
            docs("<manager module=\"m\"/>"),
            "bad.xml:4: <manager> without a name attribute",
        ),
        (
            docs("<manager name=\"A\"><syntax><parameter name=\"P\" required=\"maybe\"/></syntax></manager>"),
            "bad.xml:4: parameter P: required=\"maybe\" is neither true nor false",
        ),
        (
            docs("<manager name=\"A\"><syntax><xi:include xpointer=\"xpointer(/docs/manager[last()])\"/></syntax></manager>"),
            "bad.xml:4: xi:include xpointer \"xpointer(/docs/manager[last()])\": unsupported predicate [last()]",
        ),
        (
            docs("<manager name=\"A\"><since><version> </version></since></manager>"),
            "bad.xml:4: empty <version>",
        ),
    ];
    for (text, expected) in cases {
        let error = xml::parse("bad.xml", &text)
            .expect_err(expected)
            .to_string();
        assert!(
            error.starts_with(expected),
            "expected {expected:?}, got {error:?}"
        );
    }
}

#[test]
fn unreadable_files_are_errors_not_panics() {
    let missing = Path::new("no/such/asterisk-20.5.0-docs.xml.gz");
    let error = xml::read_file(missing).unwrap_err().to_string();
    assert!(
        error.starts_with("no/such/asterisk-20.5.0-docs.xml.gz: cannot read:"),
        "{error}"
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let broken = dir.join("audit-broken.xml.gz");
    std::fs::write(&broken, [0x1f, 0x8b, 0x08, 0x00, 0x01]).unwrap();
    let error = xml::read_file(&broken).unwrap_err().to_string();
    assert!(error.contains("cannot decompress as gzip"), "{error}");
}

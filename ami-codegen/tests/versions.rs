//! Versions and deviations declared in the spec: kept by the model with
//! their spans, shown in the reference, dumped in JSON and exposed by the
//! registry.

use ami_codegen::diagnostic::SourceFile;
use ami_codegen::emit::{json, markdown, rust};
use ami_codegen::model::{DeviationKind, Model, Version};

const SPEC: &str = r#"family = "demo"
title = "Demo"

[[action]]
name = "CoreShowChannelMap"
synopsis = "Map the channels connected to one."
since = ["20.4.0", "18.19.0"]
deviation = [{ kind = "missing", name = "Extra", why = "Modelled by the group below." }]

[[action.param]]
name = "Channel"
type = "string"
required = true
deviation = [{ kind = "required", why = "The docs say optional; Asterisk refuses the action without it." }]

[[action]]
name = "SIPpeers"
synopsis = "List SIP peers."
since = "1.2.0"
deprecated = "17.0.0"
removed = "21.0.0"
note = "chan_sip is gone: use PJSIP."

[[event]]
name = "Cdr"
synopsis = "A call detail record."
since = "12.0.0"

[[event.field]]
name = "Disposition"
type = "enum"

[[event.field.value]]
name = "CONGESTION"
since = "16.0.0"
deviation = [{ kind = "undocumented", why = "Sent by real servers." }]

[[event.field.value]]
name = "ANSWERED"
"#;

fn model() -> Model {
    let source = SourceFile::new("spec/demo.toml".to_owned(), SPEC.to_owned());
    ami_codegen::load_sources(vec![source]).unwrap_or_else(|d| panic!("{d:?}"))
}

#[test]
fn the_model_keeps_versions_and_deviations_with_spans() {
    let model = model();
    let map = model.action("CoreShowChannelMap").unwrap();
    // Listed in any order, kept ascending.
    assert_eq!(
        map.versions.since,
        [Version::new(18, 19, 0), Version::new(20, 4, 0)]
    );
    let availability = map.versions.availability();
    assert!(availability.in_version(&Version::new(20, 4, 0)));
    assert!(!availability.in_version(&Version::new(19, 0, 0)));
    assert_eq!(map.deviations.len(), 1);
    let d = &map.deviations[0];
    assert_eq!(d.kind, DeviationKind::Missing);
    assert_eq!(d.name.as_deref(), Some("Extra"));
    assert!(SPEC[d.span.clone()].contains("kind = \"missing\""));
    assert_eq!(map.params[0].deviations[0].kind, DeviationKind::Required);

    let sip = model.action("SIPpeers").unwrap();
    assert_eq!(sip.versions.removed, Some(Version::new(21, 0, 0)));
    assert_eq!(sip.versions.deprecated, Some(Version::new(17, 0, 0)));
    assert!(!sip
        .versions
        .availability()
        .in_version(&Version::new(22, 10, 1)));
    assert!(sip
        .versions
        .availability()
        .in_version(&Version::new(20, 20, 1)));

    let cdr = model.event("Cdr").unwrap();
    let ami_codegen::model::Type::Enum(e) = &cdr.fields[0].ty else {
        panic!("Disposition is an enum");
    };
    assert_eq!(e.values[0].versions.since, [Version::new(16, 0, 0)]);
    assert_eq!(e.values[0].deviations[0].kind, DeviationKind::Undocumented);
    assert!(e.values[1].versions.is_empty());
}

#[test]
fn the_reference_shows_availability_and_deviations() {
    let model = model();
    let md = markdown::family_md(&model, &model.families[0]);
    assert!(md.contains("*Since 18.19.0, 20.4.0.*"), "{md}");
    assert!(md.contains(
        "*Since 1.2.0 · deprecated in 17.0.0 · removed in 21.0.0. chan_sip is gone: use PJSIP.*"
    ));
    assert!(md.contains(
        "Deviation from Asterisk's documentation: `Extra` is not modelled here: Modelled by the group below."
    ));
    assert!(md.contains(
        "Deviation from Asterisk's documentation: the required flag differs: The docs say optional"
    ));
    assert!(md.contains("`CONGESTION`: Since 16.0.0. Deviation from Asterisk's documentation: not in Asterisk's documentation: Sent by real servers."), "{md}");
}

#[test]
fn the_json_dump_lists_versions_and_deviations() {
    let dump: serde_json::Value = serde_json::from_str(&json::spec_json(&model())).unwrap();
    let actions = dump["actions"].as_array().unwrap();
    let map = actions
        .iter()
        .find(|a| a["name"] == "CoreShowChannelMap")
        .unwrap();
    assert_eq!(map["since"], serde_json::json!(["18.19.0", "20.4.0"]));
    assert_eq!(map["deviations"][0]["kind"], "missing");
    assert_eq!(map["deviations"][0]["name"], "Extra");
    assert_eq!(map["params"][0]["deviations"][0]["kind"], "required");
    let sip = actions.iter().find(|a| a["name"] == "SIPpeers").unwrap();
    assert_eq!(sip["removed"], "21.0.0");
    assert_eq!(sip["deprecated"], "17.0.0");
    assert_eq!(sip["note"], "chan_sip is gone: use PJSIP.");
    let cdr = &dump["events"][0];
    let names: Vec<&str> = cdr["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["implicit"] == true)
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Privilege", "Timestamp", "SystemName"]);
    let disposition = cdr["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Disposition")
        .unwrap();
    assert_eq!(disposition["value_details"][0]["name"], "CONGESTION");
    assert_eq!(disposition["value_details"][0]["since"][0], "16.0.0");
}

#[test]
fn the_registry_and_the_actions_carry_availability() {
    let model = model();
    let registry = rust::registry_rs(&model).unwrap();
    let compact: String = registry.split_whitespace().collect();
    assert!(compact
        .contains("availability:<crate::demo::CoreShowChannelMapActionasAction>::AVAILABILITY"));
    let module: String = rust::family_rs(&model, &model.families[0])
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(module.contains(r#"since="18.19.0,20.4.0""#), "{module}");
    assert!(module.contains(r#"since="1.2.0",deprecated="17.0.0",removed="21.0.0""#));
    assert!(compact.contains(
        "name:\"Cdr\",family:\"demo\",availability:Availability{since:&[Version::new(12,0,0)]"
    ));
    assert!(compact.contains("pubfnevent_info(name:&str)"));
}

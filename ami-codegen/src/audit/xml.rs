//! Reader of Asterisk's generated XML documentation (`doc/core-en_US.xml` of
//! a build, or the gzipped copies in `../shared/asterisk/docs/`) into a plain
//! [`DocSet`]: only what the audit compares, with `xi:include`s resolved and
//! the `<channel_snapshot/>` / `<bridge_snapshot/>` shorthands expanded.
//!
//! The documents are built by Asterisk's `make` from the sources' XML
//! comments: `<manager>` elements are actions, `<managerEvent>` elements
//! (one `<managerEventInstance>` per place that raises the event) are events,
//! both with `<since><version>` and a `<syntax>` of `<parameter>`s. Elements
//! borrow parameters from each other with `<xi:include
//! xpointer="xpointer(/docs/manager[@name='Login']/syntax/parameter[@name='ActionID'])"/>`;
//! the reader evaluates that small XPath subset itself.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::Path;

use roxmltree::{Document, Node, ParsingOptions};

/// The namespace of `xi:include`.
const XINCLUDE_NS: &str = "http://www.w3.org/2001/XInclude";

/// The fields that `<channel_snapshot prefix="P"/>` stands for, each named
/// `P<name>`. Asterisk's build expands the element with the stylesheet
/// `doc/appdocsxml.xslt` (template `channel_snapshot`); the list mirrors it.
/// The enumerated one is `ChannelStateDesc`, see [`CHANNEL_STATES`].
pub const CHANNEL_SNAPSHOT: &[&str] = &[
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
];

/// The values the stylesheet lists for `ChannelStateDesc`.
pub const CHANNEL_STATES: &[&str] = &[
    "Down",
    "Rsrvd",
    "OffHook",
    "Dialing",
    "Ring",
    "Ringing",
    "Up",
    "Busy",
    "Dialing Offhook",
    "Pre-ring",
    "Unknown",
];

/// The fields that `<bridge_snapshot prefix="P"/>` stands for (template
/// `bridge_snapshot` of `doc/appdocsxml.xslt`). `BridgeVideoSource` is the
/// one marked `required="false"`; `BridgeVideoSourceMode` is enumerated,
/// see [`BRIDGE_VIDEO_MODES`].
pub const BRIDGE_SNAPSHOT: &[&str] = &[
    "BridgeUniqueid",
    "BridgeType",
    "BridgeTechnology",
    "BridgeCreator",
    "BridgeName",
    "BridgeNumChannels",
    "BridgeVideoSourceMode",
    "BridgeVideoSource",
];

/// The values the stylesheet lists for `BridgeVideoSourceMode`.
pub const BRIDGE_VIDEO_MODES: &[&str] = &["none", "talker", "single"];

/// Everything the audit reads from one documentation file.
#[derive(Clone, Debug, Default)]
pub struct DocSet {
    /// The file as named by the user (`../shared/asterisk/docs/asterisk-22.10.1-docs.xml.gz`).
    pub source: String,
    /// Actions (`<manager>`), sorted by name ignoring case; an action that
    /// several modules document (`app_voicemail`, `app_voicemail_odbc`...)
    /// appears once, with the union of what they say.
    pub actions: Vec<DocAction>,
    /// Events (`<managerEvent>`), sorted and merged the same way.
    pub events: Vec<DocEvent>,
    /// Includes that matched nothing, and other oddities that do not stop
    /// the reading: `LINE: what`.
    pub warnings: Vec<String>,
}

impl DocSet {
    /// The action called `name` (any case).
    pub fn action(&self, name: &str) -> Option<&DocAction> {
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The event called `name` (any case).
    pub fn event(&self, name: &str) -> Option<&DocEvent> {
        self.events
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

/// One documented action.
#[derive(Clone, Debug, Default)]
pub struct DocAction {
    /// Wire name, as the first definition spells it.
    pub name: String,
    /// Modules that document it (`module=`), in document order.
    pub modules: Vec<String>,
    /// `<since><version>`s (one per branch for backports), as written.
    pub since: Vec<String>,
    /// Parameters in document order (includes resolved), `ActionID` included.
    pub params: Vec<DocField>,
    /// `<responses>`: the events of its list reply, when it documents one.
    pub list: Option<DocList>,
    /// 1-based line of its (first) `<manager>` element.
    pub line: usize,
}

/// One documented event.
#[derive(Clone, Debug, Default)]
pub struct DocEvent {
    /// Wire name.
    pub name: String,
    /// Modules that raise it.
    pub modules: Vec<String>,
    /// Privilege classes (`EVENT_FLAG_CALL`...) of its instances.
    pub classes: Vec<String>,
    /// `<since><version>`s of its instances, as written, without repeats.
    pub since: Vec<String>,
    /// The union of the fields of its instances, snapshots expanded.
    pub fields: Vec<DocField>,
    /// 1-based line of its (first) `<managerEvent>` element.
    pub line: usize,
}

/// A documented parameter (action) or field (event).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocField {
    /// Name as written (`Channel`, `Action-000000`, `UnitAmount(0)`).
    pub name: String,
    /// The `required` attribute, when there is one.
    pub required: Option<bool>,
    /// Values of its `<enumlist>` (top-level `<enum name>`s), in order.
    pub values: Vec<String>,
    /// 1-based line of the `<parameter>` (or of the include or snapshot
    /// element that brought it in).
    pub line: usize,
}

/// The events of a list reply, from `<responses>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocList {
    /// `<list-elements>`: the item events.
    pub items: Vec<String>,
    /// Events directly under `<responses>`: the completion event.
    pub complete: Vec<String>,
}

/// Why a documentation file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    /// The file, as named by the user.
    pub source: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for XmlError {}

/// Read a documentation file: gzip (by its magic bytes) or plain XML.
pub fn read_file(path: &Path) -> Result<DocSet, XmlError> {
    let source = path.display().to_string();
    let error = |message: String| XmlError {
        source: source.clone(),
        line: None,
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .map_err(|e| error(format!("cannot decompress as gzip UTF-8 text: {e}")))?;
        text
    } else {
        String::from_utf8(bytes).map_err(|e| error(format!("not UTF-8 text: {e}")))?
    };
    parse(&source, &text)
}

/// Read documentation from its text; `source` names it in errors.
pub fn parse(source: &str, text: &str) -> Result<DocSet, XmlError> {
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| XmlError {
        source: source.to_owned(),
        line: Some(e.pos().row as usize),
        message: format!("not well-formed XML: {e}"),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "docs" {
        return Err(XmlError {
            source: source.to_owned(),
            line: Some(1),
            message: format!(
                "the root element is <{}>, not <docs>: not Asterisk's XML documentation",
                root.tag_name().name()
            ),
        });
    }
    let mut reader = Reader {
        doc: &doc,
        source,
        named: index_named(root),
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        warnings: Vec::new(),
    };
    let mut actions: BTreeMap<String, DocAction> = BTreeMap::new();
    let mut events: BTreeMap<String, DocEvent> = BTreeMap::new();
    for node in root.descendants().filter(|n| n.has_tag_name("manager")) {
        let action = reader.action(node)?;
        merge_action(&mut actions, action);
    }
    for node in root
        .descendants()
        .filter(|n| n.has_tag_name("managerEvent"))
    {
        let event = reader.event(node)?;
        merge_event(&mut events, event);
    }
    let mut warnings = reader.warnings;
    warnings.sort();
    warnings.dedup();
    Ok(DocSet {
        source: source.to_owned(),
        actions: actions.into_values().collect(),
        events: events.into_values().collect(),
        warnings,
    })
}

/// Add `action` to `actions`, merging it into an earlier definition of the
/// same name (the union of both, the first one's spelling).
fn merge_action(actions: &mut BTreeMap<String, DocAction>, action: DocAction) {
    match actions.get_mut(&action.name.to_ascii_lowercase()) {
        None => {
            actions.insert(action.name.to_ascii_lowercase(), action);
        }
        Some(known) => {
            union(&mut known.modules, action.modules);
            union(&mut known.since, action.since);
            merge_fields(&mut known.params, action.params);
            if known.list.is_none() {
                known.list = action.list;
            }
        }
    }
}

/// Add `event` to `events`, merging it into an earlier definition.
fn merge_event(events: &mut BTreeMap<String, DocEvent>, event: DocEvent) {
    match events.get_mut(&event.name.to_ascii_lowercase()) {
        None => {
            events.insert(event.name.to_ascii_lowercase(), event);
        }
        Some(known) => {
            union(&mut known.modules, event.modules);
            union(&mut known.classes, event.classes);
            union(&mut known.since, event.since);
            merge_fields(&mut known.fields, event.fields);
        }
    }
}

/// Append the strings of `more` that `list` lacks.
fn union(list: &mut Vec<String>, more: Vec<String>) {
    for item in more {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// Append the fields of `more` that `fields` lacks (by name, ignoring
/// case); for a field in both, keep the first explicit `required` and the
/// union of the values.
fn merge_fields(fields: &mut Vec<DocField>, more: Vec<DocField>) {
    for field in more {
        match fields
            .iter_mut()
            .find(|f| f.name.eq_ignore_ascii_case(&field.name))
        {
            None => fields.push(field),
            Some(known) => {
                if known.required.is_none() {
                    known.required = field.required;
                }
                union(&mut known.values, field.values);
            }
        }
    }
}

struct Reader<'a, 'input> {
    doc: &'a Document<'input>,
    source: &'a str,
    /// The children of `<docs>` by element and `name` attribute: the first
    /// two steps of almost every include, looked up without a scan.
    named: HashMap<(&'a str, &'a str), Vec<Node<'a, 'input>>>,
    /// Byte offset of the start of each line, to number lines fast.
    line_starts: Vec<usize>,
    warnings: Vec<String>,
}

impl<'a, 'input> Reader<'a, 'input> {
    fn line(&self, node: Node) -> usize {
        let at = node.range().start;
        self.line_starts.partition_point(|&start| start <= at)
    }

    fn error(&self, node: Node, message: impl Into<String>) -> XmlError {
        XmlError {
            source: self.source.to_owned(),
            line: Some(self.line(node)),
            message: message.into(),
        }
    }

    /// The `name` attribute of `node`, required.
    fn name(&self, node: Node) -> Result<String, XmlError> {
        match node.attribute("name") {
            Some(name) if !name.trim().is_empty() => Ok(name.trim().to_owned()),
            _ => Err(self.error(
                node,
                format!("<{}> without a name attribute", node.tag_name().name()),
            )),
        }
    }

    /// The element children of `node`, each `xi:include` replaced by the
    /// elements it points at. Targets are not expanded here: their own
    /// includes are, when the reader walks into them, so a cycle cannot loop.
    fn children(&mut self, node: Node<'a, 'input>) -> Result<Vec<Node<'a, 'input>>, XmlError> {
        let mut out = Vec::new();
        for child in node.children().filter(Node::is_element) {
            if child.tag_name().namespace() == Some(XINCLUDE_NS)
                && child.tag_name().name() == "include"
            {
                out.extend(self.include_targets(child)?);
            } else {
                out.push(child);
            }
        }
        Ok(out)
    }

    /// The elements an `xi:include` points at. One that points at nothing
    /// is a warning, not an error (the rest of the file stays usable).
    fn include_targets(
        &mut self,
        include: Node<'a, 'input>,
    ) -> Result<Vec<Node<'a, 'input>>, XmlError> {
        let Some(pointer) = include.attribute("xpointer") else {
            return Err(self.error(include, "xi:include without an xpointer attribute"));
        };
        let path = pointer
            .trim()
            .strip_prefix("xpointer(")
            .and_then(|p| p.strip_suffix(')'))
            .ok_or_else(|| {
                self.error(
                    include,
                    format!("xi:include xpointer {pointer:?} is not of the form xpointer(PATH)"),
                )
            })?;
        let steps = parse_path(path).map_err(|why| {
            self.error(include, format!("xi:include xpointer {pointer:?}: {why}"))
        })?;
        let targets = self.evaluate(&steps);
        if targets.is_empty() {
            self.warnings.push(format!(
                "{}: xi:include {path} points at nothing",
                self.line(include)
            ));
        }
        Ok(targets)
    }

    /// The elements that `steps` select. `/docs/<element>[@name='X']...`
    /// starts from the index of named elements.
    fn evaluate(&self, steps: &[Step]) -> Vec<Node<'a, 'input>> {
        if let [docs, second, rest @ ..] = steps {
            if let (true, [Predicate::AttrEq(attr, value), more @ ..]) = (
                docs.name == "docs" && docs.predicates.is_empty(),
                second.predicates.as_slice(),
            ) {
                if attr == "name" && second.name != "node()" {
                    let start = self
                        .named
                        .get(&(second.name.as_str(), value.as_str()))
                        .cloned()
                        .unwrap_or_default();
                    let start = apply_predicates(start, more);
                    return walk(start, rest);
                }
            }
        }
        walk(vec![self.doc.root()], steps)
    }

    fn since(&mut self, node: Node<'a, 'input>) -> Result<Vec<String>, XmlError> {
        let mut versions = Vec::new();
        for since in self
            .children(node)?
            .into_iter()
            .filter(|n| n.has_tag_name("since"))
        {
            for version in since.children().filter(|n| n.has_tag_name("version")) {
                let text = version.text().unwrap_or("").trim().to_owned();
                if text.is_empty() {
                    return Err(self.error(version, "empty <version>"));
                }
                if !versions.contains(&text) {
                    versions.push(text);
                }
            }
        }
        Ok(versions)
    }

    fn action(&mut self, node: Node<'a, 'input>) -> Result<DocAction, XmlError> {
        let name = self.name(node)?;
        let mut action = DocAction {
            name,
            modules: node
                .attribute("module")
                .map(str::to_owned)
                .into_iter()
                .collect(),
            since: self.since(node)?,
            line: self.line(node),
            ..DocAction::default()
        };
        for child in self.children(node)? {
            match child.tag_name().name() {
                "syntax" => action.params = self.syntax(child)?,
                "responses" => action.list = Some(self.responses(child)?),
                _ => {}
            }
        }
        Ok(action)
    }

    fn event(&mut self, node: Node<'a, 'input>) -> Result<DocEvent, XmlError> {
        let name = self.name(node)?;
        let mut event = DocEvent {
            name,
            modules: node
                .attribute("module")
                .map(str::to_owned)
                .into_iter()
                .collect(),
            line: self.line(node),
            ..DocEvent::default()
        };
        for instance in self.children(node)? {
            if !instance.has_tag_name("managerEventInstance") {
                continue;
            }
            if let Some(class) = instance.attribute("class") {
                union(&mut event.classes, vec![class.to_owned()]);
            }
            if let Some(module) = instance.attribute("module") {
                union(&mut event.modules, vec![module.to_owned()]);
            }
            let since = self.since(instance)?;
            union(&mut event.since, since);
            for syntax in self.children(instance)? {
                if syntax.has_tag_name("syntax") {
                    let fields = self.syntax(syntax)?;
                    merge_fields(&mut event.fields, fields);
                }
            }
        }
        Ok(event)
    }

    /// The parameters of a `<syntax>`, snapshots expanded.
    fn syntax(&mut self, node: Node<'a, 'input>) -> Result<Vec<DocField>, XmlError> {
        let mut fields = Vec::new();
        for child in self.children(node)? {
            match child.tag_name().name() {
                "parameter" => {
                    let field = self.parameter(child)?;
                    merge_fields(&mut fields, vec![field]);
                }
                "channel_snapshot" => {
                    let snapshot = snapshot_fields(
                        child.attribute("prefix").unwrap_or(""),
                        CHANNEL_SNAPSHOT,
                        self.line(child),
                    );
                    merge_fields(&mut fields, snapshot);
                }
                "bridge_snapshot" => {
                    let snapshot = snapshot_fields(
                        child.attribute("prefix").unwrap_or(""),
                        BRIDGE_SNAPSHOT,
                        self.line(child),
                    );
                    merge_fields(&mut fields, snapshot);
                }
                _ => {}
            }
        }
        Ok(fields)
    }

    fn parameter(&mut self, node: Node<'a, 'input>) -> Result<DocField, XmlError> {
        let name = self.name(node)?;
        let required = match node.attribute("required").map(str::trim) {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes") => {
                Some(true)
            }
            Some(v) if v.eq_ignore_ascii_case("false") || v.eq_ignore_ascii_case("no") => {
                Some(false)
            }
            Some(v) => {
                return Err(self.error(
                    node,
                    format!("parameter {name}: required={v:?} is neither true nor false"),
                ))
            }
        };
        let mut values = Vec::new();
        for child in self.children(node)? {
            if child.has_tag_name("enumlist") {
                for value in self.children(child)? {
                    if value.has_tag_name("enum") {
                        let value = self.name(value)?;
                        if !values.contains(&value) {
                            values.push(value);
                        }
                    }
                }
            }
        }
        Ok(DocField {
            name,
            required,
            values,
            line: self.line(node),
        })
    }

    fn responses(&mut self, node: Node<'a, 'input>) -> Result<DocList, XmlError> {
        let mut list = DocList::default();
        for child in self.children(node)? {
            match child.tag_name().name() {
                "list-elements" => {
                    for item in self.children(child)? {
                        if item.has_tag_name("managerEvent") {
                            list.items.push(self.name(item)?);
                        }
                    }
                }
                "managerEvent" => list.complete.push(self.name(child)?),
                _ => {}
            }
        }
        Ok(list)
    }
}

/// The fields of a snapshot shorthand with `prefix`.
fn snapshot_fields(prefix: &str, names: &[&str], line: usize) -> Vec<DocField> {
    names
        .iter()
        .map(|name| DocField {
            name: format!("{prefix}{name}"),
            required: (*name == "BridgeVideoSource").then_some(false),
            values: match *name {
                "ChannelStateDesc" => CHANNEL_STATES.iter().map(|s| (*s).to_owned()).collect(),
                "BridgeVideoSourceMode" => {
                    BRIDGE_VIDEO_MODES.iter().map(|s| (*s).to_owned()).collect()
                }
                _ => Vec::new(),
            },
            line,
        })
        .collect()
}

/// One step of an xpointer path: an element name (or `node()`) and its
/// predicates.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    name: String,
    predicates: Vec<Predicate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Predicate {
    /// `[@attr='value']`
    AttrEq(String, String),
    /// `[contains(@attr, 'value')]`
    AttrContains(String, String),
    /// `[N]`, 1-based.
    Position(usize),
}

/// Parse the XPath subset that Asterisk's includes use:
/// `/docs/manager[@name='X']/syntax/parameter[@name='Y']`, `[N]`,
/// `[contains(@name, 'X')]`, `node()`.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let path = path.trim().trim_start_matches('/');
    let mut steps = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let name_end = rest.find(['[', '/']).unwrap_or(rest.len());
        let name = rest[..name_end].trim();
        if name.is_empty() {
            return Err("an empty step".to_owned());
        }
        rest = &rest[name_end..];
        let mut predicates = Vec::new();
        while let Some(after) = rest.strip_prefix('[') {
            let end = closing_bracket(after).ok_or("a predicate without its `]`")?;
            predicates.push(parse_predicate(after[..end].trim())?);
            rest = &after[end + 1..];
        }
        steps.push(Step {
            name: name.to_owned(),
            predicates,
        });
        match rest.strip_prefix('/') {
            Some(after) => rest = after,
            None if rest.is_empty() => {}
            None => return Err(format!("unexpected {rest:?}")),
        }
    }
    if steps.is_empty() {
        return Err("an empty path".to_owned());
    }
    Ok(steps)
}

/// The offset of the `]` that closes a predicate, skipping quoted text.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_predicate(text: &str) -> Result<Predicate, String> {
    if let Ok(n) = text.parse::<usize>() {
        return if n == 0 {
            Err("position 0 (positions start at 1)".to_owned())
        } else {
            Ok(Predicate::Position(n))
        };
    }
    if let Some(inner) = text
        .strip_prefix("contains(")
        .and_then(|t| t.strip_suffix(')'))
    {
        let (attr, value) = inner
            .split_once(',')
            .ok_or_else(|| format!("contains() needs two arguments: {text:?}"))?;
        return Ok(Predicate::AttrContains(attr_name(attr)?, quoted(value)?));
    }
    if let Some((attr, value)) = text.split_once('=') {
        return Ok(Predicate::AttrEq(attr_name(attr)?, quoted(value)?));
    }
    Err(format!("unsupported predicate [{text}]"))
}

fn attr_name(text: &str) -> Result<String, String> {
    text.trim()
        .strip_prefix('@')
        .map(str::to_owned)
        .ok_or_else(|| format!("expected an attribute (@name), found {:?}", text.trim()))
}

fn quoted(text: &str) -> Result<String, String> {
    let text = text.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return Ok(inner.to_owned());
        }
    }
    Err(format!("expected a quoted string, found {text:?}"))
}

/// The children of `<docs>` that have a `name`, by element and name.
fn index_named<'a, 'input>(
    root: Node<'a, 'input>,
) -> HashMap<(&'a str, &'a str), Vec<Node<'a, 'input>>> {
    let mut named: HashMap<(&str, &str), Vec<Node>> = HashMap::new();
    for child in root.children().filter(Node::is_element) {
        if let Some(name) = child.attribute("name") {
            named
                .entry((child.tag_name().name(), name))
                .or_default()
                .push(child);
        }
    }
    named
}

/// The elements that `steps` select, starting at `current`.
fn walk<'a, 'input>(mut current: Vec<Node<'a, 'input>>, steps: &[Step]) -> Vec<Node<'a, 'input>> {
    for step in steps {
        let mut next = Vec::new();
        for node in &current {
            let matched: Vec<Node> = node
                .children()
                .filter(|c| c.is_element() && step_matches(&step.name, *c))
                .collect();
            next.extend(apply_predicates(matched, &step.predicates));
        }
        current = next;
    }
    current
}

/// Whether element `node` is selected by a step called `name`. Asterisk
/// expands the snapshot shorthands into `<parameter>`s before it resolves
/// includes, so `.../syntax/parameter` takes them too (18's `AgentLogoff`
/// includes every parameter of `AgentLogin`, a channel snapshot among them).
fn step_matches(name: &str, node: Node) -> bool {
    name == "node()"
        || node.has_tag_name(name)
        || (name == "parameter"
            && (node.has_tag_name("channel_snapshot") || node.has_tag_name("bridge_snapshot")))
}

/// Filter the candidates of one step (the children of one node) by the
/// step's predicates, in order (`[@name='x'][2]` is the second named x).
fn apply_predicates<'a, 'input>(
    mut matched: Vec<Node<'a, 'input>>,
    predicates: &[Predicate],
) -> Vec<Node<'a, 'input>> {
    for predicate in predicates {
        matched = match predicate {
            Predicate::AttrEq(attr, value) => matched
                .into_iter()
                .filter(|n| n.attribute(attr.as_str()) == Some(value.as_str()))
                .collect(),
            Predicate::AttrContains(attr, value) => matched
                .into_iter()
                .filter(|n| {
                    n.attribute(attr.as_str())
                        .is_some_and(|a| a.contains(value.as_str()))
                })
                .collect(),
            Predicate::Position(n) => matched.get(n - 1).copied().into_iter().collect(),
        };
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpointer_paths_parse() {
        let steps = parse_path("/docs/manager[@name='Login']/syntax/parameter[@name=\"ActionID\"]")
            .unwrap();
        assert_eq!(steps.len(), 4);
        assert_eq!(
            steps[1].predicates,
            [Predicate::AttrEq("name".into(), "Login".into())]
        );
        let steps = parse_path("docs/x[contains(@name, 'Report]X')][2]/node()").unwrap();
        assert_eq!(
            steps[1].predicates,
            [
                Predicate::AttrContains("name".into(), "Report]X".into()),
                Predicate::Position(2)
            ]
        );
        assert_eq!(steps[2].name, "node()");
        assert!(parse_path("/docs/x[@name='a'").is_err());
        assert!(parse_path("/docs/x[last()]").is_err());
        assert!(parse_path("/docs/x[0]").is_err());
    }
}

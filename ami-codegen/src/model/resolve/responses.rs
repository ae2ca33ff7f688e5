//! Responses: the reply shapes (`single` with fields and indexed groups,
//! `list` with item and completion events, `command`, `raw`, `goodbye`).

use super::*;

impl Resolver<'_> {
    pub(super) fn response(
        &mut self,
        fi: usize,
        spec: &spec::Action,
        rust: &str,
        what: &str,
    ) -> Response {
        let Some(r) = &spec.response else {
            return Response {
                kind: ResponseKind::Single {
                    fields: Vec::new(),
                    groups: Vec::new(),
                    free: Vec::new(),
                },
                doc: String::new(),
            };
        };
        let rs = r.get_ref();
        let kind_name = rs.kind.as_ref().map_or("single", |k| k.get_ref().as_str());
        let kind_span = rs.kind.as_ref().map_or(r.span(), |k| k.span());
        let rwhat = format!("the response of {what}");
        let is_list = kind_name == "list";
        if !is_list {
            if let Some(items) = &rs.items {
                self.err(
                    fi,
                    &items.span(),
                    format!("`items` is for list responses, but {rwhat} is `{kind_name}`"),
                );
            }
            if let Some(c) = &rs.complete {
                self.err(
                    fi,
                    &c.span(),
                    format!("`complete` is for list responses, but {rwhat} is `{kind_name}`"),
                );
            }
        }
        if kind_name != "single" {
            if let Some(f) = rs.field.first() {
                self.err(
                    fi,
                    &f.span(),
                    format!("fields are for single responses, but {rwhat} is `{kind_name}`"),
                );
            }
            if let Some(g) = rs.group.first() {
                self.err(
                    fi,
                    &g.span(),
                    format!("groups are for single responses, but {rwhat} is `{kind_name}`"),
                );
            }
        }
        let kind = match kind_name {
            "single" => {
                let owner = casing::response_type(rust);
                let (field_raw, free) = self.split_free(fi, &rs.field, &rwhat);
                let fields = self.fields(fi, field_raw, &owner, &rwhat, Role::ResponseFields);
                let mut groups = Vec::new();
                for g in &rs.group {
                    let gs = g.get_ref();
                    let gwhat = format!("group `{}` of {rwhat}", gs.name.get_ref());
                    let group = self.indexed_group(
                        fi,
                        &owner,
                        GroupSpec {
                            name: &gs.name,
                            rust_name: gs.rust_name.as_ref(),
                            index: &gs.index,
                            doc: &gs.doc,
                        },
                        &gwhat,
                        gs.field.iter().map(RawField::field).collect(),
                        Role::ResponseFields,
                    );
                    groups.push(group);
                }
                if !fields.is_empty() || !groups.is_empty() {
                    self.claim_type(&owner, fi, &r.span(), rwhat.clone());
                }
                for f in &rs.field {
                    let n = &f.get_ref().name;
                    if n.get_ref().eq_ignore_ascii_case("Message") {
                        self.err(
                            fi,
                            &n.span(),
                            format!("field `Message` of {rwhat} is implicit (every response has `message`): remove it"),
                        );
                    }
                }
                let mut names = Self::field_names(&fields);
                names.retain(|(_, wire, _)| !wire.eq_ignore_ascii_case("Message"));
                names.extend(
                    groups
                        .iter()
                        .zip(&rs.group)
                        .map(|(g, gs)| (g.rust.clone(), g.name.clone(), gs.get_ref().name.span())),
                );
                self.unique_rust_fields(fi, names, &["message", "extra"], &rwhat);
                ResponseKind::Single {
                    fields,
                    groups,
                    free,
                }
            }
            "list" => {
                let items: Vec<TypeRef> = match &rs.items {
                    Some(items) if !items.get_ref().is_empty() => items
                        .get_ref()
                        .iter()
                        .filter_map(|n| self.event_ref(fi, n, &format!("items of {rwhat}")))
                        .collect(),
                    Some(items) => {
                        self.err(
                            fi,
                            &items.span(),
                            format!("{rwhat} is a list without item events"),
                        );
                        Vec::new()
                    }
                    None => {
                        self.err(fi, &kind_span, format!("{rwhat} is a list without `items`"));
                        Vec::new()
                    }
                };
                if let Some(items) = &rs.items {
                    let mut seen = BTreeSet::new();
                    for n in items.get_ref() {
                        if !seen.insert(event_ref_key(n.get_ref())) {
                            self.err(
                                fi,
                                &n.span(),
                                format!("item event `{}` is listed twice", n.get_ref()),
                            );
                        }
                    }
                }
                let complete = match &rs.complete {
                    Some(c) => {
                        let found = self.event_ref(fi, c, &format!("complete of {rwhat}"));
                        if found.as_ref().is_some_and(|r| r.user_event.is_some()) {
                            self.err(
                                fi,
                                &c.span(),
                                format!(
                                    "complete of {rwhat} is `{}`, a subtype of `UserEvent`: a list ends on an event told apart by its `Event` header alone",
                                    c.get_ref()
                                ),
                            );
                        }
                        found
                    }
                    None => {
                        self.err(
                            fi,
                            &kind_span,
                            format!("{rwhat} is a list without `complete` (the completion event)"),
                        );
                        None
                    }
                };
                if let (Some(c), Some(items)) = (&complete, &rs.items) {
                    if let Some(n) = items
                        .get_ref()
                        .iter()
                        .find(|n| event_ref_key(n.get_ref()) == event_ref_key(&c.spec_name()))
                    {
                        self.err(
                            fi,
                            &n.span(),
                            format!(
                                "event `{}` is both an item and the completion event",
                                c.spec_name()
                            ),
                        );
                    }
                }
                if items.len() > 1 {
                    let item = casing::item_type(rust);
                    self.claim_type(&item, fi, &kind_span, format!("the item enum of {rwhat}"));
                }
                match complete {
                    Some(complete) => ResponseKind::List { items, complete },
                    None => ResponseKind::Single {
                        fields: Vec::new(),
                        groups: Vec::new(),
                        free: Vec::new(),
                    },
                }
            }
            "command" => ResponseKind::Command,
            "raw" => ResponseKind::Raw,
            "goodbye" => ResponseKind::Goodbye,
            other => {
                self.err(
                    fi,
                    &kind_span,
                    format!("unknown response kind `{other}` (expected one of single, list, command, raw, goodbye)"),
                );
                ResponseKind::Single {
                    fields: Vec::new(),
                    groups: Vec::new(),
                    free: Vec::new(),
                }
            }
        };
        Response {
            kind,
            doc: rs.doc.trim().to_owned(),
        }
    }
}

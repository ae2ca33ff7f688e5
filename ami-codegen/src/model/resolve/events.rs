//! Events and the shared field groups they flatten in, and the links
//! from events back to the actions that cause or list them.

use super::*;

/// Fill `caused_by` and `listed_by` of every event.
pub(super) fn link_events(families: &mut [Family]) {
    let mut caused: BTreeMap<String, Vec<TypeRef>> = BTreeMap::new();
    let mut listed: BTreeMap<String, Vec<TypeRef>> = BTreeMap::new();
    for f in families.iter() {
        for a in &f.actions {
            let me = TypeRef {
                wire: a.wire.clone(),
                family: a.family.clone(),
                type_name: a.type_name.clone(),
                rust: a.rust.clone(),
                user_event: None,
            };
            for e in &a.events {
                caused.entry(e.spec_name()).or_default().push(me.clone());
            }
            if let ResponseKind::List { items, complete } = &a.response.kind {
                for e in items.iter().chain([complete]) {
                    listed.entry(e.spec_name()).or_default().push(me.clone());
                }
            }
        }
    }
    for f in families.iter_mut() {
        for e in &mut f.events {
            let key = spec_name(&e.wire, e.user_event.as_deref());
            let mut c = caused.remove(&key).unwrap_or_default();
            c.sort_by_key(|r| r.wire.to_ascii_lowercase());
            let mut l = listed.remove(&key).unwrap_or_default();
            l.sort_by_key(|r| r.wire.to_ascii_lowercase());
            e.caused_by = c;
            e.listed_by = l;
        }
    }
}

impl Resolver<'_> {
    pub(super) fn field_group(&mut self, fi: usize, g: &Spanned<spec::FieldGroup>) -> FieldGroup {
        let spec = g.get_ref();
        let name = spec.name.get_ref().clone();
        if !casing::is_upper_camel(&name) {
            self.err(
                fi,
                &spec.name.span(),
                format!("group name `{name}` is not an UpperCamelCase Rust identifier"),
            );
        }
        // A duplicate group is reported as such: its name claims nothing.
        let key = name.to_ascii_lowercase();
        let defines = self
            .groups
            .get(&key)
            .is_some_and(|(gf, _, site)| *gf == fi && site.span == spec.name.span());
        if defines {
            self.claim_type(&name, fi, &spec.name.span(), format!("group `{name}`"));
        }
        let fields = self.fields(
            fi,
            spec.field.iter().map(RawField::field).collect(),
            &name,
            &format!("group `{name}`"),
            Role::EventFields,
        );
        if fields.is_empty() {
            self.err(
                fi,
                &spec.name.span(),
                format!("group `{name}` has no fields"),
            );
        }
        let names = Self::field_names(&fields);
        self.unique_rust_fields(fi, names, &[], &format!("group `{name}`"));
        FieldGroup {
            name,
            doc: spec.doc.clone(),
            fields,
        }
    }

    pub(super) fn event(&mut self, fi: usize, family: &str, e: &Spanned<spec::Event>) -> Event {
        let spec = e.get_ref();
        let wire = spec.name.get_ref().clone();
        let user_event = spec
            .user_event
            .as_ref()
            .filter(|_| wire.eq_ignore_ascii_case("UserEvent"))
            .map(|st| st.get_ref().clone());
        let key = event_key(&wire, user_event.as_deref());
        let rust = self
            .events
            .get(&key)
            .map(|(r, _)| r.rust.clone())
            .unwrap_or_else(|| "Invalid".to_owned());
        let type_name = casing::event_type(&rust);
        let what = format!("event `{}`", spec_name(&wire, user_event.as_deref()));
        let span = match (&spec.user_event, &user_event) {
            (Some(st), Some(_)) => st.span(),
            _ => spec.name.span(),
        };
        if self.is_definition(&self.events, &key, fi, &span) {
            self.claim_type(&type_name, fi, &span, what.clone());
        }
        let (field_raw, free) = self.split_free(fi, &spec.field, &what);
        let fields = self.fields(fi, field_raw, &rust, &what, Role::EventFields);
        for f in &spec.field {
            let n = &f.get_ref().name;
            if let Some((header, field)) = EVENT_IMPLICIT
                .iter()
                .find(|(h, _)| h.eq_ignore_ascii_case(n.get_ref()))
            {
                self.err(
                    fi,
                    &n.span(),
                    format!("field `{header}` of {what} is implicit (every event has `{field}`): remove it"),
                );
            }
        }
        let mut uses = Vec::new();
        let mut use_spans = Vec::new();
        for u in &spec.uses {
            let us = u.get_ref();
            let key = us.group.get_ref().to_ascii_lowercase();
            let Some((gfile, gi, _)) = self.groups.get(&key).cloned() else {
                if self.complete {
                    self.err(
                        fi,
                        &us.group.span(),
                        format!(
                            "{what} uses unknown group `{}`{}",
                            us.group.get_ref(),
                            crate::suggest::did_you_mean(
                                us.group.get_ref(),
                                self.groups.values().map(|(gf, gi, _)| {
                                    self.files[*gf].1.group[*gi]
                                        .get_ref()
                                        .name
                                        .get_ref()
                                        .as_str()
                                })
                            )
                        ),
                    );
                }
                continue;
            };
            let group = self.files[gfile].1.group[gi].get_ref();
            let prefix = us
                .prefix
                .as_ref()
                .map_or(String::new(), |p| p.get_ref().clone());
            if !prefix.is_empty() && !is_header_name(&prefix) {
                let span = us.prefix.as_ref().map_or(u.span(), |p| p.span());
                self.err(
                    fi,
                    &span,
                    format!("prefix `{prefix}` is no header name prefix"),
                );
            }
            let default_from = if prefix.is_empty() {
                group.name.get_ref().clone()
            } else {
                prefix.clone()
            };
            let anchor = us.prefix.as_ref().unwrap_or(&us.group);
            let uwhat = format!("the use of `{}` in {what}", group.name.get_ref());
            let rust_field =
                self.snake_name(fi, anchor, &default_from, us.rust_name.as_ref(), &uwhat);
            // Build the group's fields without reporting again (the group
            // itself reports its problems once).
            let fields = self.quiet(|r| {
                r.fields(
                    gfile,
                    group.field.iter().map(RawField::field).collect(),
                    group.name.get_ref(),
                    "",
                    Role::EventFields,
                )
            });
            use_spans.push(us.rust_name.as_ref().map_or(anchor.span(), |r| r.span()));
            uses.push(Use {
                group: TypeRef {
                    wire: group.name.get_ref().clone(),
                    // `common` in the workspace; any file of a user spec.
                    family: self.files[gfile].0.stem.clone(),
                    type_name: group.name.get_ref().clone(),
                    rust: group.name.get_ref().clone(),
                    user_event: None,
                },
                prefix,
                optional: us.optional,
                rust: rust_field,
                fields,
            });
        }
        // Expanded wire names are unique: own fields and every group field
        // under its prefix.
        let mut wires: BTreeMap<String, String> = EVENT_IMPLICIT
            .iter()
            .map(|(h, _)| (h.to_ascii_lowercase(), format!("the implicit `{h}`")))
            .collect();
        for f in &fields {
            wires.insert(f.wire.to_ascii_lowercase(), format!("field `{}`", f.wire));
        }
        for (u, span) in uses.iter().zip(&use_spans) {
            for f in &u.fields {
                let full = format!("{}{}", u.prefix, f.wire);
                let key = full.to_ascii_lowercase();
                let this = format!("`{full}` of group `{}`", u.group.wire);
                if let Some(first) = wires.get(&key) {
                    self.err(
                        fi,
                        span,
                        format!(
                            "header `{full}` of {what} comes twice: from {first} and from {this}"
                        ),
                    );
                } else {
                    wires.insert(key, this);
                }
            }
        }
        let mut names = Self::field_names(&fields);
        names.retain(|(_, wire, _)| {
            !EVENT_IMPLICIT
                .iter()
                .any(|(h, _)| wire.eq_ignore_ascii_case(h))
        });
        names.extend(uses.iter().zip(&use_spans).map(|(u, span)| {
            (
                u.rust.clone(),
                format!("the use of {}", u.group.wire),
                span.clone(),
            )
        }));
        let mut implicit: Vec<&str> = EVENT_IMPLICIT.iter().map(|(_, f)| *f).collect();
        implicit.push("extra");
        self.unique_rust_fields(fi, names, &implicit, &what);
        Event {
            wire,
            user_event,
            rust,
            type_name,
            family: family.to_owned(),
            synopsis: spec.synopsis.trim().to_owned(),
            description: spec.description.trim().to_owned(),
            privilege: spec.privilege.clone(),
            versions: self.versions(fi, life!(spec), &what),
            deviations: self.deviations(fi, life!(spec), &what),
            uses,
            fields,
            free,
            caused_by: Vec::new(),
            listed_by: Vec::new(),
        }
    }

    /// Split fields into those with a Rust field and the free ones
    /// (placeholders of arbitrary headers, carried by `extra`).
    pub(super) fn split_free<'s>(
        &mut self,
        fi: usize,
        fields: &'s [Spanned<spec::Field>],
        what: &str,
    ) -> (Vec<RawField<'s>>, Vec<Field>) {
        let mut typed = Vec::new();
        let mut free = Vec::new();
        for f in fields {
            let s = f.get_ref();
            if !flag(&s.free) {
                typed.push(RawField::field(f));
                continue;
            }
            if flag(&s.required) || flag(&s.repeated) || s.index.is_some() || !s.value.is_empty() {
                self.err(
                    fi,
                    &s.name.span(),
                    format!("free field `{}` of {what} has no Rust field: it cannot be required, repeated, indexed or an enum", s.name.get_ref()),
                );
            }
            free.push(Field {
                wire: s.name.get_ref().clone(),
                rust: String::new(),
                ty: Type::Scalar(Scalar::String),
                required: false,
                multi: Multi::Single,
                doc: s.doc.trim().to_owned(),
                default: None,
                example: None,
                versions: self.versions(
                    fi,
                    life!(s),
                    &format!("free field `{}` of {what}", s.name.get_ref()),
                ),
                deviations: self.deviations(
                    fi,
                    life!(s),
                    &format!("free field `{}` of {what}", s.name.get_ref()),
                ),
                span: s.name.span(),
            });
        }
        (typed, free)
    }
}

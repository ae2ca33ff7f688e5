//! Actions: parameters (plain, free and in indexed groups), their constraints
//! and the cross-references of an action (`see_also`, `events`).

use super::*;

impl Resolver<'_> {
    pub(super) fn action(&mut self, fi: usize, family: &str, a: &Spanned<spec::Action>) -> Action {
        let spec = a.get_ref();
        let wire = spec.name.get_ref().clone();
        let rust = self
            .actions
            .get(&wire.to_ascii_lowercase())
            .map(|(r, _)| r.rust.clone())
            .unwrap_or_else(|| "Invalid".to_owned());
        let type_name = casing::action_type(&rust);
        let what = format!("action `{wire}`");
        if self.is_definition(
            &self.actions,
            &wire.to_ascii_lowercase(),
            fi,
            &spec.name.span(),
        ) {
            self.claim_type(&type_name, fi, &spec.name.span(), what.clone());
        }

        // Parameters: free ones have no field.
        let (free_raw, field_raw): (Vec<_>, Vec<_>) =
            spec.param.iter().partition(|p| flag(&p.get_ref().free));
        let params = self.fields(
            fi,
            field_raw.into_iter().map(RawField::param).collect(),
            &rust,
            &what,
            Role::Params,
        );
        let mut free = Vec::new();
        for p in free_raw {
            let s = p.get_ref();
            if flag(&s.required) {
                self.err(
                    fi,
                    &s.name.span(),
                    format!(
                        "free parameter `{}` cannot be required: it has no field",
                        s.name.get_ref()
                    ),
                );
            }
            if s.index.is_some() || flag(&s.repeated) {
                self.err(
                    fi,
                    &s.name.span(),
                    format!(
                        "free parameter `{}` cannot be repeated or indexed: it has no field",
                        s.name.get_ref()
                    ),
                );
            }
            if !s.value.is_empty() || s.ty.get_ref() == "enum" {
                self.err(
                    fi,
                    &s.ty.span(),
                    format!(
                        "free parameter `{}` cannot be an enum: it has no field",
                        s.name.get_ref()
                    ),
                );
            }
            free.push(Field {
                wire: s.name.get_ref().clone(),
                rust: String::new(),
                ty: Type::Scalar(Scalar::String),
                required: false,
                multi: Multi::Single,
                doc: s.doc.clone(),
                default: s.default.clone(),
                example: s.example.as_ref().map(|e| e.get_ref().clone()),
                versions: self.versions(
                    fi,
                    life!(s),
                    &format!("free parameter `{}` of {what}", s.name.get_ref()),
                ),
                deviations: self.deviations(
                    fi,
                    life!(s),
                    &format!("free parameter `{}` of {what}", s.name.get_ref()),
                ),
                span: s.name.span(),
            });
        }

        // Parameter names are unique within the action, free ones included.
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for p in &spec.param {
            let n = &p.get_ref().name;
            let key = n.get_ref().to_ascii_lowercase();
            if let Some(first) = seen.get(&key) {
                let (line, col) = self.file(fi).line_col(first.start);
                self.err(
                    fi,
                    &n.span(),
                    format!(
                        "parameter `{}` is listed twice in {what} (names are case-insensitive; first at line {line}, column {col})",
                        n.get_ref()
                    ),
                );
            } else {
                seen.insert(key.clone(), n.span());
            }
            if ACTION_FRAMING
                .iter()
                .any(|f| f.eq_ignore_ascii_case(n.get_ref()))
            {
                self.err(
                    fi,
                    &n.span(),
                    format!(
                        "parameter name `{}` is a framing header the runtime writes itself",
                        n.get_ref()
                    ),
                );
            }
        }

        // Indexed parameter groups.
        let mut groups = Vec::new();
        for g in &spec.group {
            let gs = g.get_ref();
            let gwhat = format!("group `{}` of {what}", gs.name.get_ref());
            for p in &gs.param {
                let s = p.get_ref();
                if let Some(i) = &s.index {
                    self.err(
                        fi,
                        &i.span(),
                        format!(
                            "parameter `{}` of {gwhat} takes the group's index: remove `index`",
                            s.name.get_ref()
                        ),
                    );
                }
                if flag(&s.free) {
                    self.err(
                        fi,
                        &s.name.span(),
                        format!("parameter `{}` of {gwhat} cannot be free", s.name.get_ref()),
                    );
                }
            }
            let group = self.indexed_group(
                fi,
                &rust,
                GroupSpec {
                    name: &gs.name,
                    rust_name: gs.rust_name.as_ref(),
                    index: &gs.index,
                    doc: &gs.doc,
                },
                &gwhat,
                gs.param.iter().map(RawField::param).collect(),
                Role::Params,
            );
            groups.push(group);
        }
        let mut names = Self::field_names(&params);
        names.extend(
            groups
                .iter()
                .zip(&spec.group)
                .map(|(g, gs)| (g.rust.clone(), g.name.clone(), gs.get_ref().name.span())),
        );
        self.unique_rust_fields(fi, names, &["extra"], &what);

        let constraints = self.constraints(fi, spec, &params, &what);
        let see_also = spec
            .see_also
            .iter()
            .filter_map(|n| self.action_ref(fi, n, &format!("see_also of {what}")))
            .collect();
        let events = spec
            .events
            .iter()
            .filter_map(|n| self.event_ref(fi, n, &format!("events of {what}")))
            .collect();
        let response = self.response(fi, spec, &rust, &what);
        let examples = self.examples(fi, spec, &params, &free, &groups, &response, &what);

        let action = Action {
            wire,
            rust,
            type_name,
            family: family.to_owned(),
            synopsis: spec.synopsis.trim().to_owned(),
            description: spec.description.trim().to_owned(),
            module: spec.module.clone(),
            privilege: spec.privilege.clone(),
            versions: self.versions(fi, life!(spec), &what),
            deviations: self.deviations(fi, life!(spec), &what),
            see_also,
            events,
            params,
            free,
            groups,
            constraints,
            response,
            examples,
        };
        if let (Some(first), None) = (spec.constraint.first(), action.satisfying_params(None)) {
            self.err(
                fi,
                &first.span(),
                format!("the constraints of {what} cannot all hold at once"),
            );
        }
        action
    }

    pub(super) fn constraints(
        &mut self,
        fi: usize,
        spec: &spec::Action,
        params: &[Field],
        what: &str,
    ) -> Vec<Constraint> {
        let mut out = Vec::new();
        for c in &spec.constraint {
            let cs = c.get_ref();
            let kind = match ConstraintKind::ALL
                .iter()
                .find(|(n, _)| *n == cs.kind.get_ref())
            {
                Some((_, k)) => Some(*k),
                None => {
                    let names: Vec<&str> = ConstraintKind::ALL.iter().map(|(n, _)| *n).collect();
                    self.err(
                        fi,
                        &cs.kind.span(),
                        format!(
                            "unknown constraint kind `{}`{} (expected one of {})",
                            cs.kind.get_ref(),
                            crate::suggest::did_you_mean(cs.kind.get_ref(), names.iter().copied()),
                            names.join(", ")
                        ),
                    );
                    None
                }
            };
            if cs.params.len() < 2 {
                self.err(
                    fi,
                    &c.span(),
                    format!("a constraint of {what} needs at least two params"),
                );
            }
            let mut wires = Vec::new();
            let mut fields = Vec::new();
            for p in &cs.params {
                let Some(param) = params
                    .iter()
                    .find(|f| f.wire.eq_ignore_ascii_case(p.get_ref()))
                else {
                    self.err(
                        fi,
                        &p.span(),
                        format!(
                            "constraint names `{}`, which is not a parameter of {what}",
                            p.get_ref()
                        ),
                    );
                    continue;
                };
                if wires.contains(&param.wire) {
                    self.err(
                        fi,
                        &p.span(),
                        format!("constraint names `{}` twice", p.get_ref()),
                    );
                    continue;
                }
                if param.required {
                    self.err(
                        fi,
                        &p.span(),
                        format!("constraint names `{}`, a required parameter of {what}: it is always set", param.wire),
                    );
                }
                wires.push(param.wire.clone());
                fields.push(param.rust.clone());
            }
            if let (Some(kind), true) = (kind, wires.len() >= 2) {
                out.push(Constraint {
                    kind,
                    params: wires,
                    fields,
                    doc: cs.doc.trim().to_owned(),
                });
            }
        }
        out
    }
}

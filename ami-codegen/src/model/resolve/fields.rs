//! Parameters and fields (types, enums, flags, Rust names) and the
//! indexed groups that hold them; shared by actions, responses and events.

use super::*;

/// The keys shared by parameters and fields, borrowed from either.
pub(super) struct RawField<'s> {
    pub(super) name: &'s Spanned<String>,
    pub(super) rust_name: Option<&'s Spanned<String>>,
    pub(super) ty: &'s Spanned<String>,
    pub(super) required: &'s Option<Spanned<bool>>,
    pub(super) repeated: &'s Option<Spanned<bool>>,
    pub(super) index: Option<&'s Spanned<String>>,
    pub(super) doc: &'s str,
    pub(super) default: Option<&'s String>,
    pub(super) example: Option<&'s Spanned<String>>,
    pub(super) life: Life<'s>,
    pub(super) values: &'s [Spanned<spec::EnumValue>],
    pub(super) free: Option<&'s Spanned<bool>>,
    pub(super) secret: Option<&'s Spanned<bool>>,
    pub(super) span: Range<usize>,
}

impl<'s> RawField<'s> {
    pub(super) fn param(p: &'s Spanned<spec::Param>) -> Self {
        let s = p.get_ref();
        RawField {
            name: &s.name,
            rust_name: s.rust_name.as_ref(),
            ty: &s.ty,
            required: &s.required,
            repeated: &s.repeated,
            index: s.index.as_ref(),
            doc: &s.doc,
            default: s.default.as_ref(),
            example: s.example.as_ref(),
            life: life!(s),
            values: &s.value,
            free: None,
            secret: s.secret.as_ref(),
            span: p.span(),
        }
    }

    pub(super) fn field(f: &'s Spanned<spec::Field>) -> Self {
        let s = f.get_ref();
        RawField {
            name: &s.name,
            rust_name: s.rust_name.as_ref(),
            ty: &s.ty,
            required: &s.required,
            repeated: &s.repeated,
            index: s.index.as_ref(),
            doc: &s.doc,
            default: None,
            example: None,
            life: life!(s),
            values: &s.value,
            free: s.free.as_ref(),
            secret: s.secret.as_ref(),
            span: f.span(),
        }
    }
}

/// Whether `value` is a valid value of `ty`; `Err` says what it should be.
pub fn check_value(ty: &Type, value: &str) -> Result<(), String> {
    let ok = match ty {
        Type::Scalar(Scalar::String | Scalar::Secret) => true,
        Type::Scalar(Scalar::Int) => value.trim().parse::<i64>().is_ok(),
        Type::Scalar(Scalar::Uint) => value.trim().parse::<u64>().is_ok(),
        Type::Scalar(Scalar::Float) => value.trim().parse::<f64>().is_ok(),
        Type::Scalar(Scalar::Bool) => parse_bool(value).is_some(),
        Type::Scalar(Scalar::Var) => value.split_once('=').is_some_and(|(n, _)| !n.is_empty()),
        Type::Enum(e) => e.values.iter().any(|v| v.wire.eq_ignore_ascii_case(value)),
    };
    if ok {
        Ok(())
    } else {
        Err(match ty {
            Type::Enum(e) => format!(
                "one of {}",
                e.values
                    .iter()
                    .map(|v| v.wire.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Type::Scalar(s) => format!("a valid `{}`", s.spec_name()),
        })
    }
}

/// Asterisk's booleans (`ast_true` / `ast_false`).
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim();
    if ["yes", "true", "y", "t", "1", "on"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(true)
    } else if ["no", "false", "n", "f", "0", "off"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(false)
    } else {
        None
    }
}

/// The spec keys of an indexed group, shared by action and reply groups.
pub(super) struct GroupSpec<'s> {
    pub(super) name: &'s spec::Name,
    pub(super) rust_name: Option<&'s spec::Name>,
    pub(super) index: &'s spec::Name,
    pub(super) doc: &'s str,
}

impl Resolver<'_> {
    /// Resolve one indexed group (UpdateConfig's changes, GetConfig's
    /// categories): its type, field name, index style and members.
    pub(super) fn indexed_group(
        &mut self,
        fi: usize,
        owner: &str,
        spec: GroupSpec<'_>,
        gwhat: &str,
        members: Vec<RawField<'_>>,
        role: Role,
    ) -> Group {
        let gname = spec.name.get_ref().clone();
        let type_name = self.group_type(fi, owner, spec.name);
        self.claim_type(&type_name, fi, &spec.name.span(), gwhat.to_owned());
        let field = self.snake_name(fi, spec.name, &gname, spec.rust_name, gwhat);
        let index = self.index_style(fi, spec.index);
        let fields = self.fields(fi, members, &type_name, gwhat, role);
        if fields.is_empty() {
            let kind = match role {
                Role::Params => "parameters",
                _ => "fields",
            };
            self.err(fi, &spec.name.span(), format!("{gwhat} has no {kind}"));
        }
        let names = Self::field_names(&fields);
        self.unique_rust_fields(fi, names, &[], gwhat);
        Group {
            name: gname,
            type_name,
            rust: field,
            index: index.unwrap_or(IndexStyle::Dash6),
            doc: spec.doc.to_owned(),
            fields,
        }
    }

    pub(super) fn group_type(&mut self, fi: usize, owner: &str, name: &Spanned<String>) -> String {
        if !casing::is_upper_camel(name.get_ref()) {
            self.err(
                fi,
                &name.span(),
                format!(
                    "group name `{}` is not an UpperCamelCase Rust identifier",
                    name.get_ref()
                ),
            );
            return format!("{owner}Invalid");
        }
        format!("{owner}{}", name.get_ref())
    }

    pub(super) fn index_style(&mut self, fi: usize, index: &Spanned<String>) -> Option<IndexStyle> {
        match index.get_ref().as_str() {
            "dash6" => Some(IndexStyle::Dash6),
            "paren" => Some(IndexStyle::Paren),
            other => {
                self.err(
                    fi,
                    &index.span(),
                    format!("unknown index style `{other}` (expected one of dash6, paren)"),
                );
                None
            }
        }
    }

    /// Rust field names must be unique within a struct and avoid the
    /// implicit fields. Each entry is (Rust name, wire name, span).
    pub(super) fn unique_rust_fields(
        &mut self,
        fi: usize,
        fields: Vec<(String, String, Range<usize>)>,
        implicit: &[&str],
        what: &str,
    ) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (rust, wire, span) in fields {
            if implicit.contains(&rust.as_str()) {
                self.err(
                    fi,
                    &span,
                    format!("`{wire}` of {what} maps to the Rust field `{rust}`, which every such struct has: give it another rust_name"),
                );
            } else if let Some(first) = seen.get(&rust) {
                if first.eq_ignore_ascii_case(&wire) {
                    // Reported as listed twice.
                    continue;
                }
                self.err(
                    fi,
                    &span,
                    format!("`{first}` and `{wire}` of {what} both map to the Rust field `{rust}`: give one a rust_name"),
                );
            } else {
                seen.insert(rust, wire);
            }
        }
    }

    pub(super) fn field_names(fields: &[Field]) -> Vec<(String, String, Range<usize>)> {
        fields
            .iter()
            .map(|f| (f.rust.clone(), f.wire.clone(), f.span.clone()))
            .collect()
    }

    /// Parameters or fields: types, enums, flags, names.
    pub(super) fn fields(
        &mut self,
        fi: usize,
        raw: Vec<RawField<'_>>,
        owner: &str,
        what: &str,
        role: Role,
    ) -> Vec<Field> {
        let mut out = Vec::new();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for f in raw {
            let wire = f.name.get_ref().clone();
            let key = wire.to_ascii_lowercase();
            if role != Role::Params {
                if let Some(first) = seen.get(&key) {
                    let (line, col) = self.file(fi).line_col(first.start);
                    self.err(
                        fi,
                        &f.name.span(),
                        format!("field `{wire}` is listed twice in {what} (names are case-insensitive; first at line {line}, column {col})"),
                    );
                } else {
                    seen.insert(key.clone(), f.name.span());
                }
                if role.framing().iter().any(|n| n.eq_ignore_ascii_case(&wire)) {
                    self.err(
                        fi,
                        &f.name.span(),
                        format!(
                            "field name `{wire}` is a framing header the runtime consumes itself"
                        ),
                    );
                }
            }
            if !is_header_name(&wire) {
                self.err(
                    fi,
                    &f.name.span(),
                    format!("`{wire}` cannot be a header name: it is empty, or holds `:`, a control character, or whitespace other than inner spaces"),
                );
            }
            let fwhat = format!("{} `{wire}` of {what}", role.noun());
            if let Some(free) = f.free.filter(|f| *f.get_ref()) {
                self.err(
                    fi,
                    &free.span(),
                    format!("{fwhat} cannot be free: only action parameters, response fields and event fields can"),
                );
            }
            let rust = self.snake_name(fi, f.name, &wire, f.rust_name, &fwhat);
            let mut ty = self.ty(fi, &f, owner, &rust, &fwhat);
            if let Some(secret) = f.secret.filter(|s| *s.get_ref()) {
                match &ty {
                    Some(Type::Scalar(Scalar::String)) => ty = Some(Type::Scalar(Scalar::Secret)),
                    Some(other) => self.err(
                        fi,
                        &secret.span(),
                        format!(
                            "{fwhat} is secret, which only a `string` can be, not `{}`",
                            other.spec_name()
                        ),
                    ),
                    None => {}
                }
            }
            let required = flag(f.required);
            let repeated = flag(f.repeated);
            let mut multi = Multi::Single;
            if let Some(index) = f.index {
                if let Some(style) = self.index_style(fi, index) {
                    multi = Multi::Indexed(style);
                }
                if repeated {
                    self.err(
                        fi,
                        &index.span(),
                        format!("{fwhat} is both repeated and indexed: choose one"),
                    );
                }
            } else if repeated {
                multi = Multi::Repeated;
            }
            if required && multi != Multi::Single {
                let span = f.required.as_ref().map_or(f.span.clone(), |r| r.span());
                self.err(
                    fi,
                    &span,
                    format!(
                        "{fwhat} is repeated or indexed, so it cannot be required (it is a Vec)"
                    ),
                );
            }
            if let (Some(example), Some(ty)) = (f.example, &ty) {
                if let Err(why) = check_value(ty, example.get_ref()) {
                    self.err(
                        fi,
                        &example.span(),
                        format!("example `{}` of {fwhat} is not {why}", example.get_ref()),
                    );
                }
            }
            out.push(Field {
                wire,
                rust,
                ty: ty.unwrap_or(Type::Scalar(Scalar::String)),
                required: required && multi == Multi::Single,
                multi,
                doc: f.doc.trim().to_owned(),
                default: f.default.cloned(),
                example: f.example.map(|e| e.get_ref().clone()),
                versions: self.versions(fi, f.life, &fwhat),
                deviations: self.deviations(fi, f.life, &fwhat),
                span: f.rust_name.map_or(f.name.span(), |r| r.span()),
            });
        }
        out
    }

    pub(super) fn ty(
        &mut self,
        fi: usize,
        f: &RawField<'_>,
        owner: &str,
        rust_field: &str,
        what: &str,
    ) -> Option<Type> {
        let name = f.ty.get_ref().as_str();
        if name == "enum" {
            if f.values.is_empty() {
                self.err(
                    fi,
                    &f.ty.span(),
                    format!("{what} is an enum without values: add [[...value]] entries"),
                );
            }
            let type_name = match casing::nested_type(owner, rust_field) {
                Some(n) => n,
                None => {
                    self.err(
                        fi,
                        &f.name.span(),
                        format!("{what} makes no enum type name"),
                    );
                    format!("{owner}Invalid")
                }
            };
            self.claim_type(&type_name, fi, &f.ty.span(), format!("the enum of {what}"));
            let mut values = Vec::new();
            let mut wires: BTreeMap<String, Range<usize>> = BTreeMap::new();
            let mut variants: BTreeMap<String, String> = BTreeMap::new();
            for v in f.values {
                let vs = v.get_ref();
                let wire = vs.name.get_ref().clone();
                let rust = match &vs.rust_name {
                    Some(given) => {
                        if !casing::is_upper_camel(given.get_ref()) {
                            self.err(
                                fi,
                                &given.span(),
                                format!("rust_name `{}` of value `{wire}` is not an UpperCamelCase Rust identifier", given.get_ref()),
                            );
                        }
                        given.get_ref().clone()
                    }
                    None => match casing::upper_camel(&wire) {
                        Some(n) => n,
                        None => {
                            self.err(
                                fi,
                                &vs.name.span(),
                                format!("enum value `{wire}` of {what} makes no Rust identifier: give it a rust_name"),
                            );
                            continue;
                        }
                    },
                };
                if wire.is_empty() || wire.contains(['\r', '\n']) {
                    self.err(
                        fi,
                        &vs.name.span(),
                        format!("enum value `{wire:?}` of {what} cannot be sent"),
                    );
                }
                let key = wire.to_ascii_lowercase();
                if let Some(first) = wires.get(&key) {
                    let (line, col) = self.file(fi).line_col(first.start);
                    self.err(
                        fi,
                        &vs.name.span(),
                        format!("enum value `{wire}` of {what} is listed twice (values are case-insensitive; first at line {line}, column {col})"),
                    );
                    continue;
                }
                wires.insert(key, vs.name.span());
                let at = vs.rust_name.as_ref().map_or(vs.name.span(), |r| r.span());
                if rust == "Unknown" {
                    self.err(
                        fi,
                        &at,
                        format!("enum value `{wire}` of {what} maps to `Unknown`, the variant that keeps unlisted values: give it another rust_name"),
                    );
                } else if let Some(first) = variants.get(&rust) {
                    self.err(
                        fi,
                        &at,
                        format!("enum values `{first}` and `{wire}` of {what} both map to the variant `{rust}`: give one a rust_name"),
                    );
                } else {
                    variants.insert(rust.clone(), wire.clone());
                }
                let vwhat = format!("value `{wire}` of {what}");
                values.push(EnumValue {
                    versions: self.versions(fi, life!(vs), &vwhat),
                    deviations: self.deviations(fi, life!(vs), &vwhat),
                    wire,
                    rust,
                    doc: vs.doc.trim().to_owned(),
                });
            }
            return Some(Type::Enum(EnumDef { type_name, values }));
        }
        if let Some(first) = f.values.first() {
            self.err(
                fi,
                &first.span(),
                format!("{what} has values but its type is `{name}`, not `enum`"),
            );
        }
        match Scalar::ALL.iter().find(|(n, _)| *n == name) {
            Some((_, s)) => Some(Type::Scalar(*s)),
            None => {
                let names: Vec<&str> = Scalar::ALL
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(["enum"])
                    .collect();
                self.err(
                    fi,
                    &f.ty.span(),
                    format!(
                        "unknown type `{name}` of {what}{} (expected one of {})",
                        crate::suggest::did_you_mean(name, names.iter().copied()),
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_type() {
        assert!(check_value(&Type::Scalar(Scalar::Uint), "30").is_ok());
        assert_eq!(
            check_value(&Type::Scalar(Scalar::Uint), "-1").unwrap_err(),
            "a valid `uint`"
        );
        assert!(check_value(&Type::Scalar(Scalar::Bool), "Yes").is_ok());
        assert!(check_value(&Type::Scalar(Scalar::Var), "a=b").is_ok());
        assert!(check_value(&Type::Scalar(Scalar::Var), "=b").is_err());
    }
}

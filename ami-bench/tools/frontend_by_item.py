#!/usr/bin/env python3
"""Where the compiler's frontend spends its time in `ami-generated`, by kind of
generated item (setters, derived `Clone`, `Fields::accept`, serde tables...).

Wall-time ablations cannot tell 1 s apart on the shared 2-core VM (CPU time of
the same build moves by +-1.5 s between runs); a profile of ONE build, with each
query's self time given to the generated item that owns it, can. Analysis only
(nightly, never for the workspace build):

    CARGO_TARGET_DIR=/tmp/target-nightly cargo +nightly rustc -p ami-generated \\
        --release --all-features --lib -- -Z no-codegen \\
        -Z self-profile=/tmp/prof -Z self-profile-events=default,query-keys
    mmview /tmp/prof/ami_generated-*.mm_profdata | python3 frontend_by_item.py

`mmview` is a tool of the rust-lang/measureme repository (build it from
there: `cargo build --release -p mmview`). The profile is ~300 MB and this
script needs ~2 minutes and ~3 GB of memory.

Each query event (typeck, mir_borrowck, optimized_mir, eval_static_initializer...)
whose key is an item of the crate belongs to that item's kind, named from
the last segment of its path (`with_*` is a setter, `clone` the derived Clone,
`FIELDS` the encode table...); events without such a key (layout_of, trait
selection...) belong to the item whose query called them. Self time is the
event's time minus that of the events it called. Profiling adds ~30% on
top; compare shares, not seconds, with an unprofiled build.
"""

import collections
import re
import sys

CRATE = "ami_generated"

# Last path segment -> kind of item.
BY_NAME = {
    "clone": "std derive Clone",
    "fmt": "std derive Debug (and Display of enums)",
    "eq": "std derive PartialEq",
    "hash": "std derive Hash",
    "assert_receiver_is_total_eq": "std derive Eq",
    "default": "Default of __AmiPartial",
    "accept": "Fields::accept",
    "accept_unknown": "Fields::accept_unknown",
    "finish": "Fields::finish",
    "finish_into": "Fields::finish_into",
    "encode": "Fields::encode (and Event enum encode)",
    "FIELDS": "static FIELDS (encode table)",
    "unknown_headers": "unknown_headers (Fields, FromEvent, FromResponse)",
    "ser_fields": "serde SerFields::ser_fields",
    "table": "serde SerFields::table",
    "TABLE": "serde static TABLE",
    "serialize": "serde Serialize",
    "deserialize": "serde Deserialize",
    "from_event": "FromEvent::from_event",
    "from_named_event": "FromEvent::from_named_event",
    "from_named_event_boxed": "FromEvent::from_named_event_boxed",
    "accepts": "FromEvent::accepts",
    "accepts_message": "FromEvent::accepts_message",
    "new": "new()",
    "from_message": "from_message",
    "as_str": "AmiEnum as_str",
    "visit_action": "registry visit_action",
    "visit_reply": "registry visit_reply",
    "__ami_from_tree": "events __ami_from_tree",
    "EVENTS": "static EVENTS (events serde)",
}
CONSTS = {"NAME", "SHAPE", "AVAILABILITY", "USER_EVENT", "KIND", "FINISH_EMPTIES", "VALUES"}


def kind_of(key):
    """The kind of item of a query key, or None when it is no item of CRATE."""
    if not key.startswith(CRATE + "::"):
        return None
    last = key.split("::")[-1]
    if last.startswith("with_"):
        return "setters with_*"
    if last.startswith("{{constant"):
        return "inline const blocks (offset_of!)"
    if last in BY_NAME:
        return BY_NAME[last]
    if last in CONSTS:
        return "associated consts"
    if last.startswith("{{impl}}"):
        return "impl headers (well-formedness, coherence)"
    return "other: " + last


def events(lines):
    """(thread, start, end, label, key) of every event mmview prints."""
    ev = {}
    for line in lines:
        line = line.strip()
        if line.startswith("label:"):
            ev["label"] = line[len("label: "):-1]
        elif line.startswith("additional_data:"):
            ev["key"] = line[len("additional_data: ["):-2]
        elif line.startswith("payload:"):
            m = re.match(r"payload: (\d+) μs - (\d+) μs", line)
            if m:
                ev["span"] = (int(m.group(1)), int(m.group(2)))
        elif line.startswith("thread_id:"):
            ev["thread"] = int(line[len("thread_id: "):-1])
        elif line == "}":
            if "span" in ev:
                s, e = ev["span"]
                yield ev.get("thread", 0), s, e, ev.get("label", "?"), ev.get("key", "")
            ev = {}


def main():
    # Events are printed as they end: sort by start (the outer one first).
    evs = sorted(events(sys.stdin), key=lambda t: (t[0], t[1], -t[2]))
    self_time = collections.Counter()
    by_query = collections.defaultdict(collections.Counter)
    items = collections.defaultdict(set)
    stack = []  # [end, kind, label, start, time of children]
    thread = None

    def pop_until(t):
        while stack and stack[-1][0] <= t:
            end, kind, label, start, children = stack.pop()
            own = end - start - children
            self_time[kind] += own
            by_query[kind][label] += own
            if stack:
                stack[-1][4] += end - start

    for th, s, e, label, key in evs:
        if th != thread:
            pop_until(float("inf"))
            thread = th
        pop_until(s)
        kind = kind_of(key) if key else None
        if kind is None:
            kind = stack[-1][1] if stack else "crate-wide: " + label
        else:
            items[kind].add(key)
        stack.append([e, kind, label, s, 0])
    pop_until(float("inf"))

    total = sum(self_time.values())
    print(f"{'self s':>8} {'share':>6} {'items':>6}  kind  [largest queries, s]")
    for kind, t in self_time.most_common(40):
        top = ", ".join(f"{q} {v / 1e6:.2f}" for q, v in by_query[kind].most_common(3))
        print(f"{t / 1e6:8.2f} {100 * t / total:5.1f}% {len(items[kind]):6d}  {kind}  [{top}]")
    print(f"{total / 1e6:8.2f} s in all")


if __name__ == "__main__":
    main()

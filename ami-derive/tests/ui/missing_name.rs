use ami_runtime::derive::AmiFields;

#[derive(AmiFields)]
pub struct Group {
    #[ami(required)]
    pub channel: String,
    pub state: Option<u32>,
    #[ami(flatten, prefix = "Dest")]
    pub dest: (String, String),
    #[ami(name = "Caller:ID")]
    pub caller: Option<String>,
}

fn main() {}

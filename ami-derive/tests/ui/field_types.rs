use ami_runtime::derive::AmiFields;

#[derive(AmiFields)]
pub struct Params {
    #[ami(name = "Channel", required)]
    pub channel: Option<String>,
    #[ami(name = "Category", index = "dash6")]
    pub category: String,
    #[ami(name = "Variable")]
    pub variables: Vec<String>,
    #[ami(name = "Line", index = "dash7")]
    pub lines: Vec<String>,
}

fn main() {}

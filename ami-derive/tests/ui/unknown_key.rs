use ami_runtime::derive::AmiFields;

#[derive(AmiFields)]
pub struct Snapshot {
    #[ami(nmae = "Channel")]
    pub channel: String,
    #[ami(name = "State", required = true)]
    pub state: u32,
}

fn main() {
    // The fallback impl keeps this from failing too.
    fn is_fields<T: ami_runtime::wire::Fields>() {}
    is_fields::<Snapshot>();
}

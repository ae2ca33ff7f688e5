use ami_runtime::derive::AmiEnum;

#[derive(AmiEnum)]
pub enum Mode {
    #[ami(value = "On")]
    On,
    #[ami(value = "on")]
    AlsoOn,
    Off,
}

fn main() {
    // The fallback impl keeps this from failing too.
    let _ = Mode::On.as_str();
}

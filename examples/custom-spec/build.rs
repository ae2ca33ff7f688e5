//! Generates `$OUT_DIR/ami_spec.rs` from `spec/*.toml`; a spec problem
//! stops the build with every problem as `spec/<file>.toml:LINE:COL: ...`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    ami_codegen::Builder::new("spec").generate_to(out_dir)?;
    Ok(())
}

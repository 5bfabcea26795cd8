//! Writes `api/openapi.json` (or prints it with `--stdout`) from the Rust types and the handlers'
//! annotations.
fn main() -> std::io::Result<()> {
    let text = livechat_access_worker::openapi::text();
    if std::env::args().any(|a| a == "--stdout") {
        print!("{text}");
        return Ok(());
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/openapi.json");
    std::fs::write(path, text)
}

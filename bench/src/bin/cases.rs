//! Prints the shared decision cases as JSON, for the wasm benchmark under Node.
fn main() {
    let cases: Vec<_> = livechat_access_bench::cases(300).into_iter().map(|c| c.js).collect();
    println!("{}", serde_json::Value::Array(cases));
}

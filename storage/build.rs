//! Rebuild when migration SQL changes: `embed_migrations!` does not notice new files itself.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}

//! The `carbonsim` command-line front end: parses arguments and calls the library.

fn main() {
    println!("carbonsim {}", env!("CARGO_PKG_VERSION"));
}

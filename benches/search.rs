//! Member search benchmark (being written).
fn main() {}

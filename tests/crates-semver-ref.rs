// SPDX-License-Identifier: Apache-2.0
// Reference for crates-semver-differential.sh: reads "A B" lines and prints
// the semver crate's precedence order ("<", "=", ">": major, minor, patch,
// pre-release; build metadata ignored, as semver.org and OSV's SEMVER
// ranges say, and as the crate's later cmp_precedence() does) or "error"
// when Version::parse rejects either.
use std::io::{self, BufRead, Write};

fn order(a: &str, b: &str) -> &'static str {
    let (a, b) = match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return "error",
    };
    match (a.major, a.minor, a.patch, &a.pre).cmp(&(b.major, b.minor, b.patch, &b.pre)) {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    }
}

fn main() {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout());
    for line in stdin.lock().split(b'\n') {
        let line = String::from_utf8(line.expect("read")).expect("ASCII pairs");
        let f: Vec<&str> = line.split(' ').collect();
        let r = if f.len() == 2 { order(f[0], f[1]) } else { "error" };
        writeln!(out, "{}", r).expect("write");
    }
}

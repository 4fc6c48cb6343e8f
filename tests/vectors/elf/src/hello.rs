// A static-PIE Rust std program: an ELF parser test vector (tests/vectors/elf).
use std::thread;

fn main() {
    let name = std::env::args().next().unwrap_or_default();
    // A thread, so that std's TLS (PT_TLS) is really used.
    let t = thread::spawn(|| 6 * 7);
    let answer = t.join().unwrap_or(0);
    println!("hello from {name}: {answer}");
}

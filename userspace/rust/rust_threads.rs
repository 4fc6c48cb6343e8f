// Rust std threads, built three ways from this one source: by rustc as a
// static glibc static-PIE (/tests/rust_threads), and by scripts/build-eyra.sh
// as an Eyra program, Rust std with no libc underneath, static ET_EXEC
// (/tests/_eyra_threads) and static-PIE relocating itself at start
// (/tests/_eyra_threads_pie), run by eyra.sh. Eyra's runtime (origin)
// starts threads itself with raw clone(CLONE_VM|CLONE_THREAD|CLONE_SETTLS|
// CLONE_CHILD_CLEARTID|...), sets up their TLS and joins them by waiting on
// the tid word the kernel clears at thread exit. Checks:
//  - threads see the pid of the process and tids of their own;
//  - N threads x M increments under Arc<Mutex<_>> give exactly N*M;
//  - thread_local! is per thread; mpsc carries every message; scope joins;
//  - Barrier: 4 threads x 50 rounds, one leader a round, nobody ahead;
//  - a panic in a thread comes back as Err from join;
//  - Vec::try_reserve, asked for twice as much each time, eventually fails
//    with an allocation error (not a crash), and afterwards the program
//    still allocates, fills memory and starts threads.
// A watchdog (alarm, through a raw syscall: Eyra has no alarm()) kills it
// if a join never returns, so a kernel that loses the exit wakeup fails in
// seconds instead of hanging the suite.
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::thread;

fn raw_syscall1(nr: usize, a: usize) -> isize {
    let ret: isize;
    unsafe {
        std::arch::asm!("syscall", inlateout("rax") nr as isize => ret, in("rdi") a,
            lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    ret
}

const SYS_GETPID: usize = 39;
const SYS_ALARM: usize = 37;
const SYS_GETTID: usize = 186;

thread_local! {
    static TLS: Cell<u64> = const { Cell::new(7) };
}

struct T {
    name: &'static str,
    failures: u32,
}

impl T {
    fn check(&mut self, ok: bool, what: &str) {
        if !ok {
            eprintln!("{}: FAIL {}", self.name, what);
            self.failures += 1;
        }
    }
}

fn threads(t: &mut T) -> bool {
    let pid = raw_syscall1(SYS_GETPID, 0);
    let tid = raw_syscall1(SYS_GETTID, 0);
    t.check(pid == tid, "main thread: gettid == getpid");

    // The first spawn tells whether the kernel has threads at all; without
    // them, report it once and skip the rest rather than panicking.
    let first = thread::Builder::new().spawn(move || {
        (raw_syscall1(SYS_GETPID, 0), raw_syscall1(SYS_GETTID, 0))
    });
    let first = match first {
        Ok(h) => h,
        Err(e) => {
            t.check(false, &format!("spawning a thread: {e}"));
            return false;
        }
    };
    match first.join() {
        Ok((p, id)) => {
            t.check(p == pid, "thread's getpid is the process's");
            t.check(id != tid && id > 0, "thread's gettid is its own");
        }
        Err(_) => t.check(false, "first thread panicked"),
    }

    const N: u64 = 4;
    const M: u64 = 20000;
    let total = Arc::new(Mutex::new(0u64));
    let mut hs = Vec::new();
    for i in 0..N {
        let total = Arc::clone(&total);
        hs.push(thread::spawn(move || {
            TLS.with(|c| c.set(100 + i));
            for _ in 0..M {
                *total.lock().unwrap() += 1;
            }
            TLS.with(|c| c.get())
        }));
    }
    for (i, h) in hs.into_iter().enumerate() {
        let got = h.join().unwrap_or(0);
        t.check(got == 100 + i as u64, "thread_local! kept its own value in each thread");
    }
    t.check(*total.lock().unwrap() == N * M, "N threads x M locked increments");
    t.check(TLS.with(|c| c.get()) == 7, "main thread's thread_local! untouched");

    let (tx, rx) = mpsc::channel::<u64>();
    let mut hs = Vec::new();
    for i in 0..3u64 {
        let tx = tx.clone();
        hs.push(thread::spawn(move || {
            for j in 0..1000u64 {
                tx.send(i * 1000 + j).unwrap();
            }
        }));
    }
    drop(tx);
    let sum: u64 = rx.iter().sum();
    t.check(sum == (0..3000u64).sum::<u64>(), "mpsc delivered every message once");
    for h in hs {
        t.check(h.join().is_ok(), "mpsc sender joined");
    }

    let mut parts = [0u64; 4];
    thread::scope(|s| {
        for (k, p) in parts.iter_mut().enumerate() {
            s.spawn(move || *p = (k as u64 + 1) * 10);
        }
    });
    t.check(parts == [10, 20, 30, 40], "thread::scope wrote through borrows");

    const BT: usize = 4;
    const ROUNDS: usize = 50;
    let bar = Arc::new(Barrier::new(BT));
    let arrived = Arc::new(AtomicUsize::new(0));
    let leaders = Arc::new(AtomicUsize::new(0));
    let ahead = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..BT)
        .map(|_| {
            let (bar, arrived, leaders, ahead) =
                (Arc::clone(&bar), Arc::clone(&arrived), Arc::clone(&leaders), Arc::clone(&ahead));
            thread::spawn(move || {
                for r in 0..ROUNDS {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    if bar.wait().is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                    // all BT of round r are in; nobody can be past round r
                    let a = arrived.load(Ordering::SeqCst);
                    if a < (r + 1) * BT || a > (r + 1) * BT {
                        ahead.fetch_add(1, Ordering::SeqCst);
                    }
                    bar.wait();
                }
            })
        })
        .collect();
    for h in hs {
        t.check(h.join().is_ok(), "barrier thread joined");
    }
    t.check(leaders.load(Ordering::SeqCst) == ROUNDS, "Barrier: one leader a round");
    t.check(ahead.load(Ordering::SeqCst) == 0, "Barrier: nobody ahead of a round");

    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| eprintln!("# a thread panicked, on purpose")));
    let r = thread::spawn(|| {
        if raw_syscall1(SYS_GETPID, 0) > 0 {
            panic!("deliberate panic in a thread");
        }
        5
    })
    .join();
    std::panic::set_hook(hook);
    t.check(r.is_err(), "a thread's panic comes back from join as Err");
    true
}

fn oom(t: &mut T) {
    // Reserve 1 MiB, 2 MiB, 4 MiB... and keep each, touching only its first
    // and last byte: address space runs out (or the kernel refuses) long
    // before 2^47 bytes, and try_reserve must say so with an error.
    let mut held: Vec<Vec<u8>> = Vec::new();
    let mut size: usize = 1 << 20;
    let mut failed = false;
    while size <= 1 << 47 {
        let mut v: Vec<u8> = Vec::new();
        match v.try_reserve_exact(size) {
            Ok(()) => {
                let p = v.as_mut_ptr();
                unsafe {
                    p.write_volatile(1);
                    p.add(size - 1).write_volatile(1);
                }
                held.push(v);
                size *= 2;
            }
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    t.check(failed, "try_reserve failed with an allocation error before 128 TiB");
    drop(held);

    let mut v: Vec<u64> = Vec::new();
    t.check(v.try_reserve(1 << 20).is_ok(), "after the failure: try_reserve(8 MiB) works");
    v.extend((0..(1u64 << 20)).map(|x| x ^ 0x5a5a));
    let s: u64 = v.iter().map(|x| x ^ 0x5a5a).sum();
    t.check(s == (1u64 << 20) * ((1u64 << 20) - 1) / 2, "after the failure: 8 MiB filled and read back");
}

fn main() {
    // named after argv[0]: one source, three programs
    let arg0 = std::env::args().next().unwrap_or_default();
    let base = arg0.rsplit('/').next().unwrap_or("rust_threads").trim_start_matches('_');
    let name: &'static str = Box::leak(base.to_string().into_boxed_str());
    let mut t = T { name, failures: 0 };
    raw_syscall1(SYS_ALARM, 30);
    let have_threads = threads(&mut t);
    oom(&mut t);
    if have_threads {
        let h = thread::Builder::new().spawn(|| 42);
        t.check(h.map(|h| h.join().unwrap_or(0) == 42).unwrap_or(false),
            "after the allocation failure a thread still starts and joins");
    }
    if t.failures == 0 {
        println!("{}: ok", t.name);
    } else {
        eprintln!("{}: {} checks failed", t.name, t.failures);
    }
    std::process::exit(if t.failures == 0 { 0 } else { 1 });
}

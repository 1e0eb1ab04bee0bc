//! The binary in a terminal: `script` (util-linux) gives it a pseudo-terminal, so the password
//! is prompted for without echo, as a person at a shell sees it. Fails, never skips, without
//! `script`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{World, PASSWORD};

/// What the terminal showed, and the exit code of the shell line run in it.
struct Screen {
    text: String,
    code: Option<i32>,
}

/// Runs `shell_line` in a pseudo-terminal; once the screen shows `prompt`, types `keys`.
fn in_terminal(shell_line: &str, prompt: &str, keys: &[u8]) -> Screen {
    assert!(
        Command::new("script").arg("--version").output().is_ok(),
        "this test needs `script` (util-linux) for a pseudo-terminal"
    );
    let mut child = Command::new("script")
        .args(["-qfec", shell_line, "/dev/null"])
        .env_remove("COGNITO_AUTH_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut typed = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(bytes) => screen.extend_from_slice(&bytes),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!(
                    "the terminal session did not end: {}",
                    String::from_utf8_lossy(&screen)
                );
            }
        }
        if !typed && String::from_utf8_lossy(&screen).contains(prompt) {
            // rpassword writes the prompt, then turns echo off: keys typed in between are
            // echoed, as type-ahead is at any prompt. A person is slower than this test.
            std::thread::sleep(Duration::from_millis(200));
            let stdin = child.stdin.as_mut().unwrap();
            stdin.write_all(keys).unwrap();
            stdin.flush().unwrap();
            typed = true;
        }
    }
    let status = child.wait().unwrap();
    Screen {
        text: String::from_utf8_lossy(&screen).replace('\r', ""),
        code: status.code(),
    }
}

fn sign_in_line(world: &World, session: &str) -> String {
    format!(
        "{} --config {} --endpoint {} --session {} sign-in alice",
        env!("CARGO_BIN_EXE_cognito-auth"),
        world.config.display(),
        world.endpoint,
        world.session(session).display()
    )
}

#[test]
fn the_password_is_prompted_for_without_echo() {
    let world = World::emulator();
    let screen = in_terminal(
        &sign_in_line(&world, "tty"),
        "password: ",
        format!("{PASSWORD}\r").as_bytes(),
    );
    assert_eq!(screen.code, Some(0), "{}", screen.text);
    assert!(
        screen.text.contains("signed in as alice"),
        "{}",
        screen.text
    );
    assert!(!screen.text.contains(PASSWORD), "echoed: {}", screen.text);
}

#[test]
fn ctrl_c_at_the_password_prompt_leaves_the_terminal_echoing() {
    let world = World::emulator();
    let line = format!(
        "{}; echo \"exit=$?\"; stty -a",
        sign_in_line(&world, "interrupted")
    );
    let screen = in_terminal(&line, "password: ", b"\x03");
    assert!(screen.text.contains("exit=130"), "{}", screen.text);
    // `stty -a` lists `echo` when echo is on and `-echo` when it is off.
    let settings: Vec<&str> = screen.text.split_whitespace().collect();
    assert!(settings.contains(&"echo"), "echo is off: {}", screen.text);
    assert!(!settings.contains(&"-echo"), "echo is off: {}", screen.text);
}

//! The sender thread: payloads per sink, HTTP posts with timeouts and retries, and
//! `--alert-exec` children that are killed when they overrun.

use super::{Alert, Stats};
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Webhook body shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// `{"text": …, "blocks": [mrkdwn section]}`.
    Slack,
    /// `{"content": …}` (at most 2000 characters), mentions disabled.
    Discord,
    /// `{"source": "lbtop", "alert": "new", "text": …, "count": n, "event": {…}}`.
    Json,
}

impl Payload {
    /// Pick the shape from the webhook's host.
    pub fn detect(url: &str) -> Payload {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
        let is = |d: &str| host == d || host.ends_with(&format!(".{d}"));
        if is("hooks.slack.com") {
            Payload::Slack
        } else if is("discord.com") || is("discordapp.com") {
            Payload::Discord
        } else {
            Payload::Json
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    Webhook { url: String, payload: Payload },
    Exec(String),
}

#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Alerts waiting for the sender beyond this are dropped (and counted).
    pub queue: usize,
    /// Whole-request timeout (connect, send, response).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts per delivery, including the first.
    pub tries: u32,
    /// First retry delay, doubled per retry up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// A `Retry-After` up to this is honoured; a longer one gives up.
    pub max_retry_after: Duration,
    /// An `--alert-exec` child still running after this is killed.
    pub exec_timeout: Duration,
    /// At shutdown, how long queued alerts may still take.
    pub grace: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            queue: 256,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(3),
            tries: 4,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(10),
            exec_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(5),
        }
    }
}

/// The body for one alert in one shape.
pub fn payload(p: Payload, a: &Alert) -> String {
    let v = match p {
        Payload::Slack => {
            let text = slack_escape(&a.text);
            json!({
                "text": text,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*\n{}", slack_escape(&title(a)), text)}}],
            })
        }
        Payload::Discord => {
            let text: String = a.text.chars().take(2000).collect();
            // Request lines are attacker-controlled: no @everyone pings from them.
            json!({"content": text, "allowed_mentions": {"parse": []}})
        }
        Payload::Json => json!({
            "source": "lbtop",
            "alert": a.kind,
            "text": a.text,
            "count": a.count,
            "event": a.event,
        }),
    };
    v.to_string()
}

fn title(a: &Alert) -> String {
    let kind = match &a.event {
        crate::event::Event::Anomaly(_) => "anomaly",
        crate::event::Event::Client(_) => "client",
        crate::event::Event::Security(_) => "security",
        _ => "event",
    };
    let what = match a.kind {
        super::AlertKind::New => "new",
        super::AlertKind::Update => "update",
        super::AlertKind::Aggregate => "aggregate",
    };
    format!("lbtop {kind} ({what})")
}

/// Slack treats `<…>` as links and mentions: escape the three control characters.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn run(
    rx: Receiver<Alert>,
    sinks: Vec<Sink>,
    cfg: SenderConfig,
    stats: &Stats,
    deadline: &Mutex<Option<Instant>>,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.timeout))
        .timeout_connect(Some(cfg.connect_timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("lbtop/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let past = |d: &Mutex<Option<Instant>>| {
        d.lock()
            .ok()
            .and_then(|d| *d)
            .is_some_and(|d| Instant::now() >= d)
    };
    for alert in rx.iter() {
        for sink in &sinks {
            let ok = !past(deadline)
                && match sink {
                    Sink::Webhook { url, payload: p } => {
                        post(&agent, url, &payload(*p, &alert), &cfg, deadline)
                    }
                    Sink::Exec(cmd) => exec(cmd, &payload(Payload::Json, &alert), &cfg),
                };
            let c = if ok { &stats.sent } else { &stats.failed };
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Outcome of one attempt.
enum Try {
    Done,
    /// Retry, after at least this long when the server said so.
    Again(Option<Duration>),
    GiveUp,
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    body: &str,
    cfg: &SenderConfig,
    deadline: &Mutex<Option<Instant>>,
) -> bool {
    let mut delay = cfg.backoff;
    for attempt in 1..=cfg.tries.max(1) {
        let res = agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body);
        let t = match res {
            Ok(resp) => {
                let code = resp.status().as_u16();
                match code {
                    200..=299 => Try::Done,
                    429 | 500..=599 => {
                        let after = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        match after {
                            Some(a) if a > cfg.max_retry_after => Try::GiveUp,
                            a => Try::Again(a),
                        }
                    }
                    _ => Try::GiveUp,
                }
            }
            Err(
                ureq::Error::Timeout(_)
                | ureq::Error::Io(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Protocol(_),
            ) => Try::Again(None),
            Err(_) => Try::GiveUp,
        };
        match t {
            Try::Done => return true,
            Try::GiveUp => return false,
            Try::Again(after) => {
                if attempt == cfg.tries {
                    return false;
                }
                let wait = after.unwrap_or(delay);
                delay = (delay * 2).min(cfg.max_backoff);
                // Never sleep past the shutdown deadline.
                let until = Instant::now() + wait;
                let stop = deadline.lock().ok().and_then(|d| *d);
                if stop.is_some_and(|s| s <= until) {
                    return false;
                }
                std::thread::sleep(wait);
                let stop = deadline.lock().ok().and_then(|d| *d);
                if stop.is_some_and(|s| Instant::now() >= s) {
                    return false;
                }
            }
        }
    }
    false
}

/// `sh -c CMD` with the alert as one JSON line on stdin; success is exit status 0 in time.
fn exec(cmd: &str, line: &str, cfg: &SenderConfig) -> bool {
    let child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A command that ignores its stdin may close it early: not a failure by itself.
        let _ = stdin.write_all(line.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if start.elapsed() < cfg.exec_timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ClientEvent, Event, LogTime};

    fn alert(text: &str) -> Alert {
        Alert {
            kind: super::super::AlertKind::New,
            text: text.into(),
            count: 1,
            event: Event::Client(ClientEvent {
                time: LogTime(0),
                client_ip: "10.0.0.1".into(),
                behavior: crate::event::Behavior::Scanner,
                summary: "s".into(),
                requests: 3,
                path: None,
                clients: None,
            }),
        }
    }

    #[test]
    fn payload_shape_follows_the_host() {
        assert_eq!(
            Payload::detect("https://hooks.slack.com/services/T/B/x"),
            Payload::Slack
        );
        assert_eq!(
            Payload::detect("https://discord.com/api/webhooks/1/a"),
            Payload::Discord
        );
        assert_eq!(
            Payload::detect("https://ptb.discordapp.com/api/webhooks/1/a"),
            Payload::Discord
        );
        assert_eq!(
            Payload::detect("https://evil.com/hooks.slack.com"),
            Payload::Json
        );
        assert_eq!(
            Payload::detect("http://user@hooks.slack.com.evil.net:80/x"),
            Payload::Json
        );
    }

    #[test]
    fn payloads_are_json_of_the_right_shape() {
        let a = alert("<!channel> & @everyone");
        let s: serde_json::Value = serde_json::from_str(&payload(Payload::Slack, &a)).unwrap();
        assert_eq!(s["text"], "&lt;!channel&gt; &amp; @everyone");
        assert_eq!(s["blocks"][0]["text"]["type"], "mrkdwn");
        let long = alert(&"é".repeat(3000));
        let d: serde_json::Value = serde_json::from_str(&payload(Payload::Discord, &long)).unwrap();
        assert_eq!(d["content"].as_str().unwrap().chars().count(), 2000);
        assert_eq!(d["allowed_mentions"]["parse"], serde_json::json!([]));
        let j: serde_json::Value = serde_json::from_str(&payload(Payload::Json, &a)).unwrap();
        assert_eq!(j["alert"], "new");
        assert_eq!(j["event"]["kind"], "client");
        assert_eq!(j["event"]["client_ip"], "10.0.0.1");
    }

    /// Answers each connection with the next canned response; returns the address and a
    /// counter of requests seen.
    fn canned(
        responses: Vec<&'static str>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::Read;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}/h", l.local_addr().unwrap());
        let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = n.clone();
        std::thread::spawn(move || {
            for (conn, resp) in l.incoming().zip(responses) {
                let Ok(mut s) = conn else { continue };
                let mut buf = [0u8; 4096];
                let mut got = Vec::new();
                // Headers and the small body arrive together or in a few reads.
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(k) => got.extend_from_slice(&buf[..k]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = s.write_all(resp.as_bytes());
            }
        });
        (addr, n)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .into()
    }

    #[test]
    fn retry_after_is_honoured_when_small_and_gives_up_when_long() {
        let cfg = SenderConfig {
            backoff: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(2),
            ..SenderConfig::default()
        };
        let no_deadline = Mutex::new(None);
        let r429 = |after: &str| -> &'static str {
            Box::leak(
                format!("HTTP/1.1 429 Too Many\r\nRetry-After: {after}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .into_boxed_str(),
            )
        };
        let ok = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
        let (url, n) = canned(vec![r429("1"), ok]);
        let t = Instant::now();
        assert!(post(&agent(), &url, "{}", &cfg, &no_deadline));
        assert_eq!(n.load(Ordering::SeqCst), 2);
        assert!(
            t.elapsed() >= Duration::from_millis(900),
            "waited as told: {:?}",
            t.elapsed()
        );

        let (url, n) = canned(vec![r429("3600"), ok]);
        assert!(!post(&agent(), &url, "{}", &cfg, &no_deadline));
        assert_eq!(
            n.load(Ordering::SeqCst),
            1,
            "an hour is too long to hold the queue"
        );

        // Past the shutdown deadline a retry is not attempted.
        let (url, n) = canned(vec![
            "HTTP/1.1 503 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            ok,
        ]);
        let past = Mutex::new(Some(Instant::now()));
        assert!(!post(&agent(), &url, "{}", &cfg, &past));
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn exec_is_killed_after_its_timeout() {
        let cfg = SenderConfig {
            exec_timeout: Duration::from_millis(200),
            ..SenderConfig::default()
        };
        let t = Instant::now();
        assert!(!exec("sleep 5", "{}", &cfg));
        assert!(t.elapsed() < Duration::from_secs(3));
        assert!(exec("cat > /dev/null", "{}", &cfg));
        assert!(!exec("exit 3", "{}", &cfg));
    }
}

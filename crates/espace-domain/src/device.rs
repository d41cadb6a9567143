//! Which browser on which system, from a `User-Agent` header, for the
//! devices page, the timeline and the new-device notice.

/// A recognised browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// "Chrome 156"
    pub browser: String,
    /// "Linux"; `None` when unknown.
    pub os: Option<String>,
}

pub fn parse(user_agent: &str) -> Option<Device> {
    let ua = woothee::parser::Parser::new().parse(user_agent)?;
    if ua.name == "UNKNOWN" {
        return None;
    }
    let browser = if ua.version.is_empty() || ua.version == "UNKNOWN" {
        ua.name.to_owned()
    } else {
        format!(
            "{} {}",
            ua.name,
            ua.version.split('.').next().unwrap_or(ua.version)
        )
    };
    let os = (ua.os != "UNKNOWN").then(|| ua.os.to_owned());
    Some(Device { browser, os })
}

/// A short name for what this browser runs on, the same in every language:
/// "Chrome · Linux", "Safari · iPhone", or only the browser when the
/// system is unknown. Names a passkey made there when its owner gave it
/// no name.
pub fn short_name(user_agent: &str) -> Option<String> {
    let ua = woothee::parser::Parser::new().parse(user_agent)?;
    if ua.name == "UNKNOWN" {
        return None;
    }
    Some(if ua.os == "UNKNOWN" {
        ua.name.to_owned()
    } else {
        format!("{} · {}", ua.name, ua.os)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chrome_on_linux_is_named_and_noise_is_not() {
        let d = parse("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36").unwrap();
        assert_eq!(d.browser, "Chrome 156");
        assert_eq!(d.os.as_deref(), Some("Linux"));
        assert_eq!(parse("curl-ish"), None);
    }

    #[test]
    fn a_short_name_has_no_version() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(short_name(chrome).as_deref(), Some("Chrome · Linux"));
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
        assert_eq!(short_name(firefox).as_deref(), Some("Firefox · Windows 10"));
        assert_eq!(short_name(""), None);
        assert_eq!(short_name("curl-ish"), None);
    }
}

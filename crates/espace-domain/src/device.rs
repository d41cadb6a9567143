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
}

//! Authenticator apps (SPEC §4.1): TOTP per RFC 6238 with HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of drift either way, and each step
//! accepted once (a code seen is never accepted again).

use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha1::Sha1;

/// Seconds per step (RFC 6238 `X`).
pub const STEP_SECS: i64 = 30;
/// Secret length: 160 bits, the HMAC-SHA-1 block size RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;

/// The step a moment falls in (RFC 6238 `T`, with `T0` = 0).
pub fn step_of(at: Timestamp) -> i64 {
    at.as_second().div_euclid(STEP_SECS)
}

/// The 6-digit code of `step` (RFC 4226 dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        // HMAC accepts keys of any length; unreachable in practice.
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", binary % 1_000_000)
}

/// Checks a typed code at `now`: the step it matches, if it matches the
/// current step or one either side, and is later than `last_step` (the
/// step last accepted). Constant work: all three steps are computed.
pub fn verify(secret: &[u8], code: &str, now: Timestamp, last_step: Option<i64>) -> Option<i64> {
    let current = step_of(now);
    let mut found = None;
    for step in [current - 1, current, current + 1] {
        let expected = code_at(secret, step);
        let same = expected.len() == code.len()
            && expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same && found.is_none() {
            found = Some(step);
        }
    }
    found.filter(|s| last_step.is_none_or(|last| *s > last))
}

/// RFC 4648 base 32 without padding: how authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` URI of the QR code (Key Uri Format).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors_truncated_to_six_digits() {
        // RFC 6238 Appendix B (8 digits): 94287082, 07081804, 14050471,
        // 89005924, 69279037, 65353130.
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(RFC_SECRET, step_of(at(t))), code, "T = {t}");
        }
    }

    #[test]
    fn one_step_of_drift_each_way_and_each_step_once() {
        let now = at(1_111_111_111);
        let step = step_of(now);
        let before = code_at(RFC_SECRET, step - 1);
        let after = code_at(RFC_SECRET, step + 1);
        let too_old = code_at(RFC_SECRET, step - 2);
        assert_eq!(verify(RFC_SECRET, &before, now, None), Some(step - 1));
        assert_eq!(verify(RFC_SECRET, &after, now, None), Some(step + 1));
        assert_eq!(verify(RFC_SECRET, &too_old, now, None), None);
        let current = code_at(RFC_SECRET, step);
        assert_eq!(
            verify(RFC_SECRET, &current, now, Some(step - 1)),
            Some(step)
        );
        assert_eq!(
            verify(RFC_SECRET, &current, now, Some(step)),
            None,
            "a replay"
        );
        assert_eq!(
            verify(RFC_SECRET, &before, now, Some(step)),
            None,
            "an older code after a newer one"
        );
        assert_eq!(verify(RFC_SECRET, "12345", now, None), None);
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"fo"), "MZXQ");
        assert_eq!(base32(b"foo"), "MZXW6");
        assert_eq!(base32(b"foob"), "MZXW6YQ");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn the_uri_escapes_issuer_and_account() {
        let uri = otpauth_uri("Espace", "alice.martin", RFC_SECRET);
        assert_eq!(
            uri,
            "otpauth://totp/Espace:alice.martin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Espace&algorithm=SHA1&digits=6&period=30"
        );
        assert!(otpauth_uri("My Co", "a b", b"x").starts_with("otpauth://totp/My%20Co:a%20b?"));
    }
}

//! Base64 as the API server decodes a Secret's `data`.

/// Standard base64 (padding optional, whitespace ignored); None when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    // Padded standard base64, as the API server decodes Secret `data`; line breaks ignored.
    let body: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    let pad = body.iter().rev().take_while(|b| **b == b'=').count();
    if !body.len().is_multiple_of(4) || pad > 2 || body.iter().rev().skip(pad).any(|b| *b == b'=') {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

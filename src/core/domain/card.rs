//! Payment-card helpers used by task virtual agents: the Luhn checksum that decides whether
//! a typed number can be a card at all, and the mask under which a captured number may be
//! shown to the human agent.

/// True when `digits` (ASCII digits only, 12 to 19 of them) passes the Luhn checksum.
pub fn passes_luhn(digits: &str) -> bool {
    if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if !position.is_multiple_of(2) {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Masks all but the last four characters: `4111111111111111` becomes `**** **** **** 1111`.
/// Values of four characters or fewer are masked completely, so a mask never reveals a
/// short secret.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len().max(4));
    }
    let last_four: String = chars[chars.len() - 4..].iter().collect();
    format!("**** **** **** {last_four}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_test_card_numbers_pass_luhn() {
        assert!(passes_luhn("4111111111111111"));
        assert!(passes_luhn("5555555555554444"));
        assert!(passes_luhn("378282246310005"));
    }

    #[test]
    fn a_changed_digit_fails_luhn() {
        assert!(!passes_luhn("4111111111111112"));
        assert!(!passes_luhn("1234567812345678"));
    }

    #[test]
    fn too_short_or_non_digit_input_fails_luhn() {
        assert!(!passes_luhn("0"));
        assert!(!passes_luhn("41111111111a1111"));
    }

    #[test]
    fn mask_keeps_only_the_last_four_digits() {
        assert_eq!(mask("4111111111111111"), "**** **** **** 1111");
        assert_eq!(mask("1234"), "****");
    }
}
